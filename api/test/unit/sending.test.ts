import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { emptyConnection, NEW_CONNECTION_ETAG, type ConnectionRecord } from '../../src/connections/model';
import { refusalOf, unanswered } from '../../src/sending/engine';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from '../../src/errors/apiError';
import { smtpApiError } from '../../src/errors/upstream';
import { GraphClient } from '../../src/graph/graphClient';
import { messageIdFor, recipientCount, splitRecipients } from '../../src/mail/message';
import { NOT_BEFORE_MAX_DAYS, NotificationDeps, NotificationService, visibleStatus } from '../../src/sending/notificationService';
import { newestFirstId, wireBytes } from '../../src/sending/outboxStore';
import { lineSeparatorEscape } from '../../src/storage/tables';
import { failedInPart, isCancellable, isClaimable, isExpired, ItemEvent, ItemState, isTerminal, newItemState, takenOver, transition, TransitionRefused } from '../../src/sending/outboxItem';
import { earlierRequestHash, requestHash, sameRequest, storedRequest } from '../../src/sending/outboxStore';
import { idempotencyKey } from '../../src/sending/routes';
import { storageError } from '../../src/storage/tables';
import { backoff, blockPause, blockPauseMs, EMPTY_BUDGET, liftBlock, FAULT_RUN_MS, hold, MailboxBudget, nextSlot, PacingLimits, pauseUntil, prune, recordAccepted, recordFault, recordMore, recordRefused, recordSubmission } from '../../src/sending/pacer';

const limits: PacingLimits = { messagesPerMinute: 30, recipientsPerDay: 10_000, timeScale: 1 };
const HOUR = 3_600_000;

