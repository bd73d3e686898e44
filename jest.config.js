/**
 * Root jest: one run over every package's suite, one summary at the end.
 * Each project keeps its own environment (jsdom for the web part, node for the rest).
 */
module.exports = {
  projects: [
    '<rootDir>/jest.webpart.config.js',
    '<rootDir>/tests/jest.config.js',
    '<rootDir>/local-tenant/jest.config.js',
    '<rootDir>/api/jest.config.js'
  ]
};
