import { Static, Type } from '@sinclair/typebox';
import { ONE_LINE, ONE_LINE_TEXT } from './notifications';

/** The LMS-facing shapes of sessions and rooms (R-USE-2, R-USE-3, R-OPS-4). */

const Email = Type.String({ format: 'email', maxLength: 254 });

export const LocalDateTime = Type.Object({
  dateTime: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?$', description: 'Wall-clock time in timeZone, without an offset: 2026-12-10T10:00:00.' }),
  timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone: Asia/Tokyo, Europe/London, UTC.' })
}, { additionalProperties: false });

export const SessionAttendee = Type.Object({
  email: Email,
  name: Type.Optional(Type.String({ maxLength: 200, pattern: ONE_LINE })),
  role: Type.Optional(Type.Union([Type.Literal('required'), Type.Literal('optional')], { default: 'required', description: 'Learners and instructors alike; optional attendees are invited as optional.' }))
}, { additionalProperties: false });

export const SessionParams = Type.Object({
  catalog: Type.String({ minLength: 1, maxLength: 400 }),
  sessionId: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._:~-]+$', description: 'The LMS\'s own id of the session.' })
}, { additionalProperties: false });

export const SessionPut = Type.Object({
  revision: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Grows with every change the LMS makes; a revision lower than one received is refused (SESSION_REVISION_STALE), the same revision with the same body is a duplicate.' }),
  title: Type.String({ minLength: 1, maxLength: 255, pattern: ONE_LINE_TEXT, description: 'One line: no control characters, not only spaces.' }),
  html: Type.Optional(Type.String({ maxLength: 100_000, description: 'Description (HTML).' })),
  start: LocalDateTime,
  end: LocalDateTime,
  attendees: Type.Array(SessionAttendee, { minItems: 1, maxItems: 500 }),
  room: Type.Optional(Type.Union([Email, Type.Null()], { description: 'A room of the tenant (GET /rooms); booked after a free/busy check (Graph only). Not checked to be a room (without Place.Read.All the API cannot list them): another mailbox named here is invited as a resource.' })),
  teams: Type.Optional(Type.Boolean({ default: false, description: 'Whether the session has a Teams meeting (Graph only).' })),
  language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('ja')], { default: 'en', description: 'The language of the few words the API adds to an invitation sent as iCalendar email (SMTP): the subject\'s "Updated:" / "Cancelled:", and what an attendee taken off, or told of a cancellation without a message, reads. A Graph event is worded by Exchange in each reader\'s own language. Its cancellation keeps it.' }))
}, { additionalProperties: false, $id: 'SessionPut' });

export const SessionCancel = Type.Object({
  revision: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Higher than the last revision put.' }),
  message: Type.Optional(Type.String({ maxLength: 10_000, description: 'Said to the attendees in the cancellation.' }))
}, { additionalProperties: false, $id: 'SessionCancel' });

export const SessionStatusValue = Type.Union(['queued', 'scheduled', 'updated', 'cancelled', 'held', 'failed'].map((s) => Type.Literal(s)), {
  description: 'queued: the latest revision waits to go out (held while the connection is lost or sending is off); scheduled: the first revision went out; updated: a later one did; failed: the latest revision could not go out (code).'
});

export const RoomAnswer = Type.Union(['none', 'accepted', 'tentativelyAccepted', 'declined'].map((s) => Type.Literal(s)), { description: 'none until the room\'s mailbox answered.' });

export const SessionStatus = Type.Object({
  sessionId: Type.String(),
  catalog: Type.String(),
  revision: Type.Integer({ description: 'The latest revision received.' }),
  sentRevision: Type.Union([Type.Integer(), Type.Null()], { description: 'The revision the attendees last received; null while none went out.' }),
  status: SessionStatusValue,
  code: Type.Union([Type.String(), Type.Null()], { description: 'Why it failed or is held: a code of the error catalogue.' }),
  notes: Type.Array(Type.String(), { description: 'Codes of what the transport or the account could not do (TEAMS_NOT_AVAILABLE_ON_SMTP, ROOMS_NOT_AVAILABLE; TEAMS_NOT_AVAILABLE when Graph made the meeting without a Teams meeting), the invitation went out without it; over SMTP, RECIPIENT_REJECTED when the server refused some attendees while it took the invitation for the others (they did not get it).' }),
  transport: Type.Union([Type.Literal('graph'), Type.Literal('smtp'), Type.Null()], { description: 'How the invitation went out: a Graph event, or iCalendar email over SMTP.' }),
  organizer: Type.Union([Type.String(), Type.Null()], { description: 'The account the invitation went out as: the meeting\'s organiser, the only account attendees\' calendars take its changes from (SESSION_ORGANIZER_CHANGED once the catalog is connected as another).' }),
  joinUrl: Type.Union([Type.String(), Type.Null()], { description: 'The Teams meeting\'s join URL, once known.' }),
  room: Type.Union([Type.Object({ email: Type.String(), answer: RoomAnswer }), Type.Null()]),
  uid: Type.Union([Type.String(), Type.Null()], { description: 'The iCalendar UID attendees\' calendars know the session by.' }),
  updatedAt: Type.String({ format: 'date-time' })
}, { $id: 'SessionStatus' });

export const SessionAccepted = Type.Object({
  sessionId: Type.String(),
  revision: Type.Integer(),
  status: SessionStatusValue,
  duplicate: Type.Boolean({ description: 'true when this revision was received before with the same body.' })
}, { $id: 'SessionAccepted' });

export const Rooms = Type.Object({
  items: Type.Array(Type.Object({
    email: Type.String(),
    name: Type.String(),
    capacity: Type.Union([Type.Integer(), Type.Null()]),
    building: Type.Union([Type.String(), Type.Null()]),
    floor: Type.Union([Type.Integer(), Type.Null()])
  }))
}, { $id: 'Rooms' });

export const RoomAvailabilityQuery = Type.Object({
  start: Type.String({ format: 'date-time', description: 'Start of the range, with its offset (2026-12-10T10:00:00+09:00).' }),
  end: Type.String({ format: 'date-time' }),
  rooms: Type.Optional(Type.String({ maxLength: 5000, description: 'Comma-separated room addresses; every room of the tenant when left out (at most 100). Named addresses are not checked to be rooms: their free/busy is read as the connected account sees it in Outlook.' }))
}, { additionalProperties: false });

export const RoomAvailability = Type.Object({
  items: Type.Array(Type.Object({
    email: Type.String(),
    free: Type.Boolean({ description: 'Nothing is booked in the whole range. False also for a room Exchange did not answer for (busy then lists nothing).' }),
    busy: Type.Array(Type.Object({ start: Type.String({ format: 'date-time' }), end: Type.String({ format: 'date-time' }) }))
  }))
}, { $id: 'RoomAvailability' });

export type SessionPutBody = Static<typeof SessionPut>;
export type SessionCancelBody = Static<typeof SessionCancel>;
export type SessionStatusBody = Static<typeof SessionStatus>;
export type RoomsBody = Static<typeof Rooms>;
export type RoomAvailabilityBody = Static<typeof RoomAvailability>;
export type RoomAvailabilityQueryType = Static<typeof RoomAvailabilityQuery>;
export type LocalDateTimeType = Static<typeof LocalDateTime>;
