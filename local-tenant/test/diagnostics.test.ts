import { createHash, createPublicKey, verify, X509Certificate } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { startLocalTenant, LocalTenant } from '../src/index';
import { appToken, connectionApiTokens, fault, graphToken, tokenRequest } from './helpers/tokens';

/** The small differences that hide bugs in diagnostics (issue 13 point 5), read with fetch as a client sees them. */
describe('diagnostic details as Microsoft answers them', () => {
  let tenant: LocalTenant;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
  });
  afterAll(async () => tenant.close());
  beforeEach(() => tenant.reset());

  type GraphErrorBody = { error: { code: string; message: string; innerError: Record<string, string> } };

  test('graph - the request-id header equals innerError.request-id, and client-request-id is echoed in both', async () => {
    const token = await graphToken(tenant, 'noah@contoso.test', ['Mail.Send', 'User.Read']);
    const res = await fetch(`${tenant.origin}/v1.0/me/sendMail`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'client-request-id': 'lms-7f3e' },
      body: JSON.stringify({ message: { subject: 'x', toRecipients: [{ emailAddress: { address: 'learner1@contoso.test' } }] } })
    });
    const body = (await res.json()) as GraphErrorBody;
    expect(res.status).toBe(404);
    expect(body.error.code).toBe('MailboxNotEnabledForRESTAPI');
    expect(body.error.message).toBe('The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
    expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.error.innerError['request-id']).toBe(res.headers.get('request-id'));
    expect([res.headers.get('client-request-id'), body.error.innerError['client-request-id']]).toEqual(['lms-7f3e', 'lms-7f3e']);
  });

  test('graph - without a client-request-id, and on 401 and unknown paths, the ids still agree', async () => {
    for (const [url, headers] of [
      ['/v1.0/me', {}],
      ['/v1.0/nothing-here', { 'client-request-id': 'abc' }]
    ] as const) {
      const res = await fetch(`${tenant.origin}${url}`, { headers });
      const body = (await res.json()) as GraphErrorBody;
      expect(body.error.innerError['request-id']).toBe(res.headers.get('request-id'));
      expect(body.error.innerError['client-request-id']).toBe(res.headers.get('client-request-id'));
    }
  });

  test('identity - the /common and /organizations discovery documents use the {tenantid} issuer template and their own endpoints', async () => {
    const common = (await (await fetch(`${tenant.origin}/common/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(common.issuer).toBe(`${tenant.origin}/{tenantid}/v2.0`);
    expect(common.token_endpoint).toBe(`${tenant.origin}/common/oauth2/v2.0/token`);
    expect(common.jwks_uri).toBe(`${tenant.origin}/common/discovery/v2.0/keys`);
    const orgs = (await (await fetch(`${tenant.origin}/organizations/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(orgs.authorization_endpoint).toBe(`${tenant.origin}/organizations/oauth2/v2.0/authorize`);
    const own = (await (await fetch(`${tenant.origin}/${tenant.tenantId}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(own.issuer).toBe(`${tenant.origin}/${tenant.tenantId}/v2.0`);
  });

  test('identity - MSAL Node takes the /common document with its {tenantid} issuer and sends the sign-in to the /common authorize endpoint', async () => {
    const api = tenant.fixture.apps.connectionApi;
    const msal = new ConfidentialClientApplication({ auth: { clientId: api.appId, clientSecret: api.clientSecret, authority: `${tenant.origin}/common`, knownAuthorities: [new URL(tenant.origin).host] } });
    const url = new URL(await msal.getAuthCodeUrl({ scopes: ['https://graph.microsoft.com/Mail.Send'], redirectUri: 'http://localhost:4700/v1/auth/callback' }));
    expect(url.origin + url.pathname).toBe(`${tenant.origin}/common/oauth2/v2.0/authorize`);
    expect(url.searchParams.get('client_id')).toBe(api.appId);
  });

  test('identity - JWKS keys carry x5c: a certificate issued by the local CA whose key signs the tokens, kid = x5t = its thumbprint', async () => {
    const { keys } = (await (await fetch(`${tenant.origin}/${tenant.tenantId}/discovery/v2.0/keys`)).json()) as { keys: Record<string, unknown>[] };
    const [key] = keys;
    const cert = new X509Certificate(Buffer.from((key.x5c as string[])[0], 'base64'));
    expect(cert.verify(new X509Certificate(tenant.caCertificate).publicKey)).toBe(true);
    expect(key.x5t).toBe(createHash('sha1').update(cert.raw).digest('base64url'));
    expect(key.kid).toBe(key.x5t);
    const fromJwk = createPublicKey({ key: { kty: 'RSA', n: key.n as string, e: key.e as string }, format: 'jwk' });
    expect(fromJwk.export({ format: 'pem', type: 'spki' })).toBe(cert.publicKey.export({ format: 'pem', type: 'spki' }));
    const token = await appToken(tenant, 'lmsBackend', 'api://lms-m365-connection');
    const [h, p, s] = token.split('.');
    expect(JSON.parse(Buffer.from(h, 'base64url').toString()).kid).toBe(key.kid);
    expect(verify('sha256', Buffer.from(`${h}.${p}`), cert.publicKey, Buffer.from(s, 'base64url'))).toBe(true);
  });

  test('identity - AADSTS50173 and AADSTS700082 name real times, never a literal {time}', async () => {
    const api = tenant.fixture.apps.connectionApi;
    const first = await connectionApiTokens(tenant, 'adele@contoso.test', ['https://graph.microsoft.com/Mail.Send']);
    const refresh = (token: string) => tokenRequest(tenant, { grant_type: 'refresh_token', client_id: api.appId, client_secret: api.clientSecret as string, refresh_token: token, scope: 'https://graph.microsoft.com/Mail.Send offline_access' });
    await fault(tenant, 'revoke-refresh-tokens', { user: 'adele@contoso.test' });
    const revoked = String((await refresh(first.refresh_token as string)).error_description);
    expect(revoked).not.toContain('{time}');
    expect(revoked).toMatch(/The grant was issued on '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z' and the TokensValidFrom date \(before which tokens are not valid\) for this user is '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z'\./);
    tenant.reset();
    const second = await connectionApiTokens(tenant, 'adele@contoso.test', ['https://graph.microsoft.com/Mail.Send']);
    await fault(tenant, 'expire-refresh-tokens', { user: 'adele@contoso.test' });
    const expired = String((await refresh(second.refresh_token as string)).error_description);
    expect(expired).toMatch(/The token was issued on \d{4}-\d\d-\d\dT[\d:.]+Z and was inactive for 90\.00:00:00\./);
  });

  test('sharepoint - an app-only token got with a client secret is refused: SharePoint Online takes app-only tokens from certificate credentials only', async () => {
    const token = await appToken(tenant, 'connectionApi', tenant.origin);
    const res = await fetch(`${tenant.origin}/sites/catalog-a/_api/web`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json;odata=nometadata' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error_description: 'Unsupported app only token.' });
    expect(res.headers.get('x-ms-diagnostics')).toMatch(/^3001000;/);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    expect(claims.appidacr).toBe('1');
  });
});
