import { hostname } from 'node:os';
import type { TableClient } from '@azure/data-tables';
import type { FastifyBaseLogger } from 'fastify';
import type { SendingConfig } from '../../src/config/config';
import type { ConnectionStore } from '../../src/connections/connectionStore';
import type { CredentialsProvider } from '../../src/connections/credentials';
import type { ConnectionRecord } from '../../src/connections/model';
import { ApiError } from '../../src/errors/apiError';
import type { OutboundMessage } from '../../src/mail/message';
import type { MailTransport, SendReceipt } from '../../src/mail/transport';
import { InvitationSender, SendingEngine, withPassSent } from '../../src/sending/engine';
import { mailboxKey } from '../../src/sending/mailboxLease';
import { transition } from '../../src/sending/outboxItem';
import { OutboxStore } from '../../src/sending/outboxStore';
import type { MailboxBudget } from '../../src/sending/pacer';
import type { WakeQueue } from '../../src/sending/wakeQueue';
import { openTables, TABLES } from '../../src/storage/tables';
import { RunningAzurite, startAzurite } from '../support/azurite';

jest.setTimeout(60_000);

/**
 * The engine's own decisions at moments the local tenant cannot stage on cue (a 429 while the next
 * item waits for a free submission, sends that outlast the lease): the real engine, outbox and
 * mailbox lease on Azurite, with a scripted mail transport and a fixed connection record (the
 * collaborators faked; the sending suites run it all against the local tenant).
 */
