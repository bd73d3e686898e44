import cookie from '@fastify/cookie';
import Fastify from 'fastify';
import { runInNewContext } from 'node:vm';
import { callbackPage } from '../../src/connections/callbackPage';
import type { ModernSignIn } from '../../src/connections/modernSignIn';
import { isAuthorizeUrl, signInStartRoutes, TEAMS_HOST_KEY } from '../../src/connections/signInStart';

const AUTHORITY = 'https://login.microsoftonline.com';
const TENANT = '6f1c5b2e-8a7d-4c3b-9e21-0d4a5f6b7c8d';
const CLIENT = '3f9a6b1c-2d4e-4f70-8a15-6c2b7e9d0a41';
const TARGET = { authority: `${AUTHORITY}/${TENANT}`, clientId: CLIENT, redirectUri: 'https://api.contoso.example/v1/auth/callback' };
/** As MSAL builds it (the query's order and other parameters do not matter). */
const authorizeUrl = (change: Record<string, string | null> = {}, path = `/${TENANT}/oauth2/v2.0/authorize`): string => {
  const url = new URL(`${AUTHORITY}${path}`);
  const query: Record<string, string | null> = { client_id: CLIENT, scope: 'openid profile offline_access', redirect_uri: TARGET.redirectUri, response_type: 'code', state: 's', code_challenge: 'c', code_challenge_method: 'S256', ...change };
  Object.entries(query).forEach(([k, v]) => v !== null && url.searchParams.set(k, v));
  return url.toString();
};
const AUTHORIZE = authorizeUrl();

/**
 * Runs a page's inline script against a stand-in window: sessionStorage, an opener, and a TeamsJS
 * that the page loads by adding a script element (its onload runs as the browser would).
 */
function runPage(html: string, options: { teamsWindow: boolean; opener: boolean }) {
  const calls: string[] = [];
  const storage = new Map<string, string>(options.teamsWindow ? [[TEAMS_HOST_KEY, 'teams']] : []);
  const appended: Array<Record<string, unknown>> = [];
  const window: Record<string, unknown> = {
    sessionStorage: { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => storage.set(k, v), removeItem: (k: string) => storage.delete(k) },
    opener: options.opener ? { postMessage: (message: unknown, origin: string) => calls.push(`postMessage ${JSON.stringify(message)} ${origin}`) } : null,
    close: () => calls.push('close'),
    location: { replace: (url: string) => calls.push(`replace ${url}`) }
  };
  const document = {
    createElement: () => ({ setAttribute(name: string, value: string) { (this as Record<string, unknown>)[name] = value; } }),
    head: {
      appendChild: (element: Record<string, unknown>) => {
        appended.push(element);
        window.microsoftTeams = {
          app: { initialize: () => { calls.push('initialize'); return Promise.resolve(); } },
          authentication: {
            notifySuccess: (result: string) => calls.push(`notifySuccess ${result}`),
            notifyFailure: (reason: string) => calls.push(`notifyFailure ${reason}`)
          }
        };
        (element.onload as () => void)();
      }
    }
  };
  const script = /<script nonce="[^"]+">([\s\S]*?)<\/script>/.exec(html)![1];
  runInNewContext(script, { window, document });
  return { calls, storage, appended, settled: () => new Promise((resolve) => setImmediate(resolve)) };
}

