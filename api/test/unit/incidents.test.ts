import { readFileSync } from 'node:fs';
import path from 'node:path';
import { emptyConnection, ConnectionRecord } from '../../src/connections/model';
import { claimNotice, dueNotice, followIncident, Incident, noticeSent } from '../../src/health/incident';
import { catalogName, connectedNoticeText, noticeText, readableTime, restoredReady } from '../../src/health/notices';
import { ERROR_CATALOGUE, OUTBOX_COUNT_CAP } from '@lms-m365/contracts';
import { sitePath } from '../../src/catalogs/catalogId';
import { needsAdmin } from '../../src/errors/failureKind';
import { AlertDeps, AlertService } from '../../src/health/alerts';

const connected = (): ConnectionRecord => ({ ...emptyConnection('https://t.test/sites/a', 'c1'), method: 'modern', account: { email: 'adele@contoso.test', displayName: 'Adele' }, health: { state: 'connected', code: null, checkedAt: null } });
const lost = (r: ConnectionRecord, code: 'TOKEN_REVOKED' | 'BAD_CREDENTIALS' = 'TOKEN_REVOKED'): ConnectionRecord => ({ ...r, health: { state: 'lost', code, checkedAt: null } });
const DAY = 86_400_000;

/**
 * An AlertService over a record kept here: its writes apply to it, Graph answers every mailbox's
 * language as en-US and the site's title as `siteTitle` (a failure when it is an Error, none when
 * absent), and keeps each mail's recipients and subject.
 */
function fakeAlerts(start: ConnectionRecord, options: { lmsAdmins: string[]; pending: number; now: string; siteTitle?: string | Error }): { alerts: AlertService; mails: Array<{ to: string[]; subject: string }>; record: () => ConnectionRecord } {
  let current = start;
  const mails: Array<{ to: string[]; subject: string }> = [];
  const deps = {
    config: { sender: 'notifications@contoso.test', lmsAdmins: options.lmsAdmins, reminderDays: 3, settingsPagePath: '/p' },
    connections: { read: async () => ({ record: current, etag: '*' }) },
    writer: { update: async (_catalog: string, change: (r: ConnectionRecord) => ConnectionRecord) => (current = change(current)) },
    counters: async () => ({ pending: options.pending, sent: 0, expired: 0, failed: 0 }),
    graph: {
      request: async (_token: string, method: string, path: string, body?: { message: { subject: string; toRecipients: { emailAddress: { address: string } }[] } }) => {
        if (method === 'GET' && path === '/sites/t.test:/sites/a:?$select=displayName') {
          if (options.siteTitle instanceof Error) throw options.siteTitle;
          return options.siteTitle === undefined ? {} : { displayName: options.siteTitle };
        }
        if (method === 'GET') return { language: { locale: 'en-US' } };
        mails.push({ to: (body?.message.toRecipients ?? []).map((r) => r.emailAddress.address), subject: body?.message.subject ?? '' });
        return undefined;
      }
    },
    appToken: async () => 'token',
    log: { warn: () => undefined, info: () => undefined },
    now: () => Date.parse(options.now)
  } as unknown as AlertDeps;
  return { alerts: new AlertService(deps), mails, record: () => current };
}

