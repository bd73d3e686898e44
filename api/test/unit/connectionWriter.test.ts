import type { ConnectionStore } from '../../src/connections/connectionStore';
import { ConnectionWriter } from '../../src/connections/connectionWriter';
import { emptyConnection, type ConnectionRecord } from '../../src/connections/model';

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

  it('ConnectionWriter - a copy that is still the record reads it once and stops', async () => {
    const store = new MemoryConnections(emptyConnection(CATALOG, 'c1'));
    const listed: ConnectionRecord[] = [];
    const writer = new ConnectionWriter(store as unknown as ConnectionStore, { mirror: (record) => { listed.push(record); return Promise.resolve(); } });
    await writer.write(store.record, at('connected', '2026-12-03T10:00:00Z'), store.etag);
    expect(listed.map((r) => r.health.state)).toEqual(['connected']);
    expect(store.reads).toBe(1);
  });
});
