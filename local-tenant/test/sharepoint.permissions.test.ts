import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spfi, SPBrowser } from '@pnp/sp';
import { PermissionKind } from '@pnp/sp/security';
import '@pnp/sp/webs';
import '@pnp/sp/lists';
import '@pnp/sp/security';
import { BearerToken } from '@pnp/queryable';
import { startLocalTenant, LocalTenant } from '../src/index';
import { DEFAULT_FIXTURE_PATH, TenantFixture } from '../src/state/fixture';
import { devToken, tokenRequest } from './helpers/tokens';

/**
 * SharePoint answers a delegated token with "the minimal intersection of application and user
 * permissions" (docs/local-tenant.md): what the API learns about a site owner through its
 * on-behalf-of token depends on the app's own SharePoint permission, not only on the user.
 */
describe('SharePoint effective permissions of a delegated token: the user cut to the app', () => {
  const tenants: LocalTenant[] = [];
  afterAll(async () => Promise.all(tenants.map((t) => t.close())));

  /** A local tenant whose fixture `change` edited. */
  async function tenantWith(change: (fixture: TenantFixture) => void = () => undefined): Promise<LocalTenant> {
    const copy = JSON.parse(readFileSync(DEFAULT_FIXTURE_PATH, 'utf8')) as TenantFixture;
    change(copy);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lms-sp-perm-'));
    writeFileSync(path.join(dir, 'tenant.json'), JSON.stringify(copy));
    const tenant = await startLocalTenant({ port: 0, smtpPort: 0, fixturePath: path.join(dir, 'tenant.json') });
    tenants.push(tenant);
    return tenant;
  }

  /** What the connection API holds for `upn` on the site: its on-behalf-of SharePoint token, as api/src/app.ts asks it (.default). */
  async function asApi(tenant: LocalTenant, upn: string, site: string) {
    const api = tenant.fixture.apps.connectionApi;
    const assertion = await devToken(tenant, upn, 'api://lms-m365-connection', ['user_impersonation']);
    const obo = await tokenRequest(tenant, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: api.appId, client_secret: api.clientSecret as string, assertion, requested_token_use: 'on_behalf_of', scope: `${tenant.origin}/.default` });
    const url = `${tenant.origin}/sites/${site}`;
    return spfi(url).using(SPBrowser({ baseUrl: url }), BearerToken(obo.access_token as string));
  }

  const grantOn = (fixture: TenantFixture, site: string, roles: string[]): void => {
    const found = fixture.sites.find((s) => s.path === `/sites/${site}`);
    if (!found) throw new Error(`no ${site} in the fixture`);
    found.appPermissions = roles.length ? [{ id: `grant-${site}`, client: 'connectionApi', roles }] : [];
  };

  test('as deployed (delegated Sites.Selected, a fullcontrol grant on each catalog): owners have ManageWeb, members Edit without it', async () => {
    const tenant = await tenantWith();
    const owner = await asApi(tenant, 'adele@contoso.test', 'catalog-a');
    expect(await owner.web.currentUserHasPermissions(PermissionKind.ManageWeb)).toBe(true);
    const member = await asApi(tenant, 'nestor@contoso.test', 'catalog-a');
    expect(await member.web.currentUserHasPermissions(PermissionKind.ManageWeb)).toBe(false);
    expect(await member.web.currentUserHasPermissions(PermissionKind.EditListItems)).toBe(true);
    // The site owners' own session (the web part's client stands in for it) is not cut.
    const session = spfi(`${tenant.origin}/sites/catalog-a`).using(SPBrowser({ baseUrl: `${tenant.origin}/sites/catalog-a` }), BearerToken(await devToken(tenant, 'adele@contoso.test', tenant.origin)));
    expect(await session.web.currentUserHasPermissions(PermissionKind.ManageWeb)).toBe(true);
  });

  test('a grant below fullcontrol hides ManageWeb from a site owner: write gives Contribute, manage adds ManageLists; no grant is 403', async () => {
    const tenant = await tenantWith((f) => {
      grantOn(f, 'catalog-a', ['write']);
      grantOn(f, 'catalog-b', ['manage']);
      f.sites.push({ ...f.sites[0], id: '9d8e7f60-0009-4000-8000-00000000c009', webId: '9d8e7f60-0009-4000-8000-00000000c109', path: '/sites/ungranted', title: 'Ungranted', appPermissions: [] });
    });
    const write = await asApi(tenant, 'adele@contoso.test', 'catalog-a');
    expect(await write.web.currentUserHasPermissions(PermissionKind.ManageWeb)).toBe(false);
    expect(await write.web.currentUserHasPermissions(PermissionKind.EditListItems)).toBe(true);
    expect(await write.web.currentUserHasPermissions(PermissionKind.ManageLists)).toBe(false);
    const manage = await asApi(tenant, 'alex@contoso.test', 'catalog-b');
    expect(await manage.web.currentUserHasPermissions(PermissionKind.ManageLists)).toBe(true);
    expect(await manage.web.currentUserHasPermissions(PermissionKind.ManageWeb)).toBe(false);
    const denied = await (await asApi(tenant, 'adele@contoso.test', 'ungranted')).web().catch((e) => e);
    expect(denied.status).toBe(403);
  });

  test('with AllSites.Read (what the API held before) an owner reads as a reader: no ManageWeb, no list writes', async () => {
    const tenant = await tenantWith((f) => {
      const grant = f.grants.delegated.find((g) => g.client === 'connectionApi' && g.resource === 'sharepoint');
      if (!grant) throw new Error('no SharePoint grant for the connection API in the fixture');
      grant.scope = 'AllSites.Read';
    });
    const owner = await asApi(tenant, 'adele@contoso.test', 'catalog-a');
    const mask = await owner.web.getCurrentUserEffectivePermissions();
    expect(owner.web.hasPermissions(mask, PermissionKind.ViewListItems)).toBe(true);
    expect(owner.web.hasPermissions(mask, PermissionKind.ManageWeb)).toBe(false);
    const refused = await owner.web.lists.add('Other').catch((e) => e);
    expect(refused.status).toBe(403);
  });
});
