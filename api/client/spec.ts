import path from 'node:path';
import { buildApp } from '../src/app';
import { azuriteConnectionString, findRepoRoot } from '../src/config/config';
import { startAzurite } from '../dev/azurite';
import { testConfig } from '../test/support/testConfig';

/** The API's OpenAPI document exactly as GET /openapi.json answers it (built in process over an in-memory Azurite). */
export async function servedSpec(): Promise<unknown> {
  const azurite = await startAzurite();
  try {
    const config = testConfig({ STORAGE_CONNECTION_STRING: azuriteConnectionString(azurite.tablePort, azurite.queuePort), LOG_LEVEL: 'silent' });
    const { app } = await buildApp(config);
    try {
      return (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    } finally {
      await app.close();
    }
  } finally {
    await azurite.stop();
  }
}

// Found from the repository root: the script runs bundled from api/dist-bench/.
const clientDir = path.join(findRepoRoot(__dirname), 'api', 'client');
export const SPEC_FILE = path.join(clientDir, 'openapi.json');
export const SCHEMA_FILE = path.join(clientDir, 'schema.ts');

/** Arguments for `node` that run openapi-typescript on `specFile`, writing `outFile`. */
export function openapiTypescriptArgs(specFile: string, outFile: string): string[] {
  return [path.join(path.dirname(require.resolve('openapi-typescript/package.json')), 'bin', 'cli.js'), specFile, '-o', outFile];
}
