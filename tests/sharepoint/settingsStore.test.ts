/**
 * The web part's settings store (PnPjs, the real one) against the local tenant's SharePoint REST:
 * what a catalog site's list can become while a page is open - deleted, made by hand with a column
 * of another type, saved from a second tab. Needs no built package (the store makes the list).
 */
import { spfi, SPBrowser, type SPFI } from '@pnp/sp';
import '@pnp/sp/webs';
import '@pnp/sp/lists';
import '@pnp/sp/items';
import '@pnp/sp/fields';
import { BearerToken } from '@pnp/queryable';
import { startLocalTenant, type LocalTenant } from '../../local-tenant/src/index';
import { LIST_URL_NAME, SettingsStore } from '../../src/webparts/connectionSettings/services/SettingsStore';

const SITE = '/sites/catalog-a';
const LIST = `${SITE}/Lists/${LIST_URL_NAME}`;
let tenant: LocalTenant;

async function sp(user: string): Promise<SPFI> {
  const response = await fetch(`${tenant.origin}/_admin/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, resource: tenant.origin }) });
  const { access_token: token } = (await response.json()) as { access_token: string };
  const url = `${tenant.origin}${SITE}`;
  return spfi(url).using(SPBrowser({ baseUrl: url }), BearerToken(token));
}

beforeAll(async () => {
  tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
});
afterAll(async () => tenant.close());
beforeEach(() => tenant.reset());

describe('settings store (PnPjs) on a catalog site', () => {
  test('settings store - a list deleted while the page is open is made again: the save in flight is a conflict, the next load and save work', async () => {
    const owner = await sp('adele@contoso.test');
    const store = new SettingsStore(owner, SITE);
    const first = await store.load();
    await owner.web.getList(LIST).delete();
    // The item this page edited went with the list: someone else changed the settings.
    await expect(store.save({ enabled: true, alertRecipients: ['a@contoso.test'] }, first.etag)).rejects.toMatchObject({ kind: 'conflict' });
    const again = await store.load();
    expect(again).toMatchObject({ enabled: false, alertRecipients: [] });
    const saved = await store.save({ enabled: true, alertRecipients: ['a@contoso.test'] }, again.etag);
    expect(saved).toMatchObject({ enabled: true, alertRecipients: ['a@contoso.test'] });
    expect((await owner.web.getList(LIST).select('Hidden')()).Hidden).toBe(true);
  });

  test('settings store - a column of another type in a list made by hand reads as empty, not as a network failure', async () => {
    const owner = await sp('adele@contoso.test');
    const { list } = await owner.web.lists.ensure(LIST_URL_NAME, '', 100, false, { Hidden: true });
    await list.fields.createFieldAsXml('<Field Name="LmsAlertRecipients" DisplayName="LmsAlertRecipients" Type="Number" />');
    await list.items.add({ Title: 'by hand', LmsAlertRecipients: 5 });
    const stored = await new SettingsStore(owner, SITE).load();
    expect(stored).toMatchObject({ enabled: false, alertRecipients: [] });
  });

  test('settings store - a SharePoint that does not answer in time is a timeout, and the store answers again once it does', async () => {
    const owner = await sp('adele@contoso.test');
    const store = new SettingsStore(owner, SITE, 300);
    const latency = (ms: number): Promise<Response> => fetch(`${tenant.origin}/_admin/faults/latency`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms }) });
    await latency(2000);
    const started = Date.now();
    await expect(store.load()).rejects.toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1500);
    await latency(0);
    expect(await store.load()).toMatchObject({ enabled: false });
  });

  test('settings store - a second tab saving with the ETag it read is told of the first tab\'s save', async () => {
    const owner = await sp('adele@contoso.test');
    const one = new SettingsStore(owner, SITE);
    const two = new SettingsStore(owner, SITE);
    const read = await one.load();
    expect((await two.load()).etag).toBe(read.etag);
    await one.save({ enabled: true, alertRecipients: [] }, read.etag);
    await expect(two.save({ enabled: false, alertRecipients: ['b@contoso.test'] }, read.etag)).rejects.toMatchObject({ kind: 'conflict' });
    expect(await two.load()).toMatchObject({ enabled: true, alertRecipients: [] });
  });
});
