import type { ErrorCode } from '@lms-m365/contracts';
import { ApiError } from './apiError';

/**
 * Pure translations of what Microsoft 365 answers into the catalogue's codes. Each takes only
 * the upstream's codes and reply text (never a request), so a secret cannot leak through them.
 */

/**
 * Where a token request failed: redeeming a sign-in code, refreshing a kept connection, a Classic
 * password, or the API's own app-only token (client credentials: no account is involved).
 */
export type TokenContext = 'sign-in' | 'refresh' | 'password' | 'app';

/** What a token request may fail with and still be a passing fault: asked again later. */
const PASSING_TOKEN_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['SERVICE_UNAVAILABLE', 'THROTTLED']);

/** AADSTS numbers that decide the code; the rest fall back per context. */
const AADSTS_CODES: Record<string, ErrorCode> = {
  '65001': 'CONSENT_REQUIRED',
  '65004': 'CONSENT_DECLINED',
  '90094': 'CONSENT_REQUIRED',
  '90095': 'CONSENT_REQUIRED',
  '50057': 'ACCOUNT_DISABLED',
  '50053': 'ACCOUNT_DISABLED',
  '50126': 'BAD_CREDENTIALS',
  '700082': 'TOKEN_REVOKED',
  '50173': 'TOKEN_REVOKED',
  '50132': 'TOKEN_REVOKED',
  '700084': 'TOKEN_REVOKED',
  '501481': 'STATE_INVALID',
  '54005': 'STATE_INVALID',
  '50148': 'STATE_INVALID',
  '50196': 'THROTTLED',
  // The API's own client credentials, whoever's token it asked: a client secret expired, wrong or
  // missing, the app registration gone from the tenant or disabled (reference-error-codes). Not a
  // catalog's connection: it is never taken for a loss.
  '7000222': 'SERVICE_CREDENTIALS_REJECTED',
  '7000215': 'SERVICE_CREDENTIALS_REJECTED',
  '7000218': 'SERVICE_CREDENTIALS_REJECTED',
  '700016': 'SERVICE_CREDENTIALS_REJECTED',
  '7000112': 'SERVICE_CREDENTIALS_REJECTED',
  // Conditional Access (or security defaults) blocks the account's sign-ins from where the API
  // signs in: a tenant admin's policy, not a revoked grant - reconnecting from a compliant browser
  // would not keep the API's own refreshes from being blocked (reference-error-codes).
  '53000': 'CONDITIONAL_ACCESS_BLOCKED',
  '53001': 'CONDITIONAL_ACCESS_BLOCKED',
  '53002': 'CONDITIONAL_ACCESS_BLOCKED',
  '53003': 'CONDITIONAL_ACCESS_BLOCKED',
  '530032': 'CONDITIONAL_ACCESS_BLOCKED',
  '530035': 'CONDITIONAL_ACCESS_BLOCKED',
  // Transient errors of the identity platform (reference-error-codes: RetryableError,
  // ExternalServerRetryableError, RequestBudgetExceededError, MsodsServiceUnavailable,
  // GraphRetryableError; TenantThrottlingError): asked again later, never a loss.
  '50033': 'SERVICE_UNAVAILABLE',
  '90006': 'SERVICE_UNAVAILABLE',
  '90024': 'SERVICE_UNAVAILABLE',
  '90033': 'SERVICE_UNAVAILABLE',
  '90090': 'SERVICE_UNAVAILABLE',
  '90055': 'THROTTLED'
};

/** Reads the AADSTS number out of an error description or code list. */
export function aadstsNumber(text: string | undefined, errorCodes?: readonly (number | string)[]): string | undefined {
  if (errorCodes && errorCodes.length > 0) {
    return String(errorCodes[0]);
  }
  const match = /AADSTS(\d{5,7})/.exec(text ?? '');
  return match ? match[1] : undefined;
}

/**
 * Multi-factor authentication or a Conditional Access policy asks for an interactive sign-in: with a
 * password only an app password gets past it; a kept connection must be signed in again; an
 * interactive sign-in (or the owner check on the caller's behalf) did not complete.
 */
