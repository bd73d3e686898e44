import { TableClient } from '@azure/data-tables';
import fc from 'fast-check';
import { azuriteConnectionString } from '../../src/config/config';
import { catalogKey, TABLES } from '../../src/storage/tables';
import { startAzurite, RunningAzurite } from '../support/azurite';
import { invalidRequests } from '../support/fuzz';
import { inProcessApi, InProcessApi } from '../support/inProcessApi';
import { testConfig } from '../support/testConfig';
import { appClaims, AUTHORITY, createTestIssuer, OTHER_TENANT, TENANT, TestIssuer, userClaims } from '../support/tokens';

const CATALOG_A = 'https://localhost:4800/sites/catalog-a';
const CATALOG_B = 'https://localhost:4800/sites/catalog-b';
/** Adele's too, touched only by the admin fuzz. */
const CATALOG_FUZZ = 'https://localhost:4800/sites/catalog-fuzz';
const ADELE = '1a2b3c4d-0001-4000-8000-00000000a001';
const ALEX = '1a2b3c4d-0002-4000-8000-00000000a002';
const NESTOR = '1a2b3c4d-0005-4000-8000-00000000a005';
const BACKEND = '7e2d4c6a-1b3f-4a5e-8c7d-9f0a1b2c3d4e';

/** Site owners as SharePoint would answer them; the real question is asked in the integration suite. */
const OWNERS: Record<string, string[]> = { [CATALOG_A]: [ADELE], [CATALOG_B]: [ALEX], [CATALOG_FUZZ]: [ADELE] };

function url(catalog: string, suffix = ''): string {
  return `/v1/catalogs/${encodeURIComponent(catalog)}/connection${suffix}`;
}

