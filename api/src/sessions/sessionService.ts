import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { FastifyBaseLogger } from 'fastify';
import type { ErrorCode, RoomAvailabilityBody, RoomsBody, SessionCancelBody, SessionPutBody, SessionStatusBody } from '@lms-m365/contracts';
import type { ConnectionStore } from '../connections/connectionStore';
import type { CredentialsProvider } from '../connections/credentials';
import type { ConnectionRecord } from '../connections/model';
import { ApiError, codeOf, instant } from '../errors/apiError';
import type { GraphMailTransport } from '../mail/graphTransport';
import { acceptingRecord, explained, heldCode, NeverConnected, refusalOf, sendable } from '../sending/engine';
import { isTerminal } from '../sending/outboxItem';
import { OutboxStore, RequestHashes, requestHashes, sameRequest, storedRequest } from '../sending/outboxStore';
import { catalogKey } from '../storage/tables';
import { GET_SCHEDULE_MAX_DAYS, GET_SCHEDULE_MAX_MS, IMMUTABLE_ID, roomAnswerOf, roomSchedules } from './invitations';
import { endOf, isOver, roomUndecided, type SessionRecord, type SessionRevision, type SessionStore } from './sessionStore';
import { sessionTimes } from './time';

export interface SessionDeps {
  connections: ConnectionStore;
  credentials: CredentialsProvider;
  sessions: SessionStore;
  outbox: OutboxStore;
  wake: (catalog: string) => Promise<void>;
  log: FastifyBaseLogger;
  roomsCacheMs: number;
  /** Exchange's recipients in one message: an invitation goes to every attendee and the room at once. */
  recipientsPerMessage: number;
  /** Whether the tenant granted the connected account Place.Read.All (the org consent lookup, cached): its next token carries it. */
  roomsGranted?: (homeAccountId: string | null) => Promise<boolean>;
  neverConnected?: NeverConnected;
  /** The room-answer job is off (ROOM_ANSWER_INTERVAL_SECONDS=0): a status read also asks a room that answered tentatively. */
  roomJobOff?: boolean;
}

type Room = RoomsBody['items'][number];

/**
 * When an invitation item of `desired` stops mattering: its session's end - or the end of a meeting
 * of an earlier revision still in calendars (sent, or maybe made by an unrecorded attempt), if that
 * comes later: a session moved into what becomes the past while held has that meeting taken back.
 */
function invitationExpiry(desired: SessionRevision, stored: Pick<SessionRecord, 'sent' | 'attempt'> | undefined): number {
  const later = [stored?.sent, stored?.attempt].map((s) => (s && !s.cancelled ? endOf(s) ?? 0 : 0));
  return Math.max(sessionTimes(desired.start, desired.end).end.toMillis(), ...later);
}

const itemKey = (sessionId: string, revision: number): string => `session|${sessionId}|${revision}`;
/** Rooms one availability request asks about (getSchedule is asked 20 at a time). */
const MAX_ROOMS = 100;
/** List places' page (its default, and what is asked): Graph answers no nextLink there, so pages are read by $skip. */
const PLACES_PAGE = 100;
/**
 * A revision's size as stored (JSON characters): the session's row holds it and the list of
 * attendees who have the meeting, and Azure Tables holds 1 MiB (UTF-16) a row.
 */
const MAX_REVISION_CHARS = 200_000;

/**
 * A status read asks the room for its answer at most this often per session, and one read of a
 * catalog at a time asks at all: an LMS that polls a session's status must not turn each poll into
 * a Graph request of the mailbox beside what it sends (4 at a time, as the engine keeps them).
 */
export const ROOM_ANSWER_READ_MS = 2000;

/**
 * The LMS back end's side of sessions (R-USE-2, R-USE-3, R-OPS-4): put and cancel a session by
 * the LMS's id and revision (idempotent; a late older revision never overwrites a newer one),
 * read its status, list the tenant's rooms and their free/busy. Each accepted revision is an
 * invitation item in the catalog's outbox, paced with its notifications.
 */
