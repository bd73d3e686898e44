/** The settings form's own suite, in the web part's jest setup. */
const path = require('node:path');
const base = require('../../jest.webpart.config.js');

module.exports = { ...base, rootDir: path.resolve(__dirname, '../..'), testMatch: ['**/model/form.test.ts'] };
