import { randomUUID } from 'node:crypto';
import * as ical from 'node-ical';
import type { OutboundMessage } from '../../src/mail/message';
import type { MailTransport } from '../../src/mail/transport';
import type { StoredItem } from '../../src/sending/outboxStore';
import { ApiError } from '../../src/errors/apiError';
import { htmlToText, invitationIcs } from '../../src/sessions/ics';
import { meetingBlob, roomAnswerOf, roomSchedules, SessionInvitations, SMTP_WORDS, utcMs } from '../../src/sessions/invitations';
import type { SessionRecord, SessionRevision, SessionStore } from '../../src/sessions/sessionStore';
import { Settings } from 'luxon';
import { graphDateTime, sessionTimes, zoned } from '../../src/sessions/time';
import { ROOM_ANSWER_READ_MS, SessionDeps, SessionService } from '../../src/sessions/sessionService';
import { emptyConnection } from '../../src/connections/model';
import { gate, reachedBy } from '../support/gate';

const revision = (extra: Partial<SessionRevision> = {}): SessionRevision => ({
  revision: 1,
  cancelled: false,
  title: 'Safety; training, part 1',
  html: '<p>Bring <b>boots</b> &amp; a hat.</p>',
  start: { dateTime: '2027-10-31T00:30:00', timeZone: 'Europe/London' },
  end: { dateTime: '2027-10-31T03:00:00', timeZone: 'Europe/London' },
  attendees: [{ email: 'learner1@contoso.test', name: 'Learner One', role: 'required' }, { email: 'learner2@contoso.test', role: 'optional' }],
  room: null,
  teams: false,
  ...extra
});

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof ApiError ? `${error.code}: ${error.detail}` : String(error);
  }
};


/** A SessionService over the given collaborators (the rest inert): what a unit test needs of it. */
const serviceWith = (deps: Record<string, unknown>): SessionService => new SessionService({
  wake: async () => undefined,
  log: { info: () => undefined, warn: () => undefined },
  roomsCacheMs: 1000,
  recipientsPerMessage: 500,
  ...deps
} as unknown as SessionDeps);

describe('sessions - time zones', () => {
  it('time - a wall-clock time in an IANA zone is an instant; Tokyo has no daylight saving', () => {
    expect(zoned({ dateTime: '2027-06-10T10:00', timeZone: 'Asia/Tokyo' }, 'start').toUTC().toISO()).toBe('2027-06-10T01:00:00.000Z');
    expect(zoned({ dateTime: '2027-12-10T10:00:00', timeZone: 'Asia/Tokyo' }, 'start').toUTC().toISO()).toBe('2027-12-10T01:00:00.000Z');
  });

  it('time - London: GMT in winter, BST in summer; a time the clocks skip or repeat is refused', () => {
    expect(zoned({ dateTime: '2027-01-10T10:00:00', timeZone: 'Europe/London' }, 'start').toUTC().toISO()).toBe('2027-01-10T10:00:00.000Z');
    expect(zoned({ dateTime: '2027-07-10T10:00:00', timeZone: 'Europe/London' }, 'start').toUTC().toISO()).toBe('2027-07-10T09:00:00.000Z');
    expect(codeOf(() => zoned({ dateTime: '2027-03-28T01:30:00', timeZone: 'Europe/London' }, 'start'))).toBe('VALIDATION_FAILED: start.dateTime does not exist in Europe/London (the clocks go forward then).');
    // 01:30 on 31 October 2027 happens twice in London (BST, then GMT); 00:59 and 02:00 once each.
    expect(codeOf(() => zoned({ dateTime: '2027-10-31T01:30:00', timeZone: 'Europe/London' }, 'start'))).toBe('VALIDATION_FAILED: start.dateTime happens twice in Europe/London (the clocks go back then); give a time outside the repeated hour.');
    expect(zoned({ dateTime: '2027-10-31T00:59:00', timeZone: 'Europe/London' }, 'start').toUTC().toISO()).toBe('2027-10-30T23:59:00.000Z');
    expect(zoned({ dateTime: '2027-10-31T02:00:00', timeZone: 'Europe/London' }, 'start').toUTC().toISO()).toBe('2027-10-31T02:00:00.000Z');
    // Antarctica/Troll goes back two hours (+02 to +00) at 03:00 on the last Sunday of October: 01:30 happens twice, 03:00 once.
    expect(codeOf(() => zoned({ dateTime: '2027-10-31T01:30:00', timeZone: 'Antarctica/Troll' }, 'start'))).toBe('VALIDATION_FAILED: start.dateTime happens twice in Antarctica/Troll (the clocks go back then); give a time outside the repeated hour.');
    expect(zoned({ dateTime: '2027-10-31T03:00:00', timeZone: 'Antarctica/Troll' }, 'start').toUTC().toISO()).toBe('2027-10-31T03:00:00.000Z');
    // Lord Howe goes back 30 minutes: 01:45 on 4 April 2027 happens twice.
    expect(codeOf(() => zoned({ dateTime: '2027-04-04T01:45:00', timeZone: 'Australia/Lord_Howe' }, 'start'))).toMatch(/happens twice/);
    expect(codeOf(() => zoned({ dateTime: '2027-06-10T10:00:00', timeZone: 'Europe/Atlantis' }, 'end'))).toBe('VALIDATION_FAILED: end.timeZone is not an IANA time zone (such as Asia/Tokyo or UTC).');
    expect(codeOf(() => zoned({ dateTime: '2027-02-30T10:00:00', timeZone: 'UTC' }, 'start'))).toBe('VALIDATION_FAILED: start.dateTime is not a valid date and time.');
    expect(codeOf(() => zoned({ dateTime: '2027-06-10T24:00:00', timeZone: 'UTC' }, 'start'))).toBe('VALIDATION_FAILED: start.dateTime is not a valid date and time.');
  });

  it('time - only IANA zones, spelt as the zone is: not the offsets or the server zone Luxon would also read (Graph refuses them)', () => {
    for (const timeZone of ['UTC+9', '+09:00', 'Local', 'system', 'Tokyo Standard Time']) {
      expect(codeOf(() => zoned({ dateTime: '2027-06-10T10:00:00', timeZone }, 'start'))).toBe('VALIDATION_FAILED: start.timeZone is not an IANA time zone (such as Asia/Tokyo or UTC).');
    }
    expect(codeOf(() => zoned({ dateTime: '2027-06-10T10:00:00', timeZone: 'asia/tokyo' }, 'start'))).toBe('VALIDATION_FAILED: start.timeZone is spelt Asia/Tokyo.');
    // A link (Asia/Kolkata, which ICU resolves to Asia/Calcutta) and a zone ICU lists (Asia/Calcutta) are checked for their case too.
    expect(codeOf(() => zoned({ dateTime: '2027-06-10T10:00:00', timeZone: 'asia/kolkata' }, 'start'))).toBe('VALIDATION_FAILED: start.timeZone is spelt Asia/Kolkata.');
    expect(codeOf(() => zoned({ dateTime: '2027-06-10T10:00:00', timeZone: 'ASIA/CALCUTTA' }, 'start'))).toBe('VALIDATION_FAILED: start.timeZone is spelt Asia/Calcutta.');
    expect(codeOf(() => zoned({ dateTime: '2027-06-10T10:00:00', timeZone: 'utc' }, 'start'))).toBe('VALIDATION_FAILED: start.timeZone is spelt UTC.');
    // Every zone this runtime's ICU lists, written in another case, is told its own spelling (and taken as it is).
    const icuZones = (Intl as typeof Intl & { supportedValuesOf: (key: 'timeZone') => string[] }).supportedValuesOf('timeZone');
    expect(icuZones.length).toBeGreaterThan(300);
    for (const zone of icuZones) {
      const other = zone === zone.toUpperCase() ? zone.toLowerCase() : zone.toUpperCase();
      expect(codeOf(() => zoned({ dateTime: '2027-06-10T10:00:00', timeZone: other }, 'start'))).toBe(`VALIDATION_FAILED: start.timeZone is spelt ${zone}.`);
      expect(zoned({ dateTime: '2027-06-10T12:00:00', timeZone: zone }, 'start').isValid).toBe(true);
    }
    // Etc/GMT-9 is nine hours ahead of UTC (POSIX signs); links such as Asia/Kolkata are zones too.
    expect(zoned({ dateTime: '2027-06-10T10:00:00', timeZone: 'Etc/GMT-9' }, 'start').toUTC().toISO()).toBe('2027-06-10T01:00:00.000Z');
    expect(zoned({ dateTime: '2027-06-10T10:00:00', timeZone: 'Asia/Kolkata' }, 'start').toUTC().toISO()).toBe('2027-06-10T04:30:00.000Z');
    expect(zoned({ dateTime: '2027-06-10T10:00:00', timeZone: 'UTC' }, 'start').toUTC().toISO()).toBe('2027-06-10T10:00:00.000Z');
  });

  it('time - the end must come after the start, compared as instants across zones', () => {
    expect(codeOf(() => sessionTimes({ dateTime: '2027-06-10T10:00:00', timeZone: 'Asia/Tokyo' }, { dateTime: '2027-06-10T02:00:00', timeZone: 'Europe/London' }))).toBe('VALIDATION_FAILED: end is not after start.');
    expect(sessionTimes({ dateTime: '2027-06-10T10:00:00', timeZone: 'Asia/Tokyo' }, { dateTime: '2027-06-10T03:00:00', timeZone: 'Europe/London' }).end.toUTC().toISO()).toBe('2027-06-10T02:00:00.000Z');
  });

  it('time - a refused start or end is named as such in the problem', () => {
    const ok = { dateTime: '2027-06-10T10:00:00', timeZone: 'UTC' };
    expect(codeOf(() => sessionTimes({ ...ok, timeZone: 'Mars/Olympus' }, ok))).toBe('VALIDATION_FAILED: start.timeZone is not an IANA time zone (such as Asia/Tokyo or UTC).');
    expect(codeOf(() => sessionTimes(ok, { ...ok, dateTime: '2027-06-31T10:00:00' }))).toBe('VALIDATION_FAILED: end.dateTime is not a valid date and time.');
  });

  it('time - fractions of a second or an offset make no wall-clock time: refused as not valid, not as a time the clocks skip', () => {
    for (const dateTime of ['2027-06-10T10:00:00.000', '2027-06-10T10:00:00+09:00', '2027-06-10T10:00:00Z']) {
      expect(codeOf(() => zoned({ dateTime, timeZone: 'Asia/Tokyo' }, 'start'))).toBe('VALIDATION_FAILED: start.dateTime is not a valid date and time.');
    }
  });

  it('time - the server\'s own time zone changes nothing: the same instants, the same repeated hour refused', () => {
    const before = Settings.defaultZone;
    Settings.defaultZone = 'America/New_York';
    try {
      expect(zoned({ dateTime: '2027-10-31T00:59:00', timeZone: 'Europe/London' }, 'start').toUTC().toISO()).toBe('2027-10-30T23:59:00.000Z');
      expect(zoned({ dateTime: '2027-10-31T02:00:00', timeZone: 'Europe/London' }, 'start').toUTC().toISO()).toBe('2027-10-31T02:00:00.000Z');
      expect(zoned({ dateTime: '2027-06-10T10:00:00', timeZone: 'Asia/Tokyo' }, 'start').toUTC().toISO()).toBe('2027-06-10T01:00:00.000Z');
      expect(codeOf(() => zoned({ dateTime: '2027-10-31T01:30:00', timeZone: 'Europe/London' }, 'start'))).toMatch(/happens twice/);
    } finally {
      Settings.defaultZone = before;
    }
  });

  it('time - Graph is given the session\'s own zone when its documentation lists it, else the same instant in UTC', () => {
    const tokyo = zoned({ dateTime: '2027-06-10T10:00', timeZone: 'Asia/Tokyo' }, 'start');
    expect(graphDateTime(tokyo, 'Asia/Tokyo')).toEqual({ dateTime: '2027-06-10T10:00:00', timeZone: 'Asia/Tokyo' });
    // Europe/Kyiv is not in the list (Europe/Kiev is): 10:00 in Kyiv in summer is 07:00 UTC.
    expect(graphDateTime(zoned({ dateTime: '2027-06-10T10:00:00', timeZone: 'Europe/Kyiv' }, 'start'), 'Europe/Kyiv')).toEqual({ dateTime: '2027-06-10T07:00:00', timeZone: 'UTC' });
    expect(graphDateTime(zoned({ dateTime: '2027-06-10T10:00:00', timeZone: 'UTC' }, 'start'), 'UTC')).toEqual({ dateTime: '2027-06-10T10:00:00', timeZone: 'UTC' });
  });
});

