import { strykerConfig } from './shared.mjs';

export default strykerConfig('signin', {
  mutate: ['src/webparts/connectionSettings/signIn/launchSignIn.ts'],
  jestConfig: 'bench/mutation/signin.jest.config.js'
});
