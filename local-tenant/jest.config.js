/**
 * The local tenant's suites. PnPjs, and the cookie helpers Fastify's inject() loads, ship ES
 * modules only, so their files go through ts-jest too (the rest of node_modules is CommonJS).
 * ts-jest only transpiles (isolatedModules in tsconfig.json): `npm run typecheck` type-checks these
 * files once, instead of a type checker in every jest worker.
 */
module.exports = {
  displayName: 'local-tenant',
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    '^.+/node_modules/(@pnp|cookie|set-cookie-parser)/.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' }, isolatedModules: true }]
  },
  transformIgnorePatterns: ['/node_modules/(?!(@pnp|cookie|set-cookie-parser)/)'],
  setupFilesAfterEnv: ['<rootDir>/test/helpers/timeout.js']
};
