/**
 * `npm run test:conformance`: the replies the local tenant is held to, checked against the local
 * tenant and - when .env.conformance (or the environment) names one - a real Microsoft 365 tenant.
 * Not part of `npm test`: against a real tenant it needs its credentials and the network.
 */
module.exports = {
  displayName: 'conformance',
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/*.conformance.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.json' }] },
  testTimeout: 60000,
  maxWorkers: 1,
  // Lists every check, so a real tenant that was not checked shows up with the reason.
  verbose: true
};
