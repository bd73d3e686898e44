import net from 'node:net';
import { azuriteConnectionString } from '../../src/config/config';
import { READY_DEADLINE_MS } from '../../src/health/routes';
import { KekRing, keyVaultError, type KeyEncryptionKey } from '../../src/secrets/kek';
import { WakeQueue } from '../../src/sending/wakeQueue';
import { openTables, queueClient, storageError, TABLES } from '../../src/storage/tables';
import { startAzurite, RunningAzurite } from '../support/azurite';
import { inProcessApi, InProcessApi } from '../support/inProcessApi';
import { testConfig } from '../support/testConfig';

type Mode = 'pass' | 'refuse' | 'stall' | 'stall-once';

/**
 * A TCP hop in front of one Azurite service that can pass traffic, refuse it (as a service that is
 * down or a missing route) or stall it (a connection that accepts and never answers).
 */
async function hop(targetPort: number): Promise<{ port: number; set(mode: Mode): void; close(): Promise<void> }> {
  let mode: Mode = 'pass';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    if (mode === 'stall' || mode === 'stall-once') {
      // 'stall-once': this connection hangs, the next ones pass.
      mode = mode === 'stall-once' ? 'pass' : mode;
      client.resume();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    set: (next) => {
      mode = next;
      // Kept-alive connections would carry on as before.
      sockets.forEach((s) => s.destroy());
    },
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((resolve) => server.close(() => resolve()));
    }
  };
}

describe('readiness (R-OPS-5): each part of storage, and a deadline', () => {
  let azurite: RunningAzurite;
  let tables: Awaited<ReturnType<typeof hop>>;
  let queue: Awaited<ReturnType<typeof hop>>;
  let api: InProcessApi;
  /** The API's key: Key Vault answers, or refuses it (403, as when the identity's role on it was removed). */
  let vaultRefuses = false;
  const vaultKey: KeyEncryptionKey = {
    keyId: 'https://vault.example/keys/lms-kek/1',
    wrap: async (dataKey) => {
      if (vaultRefuses) throw keyVaultError({ statusCode: 403, code: 'Forbidden' });
      return dataKey;
    },
    unwrap: async (wrapped) => {
      if (vaultRefuses) throw keyVaultError({ statusCode: 403, code: 'Forbidden' });
      return wrapped;
    }
  };
  const kek = new KekRing(vaultKey);

  beforeAll(async () => {
    azurite = await startAzurite();
    [tables, queue] = await Promise.all([hop(azurite.tablePort), hop(azurite.queuePort)]);
    api = await inProcessApi(testConfig({ STORAGE_CONNECTION_STRING: azuriteConnectionString(tables.port, queue.port), SEND_WORKER: 'false', GRAPH_URL: 'https://127.0.0.1:9/v1.0' }), { kek });
  });

  afterAll(async () => {
    await api?.close();
    await Promise.all([tables?.close(), queue?.close()]);
    await azurite?.stop();
  });

  const ready = async (): Promise<{ status: number; upstream?: string; ms: number }> => {
    const started = Date.now();
    const res = await api.app.inject({ method: 'GET', url: '/readyz' });
    return { status: res.statusCode, upstream: res.statusCode === 200 ? undefined : (res.json() as { upstream?: string }).upstream, ms: Date.now() - started };
  };

  afterEach(() => {
    tables.set('pass');
    queue.set('pass');
  });

  it('ready while the tables and the queue answer', async () => {
    expect(await ready()).toMatchObject({ status: 200 });
  });

  it('not ready while Key Vault refuses the API\'s key at its last use (no stored secret opens); ready again once a wrap or unwrap works', async () => {
    vaultRefuses = true;
    await expect(kek.unwrap(Buffer.alloc(32))).rejects.toMatchObject({ code: 'SERVICE_KEY_UNAVAILABLE' });
    const res = await api.app.inject({ method: 'GET', url: '/readyz' });
    expect([res.statusCode, res.json().code, res.json().upstream]).toEqual([503, 'SERVICE_KEY_UNAVAILABLE', 'keyvault 403 Forbidden']);
    vaultRefuses = false;
    await kek.wrap(Buffer.alloc(32));
    expect(await ready()).toMatchObject({ status: 200 });
  });

  it('not ready when the queue is down though the tables answer: the LMS could queue nothing, and the answer says which part', async () => {
    queue.set('refuse');
    // "unreachable", or - while the queue SDK is still retrying - no answer within the deadline.
    expect(await ready()).toMatchObject({ status: 503, upstream: expect.stringMatching(/^storage queue( unreachable|: no answer within \d+ s)$/) });
    queue.set('pass');
    expect(await ready()).toMatchObject({ status: 200 });
  });

  it('not ready within its deadline when the tables accept and never answer (a stalled storage held it for minutes)', async () => {
    tables.set('stall');
    const answer = await ready();
    expect(answer).toMatchObject({ status: 503, upstream: `storage tables: no answer within ${READY_DEADLINE_MS / 1000} s` });
    expect(answer.ms).toBeLessThan(READY_DEADLINE_MS + 3000);
  }, 20_000);

  // Short bounds for the test (the API's: 10 s a try, 30 s a call).
  const timeouts = { tryMs: 500, callMs: 3000 };
  const connection = (): string => azuriteConnectionString(tables.port, queue.port);

  it('a table call meets a stalled storage: each try ends at its bound and is retried, the call fails at its own bound as a storage timeout instead of waiting for ever', async () => {
    const clients = await openTables(connection(), undefined, timeouts);
    tables.set('stall');
    const started = Date.now();
    const error = await clients[TABLES.connections].getEntity('p', 'r').then(() => undefined, (e: unknown) => e);
    const ms = Date.now() - started;
    expect(storageError(error)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', upstream: 'storage timeout' });
    expect(ms).toBeGreaterThanOrEqual(timeouts.callMs - 100);
    expect(ms).toBeLessThan(timeouts.callMs + 2000);
  }, 20_000);

  it('a try that hangs once is retried like a network fault: the call succeeds', async () => {
    // A try's bound well above what a loaded two-core CI takes to answer (the short one above timed a
    // slow but answering second try out too), and a call's room for the retry's back-off after it.
    const roomy = { tryMs: 2000, callMs: 15_000 };
    const clients = await openTables(connection(), undefined, roomy);
    await clients[TABLES.connections].upsertEntity({ partitionKey: 'p', rowKey: 'once', v: 1 });
    tables.set('stall-once');
    const started = Date.now();
    await expect(clients[TABLES.connections].getEntity('p', 'once')).resolves.toMatchObject({ v: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(roomy.tryMs - 50);
  }, 30_000);

  it('a caller\'s own abort still ends a table call as an abort, not a timeout', async () => {
    const clients = await openTables(connection(), undefined, timeouts);
    tables.set('stall');
    const error = await clients[TABLES.connections].getEntity('p', 'r', { abortSignal: AbortSignal.timeout(200) }).then(() => undefined, (e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
  }, 20_000);

  it('a queue call meets a stalled queue: it fails at its bound (the SDK\'s own try timeout only asks the server)', async () => {
    const wakes = await WakeQueue.open(queueClient(connection()), undefined, timeouts.callMs);
    queue.set('stall');
    const started = Date.now();
    const error = await wakes.wake('https://t.test/sites/a').then(() => undefined, (e: unknown) => e);
    const ms = Date.now() - started;
    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', upstream: 'storage timeout' });
    expect(ms).toBeLessThan(timeouts.callMs + 2000);
  }, 20_000);
});