describe('sessions - iCalendar', () => {
  const organizer = { email: 'alex@contoso.test', name: 'Alex Wilber' };

  it('ics - a REQUEST parses (node-ical) with its UID, SEQUENCE, zone, organiser and attendees with RSVP and roles', () => {
    const text = invitationIcs({ method: 'REQUEST', uid: 'abc@lms.example', sequence: 3, organizer, attendees: revision().attendees, revision: revision(), location: 'Adams (Building 1)' });
    const data = ical.sync.parseICS(text);
    const ev = Object.values(data).find((c): c is ical.VEvent => c?.type === 'VEVENT') as ical.VEvent;
    expect((data.vcalendar as unknown as { method: string }).method).toBe('REQUEST');
    expect([ev.uid, Number(ev.sequence), ev.summary, ev.location]).toEqual(['abc@lms.example', 3, 'Safety; training, part 1', 'Adams (Building 1)']);
    expect([(ev.start as Date).toISOString(), (ev.end as Date).toISOString()]).toEqual(['2027-10-30T23:30:00.000Z', '2027-10-31T03:00:00.000Z']);
    // UTC times (and stamp), no VTIMEZONE: every reader shows them in its own zone.
    expect(text).toMatch(/\r\nDTSTART:20271030T233000Z\r\n/);
    expect(text).toMatch(/\r\nDTEND:20271031T030000Z\r\n/);
    expect(text).toMatch(/\r\nDTSTAMP:\d{8}T\d{6}Z\r\n/);
    expect(text).not.toContain('VTIMEZONE');
    expect(text).not.toContain('TZID');
    const unfolded = text.replace(/\r\n /g, '');
    expect(unfolded).toContain('ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN="Learner One":MAILTO:learner1@contoso.test');
    expect(unfolded).toContain('ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:MAILTO:learner2@contoso.test');
    expect(unfolded).toContain('ORGANIZER;CN="Alex Wilber":mailto:alex@contoso.test');
    expect(ev.description).toBe('Bring boots & a hat.');
  });

  it('ics - zones a packaged VTIMEZONE table got wrong are the right instants: UTC (was a floating time), Etc/GMT-9 (sign reversed), Europe/Kyiv (unknown to it)', () => {
    const at = (timeZone: string): string => {
      const text = invitationIcs({ method: 'REQUEST', uid: 'z@lms.example', sequence: 0, organizer, attendees: revision().attendees, revision: revision({ start: { dateTime: '2027-06-10T10:00:00', timeZone }, end: { dateTime: '2027-06-10T11:00:00', timeZone } }), location: null });
      return /\r\nDTSTART:(\S+)\r\n/.exec(text)?.[1] ?? text;
    };
    expect([at('UTC'), at('Etc/GMT-9'), at('Europe/Kyiv'), at('America/New_York')]).toEqual(['20270610T100000Z', '20270610T010000Z', '20270610T070000Z', '20270610T140000Z']);
  });

  it('ics - a CANCEL says CANCELLED with the message, and asks for no reply', () => {
    const text = invitationIcs({ method: 'CANCEL', uid: 'abc@lms.example', sequence: 4, organizer, attendees: [revision().attendees[0]], revision: revision({ cancelled: true, message: 'The trainer is ill.' }), location: null });
    const ev = Object.values(ical.sync.parseICS(text)).find((c): c is ical.VEvent => c?.type === 'VEVENT') as ical.VEvent;
    expect([ev.status, ev.description, Number(ev.sequence)]).toEqual(['CANCELLED', 'The trainer is ill.', 4]);
    expect(text).toContain('METHOD:CANCEL');
    expect(text).not.toContain('RSVP=TRUE');
  });

  it('ics - a CANCEL without a message keeps the session\'s description', () => {
    const text = invitationIcs({ method: 'CANCEL', uid: 'abc@lms.example', sequence: 4, organizer, attendees: [revision().attendees[0]], revision: revision({ cancelled: true }), location: null });
    const ev = Object.values(ical.sync.parseICS(text)).find((c): c is ical.VEvent => c?.type === 'VEVENT') as ical.VEvent;
    expect([ev.status, ev.description]).toEqual(['CANCELLED', 'Bring boots & a hat.']);
  });

  it('ics - the calendar names the language of the API\'s words: JA for a session in Japanese, EN otherwise (PRODID, RFC 5545 3.7.3)', () => {
    const prodId = (language?: 'ja'): string => /\r\nPRODID:([^\r\n]+)\r\n/.exec(invitationIcs({ method: 'REQUEST', uid: 'l@lms.example', sequence: 0, organizer, attendees: revision().attendees, revision: revision(language ? { language } : {}), location: null }))?.[1] ?? '';
    expect([prodId(), prodId('ja')]).toEqual(['-//LMS//Microsoft 365 connection//EN', '-//LMS//Microsoft 365 connection//JA']);
  });

  it('smtp words - the subject prefixes and the notes to attendees, en and ja', () => {
    expect([SMTP_WORDS.en.updated('A'), SMTP_WORDS.en.cancelled('A'), SMTP_WORDS.ja.updated('A'), SMTP_WORDS.ja.cancelled('A')]).toEqual(['Updated: A', 'Cancelled: A', '更新: A', 'キャンセル済み: A']);
    expect(SMTP_WORDS.ja.removed('安全研修')).toBe('「安全研修」の出席者から外れました。この会議は予定表から削除されます。');
    expect(SMTP_WORDS.ja.isCancelled('安全研修')).toBe('「安全研修」は中止になりました。');
    expect(SMTP_WORDS.en.isCancelled('A')).toBe('A is cancelled.');
  });

  it('ics - the plain-text description drops tags and decodes entities', () => {
    expect(htmlToText('<h1>Title</h1><p>a &lt;b&gt; &quot;c&quot;<br>d</p>')).toBe('Title\na <b> "c"\nd');
    expect(htmlToText('<p>Bring&nbsp;boots &amp; the trainer&#39;s notes.</p>')).toBe('Bring boots & the trainer\'s notes.');
    // An entity is decoded once: &amp;lt; is the text "&lt;", not "<".
    expect(htmlToText('<p>&amp;lt;</p>')).toBe('&lt;');
  });

  it('ics - empty paragraphs leave at most one blank line in the plain text', () => {
    expect(htmlToText('<p>Part 1</p><p></p><p></p><div></div><p>Part 2</p>')).toBe('Part 1\n\nPart 2');
  });
});

