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
import { BearerToken, HttpRequestError, type Queryable } from '@pnp/queryable';
import { startLocalTenant, type LocalTenant } from '../../local-tenant/src/index';
import { LIST_URL_NAME, SettingsStore } from '../../src/webparts/connectionSettings/services/SettingsStore';
import { SETTINGS_FIELDS } from '../../src/webparts/connectionSettings/services/settingsFields';

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

  test('sharepoint - PnPjs: a select of a field the list lacks rejects with a 400 HttpRequestError naming it', async () => {
    const owner = await sp('adele@contoso.test');
    const { list } = await owner.web.lists.ensure(LIST_URL_NAME, '', 100, false, { Hidden: true });
    await list.items.add({ Title: 'one' });
    const error = await list.items.select('Id', 'Nope')().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect((error as HttpRequestError).status).toBe(400);
    expect(await (error as HttpRequestError).response.json()).toEqual({ 'odata.error': { code: '-1, Microsoft.SharePoint.SPException', message: { lang: 'en-US', value: "The field or property 'Nope' does not exist." } } });
    expect(await list.items.select('Id', 'Title')()).toEqual([expect.objectContaining({ Id: 1, Title: 'one' })]);
  });

  test('sharepoint - PnPjs: items added out of order come back in the order orderBy asks (a field asc/desc, Id desc newest first)', async () => {
    const owner = await sp('adele@contoso.test');
    const { list } = await owner.web.lists.ensure(LIST_URL_NAME, '', 100, false, { Hidden: true });
    for (const title of ['m', 'z', 'a']) await list.items.add({ Title: title });
    const titles = (rows: Array<{ Title: string }>): string[] => rows.map((r) => r.Title);
    expect(titles(await list.items.select('Title').orderBy('Title')())).toEqual(['a', 'm', 'z']);
    expect(titles(await list.items.select('Title').orderBy('Title', false)())).toEqual(['z', 'm', 'a']);
    expect(titles(await list.items.select('Title').orderBy('Id', false)())).toEqual(['a', 'z', 'm']);
    expect(titles(await list.items.select('Title').orderBy('Id', false).top(1)())).toEqual(['a']);
    expect(titles(await list.items.select('Title').orderBy('Id').top(1)())).toEqual(['m']);
  });

  test('settings store - a list made without its fields: the item read beside the check is refused (400), the fields are added and the item is read again', async () => {
    const owner = await sp('adele@contoso.test');
    const { list } = await owner.web.lists.ensure(LIST_URL_NAME, '', 100, false, { Hidden: true });
    await list.items.add({ Title: 'by hand' });
    const realFetch = globalThis.fetch;
    const itemReads: number[] = [];
    const spy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const response = await realFetch(input, init);
      if ((!init || !init.method || init.method === 'GET') && /\/items\?/.test(String(input))) itemReads.push(response.status);
      return response;
    });
    let stored;
    try {
      stored = await new SettingsStore(owner, SITE).load();
    } finally {
      spy.mockRestore();
    }
    expect(itemReads).toEqual([400, 200]);
    // The hand-made item is the settings item: no second one is made.
    expect(stored).toMatchObject({ enabled: false, method: 'modern', transport: 'graph', alertRecipients: [], etag: '"1"' });
    expect((await list.items.select('Id')()).map((i: { Id: number }) => i.Id)).toEqual([1]);
    const fields: Array<{ InternalName: string }> = await list.fields.select('InternalName')();
    expect(fields.map((f) => f.InternalName)).toEqual(expect.arrayContaining(SETTINGS_FIELDS.map((f) => f.internalName)));
  });

  test('settings store - a list made without its fields and no item: load makes the fields and the one item with the defaults', async () => {
    const owner = await sp('adele@contoso.test');
    await owner.web.lists.ensure(LIST_URL_NAME, '', 100, false, { Hidden: true });
    const stored = await new SettingsStore(owner, SITE).load();
    expect(stored).toMatchObject({ enabled: false, alertRecipients: [], etag: '"1"' });
    expect((await owner.web.getList(LIST).items.select('Id', 'Title', 'LmsEnabled')())).toEqual([expect.objectContaining({ Id: 1, Title: 'Microsoft 365 connection', LmsEnabled: false })]);
  });

  test('settings store - a visitor of a list that lacks the connection columns sees "not connected", as a visitor of a whole list without a connection does', async () => {
    const owner = await sp('adele@contoso.test');
    const { list } = await owner.web.lists.ensure(LIST_URL_NAME, '', 100, false, { Hidden: true });
    await list.fields.createFieldAsXml(SETTINGS_FIELDS.find((f) => f.internalName === 'LmsEnabled')!.schemaXml);
    await list.items.add({ Title: 'by hand', LmsEnabled: true });
    const visitor = await sp('nestor@contoso.test');
    expect((await new SettingsStore(visitor, SITE).readForVisitor()).summary).toEqual({ enabled: false, state: 'not-connected', accountEmail: null });
    // Once the list is whole (an admin opened the page) and the API wrote its columns, the visitor sees them.
    await new SettingsStore(owner, SITE).load();
    await list.items.getById(1).update({ LmsConnectionStatus: 'Connected', LmsAccountEmail: 'adele@contoso.test' });
    expect((await new SettingsStore(visitor, SITE).readForVisitor()).summary).toEqual({ enabled: true, state: 'connected', accountEmail: 'adele@contoso.test' });
    // No list at all: nothing to show, as before.
    await owner.web.getList(LIST).delete();
    expect((await new SettingsStore(visitor, SITE).readForVisitor()).summary).toBeUndefined();
  });

  test('settings store - a visitor is told the site\'s owners; an owner SharePoint knows no email for (no mailbox) is named, not left out', async () => {
    const visitor = await sp('nestor@contoso.test');
    const before = (await new SettingsStore(visitor, SITE).readForVisitor()).owners;
    expect(before).toEqual(expect.arrayContaining([{ displayName: 'Adele Vance', email: 'adele@contoso.test' }]));
    const removed = await fetch(`${tenant.origin}/_admin/faults/remove-mailbox`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'adele@contoso.test' }) });
    expect(removed.status).toBe(200);
    const after = (await new SettingsStore(visitor, SITE).readForVisitor()).owners;
    expect(after).toHaveLength(before.length);
    expect(after).toEqual(expect.arrayContaining([{ displayName: 'Adele Vance', email: '' }]));
  });

  test('settings store - a status column turned into free text by hand, holding a name of an object\'s own machinery, reads as no state for a visitor', async () => {
    const owner = await sp('adele@contoso.test');
    const { list } = await owner.web.lists.ensure(LIST_URL_NAME, '', 100, false, { Hidden: true });
    for (const field of ['LmsEnabled', 'LmsAccountEmail']) {
      await list.fields.createFieldAsXml(SETTINGS_FIELDS.find((f) => f.internalName === field)!.schemaXml);
    }
    await list.fields.createFieldAsXml('<Field Type="Text" Name="LmsConnectionStatus" StaticName="LmsConnectionStatus" DisplayName="LmsConnectionStatus" />');
    await list.items.add({ Title: 'by hand', LmsEnabled: true, LmsAccountEmail: 'evil@contoso.test', LmsConnectionStatus: 'Connected' });
    const visitor = await sp('nestor@contoso.test');
    expect((await new SettingsStore(visitor, SITE).readForVisitor()).summary).toEqual({ enabled: true, state: 'connected', accountEmail: 'evil@contoso.test' });
    for (const status of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      await list.items.getById(1).update({ LmsConnectionStatus: status });
      expect([status, (await new SettingsStore(visitor, SITE).readForVisitor()).summary]).toEqual([status, { enabled: true, state: 'not-connected', accountEmail: null }]);
    }
  });

  test('settings store - another list titled LmsM365Connection (at another address) is left as it is: the store says the title is taken instead of hiding and rewriting that list', async () => {
    const owner = await sp('adele@contoso.test');
    await owner.web.lists.add('Budget', 'Money', 100, false);
    await owner.web.getList(`${SITE}/Lists/Budget`).update({ Title: LIST_URL_NAME });
    const before = await owner.web.getList(`${SITE}/Lists/Budget`).select('Title', 'Hidden', 'Description')();
    await expect(new SettingsStore(owner, SITE).load()).rejects.toMatchObject({ kind: 'problem', code: 'LIST_TITLE_TAKEN' });
    expect(await owner.web.getList(`${SITE}/Lists/Budget`).select('Title', 'Hidden', 'Description')()).toEqual(before);
    // Renamed, the way is clear: the store makes its own list.
    await owner.web.getList(`${SITE}/Lists/Budget`).update({ Title: 'Budget' });
    expect(await new SettingsStore(owner, SITE).load()).toMatchObject({ enabled: false, alertRecipients: [] });
  });

  test('settings store - making the list refused for another reason (here the add fails before SharePoint answers) is that failure, not "title taken"; a lapsed SharePoint sign-in (401) is a token error', async () => {
    const owner = await sp('adele@contoso.test');
    const failingAdd = (instance: Queryable): Queryable => {
      instance.on.pre(async function (url: string, init: RequestInit, result: unknown): Promise<[string, RequestInit, unknown]> {
        if (init.method === 'POST' && /\/web\/lists$/i.test(url)) {
          throw new Error('The service is unavailable.');
        }
        return [url, init, result];
      });
      return instance;
    };
    const error = await new SettingsStore(owner.using(failingAdd), SITE).load().catch((e: unknown) => e);
    expect(error).toMatchObject({ isAppError: true });
    expect(error).not.toMatchObject({ code: 'LIST_TITLE_TAKEN' });
    const lapsed = spfi(`${tenant.origin}${SITE}`).using(SPBrowser({ baseUrl: `${tenant.origin}${SITE}` }), BearerToken('not-a-token'));
    await expect(new SettingsStore(lapsed, SITE).load()).rejects.toMatchObject({ kind: 'token', status: 401 });
  });

  test('settings store - two admins opening an unprovisioned catalog at once both load; one list with every field and one item', async () => {
    const [adele, megan] = await Promise.all([sp('adele@contoso.test'), sp('megan@contoso.test')]);
    const loaded = await Promise.all([new SettingsStore(adele, SITE).load(), new SettingsStore(megan, SITE).load()]);
    expect(loaded.map((l) => l.enabled)).toEqual([false, false]);
    const list = adele.web.getList(LIST);
    const fields: Array<{ InternalName: string }> = await list.fields.select('InternalName')();
    expect(fields.map((f) => f.InternalName)).toEqual(expect.arrayContaining(SETTINGS_FIELDS.map((f) => f.internalName)));
    expect((await adele.web.lists.select('Title')()).filter((l: { Title: string }) => /LmsM365|LMS Microsoft 365/.test(l.Title))).toHaveLength(1);
    expect((await list.items.select('Id')()).map((i: { Id: number }) => i.Id)).toEqual([1]);
  });

  test('settings store - a column deleted while the page is open: the next load of the same page adds it again and reads', async () => {
    const owner = await sp('adele@contoso.test');
    const store = new SettingsStore(owner, SITE);
    await store.save({ enabled: true, alertRecipients: [] }, (await store.load()).etag);
    // Deleted in the list's settings (the local tenant's REST has no field DELETE: its store, directly).
    const site = tenant.state.lists.siteByPath(SITE);
    const held = site && tenant.state.lists.listByTitle(site, 'LMS Microsoft 365 connection');
    held!.fields = held!.fields.filter((f) => f.InternalName !== 'LmsAlertRecipients');
    expect(await store.load()).toMatchObject({ enabled: true, alertRecipients: [] });
    const fields: Array<{ InternalName: string }> = await owner.web.getList(LIST).fields.select('InternalName')();
    expect(fields.map((f) => f.InternalName)).toContain('LmsAlertRecipients');
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
