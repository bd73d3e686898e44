import { randomUUID } from 'node:crypto';
import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';
import { loadConfig } from '../../src/config/config';
import { ApiError } from '../../src/errors/apiError';
import type { MailTransport } from '../../src/mail/transport';
import { RunningApi, startApi } from '../../src/server';
import type { StoredItem } from '../../src/sending/outboxStore';
import { SessionInvitations } from '../../src/sessions/invitations';
import type { SessionStore } from '../../src/sessions/sessionStore';
import { StorageMeter } from '../../src/storage/meter';
import { LogCapture } from '../support/inProcessApi';
import { reachedBy } from '../support/gate';
import { apiEnv, appToken, catalogPath, connectClassic, connectModern, eventually, inbox, MailboxMessage, NEXT_YEAR, setEnabled } from '../support/sending';
import { useStack } from '../support/stack';

jest.setTimeout(120_000);

const SCALE = 60;

/**
 * Sends the first table request `armed` matches twice, as the storage client's retry policy does
 * when the answer to a write that landed is lost (a timeout, a connection reset, a 500 after the
 * commit): the repeat meets the write's own change (412 on an ETag, 409 on a create).
 */
class LostAnswer extends StorageMeter {
  public armed?: (request: PipelineRequest) => boolean;
  public repeated = 0;

  public override readonly policy: PipelinePolicy = {
    name: 'lostAnswer',
    sendRequest: async (request, next) => {
      if (this.armed?.(request)) {
        this.armed = undefined;
        await next(request);
        this.repeated++;
      }
      return next(request);
    }
  };
}

/** A session row's write that records a pass's outcome (an attempt's write leaves the outcome empty). */
const outcomeWrite = (request: PipelineRequest): boolean =>
  request.method === 'PUT' && decodeURIComponent(request.url).includes('/sessions(') && typeof request.body === 'string' && request.body.includes('"outcome":"{');

/** A transport whose submissions (Graph POST/PATCH) wait at a gate until the test opens it. */
function gated(real: MailTransport): { transport: MailTransport; reached: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  let arrive = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const transport = Object.assign(Object.create(real) as MailTransport, {
    submit: async (method: string, path: string, body: unknown) => {
      arrive();
      await gate;
      return (real as unknown as { submit: (m: string, p: string, b: unknown) => Promise<unknown> }).submit(method, path, body);
    }
  });
  return { transport, reached, open };
}

