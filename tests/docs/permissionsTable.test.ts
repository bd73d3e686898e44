import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const FILE = JSON.parse(readFileSync(path.join(ROOT, 'infra', 'permissions.json'), 'utf8')) as { permissions: { app: string; resource: string; type: string; permission: string }[] };
const RESOURCE_NAMES: Record<string, string> = { graph: 'Microsoft Graph', sharepoint: 'SharePoint', exchange: 'Exchange Online' };

/** The rows of docs/permissions.md's table of the connection API's permissions: permission, resource, type. */
function documentedRows(): string[] {
  const doc = readFileSync(path.join(ROOT, 'docs', 'permissions.md'), 'utf8');
  const start = doc.indexOf('| permission | resource | type |');
  expect(start).toBeGreaterThan(-1);
  const rows: string[] = [];
  for (const line of doc.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [permission, resource, type] = line.split('|').slice(1, 4).map((c) => c.trim().replace(/`/g, ''));
    rows.push(`${permission} | ${resource} | ${type}`);
  }
  return rows;
}

describe('docs/permissions.md', () => {
  test("its table names exactly the connection API's permissions of infra/permissions.json, in order", () => {
    const api = FILE.permissions.filter((p) => p.app === 'connectionApi').map((p) => `${p.permission} | ${RESOURCE_NAMES[p.resource] ?? p.resource} | ${p.type}`);
    expect(documentedRows()).toEqual(api);
  });
});
