import { createHash } from 'node:crypto';
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { ClassicConfig } from '../config/config';
import { ApiError, codeOf } from '../errors/apiError';
import { conditionalWriteError, deleteRow, statusOf, storageError } from '../storage/tables';
import type { Principal } from './principal';

/** One classic connect: who tried, for which catalog, which mailbox. Never the password. */
export interface ClassicAttempt {
  caller: Extract<Principal, { kind: 'user' }>;
  catalog: string;
  account: string;
}

/** Where audit entries go (the API's logger; one entry per attempt). */
export type AuditLog = (entry: { event: 'classic-connect' | 'classic-recheck'; caller: string; callerId: string; catalog: string; target: string; outcome: string }) => void;

/** Counts attempts per key in fixed windows, shared by whatever instances share it. */
export interface AttemptCounter {
  /**
   * One attempt on every key, if none of them is at its limit: 0. Otherwise nothing is counted and
   * the answer is the seconds until the key that waits longest may try again (at least 1).
   */
  take(keys: ReadonlyArray<{ key: string; limit: number }>): Promise<number>;
  /** Ends a key's window (a proven password ends the account's count). */
  clear(key: string): Promise<void>;
}

/** The partition of the `limits` table the Classic attempt counters are kept in (the test emails' have their own). */
const ATTEMPTS_PARTITION = 'classic-attempts';

interface AttemptRow {
  partitionKey: string;
  rowKey: string;
  etag?: string;
  count: number;
  windowStart: number;
}

/**
 * The counters in Azure Table storage (`limits`), so every instance counts against one limit
 * (R-SEC-3): a row per key - its SHA-256, no address or id stored - with the count and when its
 * window began. The keys of one attempt are checked and counted in one entity-group transaction
 * with each row's ETag: two instances that read the same counts cannot both count past a limit
 * (one transaction fails and reads again).
 */
export class TableAttemptCounter implements AttemptCounter {
  public constructor(private readonly table: TableClient, private readonly windowSeconds: number, private readonly now: () => number = Date.now, private readonly partition: string = ATTEMPTS_PARTITION) {}

  public async take(keys: ReadonlyArray<{ key: string; limit: number }>): Promise<number> {
    const windowMs = this.windowSeconds * 1000;
    for (let attempt = 0; attempt < 10; attempt++) {
      const rows = await Promise.all(keys.map(({ key }) => this.read(key)));
      const now = this.now();
      const live = rows.map((row) => (row && row.windowStart + windowMs > now ? row : undefined));
      const wait = Math.max(0, ...keys.map(({ limit }, i) => {
        const row = live[i];
        return row && row.count >= limit ? Math.max(1, Math.ceil((row.windowStart + windowMs - now) / 1000)) : 0;
      }));
      if (wait > 0) {
        return wait;
      }
      const actions: TransactionAction[] = keys.map(({ key }, i) => {
        const row = rows[i];
        const entity = { partitionKey: this.partition, rowKey: rowKeyOf(key), count: (live[i]?.count ?? 0) + 1, windowStart: live[i]?.windowStart ?? now };
        return row ? ['update', entity, 'Replace', { etag: row.etag }] : ['create', entity];
      });
      try {
        await this.table.submitTransaction(actions);
        return 0;
      } catch (error) {
        // Another instance counted first (412 on an update, 409 on a create) or cleared a row
        // meanwhile (404): read again.
        const refused = conditionalWriteError(error);
        if (refused.code !== 'CHANGED_BY_SOMEONE_ELSE') {
          throw refused;
        }
      }
    }
    throw new ApiError('SERVICE_UNAVAILABLE', { upstream: `${this.partition} counters contended`, retryAfterSeconds: 1 });
  }

  public async clear(key: string): Promise<void> {
    await deleteRow(this.table, this.partition, rowKeyOf(key)).catch((error: unknown) => {
      throw storageError(error);
    });
  }

