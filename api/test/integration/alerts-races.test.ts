import type { TableClient } from '@azure/data-tables';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiConfig } from '../../src/config/config';
import type { ConnectionService } from '../../src/connections/connectionService';
import { ConnectionStore } from '../../src/connections/connectionStore';
import { ConnectionRecord, emptyConnection, NEW_CONNECTION_ETAG } from '../../src/connections/model';
import type { AlertService } from '../../src/health/alerts';
import { ApiError } from '../../src/errors/apiError';
import { HealthMonitor } from '../../src/health/monitor';
import { openTables, TABLES } from '../../src/storage/tables';
import { RunningAzurite, startAzurite } from '../support/azurite';
import { gate, reachedBy } from '../support/gate';

jest.setTimeout(60_000);

const PERIOD_S = 60;
const T0 = Date.parse('2026-12-01T00:00:00Z');

const catalogs = ['a', 'b', 'c'].map((name): ConnectionRecord => ({
  ...emptyConnection(`https://t.test/sites/${name}`, `c-${name}`),
  method: 'modern',
  enabled: true,
  account: { email: `${name}@contoso.test`, displayName: name },
  health: { state: 'connected', code: null, checkedAt: null }
}));

/** The health monitor's job lease (the `mailboxes` table, partition `job`) on Azurite; catalogs, probes and alerts are fakes. */
describe('health monitor - one sweep at a time across instances (Azurite)', () => {
  let azurite: RunningAzurite;
  let leases: TableClient;
  let connectionsTable: TableClient;

  beforeAll(async () => {
    azurite = await startAzurite();
    const tables = await openTables(azurite.connectionString);
    leases = tables[TABLES.mailboxes];
    connectionsTable = tables[TABLES.connections];
  });

  afterAll(async () => {
    await azurite.stop();
  });

  const instance = (clock: { now: number }, probe: (record: ConnectionRecord) => Promise<'connected' | 'lost'>, connections?: ConnectionStore, service: Record<string, unknown> = {}): { monitor: HealthMonitor; probed: string[]; warned: Array<[Record<string, unknown>, string]>; dispatched: string[] } => {
    const probed: string[] = [];
    const warned: Array<[Record<string, unknown>, string]> = [];
    const dispatched: string[] = [];
    // One probe at a time: a stuck probe then holds the whole sweep, as HEALTH_PROBE_CONCURRENCY stuck ones would.
    const config = { alerts: { probeIntervalSeconds: PERIOD_S, probeConcurrency: 1 }, keepAliveIntervalSeconds: 0, roomAnswerIntervalSeconds: 0, outboxContentDays: 0, outboxHistoryDays: 0, outboxContentIntervalSeconds: 0 } as unknown as ApiConfig;
    const monitor = new HealthMonitor({
      config,
      leases,
      connections: connections ?? {
        all: async function* () {
          for (const record of catalogs) {
            yield { record, etag: '*' };
          }
        }
      } as unknown as ConnectionStore,
      service: {
        probe: async (record: ConnectionRecord) => {
          probed.push(record.catalog);
          return probe(record);
        },
        ...service
      } as unknown as ConnectionService,
      alerts: {
        dispatch: async (catalog: string) => {
          dispatched.push(catalog);
          return null;
        }
      } as unknown as AlertService,
      log: { info: () => undefined, warn: (fields: Record<string, unknown>, message: string) => warned.push([fields, message]), error: () => undefined } as unknown as FastifyBaseLogger,
      now: () => clock.now
    });
    return { monitor, probed, warned, dispatched };
  };

  it('lease - a sweep that outlasts its period keeps its lease while it makes progress, so a second instance does not sweep too', async () => {
    const clock = { now: T0 };
    const first = gate();
    const second = gate();
    const a = instance(clock, async (record) => {
      if (record.catalog.endsWith('/a')) {
        await first.wait();
      } else if (record.catalog.endsWith('/b')) {
        await second.wait();
      }
      return 'connected';
    });
    const b = instance(clock, async () => 'connected');
    const sweeping = a.monitor.runOnce('health-monitor');
    await reachedBy(first, sweeping);
    // The first catalog takes most of the period; the second one longer still.
    clock.now = T0 + 50_000;
    first.open();
    await reachedBy(second, sweeping);
    clock.now = T0 + 90_000;
    expect(await b.monitor.runOnce('health-monitor')).toBeUndefined();
    expect(b.probed).toEqual([]);
    second.open();
    expect(await sweeping).toMatchObject({ probed: 3 });
  });

  it('lease - a sweep stuck on one catalog lets its lease lapse, and another instance sweeps; the stuck one, once it goes on, stops', async () => {
    const clock = { now: T0 + 10 * 60_000 };
    const stuck = gate();
    const a = instance(clock, async (record) => {
      if (record.catalog.endsWith('/a')) {
        await stuck.wait();
      }
      return 'connected';
    });
    const b = instance(clock, async () => 'connected');
    const sweeping = a.monitor.runOnce('health-monitor');
    await reachedBy(stuck, sweeping);
    clock.now += 2 * PERIOD_S * 1000;
    expect(await b.monitor.runOnce('health-monitor')).toMatchObject({ probed: 3 });
    stuck.open();
    await sweeping;
    // A's sweep saw its lease taken at its next renewal and probed no more catalogs.
    expect(a.probed).toEqual(['https://t.test/sites/a']);
  });

  // KNOWN FAULT, outside api/src/health: ConnectionStore.all() parses each row inside its listing's
  // try, so one unparsable record ends the listing (SERVICE_UNAVAILABLE, upstream storage) for every catalog after
  // it, on every sweep (and keep-alive, and retention). `.failing` until all() skips such a row.
  it('hostile values - a stored record that does not parse stops the sweep for that catalog only', async () => {
    const unreadable: string[] = [];
    const store = new ConnectionStore(connectionsTable, 0, (partition) => unreadable.push(partition));
    for (const record of catalogs) {
      await store.write(record, NEW_CONNECTION_ETAG);
    }
    // Listed first: partition keys are hex hashes of the catalogs.
    await connectionsTable.createEntity({ partitionKey: '0', rowKey: 'connection', catalog: 'https://t.test/sites/broken', record: '{"catalog": "https://t.test/sites/broken", "incident": ' });
    const { monitor, probed } = instance({ now: T0 }, async () => 'connected', store);
    const result = await monitor.sweep();
    expect(probed.sort()).toEqual(catalogs.map((c) => c.catalog).sort());
    expect(result).toMatchObject({ probed: 3 });
    expect(unreadable).toEqual(['0']);
  });

  it('a job that fails says what answered: its line carries the code and the upstream, as a lease fault\'s does', async () => {
    const failing = {
      all: async function* () {
        yield* [];
        throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'storage tables 503' });
      }
    } as unknown as ConnectionStore;
    const { monitor, warned } = instance({ now: T0 + 40 * PERIOD_S * 1000 }, async () => 'connected', failing);
    expect(await monitor.runOnce('health-monitor')).toBeUndefined();
    expect(warned).toEqual([[{ job: 'health-monitor', code: 'SERVICE_UNAVAILABLE', upstream: 'storage tables 503' }, 'job failed']]);
  });

  it('the API\'s own rights refused: its mailbox check refused still lets a catalog\'s incident notices go; its credentials refused (the system sender\'s too) do not try them', async () => {
    const withIncident = catalogs.map((record) => ({ ...record, health: { state: 'lost' as const, code: 'TOKEN_REVOKED' as const, checkedAt: null }, incident: { id: `i-${record.catalog}` } }) as unknown as ConnectionRecord);
    const store = {
      all: async function* () {
        for (const record of withIncident) {
          yield { record, etag: '*' };
        }
      }
    } as unknown as ConnectionStore;
    const permission = instance({ now: T0 + 50 * PERIOD_S * 1000 }, async () => {
      throw new ApiError('SERVICE_PERMISSION_MISSING', { upstream: 'Graph 403 ErrorAccessDenied (app-only mailboxSettings)' });
    }, store);
    expect(await permission.monitor.runOnce('health-monitor')).toMatchObject({ mailboxCheckRefused: 3, lost: 0, restored: 0 });
    expect(permission.dispatched.sort()).toEqual(catalogs.map((c) => c.catalog).sort());
    const credentials = instance({ now: T0 + 60 * PERIOD_S * 1000 }, async () => {
      throw new ApiError('SERVICE_CREDENTIALS_REJECTED', { upstream: 'AADSTS7000222' });
    }, store);
    expect(await credentials.monitor.runOnce('health-monitor')).toMatchObject({ failed: 1, skipped: 2 });
    expect(credentials.dispatched).toEqual([]);
  });

  it('keep-alive - asked before each refresh whether to go on: a shutdown ends it after the catalog at hand, as the sweep does', async () => {
    const answers: boolean[] = [];
    const running: { monitor?: HealthMonitor } = {};
    const keepAlive = async (_now: unknown, goOn: () => Promise<boolean>): Promise<Record<string, number>> => {
      answers.push(await goOn());
      await running.monitor?.stop();
      answers.push(await goOn());
      return { refreshed: 1, lost: 0 };
    };
    running.monitor = instance({ now: T0 }, async () => 'connected', undefined, { keepAlive }).monitor;
    expect(await running.monitor.runOnce('keep-alive')).toMatchObject({ refreshed: 1 });
    expect(answers).toEqual([true, false]);
  });
});
