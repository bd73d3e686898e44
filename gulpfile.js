'use strict';

const fs = require('fs');
const path = require('path');
const build = require('@microsoft/sp-build-web');

build.addSuppression(`Warning - [sass] The local CSS class 'ms-Grid' is not camelCase and will not be type-safe.`);

// config/connection-api.json is the one place that names the connection API. Keep
// package-solution.json's webApiPermissionRequests equal to it on every gulp run, before any task
// reads the solution config, and inject it into the bundle as __CONNECTION_API__.
const connectionApi = require('./config/connection-api.json');
(function syncWebApiPermissionRequests() {
  const file = path.join(__dirname, 'config', 'package-solution.json');
  const solutionConfig = JSON.parse(fs.readFileSync(file, 'utf8'));
  const wanted = [{ resource: connectionApi.resource, scope: connectionApi.scope }];
  if (JSON.stringify(solutionConfig.solution.webApiPermissionRequests) !== JSON.stringify(wanted)) {
    solutionConfig.solution.webApiPermissionRequests = wanted;
    fs.writeFileSync(file, JSON.stringify(solutionConfig, null, 2) + '\n');
  }
})();

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
