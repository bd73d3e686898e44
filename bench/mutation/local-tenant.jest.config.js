/** The local tenant's $filter parser suite and its SharePoint permission suites. */
const base = require('../../local-tenant/jest.config.js');

module.exports = { ...base, testMatch: ['**/test/filter.test.ts', '**/test/sharepoint.permissions.test.ts', '**/test/sharepoint.pnp.test.ts', '**/test/decisions.test.ts'] };
