/**
 * Every failure a service reports, in one shape the page can explain:
 * - problem: the API answered an RFC 9457 problem with a code from the catalogue (or not);
 * - conflict: the settings or connection changed since they were read (ETag mismatch);
 * - timeout / network: no usable answer;
 * - token: SharePoint could not get the page a token for the connection API (its permission not
 *   approved yet, a sign-in policy, a wrong Application ID URI): `detail` has the AADSTS code if any;
 * - unknown: anything else (shown as a generic message, never as a stack trace).
 */
export type AppErrorKind = 'problem' | 'conflict' | 'timeout' | 'network' | 'token' | 'unknown';

export interface IAppError {
  isAppError: true;
  kind: AppErrorKind;
  status?: number;
  code?: string;
  title?: string;
  detail?: string;
  /** From when a refused request may be made again (the answer's Retry-After), ISO 8601. */
  retryAt?: string;
  /** The API's id of the request it refused (the problem's `instance`), shown for support. */
  requestId?: string;
  /** What Microsoft 365 answered (e.g. "AADSTS50076", "SMTP 535 5.7.139"), shown for the Microsoft 365 admin. */
  upstream?: string;
}

export function appError(kind: AppErrorKind, fields: Partial<IAppError> = {}): IAppError {
  return { ...fields, isAppError: true, kind };
}

/** SPFx's token failure for the connection API as the page explains it: only the AADSTS code is kept of its message. */
export function tokenError(error: unknown): IAppError {
  const code = /AADSTS\d+/.exec(error instanceof Error ? error.message : String(error))?.[0];
  return appError('token', code ? { detail: code } : {});
}

export function isAppError(value: unknown): value is IAppError {
  return typeof value === 'object' && value !== null && (value as IAppError).isAppError === true;
}

/** Anything caught becomes an IAppError; the raw error never reaches the page. */
export function toAppError(value: unknown): IAppError {
  if (isAppError(value)) {
    return value;
  }
  return appError('unknown');
}
