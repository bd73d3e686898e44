/** Azurite for tests: in memory, free ports, stopped by the caller. Reused by the e2e helper. */
export { startAzurite } from '../../src/storage/azurite';
export type { RunningAzurite } from '../../src/storage/azurite';
