import { catalogId, ConnectionApi } from './ConnectionApi';
import { connectedView } from '../test/fakes';
import type { HttpSend, IHttpRequest, IHttpResponse } from './http';

function response(status: number, body: unknown, headers: Record<string, string> = {}): IHttpResponse {
  return { status, ok: status >= 200 && status < 300, headers: { get: (name: string) => headers[name] ?? null }, text: () => Promise.resolve(typeof body === 'string' ? body : JSON.stringify(body)) };
}

describe('ConnectionApi', () => {
  it('ConnectionApi - the catalog id is the normalised site URL as one path segment', () => {
    expect(catalogId('HTTPS://LocalHost:4800/sites/Catalog-A/')).toBe(encodeURIComponent('https://localhost:4800/sites/Catalog-A'));
  });

  it('ConnectionApi - sends JSON with If-Match and takes the ETag header as the view ETag', async () => {
    const seen: Array<{ url: string; request: IHttpRequest }> = [];
    const send: HttpSend = (url, request) => {
      seen.push({ url, request });
      return Promise.resolve(response(200, { ...connectedView(), etag: 'old' }, { ETag: 'W/"new"' }));
    };
    const api = new ConnectionApi('http://api.test/', 'https://t.test/sites/a', send);
    const view = await api.updateConnection({ enabled: true }, 'W/"1"');
    expect(seen[0].url).toBe(`http://api.test/v1/catalogs/${encodeURIComponent('https://t.test/sites/a')}/connection`);
    expect(seen[0].request).toMatchObject({ method: 'PATCH', headers: { 'If-Match': 'W/"1"', 'Content-Type': 'application/json' }, body: '{"enabled":true}' });
    expect(view.etag).toBe('W/"new"');
    expect(api.origin).toBe('http://api.test');
  });

  it('ConnectionApi - asks for texts in the page language', async () => {
    const seen: IHttpRequest[] = [];
    const send: HttpSend = (url, request) => { seen.push(request); return Promise.resolve(response(200, { status: 'accepted', messageId: 'm' })); };
    await new ConnectionApi('http://api.test', 'https://t.test/sites/a', send, 'ja').sendTestEmail('a@b.test');
    expect(seen[0].headers['Accept-Language']).toBe('ja');
  });

  it('ConnectionApi - a problem body becomes an error with its catalogue code', async () => {
    const send: HttpSend = () => Promise.resolve(response(422, { code: 'SHARED_MAILBOX', title: 'A shared mailbox cannot be connected.', status: 422 }));
    const api = new ConnectionApi('http://api.test', 'https://t.test/sites/a', send);
    await expect(api.connectClassic('a@b.test', 'x')).rejects.toMatchObject({ isAppError: true, kind: 'problem', status: 422, code: 'SHARED_MAILBOX' });
  });

  it('ConnectionApi - a problem keeps the request id the API answered as its instance, for support; anything else there is dropped', async () => {
    const answer = (instance: unknown): HttpSend => () => Promise.resolve(response(500, { code: 'INTERNAL_ERROR', title: 'x', status: 500, instance }));
    const failure = (instance: unknown): Promise<unknown> => new ConnectionApi('http://api.test', 'https://t.test/sites/a', answer(instance)).connectClassic('a@b.test', 'x').catch((e: unknown) => e);
    expect(await failure('req-1a')).toMatchObject({ kind: 'problem', code: 'INTERNAL_ERROR', requestId: 'req-1a' });
    expect(await failure('<img src=x>')).not.toHaveProperty('requestId');
    expect(await failure(42)).not.toHaveProperty('requestId');
    expect(await failure(undefined)).not.toHaveProperty('requestId');
  });

  it('ConnectionApi - a problem keeps what Microsoft 365 answered (an AADSTS number, an SMTP reply, a Graph code); the API\'s own faults and anything else are dropped', async () => {
    const answer = (upstream: unknown): HttpSend => () => Promise.resolve(response(422, { code: 'BAD_CREDENTIALS', title: 'x', status: 422, upstream }));
    const failure = (upstream: unknown): Promise<unknown> => new ConnectionApi('http://api.test', 'https://t.test/sites/a', answer(upstream)).connectClassic('a@b.test', 'x').catch((e: unknown) => e);
    expect(await failure('SMTP 535 5.7.139')).toMatchObject({ kind: 'problem', code: 'BAD_CREDENTIALS', upstream: 'SMTP 535 5.7.139' });
    expect(await failure('AADSTS50076')).toMatchObject({ upstream: 'AADSTS50076' });
    expect(await failure('Graph 403 ErrorAccessDenied')).toMatchObject({ upstream: 'Graph 403 ErrorAccessDenied' });
    expect(await failure('storage timeout')).not.toHaveProperty('upstream');
    expect(await failure('SMTP 535 <img src=x>')).not.toHaveProperty('upstream');
    expect(await failure(7)).not.toHaveProperty('upstream');
  });

  it('ConnectionApi - a 429 keeps from when it may be tried again (Retry-After); other answers do not', async () => {
    const before = Date.now();
    const limited: HttpSend = () => Promise.resolve(response(429, { code: 'CONNECT_ATTEMPTS_LIMITED', status: 429 }, { 'Retry-After': '600' }));
    const error = await new ConnectionApi('http://api.test', 'https://t.test/sites/a', limited).connectClassic('a@b.test', 'x').catch((e: { retryAt?: string }) => e);
    const at = Date.parse((error as { retryAt: string }).retryAt);
    expect(at).toBeGreaterThanOrEqual(before + 600_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 600_000);
    const other: HttpSend = () => Promise.resolve(response(503, { code: 'SERVICE_UNAVAILABLE', status: 503 }, { 'Retry-After': '5' }));
    expect(await new ConnectionApi('http://api.test', 'https://t.test/sites/a', other).connectClassic('a@b.test', 'x').catch((e: object) => e)).not.toHaveProperty('retryAt');
  });

  it('ConnectionApi - asking how a sign-in ended: nothing before one started; a failure with what Microsoft 365 answered; a completion', async () => {
    const answers: unknown[] = [{ status: 'failed', code: 'CONDITIONAL_ACCESS_BLOCKED', upstream: 'AADSTS53003' }, { status: 'failed', code: 'SIGN_IN_FAILED', upstream: 7 }, { status: 'pending' }];
    const send: HttpSend = (url) => Promise.resolve(response(200, url.endsWith('/modern') ? { authorizeUrl: 'https://login.test/a', expiresAt: 'x' } : answers.shift()));
    const api = new ConnectionApi('http://api.test', 'https://t.test/sites/a', send);
    expect(await api.modernResult()).toBeUndefined();
    await api.startModern(false, 'graph', 'https://t.test');
    expect(await api.modernResult()).toEqual({ ok: false, catalog: null, code: 'CONDITIONAL_ACCESS_BLOCKED', upstream: 'AADSTS53003' });
    expect(await api.modernResult()).toEqual({ ok: false, catalog: null, code: 'SIGN_IN_FAILED' });
    expect(await api.modernResult()).toBeUndefined();
  });

  it('ConnectionApi (R-SEC-1) - a sign-in starts with a fresh nonce and completes with that same nonce, once', async () => {
    const seen: Array<{ url: string; body: Record<string, unknown> }> = [];
    const send: HttpSend = (url, request) => {
      seen.push({ url, body: JSON.parse(request.body ?? '{}') as Record<string, unknown> });
      return Promise.resolve(response(200, url.endsWith('/modern') ? { authorizeUrl: 'https://login.test/a', expiresAt: 'x' } : connectedView()));
    };
    const api = new ConnectionApi('http://api.test', 'https://t.test/sites/a', send);
    await api.startModern(false, 'graph', 'https://t.test');
    await api.startModern(false, 'graph', 'https://t.test');
    const [first, second] = seen.map((s) => s.body.nonce as string);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second).not.toBe(first);
    await api.completeModern('k'.repeat(43));
    expect(seen[2].url).toMatch(/\/connection\/modern\/complete$/);
    expect(seen[2].body).toEqual({ completion: 'k'.repeat(43), nonce: second });
    await expect(api.completeModern('k'.repeat(43))).rejects.toMatchObject({ kind: 'problem', code: 'STATE_INVALID' });
    expect(seen).toHaveLength(3);
  });

  it('ConnectionApi - 412 is a conflict', async () => {
    const send: HttpSend = () => Promise.resolve(response(412, { code: 'PRECONDITION_FAILED' }));
    const api = new ConnectionApi('http://api.test', 'https://t.test/sites/a', send);
    await expect(api.updateConnection({ enabled: false }, 'W/"0"')).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('ConnectionApi - a 2xx answer shaped as no view (null, {}, a list, a view with recipients null, an account without its address) is an unknown error, not a crash', async () => {
    const bodies: unknown[] = [null, {}, [], { ...connectedView(), alertRecipients: null }, { ...connectedView(), account: {} }, { ...connectedView(), health: null }, { ...connectedView(), outbox: { waiting: '3' } }];
    for (const body of bodies) {
      const api = new ConnectionApi('http://api.test', 'https://t.test/sites/a', () => Promise.resolve(response(200, body)));
      await expect(api.getConnection()).rejects.toMatchObject({ kind: 'unknown', status: 200 });
      await expect(api.checkConnection()).rejects.toMatchObject({ kind: 'unknown' });
    }
    const whole = new ConnectionApi('http://api.test', 'https://t.test/sites/a', () => Promise.resolve(response(200, connectedView())));
    await expect(whole.getConnection()).resolves.toMatchObject({ catalog: connectedView().catalog });
  });

  it('ConnectionApi - a sign-in address or an approval link that is not https (javascript:, data:, http:) is refused, never opened or shown', async () => {
    for (const authorizeUrl of ['javascript:alert(1)', 'data:text/html,x', 'http://login.test/a', 'not a url']) {
      const api = new ConnectionApi('http://api.test', 'https://t.test/sites/a', () => Promise.resolve(response(200, { authorizeUrl, expiresAt: 'x' })));
      await expect(api.startModern(false, 'graph', 'https://t.test')).rejects.toMatchObject({ kind: 'unknown' });
    }
    const approval = { tenantAdmins: [], requestWorkflow: true, requestPending: false, adminConsentUrl: 'https://login.test/adminconsent', requestUrl: 'javascript:alert(1)' };
    const view = { ...connectedView(), rooms: { available: false, adminApproval: approval } };
    const api = new ConnectionApi('http://api.test', 'https://t.test/sites/a', () => Promise.resolve(response(200, view)));
    await expect(api.getConnection()).rejects.toMatchObject({ kind: 'unknown' });
  });

  it('ConnectionApi - a 429 whose Retry-After is beyond any date is a RATE_LIMITED problem without a time, not an exception', async () => {
    const send: HttpSend = () => Promise.resolve(response(429, { code: 'RATE_LIMITED', status: 429 }, { 'Retry-After': '99999999999999' }));
    const error = await new ConnectionApi('http://api.test', 'https://t.test/sites/a', send).connectClassic('a@b.test', 'x').catch((e: object) => e);
    expect(error).toMatchObject({ kind: 'problem', code: 'RATE_LIMITED' });
    expect(error).not.toHaveProperty('retryAt');
  });

  it('ConnectionApi - a body that is not JSON is an unknown error, not a crash', async () => {
    const send: HttpSend = () => Promise.resolve(response(200, '<html>proxy page</html>'));
    const api = new ConnectionApi('http://api.test', 'https://t.test/sites/a', send);
    await expect(api.getConnection()).rejects.toMatchObject({ kind: 'unknown' });
  });
  it('ConnectionApi - the view read early is the first getConnection answer, once; later reads ask again', async () => {
    let reads = 0;
    const send: HttpSend = (url, request) => {
      reads += request.method === 'GET' ? 1 : 0;
      return Promise.resolve(response(200, { ...connectedView(), enabled: reads === 1 }, { ETag: `W/"${reads}"` }));
    };
    const api = new ConnectionApi('http://api.test', 'https://t.test/sites/a', send);
    api.prefetchConnection();
    api.prefetchConnection();
    expect(reads).toBe(1);
    expect(await api.getConnection()).toMatchObject({ enabled: true, etag: 'W/"1"' });
    expect(reads).toBe(1);
    expect(await api.getConnection()).toMatchObject({ enabled: false, etag: 'W/"2"' });
    expect(reads).toBe(2);
  });

  it('ConnectionApi - a write drops a view read early that nobody took, so the next read is fresh', async () => {
    const seen: string[] = [];
    const send: HttpSend = (url, request) => {
      seen.push(request.method);
      return Promise.resolve(response(200, { ...connectedView(), enabled: seen.length > 1 }));
    };
    const api = new ConnectionApi('http://api.test', 'https://t.test/sites/a', send);
    api.prefetchConnection();
    await api.updateConnection({ enabled: true }, 'W/"1"');
    expect(await api.getConnection()).toMatchObject({ enabled: true });
    expect(seen).toEqual(['GET', 'PATCH', 'GET']);
  });

  it('ConnectionApi - a failed early read is the first getConnection failure (the page shows it), not retried behind its back', async () => {
    let reads = 0;
    const send: HttpSend = () => {
      reads++;
      return Promise.resolve(reads === 1 ? response(403, { code: 'NOT_CATALOG_ADMIN' }) : response(200, connectedView()));
    };
    const api = new ConnectionApi('http://api.test', 'https://t.test/sites/a', send);
    api.prefetchConnection();
    await expect(api.getConnection()).rejects.toMatchObject({ kind: 'problem', status: 403, code: 'NOT_CATALOG_ADMIN' });
    expect(await api.getConnection()).toMatchObject({ catalog: connectedView().catalog });
  });
});