describe('incidents - one per loss, notices once each', () => {
  it('incident - opens when the connection turns lost, not again while it stays lost; resolves when it works again', () => {
    const a = connected();
    const b = followIncident(a, lost(a), '2026-12-01T00:00:00Z', () => 'i1');
    expect(b.incident).toMatchObject({ id: 'i1', code: 'TOKEN_REVOKED', since: '2026-12-01T00:00:00Z', resolvedAt: null });
    const c = followIncident(b, lost(b, 'BAD_CREDENTIALS'), '2026-12-01T01:00:00Z', () => 'i2');
    expect(c.incident?.id).toBe('i1');
    const alerted = { ...c, incident: noticeSent(c.incident as Incident, 'alert', '2026-12-01T00:00:01Z') };
    const d = followIncident(alerted, { ...alerted, health: { state: 'connected', code: null, checkedAt: null } }, '2026-12-01T02:00:00Z');
    expect(d.incident).toMatchObject({ id: 'i1', resolvedAt: '2026-12-01T02:00:00Z', restored: { sentAt: null } });
  });

  it('incident - a disconnect after the alert resolves it with a closing notice that keeps the account and who connected it; a loss nobody was alerted about closes with none', () => {
    const b = followIncident({ ...connected(), connectedBy: 'megan@contoso.test' }, lost({ ...connected(), connectedBy: 'megan@contoso.test' }), 'T0', () => 'i1');
    const alerted = { ...b, incident: noticeSent(b.incident as Incident, 'alert', 'T1') };
    const gone = { ...alerted, account: null, connectedBy: null, health: { state: 'not-connected' as const, code: null, checkedAt: null }, disconnected: { account: 'adele@contoso.test', by: 'nestor@contoso.test', at: 'T2' } };
    expect(followIncident(alerted, gone, 'T2').incident).toMatchObject({ resolvedAt: 'T2', restored: { sentAt: null }, disconnected: { account: 'adele@contoso.test', connectedBy: 'megan@contoso.test', by: 'nestor@contoso.test' } });
    // A record that does not say who (written by an instance from before it was kept): nobody named.
    expect(followIncident(alerted, { ...gone, disconnected: undefined }, 'T2').incident?.disconnected).toEqual({ account: 'adele@contoso.test', connectedBy: 'megan@contoso.test', by: null });
    expect(followIncident(b, { ...gone, incident: b.incident }, 'T2').incident).toMatchObject({ resolvedAt: 'T2', restored: null });
    expect(followIncident(b, { ...gone, incident: b.incident }, 'T2').incident).not.toHaveProperty('disconnected');
    expect(followIncident(b, { ...b, health: { state: 'connected', code: null, checkedAt: null } }, 'T2').incident).toMatchObject({ resolvedAt: 'T2', restored: null });
    // Working again: the restored notice, not the disconnect's.
    expect(followIncident(alerted, { ...alerted, health: { state: 'connected', code: null, checkedAt: null } }, 'T2').incident).not.toHaveProperty('disconnected');
  });

  it('notices - closed by a disconnect: names the account that was disconnected, closes the alert, says what is held now waits for an account (en, ja); due at once; to the admin who had connected it', async () => {
    const base = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1').incident as Incident;
    const closed: Incident = { ...base, alert: { claimedUntil: null, sentAt: '2026-12-01T00:00:01Z' }, resolvedAt: '2026-12-01T02:00:00Z', restored: { claimedUntil: null, sentAt: null }, disconnected: { account: 'adele@contoso.test', connectedBy: 'megan@contoso.test' }, atResolution: { pending: 3, sent: 0, expired: 0, failed: 0 } };
    const record = { ...connected(), account: null, connectedBy: null, health: { state: 'not-connected' as const, code: null, checkedAt: null } };
    expect(restoredReady(closed, { pending: 3, sent: 0, expired: 0, failed: 0 }, Date.parse('2026-12-01T02:00:01Z'), 3_600_000)).toBe(true);
    const en = noticeText('restored', 'en', record, closed, 'p', { pending: 3, sent: 0, expired: 0, failed: 0 });
    expect(en.subject).toBe('Closed: the Microsoft 365 account of catalog /sites/a was disconnected');
    expect(en.text).toContain('An admin of catalog https://t.test/sites/a disconnected adele@contoso.test (Dec 1, 2026, 02:00 UTC). This closes the alert about it (a problem since Dec 1, 2026, 00:00 UTC)');
    // Who disconnected, when the incident knows (incidents closed before it was kept do not).
    const named: Incident = { ...closed, disconnected: { account: 'adele@contoso.test', connectedBy: 'megan@contoso.test', by: 'nestor@contoso.test' } };
    expect(noticeText('restored', 'en', record, named, 'p', { pending: 0, sent: 0, expired: 0, failed: 0 }).text).toMatch(/^nestor@contoso\.test, an admin of catalog https:\/\/t\.test\/sites\/a, disconnected adele@contoso\.test \(Dec 1, 2026, 02:00 UTC\)\./);
    expect(noticeText('restored', 'ja', record, named, 'p', { pending: 0, sent: 0, expired: 0, failed: 0 }).text).toMatch(/^カタログ https:\/\/t\.test\/sites\/a の管理者 nestor@contoso\.test が 2026年12月1日 02:00（UTC）に adele@contoso\.test の接続を解除しました。/);
    expect(en.text).toContain('3 notifications are held and go out once an account is connected, unless they expire first.');
    expect(en.text).not.toContain('works again');
    expect(noticeText('restored', 'en', record, closed, 'p', { pending: 0, sent: 0, expired: 0, failed: 0 }).text).toContain('No notification is held.');
    const ja = noticeText('restored', 'ja', record, closed, 'p', { pending: 1, sent: 0, expired: 0, failed: 0 });
    expect(ja.subject).toBe('終了：カタログ /sites/a の Microsoft 365 アカウントの接続が解除されました');
    expect(ja.text).toContain('adele@contoso.test の接続を解除しました。');
    expect(ja.text).toContain('1 件の通知を保留しています。アカウントが接続されると送信されます');
    // A sending block ended by a disconnect closes the same way.
    expect(noticeText('restored', 'en', record, { ...closed, code: 'SENDING_BLOCKED' }, 'p', { pending: 0, sent: 0, expired: 0, failed: 0 }).subject).toBe(en.subject);

    // Sent at once, to the admin who had connected the account (the record keeps none now) and the LMS admins.
    const { alerts, mails, record: current } = fakeAlerts({ ...record, incident: closed }, { lmsAdmins: ['lms@contoso.test'], pending: 3, now: '2026-12-01T02:00:01Z' });
    expect(await alerts.dispatch(record.catalog)).toBe('restored');
    expect(mails).toEqual([{ to: ['megan@contoso.test', 'lms@contoso.test'], subject: en.subject }]);
    expect(current().incident?.restored?.sentAt).not.toBeNull();
  });

  it('incident - a sending block opens one (the connection works, the probe cannot clear it); a send that goes through resolves it; a loss meanwhile opens its own', () => {
    const a = connected();
    const blocked = { ...a, blocked: { code: 'SENDING_BLOCKED' as const, since: 'T0' } };
    const b = followIncident(a, blocked, 'T0', () => 'b1');
    expect(b.incident).toMatchObject({ id: 'b1', code: 'SENDING_BLOCKED', resolvedAt: null });
    // The health monitor's probe records a working connection: the block stays, and its incident.
    const probed = followIncident(b, { ...b, health: { state: 'connected', code: null, checkedAt: 'T1' } }, 'T1', () => 'x');
    expect(probed.incident).toMatchObject({ id: 'b1', resolvedAt: null });
    const alerted = { ...probed, incident: noticeSent(probed.incident as Incident, 'alert', 'T1') };
    expect(followIncident(alerted, { ...alerted, blocked: null }, 'T2').incident).toMatchObject({ id: 'b1', resolvedAt: 'T2', restored: { sentAt: null } });
    // Lifted while the last check could not tell (health "error", which the lift leaves as it is): those alerted are still told it works again.
    const unsure = { ...alerted, health: { state: 'error' as const, code: 'SERVICE_UNAVAILABLE' as const, checkedAt: 'T1' } };
    expect(followIncident(unsure, { ...unsure, blocked: null }, 'T2').incident).toMatchObject({ id: 'b1', resolvedAt: 'T2', restored: { sentAt: null } });
    const lostToo = followIncident(alerted, lost(alerted, 'BAD_CREDENTIALS'), 'T3', () => 'l1');
    expect(lostToo.incident).toMatchObject({ id: 'l1', code: 'BAD_CREDENTIALS' });
    // A block seen while already lost opens nothing new.
    const stillLost = followIncident(lostToo, { ...lostToo, blocked: { code: 'SENDING_BLOCKED', since: 'T4' } }, 'T4', () => 'y');
    expect(stillLost.incident?.id).toBe('l1');
  });

  it('notices - a sending block is told as Exchange stopping the account, not as a lost connection', () => {
    const record = followIncident(connected(), { ...connected(), blocked: { code: 'SENDING_BLOCKED', since: '2026-12-01T00:00:00Z' } }, '2026-12-01T00:00:00Z', () => 'b1');
    const incident = record.incident as Incident;
    const en = noticeText('alert', 'en', record, incident, 'p', { pending: 2, sent: 0, expired: 0, failed: 0 });
    expect(en.subject).toBe('Action needed: Exchange Online stopped sending for catalog /sites/a');
    expect(en.text).toContain('Exchange Online stopped this account from sending.');
    expect(en.text).toContain('2 notifications wait and go out once Exchange lets the account send again, unless they expire first');
    expect(en.text).not.toMatch(/was lost|reconnect/i);
    expect(noticeText('alert', 'ja', record, incident, 'p', { pending: 2, sent: 0, expired: 0, failed: 0 }).subject).toContain('送信を停止しました');
  });

  it('notices - a full mailbox is told as a block too, with its own cause and remedy; the daily quota opens no incident', () => {
    const record = followIncident(connected(), { ...connected(), blocked: { code: 'MAILBOX_FULL', since: '2026-12-01T00:00:00Z' } }, '2026-12-01T00:00:00Z', () => 'f1');
    const incident = record.incident as Incident;
    const en = noticeText('alert', 'en', record, incident, 'p', { pending: 1, sent: 0, expired: 0, failed: 0 });
    expect(en.subject).toBe('Action needed: Exchange Online stopped sending for catalog /sites/a');
    expect(en.text).toContain(ERROR_CATALOGUE.MAILBOX_FULL.title.en);
    expect(en.text).toContain(ERROR_CATALOGUE.MAILBOX_FULL.remedy.en);
    expect(en.text).not.toMatch(/was lost|reconnect/i);
    expect(noticeText('alert', 'ja', record, incident, 'p', { pending: 1, sent: 0, expired: 0, failed: 0 }).text).toContain(ERROR_CATALOGUE.MAILBOX_FULL.remedy.ja);
    expect([needsAdmin('MAILBOX_FULL'), needsAdmin('SENDING_BLOCKED'), needsAdmin('SENDING_QUOTA_EXCEEDED'), needsAdmin('TOKEN_REVOKED'), needsAdmin('THROTTLED')]).toEqual([true, true, false, false, false]);
  });

  it('incident - a resolved one stays as it was resolved; a loss without a code is taken for a revoked sign-in', () => {
    const b = followIncident(connected(), lost(connected()), 'T0', () => 'i1');
    const resolved = followIncident(b, { ...b, health: { state: 'connected', code: null, checkedAt: null } }, 'T1');
    expect(followIncident(resolved, { ...resolved, enabled: true }, 'T2').incident).toEqual(resolved.incident);
    expect(followIncident(connected(), { ...connected(), health: { state: 'lost', code: null, checkedAt: null } }, 'T0', () => 'i2').incident?.code).toBe('TOKEN_REVOKED');
  });

  it('notices - a resolved incident owes only its restored notice, once; a reminder claimed by another worker is not due twice', () => {
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    const open = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1').incident as Incident;
    // Resolved before its alert went out: nothing at all is due (no alert, no restored notice).
    expect(dueNotice({ ...open, resolvedAt: 'T1' }, t0, DAY)).toBeNull();
    const restored = { ...noticeSent(open, 'alert', new Date(t0).toISOString()), resolvedAt: 'T1', restored: { claimedUntil: null, sentAt: null } };
    expect(dueNotice(restored, t0 + 10 * DAY, DAY)).toBe('restored');
    const told = noticeSent(restored, 'restored', 'T2');
    expect([told.restored?.sentAt, told.reminder, told.alert.sentAt]).toEqual(['T2', null, new Date(t0).toISOString()]);
    expect(dueNotice(told, t0 + 10 * DAY, DAY)).toBeNull();
    const alerted = noticeSent(open, 'alert', new Date(t0).toISOString());
    const claimed = claimNotice(alerted, 'reminder', new Date(t0 + 2 * DAY).toISOString());
    expect(dueNotice(claimed, t0 + DAY, DAY)).toBeNull();
    expect(dueNotice(claimed, t0 + 2 * DAY, DAY)).toBe('reminder');
  });

  it('notices - each reminder of an incident has its number: the first is 1, one claimed after the last went out the next, one claimed again (its claim lapsed) keeps its own', () => {
    const open = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1').incident as Incident;
    const alerted = noticeSent(open, 'alert', 'T0');
    const first = claimNotice(alerted, 'reminder', 'T1');
    expect([first.reminder?.seq, first.alert.seq]).toEqual([1, undefined]);
    // Claimed again before it went out: the same number (its message id stays the same on a retry).
    expect(claimNotice(first, 'reminder', 'T2').reminder?.seq).toBe(1);
    const sent = noticeSent(first, 'reminder', 'T3');
    expect(claimNotice(sent, 'reminder', 'T4').reminder?.seq).toBe(2);
    expect(claimNotice(noticeSent(claimNotice(sent, 'reminder', 'T4'), 'reminder', 'T5'), 'reminder', 'T6').reminder?.seq).toBe(3);
    // A reminder stored before numbers were kept counts as the first.
    const unnumbered = { ...sent, reminder: { claimedUntil: null, sentAt: 'T3' } };
    expect(claimNotice(unnumbered, 'reminder', 'T4').reminder?.seq).toBe(2);
    expect(claimNotice({ ...unnumbered, reminder: { claimedUntil: 'T3', sentAt: null } }, 'reminder', 'T4').reminder?.seq).toBe(1);
    // Other notices carry no number.
    expect(claimNotice(alerted, 'restored', 'T1').restored).toEqual({ claimedUntil: 'T1', sentAt: null });
  });

  it('notices - the alert is due once; a live claim keeps others off, a lapsed one lets another try; reminders after the period', () => {
    const open = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1').incident as Incident;
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    expect(dueNotice(open, t0, 3 * DAY)).toBe('alert');
    const claimed = claimNotice(open, 'alert', new Date(t0 + 60_000).toISOString());
    expect(dueNotice(claimed, t0 + 1000, 3 * DAY)).toBeNull();
    expect(dueNotice(claimed, t0 + 60_000, 3 * DAY)).toBe('alert');
    const sent = noticeSent(claimed, 'alert', new Date(t0).toISOString());
    expect(dueNotice(sent, t0 + 3 * DAY - 1, 3 * DAY)).toBeNull();
    expect(dueNotice(sent, t0 + 3 * DAY, 3 * DAY)).toBe('reminder');
    const reminded = noticeSent(claimNotice(sent, 'reminder', 'x'), 'reminder', new Date(t0 + 3 * DAY).toISOString());
    expect(dueNotice(reminded, t0 + 4 * DAY, 3 * DAY)).toBeNull();
    expect(dueNotice(reminded, t0 + 6 * DAY, 3 * DAY)).toBe('reminder');
    expect(dueNotice(undefined, t0, DAY)).toBeNull();
  });

  it('notices - Japanese takes full-width punctuation after Japanese text (：（）), in every notice and for a sending block too', () => {
    const record = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1');
    const blocked = { ...record, incident: { ...(record.incident as Incident), code: 'SENDING_BLOCKED' as const } };
    const counters = { pending: 4, sent: 1, expired: 0, failed: 0 };
    const texts = [record, blocked].flatMap((r) => (['alert', 'reminder', 'restored'] as const).map((kind) => noticeText(kind, 'ja', r, r.incident as Incident, 'p', counters)));
    texts.push(connectedNoticeText('ja', { catalog: 'https://t.test/sites/a', account: 'adele@contoso.test', admin: 'Megan', at: '2026-12-01T00:00:00Z', page: 'p' }));
    const bad = texts.flatMap((t) => [t.subject, t.text]).filter((t) => /[ぁ-んァ-ンー一-龥]\s*[():]/.test(t));
    expect(bad).toEqual([]);
    // Every Japanese template of the source, the ones no record above selects included.
    const source = readFileSync(path.resolve(__dirname, '../../src/health/notices.ts'), 'utf8');
    expect(source.split('\n').filter((line) => !/^\s*(\*|\/\/)/.test(line) && /[ぁ-んァ-ンー一-龥]\s*[():]/.test(line))).toEqual([]);
  });

  it('notices - text names the catalog, the cause and its remedy, the link; in one language, or both when unknown', () => {
    const record = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1');
    const incident = record.incident as Incident;
    const counters = { pending: 4, sent: 0, expired: 0, failed: 0 };
    const en = noticeText('alert', 'en', record, incident, 'https://t.test/sites/a/SitePages/x.aspx', counters);
    // The subject names the catalog by its site's path (the whole URL is in the body): short enough
    // that a subject in English and Japanese both shows its Japanese half in a mail list.
    expect(en.subject).toBe('Action needed: the Microsoft 365 connection of catalog /sites/a was lost');
    expect(en.text).toContain('for catalog https://t.test/sites/a as');
    const long = { ...record, catalog: 'https://contoso.sharepoint.com/sites/onboarding-2027' };
    const bothSubject = noticeText('alert', 'both', long, incident, 'p', counters).subject;
    expect(bothSubject).toBe('Action needed: the Microsoft 365 connection of catalog /sites/onboarding-2027 was lost / 対応が必要です：カタログ /sites/onboarding-2027 の Microsoft 365 接続が切れました');
    expect(bothSubject.indexOf('対応が必要です')).toBeLessThan(100);
    expect(sitePath('https://t.test/')).toBe('https://t.test/');
    expect(sitePath('not a url')).toBe('not a url');
    expect(en.text).toContain(ERROR_CATALOGUE.TOKEN_REVOKED.title.en);
    expect(en.text).toContain(ERROR_CATALOGUE.TOKEN_REVOKED.remedy.en);
    expect(en.text).toContain('https://t.test/sites/a/SitePages/x.aspx');
    expect(en.text).toContain('4 notifications are held and go out once the connection works again, unless they expire first.');
    expect(en.text).not.toMatch(/nothing is lost/i);
    expect(en.text).toContain('Error code: TOKEN_REVOKED');
    expect(en.text).not.toMatch(/[ぁ-んァ-ン]/);
    const ja = noticeText('alert', 'ja', record, incident, 'p', counters);
    expect(ja.subject).toContain('接続が切れました');
    expect(ja.text).not.toContain('What to do');
    const both = noticeText('alert', 'both', record, incident, 'p', counters);
    expect(both.text).toContain('What to do');
    expect(both.text).toContain('対処方法');
  });

  it('notices - the link invites a reconnect only where a new sign-in can cure the cause (the page offers Reconnect there alone), in both languages', () => {
    const record = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1');
    const revoked = record.incident as Incident;
    const blockedByPolicy: Incident = { ...revoked, code: 'CONDITIONAL_ACCESS_BLOCKED' };
    const counters = { pending: 2, sent: 0, expired: 0, failed: 0 };
    const lostFor = (incident: Incident): ConnectionRecord => ({ ...record, health: { ...record.health, code: incident.code } });
    const text = (kind: 'alert' | 'reminder', language: 'en' | 'ja', incident: Incident): string => noticeText(kind, language, lostFor(incident), incident, 'p', counters).text;
    expect(text('alert', 'en', revoked)).toContain('Open the catalog\'s Microsoft 365 connection settings to reconnect:\np');
    expect(text('reminder', 'en', revoked)).toContain('Reconnect here:\np');
    expect(text('alert', 'ja', revoked)).toContain('カタログの Microsoft 365 接続設定を開いて再接続してください：\np');
    for (const kind of ['alert', 'reminder'] as const) {
      expect([kind, text(kind, 'en', blockedByPolicy)]).toEqual([kind, expect.stringContaining('The catalog\'s Microsoft 365 connection settings:\np')]);
      expect(text(kind, 'en', blockedByPolicy)).not.toMatch(/reconnect/i);
      expect(text(kind, 'ja', blockedByPolicy)).toContain('カタログの Microsoft 365 接続設定：\np');
      expect(text(kind, 'ja', blockedByPolicy)).not.toContain('再接続');
    }
    // The reason as the page shows it now: the policy lifted after the refresh token expired, the connection is TOKEN_REVOKED - a reconnect cures it.
    const now = noticeText('reminder', 'en', record, blockedByPolicy, 'p', counters).text;
    expect(now).toContain(ERROR_CATALOGUE.TOKEN_REVOKED.title.en);
    expect(now).toContain('Reconnect here:\np');
  });

  it('notices - English counts are singular for one notification and plural otherwise; the held ones may expire, in both languages', () => {
    const record = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1');
    const incident = record.incident as Incident;
    const one = { pending: 1, sent: 0, expired: 0, failed: 0 };
    expect(noticeText('alert', 'en', record, incident, 'p', one).text).toContain('1 notification is held and goes out once the connection works again, unless it expires first.');
    expect(noticeText('reminder', 'en', record, incident, 'p', one).text).toContain('1 notification is held.');
    expect(noticeText('reminder', 'en', record, incident, 'p', { ...one, pending: 3 }).text).toContain('3 notifications are held.');
    const blocked = { ...incident, code: 'SENDING_BLOCKED' as const };
    expect(noticeText('reminder', 'en', record, blocked, 'p', one).text).toContain('1 notification waits.');
    const resolved: Incident = { ...incident, resolvedAt: '2026-12-01T01:00:00Z', restored: { claimedUntil: null, sentAt: null }, atResolution: { pending: 2, sent: 0, expired: 0, failed: 0 } };
    expect(noticeText('restored', 'en', connected(), resolved, 'p', { pending: 1, sent: 1, expired: 0, failed: 0 }).text).toContain('1 went out, 0 had expired and 0 failed. 1 is still waiting its turn.');
    const ja = noticeText('alert', 'ja', record, incident, 'p', { ...one, pending: 4 }).text;
    expect(ja).toContain('4 件の通知を保留しています。接続が回復すると送信されます（それまでに期限切れになったものを除く）。');
    expect(ja).toContain('（エラー コード：TOKEN_REVOKED）');
    expect(ja).not.toContain('失われません');
  });

  it('notices - times read as a person reads them, in UTC and saying so (en, ja); the subjects of a reminder and of a restored notice in Japanese', () => {
    expect(readableTime('2026-01-05T03:12:00.000Z', 'en')).toBe('Jan 5, 2026, 03:12 UTC');
    expect(readableTime('2026-01-05T03:12:00.000Z', 'ja')).toBe('2026年1月5日 03:12（UTC）');
    expect(readableTime('2026-12-31T23:59:59+09:00', 'en')).toBe('Dec 31, 2026, 14:59 UTC');
    expect(readableTime('not a time', 'ja')).toBe('not a time');
    const record = followIncident(connected(), lost(connected()), '2026-01-05T03:12:00.000Z', () => 'i1');
    const incident = record.incident as Incident;
    const counters = { pending: 1, sent: 0, expired: 0, failed: 0 };
    expect(noticeText('alert', 'en', record, incident, 'p', counters).text).toContain('(since Jan 5, 2026, 03:12 UTC)');
    expect(noticeText('reminder', 'en', record, incident, 'p', counters).text).toMatch(/^Since Jan 5, 2026, 03:12 UTC, the LMS/);
    const ja = noticeText('reminder', 'ja', record, incident, 'p', counters);
    expect(ja.text).toMatch(/^2026年1月5日 03:12（UTC）以降、/);
    expect(ja.subject).toMatch(/^リマインダー：/);
    const resolved: Incident = { ...incident, resolvedAt: '2026-01-05T04:00:00Z', restored: { claimedUntil: null, sentAt: null }, atResolution: { pending: 0, sent: 0, expired: 0, failed: 0 } };
    expect(noticeText('restored', 'ja', connected(), resolved, 'p', counters).subject).toBe('回復：カタログ /sites/a の Microsoft 365 接続が復旧しました');
    expect(noticeText('restored', 'ja', connected(), { ...resolved, code: 'MAILBOX_FULL' }, 'p', counters).subject).toBe('回復：カタログ /sites/a の送信が再開されました');
  });

  it('notices - nothing held or waiting is said in words, not as counts of 0; a block with nothing waiting promises no hourly try (there is none) but says what lifts it; the Japanese says 接続が切れ, as the page does', () => {
    const record = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1');
    const incident = record.incident as Incident;
    const blocked: Incident = { ...incident, code: 'SENDING_BLOCKED' };
    const none = { pending: 0, sent: 0, expired: 0, failed: 0 };
    const some = { ...none, pending: 2 };
    const text = (kind: 'alert' | 'reminder' | 'restored', language: 'en' | 'ja', i: Incident, counters: typeof none, r: ConnectionRecord = record): string => noticeText(kind, language, r, i, 'p', counters).text;
    expect(text('alert', 'en', incident, none)).toContain('No notification is held now; what the LMS queues from now on is held and goes out once the connection works again, unless it expires first.');
    expect(text('alert', 'en', incident, none)).not.toMatch(/\b0 notifications\b/);
    expect(text('alert', 'ja', incident, none)).toContain('現在、保留中の通知はありません。これから LMS が送る通知は保留され、接続が回復すると送信されます（それまでに期限切れになったものを除く）。');
    expect(text('alert', 'ja', incident, none)).not.toContain('0 件');
    // The hourly try is the remedy's to say (while notifications wait), once; the alert's own paragraph says what waits.
    const own = (t: string): string => t.slice(t.lastIndexOf('\n\n'));
    expect(ERROR_CATALOGUE.SENDING_BLOCKED.remedy.en).toContain('while they do, the LMS tries again every hour');
    expect(ERROR_CATALOGUE.SENDING_BLOCKED.remedy.ja).toContain('送信待ちの通知がある間、LMS は 1 時間ごとに再試行します。');
    expect(own(text('alert', 'en', blocked, some))).toContain('2 notifications wait and go out once Exchange lets the account send again, unless they expire first.');
    expect(own(text('alert', 'ja', blocked, some))).toContain('2 件の通知が送信待ちです。');
    expect(own(text('alert', 'en', blocked, none))).toContain('No notification is waiting now: the LMS tries again as soon as one is, and a test email that goes through lifts the block at once.');
    expect(own(text('alert', 'ja', blocked, none))).toContain('現在、送信待ちの通知はありません。通知が送信待ちになるとすぐに LMS が再試行します。');
    for (const counters of [none, some]) {
      expect(own(text('alert', 'en', blocked, counters))).not.toContain('every hour');
      expect(own(text('alert', 'ja', blocked, counters))).not.toContain('1 時間ごと');
    }
    const resolvedWith = (i: Incident, pending: number): Incident => ({ ...i, resolvedAt: '2026-12-01T01:00:00Z', restored: { claimedUntil: null, sentAt: null }, atResolution: { pending, sent: 0, expired: 0, failed: 0 } });
    expect(text('restored', 'en', resolvedWith(incident, 0), none, connected())).toContain('again (since Dec 1, 2026, 01:00 UTC).\n\nNo notification was held while the connection was lost.\n\np');
    expect(text('restored', 'ja', resolvedWith(incident, 0), none, connected())).toContain('LMS は 2026年12月1日 01:00（UTC）から再びカタログ');
    expect(text('restored', 'ja', resolvedWith(incident, 0), none, connected())).toContain('接続が切れている間に保留した通知はありませんでした。');
    expect(text('restored', 'en', resolvedWith(blocked, 0), none, connected())).toContain('the LMS sends for catalog https://t.test/sites/a (since Dec 1, 2026, 01:00 UTC).');
    expect(text('restored', 'en', resolvedWith(blocked, 0), none, connected())).toContain('No notification was waiting.');
    expect(text('restored', 'ja', resolvedWith(blocked, 0), none, connected())).toContain('送信待ちの通知はありませんでした。');
    for (const [i, counters] of [[resolvedWith(incident, 0), none], [resolvedWith(blocked, 0), none]] as const) {
      expect(text('restored', 'en', i, counters, connected())).not.toContain('0 went out');
    }
    // Large counts are written as numbers are (1,234), and the outbox's cap as what it is: a lower bound.
    expect(text('alert', 'en', incident, { ...none, pending: 1234 })).toContain('1,234 notifications are held and go out');
    expect(text('alert', 'en', incident, { ...none, pending: OUTBOX_COUNT_CAP })).toContain('10,000 or more notifications are held and go out');
    expect(text('reminder', 'ja', incident, { ...none, pending: OUTBOX_COUNT_CAP })).toContain('10,000 件以上の通知を保留しています。');
    expect(text('alert', 'ja', blocked, { ...none, pending: 1234 })).toContain('1,234 件の通知が送信待ちです。');
    expect(text('restored', 'en', resolvedWith(incident, 2000), { pending: 0, sent: 1500, expired: 500, failed: 0 }, connected())).toContain('1,500 went out, 500 had expired and 0 failed.');
    // Something held: the counts, as before.
    expect(text('restored', 'ja', resolvedWith(incident, 1), { pending: 0, sent: 1, expired: 0, failed: 0 }, connected())).toContain('接続が切れている間に保留した通知のうち、1 件を送信し、0 件は有効期限切れ、0 件は失敗しました。');
    const japanese = (['alert', 'reminder', 'restored'] as const).flatMap((kind) => [incident, resolvedWith(incident, 1)].map((i) => noticeText(kind, 'ja', record, i, 'p', some)));
    expect(japanese.filter((t) => /失われ/.test(t.subject + t.text))).toEqual([]);
    expect(noticeText('alert', 'ja', record, incident, 'p', some).subject).toContain('接続が切れました');
    expect(noticeText('reminder', 'ja', record, incident, 'p', some).subject).toContain('接続は切れたままです');
  });

  it('notices - the last line says who else got the notice (each language\'s group sees only its own mail), and that the catalog has no alert recipients when the admin who connected stood in for them', () => {
    const record = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1');
    const incident = record.incident as Incident;
    const counters = { pending: 1, sent: 0, expired: 0, failed: 0 };
    const last = (t: string): string => t.slice(t.lastIndexOf('\n\n') + 2);
    const both = { alertRecipients: 2, connectedBy: true, lmsAdmins: 1, total: 3 };
    expect(last(noticeText('alert', 'en', record, incident, 'p', counters, both).text)).toBe('Sent to the catalog\'s alert recipients and the LMS administrators (3 people in all).');
    expect(last(noticeText('reminder', 'ja', record, incident, 'p', counters, both).text)).toBe('送信先：カタログのアラートを送る相手、LMS 管理者（計 3 人）。');
    const standIn = { alertRecipients: 0, connectedBy: true, lmsAdmins: 0, total: 1 };
    expect(last(noticeText('alert', 'en', record, incident, 'p', counters, standIn).text)).toBe('Sent to the admin who connected the account (1 person in all). No alert recipients are set for this catalog: choose them on its settings page.');
    expect(last(noticeText('alert', 'ja', record, incident, 'p', counters, { ...standIn, lmsAdmins: 2, total: 3 }).text)).toBe('送信先：アカウントを接続した管理者、LMS 管理者（計 3 人）。このカタログにはアラートを送る相手が設定されていません。設定ページで選んでください。');
    // Neither alert recipients nor a connecting admin on record: the LMS admins alone, and the hint.
    const lmsOnly = { alertRecipients: 0, connectedBy: false, lmsAdmins: 1, total: 1 };
    expect(last(noticeText('alert', 'en', record, incident, 'p', counters, lmsOnly).text)).toBe('Sent to the LMS administrators (1 person in all). No alert recipients are set for this catalog: choose them on its settings page.');
    // In both languages, each half says it.
    const text = noticeText('alert', 'both', record, incident, 'p', counters, both).text;
    expect(text.match(/Sent to /g)).toHaveLength(1);
    expect(text.match(/送信先：/g)).toHaveLength(1);
    expect(text.indexOf('Sent to ')).toBeLessThan(text.indexOf('----------'));
    // Without an audience (a caller that does not know it), no line.
    expect(noticeText('alert', 'en', record, incident, 'p', counters).text).not.toContain('Sent to');
  });

  it('notices - the mailbox owner is told the settings page link as that, and My Apps with its own address; the time readable', () => {
    const facts = { catalog: 'https://t.test/sites/a', account: 'adele@contoso.test', admin: 'Megan', at: '2026-12-01T00:00:00Z', page: 'https://t.test/sites/a/SitePages/x.aspx' };
    const en = connectedNoticeText('en', facts).text;
    expect(en).toContain('(Dec 1, 2026, 00:00 UTC)');
    expect(en).toContain('disconnect your mailbox on the catalog\'s Microsoft 365 connection settings page:\nhttps://t.test/sites/a/SitePages/x.aspx\n');
    expect(en).toContain('If you gave the consent yourself, you can also remove the LMS\'s access to your account in My Apps: https://myapplications.microsoft.com');
    // My Apps cannot remove what a tenant admin granted for everyone: the owner is not sent to a dead end.
    expect(en).toContain('Access that a tenant admin granted for the whole organization only a tenant admin can remove.');
    expect(connectedNoticeText('ja', facts).text).toContain('テナント管理者が組織全体に対して許可したアクセスは、テナント管理者のみが取り消せます。');
    expect(en).not.toMatch(/My Apps:\s*https:\/\/t\.test/);
    const ja = connectedNoticeText('ja', facts).text;
    expect(ja).toContain('Megan が 2026年12月1日 00:00（UTC）に adele@contoso.test を');
    expect(ja).toContain('接続設定ページで接続を解除するよう依頼してください：\nhttps://t.test/sites/a/SitePages/x.aspx\n');
    expect(ja).toContain('マイ アプリ（https://myapplications.microsoft.com）');
    expect(ja).toContain('会議出席依頼');
    // A Classic connection holds a password, which My Apps cannot revoke: the owner is told to change it.
    const classic = connectedNoticeText('both', { ...facts, method: 'classic' }).text;
    expect(classic).not.toContain('My Apps');
    expect(classic).not.toContain('マイ アプリ');
    expect(classic).toContain('change your password');
    expect(classic).toContain('パスワードを変更すると');
  });

  it('restored - reports what went out of what was held, and waits until it was dealt with (or an hour)', () => {
    const base = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1').incident as Incident;
    const resolved: Incident = { ...base, resolvedAt: '2026-12-01T01:00:00Z', restored: { claimedUntil: null, sentAt: null }, atResolution: { pending: 5, sent: 10, expired: 1, failed: 0 } };
    const now = { pending: 0, sent: 13, expired: 3, failed: 0 };
    expect(restoredReady(resolved, { pending: 3, sent: 12, expired: 1, failed: 0 }, Date.parse('2026-12-01T01:00:01Z'), 3_600_000)).toBe(false);
    expect(restoredReady(resolved, { pending: 3, sent: 12, expired: 1, failed: 0 }, Date.parse('2026-12-01T02:00:00Z'), 3_600_000)).toBe(true);
    expect(restoredReady(resolved, now, Date.parse('2026-12-01T01:00:01Z'), 3_600_000)).toBe(true);
    const text = noticeText('restored', 'en', connected(), resolved, 'p', now).text;
    expect(text).toContain('3 went out, 2 had expired and 0 failed. 0 are still waiting');
    expect(text).not.toContain('cancelled');
  });

  it('restored - what the LMS cancelled of what was held is said apart and is not waiting; it counts as dealt with; counters of before it was kept count none', () => {
    const base = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1').incident as Incident;
    // Counted before cancels were: no `cancelled` in the snapshot.
    const resolved: Incident = { ...base, resolvedAt: '2026-12-01T01:00:00Z', restored: { claimedUntil: null, sentAt: null }, atResolution: { pending: 5, sent: 10, expired: 1, failed: 0 } };
    const now = { pending: 0, sent: 12, expired: 1, failed: 1, cancelled: 2 };
    expect(restoredReady(resolved, now, Date.parse('2026-12-01T01:00:01Z'), 3_600_000)).toBe(true);
    expect(restoredReady(resolved, { ...now, cancelled: 1 }, Date.parse('2026-12-01T01:00:01Z'), 3_600_000)).toBe(false);
    const en = noticeText('restored', 'en', connected(), resolved, 'p', now).text;
    expect(en).toContain('2 went out, 0 had expired and 1 failed. The LMS cancelled 2 of them. 0 are still waiting their turn.');
    const ja = noticeText('restored', 'ja', connected(), resolved, 'p', { ...now, cancelled: 1 }).text;
    expect(ja).toContain('2 件を送信し、0 件は有効期限切れ、1 件は失敗しました。1 件は LMS が取り消しました。1 件は送信の順番を待っています。');
    // A sending block's restored notice says it too; cancels before the connection came back are not of these.
    const blocked: Incident = { ...resolved, code: 'SENDING_BLOCKED', atResolution: { pending: 5, sent: 10, expired: 1, failed: 0, cancelled: 7 } };
    expect(noticeText('restored', 'en', connected(), blocked, 'p', { ...now, cancelled: 8 }).text).toContain('The LMS cancelled 1 of them. 1 is still waiting its turn.');
  });

  it('notices - with ALERT_REMINDER_DAYS=0 no reminder is ever due; the alert and the restored notice still are', () => {
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    const open = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1').incident as Incident;
    expect(dueNotice(open, t0, 0)).toBe('alert');
    const alerted = noticeSent(open, 'alert', new Date(t0).toISOString());
    expect([dueNotice(alerted, t0 + 400 * DAY, 0), dueNotice(alerted, t0 + 400 * DAY, DAY)]).toEqual([null, 'reminder']);
    expect(dueNotice({ ...alerted, resolvedAt: 'T1', restored: { claimedUntil: null, sentAt: null } }, t0 + DAY, 0)).toBe('restored');
  });

  it('catalogName - a subject names the catalog by its site title and path (en, ja); by its path alone without a title; the title cleaned of control and bidi characters, a long one cut', () => {
    const url = 'https://t.test/sites/a';
    expect(catalogName(url, 'Catalog A', 'en')).toBe('"Catalog A" (/sites/a)');
    expect(catalogName(url, 'カタログ A', 'ja')).toBe('「カタログ A」（/sites/a）');
    expect([catalogName(url, null, 'en'), catalogName(url, undefined, 'ja'), catalogName(url, ' \t\n ', 'en')]).toEqual(['/sites/a', ' /sites/a ', '/sites/a']);
    expect(catalogName(url, 'Safety\r\nBcc: x@evil.test\u202e txt.exe\u0000', 'en')).toBe('"Safety Bcc: x@evil.test txt.exe" (/sites/a)');
    const long = catalogName(url, `${'あ'.repeat(70)}`, 'ja');
    expect(long).toBe(`「${'あ'.repeat(59)}…」（/sites/a）`);
    expect(catalogName(url, 'x'.repeat(60), 'en')).toBe(`"${'x'.repeat(60)}" (/sites/a)`);
  });

  it('notices - the subject names the catalog by the site title Graph has now; by its path when Graph does not say or fails (the notice goes out either way)', async () => {
    const open = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1');
    const subjects = async (siteTitle?: string | Error): Promise<string[]> => {
      const { alerts, mails } = fakeAlerts({ ...open, alertRecipients: ['alex@contoso.test'] }, { lmsAdmins: [], pending: 1, now: '2026-12-01T00:00:01Z', siteTitle });
      expect(await alerts.dispatch(open.catalog)).toBe('alert');
      return mails.map((m) => m.subject);
    };
    expect(await subjects('Catalog A')).toEqual(['Action needed: the Microsoft 365 connection of catalog "Catalog A" (/sites/a) was lost']);
    expect(await subjects()).toEqual(['Action needed: the Microsoft 365 connection of catalog /sites/a was lost']);
    expect(await subjects(new Error('Graph 503'))).toEqual(['Action needed: the Microsoft 365 connection of catalog /sites/a was lost']);
    const ja = noticeText('alert', 'ja', open, open.incident as Incident, 'p', { pending: 0, sent: 0, expired: 0, failed: 0 }, undefined, 'Catalog A');
    expect(ja.subject).toBe('対応が必要です：カタログ「Catalog A」（/sites/a）の Microsoft 365 接続が切れました');
    expect(noticeText('alert', 'ja', open, open.incident as Incident, 'p', { pending: 0, sent: 0, expired: 0, failed: 0 }).subject).toBe('対応が必要です：カタログ /sites/a の Microsoft 365 接続が切れました');
    const connectedTo = connectedNoticeText('both', { catalog: open.catalog, account: 'adele@contoso.test', admin: 'megan@contoso.test', at: '2026-12-01T00:00:00Z', page: 'p', siteTitle: 'Catalog A' });
    expect(connectedTo.subject).toBe('Your mailbox was connected to catalog "Catalog A" (/sites/a) / あなたのメールボックスがカタログ「Catalog A」（/sites/a）に接続されました');
  });

  it('recipients (R-LOSS-2) - the catalog\'s chosen alert recipients and the LMS admins; until the catalog chose some, the admin who connected the account instead', async () => {
    const sentTo = async (record: ConnectionRecord, lmsAdmins: string[]): Promise<string[][]> => {
      const { alerts, mails, record: current } = fakeAlerts(followIncident(record, lost(record), '2026-12-01T00:00:00Z', () => 'i1'), { lmsAdmins, pending: 1, now: '2026-12-01T00:00:01Z' });
      expect(await alerts.dispatch(record.catalog)).toBe('alert');
      expect(current().incident?.alert.sentAt).not.toBeNull();
      return mails.map((mail) => mail.to);
    };
    const byAdele = { ...connected(), connectedBy: 'Adele@contoso.test' };
    expect(await sentTo(byAdele, ['megan@contoso.test'])).toEqual([['adele@contoso.test', 'megan@contoso.test']]);
    expect(await sentTo({ ...byAdele, alertRecipients: ['alex@contoso.test'] }, ['megan@contoso.test'])).toEqual([['alex@contoso.test', 'megan@contoso.test']]);
    expect(await sentTo(byAdele, [])).toEqual([['adele@contoso.test']]);
    // Nobody at all: nothing to send to (logged), the alert is not tried again and again.
    expect(await sentTo(connected(), [])).toEqual([]);
  });

  describe('a shutdown (AlertService.close)', () => {
    const T0 = '2026-12-01T00:00:00Z';
    /** An open incident whose alert is due, a writer that applies updates, and Graph answering when the test says. */
    const service = (graph: () => Promise<unknown>): { alerts: AlertService; updates: () => number; record: () => ConnectionRecord } => {
      let record = followIncident(connected(), lost(connected()), T0, () => 'i1');
      let updates = 0;
      const deps = {
        config: { sender: 'notifications@contoso.test', lmsAdmins: ['megan@contoso.test'], reminderDays: 3, settingsPagePath: '/p' },
        connections: { read: async () => ({ record, etag: '*' }) },
        writer: {
          update: async (_catalog: string, change: (r: ConnectionRecord) => ConnectionRecord) => {
            updates++;
            record = change(record);
            return record;
          }
        },
        counters: async () => ({ pending: 1, sent: 0, expired: 0, failed: 0 }),
        graph: { request: async (_token: string, method: string) => (method === 'GET' ? { language: { locale: 'en-US' } } : graph()) },
        appToken: async () => 'token',
        log: { warn: () => undefined, info: () => undefined },
        now: () => Date.parse(T0) + 1000
      } as unknown as AlertDeps;
      return { alerts: new AlertService(deps), updates: () => updates, record: () => record };
    };

    it('waits for a notice already under way, which is then marked sent', async () => {
      let answer: () => void = () => undefined;
      const { alerts, record } = service(() => new Promise<void>((resolve) => (answer = resolve)));
      alerts.dispatchSoon(record().catalog, () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
      let closed = false;
      const closing = alerts.close().then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect([closed, record().incident?.alert.sentAt]).toEqual([false, null]);
      answer();
      await closing;
      expect(record().incident?.alert).toEqual({ claimedUntil: null, sentAt: new Date(Date.parse(T0) + 1000).toISOString() });
    });

    it('claims nothing once closing (another instance sends it), and waits at most its bound for a send that hangs', async () => {
      const idle = service(async () => undefined);
      await idle.alerts.close();
      expect([await idle.alerts.dispatch(idle.record().catalog), idle.updates()]).toEqual([null, 0]);
      const hung = service(() => new Promise(() => undefined));
      hung.alerts.dispatchSoon(hung.record().catalog, () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const started = Date.now();
      await hung.alerts.close(100);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(hung.record().incident?.alert.sentAt).toBeNull();
    });
  });
});