describe('pacer - Exchange Online per-mailbox limits as pure decisions', () => {
  it('pacer - 30 submissions go at once, the 31st waits until the first leaves the minute', () => {
    let budget: MailboxBudget = EMPTY_BUDGET;
    const t0 = 1_000_000;
    for (let i = 0; i < 30; i++) {
      expect(nextSlot(budget, 1, t0 + i, limits)).toBe(t0 + i);
      budget = recordSubmission(budget, 1, t0 + i, limits);
    }
    expect(nextSlot(budget, 1, t0 + 30, limits)).toBe(t0 + 60_000);
    expect(nextSlot(budget, 1, t0 + 60_000, limits)).toBe(t0 + 60_000);
  });

  it('pacer - an accepted submission counts from its acceptance, a refused one gives its slot back', () => {
    let budget = EMPTY_BUDGET;
    for (let i = 0; i < 30; i++) {
      budget = recordSubmission(budget, 1, 1000 + i, limits);
    }
    const accepted = recordAccepted(budget, 1000, 5000);
    // the oldest now counts from 1001 (the second), not 1000
    expect(nextSlot(accepted, 1, 2000, limits)).toBe(1001 + 60_000);
    const refused = recordRefused(budget, 1000, 1, limits);
    expect(nextSlot(refused, 1, 2000, limits)).toBe(2000);
  });

  it('pacer - the daily recipient budget holds a large message until enough of the day has passed', () => {
    let budget = EMPTY_BUDGET;
    budget = recordSubmission(budget, 6000, 0, limits);
    budget = recordSubmission(budget, 3000, 2 * HOUR, limits);
    // 9,000 used: 1,000 more fit, 1,001 wait until the first hour's 6,000 leave the day (a day after that hour's end)
    expect(nextSlot(budget, 1000, 3 * HOUR, limits)).toBe(3 * HOUR);
    expect(nextSlot(budget, 1001, 3 * HOUR, limits)).toBe(25 * HOUR);
  });

  it('pacer - a pause (Retry-After, quota) holds every submission until it ends; time scale shrinks the windows', () => {
    const paused = pauseUntil(EMPTY_BUDGET, 50_000);
    expect(nextSlot(paused, 1, 10_000, limits)).toBe(50_000);
    const fast = { ...limits, timeScale: 60 };
    let budget = EMPTY_BUDGET;
    for (let i = 0; i < 30; i++) {
      budget = recordSubmission(budget, 1, 0, fast);
    }
    expect(nextSlot(budget, 1, 10, fast)).toBe(1000);
  });

  it('pacer - property: following nextSlot never puts more than 30 submissions in any minute or 10,000 recipients in any day', () => {
    // Gaps of up to two minutes, or now and then up to six hours: histories that span days, where a
    // recipient sent late in an hour slot must still count a whole day after it was sent.
    const gap = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 120_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 6 * HOUR }) });
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 2500 }), gap), { minLength: 1, maxLength: 120 }), (requests) => {
      let budget = EMPTY_BUDGET;
      let now = 0;
      const sent: Array<[number, number]> = [];
      for (const [recipients, gap] of requests) {
        now += gap;
        const at = nextSlot(budget, recipients, now, limits);
        expect(at).toBeGreaterThanOrEqual(now);
        now = at;
        budget = recordSubmission(budget, recipients, now, limits);
        sent.push([now, recipients]);
      }
      for (const [t] of sent) {
        expect(sent.filter(([u]) => u >= t && u < t + 60_000).length).toBeLessThanOrEqual(30);
        expect(sent.filter(([u]) => u >= t && u < t + 86_400_000).reduce((s, [, n]) => s + n, 0)).toBeLessThanOrEqual(10_000);
      }
    }), { numRuns: 150 });
  });

  it('pacer - property: nextSlot is the earliest moment the limits allow, not just an allowed one', () => {
    // The limits as Exchange states them, over what was submitted: fewer than 30 submissions in the
    // minute before, the day's recipients (counted per hour slot, until a day after the slot's end)
    // plus these within 10,000, no pause.
    const allowed = (sent: Array<[number, number]>, pausedUntil: number, recipients: number, t: number): boolean =>
      t >= pausedUntil &&
      sent.filter(([u]) => t - u < 60_000).length < limits.messagesPerMinute &&
      sent.filter(([u]) => t - (u - (u % HOUR)) < 25 * HOUR).reduce((n, [, r]) => n + r, 0) + recipients <= limits.recipientsPerDay;
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 2500 }), fc.integer({ min: 0, max: 4 * HOUR }), fc.boolean()), { minLength: 1, maxLength: 80 }), fc.nat(100_000), (requests, pause) => {
      let budget = pauseUntil(EMPTY_BUDGET, pause);
      let now = 0;
      const sent: Array<[number, number]> = [];
      for (const [recipients, gap, refused] of requests) {
        now += gap;
        const at = nextSlot(budget, recipients, now, limits);
        expect(allowed(sent, pause, recipients, at)).toBe(true);
        if (at > now) {
          expect(allowed(sent, pause, recipients, at - 1)).toBe(false);
        }
        now = at;
        budget = recordSubmission(budget, recipients, now, limits);
        if (refused) {
          // The service did not count it: neither does the budget.
          budget = recordRefused(budget, now, recipients, limits);
        } else {
          sent.push([now, recipients]);
        }
      }
    }), { numRuns: 200 });
  });

  it('pacer - prune drops what left its window: a submission a minute old, an hour slot that ended a day ago, a pause that ended', () => {
    const t = 100 * HOUR;
    const budget: MailboxBudget = { recent: [t - 60_000, t - 59_999], day: [[t - 25 * HOUR, 5], [t - 24 * HOUR, 7]], pausedUntil: t };
    // The slot that started 24 hours ago ended 23 hours ago: what was sent at its end is still in the day.
    expect(prune(budget, t, limits)).toEqual({ recent: [t - 59_999], day: [[t - 24 * HOUR, 7]], pausedUntil: 0 });
    expect(prune({ ...budget, pausedUntil: t + 1 }, t, limits).pausedUntil).toBe(t + 1);
  });

  it('pacer - the day is counted per hour slot: submissions of one hour share a slot and leave the day together', () => {
    let budget = recordSubmission(EMPTY_BUDGET, 4000, HOUR / 2, limits);
    budget = recordSubmission(budget, 2000, HOUR - 1, limits);
    budget = recordSubmission(budget, 3000, HOUR, limits);
    expect(budget.day).toEqual([[0, 6000], [HOUR, 3000]]);
    // 9,000 used: 1,001 more wait until the first slot leaves the day - a day after the slot's end
    // (what went at 59:59 is counted a whole day), not a day after 30 minutes or after its start.
    expect(nextSlot(budget, 1001, 2 * HOUR, limits)).toBe(25 * HOUR);
    // Slots read from storage need not be in order: the oldest leaves first all the same.
    expect(nextSlot({ ...budget, day: [[HOUR, 3000], [0, 6000]] }, 1001, 2 * HOUR, limits)).toBe(25 * HOUR);
    // Exactly the limit fits once the first slot has left: no need to wait for the second.
    expect(nextSlot(budget, 7000, 2 * HOUR, limits)).toBe(25 * HOUR);
    // Scaled (x60: an hour lasts a minute), the slots and the day shrink with it.
    const fast = { ...limits, timeScale: 60 };
    let scaled = recordSubmission(EMPTY_BUDGET, 6000, 30_000, fast);
    scaled = recordSubmission(scaled, 3000, 60_000, fast);
    expect(scaled.day).toEqual([[0, 6000], [60_000, 3000]]);
    expect(nextSlot(scaled, 1001, 120_000, fast)).toBe(25 * 60_000);
  });

  it('pacer - what went beyond a slot is counted as it went: messages in the minute, recipients in the day', () => {
    const one = recordSubmission(EMPTY_BUDGET, 2, 1000, limits);
    expect(recordMore(one, 0, 0, 2000, limits)).toEqual(one);
    expect(recordMore(one, 2, 38, 2000, limits)).toEqual({ recent: [1000, 2000, 2000], day: [[0, 40]], pausedUntil: 0 });
    // More recipients with no message more (the room of an invitation): the minute is as it was.
    expect(recordMore(one, 0, 5, 2000, limits)).toEqual({ recent: [1000], day: [[0, 7]], pausedUntil: 0 });
    expect(recordMore(one, 1, 0, 2000, limits)).toEqual({ recent: [1000, 2000], day: [[0, 2]], pausedUntil: 0 });
    // Only the minute's last entry (the one just added) is taken back, not what was there before.
    const two = recordSubmission(one, 1, 1500, limits);
    expect(recordMore(two, 0, 4, 2000, limits).recent).toEqual([1000, 1500]);
  });

  it('pacer - a refused submission gives back exactly its slot and its recipients, nothing else', () => {
    const two = { ...limits, messagesPerMinute: 2 };
    let budget = recordSubmission(EMPTY_BUDGET, 300, 1000, two);
    budget = recordSubmission(budget, 200, 1000, two);
    expect(nextSlot(budget, 1, 1000, two)).toBe(61_000);
    const refused = recordRefused(budget, 1000, 200, two);
    expect(refused.recent).toEqual([1000]);
    expect(refused.day).toEqual([[0, 300]]);
    expect(nextSlot(refused, 1, 1000, two)).toBe(1000);
    // Never below zero, and another hour's slot is left alone.
    expect(recordRefused({ recent: [], day: [[0, 100], [HOUR, 50]], pausedUntil: 0 }, 10, 500, two).day).toEqual([[0, 0], [HOUR, 50]]);
    // A submission the budget does not know (counted by another holder, or pruned) changes nothing.
    expect(recordAccepted(budget, 999, 5000)).toBe(budget);
    expect(recordRefused(budget, 999, 0, two).recent).toEqual(budget.recent);
    expect(recordRefused({ recent: [500, 1000, 1500], day: [], pausedUntil: 0 }, 1000, 0, two).recent).toEqual([500, 1500]);
  });

  it('pacer - a pause keeps the code that set it while it is the longest, and loses it when it ends', () => {
    const quota = pauseUntil(EMPTY_BUDGET, 50_000, 'SENDING_QUOTA_EXCEEDED');
    expect(quota).toEqual({ recent: [], day: [], pausedUntil: 50_000, pausedFor: 'SENDING_QUOTA_EXCEEDED' });
    // A shorter pause (a Retry-After), or one as long, neither shortens it nor takes its reason.
    expect(pauseUntil(quota, 40_000)).toBe(quota);
    expect(pauseUntil(quota, 50_000)).toBe(quota);
    // A longer one without a reason replaces both.
    expect(pauseUntil(quota, 60_000)).toEqual({ recent: [], day: [], pausedUntil: 60_000 });
    expect(prune(quota, 49_999, limits).pausedFor).toBe('SENDING_QUOTA_EXCEEDED');
    expect(prune(quota, 50_000, limits)).toEqual({ recent: [], day: [], pausedUntil: 0 });
  });

  it('pacer - hold says why waiting messages wait a minute or more: the daily limit reached, or Exchange\'s quota reported', () => {
    const t = 30 * HOUR;
    // Under the daily limit, pacing of the minute only: nothing to say.
    let budget = EMPTY_BUDGET;
    for (let i = 0; i < 30; i++) {
      budget = recordSubmission(budget, 1, t, limits);
    }
    expect(nextSlot(budget, 1, t + 1, limits)).toBe(t + 60_000);
    expect(hold(budget, t + 1, limits)).toBeUndefined();
    // 10,000 recipients in the day: the next waits until the oldest slot leaves the day.
    const full = recordSubmission(recordSubmission(EMPTY_BUDGET, 4000, 8 * HOUR, limits), 6000, 9 * HOUR, limits);
    expect(hold(full, t, limits)).toEqual({ reason: 'daily-limit', until: 33 * HOUR });
    // One recipient short of it: the next message of one recipient may go - and a long Retry-After
    // then is no daily limit.
    const short = recordRefused(full, 9 * HOUR, 1, limits);
    expect(hold(short, t, limits)).toBeUndefined();
    expect(hold(pauseUntil(short, t + HOUR), t, limits)).toBeUndefined();
    // The smallest waiting message sends to 101: with 100 left in the day, it waits all the same.
    const almost = recordRefused(full, 9 * HOUR, 100, limits);
    expect(hold(almost, t, limits, 100)).toBeUndefined();
    expect(hold(almost, t, limits, 101)).toEqual({ reason: 'daily-limit', until: 33 * HOUR });
    // Exchange said its quota was reached (it counts what the account sent by other means too).
    const quota = pauseUntil(EMPTY_BUDGET, t + HOUR, 'SENDING_QUOTA_EXCEEDED');
    expect(hold(quota, t, limits)).toEqual({ reason: 'sending-quota', until: t + HOUR });
    // The daily limit lasting longer than Exchange's pause: the later time, the limit's reason.
    expect(hold(pauseUntil(full, t + HOUR, 'SENDING_QUOTA_EXCEEDED'), t, limits)).toEqual({ reason: 'daily-limit', until: 33 * HOUR });
    // A Retry-After or a sending block (shown on its own) is no hold, however long.
    expect(hold(pauseUntil(EMPTY_BUDGET, t + HOUR), t, limits)).toBeUndefined();
    expect(hold(pauseUntil(EMPTY_BUDGET, t + HOUR, 'SENDING_BLOCKED'), t, limits)).toBeUndefined();
    // Less than a minute left: nothing to say.
    expect(hold(quota, t + HOUR - 59_999, limits)).toBeUndefined();
    expect(hold(quota, t + HOUR - 60_000, limits)).toEqual({ reason: 'sending-quota', until: t + HOUR });
  });

  it('liftBlock - a block only an admin lifts is brought forward to now, but not sooner than a minute after the refusal; Exchange\'s own pauses stay', () => {
    const refusedAt = 10 * HOUR;
    for (const code of ['SENDING_BLOCKED', 'SEND_AS_DENIED', 'MAILBOX_FULL'] as const) {
      const blocked = pauseUntil(EMPTY_BUDGET, refusedAt + blockPauseMs(limits), code);
      expect(blockPause(blocked, refusedAt + 1000)).toBe(refusedAt + HOUR);
      // Ten minutes after the refusal: now.
      expect(liftBlock(blocked, refusedAt + 10 * 60_000, limits)).toEqual({ ...blocked, pausedUntil: refusedAt + 10 * 60_000, refusedAt });
      // Within the minute after it (another click, a second try): a minute after the refusal.
      expect(liftBlock(blocked, refusedAt + 20_000, limits).pausedUntil).toBe(refusedAt + 60_000);
      expect(liftBlock(blocked, refusedAt + 60_000, limits).pausedUntil).toBe(refusedAt + 60_000);
      // Lifted once, it is still the block's pause until it ends: a second lift changes nothing.
      const lifted = liftBlock(blocked, refusedAt + 20_000, limits);
      expect(liftBlock(lifted, refusedAt + 30_000, limits)).toBe(lifted);
      expect(blockPause(prune(lifted, refusedAt + 30_000, limits), refusedAt + 30_000)).toBe(refusedAt + 60_000);
      // The refusal's time goes with the pause through the budget's other steps (a drain prunes it, a
      // submission of another catalog's mailbox is accepted): a second lift still counts from it.
      expect(liftBlock(prune(lifted, refusedAt + 30_000, limits), refusedAt + 30_000, limits).pausedUntil).toBe(refusedAt + 60_000);
      expect(liftBlock(recordAccepted({ ...lifted, faults: 2, faultAt: refusedAt }, 0, refusedAt + 30_000), refusedAt + 30_000, limits).pausedUntil).toBe(refusedAt + 60_000);
      // A new refusal starts a new hour, and its own minute.
      const again = pauseUntil(prune(lifted, refusedAt + 60_000, limits), refusedAt + 2 * 60_000 + HOUR, code);
      expect(again.refusedAt).toBeUndefined();
      expect(liftBlock(again, refusedAt + 2 * 60_000 + 1000, limits).pausedUntil).toBe(refusedAt + 3 * 60_000);
      // Its time come: no block pause to lift any more.
      expect(blockPause(blocked, refusedAt + HOUR)).toBeUndefined();
      expect(liftBlock(blocked, refusedAt + HOUR, limits)).toBe(blocked);
    }
    // Exchange's daily quota, a Retry-After, the daily limit: its instructions, not lifted.
    const quota = pauseUntil(EMPTY_BUDGET, refusedAt + HOUR, 'SENDING_QUOTA_EXCEEDED');
    expect(blockPause(quota, refusedAt)).toBeUndefined();
    expect(liftBlock(quota, refusedAt + 10 * 60_000, limits)).toBe(quota);
    const retryAfter = pauseUntil(EMPTY_BUDGET, refusedAt + HOUR);
    expect(liftBlock(retryAfter, refusedAt + 10 * 60_000, limits)).toBe(retryAfter);
    // Scaled like the pause itself (a time scale of 60: an hour is a minute, a minute a second).
    const scaled = { ...limits, timeScale: 60 };
    const fast = pauseUntil(EMPTY_BUDGET, refusedAt + blockPauseMs(scaled), 'SENDING_BLOCKED');
    expect(blockPauseMs(scaled)).toBe(60_000);
    expect(liftBlock(fast, refusedAt + 200, scaled).pausedUntil).toBe(refusedAt + 1000);
  });

  it('backoff - grows with failures, stays within its step, capped at 15 minutes, shrinks with the time scale', () => {
    expect(backoff(1, 1, () => 0)).toBe(1000);
    expect(backoff(1, 1, () => 1)).toBe(2000);
    expect(backoff(5, 1, () => 1)).toBe(32_000);
    expect(backoff(30, 1, () => 1)).toBe(900_000);
    expect(backoff(30, 60, () => 1)).toBe(15_000);
  });
});

