import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { eachTarget, tokenRequest } from './targets';

/** Entra ID v2: discovery, keys and the token endpoint's errors (Microsoft identity platform docs cited in docs/local-tenant.md). */
eachTarget('identity', (target) => {
  test('discovery - /common names its own endpoints and the {tenantid} issuer template', async () => {
    const t = target();
    const doc = (await (await fetch(`${t.authority}/common/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(doc.issuer).toBe(`${t.authority}/{tenantid}/v2.0`);
    expect(doc.token_endpoint).toBe(`${t.authority}/common/oauth2/v2.0/token`);
    expect(doc.jwks_uri).toBe(`${t.authority}/common/discovery/v2.0/keys`);
  });

  test('discovery - the tenant document names the tenant in issuer and endpoints', async () => {
    const t = target();
    const doc = (await (await fetch(`${t.authority}/${t.tenantId}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(doc.issuer).toBe(`${t.authority}/${t.tenantId}/v2.0`);
    expect(doc.token_endpoint).toBe(`${t.authority}/${t.tenantId}/oauth2/v2.0/token`);
  });

  test('keys - every RSA key carries x5c; kid = x5t = the certificate thumbprint; the certificate holds the key', async () => {
    const t = target();
    const { keys } = (await (await fetch(`${t.authority}/${t.tenantId}/discovery/v2.0/keys`)).json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect([key.kty, key.use]).toEqual(['RSA', 'sig']);
      const cert = new X509Certificate(Buffer.from((key.x5c as string[])[0], 'base64'));
      expect(key.x5t).toBe(createHash('sha1').update(cert.raw).digest('base64url'));
      expect(key.kid).toBe(key.x5t);
      const jwk = createPublicKey({ key: { kty: 'RSA', n: key.n as string, e: key.e as string }, format: 'jwk' });
      expect(jwk.export({ format: 'pem', type: 'spki' })).toBe(cert.publicKey.export({ format: 'pem', type: 'spki' }));
    }
  });

  test('token - a wrong client secret is 401 invalid_client AADSTS7000215 with the error fields Entra sends', async () => {
    const t = target();
    const { status, body } = await tokenRequest(t, { grant_type: 'client_credentials', client_id: t.app.clientId, client_secret: 'not-the-secret', scope: 'https://graph.microsoft.com/.default' });
    expect([status, body.error, body.error_codes]).toEqual([401, 'invalid_client', [7000215]]);
    expect(String(body.error_description)).toMatch(/^AADSTS7000215: Invalid client secret provided\./);
    expect(String(body.error_description)).toMatch(/\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    for (const field of ['timestamp', 'trace_id', 'correlation_id', 'error_uri']) expect(typeof body[field]).toBe('string');
  });

  test('token - an unknown client is AADSTS700016; client credentials without /.default AADSTS1002012', async () => {
    const t = target();
    const unknown = await tokenRequest(t, { grant_type: 'client_credentials', client_id: '00000000-1111-2222-3333-444444444444', client_secret: 'x', scope: 'https://graph.microsoft.com/.default' });
    expect([unknown.body.error, unknown.body.error_codes]).toEqual(['unauthorized_client', [700016]]);
    const noDefault = await tokenRequest(t, { grant_type: 'client_credentials', client_id: t.app.clientId, client_secret: t.app.clientSecret, scope: 'https://graph.microsoft.com/User.Read.All' });
    expect([noDefault.body.error, noDefault.body.error_codes]).toEqual(['invalid_scope', [1002012]]);
  });

  test('token - an app-only Graph token is v1 with roles, idtyp app and appidacr 1 (client secret)', async () => {
    const t = target();
    const { body } = await tokenRequest(t, { grant_type: 'client_credentials', client_id: t.app.clientId, client_secret: t.app.clientSecret, scope: 'https://graph.microsoft.com/.default' });
    expect([body.token_type, typeof body.expires_in]).toEqual(['Bearer', 'number']);
    const claims = JSON.parse(Buffer.from(String(body.access_token).split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ aud: 'https://graph.microsoft.com', tid: t.tenantId, appid: t.app.clientId, appidacr: '1', idtyp: 'app', ver: '1.0' });
    expect(claims.roles).toEqual(expect.arrayContaining(['User.Read.All']));
  });
});
