import { appError } from '../model/appError';
import type { IConnectionView, Transport } from '../model/connection';
import { formFromStored, type IFormValues } from '../model/form';
import { DEFAULT_SETTINGS, type IStoredSettings } from '../model/settings';
import { connectedView, FakeConnectionApi, FakeDeliveriesApi, FakeDirectory, FakeSettingsStore, notConnectedView } from '../test/fakes';
import type { IServices } from '../services/interfaces';
import { connectClassic, finishModern, isPartlySaved, planSave, saveSettings, startModern } from './saveFlow';

function services(api: FakeConnectionApi, store: FakeSettingsStore): IServices {
  return { connectionApi: api, settingsStore: store, directory: new FakeDirectory(), deliveries: new FakeDeliveriesApi() };
}

const MODERN_STORED: IStoredSettings = { ...DEFAULT_SETTINGS, enabled: true, etag: '"1"' };

describe('saveFlow', () => {
  it('saveFlow - plans a sign-in for Modern without a healthy connection, Classic credentials, settings, or nothing', () => {
    const blank = formFromStored(DEFAULT_SETTINGS, notConnectedView());
    expect(planSave(blank, blank, notConnectedView())).toBe('modern');
    expect(planSave(blank, { ...blank, method: 'classic' }, notConnectedView())).toBe('classic');
    const view = connectedView();
    const base = formFromStored(MODERN_STORED, view);
    expect(planSave(base, base, view)).toBe('nothing');
    expect(planSave(base, { ...base, enabled: false }, view)).toBe('settings');
    expect(planSave(base, base, view, true)).toBe('modern');
    // A forced sign-in is Modern's: Classic asks for its credentials instead.
    expect(planSave(base, { ...base, method: 'classic' }, view, true)).toBe('classic');
  });

  it('saveFlow - a wrong Classic password writes nothing to the API or the list (issue 14 point 3)', async () => {
    const api = new FakeConnectionApi(connectedView());
    api.failures.classic = appError('problem', { status: 422, code: 'BAD_CREDENTIALS' });
    const store = new FakeSettingsStore(MODERN_STORED);
    const base = formFromStored(MODERN_STORED, api.view);
    const values: IFormValues = { ...base, method: 'classic', classicEmail: 'adele@contoso.test', classicPassword: 'wrong', alertRecipients: ['x@contoso.test'] };
    await expect(connectClassic(services(api, store), values, store.stored)).rejects.toMatchObject({ code: 'BAD_CREDENTIALS' });
    expect(store.saves).toEqual([]);
    expect(api.calls.filter((c) => c.startsWith('patch'))).toEqual([]);
    expect(store.stored.method).toBe('modern');
    expect(api.view.method).toBe('modern');
  });

  it('saveFlow - a Classic connection that succeeds is followed by the settings, API first, then the list', async () => {
    const api = new FakeConnectionApi(notConnectedView());
    const store = new FakeSettingsStore({ etag: '"1"' });
    const base = formFromStored(store.stored, api.view);
    const values: IFormValues = { ...base, enabled: true, method: 'classic', classicEmail: 'c@contoso.test', classicPassword: 'pw', alertRecipients: ['a@contoso.test'] };
    const result = await connectClassic(services(api, store), values, store.stored);
    expect(isPartlySaved(result)).toBe(false);
    expect(api.calls).toEqual(['classic c@contoso.test', 'patch {"enabled":true,"alertRecipients":["a@contoso.test"]}']);
    expect(store.saves).toEqual([{ enabled: true, alertRecipients: ['a@contoso.test'] }]);
    expect(result.view).toMatchObject({ method: 'classic', enabled: true });
  });

  it('saveFlow - after a connection is made the list is read again before it is written: the API\'s mirror just gave the item a new ETag, which the page\'s write would meet as a conflict', async () => {
    const api = new FakeConnectionApi(notConnectedView());
    const store = new FakeSettingsStore({ etag: '"1"' });
    const base = formFromStored(store.stored, api.view);
    const before = store.stored;
    // The mirror's write of the connection's columns, as the connect lands.
    const connect = api.connectClassic.bind(api);
    api.connectClassic = async (email, password) => {
      const view = await connect(email, password);
      store.stored = { ...store.stored, etag: '"mirrored"' };
      return view;
    };
    let conflicts = 0;
    const save = store.save.bind(store);
    store.save = (settings, etag) => save(settings, etag).catch((error: unknown) => { conflicts++; throw error; });
    const result = await connectClassic(services(api, store), { ...base, enabled: true, method: 'classic', classicEmail: 'c@contoso.test', classicPassword: 'pw' }, before);
    expect(isPartlySaved(result)).toBe(false);
    expect([conflicts, store.saves]).toEqual([0, [{ enabled: true, alertRecipients: [] }]]);
  });

  it('saveFlow - settings the API did not take after the connection was made are reported with the connection that exists', async () => {
    const api = new FakeConnectionApi(notConnectedView());
    const store = new FakeSettingsStore({ etag: '"1"' });
    api.failures.patch = appError('timeout');
    const base = formFromStored(store.stored, api.view);
    const result = await connectClassic(services(api, store), { ...base, method: 'classic', classicEmail: 'c@contoso.test', classicPassword: 'pw', enabled: true }, store.stored);
    expect(isPartlySaved(result) && !result.list && result.error.kind).toBe('timeout');
    expect(result.view).toMatchObject({ method: 'classic', enabled: false });
    expect(store.saves).toEqual([]);
    // Only a conflict is read again and retried; a timeout is said as it is.
    expect(api.calls).toEqual(['classic c@contoso.test', 'patch {"enabled":true,"alertRecipients":[]}', 'get']);
  });

  it('saveFlow - the connection that exists is kept when reading it again fails too, and the address is sent trimmed', async () => {
    const api = new FakeConnectionApi(notConnectedView());
    const store = new FakeSettingsStore({ etag: '"1"' });
    api.failures.patch = appError('timeout');
    api.failures.get = appError('network');
    store.failLoad = appError('network');
    const base = formFromStored(store.stored, api.view);
    const result = await connectClassic(services(api, store), { ...base, method: 'classic', classicEmail: '  c@contoso.test ', classicPassword: 'pw', enabled: true }, store.stored);
    expect(api.calls[0]).toBe('classic c@contoso.test');
    expect(result.view).toMatchObject({ method: 'classic', account: { email: 'c@contoso.test' } });
    expect(result.stored).toEqual({ ...DEFAULT_SETTINGS, etag: '"1"' });
  });

  it('saveFlow - the list is written only when it differs, and made when there is no item yet', async () => {
    const api = new FakeConnectionApi(connectedView({ enabled: true }));
    const same = new FakeSettingsStore({ ...MODERN_STORED });
    const base = formFromStored(same.stored, api.view);
    await saveSettings(services(api, same), base, same.stored, api.view);
    expect(same.saves).toEqual([]);
    expect(api.calls).toEqual([]);
    const none = new FakeSettingsStore({ ...MODERN_STORED, etag: undefined });
    const saved = await saveSettings(services(api, none), base, none.stored, api.view);
    expect(none.saves).toEqual([{ enabled: true, alertRecipients: [] }]);
    expect(isPartlySaved(saved)).toBe(false);
  });

  it('saveFlow - Modern starts the sign-in with the form\'s consent and transport, and saves only after it', async () => {
    const api = new FakeConnectionApi(notConnectedView({ orgConsent: { granted: false, canGrant: true } }));
    const store = new FakeSettingsStore({ etag: '"1"' });
    const base = formFromStored(store.stored, api.view);
    const values = { ...base, enabled: true, orgConsent: true, transport: 'smtp-oauth' as const };
    expect(await startModern(services(api, store), values, api.view, 'http://page.test')).toBe(api.authorizeUrl);
    expect(api.calls).toEqual(['modern true smtp-oauth http://page.test']);
    expect(store.saves).toEqual([]);
    // The callback completed the sign-in at the API.
    api.view = connectedView({ enabled: false, transport: 'smtp-oauth' });
    const result = await finishModern(services(api, store), values, store.stored);
    expect(result.view).toMatchObject({ enabled: true, transport: 'smtp-oauth', method: 'modern' });
    expect(store.saves).toEqual([{ enabled: true, alertRecipients: [] }]);
  });

  it('saveFlow - Modern asks for the organisation\'s consent only while the page offers it', async () => {
    const store = new FakeSettingsStore({ etag: '"1"' });
    const ticked = (view: IConnectionView, transport: Transport): IFormValues => ({ ...formFromStored(store.stored, view), enabled: true, orgConsent: true, transport });
    // The caller cannot grant it (not a tenant admin).
    const user = new FakeConnectionApi(notConnectedView());
    await startModern(services(user, store), ticked(user.view, 'graph'), user.view, 'http://page.test');
    // A tenant admin consented meanwhile, for Graph only: Graph needs nothing more, SMTP still does.
    const partly = new FakeConnectionApi(notConnectedView({ orgConsent: { granted: true, canGrant: true, smtpGranted: false } }));
    await startModern(services(partly, store), ticked(partly.view, 'graph'), partly.view, 'http://page.test');
    await startModern(services(partly, store), ticked(partly.view, 'smtp-oauth'), partly.view, 'http://page.test');
    expect([...user.calls, ...partly.calls]).toEqual(['modern false graph http://page.test', 'modern false graph http://page.test', 'modern true smtp-oauth http://page.test']);
  });

  it('saveFlow - a stale list ETag caused only by the API\'s own mirror write is not a conflict', async () => {
    const api = new FakeConnectionApi(connectedView({ enabled: false }));
    const store = new FakeSettingsStore(MODERN_STORED);
    const base = formFromStored(store.stored, api.view);
    const read = store.stored;
    // The API wrote its own columns (the connection's transport) into the item after the page read it.
    store.stored = { ...store.stored, transport: 'smtp-oauth', etag: '"mirror"' };
    const saved = await saveSettings(services(api, store), { ...base, enabled: true, alertRecipients: ['b@contoso.test'] }, read, api.view);
    expect(store.saves).toEqual([{ enabled: true, alertRecipients: ['b@contoso.test'] }]);
    expect(saved.stored).toMatchObject({ enabled: true, alertRecipients: ['b@contoso.test'], transport: 'smtp-oauth' });
  });

  it('saveFlow - the API\'s mirror writing the item again while the page reads it (twice) still ends with the list written; a third is said', async () => {
    const api = new FakeConnectionApi(connectedView({ enabled: true, alertRecipients: ['b@contoso.test'] }));
    const store = new FakeSettingsStore(MODERN_STORED);
    const base = formFromStored(store.stored, api.view);
    let mirrorWrites = 2;
    const load = store.load.bind(store);
    // Each read of the item is overtaken by a mirror write (its own columns only) before the page writes.
    store.load = async () => {
      const read = await load();
      if (mirrorWrites-- > 0) store.stored = { ...store.stored, etag: `"mirror${mirrorWrites}"` };
      return read;
    };
    store.stored = { ...store.stored, etag: '"mirror"' };
    const saved = await saveSettings(services(api, store), { ...base, enabled: true, alertRecipients: ['b@contoso.test'] }, MODERN_STORED, api.view);
    expect(isPartlySaved(saved)).toBe(false);
    expect(store.saves).toEqual([{ enabled: true, alertRecipients: ['b@contoso.test'] }]);
    // Three overtaking writes: the third round's write is the last one tried.
    mirrorWrites = 3;
    store.stored = { ...store.stored, etag: '"again"' };
    const said = await saveSettings(services(api, store), { ...base, enabled: true, alertRecipients: ['c@contoso.test'] }, MODERN_STORED, api.view);
    expect(isPartlySaved(said) && said.list && said.error.kind).toBe('conflict');
  });

  it('saveFlow - a stale connection ETag from the API\'s own record update (a test email, a check) is not a conflict', async () => {
    const api = new FakeConnectionApi(connectedView());
    const store = new FakeSettingsStore(MODERN_STORED);
    const read = api.view;
    const base = formFromStored(store.stored, read);
    api.view = { ...api.view, health: { ...api.view.health, checkedAt: '2026-11-25T11:00:00Z' }, etag: 'W/"after-test-email"' };
    const saved = await saveSettings(services(api, store), { ...base, enabled: false }, store.stored, read);
    expect(saved.view.enabled).toBe(false);
    expect(api.calls).toEqual(['patch {"enabled":false,"alertRecipients":[]} (stale)', 'get', 'patch {"enabled":false,"alertRecipients":[]}']);
  });

  it('saveFlow - another admin\'s change of the switch at the API is a conflict, and nothing is written', async () => {
    const api = new FakeConnectionApi(connectedView());
    const store = new FakeSettingsStore(MODERN_STORED);
    const read = api.view;
    const base = formFromStored(store.stored, read);
    api.view = { ...api.view, alertRecipients: ['someone@contoso.test'], etag: 'W/"other-admin"' };
    await expect(saveSettings(services(api, store), { ...base, enabled: false }, store.stored, read)).rejects.toMatchObject({ kind: 'conflict' });
    expect(api.calls).toEqual(['patch {"enabled":false,"alertRecipients":[]} (stale)', 'get']);
    expect(api.view.enabled).toBe(true);
    expect(store.saves).toEqual([]);
  });

  it('saveFlow - the list changed by hand (a site member, a save stopped before the list) is written over with what the API took', async () => {
    const api = new FakeConnectionApi(connectedView());
    const store = new FakeSettingsStore(MODERN_STORED);
    const base = formFromStored(store.stored, api.view);
    const read = store.stored;
    store.stored = { ...store.stored, enabled: false, alertRecipients: ['someone@contoso.test'], etag: '"by-hand"' };
    const saved = await saveSettings(services(api, store), { ...base, alertRecipients: ['b@contoso.test'] }, read, api.view);
    expect(isPartlySaved(saved)).toBe(false);
    expect(api.calls).toEqual(['patch {"enabled":true,"alertRecipients":["b@contoso.test"]}', 'get']);
    expect(store.saves).toEqual([{ enabled: true, alertRecipients: ['b@contoso.test'] }]);
    expect(saved.stored).toMatchObject({ enabled: true, alertRecipients: ['b@contoso.test'] });
  });

  it('saveFlow - another admin\'s whole save between this page\'s API write and its list write leaves the list as the API holds it', async () => {
    const api = new FakeConnectionApi(connectedView());
    const store = new FakeSettingsStore(MODERN_STORED);
    const read = store.stored;
    const mine = { ...formFromStored(store.stored, api.view), alertRecipients: ['a@contoso.test'] };
    const save = store.save.bind(store);
    let other = true;
    store.save = (settings, etag) => {
      if (other) {
        // Before this page's list write lands: the other admin saves to the API, then the list.
        other = false;
        api.view = { ...api.view, alertRecipients: ['b@contoso.test'], etag: 'W/"other-admin"' };
        store.stored = { ...store.stored, alertRecipients: ['b@contoso.test'], etag: '"other-admin"' };
      }
      return save(settings, etag);
    };
    const saved = await saveSettings(services(api, store), mine, read, api.view);
    expect(isPartlySaved(saved)).toBe(false);
    expect(store.stored.alertRecipients).toEqual(['b@contoso.test']);
    expect(store.stored.alertRecipients).toEqual(api.view.alertRecipients);
    expect(saved.stored.alertRecipients).toEqual(['b@contoso.test']);
  });

  it('saveFlow - the list failing after the API took the settings is said as the list alone; saving again writes the list and patches nothing', async () => {
    const api = new FakeConnectionApi(connectedView({ enabled: false }));
    const store = new FakeSettingsStore({ ...MODERN_STORED, enabled: false });
    const read = api.view;
    const values = { ...formFromStored(store.stored, read), enabled: true, alertRecipients: ['b@contoso.test'] };
    store.failSaveOnce = appError('problem', { status: 404 });
    const first = await saveSettings(services(api, store), values, store.stored, read);
    expect(isPartlySaved(first) && first.list).toBe(true);
    expect(isPartlySaved(first) && first.error.status).toBe(404);
    // Not a conflict: said, not written over blindly (the list is read once, for the page).
    expect(store.loads).toBe(1);
    expect(first.stored).toMatchObject({ enabled: false });
    expect(first.view).toMatchObject({ enabled: true, alertRecipients: ['b@contoso.test'] });
    expect(api.view).toMatchObject({ enabled: true, alertRecipients: ['b@contoso.test'] });
    expect(store.stored.enabled).toBe(false);
    // Saved again from the page as it was (the view it read before): the API has it already.
    store.failSave = undefined;
    api.calls = [];
    const again = await saveSettings(services(api, store), values, store.stored, read);
    expect(isPartlySaved(again)).toBe(false);
    expect(api.calls).toEqual(['patch {"enabled":true,"alertRecipients":["b@contoso.test"]} (stale)', 'get']);
    expect(store.saves).toEqual([{ enabled: true, alertRecipients: ['b@contoso.test'] }]);
    // Saved from the page as the partly saved result left it (the API's new view): the list alone.
    api.calls = [];
    store.stored = { ...store.stored, enabled: false, etag: '"behind"' };
    await saveSettings(services(api, store), values, store.stored, first.view);
    expect(api.calls).toEqual([]);
    expect(store.stored).toMatchObject({ enabled: true, alertRecipients: ['b@contoso.test'] });
  });

  it('saveFlow - a connection whose settings reached the API but not the list is partly saved, as the list alone', async () => {
    const api = new FakeConnectionApi(notConnectedView());
    const store = new FakeSettingsStore({ etag: '"1"' });
    store.failSave = appError('timeout');
    const base = formFromStored(store.stored, api.view);
    const result = await connectClassic(services(api, store), { ...base, method: 'classic', classicEmail: 'c@contoso.test', classicPassword: 'pw', enabled: true }, store.stored);
    expect(isPartlySaved(result) && result.list).toBe(true);
    expect(result.view).toMatchObject({ method: 'classic', enabled: true });
  });
});
