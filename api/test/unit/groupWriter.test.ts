import { ApiError } from '../../src/errors/apiError';
import { GroupWriter } from '../../src/sending/groupWriter';
import { ItemState, newItemState, transition } from '../../src/sending/outboxItem';
import { OutboxStore, queueRowOf, StoredItem } from '../../src/sending/outboxStore';

const CATALOG = 'https://contoso.test/sites/a';

function item(n: number, etag = `e${n}`): StoredItem {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    kind: 'notification',
    session: null,
    catalog: CATALOG,
    etag,
    content: { to: ['a@contoso.test'], cc: [], bcc: [], subject: `s${n}` },
    state: newItemState({ priority: 'normal', now: 1000 + n, parts: 1 })
  };
}

const claim = (i: StoredItem): ItemState => transition(i.state, { type: 'claim', now: 2000, claimUntil: 9000 });
const sent = (i: StoredItem): ItemState => transition(claim(i), { type: 'sent', now: 3000 });

/** An outbox whose transactions are recorded; an item whose ETag is "stale" refuses any transaction it is in. */
function fakeOutbox(fault?: () => Error | undefined, dropFault?: () => Error | undefined): { outbox: OutboxStore; calls: Array<{ ids: string[]; drop: string[] }>; overlapped: () => boolean } {
  const calls: Array<{ ids: string[]; drop: string[] }> = [];
  let inFlight = 0;
  let overlapped = false;
  const outbox = {
    async updateMany(catalog: string, changes: Array<{ item: StoredItem; next: ItemState }>, drop: string[] = []): Promise<StoredItem[]> {
      calls.push({ ids: changes.map((c) => c.item.id), drop });
      overlapped ||= inFlight > 0;
      inFlight++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      const error = fault?.();
      if (error) {
        throw error;
      }
      if (new Set(drop).size !== drop.length) {
        // Azure Tables: 400 InvalidDuplicateRow, an entity appears once in a transaction.
        throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'storage 400' });
      }
      if (changes.some((c) => c.item.etag === 'stale')) {
        throw new ApiError('CHANGED_BY_SOMEONE_ELSE');
      }
      return changes.map((c) => ({ ...c.item, state: c.next, etag: `${c.item.etag}+` }));
    },
    async dropQueueRows(): Promise<void> {
      calls.push({ ids: [], drop: ['(one by one)'] });
      const error = dropFault?.();
      if (error) {
        throw error;
      }
    }
  };
  return { outbox: outbox as unknown as OutboxStore, calls, overlapped: () => overlapped };
}