export class SessionService {
  private readonly rooms: LRUCache<string, Room[]>;
  /** Sessions whose room a status read asked in the last ROOM_ANSWER_READ_MS. */
  private readonly roomAsked = new LRUCache<string, true>({ max: 10_000, ttl: ROOM_ANSWER_READ_MS });
  /** Catalogs with a status read asking a room now. */
  private readonly roomAsking = new Set<string>();

  public constructor(private readonly deps: SessionDeps) {
    this.rooms = new LRUCache<string, Room[]>({ max: 1000, ttl: Math.max(1, deps.roomsCacheMs) });
  }

  public async put(catalog: string, sessionId: string, body: SessionPutBody): Promise<{ status: SessionStatusBody; duplicate: boolean }> {
    const times = sessionTimes(body.start, body.end);
    const emails = body.attendees.map((a) => a.email.toLowerCase());
    if (new Set(emails).size !== emails.length) {
      throw new ApiError('VALIDATION_FAILED', { detail: 'attendees: an address appears twice.' });
    }
    const room = body.room ? body.room.toLowerCase() : null;
    if (room && emails.includes(room)) {
      throw new ApiError('VALIDATION_FAILED', { detail: 'room: the room is also listed as an attendee.' });
    }
    // The room is booked after its free/busy check, and getSchedule takes a period shorter than 62 days.
    if (room && times.end.toMillis() - times.start.toMillis() >= GET_SCHEDULE_MAX_MS) {
      throw new ApiError('VALIDATION_FAILED', { detail: `room: a session with a room must be shorter than ${GET_SCHEDULE_MAX_DAYS} days (the room's free/busy check, getSchedule, takes no longer).` });
    }
    if (emails.length + (room ? 1 : 0) > this.deps.recipientsPerMessage) {
      throw new ApiError('VALIDATION_FAILED', { detail: `attendees: at most ${this.deps.recipientsPerMessage} recipients in one invitation, the room included (Exchange would deliver it to none).` });
    }
    const desired: SessionRevision = {
      revision: body.revision,
      cancelled: false,
      title: body.title,
      html: body.html,
      start: body.start,
      end: body.end,
      attendees: body.attendees.map((a) => ({ email: a.email.toLowerCase(), name: a.name, role: a.role ?? 'required' })),
      room,
      teams: body.teams ?? false,
      // Kept only when not the default: a revision stored before it was kept is the same revision.
      ...(body.language === 'ja' ? { language: 'ja' as const } : {})
    };
    return this.accept(catalog, sessionId, requestHashes(desired, body), () => desired);
  }

  public async cancel(catalog: string, sessionId: string, body: SessionCancelBody): Promise<{ status: SessionStatusBody; duplicate: boolean }> {
    return this.accept(catalog, sessionId, requestHashes({ cancel: body }, { cancel: body }), (existing) => {
      if (!existing) {
        throw new ApiError('SESSION_NOT_FOUND');
      }
      return { ...existing.desired, revision: body.revision, cancelled: true, message: body.message };
    });
  }

