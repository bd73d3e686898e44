import type { ErrorCode } from '@lms-m365/contracts';
import { needsAdmin } from '../errors/failureKind';

/**
 * Pacing of one mailbox (R-USE-4), as pure decisions over a budget that the engine keeps in
 * storage with the mailbox's lease, so every API instance that drains the mailbox honours it:
 * Exchange Online's 30 messages a minute and 10,000 recipients a day, and the pauses Microsoft
 * asks for (Retry-After) or imposes (daily quota, sending block).
 */
export interface PacingLimits {
  messagesPerMinute: number;
  recipientsPerDay: number;
  /** Divides the windows (60: a minute lasts a second); 1 in production. */
  timeScale: number;
}

export interface MailboxBudget {
  /** When each submission of the last minute started or, once done, was accepted (ms). */
  recent: number[];
  /** Recipients submitted per hour slot of the last day (and the hour before): [slot start (ms), recipients]. */
  day: [number, number][];
  /** No submission before this time (ms): a Retry-After, the daily quota, a sending block. */
  pausedUntil: number;
  /**
   * The catalogue code that set the pause, when it says why (SENDING_QUOTA_EXCEEDED); gone with the
   * pause. An instance of an earlier version drops it when it writes the budget: the view then
   * only lacks the reason.
   */
  pausedFor?: ErrorCode;
  /**
   * Set when an admin brought a block's pause forward (liftBlock): when the refusal that set it
   * was, so a second lift counts its minute from that refusal, not from the lifted pause. Gone with
   * the pause, or with a new one.
   */
  refusedAt?: number;
  /**
   * Passing faults of the mailbox in a row (5xx, network, throttling without a Retry-After), until
   * a submission is accepted: each pauses the whole mailbox a back-off that grows with them.
   */
  faults?: number;
  /** When the last of those faults was: a run whose last fault is older than FAULT_RUN_MS is over. */
  faultAt?: number;
}

export const EMPTY_BUDGET: MailboxBudget = { recent: [], day: [], pausedUntil: 0 };

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function windows(limits: PacingLimits): { minute: number; hour: number; day: number } {
  return { minute: MINUTE / limits.timeScale, hour: HOUR / limits.timeScale, day: DAY / limits.timeScale };
}

/** The budget without what fell out of its windows. */
export function prune(budget: MailboxBudget, now: number, limits: PacingLimits): MailboxBudget {
  const w = windows(limits);
  const paused = budget.pausedUntil > now;
  return {
    recent: budget.recent.filter((t) => now - t < w.minute),
    // A slot's recipients count until a day after the slot's END: one sent at 00:59 is still in
    // the rolling day at 00:30 the next day (a day after the slot's start would free it an hour early).
    day: budget.day.filter(([slot]) => now - slot < w.day + w.hour),
    pausedUntil: paused ? budget.pausedUntil : 0,
    ...pauseReason(paused, budget),
    ...faultRun(budget)
  };
}

/** Why the budget's pause is (its code, and a lifted block's refusal time), carried while it is `paused`. */
function pauseReason(paused: boolean, budget: MailboxBudget): Pick<MailboxBudget, 'pausedFor' | 'refusedAt'> {
  return paused && budget.pausedFor ? { pausedFor: budget.pausedFor, ...(budget.refusedAt !== undefined ? { refusedAt: budget.refusedAt } : {}) } : {};
}

/** The budget's run of faults (its count and last time), carried into a budget made anew. */
function faultRun(budget: MailboxBudget): Pick<MailboxBudget, 'faults' | 'faultAt'> {
  return budget.faults ? { faults: budget.faults, ...(budget.faultAt !== undefined ? { faultAt: budget.faultAt } : {}) } : {};
}

/**
 * The earliest time (>= now) at which a message to `recipients` recipients may be submitted.
 * `Infinity` never happens: a message larger than the daily budget waits for a whole empty day.
 */
