/** Repository-level tests: the built solution package and cross-part contracts. */
module.exports = {
  displayName: 'solution',
  rootDir: '..',
  roots: ['<rootDir>/tests'],
  testEnvironment: 'node',
  // The shared package's sources, so tests need no build of it.
  moduleNameMapper: {
    '^@lms-m365/contracts$': '<rootDir>/packages/contracts/src/index.ts',
    '^@lms-m365/contracts/(.*)$': '<rootDir>/packages/contracts/src/$1.ts'
  },
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tests/tsconfig.json' }]
  }
};
