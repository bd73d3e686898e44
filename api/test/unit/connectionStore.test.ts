import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { ConnectionStore } from '../../src/connections/connectionStore';
import { emptyConnection, NEW_CONNECTION_ETAG } from '../../src/connections/model';
import { azuriteConnectionString } from '../../src/config/config';
import { openTables } from '../../src/storage/tables';
import { RunningAzurite, startAzurite } from '../support/azurite';

describe('ConnectionStore view cache (Azurite)', () => {
  let azurite: RunningAzurite;
  let store: ConnectionStore;
  /** While set, a write (PUT, POST, MERGE: a row or a $batch) waits for it before it is sent. */
  let hold: Promise<void> | undefined;
  const heldWrite: PipelinePolicy = {
    name: 'hold-writes',
    sendRequest: async (request, next) => {
      if (hold && request.method !== 'GET') {
        await hold;
      }
      return next(request);
    }
  };

  beforeAll(async () => {
    azurite = await startAzurite();
    const tables = await openTables(azuriteConnectionString(azurite.tablePort, azurite.queuePort), heldWrite);
    store = new ConnectionStore(tables.connections, 60_000);
  });
  afterAll(async () => azurite.stop());

  /** A view read while `write` is on its way (it reads, and caches, the record before it). */
  async function readDuring<T>(write: () => Promise<T>): Promise<void> {
    let release!: () => void;
    hold = new Promise<void>((resolve) => { release = resolve; });
    const written = write();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.readForView(CATALOG);
    hold = undefined;
    release();
    await written;
  }

  const CATALOG = 'https://contoso.sharepoint.com/sites/catalog-a';

  it('a view read during a write does not outlive it: the next view shows what was written (write and commit)', async () => {
    const first = { ...emptyConnection(CATALOG, 'id'), enabled: false };
    await readDuring(() => store.write(first, NEW_CONNECTION_ETAG));
    const afterWrite = await store.readForView(CATALOG);
    expect(afterWrite.etag).not.toBe(NEW_CONNECTION_ETAG);

    await readDuring(() => store.commit({ ...first, enabled: true }, afterWrite.etag, { remove: true }));
    const afterCommit = await store.readForView(CATALOG);
    expect(afterCommit.record.enabled).toBe(true);
    expect(afterCommit.etag).not.toBe(afterWrite.etag);
  });
});
