'use strict';

const fs = require('fs');
const path = require('path');
const build = require('@microsoft/sp-build-web');

build.addSuppression(`Warning - [sass] The local CSS class 'ms-Grid' is not camelCase and will not be type-safe.`);

// config/connection-api.json is the one place that names the connection API, config/publisher.json
// the one place that names who publishes the app. Keep package-solution.json equal to them on every
// gulp run, before any task reads the solution config, and inject the API into the bundle as
// __CONNECTION_API__.
const connectionApi = require('./config/connection-api.json');
const publisher = require('./config/publisher.json');
// The people picker (alert recipients) searches the directory through Microsoft Graph /users as the
// signed-in admin: SPFx's client needs User.ReadBasic.All approved for that (docs/permissions.md).
const GRAPH_PERMISSION = { resource: 'Microsoft Graph', scope: 'User.ReadBasic.All' };
(function syncPackageSolution() {
  const file = path.join(__dirname, 'config', 'package-solution.json');
  const solutionConfig = JSON.parse(fs.readFileSync(file, 'utf8'));
  const before = JSON.stringify(solutionConfig);
  solutionConfig.solution.webApiPermissionRequests = [{ resource: connectionApi.resource, scope: connectionApi.scope }, GRAPH_PERMISSION];
  solutionConfig.solution.developer = {
    name: publisher.name,
    websiteUrl: publisher.websiteUrl,
    privacyUrl: publisher.privacyUrl,
    termsOfUseUrl: publisher.termsOfUseUrl,
    mpnId: publisher.mpnId
  };
  if (JSON.stringify(solutionConfig) !== before) {
    fs.writeFileSync(file, JSON.stringify(solutionConfig, null, 2) + '\n');
  }
})();

// A shipped package with the development defaults works against no tenant: say so where it is built.
if (process.argv.includes('--ship') && process.argv.includes('package-solution')) {
  const unset = require('./scripts/m365/placeholders.cjs').placeholders(__dirname);
  if (unset.length > 0) {
    // A log line, not build.warn: a warning fails a --ship build, and a try-out package is fine.
    build.log(`NOTE - this package is built with development defaults (fine for a try-out, not for a tenant; docs/deploy.md step 4): ${unset.join('; ')}`);
  }
}

build.configureWebpack.mergeConfig({
  additionalConfiguration: (generatedConfiguration) => {
    const webpack = require('webpack');
    generatedConfiguration.plugins.push(new webpack.DefinePlugin({
      __CONNECTION_API__: JSON.stringify({
        resource: connectionApi.resource,
        scope: connectionApi.scope,
        appIdUri: connectionApi.appIdUri,
        baseUrl: connectionApi.baseUrl.replace(/\/+$/, '')
      })
    }));
    return generatedConfiguration;
  }
});

var getTasks = build.rig.getTasks;
build.rig.getTasks = function () {
  var result = getTasks.call(build.rig);
  result.set('serve', result.get('serve-deprecated'));
  return result;
};

build.initialize(require('gulp'));
