import type { ErrorCode } from '@lms-m365/contracts';

/**
 * What a failed submission or probe means, decided in one place (R-LOSS-1, R-USE-4):
 * - `connection-lost`: the kept connection itself stopped working; sending for the catalog is held.
 * - `mailbox-blocked`: the mailbox may not send for a while (quota, Exchange's sending block, a
 *   full mailbox);
 *   its outbox waits instead of hammering it, and the connection is still good.
 * - `message`: this message's own fault (a refused recipient); it fails alone. A refusal of the
 *   sender (send-as denied, a blocked account or tenant) is `mailbox-blocked`, not this.
 * - `passing`: throttling (THROTTLED: the mailbox waits, no attempt is counted), timeouts, other
 *   4xx and unknown 5xx (retried with back-off, each attempt counted); never taken for a loss.
 */
export type FailureKind = 'connection-lost' | 'mailbox-blocked' | 'message' | 'passing';

const KINDS: Partial<Record<ErrorCode, FailureKind>> = {
  TOKEN_REVOKED: 'connection-lost',
  BAD_CREDENTIALS: 'connection-lost',
  MAILBOX_NOT_FOUND: 'connection-lost',
  SHARED_MAILBOX: 'connection-lost',
  SMTP_AUTH_DISABLED: 'connection-lost',
  BASIC_AUTH_DISABLED: 'connection-lost',
  BASIC_AUTH_RETIRED: 'connection-lost',
  CONSENT_REQUIRED: 'connection-lost',
  PERMISSIONS_MISSING: 'connection-lost',
  APP_PASSWORD_REQUIRED: 'connection-lost',
  ACCOUNT_DISABLED: 'connection-lost',
  CONDITIONAL_ACCESS_BLOCKED: 'connection-lost',
  NOT_CONNECTED: 'connection-lost',
  ACCOUNT_MISMATCH: 'connection-lost',
  SENDING_QUOTA_EXCEEDED: 'mailbox-blocked',
  SENDING_BLOCKED: 'mailbox-blocked',
  SEND_AS_DENIED: 'mailbox-blocked',
  MAILBOX_FULL: 'mailbox-blocked',
  RECIPIENT_REJECTED: 'message',
  MESSAGE_REJECTED: 'message',
  VALIDATION_FAILED: 'message'
};

export function failureKind(code: ErrorCode): FailureKind {
  return KINDS[code] ?? 'passing';
}

export function isConnectionLost(code: ErrorCode): boolean {
  return failureKind(code) === 'connection-lost';
}

/**
 * A mailbox block that only someone lifts (Exchange's sending block, a full mailbox): its admins
 * are told. The daily quota lifts by itself within a day and is only shown.
 */
export function needsAdmin(code: ErrorCode): boolean {
  return failureKind(code) === 'mailbox-blocked' && code !== 'SENDING_QUOTA_EXCEEDED';
}

/**
 * The API's own fault, not the message's nor the connection's: Entra refusing its credentials (an
 * expired client secret), Key Vault refusing its key. Sending waits without counting a failure,
 * so nothing fails however long the operator takes; the health sweep says it once.
 */
export function isServiceOwnFault(code: ErrorCode): boolean {
  return code === 'SERVICE_CREDENTIALS_REJECTED' || code === 'SERVICE_KEY_UNAVAILABLE';
}