describe('message - recipients per message and Message-IDs', () => {
  it('split - 500 recipients per message: To and Cc stay together, Bcc fills the rest, further parts are Bcc-only', () => {
    const a = (n: number, p: string): string[] => Array.from({ length: n }, (_, i) => `${p}${i}@x.test`);
    const parts = splitRecipients({ to: a(10, 't'), cc: a(5, 'c'), bcc: a(1200, 'b') }, 500);
    expect(parts.map(recipientCount)).toEqual([500, 500, 215]);
    expect(parts[0].to).toHaveLength(10);
    expect(parts[0].cc).toHaveLength(5);
    expect(parts.slice(1).every((p) => p.to.length === 0 && p.cc.length === 0)).toBe(true);
    expect(new Set(parts.flatMap((p) => p.bcc)).size).toBe(1200);
  });

  it('split - a list that fills its messages exactly adds no empty message', () => {
    const a = (n: number, p: string): string[] => Array.from({ length: n }, (_, i) => `${p}${i}@x.test`);
    expect(splitRecipients({ to: a(1, 't'), cc: [], bcc: a(499, 'b') }, 500).map(recipientCount)).toEqual([500]);
    expect(splitRecipients({ to: a(1, 't'), cc: [], bcc: a(999, 'b') }, 500).map(recipientCount)).toEqual([500, 500]);
    expect(splitRecipients({ to: a(1000, 't'), cc: [], bcc: a(500, 'b') }, 500).map(recipientCount)).toEqual([500, 500, 500]);
    // To and Cc that fill one message exactly stay as they were addressed.
    const [first] = splitRecipients({ to: a(300, 't'), cc: a(200, 'c'), bcc: [] }, 500);
    expect([first.to.length, first.cc.length]).toEqual([300, 200]);
  });

  it('split - more visible recipients than one message holds: each part shows its own slice, nobody is lost or doubled', () => {
    fc.assert(fc.property(fc.nat(1500), fc.nat(1500), fc.nat(1500), fc.integer({ min: 1, max: 500 }), (to, cc, bcc, max) => {
      const a = (n: number, p: string): string[] => Array.from({ length: n }, (_, i) => `${p}${i}@x.test`);
      const parts = splitRecipients({ to: a(to, 't'), cc: a(cc, 'c'), bcc: a(bcc, 'b') }, max);
      const all = parts.flatMap((p) => [...p.to, ...p.cc, ...p.bcc]);
      expect(all.length).toBe(to + cc + bcc);
      expect(new Set(all).size).toBe(to + cc + bcc);
      expect(parts.every((p) => recipientCount(p) <= max)).toBe(true);
      // No empty message, and no more messages than the recipients need.
      const total = to + cc + bcc;
      expect(parts.every((p) => recipientCount(p) > 0 || total === 0)).toBe(true);
      const needed = to + cc <= max ? 1 + Math.ceil(Math.max(0, bcc - (max - to - cc)) / max) : Math.ceil((to + cc) / max) + Math.ceil(bcc / max);
      expect(parts).toHaveLength(needed);
      if (to + cc <= max) {
        // Everyone shown fits in one message: it shows them as the LMS addressed them.
        expect([parts[0].to.length, parts[0].cc.length]).toEqual([to, cc]);
      }
    }), { numRuns: 200 });
  });

  it('messageId - stable for a notification and part, different across parts', () => {
    expect(messageIdFor('5b0c', 0, 'lms.example')).toBe('<5b0c.0@lms.example>');
    expect(messageIdFor('5b0c', 1, 'lms.example')).not.toBe(messageIdFor('5b0c', 0, 'lms.example'));
  });
});

