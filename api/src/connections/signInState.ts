import { createHash, randomBytes } from 'node:crypto';
import { ApiError } from '../errors/apiError';

/** A sign-in may take this long from Connect to the callback. */
export const SIGN_IN_LIFETIME_MS = 10 * 60_000;

export interface NewSignIn {
  /** Sent in the authorize URL and echoed to the callback; only its hash is stored. */
  state: string;
  /** PKCE code verifier: stays in the API (sealed at rest). */
  verifier: string;
  challenge: string;
  nonce: string;
  expiresAt: number;
}

function randomToken(): string {
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
