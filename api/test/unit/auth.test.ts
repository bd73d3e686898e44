import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import Fastify from 'fastify';
import { errors as joseErrors } from 'jose';
import { authentication, principalOf, rateLimitKey } from '../../src/auth/authentication';
import { CatalogAdminCheck } from '../../src/auth/catalogAdmin';
import { ClassicAttemptGuard, TableAttemptCounter } from '../../src/auth/classicAttempts';
import type { TableClient } from '@azure/data-tables';
import { authorize, principalFromClaims, Principal } from '../../src/auth/principal';
import { createTokenVerifier, issuersFor, jwksUrl, TokenVerifier } from '../../src/auth/tokenVerifier';
import { TEST_EMAIL_WINDOW_SECONDS, testEmailPolicy } from '../../src/connections/testEmailPolicy';
import { checkNonce, isWellFormedState } from '../../src/connections/signInState';
import { ConnectionRecord, emptyConnection } from '../../src/connections/model';
import { ApiError } from '../../src/errors/apiError';
import { installErrorHandling } from '../../src/errors/errorHandler';
import { API_CLIENT_ID, appClaims, AUTHORITY, createTestIssuer, TENANT, TestIssuer, userClaims } from '../support/tokens';
import { codeOf } from '../support/errors';
import { testConfig } from '../support/testConfig';

const WEB_PART = '08e18876-6177-487e-b8b5-cf950c1e598c';
const BACKEND = '7e2d4c6a-1b3f-4a5e-8c7d-9f0a1b2c3d4e';
const CLIENTS = { delegated: [WEB_PART], app: [BACKEND] };
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';

async function rejectionOf(promise: Promise<unknown>): Promise<ApiError | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error as ApiError;
  }
}

const user = (extra: Record<string, unknown> = {}): Principal => principalFromClaims({ tid: TENANT, oid: 'u1', azp: WEB_PART, scp: 'user_impersonation', ...extra }, 'tok', CLIENTS);

describe('principalFromClaims - what a verified token may be', () => {
  it('principalFromClaims - a delegated token of the web part is a user with its scopes, name and token', () => {
    expect(user({ scp: 'user_impersonation User.Read', preferred_username: 'adele@contoso.test' })).toEqual({
      kind: 'user', tenantId: TENANT, objectId: 'u1', name: 'adele@contoso.test', scopes: ['user_impersonation', 'User.Read'], token: 'tok', isTenantAdmin: false
    });
  });

  it('principalFromClaims - names a user by preferred_username, then upn, then unique_name, then oid', () => {
    expect((user({ upn: 'upn@x', unique_name: 'un@x' }) as { name: string }).name).toBe('upn@x');
    expect((user({ unique_name: 'un@x' }) as { name: string }).name).toBe('un@x');
    expect((user() as { name: string }).name).toBe('u1');
  });

  it('principalFromClaims - a tenant admin is one with any consent-granting directory role', () => {
    expect((user({ wids: ['b79fbf4d-3ef9-4689-8143-76b194e85509', GLOBAL_ADMIN.toUpperCase()] }) as { isTenantAdmin: boolean }).isTenantAdmin).toBe(true);
    expect((user({ wids: ['b79fbf4d-3ef9-4689-8143-76b194e85509'] }) as { isTenantAdmin: boolean }).isTenantAdmin).toBe(false);
    expect((user({ wids: GLOBAL_ADMIN }) as { isTenantAdmin: boolean }).isTenantAdmin).toBe(true);
  });

  it('principalFromClaims - a delegated token without oid names no user and is refused', () => {
    expect(codeOf(() => principalFromClaims({ tid: TENANT, azp: WEB_PART, scp: 'user_impersonation' }, 'tok', CLIENTS))).toBe('TOKEN_INVALID');
    expect(codeOf(() => principalFromClaims({ tid: TENANT, azp: WEB_PART, scp: 'user_impersonation', oid: 42 }, 'tok', CLIENTS))).toBe('TOKEN_INVALID');
  });

  it('principalFromClaims - a delegated token of another client application is refused, v2 (azp) and v1 (appid) alike', () => {
    expect(codeOf(() => user({ azp: BACKEND }))).toBe('CLIENT_APP_NOT_ACCEPTED');
    expect(codeOf(() => user({ azp: undefined }))).toBe('CLIENT_APP_NOT_ACCEPTED');
    expect(codeOf(() => user({ azp: undefined, appid: BACKEND }))).toBe('CLIENT_APP_NOT_ACCEPTED');
    expect(user({ azp: undefined, appid: WEB_PART.toUpperCase(), idtyp: 'user' }).kind).toBe('user');
  });

  it('principalFromClaims - an app-only token of the LMS back end (idtyp=app) is an app with its roles', () => {
    expect(principalFromClaims({ tid: TENANT, ...appClaims(BACKEND, ['Notifications.Send']) }, 'tok', CLIENTS)).toEqual({ kind: 'app', tenantId: TENANT, appId: BACKEND, roles: ['Notifications.Send'] });
    const v1 = principalFromClaims({ tid: TENANT, idtyp: 'app', appid: BACKEND.toUpperCase(), roles: 'Notifications.Send' }, 'tok', CLIENTS);
    expect(v1).toEqual({ kind: 'app', tenantId: TENANT, appId: BACKEND, roles: ['Notifications.Send'] });
  });

  it('principalFromClaims - roles without idtyp=app, or neither scp nor roles (the API\'s own ID token), are not an app', () => {
    expect(codeOf(() => principalFromClaims({ tid: TENANT, azp: BACKEND, roles: ['Notifications.Send'] }, 'tok', CLIENTS))).toBe('CLIENT_APP_NOT_ACCEPTED');
    expect(codeOf(() => principalFromClaims({ tid: TENANT, idtyp: 'user', azp: BACKEND, roles: ['Notifications.Send'] }, 'tok', CLIENTS))).toBe('CLIENT_APP_NOT_ACCEPTED');
    const idToken = { tid: TENANT, aud: API_CLIENT_ID, oid: 'u1', sub: 'pairwise', preferred_username: 'adele@contoso.test', nonce: 'n', ver: '2.0' };
    expect(codeOf(() => principalFromClaims(idToken, 'tok', CLIENTS))).toBe('CLIENT_APP_NOT_ACCEPTED');
    expect(codeOf(() => principalFromClaims({ tid: TENANT, scp: '', idtyp: 'app', azp: BACKEND }, 'tok', CLIENTS))).toBeUndefined();
  });

  it('principalFromClaims - a token that says it is app-only cannot be a user, even from the web part', () => {
    const error = (() => {
      try {
        user({ idtyp: 'app' });
        return undefined;
      } catch (e) {
        return e as ApiError;
      }
    })();
    expect(error).toMatchObject({ code: 'CLIENT_APP_NOT_ACCEPTED', detail: 'An app-only token cannot carry delegated scopes.' });
    expect(user({ idtyp: 'user' }).kind).toBe('user');
  });

  it('principalFromClaims - each refusal says why; claims of the wrong type are ignored', () => {
    const detailOf = (claims: Record<string, unknown>): string | undefined => {
      try {
        principalFromClaims({ tid: TENANT, ...claims }, 'tok', CLIENTS);
        return undefined;
      } catch (e) {
        return (e as ApiError).detail;
      }
    };
    expect(detailOf({ azp: WEB_PART, scp: 'user_impersonation' })).toBe('The token names no user (oid).');
    expect(detailOf({ azp: BACKEND, scp: 'user_impersonation', oid: 'u1' })).toBe('The token was issued to an application that may not call this API for a user.');
    expect(detailOf({ azp: BACKEND, roles: ['Notifications.Send'] })).toBe('The token is neither a delegated access token (scp) nor an app-only access token (idtyp=app).');
    expect(detailOf({ azp: WEB_PART, idtyp: 'app', roles: ['Notifications.Send'] })).toBe('The token was issued to an application that may not call this API.');
    const app = principalFromClaims({ idtyp: 'app', azp: BACKEND, roles: ['Notifications.Send', 42, null] }, 'tok', CLIENTS);
    expect(app).toEqual({ kind: 'app', tenantId: '', appId: BACKEND, roles: ['Notifications.Send'] });
    expect((user({ wids: [GLOBAL_ADMIN.length, 'x'] }) as { isTenantAdmin: boolean }).isTenantAdmin).toBe(false);
    expect(principalFromClaims({ tid: 7, idtyp: 'app', azp: BACKEND }, 'tok', CLIENTS)).toMatchObject({ tenantId: '' });
  });

  it('principalFromClaims - an app-only token of another application, or one that also carries scopes, is refused', () => {
    expect(codeOf(() => principalFromClaims({ tid: TENANT, ...appClaims(WEB_PART, ['Notifications.Send']) }, 'tok', CLIENTS))).toBe('CLIENT_APP_NOT_ACCEPTED');
    expect(codeOf(() => principalFromClaims({ tid: TENANT, idtyp: 'app', roles: ['Notifications.Send'] }, 'tok', CLIENTS))).toBe('CLIENT_APP_NOT_ACCEPTED');
    expect(codeOf(() => principalFromClaims({ tid: TENANT, oid: 'u1', ...appClaims(BACKEND, ['Notifications.Send']), scp: 'user_impersonation' }, 'tok', CLIENTS))).toBe('CLIENT_APP_NOT_ACCEPTED');
  });
});

