import { ApiConfig, ConfigError, loadConfig } from './config/config';
import { openKek } from './app';
import { rewrapAll } from './secrets/rewrap';
import { forgetCatalog } from './catalogs/forgetCatalog';
import { normaliseCatalog } from './catalogs/catalogId';
import { startApi } from './server';
import { ApiError } from './errors/apiError';
import { openTables, statusOf } from './storage/tables';

/** The configuration, or exit 2 naming every bad setting. */
export function configOrExit(env: NodeJS.ProcessEnv): ApiConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** Starts the API and runs it until SIGINT/SIGTERM; `stopAlso` runs after the API closed. */
export async function serveUntilSignal(config: ApiConfig, stopAlso: () => Promise<void> = async () => undefined): Promise<void> {
  let api;
  try {
    api = await startApi(config);
  } catch (error) {
    await stopAlso();
    throw error;
  }
  // The mode says which defaults apply (docs/api.md, Configuration): the first thing to read when an instance behaves unexpectedly.
  process.stdout.write(`Connection API listening at ${api.url} (OpenAPI: ${api.url}/openapi.json; ${config.production ? 'production' : 'development'} mode, tenant ${config.tenantId}, authority ${config.authorityHost})\n`);
  const running = api;
  const stop = async (): Promise<void> => {
    await running.close();
    await stopAlso();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/**
 * The production entry: the configured storage only. The development entry (api/dev/main.ts,
 * what `npm start` runs) starts the embedded Azurite first; this one never loads it.
 */
async function main(): Promise<void> {
  const config = configOrExit(process.env);
  if (config.storage.embeddedAzurite) {
    process.stderr.write('STORAGE_CONNECTION_STRING is not set. In development start the API with `npm start` (or `npm run start -w api`), which runs api/dev/main.js and its embedded Azurite.\n');
    process.exit(2);
  }
  if (process.argv[2] === 'rewrap-keys') {
    // Key rotation (docs/operations.md): same settings as the API, run once beside the running instances.
    const tables = await openTables(config.storage.connectionString);
    const report = await rewrapAll(Object.values(tables), openKek(config));
    process.stdout.write(`Re-wrapped ${report.rewrapped} data keys under ${config.kek.kind === 'key-vault' ? config.kek.keyId : 'the current local key'} (${report.examined} examined, ${report.skipped} rewritten by the API meanwhile)\n`);
    return;
  }
  if (process.argv[2] === 'forget-catalog') {
    // Retiring a catalog whose site is gone (docs/operations.md): everything the API keeps for it.
    let catalog: string;
    try {
      catalog = normaliseCatalog(process.argv[3] ?? '', config.sharePointOrigin);
    } catch {
      process.stderr.write(`Usage: forget-catalog <the catalog site's URL, under ${config.sharePointOrigin}>\n`);
      process.exit(2);
    }
    const report = await forgetCatalog(await openTables(config.storage.connectionString), catalog);
    process.stdout.write(`Forgot ${catalog}: ${Object.entries(report.deleted).map(([table, n]) => `${table} ${n}`).join(', ')} rows deleted\n`);
    return;
  }
  if (process.argv[2] !== undefined) {
    process.stderr.write(`Unknown command "${process.argv[2]}": run without arguments to serve, "rewrap-keys" or "forget-catalog <url>".\n`);
    process.exit(2);
  }
  await serveUntilSignal(config);
}

/**
 * Why the API did not start, for the log stream. Storage's 403 right after a deployment is usually
 * a role assignment not yet in effect (Azure RBAC: up to 10 minutes): App Service starts the API
 * again, and it comes up once the roles apply. (Key Vault is not asked at start.)
 */
export function startFailure(error: unknown): string {
  // The API's own errors say what the service behind answered in `upstream` (a key id not configured, "keyvault 403").
  const message = error instanceof ApiError && error.upstream ? `${error.code} (${error.upstream})` : error instanceof Error ? error.message.split(/\r?\n/)[0] : String(error);
  // The queue's refusal reaches here as the API's own storage error (SERVICE_UNAVAILABLE, "storage 403").
  const refused = statusOf(error) === 403 || (error instanceof ApiError && error.upstream === 'storage 403');
  const hint = refused
    ? ' The API\'s identity was refused by the storage account (403): right after a deployment its role assignments can take up to 10 minutes to apply, and App Service starts the API again meanwhile; if this lasts, check its Storage Table and Queue Data Contributor roles (docs/deploy.md, step 2).'
    : '';
  return `The connection API did not start: ${message}${hint}`;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${startFailure(error)}\n`);
    process.exit(1);
  });
}
