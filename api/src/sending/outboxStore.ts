import { createHash, randomBytes } from 'node:crypto';
import { odata, TableClient, TransactionAction } from '@azure/data-tables';
import { OUTBOX_COUNT_CAP } from '@lms-m365/contracts';
import { ApiError } from '../errors/apiError';
import { textChunks } from '../storage/chunks';
import { catalogKey, conditionalWriteError, deleteRow, readEntity, statusOf, STORAGE_RETRY_AFTER_SECONDS, storageError } from '../storage/tables';
import type { OutboxCounters } from '../health/incident';
import { MessageContent, recipientCount } from '../mail/message';
import { dueAtOf, finalSince, isExpired, ItemState, isTerminal, newItemState, Priority, PRIORITY_RANK } from './outboxItem';

/** What a notification says; stored beside its state, never logged. */
export type NotificationContent = MessageContent;

export interface NewNotification {
  key: string;
  priority: Priority;
  notBefore?: number;
  expiresAt?: number;
  content: NotificationContent;
  parts: number;
  /** The recipients a message the parts were cut by (notifications; kept with the item). */
  perMessage?: number;
  /** Recipients of the first message (at most the per-message limit). */
  firstPartRecipients: number;
  /** An invitation carries its session's id; the session's own table holds what it says. */
  session?: string;
  /** `wireBytes(content)` when the caller measured it already. */
  wireBytes?: number;
}

/** What an outbox item sends: a notification, or the latest revision of a session (api/src/sessions). */
export type ItemKind = 'notification' | 'invitation';

export interface StoredItem {
  id: string;
  kind: ItemKind;
  /** The LMS's session id of an invitation. */
  session: string | null;
  catalog: string;
  content: NotificationContent;
  state: ItemState;
  /**
   * The ETag of the item's queue row while it is pending: every state change is conditional on it.
   * Null when the item was read for its status only (or is final): such a copy cannot be written.
   */
  etag: string | null;
  /** All recipients, as the item row keeps them once its content is dropped (read by id only). */
  recipientCount?: number;
}

/** `existingId` with the error: the notification the key made (with the other request). */
export type EnqueueOutcome = { id: string; duplicate: boolean; state: ItemState } | { error: 'IDEMPOTENCY_KEY_REUSED'; existingId?: string; sameAs?: number };

/** A pending item's place in its catalog's queue: priority, then age (Table Storage keeps rows in key order). */
export interface DueEntry {
  /** The item as its queue row holds it (state, content, ETag): the drain claims it without another read. */
  item: StoredItem;
  /** When the item may go (not-before, or its next attempt after a passing fault). */
  dueAt: number;
  expiresAt: number | null;
  /** Recipients of the item's first message: what its pacing slot must fit (the rest pace themselves). */
  recipients: number;
}


// Azure Table Storage: a string property holds 64 KiB (UTF-16), an entity 1 MiB, a transaction
// 100 operations and 4 MiB. Bodies are cut into properties; transactions are cut by count and by
// their size on the wire: UTF-8 JSON, where a character costs 1 to 3 bytes (6 escaped), not 2.
const TRANSACTION_OPERATIONS = 99;
const TRANSACTION_BYTES = 4 * 1024 * 1024 - 256 * 1024;
/** An operation's part headers, keys, state and property names in a transaction's body, generously. */
const OPERATION_BYTES = 4096;

const itemRow = (id: string): string => `n|${id}`;
/** An idempotency key's row: the LMS's notification keys and the sessions' own item keys are apart (an LMS key cannot take a session's). */
const keyRow = (key: string, kind: ItemKind): string => `k|${kind === 'invitation' ? 'i|' : ''}${createHash('sha256').update(key, 'utf8').digest('hex')}`;
/** An item's key row: an invitation's keys are apart from the LMS's notification keys. */
const keyRowOf = (item: Pick<NewNotification, 'key' | 'session'>): string => keyRow(item.key, item.session !== undefined ? 'invitation' : 'notification');
const indexRow = (state: Pick<ItemState, 'priority' | 'enqueuedAt'>, id: string): string => `r|${PRIORITY_RANK[state.priority]}|${String(state.enqueuedAt).padStart(15, '0')}|${id}`;

/**
 * Characters of a notification's content as stored: subject, bodies and recipient lists. Azure
 * Tables holds 1 MiB per entity (UTF-16, two bytes a character) and the outbox keeps a notification
 * in one, with room left for its state and property names: at most STORED_CONTENT_CHARS.
 */
export function storedChars(content: NotificationContent): number {
  return content.subject.length + (content.html?.length ?? 0) + (content.text?.length ?? 0) + JSON.stringify(content.to).length + JSON.stringify(content.cc).length + JSON.stringify(content.bcc).length;
}

export const STORED_CONTENT_CHARS = 500_000;

/**
 * Bytes of a notification's content in a transaction's body: UTF-8 JSON, escapes included - U+2028
 * and U+2029 go as six-byte escapes, not their three UTF-8 bytes (storage/tables.ts).
 */
export function wireBytes(content: NotificationContent): number {
  const json = JSON.stringify(content);
  return Buffer.byteLength(json, 'utf8') + 3 * (json.match(/[\u2028\u2029]/g)?.length ?? 0);
}

/** The most content (`wireBytes`) a notification may have: it is written twice (item and queue row) in one transaction. */
export const WIRE_CONTENT_BYTES = Math.floor((TRANSACTION_BYTES - 3 * OPERATION_BYTES) / 2);

