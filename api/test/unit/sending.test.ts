import fc from 'fast-check';
import { messageIdFor, recipientCount, splitRecipients } from '../../src/mail/message';
import { ItemEvent, ItemState, isTerminal, newItemState, transition, TransitionRefused } from '../../src/sending/outboxItem';
import { backoff, EMPTY_BUDGET, MailboxBudget, nextSlot, PacingLimits, pauseUntil, recordAccepted, recordRefused, recordSubmission } from '../../src/sending/pacer';

const limits: PacingLimits = { messagesPerMinute: 30, recipientsPerDay: 10_000, timeScale: 1 };

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
    const hour = 3_600_000;
    budget = recordSubmission(budget, 6000, 0, limits);
    budget = recordSubmission(budget, 3000, 2 * hour, limits);
    // 9,000 used: 1,000 more fit, 1,001 wait until the first hour's 6,000 leave the day
    expect(nextSlot(budget, 1000, 3 * hour, limits)).toBe(3 * hour);
    expect(nextSlot(budget, 1001, 3 * hour, limits)).toBe(24 * hour);
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
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 120_000 })), { minLength: 1, maxLength: 120 }), (requests) => {
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

  it('split - more visible recipients than one message holds: each part shows its own slice, nobody is lost or doubled', () => {
    fc.assert(fc.property(fc.nat(1500), fc.nat(1500), fc.nat(1500), fc.integer({ min: 1, max: 500 }), (to, cc, bcc, max) => {
      const a = (n: number, p: string): string[] => Array.from({ length: n }, (_, i) => `${p}${i}@x.test`);
      const parts = splitRecipients({ to: a(to, 't'), cc: a(cc, 'c'), bcc: a(bcc, 'b') }, max);
      const all = parts.flatMap((p) => [...p.to, ...p.cc, ...p.bcc]);
      expect(all.length).toBe(to + cc + bcc);
      expect(new Set(all).size).toBe(to + cc + bcc);
      expect(parts.every((p) => recipientCount(p) <= max)).toBe(true);
    }), { numRuns: 100 });
  });

  it('messageId - stable for a notification and part, different across parts', () => {
    expect(messageIdFor('5b0c', 0, 'lms.example')).toBe('<5b0c.0@lms.example>');
    expect(messageIdFor('5b0c', 1, 'lms.example')).not.toBe(messageIdFor('5b0c', 0, 'lms.example'));
  });
});

describe('outbox state machine', () => {
  const start = (parts = 1, expiresAt?: number): ItemState => newItemState({ priority: 'normal', now: 0, parts, expiresAt });

  it('state - queued -> sending -> sent; sent is final', () => {
    let s = transition(start(), { type: 'claim', now: 1, claimUntil: 100 });
    expect([s.state, s.attempts]).toEqual(['sending', 1]);
    s = transition(s, { type: 'sent', now: 2 });
    expect(s.state).toBe('sent');
    expect(() => transition(s, { type: 'claim', now: 1000, claimUntil: 2000 })).toThrow(TransitionRefused);
    expect(() => transition(s, { type: 'sent', now: 3 })).toThrow(TransitionRefused);
  });

  it('state - a claim held by a live worker cannot be taken; an abandoned one is taken as a counted resubmission', () => {
    const claimed = transition(start(), { type: 'claim', now: 1, claimUntil: 100 });
    expect(() => transition(claimed, { type: 'claim', now: 50, claimUntil: 200 })).toThrow(TransitionRefused);
    const taken = transition(claimed, { type: 'claim', now: 100, claimUntil: 200 });
    expect([taken.resubmissions, taken.attempts, taken.history[taken.history.length - 1].resubmission]).toEqual([1, 2, true]);
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
    expect(transition(s, { type: 'expire', now: 10 })).toMatchObject({ state: 'expired', lastCode: 'MESSAGE_EXPIRED' });
  });

  const event: fc.Arbitrary<ItemEvent> = fc.oneof(
    fc.record({ type: fc.constant('claim' as const), now: fc.nat(2000), claimUntil: fc.nat(3000) }),
    fc.record({ type: fc.constant('part-accepted' as const), now: fc.nat(2000) }),
    fc.record({ type: fc.constant('sent' as const), now: fc.nat(2000) }),
    fc.record({ type: fc.constant('retry' as const), now: fc.nat(2000), code: fc.constant('THROTTLED' as const), at: fc.nat(2000), maxAttempts: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ type: fc.constant('release' as const), now: fc.nat(2000), code: fc.constant('TOKEN_REVOKED' as const) }),
    fc.record({ type: fc.constant('fail' as const), now: fc.nat(2000), code: fc.constant('RECIPIENT_REJECTED' as const) }),
    fc.record({ type: fc.constant('expire' as const), now: fc.nat(2000) })
  );

  it('state - property: whatever happens, two workers racing with ETags mark an item sent at most once, and a final state never changes', () => {
    // Storage as the workers see it: a value and a version; a write succeeds only on the version it read.
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), event), { maxLength: 60 }), fc.option(fc.nat(2000), { nil: undefined }), (steps, expiresAt) => {
      let stored = { state: newItemState({ priority: 'normal', now: 0, parts: 2, expiresAt }), version: 0 };
      const seen = [{ ...stored }, { ...stored }];
      let markedSent = 0;
      let final: ItemState['state'] | undefined;
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
    }), { numRuns: 500 });
  });
});
