/**
 * Root jest: one run over every package's suite, one summary at the end.
 * Each project keeps its own environment (jsdom for the web part, node for the rest).
 * testTimeout and maxWorkers are run-wide options, so they live here: the API's and the local
 * tenant's integration tests start real servers (local tenant, Azurite, API) per suite.
 * Two workers per core: those suites spend most of their time waiting on timers and loopback
 * servers (with one worker per core the two cores sat about half idle; with two per core the run
 * took 229 s instead of 370 s, each test as long as before, the cores about 90% busy).
 */
const { availableParallelism } = require('node:os');

module.exports = {
  testTimeout: 30000,
  maxWorkers: Math.min(8, 2 * availableParallelism()),
  projects: [
    '<rootDir>/jest.webpart.config.js',
    '<rootDir>/tests/jest.config.js',
    '<rootDir>/local-tenant/jest.config.js',
    '<rootDir>/api/jest.config.js'
  ]
};
