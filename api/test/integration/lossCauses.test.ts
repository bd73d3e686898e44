import { randomUUID } from 'node:crypto';
import type { ErrorCode } from '@lms-m365/contracts';
import { appToken, catalogPath, connectClassic, connectModern, eventually, fault, inbox, setEnabled } from '../support/sending';
import { provisionSettingsList, settingsListItems, Stack, useStack } from '../support/stack';

jest.setTimeout(180_000);

const SCALE = 60;
const SENDER = 'notifications@contoso.test';
const ADMIN = 'adele@contoso.test';
const LEARNER = 'learner1@contoso.test';

interface Cause {
  name: string;
  method: 'modern' | 'modern-smtp' | 'classic';
  /** What the tenant's admin (or Microsoft) does to the account. */
  apply: (stack: Stack) => Promise<void>;
  code: ErrorCode;
  /** How the catalog gets well: the admin reconnects, or the cause is undone and the monitor's probe finds it gone. */
  cure: { reconnect: true } | { undo: (stack: Stack) => Promise<void> };
}

const CAUSES: Cause[] = [
  { name: 'refresh token revoked', method: 'modern', apply: (s) => fault(s, 'revoke-refresh-tokens', { user: ADMIN }), code: 'TOKEN_REVOKED', cure: { reconnect: true } },
  { name: 'refresh token expired', method: 'modern', apply: (s) => fault(s, 'expire-refresh-tokens', { user: ADMIN }), code: 'TOKEN_REVOKED', cure: { reconnect: true } },
  { name: 'consent withdrawn', method: 'modern', apply: (s) => fault(s, 'withdraw-consent', { user: ADMIN }), code: 'CONSENT_REQUIRED', cure: { reconnect: true } },
  { name: 'password changed (Classic)', method: 'classic', apply: (s) => fault(s, 'password', { user: ADMIN, password: 'changed-2' }), code: 'BAD_CREDENTIALS', cure: { reconnect: true } },
  { name: 'account disabled', method: 'modern', apply: (s) => fault(s, 'disable-account', { user: ADMIN }), code: 'ACCOUNT_DISABLED', cure: { undo: (s) => fault(s, 'disable-account', { user: ADMIN, enabled: true }) } },
  { name: 'mailbox removed', method: 'modern', apply: (s) => fault(s, 'remove-mailbox', { user: ADMIN }), code: 'MAILBOX_NOT_FOUND', cure: { undo: (s) => fault(s, 'restore-mailbox', { user: ADMIN }) } },
  { name: 'mailbox turned shared', method: 'modern', apply: (s) => fault(s, 'make-shared', { user: ADMIN }), code: 'SHARED_MAILBOX', cure: { undo: (s) => fault(s, 'restore-mailbox', { user: ADMIN }) } },
  { name: 'SMTP AUTH turned off', method: 'classic', apply: (s) => fault(s, 'smtp-auth', { user: ADMIN, enabled: false }), code: 'SMTP_AUTH_DISABLED', cure: { undo: (s) => fault(s, 'smtp-auth', { user: ADMIN, enabled: true }) } },
  { name: 'SMTP AUTH turned off (Modern over SMTP with OAuth)', method: 'modern-smtp', apply: (s) => fault(s, 'smtp-auth', { user: ADMIN, enabled: false }), code: 'SMTP_AUTH_DISABLED', cure: { undo: (s) => fault(s, 'smtp-auth', { user: ADMIN, enabled: true }) } },
  { name: 'basic auth turned off', method: 'classic', apply: (s) => fault(s, 'smtp-basic-auth', { enabled: false }), code: 'BASIC_AUTH_RETIRED', cure: { undo: (s) => fault(s, 'smtp-basic-auth', { enabled: true }) } }
];

/**
 * Issue 10 point 8: every cause of a lost connection (point 1), driven through the local tenant's
 * fault controls against the real API: sending stops, exactly one alert per incident goes to
 * exactly the alert recipients, the settings list item says Lost with the code, nothing is
 * dropped, and everything held goes out once the catalog is well again.
 */