export function nextSlot(budget: MailboxBudget, recipients: number, now: number, limits: PacingLimits): number {
  const b = prune(budget, now, limits);
  const w = windows(limits);
  let at = Math.max(now, b.pausedUntil);
  if (b.recent.length >= limits.messagesPerMinute) {
    const sorted = [...b.recent].sort((x, y) => x - y);
    // The slot frees when the oldest submission that keeps the window full leaves it.
    at = Math.max(at, sorted[sorted.length - limits.messagesPerMinute] + w.minute);
  }
  let used = b.day.reduce((sum, [, n]) => sum + n, 0);
  if (used + recipients > limits.recipientsPerDay) {
    for (const [slot, n] of [...b.day].sort((x, y) => x[0] - y[0])) {
      used -= n;
      at = Math.max(at, slot + w.hour + w.day);
      if (used + recipients <= limits.recipientsPerDay) {
        break;
      }
    }
  }
  return at;
}

/** The day's hour slots with `recipients` added to the slot of `now`. */
function addToDay(day: MailboxBudget['day'], recipients: number, now: number, limits: PacingLimits): MailboxBudget['day'] {
  const slot = now - (now % windows(limits).hour);
  return day.some(([s]) => s === slot) ? day.map(([s, n]): [number, number] => (s === slot ? [s, n + recipients] : [s, n])) : [...day, [slot, recipients]];
}

/** Counts a submission that starts now. */
export function recordSubmission(budget: MailboxBudget, recipients: number, now: number, limits: PacingLimits): MailboxBudget {
  const b = prune(budget, now, limits);
  return { ...b, recent: [...b.recent, now], day: addToDay(b.day, recipients, now, limits) };
}

/**
 * Submissions beyond the one a slot was taken for, counted as they went (a session's pass may
 * send a cancellation to those taken off besides the invitation, to more attendees than its item
 * was queued with): `messages` more in the minute, `recipients` more in the day.
 */
export function recordMore(budget: MailboxBudget, messages: number, recipients: number, now: number, limits: PacingLimits): MailboxBudget {
  if (messages === 0 && recipients === 0) {
    return budget;
  }
  const b = prune(budget, now, limits);
  return { ...b, recent: [...b.recent, ...new Array<number>(messages).fill(now)], day: addToDay(b.day, recipients, now, limits) };
}

/**
 * A submission that started at `startedAt` was accepted at `now`: the mailbox service counts it
 * from then, so the minute window does too (a slow submission must not let the next one in early).
 */
export function recordAccepted(budget: MailboxBudget, startedAt: number, now: number): MailboxBudget {
  const i = budget.recent.indexOf(startedAt);
  if (i < 0 && !budget.faults) {
    return budget;
  }
  // The mailbox works: its run of passing faults is over (faults and faultAt go).
  const working: MailboxBudget = { recent: budget.recent, day: budget.day, pausedUntil: budget.pausedUntil, ...pauseReason(true, budget) };
  if (i < 0) {
    return working;
  }
  const recent = [...working.recent];
  recent[i] = now;
  return { ...working, recent };
}

/**
 * A passing fault of the mailbox (a 5xx, the network, throttling without a Retry-After): the whole
 * mailbox waits - the service's Retry-After when it gave one, else a back-off that grows with the
 * faults in a row - instead of each waiting message trying on its own at full concurrency. Faults
 * of submissions that were under way together count once (the mailbox is paused already).
 */
export function recordFault(budget: MailboxBudget, now: number, limits: PacingLimits, retryAfterMs?: number, random: () => number = Math.random): MailboxBudget {
  // A run of faults goes on while they keep coming (a retry after each pause, at most 15 minutes
  // apart); one whose last fault is older than FAULT_RUN_MS is over, and a new one starts at one.
  const ongoing = budget.faultAt !== undefined && now - budget.faultAt <= FAULT_RUN_MS / limits.timeScale ? budget.faults ?? 0 : 0;
  const faults = ongoing + (budget.pausedUntil > now && ongoing > 0 ? 0 : 1);
  const wait = retryAfterMs ?? backoff(faults, limits.timeScale, random);
  return { ...pauseUntil(budget, now + wait), faults, faultAt: now };
}

/** How long after its last fault a run of faults is over: twice the longest back-off. */
export const FAULT_RUN_MS = 30 * MINUTE;