describe('GroupWriter - group commit of a drain\'s outbox writes', () => {
  it('writes asked for in one turn go in one transaction; those asked for while it is on its way go in the next', async () => {
    const { outbox, calls, overlapped } = fakeOutbox();
    const writer = new GroupWriter(outbox, CATALOG);
    const items = [1, 2, 3, 4].map((n) => item(n));
    const first = items.slice(0, 3).map((i) => writer.write(i, claim(i)));
    await new Promise((resolve) => setImmediate(resolve));
    const late = writer.write(items[3], claim(items[3]));
    const written = await Promise.all([...first, late]);
    expect(calls.map((c) => c.ids.length)).toEqual([3, 1]);
    expect(written.map((w) => [w.state.state, w.etag])).toEqual([['sending', 'e1+'], ['sending', 'e2+'], ['sending', 'e3+'], ['sending', 'e4+']]);
    // One transaction at a time: a "sent" mark lands before the claim of the item that takes its slot.
    expect(overlapped()).toBe(false);
  });

  it('a group refused for one stale ETag is written one by one: each write gets its own outcome', async () => {
    const { outbox, calls } = fakeOutbox();
    const writer = new GroupWriter(outbox, CATALOG);
    const good = item(1);
    const stale = item(2, 'stale');
    const outcomes = await Promise.allSettled([writer.write(good, claim(good)), writer.write(stale, claim(stale))]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { etag: 'e1+' } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'CHANGED_BY_SOMEONE_ELSE' } });
    expect(calls.map((c) => c.ids.length)).toEqual([2, 1, 1]);
  });

  it('a single write refused for its stale ETag is not tried again; with rows to drop beside it, the rows go on their own', async () => {
    const { outbox, calls } = fakeOutbox();
    const writer = new GroupWriter(outbox, CATALOG);
    const stale = item(1, 'stale');
    await expect(writer.write(stale, claim(stale))).rejects.toMatchObject({ code: 'CHANGED_BY_SOMEONE_ELSE' });
    expect(calls).toHaveLength(1);
    calls.length = 0;
    writer.drop('r|left');
    writer.drop('r|left');
    await expect(writer.write(stale, claim(stale))).rejects.toMatchObject({ code: 'CHANGED_BY_SOMEONE_ELSE' });
    expect(calls).toEqual([{ ids: [stale.id], drop: ['r|left'] }, { ids: [], drop: ['(one by one)'] }, { ids: [stale.id], drop: [] }]);
  });

  it('rows that could not be dropped one by one either are kept for a later transaction', async () => {
    let faults = 1;
    const { outbox, calls } = fakeOutbox(undefined, () => (faults-- > 0 ? new ApiError('SERVICE_UNAVAILABLE') : undefined));
    const writer = new GroupWriter(outbox, CATALOG);
    const stale = item(1, 'stale');
    writer.drop('r|left');
    await expect(writer.write(stale, claim(stale))).rejects.toMatchObject({ code: 'CHANGED_BY_SOMEONE_ELSE' });
    await writer.close();
    expect(calls.at(-1)).toEqual({ ids: [], drop: ['r|left'] });
  });

  it('a storage fault reaches every write of the group (their callers decide), nothing is written one by one', async () => {
    let faults = 1;
    const { outbox, calls } = fakeOutbox(() => (faults-- > 0 ? new ApiError('SERVICE_UNAVAILABLE') : undefined));
    const writer = new GroupWriter(outbox, CATALOG);
    const outcomes = await Promise.allSettled([1, 2].map((n) => writer.write(item(n), claim(item(n)))));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toHaveLength(1);
  });

  it('an error that is not a storage answer fails the group as it is; rows to drop beside it go one by one, not into the next transaction', async () => {
    let faults = 1;
    const { outbox, calls } = fakeOutbox(() => (faults-- > 0 ? new TypeError('socket hang up') : undefined));
    const writer = new GroupWriter(outbox, CATALOG);
    writer.drop('r|left');
    const outcomes = await Promise.allSettled([1, 2].map((n) => writer.write(item(n), claim(item(n)))));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toEqual([{ ids: [item(1).id, item(2).id], drop: ['r|left'] }, { ids: [], drop: ['(one by one)'] }]);
    await writer.write(item(3), claim(item(3)));
    expect(calls[2]).toEqual({ ids: [item(3).id], drop: [] });
    await writer.close();
    expect(calls).toHaveLength(3);
  });

  it('rows to drop beside a storage fault that cannot be removed one by one either wait for a later transaction', async () => {
    let faults = 1;
    let dropFaults = 1;
    const { outbox, calls } = fakeOutbox(() => (faults-- > 0 ? new ApiError('SERVICE_UNAVAILABLE') : undefined), () => (dropFaults-- > 0 ? new ApiError('SERVICE_UNAVAILABLE') : undefined));
    const writer = new GroupWriter(outbox, CATALOG);
    writer.drop('r|left');
    await expect(writer.write(item(1), claim(item(1)))).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await writer.write(item(2), claim(item(2)));
    expect(calls.at(-1)).toEqual({ ids: [item(2).id], drop: ['r|left'] });
  });

  it('a row a listing asks to drop while the transaction that made it final is on its way goes once into the next transaction (Azure refuses a row twice in one)', async () => {
    const { outbox, calls } = fakeOutbox();
    const writer = new GroupWriter(outbox, CATALOG);
    const done = { ...item(1), state: claim(item(1)) };
    const marking = writer.write(done, sent(item(1)));
    // The mark has landed in storage but its answer is not back: a listing finds the row final.
    await new Promise((resolve) => setTimeout(resolve, 2));
    writer.drop(queueRowOf(done));
    await marking;
    const next = item(2);
    await expect(writer.write(next, claim(next))).resolves.toMatchObject({ etag: 'e2+' });
    expect(calls[1]).toEqual({ ids: [next.id], drop: [queueRowOf(done)] });
  });

  it('close asks for nothing when there is nothing to drop, and removes the rows one by one when their transaction fails', async () => {
    const quiet = fakeOutbox();
    await new GroupWriter(quiet.outbox, CATALOG).close();
    expect(quiet.calls).toEqual([]);
    const { outbox, calls } = fakeOutbox(() => new ApiError('CHANGED_BY_SOMEONE_ELSE'));
    const writer = new GroupWriter(outbox, CATALOG);
    writer.drop('r|gone');
    await writer.close();
    expect(calls).toEqual([{ ids: [], drop: ['r|gone'] }, { ids: [], drop: ['(one by one)'] }]);
  });

  it('a final item\'s queue row is removed with a later transaction, or by close', async () => {
    const { outbox, calls } = fakeOutbox();
    const writer = new GroupWriter(outbox, CATALOG);
    const done = { ...item(1), state: claim(item(1)) };
    await writer.write(done, sent(item(1)));
    const next = item(2);
    await writer.write(next, claim(next));
    expect(calls[1]).toEqual({ ids: [next.id], drop: [queueRowOf(done)] });
    const last = { ...item(3), state: claim(item(3)) };
    await writer.write(last, sent(item(3)));
    await writer.close();
    expect(calls[3]).toEqual({ ids: [], drop: [queueRowOf(last)] });
  });

  it('a transaction never holds more than 100 operations: 50 items, a final state counts two, dropped rows wait for room', async () => {
    const { outbox, calls } = fakeOutbox();
    const writer = new GroupWriter(outbox, CATALOG);
    await Promise.all(Array.from({ length: 120 }, (_, n) => writer.write(item(n), claim(item(n)))));
    expect(calls.map((c) => c.ids.length)).toEqual([50, 50, 20]);
    calls.length = 0;
    // 50 claims are 50 operations: 50 rows to drop fit beside them; 50 final states are 100.
    Array.from({ length: 60 }, (_, n) => writer.drop(`r|left-${n}`));
    await Promise.all(Array.from({ length: 50 }, (_, n) => writer.write(item(n), claim(item(n)))));
    await Promise.all(Array.from({ length: 50 }, (_, n) => writer.write({ ...item(n), state: claim(item(n)) }, sent(item(n)))));
    expect(calls.map((c) => [c.ids.length, c.drop.length])).toEqual([[50, 50], [50, 0]]);
    await writer.close();
    expect(calls.slice(2).map((c) => [c.ids.length, c.drop.length])).toEqual([[0, 60]]);
  });
});