describe('outbox state machine', () => {
  const start = (parts = 1, expiresAt?: number): ItemState => newItemState({ priority: 'normal', now: 0, parts, expiresAt });

  it('state machine - a new item keeps the split it was queued with (perMessage) only when one was given', () => {
    expect(newItemState({ priority: 'normal', now: 0, parts: 2, perMessage: 250 }).perMessage).toBe(250);
    expect('perMessage' in newItemState({ priority: 'normal', now: 0, parts: 1 })).toBe(false);
  });

  const last = (s: ItemState): ItemState['history'][number] => s.history[s.history.length - 1];

  it('state - queued -> sending -> sent; sent is final', () => {
    expect(start().history).toEqual([{ at: new Date(0).toISOString(), status: 'queued' }]);
    let s = transition(start(), { type: 'claim', now: 1, claimUntil: 100 });
    expect([s.state, s.attempts, s.resubmissions, s.claimUntil]).toEqual(['sending', 1, 0, 100]);
    expect(last(s)).toEqual({ at: new Date(1).toISOString(), status: 'sending' });
    s = transition(s, { type: 'sent', now: 2 });
    expect(s).toMatchObject({ state: 'sent', sentAt: 2, claimUntil: 0, lastCode: null, partsSent: 1 });
    expect(last(s)).toEqual({ at: new Date(2).toISOString(), status: 'sent' });
    expect(['queued', 'sending', 'sent', 'expired', 'failed'].filter((x) => isTerminal(x as ItemState['state']))).toEqual(['sent', 'expired', 'failed']);
    expect(() => transition(s, { type: 'claim', now: 1000, claimUntil: 2000 })).toThrow('claim is not allowed in state sent');
    expect(() => transition(s, { type: 'claim', now: 1000, claimUntil: 2000 })).toThrow(TransitionRefused);
    expect(() => transition(s, { type: 'sent', now: 3 })).toThrow(TransitionRefused);
  });

  it('state - recipients refused while the others took the message are added up over its parts; sent carries the latest refusal\'s code', () => {
    let s = transition(start(3), { type: 'claim', now: 1, claimUntil: 100 });
    s = transition(s, { type: 'part-accepted', now: 2, refused: { recipients: 2, code: 'RECIPIENT_REJECTED' } });
    s = transition(s, { type: 'part-accepted', now: 3, refused: null });
    expect(s.refused).toEqual({ recipients: 2, code: 'RECIPIENT_REJECTED' });
    const sent = transition(s, { type: 'sent', now: 4, refused: { recipients: 1, code: 'SERVICE_UNAVAILABLE' } });
    expect([sent.state, sent.refused, sent.lastCode]).toEqual(['sent', { recipients: 3, code: 'SERVICE_UNAVAILABLE' }, 'SERVICE_UNAVAILABLE']);
    expect(last(sent)).toEqual({ at: new Date(4).toISOString(), status: 'sent', code: 'SERVICE_UNAVAILABLE' });
    // Earlier parts' refusals stay when the last part had none; none at all leaves no trace.
    expect(transition(s, { type: 'sent', now: 4 })).toMatchObject({ refused: { recipients: 2, code: 'RECIPIENT_REJECTED' }, lastCode: 'RECIPIENT_REJECTED' });
    const clean = transition(transition(start(), { type: 'claim', now: 1, claimUntil: 100 }), { type: 'sent', now: 2, refused: { recipients: 0, code: 'RECIPIENT_REJECTED' } });
    expect(['refused' in clean, clean.lastCode, 'code' in last(clean)]).toEqual([false, null, false]);
  });

  it('state - a claim held by a live worker cannot be taken; an abandoned one is taken as a counted resubmission', () => {
    const claimed = transition(start(), { type: 'claim', now: 1, claimUntil: 100 });
    expect(() => transition(claimed, { type: 'claim', now: 50, claimUntil: 200 })).toThrow(TransitionRefused);
    const taken = transition(claimed, { type: 'claim', now: 100, claimUntil: 200 });
    expect([taken.resubmissions, taken.attempts, taken.history[taken.history.length - 1].resubmission]).toEqual([1, 2, true]);
  });

  it('state - a retry after a try with no clear answer goes as a counted resubmission, once; a crash takeover is counted apart (it bounds takeovers), an answered retry not at all', () => {
    const claimed = transition(start(), { type: 'claim', now: 1, claimUntil: 100 });
    const unclear = transition(claimed, { type: 'retry', now: 2, code: 'SERVICE_UNAVAILABLE', at: 3, maxAttempts: 5, unanswered: true });
    expect([unclear.state, unclear.unanswered]).toEqual(['queued', true]);
    const again = transition(unclear, { type: 'claim', now: 3, claimUntil: 100 });
    expect([again.resubmissions, again.takenOver, 'unanswered' in again, last(again).resubmission]).toEqual([1, 0, false, true]);
    // An answered refusal (a 429, an SMTP reply) sent nothing: its retry is no resubmission.
    const answered = transition(transition(again, { type: 'retry', now: 4, code: 'THROTTLED', at: 5, maxAttempts: 5 }), { type: 'claim', now: 5, claimUntil: 100 });
    expect([answered.resubmissions, 'unanswered' in answered, 'resubmission' in last(answered)]).toEqual([1, false, false]);
    // Abandoned in "sending": a takeover, counted in both.
    const takeover = transition(answered, { type: 'claim', now: 100, claimUntil: 200 });
    expect([takeover.resubmissions, takeover.takenOver, takenOver(takeover)]).toEqual([2, 1, 1]);
    // A row stored before takeovers were kept counts its resubmissions as takeovers (they were, then).
    const older: ItemState = { ...claimed, resubmissions: 2 };
    delete older.takenOver;
    expect(takenOver(older)).toBe(2);
    expect(transition(older, { type: 'claim', now: 100, claimUntil: 200 })).toMatchObject({ resubmissions: 3, takenOver: 3 });
  });

  it('unanswered - Graph 5xx or no answer, an SMTP session that broke without a reply: the mail service may have taken the message; an answer (an SMTP 4xx reply too), a token refusal or any other code did not', async () => {
    // Graph: the client's own errors, from a stand-in Graph on loopback answering each status.
    const server = createServer((req, res) => {
      const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status'));
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: status === 504 ? 'gatewayTimeout' : 'x' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const graphError = async (base: string, status: number): Promise<ApiError> => {
      try {
        await new GraphClient(base, 2000).request('t', 'POST', `/me/sendMail?status=${status}`, {}, {}, 'message');
      } catch (error) {
        return error as ApiError;
      }
      throw new Error('no error');
    };
    try {
      const graph = await Promise.all([504, 500, 503, 429, 401, 400].map((status) => graphError(origin, status)));
      expect(graph.map((e) => [e.code, unanswered(e)])).toEqual([['SERVICE_UNAVAILABLE', true], ['SERVICE_UNAVAILABLE', true], ['SERVICE_UNAVAILABLE', true], ['THROTTLED', false], ['TOKEN_REVOKED', false], ['MESSAGE_REJECTED', false]]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const unreachable = await graphError(origin, 200);
    expect([unreachable.code, unanswered(unreachable)]).toEqual(['SERVICE_UNAVAILABLE', true]);
    // SMTP: as nodemailer fails - no reply (a broken session, the deadline), or a reply.
    const smtp: Array<[object, boolean]> = [
      [{ code: 'ETIMEDOUT', command: 'CONN' }, true],
      [{ code: 'ECONNECTION' }, true],
      [{}, true],
      [{ code: 'EPROTOCOL', responseCode: 451, response: '451 4.7.500 Server busy. Please try again later', command: 'DATA' }, false],
      [{ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.10 RESOLVER.ADR.RecipientNotFound', command: 'RCPT TO' }, false],
      [{ code: 'EAUTH', responseCode: 535, response: '535 5.7.3 Authentication unsuccessful' }, false]
    ];
    expect(smtp.map(([error]) => unanswered(smtpApiError(error, 'password')))).toEqual(smtp.map(([, expected]) => expected));
    // Only the mail service down: a flagged error of another code (a token refused) sent nothing.
    expect(unanswered(new ApiError('TOKEN_REVOKED', { unanswered: true }))).toBe(false);
  });

  it('state - a message of several parts counts each accepted part, never more than it has', () => {
    let s = transition(start(3), { type: 'claim', now: 1, claimUntil: 100 });
    expect(() => transition(start(3), { type: 'part-accepted', now: 2 })).toThrow(TransitionRefused);
    s = transition(s, { type: 'part-accepted', now: 2 });
    s = transition(s, { type: 'part-accepted', now: 3 });
    expect(s.partsSent).toBe(2);
    const full = transition(s, { type: 'part-accepted', now: 4 });
    expect(full.partsSent).toBe(3);
    expect(() => transition(full, { type: 'part-accepted', now: 5 })).toThrow(TransitionRefused);
    // Part acceptance is not an event of the history: the item is still "sending".
    expect(full.history).toEqual(s.history);
  });

  it('state - passing faults fail an item only after maxAttempts of them spread over failAfterMs since the first: a short outage fails nothing', () => {
    let s = start();
    const fault = (now: number): void => {
      s = transition(transition(s, { type: 'claim', now, claimUntil: now + 10 }), { type: 'retry', now, code: 'SERVICE_UNAVAILABLE', at: now + 1, maxAttempts: 3, failAfterMs: 1000 });
    };
    fault(100);
    expect([s.state, s.failures, s.firstFailedAt]).toEqual(['queued', 1, 100]);
    fault(200);
    fault(300);
    // Three faults within 200 ms of the first: queued again, the first fault's time kept.
    expect([s.state, s.failures, s.firstFailedAt, s.nextAttemptAt]).toEqual(['queued', 3, 100, 301]);
    fault(1099);
    expect(s.state).toBe('queued');
    // A second after the first fault, with maxAttempts reached: failed.
    fault(1100);
    expect([s.state, s.failures, s.lastCode]).toEqual(['failed', 5, 'SERVICE_UNAVAILABLE']);
    // An item stored before the first fault's time was kept counts from its next fault.
    const old = transition({ ...start(), failures: 7 }, { type: 'claim', now: 5000, claimUntil: 5010 });
    expect(transition(old, { type: 'retry', now: 5000, code: 'SERVICE_UNAVAILABLE', at: 5001, maxAttempts: 3, failAfterMs: 1000 }).state).toBe('queued');
  });

  it('state - a notification that went out in part and then gives up ends sent, the unreached recipients refused under the last fault\'s code; one that reached nobody, or that goes on trying, is left as the failure made it', () => {
    const retry = (now: number): ItemEvent => ({ type: 'retry', now, code: 'SERVICE_UNAVAILABLE', at: now + 1, maxAttempts: 1 });
    const partly = transition(transition({ ...start(), parts: 4 }, { type: 'claim', now: 1, claimUntil: 10 }), { type: 'part-accepted', now: 2 });
    const gaveUp = failedInPart(partly, transition(partly, retry(3)), 3, 1500);
    expect([gaveUp.state, gaveUp.refused, gaveUp.lastCode, gaveUp.sentAt, gaveUp.history.at(-1)?.status]).toEqual(['sent', { recipients: 1500, code: 'SERVICE_UNAVAILABLE' }, 'SERVICE_UNAVAILABLE', 3, 'sent']);
    const nobody = transition({ ...start(), parts: 4 }, { type: 'claim', now: 1, claimUntil: 10 });
    expect(failedInPart(nobody, transition(nobody, retry(3)), 3, 2000).state).toBe('failed');
    const goesOn = transition(partly, { type: 'retry', now: 3, code: 'SERVICE_UNAVAILABLE', at: 4, maxAttempts: 5 });
    expect(failedInPart(partly, goesOn, 3, 1500)).toBe(goesOn);
  });

  it('state - close-expired closes only a notification that went out in part, past its expiry, not claimed now: as sent, the rest refused as expired', () => {
    const sentPart = (expiresAt: number): ItemState => transition(transition({ ...start(), parts: 3, expiresAt }, { type: 'claim', now: 1, claimUntil: 10 }), { type: 'part-accepted', now: 2 });
    const queuedAgain = transition(sentPart(100), { type: 'release', now: 3, code: null });
    const closed = transition(queuedAgain, { type: 'close-expired', now: 100, unreached: 7 });
    expect([closed.state, closed.refused, closed.lastCode, closed.partsSent]).toEqual(['sent', { recipients: 7, code: 'MESSAGE_EXPIRED' }, 'MESSAGE_EXPIRED', 3]);
    expect(() => transition(queuedAgain, { type: 'close-expired', now: 99, unreached: 7 })).toThrow(TransitionRefused);
    expect(() => transition({ ...start(), expiresAt: 100 }, { type: 'close-expired', now: 200, unreached: 1 })).toThrow(TransitionRefused);
    expect(() => transition(sentPart(100), { type: 'close-expired', now: 5, unreached: 1 })).toThrow(TransitionRefused);
  });

  it('pacer - a passing fault pauses the whole mailbox: Retry-After when given, else a back-off growing with the faults in a row; faults under way together count once; an accepted submission ends the run', () => {
    const half = (): number => 0;
    let b = recordFault(EMPTY_BUDGET, 1000, limits, undefined, half);
    // The first fault: backoff(1) = 1 to 2 s (half of it with this random).
    expect([b.faults, b.pausedUntil]).toEqual([1, 2000]);
    // A second submission that was under way fails while the mailbox is paused: not a fault more
    // (the pause counts from it).
    b = recordFault(b, 1500, limits, undefined, half);
    expect([b.faults, b.pausedUntil]).toEqual([1, 2500]);
    b = recordFault(b, 2500, limits, undefined, half);
    expect([b.faults, b.pausedUntil]).toEqual([2, 4500]);
    b = recordFault(b, 4500, limits, undefined, half);
    expect([b.faults, b.pausedUntil]).toEqual([3, 8500]);
    // The service said when: that, and the run goes on.
    b = recordFault(b, 8500, limits, 30_000, half);
    expect([b.faults, b.pausedUntil]).toEqual([4, 38_500]);
    // A run is over once its last fault is older than FAULT_RUN_MS: a fault a week later starts at one.
    const later = recordFault(b, 8500 + FAULT_RUN_MS + 1, limits, undefined, half);
    expect([later.faults, later.pausedUntil - (8500 + FAULT_RUN_MS + 1)]).toEqual([1, 1000]);
    expect(recordFault(b, 8500 + FAULT_RUN_MS, limits, undefined, half).faults).toBe(5);
    // Kept through pruning and pauses (stored with the lease), gone once a submission is accepted.
    expect(prune(pauseUntil(b, 50_000), 40_000, limits).faults).toBe(4);
    expect([pauseUntil(b, 50_000).faultAt, prune(pauseUntil(b, 50_000), 40_000, limits).faultAt, prune(b, 40_000, limits).faultAt]).toEqual([8500, 8500, 8500]);
    // Scaled (x60), the run is over 30 seconds after its last fault.
    const fast = { ...limits, timeScale: 60 };
    expect(recordFault(b, 8500 + FAULT_RUN_MS / 60 + 1, fast, undefined, half).faults).toBe(1);
    expect(recordFault(b, 8500 + FAULT_RUN_MS / 60, fast, undefined, half).faults).toBe(5);
    // A first fault while the mailbox is paused for another reason (a 429's Retry-After) starts a run at one.
    expect(recordFault(pauseUntil(EMPTY_BUDGET, 5000), 1000, limits, undefined, half)).toMatchObject({ faults: 1, faultAt: 1000, pausedUntil: 5000 });
    const started = recordSubmission(b, 1, 40_000, limits);
    expect(recordAccepted(started, 40_000, 40_100)).not.toHaveProperty('faults');
    expect(recordAccepted(started, 40_000, 40_100)).not.toHaveProperty('faultAt');
    expect(recordAccepted(b, 12345, 40_100).faults).toBeUndefined();
  });

  it('state - each outcome is recorded in the history with its code; a claim is due at its not-before time, not a millisecond earlier', () => {
    const claimed = (): ItemState => transition(start(), { type: 'claim', now: 1, claimUntil: 100 });
    const retried = transition(claimed(), { type: 'retry', now: 2, code: 'SERVICE_UNAVAILABLE', at: 500, maxAttempts: 5 });
    expect([retried.claimUntil, retried.lastCode, last(retried)]).toEqual([0, 'SERVICE_UNAVAILABLE', { at: new Date(2).toISOString(), status: 'queued', code: 'SERVICE_UNAVAILABLE' }]);
    const released = transition(claimed(), { type: 'release', now: 3, code: 'TOKEN_REVOKED' });
    expect([released.state, released.claimUntil, released.lastCode, last(released)]).toEqual(['queued', 0, 'TOKEN_REVOKED', { at: new Date(3).toISOString(), status: 'queued', code: 'TOKEN_REVOKED' }]);
    const failed = transition(claimed(), { type: 'fail', now: 4, code: 'RECIPIENT_REJECTED' });
    expect([failed.state, failed.claimUntil, failed.failures, last(failed)]).toEqual(['failed', 0, 0, { at: new Date(4).toISOString(), status: 'failed', code: 'RECIPIENT_REJECTED' }]);
    const gaveUp = transition(claimed(), { type: 'retry', now: 5, code: 'SERVICE_UNAVAILABLE', at: 500, maxAttempts: 1 });
    expect([gaveUp.state, gaveUp.claimUntil, last(gaveUp)]).toEqual(['failed', 0, { at: new Date(5).toISOString(), status: 'failed', code: 'SERVICE_UNAVAILABLE' }]);
    for (const e of ['release', 'fail', 'retry', 'sent'] as const) {
      expect(() => transition(start(), { type: e, now: 1, code: 'THROTTLED', at: 1, maxAttempts: 3 } as ItemEvent)).toThrow(`${e} is not allowed in state queued`);
    }
    const later = newItemState({ priority: 'normal', now: 0, notBefore: 100, parts: 1 });
    expect([isClaimable(later, 99), isClaimable(later, 100)]).toEqual([false, true]);
    expect(() => transition(later, { type: 'claim', now: 99, claimUntil: 200 })).toThrow(TransitionRefused);
  });

  it('state - the history keeps its first entry and the latest ones, 50 in all', () => {
    let s = start();
    for (let i = 1; i <= 40; i++) {
      s = transition(s, { type: 'claim', now: 2 * i, claimUntil: 10_000 });
      s = transition(s, { type: 'release', now: 2 * i + 1, code: 'THROTTLED' });
    }
    expect(s.history).toHaveLength(50);
    expect(s.history[0]).toEqual({ at: new Date(0).toISOString(), status: 'queued' });
    expect(s.history[1]).toEqual({ at: new Date(33).toISOString(), status: 'queued', code: 'THROTTLED' });
    expect(s.history[2]).toEqual({ at: new Date(34).toISOString(), status: 'sending' });
    expect(last(s)).toEqual({ at: new Date(81).toISOString(), status: 'queued', code: 'THROTTLED' });
  });

  it('state - passing faults retry later and fail after maxAttempts; a release counts no failure', () => {
    let s = transition(start(), { type: 'claim', now: 1, claimUntil: 100 });
    s = transition(s, { type: 'retry', now: 2, code: 'SERVICE_UNAVAILABLE', at: 500, maxAttempts: 2 });
    expect([s.state, s.nextAttemptAt, s.failures]).toEqual(['queued', 500, 1]);
    expect(() => transition(s, { type: 'claim', now: 499, claimUntil: 1000 })).toThrow(TransitionRefused);
    s = transition(s, { type: 'claim', now: 500, claimUntil: 1000 });
    s = transition(s, { type: 'release', now: 501, code: 'TOKEN_REVOKED' });
    expect([s.state, s.failures]).toEqual(['queued', 1]);
    s = transition(s, { type: 'claim', now: 502, claimUntil: 1000 });
    s = transition(s, { type: 'retry', now: 503, code: 'SERVICE_UNAVAILABLE', at: 900, maxAttempts: 2 });
    expect([s.state, s.lastCode]).toEqual(['failed', 'SERVICE_UNAVAILABLE']);
  });

  it('state - an expired item is recorded expired, never claimed; an unexpired one cannot be expired', () => {
    const s = start(1, 10);
    expect(() => transition(s, { type: 'claim', now: 10, claimUntil: 100 })).toThrow(TransitionRefused);
    expect(() => transition(start(1, 50), { type: 'expire', now: 10 })).toThrow(TransitionRefused);
    expect(transition(s, { type: 'expire', now: 10 })).toMatchObject({ state: 'expired', lastCode: 'MESSAGE_EXPIRED', claimUntil: 0 });
    expect(last(transition(s, { type: 'expire', now: 10 }))).toEqual({ at: new Date(10).toISOString(), status: 'expired', code: 'MESSAGE_EXPIRED' });
    // A claimed item expires only once its claim has lapsed (until then its worker may be sending it).
    const claimed = transition(start(1, 50), { type: 'claim', now: 1, claimUntil: 100 });
    expect(() => transition(claimed, { type: 'expire', now: 99 })).toThrow(TransitionRefused);
    expect(transition(claimed, { type: 'expire', now: 100 }).state).toBe('expired');
    // One that went out in part does not expire: its other recipients get it too.
    const partWay = transition(transition(start(2, 50), { type: 'claim', now: 1, claimUntil: 100 }), { type: 'part-accepted', now: 5 });
    const released = transition(partWay, { type: 'release', now: 6, code: null });
    expect(isExpired(released, 60)).toBe(false);
    expect(() => transition(released, { type: 'expire', now: 60 })).toThrow(TransitionRefused);
    expect(transition(released, { type: 'claim', now: 60, claimUntil: 200 })).toMatchObject({ state: 'sending', partsSent: 1 });
    expect(last(released)).toEqual({ at: new Date(6).toISOString(), status: 'queued' });
  });

  it('state - cancel: only a queued item that sent nothing yet; not one a worker claimed (lapsed too), nor one that went out in part; final once cancelled', () => {
    const queued = start(1, 50);
    const cancelled = transition(queued, { type: 'cancel', now: 7 });
    expect(cancelled).toMatchObject({ state: 'cancelled', lastCode: 'NOTIFICATION_CANCELLED', claimUntil: 0, sentAt: null });
    expect(last(cancelled)).toEqual({ at: new Date(7).toISOString(), status: 'cancelled', code: 'NOTIFICATION_CANCELLED' });
    expect(isTerminal(cancelled.state)).toBe(true);
    for (const e of [{ type: 'claim', now: 60, claimUntil: 100 }, { type: 'cancel', now: 8 }, { type: 'expire', now: 60 }] as ItemEvent[]) {
      expect(() => transition(cancelled, e)).toThrow(TransitionRefused);
    }
    // A queued item not due yet (a retry's back-off, its not-before) may be cancelled too.
    expect(transition({ ...queued, nextAttemptAt: 1_000 }, { type: 'cancel', now: 8 }).state).toBe('cancelled');
    const claimed = transition(queued, { type: 'claim', now: 1, claimUntil: 100 });
    expect(() => transition(claimed, { type: 'cancel', now: 50 })).toThrow(TransitionRefused);
    // Abandoned by its worker: its submission may have gone, so it is not cancelled.
    expect(() => transition(claimed, { type: 'cancel', now: 500 })).toThrow(TransitionRefused);
    const partWay = transition(transition(transition(start(2, 50), { type: 'claim', now: 1, claimUntil: 100 }), { type: 'part-accepted', now: 5 }), { type: 'release', now: 6, code: null });
    expect(partWay.state).toBe('queued');
    expect(() => transition(partWay, { type: 'cancel', now: 7 })).toThrow(TransitionRefused);
    // A try the mail service did not answer may have been taken: not cancelled, now or after an answered retry.
    const unansweredTry = transition(transition(queued, { type: 'claim', now: 1, claimUntil: 100 }), { type: 'retry', now: 2, code: 'SERVICE_UNAVAILABLE', at: 3, maxAttempts: 5, unanswered: true });
    expect([unansweredTry.state, isCancellable(unansweredTry)]).toEqual(['queued', false]);
    const answeredAfter = transition(transition(unansweredTry, { type: 'claim', now: 3, claimUntil: 100 }), { type: 'retry', now: 4, code: 'THROTTLED', at: 5, maxAttempts: 5 });
    expect([answeredAfter.state, answeredAfter.unanswered, isCancellable(answeredAfter)]).toEqual(['queued', undefined, false]);
    expect(() => transition(answeredAfter, { type: 'cancel', now: 6 })).toThrow(TransitionRefused);
    // A crash's takeover: the first worker's submission may have gone.
    const takenOverThenReleased = transition(transition(transition(start(1), { type: 'claim', now: 1, claimUntil: 100 }), { type: 'claim', now: 100, claimUntil: 200 }), { type: 'release', now: 101, code: 'TOKEN_REVOKED' });
    expect(takenOverThenReleased).toMatchObject({ state: 'queued', resubmissions: 1 });
    expect(() => transition(takenOverThenReleased, { type: 'cancel', now: 102 })).toThrow(TransitionRefused);
    // A try the mail service answered (a 429, a refused token) reached nobody: still cancellable.
    const answered = transition(transition(queued, { type: 'claim', now: 1, claimUntil: 100 }), { type: 'retry', now: 2, code: 'THROTTLED', at: 3, maxAttempts: 5 });
    expect(transition(answered, { type: 'cancel', now: 4 }).state).toBe('cancelled');
  });

  const event: fc.Arbitrary<ItemEvent> = fc.oneof(
    fc.record({ type: fc.constant('claim' as const), now: fc.nat(2000), claimUntil: fc.nat(3000) }),
    fc.record({ type: fc.constant('part-accepted' as const), now: fc.nat(2000) }),
    fc.record({ type: fc.constant('sent' as const), now: fc.nat(2000) }),
    fc.record({ type: fc.constant('retry' as const), now: fc.nat(2000), code: fc.constant('THROTTLED' as const), at: fc.nat(2000), maxAttempts: fc.integer({ min: 1, max: 5 }), unanswered: fc.boolean() }),
    fc.record({ type: fc.constant('release' as const), now: fc.nat(2000), code: fc.constant('TOKEN_REVOKED' as const) }),
    fc.record({ type: fc.constant('fail' as const), now: fc.nat(2000), code: fc.constant('RECIPIENT_REJECTED' as const) }),
    fc.record({ type: fc.constant('expire' as const), now: fc.nat(2000) }),
    fc.record({ type: fc.constant('cancel' as const), now: fc.nat(2000) })
  );

  it('state - property: whatever happens, two workers racing with ETags mark an item sent at most once, and a final state never changes', () => {
    // Storage as the workers see it: a value and a version; a write succeeds only on the version it read.
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), event), { maxLength: 60 }), fc.option(fc.nat(2000), { nil: undefined }), (steps, expiresAt) => {
      let stored = { state: newItemState({ priority: 'normal', now: 0, parts: 2, expiresAt }), version: 0 };
      const seen = [{ ...stored }, { ...stored }];
      let markedSent = 0;
      let final: ItemState['state'] | undefined;
      // Whether a recipient may have it: a part taken, a try not answered, a crashed worker's try taken over.
      let mayHaveGone = false;
      for (const [worker, e] of steps) {
        const read = seen[worker];
        let next: ItemState;
        try {
          next = transition(read.state, e);
        } catch (error) {
          expect(error).toBeInstanceOf(TransitionRefused);
          seen[worker] = { ...stored };
          continue;
        }
        if (read.version !== stored.version) {
          seen[worker] = { ...stored };
          continue;
        }
        if (final) {
          throw new Error(`a final state (${final}) changed to ${next.state}`);
        }
        mayHaveGone ||= e.type === 'part-accepted' || e.type === 'sent' || (e.type === 'retry' && e.unanswered === true) || (e.type === 'claim' && read.state.state === 'sending');
        stored = { state: next, version: stored.version + 1 };
        seen[worker] = { ...stored };
        if (next.state === 'sent') {
          markedSent++;
        }
        if (isTerminal(next.state)) {
          final = next.state;
        }
      }
      expect(markedSent).toBeLessThanOrEqual(1);
      expect(stored.state.partsSent).toBeLessThanOrEqual(stored.state.parts);
      // A cancelled notification reached nobody: no part of it was taken, and none was on its way.
      if (final === 'cancelled') {
        expect(mayHaveGone).toBe(false);
        expect(stored.state.partsSent).toBe(0);
        expect(stored.state.history[stored.state.history.length - 2]?.status).not.toBe('sending');
      }
    }), { numRuns: 500 });
  });
});

describe('the Idempotency-Key header', () => {
  const codeOfKey = (raw: string[]): string => {
    try {
      return idempotencyKey(raw);
    } catch (error) {
      return `! ${(error as { code: string }).code}`;
    }
  };
  it('is the value as sent, or the RFC 8941 string the IETF draft gives; one header only; an empty one is no key', () => {
    expect(codeOfKey(['Host', 'x', 'Idempotency-Key', 'course-42/enrolment/4711'])).toBe('course-42/enrolment/4711');
    expect(codeOfKey(['idempotency-key', '"8e03978e-40d5-43e8-bc93-6894a57f9324"'])).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    // 1-200 characters, as a batch item's key, quoted or not.
    expect([codeOfKey(['idempotency-key', 'k'.repeat(200)]), codeOfKey(['idempotency-key', `"${'k'.repeat(200)}"`])]).toEqual(['k'.repeat(200), 'k'.repeat(200)]);
    expect(() => idempotencyKey(['idempotency-key', 'k'.repeat(201)])).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', detail: 'Idempotency-Key: at most 200 characters.' }));
    expect(codeOfKey(['IDEMPOTENCY-KEY', '"a \\"quoted\\" \\\\ key"'])).toBe('a "quoted" \\ key');
    // Sent in UTF-8 (Node reads the bytes as Latin-1): the same key as the same text in a batch item; 200 characters, not bytes.
    const wire = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
    expect(codeOfKey(['idempotency-key', wire('コース42/登録/4711')])).toBe('コース42/登録/4711');
    expect(codeOfKey(['idempotency-key', wire('登'.repeat(200))])).toBe('登'.repeat(200));
    expect(codeOfKey(['idempotency-key', wire('登'.repeat(201))])).toBe('! VALIDATION_FAILED');
    // Characters as a batch item's key counts them (code points): a character outside the BMP is one.
    expect(codeOfKey(['idempotency-key', wire('😀'.repeat(200))])).toBe('😀'.repeat(200));
    expect(codeOfKey(['idempotency-key', wire('😀'.repeat(201))])).toBe('! VALIDATION_FAILED');
    // Bytes that are not UTF-8 stay as they came.
    expect(codeOfKey(['idempotency-key', 'caf\xe9'])).toBe('caf\xe9');
    // Not a well-formed string (an unescaped quote inside): taken as sent.
    expect(codeOfKey(['idempotency-key', '"a"b"'])).toBe('"a"b"');
    expect(codeOfKey(['idempotency-key', ' spaced '])).toBe('spaced');
    // Quoted, its spaces would stay: refused, as a batch item's key with them is (one key, one notification).
    expect(() => idempotencyKey(['idempotency-key', '" spaced "'])).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', detail: 'Idempotency-Key must not start or end with white space, nor hold control characters.' }));
    expect(codeOfKey(['idempotency-key', '"in between"'])).toBe('in between');
    expect(codeOfKey(['idempotency-key', wire('\u3000全角\u3000')])).toBe('全角');
    expect(codeOfKey(['idempotency-key', 'a', 'Idempotency-Key', 'b'])).toBe('! VALIDATION_FAILED');
    expect(() => idempotencyKey(['Idempotency-Key', 'a', 'idempotency-key', 'a'])).toThrow(expect.objectContaining({ detail: 'Send one Idempotency-Key header.' }));
    for (const empty of [[], ['idempotency-key', ''], ['idempotency-key', '""'], ['idempotency-key', '  ']]) {
      expect(codeOfKey(empty)).toBe('! IDEMPOTENCY_KEY_REQUIRED');
    }
  });
  it('a storage fault answers 503 with Retry-After', () => {
    expect(storageError(Object.assign(new Error('timeout'), { statusCode: 500 }))).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 10 });
  });
});

