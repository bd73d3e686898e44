import { fault } from '../support/sending';
import { provisionSettingsList, SETTINGS_LIST_TITLE, settingsListItems, siteToken, useStack } from '../support/stack';

jest.setTimeout(60_000);

/**
 * Issue 13 point 3: the API finds the catalog's settings list once (Graph addresses lists by id or
 * display name, not URL name), keeps its id, and a write that fails is logged and shown, not swallowed.
 */
describe('settings list mirror (real API, local tenant, Azurite over loopback)', () => {
  const stack = useStack();
  let catalogA: string;

  beforeAll(async () => {
    catalogA = stack.catalogUrl('catalog-a');
  });

  const connection = (): string => `/v1/catalogs/${encodeURIComponent(catalogA)}/connection`;

  async function patch(change: Record<string, unknown>): Promise<{ status: number; body: any }> {
    const token = await stack.token('adele@contoso.test');
    const current = await stack.call('GET', connection(), { token });
    return stack.call('PATCH', connection(), { token, body: change, headers: { 'if-match': current.body.etag } });
  }

  async function appToken(): Promise<string> {
    const res = await fetch(`${stack.tenant.origin}/${stack.config.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: stack.config.clientId, client_secret: stack.config.clientSecret ?? '', scope: 'https://graph.microsoft.com/.default' }).toString()
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  it('local tenant - Graph finds a list by id or display name, not by its URL name (as Graph documents)', async () => {
    await provisionSettingsList(stack, catalogA, 'adele@contoso.test');
    const headers = { authorization: `Bearer ${await appToken()}` };
    const site = await (await fetch(`${stack.tenant.origin}/v1.0/sites/localhost:/sites/catalog-a:`, { headers })).json() as { id: string };
    type Lists = { value: { id: string; name: string; displayName: string; system?: object }[] };
    // The settings list is hidden: a list with the system facet, left out unless $select names system.
    const plain = await (await fetch(`${stack.tenant.origin}/v1.0/sites/${site.id}/lists`, { headers })).json() as Lists;
    expect(plain.value.find((l) => l.name === 'LmsM365Connection')).toBeUndefined();
    const lists = await (await fetch(`${stack.tenant.origin}/v1.0/sites/${site.id}/lists?$select=id,name,displayName,system`, { headers })).json() as Lists;
    const list = lists.value.find((l) => l.name === 'LmsM365Connection');
    expect(list?.displayName).toBe(SETTINGS_LIST_TITLE);
    expect(list?.system).toEqual({});
    expect((await fetch(`${stack.tenant.origin}/v1.0/sites/${site.id}/lists/${list?.id}`, { headers })).status).toBe(200);
    expect((await fetch(`${stack.tenant.origin}/v1.0/sites/${site.id}/lists/${encodeURIComponent(SETTINGS_LIST_TITLE)}`, { headers })).status).toBe(200);
    expect((await fetch(`${stack.tenant.origin}/v1.0/sites/${site.id}/lists/LmsM365Connection`, { headers })).status).toBe(404);
  });

  it('mirror - writes into the list the web part made (its display name differs from its URL name); no warning in the view', async () => {
    await provisionSettingsList(stack, catalogA, 'adele@contoso.test');
    const res = await patch({ enabled: true, alertRecipients: ['adele@contoso.test'] });
    expect(res.status).toBe(200);
    expect(res.body.settingsListWarning).toBeUndefined();
    const [item] = await settingsListItems(stack, catalogA, 'adele@contoso.test');
    expect(item).toMatchObject({ LmsConnectionId: res.body.connectionId, LmsConnectionStatus: 'NotConnected', LmsAuthMethod: null });
    // The switch and the recipients are the web part's columns: the API never writes them (its record
    // says on; the item keeps the column's default).
    expect(item.LmsEnabled).toBe(false);
    expect(item.LmsAlertRecipients ?? null).toBeNull();
  });

  it('mirror - one writer per column: the API writes the connection\'s columns and leaves what the web part wrote', async () => {
    await provisionSettingsList(stack, catalogA, 'adele@contoso.test');
    // The web part saves the admin's columns through SharePoint REST, as PnPjs does.
    const token = await siteToken(stack, 'adele@contoso.test');
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json;odata=nometadata', 'content-type': 'application/json;odata=nometadata' };
    const items = `${catalogA}/_api/web/lists/getbytitle('${encodeURIComponent(SETTINGS_LIST_TITLE)}')/items`;
    const added = await fetch(items, { method: 'POST', headers, body: JSON.stringify({ Title: 'Microsoft 365 connection', LmsEnabled: true, LmsAlertRecipients: 'nestor@contoso.test' }) });
    expect(added.status).toBe(201);
    // The API's record says something else about the switch; its mirror must not carry that into the list.
    const res = await patch({ enabled: false, alertRecipients: [] });
    expect(res.status).toBe(200);
    const [item] = await settingsListItems(stack, catalogA, 'adele@contoso.test');
    expect(item).toMatchObject({ LmsEnabled: true, LmsAlertRecipients: 'nestor@contoso.test', LmsConnectionId: res.body.connectionId, LmsConnectionStatus: 'NotConnected' });
    // The web part's next save, with the ETag it read before the API's write, is refused as SharePoint does (the page then re-reads: see saveFlow).
    const stale = await fetch(`${items}(${(item as { Id: number }).Id})`, { method: 'POST', headers: { ...headers, 'x-http-method': 'MERGE', 'if-match': '"1"' }, body: JSON.stringify({ LmsEnabled: false }) });
    expect(stale.status).toBe(412);
  });

  it('mirror - a failed write is logged with its code and shown as a warning in the view; the next good write clears it', async () => {
    await provisionSettingsList(stack, catalogA, 'adele@contoso.test');
    await patch({ enabled: false });
    await fault(stack, 'graph-failure', { status: 503, count: 3 });
    const failed = await patch({ enabled: true });
    expect(failed.status).toBe(200);
    expect(failed.body.settingsListWarning).toEqual({ code: 'SERVICE_UNAVAILABLE', failedAt: expect.any(String) });
    expect(stack.logs.text()).toMatch(/"context":"settings list mirror","catalog":"[^"]+\/sites\/catalog-a","code":"SERVICE_UNAVAILABLE"/);
    await fault(stack, 'graph-failure', { status: 0 });
    const healed = await patch({ enabled: false });
    expect(healed.body.settingsListWarning).toBeUndefined();
    const [item] = await settingsListItems(stack, catalogA, 'adele@contoso.test');
    expect(item).toMatchObject({ LmsConnectionStatus: 'NotConnected', LmsConnectionId: healed.body.connectionId });
  });

  // Last: it leaves the catalog connected.
  it('mirror - an item that already holds the connection\'s columns is not written again: the page\'s save right after the API\'s (a switch, recipients) meets no stale ETag', async () => {
    await provisionSettingsList(stack, catalogA, 'adele@contoso.test');
    const token = await siteToken(stack, 'adele@contoso.test');
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json;odata=minimalmetadata', 'content-type': 'application/json;odata=nometadata' };
    const items = `${catalogA}/_api/web/lists/getbytitle('${encodeURIComponent(SETTINGS_LIST_TITLE)}')/items`;
    expect((await fetch(items, { method: 'POST', headers, body: JSON.stringify({ Title: 'Microsoft 365 connection', LmsEnabled: false }) })).status).toBe(201);
    await patch({ enabled: false, alertRecipients: [] });
    const read = async (): Promise<{ Id: number; 'odata.etag': string; LmsConnectionId: string }> => ((await (await fetch(items, { headers })).json()) as { value: Array<{ Id: number; 'odata.etag': string; LmsConnectionId: string }> }).value[0];
    const before = await read();
    expect(before.LmsConnectionId).toEqual(expect.any(String));
    // The page's save: the API first (its record changes, none of the API's columns), then the list with the ETag it read.
    expect((await patch({ enabled: true, alertRecipients: ['adele@contoso.test'] })).status).toBe(200);
    expect((await read())['odata.etag']).toBe(before['odata.etag']);
    const merge = await fetch(`${items}(${before.Id})`, { method: 'POST', headers: { ...headers, 'x-http-method': 'MERGE', 'if-match': before['odata.etag'] }, body: JSON.stringify({ LmsEnabled: true }) });
    expect(merge.status).toBe(204);
    const merged = await read();
    // A change of the API's own columns (a connection made) is still written.
    expect((await stack.call('POST', `${connection()}/classic`, { token: await stack.token('adele@contoso.test'), body: { email: 'adele@contoso.test', password: 'dev-password' } })).status).toBe(200);
    const connected = await read() as unknown as Record<string, unknown>;
    expect(connected).toMatchObject({ LmsAuthMethod: 'Classic', LmsAccountEmail: 'adele@contoso.test', LmsConnectionStatus: 'Connected' });
    expect(connected['odata.etag']).not.toBe(merged['odata.etag']);
    // A check as the page makes one when it opens: the time only, within the hour - no new version, the ETag stays.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await stack.call('POST', `${connection()}/check`, { token: await stack.token('adele@contoso.test') })).body.health.state).toBe('connected');
    expect((await read())['odata.etag']).toBe(connected['odata.etag']);
  });
});
