/** The API's server-free unit suites that cover the mutated modules (no Azurite, no local tenant). */
const base = require('../../api/jest.config.js');

module.exports = { ...base, testMatch: ['**/test/unit/auth.test.ts', '**/test/unit/pure.test.ts', '**/test/unit/secrets.test.ts', '**/test/unit/upstream.test.ts', '**/test/unit/signInBinding.test.ts', '**/test/unit/signInStart.test.ts', '**/test/unit/rewrap.test.ts', '**/test/unit/logging.test.ts'] };