describe('sessions - races and lost answers (real API, local tenant, Azurite over loopback)', () => {
  // This process's API only takes the LMS's requests; each test starts the worker it needs, or runs passes itself.
  const stack = useStack({ SEND_WORKER: 'false', SEND_TIME_SCALE: String(SCALE), ROOM_ANSWER_INTERVAL_SECONDS: '0' }, { tenantTimeScale: SCALE, reset: 'tenant+storage' });
  let lms: string;
  let catalogA: string;
  let catalogB: string;
  const workers: RunningApi[] = [];

  beforeEach(async () => {
    catalogA = stack.catalogUrl('catalog-a');
    catalogB = stack.catalogUrl('catalog-b');
    lms = await appToken(stack);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
  });

  const startWorker = async (meter?: StorageMeter): Promise<RunningApi> => {
    const worker = await startApi(loadConfig({ ...process.env, ...apiEnv(stack) }), { logDestination: new LogCapture(), ...(meter ? { storageMeter: meter } : {}) });
    workers.push(worker);
    return worker;
  };
  const stopWorker = async (worker: RunningApi): Promise<void> => {
    workers.splice(workers.indexOf(worker), 1);
    await worker.close();
  };
  const put = (catalog: string, id: string, body: Record<string, unknown>) => stack.call('PUT', catalogPath(catalog, `/sessions/${id}`), { token: lms, body });
  const status = (catalog: string, id: string) => stack.call('GET', catalogPath(catalog, `/sessions/${id}`), { token: lms });
  const session = (revision: number, extra: Record<string, unknown> = {}) => ({
    revision,
    title: 'Safety training',
    start: { dateTime: `${NEXT_YEAR}-06-10T10:00:00`, timeZone: 'Asia/Tokyo' },
    end: { dateTime: `${NEXT_YEAR}-06-10T11:30:00`, timeZone: 'Asia/Tokyo' },
    attendees: [{ email: 'learner1@contoso.test' }],
    ...extra
  });
  const subjects = async (upn: string): Promise<string[]> => (await inbox(stack, upn)).map((m: MailboxMessage) => m.subject);
  /** The mailbox's subjects once at least `count` messages are in (a delivery may follow its send a moment later). */
  const arrived = (upn: string, count: number): Promise<string[]> => eventually(async () => {
    const got = await subjects(upn);
    return got.length >= count ? got : undefined;
  }, 10_000, `${count} messages for ${upn}`);
  /** The catalog's outbox items once `count` of them are final (sent, failed, expired): what they sent is in. */
  const finalItems = (catalog: string, admin: string, count: number): Promise<string[]> => eventually(async () => {
    const res = await stack.call('GET', catalogPath(catalog, '/deliveries?limit=100'), { token: await stack.token(admin) });
    const items = res.body.items as Array<{ status: string }>;
    return items.length === count && items.every((i) => ['sent', 'failed', 'expired'].includes(i.status)) ? items.map((i) => i.status) : undefined;
  }, 60_000, `${count} items to be final`);
  const connected = async (transport: 'graph' | 'smtp'): Promise<{ catalog: string; admin: string }> => {
    if (transport === 'graph') {
      await connectModern(stack, 'adele@contoso.test', catalogA);
      await setEnabled(stack, 'adele@contoso.test', catalogA, true);
      return { catalog: catalogA, admin: 'adele@contoso.test' };
    }
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    return { catalog: catalogB, admin: 'alex@contoso.test' };
  };
  /** The local tenant's events as its admin view keeps them: the regular id and the immutable one (what the API asks Graph for). */
  type Events = Array<{ id: string; immutableId: string; subject: string; isCancelled: boolean }>;
  const isEvent = (e: Events[number], id: string | null | undefined): boolean => e.id === id || e.immutableId === id;
  const events = async (upn: string): Promise<Events> => ((await (await fetch(`${stack.tenant.origin}/_admin/mailboxes/${encodeURIComponent(upn)}/events`)).json()) as { value: Events }).value;
  const internals = () => (stack.api.sessions as unknown as { deps: { sessions: SessionStore; connections: { read: (c: string) => Promise<{ record: unknown }> }; credentials: { open: (r: unknown) => Promise<MailTransport> } } }).deps;

  it.each(['graph', 'smtp'] as const)('%s - a pass whose record landed but whose answer was lost (the storage client repeats the write and meets its own change) is not taken for another worker\'s: the invitation goes once', async (transport) => {
    const { catalog, admin } = await connected(transport);
    const meter = new LostAnswer();
    meter.armed = outcomeWrite;
    const id = `s-${randomUUID()}`;
    expect((await put(catalog, id, session(1))).status).toBe(202);
    await startWorker(meter);
    await finalItems(catalog, admin, 1);
    expect(meter.repeated).toBe(1);
    expect((await status(catalog, id)).body).toMatchObject({ status: 'scheduled', sentRevision: 1 });
    expect(await arrived('learner1@contoso.test', 1)).toEqual(['Safety training']);
  });

  it('one session put under two spellings of its catalog URL (the same site) - the worker takes both items, and their passes run one at a time: one update, of the latest revision', async () => {
    const { catalog, admin } = await connected('graph');
    const id = `s-${randomUUID()}`;
    expect((await put(catalog, id, session(1))).status).toBe(202);
    const first = await startWorker();
    await finalItems(catalog, admin, 1);
    await stopWorker(first);
    // A site's path is the same site in any case: the API keeps both spellings in one catalog.
    const shouting = catalog.replace('/sites/catalog-a', '/sites/Catalog-A');
    expect((await put(catalog, id, session(2, { title: 'Moving' }))).status).toBe(202);
    expect((await put(shouting, id, session(3, { title: 'Moved' }))).status).toBe(202);
    await startWorker();
    await finalItems(catalog, admin, 3);
    expect((await status(shouting, id)).body).toMatchObject({ status: 'updated', sentRevision: 3 });
    expect(await arrived('learner1@contoso.test', 2)).toEqual(['Safety training', 'Updated: Moved']);
  });

  it('notifications queued under two spellings of the catalog URL - a drain woken under one spelling sends the other\'s too (it stalled on them, retrying for ever)', async () => {
    const { catalog, admin } = await connected('graph');
    const shouting = catalog.replace('/sites/catalog-a', '/sites/Catalog-A');
    const notify = (c: string, subject: string) => stack.call('POST', catalogPath(c, '/notifications'), { token: lms, body: { to: ['learner1@contoso.test'], subject, text: 'x' }, headers: { 'idempotency-key': subject } });
    expect((await notify(catalog, 'as spelt')).status).toBe(202);
    expect((await notify(shouting, 'shouted')).status).toBe(202);
    await startWorker();
    expect(await finalItems(catalog, admin, 2)).toEqual(['sent', 'sent']);
    expect((await arrived('learner1@contoso.test', 2)).sort()).toEqual(['as spelt', 'shouted']);
  });

  it.each([['as first spelt', false], ['its site\'s path in capitals', true]] as const)('two workers on one session\'s first create (a claim that lapsed), the catalog %s in the later put - the slower create lands first under the same transactionId: no second meeting is made, the one made is changed to the latest revision', async (_spelling, shout) => {
    const { catalog } = await connected('graph');
    const deps = internals();
    const id = `s-${randomUUID()}`;
    const desired = { revision: 1, cancelled: false, title: 'First', start: session(1).start, end: session(1).end, attendees: [{ email: 'learner1@contoso.test', role: 'required' as const }], room: null, teams: false };
    await deps.sessions.write({ sessionId: id, catalog, desired, desiredHash: 'r1', desiredCanonical: 'r1', sent: null, attempt: null, firstSentRevision: null, outcome: null, updatedAt: '' }, null);
    const real = await deps.credentials.open((await deps.connections.read(catalog)).record);
    const item = { catalog, session: id } as unknown as StoredItem;
    const outcome = (pass: Promise<unknown>): Promise<string> => pass.then(() => 'done', (error: unknown) => (error instanceof ApiError ? error.code : 'thrown'));
    try {
      // One worker's create of revision 1 is on its way to Graph (its attempt stored) and slow.
      const slow = gated(real);
      const first = outcome(new SessionInvitations({ sessions: deps.sessions, domain: 'one.test', roomName: async () => null }).send(item, slow.transport));
      await reachedBy(slow, first);
      // The LMS puts revision 2; another worker (the first one's claim lapsed) finds no event yet and creates too.
      const r1 = await deps.sessions.read(catalog, id);
      // (The put writes the catalog as its request spelt it.)
      const later = shout ? catalog.replace('/sites/catalog-a', '/sites/Catalog-A') : catalog;
      await deps.sessions.write({ ...(r1 as NonNullable<typeof r1>), catalog: later, desired: { ...desired, revision: 2, title: 'Second' }, desiredHash: 'r2', desiredCanonical: 'r2', updatedAt: new Date().toISOString() }, (r1 as NonNullable<typeof r1>).etag);
      const other = gated(real);
      const second = outcome(new SessionInvitations({ sessions: deps.sessions, domain: 'two.test', roomName: async () => null }).send(item, other.transport));
      await reachedBy(other, second);
      slow.open();
      expect(await first).toBe('done');
      other.open();
      // Graph refuses the other's create (the transactionId made another event): it changes that event instead.
      expect(await second).toBe('done');
      const recorded = await deps.sessions.read(catalog, id);
      const mine = (await events('adele@contoso.test')).filter((e) => !e.isCancelled);
      expect(mine.map((e) => [isEvent(e, recorded?.sent?.eventId), e.subject])).toEqual([[true, 'Second']]);
      expect(recorded?.sent?.revision).toBe(2);
      expect(await arrived('learner1@contoso.test', 2)).toEqual(['First', 'Updated: Second']);
    } finally {
      await real.close();
    }
  });

  it('graph, a Teams meeting cancelled (in Outlook, or by a pass whose record was lost), then put again - the new meeting\'s description does not carry the cancelled one\'s join details', async () => {
    const { catalog } = await connected('graph');
    const deps = internals();
    const id = `s-${randomUUID()}`;
    const desired = { revision: 1, cancelled: false, title: 'Teams session', html: '<p>Agenda</p>', start: session(1).start, end: session(1).end, attendees: [{ email: 'learner1@contoso.test', role: 'required' as const }], room: null, teams: true };
    await deps.sessions.write({ sessionId: id, catalog, desired, desiredHash: 'r1', desiredCanonical: 'r1', sent: null, attempt: null, firstSentRevision: null, outcome: null, updatedAt: '' }, null);
    const real = await deps.credentials.open((await deps.connections.read(catalog)).record);
    const passes = new SessionInvitations({ sessions: deps.sessions, domain: 'one.test', roomName: async () => null });
    const item = { catalog, session: id } as unknown as StoredItem;
    try {
      await passes.send(item, real);
      const first = await deps.sessions.read(catalog, id);
      const oldJoin = first?.sent?.joinUrl as string;
      expect(oldJoin).toMatch(/^https:\/\/teams\.microsoft\.com\//);
      await (real as unknown as { submit: (m: string, p: string, b: unknown) => Promise<unknown> }).submit('POST', `/me/events/${encodeURIComponent(first?.sent?.eventId as string)}/cancel`, { comment: '' });
      await deps.sessions.write({ ...(first as NonNullable<typeof first>), desired: { ...desired, revision: 2, title: 'Back on' }, desiredHash: 'r2', desiredCanonical: 'r2', updatedAt: new Date().toISOString() }, (first as NonNullable<typeof first>).etag);
      await passes.send(item, real);
      const again = await deps.sessions.read(catalog, id);
      const [made] = (await events('adele@contoso.test') as Array<Events[number] & { body: { content: string } }>).filter((e) => isEvent(e, again?.sent?.eventId));
      expect(made.subject).toBe('Back on');
      expect(made.body.content).toContain('<p>Agenda</p>');
      expect(made.body.content).toContain(again?.sent?.joinUrl as string);
      expect(made.body.content).not.toContain(oldJoin);
    } finally {
      await real.close();
    }
  });
});