/** JSON with every object's keys in one order, so equal values write equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v));
}

/**
 * What a request asks for, for "same key, same request" (R-OPS-4): a hash, never the text. Callers
 * hash the request as understood (defaults filled in, addresses lower-cased, times as instants),
 * and the keys are ordered, so a retry that serialises the same request differently is the same
 * request. Hashes stored by earlier versions were over the body as received (`earlierRequestHash`): a
 * repeat of such a request is still recognised.
 */
export function requestHash(value: unknown): string {
  return `c.${createHash('sha256').update(canonicalJson(value), 'utf8').digest('base64url')}`;
}

/** The hash earlier versions of the API stored for a request body. */
export function earlierRequestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body), 'utf8').digest('base64url');
}

/** A request's hashes: this version's (`requestHash`) and, for requests an earlier version could have stored, the earlier form. */
export interface RequestHashes {
  requestHash: string;
  earlierRequestHash?: string;
}

/** The hashes of a request: as understood (this version's) and as received (the earlier form). */
export const requestHashes = (understood: unknown, received: unknown): Required<RequestHashes> =>
  ({ requestHash: requestHash(understood), earlierRequestHash: earlierRequestHash(received) });

/**
 * A request's hashes as stored: `requestHash` in the earlier form (an instance of the earlier
 * version, running beside this one during an upgrade, still recognises a repeat by it) and
 * `canonicalHash`, this version's (absent in rows the earlier version wrote).
 */
export interface StoredRequest {
  requestHash: string;
  canonicalHash?: string;
}

/** The stored form of a request's hashes (the earlier form where there is one). */
export const storedRequest = (request: RequestHashes): StoredRequest =>
  ({ requestHash: request.earlierRequestHash ?? request.requestHash, canonicalHash: request.requestHash });

/** Whether the stored hashes are this request's: by this version's hash, or the earlier form's. */
export const sameRequest = (stored: StoredRequest, request: RequestHashes): boolean =>
  stored.canonicalHash === request.requestHash || stored.requestHash === request.requestHash || stored.requestHash === request.earlierRequestHash;

function chunks(prefix: string, text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined) {
    return out;
  }
  const pieces = textChunks(text);
  out[`${prefix}n`] = String(pieces.length);
  pieces.forEach((piece, i) => {
    out[`${prefix}${i}`] = piece;
  });
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

/** What the item row and the queue row both hold: the item's content and state (bodies in chunk properties). */
interface ContentEntity {
  catalog: string;
  id: string;
  state: string;
  /** Rows written before the lists were chunked hold them whole. */
  to?: string;
  cc?: string;
  bcc?: string;
  subject: string;
  kind?: ItemKind;
  session?: string;
  [chunk: string]: unknown;
}

interface ItemEntity extends ContentEntity {
  partitionKey: string;
  rowKey: string;
  requestHash: string;
  /** All recipients (to, cc, bcc): what the deliveries list shows without reading the addresses. */
  recipientCount: number;
  index: string;
  /** The idempotency key's row, deleted with the item when its history is (rows written before it was kept have none). */
  keyRow?: string;
}

/** A pending item's queue row: the content and state, and what the drain orders and paces by. */
interface QueueEntity extends ContentEntity {
  dueAt: number;
  expiresAt: number;
  recipients: number;
}

/** Storage operations of these changes in a transaction: a pending state one, a final state two. */
export const operationsOf = (changes: Array<{ next: Pick<ItemState, 'state'> }>): number => changes.reduce((n, c) => n + (isTerminal(c.next.state) ? 2 : 1), 0);

/**
 * A new item's id: a UUID (RFC 9562 version 8, its bits the implementation's) whose first 48 bits
 * count down with time - 2^48 - 1 less the milliseconds since 1970 - and whose other bits are
 * random but for the item's place in its batch (below). Table Storage lists rows in key order, so the item rows (`n|<id>`) come newest first and
 * the recent deliveries are the first rows read, however long the catalog's history (a random id
 * would make them any 5,000 of it).
 */
export function newestFirstId(now: number = Date.now(), seq: number = 0): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(0xffff_ffff_ffff - now, 0, 6);
  // The next 12 bits (after the version) are the item's place in its request: ids made in one
  // millisecond by one request - a batch - sort in the LMS's order, and so do their queue rows.
  bytes[6] = 0x80 | ((seq >> 8) & 0x0f);
  bytes[7] = seq & 0xff;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An item's queue row: its priority and age never change. */
export const queueRowOf = (item: Pick<StoredItem, 'id' | 'state'>): string => indexRow(item.state, item.id);

function recipientsOf(e: ContentEntity, field: 'to' | 'cc' | 'bcc'): string[] {
  return JSON.parse(unchunk(e, `${field}_`) ?? e[field] ?? '[]') as string[];
}

function toItem(e: ContentEntity, etag: string | null): StoredItem {
  return {
    id: e.id,
    kind: e.kind ?? 'notification',
    session: e.session ?? null,
    catalog: e.catalog,
    etag,
    state: JSON.parse(e.state) as ItemState,
    content: { to: recipientsOf(e, 'to'), cc: recipientsOf(e, 'cc'), bcc: recipientsOf(e, 'bcc'), subject: e.subject, html: unchunk(e, 'h'), text: unchunk(e, 't') }
  };
}

