import { LRUCache } from 'lru-cache';
import type { ClassicConfig } from '../config/config';
import { ApiError, codeOf } from '../errors/apiError';
import type { Principal } from './principal';

/** One classic connect: who tried, for which catalog, which mailbox. Never the password. */
export interface ClassicAttempt {
  caller: Extract<Principal, { kind: 'user' }>;
  catalog: string;
  account: string;
}

/** Where audit entries go (the API's logger; one entry per attempt). */
export type AuditLog = (entry: { event: 'classic-connect'; caller: string; callerId: string; catalog: string; target: string; outcome: string }) => void;

/**
 * Classic connect proves a password with an SMTP login, so unchecked it is a password oracle for
 * any mailbox of the tenant (and Entra smart lockout would lock the victim out from the API's
 * address). Attempts are counted per caller and per target mailbox in fixed windows, counted
 * before the login so concurrent requests cannot slip past the limit, and every attempt is
 * audited. The counters live in this instance: with N instances behind a load balancer an
 * attacker who is spread over all of them gets at most N times the limit (docs/security.md).
 */
export class ClassicAttemptGuard {
  private readonly counters: LRUCache<string, number>;

  public constructor(private readonly config: ClassicConfig, private readonly audit: AuditLog) {
    this.counters = new LRUCache<string, number>({ max: 50_000, ttl: config.windowSeconds * 1000, noUpdateTTL: true });
  }

  /** Runs `prove` (the SMTP login and mailbox checks) if the attempt is allowed; audits its outcome. */
  public async attempt<T>(attempt: ClassicAttempt, prove: () => Promise<T>): Promise<T> {
    const record = (outcome: string): void => this.audit({
      event: 'classic-connect',
      caller: attempt.caller.name,
      callerId: `${attempt.caller.tenantId}:${attempt.caller.objectId}`,
      catalog: attempt.catalog,
      target: attempt.account,
      outcome
    });
    if (!this.config.enabled) {
      record('CLASSIC_DISABLED');
      throw new ApiError('CLASSIC_DISABLED');
    }
    const callerKey = `caller:${attempt.caller.tenantId}:${attempt.caller.objectId}`;
    const accountKey = `account:${attempt.account}`;
    const waitSeconds = Math.max(this.exceeded(callerKey, this.config.attemptsPerCaller), this.exceeded(accountKey, this.config.attemptsPerAccount));
    if (waitSeconds > 0) {
      record('CONNECT_ATTEMPTS_LIMITED');
      throw new ApiError('CONNECT_ATTEMPTS_LIMITED', { retryAfterSeconds: waitSeconds });
    }
    this.count(callerKey);
    this.count(accountKey);
    try {
      const result = await prove();
      record('connected');
      // A proven password ends the account's count; the caller's stays (one caller, many mailboxes).
      this.counters.delete(accountKey);
      return result;
    } catch (error) {
      record(codeOf(error));
      throw error;
    }
  }

  /** Seconds until `key` may try again, or 0 when it is within its limit. */
  private exceeded(key: string, limit: number): number {
    const used = this.counters.get(key) ?? 0;
    if (used < limit) {
      return 0;
    }
    return Math.max(1, Math.ceil(this.counters.getRemainingTTL(key) / 1000));
  }

  private count(key: string): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }
}
