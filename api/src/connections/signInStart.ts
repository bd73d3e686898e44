import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml } from '../html';
import { sendSignInPage, signInWindowHeaders, TEAMS_HOST_KEY, TEAMS_JS_PATH } from './callbackPage';
import type { ModernSignIn } from './modernSignIn';

export { TEAMS_HOST_KEY };

/** What a sign-in of this API fixes in its authorize URL (MicrosoftIdentity builds it with MSAL). */
export interface SignInTarget {
  /** `${authorityHost}/${tenantId}` */
  authority: string;
  clientId: string;
  redirectUri: string;
}

/**
 * Is `url` a sign-in of this API at the Microsoft identity platform: the configured tenant's
 * authorize endpoint, for this app's client id, answering to this API's callback with a code?
 * The start pages forward only there, so they are neither an open redirect nor a trusted-looking
 * start for another app's consent page.
 */
export function isAuthorizeUrl(url: string, target: SignInTarget): boolean {
  let parsed: URL;
  let authority: URL;
  // The URL parser drops tabs and line breaks silently; such a URL is no MSAL-built one.
  if ([...url].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    return false;
  }
  try {
    parsed = new URL(url);
    authority = new URL(target.authority);
  } catch {
    return false;
  }
  const query = parsed.searchParams;
  return parsed.origin === authority.origin
    && parsed.pathname.toLowerCase() === `${authority.pathname.replace(/\/+$/, '')}/oauth2/v2.0/authorize`.toLowerCase()
    && parsed.username === '' && parsed.password === ''
    && query.get('client_id') === target.clientId
    && query.get('redirect_uri') === target.redirectUri
    && query.get('response_type') === 'code'
    && !!query.get('state');
}

/**
 * The page Teams' authentication.authenticate opens (Teams asks that the flow start on the app's own
 * domain). It marks this window as Teams' sign-in window, so the callback page answers Teams with
 * notifySuccess / notifyFailure instead of posting to an opener, then goes on to the Microsoft sign-in.
 */
export function teamsStartPage(authorizeUrl: string, scriptNonce: string): string {
  const data = JSON.stringify({ key: TEAMS_HOST_KEY, url: authorizeUrl }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>LMS Microsoft 365 connection</title></head>
<body>
<p><a href="${escapeHtml(authorizeUrl)}">Microsoft sign-in</a></p>
<script nonce="${scriptNonce}">
(function () {
  var data = ${data};
  try { window.sessionStorage.setItem(data.key, 'teams'); } catch (e) { /* the callback then answers as a popup */ }
  window.location.replace(data.url);
})();
</script>
</body>
</html>
`;
}

let teamsJs: string | undefined;
/** TeamsJS from the API's own origin: the callback page's CSP allows no other script source. */
function teamsJsSource(): string {
  if (teamsJs === undefined) {
    teamsJs = readFileSync(require.resolve('@microsoft/teams-js'), 'utf8');
  }
  return teamsJs;
}

export interface SignInStartDeps {
  target: SignInTarget;
  signIn: Pick<ModernSignIn, 'bindBrowser' | 'browserKept'>;
}

type StartQuery = { authorize?: string; check?: string };

/**
 * The sign-in window opens here, on the API's origin, before Microsoft's page: GET /v1/auth/start
 * (a browser popup: on to Microsoft with a 302) and GET /v1/auth/teams-start (Teams'
 * authentication.authenticate, which asks that the flow start on the app's domain: a page that
 * marks the window as Teams'). Both bind the sign-in to this browser, once, with a cookie the
 * callback and the confirmation need (ModernSignIn.bindBrowser), then come back to themselves with
 * a one-time check value: only once the browser showed the cookie does the window go on to
 * Microsoft. A browser that refuses the cookie ends the sign-in there, and the page is told
 * (SIGN_IN_COOKIE_REFUSED), rather than waiting for a callback that would be refused. Also
 * GET /v1/auth/teams.js, for the callback page in Teams.
 */
export function signInStartRoutes(app: FastifyInstance, deps: SignInStartDeps): void {
  const querystring = {
    type: 'object',
    properties: { authorize: { type: 'string', maxLength: 8192 }, check: { type: 'string', maxLength: 64 } },
    required: ['authorize']
  } as const;
  // Two requests a sign-in (the binding, then its check): 30 sign-ins a minute per address, as the callback takes.
  const config = { rateLimit: { max: 60, timeWindow: '1 minute' } };

  /**
   * The start page's two steps. Without `check`: bind the sign-in to this browser (its cookie set)
   * and come back with the check value. With it: the cookie must be there. True once the window may
   * go on to Microsoft; otherwise the reply says why not.
   */
  async function started(request: FastifyRequest<{ Querystring: StartQuery }>, reply: FastifyReply, page: 'start' | 'teams-start'): Promise<string | undefined> {
    const authorize = request.query.authorize ?? '';
    if (!isAuthorizeUrl(authorize, deps.target)) {
      await reply.code(400).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store')
        .send('This page only starts a Microsoft sign-in of the connection API.');
      return undefined;
    }
    // The URL as parsed: what the browser would go to, with nothing a header could not carry.
    const target = new URL(authorize).href;
    const check = request.query.check;
    if (check !== undefined) {
      const kept = await deps.signIn.browserKept(target, check, request.cookies);
      if ('failed' in kept) {
        await sendSignInPage(request, reply, kept.failed);
        return undefined;
      }
      return target;
    }
    const bound = await deps.signIn.bindBrowser(target);
    if ('failed' in bound) {
      await sendSignInPage(request, reply, bound.failed);
      return undefined;
    }
    reply.setCookie(bound.cookie.name, bound.cookie.value, { path: '/', secure: true, httpOnly: true, sameSite: 'lax', maxAge: bound.cookie.maxAgeSeconds });
    // Relative: the same page wherever the API is hosted (a path prefix included).
    await signInWindowHeaders(reply).redirect(`${page}?${new URLSearchParams({ authorize: target, check: bound.check }).toString()}`, 302);
    return undefined;
  }

  app.get<{ Querystring: StartQuery }>('/v1/auth/start', {
    schema: {
      tags: ['sign-in'],
      summary: 'Start of the sign-in in a browser window: binds the sign-in to this browser (a cookie), checks the browser kept it, and goes on to the Microsoft sign-in',
      querystring: querystring
    },
    config
  }, async (request, reply) => {
    const target = await started(request, reply, 'start');
    if (target === undefined) {
      return reply;
    }
    return signInWindowHeaders(reply).redirect(target, 302);
  });

  app.get<{ Querystring: StartQuery }>('/v1/auth/teams-start', {
    schema: {
      tags: ['sign-in'],
      summary: 'Start of the sign-in in Teams (authentication.authenticate): binds the sign-in to this browser, checks the browser kept it, marks the window as Teams\' and goes on to the Microsoft sign-in',
      querystring: querystring,
      produces: ['text/html']
    },
    config
  }, async (request, reply) => {
    const target = await started(request, reply, 'teams-start');
    if (target === undefined) {
      return reply;
    }
    const nonce = randomBytes(16).toString('base64');
    return signInWindowHeaders(reply)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', `default-src 'none'; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`)
      .send(teamsStartPage(target, nonce));
  });

  app.get(TEAMS_JS_PATH, { schema: { hide: true } }, async (_request, reply) => {
    return reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .header('cross-origin-resource-policy', 'same-origin')
      .send(teamsJsSource());
  });
}
