import { ERROR_CATALOGUE, ErrorCode, type ILocalizedText } from '@lms-m365/contracts';

/**
 * The only error the API answers with on purpose. `detail` is shown to the caller, so it must be
 * built from non-secret facts only (a field name, an upstream code) - never from a password,
 * token or message body.
 */
export class ApiError extends Error {
  public readonly code: ErrorCode;
  public readonly status: number;
  public readonly detail?: string;
  /** Upstream identifiers for operators (AADSTS number, SMTP reply code); logged, and answered. */
  public readonly upstream?: string;
  public readonly retryAfterSeconds?: number;
  /** What to do, when the catalogue's remedy is written for another caller (the page's for the LMS back end). */
  public readonly remedy?: ILocalizedText;
  /**
   * The request reached the upstream, or may have, and no answer said whether it acted on it (no
   * answer at all, a timeout, a 5xx): a message sent so may have been taken. Set by the client that
   * saw it (graph/graphClient.ts, errors/upstream.ts for SMTP); the engine counts a retry of such a
   * send as a resubmission.
   */
  public readonly unanswered: boolean;

  public constructor(code: ErrorCode, options: { detail?: string; upstream?: string; retryAfterSeconds?: number; remedy?: ILocalizedText; unanswered?: boolean } = {}) {
    super(code);
    this.name = 'ApiError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.detail = options.detail;
    this.upstream = options.upstream;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.remedy = options.remedy;
    this.unanswered = options.unanswered ?? false;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

/** The catalogue code of anything thrown: an ApiError's own, INTERNAL_ERROR for the rest (for logs and decisions). */
export function codeOf(error: unknown): ErrorCode {
  return error instanceof ApiError ? error.code : 'INTERNAL_ERROR';
}

/**
 * What a log line says of an error: its catalogue code and, when the service behind said one, that
 * service's own (`upstream`). An error that is not the API's own (a storage SDK's, a bug) also
 * gives its HTTP status and its kind, so an INTERNAL_ERROR line says what failed - never its message.
 */
export function logFields(error: unknown): { code: ErrorCode; upstream?: string; statusCode?: number; type?: string } {
  if (error instanceof ApiError) {
    return { code: error.code, ...(error.upstream ? { upstream: error.upstream } : {}) };
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; statusCode?: unknown };
  return {
    code: 'INTERNAL_ERROR',
    ...(typeof e.statusCode === 'number' ? { statusCode: e.statusCode } : {}),
    ...(typeof e.name === 'string' && e.name !== 'Error' && /^[A-Za-z]{1,40}$/.test(e.name) ? { type: e.name } : {})
  };
}

/**
 * The instant a request's date-time names. The schema's `date-time` format is RFC 3339's, which
 * allows a leap second (23:59:60) that JavaScript cannot read: such a time is refused here, not
 * carried on as NaN (which every comparison lets through).
 */
export function instant(value: string, field: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new ApiError('VALIDATION_FAILED', { detail: `${field} is not a time the API can read (a leap second is not accepted).` });
  }
  return ms;
}