describe('authorize - a route\'s scope or role', () => {
  const app = (roles: string[]): Principal => ({ kind: 'app', tenantId: TENANT, appId: BACKEND, roles });
  it('authorize - a user with the route\'s scope passes, one without it is SCOPE_MISSING', () => {
    expect(codeOf(() => authorize(user(), { delegatedScope: 'user_impersonation' }))).toBeUndefined();
    expect(codeOf(() => authorize(user({ scp: 'User.Read' }), { delegatedScope: 'user_impersonation' }))).toBe('SCOPE_MISSING');
  });
  it('authorize - a user on an app-only route is APP_ONLY whatever the scopes', () => {
    expect(codeOf(() => authorize(user(), { appRole: 'Notifications.Send' }))).toBe('APP_ONLY');
  });
  it('authorize - an app needs the route\'s role; a route without one refuses apps', () => {
    expect(codeOf(() => authorize(app(['Notifications.Send']), { delegatedScope: 'user_impersonation', appRole: 'Notifications.Send' }))).toBeUndefined();
    expect(codeOf(() => authorize(app(['Other', 'Notifications.Send']), { appRole: 'Notifications.Send' }))).toBeUndefined();
    expect(codeOf(() => authorize(app(['Other']), { appRole: 'Notifications.Send' }))).toBe('APP_ROLE_MISSING');
    expect(codeOf(() => authorize(app(['Notifications.Send']), { delegatedScope: 'user_impersonation' }))).toBe('USER_ONLY');
  });
});

