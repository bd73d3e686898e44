import { configOrExit, serveUntilSignal } from '../src/main';
import { RunningAzurite, startAzurite } from './azurite';

/**
 * The development entry (`npm start`, scripts/stack.mjs): like the production entry, but without
 * a configured storage it starts the embedded Azurite (data in .local/azurite) and uses it.
 */
async function main(): Promise<void> {
  const config = configOrExit(process.env);
  let azurite: RunningAzurite | undefined;
  if (config.storage.embeddedAzurite) {
    azurite = await startAzurite({ tablePort: config.storage.tablePort, queuePort: config.storage.queuePort, location: config.storage.location });
    config.storage.connectionString = azurite.connectionString;
  }
  await serveUntilSignal(config, async () => {
    await azurite?.stop();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`The connection API did not start: ${(error as Error).message}\n`);
  process.exit(1);
});
