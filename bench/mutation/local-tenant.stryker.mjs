import { strykerConfig } from './shared.mjs';

export default strykerConfig('local-tenant', {
  // The $filter parser, and SharePoint's effective permissions: what the API's owner check is told.
  mutate: ['local-tenant/src/graph/filter.ts', 'local-tenant/src/sharepoint/permissions.ts'],
  jestConfig: 'bench/mutation/local-tenant.jest.config.js'
});