describe('the status the LMS sees of a stored notification', () => {
  const NOW = Date.UTC(2027, 5, 10, 12);
  const connected: ConnectionRecord = { ...emptyConnection('https://t.test/sites/a', 'c1'), enabled: true, method: 'modern', account: { email: 'adele@contoso.test', displayName: 'Adele' }, health: { state: 'connected', code: null, checkedAt: null } };
  const disabled: ConnectionRecord = { ...connected, enabled: false };
  const lost: ConnectionRecord = { ...connected, health: { state: 'lost', code: 'TOKEN_REVOKED', checkedAt: null } };
  const item = (state: ItemState['state'], extra: Partial<ItemState> = {}): ItemState => ({ ...newItemState({ priority: 'normal', now: NOW - HOUR, expiresAt: NOW + HOUR, parts: 1 }), state, ...extra });

  it('a queued item of a catalog that can send is queued; of one that cannot (switched off, connection lost) it is held', () => {
    expect(visibleStatus(item('queued'), connected, NOW)).toBe('queued');
    expect(visibleStatus(item('queued'), disabled, NOW)).toBe('held');
    expect(visibleStatus(item('queued'), lost, NOW)).toBe('held');
  });

  it('a queued item past its expiry is expired before its drain records it, held or not; one partly sent is not', () => {
    expect(visibleStatus(item('queued', { expiresAt: NOW }), connected, NOW)).toBe('expired');
    expect(visibleStatus(item('queued', { expiresAt: NOW }), disabled, NOW)).toBe('expired');
    expect(visibleStatus(item('queued', { expiresAt: NOW + 1 }), connected, NOW)).toBe('queued');
    expect(visibleStatus(item('queued', { expiresAt: NOW, parts: 2, partsSent: 1 }), connected, NOW)).toBe('queued');
  });

  it('any other state is shown as stored, whatever the catalog or the expiry', () => {
    for (const state of ['sending', 'sent', 'failed', 'expired'] as const) {
      expect(visibleStatus(item(state, { expiresAt: NOW - HOUR }), disabled, NOW)).toBe(state);
      expect(visibleStatus(item(state), connected, NOW)).toBe(state);
    }
  });
});

