/** The API's server-free unit suites of the LMS-facing pure logic (no Azurite, no local tenant). */
const base = require('../../api/jest.config.js');

module.exports = { ...base, testMatch: ['**/test/unit/sessions.test.ts', '**/test/unit/sending.test.ts'] };