describe('sessions - Graph answers', () => {
  it('room answer - read from the event\'s attendees; none until the room answered', () => {
    const event = { attendees: [{ emailAddress: { address: 'learner1@contoso.test' }, type: 'required', status: { response: 'accepted' } }, { emailAddress: { address: 'Room-Adams@contoso.test' }, type: 'resource', status: { response: 'declined' } }] };
    expect(roomAnswerOf(event, 'room-adams@contoso.test')).toBe('declined');
    expect(roomAnswerOf(event, 'room-baker@contoso.test')).toBe('none');
    expect(roomAnswerOf({ attendees: [{ emailAddress: { address: 'room-adams@contoso.test' }, type: 'resource', status: { response: 'organizer' } }] }, 'room-adams@contoso.test')).toBe('none');
  });

  it('room answer - accepted and tentatively accepted are the room\'s answers too; a room listed without a status has not answered', () => {
    const answering = (response: string) => ({ attendees: [{ emailAddress: { address: 'room-adams@contoso.test' }, type: 'resource', status: { response } }] });
    expect(roomAnswerOf(answering('accepted'), 'room-adams@contoso.test')).toBe('accepted');
    expect(roomAnswerOf(answering('tentativelyAccepted'), 'room-adams@contoso.test')).toBe('tentativelyAccepted');
    expect(roomAnswerOf({ attendees: [{ emailAddress: { address: 'room-adams@contoso.test' }, type: 'resource' }] }, 'room-adams@contoso.test')).toBe('none');
    expect(roomAnswerOf({}, 'room-adams@contoso.test')).toBe('none');
  });

  it('utcMs - Graph\'s seven-digit fractions in UTC', () => {
    expect(utcMs({ dateTime: '2027-06-10T01:00:00.0000000', timeZone: 'UTC' })).toBe(Date.parse('2027-06-10T01:00:00Z'));
  });

  it('utcMs - a time that carries its own offset (or Z) is read at it, not as UTC again', () => {
    expect(utcMs({ dateTime: '2027-06-10T10:00:00+09:00', timeZone: 'UTC' })).toBe(Date.parse('2027-06-10T01:00:00Z'));
    expect(utcMs({ dateTime: '2027-06-10T01:00:00-05:30', timeZone: 'UTC' })).toBe(Date.parse('2027-06-10T06:30:00Z'));
    expect(utcMs({ dateTime: '2027-06-10T01:00:00.000Z', timeZone: 'UTC' })).toBe(Date.parse('2027-06-10T01:00:00Z'));
  });
});

describe('sessions - invitation items', () => {
  /** An in-memory SessionStore with ETags, and an SMTP-like transport that records what it sends. */
  function world(): { invitations: SessionInvitations; store: SessionStore; sent: OutboundMessage[]; transport: MailTransport; item: (session: string) => StoredItem } {
    const rows = new Map<string, SessionRecord>();
    let etag = 0;
    const store = {
      read: async (catalog: string, id: string) => (rows.has(`${catalog}|${id}`) ? structuredClone(rows.get(`${catalog}|${id}`)) : undefined),
      write: async (record: Omit<SessionRecord, 'etag'>, expected: string | null) => {
        const key = `${record.catalog}|${record.sessionId}`;
        if ((rows.get(key)?.etag ?? null) !== expected) {
          throw new ApiError('CHANGED_BY_SOMEONE_ELSE');
        }
        const next = { ...structuredClone(record), etag: String(++etag) };
        rows.set(key, next);
        return next;
      }
    } as unknown as SessionStore;
    const sent: OutboundMessage[] = [];
    const transport: MailTransport = { kind: 'smtp-password', account: 'alex@contoso.test', concurrency: 3, probe: async () => undefined, send: async (m) => void sent.push(m), close: async () => undefined };
    const invitations = new SessionInvitations({ sessions: store, domain: 'lms.test', roomName: async () => null });
    const item = (session: string): StoredItem => ({ id: randomUUID(), kind: 'invitation', session, catalog: 'https://x/sites/a', etag: '', content: { to: [], cc: [], bcc: [], subject: '' }, state: {} as StoredItem['state'] });
    return { invitations, store, sent, transport, item };
  }
  const put = (store: SessionStore, desired: SessionRevision, previous: SessionRecord | undefined) =>
    store.write({ sessionId: 's1', catalog: 'https://x/sites/a', desired, desiredHash: String(desired.revision), sent: previous?.sent ?? null, attempt: previous?.attempt ?? null, firstSentRevision: previous?.firstSentRevision ?? null, outcome: previous?.outcome ?? null, updatedAt: '' }, previous?.etag ?? null);

  it('items - a redelivered item and the items of older revisions send nothing once the latest revision went out', async () => {
    const { invitations, store, sent, transport, item } = world();
    const row = await put(store, revision({ revision: 1 }), undefined);
    await put(store, revision({ revision: 2, title: 'Moved' }), row);
    const first = item('s1');
    expect(await invitations.send(first, transport)).toEqual({ submitted: true, sent: { messages: 1, recipients: 2 } });
    expect(await invitations.send(first, transport)).toEqual({ submitted: false });
    expect(await invitations.send(item('s1'), transport)).toEqual({ submitted: false });
    expect(sent.map((m) => [m.subject, m.calendar?.method, m.messageId.replace(/session\.\w+\./, 'session.H.')])).toEqual([['Moved', 'REQUEST', '<session.H.0@lms.test>']]);
    expect((await store.read('https://x/sites/a', 's1'))?.sent).toMatchObject({ revision: 2, sequence: 0, transport: 'smtp' });
  });

  it('items - two items of one session at once: one pass at a time, one message', async () => {
    const { invitations, store, sent, transport, item } = world();
    await put(store, revision({ revision: 1 }), undefined);
    const outcomes = await Promise.all([invitations.send(item('s1'), transport), invitations.send(item('s1'), transport)]);
    expect(outcomes.map((o) => o.submitted).sort()).toEqual([false, true]);
    expect(sent).toHaveLength(1);
  });

  it('items - a session created and cancelled before anything went out sends nothing', async () => {
    const { invitations, store, sent, transport, item } = world();
    const row = await put(store, revision({ revision: 1 }), undefined);
    await put(store, revision({ revision: 2, cancelled: true, message: 'No' }), row);
    expect(await invitations.send(item('s1'), transport)).toEqual({ submitted: false });
    expect(sent).toHaveLength(0);
    expect((await store.read('https://x/sites/a', 's1'))?.outcome).toEqual({ revision: 2, code: null, notes: [] });
  });

  it('items - a pass says what it submitted: the invitation to the latest revision\'s attendees and a cancellation to those taken off (the engine counts both)', async () => {
    const { invitations, store, sent, transport, item } = world();
    const row = await put(store, revision({ revision: 1 }), undefined);
    expect(await invitations.send(item('s1'), transport)).toMatchObject({ sent: { messages: 1, recipients: 2 } });
    const three = [{ email: 'learner3@contoso.test', role: 'required' as const }, { email: 'learner4@contoso.test', role: 'required' as const }, { email: 'learner5@contoso.test', role: 'required' as const }];
    await put(store, revision({ revision: 2, attendees: three }), (await store.read('https://x/sites/a', 's1')) ?? row);
    expect(await invitations.send(item('s1'), transport)).toEqual({ submitted: true, sent: { messages: 2, recipients: 5 } });
    expect(sent.map((m) => [m.calendar?.method, m.to.length])).toEqual([['REQUEST', 2], ['REQUEST', 3], ['CANCEL', 2]]);
  });
});