/**
 * The outbox's truth, in Azure Table Storage: per catalog partition, one row per notification
 * (its content, and its state as queued and once final, for reads by id and the deliveries list),
 * one queue row per pending notification (keyed by priority, then age, and holding the content and
 * the live state, so a drain lists a page of due items with everything it needs in one query), and
 * one row per idempotency key.
 *
 * While an item is pending, its queue row holds its state and the row's ETag is its concurrency
 * token: a pending state change is one conditional write of the queue row; the final one also
 * copies the state to the item row (one transaction), and the final queue row is removed later.
 * Several items' changes can share one transaction (`updateMany`): a drain claims, and marks sent,
 * the items of a round together - four storage operations a message in all.
 */
export class OutboxStore {
  public constructor(private readonly table: TableClient, private readonly newId: (now: number, seq: number) => string = newestFirstId) {}

  /**
   * Stores notifications for one catalog. A key seen before answers the notification it made
   * (same request hash) or IDEMPOTENCY_KEY_REUSED; nothing is stored twice, whatever the concurrency.
   */
  public async enqueue(catalog: string, items: Array<NewNotification & RequestHashes>, now: number): Promise<EnqueueOutcome[]> {
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
      // The queue keeps a batch's order: its items share their age, and their ids ascend with `index`.
      const id = this.newId(now, index);
      const state = newItemState({ priority: item.priority, now, notBefore: item.notBefore, expiresAt: item.expiresAt, parts: item.parts, perMessage: item.perMessage });
      const content = {
        catalog,
        id,
        state: JSON.stringify(state),
        // Recipient lists in chunks like the bodies: a long list passes a property's 64 KiB.
        ...chunks('to_', JSON.stringify(item.content.to)),
        ...chunks('cc_', JSON.stringify(item.content.cc)),
        ...chunks('bcc_', JSON.stringify(item.content.bcc)),
        subject: item.content.subject,
        ...(item.session !== undefined ? { kind: 'invitation' as const, session: item.session } : {}),
        ...chunks('h', item.content.html),
        ...chunks('t', item.content.text)
      };
      const entity: ItemEntity = {
        partitionKey,
        rowKey: itemRow(id),
        ...content,
        ...storedRequest(item),
        recipientCount: recipientCount(item.content),
        index: indexRow(state, id),
        keyRow: keyRowOf(item)
      };
      fresh.push({
        index,
        id,
        state,
        // The content is in the item row and the queue row.
        bytes: 2 * (item.wireBytes ?? wireBytes(item.content)) + 3 * OPERATION_BYTES,
        actions: [
          ['create', entity],
          ['create', { partitionKey, rowKey: indexRow(state, id), ...content, dueAt: dueAtOf(state), expiresAt: state.expiresAt ?? -1, recipients: item.firstPartRecipients }],
          ['create', { partitionKey, rowKey: keyRowOf(item), id, ...storedRequest(item) }]
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
        // 409: a key was seen before; 413: the body was larger than counted (it never should be).
        // Either way no row of the transaction was written: its items go one by one.
        const status = statusOf(error);
        if ((status !== 409 && status !== 413) || current.length === 1) {
          if (status === 409) {
            const item = items[current[0].index];
            outcomes[current[0].index] = await this.existing(catalog, keyRowOf(item), item);
            return;
          }
          if (status === 413) {
            throw new ApiError('NOTIFICATION_TOO_LARGE', { upstream: 'storage 413' });
          }
          throw storageError(error);
        }
        if (status === 409) {
          // Keys seen before - most often a batch sent again after its answer was lost: the
          // group's keys are looked up together, the known ones answered, the rest written together
          // again (not one round trip, and one upload of its bodies, after another).
          const looked = await this.known(catalog, current.map((f) => items[f.index]));
          const unknown = current.filter((f, k) => {
            const outcome = looked[k];
            if (outcome) {
              outcomes[f.index] = outcome;
            }
            return !outcome;
          });
          if (unknown.length > 0 && unknown.length < current.length) {
            batch = unknown;
            await flush();
            return;
          }
          if (unknown.length === 0) {
            return;
          }
        }
        // None of them known (a key written meanwhile and gone, a race), or too large together: one by one.
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
        outcomes[index] = 'error' in made || item.requestHash !== items[first].requestHash ? { error: 'IDEMPOTENCY_KEY_REUSED', existingId: 'error' in made ? made.existingId : made.id, sameAs: first } : { ...made, duplicate: true };
      }
    });
    return outcomes;
  }

  /**
   * What each item's key made before, as `enqueue` would answer a repeat of it; undefined for a
   * key not seen. Stores nothing: for a request refused unless it repeats one already stored.
   * Read 20 keys at a time; with `untilNew`, no further than the first group holding a new key
   * (one new key is enough to refuse the request).
   */
  public async known(catalog: string, items: Array<Pick<NewNotification, 'key' | 'session'> & RequestHashes>, untilNew = false): Promise<Array<EnqueueOutcome | undefined>> {
    const out: Array<EnqueueOutcome | undefined> = [];
    for (let i = 0; i < items.length; i += 20) {
      const group = await Promise.all(items.slice(i, i + 20).map((item) => this.lookup(catalog, keyRowOf(item), item)));
      out.push(...group);
      if (untilNew && group.some((outcome) => !outcome)) {
        break;
      }
    }
    return out;
  }

