/**
 * The web part's unit tests: components and form logic in jsdom, no network.
 * Fluent UI resolves to its CommonJS build through its exports map ("require").
 * ts-jest only transpiles (isolatedModules in the test tsconfig): `npm run typecheck` type-checks the
 * test files with that same tsconfig, once, instead of a type checker in every jest worker.
 * The environment is jest's jsdom with style matching remembered (test/jsdomEnvironment.js).
 */
const connectionApi = require('./config/connection-api.json');

module.exports = {
  displayName: 'webpart',
  rootDir: '.',
  roots: ['<rootDir>/src'],
  testEnvironment: '<rootDir>/src/webparts/connectionSettings/test/jsdomEnvironment.js',
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  // test/ holds support files named *.test.ts so the SPFx build leaves them out; they are not suites.
  testPathIgnorePatterns: ['/node_modules/', '/test/'],
  setupFilesAfterEnv: ['<rootDir>/src/webparts/connectionSettings/test/setup.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/src/webparts/connectionSettings/test/tsconfig.json' }]
  },
  moduleNameMapper: {
    '^@lms-m365/contracts$': '<rootDir>/packages/contracts/src/index.ts',
    '^@lms-m365/contracts/(.*)$': '<rootDir>/packages/contracts/src/$1.ts',
    '\\.(css|scss)$': '<rootDir>/src/webparts/connectionSettings/test/styleStub.js'
  },
  globals: {
    __CONNECTION_API__: {
      resource: connectionApi.resource,
      scope: connectionApi.scope,
      appIdUri: connectionApi.appIdUri,
      baseUrl: 'http://api.test'
    }
  }
};
