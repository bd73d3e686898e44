import { randomBytes } from 'node:crypto';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CallbackOutcome } from './modernSignIn';
import { preferredLanguage } from '../errors/problem';
import { escapeHtml } from '../html';

/** sessionStorage key the Teams start page sets and the callback page reads (same window, same origin). */
export const TEAMS_HOST_KEY = 'lms-m365-sign-in-host';
export const TEAMS_JS_PATH = '/v1/auth/teams.js';

/**
 * Every answer in the sign-in window (its start pages, their hops, the callback): never cached,
 * never referring its URL (a state, a code) on, and keeping the window's opener so the final page
 * can post the result back to SharePoint or Teams.
 */
export function signInWindowHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'unsafe-none');
}

/** The callback page (or the confirmation it asks first), with the headers both need. */
export function sendSignInPage(request: FastifyRequest, reply: FastifyReply, outcome: CallbackOutcome): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  const language = preferredLanguage(request.headers['accept-language']);
  const confirm = outcome.confirm;
  return signInWindowHeaders(reply)
    .code(outcome.ok ? 200 : 400)
    .header('content-type', 'text/html; charset=utf-8')
    // The confirmation posts its form to this origin; the callback page posts nothing.
    .header('content-security-policy', `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action ${confirm ? "'self'" : "'none'"}; frame-ancestors 'none'`)
    .send(confirm ? confirmPage({ ...outcome, confirm }, nonce, language) : callbackPage(outcome, nonce, language));
}

/**
 * The page the sign-in popup lands on. It posts the outcome to its opener at exactly the origin
 * recorded when the sign-in started (never "*"), then closes. The message carries no token; on
 * success it carries the one-time completion code with which the page that started the sign-in
 * (its admin's token and nonce) connects the account (R-SEC-1). Microsoft's sign-in page sends
 * Cross-Origin-Opener-Policy, so there is usually no opener left: the page that started the
 * sign-in then asks the API for the same outcome by its nonce (ModernSignIn.result).
 * In Teams' sign-in window (marked by /v1/auth/teams-start, signInStart.ts) it answers Teams instead: TeamsJS,
 * served from this origin, notifySuccess or notifyFailure with the same message (a failure's code
 * and what Microsoft 365 answered);
 * Teams closes the window and hands the answer to authentication.authenticate.
 * The script runs under a nonce-only CSP; data goes in as JSON with '<' escaped.
 */
export function callbackPage(outcome: CallbackOutcome, scriptNonce: string, language: 'en' | 'ja'): string {
  const message = { type: 'lms-m365-connection', catalog: outcome.catalog ?? null, ok: outcome.ok, ...(outcome.code ? { code: outcome.code } : {}), ...(outcome.upstream ? { upstream: outcome.upstream } : {}), ...(outcome.ok && outcome.completion ? { completion: outcome.completion } : {}) };
  // The owner who selected Cancel on the confirmation reads this, not the admin: the catalogue's
  // text (for the admin's page) would tell them about themselves.
  const cancelled = !outcome.ok && outcome.code === 'SIGN_IN_NOT_CONFIRMED';
  const heading = outcome.ok
    ? (language === 'ja' ? 'サインインしました。接続は設定ページで完了します。このウィンドウは閉じてかまいません。' : 'Signed in. The settings page completes the connection; you can close this window.')
    : cancelled
      ? (language === 'ja' ? 'キャンセルしました。カタログはあなたのアカウントに接続されていません。このウィンドウは閉じてかまいません。' : 'Cancelled. The catalog is not connected to your account; you can close this window.')
      : ERROR_CATALOGUE[outcome.code ?? 'INTERNAL_ERROR'].title[language];
  const remedy = outcome.ok || cancelled ? '' : ERROR_CATALOGUE[outcome.code ?? 'INTERNAL_ERROR'].remedy[language];
  // Labelled as on the settings page, so it can be read out to whoever helps.
  const codeLabel = language === 'ja' ? 'エラー コード：' : 'Error code: ';
  const data = JSON.stringify({ message, origin: outcome.origin ?? null, teamsKey: TEAMS_HOST_KEY, teamsJs: TEAMS_JS_PATH, nonce: scriptNonce }).replace(/</g, '\\u003c');
  return `${pageHead(language, scriptNonce)}
<body>
<main${outcome.ok ? ' class="ok"' : cancelled ? '' : ' class="error"'}><h1>${escapeHtml(heading)}</h1>${remedy ? `<p>${escapeHtml(remedy)}</p>` : ''}${outcome.code && !cancelled ? `<p>${escapeHtml(codeLabel)}<code>${escapeHtml(outcome.code)}</code></p>` : ''}</main>
<script nonce="${scriptNonce}">
(function () {
  var data = ${data};
  var teams = false;
  try {
    teams = window.sessionStorage.getItem(data.teamsKey) === 'teams';
    window.sessionStorage.removeItem(data.teamsKey);
  } catch (e) { /* no storage: not Teams' window */ }
  if (teams) {
    var script = document.createElement('script');
    script.setAttribute('nonce', data.nonce);
    script.src = data.teamsJs;
    script.onload = function () {
      var sdk = window.microsoftTeams;
      sdk.app.initialize().then(function () {
        if (data.message.ok) {
          sdk.authentication.notifySuccess(JSON.stringify(data.message));
        } else {
          sdk.authentication.notifyFailure(JSON.stringify(data.message));
        }
      });
    };
    document.head.appendChild(script);
    return;
  }
  // Microsoft's sign-in page (Cross-Origin-Opener-Policy) usually leaves no opener: the settings
  // page then asks the API for the outcome, and this window may not be one its script can close.
  if (window.opener && data.origin) {
    window.opener.postMessage(data.message, data.origin);
  }
  window.close();
})();
</script>
</body>
</html>
`;
}

