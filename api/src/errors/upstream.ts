import type { ErrorCode } from '@lms-m365/contracts';
import { ApiError } from './apiError';

/**
 * Pure translations of what Microsoft 365 answers into the catalogue's codes. Each takes only
 * the upstream's codes and reply text (never a request), so a secret cannot leak through them.
 */

/** Where a token request failed: redeeming a sign-in code, or refreshing a kept connection. */
export type TokenContext = 'sign-in' | 'refresh' | 'password';

/** AADSTS numbers that decide the code; the rest fall back per context. */
const AADSTS_CODES: Record<string, ErrorCode> = {
  '65001': 'CONSENT_REQUIRED',
  '65004': 'CONSENT_DECLINED',
  '90094': 'CONSENT_REQUIRED',
  '90095': 'CONSENT_REQUIRED',
  '50057': 'ACCOUNT_DISABLED',
  '50053': 'ACCOUNT_DISABLED',
  '50126': 'BAD_CREDENTIALS',
  '50076': 'APP_PASSWORD_REQUIRED',
  '50079': 'APP_PASSWORD_REQUIRED',
  '700082': 'TOKEN_REVOKED',
  '50173': 'TOKEN_REVOKED',
  '50132': 'TOKEN_REVOKED',
  '700084': 'TOKEN_REVOKED',
  '501481': 'STATE_INVALID',
  '54005': 'STATE_INVALID',
  '50148': 'STATE_INVALID',
  '50196': 'THROTTLED'
};

/** Reads the AADSTS number out of an error description or code list. */
export function aadstsNumber(text: string | undefined, errorCodes?: readonly (number | string)[]): string | undefined {
  if (errorCodes && errorCodes.length > 0) {
    return String(errorCodes[0]);
  }
  const match = /AADSTS(\d{5,7})/.exec(text ?? '');
  return match ? match[1] : undefined;
}

/** An OAuth error (`error`, AADSTS number) -> catalogue code. */
export function mapTokenError(error: string | undefined, aadsts: string | undefined, context: TokenContext): ErrorCode {
  if (aadsts && AADSTS_CODES[aadsts]) {
    return AADSTS_CODES[aadsts];
  }
  if (error === 'access_denied' || error === 'consent_required') {
    return error === 'access_denied' ? 'CONSENT_DECLINED' : 'CONSENT_REQUIRED';
  }
  if (error === 'temporarily_unavailable' || error === 'server_error') {
    return 'SERVICE_UNAVAILABLE';
  }
  if (error === 'invalid_grant' && context === 'refresh') {
    return 'TOKEN_REVOKED';
  }
  if (error === 'invalid_grant' && context === 'password') {
    return 'BAD_CREDENTIALS';
  }
  return context === 'refresh' ? 'TOKEN_REVOKED' : 'SIGN_IN_FAILED';
}

/** A Graph error (HTTP status + `error.code`) -> catalogue code. */
export function mapGraphError(status: number, graphCode: string | undefined): ErrorCode {
  const code = (graphCode ?? '').toLowerCase();
  if (code === 'errorsubmissionquotaexceeded') {
    return 'SENDING_QUOTA_EXCEEDED';
  }
  if (code === 'errorsendasdenied' || code === 'errormessagesubmissionblocked') {
    return 'SENDING_BLOCKED';
  }
  if (status === 429) {
    return 'THROTTLED';
  }
  if (code === 'mailboxnotenabledforrestapi' || code === 'mailboxnotfound' || code === 'errormailboxnotfound' || code === 'resourcenotfound' && status === 404) {
    return 'MAILBOX_NOT_FOUND';
  }
  if (status === 401) {
    return 'TOKEN_REVOKED';
  }
  if (code === 'errorinvalidrecipients') {
    return 'RECIPIENT_REJECTED';
  }
  if (status === 403) {
    return 'PERMISSIONS_MISSING';
  }
  if (status === 404) {
    return 'MAILBOX_NOT_FOUND';
  }
  if (status >= 500) {
    return 'SERVICE_UNAVAILABLE';
  }
  return 'SIGN_IN_FAILED';
}

/** How the SMTP login was attempted: a password (classic) or an OAuth token (modern). */
export type SmtpContext = 'password' | 'oauth';

/** An SMTP failure (reply code, reply text, nodemailer's error code) -> catalogue code. */
export function mapSmtpError(responseCode: number | undefined, response: string | undefined, errorCode: string | undefined, context: SmtpContext): ErrorCode {
  const text = (response ?? '').toLowerCase();
  if (responseCode === undefined && errorCode !== 'EAUTH' && errorCode !== 'EENVELOPE') {
    return 'SMTP_UNAVAILABLE';
  }
  if (text.includes('smtpclientauthentication is disabled')) {
    return 'SMTP_AUTH_DISABLED';
  }
  // Exchange's answer once basic authentication for client submission is retired (MC786329):
  // no password will do, so it is not BAD_CREDENTIALS.
  if (/\b5\.7\.30\b/.test(text) || text.includes('basic authentication is not supported for client submission')) {
    return 'BASIC_AUTH_RETIRED';
  }
  if (text.includes('basic authentication is disabled') || text.includes('security defaults')) {
    return 'BASIC_AUTH_DISABLED';
  }
  if (text.includes('did not meet the criteria') || text.includes('app password') || text.includes('multi-factor')) {
    return 'APP_PASSWORD_REQUIRED';
  }
  // Exchange's sending limits: the daily recipient quota, and the block after too much or suspicious mail.
  if (text.includes('submissionquotaexceeded')) {
    return 'SENDING_QUOTA_EXCEEDED';
  }
  if (/\b5\.2\.25[1-5]\b/.test(text)) {
    return 'SENDING_BLOCKED';
  }
  if (responseCode === 535 || responseCode === 534 || errorCode === 'EAUTH') {
    return context === 'oauth' ? 'TOKEN_REVOKED' : 'BAD_CREDENTIALS';
  }
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    return 'THROTTLED';
  }
  if (responseCode === 550 || responseCode === 553 || responseCode === 501 || errorCode === 'EENVELOPE') {
    return 'RECIPIENT_REJECTED';
  }
  return 'SMTP_UNAVAILABLE';
}

/** The SMTP reply's code and enhanced status, safe to show (no reply text: it may echo input). */
export function smtpUpstream(responseCode: number | undefined, response: string | undefined): string | undefined {
  if (responseCode === undefined) {
    return undefined;
  }
  const enhanced = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(response ?? '');
  return enhanced ? `SMTP ${responseCode} ${enhanced[1]}` : `SMTP ${responseCode}`;
}

interface SmtpLikeError {
  responseCode?: number;
  response?: string;
  code?: string;
}

export function smtpApiError(error: unknown, context: SmtpContext): ApiError {
  const e = (error ?? {}) as SmtpLikeError;
  const code = mapSmtpError(e.responseCode, e.response, e.code, context);
  return new ApiError(code, { upstream: smtpUpstream(e.responseCode, e.response) ?? e.code });
}