describe('connection API (in process, Azurite, local signing keys)', () => {
  let azurite: RunningAzurite;
  let api: InProcessApi;
  let issuer: TestIssuer;
  let adele: string;

  beforeAll(async () => {
    azurite = await startAzurite();
    issuer = await createTestIssuer();
    const config = testConfig({ STORAGE_CONNECTION_STRING: azuriteConnectionString(azurite.tablePort, azurite.queuePort), RATE_LIMIT_PER_MINUTE: '100000', GRAPH_URL: 'https://127.0.0.1:9/v1.0', AUTHORITY_HOST: AUTHORITY, REGISTERED_CATALOGS: [CATALOG_A, CATALOG_FUZZ].join(',') });
    api = await inProcessApi(config, {
      keys: issuer.keys,
      sitePermissions: async (principal, catalog) => (OWNERS[catalog] ?? []).includes(principal.objectId)
    });
    adele = await issuer.sign(userClaims(ADELE, 'adele@contoso.test'));
  });

  afterAll(async () => {
    await api?.close();
    await azurite?.stop();
  });

  it('GET connection - a new catalog reads as not connected and switched off, with an ETag', async () => {
    const res = await api.app.inject({ method: 'GET', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}` } });
    expect(res.statusCode).toBe(200);
    const view = res.json();
    expect(view).toMatchObject({ catalog: CATALOG_A, enabled: false, method: null, account: null, health: { state: 'not-connected' } });
    expect(res.headers.etag).toBe(view.etag);
  });

  it('PATCH connection - needs If-Match, refuses a stale ETag, applies a current one', async () => {
    const first = await api.app.inject({ method: 'GET', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}` } });
    const etag = first.headers.etag as string;
    const missing = await api.app.inject({ method: 'PATCH', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}` }, payload: { enabled: true } });
    expect(missing.statusCode).toBe(428);
    expect(missing.json().code).toBe('PRECONDITION_REQUIRED');
    const ok = await api.app.inject({ method: 'PATCH', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}`, 'if-match': etag }, payload: { enabled: true, alertRecipients: ['Adele@contoso.test'] } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ enabled: true, alertRecipients: ['adele@contoso.test'] });
    expect(ok.headers.etag).not.toBe(etag);
    const stale = await api.app.inject({ method: 'PATCH', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}`, 'if-match': etag }, payload: { enabled: false } });
    expect(stale.statusCode).toBe(412);
    expect(stale.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(stale.json()).toMatchObject({ code: 'CHANGED_BY_SOMEONE_ELSE', status: 412, type: 'https://lms-m365.example/errors/CHANGED_BY_SOMEONE_ELSE' });
    const after = await api.app.inject({ method: 'GET', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}` } });
    expect(after.json().enabled).toBe(true);
  });

  it('PATCH connection - a write of the API\'s own (health, token use) between the admin\'s read and save does not refuse the save, and is kept', async () => {
    const first = await api.app.inject({ method: 'GET', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}` } });
    const etag = first.headers.etag as string;
    // What the engine or the health monitor writes: the record's storage ETag changes, its settings do not.
    const table = TableClient.fromConnectionString(azuriteConnectionString(azurite.tablePort, azurite.queuePort), TABLES.connections, { allowInsecureConnection: true });
    const row = await table.getEntity<{ record: string }>(catalogKey(CATALOG_A), 'connection');
    const record = JSON.parse(row.record) as { health: { checkedAt: string | null }; lastTokenUseAt: string | null };
    await table.updateEntity({ partitionKey: catalogKey(CATALOG_A), rowKey: 'connection', record: JSON.stringify({ ...record, health: { ...record.health, checkedAt: '2026-12-01T00:00:00.000Z' }, lastTokenUseAt: '2026-12-01T00:00:00.000Z' }) }, 'Replace', { etag: row.etag });
    const saved = await api.app.inject({ method: 'PATCH', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}`, 'if-match': etag }, payload: { alertRecipients: ['nestor@contoso.test'] } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ alertRecipients: ['nestor@contoso.test'], health: { checkedAt: '2026-12-01T00:00:00.000Z' } });
    const stored = JSON.parse((await table.getEntity<{ record: string }>(catalogKey(CATALOG_A), 'connection')).record) as { lastTokenUseAt: string | null };
    expect(stored.lastTokenUseAt).toBe('2026-12-01T00:00:00.000Z');
    // A settings change made meanwhile (the save above) refuses a save named after what was read before it.
    const stale = await api.app.inject({ method: 'PATCH', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}`, 'if-match': etag }, payload: { enabled: false } });
    expect([stale.statusCode, stale.json().code]).toEqual([412, 'CHANGED_BY_SOMEONE_ELSE']);
  });

  it('authorization - every kind of wrong caller is refused with its own status and code', async () => {
    const cases: [string, Promise<string | undefined>, string, number, string][] = [
      ['anonymous', Promise.resolve(undefined), 'GET', 401, 'AUTH_REQUIRED'],
      ['expired', issuer.sign(userClaims(ADELE, 'adele@contoso.test'), { expiresIn: -600 }), 'GET', 401, 'TOKEN_INVALID'],
      ['not yet valid', issuer.sign(userClaims(ADELE, 'adele@contoso.test'), { notBefore: Math.floor(Date.now() / 1000) + 600 }), 'GET', 401, 'TOKEN_INVALID'],
      ['wrong tenant', issuer.sign(userClaims(ADELE, 'adele@contoso.test', { tid: OTHER_TENANT })), 'GET', 401, 'TOKEN_INVALID'],
      ['wrong tenant, right issuer', issuer.sign(userClaims(ADELE, 'adele@contoso.test', { tid: OTHER_TENANT }), { issuer: `${AUTHORITY}/${TENANT}/v2.0` }), 'GET', 401, 'TOKEN_INVALID'],
      ['wrong audience', issuer.sign(userClaims(ADELE, 'adele@contoso.test'), { audience: 'https://graph.microsoft.com' }), 'GET', 401, 'TOKEN_INVALID'],
      ['unknown signing key', issuer.sign(userClaims(ADELE, 'adele@contoso.test'), { kid: 'other' }), 'GET', 401, 'TOKEN_INVALID'],
      ['missing scope', issuer.sign(userClaims(ADELE, 'adele@contoso.test', { scp: 'User.Read' })), 'GET', 403, 'SCOPE_MISSING'],
      ['non-admin', issuer.sign(userClaims(NESTOR, 'nestor@contoso.test')), 'GET', 403, 'NOT_CATALOG_ADMIN'],
      ['admin of another catalog', issuer.sign(userClaims(ALEX, 'alex@contoso.test')), 'GET', 403, 'NOT_CATALOG_ADMIN'],
      ['app without role', issuer.sign(appClaims(BACKEND, undefined)), 'GET', 403, 'APP_ROLE_MISSING'],
      ['app with role, admin operation', issuer.sign(appClaims(BACKEND, ['Notifications.Send'])), 'DELETE', 403, 'USER_ONLY']
    ];
    for (const [name, tokenPromise, method, status, code] of cases) {
      const token = await tokenPromise;
      const res = await api.app.inject({ method: method as 'GET', url: url(CATALOG_A), headers: token ? { authorization: `Bearer ${token}` } : {} });
      expect({ name, status: res.statusCode, code: res.json().code }).toEqual({ name, status, code });
    }
    const app = await issuer.sign(appClaims(BACKEND, ['Notifications.Send']));
    const read = await api.app.inject({ method: 'GET', url: url(CATALOG_A), headers: { authorization: `Bearer ${app}` } });
    expect(read.statusCode).toBe(200);
  });

  it('every route that declares security refuses strangers, and each refuses the wrong kind of caller: LMS routes a user and a role-less app, admin routes an app', async () => {
    // The LMS back end's routes (app-only, Notifications.Send); every other secured route is the settings page's (delegated).
    const LMS = [
      'POST /v1/catalogs/{catalog}/notifications', 'POST /v1/catalogs/{catalog}/notifications/batch', 'GET /v1/catalogs/{catalog}/notifications/{id}', 'POST /v1/catalogs/{catalog}/notifications/{id}/cancel',
      'PUT /v1/catalogs/{catalog}/sessions/{sessionId}', 'POST /v1/catalogs/{catalog}/sessions/{sessionId}/cancel', 'GET /v1/catalogs/{catalog}/sessions/{sessionId}', 'DELETE /v1/catalogs/{catalog}/sessions/{sessionId}',
      'GET /v1/catalogs/{catalog}/rooms', 'GET /v1/catalogs/{catalog}/rooms/availability'
    ];
    // Read by both: the page, and the LMS before it queues (an app needs the role all the same).
    const BOTH = ['GET /v1/catalogs/{catalog}/connection'];
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const secured = Object.entries(doc.paths).flatMap(([path, operations]) => Object.entries(operations).filter(([, op]) => (op.security ?? []).length > 0).map(([method]) => `${method.toUpperCase()} ${path}`));
    expect(secured).toEqual(expect.arrayContaining(LMS));
    expect(secured.length).toBeGreaterThan(LMS.length);
    const [user, appWithoutRole, lms] = await Promise.all([issuer.sign(userClaims(ADELE, 'adele@contoso.test')), issuer.sign(appClaims(BACKEND, undefined)), issuer.sign(appClaims(BACKEND, ['Notifications.Send']))]);
    const outcomes: Record<string, string[]> = {};
    for (const operation of secured) {
      const [method, path] = operation.split(' ');
      const target = path.replace('{catalog}', encodeURIComponent(CATALOG_A)).replace('{id}', '00000000-0000-8000-8000-000000000000').replace('{sessionId}', 'session-1');
      const call = async (token?: string): Promise<string> => {
        const res = await api.app.inject({ method: method as 'GET', url: target, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, payload: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
        return `${res.statusCode} ${res.json().code}`;
      };
      outcomes[operation] = LMS.includes(operation)
        ? [await call(), await call(user), await call(appWithoutRole)]
        : [await call(), await call(BOTH.includes(operation) ? appWithoutRole : lms)];
    }
    expect(outcomes).toEqual(Object.fromEntries(secured.map((operation) => [operation, LMS.includes(operation)
      ? ['401 AUTH_REQUIRED', '403 APP_ONLY', '403 APP_ROLE_MISSING']
      : ['401 AUTH_REQUIRED', BOTH.includes(operation) ? '403 APP_ROLE_MISSING' : '403 USER_ONLY']])));
  });

  it('catalog - a site outside the configured SharePoint origin is refused', async () => {
    for (const bad of ['https://evil.example/sites/catalog-a', 'https://localhost:4800/sites/catalog-a/subsite', 'not a url', 'https://localhost:4800/sites/a?x=1']) {
      const res = await api.app.inject({ method: 'GET', url: url(bad), headers: { authorization: `Bearer ${adele}` } });
      expect({ bad, status: res.statusCode, code: res.json().code }).toEqual({ bad, status: 400, code: 'CATALOG_INVALID' });
    }
  });

  it('problem+json - answers in Japanese when the caller prefers it', async () => {
    const res = await api.app.inject({ method: 'GET', url: url(CATALOG_A), headers: { 'accept-language': 'ja-JP,ja;q=0.9,en;q=0.5' } });
    expect(res.json().title).toBe('サインインが必要です。');
  });

  it('body limits and media types - too large is 413, not JSON is 415, broken JSON is 400', async () => {
    const etag = (await api.app.inject({ method: 'GET', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}` } })).headers.etag as string;
    const big = await api.app.inject({ method: 'PATCH', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}`, 'if-match': etag, 'content-type': 'application/json' }, payload: JSON.stringify({ alertRecipients: ['x'.repeat(40_000)] }) });
    expect([big.statusCode, big.json().code]).toEqual([413, 'BODY_TOO_LARGE']);
    const text = await api.app.inject({ method: 'PATCH', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}`, 'if-match': etag, 'content-type': 'text/plain' }, payload: 'enabled=true' });
    expect([text.statusCode, text.json().code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const broken = await api.app.inject({ method: 'PATCH', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}`, 'if-match': etag, 'content-type': 'application/json' }, payload: '{"enabled":' });
    expect([broken.statusCode, broken.json().code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('authentication comes first - a stranger with a broken body learns only that sign-in is required', async () => {
    const res = await api.app.inject({ method: 'PATCH', url: url(CATALOG_A), headers: { 'content-type': 'application/json' }, payload: '{"enabled":' });
    expect([res.statusCode, res.json().code]).toEqual([401, 'AUTH_REQUIRED']);
  });

  it('security headers - helmet on every answer; CORS only for configured origins', async () => {
    const allowed = await api.app.inject({ method: 'OPTIONS', url: url(CATALOG_A), headers: { origin: 'http://localhost:4300', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,if-match,content-type' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:4300');
    expect(String(allowed.headers['access-control-allow-headers'])).toMatch(/if-match/);
    const other = await api.app.inject({ method: 'OPTIONS', url: url(CATALOG_A), headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const res = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['content-security-policy']).toBe("default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'");
    const problem = await api.app.inject({ method: 'GET', url: url(CATALOG_A) });
    expect(problem.headers['content-security-policy']).toBe(res.headers['content-security-policy']);
  });

  it('router errors - a bad percent-encoding or an over-long segment is problem+json with the security headers, never echoing the URL', async () => {
    for (const path of [`/v1/catalogs/%E0%A4%A/connection?probe=<script>`, `/v1/catalogs/${'x'.repeat(600)}<script>/connection`]) {
      const res = await api.app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${adele}` } });
      expect({ path: path.slice(0, 30), status: res.statusCode, code: res.json().code }).toEqual({ path: path.slice(0, 30), status: 400, code: 'VALIDATION_FAILED' });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['content-security-policy']).toBe("default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.body).not.toMatch(/script|%E0|xxxx/);
    }
  });

  it('authorisation before validation - a signed-in user who administers nothing gets 403 for any body, valid or not', async () => {
    const nestor = await issuer.sign(userClaims(NESTOR, 'nestor@contoso.test'));
    for (const payload of ['{"enabled":', '{"enabled":"yes"}', '{"enabled":true}']) {
      const res = await api.app.inject({ method: 'PATCH', url: url(CATALOG_A), headers: { authorization: `Bearer ${nestor}`, 'content-type': 'application/json', 'if-match': '*' }, payload });
      expect({ payload, status: res.statusCode, code: res.json().code }).toEqual({ payload, status: 403, code: 'NOT_CATALOG_ADMIN' });
    }
  });

  it('token confusion - an ID token for the API, a token of another client application and roles without idtyp=app are refused', async () => {
    const idToken = await issuer.sign({ oid: ADELE, sub: 'pairwise', preferred_username: 'adele@contoso.test', nonce: 'n', ver: '2.0' });
    const otherClient = await issuer.sign(userClaims(ADELE, 'adele@contoso.test', { azp: '11111111-1111-4111-8111-111111111111' }));
    const rolesOnly = await issuer.sign({ oid: 'sp', sub: 'sp', azp: BACKEND, roles: ['Notifications.Send'] });
    const otherApp = await issuer.sign(appClaims('11111111-1111-4111-8111-111111111111', ['Notifications.Send']));
    for (const [name, token] of [['id token', idToken], ['other client', otherClient], ['roles only', rolesOnly], ['other app', otherApp]] as const) {
      const res = await api.app.inject({ method: 'GET', url: url(CATALOG_A), headers: { authorization: `Bearer ${token}` } });
      expect({ name, status: res.statusCode, code: res.json().code }).toEqual({ name, status: 403, code: 'CLIENT_APP_NOT_ACCEPTED' });
    }
  });

  it('openapi.json - describes every connection endpoint and the problem schema', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/v1/catalogs/{catalog}/connection', '/v1/catalogs/{catalog}/connection/modern', '/v1/catalogs/{catalog}/connection/classic',
      '/v1/catalogs/{catalog}/connection/check', '/v1/catalogs/{catalog}/connection/retry-sending', '/v1/catalogs/{catalog}/connection/test-email', '/v1/auth/callback', '/healthz', '/readyz'
    ]));
    expect(doc.paths['/v1/catalogs/{catalog}/connection'].patch.requestBody).toBeDefined();
    expect(JSON.stringify(doc.components)).toContain('Problem');
    // Each error answer is declared with the media type it is sent with (RFC 9457), not as plain JSON.
    const errorMedia = new Set<string>();
    for (const operations of Object.values(doc.paths as Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>>)) {
      for (const operation of Object.values(operations)) {
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          if (/^[45]XX$/.test(status)) {
            Object.keys(response.content ?? {}).forEach((media) => errorMedia.add(media));
          }
        }
      }
    }
    const refused = await api.app.inject({ method: 'GET', url: url(CATALOG_A) });
    expect(refused.statusCode).toBe(401);
    expect([...errorMedia]).toEqual([String(refused.headers['content-type']).split(';')[0]]);
  });

  it('readyz - ready when storage answers', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
  });

  it('rate limit - each caller has its own budget; over it answers 429 RATE_LIMITED with Retry-After', async () => {
    const limited = await inProcessApi(testConfig({ STORAGE_CONNECTION_STRING: azurite.connectionString, RATE_LIMIT_PER_MINUTE: '3', GRAPH_URL: 'https://127.0.0.1:9/v1.0', AUTHORITY_HOST: AUTHORITY }), {
      keys: issuer.keys,
      sitePermissions: async (principal, catalog) => (OWNERS[catalog] ?? []).includes(principal.objectId)
    });
    try {
      const alex = await issuer.sign(userClaims(ALEX, 'alex@contoso.test'));
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await limited.app.inject({ method: 'GET', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}` } })).statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const over = await limited.app.inject({ method: 'GET', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}` } });
      expect(over.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      const other = await limited.app.inject({ method: 'GET', url: url(CATALOG_B), headers: { authorization: `Bearer ${alex}` } });
      expect(other.statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('trustProxy - one trusted hop: the client address is the proxy\'s last X-Forwarded-For entry, whatever the client prepends', async () => {
    const proxied = await inProcessApi(testConfig({ STORAGE_CONNECTION_STRING: azurite.connectionString, RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY_HOPS: '1', GRAPH_URL: 'https://127.0.0.1:9/v1.0', AUTHORITY_HOST: AUTHORITY }), {
      keys: issuer.keys,
      sitePermissions: async (principal, catalog) => (OWNERS[catalog] ?? []).includes(principal.objectId)
    });
    try {
      const forged = (xff: string) => proxied.app.inject({ method: 'GET', url: url(CATALOG_A), remoteAddress: '10.0.0.1', headers: { authorization: 'Bearer a.b.c', 'x-forwarded-for': xff } });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await forged(`198.51.100.${i}, 203.0.113.7`)).statusCode);
      }
      expect(statuses).toEqual([401, 401, 429, 429]);
      expect((await forged('203.0.113.8')).statusCode).toBe(401);
      // A front end that writes address:port (a new port each connection) does not make each connection a new client.
      const withPorts: number[] = [];
      for (let i = 0; i < 3; i++) {
        withPorts.push((await forged(`203.0.113.9:${50_000 + i}`)).statusCode);
      }
      expect(withPorts).toEqual([401, 401, 429]);
    } finally {
      await proxied.close();
    }
  });

  it('fuzz - strangers\' random requests to every endpoint get 4xx, never 5xx, and change nothing', async () => {
    // Catalog A stored (whichever test runs first), so its view has a fixed id and ETag to compare.
    const stored = await api.app.inject({ method: 'PATCH', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}`, 'if-match': 'W/"new"' }, payload: { enabled: false } });
    expect([200, 412]).toContain(stored.statusCode);
    const before = await api.app.inject({ method: 'GET', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}` } });
    const nestor = await issuer.sign(userClaims(NESTOR, 'nestor@contoso.test'));
    const paths = ['', '/modern', '/classic', '/check', '/retry-sending', '/test-email'];
    const json = fc.jsonValue({ maxDepth: 3 });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
        fc.oneof(fc.constantFrom(CATALOG_A, CATALOG_B), fc.webUrl(), fc.string({ maxLength: 60 })),
        fc.constantFrom(...paths),
        fc.oneof(json, fc.record({ enabled: json, transport: json, alertRecipients: json, orgConsent: json, origin: json, email: json, password: json, to: json }, { requiredKeys: [] })),
        fc.constantFrom<(string | undefined)>(undefined, `Bearer ${nestor}`, 'Bearer x.y.z', 'Basic Zm9vOmJhcg==', `Bearer ${adele}x`),
        fc.option(fc.string({ maxLength: 40 })),
        async (method, catalog, suffix, body, authorization, ifMatch) => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (authorization) {
            headers.authorization = authorization;
          }
          if (ifMatch !== null) {
            headers['if-match'] = ifMatch;
          }
          const res = await api.app.inject({ method: method as 'GET', url: url(catalog, suffix), headers, payload: method === 'GET' ? undefined : JSON.stringify(body) });
          expect(res.statusCode).toBeGreaterThanOrEqual(400);
          expect(res.statusCode).toBeLessThan(500);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        }
      ),
      { numRuns: 300 }
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('code', 'state', 'error', 'error_description', 'junk'), fc.string({ maxLength: 80 })), async (query) => {
        const res = await api.app.inject({ method: 'GET', url: '/v1/auth/callback', query });
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 100 }
    );
    const after = await api.app.inject({ method: 'GET', url: url(CATALOG_A), headers: { authorization: `Bearer ${adele}` } });
    expect(after.headers.etag).toBe(before.headers.etag);
    expect(after.json()).toEqual(before.json());
  });

  it('fuzz - the catalog\'s own admin, with the current ETag, is refused every request invalid in one way, and nothing changes', async () => {
    const read = () => api.app.inject({ method: 'GET', url: url(CATALOG_FUZZ), headers: { authorization: `Bearer ${adele}` } });
    // A stored connection, so the ETag is a real one and a PATCH that got through would show.
    const created = await api.app.inject({ method: 'PATCH', url: url(CATALOG_FUZZ), headers: { authorization: `Bearer ${adele}`, 'if-match': 'W/"new"' }, payload: { enabled: false } });
    expect(created.statusCode).toBe(200);
    const before = await read();
    const etag = before.headers.etag as string;
    await fc.assert(
      fc.asyncProperty(invalidRequests('http://localhost:4300'), async (request) => {
        const res = await api.app.inject({
          method: request.method,
          url: url(CATALOG_FUZZ, request.suffix),
          headers: { authorization: `Bearer ${adele}`, 'content-type': request.contentType, 'if-match': etag },
          payload: request.payload
        });
        expect({ mutation: request.mutation, status: res.statusCode, code: res.json().code }).toEqual({ mutation: request.mutation, status: request.code === 'UNSUPPORTED_MEDIA_TYPE' ? 415 : 400, code: request.code });
      }),
      { numRuns: 300 }
    );
    const after = await read();
    expect(after.headers.etag).toBe(etag);
    expect(after.json()).toEqual(before.json());
    // The control: the same caller, ETag and endpoint with a valid body do change the connection.
    const valid = await api.app.inject({ method: 'PATCH', url: url(CATALOG_FUZZ), headers: { authorization: `Bearer ${adele}`, 'if-match': etag }, payload: { enabled: true } });
    expect(valid.statusCode).toBe(200);
    expect(valid.json().enabled).toBe(true);
  });
});
