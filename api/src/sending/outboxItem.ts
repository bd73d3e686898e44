import type { ErrorCode } from '@lms-m365/contracts';

export type Priority = 'urgent' | 'normal' | 'bulk';
export const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, normal: 1, bulk: 2 };

/**
 * Stored states. "held" is not stored: a queued item of a catalog whose connection is lost or
 * switched off reads as held (R-LOSS-2), so a reconnect releases every item at once.
 */
export type StoredState = 'queued' | 'sending' | 'sent' | 'expired' | 'failed' | 'cancelled';
export type NotificationStatus = StoredState | 'held';

export interface HistoryEntry {
  at: string;
  status: NotificationStatus;
  code?: ErrorCode;
  /**
   * A resubmission: the same Message-ID went to the mail service again after a try whose outcome is
   * unknown - a worker that died while sending, or an answer that did not say whether the message
   * was taken (`unanswered`).
   */
  resubmission?: boolean;
}

/** An outbox item's state, without its content (subject, bodies, recipients are stored beside it). */
export interface ItemState {
  state: StoredState;
  priority: Priority;
  enqueuedAt: number;
  notBefore: number;
  expiresAt: number | null;
  /** Submissions started (including resubmissions). */
  attempts: number;
  /** Passing faults so far; maxAttempts of them, spread over at least the event's `failAfterMs`, fail the item. */
  failures: number;
  /** When the first passing fault was (absent before one, and in items stored before it was kept). */
  firstFailedAt?: number;
  /** Parts (recipient slices of at most 500) already accepted by the mail service. */
  partsSent: number;
  parts: number;
  /**
   * Recipients a message when it was queued: its split into parts is fixed then, so a change of
   * SEND_RECIPIENTS_PER_MESSAGE (or an instance configured otherwise) never re-cuts an item part-way.
   * Absent in items queued before it was kept: the current setting.
   */
  perMessage?: number;
  nextAttemptAt: number;
  /** Until when a worker owns the item in state sending. */
  claimUntil: number;
  resubmissions: number;
  /**
   * The last try ended without an answer saying whether the mail service took the message (Graph
   * answering 5xx or not at all, an SMTP session that broke or timed out): Graph's gateway can time
   * out while Exchange goes on sending. The next claim is counted as a resubmission. Absent otherwise.
   */
  unanswered?: true;
  /**
   * Claims of an item abandoned in "sending" (its worker died or lost its write): the resubmissions
   * a crash caused, which MAX_RESUBMISSIONS bounds. Absent in items stored before it was kept, whose
   * resubmissions were all of this kind.
   */
  takenOver?: number;
  lastCode: ErrorCode | null;
  sentAt: number | null;
  /**
   * Recipients the mail service refused while it took the message for the others (SMTP RCPT TO),
   * over all parts, and the latest refusal's code: they did not get it. Absent when none was.
   */
  refused?: Refusal;
  history: HistoryEntry[];
}

export interface Refusal {
  recipients: number;
  code: ErrorCode;
}

export type ItemEvent =
  | { type: 'claim'; now: number; claimUntil: number }
  | { type: 'part-accepted'; now: number; refused?: Refusal | null }
  | { type: 'sent'; now: number; refused?: Refusal | null }
  | { type: 'retry'; now: number; code: ErrorCode; at: number; maxAttempts: number; failAfterMs?: number; unanswered?: boolean }
  /** Back to the queue, no failure counted: `code` says why (none when only the mailbox's pacing makes a part wait). */
  | { type: 'release'; now: number; code: ErrorCode | null }
  | { type: 'fail'; now: number; code: ErrorCode }
  | { type: 'expire'; now: number }
  /** The LMS cancelled it while it waited: only a queued item that sent nothing yet (a worker's claim refuses it). */
  | { type: 'cancel'; now: number }
  /**
   * A notification that went out in part, past its expiry in a catalog that cannot send (no drain
   * would finish it): closed as sent, the `unreached` recipients refused as expired, so it is final
   * and its content goes with the retention of final items.
   */
  | { type: 'close-expired'; now: number; unreached: number };

export class TransitionRefused extends Error {
  public constructor(state: StoredState, event: ItemEvent['type']) {
    super(`${event} is not allowed in state ${state}`);
  }
}

const HISTORY_LIMIT = 50;

