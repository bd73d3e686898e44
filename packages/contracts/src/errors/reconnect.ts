/**
 * Health codes a new sign-in (or password) can cure; the rest need an administrator first (a
 * removed licence, a disabled account, a policy). Apart from the catalogue, so the web part's first
 * render can ask without the catalogue's texts (`@lms-m365/contracts/errors/reconnect`); the API's
 * alert mails ask it too, so they invite a reconnect only where the page offers one.
 */
const CURED_BY_SIGN_IN: readonly string[] = ['TOKEN_REVOKED', 'CONSENT_REQUIRED', 'CONSENT_DECLINED', 'PERMISSIONS_MISSING', 'SIGN_IN_FAILED',
  'STATE_INVALID', 'STATE_EXPIRED', 'BAD_CREDENTIALS', 'APP_PASSWORD_REQUIRED', 'NOT_CONNECTED', 'ACCOUNT_MISMATCH'];

/** Whether Reconnect can help a connection lost with `code` (a removed licence needs an admin, not a sign-in). */
export function reconnectHelps(code: string | null | undefined): boolean {
  return !code || CURED_BY_SIGN_IN.indexOf(code) >= 0;
}
