import type { ErrorCode } from '@lms-m365/contracts';
import { format, type IConnectionSettingsStrings } from '../loc';
import type { IAppError } from './appError';
import type { AuthMethod } from './connection';

/**
 * Codes that mean the page, the API or their set-up disagree - nothing a catalog admin can fix.
 * Their catalogue remedies speak to developers and operators (docs, headers, settings); the page
 * tells the admin whom to give the code to instead (issue 14, point 4).
 */
export const OPERATOR_CODES = ['ORIGIN_NOT_ALLOWED', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE',
  'PRECONDITION_REQUIRED', 'VALIDATION_FAILED', 'APP_ROLE_MISSING', 'CATALOG_INVALID', 'CLIENT_APP_NOT_ACCEPTED'];

export { reconnectHelps } from './reconnect';

/** A code of the catalogue (the page's strings carry every code's texts in its language). */
export function isCatalogueCode(code: string | undefined | null, strings: IConnectionSettingsStrings): code is ErrorCode {
  return typeof code === 'string' && !!strings.errors && Object.prototype.hasOwnProperty.call(strings.errors, code);
}

export interface IErrorMessage {
  title: string;
  /** What to do about it; empty where the title already says it. */
  remedy: string;
  /** "Error code: X" when the API gave a code, for support. */
  codeLine?: string;
  /** "Request ID: X" when the API's answer named the request (its problem's instance), for support. */
  requestIdLine?: string;
  /** "Microsoft 365 answered: X" when the refusal came from Microsoft 365, for its admin. */
  upstreamLine?: string;
  /** Offer to reload the stored state (after an ETag conflict). */
  offerReload: boolean;
}

/** The remedy that fits the method: a Classic account is not told to pick a Modern transport. */
function remedyFor(code: ErrorCode, strings: IConnectionSettingsStrings, method: AuthMethod | null | undefined): string {
  if (OPERATOR_CODES.indexOf(code) >= 0) {
    return strings.remedyOperator;
  }
  // The catalogue's remedies for these point the LMS back end at the Retry-After header.
  if (code === 'RATE_LIMITED') {
    return strings.remedyWait;
  }
  if (code === 'CONNECT_ATTEMPTS_LIMITED') {
    return strings.remedyAttemptsLimited;
  }
  if (method === 'classic' && code === 'SMTP_AUTH_DISABLED') {
    return strings.remedySmtpAuthClassic;
  }
  return strings.errors ? strings.errors[code].remedy : '';
}

/** Catalogue code -> the catalogue's own title and remedy in the page's language. */
/** The page's own codes (SharePoint's answers about the settings list; not in the API's catalogue): title and remedy. */
const PAGE_CODES: Record<string, (strings: IConnectionSettingsStrings) => [string, string]> = {
  LIST_ACCESS_DENIED: (strings) => [strings.listAccessDeniedTitle, strings.listAccessDeniedRemedy],
  LIST_TITLE_TAKEN: (strings) => [strings.listTitleTakenTitle, strings.listTitleTakenRemedy]
};

export function messageForCode(code: string, strings: IConnectionSettingsStrings, method?: AuthMethod | null): IErrorMessage {
  const own = PAGE_CODES[code];
  if (own) {
    const [title, remedy] = own(strings);
    return { title, remedy, codeLine: format(strings.errorCode, code), offerReload: false };
  }
  if (isCatalogueCode(code, strings)) {
    const entry = (strings.errors as NonNullable<IConnectionSettingsStrings['errors']>)[code];
    return {
      title: entry.title,
      remedy: remedyFor(code, strings, method),
      codeLine: format(strings.errorCode, code),
      offerReload: false
    };
  }
  // unknownError already says to try again.
  return { title: strings.unknownError, remedy: '', codeLine: format(strings.errorCode, code), offerReload: false };
}

/** The hour and minute of an ISO time in the page's language. */
function clock(iso: string, strings: IConnectionSettingsStrings): string {
  return new Intl.DateTimeFormat(strings.locale, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
}

/** A refusal for now (too many attempts, too many requests) whose answer said when: from when to try again. */
function waitRemedy(error: IAppError, strings: IConnectionSettingsStrings): string | undefined {
  if (!error.retryAt) {
    return undefined;
  }
  if (error.code === 'CONNECT_ATTEMPTS_LIMITED') {
    return format(strings.remedyAttemptsLimitedAt, clock(error.retryAt, strings));
  }
  return error.code === 'RATE_LIMITED' ? format(strings.remedyRetryAt, clock(error.retryAt, strings)) : undefined;
}

/** An IAppError, or a message of the page's own (already in the page's language). */
export function messageForError(error: IAppError | string, strings: IConnectionSettingsStrings, method?: AuthMethod | null): IErrorMessage {
  if (typeof error === 'string') {
    return { title: error, remedy: '', offerReload: false };
  }
  switch (error.kind) {
    case 'conflict':
      return { title: strings.conflictTitle, remedy: '', offerReload: true };
    case 'timeout':
      return { title: strings.timeoutError, remedy: '', offerReload: false };
    case 'network':
      return { title: strings.networkError, remedy: '', offerReload: false };
    case 'token':
      // Entra's code on its own line, as every other code is shown (not in parentheses after the full stop).
      return { title: strings.tokenError, remedy: strings.tokenErrorRemedy, ...(error.detail ? { codeLine: format(strings.errorCode, error.detail) } : {}), offerReload: true };
    case 'problem': {
      // What the admin gives to support: the request's id, and Microsoft 365's own answer.
      const support = {
        ...(error.requestId ? { requestIdLine: format(strings.requestId, error.requestId) } : {}),
        ...(error.upstream ? { upstreamLine: format(strings.upstreamAnswer, error.upstream) } : {})
      };
      if (error.code) {
        const message = messageForCode(error.code, strings, method);
        const wait = waitRemedy(error, strings);
        return { ...message, ...(wait ? { remedy: wait } : {}), ...support };
      }
      return { title: strings.unknownError, remedy: '', offerReload: false, ...support };
    }
    default:
      return { title: strings.unknownError, remedy: '', offerReload: false };
  }
}
