/** The sign-in window's launcher (pop-up, its blocked-pop-up link, the wait for its answer and its end), in the web part's jest setup. */
const path = require('node:path');
const base = require('../../jest.webpart.config.js');

const rootDir = path.resolve(__dirname, '../..');
module.exports = {
  ...base,
  rootDir,
  // Stryker loads the environment itself and does not expand <rootDir> in it.
  testEnvironment: path.join(rootDir, 'src/webparts/connectionSettings/test/jsdomEnvironment.js'),
  testMatch: ['**/signIn/launchSignIn.test.ts']
};