const INTERACTION_REQUIRED = ['50076', '50079'];
const INTERACTION_CODES: Record<Exclude<TokenContext, 'app'>, ErrorCode> = { password: 'APP_PASSWORD_REQUIRED', refresh: 'TOKEN_REVOKED', 'sign-in': 'SIGN_IN_FAILED' };

/**
 * An OAuth error (`error`, AADSTS number) -> catalogue code. The API's own app-only token refused
 * for a reason that is not passing (a secret expired, a Conditional Access policy for workload
 * identities, the app disabled) is SERVICE_CREDENTIALS_REJECTED whatever the number says: a code
 * of an account's (CONDITIONAL_ACCESS_BLOCKED, ACCOUNT_DISABLED) would mark every catalog whose
 * check asks for that token lost.
 */
export function mapTokenError(error: string | undefined, aadsts: string | undefined, context: TokenContext): ErrorCode {
  if (context === 'app') {
    const code = mapTokenError(error, aadsts, 'sign-in');
    return PASSING_TOKEN_CODES.has(code) ? code : 'SERVICE_CREDENTIALS_REJECTED';
  }
  if (aadsts && INTERACTION_REQUIRED.includes(aadsts)) {
    return INTERACTION_CODES[context];
  }
  if (aadsts && AADSTS_CODES[aadsts]) {
    return AADSTS_CODES[aadsts];
  }
  if (error === 'access_denied' || error === 'consent_required') {
    return error === 'access_denied' ? 'CONSENT_DECLINED' : 'CONSENT_REQUIRED';
  }
  if (error === 'temporarily_unavailable' || error === 'server_error') {
    return 'SERVICE_UNAVAILABLE';
  }
  if (isClientAuthenticationError(error)) {
    return 'SERVICE_CREDENTIALS_REJECTED';
  }
  if (error === 'invalid_grant' && context === 'password') {
    return 'BAD_CREDENTIALS';
  }
  // A refresh refused for any other reason (invalid_grant included) leaves no kept sign-in to use.
  return context === 'refresh' ? 'TOKEN_REVOKED' : 'SIGN_IN_FAILED';
}

/**
 * Client authentication failed, or the client may not use the flow (RFC 6749 5.2): the API's own
 * registration (its secret, its settings), whatever the number and whichever grant - never any
 * catalog's.
 */
export function isClientAuthenticationError(error: unknown): boolean {
  return error === 'invalid_client' || error === 'unauthorized_client';
}

/** What a Graph request hands over: a message or event the account sends, or anything else. */
export type GraphRequestKind = 'message' | 'request';

