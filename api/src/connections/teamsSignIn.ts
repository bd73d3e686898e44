import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { escapeHtml } from '../html';

/** sessionStorage key the Teams start page sets and the callback page reads (same window, same origin). */
export const TEAMS_HOST_KEY = 'lms-m365-sign-in-host';
export const TEAMS_JS_PATH = '/v1/auth/teams.js';

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
 * The start page forwards only there, so it is neither an open redirect nor a trusted-looking
 * start for another app's consent page.
 */
export function isAuthorizeUrl(url: string, target: SignInTarget): boolean {
  let parsed: URL;
  let authority: URL;
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

/** GET /v1/auth/teams-start and GET /v1/auth/teams.js: the Teams sign-in path (docs/design.md). */
export function teamsSignInRoutes(app: FastifyInstance, target: SignInTarget): void {
  app.get<{ Querystring: { authorize?: string } }>('/v1/auth/teams-start', {
    schema: {
      tags: ['sign-in'],
      summary: 'Start of the sign-in in Teams (authentication.authenticate): marks the window as Teams\' and goes on to the Microsoft sign-in',
      querystring: { type: 'object', properties: { authorize: { type: 'string', maxLength: 8192 } }, required: ['authorize'] },
      produces: ['text/html']
    },
    config: { rateLimit: { max: 30, timeWindow: '1 minute' } }
  }, async (request, reply) => {
    const authorize = request.query.authorize ?? '';
    if (!isAuthorizeUrl(authorize, target)) {
      return reply.code(400).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store')
        .send('This page only starts a Microsoft sign-in of the connection API.');
    }
    const nonce = randomBytes(16).toString('base64');
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('cross-origin-opener-policy', 'unsafe-none')
      .header('content-security-policy', `default-src 'none'; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`)
      .send(teamsStartPage(authorize, nonce));
  });

  app.get(TEAMS_JS_PATH, { schema: { hide: true } }, async (_request, reply) => {
    return reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .header('cross-origin-resource-policy', 'same-origin')
      .send(teamsJsSource());
  });
}