  private async existing(catalog: string, rowKey: string, request: RequestHashes): Promise<EnqueueOutcome> {
    const outcome = await this.lookup(catalog, rowKey, request);
    if (!outcome) {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'storage conflict without a key row', retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS });
    }
    return outcome;
  }

  private async lookup(catalog: string, rowKey: string, request: RequestHashes): Promise<EnqueueOutcome | undefined> {
    const row = await readEntity<{ id: string } & StoredRequest>(this.table, catalogKey(catalog), rowKey);
    if (!row) {
      return undefined;
    }
    if (!sameRequest(row, request)) {
      return { error: 'IDEMPOTENCY_KEY_REUSED', existingId: row.id };
    }
    // The live state: a duplicate of a notification on its way answers "sending".
    const item = await this.read(catalog, row.id);
    if (!item) {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'storage key row without its item', retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS });
    }
    return { id: row.id, duplicate: true, state: item.state };
  }

  /** The id of the item an idempotency key made, if any. */
  public async idForKey(catalog: string, key: string, kind: ItemKind = 'notification'): Promise<string | undefined> {
    return (await readEntity<{ id: string }>(this.table, catalogKey(catalog), keyRow(key, kind)))?.id;
  }

  /**
   * The item's status and content (not writable: `etag` is null). A pending item's live state is in
   * its queue row (the item row keeps the state it was queued with until it becomes final).
   */
  public async read(catalog: string, id: string): Promise<StoredItem | undefined> {
    const item = await this.readForUpdate(catalog, id);
    return item && { ...item, etag: null };
  }

  /**
   * The item with its queue row's ETag when it is pending, so it can be written (a retried write
   * after a storage fault starts from here). A final item comes back with `etag` null.
   */
  public async readForUpdate(catalog: string, id: string): Promise<StoredItem | undefined> {
    const partitionKey = catalogKey(catalog);
    const item = await this.readRow(partitionKey, id);
    if (!item || isTerminal(item.state.state)) {
      return item;
    }
    const row = await readEntity<QueueEntity>(this.table, partitionKey, indexRow(item.state, item.id));
    // No queue row: the item became final after the first read.
    if (!row) {
      return this.readRow(partitionKey, id);
    }
    // A row written by an earlier version may hold no state: the item row's is the item's.
    const fresh = row.state === undefined ? { ...item, etag: row.etag } : toItem(row as unknown as QueueEntity, row.etag);
    return isTerminal(fresh.state.state) ? { ...fresh, etag: null } : fresh;
  }

  private async readRow(partitionKey: string, given: string): Promise<StoredItem | undefined> {
    // A UUID in capitals is the same UUID (RFC 9562; an LMS may keep it in a type that upper-cases it).
    const id = given.toLowerCase();
    if (!/^[0-9a-f-]{36}$/.test(id)) {
      return undefined;
    }
    const entity = await readEntity<ItemEntity>(this.table, partitionKey, itemRow(id));
    return entity ? { ...toItem(entity as unknown as ItemEntity, null), ...(typeof entity.recipientCount === 'number' ? { recipientCount: entity.recipientCount } : {}) } : undefined;
  }

  /**
   * The catalog's notifications for the deliveries list (R-OPS-2): state and subject only, never
   * addresses or bodies; the newest `cap`. A pending item's live state is on its queue row (its item
   * row keeps the state it was queued with): only the queue rows of the items listed are read - those
   * enqueued since the oldest pending one listed, a range per priority - not the whole backlog,
   * which the LMS may make tens of thousands long (the page reads this every 10 s while items move).
   * An item that turned final between the two reads shows its earlier state until the next read.
   */
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
    const pending = out.filter((row) => !isTerminal(row.state.state));
    if (pending.length === 0) {
      return out;
    }
    const since = Math.min(...pending.map((row) => row.state.enqueuedAt));
    const live = await this.liveStates(catalog, since, new Set(pending.map((row) => row.id)));
    return out.map((row) => (isTerminal(row.state.state) ? row : { ...row, state: live.get(row.id) ?? row.state }));
  }

  /** The queue rows' states of the items `wanted`, all enqueued at `since` or later: a range per priority. */
  private async liveStates(catalog: string, since: number, wanted: Set<string>): Promise<Map<string, ItemState>> {
    const partitionKey = catalogKey(catalog);
    const from = String(since).padStart(15, '0');
    const live = new Map<string, ItemState>();
    try {
      await Promise.all(Object.values(PRIORITY_RANK).map(async (rank) => {
        const rows = this.table.listEntities<{ id: string; state?: string | null }>({
          queryOptions: { filter: odata`PartitionKey eq ${partitionKey} and RowKey ge ${`r|${rank}|${from}`} and RowKey lt ${`r|${rank}}`}`, select: ['id', 'state'] }
        });
        for await (const row of rows) {
          if (typeof row.state === 'string' && wanted.has(row.id)) {
            live.set(row.id, JSON.parse(row.state) as ItemState);
          }
        }
      }));
    } catch (error) {
      throw storageError(error);
    }
    return live;
  }

  /**
   * The catalog's pending items (queued or sending) with their content, in priority then age order,
   * a page at a time; from the head of the queue, or after the queue row `after` (`queueRowOf`).
   */
  public async *pendingEntries(catalog: string, pageSize = 100, after?: string): AsyncGenerator<DueEntry> {
    for await (const listed of this.queueRows<QueueEntity>(catalog, pageSize, undefined, after)) {
      const row = listed.state === undefined ? await this.completeQueueRow(catalog, listed) : listed;
      if (!row) {
        continue;
      }
      const item = toItem(row, row.etag);
      yield { item, dueAt: Number(row.dueAt), expiresAt: Number(row.expiresAt) >= 0 ? Number(row.expiresAt) : null, recipients: Math.max(1, Number(row.recipients) || 1) };
    }
  }

  /**
   * The queue rows from the head (or after `after`) that are due later - queued, not yet due, not
   * expired - read without their bodies, up to the first row that is not: a drain lists its page
   * (with bodies) from there, instead of page after page of notifications scheduled for later
   * (tomorrow's reminders queued before one due now). A first look takes a few rows (most of the
   * time the head is due); a longer run of rows due later is read a thousand at a time, at most
   * `limit`. Answers the last such row and the earliest time one of them is due (Infinity: none).
   */
  public async notDueAhead(catalog: string, after: string | undefined, now: number, limit = 10_000): Promise<{ last: string | undefined; dueAt: number }> {
    let last = after;
    let dueAt = Infinity;
    let passed = 0;
    for (const pageSize of [8, 1000]) {
      let read = 0;
      for await (const row of this.queueRows<{ rowKey?: string; state?: string | null; dueAt?: number }>(catalog, pageSize, ['RowKey', 'state', 'dueAt'], last)) {
        const state = typeof row.state === 'string' ? (JSON.parse(row.state) as ItemState) : undefined;
        if (!state || state.state !== 'queued' || !(Number(row.dueAt) > now) || isExpired(state, now) || !row.rowKey) {
          return { last: passed > 0 ? last : after, dueAt };
        }
        last = row.rowKey;
        dueAt = Math.min(dueAt, Number(row.dueAt));
        passed++;
        if (passed >= limit || (++read >= pageSize && pageSize < 1000)) {
          break;
        }
      }
      if (passed >= limit || read < pageSize) {
        break;
      }
    }
    return { last: passed > 0 ? last : after, dueAt };
  }

  /**
   * The catalog's pending items without their content (ids, states and queue-row ETags): enough to
   * change their states (`update`), as the retention job records expiries, not to send them.
   */
  public async *pendingStates(catalog: string): AsyncGenerator<StoredItem> {
    for await (const row of this.queueRows<{ id: string; state?: string | null; kind?: ItemKind; session?: string }>(catalog, 1000, ['RowKey', 'id', 'state', 'kind', 'session'])) {
      if (typeof row.state === 'string') {
        yield { id: row.id, kind: row.kind ?? 'notification', session: row.session ?? null, catalog, content: { to: [], cc: [], bcc: [], subject: '' }, state: JSON.parse(row.state) as ItemState, etag: row.etag };
      }
    }
  }

  /**
   * How many items of the catalog are pending (queued or sending), counted up to `cap`; with
   * `expiredAt`, a queued one past its expiry by then is not (it will not go out).
   */
  public async pending(catalog: string, cap = OUTBOX_COUNT_CAP, expiredAt?: number): Promise<number> {
    return (await this.waiting(catalog, cap, expiredAt)).count;
  }

  /**
   * The pending items (as `pending` counts them; with `expiredAt`, those expired by then left out)
   * and, of those due by then, the fewest recipients any sends to next (its queue row's first
   * part): the smallest message that could go now; null when none is due.
   */
  public async waiting(catalog: string, cap = OUTBOX_COUNT_CAP, expiredAt?: number): Promise<{ count: number; fewestDueRecipients: number | null }> {
    let n = 0;
    let fewest = Infinity;
    for await (const row of this.queueRows<{ state: string; recipients?: number | null; dueAt?: number | null }>(catalog, 1000, ['RowKey', 'state', 'recipients', 'dueAt'])) {
      // A final item's queue row waits for its removal (`updateMany`): it is not pending. (A row
      // without a state was written by an earlier version: its item is pending. Azure answers the
      // property it lacks as null, Azurite leaves it out.)
      const state = typeof row.state === 'string' ? (JSON.parse(row.state) as ItemState) : undefined;
      const gone = state !== undefined && (isTerminal(state.state) || (expiredAt !== undefined && state.state === 'queued' && isExpired(state, expiredAt)));
      if (gone) {
        continue;
      }
      if (expiredAt !== undefined && (row.dueAt === undefined || row.dueAt === null || Number(row.dueAt) <= expiredAt)) {
        fewest = Math.min(fewest, Math.max(1, Number(row.recipients) || 1));
      }
      if (++n >= cap) {
        break;
      }
    }
    return { count: n, fewestDueRecipients: Number.isFinite(fewest) ? fewest : null };
  }

  /**
   * Whether an item of the catalog is due (its not-before and back-off passed), reading the queue
   * rows' due times until the first (past `cap` rows it answers yes). An item due later is not:
   * its own delayed wake comes for it. (Compared here, not in the query: the service types a
   * number it was sent without annotation, and a filter must name the same type.)
   */
  public async hasDue(catalog: string, now: number, cap = 1000): Promise<boolean> {
    let read = 0;
    for await (const row of this.queueRows<{ dueAt?: number | null }>(catalog, cap, ['dueAt'])) {
      if (row.dueAt === undefined || row.dueAt === null || Number(row.dueAt) <= now || ++read >= cap) {
        return true;
      }
    }
    return false;
  }

  /**
   * A queue row written by an earlier version (id, due time and recipients only) gets its item's
   * content and state from the item row, once, conditionally; a final item's row is removed.
   * Undefined when the row is gone or changed meanwhile (the next listing sees it as it is).
   */
  private async completeQueueRow(catalog: string, row: QueueEntity & { rowKey?: string; etag: string }): Promise<(QueueEntity & { etag: string }) | undefined> {
    const partitionKey = catalogKey(catalog);
    const entity = await readEntity<ItemEntity>(this.table, partitionKey, itemRow(row.id));
    if (!entity || isTerminal((JSON.parse(entity.state) as ItemState).state)) {
      await this.dropQueueRows(catalog, [row.rowKey as string]);
      return undefined;
    }
    const content: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(entity)) {
      if (!['partitionKey', 'rowKey', 'etag', 'timestamp', 'requestHash', 'canonicalHash', 'recipientCount', 'index'].includes(name) && !name.startsWith('odata')) {
        content[name] = value;
      }
    }
    try {
      const response = await this.table.updateEntity({ partitionKey, rowKey: row.rowKey as string, ...content }, 'Merge', { etag: row.etag });
      // Without the new ETag the row cannot be claimed from here: the next listing reads it.
      return response.etag ? { ...row, ...(content as unknown as ContentEntity), etag: response.etag } : undefined;
    } catch (error) {
      const refused = conditionalWriteError(error);
      if (refused.code === 'CHANGED_BY_SOMEONE_ELSE') {
        return undefined;
      }
      throw refused;
    }
  }

  private async *queueRows<T extends object>(catalog: string, pageSize: number, select?: string[], after?: string): AsyncGenerator<T & { rowKey?: string; etag: string }> {
    const partitionKey = catalogKey(catalog);
    const filter = after === undefined ? odata`PartitionKey eq ${partitionKey} and RowKey ge 'r|' and RowKey lt 'r}'` : odata`PartitionKey eq ${partitionKey} and RowKey gt ${after} and RowKey lt 'r}'`;
    try {
      const pages = this.table.listEntities<T>({ queryOptions: { filter, ...(select ? { select } : {}) } }).byPage({ maxPageSize: pageSize });
      for await (const page of pages) {
        for (const row of page) {
          yield row as T & { rowKey?: string; etag: string };
        }
      }
    } catch (error) {
      throw storageError(error);
    }
  }

  /**
   * Writes the item's next state if nobody changed it since it was read (CHANGED_BY_SOMEONE_ELSE
   * otherwise), see `updateMany`; a final state's queue row is then removed.
   */
  public async update(item: StoredItem, next: ItemState): Promise<StoredItem> {
    const [written] = await this.updateMany(item.catalog, [{ item, next }]);
    if (isTerminal(next.state)) {
      await this.dropQueueRows(item.catalog, [queueRowOf(item)]);
    }
    return written;
  }

  /**
   * Several items' next states (one catalog, at most 50) in one transaction: all are written or none
   * (one stale ETag refuses the whole transaction with CHANGED_BY_SOMEONE_ELSE). A pending state is
   * one operation, the queue row's conditional merge; a final state is two, the same merge and the
   * item row's copy of the state. The queue row of a final state is removed later (`drop`: queue rows
   * of final items, deleted in the same transaction): such a row is never written again, so its
   * removal needs no condition, and listings pass it by. (Azure Tables can delete on an ETag in a
   * transaction, but @azure/data-tables' submitTransaction sends every delete unconditionally.)
   */
  public async updateMany(catalog: string, changes: Array<{ item: StoredItem; next: ItemState }>, drop: string[] = []): Promise<StoredItem[]> {
    // A row may appear once in a transaction (Azure refuses the whole of it otherwise: 400
    // InvalidDuplicateRow), and a row written here is not one to remove.
    const written = new Set(changes.map((c) => queueRowOf(c.item)));
    const drops = [...new Set(drop)].filter((rowKey) => !written.has(rowKey));
    if (changes.length === 0 && drops.length === 0) {
      return [];
    }
    const partitionKey = catalogKey(catalog);
    // One catalog is one partition: its items keep the URL as each request spelt it (a site's path in any case).
    if (operationsOf(changes) + drops.length > TRANSACTION_OPERATIONS + 1 || changes.some((c) => catalogKey(c.item.catalog) !== partitionKey)) {
      throw new ApiError('INTERNAL_ERROR', { upstream: 'one transaction holds 100 operations of one catalog' });
    }
    const actions: TransactionAction[] = [];
    /** Where each change's queue row merge is in the transaction (its new ETag comes back there). */
    const queueOps: number[] = [];
    for (const { item, next } of changes) {
      if (item.etag === null) {
        throw new ApiError('INTERNAL_ERROR', { upstream: 'an item read for its status cannot be written' });
      }
      const state = JSON.stringify(next);
      queueOps.push(actions.push(['update', { partitionKey, rowKey: queueRowOf(item), state, dueAt: dueAtOf(next) }, 'Merge', { etag: item.etag }]) - 1);
      if (isTerminal(next.state)) {
        actions.push(['update', { partitionKey, rowKey: itemRow(item.id), state }, 'Merge']);
      }
    }
    try {
      const response = await this.table.submitTransaction([...actions, ...drops.map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }])]);
      return changes.map(({ item, next }, i) => ({ ...item, state: next, etag: isTerminal(next.state) ? null : response.subResponses[queueOps[i]]?.etag ?? null }));
    } catch (error) {
      throw conditionalWriteError(error);
    }
  }

  /** Removes queue rows of final items (`updateMany`'s `drop`) one by one; a row already gone is fine. */
  public async dropQueueRows(catalog: string, rowKeys: string[]): Promise<void> {
    await this.deleteRows(catalogKey(catalog), rowKeys);
  }

  /** Deletes rows one by one, unconditionally; a row already gone is fine. */
  private async deleteRows(partitionKey: string, rowKeys: string[]): Promise<void> {
    await Promise.all(rowKeys.map((rowKey) => deleteRow(this.table, partitionKey, rowKey).catch((error: unknown) => {
      throw storageError(error);
    })));
  }

  /** The catalog's sending summary: last successful send (written by the worker that drained it). */
  public async lastSentAt(catalog: string): Promise<string | null> {
    const row = await readEntity<StatsEntity>(this.table, catalogKey(catalog), 'stats');
    return row?.lastSentAt || null;
  }

  /** What the catalog's outbox holds and has done so far (the restored notice reports the difference). */
  public async counters(catalog: string): Promise<OutboxCounters> {
    const [pending, row] = await Promise.all([this.pending(catalog), readEntity<StatsEntity>(this.table, catalogKey(catalog), 'stats')]);
    return { pending, sent: row?.sent ?? 0, expired: row?.expired ?? 0, failed: row?.failed ?? 0, cancelled: row?.cancelled ?? 0 };
  }

  /**
   * Retention (data minimisation). A final item's bodies and recipient lists are deleted once it
   * has been final since before `contentBefore`; what the deliveries list and a status read need
   * stays - state, history, subject, recipient count - and so does its idempotency key. A final
   * notification is deleted whole - its row and its idempotency key's, in one transaction - once it
   * has been final since before `historyBefore`: a status read then answers NOTIFICATION_NOT_FOUND
   * and its key is free again. Invitations stay (their sessions' rows are kept while the LMS may
   * change the session). A final item row is written by nobody else: the content drop is
   * conditional all the same, the deletes cannot be (@azure/data-tables sends a transaction's
   * deletes without If-Match). Answers how many items lost their content, how many were deleted,
   * and how many queue rows a crash had left behind were removed (`dropLeftovers`).
   */
  public async prune(catalog: string, cutoffs: { contentBefore?: number; historyBefore?: number }): Promise<{ dropped: number; deleted: number; leftovers: number }> {
    const partitionKey = catalogKey(catalog);
    const kept = ['catalog', 'id', 'state', 'subject', 'kind', 'session', 'requestHash', 'canonicalHash', 'recipientCount', 'index', 'keyRow'] as const;
    type Row = Record<string, unknown> & { rowKey: string; etag: string; id: string; state: string; kind?: ItemKind; keyRow?: string; contentDroppedAt?: string };
    const stale: Row[] = [];
    const past: Row[] = [];
    try {
      const rows = this.table.listEntities<Row>({
        queryOptions: { filter: odata`PartitionKey eq ${partitionKey} and RowKey ge 'n|' and RowKey lt 'n}'`, select: ['RowKey', 'contentDroppedAt', ...kept] }
      });
      for await (const row of rows) {
        const finalAt = finalSince(JSON.parse(row.state) as ItemState);
        if (finalAt === undefined) {
          continue;
        }
        if (cutoffs.historyBefore !== undefined && row.kind !== 'invitation' && finalAt < cutoffs.historyBefore) {
          past.push(row);
        } else if (cutoffs.contentBefore !== undefined && !row.contentDroppedAt && finalAt < cutoffs.contentBefore) {
          stale.push(row);
        }
      }
    } catch (error) {
      throw storageError(error);
    }
    return { dropped: await this.dropContentOf(partitionKey, stale, kept), deleted: await this.deleteWhole(partitionKey, past), leftovers: await this.dropLeftovers(catalog, cutoffs.contentBefore ?? cutoffs.historyBefore) };
  }

  /**
   * The invitation items of sessions the retention job forgets (SESSION_RETENTION_DAYS): each final
   * one deleted whole, with its idempotency key. Answers how many, and the sessions that still have
   * an item pending (in a catalog that cannot send): those are kept, with their items, until it is final.
   */
  public async forgetInvitations(catalog: string, sessions: Set<string>): Promise<{ deleted: number; pending: Set<string> }> {
    const partitionKey = catalogKey(catalog);
    const pending = new Set<string>();
    const final: Array<{ rowKey: string; id: string; keyRow?: string; session: string }> = [];
    if (sessions.size === 0) {
      return { deleted: 0, pending };
    }
    try {
      const rows = this.table.listEntities<{ rowKey: string; id: string; kind?: ItemKind; session?: string; state: string; keyRow?: string }>({
        queryOptions: { filter: odata`PartitionKey eq ${partitionKey} and RowKey ge 'n|' and RowKey lt 'n}' and kind eq 'invitation'`, select: ['RowKey', 'id', 'kind', 'session', 'state', 'keyRow'] }
      });
      for await (const row of rows) {
        if (row.kind !== 'invitation' || !row.session || !sessions.has(row.session)) {
          continue;
        }
        if (isTerminal((JSON.parse(row.state) as ItemState).state)) {
          final.push({ rowKey: row.rowKey, id: row.id, session: row.session, ...(row.keyRow ? { keyRow: row.keyRow } : {}) });
        } else {
          pending.add(row.session);
        }
      }
    } catch (error) {
      throw storageError(error);
    }
    const deleted = await this.deleteWhole(partitionKey, final.filter((row) => !pending.has(row.session)));
    return { deleted, pending };
  }

  /**
   * Queue rows of items final before `before`: a drain removes a final item's queue row when it
   * marks it, or when it passes the row later; one left by a crash in a catalog that sends no more
   * would keep the content a queue row holds for ever. (Only long-final rows: a drain may be about
   * to remove a fresh one in a transaction, which a row deleted under it would refuse.)
   */
  private async dropLeftovers(catalog: string, before: number | undefined): Promise<number> {
    if (before === undefined) {
      return 0;
    }
    const leftovers: string[] = [];
    for await (const row of this.queueRows<{ rowKey: string; state?: string | null }>(catalog, 1000, ['RowKey', 'state'])) {
      const finalAt = typeof row.state === 'string' ? finalSince(JSON.parse(row.state) as ItemState) : undefined;
      if (finalAt !== undefined && finalAt < before) {
        leftovers.push(row.rowKey);
      }
    }
    await this.dropQueueRows(catalog, leftovers);
    return leftovers.length;
  }

  private async dropContentOf(partitionKey: string, stale: Array<Record<string, unknown> & { rowKey: string; etag: string }>, kept: readonly string[]): Promise<number> {
    const droppedAt = new Date().toISOString();
    let dropped = 0;
    for (let i = 0; i < stale.length; i += TRANSACTION_OPERATIONS) {
      const actions: TransactionAction[] = stale.slice(i, i + TRANSACTION_OPERATIONS).map((row) => {
        const entity: Record<string, unknown> = { partitionKey, rowKey: row.rowKey, contentDroppedAt: droppedAt };
        for (const name of kept) {
          if (row[name] !== undefined && row[name] !== null) {
            entity[name] = row[name];
          }
        }
        return ['update', entity as { partitionKey: string; rowKey: string }, 'Replace', { etag: row.etag }];
      });
      try {
        await this.table.submitTransaction(actions);
        dropped += actions.length;
      } catch (error) {
        // A row changed meanwhile (it never should): the next sweep reads it again.
        if (statusOf(error) !== 412) {
          throw storageError(error);
        }
      }
    }
    return dropped;
  }

  /** Deletes final notifications with their idempotency keys' rows; answers how many. */
  private async deleteWhole(partitionKey: string, past: Array<{ rowKey: string; id: string; keyRow?: string }>): Promise<number> {
    // Rows written before the item row named its key's: their keys are found by the id they hold.
    const unnamed = new Set(past.filter((row) => !row.keyRow).map((row) => row.id));
    const keyOf = new Map<string, string>();
    if (unnamed.size > 0) {
      try {
        for await (const key of this.table.listEntities<{ rowKey: string; id: string }>({ queryOptions: { filter: odata`PartitionKey eq ${partitionKey} and RowKey ge 'k|' and RowKey lt 'k}'`, select: ['RowKey', 'id'] } })) {
          if (unnamed.has(key.id)) {
            keyOf.set(key.id, key.rowKey);
          }
        }
      } catch (error) {
        throw storageError(error);
      }
    }
    const pairs = past.map((row) => [row.rowKey, row.keyRow ?? keyOf.get(row.id)].filter((k): k is string => k !== undefined));
    let deleted = 0;
    const remove = async (rowKeys: string[]): Promise<void> => {
      await this.table.submitTransaction(rowKeys.map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]));
    };
    for (let i = 0; i < pairs.length; i += Math.floor(TRANSACTION_OPERATIONS / 2)) {
      const group = pairs.slice(i, i + Math.floor(TRANSACTION_OPERATIONS / 2));
      try {
        await remove(group.flat());
        deleted += group.length;
      } catch (error) {
        if (statusOf(error) !== 404) {
          throw storageError(error);
        }
        // A row of the group is gone already (a run that stopped part-way, a key row never
        // written): each item alone, and its row without its key's when that is what is missing.
        for (const pair of group) {
          try {
            await remove(pair);
          } catch (itemError) {
            if (statusOf(itemError) !== 404) {
              throw storageError(itemError);
            }
            await this.deleteRows(partitionKey, [pair[0]]);
          }
          deleted++;
        }
      }
    }
    return deleted;
  }

  /**
   * Adds a drain's outcome to the catalog's counters (one write a drain, ETag-guarded against
   * another writer). Drains ending together retry after a jittered pause until their numbers are
   * in: the restored notice reports these counters, so a count given up is a wrong notice.
   */
  public async recordDrain(catalog: string, outcome: { sent: number; expired: number; failed: number; cancelled?: number; lastSentAt: number | null }): Promise<void> {
    const partitionKey = catalogKey(catalog);
    for (let attempt = 1; ; attempt++) {
      const row = await readEntity<StatsEntity>(this.table, partitionKey, 'stats');
      const last = row?.lastSentAt ? Date.parse(row.lastSentAt) : null;
      const lastSentAt = outcome.lastSentAt === null ? last : Math.max(outcome.lastSentAt, last ?? 0);
      const next = {
        partitionKey,
        rowKey: 'stats',
        sent: (row?.sent ?? 0) + outcome.sent,
        expired: (row?.expired ?? 0) + outcome.expired,
        failed: (row?.failed ?? 0) + outcome.failed,
        cancelled: (row?.cancelled ?? 0) + (outcome.cancelled ?? 0),
        lastSentAt: lastSentAt !== null ? new Date(lastSentAt).toISOString() : ''
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
        if ((status !== 412 && status !== 409) || attempt >= RECORD_ATTEMPTS) {
          throw status === 412 || status === 409 ? new ApiError('SERVICE_UNAVAILABLE', { detail: 'The outbox counters are busy.' }) : storageError(error);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * Math.min(attempt, 10)));
      }
    }
  }
}

/** Writers of one catalog's counters at once are its drains: a handful at most. */
const RECORD_ATTEMPTS = 50;

interface StatsEntity {
  sent?: number;
  expired?: number;
  failed?: number;
  /** Cancelled by the LMS (absent in rows written before it was kept). */
  cancelled?: number;
  lastSentAt?: string;
}
