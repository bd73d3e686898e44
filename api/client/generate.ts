/**
 * `npm run client -w api`: writes what the API serves at /openapi.json to api/client/openapi.json
 * and generates api/client/schema.ts from it with openapi-typescript. Run it after changing a
 * route or schema; api/test/unit/client.test.ts fails while either file is stale.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { openapiTypescriptArgs, SCHEMA_FILE, servedSpec, SPEC_FILE } from './spec';

async function main(): Promise<void> {
  writeFileSync(SPEC_FILE, `${JSON.stringify(await servedSpec(), null, 2)}\n`);
  const result = spawnSync(process.execPath, openapiTypescriptArgs(SPEC_FILE, SCHEMA_FILE), { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`openapi-typescript failed: ${result.stderr}`);
  }
  process.stdout.write('api/client/openapi.json and api/client/schema.ts written\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
