import { randomBytes, randomUUID } from 'node:crypto';
import type { Attendee, CalendarEvent, DateTimeTimeZone } from '../mailbox/store';
import type { Account, TenantState } from '../state/tenant-state';
import { deliver, rejectForQuota, Submission } from '../mailbox/delivery';
import { esc } from '../http/html';
import { ianaZone, zonedToUtcMs } from './timezones';

export interface EventInput {
  subject?: string;
  body?: { contentType?: string; content?: string };
  start?: DateTimeTimeZone;
  end?: DateTimeTimeZone;
  location?: { displayName?: string; locationEmailAddress?: string };
  attendees?: { emailAddress?: { address?: string; name?: string }; type?: string }[];
  isOnlineMeeting?: boolean;
  onlineMeetingProvider?: string;
  transactionId?: string;
  singleValueExtendedProperties?: { id?: string; value?: string }[];
}

/** A named single-value extended property's id ("String {guid} Name {name}"), the form Graph documents for custom properties. */
const EXTENDED_PROPERTY_ID = /^String \{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\} Name \S+$/i;

/** An itemBody's contentType: Graph's bodyType enum, in any case ("HTML" as its examples write it). */
function bodyType(contentType: string | undefined): 'html' | 'text' {
  return String(contentType ?? '').toLowerCase() === 'html' ? 'html' : 'text';
}

/** Why Graph refuses an event body: its error code and message. */
export interface EventInputProblem {
  code: 'ErrorInvalidRequest' | 'TimeZoneNotSupportedException';
  message: string;
}

/** Why an event body is refused, in Graph's words; null when it is acceptable. */
export function eventInputProblem(input: EventInput, creating: boolean): EventInputProblem | null {
  const invalid = (message: string): EventInputProblem => ({ code: 'ErrorInvalidRequest', message });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return invalid('The request body must be an event object.');
  if (input.subject !== undefined && typeof input.subject !== 'string') return invalid("'subject' must be a string.");
  if (input.body !== undefined && (typeof input.body !== 'object' || input.body === null || (input.body.content !== undefined && typeof input.body.content !== 'string'))) return invalid("'body' must be an itemBody with string content.");
  if (input.attendees !== undefined && !Array.isArray(input.attendees)) return invalid("'attendees' must be an array.");
  for (const part of [input.start, input.end]) if (part !== undefined && (typeof part !== 'object' || part === null || typeof part.dateTime !== 'string' || typeof part.timeZone !== 'string')) return invalid("A valid DateTimeTimeZone (dateTime and timeZone) is required for 'start' and 'end'.");
  if (input.location !== undefined && (typeof input.location !== 'object' || input.location === null)) return invalid("'location' must be a location object.");
  if (creating && (!input.start?.dateTime || !input.end?.dateTime)) return invalid('Start and End are required for an event.');
  for (const part of [input.start, input.end]) {
    if (part && !ianaZone(part.timeZone)) {
      // Graph's words for a time zone it does not take (microsoft-graph-docs#4758).
      return { code: 'TimeZoneNotSupportedException', message: `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${part.timeZone}'.` };
    }
  }
  for (const part of [input.start, input.end]) {
    if (part && (Number.isNaN(zonedToUtcMs(part.dateTime, part.timeZone)) || !part.timeZone)) return invalid("A valid DateTimeTimeZone (dateTime and timeZone) is required for 'start' and 'end'.");
  }
  if (input.start && input.end && zonedToUtcMs(input.end.dateTime, input.end.timeZone) < zonedToUtcMs(input.start.dateTime, input.start.timeZone)) return invalid('The end time of the event must be after its start time.');
  for (const a of input.attendees ?? []) if (!a.emailAddress?.address) return invalid('Every attendee needs an emailAddress.address.');
  if (input.singleValueExtendedProperties !== undefined && (!Array.isArray(input.singleValueExtendedProperties) || input.singleValueExtendedProperties.some((p) => typeof p?.id !== 'string' || typeof p.value !== 'string' || !EXTENDED_PROPERTY_ID.test(p.id)))) {
    return invalid("'singleValueExtendedProperties' must be an array of { id: '{type} {guid} Name {name}', value: string }.");
  }
  return null;
}

