import type { ConnectionStore } from '../../src/connections/connectionStore';
import { ConnectionWriter } from '../../src/connections/connectionWriter';
import { emptyConnection, type ConnectionRecord } from '../../src/connections/model';
import { followIncident, noticeSent, type Incident } from '../../src/health/incident';

/** The record in memory, written as the table would (ETag-conditional). */
class MemoryConnections {
  public record: ConnectionRecord;
  public etag = 'W/"0"';
  public reads = 0;

  public constructor(record: ConnectionRecord) {
    this.record = record;
  }

  public read(): Promise<{ record: ConnectionRecord; etag: string }> {
    this.reads++;
    return Promise.resolve({ record: this.record, etag: this.etag });
  }

  public write(record: ConnectionRecord, etag: string): Promise<string> {
    if (etag !== this.etag) {
      return Promise.reject(new Error('stale'));
    }
    this.record = record;
    this.etag = `W/"${Number(/\d+/.exec(etag)?.[0] ?? 0) + 1}"`;
    return Promise.resolve(this.etag);
  }
}

const CATALOG = 'https://contoso.test/sites/a';
const at = (state: 'connected' | 'lost', checkedAt: string): ConnectionRecord => ({
  ...emptyConnection(CATALOG, 'c1'), method: 'modern', account: { email: 'adele@contoso.test', displayName: 'Adele' }, health: { state, code: state === 'lost' ? 'TOKEN_REVOKED' : null, checkedAt }
});

