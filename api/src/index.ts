/** The API's public surface: the root `npm start` orchestrator and the browser tests use these. */
export { buildApp } from './app';
export type { AppOptions, BuiltApp } from './app';
export { loadConfig, ConfigError, azuriteConnectionString } from './config/config';
export type { ApiConfig } from './config/config';
export { startApi } from './server';
export type { RunningApi } from './server';
