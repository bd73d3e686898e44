import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors/apiError';

/** A sign-in may take this long from Connect to the callback. */
export const SIGN_IN_LIFETIME_MS = 10 * 60_000;

/** The page has this long, from the callback, to complete the sign-in with its completion code. */
export const COMPLETION_LIFETIME_MS = 2 * 60_000;

export interface NewSignIn {
  /** Sent in the authorize URL and echoed to the callback; only its hash is stored. */
  state: string;
  /** PKCE code verifier: stays in the API (sealed at rest). */
  verifier: string;
  challenge: string;
  nonce: string;
  expiresAt: number;
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** RFC 7636 S256 challenge. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function newSignIn(now: number): NewSignIn {
  const verifier = randomToken();
  return { state: randomToken(), verifier, challenge: pkceChallenge(verifier), nonce: randomToken(), expiresAt: now + SIGN_IN_LIFETIME_MS };
}

/** Storage key of a state: a hash, so reading the table does not let anyone finish a sign-in. */
export function stateKey(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}

/** A state value as it can legitimately arrive: 43 base64url characters. */
export function isWellFormedState(state: unknown): state is string {
  return typeof state === 'string' && /^[A-Za-z0-9_-]{43}$/.test(state);
}

/** Rejects a sign-in past its 10 minutes. Single use is enforced by the store's delete. */
export function checkNotExpired(expiresAt: number, now: number): void {
  if (!(expiresAt > now)) {
    throw new ApiError('STATE_EXPIRED');
  }
}

/** The id token must carry the nonce this sign-in sent (replay of another sign-in's code). */
export function checkNonce(expected: string, actual: unknown): void {
  if (typeof actual !== 'string' || actual !== expected) {
    throw new ApiError('STATE_INVALID', { detail: 'The sign-in response does not belong to this sign-in (nonce).' });
  }
}

/** What is stored of the page's nonce: its hash, so reading the table does not let anyone complete a sign-in. */
export function bindingHash(nonce: string): string {
  return createHash('sha256').update(nonce, 'utf8').digest('hex');
}

/** R-SEC-1: the completion must show the nonce the page sent when it started this sign-in. */
export function checkBinding(expectedHash: string | undefined, nonce: string): void {
  const actual = Buffer.from(bindingHash(nonce), 'hex');
  const expected = Buffer.from(expectedHash ?? '', 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new ApiError('SIGN_IN_OTHER_BROWSER');
  }
}

/** How long the browser's cookie of a sign-in lives: its 10 minutes and the owner's 5 to confirm. */
export const BROWSER_COOKIE_SECONDS = 15 * 60;

/** The cookie that ties a sign-in to the browser its start page ran in (`__Host-`: Secure, Path=/, this host alone). */
export function browserCookieName(browser: string): string {
  return `__Host-lms-signin-${browser}`;
}

/** A new browser binding: the cookie's name suffix, its value (kept by the browser alone) and the value's hash (kept by the row). */
export function newBrowserBinding(): { browser: string; secret: string; hash: string } {
  const secret = randomToken();
  return { browser: randomBytes(12).toString('base64url'), secret, hash: bindingHash(secret) };
}

/**
 * The callback and the confirmation must run in the browser the start page bound the sign-in to:
 * an authorize URL that leaked (or was never opened through the start page) signs no one in elsewhere.
 */
export function checkBrowser(started: { browser?: string; browserHash?: string }, cookies: Record<string, string | undefined>): void {
  const value = started.browser ? cookies[browserCookieName(started.browser)] : undefined;
  if (!started.browserHash || value === undefined) {
    throw new ApiError('SIGN_IN_OTHER_BROWSER');
  }
  checkBinding(started.browserHash, value);
}

/** R-SEC-1: the completion must come from the admin (same tenant and object id) who pressed Connect. */
export function checkSamePrincipal(started: { callerTenant?: string; caller: string }, principal: { tenantId: string; objectId: string }): void {
  if (!started.callerTenant || started.callerTenant !== principal.tenantId || started.caller !== principal.objectId) {
    throw new ApiError('SIGN_IN_OTHER_ADMIN');
  }
}
