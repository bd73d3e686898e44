import { randomUUID } from 'node:crypto';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import { TableClient } from '@azure/data-tables';
import { appToken, apiEnv, catalogPath, connectClassic, connectModern, eventually, fault, inbox, MailboxMessage, setEnabled } from '../support/sending';
import { useStack } from '../support/stack';
import { LogCapture } from '../support/inProcessApi';
import { loadConfig } from '../../src/config/config';
import { ConnectionStore } from '../../src/connections/connectionStore';
import { startApi } from '../../src/server';
import { TABLES } from '../../src/storage/tables';
import { MailboxLease } from '../../src/sending/mailboxLease';

jest.setTimeout(120_000);

const SCALE = 60;
const SENDER = 'notifications@contoso.test';

/** Connection loss (R-LOSS-1..3, R-OPS-3): detect, hold, alert once per incident, resume, say so. */
describe('connection loss (real API, local tenant, Azurite over loopback)', () => {
  const stack = useStack({ SEND_TIME_SCALE: String(SCALE), SEND_POLL_MS: '50', SEND_LEASE_SECONDS: '5', HEALTH_PROBE_INTERVAL_SECONDS: '0', KEEPALIVE_INTERVAL_SECONDS: '0', SYSTEM_SENDER: SENDER, LMS_ADMINS: 'megan@contoso.test' }, { tenantTimeScale: SCALE });
  let lms: string;

  beforeEach(async () => {
    lms = await appToken(stack);
  });

  const notices = async (upn: string, pattern: RegExp): Promise<MailboxMessage[]> => (await inbox(stack, upn)).filter((m) => m.from.address === SENDER && pattern.test(m.subject));
  const setRecipients = async (admin: string, catalog: string, alertRecipients: string[]): Promise<void> => {
    const token = await stack.token(admin);
    const view = await stack.call('GET', catalogPath(catalog, '/connection'), { token });
    const res = await stack.call('PATCH', catalogPath(catalog, '/connection'), { token, body: { alertRecipients }, headers: { 'if-match': view.headers.get('etag') ?? '' } });
    expect(res.status).toBe(200);
  };
  const queue = (catalog: string, subject: string) => stack.call('POST', catalogPath(catalog, '/notifications'), { token: lms, body: { to: ['learner1@contoso.test'], subject, text: 'x' }, headers: { 'idempotency-key': randomUUID() } });

  it('password changed - sending stops, one alert per incident in each recipient\'s language from the system sender, held items go out after reconnecting and a restored notice says so', async () => {
    const catalog = stack.catalogUrl('catalog-b');
    await connectClassic(stack, 'alex@contoso.test', catalog);
    await setEnabled(stack, 'alex@contoso.test', catalog, true);
    await setRecipients('alex@contoso.test', catalog, ['alex@contoso.test', 'learner2@contoso.test', 'someone@partner.example']);
    await fault(stack, 'password', { user: 'alex@contoso.test', password: 'changed-1' });

    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await queue(catalog, `held ${i}`);
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    const lost = /was lost|接続が切れました/;
    await eventually(async () => ((await notices('megan@contoso.test', lost)).length > 0 ? true : undefined), 30_000, 'the alert');
    // more failures, more dispatches, a monitor sweep: still one alert per recipient
    await queue(catalog, 'held 3');
    await stack.api.monitor.sweep();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const ja = await notices('alex@contoso.test', lost);
    const en = await notices('learner2@contoso.test', lost);
    const admins = await notices('megan@contoso.test', lost);
    const external = await notices('someone@partner.example', lost);
    expect([ja.length, en.length, admins.length, external.length]).toEqual([1, 1, 1, 1]);
    // The subject names the catalog by its site's title, as the local tenant's Graph has it, and its path.
    expect(ja[0].subject).toBe('対応が必要です：カタログ「Catalog B」（/sites/catalog-b）の Microsoft 365 接続が切れました');
    expect(en[0].subject).toBe('Action needed: the Microsoft 365 connection of catalog "Catalog B" (/sites/catalog-b) was lost');
    expect(external[0].body.content).toContain('What to do');
    expect(external[0].body.content).toContain('対処方法');
    expect(en[0].body.content).toContain(`${catalog}/SitePages/LmsM365Connection.aspx`);
    expect(en[0].body.content).toContain('The email address or password is wrong.');
    // Each language's group gets its own mail: each says who else was told.
    expect(en[0].body.content).toContain('Sent to the catalog\'s alert recipients and the LMS administrators (4 people in all).');
    expect(ja[0].body.content).toContain('送信先：カタログのアラートを送る相手、LMS 管理者（計 4 人）。');
    expect((await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject.startsWith('held '))).toHaveLength(0);
    const view = await stack.call('GET', catalogPath(catalog, '/connection'), { token: await stack.token('alex@contoso.test') });
    expect(view.body.health).toMatchObject({ state: 'lost', code: 'BAD_CREDENTIALS' });
    expect(view.body.outbox).toMatchObject({ waiting: 4, held: 4 });
    // R-OPS-2: the catalog's admins see the held items, newest first, with the reason; nobody else does
    const deliveries = await stack.call('GET', `${catalogPath(catalog, '/deliveries')}?limit=3`, { token: await stack.token('alex@contoso.test') });
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.counts).toMatchObject({ held: 4, sent: 0 });
    expect(deliveries.body.items.map((d: { subject: string }) => d.subject)).toEqual(['held 3', 'held 2', 'held 1']);
    expect(deliveries.body.items[0]).toMatchObject({ kind: 'notification', status: 'held', code: 'BAD_CREDENTIALS', recipients: 1, sentAt: null });
    expect(JSON.stringify(deliveries.body)).not.toContain('learner1@contoso.test');
    const next = await stack.call('GET', `${catalogPath(catalog, '/deliveries')}?limit=3&cursor=${deliveries.body.nextCursor}`, { token: await stack.token('alex@contoso.test') });
    expect([next.body.items.map((d: { subject: string }) => d.subject), next.body.nextCursor]).toEqual([['held 0'], null]);
    const stranger = await stack.call('GET', catalogPath(catalog, '/deliveries'), { token: await stack.token('nestor@contoso.test') });
    expect([stranger.status, stranger.body.code]).toEqual([403, 'NOT_CATALOG_ADMIN']);
    const app = await stack.call('GET', catalogPath(catalog, '/deliveries'), { token: lms });
    expect(app.status).toBe(403);

    await connectClassic(stack, 'alex@contoso.test', catalog, 'alex@contoso.test', 'changed-1');
    await eventually(async () => ((await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject.startsWith('held ')).length === 4 ? true : undefined), 30_000, 'the held items');
    const restored = await eventually(async () => {
      const got = await notices('learner2@contoso.test', /^Restored/);
      return got.length > 0 ? got : undefined;
    }, 30_000, 'the restored notice');
    expect(restored).toHaveLength(1);
    expect(restored[0].body.content).toContain('4 went out, 0 had expired and 0 failed');
    // queued = sent + expired + failed-with-reason: nothing silently dropped
    for (const id of ids) {
      expect((await stack.call('GET', catalogPath(catalog, `/notifications/${id}`), { token: lms })).body.status).toBe('sent');
    }
    // nothing was ever sent from the lost account itself about its loss
    expect((await inbox(stack, 'megan@contoso.test')).filter((m) => m.from.address === 'alex@contoso.test')).toHaveLength(0);
  });

  it('monitor - a revoked sign-in is found by the probe (a token refresh, no message); a passing fault is not a loss', async () => {
    const catalog = stack.catalogUrl('catalog-a');
    await connectModern(stack, 'adele@contoso.test', catalog);
    await setEnabled(stack, 'adele@contoso.test', catalog, true);
    await setRecipients('adele@contoso.test', catalog, ['adele@contoso.test']);
    await fault(stack, 'revoke-refresh-tokens', { user: 'adele@contoso.test' });
    const sentBefore = (await fetch(`${stack.tenant.origin}/_admin/mailboxes/adele%40contoso.test/messages?folder=sentitems`).then((r) => r.json()) as { value: unknown[] }).value.length;
    const result = await stack.api.monitor.sweep();
    expect(result.lost).toBeGreaterThanOrEqual(1);
    const view = await stack.call('GET', catalogPath(catalog, '/connection'), { token: await stack.token('adele@contoso.test') });
    expect(view.body.health).toMatchObject({ state: 'lost', code: 'TOKEN_REVOKED' });
    // The operator's log says which catalog was lost and why, with Entra's own code - once, not per look.
    const lostLines = () => stack.logs.lines.map((l) => JSON.parse(l) as { msg?: string; catalog?: string; code?: string; upstream?: string }).filter((l) => l.msg === 'connection lost' && l.catalog === catalog);
    expect(lostLines()).toEqual([expect.objectContaining({ code: 'TOKEN_REVOKED', upstream: expect.stringMatching(/^AADSTS\d+/) })]);
    await stack.api.monitor.sweep().catch(() => undefined);
    expect(lostLines()).toHaveLength(1);
    await eventually(async () => ((await notices('adele@contoso.test', /was lost/)).length === 1 ? true : undefined), 30_000, 'the alert');
    const sentAfter = (await fetch(`${stack.tenant.origin}/_admin/mailboxes/adele%40contoso.test/messages?folder=sentitems`).then((r) => r.json()) as { value: unknown[] }).value.length;
    expect(sentAfter).toBe(sentBefore);
    // a passing fault during a probe is not a loss: the health says the check could not tell
    // (R-PAGE-6 "error", with its code), nothing is held and no alert goes; the next probe clears it
    await connectModern(stack, 'adele@contoso.test', catalog);
    const alertsBefore = (await notices('adele@contoso.test', /was lost/)).length;
    await fault(stack, 'graph-failure', { status: 503 });
    await stack.api.monitor.sweep();
    await fault(stack, 'graph-failure', { status: 0 });
    const after = await stack.call('GET', catalogPath(catalog, '/connection'), { token: await stack.token('adele@contoso.test') });
    expect(after.body.health).toMatchObject({ state: 'error', code: 'SERVICE_UNAVAILABLE' });
    await stack.api.monitor.sweep();
    const cleared = await stack.call('GET', catalogPath(catalog, '/connection'), { token: await stack.token('adele@contoso.test') });
    expect(cleared.body.health).toMatchObject({ state: 'connected', code: null });
    expect((await notices('adele@contoso.test', /was lost/)).length).toBe(alertsBefore);
  });

  it('shutdown - an alert under way when an instance is told to stop is sent before it stops', async () => {
    const catalog = stack.catalogUrl('catalog-b');
    await connectClassic(stack, 'alex@contoso.test', catalog);
    await setRecipients('alex@contoso.test', catalog, ['learner2@contoso.test']);
    await fault(stack, 'password', { user: 'alex@contoso.test', password: 'changed-2' });
    const other = await startApi(loadConfig({ ...process.env, ...apiEnv(stack, { SYSTEM_SENDER: SENDER, LMS_ADMINS: 'megan@contoso.test' }) }), { logDestination: new LogCapture() });
    try {
      // Each Graph request of the alert (the languages, the sendMail) is answered half a second late.
      await fault(stack, 'latency', { ms: 500 });
      const check = await fetch(`${other.url}${catalogPath(catalog, '/connection/check')}`, { method: 'POST', headers: { authorization: `Bearer ${await stack.token('alex@contoso.test')}` } });
      const body = (await check.json()) as { health: unknown };
      expect(body.health).toMatchObject({ state: 'lost', code: 'BAD_CREDENTIALS' });
    } finally {
      await other.close();
      await fault(stack, 'latency', { ms: 0 });
    }
    // Without waiting for it, the instance stopped with the alert claimed and not sent: another would send it once the claim lapsed.
    const connections = new ConnectionStore(TableClient.fromConnectionString(stack.azurite.connectionString, TABLES.connections, { allowInsecureConnection: true }));
    const { record } = await connections.read(catalog);
    expect(record.incident?.alert).toMatchObject({ claimedUntil: null, sentAt: expect.any(String) });
    expect((await notices('learner2@contoso.test', /was lost/)).length).toBe(1);
  });

  it('monitor - the job runs once per period, whichever instance asks: a second run finds the lease taken', async () => {
    const first = await stack.api.monitor.runOnce('health-monitor');
    const second = await stack.api.monitor.runOnce('health-monitor');
    expect(first).toBeDefined();
    expect(second).toBeUndefined();
  });

  it('disconnected while lost - those alerted are told the alert is closed (the account that was disconnected, by whom, what stays held until an account is connected), once, by the admin who had connected it and the LMS admins', async () => {
    const catalog = stack.catalogUrl('catalog-a');
    await connectClassic(stack, 'adele@contoso.test', catalog);
    await setEnabled(stack, 'adele@contoso.test', catalog, true);
    // No alert recipients: the admin who connected the account stands in for them.
    await setRecipients('adele@contoso.test', catalog, []);
    await fault(stack, 'password', { user: 'adele@contoso.test', password: 'changed-2' });
    const held = await queue(catalog, 'held through a disconnect');
    await eventually(async () => ((await notices('adele@contoso.test', /was lost/)).length === 1 ? true : undefined), 30_000, 'the alert');
    const goneAt = Date.now();
    // Another admin of the catalog disconnects: the notice and the page name her, not the admin who had connected it.
    const gone = await stack.call('DELETE', catalogPath(catalog, '/connection'), { token: await stack.token('megan@contoso.test') });
    expect(gone.status).toBe(200);
    expect(gone.body.disconnected).toEqual({ account: 'adele@contoso.test', by: 'megan@contoso.test', at: expect.any(String) });
    expect(Date.parse(gone.body.disconnected.at)).toBeGreaterThanOrEqual(goneAt - 1000);
    const closed = await eventually(async () => {
      const got = await notices('megan@contoso.test', /^Closed/);
      return got.length > 0 ? got : undefined;
    }, 30_000, 'the closing notice');
    await stack.api.monitor.sweep();
    expect(closed).toHaveLength(1);
    expect(closed[0].body.content).toContain(`megan@contoso.test, an admin of catalog ${catalog}, disconnected adele@contoso.test`);
    expect(closed[0].body.content).toContain('1 notification is held and goes out once an account is connected, unless it expires first.');
    expect(closed[0].body.content).toContain('Sent to the admin who connected the account and the LMS administrators (2 people in all).');
    expect(await notices('adele@contoso.test', /^Closed/)).toHaveLength(1);
    // Not announced as working again.
    expect((await notices('megan@contoso.test', /^Restored/)).filter((m) => Date.parse(m.receivedDateTime) >= goneAt)).toHaveLength(0);
    const status = await stack.call('GET', catalogPath(catalog, `/notifications/${held.body.id}`), { token: lms });
    expect([status.body.status, status.body.code]).toEqual(['held', 'NOT_CONNECTED']);
  });
});

