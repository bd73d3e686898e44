import { spfi, SPBrowser, SPFI } from '@pnp/sp';
import { PermissionKind } from '@pnp/sp/security';
import '@pnp/sp/webs';
import '@pnp/sp/lists';
import '@pnp/sp/items';
import '@pnp/sp/fields';
import '@pnp/sp/site-users/web';
import '@pnp/sp/site-groups/web';
import '@pnp/sp/security';
import { BearerToken } from '@pnp/queryable';
import { startLocalTenant, LocalTenant } from '../src/index';
import { appToken, devToken, tokenRequest } from './helpers/tokens';

const LIST = 'LMS Microsoft 365 connection';

describe('SharePoint REST with @pnp/sp', () => {
  let tenant: LocalTenant;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
  });
  afterAll(async () => tenant.close());
  beforeEach(() => tenant.reset());

  const siteUrl = (name: string) => `${tenant.origin}/sites/${name}`;
  async function sp(user: string, site = 'catalog-a'): Promise<SPFI> {
    const token = await devToken(tenant, user, tenant.origin);
    return spfi(siteUrl(site)).using(SPBrowser({ baseUrl: siteUrl(site) }), BearerToken(token));
  }

  async function ensureSettingsList(s: SPFI) {
    const { list, created } = await s.web.lists.ensure(LIST, 'Microsoft 365 connection of this catalog', 100, false, { Hidden: true, EnableVersioning: true });
    if (created) {
      await list.fields.addBoolean('LmsEnabled');
      await list.fields.addChoice('LmsAuthMethod', { Choices: ['Modern', 'Classic'] });
      await list.fields.addText('LmsAccountEmail');
      await list.fields.addMultilineText('LmsAlertRecipients');
      await list.fields.addDateTime('LmsLastCheck');
    }
    return list;
  }

  test('pnp sp - web and current user answer for the token user', async () => {
    const s = await sp('adele@contoso.test');
    const web = await s.web();
    expect(web.Title).toBe('Catalog A');
    const me = await s.web.currentUser();
    expect(me).toMatchObject({ Email: 'adele@contoso.test', LoginName: 'i:0#.f|membership|adele@contoso.test', IsSiteAdmin: true });
  });

  test('pnp sp - owners have ManageWeb, members do not, outsiders are denied', async () => {
    expect(await (await sp('adele@contoso.test')).web.currentUserHasPermissions(PermissionKind.ManageWeb)).toBe(true);
    expect(await (await sp('nestor@contoso.test')).web.currentUserHasPermissions(PermissionKind.ManageWeb)).toBe(false);
    expect(await (await sp('nestor@contoso.test')).web.currentUserHasPermissions(PermissionKind.EditListItems)).toBe(true);
    const err = await (await sp('adele@contoso.test', 'catalog-b')).web().catch((e) => e);
    expect(err.status).toBe(403);
  });

  test('pnp sp - the owners group lists the site owners', async () => {
    const owners = await (await sp('nestor@contoso.test')).web.associatedOwnerGroup.users();
    expect(owners.map((u: { Email: string }) => u.Email)).toEqual(['adele@contoso.test', 'megan@contoso.test']);
  });

  test('pnp sp - lists.ensure creates the settings list once, with fields', async () => {
    const s = await sp('adele@contoso.test');
    await ensureSettingsList(s);
    const again = await s.web.lists.ensure(LIST);
    expect(again.created).toBe(false);
    const fields = await s.web.lists.getByTitle(LIST).fields.select('InternalName')();
    expect(fields.map((f: { InternalName: string }) => f.InternalName)).toEqual(expect.arrayContaining(['Title', 'LmsEnabled', 'LmsAuthMethod', 'LmsAccountEmail', 'LmsAlertRecipients', 'LmsLastCheck']));
  });

  test('pnp sp - items CRUD with ETags, and a stale If-Match answers 412', async () => {
    const s = await sp('adele@contoso.test');
    const list = await ensureSettingsList(s);
    const added = await list.items.add({ Title: 'Microsoft 365 connection', LmsEnabled: false, LmsAuthMethod: 'Modern' });
    expect(added['odata.etag']).toBe('"1"');
    const item = list.items.getById(added.Id);
    const updated = await item.update({ LmsEnabled: true }, '"1"');
    expect(updated.etag).toBe('"2"');
    expect((await item()).LmsEnabled).toBe(true);
    const err = await item.update({ LmsEnabled: false }, '"1"').catch((e) => e);
    expect(err.status).toBe(412);
    const body = await err.response.json();
    expect(body['odata.error'].code).toBe('-1, Microsoft.SharePoint.Client.ClientServiceException');
    expect((await item()).LmsEnabled).toBe(true);
    await item.delete();
    expect(await list.items()).toEqual([]);
  });

  test('pnp sp - a value outside a choice field is refused and the item is unchanged', async () => {
    const s = await sp('adele@contoso.test');
    const list = await ensureSettingsList(s);
    const added = await list.items.add({ Title: 'x', LmsAuthMethod: 'Modern' });
    const err = await list.items.getById(added.Id).update({ LmsAuthMethod: 'Basic', LmsEnabled: true }).catch((e) => e);
    expect(err.status).toBe(400);
    const item = await list.items.getById(added.Id)();
    expect([item.LmsAuthMethod, item.LmsEnabled]).toEqual(['Modern', null]);
  });

  test('pnp sp - someone outside the site cannot create lists and gets 403 with SharePoint error JSON', async () => {
    const err = await (await sp('lynne@contoso.test', 'catalog-b')).web.lists.add('Other').catch((e) => e);
    expect(err.status).toBe(403);
    expect((await err.response.json())['odata.error'].code).toBe('-2147024891, System.UnauthorizedAccessException');
  });

  test('pnp sp - an on-behalf-of token from the API works like the web part token', async () => {
    const api = tenant.fixture.apps.connectionApi;
    const assertion = await devToken(tenant, 'adele@contoso.test', 'api://lms-m365-connection', ['user_impersonation']);
    const obo = await tokenRequest(tenant, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: api.appId, client_secret: api.clientSecret as string, assertion, requested_token_use: 'on_behalf_of', scope: `${tenant.origin}/.default` });
    const s = spfi(siteUrl('catalog-a')).using(SPBrowser({ baseUrl: siteUrl('catalog-a') }), BearerToken(obo.access_token as string));
    expect(await s.web.currentUserHasPermissions(PermissionKind.ManageWeb)).toBe(true);
  });

  test('pnp sp - the API app-only token can update the item through Graph fields PATCH', async () => {
    const s = await sp('adele@contoso.test');
    const list = await ensureSettingsList(s);
    const added = await list.items.add({ Title: 'Microsoft 365 connection' });
    const token = await appToken(tenant, 'connectionApi', 'https://graph.microsoft.com');
    const site = await (await fetch(`${tenant.origin}/v1.0/sites/localhost:/sites/catalog-a`, { headers: { authorization: `Bearer ${token}` } })).json() as { id: string };
    const res = await fetch(`${tenant.origin}/v1.0/sites/${site.id}/lists/${encodeURIComponent(LIST)}/items/${added.Id}/fields`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ LmsAccountEmail: 'adele@contoso.test' }) });
    expect(res.status).toBe(200);
    expect((await list.items.getById(added.Id)()).LmsAccountEmail).toBe('adele@contoso.test');
  });
});
