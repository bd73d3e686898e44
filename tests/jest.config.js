/** Repository-level tests: the built solution package and cross-part contracts. */
module.exports = {
  displayName: 'solution',
  rootDir: '..',
  roots: ['<rootDir>/tests'],
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tests/tsconfig.json' }]
  }
};