describe('createTokenVerifier - signature, issuer, audience, tenant, lifetime, then the claims', () => {
  let issuer: TestIssuer;
  let verify: TokenVerifier;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    verify = createTokenVerifier({ issuers: issuersFor(AUTHORITY, TENANT, false), audiences: ['api://lms-m365-connection', API_CLIENT_ID], tenantId: TENANT, keys: issuer.keys, clients: CLIENTS, clockToleranceSeconds: 0 });
  });

  it('tokenVerifier - a good delegated token is the user; the same bytes again answer from the cache', async () => {
    const token = await issuer.sign(userClaims('u1', 'adele@contoso.test'));
    const first = await verify(`Bearer ${token}`);
    expect(first).toMatchObject({ kind: 'user', objectId: 'u1', name: 'adele@contoso.test', token });
    expect(await verify(`Bearer ${token}`)).toBe(first);
  });

  it('tokenVerifier - no header is AUTH_REQUIRED; not "Bearer <JWT>" is TOKEN_INVALID and says so', async () => {
    expect((await rejectionOf(verify(undefined)))?.code).toBe('AUTH_REQUIRED');
    expect((await rejectionOf(verify('')))?.code).toBe('AUTH_REQUIRED');
    const good = await issuer.sign(userClaims('u1', 'a@b'));
    for (const header of ['Basic Zm9vOmJhcg==', 'Bearer abc', `Bearer ${good} d`, `x Bearer ${good}`, `bearer ${good}`]) {
      const error = await rejectionOf(verify(header));
      expect({ header: header.slice(0, 12), code: error?.code, detail: error?.detail }).toEqual({ header: header.slice(0, 12), code: 'TOKEN_INVALID', detail: 'The Authorization header is not "Bearer <JWT>".' });
    }
    // A script whose token variable is empty sends "Bearer " and nothing.
    expect((await rejectionOf(verify('NotBearer')))?.detail).toBe('The Authorization header is not "Bearer <JWT>".');
    for (const header of ['Bearer ', 'Bearer', 'Bearer   ']) {
      expect((await rejectionOf(verify(header)))?.detail).toBe('The Authorization header carries no token ("Bearer" and nothing after it): the request for the token failed, or its variable is empty.');
    }
  });

  it('tokenVerifier - a token without exp or without tid is refused by name', async () => {
    const noExp = await rejectionOf(verify(`Bearer ${await issuer.sign(userClaims('u1', 'a@b'), { expiresIn: null })}`));
    expect(noExp).toMatchObject({ code: 'TOKEN_INVALID', detail: 'The token\'s "exp" claim is not accepted here.' });
    const noTid = await rejectionOf(verify(`Bearer ${await issuer.sign(userClaims('u1', 'a@b', { tid: undefined }), { issuer: `${AUTHORITY}/${TENANT}/v2.0` })}`));
    expect(noTid).toMatchObject({ code: 'TOKEN_INVALID', detail: 'The token\'s "tid" claim is not accepted here.' });
  });

  it('tokenVerifier - signing keys that cannot be fetched are TOKEN_INVALID with that reason', async () => {
    const unreachable = createTokenVerifier({ issuers: issuersFor(AUTHORITY, TENANT, false), audiences: [API_CLIENT_ID], tenantId: TENANT, clients: CLIENTS, keys: async () => {
      throw new joseErrors.JWKSTimeout();
    } });
    const error = await rejectionOf(unreachable(`Bearer ${await issuer.sign(userClaims('u1', 'a@b'))}`));
    expect(error).toMatchObject({ code: 'TOKEN_INVALID', detail: 'The tenant\'s signing keys could not be fetched.' });
  });

  it('tokenVerifier - expired, not yet valid, wrong audience, wrong issuer, unknown key and unsigned tokens are TOKEN_INVALID', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...userClaims('u1', 'a@b'), tid: TENANT, iss: `${AUTHORITY}/${TENANT}/v2.0`, aud: API_CLIENT_ID, exp: now + 600 })).toString('base64url')}.x`;
    const cases: [string, string, string][] = [
      ['expired', await issuer.sign(userClaims('u1', 'a@b'), { expiresIn: -5 }), 'expired'],
      ['not yet valid', await issuer.sign(userClaims('u1', 'a@b'), { notBefore: now + 600 }), '"nbf"'],
      ['audience', await issuer.sign(userClaims('u1', 'a@b'), { audience: 'https://graph.microsoft.com' }), 'The token is not for this API (its audience is https://graph.microsoft.com): request it with the scope api://lms-m365-connection/.default (an app)'],
      // Graph's own token (v1 issuer, Graph's audience): the scope is what to fix, not the issuer.
      ['graph token', await issuer.sign(userClaims('u1', 'a@b'), { audience: 'https://graph.microsoft.com', issuer: `https://sts.windows.net/${TENANT}/` }), 'The token is not for this API (its audience is https://graph.microsoft.com)'],
      // An audience that is not one is not repeated.
      ['odd audience', await issuer.sign(userClaims('u1', 'a@b'), { audience: '<b>hi</b>' }), 'The token is not for this API: request it'],
      ['issuer', await issuer.sign(userClaims('u1', 'a@b'), { issuer: `https://sts.windows.net/${TENANT}/` }), '"iss"'],
      ['key', await issuer.sign(userClaims('u1', 'a@b'), { kid: 'other' }), 'not signed by the tenant'],
      ['unsigned', unsigned, 'could not be validated']
    ];
    for (const [name, token, detail] of cases) {
      const error = await rejectionOf(verify(`Bearer ${token}`));
      expect({ name, code: error?.code, detail: error?.detail?.includes(detail) }).toEqual({ name, code: 'TOKEN_INVALID', detail: true });
    }
  });

  it('tokenVerifier - a token of another tenant is refused even when its issuer is this tenant\'s', async () => {
    const token = await issuer.sign(userClaims('u1', 'a@b', { tid: '11111111-2222-4333-8444-555555555555' }), { issuer: `${AUTHORITY}/${TENANT}/v2.0` });
    const error = await rejectionOf(verify(`Bearer ${token}`));
    expect(error).toMatchObject({ code: 'TOKEN_INVALID', detail: 'The token was issued for another tenant.' });
  });

  it('tokenVerifier - the API\'s own ID token (audience = its client id, no scp, no roles) is refused', async () => {
    const idToken = await issuer.sign({ oid: 'u1', sub: 'pairwise', preferred_username: 'adele@contoso.test', nonce: 'n', ver: '2.0' }, { audience: API_CLIENT_ID });
    expect((await rejectionOf(verify(`Bearer ${idToken}`)))?.code).toBe('CLIENT_APP_NOT_ACCEPTED');
  });

  it('tokenVerifier - a remembered token is served from the cache until exp plus the clock tolerance, then refused', async () => {
    const tolerant = createTokenVerifier({ issuers: issuersFor(AUTHORITY, TENANT, false), audiences: [API_CLIENT_ID], tenantId: TENANT, keys: issuer.keys, clients: CLIENTS, clockToleranceSeconds: 1 });
    // exp is whole seconds (iat floored): with 2 s it lies 1-2 s ahead, so 1.2 s later the token is
    // valid whatever the sub-second start, and 3.3 s later it is past exp plus the tolerance.
    const token = await issuer.sign(userClaims('u1', 'a@b'), { expiresIn: 2 });
    const first = await tolerant(`Bearer ${token}`);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await tolerant(`Bearer ${token}`)).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await rejectionOf(tolerant(`Bearer ${token}`)))?.code).toBe('TOKEN_INVALID');
  });

  it('issuersFor / jwksUrl - v2 issuer always, the v1 issuer only in production; keys of the tenant', () => {
    expect(issuersFor('https://login.microsoftonline.com', TENANT, false)).toEqual([`https://login.microsoftonline.com/${TENANT}/v2.0`]);
    expect(issuersFor('https://login.microsoftonline.com', TENANT, true)).toEqual([`https://login.microsoftonline.com/${TENANT}/v2.0`, `https://sts.windows.net/${TENANT}/`]);
    expect(jwksUrl('https://login.microsoftonline.com', TENANT).href).toBe(`https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`);
  });

  it('tokenVerifier - TENANT_ID and CLIENT_ID set in capitals (a GUID in either case) still accept the tenant\'s tokens, which carry them in lower case', async () => {
    const config = testConfig({ AUTHORITY_HOST: AUTHORITY, TENANT_ID: TENANT.toUpperCase(), CLIENT_ID: API_CLIENT_ID.toUpperCase(), ALLOWED_DELEGATED_CLIENTS: WEB_PART.toUpperCase() });
    // As app.ts builds it.
    const fromConfig = createTokenVerifier({ issuers: issuersFor(config.authorityHost, config.tenantId, false), audiences: config.audiences, tenantId: config.tenantId, keys: issuer.keys, clients: config.acceptedClients });
    const token = await issuer.sign(userClaims('u1', 'adele@contoso.test'));
    expect(await fromConfig(`Bearer ${token}`)).toMatchObject({ kind: 'user', tenantId: TENANT, objectId: 'u1' });
  });
});

