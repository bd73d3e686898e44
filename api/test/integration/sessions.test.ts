import { randomUUID } from 'node:crypto';
import * as ical from 'node-ical';
import { ApiError } from '../../src/errors/apiError';
import type { MailTransport } from '../../src/mail/transport';
import type { StoredItem } from '../../src/sending/outboxStore';
import { SessionInvitations } from '../../src/sessions/invitations';
import type { SessionRecord, SessionRevision, SessionStore } from '../../src/sessions/sessionStore';
import { appToken, catalogPath, connectClassic, connectModern, eventually, fault, inbox, mailboxCounters, MailboxMessage, NEXT_YEAR, setEnabled } from '../support/sending';
import { useStack } from '../support/stack';

/** The day the UK's clocks go forward in NEXT_YEAR (the last Sunday of March): 01:00-02:00 does not exist in Europe/London. */
const UK_CLOCKS_FORWARD = ((): string => {
  const day = new Date(Date.UTC(NEXT_YEAR, 2, 31));
  day.setUTCDate(31 - day.getUTCDay());
  return day.toISOString().slice(0, 10);
})();

jest.setTimeout(120_000);

const SCALE = 60;

interface TenantEvent {
  id: string;
  subject: string;
  isCancelled: boolean;
  start: { dateTime: string; timeZone: string };
  attendees: Array<{ emailAddress: { address: string }; type: string; status: { response: string } }>;
  onlineMeeting: { joinUrl: string } | null;
  body: { content: string };
}

/** The one VEVENT of an iCalendar text, parsed by node-ical (a real parser), with the calendar's METHOD. */
function parsed(ics: string): { method: string; uid: string; sequence: number; start: Date; end: Date; organizer: string; attendees: string[] } {
  const data = ical.sync.parseICS(ics);
  const events = Object.values(data).filter((c): c is ical.VEvent => c?.type === 'VEVENT');
  expect(events).toHaveLength(1);
  const ev = events[0];
  const calendar = data.vcalendar as unknown as { method?: string };
  const who = (v: unknown): string => String(typeof v === 'object' && v !== null && 'val' in v ? (v as { val: string }).val : v).replace(/^mailto:/i, '').toLowerCase();
  const attendees = ev.attendee === undefined ? [] : Array.isArray(ev.attendee) ? ev.attendee : [ev.attendee];
  return {
    method: String(calendar.method ?? ''),
    uid: ev.uid,
    sequence: Number(ev.sequence),
    start: ev.start as Date,
    end: ev.end as Date,
    organizer: who(ev.organizer),
    attendees: attendees.map(who).sort()
  };
}

