import { ConfigError, loadConfig } from './config/config';
import { startAzurite, RunningAzurite } from './storage/azurite';
import { startApi } from './server';

/**
 * `npm start`: validates the configuration (naming every bad setting), starts the embedded
 * Azurite in development, then the API. Production uses the configured storage.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let azurite: RunningAzurite | undefined;
  if (config.storage.embeddedAzurite) {
    azurite = await startAzurite({ tablePort: config.storage.tablePort, queuePort: config.storage.queuePort, location: config.storage.location });
    config.storage.connectionString = azurite.connectionString;
  }
  let api;
  try {
    api = await startApi(config);
  } catch (error) {
    await azurite?.stop();
    throw error;
  }
  process.stdout.write(`Connection API listening at ${api.url} (OpenAPI: ${api.url}/openapi.json)\n`);
  const stop = async (): Promise<void> => {
    await api.close();
    await azurite?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`The connection API did not start: ${(error as Error).message}\n`);
  process.exit(1);
});