describe('authentication plugin - verified caller, rate-limit key, catalog access before the body', () => {
  it('rateLimitKey / principalOf - per verified caller, else per address; a route without auth serves nobody', () => {
    expect(rateLimitKey({ principal: user(), ip: '10.0.0.1' })).toBe(`user:${TENANT}:u1`);
    expect(rateLimitKey({ principal: { kind: 'app', tenantId: TENANT, appId: BACKEND, roles: [] }, ip: '10.0.0.1' })).toBe(`app:${TENANT}:${BACKEND}`);
    expect(rateLimitKey({ principal: null, ip: '10.0.0.1' })).toBe('ip:10.0.0.1');
    expect(codeOf(() => principalOf({ principal: null }))).toBe('AUTH_REQUIRED');
    const p = user();
    expect(principalOf({ principal: p })).toBe(p);
  });

  async function appWith(verify: TokenVerifier, catalogAccess?: (principal: Principal, catalog: string) => Promise<void>, failuresPerMinute = 3) {
    const app = Fastify();
    installErrorHandling(app);
    await app.register(authentication, { verify, catalogAccess, failuresPerMinute });
    app.post<{ Params: { catalog: string }; Body: { n: number } }>('/c/:catalog', {
      config: { auth: { delegatedScope: 'user_impersonation' } },
      schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'number' } } } }
    }, async (request) => ({ who: principalOf(request).kind, n: request.body.n }));
    app.get('/public', async (request) => ({ principal: request.principal }));
    app.get<{ Params: { catalog: string } }>('/open/:catalog', async (request) => ({ catalog: request.params.catalog }));
    app.get('/mine', { config: { auth: { delegatedScope: 'user_impersonation' } } }, async (request) => ({ who: principalOf(request).kind }));
    app.get('/lms', { config: { auth: { appRole: 'Notifications.Send' } } }, async (request) => ({ who: principalOf(request).kind }));
    app.get('/both', { config: { auth: { delegatedScope: 'user_impersonation', appRole: 'Notifications.Send' } } }, async (request) => ({ who: principalOf(request).kind }));
    return app;
  }

  it('authentication - a missing or invalid token on an app-only route is told how an application gets its token; elsewhere, and any other refusal, keeps the catalogue\'s words', async () => {
    const refusals: Record<string, unknown> = { none: new ApiError('AUTH_REQUIRED'), bad: new ApiError('TOKEN_INVALID', { detail: 'The token expired.', upstream: 'jose' }), other: new ApiError('CLIENT_APP_NOT_ACCEPTED'), thrown: new Error('boom') };
    const app = await appWith(async (header) => { throw refusals[(header ?? '').replace('Bearer ', '')]; }, undefined, 100);
    const call = async (url: string, token: string) => (await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, 'accept-language': 'ja' } }));
    const appRemedy = (await call('/lms', 'none')).json();
    expect([appRemedy.code, appRemedy.remedy, appRemedy.detail]).toEqual(['AUTH_REQUIRED', expect.stringContaining('クライアント資格情報'), appRemedy.remedy]);
    const bad = (await call('/lms', 'bad')).json();
    expect([bad.code, bad.detail, bad.upstream, bad.remedy]).toEqual(['TOKEN_INVALID', 'The token expired.', 'jose', appRemedy.remedy]);
    for (const url of ['/mine', '/both']) {
      expect((await call(url, 'none')).json().remedy).toBe(ERROR_CATALOGUE.AUTH_REQUIRED.remedy.ja);
      expect((await call(url, 'bad')).json().remedy).toBe(ERROR_CATALOGUE.TOKEN_INVALID.remedy.ja);
    }
    expect((await call('/lms', 'other')).json()).toMatchObject({ code: 'CLIENT_APP_NOT_ACCEPTED', remedy: ERROR_CATALOGUE.CLIENT_APP_NOT_ACCEPTED.remedy.ja });
    expect((await call('/lms', 'thrown')).json()).toMatchObject({ code: 'INTERNAL_ERROR', remedy: ERROR_CATALOGUE.INTERNAL_ERROR.remedy.ja });
    await app.close();
  });

  it('authentication - a caller who may not use the catalog gets 403 for an invalid body, not 400', async () => {
    const asked: string[] = [];
    const app = await appWith(async () => user(), async (_principal, catalog) => {
      asked.push(catalog);
      if (catalog !== 'mine') {
        throw new ApiError('NOT_CATALOG_ADMIN');
      }
    });
    const stranger = await app.inject({ method: 'POST', url: '/c/theirs', headers: { authorization: 'Bearer x', 'content-type': 'application/json' }, payload: '{not json' });
    expect([stranger.statusCode, stranger.json().code]).toEqual([403, 'NOT_CATALOG_ADMIN']);
    const strangerValid = await app.inject({ method: 'POST', url: '/c/theirs', headers: { authorization: 'Bearer x' }, payload: { n: 'x' } });
    expect(strangerValid.statusCode).toBe(403);
    const admin = await app.inject({ method: 'POST', url: '/c/mine', headers: { authorization: 'Bearer x' }, payload: { n: 'x' } });
    expect([admin.statusCode, admin.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    const ok = await app.inject({ method: 'POST', url: '/c/mine', headers: { authorization: 'Bearer x' }, payload: { n: 1 } });
    expect(ok.json()).toEqual({ who: 'user', n: 1 });
    expect(asked).toEqual(['theirs', 'theirs', 'mine', 'mine']);
    const open = await app.inject({ method: 'GET', url: '/public' });
    expect(open.json()).toEqual({ principal: null });
    expect((await app.inject({ method: 'GET', url: '/open/theirs' })).json()).toEqual({ catalog: 'theirs' });
    expect((await app.inject({ method: 'GET', url: '/mine', headers: { authorization: 'Bearer x' } })).json()).toEqual({ who: 'user' });
    expect(asked).toEqual(['theirs', 'theirs', 'mine', 'mine']);
    await app.close();
  });

  it('authentication - a verified caller without the route\'s scope or role is refused before anything else', async () => {
    const reached: string[] = [];
    const app = await appWith(async (header) => (header === 'Bearer app'
      ? { kind: 'app', tenantId: TENANT, appId: BACKEND, roles: ['Notifications.Send'] }
      : user({ scp: 'User.Read' })), async (_principal, catalog) => {
      reached.push(catalog);
    });
    const noScope = await app.inject({ method: 'POST', url: '/c/mine', headers: { authorization: 'Bearer user' }, payload: { n: 1 } });
    expect([noScope.statusCode, noScope.json().code]).toEqual([403, 'SCOPE_MISSING']);
    const app_ = await app.inject({ method: 'POST', url: '/c/mine', headers: { authorization: 'Bearer app' }, payload: { n: 1 } });
    expect([app_.statusCode, app_.json().code]).toEqual([403, 'USER_ONLY']);
    expect(reached).toEqual([]);
    await app.close();
  });

  it('authentication - failed authentications are limited per client address; a valid token from there is still served', async () => {
    let calls = 0;
    const app = await appWith(async (header) => {
      calls++;
      if (header !== 'Bearer good') {
        throw new ApiError('TOKEN_INVALID');
      }
      return user();
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await app.inject({ method: 'POST', url: '/c/x', headers: { authorization: 'Bearer forged' }, payload: { n: 1 } })).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect(calls).toBe(5);
    const limited = await app.inject({ method: 'POST', url: '/c/x', headers: { authorization: 'Bearer forged' }, payload: { n: 1 } });
    expect(limited.json().code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(50);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    const colleague = await app.inject({ method: 'POST', url: '/c/x', headers: { authorization: 'Bearer good' }, payload: { n: 1 } });
    expect(colleague.statusCode).toBe(200);
    const elsewhere = await app.inject({ method: 'POST', url: '/c/x', remoteAddress: '10.9.9.9', headers: { authorization: 'Bearer forged' }, payload: { n: 1 } });
    expect(elsewhere.statusCode).toBe(401);
    await app.close();
  });
});

describe('CatalogAdminCheck - ManageWeb, asked once per caller and catalog', () => {
  it('catalogAdmin - apps pass, users need ManageWeb, answers are cached per caller and catalog', async () => {
    const asked: string[] = [];
    const check = new CatalogAdminCheck(async (principal, catalog) => {
      asked.push(`${principal.objectId}|${catalog}`);
      return catalog.endsWith('/mine');
    }, 60_000);
    await check.require({ kind: 'app', tenantId: TENANT, appId: BACKEND, roles: [] }, 'https://x/sites/any');
    await check.require(user(), 'https://x/sites/mine');
    await check.require(user(), 'https://X/sites/mine'.toLowerCase());
    await expect(check.require(user(), 'https://x/sites/theirs')).rejects.toMatchObject({ code: 'NOT_CATALOG_ADMIN' });
    await expect(check.require(user(), 'https://x/sites/theirs')).rejects.toMatchObject({ code: 'NOT_CATALOG_ADMIN' });
    await expect(check.require(user({ oid: 'u2' }), 'https://x/sites/mine')).resolves.toBeUndefined();
    expect(asked).toEqual(['u1|https://x/sites/mine', 'u1|https://x/sites/theirs', 'u2|https://x/sites/mine']);
  });

  it('catalogAdmin - without a cache every request asks SharePoint', async () => {
    let asked = 0;
    const check = new CatalogAdminCheck(async () => {
      asked++;
      return false;
    }, 0);
    await expect(check.require(user(), 'https://x/sites/a')).rejects.toMatchObject({ code: 'NOT_CATALOG_ADMIN' });
    await expect(check.require(user(), 'https://x/sites/a')).rejects.toMatchObject({ code: 'NOT_CATALOG_ADMIN' });
    expect(asked).toBe(2);
  });
});

/**
 * A table in memory that answers as Azure Table storage does (ETags, 404, 409 on a create, 412 on a
 * stale update, a transaction all or nothing): the Classic attempt counters' storage in unit tests;
 * the same counter against Azurite with two instances: test/integration/classicAttempts.test.ts.
 */
const restError = (statusCode: number): Error => Object.assign(new Error(`status ${statusCode}`), { name: 'RestError', statusCode });
class MemoryTable {
  public readonly rows = new Map<string, Record<string, unknown> & { etag: string }>();
  public transactions = 0;
  private version = 0;
  public failNext: number | undefined;
  public async getEntity(partitionKey: string, rowKey: string): Promise<Record<string, unknown>> {
    const row = this.rows.get(`${partitionKey}|${rowKey}`);
    if (!row) throw restError(404);
    return { ...row };
  }
  public async submitTransaction(actions: [string, Record<string, unknown>, string?, { etag?: string }?][]): Promise<void> {
    this.transactions++;
    if (this.failNext !== undefined) {
      const status = this.failNext;
      this.failNext = undefined;
      throw restError(status);
    }
    for (const [kind, entity, mode, options] of actions) {
      const current = this.rows.get(`${String(entity.partitionKey)}|${String(entity.rowKey)}`);
      // An update without an ETag would overwrite another instance's count: the counter must never send one.
      if (kind !== 'create' && kind !== 'update') throw new Error(`an action the counter never sends: ${kind}`);
      if (kind === 'update' && (mode !== 'Replace' || !options?.etag)) throw new Error('an unconditional update');
      if (kind === 'create' && current) throw restError(409);
      if (kind === 'update' && (!current || (options?.etag && options.etag !== current.etag))) throw restError(current ? 412 : 404);
    }
    for (const [, entity] of actions) this.rows.set(`${String(entity.partitionKey)}|${String(entity.rowKey)}`, { ...entity, etag: `W/"${++this.version}"` });
  }
  public async deleteEntity(partitionKey: string, rowKey: string): Promise<void> {
    if (!this.rows.delete(`${partitionKey}|${rowKey}`)) throw restError(404);
  }
  public async *listEntities(options: { queryOptions: { filter: string } }): AsyncIterable<Record<string, unknown>> {
    const cutoff = Number(/windowStart lt (\d+)/.exec(options.queryOptions.filter)?.[1]);
    for (const row of [...this.rows.values()]) if ((row.windowStart as number) < cutoff) yield { rowKey: row.rowKey };
  }
}

describe('ClassicAttemptGuard - the password oracle closed', () => {
  const caller = (oid: string) => user({ oid, preferred_username: `${oid}@contoso.test` }) as Extract<Principal, { kind: 'user' }>;
  const config = { enabled: true, attemptsPerCaller: 4, attemptsPerAccount: 2, windowSeconds: 60 };

  function guard(overrides: Partial<typeof config> = {}) {
    const audit: { caller: string; callerId: string; catalog: string; target: string; outcome: string }[] = [];
    const settings = { ...config, ...overrides };
    return { audit, guard: new ClassicAttemptGuard(settings, (entry) => audit.push(entry), new TableAttemptCounter(new MemoryTable() as unknown as TableClient, settings.windowSeconds)) };
  }
  const wrongPassword = async (): Promise<void> => {
    throw new ApiError('BAD_CREDENTIALS');
  };

  it('classicAttempts - turned off: CLASSIC_DISABLED, no login tried, the attempt audited', async () => {
    const { guard: g, audit } = guard({ enabled: false });
    let tried = false;
    const error = await rejectionOf(g.attempt({ caller: caller('a'), catalog: 'cat', account: 'x@contoso.test' }, async () => {
      tried = true;
    }));
    expect(error?.code).toBe('CLASSIC_DISABLED');
    expect(tried).toBe(false);
    expect(audit).toEqual([{ event: 'classic-connect', caller: 'a@contoso.test', callerId: `${TENANT}:a`, catalog: 'cat', target: 'x@contoso.test', outcome: 'CLASSIC_DISABLED' }]);
  });

  it('classicAttempts - per target mailbox: other callers cannot go on guessing one account', async () => {
    const { guard: g, audit } = guard();
    const codes: (string | undefined)[] = [];
    for (const who of ['a', 'b', 'c']) {
      codes.push((await rejectionOf(g.attempt({ caller: caller(who), catalog: 'cat', account: 'victim@contoso.test' }, wrongPassword)))?.code);
    }
    expect(codes).toEqual(['BAD_CREDENTIALS', 'BAD_CREDENTIALS', 'CONNECT_ATTEMPTS_LIMITED']);
    const limited = await rejectionOf(g.attempt({ caller: caller('d'), catalog: 'cat', account: 'victim@contoso.test' }, async () => undefined));
    expect(limited?.code).toBe('CONNECT_ATTEMPTS_LIMITED');
    expect(limited?.retryAfterSeconds).toBeGreaterThan(50);
    expect(limited?.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(audit.map((a) => a.outcome)).toEqual(['BAD_CREDENTIALS', 'BAD_CREDENTIALS', 'CONNECT_ATTEMPTS_LIMITED', 'CONNECT_ATTEMPTS_LIMITED']);
    expect(await g.attempt({ caller: caller('a'), catalog: 'cat', account: 'other@contoso.test' }, async () => 'ok')).toBe('ok');
  });

  it('classicAttempts - per caller: one admin cannot spray passwords over many accounts', async () => {
    const { guard: g } = guard();
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push((await rejectionOf(g.attempt({ caller: caller('sprayer'), catalog: 'cat', account: `user${i}@contoso.test` }, wrongPassword)))?.code);
    }
    expect(codes).toEqual(['BAD_CREDENTIALS', 'BAD_CREDENTIALS', 'BAD_CREDENTIALS', 'BAD_CREDENTIALS', 'CONNECT_ATTEMPTS_LIMITED']);
    expect(await g.attempt({ caller: caller('honest'), catalog: 'cat', account: 'user4@contoso.test' }, async () => 'ok')).toBe('ok');
  });

  it('classicAttempts - concurrent attempts are counted before the login: 20 at once get at most the limit of logins', async () => {
    const { guard: g } = guard({ attemptsPerAccount: 3, attemptsPerCaller: 100 });
    let logins = 0;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => rejectionOf(g.attempt({ caller: caller(`c${i}`), catalog: 'cat', account: 'victim@contoso.test' }, async () => {
      logins++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new ApiError('BAD_CREDENTIALS');
    }))));
    expect(logins).toBe(3);
    expect(results.filter((e) => e?.code === 'CONNECT_ATTEMPTS_LIMITED')).toHaveLength(17);
  });

  it('classicAttempts - counters that cannot be written (storage down): no login, the attempt audited with the code', async () => {
    const audit: { outcome: string }[] = [];
    const down = { take: async () => { throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'storage 503' }); }, clear: async () => undefined };
    const g = new ClassicAttemptGuard(config, (entry) => audit.push(entry), down);
    let tried = false;
    expect((await rejectionOf(g.attempt({ caller: caller('a'), catalog: 'cat', account: 'x@contoso.test' }, async () => { tried = true; })))?.code).toBe('SERVICE_UNAVAILABLE');
    expect([tried, audit.map((a) => a.outcome)]).toEqual([false, ['SERVICE_UNAVAILABLE']]);
  });

  it('classicAttempts - an attempt refused by one limit counts against none: a caller refused at one mailbox keeps its budget for others', async () => {
    const { guard: g } = guard();
    for (let i = 0; i < 2; i++) await rejectionOf(g.attempt({ caller: caller('a'), catalog: 'cat', account: 'locked@contoso.test' }, wrongPassword));
    for (let i = 0; i < 3; i++) expect((await rejectionOf(g.attempt({ caller: caller('a'), catalog: 'cat', account: 'locked@contoso.test' }, wrongPassword)))?.code).toBe('CONNECT_ATTEMPTS_LIMITED');
    // Two of the caller's four are left.
    expect(await g.attempt({ caller: caller('a'), catalog: 'cat', account: 'one@contoso.test' }, async () => 'ok')).toBe('ok');
    expect(await g.attempt({ caller: caller('a'), catalog: 'cat', account: 'two@contoso.test' }, async () => 'ok')).toBe('ok');
    expect((await rejectionOf(g.attempt({ caller: caller('a'), catalog: 'cat', account: 'three@contoso.test' }, async () => 'ok')))?.code).toBe('CONNECT_ATTEMPTS_LIMITED');
  });

  it('classicAttempts - a proven password clears the account\'s count; a failure that is not an ApiError is audited as INTERNAL_ERROR', async () => {
    const { guard: g, audit } = guard();
    await rejectionOf(g.attempt({ caller: caller('a'), catalog: 'cat', account: 'me@contoso.test' }, wrongPassword));
    await g.attempt({ caller: caller('a'), catalog: 'cat', account: 'me@contoso.test' }, async () => undefined);
    await rejectionOf(g.attempt({ caller: caller('a'), catalog: 'cat', account: 'me@contoso.test' }, wrongPassword));
    expect((await rejectionOf(g.attempt({ caller: caller('a'), catalog: 'cat', account: 'me@contoso.test' }, async () => {
      throw new Error('boom');
    })))?.message).toBe('boom');
    expect(audit.map((a) => a.outcome)).toEqual(['BAD_CREDENTIALS', 'connected', 'BAD_CREDENTIALS', 'INTERNAL_ERROR']);
  });

  it('classicAttempts - one count per mailbox in any case: a guesser cannot go on by changing the address\'s case', async () => {
    const { guard: g } = guard();
    const codes: (string | undefined)[] = [];
    for (const [who, account] of [['a', 'Victim@Contoso.test'], ['b', 'victim@contoso.test'], ['c', 'VICTIM@CONTOSO.TEST']]) {
      codes.push((await rejectionOf(g.attempt({ caller: caller(who), catalog: 'cat', account }, wrongPassword)))?.code);
    }
    expect(codes).toEqual(['BAD_CREDENTIALS', 'BAD_CREDENTIALS', 'CONNECT_ATTEMPTS_LIMITED']);
  });

  it('classicAttempts - a recheck with a stored password counts on the account (shared with its connects), not on the caller; a working login does not end the count', async () => {
    const { guard: g, audit } = guard();
    const admin = { caller: 'a@contoso.test', callerId: `${TENANT}:a`, catalog: 'cat', account: 'Shared@contoso.test' };
    expect(await g.recheck(admin, async () => 'sent', (result) => `outcome:${result}`)).toBe('sent');
    expect((await rejectionOf(g.recheck(admin, wrongPassword)))?.code).toBe('BAD_CREDENTIALS');
    // The account's two attempts are spent: a third recheck, and a connect by someone else, log in no more.
    let tried = false;
    expect((await rejectionOf(g.recheck(admin, async () => { tried = true; })))?.code).toBe('CONNECT_ATTEMPTS_LIMITED');
    expect((await rejectionOf(g.attempt({ caller: caller('b'), catalog: 'cat', account: 'shared@contoso.test' }, async () => { tried = true; })))?.code).toBe('CONNECT_ATTEMPTS_LIMITED');
    expect(tried).toBe(false);
    // The caller's own budget is untouched by the rechecks: four connects elsewhere go.
    for (let i = 0; i < 4; i++) expect(await g.attempt({ caller: caller('a'), catalog: 'cat', account: `other${i}@contoso.test` }, async () => 'ok')).toBe('ok');
    expect(audit.slice(0, 4)).toEqual([
      { event: 'classic-recheck', caller: 'a@contoso.test', callerId: `${TENANT}:a`, catalog: 'cat', target: 'Shared@contoso.test', outcome: 'outcome:sent' },
      { event: 'classic-recheck', caller: 'a@contoso.test', callerId: `${TENANT}:a`, catalog: 'cat', target: 'Shared@contoso.test', outcome: 'BAD_CREDENTIALS' },
      { event: 'classic-recheck', caller: 'a@contoso.test', callerId: `${TENANT}:a`, catalog: 'cat', target: 'Shared@contoso.test', outcome: 'CONNECT_ATTEMPTS_LIMITED' },
      { event: 'classic-connect', caller: 'b@contoso.test', callerId: `${TENANT}:b`, catalog: 'cat', target: 'shared@contoso.test', outcome: 'CONNECT_ATTEMPTS_LIMITED' }
    ]);
    expect(await g.recheck({ ...admin, account: 'fresh@contoso.test' }, async () => undefined)).toBeUndefined();
    expect(audit[audit.length - 1].outcome).toBe('connected');
  });
});

