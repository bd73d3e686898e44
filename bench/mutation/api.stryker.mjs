import { strykerConfig } from './shared.mjs';

export default strykerConfig('api', {
  mutate: ['api/src/auth/*.ts', 'api/src/connections/signInState.ts', 'api/src/connections/signInStart.ts', 'api/src/secrets/envelope.ts', 'api/src/secrets/kek.ts', 'api/src/errors/upstream.ts', 'api/src/logging.ts'],
  jestConfig: 'bench/mutation/api.jest.config.js'
});
