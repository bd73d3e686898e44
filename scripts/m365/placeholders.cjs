'use strict';
// What a fresh clone's config/connection-api.json and config/publisher.json hold until a deployment
// sets its own (docs/deploy.md step 4): the local tenant's API and a reserved .example publisher.
// gulpfile.js warns when a --ship package is built with them; deploy-package.mjs refuses to upload one.
const path = require('path');
const fs = require('fs');

const read = (root, name) => JSON.parse(fs.readFileSync(path.join(root, 'config', name), 'utf8'));
const hostOf = (url) => {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
};

/** Each setting still at its development default, as "file: key (value)"; empty when the deployment set them all. */
function placeholders(root) {
  const api = read(root, 'connection-api.json');
  const publisher = read(root, 'publisher.json');
  const found = [];
  // The local tenant's App ID URI: Entra needs a verified domain or the tenant id in it (register-apps.mjs prints the API's).
  if (api.appIdUri === 'api://lms-m365-connection') found.push(`config/connection-api.json: appIdUri (${api.appIdUri})`);
  if (hostOf(api.baseUrl) === 'lms-m365-connection.azurewebsites.net') found.push(`config/connection-api.json: baseUrl (${api.baseUrl})`);
  for (const key of ['websiteUrl', 'privacyUrl', 'termsOfUseUrl']) {
    if (hostOf(publisher[key]).endsWith('.example')) found.push(`config/publisher.json: ${key} (${publisher[key]})`);
  }
  return found;
}

module.exports = { placeholders };
