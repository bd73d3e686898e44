/** The API's server-free unit suites of what decides who may do what and what a record holds (no Azurite, no local tenant). */
const base = require('../../api/jest.config.js');

module.exports = { ...base, testMatch: ['**/test/unit/catalogGate.test.ts', '**/test/unit/callbackPage.test.ts', '**/test/unit/connectionWriter.test.ts', '**/test/unit/consent.test.ts', '**/test/unit/pure.test.ts', '**/test/unit/auth.test.ts', '**/test/unit/signInBinding.test.ts'] };