  /** Deletes the rows whose window ended before `before` (the retention job); answers how many. */
  public async purge(before: number): Promise<number> {
    let removed = 0;
    const cutoff = before - this.windowSeconds * 1000;
    for await (const row of this.table.listEntities<AttemptRow>({ queryOptions: { filter: odata`PartitionKey eq ${this.partition} and windowStart lt ${cutoff}`, select: ['RowKey'] } })) {
      await deleteRow(this.table, this.partition, row.rowKey);
      removed++;
    }
    return removed;
  }

  private async read(key: string): Promise<AttemptRow | undefined> {
    try {
      return await this.table.getEntity<AttemptRow>(this.partition, rowKeyOf(key));
    } catch (error) {
      if (statusOf(error) === 404) {
        return undefined;
      }
      throw storageError(error);
    }
  }
}

const rowKeyOf = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');
/** The counter of a target mailbox, whichever path tries its password (a connect, a recheck): one per address, in any case. */
const accountKeyOf = (account: string): string => `account:${account.toLowerCase()}`;

/**
 * Classic connect proves a password with an SMTP login, so unchecked it is a password oracle for
 * any mailbox of the tenant (and Entra smart lockout would lock the victim out from the API's
 * address). Attempts are counted per caller and per target mailbox in fixed windows, counted
 * before the login so concurrent requests cannot slip past the limit, and every attempt is
 * audited. The API keeps the counters in storage (TableAttemptCounter), shared by all its
 * instances, so an attacker spread over them gets no more than the limit.
 */
export class ClassicAttemptGuard {
  public constructor(private readonly config: ClassicConfig, private readonly audit: AuditLog, private readonly counters: AttemptCounter) {}

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
    const accountKey = accountKeyOf(attempt.account);
    await this.take([{ key: callerKey, limit: this.config.attemptsPerCaller }, { key: accountKey, limit: this.config.attemptsPerAccount }], record);
    try {
      const result = await prove();
      record('connected');
      // A proven password ends the account's count; the caller's stays (one caller, many mailboxes).
      await this.counters.clear(accountKey).catch(() => undefined);
      return result;
    } catch (error) {
      record(codeOf(error));
      throw error;
    }
  }

  /**
   * Runs `login` (a Check now or a test email) with a Classic connection's stored password that
   * Exchange already refused: each try is one more failed sign-in of the account, so it counts on
   * the account's attempts, which its connects share (an admin's button pressed in a loop must not
   * lock the mailbox out). Not on the caller's: it guesses nothing. A login that works does not end
   * the count (no password was proven by a person). Audited as a recheck, with `outcomeOf` its
   * result. The hourly probe is not counted (one login an hour).
   */
  public async recheck<T>(attempt: { caller: string; callerId: string; catalog: string; account: string }, login: () => Promise<T>, outcomeOf: (result: T) => string = () => 'connected'): Promise<T> {
    const record = (outcome: string): void => this.audit({ event: 'classic-recheck', caller: attempt.caller, callerId: attempt.callerId, catalog: attempt.catalog, target: attempt.account, outcome });
    await this.take([{ key: accountKeyOf(attempt.account), limit: this.config.attemptsPerAccount }], record);
    try {
      const result = await login();
      record(outcomeOf(result));
      return result;
    } catch (error) {
      record(codeOf(error));
      throw error;
    }
  }

  /** Counts one attempt on every key, or throws (audited) when one is at its limit or the count cannot be written. */
  private async take(keys: ReadonlyArray<{ key: string; limit: number }>, record: (outcome: string) => void): Promise<void> {
    let waitSeconds: number;
    try {
      waitSeconds = await this.counters.take(keys);
    } catch (error) {
      // Not counted, so not tried: no login without its count.
      record(codeOf(error));
      throw error;
    }
    if (waitSeconds > 0) {
      record('CONNECT_ATTEMPTS_LIMITED');
      throw new ApiError('CONNECT_ATTEMPTS_LIMITED', { retryAfterSeconds: waitSeconds });
    }
  }
}