describe('sessions (real API, local tenant, Azurite over loopback)', () => {
  // The room-answers job is driven by the test that checks it: run in the background too (every
  // minute, a tick every 6 s) it could read a room's answer first and leave that test nothing to find.
  const stack = useStack({ SEND_TIME_SCALE: String(SCALE), SEND_POLL_MS: '50', SEND_LEASE_SECONDS: '5', SEND_MAX_ATTEMPTS: '4', ROOM_ANSWER_INTERVAL_SECONDS: '0' }, { tenantTimeScale: SCALE });
  let catalogA: string;
  let catalogB: string;
  let lms: string;

  beforeAll(async () => {
    catalogA = stack.catalogUrl('catalog-a');
    catalogB = stack.catalogUrl('catalog-b');
  });

  beforeEach(async () => {
    stack.tenant.state.roomAnswerDelayMs = 300;
    lms = await appToken(stack);
  });

  const put = (catalog: string, id: string, body: Record<string, unknown>) => stack.call('PUT', catalogPath(catalog, `/sessions/${id}`), { token: lms, body });
  const cancel = (catalog: string, id: string, body: Record<string, unknown>) => stack.call('POST', catalogPath(catalog, `/sessions/${id}/cancel`), { token: lms, body });
  const status = (catalog: string, id: string) => stack.call('GET', catalogPath(catalog, `/sessions/${id}`), { token: lms });
  const until = (catalog: string, id: string, done: (body: any) => boolean, what: string) =>
    eventually(async () => {
      const res = await status(catalog, id);
      return done(res.body) ? res.body : undefined;
    }, 30_000, what);
  const events = async (upn: string): Promise<TenantEvent[]> => ((await (await fetch(`${stack.tenant.origin}/_admin/mailboxes/${encodeURIComponent(upn)}/events`)).json()) as { value: TenantEvent[] }).value;
  const invitations = async (upn: string): Promise<MailboxMessage[]> => (await inbox(stack, upn)).filter((m) => m.calendar);
  const graphCatalog = async (): Promise<void> => {
    // Megan, a tenant admin, connects with organisation-wide consent: Place.Read.All for rooms.
    await connectModern(stack, 'megan@contoso.test', catalogA, 'megan@contoso.test', { orgConsent: true });
    await setEnabled(stack, 'megan@contoso.test', catalogA, true);
  };
  const session = (revision: number, extra: Record<string, unknown> = {}) => ({
    revision,
    title: 'Safety training',
    html: '<p>Bring <b>boots</b>.</p>',
    start: { dateTime: `${NEXT_YEAR}-06-10T10:00:00`, timeZone: 'Asia/Tokyo' },
    end: { dateTime: `${NEXT_YEAR}-06-10T11:30:00`, timeZone: 'Asia/Tokyo' },
    attendees: [{ email: 'learner1@contoso.test', role: 'required' }, { email: 'learner2@contoso.test', role: 'optional' }],
    ...extra
  });

  it('auth and refusals - a signed-in user is refused, bad times and unknown sessions have precise codes', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const user = await stack.call('PUT', catalogPath(catalogB, '/sessions/s-auth'), { token: await stack.token('alex@contoso.test'), body: session(1) });
    expect([user.status, user.body.code]).toEqual([403, 'APP_ONLY']);
    // 01:30 on 28 March 2027 does not exist in London (the clocks go from 01:00 to 02:00).
    const gap = await put(catalogB, 's-gap', session(1, { start: { dateTime: `${UK_CLOCKS_FORWARD}T01:30:00`, timeZone: 'Europe/London' }, end: { dateTime: `${UK_CLOCKS_FORWARD}T03:00:00`, timeZone: 'Europe/London' } }));
    expect([gap.status, gap.body.code, gap.body.detail]).toEqual([400, 'VALIDATION_FAILED', 'start.dateTime does not exist in Europe/London (the clocks go forward then).']);
    // A title or a name is one line: a line break is refused, not folded away by the calendar library.
    for (const broken of [{ title: 'Course\r\nBCC: x@evil.example' }, { attendees: [{ email: 'learner1@contoso.test', name: 'Learner\n1' }] }]) {
      const res = await put(catalogB, 's-line', session(1, broken));
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    const zone = await put(catalogB, 's-zone', session(1, { start: { dateTime: `${NEXT_YEAR}-06-10T10:00:00`, timeZone: 'Mars/Olympus' } }));
    expect([zone.status, zone.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const backwards = await put(catalogB, 's-back', session(1, { end: { dateTime: `${NEXT_YEAR}-06-10T09:00:00`, timeZone: 'Asia/Tokyo' } }));
    expect([backwards.status, backwards.body.detail]).toEqual([400, 'end is not after start.']);
    const missing = await cancel(catalogB, 's-none', { revision: 2 });
    expect([missing.status, missing.body.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    // Sending switched off after the LMS's put: its repeat is the same revision (held), anything new is refused.
    const held = `s-${randomUUID()}`;
    expect((await put(catalogB, held, session(1, { start: { dateTime: `${NEXT_YEAR + 3}-06-10T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR + 3}-06-10T11:00:00`, timeZone: 'Asia/Tokyo' } }))).status).toBe(202);
    const later = `s-${randomUUID()}`;
    expect((await put(catalogB, later, session(2, { start: { dateTime: `${NEXT_YEAR + 3}-06-10T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR + 3}-06-10T11:00:00`, timeZone: 'Asia/Tokyo' } }))).status).toBe(202);
    await setEnabled(stack, 'alex@contoso.test', catalogB, false);
    // A late older revision is stale whatever the catalog's state (the LMS drops it rather than waits).
    for (const stale of [await put(catalogB, later, session(1)), await cancel(catalogB, later, { revision: 1 })]) {
      expect([stale.status, stale.body.code]).toEqual([409, 'SESSION_REVISION_STALE']);
    }
    const repeat = await put(catalogB, held, session(1, { start: { dateTime: `${NEXT_YEAR + 3}-06-10T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR + 3}-06-10T11:00:00`, timeZone: 'Asia/Tokyo' } }));
    expect([repeat.status, repeat.body.duplicate]).toEqual([202, true]);
    for (const refused of [await put(catalogB, held, session(2)), await cancel(catalogB, held, { revision: 2 }), await put(catalogB, `s-${randomUUID()}`, session(1)), await cancel(catalogB, 's-none', { revision: 2 })]) {
      expect([refused.status, refused.body.code]).toEqual([409, 'CATALOG_DISABLED']);
    }
    expect((await put(catalogB, held, { ...session(1), title: 'another title' })).body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    expect((await status(catalogB, 's-none')).body.code).toBe('SESSION_NOT_FOUND');
    const rooms = await stack.call('GET', catalogPath(catalogB, '/rooms'), { token: lms });
    expect([rooms.status, rooms.body.code]).toEqual([409, 'ROOMS_NOT_AVAILABLE']);
    // Graph without Place.Read.All (no tenant admin approved it): no rooms list, but a known room's free/busy.
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    const unapproved = await stack.call('GET', catalogPath(catalogA, '/rooms'), { token: lms });
    expect([unapproved.status, unapproved.body.code]).toEqual([409, 'ROOMS_NOT_AVAILABLE']);
    const known = await stack.call('GET', catalogPath(catalogA, `/rooms/availability?start=${NEXT_YEAR}-06-10T00:00:00Z&end=${NEXT_YEAR}-06-10T08:00:00Z&rooms=room-crane@contoso.test`), { token: lms });
    expect([known.status, known.body.items]).toEqual([200, [{ email: 'room-crane@contoso.test', free: true, busy: [] }]]);
    const range = await stack.call('GET', catalogPath(catalogA, `/rooms/availability?start=${NEXT_YEAR}-06-10T08:00:00Z&end=${NEXT_YEAR}-06-10T00:00:00Z&rooms=room-crane@contoso.test`), { token: lms });
    expect([range.status, range.body.detail]).toEqual([400, 'end is not after start.']);
    const garbage = await stack.call('GET', catalogPath(catalogA, `/rooms/availability?start=${NEXT_YEAR}-06-10T00:00:00Z&end=${NEXT_YEAR}-06-10T08:00:00Z&rooms=room-crane@contoso.test,not-an-address`), { token: lms });
    expect([garbage.status, garbage.body.code, garbage.body.detail]).toEqual([400, 'VALIDATION_FAILED', 'rooms: address 2 is not an email address.']);
    const leap = await stack.call('GET', catalogPath(catalogA, '/rooms/availability?start=2030-06-30T23:59:60Z&end=2030-07-01T08:00:00Z&rooms=room-crane@contoso.test'), { token: lms });
    expect([leap.status, leap.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('limits - more recipients than one message takes, a revision too large to store, a key an LMS notification already used: precise answers, and a long Japanese cancellation message is taken', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const many = Array.from({ length: 500 }, (_, i) => ({ email: `learner-${i}@partner.example` }));
    // 500 attendees and a room are 501 recipients of one message: Exchange would deliver it to none.
    const crowded = await put(catalogB, 's-crowded', session(1, { attendees: many, room: 'room-adams@contoso.test' }));
    expect([crowded.status, crowded.body.code, crowded.body.detail]).toEqual([400, 'VALIDATION_FAILED', 'attendees: at most 500 recipients in one invitation, the room included (Exchange would deliver it to none).']);
    // Within every field's limit, too large for the session's row as a whole: refused before anything is stored or sent.
    const named = many.map((a, i) => ({ ...a, name: `"${'名'.repeat(180)}" ${i}` }));
    const huge = await put(catalogB, 's-huge', session(1, { attendees: named, html: `<p>${'"'.repeat(99_000)}</p>` }));
    expect([huge.status, huge.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(huge.body.detail).toMatch(/^The session is too large to store: \d+ characters/);
    expect((await status(catalogB, 's-huge')).body.code).toBe('SESSION_NOT_FOUND');

    // An LMS notification whose key happens to be the one the session's item would use takes nothing from the session.
    const id = `s-${randomUUID()}`;
    const notification = await stack.call('POST', catalogPath(catalogB, '/notifications'), { token: lms, body: { to: ['learner1@contoso.test'], subject: 'same key', text: 'x' }, headers: { 'idempotency-key': `session|${id}|1` } });
    expect(notification.status).toBe(202);
    const first = await put(catalogB, id, session(1));
    expect([first.status, first.body.duplicate]).toEqual([202, false]);
    await until(catalogB, id, (b) => b.status === 'scheduled', 'the invitation');
    // 500 attendees with long addresses: the list of who has the meeting passes a table property's 64 KiB.
    const long = Array.from({ length: 500 }, (_, i) => ({ email: `${'learner'.repeat(10)}-${String(i).padStart(3, '0')}@partner.example` }));
    const big = `s-${randomUUID()}`;
    expect((await put(catalogB, big, session(1, { attendees: long }))).status).toBe(202);
    expect(await until(catalogB, big, (b) => b.status === 'scheduled' || b.status === 'failed', 'the large invitation')).toMatchObject({ status: 'scheduled', sentRevision: 1 });
    const message = 'お知らせ'.repeat(1500);
    const cancelled = await cancel(catalogB, id, { revision: 2, message });
    expect(cancelled.status).toBe(202);
    await until(catalogB, id, (b) => b.status === 'cancelled', 'the cancellation');
  });

  it('graph - rooms and free/busy; create with a Teams meeting and a room, move it to another time and room, change attendees, cancel: one event throughout', async () => {
    await graphCatalog();
    const rooms = await stack.call('GET', catalogPath(catalogA, '/rooms'), { token: lms });
    expect(rooms.status).toBe(200);
    expect(rooms.body.items).toEqual([
      { email: 'room-adams@contoso.test', name: 'Adams (Building 1)', capacity: 8, building: 'Building 1', floor: 1 },
      { email: 'room-baker@contoso.test', name: 'Baker (Building 1)', capacity: 20, building: 'Building 1', floor: 2 },
      { email: 'room-crane@contoso.test', name: 'Crane (Building 2)', capacity: 40, building: 'Building 2', floor: 1 }
    ]);
    // The rooms list is cached, but not for a catalog switched off since.
    await setEnabled(stack, 'megan@contoso.test', catalogA, false);
    const off = await stack.call('GET', catalogPath(catalogA, '/rooms'), { token: lms });
    expect([off.status, off.body.code]).toEqual([409, 'CATALOG_DISABLED']);
    await setEnabled(stack, 'megan@contoso.test', catalogA, true);
    const id = `s-${randomUUID()}`;
    const created = await put(catalogA, id, session(1, { room: 'room-adams@contoso.test', teams: true }));
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ sessionId: id, revision: 1, duplicate: false });
    const scheduled = await until(catalogA, id, (b) => b.status === 'scheduled' && b.room?.answer === 'accepted', 'the room to accept');
    expect(scheduled).toMatchObject({ transport: 'graph', sentRevision: 1, code: null, notes: [] });
    expect(scheduled.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    const [event] = await events('megan@contoso.test');
    expect(event).toMatchObject({ subject: 'Safety training', isCancelled: false, start: { dateTime: `${NEXT_YEAR}-06-10T10:00:00`, timeZone: 'Asia/Tokyo' } });
    expect(event.onlineMeeting?.joinUrl).toBe(scheduled.joinUrl);
    expect(event.attendees.map((a) => [a.emailAddress.address, a.type])).toEqual([['learner1@contoso.test', 'required'], ['learner2@contoso.test', 'optional'], ['room-adams@contoso.test', 'resource']]);
    const [request] = await invitations('learner1@contoso.test');
    expect(request.calendar?.method).toBe('REQUEST');
    expect(parsed(request.calendar?.ics as string)).toMatchObject({ method: 'REQUEST', uid: scheduled.uid, start: new Date(`${NEXT_YEAR}-06-10T01:00:00Z`) });
    // Tokyo 10:00 is 01:00 UTC: the room is busy then.
    const busy = await stack.call('GET', catalogPath(catalogA, `/rooms/availability?start=${NEXT_YEAR}-06-10T09:00:00%2B09:00&end=${NEXT_YEAR}-06-10T12:00:00%2B09:00`), { token: lms });
    expect(busy.body.items.map((r: { email: string; free: boolean }) => [r.email, r.free])).toEqual([['room-adams@contoso.test', false], ['room-baker@contoso.test', true], ['room-crane@contoso.test', true]]);
    expect(busy.body.items[0].busy).toEqual([{ start: `${NEXT_YEAR}-06-10T01:00:00.000Z`, end: `${NEXT_YEAR}-06-10T02:30:00.000Z` }]);

    const moved = await put(catalogA, id, session(2, { room: 'room-baker@contoso.test', teams: true, html: '<p>Bring <b>boots</b> and gloves.</p>', start: { dateTime: `${NEXT_YEAR}-06-11T14:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-06-11T15:00:00`, timeZone: 'Asia/Tokyo' } }));
    expect(moved.status).toBe(202);
    const updated = await until(catalogA, id, (b) => b.status === 'updated' && b.sentRevision === 2 && b.room?.answer === 'accepted', 'the move');
    expect(updated.room).toEqual({ email: 'room-baker@contoso.test', answer: 'accepted' });
    expect(updated.joinUrl).toBe(scheduled.joinUrl);
    // The new description went in before Exchange's join details, which the update kept: the
    // meeting is still a Teams meeting, and the attendees' update carries its link.
    const [kept] = await events('megan@contoso.test');
    expect(kept.onlineMeeting?.joinUrl).toBe(scheduled.joinUrl);
    expect(kept.body.content).toMatch(/^<p>Bring <b>boots<\/b> and gloves\.<\/p><div[^>]*><span[^>]*>_{80}/);
    const update = (await invitations('learner1@contoso.test')).find((m) => m.subject.startsWith('Updated: '));
    expect(update?.body.content).toContain(scheduled.joinUrl);
    expect(await events('megan@contoso.test')).toHaveLength(1);
    expect((await events('room-adams@contoso.test')).every((e) => e.isCancelled)).toBe(true);
    expect((await events('room-baker@contoso.test')).filter((e) => !e.isCancelled)).toHaveLength(1);

    const people = await put(catalogA, id, session(3, { room: 'room-baker@contoso.test', teams: true, start: { dateTime: `${NEXT_YEAR}-06-11T14:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-06-11T15:00:00`, timeZone: 'Asia/Tokyo' }, attendees: [{ email: 'learner1@contoso.test' }, { email: 'pradeep@contoso.test' }] }));
    expect(people.status).toBe(202);
    await until(catalogA, id, (b) => b.sentRevision === 3, 'the attendee change');
    const learner2 = await eventually(async () => {
      const got = await invitations('learner2@contoso.test');
      return got.some((m) => m.calendar?.method === 'CANCEL') ? got : undefined;
    }, 10_000, 'the removed attendee\'s cancellation');
    expect(learner2.map((m) => m.calendar?.method)).toEqual(['REQUEST', 'REQUEST', 'CANCEL']);
    expect((await invitations('pradeep@contoso.test')).map((m) => m.calendar?.method)).toEqual(['REQUEST']);

    // The same revision again changes nothing; an older one is refused.
    const before = (await invitations('learner1@contoso.test')).length;
    const again = await put(catalogA, id, session(3, { room: 'room-baker@contoso.test', teams: true, start: { dateTime: `${NEXT_YEAR}-06-11T14:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-06-11T15:00:00`, timeZone: 'Asia/Tokyo' }, attendees: [{ email: 'learner1@contoso.test' }, { email: 'pradeep@contoso.test' }] }));
    expect([again.status, again.body.duplicate]).toEqual([202, true]);
    // ... written another way too: keys in another order, a default spelt out, addresses' case.
    const rewritten = Object.fromEntries(Object.entries({ ...session(3, { room: 'Room-Baker@Contoso.test', teams: true, start: { timeZone: 'Asia/Tokyo', dateTime: `${NEXT_YEAR}-06-11T14:00:00` }, end: { dateTime: `${NEXT_YEAR}-06-11T15:00:00`, timeZone: 'Asia/Tokyo' }, attendees: [{ role: 'required', email: 'LEARNER1@contoso.test' }, { email: 'pradeep@contoso.test' }] }) }).reverse());
    const same = await put(catalogA, id, rewritten);
    expect([same.status, same.body.duplicate]).toEqual([202, true]);
    // A session is read through its own catalog only.
    expect((await status(catalogB, id)).body.code).toBe('SESSION_NOT_FOUND');
    const late = await put(catalogA, id, session(2));
    expect([late.status, late.body.code]).toEqual([409, 'SESSION_REVISION_STALE']);
    const changed = await put(catalogA, id, session(3));
    expect([changed.status, changed.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);

    const cancelled = await cancel(catalogA, id, { revision: 4, message: 'The trainer is ill.' });
    expect(cancelled.status).toBe(202);
    await until(catalogA, id, (b) => b.status === 'cancelled', 'the cancellation');
    const mine = await invitations('learner1@contoso.test');
    expect(mine.length).toBe(before + 1);
    expect(mine[mine.length - 1].calendar?.method).toBe('CANCEL');
    expect(mine[mine.length - 1].body.content).toContain('The trainer is ill.');
    expect((await events('megan@contoso.test')).map((e) => e.isCancelled)).toEqual([true]);
    expect((await events('room-baker@contoso.test')).every((e) => e.isCancelled)).toBe(true);
    // Nothing went to the mail service twice.
    const counters = await mailboxCounters(stack, 'megan@contoso.test');
    expect(counters.duplicates).toBe(0);
    expect(stack.logs.text()).not.toContain('boots');
  });

  /** Room mailboxes room-001@ to room-{count}@ besides the fixture's 3, booking 1080 days ahead as those do (until the tenant's reset before the next test). */
  const addRooms = async (count: number): Promise<string[]> => {
    const added = Array.from({ length: count }, (_, i) => `room-${String(i + 1).padStart(3, '0')}@contoso.test`);
    for (const upn of added) {
      const res = await fetch(`${stack.tenant.origin}/_admin/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ upn, bookingWindowInDays: 1080 }) });
      expect(res.status).toBe(201);
    }
    return added;
  };
  /** Catalog B through Graph as Megan (catalog A's rooms list may be in the API's cache from an earlier test). */
  const graphCatalogB = async (): Promise<void> => {
    await connectModern(stack, 'megan@contoso.test', catalogB, 'megan@contoso.test', { orgConsent: true });
    await setEnabled(stack, 'megan@contoso.test', catalogB, true);
  };

  it('graph, more rooms than a Graph page - every room is listed (places are read 100 at a time by $skip); availability over every room asks the LMS to name at most 100', async () => {
    const added = await addRooms(130);
    await graphCatalogB();
    const rooms = await stack.call('GET', catalogPath(catalogB, '/rooms'), { token: lms });
    expect(rooms.status).toBe(200);
    expect(rooms.body.items.map((r: { email: string }) => r.email)).toEqual(['room-adams@contoso.test', 'room-baker@contoso.test', 'room-crane@contoso.test', ...added]);
    const all = await stack.call('GET', catalogPath(catalogB, `/rooms/availability?start=${NEXT_YEAR}-06-10T00:00:00Z&end=${NEXT_YEAR}-06-10T08:00:00Z`), { token: lms });
    expect([all.status, all.body.code, all.body.detail]).toEqual([400, 'VALIDATION_FAILED', 'rooms: the tenant has 133 rooms; name at most 100.']);
  });

  it('graph, more rooms than one getSchedule takes - availability asks 20 rooms at a time, merged in order; a range (or a session with a room) of 62 days is refused, a minute less is answered', async () => {
    const added = await addRooms(42);
    await graphCatalogB();
    // A room in the last of three getSchedule calls is booked (Tokyo 10:00-11:30 is 01:00-02:30 UTC).
    const id = `s-${randomUUID()}`;
    expect((await put(catalogB, id, session(1, { room: 'room-042@contoso.test' }))).status).toBe(202);
    await until(catalogB, id, (b) => b.status === 'scheduled' && b.room?.answer === 'accepted', 'the room to accept');
    const asked = ['room-crane@contoso.test', ...added, 'room-adams@contoso.test', 'room-baker@contoso.test'];
    // The API runs in this process: its Graph requests are counted on their way out.
    const fetched = jest.spyOn(globalThis, 'fetch');
    let busy;
    let calls: string[][];
    try {
      busy = await stack.call('GET', catalogPath(catalogB, `/rooms/availability?start=${NEXT_YEAR}-06-10T00:00:00Z&end=${NEXT_YEAR}-06-10T08:00:00Z&rooms=${asked.join(',')}`), { token: lms });
      calls = fetched.mock.calls.filter(([url]) => String(url).endsWith('/me/calendar/getSchedule')).map(([, init]) => (JSON.parse(String(init?.body)) as { schedules: string[] }).schedules);
    } finally {
      fetched.mockRestore();
    }
    expect(busy.status).toBe(200);
    expect(busy.body.items.map((r: { email: string }) => r.email)).toEqual(asked);
    expect(busy.body.items.filter((r: { free: boolean }) => !r.free)).toEqual([{ email: 'room-042@contoso.test', free: false, busy: [{ start: `${NEXT_YEAR}-06-10T01:00:00.000Z`, end: `${NEXT_YEAR}-06-10T02:30:00.000Z` }] }]);
    expect(calls).toEqual([asked.slice(0, 20), asked.slice(20, 40), asked.slice(40)]);

    // getSchedule takes a period shorter than 62 days: 62 days are refused here, a minute less is answered.
    const sixtyTwo = await stack.call('GET', catalogPath(catalogB, `/rooms/availability?start=${NEXT_YEAR}-06-01T00:00:00Z&end=${NEXT_YEAR}-08-02T00:00:00Z&rooms=room-crane@contoso.test`), { token: lms });
    expect([sixtyTwo.status, sixtyTwo.body.code, sixtyTwo.body.detail]).toEqual([400, 'VALIDATION_FAILED', 'The range must be shorter than 62 days (getSchedule\'s limit).']);
    const under = await stack.call('GET', catalogPath(catalogB, `/rooms/availability?start=${NEXT_YEAR}-06-01T00:00:00Z&end=${NEXT_YEAR}-08-01T23:59:00Z&rooms=room-crane@contoso.test`), { token: lms });
    expect([under.status, under.body.items]).toEqual([200, [{ email: 'room-crane@contoso.test', free: true, busy: [] }]]);
    // So is a session with a room that long (its room is checked by getSchedule before it is booked).
    const long = await put(catalogB, `s-${randomUUID()}`, session(1, { room: 'room-crane@contoso.test', start: { dateTime: `${NEXT_YEAR}-06-01T09:00:00`, timeZone: 'UTC' }, end: { dateTime: `${NEXT_YEAR}-08-02T09:00:00`, timeZone: 'UTC' } }));
    expect([long.status, long.body.code, long.body.detail]).toEqual([400, 'VALIDATION_FAILED', 'room: a session with a room must be shorter than 62 days (the room\'s free/busy check, getSchedule, takes no longer).']);
  });

  it('graph, a zone Graph does not list (Europe/Madrid) - the meeting goes to Graph in UTC at the same instant; a listed zone keeps its own', async () => {
    await graphCatalog();
    const madrid = `s-${randomUUID()}`;
    expect((await put(catalogA, madrid, session(1, { title: 'Madrid', start: { dateTime: `${NEXT_YEAR}-06-10T10:00:00`, timeZone: 'Europe/Madrid' }, end: { dateTime: `${NEXT_YEAR}-06-10T11:00:00`, timeZone: 'Europe/Madrid' } }))).status).toBe(202);
    expect((await until(catalogA, madrid, (b) => b.status === 'scheduled', 'the Madrid session')).code).toBeNull();
    const tokyo = `s-${randomUUID()}`;
    expect((await put(catalogA, tokyo, session(1, { title: 'Tokyo' }))).status).toBe(202);
    await until(catalogA, tokyo, (b) => b.status === 'scheduled', 'the Tokyo session');
    const byTitle = new Map((await events('megan@contoso.test')).map((e) => [e.subject, e.start]));
    // 10:00 in Madrid in June is 08:00 UTC.
    expect(byTitle.get('Madrid')).toEqual({ dateTime: `${NEXT_YEAR}-06-10T08:00:00`, timeZone: 'UTC' });
    expect(byTitle.get('Tokyo')).toEqual({ dateTime: `${NEXT_YEAR}-06-10T10:00:00`, timeZone: 'Asia/Tokyo' });
  });

  it('graph room answer job - the room\'s later answer is read and stored by the job, without the LMS reading the session', async () => {
    await graphCatalog();
    const id = `s-${randomUUID()}`;
    // A year from today: the job asks only about sessions that have not ended, so a fixed date would fail from that day on.
    const day = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    const ahead = { start: { dateTime: `${day}T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${day}T11:00:00`, timeZone: 'Asia/Tokyo' } };
    expect((await put(catalogA, id, session(1, { room: 'room-crane@contoso.test', ...ahead }))).status).toBe(202);
    // The event exists (its organiser's calendar has it) before the room has answered.
    await eventually(async () => ((await events('megan@contoso.test')).some((e) => e.attendees.some((a) => a.emailAddress.address === 'room-crane@contoso.test')) ? true : undefined), 30_000, 'the event');
    const answered = await eventually(async () => {
      // What the room-answers job runs (monitor.runOnce would hold the job's lease for its period).
      const result = await stack.api.sessions.learnRoomAnswers();
      return result.answered >= 1 ? result : undefined;
    }, 30_000, 'the job to read the room\'s answer');
    expect(answered.looked).toBeGreaterThanOrEqual(1);
    expect((await status(catalogA, id)).body.room).toEqual({ email: 'room-crane@contoso.test', answer: 'accepted' });

    // A room that never answers is not asked for ever: not once its session has ended.
    const { sessions } = internals();
    const silent = (sessionId: string, day: string) => {
      const times = { start: { dateTime: `${day}T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${day}T11:00:00`, timeZone: 'Asia/Tokyo' } };
      return sessions.write({
        sessionId, catalog: catalogA, desired: { ...session(1, times), cancelled: false, room: 'room-crane@contoso.test', teams: false } as SessionRevision, desiredHash: 'h', desiredCanonical: 'h', attempt: null, firstSentRevision: 1, outcome: { revision: 1, code: null, notes: [] }, updatedAt: '',
        sent: { revision: 1, transport: 'graph', organizer: 'nobody@contoso.test', cancelled: false, eventId: `ev-${sessionId}`, uid: sessionId, sequence: 0, attendees: [], room: 'room-crane@contoso.test', roomAnswer: 'none', joinUrl: null, ...times }
      }, null);
    };
    const [past, coming] = [`s-past-${randomUUID()}`, `s-coming-${randomUUID()}`];
    await silent(past, '2020-01-10');
    await silent(coming, '2036-01-10');
    const looked: string[] = [];
    for await (const row of sessions.awaitingRoomAnswer()) {
      looked.push(row.sessionId);
    }
    expect([looked.includes(past), looked.includes(coming)]).toEqual([false, true]);
  });

  it('graph, the organiser moved the meeting to another calendar in Outlook - the LMS still updates it (no second meeting) and cancels it (the attendees get the cancellation): the event is kept by its immutable id', async () => {
    await graphCatalog();
    const id = `s-${randomUUID()}`;
    const times = { start: { dateTime: `${NEXT_YEAR}-08-02T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-08-02T11:00:00`, timeZone: 'Asia/Tokyo' } };
    expect((await put(catalogA, id, session(1, { title: 'Moved calendar', ...times }))).status).toBe(202);
    const first = await until(catalogA, id, (b) => b.status === 'scheduled', 'the meeting');
    await fault(stack, 'move-event', { mailbox: 'megan@contoso.test', iCalUId: first.uid });
    const mine = async () => (await events('megan@contoso.test')).filter((e) => e.subject.startsWith('Moved calendar'));

    await put(catalogA, id, session(2, { title: 'Moved calendar, new title', ...times }));
    expect(await until(catalogA, id, (b) => b.status === 'updated', 'the update')).toMatchObject({ uid: first.uid, code: null });
    expect((await mine()).map((e) => [e.subject, e.isCancelled])).toEqual([['Moved calendar, new title', false]]);

    await cancel(catalogA, id, { revision: 3 });
    await until(catalogA, id, (b) => b.status === 'cancelled', 'the cancellation');
    expect((await mine()).map((e) => e.isCancelled)).toEqual([true]);
    await eventually(async () => ((await invitations('learner1@contoso.test')).some((m) => m.subject.startsWith('Canceled: Moved calendar')) ? true : undefined), 30_000, 'the cancellation in the attendee\'s inbox');
  });

  it('graph, a session id put again after its row was deleted (retention of an ended session, its meeting never cancelled) - a new meeting, not the old event changed into it (the create tag derives from the row\'s own value)', async () => {
    await graphCatalog();
    const id = `s-${randomUUID()}`;
    await put(catalogA, id, session(1, { title: 'Kept meeting' }));
    const first = await until(catalogA, id, (b) => b.status === 'scheduled', 'the meeting');
    const { sessions } = internals();
    expect(await sessions.remove(await sessions.read(catalogA, id) as SessionRecord)).toBe(true);
    // (Retention deletes the invitation items and their keys too; a later revision stands for that here.)
    await put(catalogA, id, session(2, { title: 'Kept meeting' }));
    const again = await until(catalogA, id, (b) => b.status === 'scheduled', 'the new meeting');
    expect(again.uid).not.toBe(first.uid);
    expect((await events('megan@contoso.test')).filter((e) => e.subject === 'Kept meeting' && !e.isCancelled)).toHaveLength(2);
  });

  it('graph, an account whose calendar offers no Teams meetings (no Teams licence) - the meeting is made without one and the status notes TEAMS_NOT_AVAILABLE; once Teams is there, the next revision adds it', async () => {
    await graphCatalog();
    await fault(stack, 'teams-unavailable', { mailbox: 'megan@contoso.test' });
    try {
      const id = `s-${randomUUID()}`;
      expect((await put(catalogA, id, session(1, { title: 'No Teams', teams: true }))).status).toBe(202);
      expect(await until(catalogA, id, (b) => b.status === 'scheduled', 'the meeting')).toMatchObject({ code: null, notes: ['TEAMS_NOT_AVAILABLE'], joinUrl: null });
      await fault(stack, 'teams-unavailable', { mailbox: 'megan@contoso.test', clear: true });
      await put(catalogA, id, session(2, { title: 'No Teams, then Teams', teams: true }));
      const updated = await until(catalogA, id, (b) => b.status === 'updated', 'the update');
      expect(updated.notes).toEqual([]);
      expect(updated.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);
    } finally {
      await fault(stack, 'teams-unavailable', { mailbox: 'megan@contoso.test', clear: true });
    }
  });

  it('graph room a delegate approves - the room\'s tentative answer ("awaiting approval") is not its last: the delegate\'s later decline fails the session with ROOM_UNAVAILABLE', async () => {
    await graphCatalog();
    await fault(stack, 'room-approval', { room: 'room-crane@contoso.test' });
    try {
      const id = `s-${randomUUID()}`;
      const day = new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10);
      const ahead = { start: { dateTime: `${day}T14:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${day}T15:00:00`, timeZone: 'Asia/Tokyo' } };
      expect((await put(catalogA, id, session(1, { room: 'room-crane@contoso.test', ...ahead }))).status).toBe(202);
      const tentative = await eventually(async () => {
        await stack.api.sessions.learnRoomAnswers();
        const body = (await status(catalogA, id)).body;
        return body.room?.answer === 'tentativelyAccepted' ? body : undefined;
      }, 30_000, 'the tentative answer');
      expect(tentative.status).toBe('scheduled');
      // Still undecided: the job keeps asking (and writes nothing while the answer stays the same).
      const again = await stack.api.sessions.learnRoomAnswers();
      expect(again.looked).toBeGreaterThanOrEqual(1);
      expect(again.answered).toBe(0);

      await fault(stack, 'room-approval', { room: 'room-crane@contoso.test', decide: 'declined' });
      const declined = await eventually(async () => {
        await stack.api.sessions.learnRoomAnswers();
        const body = (await status(catalogA, id)).body;
        return body.room?.answer === 'declined' ? body : undefined;
      }, 30_000, 'the delegate\'s decline');
      expect([declined.status, declined.code]).toEqual(['failed', 'ROOM_UNAVAILABLE']);
    } finally {
      await fault(stack, 'room-approval', { room: 'room-crane@contoso.test', clear: true });
    }
  });

  it('graph room conflict - a room busy at getSchedule is not booked (ROOM_UNAVAILABLE); of two sessions booked at once, the room accepts one and declines the other', async () => {
    await graphCatalog();
    const first = `s-${randomUUID()}`;
    await put(catalogA, first, session(1, { room: 'room-crane@contoso.test' }));
    await until(catalogA, first, (b) => b.room?.answer === 'accepted', 'the first booking');
    const second = `s-${randomUUID()}`;
    await put(catalogA, second, session(1, { room: 'room-crane@contoso.test', start: { dateTime: `${NEXT_YEAR}-06-10T11:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-06-10T12:00:00`, timeZone: 'Asia/Tokyo' } }));
    const refused = await until(catalogA, second, (b) => b.status === 'failed', 'the refusal');
    expect(refused).toMatchObject({ code: 'ROOM_UNAVAILABLE', sentRevision: null, room: null });
    expect(await events('megan@contoso.test')).toHaveLength(1);

    // Both checked before the room's assistant has answered either: Exchange's own race, settled by the room.
    // The assistant answers 5 s after an invitation, long enough for both checks on a loaded machine.
    stack.tenant.state.roomAnswerDelayMs = 5000;
    const a = `s-${randomUUID()}`;
    const b = `s-${randomUUID()}`;
    const later = { start: { dateTime: `${NEXT_YEAR}-06-12T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-06-12T11:00:00`, timeZone: 'Asia/Tokyo' }, room: 'room-adams@contoso.test' };
    await Promise.all([put(catalogA, a, session(1, later)), put(catalogA, b, session(1, later))]);
    const answers = await Promise.all([a, b].map((id) => until(catalogA, id, (s) => s.room?.answer === 'accepted' || s.room?.answer === 'declined', 'the room\'s answer')));
    expect(answers.map((s) => s.room.answer).sort()).toEqual(['accepted', 'declined']);
    const declined = answers.find((s) => s.room.answer === 'declined');
    expect(declined).toMatchObject({ status: 'failed', code: 'ROOM_UNAVAILABLE' });
    const replies = (await inbox(stack, 'megan@contoso.test')).filter((m) => m.calendar?.method === 'REPLY');
    expect(replies.map((m) => m.subject).sort()).toEqual(['Accepted: Safety training', 'Accepted: Safety training', 'Declined: Safety training']);
  });

  it('smtp (Classic) - iCalendar REQUEST and CANCEL with one UID, a growing SEQUENCE and UTC times; no Teams meeting or room booking, and the status says so', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const id = `s-${randomUUID()}`;
    // Across London's spring-forward: 00:30 GMT to 02:30 BST is one hour.
    const london = { start: { dateTime: `${UK_CLOCKS_FORWARD}T00:30:00`, timeZone: 'Europe/London' }, end: { dateTime: `${UK_CLOCKS_FORWARD}T02:30:00`, timeZone: 'Europe/London' } };
    await put(catalogB, id, session(1, { ...london, teams: true, room: 'room-adams@contoso.test' }));
    const first = await until(catalogB, id, (b) => b.status === 'scheduled', 'the invitation');
    expect(first).toMatchObject({ transport: 'smtp', joinUrl: null, room: null, notes: ['TEAMS_NOT_AVAILABLE_ON_SMTP', 'ROOMS_NOT_AVAILABLE'] });
    const [request] = await invitations('learner1@contoso.test');
    const r1 = parsed(request.calendar?.ics as string);
    expect(r1).toMatchObject({ method: 'REQUEST', uid: first.uid, sequence: 0, organizer: 'alex@contoso.test', attendees: ['learner1@contoso.test', 'learner2@contoso.test'] });
    expect([r1.start.toISOString(), r1.end.toISOString()]).toEqual([`${UK_CLOCKS_FORWARD}T00:30:00.000Z`, `${UK_CLOCKS_FORWARD}T01:30:00.000Z`]);
    // In UTC: the instants London's wall clock names, whatever zone the reader is in.
    expect(request.calendar?.ics).toContain('DTSTART:20270328T003000Z');
    expect(request.calendar?.ics).toContain('RSVP=TRUE');
    expect(request.from.address).toBe('alex@contoso.test');
    expect(request.via).toBe('smtp');

    // Move it to Tokyo time and drop learner2: learner1 gets the update, learner2 a cancellation, both SEQUENCE 1.
    await put(catalogB, id, session(2, { attendees: [{ email: 'learner1@contoso.test' }] }));
    await until(catalogB, id, (b) => b.status === 'updated', 'the update');
    const update = (await invitations('learner1@contoso.test'))[1];
    expect(parsed(update.calendar?.ics as string)).toMatchObject({ method: 'REQUEST', uid: first.uid, sequence: 1, start: new Date(`${NEXT_YEAR}-06-10T01:00:00Z`) });
    expect(update.subject).toBe('Updated: Safety training');
    const dropped = await eventually(async () => (await invitations('learner2@contoso.test'))[1], 10_000, 'the cancellation of the removed attendee');
    expect(parsed(dropped.calendar?.ics as string)).toMatchObject({ method: 'CANCEL', uid: first.uid, sequence: 1, attendees: ['learner2@contoso.test'] });
    // The session goes on: the attendee taken off is told that, not that it is cancelled.
    expect(dropped.body.content).toContain('You are no longer an attendee of Safety training');
    expect(dropped.body.content).not.toContain('is cancelled');

    await cancel(catalogB, id, { revision: 3, message: 'Postponed to next term.' });
    await until(catalogB, id, (b) => b.status === 'cancelled', 'the cancellation');
    const all = await invitations('learner1@contoso.test');
    expect(all).toHaveLength(3);
    expect(parsed(all[2].calendar?.ics as string)).toMatchObject({ method: 'CANCEL', uid: first.uid, sequence: 2 });
    expect(all[2].body.content).toContain('Postponed to next term.');
    // Every message carried its own Message-ID: none was submitted twice.
    const counters = await mailboxCounters(stack, 'alex@contoso.test');
    expect(counters.duplicates).toBe(0);
    // What the meeting says reached its attendees, and no line of the API's log (at trace, SMTP
    // replies included); no answer to the LMS repeats its body or the cancellation's message.
    for (const said of ['Safety training', 'boots', 'Postponed to next term']) {
      expect(stack.logs.text()).not.toContain(said);
    }
    for (const said of ['boots', 'Postponed to next term']) {
      expect(stack.responses.join('\n')).not.toContain(said);
    }
  });

  it('smtp - a session in Japanese (language: ja): its update, the note to an attendee taken off and its cancellation read in Japanese', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const id = `s-${randomUUID()}`;
    const title = `安全研修 ${id.slice(2, 10)}`;
    const mine = async (upn: string): Promise<MailboxMessage[]> => (await invitations(upn)).filter((m) => m.subject.endsWith(title));
    await put(catalogB, id, session(1, { title, language: 'ja' }));
    await until(catalogB, id, (b) => b.status === 'scheduled', 'the invitation');
    await put(catalogB, id, session(2, { title, language: 'ja', attendees: [{ email: 'learner1@contoso.test' }] }));
    await until(catalogB, id, (b) => b.status === 'updated', 'the update');
    const dropped = await eventually(async () => (await mine('learner2@contoso.test')).find((m) => m.calendar?.method === 'CANCEL'), 10_000, 'the cancellation of the removed attendee');
    expect(dropped.subject).toBe(`キャンセル済み: ${title}`);
    expect(dropped.body.content).toContain(`「${title}」の出席者から外れました。`);
    // Cancelled without a message: the API says so, in the session's language (kept from its last put).
    await cancel(catalogB, id, { revision: 3 });
    await until(catalogB, id, (b) => b.status === 'cancelled', 'the cancellation');
    const got = await mine('learner1@contoso.test');
    expect(got.map((m) => m.subject)).toEqual([title, `更新: ${title}`, `キャンセル済み: ${title}`]);
    expect(got[2].body.content).toContain(`「${title}」は中止になりました。`);
    expect(got[2].calendar?.ics).toContain('PRODID:-//LMS//Microsoft 365 connection//JA');
  });

  it('smtp - attendees the server refuses at RCPT TO while it takes the invitation for the others: the others have it, the status notes RECIPIENT_REJECTED', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    await fault(stack, 'refuse-recipient', { address: 'learner2@contoso.test' });
    const id = `s-${randomUUID()}`;
    const logFrom = stack.logs.lines.length;
    await put(catalogB, id, session(1));
    const status = await until(catalogB, id, (b) => b.status === 'scheduled', 'the invitation');
    expect(status.notes).toEqual(['RECIPIENT_REJECTED']);
    expect(await invitations('learner1@contoso.test')).toHaveLength(1);
    expect(await invitations('learner2@contoso.test')).toHaveLength(0);
    // The operator's log counts the refusal (never naming whom).
    const logged = stack.logs.lines.slice(logFrom).flatMap((chunk) => chunk.split('\n')).filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.msg === 'recipients refused');
    expect(logged).toEqual([expect.objectContaining({ catalog: catalogB, refused: 1, code: 'RECIPIENT_REJECTED' })]);
    expect(stack.logs.text()).not.toContain('learner2@contoso.test');
    // The refused attendee does not hold the meeting: its cancellation goes to the others only.
    await fault(stack, 'refuse-recipient', { address: 'learner2@contoso.test', clear: true });
    await cancel(catalogB, id, { revision: 2 });
    const cancelled = await until(catalogB, id, (b) => b.status === 'cancelled', 'the cancellation');
    expect(cancelled.notes).toEqual([]);
    expect((await invitations('learner1@contoso.test')).map((m) => parsed(m.calendar?.ics as string).method)).toEqual(['REQUEST', 'CANCEL']);
    expect(await invitations('learner2@contoso.test')).toHaveLength(0);
  });

  it('Modern with the SMTP transport (R-MOD-8 moves mail alone) - a session is an event in the account\'s calendar through Graph, with its Teams meeting and room (R-MOD-2); one whose meeting went out as iCalendar email before (Classic) stays on SMTP, which alone can change it', async () => {
    // Before: Classic, so the first session's meeting goes out as iCalendar email.
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const before = `s-${randomUUID()}`;
    await put(catalogB, before, session(1, { title: 'Sent as email' }));
    const first = await until(catalogB, before, (b) => b.status === 'scheduled', 'the iCalendar invitation');
    expect(first.transport).toBe('smtp');

    await connectModern(stack, 'alex@contoso.test', catalogB, 'alex@contoso.test', { transport: 'smtp-oauth' });
    const id = `s-${randomUUID()}`;
    const times = { start: { dateTime: `${NEXT_YEAR}-09-06T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-09-06T11:00:00`, timeZone: 'Asia/Tokyo' } };
    await put(catalogB, id, session(1, { title: 'Modern over SMTP', teams: true, room: 'room-baker@contoso.test', ...times }));
    const done = await until(catalogB, id, (b) => b.status === 'scheduled', 'the meeting');
    expect(done).toMatchObject({ transport: 'graph', organizer: 'alex@contoso.test', notes: [], code: null, room: { email: 'room-baker@contoso.test' } });
    expect(done.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);
    expect((await events('alex@contoso.test')).filter((e) => e.subject === 'Modern over SMTP')).toHaveLength(1);
    const [request] = (await invitations('learner2@contoso.test')).filter((m) => m.subject === 'Modern over SMTP');
    expect(request.via).toBe('calendar');
    // The rooms the LMS offers come through the same calendar.
    const rooms = await stack.call('GET', catalogPath(catalogB, `/rooms/availability?start=${NEXT_YEAR}-09-06T00:00:00Z&end=${NEXT_YEAR}-09-07T00:00:00Z&rooms=room-baker@contoso.test`), { token: lms });
    expect(rooms.status).toBe(200);

    // The session sent as email earlier: its update goes the same way (SEQUENCE 1, one UID), not as a second meeting.
    await put(catalogB, before, session(2, { title: 'Sent as email, changed' }));
    const updated = await until(catalogB, before, (b) => b.status === 'updated', 'the iCalendar update');
    expect(updated).toMatchObject({ transport: 'smtp', uid: first.uid });
    const update = (await invitations('learner1@contoso.test')).find((m) => m.subject === 'Updated: Sent as email, changed') as MailboxMessage;
    expect(update.via).toBe('smtp');
    expect(parsed(update.calendar?.ics as string)).toMatchObject({ method: 'REQUEST', uid: first.uid, sequence: 1 });
  });

  /**
   * Catalog B's password changes (the connection is lost); meanwhile one session gets three
   * revisions and another is created and cancelled.
   */
  const loseAndRevise = async (password: string): Promise<{ kept: string; dropped: string }> => {
    await fault(stack, 'password', { user: 'alex@contoso.test', password });
    const kept = `s-${randomUUID()}`;
    const dropped = `s-${randomUUID()}`;
    await put(catalogB, kept, session(1, { title: 'First title' }));
    await until(catalogB, kept, (b) => b.status === 'held', 'the hold');
    await put(catalogB, kept, session(2, { title: 'Second title' }));
    await put(catalogB, kept, session(3, { title: 'Third title' }));
    await put(catalogB, dropped, session(1, { title: 'Never sent' }));
    await cancel(catalogB, dropped, { revision: 2 });
    return { kept, dropped };
  };

  /** A session's times for the hour that ends at `ms` (UTC). */
  const hourEndingAt = (ms: number): Pick<SessionRevision, 'start' | 'end'> => {
    const utc = (at: number) => ({ dateTime: new Date(at).toISOString().slice(0, 19), timeZone: 'UTC' });
    return { start: utc(ms - 3_600_000), end: utc(ms) };
  };
  /** Waits until a second after `ms` (a session ending then has ended). */
  const pastIt = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now()) + 1000));

  /** The alert of the catalog's incident, as the LMS admin (LMS_ADMINS) gets it. */
  const alerted = async (): Promise<void> => {
    await eventually(async () => ((await inbox(stack, 'megan@contoso.test')).some((m) => /^Action needed/.test(m.subject)) ? true : undefined), 30_000, 'the alert');
  };
  /**
   * The one restored notice, as the LMS admin gets it, that says the catalog sends as `account`
   * again. Each test starts with empty mailboxes, but the API works on: a notice an earlier test did
   * not wait for can land in this test's mailbox (the project's CI once read the figures of such a notice).
   */
  const restoredNotice = async (account: string): Promise<MailboxMessage> => {
    const found = await eventually(async () => {
      const got = (await inbox(stack, 'megan@contoso.test')).filter((m) => /^Restored/.test(m.subject) && m.body.content.includes(` as ${account} again (since `));
      return got.length > 0 ? got : undefined;
    }, 30_000, 'the restored notice');
    expect(found).toHaveLength(1);
    return found[0];
  };

  it('held then resumed - while the connection is lost nothing goes out; after reconnecting only the latest revision of each session does, and a session created and cancelled meanwhile sends nothing', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const { kept, dropped } = await loseAndRevise('changed-2');
    const held = await status(catalogB, kept);
    expect(held.body).toMatchObject({ status: 'held', code: 'BAD_CREDENTIALS', revision: 3, sentRevision: null });
    expect(await invitations('learner1@contoso.test')).toHaveLength(0);

    await connectClassic(stack, 'alex@contoso.test', catalogB, 'alex@contoso.test', 'changed-2');
    await until(catalogB, kept, (b) => b.status === 'scheduled', 'the latest revision');
    await until(catalogB, dropped, (b) => b.status === 'cancelled', 'the cancelled session');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const got = await invitations('learner1@contoso.test');
    expect(got.map((m) => m.subject)).toEqual(['Third title']);
    expect(parsed(got[0].calendar?.ics as string)).toMatchObject({ method: 'REQUEST', sequence: 0 });
    expect((await status(catalogB, dropped)).body).toMatchObject({ status: 'cancelled', sentRevision: null });
  });

  it('retention - a session that ended SESSION_RETENTION_DAYS ago is forgotten with its invitations (its status 404, gone from the deliveries list); one whose invitation is still held waits until it went out', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const done = `s-${randomUUID()}`;
    expect((await put(catalogB, done, session(1, { title: 'Forgotten session' }))).status).toBe(202);
    await until(catalogB, done, (b) => b.status === 'scheduled', 'the invitation');
    // The password changed: the next session's invitation waits, held.
    await fault(stack, 'password', { user: 'alex@contoso.test', password: 'changed-r' });
    const waiting = `s-${randomUUID()}`;
    expect((await put(catalogB, waiting, session(1, { title: 'Held session' }))).status).toBe(202);
    await until(catalogB, waiting, (b) => b.status === 'held', 'the held invitation');
    const listed = async (): Promise<string[]> => {
      const res = await stack.call('GET', catalogPath(catalogB, '/deliveries?limit=100'), { token: await stack.token('alex@contoso.test') });
      return (res.body.items as Array<{ kind: string; subject: string }>).filter((i) => i.kind === 'invitation').map((i) => i.subject);
    };
    expect(await listed()).toEqual(expect.arrayContaining(['Forgotten session', 'Held session']));
    // Both ended (2027) before the cut: the sent one goes with its item and key; the held one stays.
    const cut = Date.parse(`${NEXT_YEAR + 1}-01-01T00:00:00Z`);
    const first = await stack.api.sessions.forgetEnded(catalogB, cut);
    expect(first).toMatchObject({ sessions: expect.any(Number), invitations: expect.any(Number) });
    expect(first.sessions).toBeGreaterThanOrEqual(1);
    expect((await status(catalogB, done)).body).toMatchObject({ status: 404, code: 'SESSION_NOT_FOUND' });
    expect((await status(catalogB, waiting)).body).toMatchObject({ status: 'held' });
    expect(await listed()).not.toContain('Forgotten session');
    expect(await listed()).toContain('Held session');
    // Not before the cut: nothing of a session that has not ended by then.
    expect(await stack.api.sessions.forgetEnded(catalogB, Date.parse(`${NEXT_YEAR}-06-10T00:00:00Z`))).toEqual({ sessions: 0, invitations: 0 });
    // Sent once reconnected: then it goes too.
    await connectClassic(stack, 'alex@contoso.test', catalogB, 'alex@contoso.test', 'changed-r');
    await until(catalogB, waiting, (b) => b.status === 'scheduled', 'the invitation once reconnected');
    expect(await stack.api.sessions.forgetEnded(catalogB, cut)).toMatchObject({ sessions: 1, invitations: 1 });
    expect((await status(catalogB, waiting)).body).toMatchObject({ code: 'SESSION_NOT_FOUND' });
    expect(await listed()).not.toContain('Held session');
  });

  it('erasure - DELETE of a session that is neither canceled nor over is refused (its meeting would stay in calendars); canceled and its cancellation gone, it is deleted with its invitations; the LMS alone may', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const id = `s-${randomUUID()}`;
    const remove = (token = lms) => stack.call('DELETE', catalogPath(catalogB, `/sessions/${id}`), { token });
    expect((await put(catalogB, id, session(1, { title: 'Erased session' }))).status).toBe(202);
    await until(catalogB, id, (b) => b.status === 'scheduled', 'the invitation');
    const live = await remove();
    expect([live.status, live.body.code]).toEqual([409, 'SESSION_NOT_FINISHED']);
    expect((await status(catalogB, id)).body.status).toBe('scheduled');
    // Not for a catalog admin: the LMS's records are the LMS's to erase.
    const admin = await remove(await stack.token('alex@contoso.test'));
    expect(admin.status).toBe(403);
    expect((await cancel(catalogB, id, { revision: 2 })).status).toBe(202);
    await until(catalogB, id, (b) => b.status === 'cancelled', 'the cancellation');
    const gone = await remove();
    expect(gone.status).toBe(204);
    expect((await status(catalogB, id)).body).toMatchObject({ status: 404, code: 'SESSION_NOT_FOUND' });
    const listed = await stack.call('GET', catalogPath(catalogB, '/deliveries?limit=100'), { token: await stack.token('alex@contoso.test') });
    expect((listed.body.items as Array<{ subject: string }>).filter((i) => i.subject === 'Erased session')).toEqual([]);
    expect((await remove()).status).toBe(404);

    // The LMS puts the same id again: a new session, so a new meeting to calendars - another UID at
    // SEQUENCE 0, not the erased one's (which attendees' calendars would read as out of date).
    const first = (await invitations('learner1@contoso.test')).find((m) => m.subject === 'Erased session') as MailboxMessage;
    // ... but not by a late retry of a request from before the erasure (its revision 1 or the cancel's 2): no new meeting of what was erased.
    for (const late of [await put(catalogB, id, session(1, { title: 'Erased session' })), await put(catalogB, id, session(2, { title: 'Erased session' }))]) {
      expect([late.status, late.body.code, late.body.detail]).toEqual([409, 'SESSION_REVISION_STALE', 'The session was erased (DELETE) at revision 2: a higher revision puts it again, as a new meeting.']);
    }
    expect((await cancel(catalogB, id, { revision: 2 })).body.code).toBe('SESSION_NOT_FOUND');
    expect((await status(catalogB, id)).body.code).toBe('SESSION_NOT_FOUND');
    expect((await put(catalogB, id, session(3, { title: 'Same id again' }))).status).toBe(202);
    await until(catalogB, id, (b) => b.status === 'scheduled', 'the new invitation');
    const again = (await invitations('learner1@contoso.test')).find((m) => m.subject === 'Same id again') as MailboxMessage;
    expect(parsed(again.calendar?.ics as string)).toMatchObject({ method: 'REQUEST', sequence: 0 });
    expect(uidOf(again)).not.toBe(uidOf(first));
    expect((await invitations('learner1@contoso.test')).filter((m) => m.subject === 'Erased session')).toHaveLength(1);
    // The erasure is remembered as long as ended sessions are kept (the retention job's cut), then forgotten.
    const other = `s-${randomUUID()}`;
    expect((await put(catalogB, other, session(1, { title: 'Erased later' }))).status).toBe(202);
    await until(catalogB, other, (b) => b.status === 'scheduled', 'the invitation');
    expect((await cancel(catalogB, other, { revision: 2 })).status).toBe(202);
    await until(catalogB, other, (b) => b.status === 'cancelled', 'the cancellation');
    expect((await stack.call('DELETE', catalogPath(catalogB, `/sessions/${other}`), { token: lms })).status).toBe(204);
    expect((await put(catalogB, other, session(2, { title: 'Erased later' }))).body.code).toBe('SESSION_REVISION_STALE');
    await stack.api.sessions.forgetEnded(catalogB, Date.now() + 60_000);
    const afterRetention = await put(catalogB, other, session(2, { title: 'Erased later' }));
    expect(afterRetention.status).toBe(202);
    await until(catalogB, other, (b) => b.status === 'scheduled', 'the session put again');
  });

  /** The catalog's invitation items in the deliveries list (a catalog admin's view): status and code. */
  const invitationDeliveries = async (catalog: string, admin: string): Promise<Array<{ status: string; code: string | null }>> => {
    const res = await stack.call('GET', catalogPath(catalog, '/deliveries?limit=100'), { token: await stack.token(admin) });
    expect(res.status).toBe(200);
    return (res.body.items as Array<{ kind: string; status: string; code: string | null }>).filter((i) => i.kind === 'invitation').map((i) => ({ status: i.status, code: i.code }));
  };
  const uidOf = (m: MailboxMessage): string => parsed(m.calendar?.ics as string).uid;
  /** The catalog's newest invitation items (newest first; earlier tests' follow): two refused with `code` after the one that went out. */
  const expectTwoRefusedAfterSent = async (catalog: string, admin: string, code: string): Promise<void> => {
    expect((await invitationDeliveries(catalog, admin)).slice(0, 3)).toEqual([{ status: 'failed', code }, { status: 'failed', code }, { status: 'sent', code: null }]);
  };

  it('transport changed, same account - an SMTP meeting is not updated or cancelled through Graph (no second meeting, no claimed cancel): SESSION_TRANSPORT_CHANGED; sending over SMTP again cancels it; a Graph meeting is not changed by Classic\'s email, and Modern over SMTP cancels it through the calendar', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const id = `s-${randomUUID()}`;
    await put(catalogB, id, session(1));
    const first = await until(catalogB, id, (b) => b.status === 'scheduled', 'the invitation');
    expect(first).toMatchObject({ transport: 'smtp', organizer: 'alex@contoso.test' });
    // The same account, now Modern through Graph ("Change account" on the page).
    await connectModern(stack, 'alex@contoso.test', catalogB, 'alex@contoso.test', { transport: 'graph' });
    await put(catalogB, id, session(2, { start: { dateTime: `${NEXT_YEAR}-06-11T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-06-11T11:00:00`, timeZone: 'Asia/Tokyo' } }));
    const update = await until(catalogB, id, (b) => b.status === 'failed', 'the refused update');
    expect(update).toMatchObject({ code: 'SESSION_TRANSPORT_CHANGED', revision: 2, sentRevision: 1, transport: 'smtp', organizer: 'alex@contoso.test', uid: first.uid });
    await cancel(catalogB, id, { revision: 3, message: 'Called off' });
    const cancelled = await until(catalogB, id, (b) => b.revision === 3 && b.status === 'failed', 'the refused cancellation');
    expect(cancelled).toMatchObject({ code: 'SESSION_TRANSPORT_CHANGED', sentRevision: 1, uid: first.uid });
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Nothing went out: no Graph event (a second meeting), no message to the attendees.
    expect(await events('alex@contoso.test')).toHaveLength(0);
    expect((await invitations('learner1@contoso.test')).map((m) => m.calendar?.method)).toEqual(['REQUEST']);
    await expectTwoRefusedAfterSent(catalogB, 'alex@contoso.test', 'SESSION_TRANSPORT_CHANGED');

    // The remedy: the same account sends over SMTP again, and the cancellation is sent again (a new revision).
    await connectModern(stack, 'alex@contoso.test', catalogB, 'alex@contoso.test', { transport: 'smtp-oauth' });
    await cancel(catalogB, id, { revision: 4, message: 'Called off' });
    await until(catalogB, id, (b) => b.status === 'cancelled' && b.sentRevision === 4, 'the cancellation over SMTP');
    const got = await invitations('learner1@contoso.test');
    expect(got.map((m) => m.calendar?.method)).toEqual(['REQUEST', 'CANCEL']);
    expect(parsed(got[1].calendar?.ics as string)).toMatchObject({ method: 'CANCEL', uid: first.uid, sequence: 1, organizer: 'alex@contoso.test' });

    // The other way: a Graph event is not changed by iCalendar email (Classic, which has no calendar).
    await connectModern(stack, 'megan@contoso.test', catalogA, 'megan@contoso.test', { orgConsent: true, transport: 'graph' });
    await setEnabled(stack, 'megan@contoso.test', catalogA, true);
    const other = `s-${randomUUID()}`;
    await put(catalogA, other, session(1));
    await until(catalogA, other, (b) => b.status === 'scheduled', 'the Graph invitation');
    await connectClassic(stack, 'megan@contoso.test', catalogA);
    await cancel(catalogA, other, { revision: 2 });
    expect(await until(catalogA, other, (b) => b.status === 'failed', 'the refused cancellation')).toMatchObject({ code: 'SESSION_TRANSPORT_CHANGED', transport: 'graph', sentRevision: 1 });
    expect((await events('megan@contoso.test')).map((e) => e.isCancelled)).toEqual([false]);
    // Modern sending over SMTP has the account's calendar: the Graph meeting is cancelled through it.
    await connectModern(stack, 'megan@contoso.test', catalogA, 'megan@contoso.test', { transport: 'smtp-oauth' });
    await cancel(catalogA, other, { revision: 3 });
    await until(catalogA, other, (b) => b.status === 'cancelled' && b.sentRevision === 3, 'the cancellation through the calendar');
    expect((await events('megan@contoso.test')).map((e) => e.isCancelled)).toEqual([true]);
  });

  it('organiser changed - a Graph meeting made as adele is neither cancelled nor made again as megan: SESSION_ORGANIZER_CHANGED; connected as adele again, it is cancelled', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA, 'adele@contoso.test', { transport: 'graph' });
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    const id = `s-${randomUUID()}`;
    await put(catalogA, id, session(1));
    expect(await until(catalogA, id, (b) => b.status === 'scheduled', 'the invitation')).toMatchObject({ transport: 'graph', organizer: 'adele@contoso.test' });
    await connectModern(stack, 'adele@contoso.test', catalogA, 'megan@contoso.test', { transport: 'graph' });
    await cancel(catalogA, id, { revision: 2, message: 'Called off' });
    const refused = await until(catalogA, id, (b) => b.status === 'failed', 'the refused cancellation');
    expect(refused).toMatchObject({ code: 'SESSION_ORGANIZER_CHANGED', revision: 2, sentRevision: 1, organizer: 'adele@contoso.test', transport: 'graph' });
    await put(catalogA, id, session(3, { title: 'Safety training (moved)' }));
    expect(await until(catalogA, id, (b) => b.revision === 3 && b.status === 'failed', 'the refused update')).toMatchObject({ code: 'SESSION_ORGANIZER_CHANGED', sentRevision: 1 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    // adele's meeting stands, megan made none, the attendees got nothing more.
    expect((await events('adele@contoso.test')).map((e) => e.isCancelled)).toEqual([false]);
    expect(await events('megan@contoso.test')).toHaveLength(0);
    expect((await invitations('learner1@contoso.test')).map((m) => m.calendar?.method)).toEqual(['REQUEST']);
    await expectTwoRefusedAfterSent(catalogA, 'adele@contoso.test', 'SESSION_ORGANIZER_CHANGED');

    await connectModern(stack, 'adele@contoso.test', catalogA, 'adele@contoso.test', { transport: 'graph' });
    await cancel(catalogA, id, { revision: 4, message: 'Called off' });
    await until(catalogA, id, (b) => b.status === 'cancelled', 'the cancellation as adele');
    expect((await events('adele@contoso.test')).map((e) => e.isCancelled)).toEqual([true]);
    expect((await invitations('learner1@contoso.test')).map((m) => m.calendar?.method)).toEqual(['REQUEST', 'CANCEL']);
  });

  it('held past its end - an invitation held while the connection was lost is not sent once its session has ended (R-LOSS-3): the status says SESSION_ENDED and no calendar gets a meeting in the past - also when an earlier revision, still ahead, queued the item; one still ahead goes out', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    await fault(stack, 'password', { user: 'alex@contoso.test', password: 'changed-end' });
    // The loss is found by a check before anything is put: no pass of these sessions runs (and
    // stores an attempt) while they are put - one under way when Moved back's second revision
    // comes would keep that revision's item past its end (an earlier meeting may be live).
    const checked = await stack.call('POST', catalogPath(catalogB, '/connection/check'), { token: await stack.token('alex@contoso.test') });
    expect(checked.body.health).toMatchObject({ state: 'lost', code: 'BAD_CREDENTIALS' });
    const [ending, movedBack, ahead] = [`s-${randomUUID()}`, `s-${randomUUID()}`, `s-${randomUUID()}`];
    const endsAt = Date.now() + 8000;
    await put(catalogB, ending, session(1, { title: 'Ends soon', ...hourEndingAt(endsAt) }));
    // Put for next year, then moved to end with the first: its first item does not expire, its latest revision ends.
    await put(catalogB, movedBack, session(1, { title: 'Moved back' }));
    await put(catalogB, movedBack, session(2, { title: 'Moved back', ...hourEndingAt(endsAt) }));
    await put(catalogB, ahead, session(1, { title: 'Still ahead' }));
    await until(catalogB, ending, (b) => b.status === 'held', 'the hold');
    await pastIt(endsAt);
    await alerted();

    await connectClassic(stack, 'alex@contoso.test', catalogB, 'alex@contoso.test', 'changed-end');
    await until(catalogB, ahead, (b) => b.status === 'scheduled', 'the session still ahead');
    expect((await until(catalogB, ending, (b) => b.status === 'failed', 'the ended session')).code).toBe('SESSION_ENDED');
    expect((await until(catalogB, movedBack, (b) => b.status === 'failed', 'the session moved into the past')).code).toBe('SESSION_ENDED');
    expect((await invitations('learner1@contoso.test')).map((m) => m.subject)).toEqual(['Still ahead']);
    // The two whose session had ended expired; the earlier revision moved back, passed, failed SESSION_ENDED.
    // (Awaited here too: a notice still on its way would land in the next test's mailbox.)
    expect((await restoredNotice('alex@contoso.test')).body.content).toContain('Of the notifications held while the connection was lost, 1 went out, 2 had expired and 1 failed. 0 are still waiting their turn.');
  });

  it('moved into the past while held, after its meeting went out - the meeting still ahead is cancelled in the attendees\' calendars (the item is kept until that meeting\'s end), and the status says SESSION_ENDED', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const id = `s-${randomUUID()}`;
    await put(catalogB, id, session(1, { title: 'Next year' }));
    await until(catalogB, id, (b) => b.status === 'scheduled', 'the invitation');
    await fault(stack, 'password', { user: 'alex@contoso.test', password: 'changed-moved' });
    const endsAt = Date.now() + 3000;
    await put(catalogB, id, session(2, { title: 'Next year', ...hourEndingAt(endsAt) }));
    await until(catalogB, id, (b) => b.status === 'held', 'the hold');
    await pastIt(endsAt);
    await alerted();

    await connectClassic(stack, 'alex@contoso.test', catalogB, 'alex@contoso.test', 'changed-moved');
    expect((await until(catalogB, id, (b) => b.status === 'failed', 'the session moved into the past')).code).toBe('SESSION_ENDED');
    expect((await invitations('learner1@contoso.test')).map((m) => [m.calendar?.method, m.subject])).toEqual([['REQUEST', 'Next year'], ['CANCEL', 'Cancelled: Next year']]);
    // (Awaited: a notice still on its way would land in the next test's mailbox.)
    expect((await restoredNotice('alex@contoso.test')).body.content).toContain('Of the notifications held while the connection was lost, 0 went out, 0 had expired and 1 failed. 0 are still waiting their turn.');
  });

  it('held then restored - only what went out counts as sent: the restored notice says 1 went out, 4 were outdated (expired), 1 failed, and comes as soon as all were dealt with', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const before = `s-${randomUUID()}`;
    await put(catalogB, before, session(1, { title: 'Sent as alex' }));
    await until(catalogB, before, (b) => b.status === 'scheduled', 'the first invitation');
    const { kept, dropped } = await loseAndRevise('changed-3');
    await put(catalogB, before, session(2, { title: 'Moved' }));
    // The restored notice follows an alert that went out.
    await alerted();
    // Another account takes over: the session sent as alex cannot be changed by it.
    await connectClassic(stack, 'alex@contoso.test', catalogB, 'megan@contoso.test');
    await until(catalogB, kept, (b) => b.status === 'scheduled', 'the latest revision');
    await until(catalogB, dropped, (b) => b.status === 'cancelled', 'the cancelled session');
    expect(await until(catalogB, before, (b) => b.status === 'failed', 'the refused update')).toMatchObject({ code: 'SESSION_ORGANIZER_CHANGED', organizer: 'alex@contoso.test' });
    // The scaled hour after which the notice goes whatever is left is 60 s: it comes long before.
    const restored = await restoredNotice('megan@contoso.test');
    expect(restored.body.content).toContain('Of the notifications held while the connection was lost, 1 went out, 4 had expired and 1 failed. 0 are still waiting their turn.');
    expect((await invitations('learner1@contoso.test')).map((m) => m.subject)).toEqual(['Sent as alex', 'Third title']);
  });

  it('smtp crash window - a pass that died after its message was taken: the next message follows it (a later SEQUENCE, a Message-ID of its own), the same content again keeps its Message-ID', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const undo: Array<() => void> = [];
    try {
      const id = `s-${randomUUID()}`;
      await put(catalogB, id, session(1));
      await until(catalogB, id, (b) => b.status === 'scheduled', 'the invitation');
      // The update goes out at SEQUENCE 1 and is not recorded; the LMS cancels meanwhile: the CANCEL follows it, at SEQUENCE 2.
      undo.push(dieOnce(id, 2, () => cancel(catalogB, id, { revision: 3, message: 'Called off' })));
      await put(catalogB, id, session(2, { title: 'Moved' }));
      await until(catalogB, id, (b) => b.status === 'cancelled', 'the cancellation');
      const got = await eventually(async () => {
        const all = await invitations('learner1@contoso.test');
        return all.length >= 3 ? all : undefined;
      }, 10_000, 'three messages');
      expect(got.map((m) => [m.calendar?.method, parsed(m.calendar?.ics as string).sequence, uidOf(m)])).toEqual([['REQUEST', 0, uidOf(got[0])], ['REQUEST', 1, uidOf(got[0])], ['CANCEL', 2, uidOf(got[0])]]);
      expect(new Set(got.map((m) => m.internetMessageId)).size).toBe(3);
      expect((await mailboxCounters(stack, 'alex@contoso.test')).duplicates).toBe(0);

      // Nothing changed meanwhile: the retry sends the very same message, under the same Message-ID.
      const again = `s-${randomUUID()}`;
      await put(catalogB, again, session(1, { attendees: [{ email: 'pradeep@contoso.test' }] }));
      await until(catalogB, again, (b) => b.status === 'scheduled', 'the invitation');
      undo.pop()?.();
      undo.push(dieOnce(again, 2, async () => undefined));
      await put(catalogB, again, session(2, { title: 'Moved', attendees: [{ email: 'pradeep@contoso.test' }] }));
      await until(catalogB, again, (b) => b.status === 'updated', 'the update');
      const twice = (await invitations('pradeep@contoso.test')).filter((m) => m.subject === 'Updated: Moved');
      expect(twice).toHaveLength(2);
      expect(twice[0].internetMessageId).toBe(twice[1].internetMessageId);
      expect((await mailboxCounters(stack, 'alex@contoso.test')).duplicatesByMessageId).toEqual({ [twice[0].internetMessageId]: 2 });
    } finally {
      undo.forEach((restore) => restore());
    }
  });

  /** The save of the pass that sent `revision` of `id` fails once, after `meanwhile`: as if the process died between Graph (or SMTP) and the row. */
  const dieOnce = (id: string, revision: number, meanwhile: () => Promise<unknown>): (() => void) => {
    const store = (stack.api.sessions as unknown as { deps: { sessions: SessionStore } }).deps.sessions;
    const write = store.write;
    let died = false;
    store.write = async (record, etag) => {
      if (!died && record.sessionId === id && record.sent?.revision === revision) {
        died = true;
        await meanwhile();
        throw new ApiError('SERVICE_UNAVAILABLE');
      }
      return write.call(store, record, etag);
    };
    return () => {
      store.write = write;
    };
  };
  const internals = () => (stack.api.sessions as unknown as { deps: { sessions: SessionStore; connections: { read: (c: string) => Promise<{ record: unknown }> }; credentials: { open: (r: unknown) => Promise<MailTransport> } } }).deps;
  const methods = async (upn: string, count: number): Promise<string[]> => (await eventually(async () => {
    const all = await invitations(upn);
    return all.length >= count ? all : undefined;
  }, 10_000, `${count} messages for ${upn}`)).map((m) => m.calendar?.method ?? '');

  it('graph crash window - the LMS cancels while the new meeting is not yet recorded: the meeting that went out is cancelled, not left live', async () => {
    await graphCatalog();
    const id = `s-${randomUUID()}`;
    const restore = dieOnce(id, 1, () => cancel(catalogA, id, { revision: 2, message: 'Called off' }));
    try {
      await put(catalogA, id, session(1));
      await until(catalogA, id, (b) => b.status === 'cancelled', 'the cancellation');
      expect(await methods('learner1@contoso.test', 2)).toEqual(['REQUEST', 'CANCEL']);
      const mine = (await events('megan@contoso.test')).filter((e) => e.subject === 'Safety training' && !e.isCancelled);
      expect(mine).toEqual([]);
    } finally {
      restore();
    }
  });

  it('graph crash window - a revision put while the new meeting is not yet recorded: the meeting is changed to it (Graph answers the repeated create with the old event)', async () => {
    await graphCatalog();
    const id = `s-${randomUUID()}`;
    const moved = session(2, { title: 'Moved in the window', start: { dateTime: `${NEXT_YEAR}-06-11T14:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-06-11T15:00:00`, timeZone: 'Asia/Tokyo' } });
    const restore = dieOnce(id, 1, () => put(catalogA, id, moved));
    try {
      await put(catalogA, id, session(1));
      const done = await until(catalogA, id, (b) => b.sentRevision === 2, 'revision 2 sent');
      const mine = (await events('megan@contoso.test')).filter((e) => (e as unknown as { iCalUId: string }).iCalUId === done.uid);
      expect(mine.map((e) => [e.subject, e.start.dateTime, e.isCancelled])).toEqual([['Moved in the window', `${NEXT_YEAR}-06-11T14:00:00`, false]]);
    } finally {
      restore();
    }
  });

  it('graph crash window - a create that never reached Graph, then cancelled: nothing goes out, no event is left behind', async () => {
    await graphCatalog();
    const id = `s-${randomUUID()}`;
    const deps = internals();
    const title = `Never sent ${id}`;
    const desired = { ...session(2, { title }), cancelled: true, room: null, teams: false } as SessionRevision;
    // The row as a pass leaves it that stored its attempt and ended before its POST (and the LMS cancelled since).
    await deps.sessions.write({
      sessionId: id, catalog: catalogA, desired, desiredHash: 'h', desiredCanonical: 'h', sent: null, firstSentRevision: null, outcome: null, updatedAt: '',
      attempt: { revision: 1, transport: 'graph', organizer: 'megan@contoso.test', cancelled: false, eventId: null, uid: '', sequence: 0, attendees: ['learner1@contoso.test'], room: null, roomAnswer: null, joinUrl: null, start: desired.start, end: desired.end, transactionId: id.slice(2, 34) }
    }, null);
    const real = await deps.credentials.open((await deps.connections.read(catalogA)).record);
    try {
      expect(await new SessionInvitations({ sessions: deps.sessions, domain: 'lms.test', roomName: async () => null }).send({ catalog: catalogA, session: id } as unknown as StoredItem, real)).toEqual({ submitted: false });
    } finally {
      await real.close();
    }
    expect((await events('megan@contoso.test')).filter((e) => e.subject === title)).toEqual([]);
    expect((await invitations('learner1@contoso.test')).filter((m) => m.subject.includes(title))).toEqual([]);
    expect((await status(catalogA, id)).body).toMatchObject({ status: 'cancelled' });
    expect((await deps.sessions.read(catalogA, id))?.attempt).toBeNull();
  });

  it('smtp crash window - the LMS cancels while the first invitation is not yet recorded: the cancellation follows it', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const id = `s-${randomUUID()}`;
    const restore = dieOnce(id, 1, () => cancel(catalogB, id, { revision: 2 }));
    try {
      await put(catalogB, id, session(1, { attendees: [{ email: 'pradeep@contoso.test' }] }));
      await until(catalogB, id, (b) => b.status === 'cancelled', 'the cancellation');
      const got = await invitations('pradeep@contoso.test');
      expect(await methods('pradeep@contoso.test', 2)).toEqual(['REQUEST', 'CANCEL']);
      expect(got.map((m) => parsed(m.calendar?.ics as string).sequence)).toEqual([0, 1]);
    } finally {
      restore();
    }
  });

  it('two workers on one session (a claim that lapsed) - the slower pass of an older revision lands last: the session is passed again and the attendees get the latest revision', async () => {
    await graphCatalog();
    const id = `s-${randomUUID()}`;
    await put(catalogA, id, session(1));
    await until(catalogA, id, (b) => b.status === 'scheduled', 'the invitation');
    const deps = internals();
    // Another instance's worker passes revision 2; its Graph calls are slow.
    const r1 = await deps.sessions.read(catalogA, id);
    await deps.sessions.write({ ...(r1 as NonNullable<typeof r1>), desired: { ...(r1 as NonNullable<typeof r1>).desired, revision: 2, title: 'Revision two' }, desiredHash: 'r2', desiredCanonical: 'r2', updatedAt: new Date().toISOString() }, (r1 as NonNullable<typeof r1>).etag);
    const real = await deps.credentials.open((await deps.connections.read(catalogA)).record);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached: () => void = () => undefined;
    const submitting = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const slow = Object.assign(Object.create(real) as MailTransport, {
      submit: async (method: 'POST' | 'PATCH', path: string, body: unknown) => {
        reached();
        await gate;
        return (real as unknown as { submit: (m: string, p: string, b: unknown) => Promise<unknown> }).submit(method, path, body);
      }
    });
    const other = new SessionInvitations({ sessions: deps.sessions, domain: 'other.test', roomName: async () => null });
    const passing = other.send({ catalog: catalogA, session: id } as unknown as StoredItem, slow).then(() => 'done', (error: unknown) => (error instanceof ApiError ? error.code : 'thrown'));
    // The older pass has read revision 2 and is at its Graph call.
    await submitting;
    // Meanwhile the LMS puts revision 3 and this instance sends it.
    expect((await put(catalogA, id, session(3, { title: 'Revision three' }))).status).toBe(202);
    await until(catalogA, id, (b) => b.sentRevision === 3, 'revision 3 sent');
    release();
    // The older pass finds it was overtaken after its PATCH went: its item is retried (a passing fault), not recorded over revision 3.
    expect(await passing).toBe('SERVICE_UNAVAILABLE');
    const again = await other.send({ catalog: catalogA, session: id } as unknown as StoredItem, real);
    expect(again).toEqual({ submitted: true, sent: { messages: 1, recipients: 2 } });
    const after = (await status(catalogA, id)).body;
    const [event] = (await events('megan@contoso.test')).filter((e) => (e as unknown as { iCalUId: string }).iCalUId === after.uid);
    expect([after.status, after.sentRevision, event.subject]).toEqual(['updated', 3, 'Revision three']);
    await real.close();
  });

  it('graph room declined, then moved in the same room - the booking at its old times is the winner\'s, not its own: a busy room is ROOM_UNAVAILABLE and nothing goes out', async () => {
    await graphCatalog();
    const a = `s-${randomUUID()}`;
    const b = `s-${randomUUID()}`;
    const at = { start: { dateTime: `${NEXT_YEAR}-07-12T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-07-12T11:00:00`, timeZone: 'Asia/Tokyo' }, room: 'room-adams@contoso.test' };
    // Both checked before the room answers either (5 s after an invitation, room for a loaded machine).
    stack.tenant.state.roomAnswerDelayMs = 5000;
    await Promise.all([put(catalogA, a, session(1, at)), put(catalogA, b, session(1, at))]);
    const answers = await Promise.all([a, b].map((id) => until(catalogA, id, (st) => st.room?.answer === 'accepted' || st.room?.answer === 'declined', 'the room\'s answer')));
    const loser = answers.find((st) => st.room.answer === 'declined');
    expect(loser).toMatchObject({ status: 'failed', code: 'ROOM_UNAVAILABLE' });
    // 10:30-11:30 overlaps the winner's 10:00-11:00.
    await put(catalogA, loser.sessionId, session(2, { ...at, start: { dateTime: `${NEXT_YEAR}-07-12T10:30:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-07-12T11:30:00`, timeZone: 'Asia/Tokyo' } }));
    const after = await until(catalogA, loser.sessionId, (st) => st.revision === 2 && (st.status === 'failed' || st.status === 'updated'), 'revision 2 handled');
    expect([after.status, after.code, after.sentRevision]).toEqual(['failed', 'ROOM_UNAVAILABLE', 1]);
  });

  it('graph room out of its booking policy - free by getSchedule, then declined by the room (further ahead than its booking window, or longer than it takes): ROOM_UNAVAILABLE', async () => {
    await graphCatalog();
    await fault(stack, 'room-policy', { room: 'room-crane@contoso.test', bookingWindowInDays: 30, maximumDurationInMinutes: 120 });
    const day = (ahead: number): string => new Date(Date.now() + ahead * 86_400_000).toISOString().slice(0, 10);
    const far = `s-${randomUUID()}`;
    const long = `s-${randomUUID()}`;
    const near = `s-${randomUUID()}`;
    await put(catalogA, far, session(1, { room: 'room-crane@contoso.test', start: { dateTime: `${day(60)}T10:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day(60)}T11:00:00`, timeZone: 'UTC' } }));
    await put(catalogA, long, session(1, { room: 'room-crane@contoso.test', start: { dateTime: `${day(10)}T09:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day(10)}T12:00:00`, timeZone: 'UTC' } }));
    await put(catalogA, near, session(1, { room: 'room-crane@contoso.test', start: { dateTime: `${day(20)}T09:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day(20)}T10:00:00`, timeZone: 'UTC' } }));
    const answered = (id: string) => until(catalogA, id, (st) => st.room?.answer === 'accepted' || st.room?.answer === 'declined', 'the room\'s answer');
    for (const id of [far, long]) {
      expect(await answered(id)).toMatchObject({ status: 'failed', code: 'ROOM_UNAVAILABLE', room: { answer: 'declined' } });
    }
    expect(await answered(near)).toMatchObject({ status: 'scheduled', room: { answer: 'accepted' } });
  });

  it('graph crash window - a cancel that went out but was not recorded, then a new revision: the cancelled meeting cannot be changed, so it is made again', async () => {
    await graphCatalog();
    const id = `s-${randomUUID()}`;
    await put(catalogA, id, session(1, { title: 'Cancelled unrecorded' }));
    await until(catalogA, id, (b) => b.status === 'scheduled', 'the invitation');
    const moved = session(3, { title: 'Back on', start: { dateTime: `${NEXT_YEAR}-06-12T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-06-12T11:00:00`, timeZone: 'Asia/Tokyo' } });
    const restore = dieOnce(id, 2, () => put(catalogA, id, moved));
    try {
      await cancel(catalogA, id, { revision: 2, message: 'Off' });
      const done = await until(catalogA, id, (b) => b.sentRevision === 3 || b.status === 'failed', 'revision 3 handled');
      expect([done.status, done.code]).toEqual(['updated', null]);
      const mine = (await events('megan@contoso.test')).filter((e) => e.subject === 'Cancelled unrecorded' || e.subject === 'Back on');
      expect(mine.map((e) => [e.subject, e.isCancelled])).toEqual([['Cancelled unrecorded', true], ['Back on', false]]);
    } finally {
      restore();
    }
  });
});
