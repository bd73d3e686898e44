// Per catalog site, docs/deploy.md step 5: the SharePoint admin grants the connection API full
// control of this one site (Sites.Selected), then the site owner adds the app and the settings
// page with the web part.
//   node scripts/m365/add-to-site.mjs --site-url https://contoso.sharepoint.com/sites/catalog --api-client-id <id> [--part grant|site] [--language en|ja] [--dry-run]
// The two parts need different people (a site owner cannot grant Sites.Selected; a SharePoint
// Administrator who is not the site's admin cannot add an app to it): --part grant is step 5a,
// --part site step 5b; without --part, one person with both rights runs both.
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
  pageName: 'LmsM365Connection.aspx',
  part: 'all',
  // The site's language: the page's title and its navigation entry are written in it (the web
  // part itself follows each user's language).
  language: 'en'
});
if (!['all', 'grant', 'site'].includes(o.part)) {
  process.stderr.write(`--part must be grant (step 5a, a SharePoint Administrator) or site (step 5b, the site owner), not "${o.part}"\n`);
  process.exit(2);
}
const TITLES = {
  en: { page: 'Microsoft 365 connection', nav: 'Microsoft 365 connection settings' },
  ja: { page: 'Microsoft 365 接続', nav: 'Microsoft 365 接続設定' }
};
if (o.part !== 'grant' && !TITLES[o.language]) {
  process.stderr.write(`--language must be en or ja (the site's language), not "${o.language}"\n`);
  process.exit(2);
}
// One grant per app and site serves both the API's application and delegated Sites.Selected.
const role = PERMISSIONS.permissions.find((p) => p.app === 'connectionApi' && p.permission === 'Sites.Selected' && p.siteRole).siteRole;

if (o.part !== 'site') {
  m365(o, ['spo', 'site', 'apppermission', 'add', '--siteUrl', o.siteUrl, '--appId', o.apiClientId, '--permission', role]);
}
if (o.part === 'grant') {
  process.exit(0);
}
m365(o, ['spo', 'app', 'install', '--id', o.productId, '--siteUrl', o.siteUrl]);
// `spo app install` returns while SharePoint is still adding the app (the CLI has no wait), and the
// web part exists on the site only once it has: wait for the app instance to be Installed
// (SP.AppInstanceStatus 5; 0 is an error), at most 5 minutes.
const bare = (id) => String(id ?? '').replace(/[{}]/g, '').toLowerCase();
for (let tries = 0; ; tries += 1) {
  const instances = m365(o, ['spo', 'app', 'instance', 'list', '--siteUrl', o.siteUrl], [{ ProductId: o.productId, Status: 5 }]);
  const status = instances.find((i) => bare(i.ProductId) === bare(o.productId))?.Status;
  if (status === 5) break;
  if (status === 0 || tries >= 60) {
    process.stderr.write(status === 0 ? 'SharePoint reports an error installing the app on the site (Site contents shows it).\n' : 'The app did not finish installing on the site within 5 minutes; run this script again.\n');
    process.exit(1);
  }
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
}
m365(o, ['spo', 'page', 'add', '--webUrl', o.siteUrl, '--name', o.pageName, '--title', TITLES[o.language].page]);
m365(o, ['spo', 'page', 'clientsidewebpart', 'add', '--webUrl', o.siteUrl, '--pageName', o.pageName, '--webPartId', o.webPartId]);
m365(o, ['spo', 'page', 'publish', '--webUrl', o.siteUrl, '--name', o.pageName]);
// R-PAGE-2: a "Microsoft 365 connection settings" entry in the site's navigation (top left, the
// quick launch) opens the page; once, however often this runs with the same --language (another
// language adds its own entry: remove the old one by hand).
const NAV_TITLE = TITLES[o.language].nav;
const pageUrl = `${new URL(o.siteUrl).pathname.replace(/\/$/, '')}/SitePages/${o.pageName}`;
const nodes = m365(o, ['spo', 'navigation', 'node', 'list', '--webUrl', o.siteUrl, '--location', 'QuickLaunch'], []);
if (!nodes.some((n) => n.Title === NAV_TITLE)) {
  m365(o, ['spo', 'navigation', 'node', 'add', '--webUrl', o.siteUrl, '--location', 'QuickLaunch', '--title', NAV_TITLE, '--url', pageUrl]);
}
