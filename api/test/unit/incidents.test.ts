import { emptyConnection, ConnectionRecord } from '../../src/connections/model';
import { claimNotice, dueNotice, followIncident, Incident, noticeSent } from '../../src/health/incident';
import { noticeText, restoredReady } from '../../src/health/notices';

const connected = (): ConnectionRecord => ({ ...emptyConnection('https://t.test/sites/a', 'c1'), method: 'modern', account: { email: 'adele@contoso.test', displayName: 'Adele' }, health: { state: 'connected', code: null, checkedAt: null } });
const lost = (r: ConnectionRecord, code: 'TOKEN_REVOKED' | 'BAD_CREDENTIALS' = 'TOKEN_REVOKED'): ConnectionRecord => ({ ...r, health: { state: 'lost', code, checkedAt: null } });
const DAY = 86_400_000;

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

  it('incident - a disconnect resolves it with no restored notice, and so does a loss nobody was alerted about', () => {
    const b = followIncident(connected(), lost(connected()), 'T0', () => 'i1');
    const alerted = { ...b, incident: noticeSent(b.incident as Incident, 'alert', 'T1') };
    expect(followIncident(alerted, { ...alerted, health: { state: 'not-connected', code: null, checkedAt: null } }, 'T2').incident).toMatchObject({ resolvedAt: 'T2', restored: null });
    expect(followIncident(b, { ...b, health: { state: 'connected', code: null, checkedAt: null } }, 'T2').incident).toMatchObject({ resolvedAt: 'T2', restored: null });
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

  it('notices - text names the catalog, the cause and its remedy, the link; in one language, or both when unknown', () => {
    const record = followIncident(connected(), lost(connected()), '2026-12-01T00:00:00Z', () => 'i1');
    const incident = record.incident as Incident;
    const counters = { pending: 4, sent: 0, expired: 0, failed: 0 };
    const en = noticeText('alert', 'en', record, incident, 'https://t.test/sites/a/SitePages/x.aspx', counters);
    expect(en.subject).toContain('https://t.test/sites/a');
    expect(en.text).toContain('The connection was lost: the sign-in is no longer valid.');
    expect(en.text).toContain('https://t.test/sites/a/SitePages/x.aspx');
    expect(en.text).toContain('4 notification(s) are held');
    expect(en.text).not.toMatch(/[ぁ-んァ-ン]/);
    const ja = noticeText('alert', 'ja', record, incident, 'p', counters);
    expect(ja.subject).toContain('接続が失われました');
    expect(ja.text).not.toContain('What to do');
    const both = noticeText('alert', 'both', record, incident, 'p', counters);
    expect(both.text).toContain('What to do');
    expect(both.text).toContain('対処方法');
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
  });
});
