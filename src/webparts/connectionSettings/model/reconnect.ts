/**
 * Health codes a new sign-in (or password) can cure; the rest need an administrator first.
 * Apart from the error catalogue, so the page's first render does not carry the catalogue's texts.
 */
const CURED_BY_SIGN_IN = ['TOKEN_REVOKED', 'CONSENT_REQUIRED', 'CONSENT_DECLINED', 'PERMISSIONS_MISSING', 'SIGN_IN_FAILED',
  'STATE_INVALID', 'STATE_EXPIRED', 'BAD_CREDENTIALS', 'APP_PASSWORD_REQUIRED', 'NOT_CONNECTED', 'ACCOUNT_MISMATCH'];

/** Whether Reconnect can help a connection lost with `code` (a removed licence needs an admin, not a sign-in). */
export function reconnectHelps(code: string | null | undefined): boolean {
  return !code || CURED_BY_SIGN_IN.indexOf(code) >= 0;
}
