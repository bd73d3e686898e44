/** The settings form's, the save flow's, the page state's and the view guard's own suites, in the web part's jest setup. */
const path = require('node:path');
const base = require('../../jest.webpart.config.js');

const rootDir = path.resolve(__dirname, '../..');
module.exports = {
  ...base,
  rootDir,
  // Stryker loads the environment itself and does not expand <rootDir> in it.
  testEnvironment: path.join(rootDir, 'src/webparts/connectionSettings/test/jsdomEnvironment.js'),
  testMatch: ['**/model/form.test.ts', '**/save/saveFlow.test.ts', '**/model/pageState.test.ts', '**/model/connection.test.ts']
};
