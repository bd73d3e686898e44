/**
 * The local tenant's suites. PnPjs ships ES modules only, so its files go through ts-jest too
 * (everything else in node_modules is CommonJS and is left alone).
 */
module.exports = {
  displayName: 'local-tenant',
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    '^.+/node_modules/@pnp/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' }, isolatedModules: true }]
  },
  transformIgnorePatterns: ['/node_modules/(?!@pnp/)'],
  testTimeout: 30000
};
