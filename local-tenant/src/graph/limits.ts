/**
 * Per-mailbox Exchange limits as pure decisions: a sliding one-minute window of sent messages
 * and a count of requests in flight. The caller supplies the clock.
 */
export interface Decision {
  allowed: boolean;
  /** Seconds to wait, for the Retry-After header. */
  retryAfter: number;
  reason: 'rate' | 'concurrency' | 'forced' | null;
}

const WINDOW_MS = 60 * 1000;

export function rateDecision(sentAt: number[], now: number, perMinute: number): Decision {
  const recent = sentAt.filter((t) => now - t < WINDOW_MS);
  if (recent.length < perMinute) return { allowed: true, retryAfter: 0, reason: null };
  const oldest = Math.min(...recent);
  return { allowed: false, retryAfter: Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000)), reason: 'rate' };
}

export function concurrencyDecision(inFlight: number, limit: number): Decision {
  return inFlight < limit ? { allowed: true, retryAfter: 0, reason: null } : { allowed: false, retryAfter: 1, reason: 'concurrency' };
}

/** Mutable bookkeeping of the decisions above, one entry per mailbox. */
export class MailboxMeter {
  private sent = new Map<string, number[]>();
  private inFlight = new Map<string, number>();

  clear(): void {
    this.sent.clear();
    this.inFlight.clear();
  }

  sentTimes(mailbox: string, now: number): number[] {
    const kept = (this.sent.get(mailbox) ?? []).filter((t) => now - t < WINDOW_MS);
    this.sent.set(mailbox, kept);
    return kept;
  }

  recordSend(mailbox: string, now: number): void {
    this.sentTimes(mailbox, now).push(now);
  }

  active(mailbox: string): number {
    return this.inFlight.get(mailbox) ?? 0;
  }

  enter(mailbox: string): void {
    this.inFlight.set(mailbox, this.active(mailbox) + 1);
  }

  leave(mailbox: string): void {
    this.inFlight.set(mailbox, Math.max(0, this.active(mailbox) - 1));
  }
}