/** A submission that was refused was not counted by the service: give its slot back. */
export function recordRefused(budget: MailboxBudget, startedAt: number, recipients: number, limits: PacingLimits): MailboxBudget {
  const i = budget.recent.indexOf(startedAt);
  const recent = i < 0 ? budget.recent : budget.recent.filter((_, j) => j !== i);
  const slot = startedAt - (startedAt % windows(limits).hour);
  const day = budget.day.map(([s, n]): [number, number] => (s === slot ? [s, Math.max(0, n - recipients)] : [s, n]));
  return { ...budget, recent, day };
}

/** No submission before `until`; `reason` (a catalogue code) is kept while this pause is the longest. */
export function pauseUntil(budget: MailboxBudget, until: number, reason?: ErrorCode): MailboxBudget {
  if (until <= budget.pausedUntil) {
    return budget;
  }
  return { recent: budget.recent, day: budget.day, pausedUntil: until, ...(reason ? { pausedFor: reason } : {}), ...faultRun(budget) };
}

/**
 * How long a mailbox Exchange refuses (failureKind 'mailbox-blocked') pauses before it asks again:
 * its daily quota an hour (it lifts by itself within the day), a block that only an admin lifts an
 * hour too, or sooner when an admin says it is lifted (liftBlock).
 */
export function blockPauseMs(limits: PacingLimits): number {
  return windows(limits).hour;
}

/** The end of the pause under way that a block only an admin lifts set (needsAdmin: a sending block, send-as denied, a full mailbox), if there is one. */
export function blockPause(budget: MailboxBudget, now: number): number | undefined {
  return budget.pausedFor !== undefined && needsAdmin(budget.pausedFor) && budget.pausedUntil > now ? budget.pausedUntil : undefined;
}

/**
 * An admin says the block is lifted (Try again now, another account connected, a test email that
 * went through): the mailbox asks Exchange again now rather than at the end of its hour - but not
 * sooner than a minute after the refusal that paused it, so repeated clicks cannot hammer a
 * mailbox Exchange still refuses. Any other pause (a Retry-After, the daily limit or quota) is
 * Exchange's own instruction and stays.
 */
export function liftBlock(budget: MailboxBudget, now: number, limits: PacingLimits): MailboxBudget {
  const until = blockPause(budget, now);
  if (until === undefined) {
    return budget;
  }
  const refusedAt = budget.refusedAt ?? until - blockPauseMs(limits);
  const at = Math.max(now, refusedAt + windows(limits).minute);
  return at < until ? { ...budget, pausedUntil: at, refusedAt } : budget;
}

export type HoldReason = 'daily-limit' | 'sending-quota';

/** Why an account's waiting messages are held back, until when, and the daily limit it is kept to (the admins' view). */
export interface AccountPacing {
  reason: HoldReason;
  until: number;
  recipientsPerDay: number;
}

/**
 * Why the mailbox's waiting messages cannot go for a while, and the earliest time the next one -
 * the smallest waiting, of `recipients` recipients - may (for the admins' view): the account's recipients of the last day reached the daily limit,
 * or Exchange reported its daily quota reached (SENDING_QUOTA_EXCEEDED: it counts mail the
 * account sent by other means too). Nothing for waits shorter than a minute - the minute's pacing,
 * a Retry-After - nor for a sending block, which the view reports on its own.
 */
export function hold(budget: MailboxBudget, now: number, limits: PacingLimits, recipients = 1): { reason: HoldReason; until: number } | undefined {
  const b = prune(budget, now, limits);
  const until = nextSlot(b, recipients, now, limits);
  if (until - now < windows(limits).minute) {
    return undefined;
  }
  if (b.pausedFor === 'SENDING_QUOTA_EXCEEDED' && b.pausedUntil >= until) {
    return { reason: 'sending-quota', until };
  }
  const used = b.day.reduce((sum, [, n]) => sum + n, 0);
  return used + recipients > limits.recipientsPerDay ? { reason: 'daily-limit', until } : undefined;
}

/** Exponential back-off with jitter (half to all of the step) for passing faults: attempt 1 waits up to 2 s, capped at 15 minutes (scaled). */
export function backoff(failures: number, timeScale: number, random: () => number = Math.random): number {
  const cap = Math.min(15 * MINUTE, 1_000 * 2 ** Math.min(failures, 20));
  return Math.max(1, Math.round((cap / timeScale) * (0.5 + random() / 2)));
}