/**
 * The sign-in was made with an account other than the admin's who started it (CallbackOutcome.confirm):
 * its owner reads what connecting does - as whom the LMS will send, for which catalog, who asked -
 * and answers Connect or Cancel (a form to POST /v1/auth/confirm with the one-time token). A link
 * to someone's sign-in passed on to a colleague binds nothing without this answer.
 */
export function confirmPage(outcome: CallbackOutcome & { confirm: NonNullable<CallbackOutcome['confirm']> }, styleNonce: string, language: 'en' | 'ja'): string {
  const { token, account, admin } = outcome.confirm;
  // The names the owner must check stand out; each is escaped on its own (the texts around them are the page's own).
  const [who, by, where] = [account, admin, outcome.catalog ?? ''].map((v) => `<strong>${escapeHtml(v)}</strong>`);
  const t = language === 'ja'
    ? {
      heading: 'このアカウントをコース カタログに接続しますか？',
      what: `${who} としてサインインしました。${by} さんが、このアカウントをカタログ ${where} に接続しようとしています。接続すると、LMS はこのカタログの通知と会議出席依頼を ${who} として送信し、返信はこのメールボックスに届きます。`,
      ask: `依頼に心当たりがある場合のみ [接続] を選択してください。心当たりがない場合や、いま ${who} としてサインインしたのがご自身でない場合は、[キャンセル] を選択してください。カタログはこのアカウントに接続されません。`,
      connect: '接続',
      cancel: 'キャンセル'
    }
    : {
      heading: 'Connect this account to the course catalog?',
      what: `You signed in as ${who}. ${by} asked to connect it to the catalog ${where}: the LMS will then send that catalog's notifications and meeting invitations as ${who}, and replies will reach this mailbox.`,
      ask: `Select Connect only if you expect this. If you did not ask for it, or if it was not you who just signed in as ${who}, select Cancel: the catalog is not connected to this account.`,
      connect: 'Connect',
      cancel: 'Cancel'
    };
  return `${pageHead(language, styleNonce)}
<body>
<main><h1>${escapeHtml(t.heading)}</h1><p>${t.what}</p><p>${t.ask}</p>
<form method="post" action="confirm"><input type="hidden" name="token" value="${escapeHtml(token)}">
<p class="actions"><button type="submit" name="decision" value="cancel">${escapeHtml(t.cancel)}</button> <button type="submit" name="decision" value="connect" class="primary">${escapeHtml(t.connect)}</button></p>
</form></main>
</body>
</html>
`;
}

