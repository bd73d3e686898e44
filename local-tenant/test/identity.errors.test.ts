import { createHash, randomBytes } from 'node:crypto';
import { startLocalTenant, LocalTenant } from '../src/index';
import { signIn } from './helpers/sign-in';
import { connectionApiTokens, devToken, fault, REDIRECT, tokenRequest } from './helpers/tokens';

/** Every AADSTS error the tenant answers, with the exact code a client would see. */
describe('identity errors', () => {
  let tenant: LocalTenant;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
  });
  afterAll(async () => tenant.close());
  beforeEach(() => tenant.reset());

  const api = () => tenant.fixture.apps.connectionApi;
  const apiSecret = (): string => {
    const secret = api().clientSecret;
    if (!secret) {
      throw new Error('the fixture gives the connection API no client secret');
    }
    return secret;
  };
  const authorizeUrl = (params: Record<string, string>) => `${tenant.origin}/${tenant.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: api().appId, response_type: 'code', redirect_uri: REDIRECT, scope: 'https://graph.microsoft.com/Mail.Send offline_access openid', state: 's1', ...params })}`;
  const code = (body: Record<string, unknown>) => (body.error_codes as number[])[0];

  test('identity errors - unknown client on the token endpoint is AADSTS700016 unauthorized_client', async () => {
    const res = await tokenRequest(tenant, { grant_type: 'client_credentials', client_id: '11111111-2222-3333-4444-555555555555', client_secret: 'x', scope: 'https://graph.microsoft.com/.default' });
    expect([res.status, res.error, code(res)]).toEqual([400, 'unauthorized_client', 700016]);
    expect(String(res.error_description)).toMatch(/^AADSTS700016: Application with identifier '11111111-2222-3333-4444-555555555555' was not found/);
    expect(res).toHaveProperty('trace_id');
    expect(res).toHaveProperty('correlation_id');
  });

  test('identity errors - unknown client on the authorize page shows AADSTS700016', async () => {
    const res = await fetch(authorizeUrl({ client_id: '11111111-2222-3333-4444-555555555555' }));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('AADSTS700016:');
  });

  test('identity errors - redirect URI mismatch shows AADSTS50011 and does not redirect', async () => {
    const res = await fetch(authorizeUrl({ redirect_uri: 'https://evil.example/callback' }), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('AADSTS50011:');
  });

  test('identity errors - loopback redirect URIs match on any port', async () => {
    const res = await fetch(authorizeUrl({ redirect_uri: 'http://localhost:61234/v1/auth/callback' }), { redirect: 'manual' });
    expect(res.status).toBe(200);
  });

  test('identity errors - a bad password shows AADSTS50126 on the sign-in page', async () => {
    const flow = await signIn(authorizeUrl({}), { upn: 'adele@contoso.test', password: 'nope' });
    expect(flow.status).toBe(400);
    expect(flow.page).toContain('AADSTS50126: Error validating credentials due to invalid username or password.');
  });

  test('identity errors - a bad password on the token endpoint (ROPC) is AADSTS50126 invalid_grant', async () => {
    const res = await tokenRequest(tenant, { grant_type: 'password', client_id: api().appId, client_secret: apiSecret(), username: 'adele@contoso.test', password: 'nope', scope: 'User.Read' });
    expect([res.status, res.error, code(res)]).toEqual([400, 'invalid_grant', 50126]);
  });

  test('identity errors - a wrong client secret is AADSTS7000215 invalid_client', async () => {
    const res = await tokenRequest(tenant, { grant_type: 'client_credentials', client_id: api().appId, client_secret: 'wrong', scope: 'https://graph.microsoft.com/.default' });
    expect([res.status, res.error, code(res)]).toEqual([401, 'invalid_client', 7000215]);
  });

  test('identity errors - declining consent redirects with access_denied AADSTS65004', async () => {
    const flow = await signIn(authorizeUrl({}), { upn: 'adele@contoso.test', consent: 'cancel' });
    expect(flow.redirect?.searchParams.get('error')).toBe('access_denied');
    expect(flow.redirect?.searchParams.get('error_description')).toMatch(/^AADSTS65004:/);
    expect(flow.redirect?.searchParams.get('state')).toBe('s1');
  });

  test('identity errors - consent is remembered per user: the second sign-in does not ask again', async () => {
    await connectionApiTokens(tenant, 'adele@contoso.test', ['https://graph.microsoft.com/Mail.Send']);
    const again = await signIn(authorizeUrl({ prompt: 'login' }), { upn: 'adele@contoso.test' });
    expect(again.sawConsent).toBe(false);
    expect(again.redirect?.searchParams.get('code')).toBeTruthy();
    const other = await signIn(authorizeUrl({ prompt: 'login' }), { upn: 'alex@contoso.test', consent: 'cancel' });
    expect(other.sawConsent).toBe(true);
    const forced = await signIn(authorizeUrl({ prompt: 'consent' }), { upn: 'adele@contoso.test', consent: 'cancel' });
    expect(forced.consentPage).toContain('Send mail as you');
  });

  test('identity errors - organisation-wide consent by an admin spares everyone else the consent page', async () => {
    await connectionApiTokens(tenant, 'megan@contoso.test', ['https://graph.microsoft.com/Mail.Send'], { consentForOrg: true });
    const flow = await signIn(authorizeUrl({ prompt: 'login' }), { upn: 'alex@contoso.test' });
    expect(flow.sawConsent).toBe(false);
  });

  test('identity errors - only admins are offered consent on behalf of the organisation', async () => {
    const forUser = await signIn(authorizeUrl({}), { upn: 'adele@contoso.test', consent: 'cancel' });
    expect(forUser.consentPage).toContain('Send mail as you');
    expect(forUser.consentPage).not.toContain('Consent on behalf of your organization');
    const forAdmin = await signIn(authorizeUrl({}), { upn: 'megan@contoso.test', consent: 'cancel' });
    expect(forAdmin.consentPage).toContain('Consent on behalf of your organization');
    const res = await tokenRequest(tenant, { grant_type: 'password', client_id: api().appId, client_secret: apiSecret(), username: 'adele@contoso.test', password: 'dev-password', scope: 'https://graph.microsoft.com/Mail.Send' });
    expect([res.error, res.suberror, code(res)]).toEqual(['invalid_grant', 'consent_required', 65001]);
  });

  test('identity errors - admin consent endpoint: a non-admin gets AADSTS90094, an admin grants for the organisation', async () => {
    const url = `${tenant.origin}/${tenant.tenantId}/v2.0/adminconsent?${new URLSearchParams({ client_id: api().appId, redirect_uri: REDIRECT, scope: 'https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/User.Read', state: 'a1' })}`;
    const denied = await signIn(url, { upn: 'adele@contoso.test' });
    expect(denied.status).toBe(403);
    expect(denied.page).toContain('AADSTS90094:');
    const granted = await signIn(url, { upn: 'megan@contoso.test' });
    expect(granted.sawConsent).toBe(true);
    expect(Object.fromEntries(granted.redirect?.searchParams ?? [])).toMatchObject({ admin_consent: 'True', tenant: tenant.tenantId, state: 'a1' });
    expect(tenant.state.grants.some((g) => g.consentType === 'AllPrincipals' && g.scope.includes('Mail.Send') && g.clientId === api().servicePrincipalId)).toBe(true);
  });

  test('identity errors - withdrawn organisation consent fails the refresh with AADSTS65001 consent_required', async () => {
    const first = await connectionApiTokens(tenant, 'megan@contoso.test', ['https://graph.microsoft.com/Mail.Send'], { consentForOrg: true });
    await fault(tenant, 'withdraw-consent', {});
    const res = await tokenRequest(tenant, { grant_type: 'refresh_token', client_id: api().appId, client_secret: apiSecret(), refresh_token: first.refresh_token as string, scope: 'https://graph.microsoft.com/Mail.Send offline_access' });
    expect([res.status, res.error, res.suberror, code(res)]).toEqual([400, 'invalid_grant', 'consent_required', 65001]);
  });

  test('identity errors - revoked refresh token is AADSTS50173, expired one AADSTS700082', async () => {
    const first = await connectionApiTokens(tenant, 'adele@contoso.test', ['https://graph.microsoft.com/Mail.Send']);
    const refresh = () => tokenRequest(tenant, { grant_type: 'refresh_token', client_id: api().appId, client_secret: apiSecret(), refresh_token: first.refresh_token as string, scope: 'https://graph.microsoft.com/Mail.Send offline_access' });
    expect((await refresh()).status).toBe(200);
    await fault(tenant, 'expire-refresh-tokens', { user: 'adele@contoso.test' });
    const expired = await refresh();
    expect([expired.error, code(expired)]).toEqual(['invalid_grant', 700082]);
    tenant.reset();
    const second = await connectionApiTokens(tenant, 'adele@contoso.test', ['https://graph.microsoft.com/Mail.Send']);
    await fault(tenant, 'password', { user: 'adele@contoso.test', password: 'changed' });
    const revoked = await tokenRequest(tenant, { grant_type: 'refresh_token', client_id: api().appId, client_secret: apiSecret(), refresh_token: second.refresh_token as string, scope: 'https://graph.microsoft.com/Mail.Send offline_access' });
    expect([revoked.error, code(revoked)]).toEqual(['invalid_grant', 50173]);
  });

  test('identity errors - PKCE: a wrong code_verifier is AADSTS501481 and the code is single-use (AADSTS54005)', async () => {
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const flow = await signIn(authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }), { upn: 'adele@contoso.test' });
    const authCode = flow.redirect?.searchParams.get('code') as string;
    const redeem = (v: string) => tokenRequest(tenant, { grant_type: 'authorization_code', client_id: api().appId, client_secret: apiSecret(), code: authCode, redirect_uri: REDIRECT, code_verifier: v });
    const wrong = await redeem(randomBytes(48).toString('base64url'));
    expect([wrong.error, code(wrong)]).toEqual(['invalid_grant', 501481]);
    const flow2 = await signIn(authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }), { upn: 'adele@contoso.test' });
    const code2 = flow2.redirect?.searchParams.get('code') as string;
    const ok = await tokenRequest(tenant, { grant_type: 'authorization_code', client_id: api().appId, client_secret: apiSecret(), code: code2, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(ok.status).toBe(200);
    const reused = await tokenRequest(tenant, { grant_type: 'authorization_code', client_id: api().appId, client_secret: apiSecret(), code: code2, redirect_uri: REDIRECT, code_verifier: verifier });
    expect([reused.error, code(reused)]).toEqual(['invalid_grant', 54005]);
  });

  test('identity errors - client credentials without /.default is AADSTS1002012', async () => {
    const res = await tokenRequest(tenant, { grant_type: 'client_credentials', client_id: api().appId, client_secret: apiSecret(), scope: 'https://graph.microsoft.com/Mail.Send' });
    expect([res.error, code(res)]).toEqual(['invalid_scope', 1002012]);
  });

  test('identity errors - OBO with a token for another audience is AADSTS500131', async () => {
    const graphish = await devToken(tenant, 'adele@contoso.test', 'https://graph.microsoft.com', ['User.Read']);
    const res = await tokenRequest(tenant, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: api().appId, client_secret: apiSecret(), assertion: graphish, requested_token_use: 'on_behalf_of', scope: `${tenant.origin}/.default` });
    expect([res.error, code(res)]).toEqual(['invalid_grant', 500131]);
  });

  test('identity errors - a disabled account (AADSTS50057): its session signs it in no more, a code it got before is not redeemed, no OBO or page token is issued for it', async () => {
    const cookies = new Map<string, string>();
    const flow = await signIn(authorizeUrl({}), { upn: 'adele@contoso.test', cookies });
    const earlier = flow.redirect?.searchParams.get('code') as string;
    expect(earlier).toBeTruthy();
    const pageToken = await devToken(tenant, 'adele@contoso.test', api().appId);
    await fault(tenant, 'disable-account', { user: 'adele@contoso.test' });
    const redeemed = await tokenRequest(tenant, { grant_type: 'authorization_code', client_id: api().appId, client_secret: apiSecret(), code: earlier, redirect_uri: REDIRECT });
    expect([redeemed.status, redeemed.error, code(redeemed)]).toEqual([400, 'invalid_grant', 50057]);
    // The session cookie no longer skips the sign-in page, and signing in there is refused.
    const again = await signIn(authorizeUrl({ state: 's2' }), { upn: 'adele@contoso.test', cookies });
    expect(again.redirect?.searchParams.get('code') ?? null).toBeNull();
    expect(again.page).toContain('AADSTS50057:');
    const obo = await tokenRequest(tenant, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: api().appId, client_secret: apiSecret(), assertion: pageToken, requested_token_use: 'on_behalf_of', scope: `${tenant.origin}/.default` });
    expect([obo.error, code(obo)]).toEqual(['invalid_grant', 50057]);
    const refused = await fetch(`${tenant.origin}/_admin/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'adele@contoso.test', resource: api().appId }) });
    expect([refused.status, ((await refused.json()) as { error_codes: number[] }).error_codes]).toEqual([400, [50057]]);
  });

  test('identity errors - OBO with an ID token (audience the API, but no scp) is AADSTS240002: only the access token the API was called with will do', async () => {
    const tokens = await connectionApiTokens(tenant, 'adele@contoso.test', ['https://graph.microsoft.com/Mail.Send']);
    const res = await tokenRequest(tenant, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: api().appId, client_secret: apiSecret(), assertion: tokens.id_token as string, requested_token_use: 'on_behalf_of', scope: `${tenant.origin}/.default` });
    expect([res.error, code(res)]).toEqual(['invalid_grant', 240002]);
  });

  test('identity errors - a code_challenge of the wrong size is refused at authorize (AADSTS501491), redirected to the app; a verifier of the wrong size at the token endpoint is the mismatch (501481)', async () => {
    const short = await fetch(authorizeUrl({ code_challenge: 'abc', code_challenge_method: 'S256' }), { redirect: 'manual' });
    expect(short.status).toBe(302);
    const back = new URL(short.headers.get('location') as string);
    expect([back.searchParams.get('error'), back.searchParams.get('error_description')?.slice(0, 13), back.searchParams.get('state')]).toEqual(['invalid_request', 'AADSTS501491:', 's1']);
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const flow = await signIn(authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }), { upn: 'adele@contoso.test' });
    const tooShort = await tokenRequest(tenant, { grant_type: 'authorization_code', client_id: api().appId, client_secret: apiSecret(), code: flow.redirect?.searchParams.get('code') as string, redirect_uri: REDIRECT, code_verifier: 'x' });
    expect([tooShort.error, code(tooShort)]).toEqual(['invalid_grant', 501481]);
  });

  test('identity errors - a public client presenting a secret is AADSTS700025; on-behalf-of and client credentials need a confidential client (7000218)', async () => {
    const spfx = tenant.state.appByKey('spfx');
    expect(spfx.clientSecret).toBeFalsy();
    const withSecret = await tokenRequest(tenant, { grant_type: 'refresh_token', client_id: spfx.appId, client_secret: 'anything', refresh_token: 'x' });
    expect([withSecret.status, withSecret.error, code(withSecret)]).toEqual([401, 'invalid_client', 700025]);
    const assertion = await devToken(tenant, 'adele@contoso.test', api().appId);
    const obo = await tokenRequest(tenant, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: spfx.appId, assertion, requested_token_use: 'on_behalf_of', scope: `${tenant.origin}/.default` });
    expect([obo.status, obo.error, code(obo)]).toEqual([401, 'invalid_client', 7000218]);
    const app = await tokenRequest(tenant, { grant_type: 'client_credentials', client_id: spfx.appId, scope: 'https://graph.microsoft.com/.default' });
    expect([app.status, app.error, code(app)]).toEqual([401, 'invalid_client', 7000218]);
  });

  test('identity errors - prompt=none with the session signed in but a permission not consented answers consent_required (AADSTS65001) to the app, never a page', async () => {
    const cookies = new Map<string, string>();
    const first = await signIn(authorizeUrl({}), { upn: 'adele@contoso.test', cookies });
    expect(first.redirect?.searchParams.get('code')).toBeTruthy();
    const silent = await signIn(authorizeUrl({ prompt: 'none', scope: 'https://graph.microsoft.com/Calendars.ReadWrite openid', state: 's3' }), { upn: 'adele@contoso.test', cookies });
    expect([silent.sawConsent, silent.redirect?.searchParams.get('error'), silent.redirect?.searchParams.get('error_description')?.slice(0, 12), silent.redirect?.searchParams.get('state')])
      .toEqual([false, 'consent_required', 'AADSTS65001:', 's3']);
    // What was consented comes back silently, with a code.
    const again = await signIn(authorizeUrl({ prompt: 'none', state: 's4' }), { upn: 'adele@contoso.test', cookies });
    expect(again.redirect?.searchParams.get('code')).toBeTruthy();
  });

  test('identity errors - every error of the admin consent endpoint carries admin_consent=True (a scope it cannot resolve too); an app-only token as an OBO assertion is a bad assertion (50013), not an ID token', async () => {
    const url = `${tenant.origin}/${tenant.tenantId}/v2.0/adminconsent?${new URLSearchParams({ client_id: api().appId, redirect_uri: REDIRECT, scope: 'https://unknown.example/.default', state: 'a3' })}`;
    const res = await fetch(url, { redirect: 'manual' });
    const back = new URL(res.headers.get('location') as string);
    expect([res.status, back.searchParams.get('error') !== null, back.searchParams.get('admin_consent'), back.searchParams.get('state')]).toEqual([302, true, 'True', 'a3']);
    const lms = tenant.fixture.apps.lmsBackend as { appId: string; clientSecret?: string };
    const app = await tokenRequest(tenant, { grant_type: 'client_credentials', client_id: lms.appId, client_secret: lms.clientSecret as string, scope: `${api().appId}/.default` });
    const obo = await tokenRequest(tenant, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: api().appId, client_secret: apiSecret(), assertion: app.access_token as string, requested_token_use: 'on_behalf_of', scope: `${tenant.origin}/.default` });
    expect([obo.error, code(obo)]).toEqual(['invalid_grant', 50013]);
  });

  test('identity errors - the OpenID configuration and JWKS have the real shape', async () => {
    const config = (await (await fetch(`${tenant.origin}/${tenant.tenantId}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(config.issuer).toBe(`${tenant.origin}/${tenant.tenantId}/v2.0`);
    expect(config.token_endpoint).toBe(`${tenant.origin}/${tenant.tenantId}/oauth2/v2.0/token`);
    const jwks = (await (await fetch(config.jwks_uri)).json()) as { keys: { kty: string; kid: string; use: string }[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig' });
  });

  test('identity - admin consent for /.default grants the app static permissions organisation-wide', async () => {
    const url = `${tenant.origin}/${tenant.tenantId}/v2.0/adminconsent?${new URLSearchParams({ client_id: api().appId, redirect_uri: REDIRECT, scope: 'https://graph.microsoft.com/.default', state: 'a2' })}`;
    const granted = await signIn(url, { upn: 'megan@contoso.test' });
    expect(granted.consentPage).toContain('Read all company places (rooms)');
    expect(granted.redirect?.searchParams.get('admin_consent')).toBe('True');
    const org = tenant.state.grants.find((g) => g.consentType === 'AllPrincipals' && g.clientId === api().servicePrincipalId && g.resourceId === tenant.fixture.resources.graph.servicePrincipalId);
    // SMTP.Send too: Microsoft lists it among Microsoft Graph's permissions (infra/permissions.json).
    expect(org?.scope.split(' ').sort()).toEqual(['Calendars.ReadWrite', 'Mail.Send', 'Place.Read.All', 'SMTP.Send', 'User.Read']);
    const flow = await signIn(authorizeUrl({ scope: 'https://graph.microsoft.com/.default offline_access openid' }), { upn: 'alex@contoso.test' });
    expect(flow.sawConsent).toBe(false);
  });
});
