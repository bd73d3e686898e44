import { createHash, randomUUID } from 'node:crypto';
import { odata, TableClient, TransactionAction } from '@azure/data-tables';
import { ApiError } from '../errors/apiError';
import { catalogKey, conditionalWriteError, readEntity, statusOf, storageError } from '../storage/tables';
import type { OutboxCounters } from '../health/incident';
import { ItemState, isTerminal, newItemState, Priority, PRIORITY_RANK } from './outboxItem';

/** What a notification says; stored beside its state, never logged. */
export interface NotificationContent {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  html?: string;
  text?: string;
}

export interface NewNotification {
  key: string;
  priority: Priority;
  notBefore?: number;
  expiresAt?: number;
  content: NotificationContent;
  parts: number;
  /** Recipients of the first message (at most the per-message limit). */
  firstPartRecipients: number;
  /** An invitation carries its session's id; the session's own table holds what it says. */
  session?: string;
}

/** What an outbox item sends: a notification, or the latest revision of a session (api/src/sessions). */
export type ItemKind = 'notification' | 'invitation';

export interface StoredItem {
  id: string;
  kind: ItemKind;
  /** The LMS's session id of an invitation. */
  session: string | null;
  catalog: string;
  rowKey: string;
  content: NotificationContent;
  state: ItemState;
  etag: string;
}

export type EnqueueOutcome = { id: string; duplicate: boolean; state: ItemState } | { error: 'IDEMPOTENCY_KEY_REUSED' };

/** A pending item's place in its catalog's queue: priority, then age (Table Storage keeps rows in key order). */
export interface DueEntry {
  id: string;
  rowKey: string;
  /** When the item may go (not-before, or its next attempt after a passing fault). */
  dueAt: number;
  expiresAt: number | null;
  /** Recipients of the item's first message: what its pacing slot must fit (the rest pace themselves). */
  recipients: number;
}

const dueAtOf = (state: ItemState): number => Math.max(state.notBefore, state.nextAttemptAt);

// Azure Table Storage: a string property holds 64 KiB (UTF-16), an entity 1 MiB, a transaction
// 100 operations and 4 MiB. Bodies are cut into properties; transactions are cut by count and size.
const CHUNK_CHARS = 30_000;
const TRANSACTION_OPERATIONS = 99;
const TRANSACTION_BYTES = 3 * 1024 * 1024;

const itemRow = (id: string): string => `n|${id}`;
const keyRow = (key: string): string => `k|${createHash('sha256').update(key, 'utf8').digest('hex')}`;
const indexRow = (state: Pick<ItemState, 'priority' | 'enqueuedAt'>, id: string): string => `r|${PRIORITY_RANK[state.priority]}|${String(state.enqueuedAt).padStart(15, '0')}|${id}`;

/** The body of a request, for "same key, same request" (R-OPS-4): a hash, never the text. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value), 'utf8').digest('base64url');
}

function chunks(prefix: string, text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined) {
    return out;
  }
  out[`${prefix}n`] = String(Math.ceil(text.length / CHUNK_CHARS));
  for (let i = 0; i * CHUNK_CHARS < text.length; i++) {
    out[`${prefix}${i}`] = text.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
  }
  return out;
}

function unchunk(entity: Record<string, unknown>, prefix: string): string | undefined {
  const n = entity[`${prefix}n`];
  if (typeof n !== 'string') {
    return undefined;
  }
  let text = '';
  for (let i = 0; i < Number(n); i++) {
    text += String(entity[`${prefix}${i}`] ?? '');
  }
  return text;
}

interface ItemEntity {
  partitionKey: string;
  rowKey: string;
  catalog: string;
  id: string;
  requestHash: string;
  state: string;
  /** All recipients (to, cc, bcc): what the deliveries list shows without reading the addresses. */
  recipientCount: number;
  index: string;
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  kind?: ItemKind;
  session?: string;
  [chunk: string]: unknown;
}

