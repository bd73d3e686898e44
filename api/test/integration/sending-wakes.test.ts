import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { QueueClient } from '@azure/storage-queue';
import { loadConfig } from '../../src/config/config';
import { RunningApi, startApi } from '../../src/server';
import { StorageMeter } from '../../src/storage/meter';
import { WAKE_QUEUE } from '../../src/storage/tables';
import { LogCapture } from '../support/inProcessApi';
import { apiEnv, appToken, catalogPath, connectModern, eventually, fault, inbox, mailboxCounters, NEXT_YEAR, setEnabled } from '../support/sending';
import { useStack } from '../support/stack';

jest.setTimeout(120_000);

const SCALE = 60;

interface Gate {
  /** Resolves when a matching request reached the gate (it waits there). */
  held: Promise<void>;
  release: () => void;
}

/** Holds the worker's first storage request that matches each gate until the test releases it. */
class StorageGates extends StorageMeter {
  private readonly armed: Array<{ matches: (method: string, url: string) => boolean; reached: () => void; released: Promise<void> }> = [];

  public gate(matches: (method: string, url: string) => boolean): Gate {
    let reached = (): void => undefined;
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.armed.push({ matches, reached, released });
    return { held, release };
  }

  public override readonly policy: PipelinePolicy = {
    name: 'storageGates',
    sendRequest: async (request, next) => {
      const i = this.armed.findIndex((g) => g.matches(request.method, decodeURIComponent(request.url)));
      if (i >= 0) {
        const [gate] = this.armed.splice(i, 1);
        gate.reached();
        await gate.released;
      }
      return next(request);
    }
  };
}

/** The outbox's counters row, read once a drain ends (before it writes them). */
const countersRead = (method: string, url: string): boolean => method === 'GET' && url.includes("RowKey='stats'");
/** A drain's first transaction: the claim of what it takes first. */
const firstClaim = (method: string, url: string): boolean => method === 'POST' && url.includes('$batch');

/** Refuses the next wake-up queue request as an unreachable queue service would (the wake queue counts each request first). */
class QueueOutage extends StorageMeter {
  public down = false;

  public override readonly countQueueRequest = (): void => {
    if (this.down) {
      this.down = false;
      throw new Error('queue service unreachable');
    }
  };
}

