/**
 * Root jest: one run over every package's suite, one summary at the end.
 * Each project keeps its own environment (jsdom for the web part, node for the rest).
 * testTimeout and maxWorkers are run-wide options, so they live here: the API's and the local
 * tenant's integration tests start real servers (local tenant, Azurite, API) per suite.
 */
module.exports = {
  testTimeout: 30000,
  maxWorkers: 2,
  projects: [
    '<rootDir>/jest.webpart.config.js',
    '<rootDir>/tests/jest.config.js',
    '<rootDir>/local-tenant/jest.config.js',
    '<rootDir>/api/jest.config.js'
  ]
};