describe('testEmailPolicy - whom a test email may go to, how often', () => {
  const record = (catalog: string, alertRecipients: string[] = []): ConnectionRecord => ({ ...emptyConnection(catalog, 'c1'), alertRecipients });
  const config = { domains: ['contoso.test', 'contoso.com'], perCatalogPerDay: 2 };

  /** The test emails' counter over the table in memory below, as the API keeps it (its own partition, a day's window). */
  const testEmailCounter = (table: MemoryTable, now: () => number = Date.now) => new TableAttemptCounter(table as unknown as TableClient, TEST_EMAIL_WINDOW_SECONDS, now, 'test-emails');

  it('testEmailPolicy - the tenant\'s domains and the catalog\'s alert recipients only', async () => {
    const allow = testEmailPolicy(config, testEmailCounter(new MemoryTable()));
    await expect(allow(record('a'), 'Adele@Contoso.TEST')).resolves.toBeUndefined();
    await expect(allow(record('b', ['partner@fabrikam.example']), 'partner@fabrikam.example')).resolves.toBeUndefined();
    for (const to of ['someone@fabrikam.example', 'x@evil.contoso.test', 'x@contoso.test.evil.example', 'contoso.test@evil.example']) {
      expect({ to, code: (await rejectionOf(allow(record('c'), to)))?.code }).toEqual({ to, code: 'TEST_RECIPIENT_NOT_ALLOWED' });
    }
  });

  it('testEmailPolicy - a daily quota per catalog, restarting at midnight UTC', async () => {
    let now = Date.parse('2026-03-01T23:59:00Z');
    const table = new MemoryTable();
    const allow = testEmailPolicy(config, testEmailCounter(table, () => now), () => now);
    await allow(record('a'), 'a@contoso.test');
    await allow(record('A'), 'a@contoso.test');
    const over = await rejectionOf(allow(record('a'), 'a@contoso.test'));
    expect(over?.code).toBe('TEST_EMAIL_QUOTA_EXCEEDED');
    expect(over?.retryAfterSeconds).toBe(60);
    await expect(allow(record('b'), 'a@contoso.test')).resolves.toBeUndefined();
    const refused = await rejectionOf(allow(record('a'), 'x@fabrikam.example'));
    expect(refused?.code).toBe('TEST_RECIPIENT_NOT_ALLOWED');
    now = Date.parse('2026-03-02T00:00:01Z');
    await expect(allow(record('a'), 'a@contoso.test')).resolves.toBeUndefined();
    // A second instance counts in the same table: no more than the quota between them.
    const other = testEmailPolicy(config, testEmailCounter(table, () => now), () => now);
    expect((await rejectionOf(other(record('a'), 'a@contoso.test')))?.code).toBeUndefined();
    expect((await rejectionOf(other(record('a'), 'a@contoso.test')))?.code).toBe('TEST_EMAIL_QUOTA_EXCEEDED');
    expect((await rejectionOf(allow(record('a'), 'a@contoso.test')))?.code).toBe('TEST_EMAIL_QUOTA_EXCEEDED');
    // Kept in their own partition, by a hash: no catalog URL in storage.
    const stored = JSON.stringify([...table.rows.values()]);
    expect(stored).toContain('"partitionKey":"test-emails"');
    expect(stored).not.toMatch(/test-email:|2026-03/);
  });
});