/** The divider Exchange draws above and below a Teams meeting's join details in an event's body. */
const DIVIDER = '_'.repeat(80);

/**
 * The "meeting blob": what Exchange writes into an online meeting's body when it makes the Teams
 * meeting - a divider, "Microsoft Teams meeting", the join link, a divider (its shape as Graph's
 * online-meetings examples show it, learn.microsoft.com/graph/outlook-calendar-online-meetings;
 * the wording is shortened). It is part of the body Graph returns, and every invitation carries it.
 */
function meetingBlob(contentType: 'html' | 'text', joinUrl: string): string {
  if (contentType === 'text') return `\n\n${DIVIDER}\nMicrosoft Teams meeting\nJoin on your computer, mobile app or room device\nClick here to join the meeting <${joinUrl}>\n${DIVIDER}`;
  const rule = `<div style="width:100%;height:20px"><span style="white-space:nowrap;color:#5F5F5F;opacity:.36">${DIVIDER}</span></div>`;
  return `${rule}<div class="me-email-text" style="color:#252424;font-family:'Segoe UI','Helvetica Neue',Helvetica,Arial,sans-serif"><div style="margin-top:24px;margin-bottom:20px"><span style="font-size:24px;color:#252424">Microsoft Teams meeting</span></div><div style="margin-bottom:20px"><div style="margin-top:0px;margin-bottom:0px;font-weight:bold"><span style="font-size:14px;color:#252424">Join on your computer, mobile app or room device</span></div><a class="me-email-headline" href="${esc(joinUrl)}" target="_blank" rel="noreferrer noopener" style="font-size:14px;text-decoration:underline;color:#6264a7">Click here to join the meeting</a></div></div>${rule}`;
}

/**
 * Makes the event a Teams meeting (a join URL, and its blob at the end of the body) - unless the organiser's calendar offers no Teams meetings (no
 * Teams licence: `teams-unavailable` fault): Graph then answers the create or update all the same,
 * with `isOnlineMeeting` false and no `onlineMeeting` (microsoftgraph/microsoft-graph-docs#9741).
 */
function goOnline(state: TenantState, ev: CalendarEvent): void {
  if (state.faults.noTeams.has(ev.mailbox)) return;
  const joinUrl = teamsJoinUrl();
  ev.isOnlineMeeting = true;
  ev.onlineMeetingProvider = 'teamsForBusiness';
  ev.onlineMeeting = { joinUrl };
  ev.body = { contentType: ev.body.contentType, content: `${ev.body.content}${meetingBlob(ev.body.contentType, joinUrl)}` };
}

/** A Teams-like join URL; nothing answers at it, it is only carried by the invitation. */
function teamsJoinUrl(): string {
  const thread = `19:meeting_${randomBytes(24).toString('base64url')}@thread.v2`;
  return `https://teams.microsoft.com/l/meetup-join/${encodeURIComponent(thread)}/0?context=${encodeURIComponent(JSON.stringify({ Tid: 'local', Oid: randomUUID() }))}`;
}

const utc = (d: DateTimeTimeZone): number => zonedToUtcMs(d.dateTime, d.timeZone);

/** Whether a room is free: no accepted, uncancelled event in its calendar overlaps. */
export function roomIsFree(state: TenantState, room: Account, start: DateTimeTimeZone, end: DateTimeTimeZone, ignoreICalUId: string | null): boolean {
  const s = utc(start);
  const e = utc(end);
  return !state.mail.eventsOf(room.upn).some((ev) => !ev.isCancelled && ev.iCalUId !== ignoreICalUId && utc(ev.start) < e && s < utc(ev.end));
}