describe('ConnectionWriter', () => {
  it('ConnectionWriter - two writes whose list copies end in the other order leave the list as the record is', async () => {
    const first = at('connected', '2026-12-03T10:00:00Z');
    const store = new MemoryConnections(first);
    const listed: string[] = [];
    let calls = 0;
    let releaseFirst = (): void => undefined;
    const mirror = (record: ConnectionRecord): Promise<void> => {
      calls++;
      if (calls === 1) {
        // The first write's copy is slow: it ends after the second write's.
        return new Promise((resolve) => { releaseFirst = () => { listed.push(record.health.state); resolve(); }; });
      }
      listed.push(record.health.state);
      return Promise.resolve();
    };
    const writer = new ConnectionWriter(store as unknown as ConnectionStore, { mirror });
    const slow = writer.write(emptyConnection(CATALOG, 'c1'), first, store.etag);
    await new Promise((resolve) => setImmediate(resolve));
    await writer.write(first, at('lost', '2026-12-03T10:00:01Z'), store.etag);
    expect(listed).toEqual(['lost']);
    releaseFirst();
    await slow;
    // The slow copy wrote the older state last; it read the record again and copied it once more.
    expect(listed).toEqual(['lost', 'connected', 'lost']);
  });

  it('ConnectionWriter - a check that could not tell (health "error") is recorded over a working connection, never over a lost one, and opens no incident', async () => {
    const lostCalls: ConnectionRecord[] = [];
    const working = new MemoryConnections(at('connected', '2026-12-03T10:00:00Z'));
    await new ConnectionWriter(working as unknown as ConnectionStore, { onLost: (r) => lostCalls.push(r) }).recordHealth(working.record, { state: 'error', code: 'SERVICE_UNAVAILABLE' });
    expect(working.record.health).toMatchObject({ state: 'error', code: 'SERVICE_UNAVAILABLE' });
    expect([working.record.incident ?? null, lostCalls]).toEqual([null, []]);
    const lost = new MemoryConnections(at('lost', '2026-12-03T10:00:00Z'));
    await new ConnectionWriter(lost as unknown as ConnectionStore, {}).recordHealth(lost.record, { state: 'error', code: 'SERVICE_UNAVAILABLE' });
    expect(lost.record.health).toEqual({ state: 'lost', code: 'TOKEN_REVOKED', checkedAt: '2026-12-03T10:00:00Z' });
  });

  it('ConnectionWriter - a working outcome does not undo a loss recorded after it began (a check signed in before the password changed, ending after a send found the loss); one that began after the loss restores the connection', async () => {
    const lossAt = Date.parse('2026-12-03T10:00:05Z');
    const restored: ConnectionRecord[] = [];
    const store = new MemoryConnections(at('lost', new Date(lossAt).toISOString()));
    const writer = new ConnectionWriter(store as unknown as ConnectionStore, { now: () => lossAt + 1000, onChange: (r) => restored.push(r) });
    await writer.recordHealth(store.record, { state: 'connected', code: null }, { used: true, since: lossAt - 1 });
    expect([store.record.health.state, store.record.lastTokenUseAt, restored]).toEqual(['lost', null, []]);
    // One that began after the loss was recorded restores the connection.
    await writer.recordHealth(store.record, { state: 'connected', code: null }, { used: true, since: lossAt + 1 });
    expect(store.record.health).toEqual({ state: 'connected', code: null, checkedAt: '2026-12-03T10:00:06.000Z' });
    expect(restored.map((r) => r.health.state)).toEqual(['connected']);
    // A loss is recorded whatever began when: a stale check cannot hide it.
    await writer.recordHealth(store.record, { state: 'lost', code: 'BAD_CREDENTIALS' }, { since: lossAt - 60_000 });
    expect(store.record.health.state).toBe('lost');
    // A check that began before a connected state was written is recorded (only a loss is kept).
    const working = new MemoryConnections(at('connected', new Date(lossAt).toISOString()));
    await new ConnectionWriter(working as unknown as ConnectionStore, {}).recordHealth(working.record, { state: 'connected', code: null }, { used: true, since: lossAt - 1 });
    expect(working.record.lastTokenUseAt).not.toBeNull();
  });

  it('ConnectionWriter - an outcome seen with an earlier connection (another id, or the generation before a reconnect) is left alone', async () => {
    const store = new MemoryConnections({ ...at('connected', '2026-12-03T10:00:00Z'), generation: 2 });
    const writer = new ConnectionWriter(store as unknown as ConnectionStore, {});
    await writer.recordHealth({ ...store.record, generation: 1 }, { state: 'lost', code: 'TOKEN_REVOKED' });
    await writer.recordHealth({ ...store.record, connectionId: 'c0' }, { state: 'lost', code: 'TOKEN_REVOKED' });
    expect(store.record.health.state).toBe('connected');
    await writer.recordHealth(store.record, { state: 'lost', code: 'TOKEN_REVOKED' });
    expect(store.record.health.state).toBe('lost');
  });

  it('ConnectionWriter - a copy that is still the record reads it once and stops', async () => {
    const store = new MemoryConnections(emptyConnection(CATALOG, 'c1'));
    const listed: ConnectionRecord[] = [];
    const writer = new ConnectionWriter(store as unknown as ConnectionStore, { mirror: (record) => { listed.push(record); return Promise.resolve(); } });
    await writer.write(store.record, at('connected', '2026-12-03T10:00:00Z'), store.etag);
    expect(listed.map((r) => r.health.state)).toEqual(['connected']);
    expect(store.reads).toBe(1);
  });

  it('ConnectionWriter - the write that resolves an incident counts the outbox then (the restored notice says what went out of what was held), once; without the counts it resolves all the same', async () => {
    const lost = followIncident(at('connected', 'T0'), at('lost', 'T1'), '2026-12-03T10:00:00Z', () => 'i1');
    const alerted = { ...lost, incident: noticeSent(lost.incident as Incident, 'alert', '2026-12-03T10:00:01Z') };
    const counts = { pending: 4, sent: 10, expired: 1, failed: 0 };
    const store = new MemoryConnections(alerted);
    let reads = 0;
    const writer = new ConnectionWriter(store as unknown as ConnectionStore, { counters: async () => ({ ...counts, sent: counts.sent + reads++ }) });
    const restored = await writer.update(CATALOG, (r) => ({ ...r, health: { state: 'connected', code: null, checkedAt: 'T2' } }));
    expect(restored.incident).toMatchObject({ id: 'i1', resolvedAt: expect.any(String), atResolution: counts });
    // A later write (a check) keeps the snapshot taken at the resolution.
    await writer.update(CATALOG, (r) => ({ ...r, health: { ...r.health, checkedAt: 'T3' } }));
    expect([store.record.incident?.atResolution, reads]).toEqual([counts, 1]);
    const failing = new ConnectionWriter(new MemoryConnections(alerted) as unknown as ConnectionStore, { counters: async () => { throw new Error('storage'); } });
    expect((await failing.update(CATALOG, (r) => ({ ...r, health: { state: 'connected', code: null, checkedAt: 'T2' } }))).incident).toMatchObject({ resolvedAt: expect.any(String), atResolution: null });
  });

  it('ConnectionWriter - a sending block is lifted by a send that went through after it was recorded, with the counts taken before what waited was sent; a block recorded after that send stays', async () => {
    const blockedAt = Date.parse('2026-12-03T10:00:00Z');
    const working = at('connected', '2026-12-03T09:00:00Z');
    const opened = followIncident(working, { ...working, blocked: { code: 'SEND_AS_DENIED', since: new Date(blockedAt).toISOString() } }, '2026-12-03T10:00:00Z', () => 'b1');
    const alerted = { ...opened, incident: noticeSent(opened.incident as Incident, 'alert', '2026-12-03T10:00:01Z') };
    const before = { pending: 2, sent: 10, expired: 0, failed: 0 };
    const changes: string[] = [];
    // The counters now: the drain already added what it sent.
    const store = new MemoryConnections(alerted);
    const writer = new ConnectionWriter(store as unknown as ConnectionStore, { counters: async () => ({ pending: 0, sent: 12, expired: 0, failed: 0 }), onChange: (_r, change) => changes.push(change) });
    // The drain's last message went before the block was recorded (a test email refused meanwhile): it stays.
    await writer.recordBlocked(store.record, null, { since: blockedAt - 1, atResolution: before });
    expect([store.record.blocked?.code, store.record.incident?.resolvedAt, changes]).toEqual(['SEND_AS_DENIED', null, []]);
    await writer.recordBlocked(store.record, null, { since: blockedAt + 1, atResolution: before });
    expect(store.record.blocked).toBeNull();
    expect(store.record.incident).toMatchObject({ id: 'b1', resolvedAt: expect.any(String), atResolution: before });
    expect(changes).toEqual(['unblocked']);
  });
});
