/**
 * The API's suites. ts-jest only transpiles (type errors are `npm run typecheck`'s job), which keeps
 * the run fast on two cores. jose and cookie are ESM-only, so they are transpiled to CommonJS for jest's module
 * system; production Node 22 loads it through require(esm).
 */
module.exports = {
  displayName: 'api',
  rootDir: __dirname,
  roots: ['<rootDir>/test'],
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }]
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|cookie)/)'],
  moduleNameMapper: {
    '^@lms-m365/contracts$': '<rootDir>/../packages/contracts/src/index.ts',
    '^@lms-m365/contracts/(.*)$': '<rootDir>/../packages/contracts/src/$1.ts',
    '^@lms-m365/local-tenant$': '<rootDir>/../local-tenant/src/index.ts'
  },
  setupFilesAfterEnv: ['<rootDir>/test/support/timeout.js'],
  // The root run's (../jest.config.js says why) when this project runs alone.
  maxWorkers: require('../jest.config.js').maxWorkers
};
