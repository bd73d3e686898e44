import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { placeholders } = require('../../scripts/m365/placeholders.cjs') as { placeholders: (root: string) => string[] };

const ROOT = path.resolve(__dirname, '..', '..');
const PERMISSIONS = JSON.parse(readFileSync(path.join(ROOT, 'infra', 'permissions.json'), 'utf8')) as { permissions: { app: string; resource: string; type: string; permission: string; grantedBy?: string; exchangeRole?: string; siteRole?: string; optional?: string }[] };
const URI: Record<string, string> = { graph: 'https://graph.microsoft.com', exchange: 'https://outlook.office.com', sharepoint: 'https://microsoft.sharepoint-df.com', connectionApi: 'api://0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b/lms-m365-connection' };
const TENANT_ID = '0B1C2D3E-4F50-4617-8A9B-0C1D2E3F4A5B';

/** Splits a printed command line the way a POSIX shell would (the scripts quote with '...'). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]);
  return out;
}

function dryRun(script: string, args: string[]): { commands: string[][]; status: number | null; stderr: string; stdout: string } {
  const res = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'm365', `${script}.mjs`), ...args, '--dry-run'], { cwd: ROOT, encoding: 'utf8' });
  return { commands: res.stdout.split('\n').filter((l) => l.startsWith('m365 ')).map(words), status: res.status, stderr: res.stderr, stdout: res.stdout };
}

const option = (command: string[], name: string): string | undefined => {
  const i = command.indexOf(name);
  return i < 0 ? undefined : command[i + 1];
};
const find = (commands: string[][], ...verb: string[]): string[][] => commands.filter((c) => verb.every((v, i) => c[i + 1] === v));
const fromFile = (app: string, type: string, resources: string[], optional: string[] = []): string[] =>
  PERMISSIONS.permissions.filter((p) => p.app === app && p.type === type && resources.includes(p.resource) && !p.grantedBy && (!p.optional || optional.includes(p.optional))).map((p) => `${URI[p.resource]}/${p.permission}`).sort();

/** Issue 11 point 4: every script's --dry-run prints the exact CLI for Microsoft 365 commands, with exactly infra/permissions.json's permissions. */
describe('deployment scripts (CLI for Microsoft 365)', () => {
  const register = dryRun('register-apps', ['--tenant-id', TENANT_ID, '--api-url', 'https://lms-api.azurewebsites.net/', '--system-sender', 'lms-notifications@contoso.com']);

  test('register-apps: the connection API with its app ID URI, user_impersonation scope for the web part, redirect URI and delegated permissions', () => {
    expect(register.status).toBe(0);
    const [api] = find(register.commands, 'entra', 'app', 'add').filter((c) => option(c, '--name') === 'LMS Microsoft 365 Connection API');
    const connectionApi = JSON.parse(readFileSync(path.join(ROOT, 'config', 'connection-api.json'), 'utf8')) as { resource: string; scope: string; appIdUri: string };
    // A secure pattern of Entra's identifier URI restrictions (the tenant id in it); the run says to put it in the config.
    expect(option(api, '--uri')).toBe(URI.connectionApi);
    expect(register.stdout).toContain(`The API's Application ID URI is ${URI.connectionApi}: put it in config/connection-api.json (appIdUri)`);
    expect(option(api, '--scopeName')).toBe(connectionApi.scope);
    expect(option(api, '--scopeConsentBy')).toBe('admins');
    expect([option(api, '--platform'), option(api, '--redirectUris')]).toEqual(['web', 'https://lms-api.azurewebsites.net/v1/auth/callback']);
    expect(option(api, '--apisDelegated')?.split(',').sort()).toEqual(fromFile('connectionApi', 'delegated', ['graph', 'exchange']));
    expect(api).toContain('--withSecret');
    expect(option(api, '--name')).toBe(connectionApi.resource);
  });

  test('register-apps: the API\'s tokens are v2, say idtyp and carry the user\'s directory roles (wids: the page offers organisation-wide consent by them)', () => {
    const patch = find(register.commands, 'request').find((c) => option(c, '--url') === 'https://graph.microsoft.com/v1.0/applications/<connection API object id>');
    expect(option(patch!, '--method')).toBe('patch');
    expect(JSON.parse(option(patch!, '--body')!)).toEqual({ api: { requestedAccessTokenVersion: 2 }, groupMembershipClaims: 'DirectoryRole', optionalClaims: { accessToken: [{ name: 'idtyp', essential: false }] } });
  });

  test('register-apps: refuses to start without the tenant id (the App ID URI needs it), or with one that is not a GUID; --app-id-uri overrides it', () => {
    const without = dryRun('register-apps', ['--api-url', 'https://x.azurewebsites.net', '--system-sender', 'a@contoso.com']);
    expect([without.status, without.commands, without.stderr]).toEqual([2, [], expect.stringContaining('Missing --tenant-id')]);
    const bad = dryRun('register-apps', ['--tenant-id', 'contoso', '--api-url', 'https://x.azurewebsites.net', '--system-sender', 'a@contoso.com']);
    expect([bad.status, bad.commands, bad.stderr]).toEqual([2, [], expect.stringContaining('--tenant-id must be')]);
    const own = dryRun('register-apps', ['--tenant-id', TENANT_ID, '--app-id-uri', 'api://contoso.com/lms', '--api-url', 'https://x.azurewebsites.net', '--system-sender', 'a@contoso.com']);
    expect(option(find(own.commands, 'entra', 'app', 'add')[0], '--uri')).toBe('api://contoso.com/lms');
  });

  test('register-apps: SMTP.Send is asked for under Microsoft Graph, where Microsoft lists it (the token is then asked for Exchange\'s audience)', () => {
    const [api] = find(register.commands, 'entra', 'app', 'add').filter((c) => option(c, '--name') === 'LMS Microsoft 365 Connection API');
    expect(option(api, '--apisDelegated')?.split(',')).toContain('https://graph.microsoft.com/SMTP.Send');
    expect(register.commands.flat().join(' ')).not.toContain('https://outlook.office.com/SMTP.Send');
  });

  test('register-apps: the Notifications.Send app role for applications only', () => {
    const [role] = find(register.commands, 'entra', 'app', 'role', 'add');
    expect([option(role, '--claim'), option(role, '--allowedMembers'), option(role, '--appId')]).toEqual(['Notifications.Send', 'applications', '<connection API client id>']);
  });

  test('register-apps: admin consent for exactly the file\'s application permissions and delegated SharePoint read; no broad permission anywhere', () => {
    const grants = find(register.commands, 'entra', 'app', 'permission', 'add').filter((c) => option(c, '--appId') === '<connection API client id>');
    for (const g of grants) expect(g).toContain('--grantAdminConsent');
    const application = grants.flatMap((g) => option(g, '--applicationPermissions')?.split(' ') ?? []).sort();
    expect(application).toEqual(fromFile('connectionApi', 'application', ['graph', 'sharepoint']));
    expect(grants.flatMap((g) => option(g, '--delegatedPermissions')?.split(' ') ?? [])).toEqual(fromFile('connectionApi', 'delegated', ['sharepoint']));
    const everything = register.commands.flat().join(' ');
    for (const broad of ['Sites.ReadWrite.All', 'Sites.FullControl.All', 'Directory.Read.All', 'User.Read.All', 'Application.Read.All', 'https://graph.microsoft.com/Mail.Send ']) expect([broad, everything.includes(broad)]).toEqual([broad, false]);
    expect(application).not.toContain('https://graph.microsoft.com/Mail.Send');
  });

  test('register-apps: the consent help\'s directory reads (Policy.Read.All, RoleManagement.Read.Directory, User.ReadBasic.All, ConsentRequest.Read.All) only with --with-consent-help', () => {
    const applicationOf = (run: typeof register): string[] => find(run.commands, 'entra', 'app', 'permission', 'add').filter((c) => option(c, '--appId') === '<connection API client id>').flatMap((g) => option(g, '--applicationPermissions')?.split(' ') ?? []).sort();
    const help = ['Policy.Read.All', 'RoleManagement.Read.Directory', 'User.ReadBasic.All', 'ConsentRequest.Read.All'].map((p) => `https://graph.microsoft.com/${p}`);
    expect(applicationOf(register).filter((p) => help.includes(p))).toEqual([]);
    // The consent state itself (DelegatedPermissionGrant.Read.All) is granted either way.
    expect(applicationOf(register)).toContain('https://graph.microsoft.com/DelegatedPermissionGrant.Read.All');
    const withHelp = dryRun('register-apps', ['--tenant-id', TENANT_ID, '--api-url', 'https://lms-api.azurewebsites.net/', '--system-sender', 'lms-notifications@contoso.com', '--with-consent-help']);
    expect(withHelp.status).toBe(0);
    expect(applicationOf(withHelp)).toEqual(fromFile('connectionApi', 'application', ['graph', 'sharepoint'], ['consent-help']));
    expect(applicationOf(withHelp).filter((p) => help.includes(p)).sort()).toEqual([...help].sort());
  });

  test('register-apps: the system sender by Exchange RBAC for Applications (Application Mail.Send on that one mailbox)', () => {
    const rbac = find(register.commands, 'exo', 'approleassignment', 'add');
    const expected = PERMISSIONS.permissions.filter((p) => p.grantedBy === 'exchange-rbac-for-applications');
    expect(rbac.map((c) => [option(c, '--roleDefinitionName'), option(c, '--principalName'), option(c, '--scope'), option(c, '--userName')])).toEqual(expected.map((p) => [p.exchangeRole, 'LMS Microsoft 365 Connection API', 'user', 'lms-notifications@contoso.com']));
  });

  test('register-apps: the LMS back end with a secret and the API\'s Notifications.Send, admin-consented', () => {
    const [backend] = find(register.commands, 'entra', 'app', 'add').filter((c) => option(c, '--name') === 'LMS back end');
    expect(backend).toContain('--withSecret');
    const [grant] = find(register.commands, 'entra', 'app', 'permission', 'add').filter((c) => option(c, '--appId') === '<LMS back end client id>');
    expect(option(grant, '--applicationPermissions')?.split(' ')).toEqual(fromFile('lmsBackend', 'application', ['connectionApi']));
    expect(grant).toContain('--grantAdminConsent');
  });

  test('deploy-package: refuses a package built with the development defaults, naming each; --allow-placeholders uploads it (a test tenant)', () => {
    const refused = dryRun('deploy-package', []);
    expect([refused.status, refused.commands]).toEqual([2, []]);
    expect(refused.stderr).toContain('config/connection-api.json: appIdUri (api://lms-m365-connection)');
    expect(refused.stderr).toContain('config/connection-api.json: baseUrl (https://lms-m365-connection.azurewebsites.net)');
    expect(refused.stderr).toContain('config/publisher.json: privacyUrl (https://lms-m365.example/privacy)');
    // A deployment's own settings are not placeholders.
    const deployed = mkdtempSync(path.join(tmpdir(), 'deploy-config-'));
    mkdirSync(path.join(deployed, 'config'));
    writeFileSync(path.join(deployed, 'config', 'connection-api.json'), JSON.stringify({ appIdUri: `api://${TENANT_ID}/lms-m365-connection`, baseUrl: 'https://contoso-lms-api.azurewebsites.net' }));
    writeFileSync(path.join(deployed, 'config', 'publisher.json'), JSON.stringify({ websiteUrl: 'https://contoso.com', privacyUrl: 'https://contoso.com/privacy', termsOfUseUrl: 'https://contoso.com/terms' }));
    expect(placeholders(deployed)).toEqual([]);
    writeFileSync(path.join(deployed, 'config', 'publisher.json'), JSON.stringify({ websiteUrl: 'https://contoso.com', privacyUrl: 'https://lms.example/privacy', termsOfUseUrl: 'https://contoso.com/terms' }));
    expect(placeholders(deployed)).toEqual(['config/publisher.json: privacyUrl (https://lms.example/privacy)']);
    rmSync(deployed, { recursive: true, force: true });
  });

  test('deploy-package: uploads and deploys the built .sppkg (site-scoped: no tenant-wide deployment) and approves exactly the web part\'s requests', () => {
    const run = dryRun('deploy-package', ['--allow-placeholders']);
    expect(run.status).toBe(0);
    const solution = JSON.parse(readFileSync(path.join(ROOT, 'config', 'package-solution.json'), 'utf8')) as { paths: { zippedPackage: string } };
    const [add] = find(run.commands, 'spo', 'app', 'add');
    expect(option(add, '--filePath')).toBe(`sharepoint/${solution.paths.zippedPackage}`);
    const [deploy] = find(run.commands, 'spo', 'app', 'deploy');
    expect(option(deploy, '--name')).toBe('lms-m365-connection.sppkg');
    expect(deploy).not.toContain('--skipFeatureDeployment');
    const approvals = find(run.commands, 'spo', 'serviceprincipal', 'permissionrequest', 'approve').map((c) => option(c, '--id'));
    const webPart = PERMISSIONS.permissions.filter((p) => p.app === 'webPart');
    expect(approvals).toEqual(webPart.map((p) => `<request id of ${p.resource === 'graph' ? 'Microsoft Graph' : 'LMS Microsoft 365 Connection API'} ${p.permission}>`));
  });

  test('add-to-site: Sites.Selected fullcontrol on this one site, the app added, the settings page with the web part published', () => {
    const run = dryRun('add-to-site', ['--site-url', 'https://contoso.sharepoint.com/sites/catalog-a', '--api-client-id', '3f9a6b1c-2d4e-4f70-8a15-6c2b7e9d0a41']);
    expect(run.status).toBe(0);
    // The page waits until SharePoint has finished adding the app (its web part exists only then).
    expect(run.commands.map((c) => c.slice(1, 4).join(' '))).toEqual(['spo site apppermission', 'spo app install', 'spo app instance', 'spo page add', 'spo page clientsidewebpart', 'spo page publish', 'spo navigation node', 'spo navigation node']);
    expect(option(find(run.commands, 'spo', 'app', 'instance', 'list')[0], '--siteUrl')).toBe('https://contoso.sharepoint.com/sites/catalog-a');
    const [grant] = find(run.commands, 'spo', 'site', 'apppermission', 'add');
    expect([option(grant, '--siteUrl'), option(grant, '--appId'), option(grant, '--permission')]).toEqual(['https://contoso.sharepoint.com/sites/catalog-a', '3f9a6b1c-2d4e-4f70-8a15-6c2b7e9d0a41', 'fullcontrol']);
    const solution = JSON.parse(readFileSync(path.join(ROOT, 'config', 'package-solution.json'), 'utf8')) as { solution: { id: string } };
    expect(option(find(run.commands, 'spo', 'app', 'install')[0], '--id')).toBe(solution.solution.id);
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'src', 'webparts', 'connectionSettings', 'ConnectionSettingsWebPart.manifest.json'), 'utf8')) as { id: string };
    expect(option(find(run.commands, 'spo', 'page', 'clientsidewebpart', 'add')[0], '--webPartId')).toBe(manifest.id);
    // The API's alerts link to SETTINGS_PAGE_PATH, /SitePages/LmsM365Connection.aspx by default.
    expect(option(find(run.commands, 'spo', 'page', 'add')[0], '--name')).toBe('LmsM365Connection.aspx');
    // R-PAGE-2: the quick launch (top left) gets the entry that opens the page.
    const [nav] = find(run.commands, 'spo', 'navigation', 'node', 'add');
    expect([option(nav, '--location'), option(nav, '--title'), option(nav, '--url')]).toEqual(['QuickLaunch', 'Microsoft 365 connection settings', '/sites/catalog-a/SitePages/LmsM365Connection.aspx']);
  });

  test('add-to-site --part: the SharePoint Administrator\'s grant alone (5a), or the site owner\'s part alone (5b); another part is refused', () => {
    const args = ['--site-url', 'https://contoso.sharepoint.com/sites/catalog-a', '--api-client-id', '3f9a6b1c-2d4e-4f70-8a15-6c2b7e9d0a41'];
    const grant = dryRun('add-to-site', [...args, '--part', 'grant']);
    expect(grant.status).toBe(0);
    expect(grant.commands.map((c) => c.slice(1, 5).join(' '))).toEqual(['spo site apppermission add']);
    const site = dryRun('add-to-site', [...args, '--part', 'site']);
    expect(site.status).toBe(0);
    expect(site.commands.map((c) => c.slice(1, 4).join(' '))).toEqual(['spo app install', 'spo app instance', 'spo page add', 'spo page clientsidewebpart', 'spo page publish', 'spo navigation node', 'spo navigation node']);
    const wrong = dryRun('add-to-site', [...args, '--part', 'everything']);
    expect([wrong.status, wrong.commands]).toEqual([2, []]);
    // A Japanese site gets the page's title and the navigation entry in Japanese; another language is refused.
    const ja = dryRun('add-to-site', [...args, '--part', 'site', '--language', 'ja']);
    expect(ja.status).toBe(0);
    expect(option(find(ja.commands, 'spo', 'page', 'add')[0], '--title')).toBe('Microsoft 365 接続');
    expect(option(find(ja.commands, 'spo', 'navigation', 'node', 'add')[0], '--title')).toBe('Microsoft 365 接続設定');
    const fr = dryRun('add-to-site', [...args, '--language', 'fr']);
    expect([fr.status, fr.commands]).toEqual([2, []]);
    // The SharePoint Administrator's grant writes no title: it does not read the language.
    expect(dryRun('add-to-site', [...args, '--part', 'grant', '--language', 'fr']).status).toBe(0);
    expect(wrong.stderr).toContain('--part must be grant');
  });

  test('a missing option is named and nothing runs', () => {
    const run = dryRun('add-to-site', []);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--site-url, --api-client-id');
    expect(run.commands).toEqual([]);
  });
});