describe('session invitations - a pass that ended before its record (the attempt), with faked Graph and SMTP', () => {
  const C = 'https://x/sites/a';
  const who = (...n: number[]): SessionRevision['attendees'] => n.map((i) => ({ email: `l${i}@contoso.test`, role: 'required' as const }));
  // Next year's 1 October: ahead of the clock whenever the suite runs (a pass sends nothing for a session that has ended).
  const day = `${new Date().getUTCFullYear() + 1}-10-01`;
  const rev = (n: number, extra: Partial<SessionRevision> = {}): SessionRevision => revision({ revision: n, start: { dateTime: `${day}T10:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T11:00:00`, timeZone: 'UTC' }, attendees: who(1, 2), ...extra });

  function world(recipientsPerMessage?: number) {
    const rows = new Map<string, SessionRecord>();
    let etag = 0;
    /** A write this refuses fails as a storage fault would (the pass dies before its record). */
    const faults: { failWrite?: (record: Omit<SessionRecord, 'etag'>) => boolean } = {};
    const store = {
      read: async (_c: string, id: string) => (rows.has(id) ? structuredClone(rows.get(id)) : undefined),
      write: async (record: Omit<SessionRecord, 'etag'>, expected: string | null) => {
        if (faults.failWrite?.(record)) {
          throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'storage' });
        }
        if ((rows.get(record.sessionId)?.etag ?? null) !== expected) {
          throw new ApiError('CHANGED_BY_SOMEONE_ELSE');
        }
        const next = { ...structuredClone(record), etag: String(++etag) };
        rows.set(record.sessionId, next);
        return next;
      }
    } as unknown as SessionStore;
    const put = async (desired: SessionRevision): Promise<void> => {
      const prev = await store.read(C, 's1');
      await store.write({ sessionId: 's1', catalog: C, desired, desiredHash: String(desired.revision), sent: prev?.sent ?? null, attempt: prev?.attempt ?? null, firstSentRevision: prev?.firstSentRevision ?? null, outcome: prev?.outcome ?? null, updatedAt: '' }, prev?.etag ?? null);
    };
    const instance = (): SessionInvitations => new SessionInvitations({ sessions: store, domain: 'lms.test', roomName: async () => null, recipientsPerMessage });
    const invitations = instance();
    const item = (): StoredItem => ({ id: randomUUID(), kind: 'invitation', session: 's1', catalog: C, etag: '', content: { to: [], cc: [], bcc: [], subject: '' }, state: {} as StoredItem['state'] });
    return {
      store, put, faults,
      send: (transport: MailTransport) => invitations.send(item(), transport),
      /** Another API instance's pass (its own in-process serialisation). */
      sendElsewhere: (transport: MailTransport) => instance().send(item(), transport)
    };
  }

  /** SMTP that takes every message and loses the answer of those `lose` names (the message went out). */
  function smtp(lose: (m: OutboundMessage) => boolean, account = 'alex@contoso.test') {
    const sent: OutboundMessage[] = [];
    const transport: MailTransport = {
      kind: 'smtp-password', account, concurrency: 1, probe: async () => undefined, close: async () => undefined,
      send: async (m) => {
        sent.push(m);
        if (lose(m)) {
          throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'answer lost' });
        }
      }
    };
    return { sent, transport };
  }
  const sequenceOf = (m: OutboundMessage): number => Number(/SEQUENCE:(\d+)/.exec(m.calendar?.content ?? '')?.[1]);

  /** Graph with a calendar: creates honour transactionId and the create tag; `lose` loses a create's answer (the event is made). */
  function graph(busyRooms: string[] = []) {
    const events = new Map<string, { id: string; iCalUId: string; subject: string; cancelled: boolean; transactionId?: string; tags: Array<{ id: string; value: string }>; attendees: Array<{ emailAddress: { address: string }; type: string }> }>();
    const calls: string[] = [];
    /** `hold`: the next create waits at this gate (its request on its way). */
    const state: { lose: boolean; hold?: { wait: () => Promise<void> } } = { lose: false };
    const transport = {
      kind: 'graph', account: 'megan@contoso.test', concurrency: 4, close: async () => undefined,
      submit: async (method: string, path: string, body: Record<string, unknown>) => {
        calls.push(`${method} ${path}`);
        if (method === 'POST' && path === '/me/events') {
          const hold = state.hold;
          if (hold) {
            state.hold = undefined;
            await hold.wait();
          }
          const again = [...events.values()].find((e) => e.transactionId === body.transactionId);
          if (again && (again.cancelled || again.subject !== body.subject)) {
            throw new ApiError('MESSAGE_REJECTED', { upstream: 'Graph 400 ErrorDuplicateTransactionId' });
          }
          if (again) {
            return again;
          }
          const ev = { id: `e${events.size + 1}`, iCalUId: `u${events.size + 1}`, subject: body.subject as string, cancelled: false, transactionId: body.transactionId as string, tags: (body.singleValueExtendedProperties as Array<{ id: string; value: string }>) ?? [], attendees: (body.attendees as never) ?? [] };
          events.set(ev.id, ev);
          if (state.lose) {
            throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'Graph unreachable' });
          }
          return ev;
        }
        const ev = events.get(/\/me\/events\/([^/]+)/.exec(path)?.[1] ?? '');
        if (ev && path.endsWith('/cancel')) {
          // Moved to Deleted Items.
          ev.cancelled = true;
        }
        return ev;
      },
      call: async (method: string, path: string, body?: { schedules: string[] }) => {
        calls.push(`${method} ${path.split('?')[0]}`);
        if (path.endsWith('getSchedule')) {
          return { value: (body?.schedules ?? []).map((room) => ({ scheduleId: room, scheduleItems: busyRooms.includes(room) ? [{ start: { dateTime: `${day}T09:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T12:00:00`, timeZone: 'UTC' } }] : [] })) };
        }
        const value = /ep\/value eq '([^']*)'/.exec(decodeURIComponent(path))?.[1];
        return { value: [...events.values()].filter((e) => !e.cancelled && e.tags.some((t) => t.value === value)) };
      }
    } as unknown as MailTransport;
    return { transport, calls, state };
  }

  /** Puts `first` and passes it with the create's answer lost (the event is made, the pass fails). */
  const lostCreate = async (w: ReturnType<typeof world>, g: ReturnType<typeof graph>, first: SessionRevision): Promise<void> => {
    await w.put(first);
    g.state.lose = true;
    await expect(w.send(g.transport)).rejects.toThrow();
    g.state.lose = false;
  };

  it('graph - the retry of a create whose answer was lost finds the event by its tag and sends nothing more', async () => {
    const w = world();
    const g = graph();
    await lostCreate(w, g, rev(1));
    expect(await w.send(g.transport)).toMatchObject({ submitted: true });
    expect(g.calls).toEqual(['POST /me/events', 'GET /me/events']);
    expect((await w.store.read(C, 's1'))?.sent).toMatchObject({ revision: 1, eventId: 'e1' });
  });

  it('graph, two workers - a cancel passed by another instance while an older revision\'s create is on its way: the create\'s event is cancelled all the same (the overtaken pass puts its attempt back)', async () => {
    const w = world();
    const g = graph();
    await w.put(rev(1));
    const create = gate();
    g.state.hold = create;
    // A stores its attempt and sends the create; before Graph answers, the LMS cancels the session
    // and B (another instance, after A's claim lapsed) passes it: it finds no event by the tag yet.
    const a = w.send(g.transport).catch((error: unknown) => error);
    await reachedBy(create, a);
    await w.put(rev(2, { cancelled: true }));
    expect(await w.sendElsewhere(g.transport)).toMatchObject({ submitted: false });
    create.open();
    // A's create landed after B's pass: A was overtaken, and its item is retried.
    expect(await a).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await w.send(g.transport);
    expect(g.calls.filter((c) => c.endsWith('/cancel'))).toEqual(['POST /me/events/e1/cancel']);
    expect((await w.store.read(C, 's1'))?.attempt).toBeNull();
    expect(await w.send(g.transport)).toMatchObject({ submitted: false });
  });

  it('graph - an event found again is not forgotten when the pass ends with ROOM_UNAVAILABLE: a later cancel cancels it', async () => {
    const w = world();
    const g = graph(['busy@contoso.test']);
    await lostCreate(w, g, rev(1, { room: 'free@contoso.test' }));
    await w.put(rev(2, { room: 'busy@contoso.test' }));
    expect(await w.send(g.transport)).toMatchObject({ code: 'ROOM_UNAVAILABLE' });
    await w.put(rev(3, { cancelled: true }));
    await w.send(g.transport);
    expect(g.calls.filter((c) => c.endsWith('/cancel'))).toEqual(['POST /me/events/e1/cancel']);
  });

  it('graph, then SMTP after a create whose answer was lost: the meeting that may be live is not made a second time (SESSION_TRANSPORT_CHANGED), and the attempt stays', async () => {
    const w = world();
    const g = graph();
    await lostCreate(w, g, rev(1));
    // The same account, now over SMTP.
    const mail = smtp(() => false, 'megan@contoso.test');
    await w.put(rev(2));
    expect(await w.send(mail.transport)).toMatchObject({ code: 'SESSION_TRANSPORT_CHANGED' });
    expect(mail.sent).toHaveLength(0);
    expect((await w.store.read(C, 's1'))?.attempt).toMatchObject({ transport: 'graph', revision: 1 });
  });

  it('smtp - a cancel after an unrecorded invitation of a session put again after its cancellation reaches the attendees', async () => {
    const w = world();
    let lose = false;
    const mail = smtp(() => lose);
    await w.put(rev(1));
    await w.send(mail.transport);
    await w.put(rev(2, { cancelled: true }));
    await w.send(mail.transport);
    await w.put(rev(3));
    lose = true;
    await expect(w.send(mail.transport)).rejects.toThrow();
    lose = false;
    await w.put(rev(4, { cancelled: true }));
    await w.send(mail.transport);
    expect(mail.sent.map((m) => [m.calendar?.method, sequenceOf(m)])).toEqual([['REQUEST', 0], ['CANCEL', 1], ['REQUEST', 2], ['CANCEL', 3]]);
  });

  it('smtp - a cancel after an unrecorded revision that replaced every attendee goes to old and new ones, at most recipientsPerMessage a message', async () => {
    const w = world(3);
    let lose = false;
    const mail = smtp(() => lose);
    await w.put(rev(1, { attendees: who(1, 2, 3) }));
    await w.send(mail.transport);
    await w.put(rev(2, { attendees: who(4, 5, 6) }));
    lose = true;
    await expect(w.send(mail.transport)).rejects.toThrow();
    lose = false;
    await w.put(rev(3, { cancelled: true }));
    await w.send(mail.transport);
    const cancels = mail.sent.filter((m) => m.calendar?.method === 'CANCEL');
    expect(cancels.map((m) => m.to.length)).toEqual([3, 3]);
    expect(cancels.flatMap((m) => m.to).sort()).toEqual(who(1, 2, 3, 4, 5, 6).map((a) => a.email));
    expect(new Set(cancels.map((m) => m.messageId)).size).toBe(2);
    expect(cancels.every((m) => sequenceOf(m) === 2)).toBe(true);
  });

  it('moved into the past while held - the earlier revision\'s meeting still ahead is taken back (Graph: its event cancelled, its room with it; SMTP: a CANCEL), and the revision fails SESSION_ENDED; with that meeting over too, nothing goes', async () => {
    const past = { start: { dateTime: '2020-10-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2020-10-01T11:00:00', timeZone: 'UTC' } };
    const w = world();
    const g = graph();
    await w.put(rev(1));
    await w.send(g.transport);
    await w.put(rev(2, past));
    expect(await w.send(g.transport)).toMatchObject({ submitted: true, code: 'SESSION_ENDED' });
    expect(g.calls.filter((c) => c.endsWith('/cancel'))).toEqual(['POST /me/events/e1/cancel']);
    const row = await w.store.read(C, 's1');
    expect([row?.desired.cancelled, row?.sent?.cancelled, row?.outcome?.code]).toEqual([false, true, 'SESSION_ENDED']);
    expect(await w.send(g.transport)).toMatchObject({ submitted: false });

    const s = world();
    const mail = smtp(() => false);
    await s.put(rev(1));
    await s.send(mail.transport);
    await s.put(rev(2, past));
    expect(await s.send(mail.transport)).toMatchObject({ submitted: true, code: 'SESSION_ENDED' });
    expect(mail.sent.map((m) => [m.calendar?.method, sequenceOf(m), m.to.length])).toEqual([['REQUEST', 0, 2], ['CANCEL', 1, 2]]);

    const over = world();
    const overMail = smtp(() => false);
    await over.put(rev(1, { ...past, end: { dateTime: '2020-10-01T12:00:00', timeZone: 'UTC' } }));
    await over.store.write({ ...(await over.store.read(C, 's1'))!, sent: { revision: 1, transport: 'smtp', organizer: 'alex@contoso.test', cancelled: false, eventId: null, uid: 'u', sequence: 0, attendees: ['l1@contoso.test'], room: null, roomAnswer: null, joinUrl: null, ...past } }, (await over.store.read(C, 's1'))!.etag);
    await over.put(rev(2, past));
    expect(await over.send(overMail.transport)).toEqual({ submitted: false, code: 'SESSION_ENDED' });
    expect(overMail.sent).toEqual([]);
  });

  it('smtp - the retry of a revision whose messages went out unrecorded sends the very same messages (same SEQUENCE, same Message-IDs) to everyone who may hold an earlier one', async () => {
    const w = world();
    let failCancels = true;
    const mail = smtp((m) => failCancels && m.calendar?.method === 'CANCEL');
    await w.put(rev(1, { attendees: who(1, 2) }));
    await w.send(mail.transport);
    await w.put(rev(2, { attendees: who(1, 3) }));
    await expect(w.send(mail.transport)).rejects.toThrow();
    await w.put(rev(3, { attendees: who(1) }));
    await expect(w.send(mail.transport)).rejects.toThrow();
    const before = mail.sent.length;
    failCancels = false;
    await w.send(mail.transport);
    const retry = mail.sent.slice(before);
    // r3's REQUEST again (at 2, as before) and the cancellation to l2 (r1) and l3 (r2's unrecorded invitation).
    expect(retry.map((m) => [m.calendar?.method, sequenceOf(m), [...m.to].sort()])).toEqual([['REQUEST', 2, ['l1@contoso.test']], ['CANCEL', 2, ['l2@contoso.test', 'l3@contoso.test']]]);
    expect(retry.map((m) => m.messageId)).toEqual(mail.sent.slice(before - 2, before).map((m) => m.messageId));
    expect((await w.store.read(C, 's1'))?.sent).toMatchObject({ revision: 3, sequence: 2, attendees: ['l1@contoso.test'] });
  });

  it('graph - an event found again, cancelled, its record lost, then put again: a new meeting under a transactionId of its own (the old one is refused for another event)', async () => {
    const w = world();
    const g = graph();
    await lostCreate(w, g, rev(1));
    await w.put(rev(2, { cancelled: true }));
    // The cancellation goes out; its record fails.
    w.faults.failWrite = (r) => r.sent?.cancelled === true;
    await expect(w.send(g.transport)).rejects.toThrow();
    w.faults.failWrite = undefined;
    await w.put(rev(3, { title: 'Again' }));
    expect(await w.send(g.transport)).toMatchObject({ submitted: true, sent: { messages: 1 } });
    expect(g.calls.filter((c) => c.startsWith('POST /me/events'))).toEqual(['POST /me/events', 'POST /me/events/e1/cancel', 'POST /me/events', 'POST /me/events']);
    expect((await w.store.read(C, 's1'))?.sent).toMatchObject({ revision: 3, eventId: 'e2', cancelled: false });
  });

  it('graph - a pass that finds the event of its own revision again submits nothing now: the budget is not counted twice', async () => {
    const w = world();
    const g = graph();
    await w.put(rev(1));
    // The create goes through; the record of it fails.
    w.faults.failWrite = (r) => Boolean(r.sent?.eventId);
    const failed = await w.send(g.transport).catch((error: unknown) => error);
    w.faults.failWrite = undefined;
    expect(failed).toBeInstanceOf(ApiError);
    expect(await w.send(g.transport)).toEqual({ submitted: true, sent: { messages: 0, recipients: 0 } });
  });
});

