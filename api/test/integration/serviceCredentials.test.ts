import { randomUUID } from 'node:crypto';
import { MicrosoftIdentity } from '../../src/identity/microsoftIdentity';
import { API_APP, appToken, threeCatalogFixture, catalogPath, connectClassic, connectModern, eventually, fault, inbox, setEnabled } from '../support/sending';
import { provisionSettingsList, settingsListItems, useStack } from '../support/stack';

jest.setTimeout(180_000);

// A minute lasts a tenth of a second: SEND_MAX_ATTEMPTS' hour passes in 6 s.
const SCALE = 600;
const SENDER = 'notifications@contoso.test';
const ADMIN = 'adele@contoso.test';
const CLASSIC_ADMIN = 'alex@contoso.test';
const OTHER_ADMIN = 'lynne@contoso.test';
const LEARNER = 'learner1@contoso.test';

/**
 * Refusals of the API's own rights, which only the operator or a tenant admin can mend. First its
 * client secret passes its end date (the local tenant's `client-secret`
 * fault: every token request with it answers invalid_client AADSTS7000222, as Entra does). That is
 * the operator's to mend, not any catalog admin's: no catalog is taken for lost, nobody is told to
 * sign in again, no notification fails however long it lasts, the operator's readiness check and
 * log say it - and once the secret is renewed, what waited goes out by itself. Then a tenant admin
 * removes its application permission MailboxSettings.Read: connections go on sending (their own
 * delegated tokens are untouched), a new connect is refused with the reason, the sweep says it once.
 */