describe('sending engine - pacing and the mailbox lease at the moments that matter', () => {
  let azurite: RunningAzurite;
  let outboxTable: TableClient;
  let leases: TableClient;
  let n = 0;

  beforeAll(async () => {
    azurite = await startAzurite();
    const tables = await openTables(azurite.connectionString);
    outboxTable = tables[TABLES.outbox];
    leases = tables[TABLES.mailboxes];
  });

  afterAll(async () => {
    await azurite.stop();
  });

  interface Submission { messageId: string; bcc: number; at: number }
  type Script = (message: OutboundMessage, index: number) => Promise<SendReceipt | void>;

  /** A catalog of its own and a mailbox of its own per test: the tables are shared. */
  const setting = (): { catalog: string; mailbox: string; record: ConnectionRecord } => {
    n++;
    const catalog = `https://contoso.test/sites/engine-${n}`;
    const mailbox = `sender${n}@contoso.test`;
    const record = {
      catalog, connectionId: `c${n}`, generation: 1, enabled: true, method: 'modern', transport: 'graph', account: { email: mailbox, displayName: 'Sender' },
      homeAccountId: null, health: { state: 'connected', code: null, checkedAt: null }, alertRecipients: [], blocked: null
    } as unknown as ConnectionRecord;
    return { catalog, mailbox, record };
  };

  const engineFor = (record: ConnectionRecord, script: Script, submissions: Submission[], config: Partial<SendingConfig> = {}, extra: { leases?: TableClient; outbox?: TableClient; wakes?: number[]; used?: (record: ConnectionRecord, since: number) => Promise<void>; opened?: () => void; onDrained?: () => void; invitations?: InvitationSender; read?: () => Promise<void>; now?: () => number; extend?: (w: unknown) => Promise<unknown> } = {}): SendingEngine => {
    let index = 0;
    const transport: MailTransport = {
      kind: 'graph',
      account: record.account?.email as string,
      concurrency: 4,
      probe: async () => undefined,
      close: async () => undefined,
      send: async (message) => {
        submissions.push({ messageId: message.messageId, bcc: message.bcc.length, at: Date.now() });
        return script(message, index++);
      }
    };
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, trace: () => undefined } as unknown as FastifyBaseLogger;
    return new SendingEngine({
      config: { worker: true, messagesPerMinute: 30, recipientsPerDay: 10_000, recipientsPerMessage: 500, graphConcurrencyPerMailbox: 4, smtpConnectionsPerMailbox: 3, maxAttempts: 8, timeScale: 1, leaseSeconds: 30, pollMilliseconds: 1000, mailboxesPerInstance: 64, messageIdDomain: 'lms.test', lmsRateLimitPerMinute: 600, ...config },
      connections: { read: async () => { await extra.read?.(); return { record, etag: 'e' }; } } as unknown as ConnectionStore,
      credentials: { open: async () => { extra.opened?.(); return transport; } } as unknown as CredentialsProvider,
      outbox: new OutboxStore(extra.outbox ?? outboxTable),
      leases: extra.leases ?? leases,
      queue: { wake: async (_catalog: string, delaySeconds: number) => void extra.wakes?.push(delaySeconds), receive: async () => [], extend: extra.extend ?? (async (w: unknown) => w), done: async () => undefined } as unknown as WakeQueue,
      health: { lost: async () => undefined, used: extra.used ?? (async () => undefined), blocked: async () => undefined },
      log: silent,
      onDrained: extra.onDrained,
      invitations: extra.invitations,
      now: extra.now
    });
  };
  /** What the queue's wake would make the engine do: drain the catalog once. */
  const drainOnce = (engine: SendingEngine, catalog: string): Promise<void> => (engine as unknown as { handle: (wake: unknown) => Promise<void> }).handle({ catalog, messageId: 'm', popReceipt: 'p' });
  /** The states of `ids` after draining with a transport that takes everything, at most `rounds` times until all are sent (the mailbox back from a fault). */
  const drainUntilSent = async (record: ConnectionRecord, catalog: string, ids: string[], config: Partial<SendingConfig>, rounds: number): Promise<Array<string | undefined>> => {
    const store = new OutboxStore(outboxTable);
    const states = async (): Promise<Array<string | undefined>> => (await Promise.all(ids.map((id) => store.read(catalog, id)))).map((x) => x?.state.state);
    for (let round = 0; round < rounds && (await states()).some((state) => state !== 'sent'); round++) {
      await drainOnce(engineFor(record, async () => undefined, [], config), catalog);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return states();
  };
  const queue = async (catalog: string, items: Array<{ bcc: string[]; priority?: 'normal' | 'bulk'; notBefore?: number; expiresAt?: number; perMessage?: number; key?: string; text?: string }>): Promise<string[]> => {
    const outcomes = await new OutboxStore(outboxTable).enqueue(catalog, items.map((item, i) => ({
      key: item.key ?? `k${i}`, priority: item.priority ?? 'normal', notBefore: item.notBefore, expiresAt: item.expiresAt, content: { to: [], cc: [], bcc: item.bcc, subject: `s${i}`, text: item.text ?? 'x' },
      parts: Math.ceil(item.bcc.length / (item.perMessage ?? 500)), perMessage: item.perMessage, firstPartRecipients: Math.min(item.perMessage ?? 500, item.bcc.length), requestHash: `h${i}`
    })), Date.now() - 1000);
    return outcomes.map((o) => ('id' in o ? o.id : ''));
  };
  /** Queues a session's invitation item to `to` (as the sessions service does: its attendees count as its recipients). */
  const queueInvitation = async (catalog: string, session: string, to: string[]): Promise<string> => {
    const [outcome] = await new OutboxStore(outboxTable).enqueue(catalog, [{
      key: `session|${session}|1`, requestHash: 'h', priority: 'normal', session, content: { to, cc: [], bcc: [], subject: 'Session' }, parts: 1, firstPartRecipients: to.length
    }], Date.now() - 1000);
    return 'id' in outcome ? outcome.id : '';
  };
  const budgetOf = async (mailbox: string): Promise<MailboxBudget & { leaseUntil: number }> => {
    const row = await leases.getEntity<{ budget: string; leaseUntil: number }>('mailbox', mailboxKey(mailbox));
    return { ...(JSON.parse(row.budget) as MailboxBudget), leaseUntil: Number(row.leaseUntil) };
  };
  const dayRecipients = (budget: MailboxBudget): number => budget.day.reduce((sum, [, count]) => sum + count, 0);
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  /** The table, with each listing held back by what `gate` returns for its filter (nothing: not held). */
  const slowListings = (table: TableClient, gate: (filter: string) => Promise<void> | undefined): TableClient => new Proxy(table, {
    get: (target, name) => (name === 'listEntities'
      ? (...args: Parameters<TableClient['listEntities']>) => {
        const pages = target.listEntities(...args);
        const held = gate(String(args[0]?.queryOptions?.filter ?? ''));
        return {
          byPage: (settings: { maxPageSize?: number }) => (async function* () {
            await held;
            yield* pages.byPage(settings);
          })(),
          [Symbol.asyncIterator]: async function* () {
            await held;
            yield* pages;
          }
        };
      }
      : Reflect.get(target, name).bind(target))
  });

  it('each message of a split notification takes its own pacing slot: past the minute\'s budget the rest waits in the queue, with the parts sent, and goes on from there', async () => {
    const { catalog, mailbox, record } = setting();
    const [id] = await queue(catalog, [{ bcc: Array.from({ length: 2000 }, (_, i) => `r${i}@partner.example`) }]);
    const submissions: Submission[] = [];
    // Two messages a minute: two of the four parts now, then a wait far longer than the lease.
    await drainOnce(engineFor(record, async () => undefined, submissions, { messagesPerMinute: 2 }), catalog);
    expect(submissions.map((s) => [s.messageId, s.bcc])).toEqual([[`<${id}.0@lms.test>`, 500], [`<${id}.1@lms.test>`, 500]]);
    const budget = await budgetOf(mailbox);
    expect([budget.recent.length, dayRecipients(budget)]).toEqual([2, 1000]);
    const waiting = await new OutboxStore(outboxTable).read(catalog, id);
    expect(waiting?.state).toMatchObject({ state: 'queued', partsSent: 2, failures: 0, lastCode: null });
    // A minute later (scaled: 60 times faster) the next drain sends the other two, each once.
    await sleep(1100);
    await drainOnce(engineFor(record, async () => undefined, submissions, { messagesPerMinute: 2, timeScale: 60 }), catalog);
    expect(submissions.map((s) => s.messageId)).toEqual([0, 1, 2, 3].map((k) => `<${id}.${k}@lms.test>`));
    expect((await new OutboxStore(outboxTable).read(catalog, id))?.state).toMatchObject({ state: 'sent', partsSent: 4, failures: 0, resubmissions: 0 });
  });

  it('a notification that went out in part is not recorded expired when its expiry passes while the rest waits for pacing: the rest goes too', async () => {
    const { catalog, record } = setting();
    const [id] = await queue(catalog, [{ bcc: ['a@partner.example', 'b@partner.example', 'c@partner.example', 'd@partner.example'], perMessage: 2, expiresAt: Date.now() + 4000 }]);
    const submissions: Submission[] = [];
    // One message a minute: the first part now, the second long after the expiry.
    await drainOnce(engineFor(record, async () => undefined, submissions, { messagesPerMinute: 1 }), catalog);
    expect(submissions).toHaveLength(1);
    await sleep(4100);
    expect((await new OutboxStore(outboxTable).read(catalog, id))?.state).toMatchObject({ state: 'queued', partsSent: 1 });
    await drainOnce(engineFor(record, async () => undefined, submissions, { messagesPerMinute: 1, timeScale: 60 }), catalog);
    expect(submissions.map((s) => s.messageId)).toEqual([`<${id}.0@lms.test>`, `<${id}.1@lms.test>`]);
    expect((await new OutboxStore(outboxTable).read(catalog, id))?.state).toMatchObject({ state: 'sent', partsSent: 2 });
  });

  it('a notification that went out in part, past its expiry in a catalog that cannot send (switched off, disconnected): the retention job closes it as sent, the rest refused as expired, so its content can go; one that went to nobody expires', async () => {
    const { catalog, record } = setting();
    const [partly, none] = await queue(catalog, [
      { bcc: ['a@partner.example', 'b@partner.example', 'c@partner.example', 'd@partner.example', 'e@partner.example'], perMessage: 2, expiresAt: Date.now() + 4000, key: 'partly' },
      { bcc: ['z@partner.example'], expiresAt: Date.now() + 4000, notBefore: Date.now() + 3000, key: 'none' }
    ]);
    const submissions: Submission[] = [];
    // One message a minute: the first part now, the rest waits.
    await drainOnce(engineFor(record, async () => undefined, submissions, { messagesPerMinute: 1 }), catalog);
    expect(submissions).toHaveLength(1);
    await sleep(4100);
    const engine = engineFor(record, async () => undefined, submissions, { messagesPerMinute: 1 });
    // A catalog that can send is its drains' to finish: nothing closed.
    expect(await engine.expireHeld(record)).toBe(0);
    expect(await engine.expireHeld({ ...record, enabled: false })).toBe(2);
    const store = new OutboxStore(outboxTable);
    expect((await store.read(catalog, partly))?.state).toMatchObject({ state: 'sent', partsSent: 3, refused: { recipients: 3, code: 'MESSAGE_EXPIRED' }, lastCode: 'MESSAGE_EXPIRED' });
    expect((await store.read(catalog, none))?.state).toMatchObject({ state: 'expired' });
    expect(submissions).toHaveLength(1);
  });

  it('a final queue row a crash left behind (cancelled, its removal never came) in a catalog that cannot send: the retention job passes it by, and expires the rest', async () => {
    const { catalog, record } = setting();
    const [cancelled, waiting] = await queue(catalog, [{ bcc: ['a@partner.example'], expiresAt: Date.now() + 1500, key: 'c' }, { bcc: ['b@partner.example'], expiresAt: Date.now() + 1500, key: 'w' }]);
    const store = new OutboxStore(outboxTable);
    const item = await store.readForUpdate(catalog, cancelled);
    // The cancel's write without the removal of its queue row that `update` makes after it.
    await store.updateMany(catalog, [{ item: item!, next: transition(item!.state, { type: 'cancel', now: Date.now() }) }]);
    await sleep(1600);
    const engine = engineFor(record, async () => undefined, [], {});
    expect(await engine.expireHeld({ ...record, enabled: false })).toBe(1);
    expect([(await store.read(catalog, cancelled))?.state.state, (await store.read(catalog, waiting))?.state.state]).toEqual(['cancelled', 'expired']);
  });

  it('recipients refused while the rest took the message are added up over a split notification\'s parts; a part refused whole is refused, not the notification; all refused fails it', async () => {
    const { catalog, record } = setting();
    const bcc = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `${tag}${i}@partner.example`);
    const [some, whole, all] = await queue(catalog, [{ bcc: bcc(6, 's'), perMessage: 2, key: 'some' }, { bcc: bcc(6, 'w'), perMessage: 2, key: 'whole' }, { bcc: bcc(4, 'a'), perMessage: 2, key: 'all' }]);
    const submissions: Submission[] = [];
    const script: Script = async (message) => {
      const [id, part] = message.messageId.slice(1).split('@')[0].split('.');
      if (id === some) {
        // Part 0: one refused, part 2: two (a temporary refusal's code), part 1 none.
        return { refused: part === '0' ? { recipients: 1, code: 'RECIPIENT_REJECTED' } : part === '2' ? { recipients: 2, code: 'SERVICE_UNAVAILABLE' } : null };
      }
      if ((id === whole && part === '1') || id === all) {
        throw new ApiError('RECIPIENT_REJECTED');
      }
      return { refused: null };
    };
    await drainOnce(engineFor(record, script, submissions), catalog);
    const read = async (id: string) => (await new OutboxStore(outboxTable).read(catalog, id))?.state;
    expect(await read(some)).toMatchObject({ state: 'sent', partsSent: 3, refused: { recipients: 3, code: 'SERVICE_UNAVAILABLE' }, lastCode: 'SERVICE_UNAVAILABLE' });
    expect(await read(whole)).toMatchObject({ state: 'sent', partsSent: 3, refused: { recipients: 2, code: 'RECIPIENT_REJECTED' } });
    expect(await read(all)).toMatchObject({ state: 'failed', lastCode: 'RECIPIENT_REJECTED' });
    // Each message went once: the whole-refused part is not sent again, nor the others.
    expect(submissions.filter((x) => x.messageId.startsWith(`<${whole}.`)).map((x) => x.messageId)).toEqual([0, 1, 2].map((k) => `<${whole}.${k}@lms.test>`));
    expect(submissions.filter((x) => x.messageId.startsWith(`<${all}.`))).toHaveLength(2);
  });

  it('a notification that went out in part and then fails for good ends sent, its unreached recipients refused under the failure\'s code (an LMS must not queue it again: the first got it); one that reached nobody fails', async () => {
    const { catalog, record } = setting();
    const bcc = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `${tag}${i}@partner.example`);
    const [partly, none] = await queue(catalog, [{ bcc: bcc(6, 'p'), perMessage: 2, key: 'partly' }, { bcc: bcc(4, 'n'), perMessage: 2, key: 'none' }]);
    const submissions: Submission[] = [];
    await drainOnce(engineFor(record, async (message) => {
      const [id, part] = message.messageId.slice(1).split('@')[0].split('.');
      if ((id === partly && part === '1') || (id === none && part === '0')) {
        throw new ApiError('MESSAGE_REJECTED');
      }
      return { refused: null };
    }, submissions), catalog);
    const store = new OutboxStore(outboxTable);
    expect((await store.read(catalog, partly))?.state).toMatchObject({ state: 'sent', partsSent: 3, refused: { recipients: 4, code: 'MESSAGE_REJECTED' }, lastCode: 'MESSAGE_REJECTED' });
    expect((await store.read(catalog, none))?.state).toMatchObject({ state: 'failed', partsSent: 0, lastCode: 'MESSAGE_REJECTED' });
    expect(submissions.filter((x) => x.messageId.startsWith(`<${partly}.`)).map((x) => x.messageId)).toEqual([`<${partly}.0@lms.test>`, `<${partly}.1@lms.test>`]);
  });

  it('a 429 while the next item waits for a free submission: nothing more is submitted before its Retry-After', async () => {
    const { catalog, record } = setting();
    await queue(catalog, Array.from({ length: 8 }, (_, i) => ({ bcc: [`r${i}@partner.example`] })));
    const submissions: Submission[] = [];
    let throttledAt = 0;
    await drainOnce(engineFor(record, async (_message, index) => {
      if (index === 0) {
        await sleep(30);
        throttledAt = Date.now();
        throw new ApiError('THROTTLED', { retryAfterSeconds: 30 });
      }
      await sleep(300);
    }, submissions), catalog);
    // The four launched together went; none after the 429 (the drain paused for 30 s instead).
    expect(submissions).toHaveLength(4);
    expect(submissions.filter((s) => s.at >= throttledAt)).toEqual([]);
  });

  it('a drain that sent everything but then cannot read its connection (a storage fault) still gives the mailbox up with what it sent: the next holder need not wait for the lease to lapse', async () => {
    const { catalog, mailbox, record } = setting();
    await queue(catalog, [{ bcc: ['a@partner.example'] }, { bcc: ['b@partner.example'] }]);
    const submissions: Submission[] = [];
    // Once both went out, storage fails: the read after the drain is the one that fails.
    const engine = engineFor(record, async () => undefined, submissions, {}, { onDrained: () => undefined, read: async () => {
      if (submissions.length === 2) {
        throw new ApiError('SERVICE_UNAVAILABLE');
      }
    } });
    await expect(drainOnce(engine, catalog)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    const budget = await budgetOf(mailbox);
    expect([budget.leaseUntil, budget.recent.length]).toEqual([0, 2]);
  });

  it('a drain whose lease another instance took, while its last sends finish, gives back the wake it took meanwhile: what waits is woken again, not left until the next notification', async () => {
    const { catalog, mailbox, record } = setting();
    await queue(catalog, Array.from({ length: 5 }, () => ({ bcc: ['a@partner.example'] })));
    const wakes: number[] = [];
    // Sends of 2 s, two at a time, a 3-second lease renewed every second.
    const engine = engineFor(record, () => sleep(2000), [], { leaseSeconds: 3, graphConcurrencyPerMailbox: 2 }, { wakes });
    const draining = drainOnce(engine, catalog);
    await sleep(500);
    // Another instance takes the mailbox (the renewal's ETag no longer matches: the drain stops after its sends).
    await leases.upsertEntity({ partitionKey: 'mailbox', rowKey: mailboxKey(mailbox), owner: 'another-instance', leaseUntil: Date.now() + 60_000, budget: JSON.stringify({ recent: [], day: [] }) }, 'Replace');
    // The drain's own wake, no longer kept invisible, comes back to this instance while the sends finish: taken as seen.
    await sleep(1000);
    await drainOnce(engine, catalog);
    await draining;
    expect(wakes.length).toBeGreaterThanOrEqual(1);
  });

  it('a drain told to stop keeps its lease while its submissions are on their way: another instance cannot take the mailbox and send them again', async () => {
    const { catalog, mailbox, record } = setting();
    await queue(catalog, Array.from({ length: 6 }, (_, i) => ({ bcc: [`r${i}@partner.example`] })));
    const first: Submission[] = [];
    const second: Submission[] = [];
    // A 5-second lease; the first submission is throttled for 20 s (the drain stops), the other three take 7 s each.
    const slow = drainOnce(engineFor(record, async (_message, index) => {
      if (index === 0) {
        throw new ApiError('THROTTLED', { retryAfterSeconds: 20 });
      }
      await sleep(7000);
    }, first, { leaseSeconds: 5 }), catalog);
    await sleep(6000);
    expect((await budgetOf(mailbox)).leaseUntil).toBeGreaterThan(Date.now());
    // Another instance's worker gets the catalog's wake meanwhile.
    await drainOnce(engineFor(record, async () => undefined, second, { leaseSeconds: 5 }), catalog);
    await slow;
    expect(second).toEqual([]);
    expect(first).toHaveLength(4);
    // The 429's pause is kept for the next holder.
    expect((await budgetOf(mailbox)).pausedUntil).toBeGreaterThan(Date.now() + 5000);
  });

  it('an item that fails while the drain lists a later page is not left for the catalog\'s next wake: the drain\'s follow-up wake comes when its retry is due', async () => {
    const { catalog, record } = setting();
    // One due now, ahead of a page and more of bulk ones due tomorrow.
    const tomorrow = Date.now() + 24 * 3600_000;
    const [x] = await queue(catalog, [{ bcc: ['x@partner.example'] }, ...Array.from({ length: 120 }, (_, i) => ({ bcc: [`r${i}@partner.example`], priority: 'bulk' as const, notBefore: tomorrow }))]);
    let failed: Promise<void> | undefined;
    let fail: () => void = () => undefined;
    failed = new Promise<void>((resolve) => {
      fail = resolve;
    });
    // The listing after the first page waits until the one on its way has failed (503: retried later).
    const gated = slowListings(outboxTable, (filter) => (filter.includes('RowKey gt') ? failed?.then(() => sleep(300)) : undefined));
    const wakes: number[] = [];
    const submissions: Submission[] = [];
    await drainOnce(engineFor(record, async () => {
      await sleep(100);
      fail();
      throw new ApiError('SERVICE_UNAVAILABLE');
    }, submissions, {}, { outbox: gated, wakes }), catalog);
    failed = undefined;
    const retry = await new OutboxStore(outboxTable).read(catalog, x);
    expect(retry?.state).toMatchObject({ state: 'queued', failures: 1, lastCode: 'SERVICE_UNAVAILABLE' });
    // Woken when the retry is due (a back-off of a second or two), not tomorrow.
    expect(Math.min(...wakes)).toBeLessThanOrEqual(Math.ceil((retry?.state.nextAttemptAt as number) - Date.now()) / 1000 + 1);
    expect(Math.min(...wakes)).toBeLessThan(60);
  });

  it('a delayed wake is not queued behind one this instance queued that comes first (its drain looks again); an earlier one, one now, another catalog\'s and one after the first came are', async () => {
    const { catalog, record } = setting();
    const other = setting().catalog;
    let now = Date.parse('2026-12-04T00:00:00Z');
    const wakes: number[] = [];
    const engine = engineFor(record, async () => undefined, [], {}, { wakes, now: () => now });
    await engine.wake(catalog, 3_600_000);
    await engine.wake(catalog, 7_200_000);
    await engine.wake(catalog, 3_600_000);
    await engine.wake(catalog, 1_800_000);
    await engine.wake(catalog, 3_600_000);
    await engine.wake(catalog);
    await engine.wake(other, 7_200_000);
    expect(wakes).toEqual([3600, 1800, 0, 7200]);
    now += 1_800_000;
    await engine.wake(catalog, 3_600_000);
    await engine.wake(catalog, 3_600_500);
    expect(wakes).toEqual([3600, 1800, 0, 7200, 3600]);
  });

  it('a 503 with Retry-After is retried no sooner than the service asked (Graph: repeat a 503 after the Retry-After delay)', async () => {
    const { catalog, record } = setting();
    const [x] = await queue(catalog, [{ bcc: ['x@partner.example'] }]);
    const before = Date.now();
    await drainOnce(engineFor(record, async () => {
      throw new ApiError('SERVICE_UNAVAILABLE', { retryAfterSeconds: 120 });
    }, []), catalog);
    const retry = await new OutboxStore(outboxTable).read(catalog, x);
    expect(retry?.state).toMatchObject({ state: 'queued', failures: 1, lastCode: 'SERVICE_UNAVAILABLE' });
    expect(retry?.state.nextAttemptAt).toBeGreaterThanOrEqual(before + 120_000);
  });

  it('an item abandoned in "sending" time after time (a process that dies on it) fails after three resubmissions instead of going out for ever', async () => {
    const { catalog, record } = setting();
    const [id, once] = await queue(catalog, [{ bcc: ['r@partner.example'] }, { bcc: ['s@partner.example'] }]);
    const store = new OutboxStore(outboxTable);
    // Claims that each lapsed without an outcome: four (the first and three resubmissions), and three.
    for (const [item, claims] of [[id, 4], [once, 3]] as const) {
      for (let i = 0; i < claims; i++) {
        const stored = await store.readForUpdate(catalog, item);
        await store.update(stored as NonNullable<typeof stored>, transition((stored as NonNullable<typeof stored>).state, { type: 'claim', now: Date.now(), claimUntil: Date.now() - 1 }));
      }
    }
    expect((await store.read(catalog, id))?.state).toMatchObject({ state: 'sending', resubmissions: 3 });
    const submissions: Submission[] = [];
    await drainOnce(engineFor(record, async () => undefined, submissions), catalog);
    expect((await store.read(catalog, id))?.state).toMatchObject({ state: 'failed', lastCode: 'INTERNAL_ERROR', resubmissions: 3 });
    // The one abandoned twice after its first claim goes once more.
    expect(submissions.map((s) => s.messageId)).toEqual([`<${once}.0@lms.test>`]);
    expect((await store.read(catalog, once))?.state).toMatchObject({ state: 'sent', resubmissions: 3 });
  });

  it('a drain gives its mailbox up (its budget written) before this instance may take it again: a wake at its end does not start a drain from an older budget', async () => {
    const { catalog, mailbox, record } = setting();
    await queue(catalog, Array.from({ length: 3 }, (_, i) => ({ bcc: [`r${i}@partner.example`] })));
    const submissions: Submission[] = [];
    // The hand-over check (a listing of the mailbox's waiting catalogs) is slow this time.
    let slowListing = false;
    const gated = slowListings(leases, () => (slowListing ? sleep(500) : undefined));
    let again: Promise<void> | undefined;
    const engine: SendingEngine = engineFor(record, async () => undefined, submissions, {}, {
      leases: gated,
      onDrained: () => {
        slowListing = true;
        // A wake for the catalog arrives as its drain ends.
        again = drainOnce(engine, catalog);
      }
    });
    await drainOnce(engine, catalog).catch(() => undefined);
    await again?.catch(() => undefined);
    expect(submissions).toHaveLength(3);
    const budget = await budgetOf(mailbox);
    expect([budget.recent.length, dayRecipients(budget), budget.leaseUntil]).toEqual([3, 3, 0]);
  });

  it('a steady stream of wakes does not keep a due item behind pages of scheduled ones waiting: the drain walks to it and sends it', async () => {
    const { catalog, record } = setting();
    // Three pages of items scheduled for tomorrow, then one due now (queued after them: behind them).
    const tomorrow = Date.now() + 24 * 3600_000;
    await queue(catalog, Array.from({ length: 300 }, (_, i) => ({ bcc: [`r${i}@partner.example`], notBefore: tomorrow })));
    await sleep(5);
    const [due] = await queue(catalog, [{ bcc: ['due@partner.example'], key: 'due' }]);
    const submissions: Submission[] = [];
    // A wake for the catalog (the LMS queueing more) arrives during every listing of its queue, up to 40.
    let listings = 0;
    const gated = slowListings(outboxTable, (filter) => {
      if (!filter.includes("lt 'r}'") || submissions.length > 0 || ++listings > 40) {
        return undefined;
      }
      return drainOnce(engine, catalog).then(() => sleep(5));
    });
    const engine: SendingEngine = engineFor(record, async () => undefined, submissions, {}, { outbox: gated });
    await drainOnce(engine, catalog);
    expect(submissions.map((s) => s.messageId)).toEqual([`<${due}.0@lms.test>`]);
    // Reached by walking the four pages once, while the wakes still came (each used to restart the walk from the head).
    expect(listings).toBeLessThanOrEqual(6);
  });

  it('an item queued ahead of the walk (a higher priority) while the drain walks pages of scheduled ones is sent by the same drain', async () => {
    const { catalog, record } = setting();
    const tomorrow = Date.now() + 24 * 3600_000;
    await queue(catalog, Array.from({ length: 250 }, (_, i) => ({ bcc: [`r${i}@partner.example`], priority: 'bulk' as const, notBefore: tomorrow })));
    const submissions: Submission[] = [];
    let ahead: Promise<string[]> | undefined;
    // While the second page is listed, the LMS queues a normal one (ahead of every bulk row) and its wake comes.
    const gated = slowListings(outboxTable, (filter) => {
      if (!filter.includes('RowKey gt') || ahead) {
        return undefined;
      }
      ahead = queue(catalog, [{ bcc: ['ahead@partner.example'], key: 'ahead' }]);
      return ahead.then(() => drainOnce(engine, catalog));
    });
    const engine: SendingEngine = engineFor(record, async () => undefined, submissions, {}, { outbox: gated });
    await drainOnce(engine, catalog);
    const [id] = (await ahead) ?? [];
    expect(submissions.map((s) => s.messageId)).toEqual([`<${id}.0@lms.test>`]);
  });

  it('a reconnect as the same account while a drain sends (a new password): the drain stops with the old credentials, reports nothing of them against the new connection, and the next drain opens the new one', async () => {
    const { catalog, mailbox, record } = setting();
    const ids = await queue(catalog, [{ bcc: ['a@partner.example'] }, { bcc: ['b@partner.example'] }]);
    let current: ConnectionRecord = { ...record, method: 'classic' };
    const opened: number[] = [];
    const reported: Array<[string, number]> = [];
    const wakes: number[] = [];
    const sent: string[] = [];
    const engine: SendingEngine = new SendingEngine({
      config: { worker: true, messagesPerMinute: 30, recipientsPerDay: 10_000, recipientsPerMessage: 500, graphConcurrencyPerMailbox: 1, smtpConnectionsPerMailbox: 1, maxAttempts: 8, timeScale: 1, leaseSeconds: 30, pollMilliseconds: 1000, mailboxesPerInstance: 64, messageIdDomain: 'lms.test', lmsRateLimitPerMinute: 600 },
      connections: { read: async () => ({ record: current, etag: 'e' }) } as unknown as ConnectionStore,
      credentials: {
        open: async (opening: ConnectionRecord) => {
          opened.push(opening.generation);
          const transport: MailTransport = {
            kind: 'smtp-password', account: mailbox, concurrency: 1, probe: async () => undefined, close: async () => undefined,
            send: async (message) => {
              if (opening.generation === 1 && sent.length === 1) {
                // The old password, changed by the reconnect: its next login is refused.
                throw new ApiError('BAD_CREDENTIALS');
              }
              sent.push(message.messageId);
              if (opening.generation === 1) {
                // The admin reconnects the same account with the new password: generation 2.
                current = { ...current, generation: 2 };
                engine.connectionChanged(catalog);
              }
              return undefined;
            }
          };
          return transport;
        }
      } as unknown as CredentialsProvider,
      outbox: new OutboxStore(outboxTable),
      leases,
      queue: { wake: async (_catalog: string, delaySeconds: number) => void wakes.push(delaySeconds), receive: async () => [], extend: async (w: unknown) => w, done: async () => undefined } as unknown as WakeQueue,
      health: {
        lost: async (r) => void reported.push(['lost', r.generation]),
        used: async (r) => void reported.push(['used', r.generation]),
        blocked: async (r) => void reported.push(['blocked', r.generation])
      },
      log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, trace: () => undefined } as unknown as FastifyBaseLogger
    });
    await drainOnce(engine, catalog);
    // Stopped with the old credentials: no loss of generation 2, the other item back in the queue (not held, no failure), a wake at once.
    expect(reported.filter(([, generation]) => generation === 2)).toEqual([]);
    expect(wakes).toContain(0);
    const store = new OutboxStore(outboxTable);
    const waiting = (await Promise.all(ids.map((id) => store.read(catalog, id)))).find((item) => item?.state.state !== 'sent');
    expect(waiting?.state).toMatchObject({ state: 'queued', failures: 0, lastCode: null });
    await drainOnce(engine, catalog);
    expect(opened).toEqual([1, 2]);
    expect((await Promise.all(ids.map((id) => store.read(catalog, id)))).map((item) => item?.state.state)).toEqual(['sent', 'sent']);
    expect(sent).toHaveLength(2);
  });

  it('a drain that sent tells the connection\'s health when it signed in, not when it ended: a loss a check found in between is not undone by it (ConnectionWriter.recordHealth)', async () => {
    const { catalog, record } = setting();
    await queue(catalog, [{ bcc: ['a@partner.example'] }, { bcc: ['b@partner.example'] }]);
    const submissions: Submission[] = [];
    const used: Array<{ since: number; at: number }> = [];
    let openedAt = 0;
    await drainOnce(engineFor(record, async () => {
      await sleep(20);
    }, submissions, {}, { opened: () => { openedAt = Date.now(); }, used: async (_record, since) => { used.push({ since, at: Date.now() }); } }), catalog);
    expect(submissions).toHaveLength(2);
    expect(used).toHaveLength(1);
    expect(used[0].since).toBeLessThanOrEqual(openedAt);
    expect(used[0].since).toBeLessThanOrEqual(Math.min(...submissions.map((x) => x.at)));
    expect(used[0].at - used[0].since).toBeGreaterThanOrEqual(20);
  });

  it('a message another worker took over (this claim lapsed) and marked sent is counted once: by that worker, not by this drain too', async () => {
    const { catalog, record } = setting();
    const [id] = await queue(catalog, [{ bcc: ['r@partner.example'] }]);
    const store = new OutboxStore(outboxTable);
    const submissions: Submission[] = [];
    let takenOver: Promise<void> | undefined;
    await drainOnce(engineFor(record, async () => {
      // While this submission is on its way, another worker takes the item over and marks it sent.
      takenOver = (async () => {
        const claimed = await store.readForUpdate(catalog, id);
        const lapsed = (claimed?.state.claimUntil ?? 0) + 1;
        const theirs = await store.update(claimed as NonNullable<typeof claimed>, transition((claimed as NonNullable<typeof claimed>).state, { type: 'claim', now: lapsed, claimUntil: lapsed + 60_000 }));
        await store.update(theirs, transition(theirs.state, { type: 'sent', now: lapsed }));
      })();
      await takenOver;
    }, submissions), catalog);
    await takenOver;
    expect((await store.read(catalog, id))?.state).toMatchObject({ state: 'sent', attempts: 2, resubmissions: 1 });
    // The drain's counters (the restored notice's sums): the other worker records its own send.
    expect(await store.counters(catalog)).toMatchObject({ pending: 0, sent: 0 });
  });

  it('a session\'s pass that sent more than its item was queued with (a cancellation to those taken off, more attendees, the room) counts it all in the mailbox\'s budget', async () => {
    const { catalog, mailbox, record } = setting();
    const id = await queueInvitation(catalog, 's1', ['a@partner.example', 'b@partner.example']);
    const passes: string[] = [];
    const invitations: InvitationSender = {
      send: async (item) => {
        passes.push(item.id);
        // The latest revision to 30 attendees and the room, and a cancellation to 9 taken off.
        return { submitted: true, sent: { messages: 2, recipients: 40 } };
      }
    };
    await drainOnce(engineFor(record, async () => undefined, [], {}, { invitations }), catalog);
    expect(passes).toEqual([id]);
    const budget = await budgetOf(mailbox);
    expect([budget.recent.length, dayRecipients(budget)]).toEqual([2, 40]);
  });

  it('a session\'s pass that failed after something went out (the invitation, then not its cancellation) keeps what went in the budget: its slot is not given back', async () => {
    const { catalog, mailbox, record } = setting();
    await queueInvitation(catalog, 's2', ['a@partner.example']);
    const invitations: InvitationSender = {
      send: async () => {
        throw withPassSent(new ApiError('SERVICE_UNAVAILABLE'), { messages: 1, recipients: 3 });
      }
    };
    await drainOnce(engineFor(record, async () => undefined, [], { maxAttempts: 1 }, { invitations }), catalog);
    const budget = await budgetOf(mailbox);
    expect([budget.recent.length, dayRecipients(budget)]).toEqual([1, 3]);
  });

  it('a session\'s pass that found its meeting already sent (by an earlier pass) gives its slot back: nothing went now', async () => {
    const { catalog, mailbox, record } = setting();
    await queueInvitation(catalog, 's3', ['a@partner.example']);
    const invitations: InvitationSender = { send: async () => ({ submitted: true, sent: { messages: 0, recipients: 0 } }) };
    await drainOnce(engineFor(record, async () => undefined, [], {}, { invitations }), catalog);
    const budget = await budgetOf(mailbox);
    expect([budget.recent.length, dayRecipients(budget)]).toEqual([0, 0]);
    expect(await new OutboxStore(outboxTable).counters(catalog)).toMatchObject({ sent: 1 });
  });
  /** The leases table with `hook` run before its `nth` updateEntity (counted from 1): a slow write, or one that fails. */
  const onLeaseWrite = (nth: number, hook: () => Promise<unknown>): TableClient => {
    let writes = 0;
    return new Proxy(leases, {
      get: (target, name) => (name === 'updateEntity'
        ? async (...args: Parameters<TableClient['updateEntity']>) => {
          if (++writes === nth) {
            await hook();
          }
          return target.updateEntity(...args);
        }
        : Reflect.get(target, name).bind(target))
    });
  };

  /** The table with its `nth` submitTransaction (counted from 1) failing with a storage 503 that did not land. */
  const failingTransaction = (table: TableClient, nth: number): TableClient => {
    let count = 0;
    return new Proxy(table, {
      get: (target, name) => (name === 'submitTransaction'
        ? async (...args: Parameters<TableClient['submitTransaction']>) => {
          if (++count === nth) {
            throw Object.assign(new Error('storage 503'), { statusCode: 503 });
          }
          return target.submitTransaction(...args);
        }
        : Reflect.get(target, name).bind(target))
    });
  };

  it('a storage fault on a split message\'s part-accepted write is tried again, as the sent mark is: the part accepted is not sent again', async () => {
    const { catalog, record } = setting();
    const [id] = await queue(catalog, [{ bcc: ['a@partner.example', 'b@partner.example', 'c@partner.example', 'd@partner.example'], perMessage: 2 }]);
    const submissions: Submission[] = [];
    // Transaction 1: the claim; transaction 2: part 0 accepted - refused once by the storage.
    await drainOnce(engineFor(record, async () => undefined, submissions, { leaseSeconds: 2 }, { outbox: failingTransaction(outboxTable, 2) }), catalog);
    await sleep(2500);
    await drainOnce(engineFor(record, async () => undefined, submissions, { leaseSeconds: 2 }), catalog);
    expect(submissions.map((s) => s.messageId)).toEqual([`<${id}.0@lms.test>`, `<${id}.1@lms.test>`]);
    expect((await new OutboxStore(outboxTable).read(catalog, id))?.state).toMatchObject({ state: 'sent', partsSent: 2, resubmissions: 0 });
  });

  it('a slow wake-queue call does not hold the lease\'s renewal back: a second instance never takes the mailbox from a drain that is sending', async () => {
    const { catalog, record } = setting();
    await queue(catalog, Array.from({ length: 40 }, (_, i) => ({ bcc: [`r${i}@partner.example`] })));
    const first: Submission[] = [];
    const second: Submission[] = [];
    let extensions = 0;
    // Lease 1.5 s (renewed every 0.5 s); the first extension of the wake takes 4 s (Azure Queues: 30 s a try, retried).
    const slowQueue = async (w: unknown): Promise<unknown> => {
      if (extensions++ === 0) {
        await sleep(4000);
      }
      return w;
    };
    const a = drainOnce(engineFor(record, async () => sleep(300), first, { leaseSeconds: 1.5, messagesPerMinute: 1000 }, { extend: slowQueue }), catalog);
    await sleep(2600);
    const b = drainOnce(engineFor(record, async () => sleep(300), second, { leaseSeconds: 1.5, messagesPerMinute: 1000 }), catalog);
    await Promise.all([a, b]);
    const ids = [...first, ...second].map((x) => x.messageId);
    expect(second).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a lease whose renewal is late (the table slow to answer) stops the drain before it claims more: another instance takes over, and what went is not sent again', async () => {
    const { catalog, record } = setting();
    await queue(catalog, Array.from({ length: 40 }, (_, i) => ({ bcc: [`r${i}@partner.example`] })));
    const first: Submission[] = [];
    const second: Submission[] = [];
    // Instance A's lease writes: the first renewal hangs 3 s (longer than the 1.5 s lease).
    const slowLeases = onLeaseWrite(2, () => sleep(3000));
    // Sends of 400 ms, 4 at a time: the 40 would take A 4 s.
    const a = drainOnce(engineFor(record, async () => sleep(400), first, { leaseSeconds: 1.5, messagesPerMinute: 1000 }, { leases: slowLeases }), catalog);
    await sleep(2200);
    const b = drainOnce(engineFor(record, async () => sleep(400), second, { leaseSeconds: 1.5, messagesPerMinute: 1000 }), catalog);
    await Promise.all([a, b]);
    const ids = [...first, ...second].map((x) => x.messageId);
    // A stopped once its lease was within a third of lapsing; B sent the rest, and no message went twice
    // but for the submissions A had on their way (at most its 4), each counted a resubmission.
    const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(twice.length).toBeLessThanOrEqual(4);
    expect(new Set(ids).size).toBe(40);
    expect(second.length).toBeGreaterThan(0);
    // A stopped claiming when its lease came within a third of lapsing (at 1 s): what it sent is what
    // it had started by then.
    expect(first.length).toBeLessThanOrEqual(16);
  });

  it('a renewal that fails on a storage fault stops the drain, which still gives the mailbox up with what it sent: the next holder paces on from it', async () => {
    const { catalog, mailbox, record } = setting();
    await queue(catalog, Array.from({ length: 30 }, (_, i) => ({ bcc: [`r${i}@partner.example`] })));
    const submissions: Submission[] = [];
    // The lease's second renewal (at 1 s: the first write after its creation) fails with a storage 503 that did not land.
    const flaky = onLeaseWrite(2, async () => {
      throw Object.assign(new Error('storage 503'), { statusCode: 503 });
    });
    await drainOnce(engineFor(record, async () => sleep(300), submissions, { leaseSeconds: 1.5, messagesPerMinute: 1000 }, { leases: flaky }), catalog);
    expect(submissions.length).toBeGreaterThan(0);
    expect(submissions.length).toBeLessThan(30);
    const budget = await budgetOf(mailbox);
    expect([budget.recent.length, budget.leaseUntil]).toEqual([submissions.length, 0]);
  });

  it('a listing page ends once its bodies pass 4 million characters (the drain keeps its page while it walks it): large notifications are listed a few at a time, and all go', async () => {
    const { catalog, record } = setting();
    const ids = await queue(catalog, Array.from({ length: 10 }, (_, i) => ({ bcc: [`r${i}@partner.example`], text: 'x'.repeat(450_000) })));
    const perListing: number[] = [];
    const asked: number[] = [];
    const original = OutboxStore.prototype.pendingEntries;
    const spy = jest.spyOn(OutboxStore.prototype, 'pendingEntries').mockImplementation(function (this: OutboxStore, ...args: Parameters<OutboxStore['pendingEntries']>) {
      asked.push(args[1] ?? 100);
      const k = perListing.push(0) - 1;
      const inner = original.apply(this, args);
      return (async function* () {
        for await (const entry of inner) {
          perListing[k]++;
          yield entry;
        }
      })();
    });
    try {
      const submissions: Submission[] = [];
      await drainOnce(engineFor(record, async () => undefined, submissions, { messagesPerMinute: 1000 }), catalog);
      // 9 bodies of 450,000 pass 4 million: the first page holds 9, the rest come with the next listing.
      expect(perListing[0]).toBe(9);
      // The storage answers a page whole: the next listing asks for as many rows as this one held.
      expect(asked.slice(0, 2)).toEqual([100, 9]);
      expect(submissions.map((x) => x.messageId).sort()).toEqual(ids.map((id) => `<${id}.0@lms.test>`).sort());
    } finally {
      spy.mockRestore();
    }
  });

  it('an item due in a moment is not forgotten when a later one waits hours for the daily budget: the follow-up wake is for the sooner one', async () => {
    const { catalog, record } = setting();
    const submissions: Submission[] = [];
    const wakes: number[] = [];
    const config = { recipientsPerDay: 10 };
    // 6 of the day's 10 recipients spent.
    await queue(catalog, [{ bcc: Array.from({ length: 6 }, (_, i) => `x${i}@partner.example`), key: 'first' }]);
    await drainOnce(engineFor(record, async () => undefined, submissions, config), catalog);
    // U: normal, 1 recipient, due in 3 s (it fits). B: bulk, 8 recipients, due now (waits about a day).
    await queue(catalog, [{ bcc: ['u@partner.example'], notBefore: Date.now() + 3000, key: 'u' }]);
    await queue(catalog, [{ bcc: Array.from({ length: 8 }, (_, i) => `b${i}@partner.example`), priority: 'bulk', key: 'b' }]);
    await drainOnce(engineFor(record, async () => undefined, submissions, config, { wakes }), catalog);
    expect(submissions).toHaveLength(1);
    expect(wakes.length).toBeGreaterThan(0);
    expect(Math.max(...wakes)).toBeLessThanOrEqual(5);
  });

  it('a passing fault that is not the mail service being down (an internal error, an unknown 4xx) backs off its own item only: the mailbox sends on', async () => {
    const { catalog, mailbox, record } = setting();
    const [bad, ...good] = await queue(catalog, Array.from({ length: 4 }, (_, i) => ({ bcc: [`r${i}@partner.example`] })));
    const submissions: Submission[] = [];
    await drainOnce(engineFor(record, async (message) => {
      if (message.messageId.startsWith(`<${bad}.`)) {
        throw new ApiError('INTERNAL_ERROR');
      }
    }, submissions), catalog);
    const store = new OutboxStore(outboxTable);
    expect((await Promise.all(good.map((id) => store.read(catalog, id)))).map((x) => x?.state.state)).toEqual(['sent', 'sent', 'sent']);
    expect((await store.read(catalog, bad))?.state).toMatchObject({ state: 'queued', failures: 1, lastCode: 'INTERNAL_ERROR' });
    const budget = await budgetOf(mailbox);
    expect([budget.faults, budget.pausedUntil]).toEqual([undefined, 0]);
  });

  it('Key Vault refusing the API\'s key (SERVICE_KEY_UNAVAILABLE) is the service\'s own fault: the mailbox waits, no message counts a failure (so none fails however long it lasts), and all go once the key is back', async () => {
    const { catalog, mailbox, record } = setting();
    const ids = await queue(catalog, Array.from({ length: 3 }, (_, i) => ({ bcc: [`r${i}@partner.example`] })));
    const refused: Submission[] = [];
    const keyGone = async (): Promise<void> => {
      throw new ApiError('SERVICE_KEY_UNAVAILABLE', { upstream: 'keyvault 403 Forbidden' });
    };
    const config = { timeScale: 60, leaseSeconds: 2 };
    await drainOnce(engineFor(record, keyGone, refused, config), catalog);
    const store = new OutboxStore(outboxTable);
    const waiting = await Promise.all(ids.map((id) => store.read(catalog, id)));
    expect(refused.length).toBeGreaterThan(0);
    expect(waiting.map((x) => [x?.state.state, x?.state.failures ?? 0])).toEqual(ids.map(() => ['queued', 0]));
    const budget = await budgetOf(mailbox);
    expect(budget.pausedUntil).toBeGreaterThan(Date.now() - 1000);
    await sleep(Math.max(0, budget.pausedUntil - Date.now()) + 50);
    expect(await drainUntilSent(record, catalog, ids, config, 20)).toEqual(ids.map(() => 'sent'));
  });

  it('a mailbox lease names the instance that holds it (App Service\'s WEBSITE_INSTANCE_ID, else the host), for the operator reading the row', async () => {
    const { catalog, mailbox, record } = setting();
    await queue(catalog, [{ bcc: ['r@partner.example'] }]);
    const before = process.env.WEBSITE_INSTANCE_ID;
    process.env.WEBSITE_INSTANCE_ID = 'a1b2c3d4e5';
    try {
      await drainOnce(engineFor(record, async () => undefined, []), catalog);
    } finally {
      if (before === undefined) {
        delete process.env.WEBSITE_INSTANCE_ID;
      } else {
        process.env.WEBSITE_INSTANCE_ID = before;
      }
    }
    const row = await leases.getEntity<{ owner: string }>('mailbox', mailboxKey(mailbox));
    expect(row.owner).toMatch(/^a1b2c3d4e5\/[0-9a-f-]{36}$/);
    const other = setting();
    await queue(other.catalog, [{ bcc: ['r@partner.example'] }]);
    await drainOnce(engineFor(other.record, async () => undefined, []), other.catalog);
    expect((await leases.getEntity<{ owner: string }>('mailbox', mailboxKey(other.mailbox))).owner.startsWith(`${hostname()}/`)).toBe(true);
  });

  it('an outage of the mail service (503 on every send) pauses the whole mailbox with a growing back-off, and fails nothing before an hour of tries', async () => {
    const { catalog, mailbox, record } = setting();
    const ids = await queue(catalog, Array.from({ length: 40 }, (_, i) => ({ bcc: [`r${i}@partner.example`] })));
    const submissions: Submission[] = [];
    const outage = async (): Promise<void> => {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'Graph 503' });
    };
    // x60: a minute lasts a second, the back-off and the hour likewise (an hour: 60 s). A lease of
    // 2 s: a drain waits out a pause of at most a second, a longer one ends it (the wake comes back).
    const config = { timeScale: 60, leaseSeconds: 2 };
    const started = Date.now();
    while (Date.now() - started < 6000) {
      await drainOnce(engineFor(record, outage, submissions, config), catalog);
      await sleep(100);
    }
    const store = new OutboxStore(outboxTable);
    const states = await Promise.all(ids.map((id) => store.read(catalog, id)));
    expect(states.filter((x) => x?.state.state === 'failed')).toEqual([]);
    // Six scaled minutes: at most 30 submissions a minute were allowed, and the back-off kept far below it.
    expect(submissions.length).toBeLessThan(40);
    const budget = await budgetOf(mailbox);
    expect(budget.faults).toBeGreaterThan(1);
    // The service answers again: the backlog goes, and the run of faults is over.
    await sleep(Math.max(0, budget.pausedUntil - Date.now()) + 50);
    expect(await drainUntilSent(record, catalog, ids, { ...config, messagesPerMinute: 1000 }, 40)).toEqual(ids.map(() => 'sent'));
    expect((await budgetOf(mailbox)).faults).toBeUndefined();
  });
});