/**
 * Exchange stopping the account from sending is not a lost connection - the probe, which sends
 * nothing, finds it working - but the admins must hear of it as of a loss: a sending block
 * (SENDING_BLOCKED, here send-as denied over SMTP) and a mailbox over its quota (MAILBOX_FULL, here
 * Graph's ErrorQuotaExceeded). A time scale of 600: the mailbox's hour of pause lasts 6 seconds.
 */
describe('sending blocked by Exchange (real API, local tenant, Azurite over loopback)', () => {
  const BLOCK_SCALE = 600;
  const stack = useStack({ SEND_TIME_SCALE: String(BLOCK_SCALE), SEND_POLL_MS: '50', SEND_LEASE_SECONDS: '5', HEALTH_PROBE_INTERVAL_SECONDS: '0', KEEPALIVE_INTERVAL_SECONDS: '0', SYSTEM_SENDER: SENDER, LMS_ADMINS: 'megan@contoso.test' }, { tenantTimeScale: BLOCK_SCALE });

  interface IBlockCase {
    admin: string;
    site: string;
    connect: (catalog: string) => Promise<void>;
    block: () => Promise<void>;
    lift: () => Promise<void>;
    code: 'SENDING_BLOCKED' | 'SEND_AS_DENIED' | 'MAILBOX_FULL';
  }

  const scenario = async ({ admin: user, site, connect, block, lift, code }: IBlockCase): Promise<void> => {
    const lms = await appToken(stack);
    const catalog = stack.catalogUrl(site);
    const admin = await stack.token(user);
    await connect(catalog);
    await setEnabled(stack, user, catalog, true);
    await block();
    const queue = (subject: string) => stack.call('POST', catalogPath(catalog, '/notifications'), { token: lms, body: { to: ['learner1@contoso.test'], subject, text: 'x' }, headers: { 'idempotency-key': randomUUID() } });
    const first = await queue(`${site} blocked 1`);
    expect(first.status).toBe(202);
    const notices = async (pattern: RegExp): Promise<MailboxMessage[]> => (await inbox(stack, 'megan@contoso.test')).filter((m) => m.from.address === SENDER && pattern.test(m.subject) && m.subject.split(/[\s()]/).includes(new URL(catalog).pathname));
    const stopped = /Exchange Online stopped sending/;
    await eventually(async () => ((await notices(stopped)).length > 0 ? true : undefined), 30_000, 'the alert');
    const status = await stack.call('GET', catalogPath(catalog, `/notifications/${first.body.id}`), { token: lms });
    expect(status.body).toMatchObject({ status: 'queued', code });
    // The operator's log has it as a warning (it stops the catalog's sending), with Exchange's own reply.
    const refused = stack.logs.lines.map((l) => JSON.parse(l) as { msg?: string; level?: string; code?: string; kind?: string; notification?: string }).filter((l) => l.msg === 'submission refused' && l.notification === first.body.id);
    expect(refused[0]).toMatchObject({ level: 'warn', code, kind: 'mailbox-blocked' });
    // The probe finds the connection working: the block, and its incident, stay; still one alert.
    await queue(`${site} blocked 2`);
    await stack.api.monitor.sweep();
    const view = await stack.call('GET', catalogPath(catalog, '/connection'), { token: admin });
    expect(view.body.health.state).toBe('connected');
    expect(view.body.sendingBlocked).toMatchObject({ code });
    const alerts = await notices(stopped);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].body.content).toContain(ERROR_CATALOGUE[code].title.en);
    expect(alerts[0].body.content).toContain(ERROR_CATALOGUE[code].remedy.en);
    expect((await inbox(stack, 'megan@contoso.test')).filter((m) => /was lost/.test(m.subject))).toHaveLength(0);

    await lift();
    // After the (scaled) hour of pause both go out, and the incident is resolved with its notice.
    await eventually(async () => ((await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject.startsWith(`${site} blocked `)).length === 2 ? true : undefined), 30_000, 'the waiting notifications');
    await eventually(async () => {
      await stack.api.monitor.sweep();
      return (await notices(/works again/)).length === 1 ? true : undefined;
    }, 30_000, 'the restored notice');
    // Counted before the drain that found Exchange taking mail again sent them (it lifts the block after).
    expect((await notices(/works again/))[0].body.content).toContain('Of the notifications that waited, 2 went out, 0 had expired and 0 failed. 0 are still waiting their turn.');
    const after = await stack.call('GET', catalogPath(catalog, '/connection'), { token: admin });
    expect(after.body.sendingBlocked).toBeUndefined();
    // The operator's log: the block once when recorded (a warning, with its code), its lift once.
    const blockLines = stack.logs.lines.map((l) => JSON.parse(l) as { msg?: string; level?: string; catalog?: string; code?: string }).filter((l) => l.catalog === catalog && /^sending block/.test(l.msg ?? ''));
    expect(blockLines.map((l) => [l.msg, l.level, l.code])).toEqual([['sending blocked: recorded until a send goes through again', 'warn', code], ['sending block lifted', 'info', undefined]]);
  };

  it('a sending block (throttled after continuous send-as-denied errors, over SMTP): one alert names its cause and remedy (not a loss), the probe does not clear it, nothing is lost; once Exchange lets the account send, what waited goes out and a restored notice says so', async () => {
    await scenario({
      admin: 'alex@contoso.test',
      site: 'catalog-b',
      connect: (catalog) => connectClassic(stack, 'alex@contoso.test', catalog),
      block: () => fault(stack, 'sending-block', { mailbox: 'alex@contoso.test', cause: 'send-as-denied' }),
      lift: () => fault(stack, 'sending-block', { mailbox: 'alex@contoso.test', clear: true }),
      code: 'SEND_AS_DENIED'
    });
  });

  it('a full mailbox (Graph ErrorQuotaExceeded): the same - one alert with the full mailbox\'s cause and remedy, not "permissions missing" or a loss; once it has room, what waited goes out', async () => {
    await scenario({
      admin: 'adele@contoso.test',
      site: 'catalog-a',
      connect: (catalog) => connectModern(stack, 'adele@contoso.test', catalog),
      block: () => fault(stack, 'mailbox-full', { mailbox: 'adele@contoso.test' }),
      lift: () => fault(stack, 'mailbox-full', { mailbox: 'adele@contoso.test', clear: true }),
      code: 'MAILBOX_FULL'
    });
  });
});

