import { createHash, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { ErrorCode } from '@lms-m365/contracts';
import { ApiError } from '../errors/apiError';
import { failureKind } from '../errors/failureKind';
import type { GraphMailTransport } from '../mail/graphTransport';
import type { MailTransport } from '../mail/transport';
import { type InvitationPass, type InvitationSender, withPassSent } from '../sending/engine';
import type { StoredItem } from '../sending/outboxStore';
import { catalogKey } from '../storage/tables';
import { htmlToText, invitationIcs } from './ics';
import { hasEnded, instanceSuffix, type Attempt, type RoomAnswer, type SentState, type SessionOutcome, type SessionRecord, type SessionRevision, type SessionStore } from './sessionStore';
import { graphDateTime, sessionTimes } from './time';
import { escapeHtml } from '../html';

/** What one pass did: what the attendees now have, how the revision ended, whether anything was submitted. */
interface Pass {
  sent: SentState | null;
  /** The pass could not reach what an unrecorded attempt may have made: the attempt stays. */
  keepAttempt?: boolean;
  outcome: SessionOutcome;
  submitted: boolean;
}

interface GraphEvent {
  id: string;
  iCalUId: string;
  attendees?: Array<{ emailAddress: { address: string }; type: string; status?: { response?: string } }>;
  onlineMeeting?: { joinUrl?: string } | null;
}

interface ScheduleInformation {
  scheduleId: string;
  scheduleItems?: Array<{ status?: string; start: { dateTime: string; timeZone: string }; end: { dateTime: string; timeZone: string } }>;
  error?: { responseCode?: string };
}

const hashOf = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A Graph dateTimeTimeZone in UTC (what getSchedule answers without a Prefer header) as epoch ms. */
export function utcMs(value: { dateTime: string; timeZone: string }): number {
  return Date.parse(/Z|[+-]\d\d:\d\d$/.test(value.dateTime) ? value.dateTime : `${value.dateTime}Z`);
}

/** The room's answer in a Graph event's attendees (none until its mailbox answered). */
export function roomAnswerOf(event: Pick<GraphEvent, 'attendees'>, room: string): RoomAnswer {
  const response = event.attendees?.find((a) => a.emailAddress.address.toLowerCase() === room)?.status?.response;
  return response === 'accepted' || response === 'declined' || response === 'tentativelyAccepted' ? response : 'none';
}

/**
 * getSchedule's documented limits (Get free/busy schedule, "Limits and error conditions"): "up to
 * 20 entities at once", and a time period "less than 62 days".
 */
export const GET_SCHEDULE_MAX_SCHEDULES = 20;
export const GET_SCHEDULE_MAX_DAYS = 62;
export const GET_SCHEDULE_MAX_MS = GET_SCHEDULE_MAX_DAYS * 86_400_000;

/** Free/busy items that leave a room free (scheduleItem.status; Microsoft's examples write it in either case). */
const NOT_BUSY = ['free', 'workingelsewhere'];

/**
 * Busy intervals of rooms in [start, end) by getSchedule (Calendars.Read is enough for others'
 * free/busy): one call per 20 rooms, one after the other (Exchange takes 4 requests at a time per
 * app and mailbox, and the mailbox may be sending meanwhile). A room Exchange could not answer for
 * (its own `error` in the answer: the others are still answered) is null: not known to be free.
 * Answers are matched by the address Graph echoes, else by their place (Graph answers in order).
 */
export async function roomSchedules(graph: GraphMailTransport, rooms: string[], start: number, end: number): Promise<Map<string, Array<{ start: number; end: number }> | null>> {
  const utc = (ms: number): { dateTime: string; timeZone: string } => ({ dateTime: new Date(ms).toISOString().replace('Z', ''), timeZone: 'UTC' });
  const out = new Map<string, Array<{ start: number; end: number }> | null>();
  for (let from = 0; from < rooms.length; from += GET_SCHEDULE_MAX_SCHEDULES) {
    const schedules = rooms.slice(from, from + GET_SCHEDULE_MAX_SCHEDULES);
    const answer = await graph.call<{ value: ScheduleInformation[] }>('POST', '/me/calendar/getSchedule', { schedules, startTime: utc(start), endTime: utc(end), availabilityViewInterval: 15 }, { prefer: 'outlook.timezone="UTC"' });
    (answer?.value ?? []).forEach((info, i) => {
      const echoed = schedules.find((r) => r.toLowerCase() === String(info.scheduleId ?? '').toLowerCase());
      const room = (echoed ?? schedules[i])?.toLowerCase();
      if (room === undefined) {
        return;
      }
      out.set(room, info.error ? null : (info.scheduleItems ?? []).filter((item) => !NOT_BUSY.includes(String(item.status ?? 'busy').toLowerCase())).map((item) => ({ start: utcMs(item.start), end: utcMs(item.end) })));
    });
  }
  return out;
}

/** Another pass recorded the revision this one was about to submit. */
class Overtaken extends Error {}

/** What a pass submitted so far (to Graph or the mail server): messages and their recipients. */
interface Progress {
  messages: number;
  recipients: number;
  /** Attendees a server refused while it took the message for the others, and the first refusal's code. */
  refused?: { recipients: number; code: ErrorCode };
}

/** Counts a message that went out (to `recipients`). */
function went(progress: Progress, recipients: number): void {
  progress.messages++;
  progress.recipients += recipients;
}

/** A refusal after which the submission surely did not go out (a timeout or a 5xx may have). */
const refused = (error: unknown): boolean => error instanceof ApiError && (error.code === 'THROTTLED' || error.code === 'MESSAGE_REJECTED' || ['connection-lost', 'mailbox-blocked'].includes(failureKind(error.code)));

/**
 * The tag a new meeting is made with (a named single-value extended property, a GUID of this app's
 * own): its value is the create's transactionId, so an event whose creation was not recorded is
 * found again by it (Graph's `$filter` on singleValueExtendedProperties).
 */
const CREATE_TAG = 'String {3c8f6a52-1d7e-4b0a-9f21-6e5d4c3b2a10} Name LmsSessionCreate';

/**
 * Every request about the session's event asks for its immutable id (Obtain immutable identifiers
 * for Outlook resources): the regular id changes when the organiser moves the event to another
 * calendar, and the stored id would then find nothing - an update would make a second meeting, a
 * cancel would claim done with nothing sent. Graph takes ids stored before (regular ones) all the same.
 */
export const IMMUTABLE_ID = { prefer: 'IdType="ImmutableId"' };

/** The attendees an event invited (its room, a resource, apart). */
const invitedBy = (event: Pick<GraphEvent, 'attendees'>): string[] => (event.attendees ?? []).filter((a) => a.type !== 'resource').map((a) => a.emailAddress.address.toLowerCase());

async function findCreated(graph: GraphMailTransport, transactionId: string): Promise<GraphEvent | undefined> {
  const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${CREATE_TAG}' and ep/value eq '${transactionId.replace(/'/g, "''")}')`;
  const answer = await graph.call<{ value?: GraphEvent[] }>('GET', `/me/events?$filter=${encodeURIComponent(filter)}&$select=id,iCalUId,attendees,onlineMeeting`, undefined, IMMUTABLE_ID);
  return answer?.value?.[0];
}

/** Whether Graph answered with this error code (or one it begins, as ErrorCalendarIsCancelled begins its kin). */
const graphSaid = (error: unknown, code: string): boolean => error instanceof ApiError && (error.upstream ?? '').includes(code);

/**
 * A Teams meeting's join details in its event body (Exchange's "meeting blob"): from the divider
 * line Exchange draws above them - the last one before the join link - to the end of the body.
 * An update must carry it, or Exchange turns the Teams meeting off (Graph, Update event: "body
 * property and online meetings"). Null when the body does not hold the link (someone edited it
 * out in Outlook, or Exchange wrote it differently).
 */
export function meetingBlob(content: string, joinUrl: string): string | null {
  const at = [joinUrl, joinUrl.replace(/&/g, '&amp;')].map((u) => content.indexOf(u)).filter((i) => i >= 0).sort((a, b) => a - b)[0];
  if (at === undefined) {
    return null;
  }
  let rule = -1;
  for (const m of content.slice(0, at).matchAll(/_{20,}/g)) {
    rule = m.index ?? rule;
  }
  if (rule < 0) {
    return null;
  }
  // The divider's own element (<div ...><span ...>____), or the start of its line in a text body.
  const element = content.lastIndexOf('<div', rule);
  const start = element >= 0 && !content.slice(element, rule).includes('</') ? element : content.lastIndexOf('\n', rule) + 1;
  const bodyEnd = content.slice(at).search(/<\/body>/i);
  return content.slice(start, bodyEnd < 0 ? content.length : at + bodyEnd);
}

/** Graph's refusal to change a cancelled meeting (400 ErrorCalendarIsCancelledForAccept and its kin). */
const isCancelledEvent = (error: unknown): boolean => graphSaid(error, 'ErrorCalendarIsCancelled');

const isGone = (error: unknown): boolean => graphSaid(error, 'ErrorItemNotFound');

/**
 * The words an iCalendar invitation (SMTP) gets from the API, in the session's language: subject
 * prefixes in Outlook's manner (Updated: / Cancelled:, 更新: / キャンセル済み:), and what an
 * attendee reads when taken off, or told of a cancellation without the LMS's message. (A Graph
 * event is worded by Exchange, in each reader's language.) `title` comes HTML-escaped where it
 * goes into HTML.
 */
export const SMTP_WORDS = {
  en: {
    updated: (title: string): string => `Updated: ${title}`,
    cancelled: (title: string): string => `Cancelled: ${title}`,
    removed: (title: string): string => `You are no longer an attendee of ${title}; the meeting is removed from your calendar.`,
    isCancelled: (title: string): string => `${title} is cancelled.`
  },
  ja: {
    updated: (title: string): string => `更新: ${title}`,
    cancelled: (title: string): string => `キャンセル済み: ${title}`,
    removed: (title: string): string => `「${title}」の出席者から外れました。この会議は予定表から削除されます。`,
    isCancelled: (title: string): string => `「${title}」は中止になりました。`
  }
} as const;

/**
 * Why this transport cannot change a meeting that went out, if it cannot. Attendees' calendars
 * take an update or cancellation only from the meeting's organiser, so another account can change
 * nothing (it would only make a second meeting). The same account can change it only the way it
 * was made: a Graph event only through Graph (its UID is Exchange's; an iCalendar message would
 * not change the event in the organiser's calendar, its room or its Teams meeting, and Graph does
 * not tell the SEQUENCE attendees hold), an iCalendar invitation only by iCalendar email over
 * SMTP (a Graph event cannot take its UID, and Graph's sendMail sends no iTIP message).
 */
function unreachableBy(sent: SentState, transport: MailTransport): ErrorCode | null {
  if ((sent.organizer ?? transport.account).toLowerCase() !== transport.account.toLowerCase()) {
    return 'SESSION_ORGANIZER_CHANGED';
  }
  return sent.transport !== (transport.kind === 'graph' ? 'graph' : 'smtp') ? 'SESSION_TRANSPORT_CHANGED' : null;
}

/**
 * Sends a session's invitation items (the engine's InvitationSender). Every item makes the
 * attendees' calendars match the session's latest revision, whatever revision queued it: so
 * items held while the connection was lost send only the latest revision, a session created and
 * cancelled meanwhile sends nothing, and a redelivered item finds nothing left to do.
 */
export class SessionInvitations implements InvitationSender {
  /** One pass at a time per session in this instance: the items of a catalog run concurrently in one drain. */
  private readonly running = new Map<string, Promise<unknown>>();

  public constructor(private readonly deps: {
    sessions: SessionStore;
    domain: string;
    roomName: (catalog: string, room: string) => Promise<string | null>;
    /** Exchange's recipients in one message (SEND_RECIPIENTS_PER_MESSAGE; 500 when not given): an SMTP message goes to at most this many. */
    recipientsPerMessage?: number;
  }) {}

  public async send(item: StoredItem, transport: MailTransport): Promise<InvitationPass> {
    if (!item.session) {
      return { submitted: false };
    }
    // By partition: items of one catalog may spell its URL differently (a site's path in any case).
    const key = `${catalogKey(item.catalog)}\n${item.session}`;
    const previous = this.running.get(key) ?? Promise.resolve();
    const pass = previous.catch(() => undefined).then(() => this.pass(item.catalog, item.session as string, transport));
    this.running.set(key, pass);
    try {
      return await pass;
    } finally {
      if (this.running.get(key) === pass) {
        this.running.delete(key);
      }
    }
  }

  private async pass(catalog: string, sessionId: string, transport: MailTransport): Promise<InvitationPass> {
    const record = await this.deps.sessions.read(catalog, sessionId);
    if (!record || (record.outcome && record.outcome.revision >= record.desired.revision)) {
      return { submitted: false };
    }
    const now = Date.now();
    /** The session ended before its latest revision went, while an earlier revision's meeting is still ahead. */
    let takeBack = false;
    if (!record.desired.cancelled && hasEnded(record.desired, now)) {
      // R-LOSS-3: an invitation that waited (a lost connection, sending off) until its session -
      // as the LMS put it last - had ended goes nowhere: no meeting in the past lands in calendars,
      // no room is booked for it (a cancellation still goes). Whatever revision queued the item.
      if (![record.attempt, record.sent].some((s) => s && !s.cancelled && !hasEnded(s, now))) {
        return { submitted: false, code: 'SESSION_ENDED' };
      }
      // But the LMS moved it into what is now the past while an earlier revision's meeting is still
      // ahead in the attendees' calendars (and its room booked then): that meeting is not happening,
      // so it is cancelled - the revision still fails SESSION_ENDED.
      takeBack = true;
    }
    /** What the attendees' calendars are to show: the latest revision, or its cancellation (takeBack). */
    const target: SessionRecord = takeBack ? { ...record, desired: { ...record.desired, cancelled: true } } : record;
    // The row as this pass last wrote it: an attempt is stored before its submission - unless
    // another pass (another instance's, after this one's claim lapsed) recorded this revision or a
    // later one meanwhile: then this one has nothing to do.
    let current = record;
    /** The attempt this pass stored last. */
    let mine: Attempt | null = null;
    const intend = async (attempt: Attempt): Promise<void> => {
      current = await this.write(current, (fresh) => {
        if (fresh.outcome && fresh.outcome.revision >= record.desired.revision) {
          throw new Overtaken();
        }
        return { ...fresh, attempt };
      });
      mine = attempt;
    };
    /** What this pass submitted so far. */
    const progress: Progress = { messages: 0, recipients: 0 };
    // A meeting may be live from an unrecorded attempt too: it is as unreachable as a recorded one.
    const live = [record.attempt, record.sent].find((s) => s && !s.cancelled) ?? null;
    // Modern sending mail over SMTP: the session goes through the account's calendar (Graph), as
    // Modern's sessions do (R-MOD-2) - unless its meeting went out as iCalendar email (when
    // sessions followed the mail's transport): only SMTP can change that one, so it stays there.
    const via = transport.calendar && live?.transport !== 'smtp' ? transport.calendar() : transport;
    const unreachable = live ? unreachableBy(live, via) : null;
    let result: Pass;
    try {
      result = unreachable
        ? { sent: record.sent, keepAttempt: true, outcome: { revision: record.desired.revision, code: unreachable, notes: [] }, submitted: false }
        : via.kind === 'graph' ? await this.viaGraph(target, via as GraphMailTransport, intend, progress) : await this.viaSmtp(target, via, intend, progress);
      if (takeBack && !result.outcome.code) {
        result = { ...result, outcome: { ...result.outcome, code: 'SESSION_ENDED' } };
      }
      await this.save(current, result, progress.messages > 0, mine);
    } catch (error) {
      if (error instanceof Overtaken) {
        return { submitted: false };
      }
      if (current !== record && progress.messages === 0 && refused(error)) {
        // Refused for certain (a lost connection, a blocked mailbox, throttled, a rejected message):
        // nothing of this pass went out, and its attempt says no more than the one before it.
        // (Only if the row still holds this pass's attempt: another worker's since is theirs.)
        await this.write(current, (fresh) => (isDeepStrictEqual(fresh.attempt, mine) ? { ...fresh, attempt: record.attempt } : undefined)).catch(() => undefined);
      }
      // What went out before the failure still counts against the mailbox's budget.
      throw progress.messages > 0 ? withPassSent(error, { messages: progress.messages, recipients: progress.recipients }) : error;
    }
    // The engine fails the item with the revision's code, so the deliveries list says what the status says.
    return {
      submitted: result.submitted,
      ...(result.outcome.code ? { code: result.outcome.code } : {}),
      ...(result.submitted ? { sent: { messages: progress.messages, recipients: progress.recipients } } : {}),
      ...(progress.refused ? { refused: progress.refused } : {})
    };
  }

  /** Writes `change` of the freshest row (read again after another writer's change). */
  private async write(read: SessionRecord, change: (fresh: SessionRecord) => Omit<SessionRecord, 'etag'> | undefined): Promise<SessionRecord> {
    let record = read;
    for (let attempt = 1; ; attempt++) {
      const next = change(record);
      if (!next) {
        return record;
      }
      try {
        return await this.deps.sessions.write({ ...next, updatedAt: new Date().toISOString() }, record.etag);
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'CHANGED_BY_SOMEONE_ELSE' || attempt >= 5) {
          throw error;
        }
        record = (await this.deps.sessions.read(read.catalog, read.sessionId)) ?? record;
      }
    }
  }

  /**
   * Records the pass on the freshest row: a put that came meanwhile keeps its newer revision (its
   * own item follows). When another pass recorded this revision or a later one meanwhile (another
   * instance's, after this one's claim lapsed), its record stands; and if this pass submitted
   * something, it may have landed after that pass's (an older revision over a newer one): the
   * session is put back to be passed again, and this item is retried for it - with this pass's
   * attempt (`mine`) back on the row when that pass cleared it: it looked for what this pass made
   * while the submission was still on its way, found nothing, and a cancel would leave it live.
   */
  private async save(read: SessionRecord, result: Pass, submittedNow: boolean, mine: Attempt | null): Promise<void> {
    let overtaken = false;
    await this.write(read, (fresh) => {
      if (fresh.outcome && fresh.outcome.revision >= result.outcome.revision) {
        if (isDeepStrictEqual(fresh.outcome, result.outcome) && isDeepStrictEqual(fresh.sent, result.sent)) {
          // This pass's own record: it landed, its answer was lost, and the storage client's retry met its change.
          return undefined;
        }
        overtaken = true;
        return submittedNow ? { ...fresh, outcome: null, attempt: fresh.attempt ?? mine } : undefined;
      }
      return {
        ...fresh,
        sent: result.sent,
        attempt: result.keepAttempt ? fresh.attempt : null,
        firstSentRevision: fresh.firstSentRevision ?? (result.sent && !result.sent.cancelled ? result.sent.revision : null),
        outcome: result.outcome
      };
    });
    if (overtaken && submittedNow) {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'session passed by another worker meanwhile' });
    }
  }

  /**
   * Through Graph. A live meeting here was made by this account through Graph (pass checked it), so
   * its event is in this mailbox: a 404 for it means someone deleted it in Outlook.
   */
  private async viaGraph(record: SessionRecord, graph: GraphMailTransport, intend: (attempt: Attempt) => Promise<void>, progress: Progress): Promise<Pass> {
    const d = record.desired;
    let sent = record.sent?.transport === 'graph' ? record.sent : null;
    const done = (code: ErrorCode | null): SessionOutcome => ({ revision: d.revision, code, notes: [] });
    const times = sessionTimes(d.start, d.end);
    const when = { start: graphDateTime(times.start, d.start.timeZone), end: graphDateTime(times.end, d.end.timeZone) };
    const attempted = record.attempt?.transport === 'graph' && record.attempt.transactionId ? record.attempt : null;
    /** The event an unrecorded create made, found by the tag it was made with. */
    let recovered: SentState | null = null;
    if (attempted) {
      // A create whose pass ended before its event was recorded: its invitations may have gone out.
      const found = await findCreated(graph, attempted.transactionId as string);
      if (found) {
        recovered = { ...attempted, eventId: found.id, uid: found.iCalUId, attendees: invitedBy(found), joinUrl: found.onlineMeeting?.joinUrl ?? null, cancelled: false };
        sent = recovered;
        if (!d.cancelled && attempted.revision === d.revision) {
          // It is this very revision: its invitations went out then, nothing more goes now.
          return { sent: { ...recovered, roomAnswer: d.room ? roomAnswerOf(found, d.room) : null }, outcome: done(null), submitted: true };
        }
      }
      // Not found: the create never reached Graph (it is made below with the same transactionId).
    }
    /** What the attendees have when this pass sends nothing. */
    const kept = recovered ?? record.sent;
    if (d.cancelled) {
      if (!sent?.eventId || sent.cancelled) {
        // Nothing went out (or it is cancelled already): there is nothing to cancel. What went out stays recorded.
        return { sent: kept, outcome: done(null), submitted: false };
      }
      try {
        await graph.submit('POST', `/me/events/${encodeURIComponent(sent.eventId)}/cancel`, { comment: d.message ?? '' }, IMMUTABLE_ID);
        went(progress, sent.attendees.length + (sent.room ? 1 : 0));
      } catch (error) {
        if (!isGone(error)) {
          throw error;
        }
        // Deleted in Outlook by its organiser (who was asked to send the cancellation then): nothing went out now.
        return { sent: { ...sent, revision: d.revision, cancelled: true }, outcome: done(null), submitted: false };
      }
      return { sent: { ...sent, revision: d.revision, cancelled: true }, outcome: done(null), submitted: true };
    }
    const room = d.room;
    if (sent?.cancelled) {
      // Put again after a cancellation: a new meeting.
      sent = null;
    }
    if (room) {
      const moved = !sent || sent.room !== room || sent.start.dateTime !== d.start.dateTime || sent.start.timeZone !== d.start.timeZone || sent.end.dateTime !== d.end.dateTime || sent.end.timeZone !== d.end.timeZone;
      if (moved && !(await this.roomFree(graph, room, times.start.toMillis(), times.end.toMillis(), sent))) {
        return { sent: kept, outcome: done('ROOM_UNAVAILABLE'), submitted: false };
      }
    }
    const body: Record<string, unknown> = {
      subject: d.title,
      body: { contentType: 'HTML', content: d.html ?? '' },
      ...when,
      attendees: [
        ...d.attendees.map((a) => ({ emailAddress: { address: a.email, ...(a.name ? { name: a.name } : {}) }, type: a.role })),
        ...(room ? [{ emailAddress: { address: room }, type: 'resource' }] : [])
      ],
      location: room ? { displayName: (await this.deps.roomName(record.catalog, room)) ?? room, locationEmailAddress: room, locationType: 'conferenceRoom' } : { displayName: '' },
      ...(d.teams ? { isOnlineMeeting: true, onlineMeetingProvider: 'teamsForBusiness' } : {})
    };
    /**
     * Changes the session's event to this revision; undefined when someone deleted it in Outlook,
     * or it was cancelled (in Outlook, or by a pass whose record was lost) and cannot be changed.
     */
    const change = async (had: Pick<SentState, 'attendees' | 'room' | 'joinUrl'> & { eventId: string }): Promise<GraphEvent | undefined> => {
      const patch = { ...body };
      try {
        if (had.joinUrl) {
          // A Teams meeting: its new description goes before Exchange's join details, kept as they are.
          const current = await graph.call<{ body?: { content?: string } }>('GET', `/me/events/${encodeURIComponent(had.eventId)}?$select=body`, undefined, IMMUTABLE_ID);
          const blob = meetingBlob(current?.body?.content ?? '', had.joinUrl);
          if (blob === null) {
            // Without the join details the update would end the Teams meeting: the description stays as it is.
            delete patch.body;
          } else {
            patch.body = { contentType: 'HTML', content: `${d.html ?? ''}${blob}` };
          }
        }
        const changed = await graph.submit<GraphEvent>('PATCH', `/me/events/${encodeURIComponent(had.eventId)}`, patch, IMMUTABLE_ID);
        // The update to everyone, and Exchange's cancellation to attendees taken off.
        const removed = had.attendees.filter((email) => !d.attendees.some((a) => a.email === email)).length + (had.room && had.room !== room ? 1 : 0);
        went(progress, d.attendees.length + (room ? 1 : 0));
        if (removed > 0) {
          went(progress, removed);
        }
        return changed;
      } catch (error) {
        if (!isGone(error) && !isCancelledEvent(error)) {
          throw error;
        }
        return undefined;
      }
    };
    let event: GraphEvent | undefined;
    if (sent?.eventId) {
      event = await change({ ...sent, eventId: sent.eventId });
      if (!event) {
        // The LMS wants the session: it is made again.
        sent = null;
      }
    }
    const made = (eventId: string | null, uid: string, from: Pick<GraphEvent, 'attendees' | 'onlineMeeting'>): SentState => ({
      revision: d.revision,
      transport: 'graph',
      organizer: graph.account.toLowerCase(),
      cancelled: false,
      eventId,
      uid,
      sequence: 0,
      attendees: d.attendees.map((a) => a.email),
      room,
      // Exchange's resource booking assistant answers later; until then the room's response is none.
      roomAnswer: room ? roomAnswerOf(from, room) : null,
      joinUrl: from.onlineMeeting?.joinUrl ?? null,
      start: d.start,
      end: d.end
    });
    if (!event) {
      // The attempt is stored first and the event tagged with its transactionId, so a pass that ends
      // before Graph's answer is recorded leaves the next one a way to find the event (above).
      const generation = record.sent && !sent ? String(record.sent.revision) : '0';
      const create = async (transactionId: string): Promise<GraphEvent | undefined> => {
        await intend({ ...made(null, '', {}), transactionId });
        const created = await graph.submit<GraphEvent>('POST', '/me/events', { ...body, transactionId, singleValueExtendedProperties: [{ id: CREATE_TAG, value: transactionId }] }, IMMUTABLE_ID);
        went(progress, d.attendees.length + (room ? 1 : 0));
        return created;
      };
      // The catalog in lower case: a put may spell its site's path in either case (one catalog).
      const generationId = hashOf(`${record.catalog.toLowerCase()}\n${record.sessionId}\n${generation}${instanceSuffix(record)}`).slice(0, 32);
      try {
        event = await create(generationId);
      } catch (error) {
        if (!graphSaid(error, 'ErrorDuplicateTransactionId')) {
          throw error;
        }
        // Another pass's create (a worker whose claim lapsed) may have landed between this pass's
        // look for it and its own: that event is the session's meeting, changed to this revision.
        const raced = await findCreated(graph, generationId);
        event = raced && (await change({ eventId: raced.id, attendees: invitedBy(raced), room: raced.attendees?.find((a) => a.type === 'resource')?.emailAddress.address.toLowerCase() ?? null, joinUrl: raced.onlineMeeting?.joinUrl ?? null }));
        // Else the transactionId made an event the calendar no longer shows (its tag was looked for
        // above): one cancelled since, in Deleted Items, or deleted in Outlook. This is a new
        // meeting, under a transactionId of its own.
        event ??= await create(hashOf(`${record.catalog}\n${record.sessionId}\n${generation}\n${randomUUID()}`).slice(0, 32));
      }
    }
    if (!event?.id) {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'Graph event without id' });
    }
    // Graph makes the meeting all the same when the account's calendar offers no Teams meetings (no
    // Teams licence): it answers without an online meeting, and the LMS is told.
    const notes: ErrorCode[] = d.teams && !event.onlineMeeting?.joinUrl ? ['TEAMS_NOT_AVAILABLE'] : [];
    return { sent: made(event.id, event.iCalUId, event), outcome: { ...done(null), notes }, submitted: true };
  }

  /** Free in the whole range, the session's own booking of the same room not counted. */
  private async roomFree(graph: GraphMailTransport, room: string, start: number, end: number, sent: SentState | null): Promise<boolean> {
    const busy = (await roomSchedules(graph, [room], start, end)).get(room.toLowerCase());
    if (!busy) {
      // Not a mailbox getSchedule knows (or it did not answer for it): not bookable.
      return false;
    }
    // Its own booking only where the room took it: a declined session holds none, and the booking
    // at its old times is the one that won the room.
    const own = sent && sent.room === room && !sent.cancelled && sent.roomAnswer !== 'declined' ? sessionTimes(sent.start, sent.end) : null;
    return busy.every((b) => (own && b.start === own.start.toMillis() && b.end === own.end.toMillis()) || b.end <= start || b.start >= end);
  }

  private async viaSmtp(record: SessionRecord, transport: MailTransport, intend: (attempt: Attempt) => Promise<void>, progress: Progress): Promise<Pass> {
    const d = record.desired;
    // A message whose pass ended before it was recorded may have reached its attendees (the attempt
    // holds the state it leaves, everyone who may have the meeting included): the next one follows
    // it (a later SEQUENCE), and a cancellation goes to them. The same revision again is the very
    // same message - the same SEQUENCE and recipients, so the same Message-ID: Exchange drops the copy.
    const attempted = record.attempt?.transport === 'smtp' ? record.attempt : null;
    const again = attempted !== null && attempted.revision === d.revision && attempted.cancelled === d.cancelled;
    const recorded = record.sent?.transport === 'smtp' ? record.sent : null;
    const sent: SentState | null = attempted ? (again ? { ...attempted, cancelled: false, sequence: attempted.sequence - 1 } : attempted) : recorded;
    const notes: ErrorCode[] = [...(d.teams ? ['TEAMS_NOT_AVAILABLE_ON_SMTP' as const] : []), ...(d.room ? ['ROOMS_NOT_AVAILABLE' as const] : [])];
    const outcome: SessionOutcome = { revision: d.revision, code: null, notes };
    const h = hashOf(`${record.catalog}\n${record.sessionId}${instanceSuffix(record)}`).slice(0, 32);
    const uid = sent?.uid ?? `${h}@${this.deps.domain}`;
    const organizer = { email: transport.account, name: transport.account };
    const location = d.room ? (await this.deps.roomName(record.catalog, d.room)) ?? d.room : null;
    /** One message of `message`'s. */
    const part = async (method: 'REQUEST' | 'CANCEL', sequence: number, who: SessionRevision['attendees'], suffix: string, revision: SessionRevision): Promise<string[]> => {
      const ics = invitationIcs({ method, uid, sequence, organizer, attendees: who, revision, location });
      const words = SMTP_WORDS[revision.language ?? 'en'];
      const subject = method === 'CANCEL' ? words.cancelled(revision.title) : sequence > 0 ? words.updated(revision.title) : revision.title;
      // A CANCEL of a session that goes on is for attendees taken off it: the session is not cancelled,
      // and its cancellation message (said to everyone when it is) is not theirs.
      const html = method === 'REQUEST' ? revision.html ?? `<p>${escapeHtml(revision.title)}</p>`
        : !revision.cancelled ? `<p>${words.removed(escapeHtml(revision.title))}</p>`
          : revision.message ? `<p>${escapeHtml(revision.message)}</p>` : `<p>${words.isCancelled(escapeHtml(revision.title))}</p>`;
      // The SEQUENCE alone does not name a message: after a refused submission put the attempt back,
      // another revision (or a CANCEL) may go at that SEQUENCE - under the same Message-ID,
      // Exchange's duplicate detection could drop it. The same content again keeps its Message-ID.
      const content = hashOf(`${method}\n${uid}\n${who.map((a) => a.email).join(',')}\n${JSON.stringify(revision)}`).slice(0, 16);
      const receipt = await transport.send({ messageId: `<session.${h}_${content}.${sequence}${suffix}@${this.deps.domain}>`, from: transport.account, to: who.map((a) => a.email), cc: [], bcc: [], subject, html, text: htmlToText(html), calendar: { method, content: ics } });
      went(progress, who.length);
      // Attendees the server refused while it took the message for the others did not get it: the
      // status says so (whatever the refusal's own code: a note names what did not happen).
      if (receipt?.refused) {
        progress.refused = { recipients: (progress.refused?.recipients ?? 0) + receipt.refused.recipients, code: progress.refused?.code ?? receipt.refused.code };
        if (!outcome.notes.includes('RECIPIENT_REJECTED')) {
          outcome.notes.push('RECIPIENT_REJECTED');
        }
      }
      return receipt?.refused?.addresses ?? [];
    };
    /**
     * Sends an iCalendar message, one per `recipientsPerMessage` attendees (a cancellation after an
     * unrecorded revision goes to everyone who may hold the meeting, old and new attendees: up to
     * twice the limit); answers the attendees the server refused (they did not get it).
     */
    const message = async (method: 'REQUEST' | 'CANCEL', sequence: number, who: SessionRevision['attendees'], suffix: string, revision: SessionRevision): Promise<string[]> => {
      const limit = this.deps.recipientsPerMessage ?? 500;
      const refused: string[] = [];
      // (Within the limit it is one message, as it always was; each part's recipients make its Message-ID its own.)
      for (let i = 0; i === 0 || i * limit < who.length; i++) {
        refused.push(...(await part(method, sequence, who.slice(i * limit, (i + 1) * limit), i === 0 ? suffix : `${suffix}.p${i}`, revision)));
      }
      return refused;
    };
    if (d.cancelled) {
      if (!sent || sent.cancelled) {
        // Nothing went out (or it is cancelled already). What went out stays recorded.
        return { sent: record.sent, outcome, submitted: false };
      }
      const sequence = sent.sequence + 1;
      const everyone = sent.attendees.map((email) => d.attendees.find((a) => a.email === email) ?? { email, role: 'required' as const });
      const cancelled = { ...sent, revision: d.revision, cancelled: true, sequence };
      await intend({ ...cancelled, transactionId: null });
      await message('CANCEL', sequence, everyone, '', d);
      return { sent: cancelled, outcome, submitted: true };
    }
    const sequence = sent ? sent.sequence + 1 : 0;
    const next: SentState = { revision: d.revision, transport: 'smtp', organizer: transport.account.toLowerCase(), cancelled: false, eventId: null, uid, sequence, attendees: d.attendees.map((a) => a.email), room: d.room, roomAnswer: null, joinUrl: null, start: d.start, end: d.end };
    // Those taken off keep it in the attempt until their cancellation below is recorded.
    await intend({ ...next, attendees: [...new Set([...next.attendees, ...(sent && !sent.cancelled ? sent.attendees : [])])], transactionId: null });
    const refused = await message('REQUEST', sequence, d.attendees, '', d);
    const removed = sent && !sent.cancelled ? sent.attendees.filter((email) => !d.attendees.some((a) => a.email === email)) : [];
    if (removed.length > 0) {
      // Attendees taken off the session get a cancellation of their own (RFC 5546 3.2.5).
      await message('CANCEL', sequence, removed.map((email) => ({ email, role: 'required' as const })), '.c', d);
    }
    // Attendees the server refused do not hold the meeting: no later cancellation goes to them
    // (the next revision's invitation, which goes to every attendee, tries them again).
    return { sent: refused.length > 0 ? { ...next, attendees: next.attendees.filter((email) => !refused.includes(email.toLowerCase())) } : next, outcome, submitted: true };
  }
}

