import { createHash } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { seal } from '../../src/secrets/envelope';
import { LocalFileKek } from '../../src/secrets/kek';
import { TABLES } from '../../src/storage/tables';
import { answerConfirmation, confirmFormOf, OPENER_ORIGIN, pageNonce, postedMessage, signIn, SignInOptions, useStack } from '../support/stack';
import { fault } from '../support/sending';

jest.setTimeout(60_000);

/** GET /_admin/mailboxes/{upn}/messages as docs/local-tenant.md describes it (the fields asserted here). */
interface MailboxMessages {
  mailbox: string;
  value: Array<{ mailbox: string; folder: 'inbox' | 'sentitems'; via: 'graph' | 'smtp' | 'calendar'; from: { address: string }; to: Array<{ address: string }>; subject: string }>;
}

describe('modern connection (real API, local tenant, Azurite over loopback)', () => {
  // No view cache: each test empties the tables, and a cached view would outlive that.
  const stack = useStack({ CONNECTION_CACHE_MS: '0' }, { reset: 'tenant+storage' });
  let catalogA: string;
  let catalogB: string;

  beforeAll(async () => {
    catalogA = stack.catalogUrl('catalog-a');
    catalogB = stack.catalogUrl('catalog-b');
  });

  const path = (catalog: string, suffix = ''): string => `/v1/catalogs/${encodeURIComponent(catalog)}/connection${suffix}`;

  async function start(admin: string, catalog: string, body: Record<string, unknown> = {}): Promise<{ authorizeUrl: string; state: string; nonce: string }> {
    const nonce = pageNonce();
    const res = await stack.call('POST', path(catalog, '/modern'), { token: await stack.token(admin), body: { orgConsent: false, origin: OPENER_ORIGIN, nonce, ...body } });
    expect(res.status).toBe(200);
    const state = new URL(res.body.authorizeUrl).searchParams.get('state') as string;
    // The page's window opens it through the API's start page: the sign-in is bound to this browser.
    await stack.open(res.body.authorizeUrl);
    return { authorizeUrl: res.body.authorizeUrl, state, nonce };
  }

  /** What the page does with the completion code its callback posted (R-SEC-1). */
  async function complete(admin: string, catalog: string, completion: string | undefined, nonce: string): Promise<{ status: number; body: any }> {
    return stack.call('POST', path(catalog, '/modern/complete'), { token: await stack.token(admin), body: { completion, nonce } });
  }

  async function callback(callbackUrl: string): Promise<{ status: number; html: string; headers: Headers }> {
    const url = new URL(callbackUrl);
    const res = await stack.call('GET', `${url.pathname}${url.search}`);
    return { status: res.status, html: String(res.body), headers: res.headers };
  }

  /** Start, sign in (and consent), land on the callback; follow a second sign-in leg when sent to one. */
  async function connect(admin: string, catalog: string, options: SignInOptions, body: Record<string, unknown> = {}) {
    const { authorizeUrl, nonce } = await start(admin, catalog, body);
    const signedIn = await signIn(stack.tenant.origin, authorizeUrl, options);
    let page = await callback(signedIn.callbackUrl);
    let legs = 1;
    while (page.status === 302 && legs < 3) {
      // the popup follows this hop and must still reach its opener afterwards
      expect(page.headers.get('cross-origin-opener-policy')).toBe('unsafe-none');
      const next = await signIn(stack.tenant.origin, page.headers.get('location') as string, options);
      page = await callback(next.callbackUrl);
      legs++;
    }
    const confirmation = confirmFormOf(page.html);
    if (confirmation) {
      // Another account than the admin's: its owner answers the confirmation.
      const answered = await answerConfirmation(stack, confirmation.token, options.confirm ?? 'connect');
      page = { status: answered.status, html: answered.body, headers: answered.headers };
    }
    const posted = postedMessage(page.html);
    const completed = posted.message.ok ? await complete(admin, catalog, posted.message.completion, nonce) : undefined;
    if (completed && completed.status !== 200) {
      throw new Error(`completion answered ${completed.status}: ${JSON.stringify(completed.body)}`);
    }
    return { ...signedIn, ...page, legs, posted, completed };
  }

  it('start - the authorize URL carries PKCE S256, a nonce, the state and the API callback', async () => {
    const { authorizeUrl } = await start('adele@contoso.test', catalogA);
    const url = new URL(authorizeUrl);
    expect(url.origin).toBe(stack.tenant.origin);
    expect(url.pathname).toBe(`/${stack.config.tenantId}/oauth2/v2.0/authorize`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('nonce')).toBeTruthy();
    expect(url.searchParams.get('redirect_uri')).toBe(`http://localhost:${stack.api.port}/v1/auth/callback`);
    expect(url.searchParams.get('scope')).toContain('Mail.Send');
    expect(url.searchParams.get('scope')).toContain('offline_access');
  });

  it('start - an opener origin outside the allow-list is refused', async () => {
    const res = await stack.call('POST', path(catalogA, '/modern'), { token: await stack.token('adele@contoso.test'), body: { orgConsent: false, origin: 'https://evil.example', nonce: pageNonce() } });
    expect([res.status, res.body.code]).toEqual([400, 'ORIGIN_NOT_ALLOWED']);
  });

  it('connect - a user consents for themself; the page posts ok to the exact opener origin; the view shows the account', async () => {
    const result = await connect('adele@contoso.test', catalogA, { user: 'adele@contoso.test' });
    expect(result.consentShown).toBe(true);
    expect(result.status).toBe(200);
    expect(result.posted).toEqual({ message: { type: 'lms-m365-connection', catalog: catalogA, ok: true, completion: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) }, origin: OPENER_ORIGIN });
    const nonce = /<script nonce="([^"]+)">/.exec(result.html)?.[1];
    expect(result.headers.get('content-security-policy')).toBe(`default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
    expect(result.html).toContain(`<style nonce="${nonce}">`);
    expect(result.html).not.toMatch(/access_token|refresh_token/);
    const view = await stack.call('GET', path(catalogA), { token: await stack.token('adele@contoso.test') });
    expect(view.body).toMatchObject({ method: 'modern', transport: 'graph', account: { email: 'adele@contoso.test', displayName: 'Adele Vance' }, health: { state: 'connected', code: null }, orgConsent: { granted: false } });
  });

  it('test email - goes out through Graph from the connected account and lands in the recipient mailbox', async () => {
    await connect('adele@contoso.test', catalogA, { user: 'adele@contoso.test' });
    const res = await stack.call('POST', path(catalogA, '/test-email'), { token: await stack.token('adele@contoso.test'), body: { to: 'learner1@contoso.test' } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('accepted');
    // The mailbox's documented JSON (docs/local-tenant.md): { mailbox, value: messages }.
    const inbox = await (await fetch(`${stack.tenant.origin}/_admin/mailboxes/learner1@contoso.test/messages?folder=inbox`)).json() as MailboxMessages;
    expect(inbox.mailbox).toBe('learner1@contoso.test');
    expect(inbox.value).toHaveLength(1);
    expect(inbox.value[0]).toMatchObject({
      mailbox: 'learner1@contoso.test',
      folder: 'inbox',
      via: 'graph',
      from: { address: 'adele@contoso.test' },
      to: [{ address: 'learner1@contoso.test' }],
      subject: `LMS Microsoft 365 connection test (${new URL(catalogA).pathname})`
    });
  });

  it('test email - Graph throttling answers THROTTLED with the Retry-After Graph gave, and keeps the connection', async () => {
    await connect('adele@contoso.test', catalogA, { user: 'adele@contoso.test' });
    await fetch(`${stack.tenant.origin}/_admin/faults/throttle`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mailbox: 'adele@contoso.test', retryAfterSeconds: 42 }) });
    const res = await stack.call('POST', path(catalogA, '/test-email'), { token: await stack.token('adele@contoso.test'), body: { to: 'learner1@contoso.test' } });
    expect([res.status, res.body.code, res.headers.get('retry-after')]).toEqual([429, 'THROTTLED', '42']);
    const view = await stack.call('GET', path(catalogA), { token: await stack.token('adele@contoso.test') });
    expect(view.body.health.state).toBe('connected');
  });

  it('org consent - a tenant admin consents for the organisation; then another account connects with no consent page', async () => {
    const admin = await connect('megan@contoso.test', catalogB, { user: 'megan@contoso.test', consentForOrg: true }, { orgConsent: true });
    expect(admin.consentShown).toBe(true);
    expect(admin.posted.message.ok).toBe(true);
    const afterAdmin = await stack.call('GET', path(catalogB), { token: await stack.token('megan@contoso.test') });
    // Consented with the Graph transport: SMTP.Send (the SMTP transport's) is not part of it.
    expect(afterAdmin.body.orgConsent).toEqual({ granted: true, smtpGranted: false, canGrant: true });
    const other = await connect('alex@contoso.test', catalogB, { user: 'nestor@contoso.test' });
    expect(other.consentShown).toBe(false);
    expect(other.posted.message.ok).toBe(true);
    const view = await stack.call('GET', path(catalogB), { token: await stack.token('alex@contoso.test') });
    expect(view.body).toMatchObject({ account: { email: 'nestor@contoso.test' }, orgConsent: { granted: true, canGrant: false } });
  });

  it.each([
    ['no mailbox', { user: 'noah@contoso.test' }, {}, 'MAILBOX_NOT_FOUND', /^Graph 404 /],
    ['shared mailbox', { user: 'training@contoso.test' }, {}, 'SHARED_MAILBOX', /^mailboxSettings\.userPurpose shared$/],
    ['SMTP AUTH off with the SMTP transport', { user: 'pradeep@contoso.test' }, { transport: 'smtp-oauth' }, 'SMTP_AUTH_DISABLED', /^SMTP 5\d\d /],
    ['consent declined', { user: 'adele@contoso.test', consent: 'cancel' as const }, {}, 'CONSENT_DECLINED', /^AADSTS65004$/]
  ])('connect errors (R-MOD-7) - %s is refused with %s (and what Microsoft 365 answered) and nothing is stored', async (_name, options, body, code, upstream) => {
    const before = await stack.call('GET', path(catalogA), { token: await stack.token('adele@contoso.test') });
    const result = await connect('adele@contoso.test', catalogA, options as SignInOptions, body);
    expect(result.status).toBe(400);
    expect(result.posted.message).toEqual({ type: 'lms-m365-connection', catalog: catalogA, ok: false, code, upstream: expect.stringMatching(upstream) });
    expect(result.posted.origin).toBe(OPENER_ORIGIN);
    const after = await stack.call('GET', path(catalogA), { token: await stack.token('adele@contoso.test') });
    expect(after.body.etag).toBe(before.body.etag);
  });

  it('connect with the SMTP transport - SMTP AUTH on is checked by an XOAUTH2 login, then the test email goes by SMTP', async () => {
    const result = await connect('alex@contoso.test', catalogB, { user: 'alex@contoso.test' }, { transport: 'smtp-oauth' });
    expect(result.posted.message).toMatchObject({ ok: true });
    const res = await stack.call('POST', path(catalogB, '/test-email'), { token: await stack.token('alex@contoso.test'), body: { to: 'learner2@contoso.test' } });
    expect([res.status, res.body.status]).toEqual([200, 'accepted']);
  });

  it('change transport - switching a Graph connection to SMTP needs SMTP.Send consent first: CONSENT_REQUIRED, nothing changed', async () => {
    await connect('adele@contoso.test', catalogA, { user: 'adele@contoso.test' });
    const token = await stack.token('adele@contoso.test');
    const before = await stack.call('GET', path(catalogA), { token });
    const res = await stack.call('PATCH', path(catalogA), { token, body: { transport: 'smtp-oauth' }, headers: { 'if-match': before.headers.get('etag') as string } });
    expect([res.status, res.body.code]).toEqual([409, 'CONSENT_REQUIRED']);
    const after = await stack.call('GET', path(catalogA), { token });
    expect(after.body).toMatchObject({ transport: 'graph', etag: before.body.etag });
  });

  it.each([
    ['revoke-refresh-tokens', { user: 'adele@contoso.test' }, 'TOKEN_REVOKED'],
    ['expire-refresh-tokens', { user: 'adele@contoso.test' }, 'TOKEN_REVOKED'],
    ['withdraw-consent', { user: 'adele@contoso.test' }, 'CONSENT_REQUIRED'],
    ['remove-mailbox', { user: 'adele@contoso.test' }, 'MAILBOX_NOT_FOUND']
  ])('losing the connection (R-LOSS-1) - after %s a check marks it lost with its code', async (fault, faultBody, code) => {
    await connect('adele@contoso.test', catalogA, { user: 'adele@contoso.test' });
    const faultRes = await fetch(`${stack.tenant.origin}/_admin/faults/${fault}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faultBody) });
    expect(faultRes.status).toBe(200);
    const res = await stack.call('POST', path(catalogA, '/check'), { token: await stack.token('adele@contoso.test') });
    expect(res.status).toBe(200);
    expect(res.body.health).toMatchObject({ state: 'lost', code });
  });

  it('an account whose UPN is not its address (Graph knows users by id or UPN) connects, and a UPN changed later keeps the connection', async () => {
    const rename = async (user: string, upn: string): Promise<void> => {
      const res = await fetch(`${stack.tenant.origin}/_admin/faults/rename-upn`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, upn }) });
      expect(res.status).toBe(200);
    };
    // Alex signs in as a UPN of its own; its address (Graph's mail) stays alex@contoso.test.
    await rename('alex@contoso.test', 'alex.wilber@contoso.test');
    const first = await connect('adele@contoso.test', catalogA, { user: 'alex.wilber@contoso.test' });
    expect(first.posted.message.ok).toBe(true);
    expect(first.completed?.body.account).toMatchObject({ email: 'alex@contoso.test' });
    // Renamed again after connecting: the check finds the same account by its id.
    await rename('alex.wilber@contoso.test', 'alex.w@contoso.test');
    const res = await stack.call('POST', path(catalogA, '/check'), { token: await stack.token('adele@contoso.test') });
    expect(res.status).toBe(200);
    expect(res.body.health).toMatchObject({ state: 'connected' });
  });

  it('keep-alive (R-LOSS-0) - an idle connection is refreshed at the identity platform before it lapses', async () => {
    await connect('adele@contoso.test', catalogA, { user: 'adele@contoso.test' });
    const lastUse = () => Math.max(...[...stack.tenant.state.refreshTokens.values()].map((r) => r.lastUsedAt));
    const before = lastUse();
    expect((await stack.api.service.keepAlive(Date.now())).refreshed).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const swept = await stack.api.service.keepAlive(Date.now() + 15 * 86_400_000);
    expect(swept.refreshed).toBe(1);
    expect(lastUse()).toBeGreaterThan(before);
    const view = await stack.call('GET', path(catalogA), { token: await stack.token('adele@contoso.test') });
    expect(view.body.health.state).toBe('connected');
  });

  it('keep-alive (R-LOSS-0) - a refresh token that already lapsed marks the connection lost', async () => {
    await connect('adele@contoso.test', catalogA, { user: 'adele@contoso.test' });
    await fetch(`${stack.tenant.origin}/_admin/faults/expire-refresh-tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'adele@contoso.test' }) });
    expect((await stack.api.service.keepAlive(Date.now() + 15 * 86_400_000)).refreshed).toBe(0);
    const view = await stack.call('GET', path(catalogA), { token: await stack.token('adele@contoso.test') });
    expect(view.body.health).toMatchObject({ state: 'lost', code: 'TOKEN_REVOKED' });
  });

  it('state - a replayed callback is refused', async () => {
    const { authorizeUrl } = await start('adele@contoso.test', catalogA);
    const { callbackUrl } = await signIn(stack.tenant.origin, authorizeUrl, { user: 'adele@contoso.test' });
    expect(postedMessage((await callback(callbackUrl)).html).message.ok).toBe(true);
    const replay = await callback(callbackUrl);
    expect(replay.status).toBe(400);
    expect(postedMessage(replay.html)).toEqual({ message: { type: 'lms-m365-connection', catalog: null, ok: false, code: 'STATE_INVALID' }, origin: null });
  });

  it('state - a tampered state is refused and posts to no one', async () => {
    const { authorizeUrl, state } = await start('adele@contoso.test', catalogA);
    const { callbackUrl } = await signIn(stack.tenant.origin, authorizeUrl, { user: 'adele@contoso.test' });
    const tampered = callbackUrl.replace(state, `${state[0] === 'A' ? 'B' : 'A'}${state.slice(1)}`);
    const res = await callback(tampered);
    expect(postedMessage(res.html)).toEqual({ message: { type: 'lms-m365-connection', catalog: null, ok: false, code: 'STATE_INVALID' }, origin: null });
  });

  function signInsTable(): TableClient {
    return TableClient.fromConnectionString(stack.azurite.connectionString, TABLES.signIns, { allowInsecureConnection: true });
  }

  it('state - an expired sign-in (past its 10 minutes) is refused', async () => {
    const { authorizeUrl, state } = await start('adele@contoso.test', catalogA);
    const key = createHash('sha256').update(state).digest('hex');
    await signInsTable().updateEntity({ partitionKey: key, rowKey: 'signin', expiresAt: Date.now() - 1 }, 'Merge');
    const { callbackUrl } = await signIn(stack.tenant.origin, authorizeUrl, { user: 'adele@contoso.test' });
    const res = await callback(callbackUrl);
    expect(postedMessage(res.html).message).toMatchObject({ ok: false, code: 'STATE_EXPIRED', catalog: catalogA });
  });

  it('sign-ins - the sweep deletes sign-ins nobody finished once their 10 minutes are over', async () => {
    const { state } = await start('adele@contoso.test', catalogA);
    const key = createHash('sha256').update(state).digest('hex');
    await stack.api.service.keepAlive(Date.now());
    await expect(signInsTable().getEntity(key, 'signin')).resolves.toBeDefined();
    await stack.api.service.keepAlive(Date.now() + 11 * 60_000);
    await expect(signInsTable().getEntity(key, 'signin')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('PKCE - a wrong code verifier fails the code exchange', async () => {
    const { authorizeUrl, state } = await start('adele@contoso.test', catalogA);
    const key = createHash('sha256').update(state).digest('hex');
    const kek = LocalFileKek.open(stack.config.kek.kind === 'local' ? stack.config.kek.file : '');
    const wrong = await seal(kek, Buffer.from(JSON.stringify({ verifier: 'w'.repeat(43) })), `signin|${key}`);
    await signInsTable().updateEntity({ partitionKey: key, rowKey: 'signin', ...wrong }, 'Merge');
    const { callbackUrl } = await signIn(stack.tenant.origin, authorizeUrl, { user: 'adele@contoso.test' });
    const res = await callback(callbackUrl);
    expect(postedMessage(res.html).message).toMatchObject({ ok: false, code: 'STATE_INVALID' });
  });

  it('disconnect (R-DIS-1) - deletes the token cache; nothing can be sent until a new connection', async () => {
    await connect('adele@contoso.test', catalogA, { user: 'adele@contoso.test' });
    const token = await stack.token('adele@contoso.test');
    const res = await stack.call('DELETE', path(catalogA), { token });
    expect(res.body).toMatchObject({ method: null, account: null, health: { state: 'not-connected' } });
    const secrets = TableClient.fromConnectionString(stack.azurite.connectionString, TABLES.connections, { allowInsecureConnection: true });
    const key = createHash('sha256').update(catalogA).digest('hex');
    await expect(secrets.getEntity(key, 'secret')).rejects.toMatchObject({ statusCode: 404 });
    const send = await stack.call('POST', path(catalogA, '/test-email'), { token, body: { to: 'learner1@contoso.test' } });
    expect([send.status, send.body.code]).toEqual([409, 'NOT_CONNECTED']);
  });

  it('result - a page whose popup lost it (Entra\'s COOP) asks how its sign-in ended: pending until the callback, then the completion for its nonce alone, or the failure', async () => {
    const admin = 'adele@contoso.test';
    const token = await stack.token(admin);
    const ask = (nonce: string) => stack.call('POST', path(catalogA, '/modern/result'), { token, body: { nonce } });
    const { authorizeUrl, nonce } = await start(admin, catalogA);
    expect((await ask(nonce)).body).toEqual({ status: 'pending' });
    const { callbackUrl } = await signIn(stack.tenant.origin, authorizeUrl, { user: admin });
    const posted = postedMessage((await callback(callbackUrl)).html).message;
    const answer = await ask(nonce);
    expect([answer.status, answer.body]).toEqual([200, { status: 'signed-in', completion: posted.completion }]);
    // Another page (another nonce) learns nothing; a user who is not the catalog's admin is refused.
    expect((await ask(pageNonce())).body).toEqual({ status: 'pending' });
    const stranger = await stack.call('POST', path(catalogA, '/modern/result'), { token: await stack.token('nestor@contoso.test'), body: { nonce } });
    expect([stranger.status, stranger.body.code]).toEqual([403, 'NOT_CATALOG_ADMIN']);
    expect((await complete(admin, catalogA, answer.body.completion, nonce)).status).toBe(200);

    const declined = await start(admin, catalogA);
    const refused = await signIn(stack.tenant.origin, declined.authorizeUrl, { user: 'noah@contoso.test' });
    await callback(refused.callbackUrl);
    expect((await ask(declined.nonce)).body).toEqual({ status: 'failed', code: 'MAILBOX_NOT_FOUND', upstream: expect.stringMatching(/^Graph 404 /) });

    // What Microsoft 365 answered goes with the failure, for the Microsoft 365 admin: here a policy's AADSTS number.
    await fault(stack, 'conditional-access', { user: admin });
    const blocked = await start(admin, catalogA);
    const { callbackUrl: blockedCallback } = await signIn(stack.tenant.origin, blocked.authorizeUrl, { user: admin });
    expect(postedMessage((await callback(blockedCallback)).html).message).toMatchObject({ ok: false, code: 'CONDITIONAL_ACCESS_BLOCKED', upstream: 'AADSTS53003' });
    expect((await ask(blocked.nonce)).body).toEqual({ status: 'failed', code: 'CONDITIONAL_ACCESS_BLOCKED', upstream: 'AADSTS53003' });
    // The operator's line names the catalog, so an admin's report finds it.
    const refusedLines = stack.logs.lines.map((l) => JSON.parse(l) as { msg?: string; context?: string; catalog?: string; code?: string; upstream?: string }).filter((l) => l.msg === 'upstream refused' && l.context === 'modern sign-in');
    expect(refusedLines[refusedLines.length - 1]).toMatchObject({ catalog: catalogA, code: 'CONDITIONAL_ACCESS_BLOCKED', upstream: 'AADSTS53003' });
  });

  it('canary - no refresh token the tenant issued appears in logs, responses or Azurite tables; no code or state is logged', async () => {
    const { authorizeUrl, state, nonce } = await start('adele@contoso.test', catalogA);
    const { callbackUrl } = await signIn(stack.tenant.origin, authorizeUrl, { user: 'adele@contoso.test' });
    const posted = postedMessage((await callback(callbackUrl)).html).message;
    expect(posted.ok).toBe(true);
    expect((await complete('adele@contoso.test', catalogA, posted.completion, nonce)).status).toBe(200);
    expect(stack.logs.text()).not.toContain(nonce);
    expect(stack.logs.text()).not.toContain(posted.completion);
    expect(await stack.tableDump()).not.toContain(nonce);
    expect(await stack.tableDump()).not.toContain(posted.completion);
    const code = new URL(callbackUrl).searchParams.get('code') as string;
    expect(stack.logs.text()).not.toContain(state);
    expect(stack.logs.text()).not.toContain(code);
    expect(await stack.tableDump()).not.toContain(state);
    await stack.call('POST', path(catalogA, '/test-email'), { token: await stack.token('adele@contoso.test'), body: { to: 'learner1@contoso.test' } });
    await stack.call('POST', path(catalogA, '/check'), { token: await stack.token('adele@contoso.test') });
    const refreshTokens = [...stack.tenant.state.refreshTokens.keys()];
    expect(refreshTokens.length).toBeGreaterThan(0);
    const haystacks = { logs: stack.logs.text(), responses: stack.responses.join('\n'), tables: await stack.tableDump() };
    for (const rt of refreshTokens) {
      for (const [where, text] of Object.entries(haystacks)) {
        expect({ where, leaked: text.includes(rt) || text.includes(rt.slice(0, 24)) }).toEqual({ where, leaked: false });
      }
    }
  });

  async function appToken(clientId: string, secret: string): Promise<string> {
    const res = await fetch(`${stack.tenant.origin}/${stack.config.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: 'api://lms-m365-connection/.default' }).toString()
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  it('authorization - real tokens: the LMS back end reads with its app role; another application (the API itself), a Graph token and no token are refused', async () => {
    const backend = await appToken('7e2d4c6a-1b3f-4a5e-8c7d-9f0a1b2c3d4e', 'local-dev-backend-secret');
    const read = await stack.call('GET', path(catalogA), { token: backend });
    expect(read.status).toBe(200);
    const change = await stack.call('DELETE', path(catalogA), { token: backend });
    expect([change.status, change.body.code]).toEqual([403, 'USER_ONLY']);
    // The API's own app-only token is not the LMS back end's: refused whatever its roles.
    const ownToken = await appToken(stack.config.clientId, stack.config.clientSecret);
    const refused = await stack.call('GET', path(catalogA), { token: ownToken });
    expect([refused.status, refused.body.code]).toEqual([403, 'CLIENT_APP_NOT_ACCEPTED']);
    const graphRes = await fetch(`${stack.tenant.origin}/_admin/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'adele@contoso.test', resource: 'https://graph.microsoft.com', scopes: ['User.Read'] }) });
    const graphToken = ((await graphRes.json()) as { access_token: string }).access_token;
    const wrongAudience = await stack.call('GET', path(catalogA), { token: graphToken });
    expect([wrongAudience.status, wrongAudience.body.code]).toEqual([401, 'TOKEN_INVALID']);
    const anonymous = await stack.call('GET', path(catalogA));
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'AUTH_REQUIRED']);
  });

  it('authorization - the real SharePoint check refuses a member and the admin of another catalog', async () => {
    const member = await stack.call('GET', path(catalogA), { token: await stack.token('nestor@contoso.test') });
    expect([member.status, member.body.code]).toEqual([403, 'NOT_CATALOG_ADMIN']);
    const other = await stack.call('GET', path(catalogA), { token: await stack.token('alex@contoso.test') });
    expect([other.status, other.body.code]).toEqual([403, 'NOT_CATALOG_ADMIN']);
    const owner = await stack.call('GET', path(catalogA), { token: await stack.token('adele@contoso.test') });
    expect(owner.status).toBe(200);
  });
});
