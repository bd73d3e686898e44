import type { ConnectionStore } from '../../src/connections/connectionStore';
import { emptyConnection } from '../../src/connections/model';
import { NotificationService } from '../../src/sending/notificationService';
import { transition } from '../../src/sending/outboxItem';
import { newestFirstId, OutboxStore, queueRowOf, requestHash } from '../../src/sending/outboxStore';
import { catalogKey, openTables, TABLES } from '../../src/storage/tables';
import { RunningAzurite, startAzurite } from '../support/azurite';
import { azureTable } from '../support/azureTable';

/** No lone half of a surrogate pair. */
const wellFormed = (text: string): boolean => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

jest.setTimeout(60_000);

const CATALOG = 'https://contoso.test/sites/store';

/** The outbox's storage rules that only a real table service checks (Azurite over loopback). */
describe('OutboxStore on Azurite', () => {
  let azurite: RunningAzurite;
  let store: OutboxStore;

  beforeAll(async () => {
    azurite = await startAzurite();
    store = new OutboxStore((await openTables(azurite.connectionString))[TABLES.outbox]);
  });

  afterAll(async () => {
    await azurite.stop();
  });

  const queued = async (keys: string[], now = 1000): Promise<string[]> => {
    const outcomes = await store.enqueue(CATALOG, keys.map((key) => ({ key, priority: 'normal' as const, content: { to: ['a@contoso.test'], cc: [], bcc: [], subject: key, text: 'x' }, parts: 1, firstPartRecipients: 1, requestHash: requestHash(key) })), now);
    return outcomes.map((o) => ('id' in o ? o.id : ''));
  };
  const queuedIn = async (catalog: string, key: string): Promise<string[]> =>
    (await store.enqueue(catalog, [{ key, priority: 'normal', content: { to: ['a@contoso.test'], cc: [], bcc: [], subject: key, text: 'x' }, parts: 1, firstPartRecipients: 1, requestHash: requestHash(key) }], Date.now())).map((o) => ('id' in o ? o.id : ''));
  const azuriteRow = async (catalog: string, rowKey: string): Promise<Record<string, unknown>> => {
    const table = (await openTables(azurite.connectionString))[TABLES.outbox];
    return table.getEntity(catalogKey(catalog), rowKey);
  };
  const pendingIds = async (after?: string): Promise<string[]> => {
    const ids: string[] = [];
    for await (const entry of store.pendingEntries(CATALOG, 100, after)) {
      ids.push(entry.item.id);
    }
    return ids;
  };

  it('a body with an emoji where a chunk property ends is stored in chunks of whole characters, and read back as it was', async () => {
    const emoji = 'https://contoso.test/sites/emoji';
    const html = `${'a'.repeat(29_999)}\u{1F600}${'あ'.repeat(40_000)}\u{20BB7}`;
    const [id] = (await store.enqueue(emoji, [{ key: 'emoji', priority: 'normal', content: { to: ['a@contoso.test'], cc: [], bcc: [], subject: 'emoji', html }, parts: 1, firstPartRecipients: 1, requestHash: requestHash('emoji') }], 1000)).map((o) => ('id' in o ? o.id : ''));
    const raw = await azuriteRow(emoji, `n|${id}`);
    const pieces = Object.entries(raw).filter(([name]) => /^h\d+$/.test(name)).map(([, value]) => String(value));
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    expect(pieces.every((piece) => wellFormed(piece))).toBe(true);
    expect(pieces.join('')).toBe(html);
    expect((await store.read(emoji, id))?.content.html).toBe(html);
  });

  it('known keys: a repeat is answered as enqueue would; looking for a new key stops at the first group that holds one', async () => {
    const catalog = 'https://contoso.test/sites/known';
    const [a] = (await store.enqueue(catalog, [{ key: 'known-a', priority: 'normal', content: { to: ['a@contoso.test'], cc: [], bcc: [], subject: 'k', text: 'x' }, parts: 1, firstPartRecipients: 1, requestHash: requestHash('known-a') }], 1000)).map((o) => ('id' in o ? o.id : ''));
    const request = (key: string) => ({ key, requestHash: requestHash(key) });
    const lookups = jest.spyOn(store as unknown as { lookup: () => Promise<unknown> }, 'lookup');
    try {
      expect(await store.known(catalog, [request('known-a')])).toEqual([expect.objectContaining({ id: a, duplicate: true })]);
      expect(await store.known(catalog, [{ key: 'known-a', requestHash: requestHash('another body') }])).toEqual([{ error: 'IDEMPOTENCY_KEY_REUSED', existingId: expect.any(String) }]);
      lookups.mockClear();
      const many = Array.from({ length: 100 }, (_, i) => request(`new-${i}`));
      expect(await store.known(catalog, many, true)).toHaveLength(20);
      expect(lookups).toHaveBeenCalledTimes(20);
      expect((await store.known(catalog, many)).every((k) => k === undefined)).toBe(true);
    } finally {
      lookups.mockRestore();
    }
  });

  it('a queue row asked to be dropped twice, or one the same transaction writes, is one operation: the transaction lands', async () => {
    const [a, b, c] = await queued(['drop-a', 'drop-b', 'drop-c']);
    const itemA = await store.readForUpdate(CATALOG, a);
    const itemB = await store.readForUpdate(CATALOG, b);
    if (!itemA || !itemB) {
      throw new Error('queued items not found');
    }
    const claimed = await store.update(itemA, transition(itemA.state, { type: 'claim', now: 2000, claimUntil: 9000 }));
    await store.updateMany(CATALOG, [{ item: claimed, next: transition(claimed.state, { type: 'sent', now: 3000 }) }]);
    // Its queue row twice, and the row of B that this transaction claims: Azure would refuse both (400 InvalidDuplicateRow).
    await store.updateMany(CATALOG, [{ item: itemB, next: transition(itemB.state, { type: 'claim', now: 4000, claimUntil: 9000 }) }], [queueRowOf(itemA), queueRowOf(itemA), queueRowOf(itemB)]);
    expect((await pendingIds()).sort()).toEqual([b, c].sort());
    expect((await store.read(CATALOG, a))?.state.state).toBe('sent');
    expect((await store.read(CATALOG, b))?.state.state).toBe('sending');
  });

  it('a listing goes on after a queue row: the next page starts where the last one ended, in queue order', async () => {
    const ids = [...await queued(['page-1'], 5000), ...await queued(['page-2'], 5001), ...await queued(['page-3'], 5002)];
    const all = await pendingIds();
    const first = await store.read(CATALOG, ids[0]);
    if (!first) {
      throw new Error('queued item not found');
    }
    const rest = await pendingIds(queueRowOf(first));
    expect(rest).toEqual(all.slice(all.indexOf(ids[0]) + 1));
    expect(rest.slice(-2)).toEqual(ids.slice(1));
  });

  it('drains that end at once all add to the counters: none is lost to the others\' ETag conflicts, and the last sent time only moves forward', async () => {
    const catalog = 'https://contoso.test/sites/counted';
    // One drain per mailbox runs at a time, but a handover or a second mailbox lease can end several together.
    await Promise.all(Array.from({ length: 12 }, (_, i) => store.recordDrain(catalog, { sent: 1, expired: i % 2, failed: i % 3 === 0 ? 1 : 0, lastSentAt: 10_000 + i })));
    // A drain that ends last but sent its last message before the others.
    await store.recordDrain(catalog, { sent: 1, expired: 1, failed: 0, lastSentAt: 5_000 });
    expect(await store.counters(catalog)).toEqual({ pending: 0, sent: 13, expired: 7, failed: 4, cancelled: 0 });
    // The LMS's cancels, counted beside the drains (one count each), move no sent time.
    await Promise.all([0, 1, 2].map(() => store.recordDrain(catalog, { sent: 0, expired: 0, failed: 0, cancelled: 1, lastSentAt: null })));
    expect(await store.counters(catalog)).toEqual({ pending: 0, sent: 13, expired: 7, failed: 4, cancelled: 3 });
    expect(await store.lastSentAt(catalog)).toBe(new Date(10_011).toISOString());
  });

  it('a notification final for the retention period loses its bodies and recipient lists, keeps its state, subject and key; pending and recent ones keep everything', async () => {
    const catalog = 'https://contoso.test/sites/retained';
    const content = (key: string) => ({ to: ['a@contoso.test', 'b@contoso.test'], cc: ['c@contoso.test'], bcc: [], subject: `Subject ${key}`, html: `<p>Body of ${key}</p>`, text: `Body of ${key}` });
    const [old, recent, pending] = (await store.enqueue(catalog, ['old', 'recent', 'pending'].map((key) => ({ key, priority: 'normal' as const, content: content(key), parts: 1, firstPartRecipients: 3, requestHash: requestHash(key) })), 1000)).map((o) => ('id' in o ? o.id : ''));
    const finish = async (id: string, at: number): Promise<void> => {
      const item = await store.readForUpdate(catalog, id);
      if (!item) {
        throw new Error('queued item not found');
      }
      const claimed = await store.update(item, transition(item.state, { type: 'claim', now: at - 10, claimUntil: at + 10_000 }));
      await store.updateMany(catalog, [{ item: claimed, next: transition(claimed.state, { type: 'sent', now: at }) }]);
    };
    await finish(old, 10_000);
    await finish(recent, 50_000);

    // The old one's queue row was left behind (marked final without its removal, as a crash leaves it): it holds the content too.
    expect(await store.prune(catalog, { contentBefore: 20_000 })).toEqual({ dropped: 1, deleted: 0, leftovers: 1 });
    await expect(azuriteRow(catalog, queueRowOf({ id: old, state: { priority: 'normal', enqueuedAt: 1000 } as never }))).rejects.toMatchObject({ statusCode: 404 });
    expect(JSON.stringify(await azuriteRow(catalog, queueRowOf({ id: recent, state: { priority: 'normal', enqueuedAt: 1000 } as never })))).toContain('Body of recent');
    const gone = await store.read(catalog, old);
    expect(gone?.content).toEqual({ to: [], cc: [], bcc: [], subject: 'Subject old', html: undefined, text: undefined });
    expect(gone?.state).toMatchObject({ state: 'sent', sentAt: 10_000 });
    const raw = JSON.stringify(await azuriteRow(catalog, `n|${old}`));
    expect(raw).not.toContain('Body of old');
    expect(raw).not.toContain('a@contoso.test');
    // The deliveries list and a repeat of the key answer as before.
    expect((await store.summaries(catalog, 10)).find((s) => s.id === old)).toMatchObject({ subject: 'Subject old', recipients: 3 });
    const connections = { read: async () => ({ record: emptyConnection(catalog, 'c1') }) } as unknown as ConnectionStore;
    const lms = new NotificationService({ connections, outbox: store, wake: async () => undefined, recipientsPerMessage: 500, messageIdDomain: 'lms.test' });
    expect(await lms.status(catalog, old)).toMatchObject({ status: 'sent', recipients: 3 });
    expect(await store.enqueue(catalog, [{ key: 'old', priority: 'normal', content: content('old'), parts: 1, firstPartRecipients: 3, requestHash: requestHash('old') }], 60_000)).toEqual([expect.objectContaining({ id: old, duplicate: true })]);
    for (const [id, key] of [[recent, 'recent'], [pending, 'pending']]) {
      expect((await store.read(catalog, id))?.content).toEqual(content(key));
    }
    // Once is enough; a later run takes the recent one when its time comes.
    expect(await store.prune(catalog, { contentBefore: 20_000 })).toEqual({ dropped: 0, deleted: 0, leftovers: 0 });
    expect(await store.prune(catalog, { contentBefore: 60_000 })).toEqual({ dropped: 1, deleted: 0, leftovers: 1 });
    expect((await store.read(catalog, pending))?.content).toEqual(content('pending'));
  });

  it('a notification final for the history period is deleted with its idempotency key (older rows\' keys found by id, a key row already gone is no fault); recent, pending and invitations stay', async () => {
    const catalog = 'https://contoso.test/sites/history-kept';
    const table = (await openTables(azurite.connectionString))[TABLES.outbox];
    const partitionKey = catalogKey(catalog);
    const item = (key: string, session?: string) => ({ key, priority: 'normal' as const, content: { to: ['a@contoso.test'], cc: [], bcc: [], subject: `Subject ${key}`, text: `Body of ${key}` }, parts: 1, firstPartRecipients: 1, requestHash: requestHash(key), ...(session ? { session } : {}) });
    const ids = (await store.enqueue(catalog, [item('old'), item('older-row'), item('key-gone'), item('recent'), item('pending'), item('invite', 'session-1'), item('no-key')], 1000)).map((o) => ('id' in o ? o.id : ''));
    const [old, olderRow, keyGone, recent, pending, invite, noKey] = ids;
    const finish = async (id: string, at: number): Promise<void> => {
      const queuedItem = await store.readForUpdate(catalog, id);
      if (!queuedItem) {
        throw new Error('queued item not found');
      }
      const claimed = await store.update(queuedItem, transition(queuedItem.state, { type: 'claim', now: at - 10, claimUntil: at + 10_000 }));
      await store.update(claimed, transition(claimed.state, { type: 'sent', now: at }));
    };
    for (const id of [old, olderRow, keyGone, invite, noKey]) {
      await finish(id, 10_000);
    }
    await finish(recent, 50_000);
    // A row written before item rows named their key's row; and a run that stopped after one key row was deleted.
    // And an older row whose key row is gone as well.
    for (const id of [olderRow, noKey]) {
      const entity = await table.getEntity<Record<string, unknown>>(partitionKey, `n|${id}`);
      const older = Object.fromEntries(Object.entries(entity).filter(([name]) => name !== 'etag' && name !== 'keyRow'));
      if (id === noKey) {
        await table.deleteEntity(partitionKey, String(entity.keyRow));
      }
      await table.updateEntity(older as { partitionKey: string; rowKey: string }, 'Replace');
    }
    const keyGoneRow = String((await table.getEntity<{ keyRow: string }>(partitionKey, `n|${keyGone}`)).keyRow);
    await table.deleteEntity(partitionKey, keyGoneRow);
    const keyRows = async (): Promise<string[]> => {
      const rows: string[] = [];
      for await (const row of table.listEntities<{ id: string }>({ queryOptions: { filter: `PartitionKey eq '${partitionKey}' and RowKey ge 'k|' and RowKey lt 'k}'` } })) {
        rows.push(row.id);
      }
      return rows.sort();
    };
    expect(await keyRows()).toEqual([old, olderRow, recent, pending, invite].sort());

    // Final at the cutoff itself is not final before it.
    expect(await store.prune(catalog, { contentBefore: 10_000, historyBefore: 10_000 })).toEqual({ dropped: 0, deleted: 0, leftovers: 0 });
    expect(await store.prune(catalog, { contentBefore: 20_000, historyBefore: 20_000 })).toEqual({ dropped: 1, deleted: 4, leftovers: 0 });
    for (const id of [old, olderRow, keyGone, noKey]) {
      expect(await store.read(catalog, id)).toBeUndefined();
    }
    expect(await keyRows()).toEqual([recent, pending, invite].sort());
    // The invitation lost its content (its session's row keeps what it says) and nothing else.
    expect(await store.read(catalog, invite)).toMatchObject({ state: { state: 'sent' }, content: { to: [] } });
    const connections = { read: async () => ({ record: emptyConnection(catalog, 'c1') }) } as unknown as ConnectionStore;
    const lms = new NotificationService({ connections, outbox: store, wake: async () => undefined, recipientsPerMessage: 500, messageIdDomain: 'lms.test' });
    await expect(lms.status(catalog, old)).rejects.toMatchObject({ code: 'NOTIFICATION_NOT_FOUND' });
    expect((await store.summaries(catalog, 10)).map((s) => s.id).sort()).toEqual([recent, pending, invite].sort());
    // The deleted key is free: the same request queues a new notification; the kept ones still answer as before.
    const [again, recentAgain] = await store.enqueue(catalog, [item('old'), item('recent')], 60_000);
    expect(again).toMatchObject({ duplicate: false });
    expect('id' in again && again.id).not.toBe(old);
    expect(recentAgain).toEqual(expect.objectContaining({ id: recent, duplicate: true }));
    expect((await store.read(catalog, pending))?.state.state).toBe('queued');
    // Once is enough.
    expect(await store.prune(catalog, { contentBefore: 20_000, historyBefore: 20_000 })).toEqual({ dropped: 0, deleted: 0, leftovers: 0 });
  });

  it('retention of more notifications than one transaction holds: content dropped in groups of 99 rows, notifications deleted in groups of 49 with their keys, leftover queue rows removed', async () => {
    const catalog = 'https://contoso.test/sites/history-many';
    const keys = Array.from({ length: 110 }, (_, i) => `bulk-${i}`);
    const ids = (await store.enqueue(catalog, keys.map((key) => ({ key, priority: 'normal' as const, content: { to: ['a@contoso.test'], cc: [], bcc: [], subject: key, text: `Body of ${key}` }, parts: 1, firstPartRecipients: 1, requestHash: requestHash(key) })), 1000)).map((o) => ('id' in o ? o.id : ''));
    // Marked sent in rounds as a drain does, the queue rows left behind.
    for (let i = 0; i < ids.length; i += 50) {
      const items = await Promise.all(ids.slice(i, i + 50).map(async (id) => (await store.readForUpdate(catalog, id))!));
      const claimed = await store.updateMany(catalog, items.map((item) => ({ item, next: transition(item.state, { type: 'claim', now: 9_000, claimUntil: 20_000 }) })));
      await store.updateMany(catalog, claimed.map((item) => ({ item, next: transition(item.state, { type: 'sent', now: 10_000 }) })));
    }
    expect(await store.prune(catalog, { contentBefore: 20_000 })).toEqual({ dropped: 110, deleted: 0, leftovers: 110 });
    expect(await store.pending(catalog)).toBe(0);
    expect(await store.prune(catalog, { historyBefore: 20_000 })).toEqual({ dropped: 0, deleted: 110, leftovers: 0 });
    expect(await store.summaries(catalog, 1000)).toEqual([]);
    expect(await store.idForKey(catalog, 'bulk-0')).toBeUndefined();
  });

  it('a batch keeps the LMS\'s order: its items, queued in one millisecond, are listed for sending as the request gave them (within a priority)', async () => {
    const catalog = 'https://contoso.test/sites/batch-order';
    const keys = Array.from({ length: 300 }, (_, i) => `b-${i}`);
    const priorities = keys.map((_, i) => (i % 3 === 0 ? 'urgent' : 'normal') as 'urgent' | 'normal');
    const outcomes = await store.enqueue(catalog, keys.map((key, i) => ({ key, priority: priorities[i], content: { to: ['a@contoso.test'], cc: [], bcc: [], subject: key, text: 'x' }, parts: 1, firstPartRecipients: 1, requestHash: requestHash(key) })), Date.now());
    const ids = outcomes.map((o) => ('id' in o ? o.id : ''));
    const listed: string[] = [];
    for await (const entry of store.pendingEntries(catalog, 1000)) {
      listed.push(entry.item.id);
    }
    // Urgent first, each priority in the batch's order.
    expect(listed).toEqual([...ids.filter((_, i) => priorities[i] === 'urgent'), ...ids.filter((_, i) => priorities[i] === 'normal')]);
    // The place in the batch does not make ids of one millisecond collide, and they stay well-formed.
    expect(newestFirstId(5_000, 7)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8007-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newestFirstId(5_000, 7)).not.toBe(newestFirstId(5_000, 7));
    expect(newestFirstId(5_000, 1) < newestFirstId(5_000, 2)).toBe(true);
  });

  it('ids count down with time: a catalog\'s item rows are read newest first, so the recent deliveries are the newest however long its history', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(newestFirstId(1_000)).toMatch(uuid);
    expect(newestFirstId(2_000) < newestFirstId(1_999)).toBe(true);
    expect(newestFirstId(1_764_720_000_000).slice(0, 13)).toBe(`${(0xffff_ffff_ffff - 1_764_720_000_000).toString(16).slice(0, 8)}-${(0xffff_ffff_ffff - 1_764_720_000_000).toString(16).slice(8, 12)}`);
    const catalog = 'https://contoso.test/sites/history';
    const ids: string[] = [];
    for (const key of ['oldest', 'older', 'newer', 'newest']) {
      ids.push(...await queuedIn(catalog, key));
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    expect((await store.summaries(catalog, 2)).map((s) => s.subject)).toEqual(['newest', 'newer']);
    expect((await store.summaries(catalog, 10)).map((s) => s.id)).toEqual([...ids].reverse());
  });

  it('the deliveries list reads the queue rows of the items it lists, not the whole backlog: their live state (sending) all the same, at any priority', async () => {
    const catalog = 'https://contoso.test/sites/backlog';
    const enqueue = (keys: string[], now: number, priority: 'urgent' | 'normal' | 'bulk' = 'normal') =>
      store.enqueue(catalog, keys.map((key) => ({ key, priority, content: { to: ['a@contoso.test'], cc: [], bcc: [], subject: key, text: 'x' }, parts: 1, firstPartRecipients: 1, requestHash: requestHash(key) })), now);
    // A backlog of 1,200 waiting (the daily limit reached), then three newer ones of each kind of priority.
    for (let i = 0; i < 1200; i += 100) {
      await enqueue(Array.from({ length: 100 }, (_, j) => `backlog ${i + j}`), 1000 + i);
    }
    const [bulk] = await enqueue(['new bulk'], 50_000, 'bulk');
    const [urgent] = await enqueue(['new urgent'], 50_001, 'urgent');
    const [normal] = await enqueue(['new normal'], 50_002);
    const urgentId = 'id' in urgent ? urgent.id : '';
    const item = await store.readForUpdate(catalog, urgentId);
    if (!item) {
      throw new Error('queued item not found');
    }
    await store.update(item, transition(item.state, { type: 'claim', now: 60_000, claimUntil: 90_000 }));
    // Rows the store reads, counted as they come.
    let read = 0;
    const table = (await openTables(azurite.connectionString))[TABLES.outbox];
    const counting = new Proxy(table, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property !== 'listEntities') {
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        }
        return (options: Parameters<typeof table.listEntities>[0]) => {
          const rows = target.listEntities(options);
          return (async function* () {
            for await (const row of rows) {
              read++;
              yield row;
            }
          })();
        };
      }
    });
    const listed = await new OutboxStore(counting as typeof table).summaries(catalog, 3);
    expect(listed.map((row) => row.subject)).toEqual(['new normal', 'new urgent', 'new bulk']);
    expect(listed.map((row) => row.state.state)).toEqual(['queued', 'sending', 'queued']);
    expect(listed.map((row) => row.id)).toEqual([normal, urgent, bulk].map((o) => ('id' in o ? o.id : '')));
    // Three item rows and the three queue rows since the oldest of them: not the 1,200 ahead of them.
    expect(read).toBeLessThanOrEqual(6);
    // Listing the backlog too reads its queue rows, and finds them queued.
    const all = await store.summaries(catalog, 2000);
    expect(all).toHaveLength(1203);
    expect(all.filter((row) => row.state.state === 'sending').map((row) => row.id)).toEqual([urgentId]);
  });

  it('a queue row written before rows carried their state counts as pending, also as Azure answers a $select of a property the row lacks (null)', async () => {
    const catalog = 'https://contoso.test/sites/legacy';
    const [id] = (await store.enqueue(catalog, [{ key: 'legacy', priority: 'normal', content: { to: ['a@contoso.test'], cc: [], bcc: [], subject: 'legacy', text: 'x' }, parts: 1, firstPartRecipients: 1, requestHash: requestHash('legacy') }], 1000)).map((o) => ('id' in o ? o.id : ''));
    const item = await store.read(catalog, id);
    if (!item) {
      throw new Error('queued item not found');
    }
    const raw = (await openTables(azurite.connectionString))[TABLES.outbox];
    const legacy: Record<string, unknown> = { ...await raw.getEntity<Record<string, unknown>>(catalogKey(catalog), queueRowOf(item)) };
    delete legacy.state;
    delete legacy.etag;
    await raw.updateEntity(legacy as { partitionKey: string; rowKey: string }, 'Replace');
    expect(await store.pending(catalog)).toBe(1);
    expect(await new OutboxStore(azureTable(raw)).pending(catalog)).toBe(1);
  });
});