function attendeesFrom(state: TenantState, input: EventInput['attendees']): Attendee[] {
  const now = new Date().toISOString();
  return (input ?? []).map((a) => {
    const address = String(a.emailAddress?.address).toLowerCase();
    const account = state.accountByUpn(address);
    const type = account?.isRoom ? 'resource' : a.type === 'optional' || a.type === 'resource' ? a.type : 'required';
    return { emailAddress: { address, name: a.emailAddress?.name ?? account?.displayName ?? address }, type, status: { response: 'none', time: now } } as Attendee;
  });
}

/** RFC 5545 text for an invitation, update or cancellation. */
export function icsFor(ev: CalendarEvent, method: 'REQUEST' | 'CANCEL'): string {
  const stamp = (iso: string): string => new Date(iso).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const text = (s: string): string => s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
  const lines = [
    'BEGIN:VCALENDAR',
    'PRODID:-//LMS local tenant//Exchange stand-in//EN',
    'VERSION:2.0',
    `METHOD:${method}`,
    'BEGIN:VEVENT',
    `UID:${ev.iCalUId}`,
    `SEQUENCE:${ev.sequence}`,
    `DTSTAMP:${stamp(new Date().toISOString())}`,
    `DTSTART:${stamp(new Date(utc(ev.start)).toISOString())}`,
    `DTEND:${stamp(new Date(utc(ev.end)).toISOString())}`,
    `SUMMARY:${text(ev.subject)}`,
    `ORGANIZER;CN=${text(ev.organizer.emailAddress.name)}:mailto:${ev.organizer.emailAddress.address}`,
    ...ev.attendees.map((a) => `ATTENDEE;CN=${text(a.emailAddress.name)};CUTYPE=${a.type === 'resource' ? 'ROOM' : 'INDIVIDUAL'};ROLE=${a.type === 'optional' ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT'};RSVP=TRUE:mailto:${a.emailAddress.address}`),
    `LOCATION:${text(ev.location.displayName)}`,
    ...(ev.onlineMeeting ? [`X-MICROSOFT-SKYPETEAMSMEETINGURL:${ev.onlineMeeting.joinUrl}`] : []),
    `STATUS:${method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR'
  ];
  return lines.join('\r\n') + '\r\n';
}

/** The iTIP REPLY a room's mailbox sends its organiser (RFC 5546 3.2.3). */
type RoomResponse = 'accepted' | 'declined' | 'tentativelyAccepted';
const PARTSTAT: Record<RoomResponse, string> = { accepted: 'ACCEPTED', declined: 'DECLINED', tentativelyAccepted: 'TENTATIVE' };

function replyIcs(ev: CalendarEvent, room: Account, response: RoomResponse): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  return ['BEGIN:VCALENDAR', 'PRODID:-//LMS local tenant//Exchange stand-in//EN', 'VERSION:2.0', 'METHOD:REPLY', 'BEGIN:VEVENT', `UID:${ev.iCalUId}`, `SEQUENCE:${ev.sequence}`, `DTSTAMP:${stamp}`,
    `ORGANIZER:mailto:${ev.organizer.emailAddress.address}`, `ATTENDEE;CUTYPE=ROOM;PARTSTAT=${PARTSTAT[response]}:mailto:${room.upn}`, 'END:VEVENT', 'END:VCALENDAR'].join('\r\n') + '\r\n';
}

/** What a room's reply says, as the booking assistant words it (its subject's prefix and its text). */
const REPLY: Record<RoomResponse, { subject: string; text: string }> = {
  accepted: { subject: 'Accepted', text: 'Your request was accepted.' },
  declined: { subject: 'Declined', text: 'Your request was declined because the room is not available at that time.' },
  tentativelyAccepted: { subject: 'Tentative', text: 'Your request has been tentatively accepted and is awaiting approval by a delegate.' }
};

/** The room's answer on the organiser's event, its own calendar's booking, and its reply to the organiser. */
function answerAs(state: TenantState, ev: CalendarEvent, organizer: Account, room: Account, attendee: Attendee, response: RoomResponse): void {
  attendee.status = { response, time: new Date().toISOString() };
  const existing = state.mail.eventsOf(room.upn).find((x) => x.iCalUId === ev.iCalUId);
  if (existing) state.mail.removeEvent(existing);
  // A tentative booking holds the room's calendar as the accepted one does, until a delegate decides.
  if (response !== 'declined') state.mail.addEvent({ ...structuredClone(ev), id: randomUUID(), immutableId: randomUUID(), mailbox: room.upn, attendees: structuredClone(ev.attendees) });
  deliver(state, {
    sender: room.upn,
    from: { address: room.upn, name: room.displayName },
    to: [{ address: organizer.upn, name: organizer.displayName }],
    cc: [],
    bcc: [],
    subject: `${REPLY[response].subject}: ${ev.subject}`,
    body: { contentType: 'text', content: REPLY[response].text },
    calendar: { method: 'REPLY', ics: replyIcs(ev, room, response) },
    via: 'calendar',
    saveToSentItems: false
  });
}

/**
 * The rooms' answers, as Exchange's resource booking assistant gives them: some time after the
 * request (the create or update response shows the room's response as none), each room accepts
 * when it is free and declines on a conflict, books or frees its own calendar, and replies to the
 * organiser; the organiser's event then shows the answer in its attendees. A room whose requests a
 * delegate approves (Set-CalendarProcessing -AllBookInPolicy $false, ResourceDelegates) answers a
 * free slot tentatively; the delegate's decision comes later (`decideRoomRequests`).
 */
export function answerRooms(state: TenantState, ev: CalendarEvent): void {
  if (ev.isCancelled || !state.mail.eventsOf(ev.mailbox).includes(ev)) return;
  const organizer = state.accountByUpn(ev.mailbox);
  if (!organizer) return;
  for (const a of ev.attendees) {
    const room = state.accountByUpn(a.emailAddress.address);
    if (!room?.isRoom || a.status.response !== 'none') continue;
    const free = roomIsFree(state, room, ev.start, ev.end, ev.iCalUId);
    answerAs(state, ev, organizer, room, a, !free || !inBookingPolicy(room, ev, Date.now()) ? 'declined' : state.faults.roomsNeedingApproval.has(room.upn) ? 'tentativelyAccepted' : 'accepted');
  }
}

/**
 * Whether the room's booking policy takes the meeting (Set-CalendarProcessing): no longer than
 * MaximumDurationInMinutes (0: any length), and ending within BookingWindowInDays of today
 * (EnforceSchedulingHorizon, on by default: "always decline if the end date is beyond this limit").
 * Exchange declines what is out of policy whether or not the room is free.
 */
export function inBookingPolicy(room: Account, ev: Pick<CalendarEvent, 'start' | 'end'>, now: number): boolean {
  const policy = room.room;
  if (!policy) return true;
  const start = utc(ev.start);
  const end = utc(ev.end);
  if (policy.maximumDurationInMinutes > 0 && end - start > policy.maximumDurationInMinutes * 60_000) return false;
  const today = new Date(now);
  const horizon = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + policy.bookingWindowInDays + 1);
  return end <= horizon;
}

/** A room's delegate decides the requests it answered tentatively: answers how many. */
export function decideRoomRequests(state: TenantState, room: Account, response: 'accepted' | 'declined'): number {
  let decided = 0;
  for (const mailbox of state.accounts.values()) {
    for (const ev of state.mail.eventsOf(mailbox.upn)) {
      const attendee = ev.attendees.find((a) => a.emailAddress.address.toLowerCase() === room.upn && a.status.response === 'tentativelyAccepted');
      if (ev.isCancelled || !attendee || ev.mailbox === room.upn) continue;
      answerAs(state, ev, mailbox, room, attendee, response);
      decided++;
    }
  }
  return decided;
}

function scheduleRoomAnswers(state: TenantState, ev: CalendarEvent): void {
  if (!ev.attendees.some((a) => a.type === 'resource' && a.status.response === 'none')) return;
  state.later(state.roomAnswerDelayMs, () => answerRooms(state, ev));
}

/** Frees a room's booking of the event (the event was cancelled, moved away from it, or the room removed). */
function freeRoom(state: TenantState, roomUpn: string, ev: CalendarEvent): void {
  const booking = state.mail.eventsOf(roomUpn).find((x) => x.iCalUId === ev.iCalUId);
  if (booking) booking.isCancelled = true;
}

/** Sends the invitation, update or cancellation to `to` (the event's attendees by default) through the organiser's transport. */
function notifyAttendees(state: TenantState, ev: CalendarEvent, organizer: Account, method: 'REQUEST' | 'CANCEL', prefix: string, to: Attendee[] = ev.attendees, body: CalendarEvent['body'] = ev.body): void {
  if (to.length === 0) return;
  for (const a of to) {
    if (a.type !== 'resource') continue;
    if (method === 'CANCEL') {
      freeRoom(state, a.emailAddress.address, ev);
      a.status = { response: 'none', time: new Date().toISOString() };
    }
  }
  // The join details travel in the body (Exchange's meeting blob), not beside it; a cancellation's comment is its body.
  const content = body.content;
  // Invitations go through the organiser's transport like any message: counted, paced, within quota.
  const invitation: Submission = {
    sender: organizer.upn,
    from: { address: organizer.upn, name: organizer.displayName },
    to: to.map((a) => ({ address: a.emailAddress.address, name: a.emailAddress.name })),
    cc: [],
    bcc: [],
    subject: `${prefix}${ev.subject}`,
    body: { contentType: body.contentType, content },
    calendar: { method, ics: icsFor(ev, method) },
    via: 'calendar',
    saveToSentItems: true
  };
  const submitted = state.outbound.submit(invitation, state.faults.mailboxLimits.get(organizer.upn) ?? {});
  if (!submitted.ok) rejectForQuota(state, invitation);
  if (method === 'REQUEST') scheduleRoomAnswers(state, ev);
}

export function createEvent(state: TenantState, organizer: Account, input: EventInput): CalendarEvent {
  const now = new Date().toISOString();
  const attendees = attendeesFrom(state, input.attendees);
  const firstRoom = attendees.find((a) => a.type === 'resource');
  const locationName = input.location?.displayName ?? (firstRoom ? firstRoom.emailAddress.name : '');
  const online = input.isOnlineMeeting === true;
  const ev: CalendarEvent = {
    id: randomBytes(32).toString('base64url'),
    immutableId: randomBytes(32).toString('base64url'),
    iCalUId: `040000008200E00074C5B7101A82E008${randomBytes(24).toString('hex').toUpperCase()}`,
    mailbox: organizer.upn,
    createdDateTime: now,
    lastModifiedDateTime: now,
    changeKey: randomBytes(12).toString('base64'),
    sequence: 0,
    subject: input.subject ?? '',
    body: { contentType: bodyType(input.body?.contentType), content: input.body?.content ?? '' },
    start: input.start as DateTimeTimeZone,
    end: input.end as DateTimeTimeZone,
    location: { displayName: locationName, locationEmailAddress: input.location?.locationEmailAddress ?? firstRoom?.emailAddress.address, locationType: firstRoom ? 'conferenceRoom' : 'default' },
    locations: [],
    attendees,
    organizer: { emailAddress: { address: organizer.upn, name: organizer.displayName } },
    isOnlineMeeting: false,
    onlineMeetingProvider: 'unknown',
    onlineMeeting: null,
    isCancelled: false,
    transactionId: input.transactionId ?? null,
    extendedProperties: (input.singleValueExtendedProperties ?? []).map((p) => ({ id: String(p.id), value: String(p.value) })),
    showAs: 'busy'
  };
  if (online) goOnline(state, ev);
  ev.locations = ev.location.displayName ? [ev.location] : [];
  state.mail.addEvent(ev);
  if (ev.attendees.length) notifyAttendees(state, ev, organizer, 'REQUEST', '');
  return ev;
}

export function updateEvent(state: TenantState, organizer: Account, ev: CalendarEvent, input: EventInput): CalendarEvent {
  if (input.subject !== undefined) ev.subject = input.subject;
  if (input.body) {
    ev.body = { contentType: bodyType(input.body.contentType), content: input.body.content ?? '' };
    // "Inadvertently removing the meeting blob from the body would disable meeting online" (Graph,
    // Update event): a new body without the join link turns the Teams meeting off.
    if (ev.onlineMeeting && !ev.body.content.includes(ev.onlineMeeting.joinUrl) && !ev.body.content.includes(esc(ev.onlineMeeting.joinUrl))) {
      ev.isOnlineMeeting = false;
      ev.onlineMeetingProvider = 'unknown';
      ev.onlineMeeting = null;
    }
  }
  const moved = (input.start !== undefined && utc(input.start) !== utc(ev.start)) || (input.end !== undefined && utc(input.end) !== utc(ev.end));
  if (input.start) ev.start = input.start;
  if (input.end) ev.end = input.end;
  const before = ev.attendees;
  if (input.attendees) ev.attendees = attendeesFrom(state, input.attendees);
  const removed = before.filter((a) => !ev.attendees.some((b) => b.emailAddress.address === a.emailAddress.address));
  // A room answers again when the meeting moves or the room is new to it; a change of subject,
  // description or other attendees is an informational update, and the room's answer stands.
  for (const a of ev.attendees) {
    if (a.type !== 'resource') continue;
    const had = before.find((b) => b.type === 'resource' && b.emailAddress.address === a.emailAddress.address);
    a.status = had && !moved ? had.status : { response: 'none', time: new Date().toISOString() };
  }
  if (input.location) ev.location = { displayName: input.location.displayName ?? '', locationEmailAddress: input.location.locationEmailAddress, locationType: input.location.locationEmailAddress ? 'conferenceRoom' : 'default' };
  else if (input.attendees) {
    const room = ev.attendees.find((a) => a.type === 'resource');
    if (room) ev.location = { displayName: room.emailAddress.name, locationEmailAddress: room.emailAddress.address, locationType: 'conferenceRoom' };
  }
  if (input.isOnlineMeeting === true && !ev.onlineMeeting) goOnline(state, ev);
  ev.locations = ev.location.displayName ? [ev.location] : [];
  ev.sequence += 1;
  ev.lastModifiedDateTime = new Date().toISOString();
  ev.changeKey = randomBytes(12).toString('base64');
  // Attendees taken off the meeting get a cancellation; rooms taken off are freed.
  notifyAttendees(state, ev, organizer, 'CANCEL', 'Canceled: ', removed);
  if (ev.attendees.length) notifyAttendees(state, ev, organizer, 'REQUEST', 'Updated: ');
  return ev;
}

/**
 * event: cancel - "sends the cancellation message to all the attendees" with the optional comment,
 * and "moves the event to the Deleted Items folder": an item moved to another folder has another
 * regular id (event resource, `id`: it "changes when the item is moved from one container to
 * another"), its immutable id and iCalUId stay. The organiser's own item keeps its body.
 */
export function cancelEvent(state: TenantState, organizer: Account, ev: CalendarEvent, comment: string): void {
  ev.isCancelled = true;
  ev.sequence += 1;
  ev.lastModifiedDateTime = new Date().toISOString();
  ev.id = randomBytes(32).toString('base64url');
  if (ev.attendees.length) notifyAttendees(state, ev, organizer, 'CANCEL', 'Canceled: ', ev.attendees, comment ? { contentType: 'text', content: comment } : undefined);
}

/** getSchedule's availabilityView: one digit per interval, 0 free, 2 busy. */
export function availabilityView(events: CalendarEvent[], start: number, end: number, intervalMinutes: number): string {
  let view = '';
  for (let t = start; t < end; t += intervalMinutes * 60000) {
    const slotEnd = t + intervalMinutes * 60000;
    view += events.some((e) => !e.isCancelled && utc(e.start) < slotEnd && t < utc(e.end)) ? '2' : '0';
  }
  return view;
}

export { utc as eventTimeMs };