describe('connection loss, cause by cause (real API, local tenant, Azurite over loopback)', () => {
  const stack = useStack({ SEND_TIME_SCALE: String(SCALE), SEND_POLL_MS: '50', SEND_LEASE_SECONDS: '5', HEALTH_PROBE_INTERVAL_SECONDS: '0', KEEPALIVE_INTERVAL_SECONDS: '0', SYSTEM_SENDER: SENDER, LMS_ADMINS: 'megan@contoso.test' }, { tenantTimeScale: SCALE });
  let lms: string;
  let catalog: string;

  beforeAll(async () => {
    catalog = stack.catalogUrl('catalog-a');
  });

  // The page's token, taken before the cause: a disabled account gets no new one (AADSTS50057), and
  // one already issued works until it expires, as Entra's do.
  let pageToken: string;
  beforeEach(async () => {
    lms = await appToken(stack);
    pageToken = await stack.token(ADMIN);
  });

  const alerts = async (upn: string): Promise<number> => (await inbox(stack, upn)).filter((m) => m.from.address === SENDER && /was lost|接続が切れました/.test(m.subject)).length;
  const status = async (id: string): Promise<{ status: string; code?: string }> => (await stack.call('GET', catalogPath(catalog, `/notifications/${id}`), { token: lms })).body;
  const view = async (): Promise<{ health: { state: string; code: string | null; checkedAt: string; since?: string } }> => (await stack.call('GET', catalogPath(catalog, '/connection'), { token: pageToken })).body;

  const setRecipients = async (alertRecipients: string[]): Promise<void> => {
    // The API writes its record by itself too (a health note after connecting): re-read on a stale ETag.
    for (let attempt = 0; ; attempt++) {
      const token = await stack.token(ADMIN);
      const etag = (await stack.call('GET', catalogPath(catalog, '/connection'), { token })).headers.get('etag') ?? '';
      const res = await stack.call('PATCH', catalogPath(catalog, '/connection'), { token, body: { alertRecipients }, headers: { 'if-match': etag } });
      if (res.status === 200 || attempt >= 3) {
        expect(res.status).toBe(200);
        return;
      }
    }
  };

  it.each(CAUSES.map((c) => [c.name, c] as const))('%s - sending stops, one alert to the recipients, the list says Lost, nothing is dropped, all goes out after', async (_name, cause) => {
    await provisionSettingsList(stack, catalog, ADMIN);
    if (cause.method === 'modern' || cause.method === 'modern-smtp') {
      await connectModern(stack, ADMIN, catalog, ADMIN, cause.method === 'modern-smtp' ? { transport: 'smtp-oauth' } : {});
    } else {
      await connectClassic(stack, ADMIN, catalog);
    }
    await setEnabled(stack, ADMIN, catalog, true);
    // The alert recipients are others than the account (a removed mailbox cannot receive its alert).
    await setRecipients(['nestor@contoso.test', 'alex@contoso.test']);

    await cause.apply(stack);
    if (cause.method === 'modern') {
      // An access token already issued keeps working until it expires, as Entra's do: a send may
      // still succeed, so the monitor's probe (a token refresh and a mailbox check) finds these.
      await stack.api.monitor.sweep();
    }
    const subject = `held (${cause.name}) ${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await stack.call('POST', catalogPath(catalog, '/notifications'), { token: lms, body: { to: [LEARNER], subject: `${subject} ${i}`, text: 'x' }, headers: { 'idempotency-key': randomUUID() } });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    // Classic: the engine's own SMTP login finds it.
    const lost = await eventually(async () => {
      const v = await view();
      return v.health.state === 'lost' ? v : undefined;
    }, 30_000, `the catalog lost (${cause.name})`);
    expect(lost.health.code).toBe(cause.code);
    await eventually(async () => ((await alerts('alex@contoso.test')) === 1 && (await alerts('nestor@contoso.test')) === 1 && (await alerts('megan@contoso.test')) === 1 ? true : undefined), 30_000, 'the alerts');
    // A second sweep, a third notification: still the same incident, no second alert.
    expect(lost.health.since).toEqual(expect.any(String));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await stack.api.monitor.sweep();
    // The sweep checked again (checkedAt moved); since when it is lost did not.
    const still = await view();
    expect([still.health.state, still.health.since, still.health.checkedAt > lost.health.checkedAt]).toEqual(['lost', lost.health.since, true]);
    const third = await stack.call('POST', catalogPath(catalog, '/notifications'), { token: lms, body: { to: [LEARNER], subject: `${subject} 2`, text: 'x' }, headers: { 'idempotency-key': randomUUID() } });
    expect([third.status, third.body.status]).toEqual([202, 'held']);
    ids.push(third.body.id);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Exactly the right people: the catalog's recipients and the LMS admins, once; nobody else.
    expect([await alerts('alex@contoso.test'), await alerts('nestor@contoso.test'), await alerts('megan@contoso.test'), await alerts(ADMIN), await alerts('lynne@contoso.test')]).toEqual([1, 1, 1, 0, 0]);
    for (const id of ids) {
      expect((await status(id)).status).toBe('held');
    }
    expect((await inbox(stack, LEARNER)).filter((m) => m.subject.startsWith(subject))).toHaveLength(0);
    // Read as the site's other owner: a disabled account gets no token.
    const [item] = await settingsListItems(stack, catalog, 'megan@contoso.test');
    expect(item).toMatchObject({ LmsConnectionStatus: 'Lost', LmsStatusCode: cause.code });

    if ('reconnect' in cause.cure) {
      if (cause.method === 'modern') {
        await connectModern(stack, ADMIN, catalog);
      } else {
        await connectClassic(stack, ADMIN, catalog, ADMIN, 'changed-2');
      }
    } else {
      const logFrom = stack.logs.lines.length;
      await cause.cure.undo(stack);
      const swept = await stack.api.monitor.sweep();
      expect(swept.restored).toBeGreaterThanOrEqual(1);
      // The operator's log says it came back, as it said it was lost: one line.
      expect(stack.logs.lines.slice(logFrom).map((l) => JSON.parse(l) as { msg?: string; catalog?: string }).filter((l) => l.msg === 'connection restored' && l.catalog === catalog)).toHaveLength(1);
    }
    await eventually(async () => ((await inbox(stack, LEARNER)).filter((m) => m.subject.startsWith(subject)).length === 3 ? true : undefined), 30_000, 'the held items');
    // queued = sent + expired + failed with a reason: nothing silently dropped. The mail reaches the
    // inbox a storage write before its item reads sent, so the statuses are waited for, not read once.
    const final = await eventually(async () => {
      const statuses = (await Promise.all(ids.map(status))).map((f) => f.status);
      return statuses.every((s) => s === 'sent') ? statuses : undefined;
    }, 30_000, 'the held items to read sent').catch(async () => (await Promise.all(ids.map(status))).map((f) => f.status));
    expect(final).toEqual(['sent', 'sent', 'sent']);
    expect((await view()).health).not.toHaveProperty('since');
    expect((await view()).health.state).toBe('connected');
    const [after] = await settingsListItems(stack, catalog, ADMIN);
    expect(after).toMatchObject({ LmsConnectionStatus: 'Connected' });
  });
});