describe('sign-in state - what the callback accepts', () => {
  const state = 'A'.repeat(43);
  it('isWellFormedState - exactly 43 base64url characters, and a string', () => {
    expect(isWellFormedState(state)).toBe(true);
    expect(isWellFormedState(`x${state}`)).toBe(false);
    expect(isWellFormedState(`${state}x`)).toBe(false);
    expect(isWellFormedState([state])).toBe(false);
    expect(isWellFormedState(`${'A'.repeat(42)}=`)).toBe(false);
  });
  it('checkNonce - the id token must carry this sign-in\'s nonce, and says so', () => {
    expect(codeOf(() => checkNonce('n1', 'n1'))).toBeUndefined();
    for (const actual of ['n2', undefined, ['n1']]) {
      try {
        checkNonce('n1', actual);
        throw new Error('accepted');
      } catch (e) {
        expect(e).toMatchObject({ code: 'STATE_INVALID', detail: 'The sign-in response does not belong to this sign-in (nonce).' });
      }
    }
  });
});

/** TableAttemptCounter's decisions against the table in memory above. */
describe('TableAttemptCounter - counts kept in storage', () => {
  const counterOn = (table: MemoryTable, now: () => number) => new TableAttemptCounter(table as unknown as TableClient, 60, now);
  const keys = [{ key: 'caller:t:a', limit: 3 }, { key: 'account:v@contoso.test', limit: 2 }];

  it('TableAttemptCounter - counts every key of an attempt in one transaction; refused while any is at its limit (the longest wait, nothing counted); a new window by the clock; clear ends one key', async () => {
    let now = 1_000_000;
    const table = new MemoryTable();
    const counter = counterOn(table, () => now);
    expect(await counter.take(keys)).toBe(0);
    now += 10_000;
    expect(await counter.take(keys)).toBe(0);
    expect(table.transactions).toBe(2);
    expect([...table.rows.values()].map((r) => [r.count, r.windowStart]).sort()).toEqual([[2, 1_000_000], [2, 1_000_000]]);
    // The account is at its limit: 50 s of its window left; nothing counted on the caller.
    now += 10_000;
    expect(await counter.take(keys)).toBe(40);
    expect(await counter.take([{ key: 'caller:t:a', limit: 3 }, { key: 'account:other', limit: 2 }, { key: 'account:v@contoso.test', limit: 2 }])).toBe(40);
    expect([...table.rows.values()].map((r) => r.count).sort()).toEqual([2, 2]);
    // A second before its end: 1 s (never 0); at its end, a new window.
    now = 1_000_000 + 59_999;
    expect(await counter.take(keys)).toBe(1);
    now = 1_000_000 + 60_000;
    expect(await counter.take(keys)).toBe(0);
    expect([...table.rows.values()].map((r) => [r.count, r.windowStart])).toEqual([[1, 1_060_000], [1, 1_060_000]]);
    // Rows are named by a hash of the key, never the key.
    expect([...table.rows.values()].every((r) => /^[0-9a-f]{64}$/.test(String(r.rowKey)) && r.partitionKey === 'classic-attempts')).toBe(true);
    expect(JSON.stringify([...table.rows.values()])).not.toContain('contoso');
    await counter.clear('account:v@contoso.test');
    expect(table.rows.size).toBe(1);
    await counter.clear('account:v@contoso.test');
    expect(table.rows.size).toBe(1);
  });

  it('TableAttemptCounter - another instance counting first (409, 412) makes it read again and count on top; a storage fault is SERVICE_UNAVAILABLE; endless contention gives up; the retention deletes only ended windows', async () => {
    let now = 5_000_000;
    const table = new MemoryTable();
    const counter = counterOn(table, () => now);
    table.failNext = 409;
    expect(await counter.take(keys)).toBe(0);
    table.failNext = 412;
    expect(await counter.take(keys)).toBe(0);
    // Each was tried twice (the conflict, then on a fresh read) and counted once.
    expect([table.transactions, ...[...table.rows.values()].map((r) => r.count)]).toEqual([4, 2, 2]);
    // A row another instance deleted meanwhile (a proven password cleared it): 404, read again.
    table.failNext = 404;
    expect(await counter.take([{ key: 'caller:t:a', limit: 3 }])).toBe(0);
    expect(table.transactions).toBe(6);
    table.failNext = 500;
    await expect(counter.take([{ key: 'fresh', limit: 5 }])).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', upstream: 'storage 500' });
    let tries = 0;
    const busy = counterOn(Object.assign(new MemoryTable(), { submitTransaction: async () => { tries++; throw restError(412); } }), () => now);
    await expect(busy.take(keys)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', upstream: 'classic-attempts counters contended' });
    expect(tries).toBe(10);
    const undeletable = counterOn(Object.assign(new MemoryTable(), { deleteEntity: async () => { throw restError(503); } }), () => now);
    await expect(undeletable.clear('k')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', upstream: 'storage 503' });
    const failing = counterOn(Object.assign(new MemoryTable(), { getEntity: async () => { throw restError(503); } }), () => now);
    await expect(failing.take(keys)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', upstream: 'storage 503' });
    now += 30_000;
    await counter.take([{ key: 'later', limit: 1 }]);
    // At now + 45 s the first rows' window (5,000,000 + 60 s) has ended; the later one's has not
    // ('fresh' was never written: its transaction failed).
    expect(await counter.purge(now + 45_000)).toBe(2);
    expect([...table.rows.values()].map((r) => r.windowStart)).toEqual([now]);
  });
});
