/** The local tenant's $filter parser suite. */
const base = require('../../local-tenant/jest.config.js');

module.exports = { ...base, testMatch: ['**/test/filter.test.ts'] };