describe('sign-in in Teams (authentication.authenticate)', () => {
  const ok = { ok: true, origin: 'https://contoso.sharepoint.com', catalog: 'https://contoso.sharepoint.com/sites/a' };

  it('callbackPage - in Teams\' sign-in window it loads TeamsJS from the API with the page nonce and answers notifySuccess with the result', async () => {
    const page = runPage(callbackPage(ok, 'n0nce', 'en'), { teamsWindow: true, opener: true });
    await page.settled();
    expect(page.appended).toEqual([expect.objectContaining({ src: '/v1/auth/teams.js', nonce: 'n0nce' })]);
    expect(page.calls).toEqual(['initialize', `notifySuccess ${JSON.stringify({ type: 'lms-m365-connection', catalog: ok.catalog, ok: true })}`]);
    expect(page.storage.has(TEAMS_HOST_KEY)).toBe(false);
  });

  it('callbackPage - in Teams\' sign-in window a failure answers notifyFailure with its message: the code and what Microsoft 365 answered, no completion', async () => {
    const page = runPage(callbackPage({ ok: false, code: 'CONDITIONAL_ACCESS_BLOCKED', upstream: 'AADSTS53003', origin: ok.origin, catalog: ok.catalog, completion: 'c'.repeat(43) }, 'n', 'ja'), { teamsWindow: true, opener: false });
    await page.settled();
    expect(page.calls).toEqual(['initialize', `notifyFailure ${JSON.stringify({ type: 'lms-m365-connection', catalog: ok.catalog, ok: false, code: 'CONDITIONAL_ACCESS_BLOCKED', upstream: 'AADSTS53003' })}`]);
  });

  it('callbackPage - in a browser popup it posts to the opener and closes, and loads no TeamsJS', async () => {
    const page = runPage(callbackPage(ok, 'n', 'en'), { teamsWindow: false, opener: true });
    await page.settled();
    expect(page.appended).toEqual([]);
    expect(page.calls).toEqual([`postMessage ${JSON.stringify({ type: 'lms-m365-connection', catalog: ok.catalog, ok: true })} ${ok.origin}`, 'close']);
  });

  it('isAuthorizeUrl - only a sign-in of this API: the configured tenant\'s authorize endpoint, this client id, this callback, a code', () => {
    expect(isAuthorizeUrl(AUTHORIZE, TARGET)).toBe(true);
    expect(isAuthorizeUrl(authorizeUrl({}, `/${TENANT.toUpperCase()}/oauth2/v2.0/authorize`), TARGET)).toBe(true);
    expect(isAuthorizeUrl(AUTHORIZE.replace(AUTHORITY, 'https://evil.example'), TARGET)).toBe(false);
    expect(isAuthorizeUrl(AUTHORIZE.replace(AUTHORITY, `${AUTHORITY}.evil.example`), TARGET)).toBe(false);
    expect(isAuthorizeUrl(authorizeUrl({}, `/${TENANT}/oauth2/v2.0/token`), TARGET)).toBe(false);
    // Another app's consent page behind this API's address (a phishing start), or another tenant:
    expect(isAuthorizeUrl(authorizeUrl({}, '/common/oauth2/v2.0/authorize'), TARGET)).toBe(false);
    expect(isAuthorizeUrl(authorizeUrl({}, '/organizations/oauth2/v2.0/authorize'), TARGET)).toBe(false);
    expect(isAuthorizeUrl(authorizeUrl({ client_id: '00000000-0000-0000-0000-000000000001' }), TARGET)).toBe(false);
    expect(isAuthorizeUrl(authorizeUrl({ client_id: null }), TARGET)).toBe(false);
    // Microsoft sends the answer (and its errors) to redirect_uri: only this API's callback.
    expect(isAuthorizeUrl(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }), TARGET)).toBe(false);
    expect(isAuthorizeUrl(authorizeUrl({ response_type: 'token' }), TARGET)).toBe(false);
    expect(isAuthorizeUrl(authorizeUrl({ state: null }), TARGET)).toBe(false);
    expect(isAuthorizeUrl(AUTHORIZE.replace('https://', 'https://user:pw@'), TARGET)).toBe(false);
    expect(isAuthorizeUrl(AUTHORIZE.replace('https://', 'https://user@'), TARGET)).toBe(false);
    expect(isAuthorizeUrl(AUTHORIZE.replace('https://', 'https://:pw@'), TARGET)).toBe(false);
    // The authority as configured may end in a slash: the same endpoint.
    expect(isAuthorizeUrl(AUTHORIZE, { ...TARGET, authority: `${TARGET.authority}/` })).toBe(true);
    expect(isAuthorizeUrl(AUTHORIZE, { ...TARGET, authority: `${TARGET.authority}//` })).toBe(true);
    expect(isAuthorizeUrl('javascript:alert(1)', TARGET)).toBe(false);
    expect(isAuthorizeUrl('not a url', TARGET)).toBe(false);
  });

  describe('routes', () => {
    const app = Fastify();
    /** The binding as ModernSignIn answers it: a cookie and a check value, or (for the state 'used') the sign-in's refusal. */
    const bound: string[] = [];
    const kept: Array<[string, string, string | undefined]> = [];
    const signIn: Pick<ModernSignIn, 'bindBrowser' | 'browserKept'> = {
      bindBrowser: async (authorize) => {
        bound.push(authorize);
        return new URL(authorize).searchParams.get('state') === 'used'
          ? { failed: { ok: false, code: 'SIGN_IN_OTHER_BROWSER' } }
          : { cookie: { name: '__Host-lms-signin-b1', value: 'secret-value', maxAgeSeconds: 900 }, check: 'chk' };
      },
      // The browser kept the cookie when it shows it; one that did not ends the sign-in.
      browserKept: async (authorize, check, cookies) => {
        kept.push([authorize, check, cookies['__Host-lms-signin-b1']]);
        return cookies['__Host-lms-signin-b1'] === 'secret-value' ? { ok: true } : { failed: { ok: false, code: 'SIGN_IN_COOKIE_REFUSED', origin: 'https://contoso.sharepoint.com', catalog: 'https://contoso.sharepoint.com/sites/a' } };
      }
    };
    beforeAll(async () => {
      await app.register(cookie);
      signInStartRoutes(app, { target: TARGET, signIn });
      await app.ready();
    });
    beforeEach(() => {
      bound.length = 0;
      kept.length = 0;
    });
    afterAll(async () => app.close());

    it('GET /v1/auth/start - binds the sign-in to this browser with a __Host- cookie (Secure, HttpOnly, Lax, its lifetime), comes back to check the browser kept it, then goes on to the Microsoft sign-in, keeping the opener', async () => {
      const first = await app.inject({ method: 'GET', url: `/v1/auth/start?authorize=${encodeURIComponent(AUTHORIZE)}` });
      expect(first.statusCode).toBe(302);
      // Relative: the same page wherever the API is hosted.
      expect(first.headers.location).toBe(`start?${new URLSearchParams({ authorize: AUTHORIZE, check: 'chk' }).toString()}`);
      expect(bound).toEqual([AUTHORIZE]);
      expect(first.headers['set-cookie']).toBe('__Host-lms-signin-b1=secret-value; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax');
      expect([first.headers['cache-control'], first.headers['referrer-policy'], first.headers['cross-origin-opener-policy']]).toEqual(['no-store', 'no-referrer', 'unsafe-none']);
      const second = await app.inject({ method: 'GET', url: `/v1/auth/${String(first.headers.location)}`, headers: { cookie: '__Host-lms-signin-b1=secret-value' } });
      expect(second.statusCode).toBe(302);
      expect(second.headers.location).toBe(AUTHORIZE);
      expect(kept).toEqual([[AUTHORIZE, 'chk', 'secret-value']]);
      expect([second.headers['set-cookie'], second.headers['cache-control'], second.headers['cross-origin-opener-policy']]).toEqual([undefined, 'no-store', 'unsafe-none']);
      expect(bound).toHaveLength(1);
    });

    it('GET /v1/auth/start and /teams-start - a browser that did not keep the cookie is answered the callback page with SIGN_IN_COOKIE_REFUSED (posted to the page\'s origin) and goes nowhere', async () => {
      for (const path of ['start', 'teams-start']) {
        const res = await app.inject({ method: 'GET', url: `/v1/auth/${path}?${new URLSearchParams({ authorize: AUTHORIZE, check: 'chk' }).toString()}` });
        expect(res.statusCode).toBe(400);
        expect([res.headers.location, res.headers['set-cookie']]).toEqual([undefined, undefined]);
        expect(res.body).toContain('<code>SIGN_IN_COOKIE_REFUSED</code>');
        expect(res.body).toContain('"origin":"https://contoso.sharepoint.com"');
      }
      expect(bound).toEqual([]);
    });

    it('GET /v1/auth/start and /teams-start - a sign-in that cannot be bound (already opened elsewhere) answers the callback page with its code, sets no cookie and goes nowhere', async () => {
      const used = authorizeUrl({ state: 'used' });
      for (const path of ['start', 'teams-start']) {
        const res = await app.inject({ method: 'GET', url: `/v1/auth/${path}?authorize=${encodeURIComponent(used)}`, headers: { 'accept-language': 'ja' } });
        expect(res.statusCode).toBe(400);
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(res.headers.location).toBeUndefined();
        expect(res.body).toContain('<code>SIGN_IN_OTHER_BROWSER</code>');
        expect(res.body).toContain('このサインインは別のブラウザー ウィンドウで開始されました。');
        expect(res.body).not.toContain(used);
      }
    });

    it('GET /v1/auth/teams-start - binds the sign-in to this browser, checks it kept the cookie, marks the window as Teams\' and goes on to the Microsoft sign-in, under a nonce-only CSP', async () => {
      const first = await app.inject({ method: 'GET', url: `/v1/auth/teams-start?authorize=${encodeURIComponent(AUTHORIZE)}` });
      expect([first.statusCode, first.headers.location]).toEqual([302, `teams-start?${new URLSearchParams({ authorize: AUTHORIZE, check: 'chk' }).toString()}`]);
      expect(bound).toEqual([AUTHORIZE]);
      expect(first.headers['set-cookie']).toBe('__Host-lms-signin-b1=secret-value; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax');
      const res = await app.inject({ method: 'GET', url: `/v1/auth/${String(first.headers.location)}`, headers: { cookie: '__Host-lms-signin-b1=secret-value' } });
      expect(res.statusCode).toBe(200);
      const nonce = /script-src 'nonce-([^']+)'/.exec(String(res.headers['content-security-policy']))![1];
      expect(res.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'nonce-[^']+';/);
      // Never cached, never referring the authorize URL (its state) on; the window keeps its opener for the callback.
      expect([res.headers['content-type'], res.headers['cache-control'], res.headers['referrer-policy'], res.headers['cross-origin-opener-policy']])
        .toEqual(['text/html; charset=utf-8', 'no-store', 'no-referrer', 'unsafe-none']);
      expect(res.body).toContain(`<script nonce="${nonce}">`);
      // The URL goes on as parsed (its query's < and > percent-encoded) and into the script as JSON with `<` escaped: no closing tag can end the script early.
      const odd = `${AUTHORIZE}&x=</script><script>alert(1)</script>`;
      const oddPage = (await app.inject({ method: 'GET', url: `/v1/auth/teams-start?${new URLSearchParams({ authorize: odd, check: 'chk' }).toString()}`, headers: { cookie: '__Host-lms-signin-b1=secret-value' } })).body;
      expect(oddPage).not.toContain('</script><script>alert(1)');
      expect(oddPage).toContain('x=%3C/script%3E%3Cscript%3Ealert(1)%3C/script%3E');
      const page = runPage(res.body.replace(/<script nonce="[^"]+">/, '<script nonce="x">'), { teamsWindow: false, opener: false });
      expect(page.storage.get(TEAMS_HOST_KEY)).toBe('teams');
      expect(page.calls).toEqual([`replace ${AUTHORIZE}`]);
    });

    it('GET /v1/auth/start and /teams-start - refuse to forward anywhere but the authority\'s authorize endpoint, and bind nothing', async () => {
      for (const path of ['start', 'teams-start']) {
        for (const target of ['https://evil.example/', `${AUTHORITY}/${TENANT}/oauth2/v2.0/logout`, authorizeUrl({}, '/common/oauth2/v2.0/authorize'), authorizeUrl({ client_id: 'x' }), authorizeUrl({ redirect_uri: 'https://evil.example/cb' })]) {
          const res = await app.inject({ method: 'GET', url: `/v1/auth/${path}?authorize=${encodeURIComponent(target)}` });
          expect(res.statusCode).toBe(400);
          expect([res.headers['content-type'], res.headers['cache-control'], res.headers.location, res.headers['set-cookie']]).toEqual(['text/plain; charset=utf-8', 'no-store', undefined, undefined]);
          expect(res.body).not.toContain(target);
        }
        expect((await app.inject({ method: 'GET', url: `/v1/auth/${path}` })).statusCode).toBe(400);
        // A line break or tab the URL parser would drop silently (a header's end): refused before anything is bound.
        for (const odd of [`${AUTHORIZE}\r\nSet-Cookie: x=1`, AUTHORIZE.replace('https://', 'https:\t//')]) {
          const res = await app.inject({ method: 'GET', url: `/v1/auth/${path}?authorize=${encodeURIComponent(odd)}` });
          expect([res.statusCode, res.headers['set-cookie'], res.headers.location]).toEqual([400, undefined, undefined]);
        }
      }
      expect(bound).toEqual([]);
    });

    it('GET /v1/auth/teams.js - serves TeamsJS (authentication.notifySuccess) from the API\'s origin', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/auth/teams.js' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/javascript/);
      expect([res.headers['cache-control'], res.headers['cross-origin-resource-policy']]).toEqual(['public, max-age=86400', 'same-origin']);
      expect(res.body).toContain('notifySuccess');
      expect(res.body.length).toBeGreaterThan(10_000);
    });
  });
});
