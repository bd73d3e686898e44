import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import { fault } from '../support/sending';
import { provisionSettingsList, settingsListItems, useStack } from '../support/stack';

jest.setTimeout(60_000);

/** A password nobody would type, so finding it anywhere means it leaked. */
const CANARY_PASSWORD = 'CANARY-pw-9f3b1c7e-d1a2';

describe('classic connection (real API, local tenant SMTP, Azurite over loopback)', () => {
  const stack = useStack();
  let catalogA: string;

  beforeAll(async () => {
    catalogA = stack.catalogUrl('catalog-a');
  });

  const path = (suffix = ''): string => `/v1/catalogs/${encodeURIComponent(catalogA)}/connection${suffix}`;

  it('connect classic - a good password is verified by an SMTP login, stored, and never returned', async () => {
    const token = await stack.token('adele@contoso.test');
    const res = await stack.call('POST', path('/classic'), { token, body: { email: 'adele@contoso.test', password: 'dev-password' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: 'classic', account: { email: 'adele@contoso.test' }, health: { state: 'connected' } });
    expect(JSON.stringify(res.body)).not.toContain('dev-password');
  });

  it.each([
    ['a wrong password', async () => undefined, { email: 'adele@contoso.test', password: 'not-the-password' }, 422, 'BAD_CREDENTIALS'],
    ['SMTP AUTH off for the mailbox', async () => undefined, { email: 'pradeep@contoso.test', password: 'dev-password' }, 422, 'SMTP_AUTH_DISABLED'],
    ['basic authentication retired in the tenant (550 5.7.30)', async () => fault(stack, 'smtp-basic-auth', { enabled: false }), { email: 'adele@contoso.test', password: 'dev-password' }, 422, 'BASIC_AUTH_RETIRED'],
    ['basic authentication blocked by a policy (535 5.7.139)', async () => fault(stack, 'smtp-basic-auth', { enabled: false, reply: 'policy' }), { email: 'adele@contoso.test', password: 'dev-password' }, 422, 'BASIC_AUTH_DISABLED'],
    ['basic authentication blocked by Entra\'s security defaults (535 5.7.139)', async () => fault(stack, 'smtp-basic-auth', { enabled: false, reply: 'security-defaults' }), { email: 'adele@contoso.test', password: 'dev-password' }, 422, 'BASIC_AUTH_DISABLED'],
    ['a password refused by a Conditional Access policy - MFA on the account (535 5.7.139)', async () => fault(stack, 'smtp-basic-auth', { enabled: false, reply: 'conditional-access' }), { email: 'adele@contoso.test', password: 'dev-password' }, 422, 'APP_PASSWORD_REQUIRED']
  ])('connect classic (R-CLS) - %s is refused and nothing is stored', async (_name, arrange, body, status, code) => {
    await arrange();
    const token = await stack.token('adele@contoso.test');
    const before = await stack.call('GET', path(), { token });
    const res = await stack.call('POST', path('/classic'), { token, body });
    expect([res.status, res.body.code]).toEqual([status, code]);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const after = await stack.call('GET', path(), { token });
    expect(after.body.etag).toBe(before.body.etag);
  });

  it('test email (R-OPS-1) - a classic connection sends over SMTP and the message lands in the mailbox, also with sending still off (R-PAGE-3: the switch holds what the LMS sends, not the admin\'s own check)', async () => {
    const token = await stack.token('adele@contoso.test');
    await stack.call('POST', path('/classic'), { token, body: { email: 'adele@contoso.test', password: 'dev-password' } });
    expect((await stack.call('GET', path(), { token })).body.enabled).toBe(false);
    const res = await stack.call('POST', path('/test-email'), { token, body: { to: 'learner2@contoso.test' } });
    expect([res.status, res.body.status]).toEqual([200, 'accepted']);
    const inbox = await (await fetch(`${stack.tenant.origin}/_admin/mailboxes/learner2@contoso.test/messages`)).json();
    expect(JSON.stringify(inbox)).toContain('LMS Microsoft 365 connection test');
  });

  it('test email - a Classic login that is a UPN other than the mailbox\'s address connects, but Exchange refuses it as the sender: SEND_AS_DENIED, whose remedy is Modern (not a Defender block)', async () => {
    const token = await stack.token('adele@contoso.test');
    await fault(stack, 'rename-upn', { user: 'alex@contoso.test', upn: 'alex.wilber@contoso.test' });
    const connected = await stack.call('POST', path('/classic'), { token, body: { email: 'alex.wilber@contoso.test', password: 'dev-password' } });
    expect([connected.status, connected.body.health?.state]).toEqual([200, 'connected']);
    const res = await stack.call('POST', path('/test-email'), { token, body: { to: 'learner2@contoso.test' } });
    expect([res.status, res.body.code]).toEqual([409, 'SEND_AS_DENIED']);
    expect(res.body.title).toBe(ERROR_CATALOGUE.SEND_AS_DENIED.title.en);
    await fault(stack, 'rename-upn', { user: 'alex.wilber@contoso.test', upn: 'alex@contoso.test' });
  });

  it('test email (R-OPS-1) - a throttled mailbox gets THROTTLED, and the connection stays healthy', async () => {
    const token = await stack.token('adele@contoso.test');
    await stack.call('POST', path('/classic'), { token, body: { email: 'adele@contoso.test', password: 'dev-password' } });
    await fault(stack, 'throttle', { mailbox: 'adele@contoso.test', retryAfterSeconds: 30 });
    const throttled = await stack.call('POST', path('/test-email'), { token, body: { to: 'learner1@contoso.test' } });
    expect([throttled.status, throttled.body.code]).toEqual([429, 'THROTTLED']);
    const view = await stack.call('GET', path(), { token });
    expect(view.body.health.state).toBe('connected');
  });

  it('password changed - the next check marks the classic connection lost with BAD_CREDENTIALS', async () => {
    const token = await stack.token('adele@contoso.test');
    await stack.call('POST', path('/classic'), { token, body: { email: 'adele@contoso.test', password: 'dev-password' } });
    await fault(stack, 'password', { user: 'adele@contoso.test', password: 'a-new-password' });
    const res = await stack.call('POST', path('/check'), { token });
    expect(res.body.health).toMatchObject({ state: 'lost', code: 'BAD_CREDENTIALS' });
  });

  it('canary - the password never appears in logs, responses, errors or Azurite tables, and disconnect removes it', async () => {
    await fault(stack, 'password', { user: 'adele@contoso.test', password: CANARY_PASSWORD });
    const token = await stack.token('adele@contoso.test');
    const wrong = await stack.call('POST', path('/classic'), { token, body: { email: 'adele@contoso.test', password: `${CANARY_PASSWORD}-wrong` } });
    expect(wrong.body.code).toBe('BAD_CREDENTIALS');
    const ok = await stack.call('POST', path('/classic'), { token, body: { email: 'adele@contoso.test', password: CANARY_PASSWORD } });
    expect(ok.status).toBe(200);
    await stack.call('POST', path('/test-email'), { token, body: { to: 'learner1@contoso.test' } });
    await stack.call('POST', path('/check'), { token });
    const tablesConnected = await stack.tableDump();
    expect(tablesConnected).toContain('"kind":"password"');
    const encodings = [CANARY_PASSWORD, Buffer.from(CANARY_PASSWORD).toString('base64'), Buffer.from(CANARY_PASSWORD).toString('hex')];
    const haystacks = { logs: stack.logs.text(), responses: stack.responses.join('\n'), tables: tablesConnected };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const encoded of encodings) {
        expect({ where, encoded, leaked: text.includes(encoded) }).toEqual({ where, encoded, leaked: false });
      }
    }
    await stack.call('DELETE', path(), { token });
    expect(await stack.tableDump()).not.toContain('"kind":"password"');
    expect(stack.logs.text()).not.toContain(token.split('.')[2]);
  });

  it('settings list - the API mirrors the connection into the catalog\'s list item, never the password', async () => {
    await provisionSettingsList(stack, catalogA, 'adele@contoso.test');
    await fault(stack, 'password', { user: 'adele@contoso.test', password: CANARY_PASSWORD });
    const token = await stack.token('adele@contoso.test');
    const res = await stack.call('POST', path('/classic'), { token, body: { email: 'adele@contoso.test', password: CANARY_PASSWORD } });
    expect(res.status).toBe(200);
    const [item] = await settingsListItems(stack, catalogA, 'adele@contoso.test');
    expect(item).toMatchObject({ LmsAuthMethod: 'Classic', LmsAccountEmail: 'adele@contoso.test', LmsConnectionStatus: 'Connected', LmsConnectionId: res.body.connectionId });
    expect(JSON.stringify(item)).not.toContain(CANARY_PASSWORD);
    await stack.call('DELETE', path(), { token });
    const [after] = await settingsListItems(stack, catalogA, 'adele@contoso.test');
    expect(after).toMatchObject({ LmsConnectionStatus: 'NotConnected', LmsAccountEmail: null });
  });
});
