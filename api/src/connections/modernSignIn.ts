import type { AuthenticationResult } from '@azure/msal-node';
import type { ErrorCode, ModernResult } from '@lms-m365/contracts';
import type { Principal } from '../auth/principal';
import type { CatalogGate } from '../catalogs/catalogGate';
import type { ApiConfig } from '../config/config';
import { ApiError, codeOf } from '../errors/apiError';
import { aadstsNumber } from '../errors/upstream';
import type { GraphClient } from '../graph/graphClient';
import { GRAPH_PERMISSIONS, graphScopes, MicrosoftIdentity, missingPermissions } from '../identity/microsoftIdentity';
import { verifySmtpLogin } from '../mail/smtp';
import type { ConnectionStore } from './connectionStore';
import { requireUserMailbox } from './mailboxCheck';
import { OrgConsentStatus, signInScopes } from './orgConsent';
import { bindingHash, BROWSER_COOKIE_SECONDS, browserCookieName, checkBinding, checkBrowser, checkNonce, checkNotExpired, checkSamePrincipal, COMPLETION_LIFETIME_MS, isWellFormedState, newBrowserBinding, newSignIn, randomToken } from './signInState';
import type { PendingSignIn, SignInRow, SignInStore } from './signInStore';

export interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
}

/** What the callback page tells its opener. `origin` is known only once the state was found. */
export interface CallbackOutcome {
  origin?: string;
  catalog?: string;
  ok: boolean;
  code?: ErrorCode;
  /** What Microsoft 365 answered (an AADSTS number, a Graph or SMTP code), for a failed outcome. */
  upstream?: string;
  /** The one-time code the page completes the sign-in with (R-SEC-1); never in a failed outcome. */
  completion?: string;
  /** Send the popup on to another sign-in leg instead of answering the page. */
  redirect?: string;
  /**
   * Signed in with an account other than the admin's who started the sign-in: its owner confirms
   * first (the callback page asks, with this one-time token), so a sign-in link passed to a
   * colleague cannot bind their mailbox to a catalog without them reading what it does.
   */
  confirm?: { token: string; account: string; admin: string };
}

/** The browser's cookies, by name, as the request carried them. */
export type Cookies = Record<string, string | undefined>;

/** The cookie the start page sets: the sign-in is then bound to this browser. */
export interface BrowserCookie {
  name: string;
  value: string;
  maxAgeSeconds: number;
}

/** How long the account's owner has to answer the confirmation (Connect or Cancel) on the callback page. */
export const CONFIRM_LIFETIME_MS = 5 * 60_000;

export interface ModernSignInDeps {
  config: ApiConfig;
  connections: ConnectionStore;
  signIns: SignInStore;
  identity: MicrosoftIdentity;
  graph: GraphClient;
  orgConsent: OrgConsentStatus;
  /** R-SEC-2: which sites are catalogs. */
  catalogs: CatalogGate;
  onUpstreamError?: (context: string, error: ApiError, catalog?: string) => void;
  /** The operator's audit line: a confirmation answered (a Cancel may be the trace of a sign-in link passed on). */
  audit?: (event: string, fields: Record<string, unknown>) => void;
  now?: () => number;
}

/**
 * The Modern sign-in's legs up to the completion code (R-MOD-1..8, R-SEC-1): the authorize URL,
 * then the redirect back - the code redeemed, the account and its mailbox checked, Exchange's
 * SMTP.Send asked for in a second leg when the transport needs it. Nothing is connected here:
 * ConnectionService.completeModern stores the connection for the admin and page that started it.
 */
export class ModernSignIn {
  private readonly now: () => number;