describe('meetingBlob - the Teams join details an update of an online meeting must carry', () => {
  const join = 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0?context=%7b%7d&a=1';
  const rule = `<div style="width:100%"><span style="white-space:nowrap">${'_'.repeat(80)}</span></div>`;
  const blob = `${rule}<div class="me-email-text"><a href="${join.replace(/&/g, '&amp;')}">Click here to join the meeting</a></div>${rule}`;

  it('from the divider element before the (HTML-escaped) link to the end of the body, without the closing tags', () => {
    const content = `<html><head></head><body><p>A ____________________ line of the description.</p>${blob}</body></html>`;
    expect(meetingBlob(content, join)).toBe(blob);
  });

  it('in a text body: from the divider line before the link to the end', () => {
    const text = `\n\n${'_'.repeat(80)}\nMicrosoft Teams meeting\nClick here to join the meeting <${join}>\n${'_'.repeat(80)}`;
    expect(meetingBlob(`Bring boots.${text}`, join)).toBe(text.slice(2));
  });

  it('none without the link, or without a divider before it', () => {
    expect(meetingBlob(`<p>desc</p>${rule}<p>no link</p>`, join)).toBeNull();
    expect(meetingBlob(`<p><a href="${join}">join</a></p>${rule}`, join)).toBeNull();
  });

  it('the link\'s first appearance, in either spelling, decides which divider begins the details', () => {
    const details = `${rule}<div><a href="${join.replace(/&/g, '&amp;')}">Click here to join the meeting</a></div>${rule}<div>Or paste ${join}</div>`;
    expect(meetingBlob(`<html><body><p>desc</p>${details}</body></html>`, join)).toBe(details);
  });

  it('an underscore in the details\' own markup (Outlook\'s x_ class names) is no divider', () => {
    const details = `${rule}<div class="x_me-email-text"><a href="${join.replace(/&/g, '&amp;')}">Click here to join the meeting</a></div>`;
    expect(meetingBlob(`<html><body><p>desc</p>${details}</body></html>`, join)).toBe(details);
  });

  it('a body that is the join details alone is all of them: a text body that begins with the divider, an HTML fragment with line breaks', () => {
    const text = `${'_'.repeat(80)}\nMicrosoft Teams meeting\nClick here to join the meeting <${join}>`;
    expect(meetingBlob(text, join)).toBe(text);
    const fragment = `<div style="width:100%">\r\n<span>${'_'.repeat(80)}</span></div>\r\n<div><a href="${join.replace(/&/g, '&amp;')}">Join</a></div>`;
    expect(meetingBlob(fragment, join)).toBe(fragment);
  });
});

