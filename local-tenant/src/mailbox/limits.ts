/**
 * Exchange Online's per-mailbox sending limits as pure decisions. The caller supplies the clock
 * and the bookkeeping; every window is scaled by the tenant's time scale (docs/local-tenant.md).
 *
 * Sources: Exchange Online limits, "Sending limits" (30 messages a minute, 10,000 recipients a
 * day, 500 recipients a message); SMTP AUTH client submission (3 connections of a mailbox
 * sending at the same time); Microsoft Graph throttling limits, Outlook service (4 concurrent
 * requests for every app and mailbox).
 */

/** The limits one tenant applies to every mailbox; faults may lower them per mailbox. */
export interface SendingLimits {
  /** Off: every submission is delivered at once and nothing is refused for volume. */
  enabled: boolean;
  messagesPerMinute: number;
  recipientsPerDay: number;
  recipientsPerMessage: number;
  /** Concurrent Graph requests per app and mailbox (mail and calendar). */
  concurrentRequests: number;
  /** SMTP connections of a mailbox sending (mid-transaction) at the same time. */
  smtpConnections: number;
}

export const MINUTE_MS = 60 * 1000;
export const DAY_MS = 24 * 60 * MINUTE_MS;

export interface Decision {
  allowed: boolean;
  /** Seconds to wait, for the Retry-After header. */
  retryAfter: number;
  reason: 'concurrency' | 'quota' | null;
}

const allowed: Decision = { allowed: true, retryAfter: 0, reason: null };

export function concurrencyDecision(inFlight: number, limit: number): Decision {
  return inFlight < limit ? allowed : { allowed: false, retryAfter: 1, reason: 'concurrency' };
}

/**
 * When a message submitted at `now` is delivered: at once while fewer than `perMinute` deliveries
 * fall in the last window, otherwise in the first slot the window frees. Exchange accepts the
 * excess and carries it over to the following minutes instead of refusing it.
 * `scheduled` holds earlier delivery times in the order they were given (never decreasing).
 */
export function deliverySlot(scheduled: readonly number[], now: number, perMinute: number, windowMs: number): number {
  if (scheduled.length < perMinute) return now;
  const blocking = scheduled[scheduled.length - perMinute];
  return Math.max(now, blocking + windowMs);
}

/**
 * The daily recipient rate limit over a rolling window: refused when the message would take the
 * mailbox past `perDay`. `sent` holds earlier submissions (time, recipient count).
 */
export function recipientQuotaDecision(sent: readonly { at: number; recipients: number }[], now: number, recipients: number, perDay: number, windowMs: number): Decision {
  const live = sent.filter((s) => now - s.at < windowMs);
  const used = live.reduce((n, s) => n + s.recipients, 0);
  if (used + recipients <= perDay) return allowed;
  // The earliest moment enough old recipients leave the window for this message to fit.
  let freed = used + recipients - perDay;
  let wait = windowMs;
  for (const s of live) {
    freed -= s.recipients;
    if (freed <= 0) {
      wait = s.at + windowMs - now;
      break;
    }
  }
  return { allowed: false, retryAfter: Math.max(1, Math.ceil(wait / 1000)), reason: 'quota' };
}

