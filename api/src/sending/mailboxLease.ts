import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { readEntity, statusOf, storageError } from '../storage/tables';
import { EMPTY_BUDGET, MailboxBudget } from './pacer';

const PARTITION = 'mailbox';
/** Leases of jobs that must run once across all instances (the health monitor). */
export const JOB_PARTITION = 'job';

interface LeaseEntity {
  owner: string;
  leaseUntil: number;
  budget: string;
}

export const mailboxKey = (mailbox: string): string => createHash('sha256').update(mailbox.toLowerCase(), 'utf8').digest('hex');

/**
 * One worker at a time drains a mailbox, whichever API instance it runs in: it holds the mailbox's
 * lease, an ETag-guarded row in Table Storage that also carries the mailbox's pacing budget, so the
 * next holder (another instance, or this one after a restart) paces on from where it stopped.
 */
export class MailboxLease {
  private etag = '';
  public budget: MailboxBudget = EMPTY_BUDGET;

  private constructor(private readonly table: TableClient, public readonly mailbox: string, private readonly owner: string, public leaseUntil: number, private readonly partition: string) {}

  /** The lease, or undefined while another owner holds it. */
  public static async acquire(table: TableClient, mailbox: string, owner: string, now: number, leaseMs: number, partition: string = PARTITION): Promise<MailboxLease | undefined> {
    const rowKey = mailboxKey(mailbox);
    const current = await readEntity<LeaseEntity>(table, partition, rowKey);
    if (current && current.owner !== owner && current.leaseUntil > now) {
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
      return lease;
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 409) {
        return undefined;
      }
      throw storageError(error);
    }
  }

  /** Extends the lease and stores the budget; false when the lease was lost (the drain must stop). */
  public async renew(now: number, leaseMs: number): Promise<boolean> {
    return this.write(now + leaseMs);
  }

  /** Gives the mailbox up, keeping its budget for the next holder. */
  public async release(): Promise<void> {
    await this.write(0);
  }

  private async write(leaseUntil: number): Promise<boolean> {
    try {
      const response = await this.table.updateEntity(
        { partitionKey: this.partition, rowKey: mailboxKey(this.mailbox), owner: this.owner, leaseUntil, budget: JSON.stringify(this.budget) },
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