/**
 * Where a tenant admin lands after the admin consent link (or a consent request sign-in) the page
 * gave the catalog admin: no opener to tell, nothing stored; the API's next token for the connected
 * account carries what was granted (the org-consent lookup is cached ORG_CONSENT_CACHE_SECONDS).
 */
export function adminConsentPage(outcome: 'granted' | 'unconfirmed' | 'refused', language: 'en' | 'ja', styleNonce: string): string {
  const texts = {
    granted: {
      ja: ['同意しました。', '会議室は数分以内にカタログから利用できるようになります（再接続は不要です）。このウィンドウを閉じてください。'],
      en: ['Consent granted.', 'Rooms become available to catalogs within a few minutes, without connecting again. You can close this window.']
    },
    // Microsoft's answer came back but the directory does not show the consent (not yet, or the
    // answer was not Microsoft's): the settings page says which once the directory does.
    unconfirmed: {
      ja: ['Microsoft の同意ページから戻りました。', '同意が付与された場合は、数分以内に会議室がカタログで利用できるようになり、設定ページにそう表示されます。このウィンドウを閉じてください。'],
      en: ['Back from Microsoft\'s consent page.', 'If consent was granted, rooms become available to the catalogs within a few minutes and the settings page says so. You can close this window.']
    },
    refused: {
      ja: ['同意は付与されませんでした。', 'メールと会議出席依頼はこれまでどおり送信されます。会議室はテナント管理者が承認するまで利用できません。'],
      en: ['Consent was not granted.', 'Mail and meeting invitations still go out; rooms stay unavailable until a tenant admin approves.']
    }
  };
  const text = texts[outcome][language];
  const tone = { granted: 'ok', unconfirmed: 'info', refused: 'error' }[outcome];
  return `${pageHead(language, styleNonce)}
<body><main class="${tone}"><h1>${escapeHtml(text[0])}</h1><p>${escapeHtml(text[1])}</p></main></body>
</html>
`;
}

/**
 * The API's own small pages look like a Microsoft 365 message, not a bare document: Segoe UI (Yu
 * Gothic UI / Meiryo for Japanese), light or dark as the system is, a status colour, and Japanese
 * lines broken between phrases (word-break: auto-phrase) rather than inside a word. The sheet is
 * a nonce'd element: the pages' CSP allows no other style.
 */
const PAGE_STYLE = [
  ':root{color-scheme:light dark;font-family:"Segoe UI","Segoe UI Web (West European)",-apple-system,BlinkMacSystemFont,Roboto,"Helvetica Neue",sans-serif}',
  ':root:lang(ja){font-family:"Yu Gothic UI","Meiryo UI",Meiryo,"Hiragino Sans","Segoe UI",sans-serif}',
  'body{margin:0;background:Canvas;color:CanvasText}',
  'main{box-sizing:border-box;max-width:34rem;margin:12vh auto 0;padding:1rem 1.5rem;border-left:4px solid var(--tone,#0078d4)}',
  'main.ok{--tone:#107c10}main.error{--tone:#d13438}',
  'h1{font-size:1.25rem;font-weight:600;line-height:1.4;margin:0;text-wrap:balance}',
  'p{font-size:0.875rem;line-height:1.5;margin:0.5rem 0 0}',
  ':lang(ja) h1,:lang(ja) p{word-break:auto-phrase}',
  'code{font-family:Consolas,"Courier New",monospace}',
  'strong{font-weight:600;overflow-wrap:anywhere}',
  '.actions{display:flex;flex-wrap:wrap;gap:0.5rem;justify-content:flex-end;margin-top:1rem}',
  'button{font:inherit;font-size:0.875rem;font-weight:600;min-width:6rem;padding:0.375rem 1.25rem;border-radius:2px;border:1px solid CanvasText;background:Canvas;color:CanvasText;cursor:pointer}',
  'button.primary{background:#0078d4;border-color:#0078d4;color:#fff}',
  'button:focus-visible{outline:2px solid CanvasText;outline-offset:2px}'
].join('');

function pageHead(language: 'en' | 'ja', styleNonce: string): string {
  return `<!doctype html>
<html lang="${language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${language === 'ja' ? 'LMS の Microsoft 365 接続' : 'LMS Microsoft 365 connection'}</title><style nonce="${styleNonce}">${PAGE_STYLE}</style></head>`;
}
