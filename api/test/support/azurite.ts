/** Azurite for tests: in memory, free ports, stopped by the caller. Reused by the e2e helper. */
export { startAzurite } from '../../dev/azurite';
export type { RunningAzurite } from '../../dev/azurite';