describe('cancelling a notification (the service, over a fake outbox)', () => {
  const NOW = Date.UTC(2027, 5, 10, 12);
  const record: ConnectionRecord = { ...emptyConnection('https://t.test/sites/a', 'c1'), enabled: true, method: 'modern', account: { email: 'adele@contoso.test', displayName: 'Adele' }, health: { state: 'connected', code: null, checkedAt: null } };
  const ID = newestFirstId(NOW - 1000);
  /** One stored notification; `update` refuses `conflicts` times (a worker's write got there first), then writes. */
  function fakeOutbox(state: ItemState, options: { conflicts?: number; kind?: 'notification' | 'invitation'; countFails?: boolean } = {}) {
    let stored = state;
    let conflicts = options.conflicts ?? 0;
    const counted: number[] = [];
    const item = () => ({ id: ID, kind: options.kind ?? 'notification', session: null, catalog: 'c', content: { to: ['a@t.test'], cc: [], bcc: [], subject: 's' }, state: stored, etag: isTerminal(stored.state) ? null : 'e' });
    return {
      counted,
      get state() { return stored; },
      readForUpdate: async () => item(),
      read: async () => ({ ...item(), etag: null }),
      update: async (_: unknown, next: ItemState) => {
        if (conflicts-- > 0) {
          throw new ApiError('CHANGED_BY_SOMEONE_ELSE');
        }
        stored = next;
        return item();
      },
      recordDrain: async (_: string, outcome: { cancelled?: number }) => {
        if (options.countFails) {
          throw new ApiError('SERVICE_UNAVAILABLE');
        }
        counted.push(outcome.cancelled ?? 0);
      }
    };
  }
  const service = (outbox: ReturnType<typeof fakeOutbox>, of: ConnectionRecord = record, warnings: unknown[] = []) => new NotificationService({ connections: { read: async () => ({ record: of, etag: '*' }) }, outbox, wake: async () => undefined, recipientsPerMessage: 500, messageIdDomain: 'lms.test', now: () => NOW, log: { warn: (fields: unknown) => warnings.push(fields) } } as unknown as NotificationDeps);
  const queued = (extra: Partial<ItemState> = {}): ItemState => ({ ...newItemState({ priority: 'normal', now: NOW - 1000, parts: 1 }), ...extra });
  const refusal = async (promise: Promise<unknown>): Promise<[string, string | undefined]> => promise.then(() => ['none', undefined], (error: ApiError) => [error.code, error.detail]);

  it('a queued one, or a held one, is cancelled and counted; again answers the same without counting twice', async () => {
    const outbox = fakeOutbox(queued());
    expect(await service(outbox).cancel('c', ID)).toMatchObject({ status: 'cancelled', code: 'NOTIFICATION_CANCELLED' });
    expect(await service(outbox).cancel('c', ID)).toMatchObject({ status: 'cancelled' });
    expect(outbox.counted).toEqual([1]);
    const held = fakeOutbox(queued());
    expect(await service(held, { ...record, enabled: false }).cancel('c', ID)).toMatchObject({ status: 'cancelled' });
  });

  it('why not, when not: its status; some recipients have it (held too); a try the mail service may have taken', async () => {
    expect(await refusal(service(fakeOutbox(queued({ state: 'sent', sentAt: NOW }))).cancel('c', ID))).toEqual(['NOTIFICATION_NOT_CANCELLABLE', 'Its status is sent.']);
    expect(await refusal(service(fakeOutbox(queued({ state: 'sending', claimUntil: NOW + 1000 }))).cancel('c', ID))).toEqual(['NOTIFICATION_NOT_CANCELLABLE', 'Its status is sending.']);
    expect(await refusal(service(fakeOutbox(queued({ expiresAt: NOW }))).cancel('c', ID))).toEqual(['NOTIFICATION_NOT_CANCELLABLE', 'Its status is expired.']);
    const partly = queued({ parts: 2, partsSent: 1 });
    for (const of of [record, { ...record, enabled: false }]) {
      expect((await refusal(service(fakeOutbox(partly), of).cancel('c', ID)))[1]).toMatch(/^Some of its recipients have it already/);
    }
    expect((await refusal(service(fakeOutbox(queued({ unanswered: true, resubmissions: 0 }))).cancel('c', ID)))[1]).toMatch(/may have taken it/);
    expect((await refusal(service(fakeOutbox(queued({ resubmissions: 1 }))).cancel('c', ID)))[1]).toMatch(/may have taken it/);
  });

  it('a worker\'s write between the read and the cancel: read again and decided again; one that keeps changing is a 503 to repeat, nothing changed', async () => {
    const twice = fakeOutbox(queued(), { conflicts: 2 });
    expect(await service(twice).cancel('c', ID)).toMatchObject({ status: 'cancelled' });
    const busy = fakeOutbox(queued(), { conflicts: 99 });
    expect((await refusal(service(busy).cancel('c', ID)))[0]).toBe('SERVICE_UNAVAILABLE');
    expect(busy.state.state).toBe('queued');
  });

  it('a session\'s invitation is no notification to cancel or read; a count not written is logged, the cancel stands', async () => {
    const invitation = fakeOutbox(queued(), { kind: 'invitation' });
    expect((await refusal(service(invitation).cancel('c', ID)))[0]).toBe('NOTIFICATION_NOT_FOUND');
    expect((await refusal(service(invitation).status('c', ID)))[0]).toBe('NOTIFICATION_NOT_FOUND');
    expect(invitation.state.state).toBe('queued');
    const warnings: unknown[] = [];
    const uncounted = fakeOutbox(queued(), { countFails: true });
    expect(await service(uncounted, record, warnings).cancel('c', ID)).toMatchObject({ status: 'cancelled' });
    expect(warnings).toEqual([expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', notification: ID })]);
  });
});

describe('the deliveries list\'s pages', () => {
  const NOW = Date.UTC(2027, 5, 10, 12);
  const record: ConnectionRecord = { ...emptyConnection('https://t.test/sites/a', 'c1'), enabled: true, method: 'modern', account: { email: 'adele@contoso.test', displayName: 'Adele' }, health: { state: 'connected', code: null, checkedAt: null } };
  /** An outbox of `n` sent notifications queued a second apart (`subject` n-1 the newest), listed as the store lists them: newest first. */
  const outbox = (rows: Array<{ id: string; kind: 'notification'; subject: string; recipients: number; state: ItemState }>) => ({ summaries: async () => [...rows].sort((a, b) => (a.id < b.id ? -1 : 1)) });
  const rowAt = (i: number) => ({ id: newestFirstId(NOW - 60_000 + i * 1000), kind: 'notification' as const, subject: `n${i}`, recipients: 1, state: { ...newItemState({ priority: 'normal', now: NOW - 60_000 + i * 1000, parts: 1 }), state: 'sent' as const, sentAt: NOW } });
  const service = (rows: Array<Omit<ReturnType<typeof rowAt>, 'state'> & { state: ItemState }>) => new NotificationService({ connections: { read: async () => ({ record, etag: '*' }) }, outbox: outbox(rows), wake: async () => undefined, recipientsPerMessage: 500, messageIdDomain: 'lms.test', now: () => NOW } as unknown as NotificationDeps);

  it('a page goes on after the last item of the one before: deliveries queued meanwhile do not shift it onto items already listed', async () => {
    const rows = [0, 1, 2, 3, 4].map(rowAt);
    const first = await service(rows).deliveries('c', { limit: '2' });
    expect(first.items.map((i) => i.subject)).toEqual(['n4', 'n3']);
    rows.push(rowAt(5), rowAt(6));
    const second = await service(rows).deliveries('c', { limit: '2', cursor: first.nextCursor ?? undefined });
    expect(second.items.map((i) => i.subject)).toEqual(['n2', 'n1']);
    const third = await service(rows).deliveries('c', { limit: '2', cursor: second.nextCursor ?? undefined });
    expect([third.items.map((i) => i.subject), third.nextCursor]).toEqual([['n0'], null]);
    // The item the cursor names is gone (retention): the page still starts after where it was.
    const gone = await service(rows.filter((r) => r.subject !== 'n3')).deliveries('c', { limit: '2', cursor: first.nextCursor ?? undefined });
    expect(gone.items.map((i) => i.subject)).toEqual(['n2', 'n1']);
    // A cursor of before the upgrade (an offset) still pages.
    expect((await service(rows).deliveries('c', { limit: '2', cursor: '2' })).items.map((i) => i.subject)).toEqual(['n4', 'n3']);
    expect(first.items[0]).not.toHaveProperty('at');
  });

  it('a queued item not due yet says when it goes (its notBefore, or its next try); one due, held or sent does not', async () => {
    const queued = (extra: Partial<ItemState>) => ({ ...rowAt(0), state: { ...newItemState({ priority: 'normal', now: NOW - 1000, parts: 1 }), ...extra } });
    const rows = [
      { ...queued({ notBefore: NOW + HOUR }), subject: 'later' },
      { ...queued({ nextAttemptAt: NOW + 60_000, lastCode: 'SERVICE_UNAVAILABLE' }), id: newestFirstId(NOW - 2000), subject: 'retry' },
      { ...queued({}), id: newestFirstId(NOW - 3000), subject: 'due' },
      { ...rowAt(1), state: { ...rowAt(1).state, notBefore: NOW + HOUR }, subject: 'sent' }
    ];
    const page = await service(rows).deliveries('c', {});
    const dueOf = (subject: string) => page.items.find((i) => i.subject === subject)?.dueAt;
    expect([dueOf('later'), dueOf('retry'), dueOf('due'), dueOf('sent')]).toEqual([new Date(NOW + HOUR).toISOString(), new Date(NOW + 60_000).toISOString(), undefined, undefined]);
    const held = await new NotificationService({ connections: { read: async () => ({ record: { ...record, enabled: false }, etag: '*' }) }, outbox: outbox(rows), wake: async () => undefined, recipientsPerMessage: 500, messageIdDomain: 'lms.test', now: () => NOW } as unknown as NotificationDeps).deliveries('c', {});
    expect(held.items.find((i) => i.subject === 'later')).toMatchObject({ status: 'held' });
    expect(held.items.find((i) => i.subject === 'later')).not.toHaveProperty('dueAt');
  });
});

describe('how far ahead a notification may be due', () => {
  it('notBefore at most NOT_BEFORE_MAX_DAYS ahead (what waits keeps its recipients and body stored, and only what is final is ever deleted); beyond, refused before storage is asked', async () => {
    const NOW = Date.UTC(2027, 5, 10, 12);
    let asked = 0;
    const service = new NotificationService({ connections: { read: async () => { asked++; throw new Error('storage reached'); } }, outbox: {}, wake: async () => undefined, recipientsPerMessage: 500, messageIdDomain: 'lms.test', now: () => NOW } as unknown as NotificationDeps);
    const at = (ms: number) => ({ key: 'k', to: ['a@x.test'], subject: 's', text: 'x', notBefore: new Date(ms).toISOString() });
    await expect(service.queue('c', [at(NOW + NOT_BEFORE_MAX_DAYS * 86_400_000)])).rejects.toThrow('storage reached');
    await expect(service.queue('c', [at(NOW - 86_400_000)])).rejects.toThrow('storage reached');
    expect(asked).toBe(2);
    await expect(service.queue('c', [at(NOW), at(NOW + NOT_BEFORE_MAX_DAYS * 86_400_000 + 1)])).rejects.toMatchObject({ code: 'VALIDATION_FAILED', detail: `items[1]: notBefore is more than ${NOT_BEFORE_MAX_DAYS} days ahead: queue it nearer the time.` });
    // A far expiry keeps nothing longer: the notification goes when due.
    await expect(service.queue('c', [{ ...at(NOW), expiresAt: '2099-01-01T00:00:00Z' }])).rejects.toThrow('storage reached');
    expect(asked).toBe(3);
  });
});

describe('how many recipients a notification may have', () => {
  it('at most 5,000, an address listed twice (in any case, in any list) counted once; beyond, refused before storage is asked', async () => {
    let asked = 0;
    const service = new NotificationService({ connections: { read: async () => { asked++; throw new Error('storage reached'); } }, outbox: {}, wake: async () => undefined, recipientsPerMessage: 500, messageIdDomain: 'lms.test', now: () => Date.UTC(2027, 5, 10) } as unknown as NotificationDeps);
    const to = Array.from({ length: 5000 }, (_, i) => `u${i}@x.test`);
    await expect(service.queue('c', [{ key: 'k', to, cc: ['U0@x.test'], bcc: ['u1@x.test'], subject: 's', text: 'x' }])).rejects.toThrow('storage reached');
    expect(asked).toBe(1);
    await expect(service.queue('c', [{ key: 'k', to, cc: ['u5000@x.test'], subject: 's', text: 'x' }])).rejects.toMatchObject({ code: 'VALIDATION_FAILED', detail: 'At most 5000 recipients in one notification.' });
    // A batch names the item, also when it holds one.
    await expect(service.queue('c', [{ key: 'k', to: [], subject: 's', text: 'x' }], 'en', true)).rejects.toMatchObject({ detail: 'items[0]: At least one recipient (to, cc or bcc) is required.' });
    expect(asked).toBe(1);
  });
});

describe('what the LMS is told when a catalog cannot take notifications', () => {
  it('not connected: a catalog disconnected says to connect; one nothing was ever set up for says to check its URL; switched off is CATALOG_DISABLED', () => {
    const record = emptyConnection('https://t.test/sites/a', 'c1');
    expect(refusalOf(record, '"1"')).toMatchObject({ code: 'NOT_CONNECTED', detail: undefined });
    expect(refusalOf(record, NEW_CONNECTION_ETAG)?.detail).toMatch(/or this is not its URL: check it against the address of the catalog site/);
    const connected = { ...record, method: 'classic' as const, account: { email: 'a@x.test', displayName: 'A' } };
    expect(refusalOf(connected, NEW_CONNECTION_ETAG)).toMatchObject({ code: 'CATALOG_DISABLED' });
    expect(refusalOf({ ...connected, enabled: true }, '"1"')).toBeUndefined();
  });
});

describe('line separators on the way to storage', () => {
  it('U+2028 / U+2029 go as JSON escapes (the same value), counted as six bytes each; a body without them is left as it is', async () => {
    const body = JSON.stringify({ subject: 'a\u2028b\u2029c' });
    const sent: Array<unknown> = [];
    const send = (body: unknown) => lineSeparatorEscape.sendRequest({ body } as never, async (request) => { sent.push(request.body); return {} as never; });
    await send(body);
    await send('plain');
    expect(sent).toEqual(['{"subject":"a\\u2028b\\u2029c"}', 'plain']);
    expect(JSON.parse(sent[0] as string)).toEqual(JSON.parse(body));
    const content = { to: ['a@x.test'], cc: [], bcc: [], subject: 'a\u2028b' };
    expect(wireBytes(content)).toBe(Buffer.byteLength(JSON.stringify(content).replace('\u2028', '\\u2028'), 'utf8'));
  });
});

describe('request hashes (same idempotency key, same request)', () => {
  const json = fc.jsonValue();

  it('a value and the same value with its objects\' keys in any order hash alike; another value does not', () => {
    const shuffled = (value: unknown): unknown => (Array.isArray(value)
      ? value.map(shuffled)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, shuffled(v)]))
        : value);
    fc.assert(fc.property(json, (value) => requestHash(shuffled(value)) === requestHash(value)));
    const plain = json.map((v) => JSON.parse(JSON.stringify(v)) as unknown);
    fc.assert(fc.property(plain, plain, (a, b) => isDeepStrictEqual(a, b) === (requestHash(a) === requestHash(b))));
    expect(requestHash({ to: ['a', 'b'] })).not.toBe(requestHash({ to: ['b', 'a'] }));
  });

  it('a hash an earlier version stored (over the body as received) still answers its own body, and only it; this version stores both forms', () => {
    const body = { to: ['learner1@contoso.test'], subject: 's', text: 't' };
    const request = { requestHash: requestHash({ priority: 'normal', content: body }), earlierRequestHash: earlierRequestHash(body) };
    expect(sameRequest({ requestHash: earlierRequestHash(body) }, request)).toBe(true);
    expect(sameRequest({ requestHash: earlierRequestHash({ ...body, text: 'u' }) }, request)).toBe(false);
    // Stored now: the earlier form where an earlier version looks, and this version's.
    const stored = storedRequest(request);
    expect(stored).toEqual({ requestHash: request.earlierRequestHash, canonicalHash: request.requestHash });
    expect(sameRequest(stored, request)).toBe(true);
    // The same request written another way: only this version's hash matches.
    const rewritten = { requestHash: request.requestHash, earlierRequestHash: earlierRequestHash({ text: 't', subject: 's', to: ['learner1@contoso.test'] }) };
    expect(sameRequest(stored, rewritten)).toBe(true);
    expect(sameRequest({ requestHash: stored.requestHash }, rewritten)).toBe(false);
    expect(sameRequest(stored, { requestHash: requestHash({ priority: 'bulk', content: body }), earlierRequestHash: earlierRequestHash({ ...body, priority: 'bulk' }) })).toBe(false);
    // The two kinds never meet: a hash now has a dot, the earlier ones (base64url) none.
    expect(request.requestHash).toMatch(/^c\./);
    expect(request.earlierRequestHash).not.toContain('.');
  });
});
