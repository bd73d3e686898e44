import { randomUUID } from 'node:crypto';
import { targetsOf, type Submission } from './delivery';
import { concurrencyDecision, DAY_MS, Decision, deliverySlot, MINUTE_MS, recipientQuotaDecision, SendingLimits } from './limits';

/** What the admin endpoint reports per mailbox (GET /_admin/mailboxes/{upn}/counters). */
export interface MailboxCounters {
  mailbox: string;
  /** Every message handed to Exchange (Graph sendMail / event invitations, SMTP DATA), refused or not. */
  submissions: number;
  accepted: number;
  /** Accepted beyond the message rate: delivered later, in the minutes that follow. */
  delayed: number;
  /** Refused: daily recipient quota, forced sending-limit replies. */
  rejected: number;
  /** Accepted but not delivered (more recipients than a message may have): the sender got an NDR. */
  undeliverable: number;
  /** Accepted, not yet delivered. */
  pending: number;
  /** Message-IDs submitted more than once, with how many times each was. */
  duplicatesByMessageId: Record<string, number>;
  /** Submissions whose Message-ID had been submitted before. */
  duplicates: number;
  recipientsToday: number;
  /** Graph mail/calendar requests in flight, every app together (the limit holds per app). */
  graphRequestsInFlight: number;
  /** Authenticated SMTP connections, idle or not. */
  smtpConnections: number;
  /** Of those, the ones sending: between an accepted MAIL FROM and the end of its transaction. */
  smtpSending: number;
}

/** One mailbox's bookkeeping: the reported tallies, and what the limits are decided by. */
interface Book extends Pick<MailboxCounters, 'submissions' | 'accepted' | 'delayed' | 'rejected' | 'undeliverable' | 'pending'> {
  deliveries: number[];
  recipients: { at: number; recipients: number }[];
  messageIds: Map<string, number>;
  /** Graph requests in flight, by app id: Graph's mailbox concurrency is per app and mailbox. */
  graphInFlight: Map<string, number>;
  /** Authenticated SMTP sessions by id, each with whether it is in a mail transaction now. */
  smtpSessions: Map<string, () => boolean>;
}

const emptyBook = (): Book => ({ submissions: 0, accepted: 0, delayed: 0, rejected: 0, undeliverable: 0, pending: 0, deliveries: [], recipients: [], messageIds: new Map(), graphInFlight: new Map(), smtpSessions: new Map() });

export type SubmitResult = { ok: true; internetMessageId: string; deliverAt: number } | { ok: false; decision: Decision };

/**
 * Exchange's transport as the tenant's mailboxes meet it: counts every submission, enforces the
 * per-mailbox limits and delivers each accepted message at the time the message rate allows.
 * Times are real milliseconds; windows shrink by the time scale (a scale of 60 makes the
 * one-minute window a second and the one-day window 24 minutes).
 */