describe('roomSchedules - free/busy as getSchedule answers it', () => {
  const at = (h: number): { dateTime: string; timeZone: string } => ({ dateTime: `2027-06-10T${String(h).padStart(2, '0')}:00:00.0000000`, timeZone: 'UTC' });
  const graphAnswering = (value: unknown[]) => ({ call: async () => ({ value }) }) as unknown as Parameters<typeof roomSchedules>[0];

  it('only items that keep a room busy count (free and workingElsewhere do not, in any case); a room Exchange could not answer is unknown, the others are still answered', async () => {
    const answer = await roomSchedules(graphAnswering([
      { scheduleId: 'room-a@contoso.test', scheduleItems: [{ status: 'Free', start: at(9), end: at(10) }, { status: 'workingElsewhere', start: at(10), end: at(11) }, { status: 'Busy', start: at(11), end: at(12) }, { status: 'tentative', start: at(12), end: at(13) }] },
      { scheduleId: 'room-b@contoso.test', error: { responseCode: 'ErrorMailRecipientNotFound' } },
      { scheduleId: 'ROOM-C@contoso.test', scheduleItems: [] }
    ]), ['room-a@contoso.test', 'Room-B@contoso.test', 'room-c@contoso.test'], Date.UTC(2027, 5, 10, 8), Date.UTC(2027, 5, 10, 14));
    expect(answer.get('room-a@contoso.test')).toEqual([{ start: Date.UTC(2027, 5, 10, 11), end: Date.UTC(2027, 5, 10, 12) }, { start: Date.UTC(2027, 5, 10, 12), end: Date.UTC(2027, 5, 10, 13) }]);
    expect(answer.get('room-b@contoso.test')).toBeNull();
    expect(answer.get('room-c@contoso.test')).toEqual([]);
  });

  it('an answer under another address (a room\'s alias) is matched by its place', async () => {
    const answer = await roomSchedules(graphAnswering([{ scheduleId: 'primary@contoso.test', scheduleItems: [{ status: 'busy', start: at(9), end: at(10) }] }]), ['alias@contoso.test'], Date.UTC(2027, 5, 10, 8), Date.UTC(2027, 5, 10, 14));
    expect([...answer.keys()]).toEqual(['alias@contoso.test']);
    expect(answer.get('alias@contoso.test')).toHaveLength(1);
  });

  it('asks for the range in UTC and for UTC answers, at most 20 rooms a call: 45 rooms in three calls, 20 in one', async () => {
    const calls: Array<{ method: string; path: string; body: { schedules: string[] }; headers: unknown }> = [];
    const graph = { call: async (method: string, path: string, body: { schedules: string[] }, headers: unknown) => {
      calls.push({ method, path, body, headers });
      return { value: body.schedules.map((scheduleId) => ({ scheduleId, scheduleItems: [] })) };
    } } as unknown as Parameters<typeof roomSchedules>[0];
    const rooms = Array.from({ length: 45 }, (_, i) => `room-${i}@contoso.test`);
    const answer = await roomSchedules(graph, rooms, Date.UTC(2027, 5, 10, 8), Date.UTC(2027, 5, 10, 14, 30));
    expect(calls[0]).toEqual({
      method: 'POST',
      path: '/me/calendar/getSchedule',
      body: { schedules: rooms.slice(0, 20), startTime: { dateTime: '2027-06-10T08:00:00.000', timeZone: 'UTC' }, endTime: { dateTime: '2027-06-10T14:30:00.000', timeZone: 'UTC' }, availabilityViewInterval: 15 },
      headers: { prefer: 'outlook.timezone="UTC"' }
    });
    expect(calls.map((c) => c.body.schedules)).toEqual([rooms.slice(0, 20), rooms.slice(20, 40), rooms.slice(40)]);
    expect([...answer.keys()]).toEqual(rooms);
    calls.length = 0;
    await roomSchedules(graph, rooms.slice(0, 20), Date.UTC(2027, 5, 10, 8), Date.UTC(2027, 5, 10, 14));
    expect(calls).toHaveLength(1);
  });

  it('answers are matched by the address Graph echoes, in any case, whatever their order', async () => {
    const answer = await roomSchedules(graphAnswering([
      { scheduleId: 'ROOM-B@contoso.test', scheduleItems: [{ status: 'busy', start: at(9), end: at(10) }] },
      { scheduleId: 'room-a@contoso.test', scheduleItems: [] }
    ]), ['Room-A@contoso.test', 'room-b@contoso.test'], Date.UTC(2027, 5, 10, 8), Date.UTC(2027, 5, 10, 14));
    expect(answer.get('room-a@contoso.test')).toEqual([]);
    expect(answer.get('room-b@contoso.test')).toEqual([{ start: Date.UTC(2027, 5, 10, 9), end: Date.UTC(2027, 5, 10, 10) }]);
  });

  it('a room answered without items is free; an item without a status keeps it busy', async () => {
    const answer = await roomSchedules(graphAnswering([
      { scheduleId: 'room-a@contoso.test' },
      { scheduleId: 'room-b@contoso.test', scheduleItems: [{ start: at(9), end: at(10) }] }
    ]), ['room-a@contoso.test', 'room-b@contoso.test'], Date.UTC(2027, 5, 10, 8), Date.UTC(2027, 5, 10, 14));
    expect(answer.get('room-a@contoso.test')).toEqual([]);
    expect(answer.get('room-b@contoso.test')).toEqual([{ start: Date.UTC(2027, 5, 10, 9), end: Date.UTC(2027, 5, 10, 10) }]);
  });

  it('no answer at all leaves every room unknown (not free); an answer beyond the rooms asked is dropped', async () => {
    const silent = { call: async () => undefined } as unknown as Parameters<typeof roomSchedules>[0];
    expect([...(await roomSchedules(silent, ['room-a@contoso.test'], Date.UTC(2027, 5, 10, 8), Date.UTC(2027, 5, 10, 14))).keys()]).toStrictEqual([]);
    const answer = await roomSchedules(graphAnswering([
      { scheduleId: 'room-a@contoso.test', scheduleItems: [] },
      { scheduleId: 'room-z@contoso.test', scheduleItems: [] }
    ]), ['room-a@contoso.test'], Date.UTC(2027, 5, 10, 8), Date.UTC(2027, 5, 10, 14));
    expect([...answer.keys()]).toStrictEqual(['room-a@contoso.test']);
  });
});

