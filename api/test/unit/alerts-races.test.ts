import { ConnectionRecord, emptyConnection } from '../../src/connections/model';
import type { ConnectionStore } from '../../src/connections/connectionStore';
import { ConnectionWriter } from '../../src/connections/connectionWriter';
import { ApiError } from '../../src/errors/apiError';
import { AlertDeps, AlertService } from '../../src/health/alerts';
import { dueNotice, followIncident, Incident } from '../../src/health/incident';
import { gate, reachedBy } from '../support/gate';

const CATALOG = 'https://t.test/sites/a';
const T0 = Date.parse('2026-12-01T00:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;

const connectedRecord = (): ConnectionRecord => ({ ...emptyConnection(CATALOG, 'c1'), method: 'modern', enabled: true, account: { email: 'adele@contoso.test', displayName: 'Adele' }, health: { state: 'connected', code: null, checkedAt: null } });
const lostRecord = (): ConnectionRecord => followIncident(connectedRecord(), { ...connectedRecord(), health: { state: 'lost', code: 'TOKEN_REVOKED', checkedAt: null } }, new Date(T0).toISOString(), () => 'i1');

interface Posted {
  internetMessageId: string;
  subject: string;
}

/**
 * One stored record shared by every "instance": a store with ETags (a conditional write that lost
 * the race is CHANGED_BY_SOMEONE_ELSE) under the real ConnectionWriter, and one clock.
 */
class World {
  public record: ConnectionRecord;
  private version = 1;
  public clock = T0 + 1000;
  public readonly posted: Posted[] = [];
  public readonly store: ConnectionStore;
  public readonly writer: ConnectionWriter;

  public constructor(record: ConnectionRecord = lostRecord()) {
    this.record = record;
    const store = {
      read: async () => ({ record: JSON.parse(JSON.stringify(this.record)) as ConnectionRecord, etag: String(this.version) }),
      write: async (next: ConnectionRecord, etag: string) => {
        if (etag !== String(this.version)) {
          throw new ApiError('CHANGED_BY_SOMEONE_ELSE');
        }
        this.record = JSON.parse(JSON.stringify(next)) as ConnectionRecord;
        this.version++;
        return String(this.version);
      }
    };
    this.store = store as unknown as ConnectionStore;
    this.writer = new ConnectionWriter(this.store, { now: () => this.clock });
  }

  /** An API instance's alerts; `graph` may hold a request (languages: GET, the mail: POST) before it answers. */
  public instance(graph: (method: string) => Promise<void> = async () => undefined): AlertService {
    const deps = {
      config: { sender: 'notifications@contoso.test', lmsAdmins: ['megan@contoso.test'], reminderDays: 3, settingsPagePath: '/p', probeIntervalSeconds: 0 },
      connections: this.store,
      writer: this.writer,
      counters: async () => ({ pending: 0, sent: 0, expired: 0, failed: 0 }),
      graph: {
        request: async (_token: string, method: string, _path: string, body?: { message: Posted }) => {
          await graph(method);
          if (method === 'GET') {
            return { language: { locale: 'en-US' } };
          }
          this.posted.push({ internetMessageId: body?.message.internetMessageId ?? '', subject: body?.message.subject ?? '' });
          return undefined;
        }
      },
      appToken: async () => 'token',
      log: { warn: () => undefined, info: () => undefined },
      now: () => this.clock
    } as unknown as AlertDeps;
    return new AlertService(deps);
  }

  public incident(): Incident {
    return this.record.incident as Incident;
  }
}

/** A notice dispatched while the connection works again during its recipients' language lookups: what dispatch answers. */
async function restoredWhileLookingUp(world: World): Promise<string | null> {
  const lookup = gate();
  const sending = world.instance(async (method) => (method === 'GET' ? lookup.wait() : undefined)).dispatch(CATALOG);
  await reachedBy(lookup, sending);
  await world.writer.update(CATALOG, (r) => ({ ...r, health: { state: 'connected', code: null, checkedAt: null } }));
  lookup.open();
  return sending;
}

describe('incident notices under races (fakes: one shared record, the real ConnectionWriter)', () => {
  it('reminders - each reminder of an incident has its own internetMessageId (a mailbox drops a second message with the same id); a retry of one keeps it', async () => {
    const world = new World();
    let failNext = false;
    const alerts = world.instance(async (method) => {
      if (method === 'POST' && failNext) {
        failNext = false;
        throw new ApiError('SERVICE_UNAVAILABLE');
      }
    });
    expect(await alerts.dispatch(CATALOG)).toBe('alert');
    world.clock += 3 * DAY;
    expect(await alerts.dispatch(CATALOG)).toBe('reminder');
    world.clock += 3 * DAY;
    expect(await alerts.dispatch(CATALOG)).toBe('reminder');
    // The third reminder fails once, and is sent again once its claim lapsed.
    world.clock += 3 * DAY;
    failNext = true;
    expect(await alerts.dispatch(CATALOG)).toBeNull();
    world.clock += 6 * MINUTE;
    expect(await alerts.dispatch(CATALOG)).toBe('reminder');
    const ids = world.posted.map((p) => p.internetMessageId);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
    expect(ids.every((id) => id.startsWith('<incident-i1.'))).toBe(true);
  });

  it('restored - an incident resolved while its alert is on its way still gets its restored notice, after the alert, once', async () => {
    const world = new World();
    const post = gate();
    const a = world.instance(async (method) => (method === 'POST' ? post.wait() : undefined));
    const b = world.instance();
    const sending = a.dispatch(CATALOG);
    await reachedBy(post, sending);
    // The connection works again while the alert is being sent.
    await world.writer.update(CATALOG, (r) => ({ ...r, health: { state: 'connected', code: null, checkedAt: null } }));
    expect(world.incident().resolvedAt).not.toBeNull();
    // No restored notice before the alert went out.
    expect(await b.dispatch(CATALOG)).toBeNull();
    post.open();
    expect(await sending).toBe('alert');
    expect(await b.dispatch(CATALOG)).toBe('restored');
    expect(await b.dispatch(CATALOG)).toBeNull();
    expect(world.posted.map((p) => p.subject.split(':')[0])).toEqual(['Action needed', 'Restored']);
  });

  it('restored - an incident resolved while its alert was claimed but never sent owes nothing', async () => {
    const world = new World();
    const a = world.instance(async (method) => {
      if (method === 'POST') {
        throw new ApiError('SERVICE_UNAVAILABLE');
      }
    });
    expect(await a.dispatch(CATALOG)).toBeNull();
    await world.writer.update(CATALOG, (r) => ({ ...r, health: { state: 'connected', code: null, checkedAt: null } }));
    world.clock += 10 * MINUTE;
    expect(await world.instance().dispatch(CATALOG)).toBeNull();
    expect(world.posted).toEqual([]);
  });

  it('restored - a connection that works again while the alert\'s languages are looked up (before any mail) is not announced: neither the alert nor a restored notice goes', async () => {
    const world = new World();
    expect(await restoredWhileLookingUp(world)).toBeNull();
    world.clock += 10 * MINUTE;
    expect(await world.instance().dispatch(CATALOG)).toBeNull();
    expect(world.posted).toEqual([]);
  });

  it('reminders - a reminder whose connection works again before its first mail is not sent; the restored notice is', async () => {
    const world = new World();
    expect(await world.instance().dispatch(CATALOG)).toBe('alert');
    world.clock += 3 * DAY;
    expect(await restoredWhileLookingUp(world)).toBeNull();
    expect(await world.instance().dispatch(CATALOG)).toBe('restored');
    expect(world.posted.map((p) => p.subject.split(':')[0])).toEqual(['Action needed', 'Restored']);
  });

  it('restored - a restored notice whose connection is lost again while its languages are looked up is not sent: the new incident\'s alert is, and nobody reads "restored" after it', async () => {
    const world = new World();
    expect(await world.instance().dispatch(CATALOG)).toBe('alert');
    await world.writer.update(CATALOG, (r) => ({ ...r, health: { state: 'connected', code: null, checkedAt: null } }));
    const lookup = gate();
    const restoring = world.instance(async (method) => (method === 'GET' ? lookup.wait() : undefined)).dispatch(CATALOG);
    await reachedBy(lookup, restoring);
    // Lost again (a new incident), and another instance's sweep sends its alert first.
    world.clock += MINUTE;
    await world.writer.update(CATALOG, (r) => ({ ...r, health: { state: 'lost', code: 'BAD_CREDENTIALS', checkedAt: null } }));
    expect(world.incident().id).not.toBe('i1');
    expect(await world.instance().dispatch(CATALOG)).toBe('alert');
    lookup.open();
    expect(await restoring).toBeNull();
    expect(world.posted.map((p) => p.subject.split(':')[0])).toEqual(['Action needed', 'Action needed']);
    expect(world.incident().resolvedAt).toBeNull();
  });

  it('claims - a claim that lapses while its sender is still looking up languages is not sent by two workers', async () => {
    const world = new World({ ...lostRecord(), alertRecipients: ['a1@contoso.test', 'a2@contoso.test'] });
    const b = world.instance();
    let lookups = 0;
    // Instance A's mailbox-language lookups are slow: the claim lapses meanwhile, and B's sweep comes by.
    const a = world.instance(async (method) => {
      if (method === 'GET' && ++lookups === 2) {
        world.clock += 6 * MINUTE;
        await b.dispatch(CATALOG);
      }
    });
    await a.dispatch(CATALOG);
    expect(world.posted.filter((p) => p.subject.startsWith('Action needed'))).toHaveLength(1);
    expect(world.incident().alert.sentAt).not.toBeNull();
  });

  it('claims - a claim that lapses while its sender is slow, with nobody else taking it, is still sent once and recorded', async () => {
    const world = new World();
    const a = world.instance(async (method) => {
      if (method === 'GET') {
        world.clock += 6 * MINUTE;
      }
    });
    expect(await a.dispatch(CATALOG)).toBe('alert');
    expect(world.posted).toHaveLength(1);
    expect(world.incident().alert).toMatchObject({ claimedUntil: null });
    expect(world.incident().alert.sentAt).not.toBeNull();
  });

  it('hostile values - an unparsable claim date does not keep a notice from ever going', () => {
    const incident = lostRecord().incident as Incident;
    expect(dueNotice({ ...incident, alert: { claimedUntil: 'not a date', sentAt: null } }, T0, 3 * DAY)).toBe('alert');
    expect(dueNotice({ ...incident, alert: { claimedUntil: null, sentAt: 'garbage' } }, T0, 3 * DAY)).toBe('reminder');
  });

  it('hostile values - a corrupt incident on a stored record does not make every write of it throw', () => {
    const corrupt = { ...connectedRecord(), incident: {} as Incident };
    expect(() => followIncident(corrupt, { ...corrupt, enabled: false }, 'T1')).not.toThrow();
  });
});
