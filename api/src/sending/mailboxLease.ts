import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import { catalogKey, readEntity, statusOf, storageError } from '../storage/tables';
import { EMPTY_BUDGET, MailboxBudget } from './pacer';

const PARTITION = 'mailbox';
/** Catalogs waiting for a mailbox another catalog's drain holds: a row per mailbox and catalog. */
const WAIT_PARTITION = 'mailbox-wait';
/** Leases of jobs that must run once across all instances (the health monitor). */
export const JOB_PARTITION = 'job';

interface LeaseEntity {
  owner: string;
  leaseUntil: number;
  budget: string;
  /** A released lease handed over to a waiting catalog: only that catalog takes it until `reservedUntil`. */
  reservedFor?: string;
  reservedUntil?: number;
}

interface WaitEntity {
  catalog: string;
  /** When the catalog began to wait (its place in the line). */
  since: number;
  /** When it last said it still waits. */
  at: number;
}

const waitRow = (mailbox: string, catalog: string): string => `${mailboxKey(mailbox)}|${catalogKey(catalog)}`;

export const mailboxKey = (mailbox: string): string => createHash('sha256').update(mailbox.toLowerCase(), 'utf8').digest('hex');

/**
 * One worker at a time drains a mailbox, whichever API instance it runs in: it holds the mailbox's
 * lease, an ETag-guarded row in Table Storage that also carries the mailbox's pacing budget, so the
 * next holder (another instance, or this one after a restart) paces on from where it stopped.
 *
 * Catalogs that share a mailbox take turns: a catalog that finds the mailbox held says it waits
 * (`wait`), the holder sees it (`waiting`) and hands the lease over when it releases it - reserved
 * for the waiting catalog for a while, so the one that let go cannot take it straight back.
 */
export class MailboxLease {
  private etag = '';
  public budget: MailboxBudget = EMPTY_BUDGET;

  private constructor(private readonly table: TableClient, public readonly mailbox: string, private readonly owner: string, public leaseUntil: number, private readonly partition: string) {}

  /**
   * The lease, or undefined while another owner holds it (or it is reserved for another catalog
   * than `catalog`, the one this drain is for).
   */
  public static async acquire(table: TableClient, mailbox: string, owner: string, now: number, leaseMs: number, partition: string = PARTITION, catalog?: string): Promise<MailboxLease | undefined> {
    const rowKey = mailboxKey(mailbox);
    const current = await readEntity<LeaseEntity>(table, partition, rowKey);
    if (current && current.owner !== owner && current.leaseUntil > now) {
      return undefined;
    }
    if (current?.reservedFor && Number(current.reservedUntil) > now && (catalog === undefined || current.reservedFor !== catalogKey(catalog))) {
      return undefined;
    }
    const lease = new MailboxLease(table, mailbox, owner, now + leaseMs, partition);
    lease.budget = current?.budget ? (JSON.parse(current.budget) as MailboxBudget) : EMPTY_BUDGET;
    const entity = { partitionKey: partition, rowKey, owner, leaseUntil: lease.leaseUntil, budget: JSON.stringify(lease.budget) };
    try {
      const response = current
        ? await table.updateEntity(entity, 'Replace', { etag: current.etag })
        : await table.createEntity(entity);
      lease.etag = response.etag ?? '';
      if (catalog !== undefined && current?.reservedFor === catalogKey(catalog)) {
        // Its turn, handed over: should it wait again, it goes to the end of the line.
        await table.deleteEntity(WAIT_PARTITION, waitRow(mailbox, catalog)).catch(() => undefined);
      }
      return lease;
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 409) {
        return undefined;
      }
      throw storageError(error);
    }
  }

  /** The mailbox's pacing budget as its last holder stored it (read only: no lease taken). */
  public static async budgetOf(table: TableClient, mailbox: string, partition: string = PARTITION): Promise<MailboxBudget> {
    const current = await readEntity<LeaseEntity>(table, partition, mailboxKey(mailbox));
    return current?.budget ? (JSON.parse(current.budget) as MailboxBudget) : EMPTY_BUDGET;
  }

  /** Extends the lease and stores the budget; false when the lease was lost (the drain must stop). */
  public async renew(now: number, leaseMs: number): Promise<boolean> {
    return this.write(now + leaseMs);
  }

  /** Gives the mailbox up, keeping its budget for the next holder; reserved for `handOver` (a catalog) until `reservedUntil`. */
  public async release(handOver?: { catalog: string; reservedUntil: number }): Promise<void> {
    await this.write(0, handOver);
  }

  /**
   * Says that `catalog` waits for the mailbox. A waiting catalog says it again each time its wake
   * comes back; it keeps its place in the line from the first time, unless it stopped saying it
   * for longer than `windowMs` (then it waits anew).
   */
  public static async wait(table: TableClient, mailbox: string, catalog: string, now: number, windowMs: number): Promise<void> {
    const rowKey = waitRow(mailbox, catalog);
    try {
      const current = await readEntity<WaitEntity>(table, WAIT_PARTITION, rowKey);
      const since = current && Number(current.at) >= now - windowMs ? Number(current.since ?? current.at) : now;
      await table.upsertEntity<WaitEntity>({ partitionKey: WAIT_PARTITION, rowKey, catalog, since, at: now }, 'Replace');
    } catch (error) {
      throw storageError(error);
    }
  }

  /** The catalog (other than `self`) that has waited longest for this mailbox and said so in the last `windowMs`, if any. */
  public async waiting(self: string, now: number, windowMs: number): Promise<string | undefined> {
    const key = mailboxKey(this.mailbox);
    const selfKey = catalogKey(self);
    let first: WaitEntity | undefined;
    try {
      for await (const row of this.table.listEntities<WaitEntity>({ queryOptions: { filter: odata`PartitionKey eq ${WAIT_PARTITION} and RowKey gt ${`${key}|`} and RowKey lt ${`${key}}`}` } })) {
        const since = Number(row.since ?? row.at);
        if (catalogKey(row.catalog) !== selfKey && Number(row.at) >= now - windowMs && (!first || since < first.since)) {
          first = { catalog: row.catalog, since, at: Number(row.at) };
        }
      }
    } catch (error) {
      throw storageError(error);
    }
    return first?.catalog;
  }

  private async write(leaseUntil: number, handOver?: { catalog: string; reservedUntil: number }): Promise<boolean> {
    try {
      const response = await this.table.updateEntity(
        {
          partitionKey: this.partition,
          rowKey: mailboxKey(this.mailbox),
          owner: this.owner,
          leaseUntil,
          budget: JSON.stringify(this.budget),
          ...(handOver ? { reservedFor: catalogKey(handOver.catalog), reservedUntil: handOver.reservedUntil } : {})
        },
        'Replace',
        { etag: this.etag }
      );
      this.etag = response.etag ?? '';
      this.leaseUntil = leaseUntil;
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) {
        return false;
      }
      throw storageError(error);
    }
  }
}