/** Wakes that reach a worker while it drains the same catalog (issue 8 point 3: queues only wake workers). */
describe('sending engine - wakes during a drain (real API, local tenant, Azurite over loopback)', () => {
  // This process's API only takes requests; the worker is an API of its own with a gate on its storage.
  const stack = useStack({ SEND_WORKER: 'false', SEND_TIME_SCALE: String(SCALE) }, { tenantTimeScale: SCALE });
  /** The catalog connected (Modern, as its admin) and switched on, and the LMS back end's token. */
  const connected = async (site: string, admin: string): Promise<{ catalog: string; lms: string }> => {
    const catalog = stack.catalogUrl(site);
    await connectModern(stack, admin, catalog);
    await setEnabled(stack, admin, catalog, true);
    return { catalog, lms: await appToken(stack) };
  };

  it('a wake that arrives while a drain winds up (nothing left, counters being written) is not lost: what it announced is sent', async () => {
    const { catalog, lms } = await connected('catalog-a', 'adele@contoso.test');
    const gates = new StorageGates();
    const gate = gates.gate(countersRead);
    const worker: RunningApi = await startApi(loadConfig({ ...process.env, ...apiEnv(stack) }), { logDestination: new LogCapture(), storageMeter: gates });
    try {
      const queue = (subject: string): Promise<{ status: number; body: any }> =>
        stack.call('POST', catalogPath(catalog, '/notifications'), { token: lms, body: { to: ['learner1@contoso.test'], subject, text: 'x' }, headers: { 'idempotency-key': subject } });
      const first = await queue('wake first');
      expect(first.status).toBe(202);
      // The drain sent the first one, found nothing left and now reads its counters: held here.
      await gate.held;
      const second = await queue('wake second');
      expect(second.status).toBe(202);
      // The second one's wake reaches the same worker, which still drains this catalog, and is taken.
      const wakes = new QueueClient(stack.config.storage.connectionString, WAKE_QUEUE);
      await eventually(async () => ((await wakes.getProperties()).approximateMessagesCount === 0 ? true : undefined), 20_000, 'the wake to be taken');
      gate.release();
      await eventually(async () => ((await inbox(stack, 'learner1@contoso.test')).some((m) => m.subject === 'wake second') ? true : undefined), 20_000, 'the second notification to be sent');
      // In the inbox a storage write before it reads sent: waited for, not read once.
      const read = async (): Promise<string> => (await stack.call('GET', catalogPath(catalog, `/notifications/${second.body.id}`), { token: lms })).body.status;
      expect(await eventually(async () => ((await read()) === 'sent' ? 'sent' : undefined), 20_000, 'the second notification to read sent').catch(read)).toBe('sent');
    } finally {
      gate.release();
      await worker.close();
    }
  });

  it('a wake that arrives while a drain winds up after the switch went off (held) is not lost: switched on again, what waits is sent', async () => {
    const { catalog, lms } = await connected('catalog-a', 'adele@contoso.test');
    // Turning the switch on woke the catalog: that wake would start a drain of nothing first.
    await new QueueClient(stack.config.storage.connectionString, WAKE_QUEUE).clearMessages();
    const gates = new StorageGates();
    const claim = gates.gate(firstClaim);
    const counters = gates.gate(countersRead);
    const logs = new LogCapture();
    const worker: RunningApi = await startApi(loadConfig({ ...process.env, ...apiEnv(stack) }), { logDestination: logs, storageMeter: gates });
    try {
      const queue = (subject: string, notBefore?: string): Promise<{ status: number; body: any }> =>
        stack.call('POST', catalogPath(catalog, '/notifications'), { token: lms, body: { to: ['learner1@contoso.test'], subject, text: 'x', ...(notBefore ? { notBefore } : {}) }, headers: { 'idempotency-key': subject } });
      const first = await queue('held first');
      const later = await queue('held later', new Date(Date.now() + 8000).toISOString());
      expect([first.status, later.status]).toEqual([202, 202]);
      // The drain claims the first one: held there while the switch goes off.
      await claim.held;
      await setEnabled(stack, 'adele@contoso.test', catalog, false);
      // A change made on another instance is seen at the drain's next look once its record is a
      // second old (RECORD_RECHECK_MS): the claim is held past that.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      claim.release();
      // The first one goes; the drain's next look sees the switch off (held) and ends: its counters' read is held here.
      await counters.held;
      await setEnabled(stack, 'adele@contoso.test', catalog, true);
      // The switch's wake reaches the same worker, which still drains this catalog, and is taken.
      const wakes = new QueueClient(stack.config.storage.connectionString, WAKE_QUEUE);
      await eventually(async () => ((await wakes.getProperties()).approximateMessagesCount === 0 ? true : undefined), 20_000, 'the wake to be taken');
      counters.release();
      // The drain the gates held (the first of this worker) stopped because the switch was off.
      const reasons = await eventually(async () => {
        const drained = logs.lines.filter((l) => l.includes('outbox drained')).map((l) => (JSON.parse(l) as { reason: string }).reason);
        return drained.length > 0 ? drained : undefined;
      }, 10_000, 'the drain to end');
      expect(reasons[0]).toBe('held');
      await eventually(async () => ((await inbox(stack, 'learner1@contoso.test')).some((m) => m.subject === 'held later') ? true : undefined), 30_000, 'the later notification to be sent');
      expect((await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject === 'held first')).toHaveLength(1);
    } finally {
      claim.release();
      counters.release();
      await worker.close();
    }
  });

  /**
   * Catalog A connected and switched on, no wake queued, and an API that takes the LMS's requests
   * (no worker) whose next wake-up queue request fails as an unreachable queue service would.
   */
  const frontWithQueueOutage = async (): Promise<{ catalog: string; lms: string; front: RunningApi; post: (suffix: string, body: unknown, headers?: Record<string, string>) => Promise<Response> }> => {
    const { catalog, lms } = await connected('catalog-a', 'adele@contoso.test');
    // Turning the switch on woke the catalog: that wake is not the one these tests are about.
    await new QueueClient(stack.config.storage.connectionString, WAKE_QUEUE).clearMessages();
    const outage = new QueueOutage();
    outage.down = true;
    const front: RunningApi = await startApi(loadConfig({ ...process.env, ...apiEnv(stack, { SEND_WORKER: 'false' }) }), { logDestination: new LogCapture(), storageMeter: outage });
    const post = (suffix: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${front.url}${catalogPath(catalog, suffix)}`, { method: 'POST', headers: { authorization: `Bearer ${lms}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { catalog, lms, front, post };
  };
  const startWorker = (extra: Record<string, string> = {}): Promise<RunningApi> => startApi(loadConfig({ ...process.env, ...apiEnv(stack, extra) }), { logDestination: new LogCapture() });
  const arrived = async (prefix: string): Promise<number> => (await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject.startsWith(prefix)).length;

  it('the switch turned off on another instance stops a drain in the middle of its page within a second of sends (it reads the record again), not after the page', async () => {
    const { catalog, lms } = await connected('catalog-a', 'adele@contoso.test');
    // Slow sends (4 at a time, 300 ms each): at most about 13 a second can go.
    await fault(stack, 'latency', { ms: 300 });
    let worker: RunningApi | undefined;
    try {
      const items = Array.from({ length: 60 }, (_, i) => ({ key: `burst-${i}`, to: ['learner1@contoso.test'], subject: `burst ${i}`, text: 'x' }));
      expect((await stack.call('POST', catalogPath(catalog, '/notifications/batch'), { token: lms, body: { items } })).status).toBe(202);
      worker = await startWorker();
      await eventually(async () => ((await arrived('burst ')) >= 3 ? true : undefined), 30_000, 'the burst to start');
      // This process's API (no worker) turns the switch off: the worker learns it only from storage.
      await setEnabled(stack, 'adele@contoso.test', catalog, false);
      const atSwitchOff = await arrived('burst ');
      await new Promise((resolve) => setTimeout(resolve, 3000));
      // Those on their way (4) and what could go before the drain read the record again (1 s: 4 x 4).
      expect((await arrived('burst ')) - atSwitchOff).toBeLessThanOrEqual(20);
    } finally {
      await fault(stack, 'latency', { ms: 0 });
      await worker?.close();
    }
  });

  it('a wake that could not be sent (503 to the LMS, the notifications stored) is sent when the LMS repeats the request: they go out', async () => {
    const { front, post } = await frontWithQueueOutage();
    let worker: RunningApi | undefined;
    try {
      const items = [0, 1].map((i) => ({ key: `outage-${i}`, to: ['learner1@contoso.test'], subject: `outage ${i}`, text: 'x' }));
      const failed = await post('/notifications/batch', { items });
      const problem = (await failed.json()) as { code: string; detail: string };
      expect([failed.status, problem.code, failed.headers.get('retry-after')]).toEqual([503, 'SERVICE_UNAVAILABLE', '10']);
      // Not "nothing was changed": they are stored, and the LMS is told a repeat is safe.
      expect(problem.detail).toMatch(/may be stored\. Repeat the request with the same idempotency keys/);
      const repeated = await post('/notifications/batch', { items });
      expect(repeated.status).toBe(202);
      expect(((await repeated.json()) as { items: Array<{ duplicate: boolean; status: string }> }).items.map((i) => [i.duplicate, i.status])).toEqual([[true, 'queued'], [true, 'queued']]);
      worker = await startWorker();
      await eventually(async () => ((await arrived('outage ')) === 2 ? true : undefined), 20_000, 'the two notifications to be sent');
    } finally {
      await worker?.close();
      await front.close();
    }
  });

  it('a session put whose wake failed (503) and that the LMS repeats wakes the catalog on the repeat: the invitation goes out without a health sweep', async () => {
    const { catalog, lms, front } = await frontWithQueueOutage();
    const put = (): Promise<Response> => fetch(`${front.url}${catalogPath(catalog, '/sessions/retried-1')}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${lms}`, 'content-type': 'application/json' },
      body: JSON.stringify({ revision: 1, title: 'retried session', html: '<p>x</p>', start: { dateTime: `${NEXT_YEAR}-06-10T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-06-10T11:00:00`, timeZone: 'Asia/Tokyo' }, attendees: [{ email: 'learner1@contoso.test' }] })
    });
    let worker: RunningApi | undefined;
    try {
      const failed = await put();
      expect([failed.status, ((await failed.json()) as { code: string }).code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
      const repeated = await put();
      expect([repeated.status, ((await repeated.json()) as { duplicate: boolean }).duplicate]).toEqual([202, true]);
      worker = await startWorker();
      await eventually(async () => ((await arrived('retried session')) === 1 ? true : undefined), 20_000, 'the invitation to be sent');
    } finally {
      await worker?.close();
      await front.close();
    }
  });

  it('notifications sent as several messages each: every message waits for its own pacing slot - Exchange never has to delay one', async () => {
    const { catalog, lms } = await connected('catalog-b', 'alex@contoso.test');
    // Two recipients a message (this instance queues and sends): each notification of 6 is 3 messages; 20 of them, 60 messages, 2 (scaled) minutes at least.
    const worker = await startWorker({ SEND_RECIPIENTS_PER_MESSAGE: '2' });
    try {
      const items = Array.from({ length: 20 }, (_, i) => ({ key: `split-${i}`, to: ['learner1@contoso.test'], bcc: Array.from({ length: 5 }, (_, k) => `r${i}-${k}@partner.example`), subject: `split ${i}`, text: 'x' }));
      const queued = await fetch(`${worker.url}${catalogPath(catalog, '/notifications/batch')}`, { method: 'POST', headers: { authorization: `Bearer ${lms}`, 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
      expect(queued.status).toBe(202);
      await eventually(async () => ((await mailboxCounters(stack, 'alex@contoso.test')).submissions >= 60 ? true : undefined), 60_000, 'all 60 messages');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const counters = await mailboxCounters(stack, 'alex@contoso.test');
      expect([counters.submissions, counters.delayed, counters.rejected, counters.duplicatesByMessageId]).toEqual([60, 0, 0, {}]);
      expect(await arrived('split ')).toBe(20);
    } finally {
      await worker.close();
    }
  });

  it('a notification keeps the split it was queued with: an instance configured with fewer recipients a message sends it as it was cut, once', async () => {
    const { catalog, lms } = await connected('catalog-b', 'alex@contoso.test');
    // Queued by this process's API (500 a message: one message each), sent by a worker set to 2 a message.
    const items = Array.from({ length: 5 }, (_, i) => ({ key: `kept-${i}`, to: ['learner1@contoso.test'], bcc: Array.from({ length: 5 }, (_, k) => `r${i}-${k}@partner.example`), subject: `kept ${i}`, text: 'x' }));
    expect((await stack.call('POST', catalogPath(catalog, '/notifications/batch'), { token: lms, body: { items } })).status).toBe(202);
    const worker = await startWorker({ SEND_RECIPIENTS_PER_MESSAGE: '2' });
    try {
      await eventually(async () => ((await arrived('kept ')) === 5 ? true : undefined), 30_000, 'the 5 notifications');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const counters = await mailboxCounters(stack, 'alex@contoso.test');
      expect([counters.submissions, counters.duplicatesByMessageId]).toEqual([5, {}]);
    } finally {
      await worker.close();
    }
  });

  it('a wake lost on its way (the LMS does not repeat the request) holds nothing for good: the next health sweep wakes the catalog', async () => {
    const { front, post } = await frontWithQueueOutage();
    const worker = await startWorker();
    try {
      const failed = await post('/notifications', { to: ['learner1@contoso.test'], subject: 'lost wake', text: 'x' }, { 'idempotency-key': 'lost-wake' });
      expect(failed.status).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await arrived('lost wake')).toBe(0);
      const swept = await worker.monitor.sweep();
      expect(swept.resumed).toBeGreaterThanOrEqual(1);
      await eventually(async () => ((await arrived('lost wake')) === 1 ? true : undefined), 20_000, 'the notification to be sent');
    } finally {
      await worker.close();
      await front.close();
    }
  });

  it('a mailbox paused for longer than half a lease (Exchange refused it): the wake each LMS request sends lists nothing - no page of bodies per request', async () => {
    const { catalog, lms } = await connected('catalog-a', 'adele@contoso.test');
    await fault(stack, 'mailbox-full', { mailbox: 'adele@contoso.test' });
    const queue = (subject: string): Promise<{ status: number; body: any }> =>
      stack.call('POST', catalogPath(catalog, '/notifications'), { token: lms, body: { to: ['learner1@contoso.test'], subject, text: 'z'.repeat(10_000) }, headers: { 'idempotency-key': `${subject}-${Date.now()}` } });
    expect((await queue('paused 0')).status).toBe(202);
    const meter = new StorageMeter();
    const logs = new LogCapture();
    const worker: RunningApi = await startApi(loadConfig({ ...process.env, ...apiEnv(stack) }), { logDestination: logs, storageMeter: meter });
    try {
      // Refused: the mailbox pauses an hour (a minute at this time scale).
      await eventually(async () => (logs.lines.some((l) => l.includes('submission refused') && l.includes('MAILBOX_FULL')) ? true : undefined), 20_000, 'the refusal');
      await eventually(async () => (logs.lines.some((l) => l.includes('outbox drained')) ? true : undefined), 10_000, 'the drain to end');
      const chars = meter.responseChars;
      const drains = logs.lines.filter((l) => l.includes('outbox drained')).length;
      for (let i = 1; i <= 8; i++) {
        expect((await queue(`paused ${i}`)).status).toBe(202);
      }
      // Each drain they started ended at once, paused.
      // The wakes are seen (some together: a wake that comes during a drain of the catalog is one more look).
      await eventually(async () => (logs.lines.filter((l) => l.includes('outbox drained')).length >= drains + 1 ? true : undefined), 20_000, 'the wakes to be seen');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(logs.lines.filter((l) => l.includes('outbox drained')).slice(drains).every((l) => l.includes('"reason":"paused"') && l.includes('"sent":0'))).toBe(true);
      // Nine notifications of 10,000 characters waiting: listing them at each wake would read 90,000 and more each time.
      expect(meter.responseChars - chars).toBeLessThan(40_000);
    } finally {
      await worker.close();
      await fault(stack, 'mailbox-full', { mailbox: 'adele@contoso.test', clear: true });
    }
  });

  it('notifications due later at the head of the queue (more than a listing takes) hold up none due now behind them, and the drain waits instead of listing again and again', async () => {
    const { catalog, lms } = await connected('catalog-b', 'alex@contoso.test');
    // 150 scheduled for tomorrow, queued first: same priority, so they come first in the queue.
    const tomorrow = new Date(Date.now() + 24 * 3600_000).toISOString();
    const batch = (items: object[]): Promise<{ status: number; body: any }> => stack.call('POST', catalogPath(catalog, '/notifications/batch'), { token: lms, body: { items } });
    // Each with a body of 10,000 characters: what a drain reads of them shows in the characters it reads.
    const scheduled = await batch(Array.from({ length: 150 }, (_, i) => ({ key: `later-${i}`, to: ['learner2@contoso.test'], subject: `later ${i}`, text: 'y'.repeat(10_000), priority: 'bulk', notBefore: tomorrow })));
    expect(scheduled.status).toBe(202);
    const now = await batch(Array.from({ length: 5 }, (_, i) => ({ key: `now-${i}`, to: ['learner2@contoso.test'], subject: `now ${i}`, text: 'x', priority: 'bulk' })));
    expect(now.status).toBe(202);
    const meter = new StorageMeter();
    const logs = new LogCapture();
    const worker: RunningApi = await startApi(loadConfig({ ...process.env, ...apiEnv(stack) }), { logDestination: logs, storageMeter: meter });
    try {
      await eventually(async () => ((await inbox(stack, 'learner2@contoso.test')).filter((m) => m.subject.startsWith('now ')).length === 5 ? true : undefined), 20_000, 'the 5 notifications due now to be sent');
      // The drain ends (the scheduled ones wake it again when due): it does not keep listing them.
      await eventually(async () => (logs.lines.some((l) => l.includes('outbox drained') && l.includes('"sent":5')) ? true : undefined), 10_000, 'the drain to end');
      // It passed over them without their bodies (1.5 million characters were it to list them).
      expect(meter.responseChars).toBeLessThan(300_000);
      const before = meter.requests;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(meter.requests - before).toBeLessThan(10);
      // Only items due later are left: the health sweep does not wake the catalog for them.
      expect((await worker.monitor.sweep()).resumed).toBe(0);
      const status = await stack.call('GET', catalogPath(catalog, `/notifications/${scheduled.body.items[0].id}`), { token: lms });
      expect(status.body.status).toBe('queued');
      expect((await inbox(stack, 'learner2@contoso.test')).filter((m) => m.subject.startsWith('later '))).toEqual([]);
    } finally {
      await worker.close();
    }
  });
});
