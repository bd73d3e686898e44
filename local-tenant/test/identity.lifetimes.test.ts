import { startLocalTenant, LocalTenant } from '../src/index';
import { signIn } from './helpers/sign-in';
import { connectionApiTokens, REDIRECT, tokenRequest } from './helpers/tokens';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;

/**
 * What the sign-in records live for (docs/local-tenant.md, "Lifetimes"): an expired one is swept
 * from the tenant when the next one is added, a live one keeps working. The tenant's clock is
 * moved through `state.now`; access and id tokens keep the real one.
 */
describe('identity lifetimes', () => {
  let tenant: LocalTenant;
  let clock = 0;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
  });
  afterAll(async () => tenant.close());
  beforeEach(() => {
    tenant.reset();
    clock = Date.now();
    tenant.state.now = () => clock;
  });

  const api = () => tenant.fixture.apps.connectionApi;
  const authorizeUrl = (params: Record<string, string> = {}) =>
    `${tenant.origin}/${tenant.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: api().appId, response_type: 'code', redirect_uri: REDIRECT, scope: 'https://graph.microsoft.com/Mail.Send offline_access openid', state: 's1', ...params })}`;
  const code = (body: Record<string, unknown>) => (body.error_codes as number[])[0];
  const newCode = async (upn = 'adele@contoso.test'): Promise<string> => {
    const flow = await signIn(authorizeUrl({ prompt: 'login' }), { upn });
    return flow.redirect?.searchParams.get('code') as string;
  };
  const redeem = (authCode: string) => tokenRequest(tenant, { grant_type: 'authorization_code', client_id: api().appId, client_secret: api().clientSecret as string, code: authCode, redirect_uri: REDIRECT });
  const refresh = (token: string) => tokenRequest(tenant, { grant_type: 'refresh_token', client_id: api().appId, client_secret: api().clientSecret as string, refresh_token: token, scope: 'https://graph.microsoft.com/Mail.Send offline_access' });

  test('identity lifetimes - an authorization code lives 10 minutes: then AADSTS70008 invalid_grant, swept at the next sign-in and still refused so; live codes survive the sweep', async () => {
    const expired = await newCode();
    const spent = await newCode();
    expect((await redeem(spent)).status).toBe(200);
    clock += 10 * MINUTE;
    const live = await newCode();
    const spentLive = await newCode();
    expect((await redeem(spentLive)).status).toBe(200);
    expect(tenant.state.authCodes.has(expired)).toBe(false);
    expect(tenant.state.authCodes.has(spent)).toBe(false);
    const refused = await redeem(expired);
    expect([refused.status, refused.error, code(refused)]).toEqual([400, 'invalid_grant', 70008]);
    expect(String(refused.error_description)).toMatch(/^AADSTS70008: The provided authorization code or refresh token has expired due to inactivity\./);
    clock += 9 * MINUTE;
    await newCode('alex@contoso.test');
    // Single use: a redeemed code stays until its 10 minutes are up, so a replay is told so (AADSTS54005).
    const replay = await redeem(spentLive);
    expect([replay.error, code(replay)]).toEqual(['invalid_grant', 54005]);
    const ok = await redeem(live);
    expect(ok.status).toBe(200);
    expect(ok.access_token).toEqual(expect.any(String));
  });

  test('identity lifetimes - a refresh token unused for 90 days is swept when the next one is issued and answers AADSTS700082; one used within them still refreshes', async () => {
    const idle = (await connectionApiTokens(tenant, 'adele@contoso.test', ['https://graph.microsoft.com/Mail.Send'])).refresh_token as string;
    const used = (await connectionApiTokens(tenant, 'adele@contoso.test', ['https://graph.microsoft.com/Mail.Send'])).refresh_token as string;
    clock += 60 * DAY;
    expect((await refresh(used)).status).toBe(200);
    clock += 31 * DAY;
    expect(tenant.state.refreshTokens.has(idle)).toBe(true);
    const again = await refresh(used);
    expect(again.status).toBe(200);
    expect(tenant.state.refreshTokens.has(idle)).toBe(false);
    expect(tenant.state.refreshTokens.has(used)).toBe(true);
    const refused = await refresh(idle);
    expect([refused.status, refused.error, refused.suberror, code(refused)]).toEqual([400, 'invalid_grant', 'bad_token', 700082]);
    expect(String(refused.error_description)).toMatch(/was inactive for 90\.00:00:00\./);
    expect((await refresh(again.refresh_token as string)).status).toBe(200);
  });

  test('identity lifetimes - a sign-in session unused for 24 hours is swept at the next sign-in and asks again; one used within them still signs in silently', async () => {
    const idle = new Map<string, string>();
    const used = new Map<string, string>();
    await signIn(authorizeUrl(), { upn: 'adele@contoso.test', cookies: idle });
    await signIn(authorizeUrl(), { upn: 'alex@contoso.test', cookies: used });
    const silent = (jar: Map<string, string>) => signIn(authorizeUrl({ prompt: 'none' }), { upn: '', cookies: jar });
    clock += DAY - 10 * 1000;
    expect((await silent(used)).redirect?.searchParams.get('code')).toBeTruthy();
    // Past its 24 hours but not swept yet (the last sweep was 20 s ago): refused all the same.
    clock += 20 * 1000;
    expect(tenant.state.sessions.has(idle.get('ESTSAUTH_LOCAL') as string)).toBe(true);
    expect((await silent(idle)).redirect?.searchParams.get('error')).toBe('login_required');
    clock += 2 * 60 * MINUTE;
    await signIn(authorizeUrl(), { upn: 'megan@contoso.test' });
    expect(tenant.state.sessions.has(idle.get('ESTSAUTH_LOCAL') as string)).toBe(false);
    expect(tenant.state.sessions.has(used.get('ESTSAUTH_LOCAL') as string)).toBe(true);
    expect((await silent(idle)).redirect?.searchParams.get('error')).toBe('login_required');
    expect((await silent(used)).redirect?.searchParams.get('code')).toBeTruthy();
  });

  test('identity lifetimes - a sign-in left on its page is swept after 30 minutes; one started since still signs in', async () => {
    const open = async (): Promise<string> => {
      const page = await (await fetch(authorizeUrl())).text();
      return (page.match(/name="interaction" value="([^"]+)"/) as RegExpMatchArray)[1];
    };
    const login = (interaction: string) =>
      fetch(`${tenant.origin}/${tenant.tenantId}/oauth2/v2.0/authorize/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ interaction, username: 'adele@contoso.test', password: 'dev-password' }).toString()
      });
    const abandoned = await open();
    clock += 30 * MINUTE;
    const fresh = await open();
    expect(tenant.state.interactions.has(abandoned)).toBe(false);
    const refused = await login(abandoned);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('9002313');
    expect((await login(fresh)).status).toBe(200);
  });

  test('identity lifetimes - the sweep runs at most once a minute: a record expired since the last one waits for the next', async () => {
    const first = await newCode();
    clock += 10 * MINUTE - 30 * 1000;
    await newCode('alex@contoso.test');
    clock += 45 * 1000;
    await newCode('alex@contoso.test');
    expect(tenant.state.authCodes.has(first)).toBe(true);
    clock += 15 * 1000;
    await newCode('alex@contoso.test');
    expect(tenant.state.authCodes.has(first)).toBe(false);
  });
});