function withHistory(item: ItemState, entry: HistoryEntry): HistoryEntry[] {
  const history = [...item.history, entry];
  return history.length > HISTORY_LIMIT ? [history[0], ...history.slice(history.length - HISTORY_LIMIT + 1)] : history;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The item's refusals with those of one more accepted part added. */
function withRefused(item: ItemState, refused: Refusal | null | undefined): Pick<ItemState, 'refused'> {
  if (!refused || refused.recipients <= 0) {
    return item.refused ? { refused: item.refused } : {};
  }
  return { refused: { recipients: (item.refused?.recipients ?? 0) + refused.recipients, code: refused.code } };
}

export function isTerminal(state: StoredState): boolean {
  return state === 'sent' || state === 'expired' || state === 'failed' || state === 'cancelled';
}

/** When a final item became final (its last history entry); undefined while it is pending. */
export function finalSince(item: Pick<ItemState, 'state' | 'history'>): number | undefined {
  return isTerminal(item.state) ? Date.parse(item.history[item.history.length - 1]?.at ?? '') : undefined;
}

/** When a queued item is next due: its notBefore, or its next try after a passing fault. */
export const dueAtOf = (state: Pick<ItemState, 'notBefore' | 'nextAttemptAt'>): number => Math.max(state.notBefore, state.nextAttemptAt);

/** Whether a worker may take the item now: due and queued, or abandoned in "sending" by a worker that died. */
export function isClaimable(item: ItemState, now: number): boolean {
  if (item.state === 'queued') {
    return item.notBefore <= now && item.nextAttemptAt <= now;
  }
  return item.state === 'sending' && item.claimUntil <= now;
}

/** Whether no worker holds the item now: queued, or abandoned in "sending" by a worker whose claim lapsed. */
function isUnclaimed(item: ItemState, now: number): boolean {
  return item.state === 'queued' || (item.state === 'sending' && item.claimUntil <= now);
}

/**
 * Whether the LMS may still cancel the item: queued, and nobody may have it. Not while a worker may
 * be sending it (a claim that lapsed too: its submission may have gone); not once some recipients
 * have it (a long list sent in part: the rest get it too, as with expiry); not after a try the mail
 * service may have taken - one it did not answer, or one a crash left (counted as resubmissions):
 * it goes again under the same Message-ID, which the copy already delivered is collapsed with.
 */
export function isCancellable(item: ItemState): boolean {
  return item.state === 'queued' && item.partsSent === 0 && item.unanswered !== true && item.resubmissions === 0;
}

/** Whether the item's expiry (if it has one) has passed, whatever it sent. */
export function isPastExpiry(item: Pick<ItemState, 'expiresAt'>, now: number): boolean {
  return item.expiresAt !== null && item.expiresAt <= now;
}

/**
 * Whether the item is past its expiry and may be recorded expired. A notification that went out in
 * part (a long list, several messages) is not: some of its recipients have it, so the rest get it too.
 */
export function isExpired(item: ItemState, now: number): boolean {
  return isPastExpiry(item, now) && item.partsSent === 0;
}

/** The item sent, every part taken: `refused` recipients added to those refused before, and its last code (the refusal's, unless `code` says). */
function sentState(item: ItemState, now: number, refused: Refusal | null | undefined, code?: ErrorCode): ItemState {
  const merged = withRefused(item, refused);
  const last = code ?? merged.refused?.code ?? null;
  return { ...item, ...merged, state: 'sent', partsSent: item.parts, sentAt: now, claimUntil: 0, lastCode: last, history: withHistory(item, { at: iso(now), status: 'sent', ...(last ? { code: last } : {}) }) };
}

/**
 * A notification that went out in part (a long list, several messages) and then failed for good
 * (`next`, what the failure made of it): its first recipients have it, so it does not end "failed" -
 * an LMS would queue it again, and they would get it twice - but sent, with the `unreached`
 * recipients refused under the failure's code (as recipients a server refused are). One that
 * reached nobody fails as before.
 */
export function failedInPart(item: ItemState, next: ItemState, now: number, unreached: number): ItemState {
  if (next.state !== 'failed' || item.partsSent === 0) {
    return next;
  }
  return transition(item, { type: 'sent', now, refused: { recipients: unreached, code: next.lastCode ?? 'INTERNAL_ERROR' } });
}

/**
 * The outbox's state machine (pure). Storage applies each result with an ETag-conditional write,
 * so of two workers that read the same state only one moves it: a message marked sent is never
 * submitted again, and a terminal state never changes.
 */
export function transition(item: ItemState, event: ItemEvent): ItemState {
  const refuse = (): never => {
    throw new TransitionRefused(item.state, event.type);
  };
  switch (event.type) {
    case 'claim': {
      if (!isClaimable(item, event.now) || isExpired(item, event.now)) {
        return refuse();
      }
      // Taking over an abandoned "sending" item means its last submission may have been accepted
      // (the one window no design closes), and so may a try that got no clear answer: it goes again
      // with the same Message-ID, and is counted.
      const takeover = item.state === 'sending';
      const resubmission = takeover || item.unanswered === true;
      const rest: ItemState = { ...item };
      delete rest.unanswered;
      return {
        ...rest,
        takenOver: takenOver(item) + (takeover ? 1 : 0),
        state: 'sending',
        attempts: item.attempts + 1,
        claimUntil: event.claimUntil,
        resubmissions: item.resubmissions + (resubmission ? 1 : 0),
        history: withHistory(item, { at: iso(event.now), status: 'sending', ...(resubmission ? { resubmission: true } : {}) })
      };
    }
    case 'part-accepted':
      if (item.state !== 'sending' || item.partsSent >= item.parts) {
        return refuse();
      }
      return { ...item, partsSent: item.partsSent + 1, ...withRefused(item, event.refused) };
    case 'sent': {
      if (item.state !== 'sending') {
        return refuse();
      }
      // Sent, with the code of a refusal when some recipients were refused (they did not get it).
      return sentState(item, event.now, event.refused);
    }
    case 'retry': {
      if (item.state !== 'sending') {
        return refuse();
      }
      const failures = item.failures + 1;
      const firstFailedAt = item.firstFailedAt ?? event.now;
      // A passing fault fails the item only after maxAttempts of them over at least failAfterMs: an
      // outage of the mail service shorter than that fails nothing.
      if (failures >= event.maxAttempts && event.now - firstFailedAt >= (event.failAfterMs ?? 0)) {
        return { ...item, state: 'failed', failures, firstFailedAt, claimUntil: 0, lastCode: event.code, history: withHistory(item, { at: iso(event.now), status: 'failed', code: event.code }) };
      }
      return { ...item, state: 'queued', failures, firstFailedAt, nextAttemptAt: event.at, claimUntil: 0, lastCode: event.code, ...(event.unanswered ? { unanswered: true } : {}), history: withHistory(item, { at: iso(event.now), status: 'queued', code: event.code }) };
    }
    case 'release':
      // Not the message's fault (connection lost, mailbox paused): back to the queue, no failure counted.
      if (item.state !== 'sending') {
        return refuse();
      }
      return { ...item, state: 'queued', claimUntil: 0, lastCode: event.code, history: withHistory(item, { at: iso(event.now), status: 'queued', ...(event.code ? { code: event.code } : {}) }) };
    case 'fail':
      if (item.state !== 'sending') {
        return refuse();
      }
      return { ...item, state: 'failed', claimUntil: 0, lastCode: event.code, history: withHistory(item, { at: iso(event.now), status: 'failed', code: event.code }) };
    case 'close-expired':
      if (!isUnclaimed(item, event.now) || item.partsSent === 0 || !isPastExpiry(item, event.now)) {
        return refuse();
      }
      return sentState(item, event.now, { recipients: event.unreached, code: 'MESSAGE_EXPIRED' }, 'MESSAGE_EXPIRED');
    case 'expire':
      if (!isUnclaimed(item, event.now) || !isExpired(item, event.now)) {
        return refuse();
      }
      return { ...item, state: 'expired', claimUntil: 0, lastCode: 'MESSAGE_EXPIRED', history: withHistory(item, { at: iso(event.now), status: 'expired', code: 'MESSAGE_EXPIRED' }) };
    case 'cancel':
      if (!isCancellable(item)) {
        return refuse();
      }
      return { ...item, state: 'cancelled', claimUntil: 0, lastCode: 'NOTIFICATION_CANCELLED', history: withHistory(item, { at: iso(event.now), status: 'cancelled', code: 'NOTIFICATION_CANCELLED' }) };
  }
}

/** How often an item was taken over after its worker left it in "sending". */
export function takenOver(item: ItemState): number {
  return item.takenOver ?? item.resubmissions;
}

export function newItemState(input: { priority: Priority; now: number; notBefore?: number; expiresAt?: number; parts: number; perMessage?: number }): ItemState {
  return {
    state: 'queued',
    priority: input.priority,
    enqueuedAt: input.now,
    notBefore: input.notBefore ?? input.now,
    expiresAt: input.expiresAt ?? null,
    attempts: 0,
    failures: 0,
    partsSent: 0,
    parts: input.parts,
    ...(input.perMessage !== undefined ? { perMessage: input.perMessage } : {}),
    nextAttemptAt: 0,
    claimUntil: 0,
    resubmissions: 0,
    takenOver: 0,
    lastCode: null,
    sentAt: null,
    history: [{ at: iso(input.now), status: 'queued' }]
  };
}
