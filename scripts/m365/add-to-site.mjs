// Per catalog site, docs/deploy.md step 5: the SharePoint admin grants the connection API write
// on this one site (Sites.Selected), then the site owner adds the app and the settings page with
// the web part.
//   node scripts/m365/add-to-site.mjs --site-url https://contoso.sharepoint.com/sites/catalog --api-client-id <id> [--dry-run]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { m365, parseArgs, PERMISSIONS, root } from './lib.mjs';

// The solution's product id and the web part's id, from the sources the package is built from.
const solution = JSON.parse(readFileSync(path.join(root, 'config', 'package-solution.json'), 'utf8')).solution;
const webParts = path.join(root, 'src', 'webparts');
const manifest = readdirSync(webParts).flatMap((d) => readdirSync(path.join(webParts, d)).filter((f) => f.endsWith('.manifest.json')).map((f) => path.join(webParts, d, f)))[0];
const webPartId = JSON.parse(readFileSync(manifest, 'utf8').replace(/^\s*\/\/.*$/gm, '')).id;

const o = parseArgs(process.argv.slice(2), ['siteUrl', 'apiClientId'], {
  productId: solution.id,
  webPartId,
  // The API's SETTINGS_PAGE_PATH default (/SitePages/LmsM365Connection.aspx): alerts link there.
  pageName: 'LmsM365Connection.aspx'
});
// One grant per app and site serves both the API's application and delegated Sites.Selected.
const role = PERMISSIONS.permissions.find((p) => p.app === 'connectionApi' && p.permission === 'Sites.Selected' && p.siteRole).siteRole;

m365(o, ['spo', 'site', 'apppermission', 'add', '--siteUrl', o.siteUrl, '--appId', o.apiClientId, '--permission', role]);
m365(o, ['spo', 'app', 'install', '--id', o.productId, '--siteUrl', o.siteUrl]);
m365(o, ['spo', 'page', 'add', '--webUrl', o.siteUrl, '--name', o.pageName, '--title', 'Microsoft 365 connection']);
m365(o, ['spo', 'page', 'clientsidewebpart', 'add', '--webUrl', o.siteUrl, '--pageName', o.pageName, '--webPartId', o.webPartId]);
m365(o, ['spo', 'page', 'publish', '--webUrl', o.siteUrl, '--name', o.pageName]);