describe('the API\'s own rights refused (real API and MSAL, local tenant, Azurite over loopback)', () => {
  const stack = useStack({ SEND_TIME_SCALE: String(SCALE), SEND_POLL_MS: '50', SEND_LEASE_SECONDS: '5', HEALTH_PROBE_INTERVAL_SECONDS: '0', KEEPALIVE_INTERVAL_SECONDS: '0', HEALTH_PROBE_CONCURRENCY: '1', SYSTEM_SENDER: SENDER, LMS_ADMINS: 'megan@contoso.test' }, { fixturePath: threeCatalogFixture(), tenantTimeScale: SCALE });

  /** What the system sender sent them, beside the notice that their mailbox was connected. */
  const alertsTo = async (upn: string): Promise<string[]> => (await inbox(stack, upn)).filter((m) => m.from.address === SENDER && !/was connected to catalog|に接続されました$/.test(m.subject)).map((m) => m.subject);
  const logLines = (): Array<{ level: string; msg?: string; code?: string; upstream?: string; catalog?: string; skipped?: number }> => stack.logs.lines.map((l) => JSON.parse(l));

  /** Catalogs A and C connected with Modern and sending; app-only tokens of a minute (the API's next one meets a change at once, as Entra's would within the hour). */
  const twoModernCatalogs = async (): Promise<{ modern: string; other: string; lms: string }> => {
    stack.tenant.state.limits.accessTokenLifetimeSeconds = 60;
    const modern = stack.catalogUrl('catalog-a');
    const other = stack.catalogUrl('catalog-c');
    for (const [admin, catalog] of [[ADMIN, modern], [OTHER_ADMIN, other]]) {
      await connectModern(stack, admin, catalog);
      await setEnabled(stack, admin, catalog, true);
    }
    return { modern, other, lms: await appToken(stack) };
  };

  it('no catalog is lost and nobody is alerted, nothing fails while it lasts, /readyz and one error line say it; renewed, everything goes out', async () => {
    // Access tokens of a minute: MSAL asks Entra at each use (it renews within five minutes of expiry), as it would an hour into a real outage.
    stack.tenant.state.limits.accessTokenLifetimeSeconds = 60;
    const modern = stack.catalogUrl('catalog-a');
    const classic = stack.catalogUrl('catalog-b');
    await provisionSettingsList(stack, modern, ADMIN);
    await connectModern(stack, ADMIN, modern);
    await setEnabled(stack, ADMIN, modern, true);
    await connectClassic(stack, CLASSIC_ADMIN, classic);
    await setEnabled(stack, CLASSIC_ADMIN, classic, true);
    const other = stack.catalogUrl('catalog-c');
    await connectModern(stack, OTHER_ADMIN, other);
    await setEnabled(stack, OTHER_ADMIN, other, true);
    const lms = await appToken(stack);
    const pageToken = await stack.token(ADMIN);
    expect((await stack.call('GET', '/readyz')).status).toBe(200);

    await fault(stack, 'client-secret', { app: API_APP.clientId });
    const refusedBefore = logLines().filter((l) => l.msg?.startsWith('service credentials refused')).length;
    const swept = await stack.api.monitor.sweep();
    // The first Modern catalog's probe met the refusal and the other was not asked (its token request
    // would meet the same); the Classic one (an SMTP login, no Entra) was probed all the same.
    expect(swept).toMatchObject({ lost: 0, failed: 1, skipped: 1, probed: 1 });
    const refusedLines = logLines().filter((l) => l.msg?.startsWith('service credentials refused'));
    expect(refusedLines).toHaveLength(refusedBefore + 1);
    expect(refusedLines[refusedLines.length - 1]).toMatchObject({ level: 'error', code: 'SERVICE_CREDENTIALS_REJECTED', upstream: 'AADSTS7000222' });

    // The operator's readiness check (App Service's health check, the availability test) says it.
    const ready = await stack.call('GET', '/readyz');
    expect([ready.status, ready.body.code, ready.body.upstream]).toEqual([503, 'SERVICE_CREDENTIALS_REJECTED', 'AADSTS7000222']);

    // The catalog is not lost, for the LMS and in the settings list: connected, or - when the sweep
    // probed this one of the two - a check that could not tell (R-PAGE-6 "error"), with the code.
    const view = await stack.call('GET', catalogPath(modern, '/connection'), { token: lms });
    const state = view.body.health.state as string;
    expect(view.body.health).toMatchObject(state === 'error' ? { code: 'SERVICE_CREDENTIALS_REJECTED' } : { state: 'connected', code: null });
    const [item] = await settingsListItems(stack, modern, ADMIN);
    // (The list is written with the API's own token, refused now: it may still say Connected.)
    expect(['Connected', state === 'error' ? 'Error' : 'Connected']).toContain(item.LmsConnectionStatus);

    // An admin's Check now is told what it is (not "sign in again"): 503 with the code.
    const check = await stack.call('POST', catalogPath(modern, '/connection/check'), { token: pageToken, headers: { 'accept-language': 'ja' } });
    expect([check.status, check.body.code]).toEqual([503, 'SERVICE_CREDENTIALS_REJECTED']);
    expect(check.body.title).toBe('Microsoft 365 が接続サービス自体のサインインを拒否しました。');

    // Notifications queued meanwhile wait: queued, not held, not failed, nothing in the learner's inbox.
    const subject = `while the secret is expired ${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await stack.call('POST', catalogPath(modern, '/notifications'), { token: lms, body: { to: [LEARNER], subject: `${subject} ${i}`, text: 'x' }, headers: { 'idempotency-key': randomUUID() } });
      expect([res.status, res.body.status]).toEqual([202, 'queued']);
      ids.push(res.body.id);
    }
    const status = async (id: string): Promise<{ status: string; code?: string; history: Array<{ status: string }> }> => (await stack.call('GET', catalogPath(modern, `/notifications/${id}`), { token: lms })).body;
    await eventually(async () => ((await status(ids[0])).code === 'SERVICE_CREDENTIALS_REJECTED' ? true : undefined), 30_000, 'a send that met the refusal');
    // Longer than SEND_MAX_ATTEMPTS' hour at this scale, with the engine trying all along: still nothing failed.
    await new Promise((resolve) => setTimeout(resolve, 1.5 * 3_600_000 / SCALE));
    for (const id of ids) {
      const seen = await status(id);
      expect([id, seen.status]).toEqual([id, 'queued']);
      expect(seen.history.map((h) => h.status)).not.toContain('failed');
    }
    expect((await inbox(stack, LEARNER)).filter((m) => m.subject.startsWith(subject))).toHaveLength(0);
    // The Classic catalog (no Entra token) sends all the while.
    const classicSubject = `classic meanwhile ${randomUUID()}`;
    expect((await stack.call('POST', catalogPath(classic, '/notifications'), { token: lms, body: { to: [LEARNER], subject: classicSubject, text: 'x' }, headers: { 'idempotency-key': randomUUID() } })).status).toBe(202);
    await eventually(async () => ((await inbox(stack, LEARNER)).some((m) => m.subject === classicSubject) ? true : undefined), 30_000, 'the Classic catalog\'s notification');

    // Renewed (a new secret, the app restarted): the next sweep's probe gets a token, readiness is green.
    await fault(stack, 'client-secret', { app: API_APP.clientId, expired: false });
    const after = await stack.api.monitor.sweep();
    expect(after).toMatchObject({ lost: 0, restored: 0, failed: 0, probed: 3, skipped: 0 });
    const readyAgain = await stack.call('GET', '/readyz');
    expect([readyAgain.status, readyAgain.body.checks]).toEqual([200, { storage: 'ok', identity: 'ok' }]);
    // What waited goes out by itself (the mailbox's back-off runs out; no one reconnected).
    await eventually(async () => ((await inbox(stack, LEARNER)).filter((m) => m.subject.startsWith(subject)).length === 3 ? true : undefined), 60_000, 'the held notifications');
    for (const id of ids) {
      expect((await status(id)).status).toBe('sent');
    }
    // Nobody was told about their connection: no alert to the account, the catalog's admins or the LMS admins.
    for (const upn of [ADMIN, CLASSIC_ADMIN, OTHER_ADMIN, 'megan@contoso.test']) {
      expect([upn, await alertsTo(upn)]).toEqual([upn, []]);
    }
    // The API's secret is in no log line and no answer.
    expect(stack.logs.text()).not.toContain(API_APP.secret);
    expect(stack.responses.join('\n')).not.toContain(API_APP.secret);
  });

  it('a Conditional Access policy for workload identities blocking the API\'s app is the operator\'s (no catalog lost, /readyz says it); one blocking an account loses that catalog alone', async () => {
    const { modern, other, lms } = await twoModernCatalogs();
    const health = async (catalog: string): Promise<{ state: string; code: string | null }> => (await stack.call('GET', catalogPath(catalog, '/connection'), { token: lms })).body.health;

    // The policy blocks the API's client credentials: the accounts' own refreshes work, its app-only mailbox check does not.
    await fault(stack, 'conditional-access', { app: API_APP.clientId });
    expect(await stack.api.monitor.sweep()).toMatchObject({ lost: 0, failed: 1, skipped: 1 });
    // Neither is lost; the one the sweep probed says its check could not tell (R-PAGE-6 "error"), the other was skipped.
    const during = [await health(modern), await health(other)];
    expect(during.map((h) => h.state).sort()).toEqual(['connected', 'error']);
    expect(during.find((h) => h.state === 'error')).toMatchObject({ code: 'SERVICE_CREDENTIALS_REJECTED' });
    const ready = await stack.call('GET', '/readyz');
    expect([ready.status, ready.body.code, ready.body.upstream]).toEqual([503, 'SERVICE_CREDENTIALS_REJECTED', 'AADSTS53003']);
    await fault(stack, 'conditional-access', { app: API_APP.clientId, blocked: false });
    expect(await stack.api.monitor.sweep()).toMatchObject({ lost: 0, failed: 0, skipped: 0 });
    expect((await stack.call('GET', '/readyz')).status).toBe(200);

    // A policy blocking one account: its catalog is lost with the reason, the other stays connected.
    await fault(stack, 'conditional-access', { user: ADMIN });
    expect(await stack.api.monitor.sweep()).toMatchObject({ lost: 1 });
    expect(await health(modern)).toMatchObject({ state: 'lost', code: 'CONDITIONAL_ACCESS_BLOCKED' });
    expect(await health(other)).toMatchObject({ state: 'connected', code: null });
    expect((await stack.call('GET', '/readyz')).status).toBe(200);
    // The LMS admins are told, with the policy's remedy and no invitation to reconnect (the page offers none for it).
    const alert = await eventually(async () => (await inbox(stack, 'megan@contoso.test')).find((m) => m.from.address === SENDER && m.subject.includes('was lost')), 30_000, 'the alert');
    expect(alert.body.content).toContain('CONDITIONAL_ACCESS_BLOCKED');
    expect(alert.body.content).not.toMatch(/reconnect|再接続/i);
    // Lifted, the next sweep finds it working again (no reconnect needed), and says so.
    await fault(stack, 'conditional-access', { user: ADMIN, blocked: false });
    expect(await stack.api.monitor.sweep()).toMatchObject({ lost: 0, restored: 1 });
    expect(await health(modern)).toMatchObject({ state: 'connected', code: null });
    await eventually(async () => {
      await stack.api.monitor.sweep();
      return (await alertsTo('megan@contoso.test')).some((subject) => subject.startsWith('Restored')) ? true : undefined;
    }, 30_000, 'the restored notice');
  });

  it('readiness: a refusal of the app-only token alone (a policy) lasts until an app-only token comes, whatever delegated tokens come meanwhile; a refused secret lifts with any token', async () => {
    // Tokens of a minute: MSAL asks Entra at each use, as it would an hour on.
    stack.tenant.state.limits.accessTokenLifetimeSeconds = 60;
    const identity = new MicrosoftIdentity(stack.config);
    const graph = `${stack.config.graphResource}/.default`;
    const delegated = async (): Promise<string> => identity.onBehalfOf(await stack.token(ADMIN), [`${stack.config.sharePointOrigin}/.default`]);
    await fault(stack, 'conditional-access', { app: API_APP.clientId });
    await expect(identity.appToken(graph)).rejects.toMatchObject({ code: 'SERVICE_CREDENTIALS_REJECTED', upstream: 'AADSTS53003' });
    expect(await delegated()).toBeTruthy();
    expect(identity.credentialsRefused).toBe('AADSTS53003');
    await fault(stack, 'conditional-access', { app: API_APP.clientId, blocked: false });
    expect(await identity.appToken(graph)).toBeTruthy();
    expect(identity.credentialsRefused).toBeUndefined();
    // An expired secret refuses every grant: the first token Entra issues after its renewal, of any kind, lifts it.
    await fault(stack, 'client-secret', { app: API_APP.clientId });
    await expect(identity.appToken(graph)).rejects.toMatchObject({ code: 'SERVICE_CREDENTIALS_REJECTED', upstream: 'AADSTS7000222' });
    await fault(stack, 'client-secret', { app: API_APP.clientId, expired: false });
    expect(await delegated()).toBeTruthy();
    expect(identity.credentialsRefused).toBeUndefined();
  });

  it('its application permission MailboxSettings.Read removed: connections are not lost and keep sending, a new connect says why, the sweep says it once', async () => {
    const { modern, other, lms } = await twoModernCatalogs();
    await fault(stack, 'withdraw-consent', { role: 'MailboxSettings.Read' });

    const swept = await stack.api.monitor.sweep();
    // Each Graph catalog's probe met it (an Exchange scope may leave out one mailbox only): counted, none lost.
    expect(swept).toMatchObject({ lost: 0, mailboxCheckRefused: 2, skipped: 0 });
    const lines = logLines().filter((l) => l.msg?.startsWith('mailbox check refused'));
    expect(lines).toEqual([expect.objectContaining({ level: 'error', code: 'SERVICE_PERMISSION_MISSING', upstream: 'Graph 403 ErrorAccessDenied (app-only mailboxSettings)', catalogs: 2 })]);
    // Not lost, and sending goes on; each check says it could not tell, with the code (R-PAGE-6 "error").
    for (const catalog of [modern, other]) {
      expect((await stack.call('GET', catalogPath(catalog, '/connection'), { token: lms })).body.health).toMatchObject({ state: 'error', code: 'SERVICE_PERMISSION_MISSING' });
    }
    // Readiness is not this (one mailbox's scope would otherwise take every instance out).
    expect((await stack.call('GET', '/readyz')).status).toBe(200);

    // The connection sends with its own delegated token, which the removal does not touch.
    const subject = `unchecked but sending ${randomUUID()}`;
    expect((await stack.call('POST', catalogPath(modern, '/notifications'), { token: lms, body: { to: [LEARNER], subject, text: 'x' }, headers: { 'idempotency-key': randomUUID() } })).status).toBe(202);
    await eventually(async () => ((await inbox(stack, LEARNER)).some((m) => m.subject === subject) ? true : undefined), 30_000, 'the notification');

    // A new connect cannot tell a shared mailbox, so it is refused - with the reason, not "accept every permission".
    const classic = stack.catalogUrl('catalog-b');
    const before = (await stack.call('GET', catalogPath(classic, '/connection'), { token: lms })).body;
    const refused = await stack.call('POST', catalogPath(classic, '/connection/classic'), { token: await stack.token(CLASSIC_ADMIN), body: { email: CLASSIC_ADMIN, password: 'dev-password' } });
    expect([refused.status, refused.body.code]).toEqual([503, 'SERVICE_PERMISSION_MISSING']);
    // Nothing was written of the refused connect.
    expect((await stack.call('GET', catalogPath(classic, '/connection'), { token: lms })).body.etag).toBe(before.etag);

    // Nobody was told their connection was lost.
    for (const upn of [ADMIN, OTHER_ADMIN, 'megan@contoso.test']) {
      expect([upn, await alertsTo(upn)]).toEqual([upn, []]);
    }
  });
});