describe('a session put while other requests keep changing it', () => {
  it('after five rounds lost to other writers the LMS is told to repeat it (503 with Retry-After), not that a connection changed', async () => {
    let writes = 0;
    const service = serviceWith({
      connections: { read: async () => ({ record: { ...emptyConnection('https://t.test/sites/a', 'c1'), enabled: true, method: 'modern', transport: 'graph', account: { email: 'adele@contoso.test', displayName: 'Adele' }, health: { state: 'connected', code: null, checkedAt: null } }, etag: '*' }) },
      sessions: {
        read: async () => undefined,
        erasedRevision: async () => undefined,
        write: async () => {
          writes++;
          throw new ApiError('CHANGED_BY_SOMEONE_ELSE');
        }
      },
      outbox: {}
    });
    const body = { revision: 1, title: 'Safety training', start: { dateTime: '2027-06-10T10:00:00', timeZone: 'Asia/Tokyo' }, end: { dateTime: '2027-06-10T11:00:00', timeZone: 'Asia/Tokyo' }, attendees: [{ email: 'learner1@contoso.test' }] };
    await expect(service.put('https://t.test/sites/a', 's1', body as never)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 1 });
    expect(writes).toBe(5);
  });
});

describe('the rooms list of a catalog spelt two ways', () => {
  it('rooms listed under one spelling of the catalog URL name the room of an invitation whose session was put under another (its location showed only the address)', async () => {
    const record = { ...emptyConnection('https://t.test/sites/catalog-a', 'c1'), enabled: true, method: 'modern', transport: 'graph', account: { email: 'adele@contoso.test', displayName: 'Adele' }, health: { state: 'connected', code: null, checkedAt: null } };
    let listed = 0;
    const service = serviceWith({
      connections: { read: async () => ({ record, etag: '*' }) },
      credentials: {
        open: async () => ({
          kind: 'graph',
          list: async () => {
            listed++;
            return [{ emailAddress: 'Room-A@contoso.test', displayName: 'Room A' }];
          },
          close: async () => undefined
        })
      },
      sessions: {},
      outbox: {},
      roomsCacheMs: 60_000
    });
    expect((await service.listRooms('https://t.test/sites/Catalog-A')).items.map((r) => r.name)).toEqual(['Room A']);
    expect(await service.roomName('https://t.test/sites/catalog-a', 'room-a@contoso.test')).toBe('Room A');
    await service.listRooms('https://t.test/sites/catalog-a');
    expect(listed).toBe(1);
  });
});

describe('the room-answer job', () => {
  it('asks before each session whether to go on (its lease renewed, no shutdown): a "no" ends the run there, so no second run starts beside a long one', async () => {
    const read: string[] = [];
    const service = serviceWith({
      connections: { read: async () => ({ record: emptyConnection('https://t.test/sites/a', 'c1'), etag: '*' }) },
      sessions: {
        awaitingRoomAnswer: async function* () {
          yield* ['s1', 's2', 's3'].map((sessionId) => ({ catalog: 'https://t.test/sites/a', sessionId }));
        },
        read: async (_catalog: string, sessionId: string) => {
          read.push(sessionId);
          return undefined;
        }
      },
      outbox: {}
    });
    let asked = 0;
    expect(await service.learnRoomAnswers(async () => ++asked < 2)).toEqual({ looked: 1, answered: 0, failed: 0 });
    expect(read).toEqual(['s1']);
    expect(await service.learnRoomAnswers()).toEqual({ looked: 3, answered: 0, failed: 0 });
  });
});

