import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalTenant, LocalTenant } from '../src/index';
import { DEFAULT_FIXTURE_PATH, loadFixture, TenantFixture } from '../src/state/fixture';
import { GRAPH_PERMISSIONS, permissionFor } from '../src/graph/permissionTable';
import { registeredGraphRoutes } from '../src/graph/routes';
import { appToken } from './helpers/tokens';

interface PermissionEntry { app: string; resource: string; type: 'delegated' | 'application'; permission: string; siteRole?: string; grantedBy?: string; exchangeRole?: string; scope?: { users: string[] } }
const FILE = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'infra', 'permissions.json'), 'utf8')) as { permissions: PermissionEntry[]; builtIn: PermissionEntry[] };
/** The permissions consented in Entra ID (Exchange RBAC grants are listed apart). */
const of = (list: PermissionEntry[], app: string, type: string, resources: string[]): string[] =>
  list.filter((p) => p.app === app && p.type === type && resources.includes(p.resource) && !p.grantedBy).map((p) => p.permission).sort();
const words = (s: string): string[] => s.split(' ').filter(Boolean).sort();

/** infra/permissions.json is the one list: the fixture grants exactly it, and every Graph endpoint enforces its real permission. */
describe('permissions', () => {
  const fixture = loadFixture();

  test('fixture - the connection API holds exactly the application permissions of the file', () => {
    const roles = fixture.grants.appRoles.filter((g) => g.client === 'connectionApi').map((g) => g.role).sort();
    expect(roles).toEqual(of(FILE.permissions, 'connectionApi', 'application', ['graph', 'sharepoint']));
    expect(roles).not.toEqual(expect.arrayContaining(['Sites.ReadWrite.All']));
    expect(roles.filter((r) => ['Directory.Read.All', 'User.Read.All', 'Sites.ReadWrite.All', 'Application.Read.All'].includes(r))).toEqual([]);
  });

  test('fixture - the connection API asks for exactly the delegated permissions of the file', () => {
    const required = fixture.apps.connectionApi.requiredResourceAccess ?? {};
    expect([...(required.graph ?? []), 'offline_access'].sort()).toEqual(of(FILE.permissions, 'connectionApi', 'delegated', ['graph']));
    expect([...(required.exchange ?? [])].sort()).toEqual(of(FILE.permissions, 'connectionApi', 'delegated', ['exchange']));
    const sharePoint = fixture.grants.delegated.filter((g) => g.client === 'connectionApi' && g.resource === 'sharepoint');
    expect(sharePoint.flatMap((g) => words(g.scope))).toEqual(of(FILE.permissions, 'connectionApi', 'delegated', ['sharepoint']));
  });

  test('fixture - the web part and the LMS back end hold exactly the file\'s permissions', () => {
    const all = [...FILE.permissions, ...FILE.builtIn];
    for (const resource of ['connectionApi', 'graph', 'sharepoint']) {
      const granted = fixture.grants.delegated.filter((g) => g.client === 'spfx' && g.resource === resource).flatMap((g) => words(g.scope)).sort();
      expect([resource, granted]).toEqual([resource, of(all, 'webPart', 'delegated', [resource])]);
    }
    expect(fixture.grants.appRoles.filter((g) => g.client === 'lmsBackend').map((g) => g.role).sort()).toEqual(of(FILE.permissions, 'lmsBackend', 'application', ['connectionApi']));
  });

  test('fixture - Mail.Send app-only is an Exchange RBAC for Applications role scoped to the system sender, not an Entra grant', () => {
    const rbac = FILE.permissions.filter((p) => p.grantedBy === 'exchange-rbac-for-applications');
    expect(rbac.map((p) => [p.app, p.permission, p.exchangeRole, p.scope])).toEqual([['connectionApi', 'Mail.Send', 'Application Mail.Send', { users: ['SYSTEM_SENDER'] }]]);
    expect(fixture.grants.exchangeRbac?.map((g) => [g.client, g.role, g.scope.users])).toEqual([['connectionApi', 'Application Mail.Send', ['notifications@contoso.test']]]);
    expect(fixture.grants.appRoles.filter((g) => g.client === 'connectionApi' && g.role === 'Mail.Send')).toEqual([]);
  });

  test('fixture - every catalog site grants the connection API the Sites.Selected role of the file, and nothing else', () => {
    // One grant per app and site, for both token kinds: fullcontrol, or the delegated check never sees ManageWeb.
    const roles = FILE.permissions.filter((p) => p.permission === 'Sites.Selected').map((p) => [p.resource, p.type, p.siteRole]);
    expect(roles).toEqual([['sharepoint', 'delegated', undefined], ['graph', 'application', 'fullcontrol']]);
    const role = 'fullcontrol';
    for (const site of fixture.sites) expect([site.path, site.appPermissions?.map((p) => [p.client, p.roles])]).toEqual([site.path, [['connectionApi', [role]]]]);
  });

  test('table - every row cites its Microsoft Learn page and names both token kinds', () => {
    for (const row of GRAPH_PERMISSIONS) {
      expect(row.docs).toMatch(/^https:\/\/learn\.microsoft\.com\/graph\//);
      expect(row.delegated.length * row.application.length).toBeGreaterThan(0);
    }
  });

  describe('served', () => {
    let tenant: LocalTenant;
    let dir: string;
    beforeAll(async () => {
      // catalog-b without the API's grant, and a SharePoint admin tool holding Sites.FullControl.All to grant it.
      const copy = JSON.parse(readFileSync(DEFAULT_FIXTURE_PATH, 'utf8')) as TenantFixture;
      const b = copy.sites.find((s) => s.path === '/sites/catalog-b');
      if (b) b.appPermissions = [];
      copy.grants.appRoles.push({ client: 'conformanceProbe', resource: 'graph', role: 'Sites.FullControl.All' });
      dir = mkdtempSync(path.join(os.tmpdir(), 'lms-perm-'));
      writeFileSync(path.join(dir, 'tenant.json'), JSON.stringify(copy));
      tenant = await startLocalTenant({ port: 0, smtpPort: 0, fixturePath: path.join(dir, 'tenant.json') });
    });
    afterAll(async () => tenant.close());

    const get = async (token: string, url: string, init: RequestInit = {}): Promise<{ status: number; body: { error?: { code?: string } } & Record<string, unknown> }> => {
      const res = await fetch(`${tenant.origin}/v1.0${url}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as { error?: { code?: string } }) : {} };
    };

    test('every route served under /v1.0 has a row in the permission table', () => {
      expect(registeredGraphRoutes.size).toBeGreaterThan(20);
      const missing = [...registeredGraphRoutes].filter((r) => !permissionFor(r.split(' ')[0], r.slice(r.indexOf(' ') + 1)));
      expect(missing).toEqual([]);
    });

    test('an app token without the role gets 403 Authorization_RequestDenied on directory endpoints', async () => {
      const api = await appToken(tenant, 'connectionApi', 'https://graph.microsoft.com');
      for (const url of [`/servicePrincipals?$filter=appId eq '${tenant.fixture.apps.connectionApi.appId}'`]) {
        const r = await get(api, url);
        expect([url, r.status, r.body.error?.code]).toEqual([url, 403, 'Authorization_RequestDenied']);
      }
      const backend = await appToken(tenant, 'lmsBackend', 'https://graph.microsoft.com');
      for (const url of ['/oauth2PermissionGrants', "/directoryRoles(roleTemplateId='62e90394-69f5-4237-9190-012177145e10')/members", '/policies/adminConsentRequestPolicy', '/identityGovernance/appConsent/appConsentRequests']) {
        const r = await get(backend, url);
        expect([url, r.status, r.body.error?.code]).toEqual([url, 403, 'Authorization_RequestDenied']);
        expect((await get(api, url)).status).toBe(200);
      }
      expect((await get(backend, '/users/adele@contoso.test/mailboxSettings')).body.error?.code).toBe('ErrorAccessDenied');
      // A user is the directory's: its refusal is the directory's too.
      expect((await get(backend, '/users/adele@contoso.test')).body.error?.code).toBe('Authorization_RequestDenied');
      expect((await get(backend, '/users/adele@contoso.test/sendMail', { method: 'POST', body: '{}' })).body.error?.code).toBe('ErrorAccessDenied');
    });

    test('Exchange RBAC for Applications: the API sends app-only as the system sender and nobody else', async () => {
      const api = await appToken(tenant, 'connectionApi', 'https://graph.microsoft.com');
      const message = JSON.stringify({ message: { subject: 'Alert', body: { contentType: 'text', content: 'x' }, toRecipients: [{ emailAddress: { address: 'megan@contoso.test' } }] } });
      expect((await get(api, '/users/notifications@contoso.test/sendMail', { method: 'POST', body: message })).status).toBe(202);
      const other = await get(api, '/users/adele@contoso.test/sendMail', { method: 'POST', body: message });
      expect([other.status, other.body.error?.code]).toEqual([403, 'ErrorAccessDenied']);
    });

    test('Sites.Selected reaches only a site granted to the app; a Sites.FullControl.All admin grants it through /sites/{id}/permissions', async () => {
      const api = await appToken(tenant, 'connectionApi', 'https://graph.microsoft.com');
      const host = new URL(tenant.origin).hostname;
      expect((await get(api, `/sites/${host}:/sites/catalog-a:`)).status).toBe(200);
      const denied = await get(api, `/sites/${host}:/sites/catalog-b:`);
      expect([denied.status, denied.body.error?.code]).toEqual([403, 'accessDenied']);
      const siteId = `${host},9d8e7f60-0002-4000-8000-00000000c002,9d8e7f60-0002-4000-8000-00000000c102`;
      // The API itself may not grant itself anything.
      expect((await get(api, `/sites/${siteId}/permissions`, { method: 'POST', body: '{}' })).status).toBe(403);
      const admin = await appToken(tenant, 'conformanceProbe', 'https://graph.microsoft.com');
      const created = await get(admin, `/sites/${siteId}/permissions`, { method: 'POST', body: JSON.stringify({ roles: ['write'], grantedToIdentities: [{ application: { id: tenant.fixture.apps.connectionApi.appId, displayName: 'LMS Microsoft 365 Connection API' } }] }) });
      expect([created.status, created.body.roles]).toEqual([201, ['write']]);
      expect((await get(api, `/sites/${host}:/sites/catalog-b:`)).status).toBe(200);
      const listed = await get(admin, `/sites/${siteId}/permissions`);
      expect((listed.body.value as unknown[]).length).toBe(1);
    });
  });
});
