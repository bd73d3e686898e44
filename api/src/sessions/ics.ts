import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { SessionRevision } from './sessionStore';
import { zoned } from './time';

export interface InvitationIcs {
  method: 'REQUEST' | 'CANCEL';
  uid: string;
  sequence: number;
  organizer: { email: string; name: string };
  /** Who this message goes to (a cancellation may go to removed attendees only). */
  attendees: SessionRevision['attendees'];
  revision: SessionRevision;
  /** The room's name or address as the location (SMTP books nothing). */
  location: string | null;
}

/**
 * An RFC 5545 / RFC 5546 (iTIP) calendar object for an invitation, update or cancellation: a
 * stable UID per session, SEQUENCE growing with each revision sent, the organiser the connected
 * account, every attendee with RSVP. Times are UTC (RFC 5545 3.3.5, form 2), converted from the
 * session's wall clock in its zone: a VTIMEZONE from a packaged table went wrong for zones the
 * API accepts (UTC written as a floating time, Etc/GMT-9 with its sign reversed, zones it did not
 * know or knew with old rules), and every calendar shows a UTC time in its reader's own zone.
 */
export function invitationIcs(input: InvitationIcs): string {
  const { revision } = input;
  const cancel = input.method === 'CANCEL';
  const calendar = ical({
    prodId: { company: 'LMS', product: 'Microsoft 365 connection', language: revision.language === 'ja' ? 'JA' : 'EN' },
    method: cancel ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST
  });
  const event = calendar.createEvent({
    id: input.uid,
    sequence: input.sequence,
    stamp: new Date(),
    start: zoned(revision.start, 'start').toJSDate(),
    end: zoned(revision.end, 'end').toJSDate(),
    summary: revision.title,
    description: cancel && revision.message ? revision.message : revision.html ? { plain: htmlToText(revision.html), html: revision.html } : undefined,
    location: input.location ?? undefined,
    organizer: { name: input.organizer.name, email: input.organizer.email },
    status: cancel ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED
  });
  for (const a of input.attendees) {
    event.createAttendee({
      email: a.email,
      name: a.name,
      rsvp: !cancel,
      role: a.role === 'optional' ? ICalAttendeeRole.OPT : ICalAttendeeRole.REQ,
      status: ICalAttendeeStatus.NEEDSACTION
    });
  }
  return calendar.toString();
}

/** The description's plain-text alternative: tags dropped, entities of the common kind decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(br|\/p|\/div|\/li|\/h\d)\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