/** A Graph error (HTTP status + `error.code`) -> catalogue code. */
export function mapGraphError(status: number, graphCode: string | undefined, what: GraphRequestKind = 'request'): ErrorCode {
  const code = (graphCode ?? '').toLowerCase();
  if (code === 'errorsubmissionquotaexceeded') {
    return 'SENDING_QUOTA_EXCEEDED';
  }
  if (code === 'errorsendasdenied') {
    return 'SEND_AS_DENIED';
  }
  if (code === 'errormessagesubmissionblocked') {
    return 'SENDING_BLOCKED';
  }
  // The mailbox is over its quota (its Sent Items count): Exchange's EWS code, as Graph passes it on
  // (microsoft-graph-docs#3935 on sendMail, #2927 on a read); its HTTP status is not documented.
  if (code === 'errorquotaexceeded') {
    return 'MAILBOX_FULL';
  }
  if (status === 429) {
    return 'THROTTLED';
  }
  if (code === 'mailboxnotenabledforrestapi' || code === 'mailboxnotfound' || code === 'errormailboxnotfound') {
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
  // Graph refused the message or event it was given: the same one is refused again.
  if (status === 400 && what === 'message') {
    return 'MESSAGE_REJECTED';
  }
  return 'SIGN_IN_FAILED';
}

/** How the SMTP login was attempted: a password (classic) or an OAuth token (modern). */
export type SmtpContext = 'password' | 'oauth';

/** The enhanced status code of an SMTP reply (RFC 3463, `5.7.60`), if it has one. */
function enhancedStatus(response: string | undefined): string | undefined {
  return /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(response ?? '')?.[1];
}

/**
 * Exchange's refusals of the sender rather than of the message (besides send-as denied): an account
 * blocked for outbound spam (5.1.8 "bad outbound sender") and a tenant blocked for its traffic
 * (5.7.700-5.7.750, "Fix email delivery issues for error codes 5.7.700 through 5.7.750"). 5.7.703
 * is the odd one of that range: the tenant's block list refusing a recipient.
 */
function refusesSender(enhanced: string | undefined): boolean {
  return enhanced === '5.1.8' || (enhanced !== undefined && /^5\.7\.7\d\d$/.test(enhanced) && enhanced !== '5.7.703');
}

/**
 * Enhanced codes about a recipient (RFC 3463 X.1.x "addressing status", Exchange's 5.1.10
 * RecipientNotFound), minus the two about the sender (X.1.7, X.1.8) and Exchange's 5.1.90, the
 * sender's daily recipient limit; and 5.7.703, a recipient on the tenant's block list.
 */
function refusesRecipient(enhanced: string | undefined): boolean {
  return enhanced !== undefined && ((/^5\.1\.\d+$/.test(enhanced) && !['5.1.7', '5.1.8', '5.1.90'].includes(enhanced)) || enhanced === '5.7.703');
}

/**
 * An SMTP failure (reply code, reply text, nodemailer's error code and the command it failed at)
 * -> catalogue code. Only a refused recipient is the message's own fault: a refusal of the sender
 * stops the mailbox (as Graph's ErrorSendAsDenied does), and a reply the table does not know is
 * retried with back-off rather than taken for the message's fault or for throttling.
 */
export function mapSmtpError(responseCode: number | undefined, response: string | undefined, errorCode: string | undefined, context: SmtpContext, command?: string): ErrorCode {
  const text = (response ?? '').toLowerCase();
  const enhanced = enhancedStatus(response);
  if (responseCode === undefined && errorCode !== 'EAUTH' && errorCode !== 'EENVELOPE') {
    return 'SMTP_UNAVAILABLE';
  }
  // nodemailer refused the envelope itself, before asking the server: its addresses are malformed.
  if (responseCode === undefined && errorCode === 'EENVELOPE') {
    return 'RECIPIENT_REJECTED';
  }
  if (text.includes('smtpclientauthentication is disabled')) {
    return 'SMTP_AUTH_DISABLED';
  }
  // Exchange's answer once basic authentication for client submission is retired (MC786329):
  // no password will do, so it is not BAD_CREDENTIALS.
  if (enhanced === '5.7.30' || text.includes('basic authentication is not supported for client submission')) {
    return 'BASIC_AUTH_RETIRED';
  }
  if (text.includes('basic authentication is disabled') || text.includes('security defaults')) {
    return 'BASIC_AUTH_DISABLED';
  }
  if (text.includes('did not meet the criteria') || text.includes('app password') || text.includes('multi-factor')) {
    return 'APP_PASSWORD_REQUIRED';
  }
  // Exchange's sending limits: the daily recipient quota (the SMTP reply, or the bounce's 5.1.90),
  // and the block after too much or suspicious mail.
  if (text.includes('submissionquotaexceeded') || enhanced === '5.1.90') {
    return 'SENDING_QUOTA_EXCEEDED';
  }
  // The sender's mailbox is full: "554 5.2.2 mailbox full; STOREDRV.Submission.Exception:
  // QuotaExceededException.MapiException(Shutoff)QuotaExceeded" ("Message storage and concurrent
  // connection throttling for SMTP Authenticated Submission"), and 5.2.251, the throttling that
  // follows continuous mailbox-full errors. After the daily quota, whose
  // SubmissionQuotaExceededException contains the same words.
  if (text.includes('quotaexceededexception') || /\b5\.2\.251\b/.test(text)) {
    return 'MAILBOX_FULL';
  }
  // Send-as denied: the address the account sends from is not one of its mailbox's (a Classic login
  // that is a UPN other than the mailbox's address) - "550 5.7.60 SMTP; Client does not have
  // permissions to send as this sender", SendAsDeniedException, and the throttling after a run of
  // them, "550 5.2.252 Sender throttled due to continuous send as denied errors" (Continuous error
  // throttling for SMTP AUTH submissions): the cause, and its remedy, are the same.
  if (enhanced === '5.7.60' || /\b5\.2\.252\b/.test(text) || text.includes('sendasdenied')) {
    return 'SEND_AS_DENIED';
  }
  // Exchange's outbound spam filter restricting the sender: "554 5.2.0 STOREDRV.Submission.Exception:
  // OutboundSpamException; ... WASCL UserAction verdict is not None" (nodemailer#1486) - the
  // account, not the message, until an admin releases it (Restricted entities).
  if (/\b5\.2\.25[3-5]\b/.test(text) || refusesSender(enhanced) || text.includes('outboundspamexception')) {
    return 'SENDING_BLOCKED';
  }
  // Exchange's per-mailbox limit of sending connections (432 4.3.2) and a server closing the
  // connection (421) ask the mailbox to wait; any other 4xx for the whole message (a temporary
  // login failure, ...) is retried with back-off and counted, or it would be retried for ever
  // (a 4xx at RCPT TO for some recipients is the transport's: mail/smtp.ts). Decided by the
  // codes: the 432 text changed over the years.
  if (responseCode === 432 || responseCode === 421 || enhanced === '4.3.2') {
    return 'THROTTLED';
  }
  if (responseCode !== undefined && responseCode < 500) {
    return 'SMTP_UNAVAILABLE';
  }
  // 530 5.7.57: the session is not logged in, so the kept login is what failed.
  if (responseCode === 535 || responseCode === 534 || responseCode === 530 || enhanced === '5.7.57' || errorCode === 'EAUTH') {
    return context === 'oauth' ? 'TOKEN_REVOKED' : 'BAD_CREDENTIALS';
  }
  if (command === 'RCPT TO' || refusesRecipient(enhanced)) {
    return 'RECIPIENT_REJECTED';
  }
  // Whatever else refuses the envelope's sender is about the mailbox, except a message too large
  // (552 / 5.3.4, announced with SIZE at MAIL FROM), which another message would not meet.
  if (command === 'MAIL FROM' && responseCode !== 552 && enhanced !== '5.3.4') {
    return 'SENDING_BLOCKED';
  }
  return 'SMTP_UNAVAILABLE';
}

/** The SMTP reply's code and enhanced status, safe to show (no reply text: it may echo input). */
export function smtpUpstream(responseCode: number | undefined, response: string | undefined): string | undefined {
  if (responseCode === undefined) {
    return undefined;
  }
  const enhanced = enhancedStatus(response);
  return enhanced ? `SMTP ${responseCode} ${enhanced}` : `SMTP ${responseCode}`;
}

interface SmtpLikeError {
  responseCode?: number;
  response?: string;
  code?: string;
  /** The SMTP command nodemailer was answered at (`MAIL FROM`, `RCPT TO`, `DATA`, ...). */
  command?: string;
}

export function smtpApiError(error: unknown, context: SmtpContext): ApiError {
  const e = (error ?? {}) as SmtpLikeError;
  const code = mapSmtpError(e.responseCode, e.response, e.code, context, e.command);
  // No reply (the session broke, a timeout): the server may have taken the message. A reply, even a 4xx, says it did not.
  return new ApiError(code, { upstream: smtpUpstream(e.responseCode, e.response) ?? e.code, unanswered: code === 'SMTP_UNAVAILABLE' && e.responseCode === undefined });
}