  public constructor(private readonly deps: ModernSignInDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * R-MOD-1/5: the authorize URL for a PKCE sign-in bound to catalog, caller, origin, the page's
   * nonce, the record's generation and 10 minutes (R-SEC-1).
   */
  public async start(principal: Principal, catalog: string, request: { orgConsent: boolean; transport?: 'graph' | 'smtp-oauth'; origin: string; nonce: string }): Promise<{ authorizeUrl: string; expiresAt: string }> {
    if (principal.kind !== 'user') {
      throw new ApiError('USER_ONLY');
    }
    if (!this.deps.config.allowedOrigins.includes(request.origin)) {
      throw new ApiError('ORIGIN_NOT_ALLOWED');
    }
    await this.deps.catalogs.require(catalog);
    const { record } = await this.deps.connections.read(catalog);
    const transport = request.transport ?? record.transport;
    const signIn = newSignIn(this.now());
    await this.deps.signIns.put(signIn.state, {
      phase: 'graph',
      catalog,
      callerTenant: principal.tenantId,
      caller: principal.objectId,
      callerName: principal.name,
      bindingHash: bindingHash(request.nonce),
      generation: record.generation,
      origin: request.origin,
      orgConsent: request.orgConsent,
      transport,
      nonce: signIn.nonce,
      verifier: signIn.verifier,
      expiresAt: signIn.expiresAt
    });
    const authorizeUrl = await this.deps.identity.authorizeUrl({
      scopes: signInScopes(this.deps.config, { orgConsent: request.orgConsent, transport }),
      state: signIn.state,
      nonce: signIn.nonce,
      challenge: signIn.challenge,
      orgConsent: request.orgConsent
    });
    return { authorizeUrl, expiresAt: new Date(signIn.expiresAt).toISOString() };
  }

  /**
   * The start page (GET /v1/auth/start, /v1/auth/teams-start) binds the sign-in that `authorizeUrl`
   * carries the state of to this browser, once: the cookie to set, or why not. Without this, an
   * authorize URL seen by someone else (its 10 minutes) let them sign in with their own account,
   * confirm as that account's owner, and the admin's page completed with their mailbox.
   */
  public async bindBrowser(authorizeUrl: string): Promise<{ cookie: BrowserCookie; check: string } | { failed: CallbackOutcome }> {
    const state = stateOf(authorizeUrl);
    if (state === undefined) {
      return { failed: { ok: false, code: 'STATE_INVALID' } };
    }
    const binding = newBrowserBinding();
    const check = randomToken();
    try {
      await this.deps.signIns.bindBrowser(state, binding.browser, binding.hash, bindingHash(check), this.now());
    } catch (error) {
      return { failed: { ok: false, code: codeOf(error) } };
    }
    return { cookie: { name: browserCookieName(binding.browser), value: binding.secret, maxAgeSeconds: BROWSER_COOKIE_SECONDS }, check };
  }

  /**
   * The start page's second step: the browser that got the cookie (it shows the one-time check
   * value the first step sent it back with) must show the cookie too. One that refused it (cookies
   * blocked for the API's site) would reach a callback that refuses it, with the page left waiting:
   * the sign-in ends here instead, and the page is told (SIGN_IN_COOKIE_REFUSED). A wrong or missing
   * check value changes nothing (only that browser has it).
   */
  public async browserKept(authorizeUrl: string, check: string, cookies: Cookies): Promise<{ ok: true } | { failed: CallbackOutcome }> {
    const state = stateOf(authorizeUrl);
    if (state === undefined) {
      return { failed: { ok: false, code: 'STATE_INVALID' } };
    }
    const sameCheck = (pending: SignInRow): void => {
      if (pending.phase !== 'graph') {
        throw new ApiError('STATE_INVALID');
      }
      try {
        checkBinding(pending.checkHash, check);
      } catch {
        throw new ApiError('STATE_INVALID');
      }
    };
    let pending: SignInRow;
    try {
      pending = await this.deps.signIns.peek(state);
      sameCheck(pending);
      checkNotExpired(pending.expiresAt, this.now());
    } catch (error) {
      return { failed: { ok: false, code: codeOf(error) } };
    }
    try {
      checkBrowser(pending, cookies);
      return { ok: true };
    } catch {
      // This browser did not keep the cookie: the sign-in could never finish here.
    }
    try {
      pending = await this.deps.signIns.take(state, sameCheck);
    } catch (error) {
      return { failed: { ok: false, code: codeOf(error) } };
    }
    return { failed: await this.failed(pending, 'SIGN_IN_COOKIE_REFUSED') };
  }

  /**
   * The redirect back from sign-in: redeem, check the account (R-MOD-3/7/8), then keep the result
   * for the page under a one-time completion code. Nothing is connected here (R-SEC-1): only the
   * admin who started the sign-in, from the page that started it, completes it (completeModern).
   */
  public async finishMicrosoftLeg(query: CallbackQuery, cookies: Cookies): Promise<CallbackOutcome> {
    const taken = await this.take(query.state, ['graph', 'smtp'], cookies);
    if ('failed' in taken) {
      return taken.failed;
    }
    const { pending, outcome } = taken;
    try {
      checkNotExpired(pending.expiresAt, this.now());
      if (query.error) {
        const aadsts = aadstsNumber(query.error_description);
        throw new ApiError(mapCallbackError(query.error, query.error_description), aadsts ? { upstream: `AADSTS${aadsts}` } : {});
      }
      if (!query.code) {
        throw new ApiError('STATE_INVALID', { detail: 'The sign-in response has no code.' });
      }
      const client = this.deps.identity.signInClient();
      let account: { email: string; displayName: string };
      let result: AuthenticationResult;
      if (pending.phase === 'smtp') {
        client.getTokenCache().deserialize(pending.cache ?? '{}');
        result = await this.deps.identity.redeemCode(client, query.code, pending.verifier, pending.nonce, [this.deps.config.smtpScope]);
        checkNonce(pending.nonce, (result.idTokenClaims as { nonce?: unknown } | undefined)?.nonce);
        if (!pending.account || result.account?.homeAccountId !== pending.homeAccountId) {
          throw new ApiError('STATE_INVALID', { detail: 'The second sign-in was made with another account.' });
        }
        account = pending.account;
        await verifySmtpLogin(this.deps.config.smtp, { user: account.email, accessToken: result.accessToken });
      } else {
        result = await this.deps.identity.redeemCode(client, query.code, pending.verifier, pending.nonce, graphScopes(this.deps.config));
        checkNonce(pending.nonce, (result.idTokenClaims as { nonce?: unknown } | undefined)?.nonce);
        account = await this.checkAccount(result);
        if (pending.transport === 'smtp-oauth') {
          const next = await this.smtpLeg(pending, result, client, account);
          if (next) {
            return { ...outcome, redirect: next };
          }
        }
      }
      this.deps.orgConsent.forget();
      const done = { ...pending, cache: client.getTokenCache().serialize(), account, homeAccountId: result.account?.homeAccountId };
      const signedIn = result.idTokenClaims as { oid?: unknown; tid?: unknown } | undefined;
      if (signedIn?.oid !== pending.caller || signedIn?.tid !== pending.callerTenant) {
        const token = randomToken();
        await this.deps.signIns.put(token, { ...done, phase: 'confirm', expiresAt: this.now() + CONFIRM_LIFETIME_MS });
        return { ...outcome, ok: true, confirm: { token, account: account.email, admin: pending.callerName } };
      }
      return { ...outcome, ok: true, completion: await this.keepCompletion(done) };
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('INTERNAL_ERROR');
      this.deps.onUpstreamError?.('modern sign-in', apiError, pending.catalog);
      return this.failed(pending, apiError.code, apiError.upstream);
    }
  }

  /**
   * The account's owner answers the confirmation (`confirm` in the callback's outcome): Connect
   * makes the completion code the page completes the sign-in with; Cancel ends the sign-in
   * (SIGN_IN_NOT_CONFIRMED for the page). The token is single use, whatever the answer.
   */
  public async confirm(token: unknown, decision: unknown, cookies: Cookies): Promise<CallbackOutcome> {
    const taken = await this.take(token, ['confirm'], cookies);
    if ('failed' in taken) {
      return taken.failed;
    }
    const { pending, outcome } = taken;
    try {
      checkNotExpired(pending.expiresAt, this.now());
      this.deps.audit?.(decision === 'connect' ? 'sign-in confirmed' : 'sign-in not confirmed', { catalog: pending.catalog, account: pending.account?.email, startedBy: pending.callerName });
      if (decision !== 'connect') {
        throw new ApiError('SIGN_IN_NOT_CONFIRMED');
      }
      return { ...outcome, ok: true, completion: await this.keepCompletion(pending) };
    } catch (error) {
      return this.failed(pending, codeOf(error));
    }
  }

  /** A step that failed: the page that started the sign-in is told (its code, and what Microsoft 365 answered), and so is this window. */
  private async failed(pending: SignInRow, code: ErrorCode, upstream?: string): Promise<CallbackOutcome> {
    const failure = { code, ...(upstream ? { upstream } : {}) };
    await this.relay(pending, { ok: false, ...failure });
    return { ...windowOutcome(pending), ...failure };
  }

  /**
   * Takes the sign-in a one-time value names (a state, a confirm token), single use across
   * instances, only in one of `phases` and in the browser the start page bound it to (another
   * phase's row, or another browser's, is left for its rightful step); a refusal is the outcome to
   * answer. With the row, the outcome its window answers until it succeeds.
   */
  private async take(token: unknown, phases: Array<PendingSignIn['phase']>, cookies: Cookies): Promise<{ pending: PendingSignIn; outcome: CallbackOutcome } | { failed: CallbackOutcome }> {
    if (!isWellFormedState(token)) {
      return { failed: { ok: false, code: 'STATE_INVALID' } };
    }
    try {
      const pending = await this.deps.signIns.take(token, (found) => {
        if (!phases.includes(found.phase)) {
          throw new ApiError('STATE_INVALID');
        }
        checkBrowser(found, cookies);
      });
      return { pending, outcome: windowOutcome(pending) };
    } catch (error) {
      return { failed: { ok: false, code: codeOf(error) } };
    }
  }

  /** Microsoft's legs done (and confirmed): the one-time completion code, kept for the page that started the sign-in. */
  private async keepCompletion(done: PendingSignIn): Promise<string> {
    const completion = randomToken();
    await this.deps.signIns.put(completion, { ...done, phase: 'complete', expiresAt: this.now() + COMPLETION_LIFETIME_MS });
    await this.relay(done, { ok: true, completion });
    return completion;
  }

  /**
   * Keeps the outcome for the page to ask for (`result`): Microsoft's sign-in page sends
   * Cross-Origin-Opener-Policy, so the popup has no opener left by the time it comes back here.
   * Best effort: a page whose opener survived has the callback page's message as well.
   */
  private async relay(pending: SignInRow, outcome: { ok: boolean; code?: string; upstream?: string; completion?: string }): Promise<void> {
    if (!pending.bindingHash) {
      return;
    }
    await this.deps.signIns.putResult(pending.bindingHash, {
      catalog: pending.catalog,
      callerTenant: pending.callerTenant,
      caller: pending.caller,
      ...outcome,
      expiresAt: this.now() + COMPLETION_LIFETIME_MS
    }).catch((error: unknown) => this.deps.onUpstreamError?.('sign-in result', error instanceof ApiError ? error : new ApiError('SERVICE_UNAVAILABLE'), pending.catalog));
  }

  /**
   * How the page's sign-in ended, asked by the page with the nonce it started it with (only the
   * nonce's hash is stored) and its admin's token: pending until the callback came back, then the
   * completion code to complete it with (completeModern checks everything again), or the failure.
   */
  public async result(principal: Principal, catalog: string, nonce: string): Promise<ModernResult> {
    if (principal.kind !== 'user') {
      throw new ApiError('USER_ONLY');
    }
    const found = await this.deps.signIns.readResult(bindingHash(nonce));
    if (!found || found.expiresAt < this.now() || found.catalog.toLowerCase() !== catalog.toLowerCase()) {
      return { status: 'pending' };
    }
    checkSamePrincipal(found, principal);
    return found.ok && found.completion ? { status: 'signed-in', completion: found.completion } : { status: 'failed', code: found.code ?? 'SIGN_IN_FAILED', ...(found.upstream ? { upstream: found.upstream } : {}) };
  }

  /**
   * R-MOD-8: proves SMTP AUTH with an XOAUTH2 login. When Exchange's SMTP.Send is not consented
   * yet, answers the authorize URL of a second sign-in leg (same account) that asks for it.
   */
  private async smtpLeg(pending: PendingSignIn, result: AuthenticationResult, client: ReturnType<MicrosoftIdentity['signInClient']>, account: { email: string; displayName: string }): Promise<string | undefined> {
    let smtpToken: AuthenticationResult;
    try {
      smtpToken = await this.deps.identity.catalogToken(client, result.account?.homeAccountId ?? null, [this.deps.config.smtpScope]);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'CONSENT_REQUIRED') {
        throw error;
      }
      const leg = newSignIn(this.now());
      await this.deps.signIns.put(leg.state, {
        ...pending,
        phase: 'smtp',
        nonce: leg.nonce,
        verifier: leg.verifier,
        cache: client.getTokenCache().serialize(),
        account,
        homeAccountId: result.account?.homeAccountId
      });
      return this.deps.identity.authorizeUrl({ scopes: [this.deps.config.smtpScope], state: leg.state, nonce: leg.nonce, challenge: leg.challenge, orgConsent: pending.orgConsent, loginHint: account.email });
    }
    await verifySmtpLogin(this.deps.config.smtp, { user: account.email, accessToken: smtpToken.accessToken });
    return undefined;
  }

