import { createHash } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { TABLES } from '../../src/storage/tables';
import { fault } from '../support/sending';
import { answerConfirmation, confirmFormOf, connectModernAs, OPENER_ORIGIN, pageNonce, postedMessage, provisionSettingsList, signIn, useStack } from '../support/stack';

jest.setTimeout(120_000);

/**
 * Issue 12 points 1-3 as an attacker would try them, against the real API, local tenant and Azurite:
 * a sign-in completes only for the admin and page that started it (R-SEC-1), a site is a catalog only
 * with its settings list or when registered (R-SEC-2), and concurrent connects, completions and
 * disconnects never leave a record and a secret that disagree (R-SEC-4).
 */
describe('sign-in binding, catalogs and races (real API, local tenant, Azurite over loopback)', () => {
  // catalog-b is registered by the LMS; catalog-a is a catalog only once its settings list exists.
  const stack = useStack({ CONNECTION_CACHE_MS: '0', ADMIN_CACHE_SECONDS: '0', REGISTERED_CATALOGS: '' }, { reset: 'tenant+storage' });
  let catalogA: string;
  let catalogB: string;

  beforeAll(async () => {
    catalogA = stack.catalogUrl('catalog-a');
    catalogB = stack.catalogUrl('catalog-b');
  });

  beforeEach(async () => {
    await provisionSettingsList(stack, catalogA, 'adele@contoso.test');
  });

  const path = (catalog: string, suffix = ''): string => `/v1/catalogs/${encodeURIComponent(catalog)}/connection${suffix}`;
  const table = (name: string): TableClient => TableClient.fromConnectionString(stack.azurite.connectionString, name, { allowInsecureConnection: true });
  const key = (value: string): string => createHash('sha256').update(value.toLowerCase()).digest('hex');

  /** Start as `admin`, sign in as `user` and land on the callback; the page has not completed yet. */
  async function signedIn(admin: string, catalog: string, user: string): Promise<{ completion: string; nonce: string }> {
    const nonce = pageNonce();
    const started = await stack.call('POST', path(catalog, '/modern'), { token: await stack.token(admin), body: { orgConsent: false, origin: OPENER_ORIGIN, nonce } });
    expect(started.status).toBe(200);
    const { callbackUrl } = await signIn(stack.tenant.origin, await stack.open(started.body.authorizeUrl), { user });
    const url = new URL(callbackUrl);
    let page = String((await stack.call('GET', `${url.pathname}${url.search}`)).body);
    const confirmation = confirmFormOf(page);
    // Another account than the admin's: the callback asks its owner first (who connects here).
    expect(confirmation !== undefined).toBe(user !== admin);
    if (confirmation) {
      page = (await answerConfirmation(stack, confirmation.token, 'connect')).body;
    }
    const posted = postedMessage(page);
    expect(posted.message.ok).toBe(true);
    return { completion: posted.message.completion as string, nonce };
  }

  async function complete(caller: string, catalog: string, completion: string, nonce: string): Promise<{ status: number; body: any }> {
    return stack.call('POST', path(catalog, '/modern/complete'), { token: await stack.token(caller), body: { completion, nonce } });
  }

  async function view(catalog: string, admin = 'adele@contoso.test'): Promise<any> {
    return (await stack.call('GET', path(catalog), { token: await stack.token(admin) })).body;
  }

  /** The stored record and secret row of a catalog, as Azurite holds them. */
  async function stored(catalog: string): Promise<{ record: any; secret: any }> {
    const connections = table(TABLES.connections);
    const record = await connections.getEntity<{ record: string }>(key(catalog), 'connection').then((e) => JSON.parse(e.record), () => null);
    const secret = await connections.getEntity<{ generation: number; account: string; kind: string }>(key(catalog), 'secret').then((e) => e, () => null);
    return { record, secret };
  }

  /** R-SEC-4: a connected record has its own secret (same generation, same account); a disconnected one has none. */
  async function expectConsistent(catalog: string): Promise<any> {
    const { record, secret } = await stored(catalog);
    if (record?.method) {
      expect({ generation: secret?.generation, account: secret?.account }).toEqual({ generation: record.generation, account: record.account.email });
    } else {
      expect(secret).toBeNull();
    }
    return record;
  }

  async function inbox(user: string): Promise<Array<{ from: { address: string }; subject: string; text?: string; body?: string }>> {
    return ((await (await fetch(`${stack.tenant.origin}/_admin/mailboxes/${user}/messages?folder=inbox`)).json()) as { value: any[] }).value;
  }

  it('completion - the admin who started it, with the page\'s nonce, connects; the account gets a notice naming the catalog and the admin; an audit line is written', async () => {
    const { completion, nonce } = await signedIn('adele@contoso.test', catalogA, 'nestor@contoso.test');
    expect((await view(catalogA)).account).toBeNull();
    const res = await complete('adele@contoso.test', catalogA, completion, nonce);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: 'modern', account: { email: 'nestor@contoso.test' }, connectedBy: 'adele@contoso.test' });
    await expectConsistent(catalogA);
    const notice = (await inbox('nestor@contoso.test')).find((m) => m.from.address === stack.config.alerts.sender);
    expect(notice?.subject).toContain(new URL(catalogA).pathname);
    expect(JSON.stringify(notice?.body)).toContain(catalogA);
    expect(JSON.stringify(notice)).toContain('adele@contoso.test');
    expect(stack.logs.text()).toMatch(/"audit":"connected"[^\n]*"account":"nestor@contoso.test"/);
  });

  it('login CSRF - a colleague who opens the admin\'s sign-in link binds nothing: there is no opener to receive the code, and a completion as the colleague is refused', async () => {
    // The admin starts; the colleague (a member, not an admin) opens the link and signs in with their own account.
    const { completion, nonce } = await signedIn('adele@contoso.test', catalogA, 'lynne@contoso.test');
    expect((await view(catalogA)).account).toBeNull();
    const asColleague = await complete('lynne@contoso.test', catalogA, completion, nonce);
    expect([asColleague.status, asColleague.body.code]).toEqual([403, 'NOT_CATALOG_ADMIN']);
    expect((await view(catalogA)).account).toBeNull();
  });

  it('login CSRF through the result poll - a colleague who signs in through the admin\'s link is told who asked, for which catalog and what it does before anything is kept; Cancel ends it for the admin\'s page (SIGN_IN_NOT_CONFIRMED); the confirm token is single use and no sign-in state', async () => {
    const nonce = pageNonce();
    const started = await stack.call('POST', path(catalogA, '/modern'), { token: await stack.token('adele@contoso.test'), body: { orgConsent: false, origin: OPENER_ORIGIN, nonce } });
    const result = async (): Promise<any> => (await stack.call('POST', path(catalogA, '/modern/result'), { token: await stack.token('adele@contoso.test'), body: { nonce } })).body;
    // The admin's link, opened in the colleague's browser (the API's start page binds it there).
    const authorize = await stack.open(started.body.authorizeUrl);
    const colleagueSignsIn = async (): Promise<{ token: string; html: string; headers: Headers }> => {
      const { callbackUrl } = await signIn(stack.tenant.origin, authorize, { user: 'lynne@contoso.test' });
      const url = new URL(callbackUrl);
      const page = await stack.call('GET', `${url.pathname}${url.search}`);
      const form = confirmFormOf(String(page.body));
      expect(form).toBeDefined();
      return { token: form?.token as string, html: String(page.body), headers: page.headers };
    };
    const first = await colleagueSignsIn();
    for (const said of ['adele@contoso.test', 'lynne@contoso.test', catalogA]) {
      expect(first.html).toContain(said);
    }
    // Nothing the admin's page could complete with: no message, no completion code; the form posts to this origin only.
    expect(first.html).not.toContain('var data');
    expect(first.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(await result()).toEqual({ status: 'pending' });

    // The confirm token is no sign-in state: a callback with it is refused and leaves it.
    const asState = await stack.call('GET', `/v1/auth/callback?state=${first.token}&code=x`);
    expect(postedMessage(String(asState.body)).message).toMatchObject({ ok: false, code: 'STATE_INVALID' });

    const cancelled = await answerConfirmation(stack, first.token, 'cancel');
    expect(cancelled.status).toBe(400);
    expect(postedMessage(cancelled.body).message).toMatchObject({ ok: false, code: 'SIGN_IN_NOT_CONFIRMED' });
    expect(await result()).toEqual({ status: 'failed', code: 'SIGN_IN_NOT_CONFIRMED' });
    // Single use, whatever the answer; a token that is not one, or an answer that is neither, changes nothing.
    expect(postedMessage((await answerConfirmation(stack, first.token, 'connect')).body).message).toMatchObject({ ok: false, code: 'STATE_INVALID' });
    expect(postedMessage((await answerConfirmation(stack, 'x'.repeat(43), 'connect')).body).message).toMatchObject({ ok: false, code: 'STATE_INVALID' });
    expect((await view(catalogA)).account).toBeNull();
    expect((await stored(catalogA)).secret).toBeNull();

    // The state was used once (the colleague's sign-in): the same link signs no one in again.
    const again = await signIn(stack.tenant.origin, authorize, { user: 'lynne@contoso.test' });
    const replayed = await stack.call('GET', `${new URL(again.callbackUrl).pathname}${new URL(again.callbackUrl).search}`);
    expect(postedMessage(String(replayed.body)).message).toMatchObject({ ok: false, code: 'STATE_INVALID' });
  });

  it('browser binding - the admin\'s authorize URL used in another browser signs no one in: its callback without the start page\'s cookie (or with a wrong one) is SIGN_IN_OTHER_BROWSER and leaves the sign-in for the admin\'s window; the start page binds once; the confirmation needs the cookie too', async () => {
    const nonce = pageNonce();
    const started = await stack.call('POST', path(catalogA, '/modern'), { token: await stack.token('adele@contoso.test'), body: { orgConsent: false, origin: OPENER_ORIGIN, nonce } });
    const authorizeUrl = started.body.authorizeUrl as string;
    const result = async (): Promise<any> => (await stack.call('POST', path(catalogA, '/modern/result'), { token: await stack.token('adele@contoso.test'), body: { nonce } })).body;
    const callback = async (callbackUrl: string, options: { anotherBrowser?: boolean; headers?: Record<string, string> } = {}): Promise<{ status: number; html: string }> => {
      const url = new URL(callbackUrl);
      const res = await stack.call('GET', `${url.pathname}${url.search}`, options);
      return { status: res.status, html: String(res.body) };
    };

    // Someone who saw the URL, before the admin's window opened it: it was never bound to a browser.
    const early = await signIn(stack.tenant.origin, authorizeUrl, { user: 'lynne@contoso.test' });
    const refusedEarly = await callback(early.callbackUrl, { anotherBrowser: true });
    expect(refusedEarly.status).toBe(400);
    expect(postedMessage(refusedEarly.html).message).toEqual({ type: 'lms-m365-connection', catalog: null, ok: false, code: 'SIGN_IN_OTHER_BROWSER' });
    expect(confirmFormOf(refusedEarly.html)).toBeUndefined();

    // The admin's window opens it: bound to this browser, once. The same start from elsewhere binds nothing.
    await stack.open(authorizeUrl);
    const [cookieName] = stack.cookieHeader().split('=');
    expect(cookieName).toMatch(/^__Host-lms-signin-[A-Za-z0-9_-]{16}$/);
    const secondStart = await stack.call('GET', `/v1/auth/start?authorize=${encodeURIComponent(authorizeUrl)}`, { anotherBrowser: true });
    expect([secondStart.status, secondStart.headers.get('set-cookie'), secondStart.headers.get('location')]).toEqual([400, null, null]);
    expect(String(secondStart.body)).toContain('<code>SIGN_IN_OTHER_BROWSER</code>');

    // Signed in after the admin's window bound it, from a browser without its cookie, or with a forged one.
    const late = await signIn(stack.tenant.origin, authorizeUrl, { user: 'lynne@contoso.test' });
    for (const options of [{ anotherBrowser: true }, { headers: { cookie: `${cookieName}=${'x'.repeat(43)}` } }, { headers: { cookie: `__Host-lms-signin-${'A'.repeat(16)}=x` } }]) {
      const refused = await callback(late.callbackUrl, options);
      expect(postedMessage(refused.html).message).toMatchObject({ ok: false, code: 'SIGN_IN_OTHER_BROWSER' });
    }
    expect(await result()).toEqual({ status: 'pending' });
    expect((await view(catalogA)).account).toBeNull();

    // The sign-in was left for the admin's window: signed in there with another account, its owner is
    // asked, and only in that browser does the answer count.
    const own = await signIn(stack.tenant.origin, authorizeUrl, { user: 'nestor@contoso.test' });
    const page = await callback(own.callbackUrl);
    const form = confirmFormOf(page.html) as { token: string };
    expect(form).toBeDefined();
    const elsewhere = await answerConfirmation(stack, form.token, 'connect', '');
    expect(postedMessage(elsewhere.body).message).toMatchObject({ ok: false, code: 'SIGN_IN_OTHER_BROWSER' });
    expect(await result()).toEqual({ status: 'pending' });
    const confirmed = await answerConfirmation(stack, form.token, 'connect');
    expect(postedMessage(confirmed.body).message).toMatchObject({ ok: true, completion: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const learned = await result();
    expect(learned.status).toBe('signed-in');
    const done = await complete('adele@contoso.test', catalogA, learned.completion, nonce);
    expect(done.body).toMatchObject({ method: 'modern', account: { email: 'nestor@contoso.test' }, connectedBy: 'adele@contoso.test' });
    // The browser's secret is kept by the browser alone: never in a log, an answer body or the tables.
    const secret = stack.cookieHeader().split('=')[1];
    expect(stack.logs.lines.join('\n')).not.toContain(secret);
    expect(await stack.tableDump()).not.toContain(secret);
  });

  it('start page - a browser that does not keep the cookie ends the sign-in at once and the page is told (SIGN_IN_COOKIE_REFUSED); a wrong check value changes nothing; a state of a second leg or past its time is not started', async () => {
    const startAs = async (): Promise<{ authorizeUrl: string; nonce: string }> => {
      const nonce = pageNonce();
      const started = await stack.call('POST', path(catalogA, '/modern'), { token: await stack.token('adele@contoso.test'), body: { orgConsent: false, origin: OPENER_ORIGIN, nonce } });
      return { authorizeUrl: started.body.authorizeUrl as string, nonce };
    };
    const result = async (nonce: string): Promise<any> => (await stack.call('POST', path(catalogA, '/modern/result'), { token: await stack.token('adele@contoso.test'), body: { nonce } })).body;
    const state = (authorizeUrl: string): string => new URL(authorizeUrl).searchParams.get('state') as string;
    const row = async (authorizeUrl: string): Promise<unknown> => table(TABLES.signIns).getEntity(createHash('sha256').update(state(authorizeUrl)).digest('hex'), 'signin').catch(() => undefined);

    // Cookies refused: the first hop sets one, the second does not see it.
    const refused = await startAs();
    const first = await stack.call('GET', `/v1/auth/start?authorize=${encodeURIComponent(refused.authorizeUrl)}`, { anotherBrowser: true });
    expect([first.status, first.headers.get('set-cookie')?.startsWith('__Host-lms-signin-')]).toEqual([302, true]);
    const hop = first.headers.get('location') as string;
    const wrongCheck = await stack.call('GET', `/v1/auth/${hop.replace(/check=[^&]+/, `check=${'x'.repeat(43)}`)}`, { anotherBrowser: true });
    expect(String(wrongCheck.body)).toContain('<code>STATE_INVALID</code>');
    expect(await row(refused.authorizeUrl)).toBeDefined();
    expect(await result(refused.nonce)).toEqual({ status: 'pending' });
    const second = await stack.call('GET', `/v1/auth/${hop}`, { anotherBrowser: true });
    expect(second.status).toBe(400);
    expect(postedMessage(String(second.body))).toEqual({ message: { type: 'lms-m365-connection', catalog: catalogA, ok: false, code: 'SIGN_IN_COOKIE_REFUSED' }, origin: OPENER_ORIGIN });
    expect(await result(refused.nonce)).toEqual({ status: 'failed', code: 'SIGN_IN_COOKIE_REFUSED' });
    expect(await row(refused.authorizeUrl)).toBeUndefined();

    // Past its 10 minutes before the window opened it: STATE_EXPIRED, nothing bound.
    const late = await startAs();
    await table(TABLES.signIns).updateEntity({ partitionKey: createHash('sha256').update(state(late.authorizeUrl)).digest('hex'), rowKey: 'signin', expiresAt: Date.now() - 1 }, 'Merge');
    const expired = await stack.call('GET', `/v1/auth/start?authorize=${encodeURIComponent(late.authorizeUrl)}`, { anotherBrowser: true });
    expect([expired.status, expired.headers.get('set-cookie')]).toEqual([400, null]);
    expect(String(expired.body)).toContain('<code>STATE_EXPIRED</code>');

    // A second leg's authorize URL (the SMTP consent) comes from the callback in the bound window, never from a start page.
    const smtp = await stack.call('POST', path(catalogA, '/modern'), { token: await stack.token('adele@contoso.test'), body: { orgConsent: false, origin: OPENER_ORIGIN, nonce: pageNonce(), transport: 'smtp-oauth' } });
    const firstLeg = await signIn(stack.tenant.origin, await stack.open(smtp.body.authorizeUrl), { user: 'adele@contoso.test' });
    const legPage = await stack.call('GET', `${new URL(firstLeg.callbackUrl).pathname}${new URL(firstLeg.callbackUrl).search}`);
    expect(legPage.status).toBe(302);
    const secondLeg = legPage.headers.get('location') as string;
    const legStart = await stack.call('GET', `/v1/auth/start?authorize=${encodeURIComponent(secondLeg)}`, { anotherBrowser: true });
    expect([legStart.status, legStart.headers.get('set-cookie')]).toEqual([400, null]);
    expect(String(legStart.body)).toContain('<code>STATE_INVALID</code>');
    // Its callback, too, only in the bound browser.
    const legSignIn = await signIn(stack.tenant.origin, secondLeg, { user: 'adele@contoso.test' });
    const legCallback = `${new URL(legSignIn.callbackUrl).pathname}${new URL(legSignIn.callbackUrl).search}`;
    expect(postedMessage(String((await stack.call('GET', legCallback, { anotherBrowser: true })).body)).message).toMatchObject({ ok: false, code: 'SIGN_IN_OTHER_BROWSER' });
    expect(postedMessage(String((await stack.call('GET', legCallback)).body)).message).toMatchObject({ ok: true });
  });

  it('confirmation - the owner who expects it connects: the admin\'s page then learns the completion code and connects; a form answer that is neither is refused before anything is read', async () => {
    const nonce = pageNonce();
    const started = await stack.call('POST', path(catalogA, '/modern'), { token: await stack.token('adele@contoso.test'), body: { orgConsent: false, origin: OPENER_ORIGIN, nonce } });
    const { callbackUrl } = await signIn(stack.tenant.origin, await stack.open(started.body.authorizeUrl), { user: 'nestor@contoso.test' });
    const page = await stack.call('GET', `${new URL(callbackUrl).pathname}${new URL(callbackUrl).search}`);
    const form = confirmFormOf(String(page.body)) as { token: string };
    const bad = await answerConfirmation(stack, form.token, 'yes');
    expect(bad.status).toBe(400);
    const connected = await answerConfirmation(stack, form.token, 'connect');
    expect(postedMessage(connected.body).message).toMatchObject({ ok: true, completion: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const learned = (await stack.call('POST', path(catalogA, '/modern/result'), { token: await stack.token('adele@contoso.test'), body: { nonce } })).body;
    expect(learned.status).toBe('signed-in');
    const done = await complete('adele@contoso.test', catalogA, learned.completion, nonce);
    expect(done.body).toMatchObject({ method: 'modern', account: { email: 'nestor@contoso.test' }, connectedBy: 'adele@contoso.test' });
  });

  it('confirmation - answered after its 5 minutes: STATE_EXPIRED for the owner and the admin\'s page, nothing kept; each answer is an audit line', async () => {
    const nonce = pageNonce();
    const logFrom = stack.logs.lines.length;
    const started = await stack.call('POST', path(catalogA, '/modern'), { token: await stack.token('adele@contoso.test'), body: { orgConsent: false, origin: OPENER_ORIGIN, nonce } });
    const { callbackUrl } = await signIn(stack.tenant.origin, await stack.open(started.body.authorizeUrl), { user: 'nestor@contoso.test' });
    const page = await stack.call('GET', `${new URL(callbackUrl).pathname}${new URL(callbackUrl).search}`);
    const form = confirmFormOf(String(page.body)) as { token: string };
    await table(TABLES.signIns).updateEntity({ partitionKey: createHash('sha256').update(form.token).digest('hex'), rowKey: 'signin', expiresAt: Date.now() - 1 }, 'Merge');
    expect(postedMessage((await answerConfirmation(stack, form.token, 'connect')).body).message).toMatchObject({ ok: false, code: 'STATE_EXPIRED' });
    expect((await stack.call('POST', path(catalogA, '/modern/result'), { token: await stack.token('adele@contoso.test'), body: { nonce } })).body).toEqual({ status: 'failed', code: 'STATE_EXPIRED' });
    expect((await view(catalogA)).account).toBeNull();
    expect(stack.logs.lines.slice(logFrom).join('\n')).not.toMatch(/"audit":"sign-in (not )?confirmed"/);
    // Answered in time: the audit line names the catalog, the account and the admin who started it.
    await connectModernAs(stack, 'adele@contoso.test', catalogA, { user: 'nestor@contoso.test', confirm: 'cancel' });
    expect(stack.logs.text()).toMatch(/"audit":"sign-in not confirmed"[^\n]*"account":"nestor@contoso.test"[^\n]*"startedBy":"adele@contoso.test"/);
  });

  it('completion - another admin of the same catalog, or the right admin without the page\'s nonce, changes nothing; the code stays for its page', async () => {
    const { completion, nonce } = await signedIn('adele@contoso.test', catalogA, 'adele@contoso.test');
    const otherAdmin = await complete('megan@contoso.test', catalogA, completion, nonce);
    expect([otherAdmin.status, otherAdmin.body.code]).toEqual([403, 'SIGN_IN_OTHER_ADMIN']);
    const otherBrowser = await complete('adele@contoso.test', catalogA, completion, pageNonce());
    expect([otherBrowser.status, otherBrowser.body.code]).toEqual([403, 'SIGN_IN_OTHER_BROWSER']);
    expect((await view(catalogA)).account).toBeNull();
    expect((await stored(catalogA)).secret).toBeNull();
    expect(stack.logs.text()).toContain('"code":"SIGN_IN_OTHER_ADMIN"');
    expect((await complete('adele@contoso.test', catalogA, completion, nonce)).status).toBe(200);
  });

  it('completion - a replay, another catalog\'s code and an expired code change nothing', async () => {
    const first = await signedIn('adele@contoso.test', catalogA, 'adele@contoso.test');
    expect((await complete('adele@contoso.test', catalogA, first.completion, first.nonce)).status).toBe(200);
    const generation = (await stored(catalogA)).record.generation;
    const replay = await complete('adele@contoso.test', catalogA, first.completion, first.nonce);
    expect([replay.status, replay.body.code]).toEqual([400, 'STATE_INVALID']);

    await provisionSettingsList(stack, catalogB, 'megan@contoso.test');
    const forB = await signedIn('megan@contoso.test', catalogB, 'megan@contoso.test');
    const crossed = await complete('megan@contoso.test', catalogA, forB.completion, forB.nonce);
    expect([crossed.status, crossed.body.code]).toEqual([400, 'STATE_INVALID']);

    const late = await signedIn('adele@contoso.test', catalogA, 'megan@contoso.test');
    await table(TABLES.signIns).updateEntity({ partitionKey: createHash('sha256').update(late.completion).digest('hex'), rowKey: 'signin', expiresAt: Date.now() - 1 }, 'Merge');
    const expired = await complete('adele@contoso.test', catalogA, late.completion, late.nonce);
    expect([expired.status, expired.body.code]).toEqual([400, 'STATE_EXPIRED']);
    expect((await stored(catalogA)).record).toMatchObject({ generation, account: { email: 'adele@contoso.test' } });
  });

  // The registered path: every other integration suite's stack registers the fixture's catalogs (support/stack.ts).
  it('catalogs (R-SEC-2) - a site without the settings list that the LMS did not register is refused on sign-in, Classic connect, settings and test email; with the list it is a catalog', async () => {
    stack.tenant.reset();
    await stack.resetStorage();
    const token = await stack.token('adele@contoso.test');
    const start = await stack.call('POST', path(catalogA, '/modern'), { token, body: { orgConsent: false, origin: OPENER_ORIGIN, nonce: pageNonce() } });
    expect([start.status, start.body.code]).toEqual([403, 'NOT_A_CATALOG']);
    const classic = await stack.call('POST', path(catalogA, '/classic'), { token, body: { email: 'adele@contoso.test', password: 'dev-password' } });
    expect([classic.status, classic.body.code]).toEqual([403, 'NOT_A_CATALOG']);
    const test = await stack.call('POST', path(catalogA, '/test-email'), { token, body: { to: 'learner1@contoso.test' } });
    expect([test.status, test.body.code]).toEqual([403, 'NOT_A_CATALOG']);
    const read = await stack.call('GET', path(catalogA), { token });
    const settings = await stack.call('PATCH', path(catalogA), { token, headers: { 'if-match': String(read.headers.get('etag')) }, body: { enabled: true, alertRecipients: ['adele@contoso.test'] } });
    expect([settings.status, settings.body.code]).toEqual([403, 'NOT_A_CATALOG']);
    const recipients = await stack.call('PATCH', path(catalogA), { token, headers: { 'if-match': String(read.headers.get('etag')) }, body: { alertRecipients: ['adele@contoso.test'] } });
    expect([recipients.status, recipients.body.code]).toEqual([403, 'NOT_A_CATALOG']);
    expect((await stored(catalogA)).record).toBeNull();
    // Switching off, clearing or a transport sets no mail going: let through, as for a site whose
    // app (and list) was removed - but on a site with no record and no catalog, nothing is stored.
    for (const body of [{ enabled: false }, { alertRecipients: [] }, { enabled: false, alertRecipients: [], transport: 'graph' }, { transport: 'smtp-oauth' }]) {
      const off = await stack.call('PATCH', path(catalogA), { token, headers: { 'if-match': String(read.headers.get('etag')) }, body });
      expect([off.status, off.body.etag]).toEqual([200, read.body.etag]);
    }
    expect((await stored(catalogA)).record).toBeNull();
    // The same site once the app is there (its settings list exists):
    await provisionSettingsList(stack, catalogA, 'adele@contoso.test');
    expect((await stack.call('POST', path(catalogA, '/classic'), { token, body: { email: 'adele@contoso.test', password: 'dev-password' } })).status).toBe(200);
    // catalog-b: no list, and this API's configuration registers no catalog.
    const megan = await stack.token('megan@contoso.test');
    const b = await stack.call('POST', path(catalogB, '/classic'), { token: megan, body: { email: 'megan@contoso.test', password: 'dev-password' } });
    expect([b.status, b.body.code]).toEqual([403, 'NOT_A_CATALOG']);
  });

  it('races - two sign-ins completed at once: one connects, the other is superseded; the record names the account whose tokens are stored and mail goes out as it', async () => {
    const [one, two] = await Promise.all([
      signedIn('adele@contoso.test', catalogA, 'adele@contoso.test'),
      signedIn('adele@contoso.test', catalogA, 'megan@contoso.test')
    ]);
    const results = await Promise.all([complete('adele@contoso.test', catalogA, one.completion, one.nonce), complete('adele@contoso.test', catalogA, two.completion, two.nonce)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.status === 409)?.body.code).toBe('SIGN_IN_SUPERSEDED');
    const record = await expectConsistent(catalogA);
    const sent = await stack.call('POST', path(catalogA, '/test-email'), { token: await stack.token('adele@contoso.test'), body: { to: 'learner1@contoso.test' } });
    expect(sent.status).toBe(200);
    expect((await inbox('learner1@contoso.test')).map((m) => m.from.address)).toEqual([record.account.email]);
  });

  it('races - two Classic connects at once with different accounts and passwords: the record names the account whose password is stored', async () => {
    await fault(stack, 'password', { user: 'megan@contoso.test', password: 'megan-password' });
    const token = await stack.token('adele@contoso.test');
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([
        stack.call('POST', path(catalogA, '/classic'), { token, body: { email: 'adele@contoso.test', password: 'dev-password' } }),
        stack.call('POST', path(catalogA, '/classic'), { token, body: { email: 'megan@contoso.test', password: 'megan-password' } })
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      await expectConsistent(catalogA);
      const check = await stack.call('POST', path(catalogA, '/check'), { token });
      expect([check.status, check.body.health.state]).toEqual([200, 'connected']);
    }
  });

  it('races - connect during disconnect ends connected with its secret or disconnected with none, never "connected" with no secret', async () => {
    const token = await stack.token('adele@contoso.test');
    expect((await stack.call('POST', path(catalogA, '/classic'), { token, body: { email: 'adele@contoso.test', password: 'dev-password' } })).status).toBe(200);
    for (let round = 0; round < 4; round++) {
      const results = await Promise.all([
        stack.call('DELETE', path(catalogA), { token }),
        stack.call('POST', path(catalogA, '/classic'), { token, body: { email: 'adele@contoso.test', password: 'dev-password' } })
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      const record = await expectConsistent(catalogA);
      if (record.method) {
        expect((await stack.call('POST', path(catalogA, '/check'), { token })).body.health.state).toBe('connected');
      }
    }
  });

  it('disconnect - deletes sign-ins under way and finished legs\' tokens; a sign-in started before another connect is superseded', async () => {
    const token = await stack.token('adele@contoso.test');
    const waiting = await signedIn('adele@contoso.test', catalogA, 'adele@contoso.test');
    const startedOnly = await stack.call('POST', path(catalogA, '/modern'), { token, body: { orgConsent: false, origin: OPENER_ORIGIN, nonce: pageNonce() } });
    const startedOnlyUrl = await stack.open(startedOnly.body.authorizeUrl);
    expect((await stack.call('DELETE', path(catalogA), { token })).status).toBe(200);
    const left: unknown[] = [];
    for await (const entity of table(TABLES.signIns).listEntities()) {
      left.push(entity);
    }
    expect(left).toEqual([]);
    const afterDisconnect = await complete('adele@contoso.test', catalogA, waiting.completion, waiting.nonce);
    expect([afterDisconnect.status, afterDisconnect.body.code]).toEqual([400, 'STATE_INVALID']);
    const { callbackUrl } = await signIn(stack.tenant.origin, startedOnlyUrl, { user: 'adele@contoso.test' });
    const url = new URL(callbackUrl);
    expect(postedMessage(String((await stack.call('GET', `${url.pathname}${url.search}`)).body)).message).toMatchObject({ ok: false, code: 'STATE_INVALID' });

    const before = await signedIn('adele@contoso.test', catalogA, 'megan@contoso.test');
    expect((await stack.call('POST', path(catalogA, '/classic'), { token, body: { email: 'adele@contoso.test', password: 'dev-password' } })).status).toBe(200);
    const superseded = await complete('adele@contoso.test', catalogA, before.completion, before.nonce);
    expect([superseded.status, superseded.body.code]).toEqual([409, 'SIGN_IN_SUPERSEDED']);
    expect((await expectConsistent(catalogA)).account.email).toBe('adele@contoso.test');
  });

  it('tokens - a record whose account is not in the stored token cache fails with ACCOUNT_MISMATCH and sends nothing from another account', async () => {
    const connected = await connectModernAs(stack, 'adele@contoso.test', catalogA, { user: 'adele@contoso.test' });
    expect(connected.completed?.status).toBe(200);
    const connections = table(TABLES.connections);
    const entity = await connections.getEntity<{ record: string }>(key(catalogA), 'connection');
    const record = JSON.parse(entity.record);
    await connections.updateEntity({ partitionKey: key(catalogA), rowKey: 'connection', record: JSON.stringify({ ...record, homeAccountId: 'someone-else.tenant' }) }, 'Merge');
    const sent = await stack.call('POST', path(catalogA, '/test-email'), { token: await stack.token('adele@contoso.test'), body: { to: 'learner1@contoso.test' } });
    expect([sent.status, sent.body.code]).toEqual([409, 'ACCOUNT_MISMATCH']);
    expect(await inbox('learner1@contoso.test')).toEqual([]);
  });

  it('connection id - a catalog never stored reads the same id every time, and keeps it once stored', async () => {
    const first = (await view(catalogA)).connectionId;
    expect((await view(catalogA)).connectionId).toBe(first);
    await stack.call('POST', path(catalogA, '/classic'), { token: await stack.token('adele@contoso.test'), body: { email: 'adele@contoso.test', password: 'dev-password' } });
    expect((await view(catalogA)).connectionId).toBe(first);
  });
});
