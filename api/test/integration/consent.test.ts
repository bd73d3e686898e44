import { appToken, fault, setEnabled } from '../support/sending';
import { ADMIN_CONSENT_STATE, FRESH_READ_INTERVAL_MS } from '../../src/connections/orgConsent';
import { connectModernAs, OPENER_ORIGIN, pageNonce, postedMessage, SignInOptions, useStack } from '../support/stack';

jest.setTimeout(60_000);

/**
 * Issue 13 point 1 / R-MOD-5: delegated Place.Read.All needs a tenant admin's consent (as in
 * Entra); each account consents only to what it may, rooms come through the tenant admin.
 */
describe('admin consent for rooms (real API, local tenant, Azurite over loopback)', () => {
  const stack = useStack({ ORG_CONSENT_CACHE_SECONDS: '0' });
  let catalogA: string;

  beforeAll(async () => {
    catalogA = stack.catalogUrl('catalog-a');
  });

  const path = (suffix = ''): string => `/v1/catalogs/${encodeURIComponent(catalogA)}/connection${suffix}`;
  const view = async (user = 'adele@contoso.test'): Promise<any> => (await stack.call('GET', path(), { token: await stack.token(user) })).body;

  async function connect(admin: string, options: SignInOptions, body: Record<string, unknown> = {}) {
    return connectModernAs(stack, admin, catalogA, options, body);
  }

  /** Signs in on a tenant page and answers the form that follows; returns the last response. */
  async function signInTo(url: string, user: string, form: (html: string) => Record<string, string> | null): Promise<{ status: number; html: string; location: string | null }> {
    const first = await (await fetch(url, { redirect: 'manual' })).text();
    const action = (html: string): string => (/<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '').replace(/&amp;/g, '&');
    const interaction = (html: string): string => /name="interaction" value="([^"]+)"/.exec(html)?.[1] ?? '';
    let res = await fetch(new URL(action(first), stack.tenant.origin), {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ interaction: interaction(first), username: user, password: 'dev-password' }).toString()
    });
    let html = res.status === 302 ? '' : await res.text();
    const fields = html ? form(html) : null;
    if (fields) {
      res = await fetch(new URL(action(html), stack.tenant.origin), {
        method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ interaction: interaction(html), ...fields }).toString()
      });
      html = res.status === 302 ? '' : await res.text();
    }
    return { status: res.status, html, location: res.headers.get('location') };
  }

  it('no org consent, an ordinary catalog admin - the sign-in asks only user-consentable permissions; mail works; rooms wait for the tenant admin', async () => {
    const result = await connect('adele@contoso.test', { user: 'adele@contoso.test' });
    const scope = new URL(result.authorizeUrl).searchParams.get('scope') ?? '';
    expect(scope).not.toContain('Place.Read.All');
    expect(scope).toContain('Mail.Send');
    expect(result.consentShown).toBe(true);
    expect(result.posted.message.ok).toBe(true);
    const v = await view();
    expect(v.orgConsent).toEqual({ granted: false, smtpGranted: false, canGrant: false });
    expect(v.rooms.available).toBe(false);
    expect(v.rooms.adminApproval).toMatchObject({
      tenantAdmins: [{ displayName: 'Megan Bowen', email: 'megan@contoso.test' }],
      requestWorkflow: false,
      requestPending: false,
      requestUrl: null
    });
    const link = new URL(v.rooms.adminApproval.adminConsentUrl);
    expect(link.pathname).toBe(`/${stack.config.tenantId}/v2.0/adminconsent`);
    expect(link.searchParams.get('client_id')).toBe(stack.config.clientId);
    // The tenant admin approves rooms alone: /.default would consent mail and calendars for every user too.
    expect(link.searchParams.get('scope')).toBe(`${stack.config.graphResource}/Place.Read.All`);
    // R-MOD-5: nothing else fails without Place.Read.All - the check and a test email go through.
    const check = await stack.call('POST', path('/check'), { token: await stack.token('adele@contoso.test') });
    expect(check.body.health).toMatchObject({ state: 'connected', code: null });
    const mail = await stack.call('POST', path('/test-email'), { token: await stack.token('adele@contoso.test'), body: { to: 'learner1@contoso.test' } });
    expect(mail.status).toBe(200);
  });

  it('no org consent - an ordinary account asked for Place.Read.All meets Entra\'s "Need admin approval" (AADSTS90094), answered as CONSENT_REQUIRED', async () => {
    const started = await stack.call('POST', path('/modern'), { token: await stack.token('adele@contoso.test'), body: { orgConsent: true, origin: OPENER_ORIGIN, nonce: pageNonce() } });
    expect(new URL(started.body.authorizeUrl).searchParams.get('scope')).toContain('Place.Read.All');
    const page = await signInTo(await stack.open(started.body.authorizeUrl), 'adele@contoso.test', () => null);
    expect(page.status).toBe(403);
    expect(page.html).toContain('AADSTS90094');
    const back = /href="([^"]+)" id="back"/.exec(page.html)?.[1]?.replace(/&amp;/g, '&') as string;
    const url = new URL(back);
    const callback = await stack.call('GET', `${url.pathname}${url.search}`);
    expect(postedMessage(String(callback.body)).message).toMatchObject({ ok: false, code: 'CONSENT_REQUIRED' });
  });

  it('org consent granted - a tenant admin consents for the organisation; rooms are available to an account that connects later', async () => {
    const admin = await connect('megan@contoso.test', { user: 'megan@contoso.test', consentForOrg: true }, { orgConsent: true });
    expect(new URL(admin.authorizeUrl).searchParams.get('scope')).toContain('Place.Read.All');
    expect(admin.posted.message.ok).toBe(true);
    const other = await connect('adele@contoso.test', { user: 'nestor@contoso.test' });
    expect(other.consentShown).toBe(false);
    const v = await view();
    expect(v.account.email).toBe('nestor@contoso.test');
    expect(v.orgConsent.granted).toBe(true);
    expect(v.rooms).toEqual({ available: true, adminApproval: null });
  });

  it('org consent with the SMTP transport - a tenant admin consenting for the organisation with SMTP chosen grants SMTP.Send to it too; with Graph chosen it does not (smtpGranted)', async () => {
    const graph = await connect('megan@contoso.test', { user: 'megan@contoso.test', consentForOrg: true }, { orgConsent: true });
    expect(graph.posted.message.ok).toBe(true);
    expect((await view('megan@contoso.test')).orgConsent).toEqual({ granted: true, smtpGranted: false, canGrant: true });
    const smtp = await connect('megan@contoso.test', { user: 'megan@contoso.test', consentForOrg: true }, { orgConsent: true, transport: 'smtp-oauth' });
    expect(new URL(smtp.authorizeUrl).searchParams.get('scope')).toContain('SMTP.Send');
    expect(smtp.posted.message.ok).toBe(true);
    expect(await view('megan@contoso.test')).toMatchObject({ transport: 'smtp-oauth', orgConsent: { granted: true, smtpGranted: true, canGrant: true } });
  });

  it('org consent granted, behind 150 accounts\' own grants - the organisation\'s grant is on the second page of oauth2PermissionGrants and is still seen', async () => {
    // One Principal grant per account that consented for itself, recorded before the tenant admin's
    // organisation-wide one: Graph lists 100 a page, so that one comes after an @odata.nextLink.
    const [client, graph] = [stack.tenant.state.appByKey('connectionApi'), stack.tenant.state.appByKey('graph')];
    for (let i = 0; i < 150; i++) {
      stack.tenant.state.addGrant(client, graph, 'Principal', `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, ['User.Read', 'Mail.Send', 'Calendars.ReadWrite']);
    }
    const admin = await connect('megan@contoso.test', { user: 'megan@contoso.test', consentForOrg: true }, { orgConsent: true });
    expect(admin.posted.message.ok).toBe(true);
    const grants = stack.tenant.state.grants.filter((g) => g.clientId === client.servicePrincipalId);
    expect(grants.findIndex((g) => g.consentType === 'AllPrincipals' && g.resourceId === graph.servicePrincipalId)).toBeGreaterThanOrEqual(100);
    const v = await view();
    expect(v.orgConsent.granted).toBe(true);
    expect(v.rooms).toEqual({ available: true, adminApproval: null });
  });

  it('consent request pending - with the workflow on, the request link ends on "Approval required"; the view then says a request is pending', async () => {
    await connect('adele@contoso.test', { user: 'adele@contoso.test' });
    await fault(stack, 'admin-consent-workflow', { enabled: true });
    const before = await view();
    expect(before.rooms.adminApproval).toMatchObject({ requestWorkflow: true, requestPending: false });
    const requestUrl = before.rooms.adminApproval.requestUrl as string;
    expect(new URL(requestUrl).searchParams.get('scope')).toContain('Place.Read.All');
    const sent = await signInTo(requestUrl, 'adele@contoso.test', (html) => {
      expect(html).toContain('Approval required');
      return { justification: 'Rooms for classroom sessions' };
    });
    expect(sent.html).toContain('Request sent');
    const after = await view();
    expect(after.rooms).toMatchObject({ available: false, adminApproval: { requestWorkflow: true, requestPending: true } });
  });

  it('consent declined - the tenant admin cancels at Microsoft: the answer carries admin_consent=True beside its error (as Entra\'s does), and the page says consent was not granted', async () => {
    await connect('adele@contoso.test', { user: 'adele@contoso.test' });
    const link = (await view()).rooms.adminApproval.adminConsentUrl as string;
    const declined = await signInTo(link, 'megan@contoso.test', () => ({ decision: 'cancel' }));
    expect(declined.status).toBe(302);
    const back = new URL(declined.location as string);
    expect([back.searchParams.get('error'), back.searchParams.get('admin_consent')]).toEqual(['access_denied', 'True']);
    const landing = await stack.call('GET', `${back.pathname}${back.search}`);
    expect([landing.status, String(landing.body)]).toEqual([400, expect.stringContaining('Consent was not granted.')]);
    expect((await view()).rooms).toMatchObject({ available: false });
  });

  it('consent granted later - the tenant admin opens the link; the pending request completes and rooms appear, for the LMS too, without a reconnect or a page load', async () => {
    await connect('adele@contoso.test', { user: 'adele@contoso.test' });
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    const before = await stack.call('GET', `/v1/catalogs/${encodeURIComponent(catalogA)}/rooms`, { token: await appToken(stack) });
    expect([before.status, before.body.code]).toEqual([409, 'ROOMS_NOT_AVAILABLE']);
    await fault(stack, 'admin-consent-workflow', { enabled: true });
    const requestUrl = (await view()).rooms.adminApproval.requestUrl as string;
    await signInTo(requestUrl, 'adele@contoso.test', () => ({ justification: '' }));
    const link = (await view()).rooms.adminApproval.adminConsentUrl as string;
    // Anyone can write the answer's query: before the admin consents, the page does not say "granted".
    const forged = await stack.call('GET', `/v1/auth/callback?state=${ADMIN_CONSENT_STATE}&admin_consent=True&tenant=${encodeURIComponent(stack.tenant.tenantId)}`);
    expect([forged.status, String(forged.body)]).toEqual([200, expect.stringContaining('Back from Microsoft&#39;s consent page.')]);
    expect(String(forged.body)).not.toContain('Consent granted');
    // Its one stylesheet carries the nonce its CSP names, fresh for each answer; nothing else may run or load.
    const styleNonce = (html: string) => /<style nonce="([^"]+)">/.exec(html)?.[1];
    expect(forged.headers.get('content-security-policy')).toBe(`default-src 'none'; style-src 'nonce-${styleNonce(String(forged.body))}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
    // A fresh directory read at most every 2 s, whoever lands (OrgConsentStatus.forget): the real answer comes later than that.
    await new Promise((resolve) => setTimeout(resolve, FRESH_READ_INTERVAL_MS + 100));
    const granted = await signInTo(link, 'megan@contoso.test', (html) => {
      expect(html).toContain('Place.Read.All');
      return { decision: 'accept' };
    });
    expect(granted.status).toBe(302);
    const back = new URL(granted.location as string);
    expect(back.searchParams.get('admin_consent')).toBe('True');
    const landing = await stack.call('GET', `${back.pathname}${back.search}`);
    expect([landing.status, String(landing.body)]).toEqual([200, expect.stringContaining('Consent granted')]);
    expect(styleNonce(String(landing.body))).not.toBe(styleNonce(String(forged.body)));
    // The LMS, which never opens the page, gets the rooms at once: the cached token without the scope is not the last word.
    const rooms = await stack.call('GET', `/v1/catalogs/${encodeURIComponent(catalogA)}/rooms`, { token: await appToken(stack) });
    expect([rooms.status, rooms.body.items?.length]).toEqual([200, 3]);
    const v = await view();
    expect(v.rooms).toEqual({ available: true, adminApproval: null });
    // Only rooms were approved: the organisation did not consent to the rest for every account.
    expect(v.orgConsent.granted).toBe(false);
    // The connected account's refreshed token now carries the scope: the check still passes with it.
    const check = await stack.call('POST', path('/check'), { token: await stack.token('adele@contoso.test') });
    expect(check.body.health.state).toBe('connected');
  });
});