  /**
   * Stores the revision (ETag-guarded), then queues its invitation item. A repeated request
   * queues again by the same key, so a crash between the two writes is healed by the LMS's retry.
   */
  private async accept(catalog: string, sessionId: string, request: RequestHashes, next: (existing: SessionRecord | undefined) => SessionRevision): Promise<{ status: SessionStatusBody; duplicate: boolean }> {
    const { record: connection, etag } = await this.deps.connections.read(catalog);
    // A catalog that takes no new items still answers a repeat of a revision it has (the LMS retries
    // after sending was switched off): the item is queued again if it was not yet, and held.
    const refusal = refusalOf(connection, etag);
    const stored = storedRequest(request);
    for (let attempt = 1; ; attempt++) {
      const existing = await this.deps.sessions.read(catalog, sessionId);
      if (refusal && !existing) {
        throw await explained(catalog, refusal, etag, this.deps.neverConnected);
      }
      const desired = next(existing);
      // A late older revision is stale whatever the catalog's state: the LMS drops it, not waits.
      if (existing && desired.revision < existing.desired.revision) {
        throw new ApiError('SESSION_REVISION_STALE', { detail: `The session is at revision ${existing.desired.revision}.` });
      }
      if (refusal && (existing as SessionRecord).desired.revision !== desired.revision) {
        throw refusal;
      }
      if (!existing) {
        // Erased by the LMS (DELETE): a late retry of a request from before must not make a new meeting of it.
        const erased = await this.deps.sessions.erasedRevision(catalog, sessionId);
        if (erased !== undefined && desired.revision <= erased) {
          throw new ApiError('SESSION_REVISION_STALE', { detail: `The session was erased (DELETE) at revision ${erased}: a higher revision puts it again, as a new meeting.` });
        }
      }
      const chars = JSON.stringify(desired).length;
      if (chars > MAX_REVISION_CHARS) {
        throw new ApiError('VALIDATION_FAILED', { detail: `The session is too large to store: ${chars} characters of title, description, message and attendees as stored; at most ${MAX_REVISION_CHARS}.` });
      }
      let duplicate = false;
      let record = existing;
      if (existing && desired.revision === existing.desired.revision) {
        if (!sameRequest({ requestHash: existing.desiredHash, canonicalHash: existing.desiredCanonical }, request)) {
          throw new ApiError('IDEMPOTENCY_KEY_REUSED', { detail: `Revision ${desired.revision} was received with another body.` });
        }
        duplicate = true;
      } else {
        try {
          record = await this.deps.sessions.write({
            sessionId,
            catalog,
            desired,
            // The stored forms of the request's hashes (as the key rows keep them).
            desiredHash: stored.requestHash,
            desiredCanonical: stored.canonicalHash,
            sent: existing?.sent ?? null,
            attempt: existing?.attempt ?? null,
            firstSentRevision: existing?.firstSentRevision ?? null,
            outcome: existing?.outcome ?? null,
            // A row of its own: a new meeting to calendars (SessionRecord.instance); kept by the rows after it.
            ...(existing ? (existing.instance ? { instance: existing.instance } : {}) : { instance: randomBytes(12).toString('base64url') }),
            updatedAt: new Date().toISOString()
          }, existing?.etag ?? null);
        } catch (error) {
          if (error instanceof ApiError && error.code === 'CHANGED_BY_SOMEONE_ELSE') {
            if (attempt < 5) {
              continue;
            }
            // Other requests for the session kept coming first: the LMS repeats this one (as on any 503).
            throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'session changed by other requests meanwhile', retryAfterSeconds: 1 });
          }
          throw error;
        }
      }
      const [queued] = await this.deps.outbox.enqueue(catalog, [{
        key: itemKey(sessionId, desired.revision),
        ...request,
        priority: 'normal',
        session: sessionId,
        // R-LOSS-3: an invitation held (a lost connection) until its session has ended goes nowhere -
        // no meeting in the past in anyone's calendar, no room booked for it; a cancellation still goes.
        // An earlier revision's meeting that ends later keeps it until then: its pass takes that back.
        ...(desired.cancelled ? {} : { expiresAt: invitationExpiry(desired, record) }),
        // The attendees count against the mailbox's recipients a day, as Exchange counts meeting requests.
        content: { to: desired.attendees.map((a) => a.email), cc: [], bcc: [], subject: desired.title },
        parts: 1,
        firstPartRecipients: desired.attendees.length
      }], Date.now());
      if ('error' in queued) {
        throw new ApiError('IDEMPOTENCY_KEY_REUSED');
      }
      // A repeat wakes the catalog too while the item is pending: the first request may have stored
      // it and then failed to send its wake (the LMS saw 503 and repeated it).
      if (!isTerminal(queued.state.state) && sendable(connection)) {
        await this.deps.wake(catalog);
      }
      return { status: await this.view(record as SessionRecord, connection), duplicate };
    }
  }

  public async status(catalog: string, sessionId: string): Promise<SessionStatusBody> {
    const [found, { record: connection }] = await Promise.all([this.deps.sessions.read(catalog, sessionId), this.deps.connections.read(catalog)]);
    if (!found) {
      throw new ApiError('SESSION_NOT_FOUND');
    }
    let record = found;
    const sent = record.sent;
    // A room that has not answered yet answers within seconds: a read asks it. One that answered
    // tentatively waits for a delegate, maybe for days: the room-answer job asks it, not every read
    // (each would be a Graph request beside what the mailbox sends) - unless the job is off.
    const asked = `${catalog}|${sessionId}`;
    const undecided = sent?.roomAnswer === 'none' || (this.deps.roomJobOff === true && roomUndecided(sent?.roomAnswer ?? null));
    if (sent?.transport === 'graph' && sent.eventId && sent.room && undecided && !sent.cancelled && sendable(connection) && !this.roomAsked.has(asked) && !this.roomAsking.has(catalog)) {
      this.roomAsked.set(asked, true);
      this.roomAsking.add(catalog);
      record = await this.learnRoomAnswer(record, connection)
        .catch((error: unknown) => {
          this.deps.log.info({ catalog, code: codeOf(error) }, 'room answer not read');
          return record;
        })
        .finally(() => this.roomAsking.delete(catalog));
    }
    return this.view(record, connection);
  }

  /**
   * The retention job's part for sessions (SESSION_RETENTION_DAYS): a session that ended before
   * `before` - its latest revision and what the attendees received - is deleted with its
   * invitation items and their keys: its title, description and attendees are not kept for ever.
   * One with an invitation still pending (a catalog that cannot send) waits until it is final; one
   * the LMS puts again meanwhile is kept (its row's ETag).
   */
  public async forgetEnded(catalog: string, before: number): Promise<{ sessions: number; invitations: number }> {
    // The LMS's erasures are remembered as long as ended sessions are kept.
    await this.deps.sessions.forgetErasedBefore(catalog, before);
    // Only what deleting them needs is kept in memory; the catalog's items are scanned once for all.
    const ended: Array<Pick<SessionRecord, 'catalog' | 'sessionId' | 'etag'>> = [];
    for await (const record of this.deps.sessions.endedBefore(catalog, before)) {
      ended.push({ catalog: record.catalog, sessionId: record.sessionId, etag: record.etag });
    }
    if (ended.length === 0) {
      return { sessions: 0, invitations: 0 };
    }
    const { sessions, invitations } = await this.erase(catalog, ended);
    return { sessions: sessions.size, invitations };
  }

  /**
   * Deletes the sessions' invitation items (final ones, with their keys), then the rows of those
   * with none pending, each unless it changed since it was read. Answers the sessions deleted, the
   * items deleted, and the sessions kept for an item still pending.
   */
  private async erase(catalog: string, records: Array<Pick<SessionRecord, 'catalog' | 'sessionId' | 'etag'>>): Promise<{ sessions: Set<string>; invitations: number; pending: Set<string> }> {
    const { deleted, pending } = await this.deps.outbox.forgetInvitations(catalog, new Set(records.map((r) => r.sessionId)));
    const sessions = new Set<string>();
    for (const record of records.filter((r) => !pending.has(r.sessionId))) {
      if (await this.deps.sessions.remove(record)) {
        sessions.add(record.sessionId);
      }
    }
    return { sessions, invitations: deleted, pending };
  }

  /**
   * The LMS erases a session (DELETE): its row - title, description, attendees - and its invitation
   * items with their keys, as the retention job would later. Only a session that is finished for its
   * attendees: cancelled with nothing left to send (the cancellation went out, or nothing ever
   * did), or over; else SESSION_NOT_FINISHED - deleting a live one would leave its meeting in the
   * attendees' calendars with nothing to cancel it. One changed meanwhile is CHANGED_BY_SOMEONE_ELSE.
   * Its highest revision is remembered (markErased): the id is put again only at a higher one.
   */
  public async forget(catalog: string, sessionId: string): Promise<void> {
    const record = await this.deps.sessions.read(catalog, sessionId);
    if (!record) {
      throw new ApiError('SESSION_NOT_FOUND');
    }
    const cancelledAndDone = record.desired.cancelled && !record.attempt && (!record.sent || record.sent.cancelled);
    if (!cancelledAndDone && !isOver(record, Date.now())) {
      throw new ApiError('SESSION_NOT_FINISHED');
    }
    // Marked first: a crash before the row is deleted leaves a mark that refuses only what is older anyway.
    await this.deps.sessions.markErased(catalog, sessionId, record.desired.revision, Date.now());
    const { sessions, pending } = await this.erase(catalog, [record]);
    if (pending.has(sessionId)) {
      throw new ApiError('SESSION_NOT_FINISHED', { detail: 'Its invitation or cancellation is still waiting to go out.' });
    }
    if (!sessions.has(sessionId)) {
      throw new ApiError('CHANGED_BY_SOMEONE_ELSE');
    }
  }

  /**
   * The room-answer job (HealthMonitor, once per period across instances): every session whose
   * room has not answered yet reads its event's attendees, so the answer is stored (and a decline
   * fails the session with ROOM_UNAVAILABLE) whether or not the LMS reads the status meanwhile.
   * `goOn` is asked before each session (the job's lease renewed, no shutdown under way): a run
   * longer than its period keeps the lease, so another instance does not start a second run beside it.
   */
  public async learnRoomAnswers(goOn: () => Promise<boolean> = async () => true): Promise<Record<string, number>> {
    const result = { looked: 0, answered: 0, failed: 0 };
    for await (const { catalog, sessionId } of this.deps.sessions.awaitingRoomAnswer()) {
      if (!(await goOn())) {
        break;
      }
      result.looked++;
      try {
        const [record, { record: connection }] = await Promise.all([this.deps.sessions.read(catalog, sessionId), this.deps.connections.read(catalog)]);
        if (!record || !sendable(connection)) {
          continue;
        }
        const learned = await this.learnRoomAnswer(record, connection);
        result.answered += learned.sent?.roomAnswer !== record.sent?.roomAnswer ? 1 : 0;
      } catch (error) {
        result.failed++;
        this.deps.log.info({ catalog, code: codeOf(error) }, 'room answer not read');
      }
    }
    return result;
  }

  /**
   * The room's mailbox answers the organiser asynchronously, as Exchange's resource booking
   * assistant does: its response shows in the event's attendees once it has answered.
   */
  private async learnRoomAnswer(record: SessionRecord, connection: ConnectionRecord): Promise<SessionRecord> {
    const sent = record.sent as NonNullable<SessionRecord['sent']>;
    if (sent.organizer && sent.organizer !== connection.account?.email.toLowerCase()) {
      // The event is in its organiser's mailbox: the catalog, connected as another account, cannot read it.
      return record;
    }
    const graph = await this.graph(connection);
    try {
      const event = await graph.call<{ attendees?: Array<{ emailAddress: { address: string }; type: string; status?: { response?: string } }> }>('GET', `/me/events/${encodeURIComponent(sent.eventId as string)}?$select=attendees`, undefined, IMMUTABLE_ID);
      const answer = roomAnswerOf(event ?? {}, sent.room as string);
      if (answer === 'none' || answer === sent.roomAnswer) {
        return record;
      }
      const declined = answer === 'declined' && record.outcome?.revision === sent.revision;
      return await this.deps.sessions.write({
        ...record,
        sent: { ...sent, roomAnswer: answer },
        outcome: declined && record.outcome ? { ...record.outcome, code: 'ROOM_UNAVAILABLE' } : record.outcome,
        updatedAt: new Date().toISOString()
      }, record.etag);
    } finally {
      await graph.close();
    }
  }

  private async view(record: SessionRecord, connection: ConnectionRecord): Promise<SessionStatusBody> {
    const d = record.desired;
    const sent = record.sent;
    const outcome = record.outcome && record.outcome.revision === d.revision ? record.outcome : null;
    let status: SessionStatusBody['status'];
    let code: ErrorCode | null = null;
    if (outcome?.code) {
      status = 'failed';
      code = outcome.code;
    } else if (outcome) {
      status = d.cancelled ? 'cancelled' : record.firstSentRevision === d.revision ? 'scheduled' : 'updated';
    } else {
      const id = await this.deps.outbox.idForKey(record.catalog, itemKey(record.sessionId, d.revision), 'invitation');
      const item = id ? await this.deps.outbox.read(record.catalog, id) : undefined;
      if (item?.state.state === 'failed') {
        status = 'failed';
        code = item.state.lastCode;
      } else if (item?.state.state === 'expired') {
        // Held until the session had ended (the item expires at its end): nothing went out for this revision.
        status = 'failed';
        code = 'SESSION_ENDED';
      } else if (!sendable(connection)) {
        status = 'held';
        code = heldCode(connection);
      } else {
        status = 'queued';
        code = item?.state.lastCode ?? null;
      }
    }
    return {
      sessionId: record.sessionId,
      catalog: record.catalog,
      revision: d.revision,
      sentRevision: sent?.revision ?? null,
      status,
      code,
      notes: outcome?.notes ?? [],
      transport: sent?.transport ?? null,
      organizer: sent?.organizer ?? null,
      joinUrl: sent?.joinUrl ?? null,
      room: sent?.room && sent.roomAnswer ? { email: sent.room, answer: sent.roomAnswer } : null,
      uid: sent?.uid ?? null,
      updatedAt: record.updatedAt
    };
  }

  /**
   * A Graph transport of the catalog's connected account - Modern's, whichever transport its mail
   * takes (the calendar of one sending over SMTP); rooms need one (R-CLS-4).
   */
  private async graph(connection: ConnectionRecord): Promise<GraphMailTransport> {
    if (connection.method !== 'modern') {
      throw new ApiError('ROOMS_NOT_AVAILABLE');
    }
    const transport = await this.deps.credentials.open(connection);
    if (transport.kind === 'graph') {
      return transport as GraphMailTransport;
    }
    // The calendar needs nothing of the SMTP transport it came with (its pool, never used, closes now).
    const calendar = transport.calendar?.();
    await transport.close();
    if (!calendar) {
      throw new ApiError('ROOMS_NOT_AVAILABLE');
    }
    return calendar;
  }

  /** The tenant's rooms (Graph places), cached per catalog (by its key: any spelling of its URL). */
  public async listRooms(catalog: string): Promise<RoomsBody> {
    // The catalog is asked first: a cached list is no answer for a catalog switched off or disconnected since.
    const connection = await acceptingRecord(this.deps.connections, catalog, this.deps.neverConnected);
    const cached = this.rooms.get(catalogKey(catalog));
    if (cached) {
      return { items: cached };
    }
    const graph = await this.graph(connection);
    type Place = { emailAddress: string; displayName: string; capacity?: number | null; building?: string | null; floorNumber?: number | null };
    // Every room, page after page: a tenant can have more than a page holds.
    const places = (): Promise<Place[]> => graph.list<Place>(`/places/microsoft.graph.room?$top=${PLACES_PAGE}`, { pageSize: PLACES_PAGE });
    try {
      const answer = await places().catch(async (error: unknown) => {
        // A token issued before a tenant admin granted Place.Read.All does not carry it (Entra puts
        // the scopes granted at issue in a token), and the API keeps a token for up to an hour:
        // once the tenant says it is granted, a new token is asked for, so the LMS, which never
        // opens the page, gets rooms at once.
        const granted = error instanceof ApiError && error.code === 'PERMISSIONS_MISSING' && (await this.deps.roomsGranted?.(connection.homeAccountId).catch(() => false));
        if (!granted) {
          throw error;
        }
        await graph.renewToken();
        return places();
      });
      const items = answer.map((r) => ({ email: r.emailAddress.toLowerCase(), name: r.displayName, capacity: r.capacity ?? null, building: r.building ?? null, floor: r.floorNumber ?? null }));
      this.rooms.set(catalogKey(catalog), items);
      return { items };
    } catch (error) {
      // Place.Read.All waits for a tenant admin (R-MOD-5): only rooms are unavailable.
      if (error instanceof ApiError && error.code === 'PERMISSIONS_MISSING') {
        throw new ApiError('ROOMS_NOT_AVAILABLE', { upstream: error.upstream });
      }
      throw error;
    } finally {
      await graph.close();
    }
  }

  /** A room's display name when the rooms list knows it (for the invitation's location). */
  public async roomName(catalog: string, room: string): Promise<string | null> {
    return this.rooms.get(catalogKey(catalog))?.find((r) => r.email === room)?.name ?? null;
  }

  /** Free/busy of rooms in a range by getSchedule, so the LMS offers only free rooms (R-USE-3). */
  public async availability(catalog: string, query: { start: string; end: string; rooms?: string }): Promise<RoomAvailabilityBody> {
    const start = instant(query.start, 'start');
    const end = instant(query.end, 'end');
    if (!(end > start)) {
      throw new ApiError('VALIDATION_FAILED', { detail: 'end is not after start.' });
    }
    if (end - start >= GET_SCHEDULE_MAX_MS) {
      throw new ApiError('VALIDATION_FAILED', { detail: `The range must be shorter than ${GET_SCHEDULE_MAX_DAYS} days (getSchedule's limit).` });
    }
    const rooms = query.rooms
      ? [...new Set(query.rooms.split(',').map((r) => r.trim().toLowerCase()).filter(Boolean))]
      : (await this.listRooms(catalog)).items.map((r) => r.email);
    if (!query.rooms && rooms.length > MAX_ROOMS) {
      throw new ApiError('VALIDATION_FAILED', { detail: `rooms: the tenant has ${rooms.length} rooms; name at most ${MAX_ROOMS}.` });
    }
    if (rooms.length === 0 || rooms.length > MAX_ROOMS) {
      throw new ApiError('VALIDATION_FAILED', { detail: `rooms: between 1 and ${MAX_ROOMS} addresses.` });
    }
    // Graph's getSchedule would refuse the whole request for one of them (read as "the room was busy").
    const malformed = rooms.findIndex((r) => !/^[^\s@,;<>"]{1,64}@[^\s@,;<>"]+\.[^\s@,;<>"]+$/.test(r) || r.length > 254);
    if (malformed >= 0) {
      // Named by its place, like every other refusal: an answer never repeats what was sent.
      throw new ApiError('VALIDATION_FAILED', { detail: `rooms: address ${malformed + 1} is not an email address.` });
    }
    const graph = await this.graph(await acceptingRecord(this.deps.connections, catalog, this.deps.neverConnected));
    try {
      const busy = await roomSchedules(graph, rooms, start, end);
      return {
        items: rooms.map((email) => {
          const known = busy.get(email.toLowerCase());
          // A room Exchange did not answer for is not offered as free.
          const intervals = (known ?? []).filter((b) => b.start < end && b.end > start);
          return { email, free: known !== undefined && known !== null && intervals.length === 0, busy: intervals.map((b) => ({ start: new Date(b.start).toISOString(), end: new Date(b.end).toISOString() })) };
        })
      };
    } finally {
      await graph.close();
    }
  }
}