/**
 * The outbox's truth, in Azure Table Storage: per catalog partition, one row per notification
 * (its content and state), one index row per pending notification (priority, then age), and one
 * row per idempotency key. Every state change is ETag-conditional; a change to a final state
 * removes the index row in the same transaction.
 */
export class OutboxStore {
  public constructor(private readonly table: TableClient, private readonly newId: () => string = randomUUID) {}

  /**
   * Stores notifications for one catalog. A key seen before answers the notification it made
   * (same request hash) or IDEMPOTENCY_KEY_REUSED; nothing is stored twice, whatever the concurrency.
   */
  public async enqueue(catalog: string, items: Array<NewNotification & { requestHash: string }>, now: number): Promise<EnqueueOutcome[]> {
    const partitionKey = catalogKey(catalog);
    const outcomes: EnqueueOutcome[] = new Array(items.length);
    // The same key twice in one request: the first makes the notification, the second repeats it.
    const firstOfKey = new Map<string, number>();
    const fresh: Array<{ index: number; actions: TransactionAction[]; bytes: number; id: string; state: ItemState }> = [];
    items.forEach((item, index) => {
      const earlier = firstOfKey.get(item.key);
      if (earlier !== undefined) {
        return;
      }
      firstOfKey.set(item.key, index);
      const id = this.newId();
      const state = newItemState({ priority: item.priority, now, notBefore: item.notBefore, expiresAt: item.expiresAt, parts: item.parts });
      const entity: ItemEntity = {
        partitionKey,
        rowKey: itemRow(id),
        catalog,
        id,
        requestHash: item.requestHash,
        state: JSON.stringify(state),
        recipientCount: item.content.to.length + item.content.cc.length + item.content.bcc.length,
        index: indexRow(state, id),
        to: JSON.stringify(item.content.to),
        cc: JSON.stringify(item.content.cc),
        bcc: JSON.stringify(item.content.bcc),
        subject: item.content.subject,
        ...(item.session !== undefined ? { kind: 'invitation' as const, session: item.session } : {}),
        ...chunks('h', item.content.html),
        ...chunks('t', item.content.text)
      };
      const bytes = 2 * ((item.content.html?.length ?? 0) + (item.content.text?.length ?? 0) + item.content.subject.length) + 4096;
      fresh.push({
        index,
        id,
        state,
        bytes,
        actions: [
          ['create', entity],
          ['create', { partitionKey, rowKey: indexRow(state, id), id, dueAt: dueAtOf(state), expiresAt: state.expiresAt ?? -1, recipients: item.firstPartRecipients }],
          ['create', { partitionKey, rowKey: keyRow(item.key), id, requestHash: item.requestHash }]
        ]
      });
    });

    // Transactions of whole items; a transaction refused for a known key is retried item by item.
    let batch: typeof fresh = [];
    let ops = 0;
    let bytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) {
        return;
      }
      const current = batch;
      batch = [];
      ops = 0;
      bytes = 0;
      try {
        await this.table.submitTransaction(current.flatMap((f) => f.actions));
        for (const f of current) {
          outcomes[f.index] = { id: f.id, duplicate: false, state: f.state };
        }
      } catch (error) {
        if (statusOf(error) !== 409 || current.length === 1) {
          if (statusOf(error) === 409) {
            outcomes[current[0].index] = await this.existing(partitionKey, items[current[0].index].key, items[current[0].index].requestHash);
            return;
          }
          throw storageError(error);
        }
        for (const f of current) {
          batch = [f];
          await flush();
        }
      }
    };
    for (const f of fresh) {
      if (ops + f.actions.length > TRANSACTION_OPERATIONS || bytes + f.bytes > TRANSACTION_BYTES) {
        await flush();
      }
      batch.push(f);
      ops += f.actions.length;
      bytes += f.bytes;
    }
    await flush();

    items.forEach((item, index) => {
      const first = firstOfKey.get(item.key) as number;
      if (first !== index) {
        const made = outcomes[first];
        outcomes[index] = 'error' in made || item.requestHash !== items[first].requestHash ? { error: 'IDEMPOTENCY_KEY_REUSED' } : { ...made, duplicate: true };
      }
    });
    return outcomes;
  }

  private async existing(partitionKey: string, key: string, hash: string): Promise<EnqueueOutcome> {
    const row = await readEntity<{ id: string; requestHash: string }>(this.table, partitionKey, keyRow(key));
    if (!row) {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'storage conflict without a key row' });
    }
    if (row.requestHash !== hash) {
      return { error: 'IDEMPOTENCY_KEY_REUSED' };
    }
    const item = await this.read(partitionKey, row.id, true);
    if (!item) {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'storage key row without its item' });
    }
    return { id: row.id, duplicate: true, state: item.state };
  }

  /** The id of the item an idempotency key made, if any. */
  public async idForKey(catalog: string, key: string): Promise<string | undefined> {
    return (await readEntity<{ id: string }>(this.table, catalogKey(catalog), keyRow(key)))?.id;
  }

  public async read(catalogOrPartition: string, id: string, partitionGiven = false): Promise<StoredItem | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) {
      return undefined;
    }
    const entity = await readEntity<ItemEntity>(this.table, partitionGiven ? catalogOrPartition : catalogKey(catalogOrPartition), itemRow(id));
    if (!entity) {
      return undefined;
    }
    const e = entity as unknown as ItemEntity & { etag: string };
    return {
      id: e.id,
      kind: e.kind ?? 'notification',
      session: e.session ?? null,
      catalog: e.catalog,
      rowKey: e.rowKey,
      etag: e.etag,
      state: JSON.parse(e.state) as ItemState,
      content: { to: JSON.parse(e.to) as string[], cc: JSON.parse(e.cc) as string[], bcc: JSON.parse(e.bcc) as string[], subject: e.subject, html: unchunk(e, 'h'), text: unchunk(e, 't') }
    };
  }

  /** The catalog's notifications for the deliveries list (R-OPS-2): state and subject only, never addresses or bodies; at most `cap`. */
  public async summaries(catalog: string, cap: number): Promise<Array<{ id: string; kind: ItemKind; subject: string; recipients: number; state: ItemState }>> {
    const out: Array<{ id: string; kind: ItemKind; subject: string; recipients: number; state: ItemState }> = [];
    try {
      const rows = this.table.listEntities<{ id: string; kind?: ItemKind; subject: string; recipientCount?: number; state: string }>({
        queryOptions: { filter: odata`PartitionKey eq ${catalogKey(catalog)} and RowKey ge 'n|' and RowKey lt 'n}'`, select: ['id', 'kind', 'subject', 'recipientCount', 'state'] }
      });
      for await (const row of rows) {
        out.push({ id: row.id, kind: row.kind ?? 'notification', subject: row.subject, recipients: Number(row.recipientCount ?? 0), state: JSON.parse(row.state) as ItemState });
        if (out.length >= cap) {
          break;
        }
      }
    } catch (error) {
      throw storageError(error);
    }
    return out;
  }

  /** The catalog's pending items (queued or sending), in priority then age order, a page at a time. */
  public async *pendingEntries(catalog: string, pageSize = 100): AsyncGenerator<DueEntry> {
    try {
      const pages = this.table
        .listEntities<{ id: string; dueAt: number; expiresAt: number; recipients: number }>({ queryOptions: { filter: odata`PartitionKey eq ${catalogKey(catalog)} and RowKey ge 'r|' and RowKey lt 'r}'`, select: ['RowKey', 'id', 'dueAt', 'expiresAt', 'recipients'] } })
        .byPage({ maxPageSize: pageSize });
      for await (const page of pages) {
        for (const row of page) {
          yield { id: row.id, rowKey: row.rowKey as string, dueAt: Number(row.dueAt), expiresAt: Number(row.expiresAt) >= 0 ? Number(row.expiresAt) : null, recipients: Math.max(1, Number(row.recipients) || 1) };
        }
      }
    } catch (error) {
      throw storageError(error);
    }
  }

  /** How many items of the catalog are pending (queued or sending), counted up to `cap`. */
  public async pending(catalog: string, cap = 10_000): Promise<number> {
    let n = 0;
    for await (const entry of this.pendingEntries(catalog, 1000)) {
      void entry;
      if (++n >= cap) {
        break;
      }
    }
    return n;
  }

  /**
   * Writes the item's next state if nobody changed it since it was read (CHANGED_BY_SOMEONE_ELSE
   * otherwise). A final state drops the item from the queue in the same transaction.
   */
  public async update(item: StoredItem, next: ItemState): Promise<StoredItem> {
    const partitionKey = catalogKey(item.catalog);
    const entity = { partitionKey, rowKey: item.rowKey, state: JSON.stringify(next) };
    try {
      if (isTerminal(next.state)) {
        const response = await this.table.submitTransaction([
          ['update', entity, 'Merge', { etag: item.etag }],
          ['delete', { partitionKey, rowKey: indexRow(next, item.id) }]
        ]);
        const etag = response.subResponses[0]?.etag ?? '';
        return { ...item, state: next, etag };
      }
      if (dueAtOf(next) !== dueAtOf(item.state)) {
        // A retry moves the item's due time: the index says so in the same transaction.
        const response = await this.table.submitTransaction([
          ['update', entity, 'Merge', { etag: item.etag }],
          ['update', { partitionKey, rowKey: indexRow(next, item.id), dueAt: dueAtOf(next) }, 'Merge']
        ]);
        return { ...item, state: next, etag: response.subResponses[0]?.etag ?? '' };
      }
      const response = await this.table.updateEntity(entity, 'Merge', { etag: item.etag });
      return { ...item, state: next, etag: response.etag ?? '' };
    } catch (error) {
      throw conditionalWriteError(error);
    }
  }

  /** An index row whose item is already final (a crash between the two writes cannot happen, but an old row can be cleaned). */
  public async dropIndex(catalog: string, rowKey: string): Promise<void> {
    await this.table.deleteEntity(catalogKey(catalog), rowKey).catch((error: unknown) => {
      if (statusOf(error) !== 404) {
        throw storageError(error);
      }
    });
  }

  /** The catalog's sending summary: last successful send (written by the worker that drained it). */
  public async lastSentAt(catalog: string): Promise<string | null> {
    const row = await readEntity<StatsEntity>(this.table, catalogKey(catalog), 'stats');
    return row?.lastSentAt ?? null;
  }

  /** What the catalog's outbox holds and has done so far (the restored notice reports the difference). */
  public async counters(catalog: string): Promise<OutboxCounters> {
    const [pending, row] = await Promise.all([this.pending(catalog), readEntity<StatsEntity>(this.table, catalogKey(catalog), 'stats')]);
    return { pending, sent: row?.sent ?? 0, expired: row?.expired ?? 0, failed: row?.failed ?? 0 };
  }

  /** Adds a drain's outcome to the catalog's counters (one write a drain, ETag-guarded against another writer). */
  public async recordDrain(catalog: string, outcome: { sent: number; expired: number; failed: number; lastSentAt: number | null }): Promise<void> {
    const partitionKey = catalogKey(catalog);
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await readEntity<StatsEntity>(this.table, partitionKey, 'stats');
      const next = {
        partitionKey,
        rowKey: 'stats',
        sent: (row?.sent ?? 0) + outcome.sent,
        expired: (row?.expired ?? 0) + outcome.expired,
        failed: (row?.failed ?? 0) + outcome.failed,
        lastSentAt: outcome.lastSentAt !== null ? new Date(outcome.lastSentAt).toISOString() : row?.lastSentAt ?? ''
      };
      try {
        if (row) {
          await this.table.updateEntity(next, 'Replace', { etag: row.etag });
        } else {
          await this.table.createEntity(next);
        }
        return;
      } catch (error) {
        const status = statusOf(error);
        if (status !== 412 && status !== 409) {
          throw storageError(error);
        }
      }
    }
  }
}

interface StatsEntity {
  sent?: number;
  expired?: number;
  failed?: number;
  lastSentAt?: string;
}
