import { strykerConfig } from './shared.mjs';

export default strykerConfig('local-tenant', {
  mutate: ['local-tenant/src/graph/filter.ts'],
  jestConfig: 'bench/mutation/local-tenant.jest.config.js'
});