/**
 * "Try again now" (POST .../connection/retry-sending), a new account and a test email that goes
 * through: once the admin fixed what Exchange refused, the mailbox asks again now instead of at its
 * hourly try - at most once a minute, never past Exchange's own pauses. A time scale of 60: the
 * hour of pause lasts a minute, the minute a second - so a delivery within 30 s came from the retry.
 */
describe('sending block: Try again now (real API, local tenant, Azurite over loopback)', () => {
  const RETRY_SCALE = 60;
  const stack = useStack({ SEND_TIME_SCALE: String(RETRY_SCALE), SEND_POLL_MS: '50', SEND_LEASE_SECONDS: '5', HEALTH_PROBE_INTERVAL_SECONDS: '0', KEEPALIVE_INTERVAL_SECONDS: '0', SYSTEM_SENDER: SENDER, LMS_ADMINS: 'megan@contoso.test' }, { tenantTimeScale: RETRY_SCALE, reset: 'tenant+storage' });
  const HOUR = 3_600_000 / RETRY_SCALE;

  interface IBlocked {
    catalog: string;
    admin: string;
    id: string;
    nextTry: number;
  }

  /** Alex's Classic connection of catalog B, send-as denied by Exchange: one notification waits, the block shown with its next try. */
  const blockAlex = async (subject: string): Promise<IBlocked> => {
    const catalog = stack.catalogUrl('catalog-b');
    const admin = await stack.token('alex@contoso.test');
    await connectClassic(stack, 'alex@contoso.test', catalog);
    await setEnabled(stack, 'alex@contoso.test', catalog, true);
    await fault(stack, 'sending-block', { mailbox: 'alex@contoso.test', cause: 'send-as-denied' });
    const queued = await stack.call('POST', catalogPath(catalog, '/notifications'), { token: await appToken(stack), body: { to: ['learner1@contoso.test'], subject, text: 'x' }, headers: { 'idempotency-key': randomUUID() } });
    expect(queued.status).toBe(202);
    const view = await eventually(async () => {
      const res = await stack.call('GET', catalogPath(catalog, '/connection'), { token: admin });
      return res.body.sendingBlocked?.nextTryAt ? res.body : undefined;
    }, 30_000, 'the block with its next try');
    expect(view.sendingBlocked.code).toBe('SEND_AS_DENIED');
    const nextTry = Date.parse(view.sendingBlocked.nextTryAt);
    // The hour after the refusal (scaled), not sooner.
    expect(nextTry).toBeGreaterThan(Date.now() + HOUR / 2);
    return { catalog, admin, id: queued.body.id, nextTry };
  };
  const delivered = async (subject: string): Promise<number> => (await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject === subject).length;
  const alerts = async (): Promise<MailboxMessage[]> => (await inbox(stack, 'megan@contoso.test')).filter((m) => m.from.address === SENDER && /Exchange Online stopped sending/.test(m.subject));

  it('Try again now while Exchange still refuses: one more try, paused another hour, no second alert; once lifted, what waited goes out at once and the block clears', async () => {
    const { catalog, admin, id } = await blockAlex('retry 1');
    await eventually(async () => ((await alerts()).length === 1 ? true : undefined), 30_000, 'the alert');
    const retry = (token = admin) => stack.call('POST', catalogPath(catalog, '/connection/retry-sending'), { token });
    // Not for the LMS or another catalog's admin: the mailbox's pause is the catalog admins' to cut short.
    expect((await retry(await appToken(stack))).status).toBe(403);
    expect((await retry(await stack.token('adele@contoso.test'))).status).toBe(403);

    // Still blocked: the try comes at once (a minute after the refusal, scaled: a second), is refused, pauses another hour.
    const asked = Date.now();
    const first = await retry();
    expect(first.status).toBe(200);
    expect(Date.parse(first.body.sendingBlocked.nextTryAt)).toBeLessThan(asked + 5000);
    const refusedAgain = await eventually(async () => {
      const res = await stack.call('GET', catalogPath(catalog, '/connection'), { token: admin });
      return Date.parse(res.body.sendingBlocked?.nextTryAt ?? '') > asked + HOUR / 2 ? Date.parse(res.body.sendingBlocked.nextTryAt) : undefined;
    }, 20_000, 'the refused try');
    const refusals = stack.logs.lines.map((l) => JSON.parse(l) as { msg?: string; notification?: string; audit?: string }).filter((l) => l.msg === 'submission refused' && l.notification === id);
    expect(refusals.length).toBe(2);
    expect(stack.logs.lines.some((l) => (JSON.parse(l) as { audit?: string }).audit === 'sending retried')).toBe(true);
    await stack.api.monitor.sweep();
    expect(await alerts()).toHaveLength(1);

    // The admin fixes it; the next try is at once (the last refusal was over a scaled minute ago), long before the hourly one.
    await fault(stack, 'sending-block', { mailbox: 'alex@contoso.test', clear: true });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await retry()).status).toBe(200);
    await eventually(async () => ((await delivered('retry 1')) === 1 ? true : undefined), 20_000, 'the waiting notification');
    // The mail reaches the inbox before the drain writes that the block is over: waited for, not read once.
    await eventually(async () => ((await stack.call('GET', catalogPath(catalog, '/connection'), { token: admin })).body.sendingBlocked === undefined ? true : undefined), 20_000, 'the block to clear');
    expect(Date.now()).toBeLessThan(refusedAgain);
    await eventually(async () => {
      await stack.api.monitor.sweep();
      return (await inbox(stack, 'megan@contoso.test')).some((m) => /works again/.test(m.subject)) ? true : undefined;
    }, 30_000, 'the restored notice');
    // No block any more: a retry changes nothing and says nothing.
    const idle = await retry();
    expect(idle.status).toBe(200);
    expect(idle.body.sendingBlocked).toBeUndefined();
  });

  it('Try again now twice within a minute of a refusal: the second try waits for that minute (no hammering)', async () => {
    const { catalog, admin } = await blockAlex('retry 2');
    const retry = () => stack.call('POST', catalogPath(catalog, '/connection/retry-sending'), { token: admin });
    await retry();
    const refused = await eventually(async () => {
      const res = await stack.call('GET', catalogPath(catalog, '/connection'), { token: admin });
      const next = Date.parse(res.body.sendingBlocked?.nextTryAt ?? '');
      return next > Date.now() + HOUR / 2 ? next - HOUR : undefined;
    }, 20_000, 'the refused try');
    // Pressed again at once: not before a (scaled) minute after that refusal.
    const second = await retry();
    expect(Date.parse(second.body.sendingBlocked.nextTryAt)).toBeGreaterThanOrEqual(refused + 60_000 / RETRY_SCALE - 50);
    // Refused again at that try: paused another hour. Then the mailbox's lease held elsewhere (a drain
    // of another catalog of the mailbox) for longer than the retry waits: the admin is asked to
    // repeat, not told that a try is coming.
    await eventually(async () => {
      const res = await stack.call('GET', catalogPath(catalog, '/connection'), { token: admin });
      return Date.parse(res.body.sendingBlocked?.nextTryAt ?? '') > Date.now() + HOUR / 2 ? true : undefined;
    }, 20_000, 'the next refusal');
    const leases = TableClient.fromConnectionString(stack.azurite.connectionString, TABLES.mailboxes, { allowInsecureConnection: true });
    const held = await MailboxLease.acquire(leases, 'alex@contoso.test', 'another-instance', Date.now(), 60_000);
    expect(held).toBeDefined();
    const busy = await retry();
    expect([busy.status, busy.body.code, Number(busy.headers.get('retry-after'))]).toEqual([503, 'SERVICE_UNAVAILABLE', 5]);
    await held?.release();
    expect((await retry()).status).toBe(200);
  });

  it('a new account (Modern in place of the refused Classic login) asks Exchange at once, and a test email that goes through clears the block', async () => {
    const { catalog, nextTry } = await blockAlex('retry 3');
    await fault(stack, 'sending-block', { mailbox: 'alex@contoso.test', clear: true });
    await connectModern(stack, 'alex@contoso.test', catalog);
    await eventually(async () => ((await delivered('retry 3')) === 1 ? true : undefined), 20_000, 'the waiting notification');
    expect(Date.now()).toBeLessThan(nextTry);

    // Blocked again, then lifted: an accepted test email is Exchange taking the account's mail: the block goes.
    const again = await blockAlex('retry 4');
    await fault(stack, 'sending-block', { mailbox: 'alex@contoso.test', clear: true });
    const test = await stack.call('POST', catalogPath(catalog, '/connection/test-email'), { token: again.admin, body: { to: 'alex@contoso.test' } });
    expect(test.status).toBe(200);
    const view = await stack.call('GET', catalogPath(catalog, '/connection'), { token: again.admin });
    expect(view.body.sendingBlocked).toBeUndefined();
    await eventually(async () => ((await delivered('retry 4')) === 1 ? true : undefined), 20_000, 'the waiting notification');
    expect(Date.now()).toBeLessThan(again.nextTry);
  });

  it('a test email refused by a sending block, nothing waiting: the card shows the block (no try planned: the next notification or test email asks) and the admins are told once; a test email that goes through clears it', async () => {
    const catalog = stack.catalogUrl('catalog-b');
    const admin = await stack.token('alex@contoso.test');
    await connectClassic(stack, 'alex@contoso.test', catalog);
    await setEnabled(stack, 'alex@contoso.test', catalog, true);
    const before = (await alerts()).length;
    await fault(stack, 'sending-block', { mailbox: 'alex@contoso.test', cause: 'send-as-denied' });
    const test = () => stack.call('POST', catalogPath(catalog, '/connection/test-email'), { token: admin, body: { to: 'alex@contoso.test' } });
    const refused = await test();
    expect([refused.status, refused.body.code]).toEqual([409, 'SEND_AS_DENIED']);
    const view = await stack.call('GET', catalogPath(catalog, '/connection'), { token: admin });
    expect(view.body.health.state).toBe('connected');
    expect(view.body.sendingBlocked).toMatchObject({ code: 'SEND_AS_DENIED' });
    expect(view.body.sendingBlocked.nextTryAt).toBeUndefined();
    await eventually(async () => {
      await stack.api.monitor.sweep();
      return (await alerts()).length === before + 1 ? true : undefined;
    }, 30_000, 'the alert');
    // Refused again: the same incident, no second alert.
    expect((await test()).body.code).toBe('SEND_AS_DENIED');
    await stack.api.monitor.sweep();
    expect(await alerts()).toHaveLength(before + 1);

    await fault(stack, 'sending-block', { mailbox: 'alex@contoso.test', clear: true });
    expect((await test()).status).toBe(200);
    expect((await stack.call('GET', catalogPath(catalog, '/connection'), { token: admin })).body.sendingBlocked).toBeUndefined();
  });
});
