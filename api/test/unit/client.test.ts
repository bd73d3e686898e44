import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openapiTypescriptArgs, SCHEMA_FILE, servedSpec, SPEC_FILE } from '../../client/spec';

jest.setTimeout(60_000);

describe('LMS client (api/client)', () => {
  it('client - openapi.json is exactly what the API serves at /openapi.json (else: npm run client -w api)', async () => {
    const checkedIn = JSON.parse(readFileSync(SPEC_FILE, 'utf8'));
    expect(checkedIn).toEqual(await servedSpec());
  });

  it('client - schema.ts is what openapi-typescript generates from openapi.json (else: npm run client -w api)', () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'lms-client-')), 'schema.ts');
    const result = spawnSync(process.execPath, openapiTypescriptArgs(SPEC_FILE, out), { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it('client - the spec names the LMS operations with their shared schemas', () => {
    const spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8'));
    expect(Object.keys(spec.components.schemas)).toEqual(expect.arrayContaining(['Problem', 'NotificationStatus']));
    expect(spec.paths['/v1/catalogs/{catalog}/notifications/{id}'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/NotificationStatus' });
  });

  it('client - the Idempotency-Key the route requires is required in the spec (the generated client will not compile a call without it), and the answers\' headers are named', () => {
    const spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8'));
    const queue = spec.paths['/v1/catalogs/{catalog}/notifications'].post;
    expect(queue.parameters.find((p: { name: string }) => p.name === 'idempotency-key')).toMatchObject({ in: 'header', required: true });
    expect(Object.keys(queue.responses['202'].headers)).toEqual(['Location']);
    expect(Object.keys(queue.responses['4XX'].headers)).toEqual(['Retry-After']);
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toMatch(/"idempotency-key": string;/);
  });
});
