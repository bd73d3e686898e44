/**
 * Repository-level tests: the built solution package and cross-part contracts. PnPjs ships ES
 * modules only, so its files go through ts-jest too (as in the local tenant's suites).
 * ts-jest only transpiles (isolatedModules in tests/tsconfig.json): `npm run typecheck` type-checks them.
 */
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
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tests/tsconfig.json' }],
    '^.+/node_modules/(@pnp|cookie|set-cookie-parser)/.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' }, isolatedModules: true }]
  },
  transformIgnorePatterns: ['/node_modules/(?!(@pnp|cookie|set-cookie-parser)/)']
};
