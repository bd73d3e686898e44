import { ConfidentialClientApplication, InteractionRequiredAuthError, CryptoProvider } from '@azure/msal-node';
import { startLocalTenant, LocalTenant } from '../src/index';
import { signIn } from './helpers/sign-in';

const GRAPH_SCOPES = ['https://graph.microsoft.com/Mail.Send', 'https://graph.microsoft.com/User.Read'];
const REDIRECT = 'http://localhost:4700/v1/auth/callback';

describe('identity with @azure/msal-node', () => {
  let tenant: LocalTenant;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
  });
  afterAll(async () => tenant.close());
  beforeEach(() => tenant.reset());

  function apiClient(cache?: string): ConfidentialClientApplication {
    const api = tenant.fixture.apps.connectionApi;
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: api.appId,
        clientSecret: api.clientSecret,
        authority: `${tenant.origin}/${tenant.tenantId}`,
        knownAuthorities: [new URL(tenant.origin).host]
      }
    });
    if (cache) cca.getTokenCache().deserialize(cache);
    return cca;
  }

  async function connect(upn: string, opts: { consentForOrg?: boolean } = {}) {
    const cca = apiClient();
    const pkce = await new CryptoProvider().generatePkceCodes();
    const url = await cca.getAuthCodeUrl({ scopes: GRAPH_SCOPES, redirectUri: REDIRECT, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', state: 'st-1', nonce: 'n-1' });
    const flow = await signIn(url, { upn, consentForOrg: opts.consentForOrg });
    expect(flow.redirect?.searchParams.get('state')).toBe('st-1');
    const code = flow.redirect?.searchParams.get('code') as string;
    const result = await cca.acquireTokenByCode({ code, scopes: GRAPH_SCOPES, redirectUri: REDIRECT, codeVerifier: pkce.verifier, state: 'st-1', nonce: 'n-1' }, { code, state: 'st-1' });
    return { cca, result, flow };
  }

  test('msal-node - auth code + PKCE signs in, consents and returns Graph tokens with Entra claims', async () => {
    const { result, flow } = await connect('adele@contoso.test');
    expect(flow.sawConsent).toBe(true);
    expect(result.account?.username).toBe('adele@contoso.test');
    expect(result.account?.homeAccountId).toBe(`${tenant.fixture.users[0].id}.${tenant.tenantId}`);
    expect(result.idTokenClaims).toMatchObject({ nonce: 'n-1', tid: tenant.tenantId, ver: '2.0', preferred_username: 'adele@contoso.test' });
    const claims = JSON.parse(Buffer.from(result.accessToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ aud: 'https://graph.microsoft.com', tid: tenant.tenantId, upn: 'adele@contoso.test', ver: '1.0' });
    expect(claims.scp.split(' ')).toEqual(expect.arrayContaining(['Mail.Send', 'User.Read']));
  });

  test('msal-node - an expired client secret: refresh and client credentials answer invalid_client AADSTS7000222, a wrong one still 7000215, a renewed one works', async () => {
    const { cca } = await connect('adele@contoso.test');
    const [account] = await cca.getTokenCache().getAllAccounts();
    const api = tenant.fixture.apps.connectionApi;
    const fault = (body: Record<string, unknown>) => fetch(`${tenant.origin}/_admin/faults/client-secret`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await fault({ app: 'no-such-app' })).status).toBe(400);
    expect((await fault({ app: api.appId })).status).toBe(200);
    const refused = (await cca.acquireTokenSilent({ account, scopes: GRAPH_SCOPES, forceRefresh: true }).catch((e: unknown) => e)) as { errorCode: string; errorMessage: string };
    expect(refused.errorCode).toBe('invalid_client');
    expect(refused.errorMessage).toContain(`AADSTS7000222: The provided client secret keys for app '${api.appId}' are expired.`);
    const appOnly = (await apiClient().acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }).catch((e: unknown) => e)) as { errorCode: string; errorMessage: string };
    expect([appOnly.errorCode, /AADSTS7000222/.test(appOnly.errorMessage)]).toEqual(['invalid_client', true]);
    const wrong = new ConfidentialClientApplication({ auth: { clientId: api.appId, clientSecret: 'not-the-secret', authority: `${tenant.origin}/${tenant.tenantId}`, knownAuthorities: [new URL(tenant.origin).host] } });
    const wrongAnswer = (await wrong.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }).catch((e: unknown) => e)) as { errorMessage: string };
    expect(wrongAnswer.errorMessage).toContain("AADSTS7000215: Invalid client secret provided.");
    expect((await fault({ app: api.appId, expired: false })).status).toBe(200);
    const renewed = await cca.acquireTokenSilent({ account, scopes: GRAPH_SCOPES, forceRefresh: true });
    expect(renewed.fromCache).toBe(false);
  });

  test('msal-node - Conditional Access: a blocked user\'s refresh and a blocked app\'s client credentials answer invalid_grant AADSTS53003, each only its own; lifted, both work', async () => {
    const { cca } = await connect('adele@contoso.test');
    const [account] = await cca.getTokenCache().getAllAccounts();
    const api = tenant.fixture.apps.connectionApi;
    const fault = (body: Record<string, unknown>) => fetch(`${tenant.origin}/_admin/faults/conditional-access`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await fault({ user: 'adele@contoso.test', app: api.appId })).status).toBe(400);
    expect((await fault({ user: 'nobody@contoso.test' })).status).toBe(400);
    expect((await fault({ user: 'adele@contoso.test' })).status).toBe(200);
    const refused = (await cca.acquireTokenSilent({ account, scopes: GRAPH_SCOPES, forceRefresh: true }).catch((e: unknown) => e)) as { errorCode: string; errorMessage: string };
    expect([refused.errorCode, refused.errorMessage]).toEqual(['invalid_grant', expect.stringContaining('AADSTS53003: Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.')]);
    // The user's policy does not touch the app's own tokens.
    expect((await apiClient().acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))?.accessToken).toBeTruthy();
    expect((await fault({ user: 'adele@contoso.test', blocked: false })).status).toBe(200);
    expect((await fault({ app: api.appId })).status).toBe(200);
    const appOnly = (await apiClient().acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }).catch((e: unknown) => e)) as { errorCode: string; errorMessage: string };
    expect([appOnly.errorCode, /AADSTS53003:/.test(appOnly.errorMessage)]).toEqual(['invalid_grant', true]);
    // The app's policy is about client credentials: the user's refresh works again.
    expect((await cca.acquireTokenSilent({ account, scopes: GRAPH_SCOPES, forceRefresh: true })).fromCache).toBe(false);
    expect((await fault({ app: api.appId, blocked: false })).status).toBe(200);
    expect((await apiClient().acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))?.accessToken).toBeTruthy();
  });

  test('msal-node - silent refresh from a serialized cache uses the refresh token', async () => {
    const { cca } = await connect('adele@contoso.test');
    const serialized = cca.getTokenCache().serialize();
    const later = apiClient(serialized);
    const [account] = await later.getTokenCache().getAllAccounts();
    const refreshed = await later.acquireTokenSilent({ account, scopes: GRAPH_SCOPES, forceRefresh: true });
    expect(refreshed.accessToken).toBeTruthy();
    expect(refreshed.fromCache).toBe(false);
  });

  test('msal-node - an access token near expiry is renewed silently without forceRefresh', async () => {
    // MSAL treats tokens within five minutes of expiry as expired; a 60-second lifetime is always that.
    tenant.state.limits.accessTokenLifetimeSeconds = 60;
    const { cca, result } = await connect('adele@contoso.test');
    const [account] = await cca.getTokenCache().getAllAccounts();
    const renewed = await cca.acquireTokenSilent({ account, scopes: GRAPH_SCOPES });
    expect(renewed.fromCache).toBe(false);
    expect(renewed.accessToken).not.toBe(result.accessToken);
  });

  test('msal-node - revoked refresh token fails silent refresh with AADSTS50173 invalid_grant', async () => {
    const { cca } = await connect('adele@contoso.test');
    const adele = tenant.state.accountByUpn('adele@contoso.test');
    tenant.state.revokeSessions(adele!);
    const [account] = await cca.getTokenCache().getAllAccounts();
    const err = await cca.acquireTokenSilent({ account, scopes: GRAPH_SCOPES, forceRefresh: true }).catch((e) => e);
    expect(err).toBeInstanceOf(InteractionRequiredAuthError);
    expect(err.errorCode).toBe('invalid_grant');
    expect(err.errorMessage).toMatch(/^AADSTS50173:/);
  });

  test('msal-node - client credentials returns app roles for the API', async () => {
    const backend = tenant.fixture.apps.lmsBackend;
    const cca = new ConfidentialClientApplication({
      auth: { clientId: backend.appId, clientSecret: backend.clientSecret, authority: `${tenant.origin}/${tenant.tenantId}`, knownAuthorities: [new URL(tenant.origin).host] }
    });
    const result = await cca.acquireTokenByClientCredential({ scopes: ['api://lms-m365-connection/.default'] });
    const claims = JSON.parse(Buffer.from(result!.accessToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ aud: tenant.fixture.apps.connectionApi.appId, roles: ['Notifications.Send'], idtyp: 'app', azp: backend.appId, iss: `${tenant.origin}/${tenant.tenantId}/v2.0` });
  });

  test('access tokens carry the user\'s directory roles (wids) only where the resource\'s manifest asks for them (groupMembershipClaims)', async () => {
    const claimsOf = async (user: string): Promise<Record<string, unknown>> => {
      const res = await fetch(`${tenant.origin}/_admin/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, resource: 'api://lms-m365-connection', scopes: ['user_impersonation'] }) });
      const { access_token } = (await res.json()) as { access_token: string };
      return JSON.parse(Buffer.from(access_token.split('.')[1], 'base64url').toString());
    };
    const globalAdmin = '62e90394-69f5-4237-9190-012177145e10';
    expect(tenant.fixture.apps.connectionApi.groupMembershipClaims).toBe('DirectoryRole');
    expect((await claimsOf('megan@contoso.test')).wids).toEqual(expect.arrayContaining([globalAdmin]));
    expect((await claimsOf('adele@contoso.test')).wids).toBeUndefined();
    const api = tenant.state.apps.get('connectionApi')!;
    try {
      api.groupMembershipClaims = undefined;
      expect((await claimsOf('megan@contoso.test')).wids).toBeUndefined();
    } finally {
      api.groupMembershipClaims = 'DirectoryRole';
    }
  });

  test('msal-node - on-behalf-of exchanges the web part token for a SharePoint token', async () => {
    const res = await fetch(`${tenant.origin}/_admin/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'adele@contoso.test', resource: 'api://lms-m365-connection', scopes: ['user_impersonation'] }) });
    const { access_token } = (await res.json()) as { access_token: string };
    // As the API asks (api/src/app.ts): .default, which is the admin-consented delegated Sites.Selected (infra/permissions.json).
    const obo = await apiClient().acquireTokenOnBehalfOf({ oboAssertion: access_token, scopes: [`${tenant.origin}/.default`] });
    const claims = JSON.parse(Buffer.from(obo!.accessToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ aud: tenant.origin, upn: 'adele@contoso.test', appid: tenant.fixture.apps.connectionApi.appId, scp: 'Sites.Selected' });
    // A SharePoint scope the tenant did not consent to is refused.
    await expect(apiClient().acquireTokenOnBehalfOf({ oboAssertion: access_token, scopes: [`${tenant.origin}/AllSites.Manage`] })).rejects.toThrow(/AADSTS65001/);
  });
});