export class Outbound {
  private books = new Map<string, Book>();
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly limits: () => SendingLimits,
    private readonly scale: () => number,
    private readonly deliverNow: (s: Submission & { internetMessageId: string }) => void,
    private readonly undeliverable: (s: Submission & { internetMessageId: string }, recipients: number, limit: number) => void
  ) {}

  get minuteMs(): number {
    return MINUTE_MS / this.scale();
  }

  get dayMs(): number {
    return DAY_MS / this.scale();
  }

  private book(mailbox: string): Book {
    const key = mailbox.toLowerCase();
    let b = this.books.get(key);
    if (!b) {
      b = emptyBook();
      this.books.set(key, b);
    }
    return b;
  }

  /** The mailbox's book if it has one; reading or giving back never makes one (one per address read would pile up). */
  private existing(mailbox: string): Book | undefined {
    return this.books.get(mailbox.toLowerCase());
  }

  /**
   * Drops every count and every delivery still waiting (reset, shutdown). Graph requests in flight
   * and SMTP sessions still connected are not counts: they stay held until they end, or a request
   * answered after a reset would give back a slot taken since, and a session sending before it
   * would send uncounted.
   */
  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const [key, b] of this.books) {
      if (b.graphInFlight.size > 0 || b.smtpSessions.size > 0) this.books.set(key, { ...emptyBook(), graphInFlight: b.graphInFlight, smtpSessions: b.smtpSessions });
      else this.books.delete(key);
    }
  }

  // ---------- concurrency ----------

  /**
   * Admits one Graph mail/calendar request of an app to the mailbox, or says why not. Graph counts
   * "for every app ID and mailbox combination": another app's requests to the same mailbox do not
   * take this app's slots.
   */
  enterGraph(mailbox: string, appId: string, limit: number): Decision {
    const b = this.book(mailbox);
    const inFlight = b.graphInFlight.get(appId) ?? 0;
    const d = this.limits().enabled ? concurrencyDecision(inFlight, limit) : concurrencyDecision(0, 1);
    if (d.allowed) b.graphInFlight.set(appId, inFlight + 1);
    return d;
  }

  leaveGraph(mailbox: string, appId: string): void {
    const b = this.existing(mailbox);
    if (!b) return;
    const left = (b.graphInFlight.get(appId) ?? 0) - 1;
    if (left > 0) b.graphInFlight.set(appId, left);
    else b.graphInFlight.delete(appId);
  }

  /** An authenticated session of the mailbox; `sending` says whether it is in a mail transaction now. */
  openSmtp(mailbox: string, session: string, sending: () => boolean): void {
    this.book(mailbox).smtpSessions.set(session, sending);
  }

  closeSmtp(mailbox: string, session: string): void {
    this.existing(mailbox)?.smtpSessions.delete(session);
  }

  /**
   * Whether a session of the mailbox may start a mail transaction. Exchange allows "up to three
   * concurrent connections ... to send email messages at the same time": what counts is the other
   * sessions mid-transaction, not how many are logged in, so idle connections hold no slot and a
   * session that already sends keeps its own.
   */
  smtpDecision(mailbox: string, session: string, limit: number): Decision {
    if (!this.limits().enabled) return concurrencyDecision(0, 1);
    const others = [...this.book(mailbox).smtpSessions].filter(([id, sending]) => id !== session && sending()).length;
    return concurrencyDecision(others, limit);
  }

  // ---------- submission ----------

  /** Counts a submission refused before it reached the transport (a forced sending-limit reply). */
  refuse(mailbox: string): void {
    const b = this.book(mailbox);
    b.submissions += 1;
    b.rejected += 1;
  }

  /**
   * Hands a message to the transport: refused past the daily recipient quota, otherwise accepted
   * and delivered now or, past the message rate, in the slot that frees first.
   */
  submit(s: Submission, override: { messagesPerMinute?: number } = {}, now = Date.now()): SubmitResult {
    const limits = this.limits();
    const b = this.book(s.sender);
    b.submissions += 1;
    const internetMessageId = s.internetMessageId ?? `<${randomUUID()}@${s.sender.split('@')[1] ?? 'local-tenant'}>`;
    b.messageIds.set(internetMessageId, (b.messageIds.get(internetMessageId) ?? 0) + 1);
    const recipients = targetsOf(s).length;
    b.recipients = b.recipients.filter((x) => now - x.at < this.dayMs);
    if (limits.enabled) {
      const quota = recipientQuotaDecision(b.recipients, now, recipients, limits.recipientsPerDay, this.dayMs);
      if (!quota.allowed) {
        b.rejected += 1;
        return { ok: false, decision: quota };
      }
    }
    b.accepted += 1;
    b.recipients.push({ at: now, recipients });
    const message = { ...s, internetMessageId };
    if (limits.enabled && recipients > limits.recipientsPerMessage) {
      b.undeliverable += 1;
      this.undeliverable(message, recipients, limits.recipientsPerMessage);
      return { ok: true, internetMessageId, deliverAt: now };
    }
    b.deliveries = b.deliveries.filter((t) => t > now - this.minuteMs);
    const deliverAt = limits.enabled ? deliverySlot(b.deliveries, now, override.messagesPerMinute ?? limits.messagesPerMinute, this.minuteMs) : now;
    b.deliveries.push(deliverAt);
    if (deliverAt <= now) {
      this.deliverNow(message);
      return { ok: true, internetMessageId, deliverAt };
    }
    b.delayed += 1;
    b.pending += 1;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      b.pending -= 1;
      this.deliverNow(message);
    }, deliverAt - now);
    this.timers.add(timer);
    return { ok: true, internetMessageId, deliverAt };
  }

  counters(mailbox: string, now = Date.now()): MailboxCounters {
    const b = this.existing(mailbox) ?? emptyBook();
    const duplicatesByMessageId = Object.fromEntries([...b.messageIds].filter(([, n]) => n > 1));
    return {
      mailbox: mailbox.toLowerCase(),
      submissions: b.submissions,
      accepted: b.accepted,
      delayed: b.delayed,
      rejected: b.rejected,
      undeliverable: b.undeliverable,
      pending: b.pending,
      duplicatesByMessageId,
      duplicates: Object.values(duplicatesByMessageId).reduce((n, c) => n + c - 1, 0),
      recipientsToday: b.recipients.filter((x) => now - x.at < this.dayMs).reduce((n, x) => n + x.recipients, 0),
      graphRequestsInFlight: [...b.graphInFlight.values()].reduce((n, x) => n + x, 0),
      smtpConnections: b.smtpSessions.size,
      smtpSending: [...b.smtpSessions.values()].filter((sending) => sending()).length
    };
  }

  /** Every mailbox that has submitted anything. */
  mailboxes(): string[] {
    return [...this.books.keys()].sort();
  }
}
