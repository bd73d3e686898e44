/** The API's server-free unit suites of the sending engine (no Azurite, no local tenant). */
const base = require('../../api/jest.config.js');

module.exports = { ...base, testMatch: ['**/test/unit/sending.test.ts', '**/test/unit/groupWriter.test.ts', '**/test/unit/incidents.test.ts'] };
