import { strykerConfig } from './shared.mjs';

export default strykerConfig('webpart', {
  mutate: ['src/webparts/connectionSettings/model/form.ts', 'src/webparts/connectionSettings/save/saveFlow.ts', 'src/webparts/connectionSettings/model/pageState.ts', 'src/webparts/connectionSettings/model/connection.ts'],
  jestConfig: 'bench/mutation/webpart.jest.config.js'
});