  private async checkAccount(result: AuthenticationResult): Promise<{ email: string; displayName: string }> {
    if (result.tenantId && result.tenantId !== this.deps.config.tenantId) {
      throw new ApiError('SIGN_IN_FAILED', { detail: 'The account belongs to another tenant.' });
    }
    const missing = missingPermissions(result.scopes, GRAPH_PERMISSIONS);
    if (missing.length > 0) {
      throw new ApiError('PERMISSIONS_MISSING', { detail: `Not granted: ${missing.join(', ')}.` });
    }
    const me = await this.deps.graph.request<{ id?: string; displayName?: string; mail?: string | null; userPrincipalName?: string }>(result.accessToken, 'GET', '/me?$select=id,displayName,mail,userPrincipalName');
    const email = (me?.mail || me?.userPrincipalName || '').toLowerCase();
    if (!email) {
      throw new ApiError('MAILBOX_NOT_FOUND');
    }
    await requireUserMailbox(this.deps, me?.id || me?.userPrincipalName || email);
    return { email, displayName: me?.displayName ?? email };
  }
}

/** What the sign-in's window answers until a step succeeds: its page's origin and catalog, not ok. */
function windowOutcome(pending: SignInRow): CallbackOutcome {
  return { origin: pending.origin, catalog: pending.catalog, ok: false };
}

/** The sign-in state an authorize URL carries, when it is one this API could have made. */
function stateOf(authorizeUrl: string): string | undefined {
  const state = new URL(authorizeUrl).searchParams.get('state');
  return isWellFormedState(state) ? state : undefined;
}

/** The error a sign-in redirect carries (`error`, and an AADSTS number in its description). */
export function mapCallbackError(error: string, description: string | undefined): ErrorCode {
  const aadsts = aadstsNumber(description);
  if (aadsts === '65004') {
    return 'CONSENT_DECLINED';
  }
  if (aadsts === '65001' || aadsts === '90094' || aadsts === '90095' || error === 'consent_required' || error === 'interaction_required') {
    return 'CONSENT_REQUIRED';
  }
  if (error === 'access_denied') {
    return 'CONSENT_DECLINED';
  }
  if (aadsts === '50057' || aadsts === '50053') {
    return 'ACCOUNT_DISABLED';
  }
  return 'SIGN_IN_FAILED';
}
