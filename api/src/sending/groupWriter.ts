import { ApiError } from '../errors/apiError';
import { isTerminal, ItemState } from './outboxItem';
import { operationsOf, OutboxStore, queueRowOf, StoredItem } from './outboxStore';

interface Waiting {
  item: StoredItem;
  next: ItemState;
  resolve: (item: StoredItem) => void;
  reject: (error: unknown) => void;
}

/** A transaction holds 100 operations: one or two per written item (`operationsOf`), one per queue row dropped. */
const OPERATIONS = 100;

/**
 * Group commit of one catalog's outbox writes during a drain: the writes asked for while a
 * transaction is on its way go together in the next one, so a round of the drain (the claims, or
 * the "sent" marks, of the items in flight) costs one storage request instead of one per item.
 * The queue rows of items that became final ride along in a later transaction (`drop`). Each write
 * keeps its own outcome: a group refused for one stale ETag is written again one item at a time.
 */
export class GroupWriter {
  private waiting: Waiting[] = [];
  /** A set: a listing may find a row final while the transaction that made it so is on its way, and ask for it too. */
  private drops = new Set<string>();
  private running: Promise<void> | undefined;

  public constructor(private readonly outbox: OutboxStore, private readonly catalog: string) {}

  public write(item: StoredItem, next: ItemState): Promise<StoredItem> {
    return new Promise<StoredItem>((resolve, reject) => {
      this.waiting.push({ item, next, resolve, reject });
      this.schedule();
    });
  }

  /** A queue row of a final item found by a listing (left by a write outside a drain, or a crash). */
  public drop(rowKey: string): void {
    this.drops.add(rowKey);
  }

  /** Writes what is waiting and removes the queue rows still to drop. */
  public async close(): Promise<void> {
    await this.running;
    const drops = this.takeDrops(Infinity);
    if (drops.length > 0) {
      await this.outbox.updateMany(this.catalog, [], drops).catch(() => this.outbox.dropQueueRows(this.catalog, drops));
    }
  }

  private schedule(): void {
    if (!this.running) {
      // Writes asked for in the same turn of the event loop go together.
      this.running = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.run()).finally(() => {
        this.running = undefined;
        if (this.waiting.length > 0) {
          this.schedule();
        }
      });
    }
  }

  private async run(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0, OPERATIONS / 2);
      await this.commit(group, this.takeDrops(OPERATIONS - operationsOf(group)));
    }
  }

  private takeDrops(count: number): string[] {
    const taken = [...this.drops].slice(0, count);
    taken.forEach((rowKey) => this.drops.delete(rowKey));
    return taken;
  }

  /** Rows that could not be removed now either wait for a later transaction. */
  private async dropOneByOne(rowKeys: string[]): Promise<void> {
    if (rowKeys.length > 0) {
      await this.outbox.dropQueueRows(this.catalog, rowKeys).catch(() => rowKeys.forEach((rowKey) => this.drops.add(rowKey)));
    }
  }

  private async commit(group: Waiting[], drops: string[]): Promise<void> {
    const done = (w: Waiting, written: StoredItem): void => {
      if (isTerminal(w.next.state)) {
        this.drops.add(queueRowOf(w.item));
      }
      w.resolve(written);
    };
    try {
      const written = await this.outbox.updateMany(this.catalog, group.map(({ item, next }) => ({ item, next })), drops);
      group.forEach((w, i) => done(w, written[i]));
      return;
    } catch (error) {
      if ((group.length === 1 && drops.length === 0) || !(error instanceof ApiError) || error.code !== 'CHANGED_BY_SOMEONE_ELSE') {
        // A storage fault: every write of the group has it (their callers decide). The rows to drop
        // go one by one, so that a transaction refused for them cannot refuse every later one too.
        group.forEach((w) => w.reject(error));
        await this.dropOneByOne(drops);
        return;
      }
    }
    // One stale ETag (or a queue row someone else removed) refused the group: each on its own, in
    // the order asked (a "sent" mark lands before the claim of the item that took its slot).
    await this.dropOneByOne(drops);
    for (const w of group) {
      try {
        done(w, (await this.outbox.updateMany(this.catalog, [{ item: w.item, next: w.next }]))[0]);
      } catch (error) {
        w.reject(error);
      }
    }
  }
}