describe('a session\'s status read while its room has not answered', () => {
  it('asks the room at most once per session every ROOM_ANSWER_READ_MS, and one read of a catalog at a time: an LMS polling the status does not spend the mailbox\'s Graph requests', async () => {
    const connection = { ...emptyConnection('https://t.test/sites/a', 'c1'), enabled: true, method: 'modern', transport: 'graph', account: { email: 'megan@contoso.test', displayName: 'Megan' }, health: { state: 'connected', code: null, checkedAt: null } };
    const times = { start: { dateTime: '2099-06-10T10:00:00', timeZone: 'Asia/Tokyo' }, end: { dateTime: '2099-06-10T11:00:00', timeZone: 'Asia/Tokyo' } };
    const session = (catalog: string, sessionId: string) => ({
      catalog, sessionId, etag: '*', attempt: null, outcome: { revision: 1, code: null, notes: [] }, firstSentRevision: 1, updatedAt: '2099-01-01T00:00:00Z',
      desired: { revision: 1, cancelled: false, title: 't', html: '', attendees: [], room: 'room-crane@contoso.test', teams: false, ...times },
      sent: { revision: 1, transport: 'graph', organizer: 'megan@contoso.test', cancelled: false, eventId: `ev-${sessionId}`, uid: sessionId, sequence: 0, attendees: [], room: 'room-crane@contoso.test', roomAnswer: 'none', joinUrl: null, ...times }
    });
    const asked: string[] = [];
    const waiting: Array<() => void> = [];
    /** Graph answers every request waiting. */
    const answer = (): void => waiting.splice(0).forEach((resolve) => resolve());
    const service = serviceWith({
      connections: { read: async (catalog: string) => ({ record: { ...connection, catalog }, etag: '*' }) },
      sessions: { read: async (catalog: string, sessionId: string) => session(catalog, sessionId) },
      credentials: {
        open: async () => ({
          kind: 'graph',
          close: async () => undefined,
          call: async (_method: string, path: string) => {
            asked.push(path.split('?')[0]);
            await new Promise<void>((resolve) => waiting.push(resolve));
            return { attendees: [] };
          }
        })
      },
      outbox: {}
    });
    // s1 is being asked; s2 of the same catalog is read meanwhile and answers from what is stored.
    const first = service.status('https://t.test/sites/a', 's1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await service.status('https://t.test/sites/a', 's2')).room).toEqual({ email: 'room-crane@contoso.test', answer: 'none' });
    // Another catalog's mailbox is another budget.
    const other = service.status('https://t.test/sites/b', 's1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(asked).toEqual(['/me/events/ev-s1', '/me/events/ev-s1']);
    answer();
    await Promise.all([first, other]);
    // Polled again and again: s1 was asked just now, s2 is asked once.
    const polls = Array.from({ length: 10 }, () => [service.status('https://t.test/sites/a', 's1'), service.status('https://t.test/sites/a', 's2')]).flat();
    await new Promise((resolve) => setTimeout(resolve, 20));
    answer();
    await Promise.all(polls);
    expect(asked).toEqual(['/me/events/ev-s1', '/me/events/ev-s1', '/me/events/ev-s2']);
    await new Promise((resolve) => setTimeout(resolve, ROOM_ANSWER_READ_MS + 50));
    const later = service.status('https://t.test/sites/a', 's1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    answer();
    await later;
    expect(asked).toHaveLength(4);
  });
});

describe('a session\'s status read while its room answered tentatively (a delegate decides)', () => {
  const read = async (roomJobOff: boolean): Promise<string[]> => {
    const connection = { ...emptyConnection('https://t.test/sites/a', 'c1'), enabled: true, method: 'modern', transport: 'graph', account: { email: 'megan@contoso.test', displayName: 'Megan' }, health: { state: 'connected', code: null, checkedAt: null } };
    const times = { start: { dateTime: '2099-06-10T10:00:00', timeZone: 'Asia/Tokyo' }, end: { dateTime: '2099-06-10T11:00:00', timeZone: 'Asia/Tokyo' } };
    const session = {
      catalog: 'https://t.test/sites/a', sessionId: 's1', etag: '*', attempt: null, outcome: { revision: 1, code: null, notes: [] }, firstSentRevision: 1, updatedAt: '2099-01-01T00:00:00Z',
      desired: { revision: 1, cancelled: false, title: 't', html: '', attendees: [], room: 'room-crane@contoso.test', teams: false, ...times },
      sent: { revision: 1, transport: 'graph', organizer: 'megan@contoso.test', cancelled: false, eventId: 'ev-s1', uid: 's1', sequence: 0, attendees: [], room: 'room-crane@contoso.test', roomAnswer: 'tentativelyAccepted', joinUrl: null, ...times }
    };
    const asked: string[] = [];
    const service = serviceWith({
      roomJobOff,
      connections: { read: async () => ({ record: connection, etag: '*' }) },
      sessions: { read: async () => session },
      credentials: { open: async () => ({ kind: 'graph', close: async () => undefined, call: async (_m: string, path: string) => (asked.push(path.split('?')[0]), { attendees: [] }) }) },
      outbox: {}
    });
    await service.status('https://t.test/sites/a', 's1');
    return asked;
  };

  it('is left to the room-answer job when it runs; asked by the read when the job is off (ROOM_ANSWER_INTERVAL_SECONDS=0), as a room that has not answered is', async () => {
    expect(await read(false)).toEqual([]);
    expect(await read(true)).toEqual(['/me/events/ev-s1']);
  });
});

describe('erasing a session (DELETE)', () => {
  const times = (day: string) => ({ start: { dateTime: `${day}T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${day}T11:00:00`, timeZone: 'Asia/Tokyo' } });
  const serviceFor = (record: Record<string, unknown> | undefined, pending: string[] = []) => {
    const calls: string[] = [];
    const service = serviceWith({
      connections: {},
      sessions: {
        read: async () => record,
        markErased: async (_catalog: string, _id: string, revision: number) => {
          calls.push(`mark ${revision}`);
        },
        remove: async () => {
          calls.push('remove');
          return true;
        }
      },
      outbox: {
        forgetInvitations: async (_catalog: string, ids: Set<string>) => {
          calls.push(`invitations ${[...ids].join(',')}`);
          return { deleted: 1, pending: new Set(pending) };
        }
      }
    });
    return { service, calls };
  };
  const record = (desired: Record<string, unknown>, sent: Record<string, unknown> | null = null, attempt: Record<string, unknown> | null = null) =>
    ({ catalog: 'https://t.test/sites/a', sessionId: 's1', desired: { revision: 1, cancelled: false, ...desired }, sent, attempt, etag: '*' });

  it('a session over (its latest revision, what went out, what an unrecorded submission may have made) is deleted with its invitations; one still to come is SESSION_NOT_FINISHED', async () => {
    const over = serviceFor(record(times('2020-06-10'), { ...times('2020-06-10'), cancelled: false }));
    await over.service.forget('https://t.test/sites/a', 's1');
    expect(over.calls).toEqual(['mark 1', 'invitations s1', 'remove']);
    // An attempt left by a pass that failed uncertainly, for a meeting that has ended too: over.
    const leftover = serviceFor(record(times('2020-06-10'), null, { ...times('2020-06-10'), cancelled: false }));
    await leftover.service.forget('https://t.test/sites/a', 's1');
    expect(leftover.calls).toEqual(['mark 1', 'invitations s1', 'remove']);
    for (const r of [record(times('2099-06-10')), record(times('2020-06-10'), { ...times('2099-06-10'), cancelled: false }), record(times('2020-06-10'), null, { ...times('2099-06-10'), cancelled: false })]) {
      const live = serviceFor(r);
      await expect(live.service.forget('https://t.test/sites/a', 's1')).rejects.toMatchObject({ code: 'SESSION_NOT_FINISHED' });
      expect(live.calls).toEqual([]);
    }
  });

  it('canceled: deleted once the cancellation went out (or nothing ever did); while it waits to go out, SESSION_NOT_FINISHED; unknown, SESSION_NOT_FOUND', async () => {
    const cancelled = { ...times('2099-06-10'), cancelled: true };
    const sentCancel = serviceFor(record(cancelled, { ...times('2099-06-10'), cancelled: true }));
    await sentCancel.service.forget('https://t.test/sites/a', 's1');
    expect(sentCancel.calls).toEqual(['mark 1', 'invitations s1', 'remove']);
    const neverSent = serviceFor(record(cancelled));
    await neverSent.service.forget('https://t.test/sites/a', 's1');
    expect(neverSent.calls).toContain('remove');
    // The meeting went out and its cancellation has not yet.
    const notYet = serviceFor(record(cancelled, { ...times('2099-06-10'), cancelled: false }));
    await expect(notYet.service.forget('https://t.test/sites/a', 's1')).rejects.toMatchObject({ code: 'SESSION_NOT_FINISHED' });
    const waiting = serviceFor(record(cancelled), ['s1']);
    await expect(waiting.service.forget('https://t.test/sites/a', 's1')).rejects.toMatchObject({ code: 'SESSION_NOT_FINISHED' });
    expect(waiting.calls).toEqual(['mark 1', 'invitations s1']);
    await expect(serviceFor(undefined).service.forget('https://t.test/sites/a', 's1')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });
});
