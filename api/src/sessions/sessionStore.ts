import { createHash } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import type { ErrorCode, LocalDateTimeType } from '@lms-m365/contracts';
import { textChunks } from '../storage/chunks';
import { catalogKey, conditionalWriteError, readEntity, statusOf, storageError } from '../storage/tables';
import { sessionTimes } from './time';

export type RoomAnswer = 'none' | 'accepted' | 'tentativelyAccepted' | 'declined';

/**
 * Whether the room may still answer: it has not, or it answered tentatively - a room whose
 * requests a delegate approves ("awaiting approval") - and the delegate's accept or decline is to come.
 */
export const roomUndecided = (answer: RoomAnswer | null): boolean => answer === 'none' || answer === 'tentativelyAccepted';

/** One revision of a session as the LMS put it (or cancelled it). */
export interface SessionRevision {
  revision: number;
  cancelled: boolean;
  /** The cancellation's message. */
  message?: string;
  title: string;
  html?: string;
  start: LocalDateTimeType;
  end: LocalDateTimeType;
  attendees: Array<{ email: string; name?: string; role: 'required' | 'optional' }>;
  room: string | null;
  teams: boolean;
  /** The words the API adds to an iCalendar invitation (SMTP); absent: English. */
  language?: 'ja';
}

/** What the attendees last received, and where the invitation lives (Graph event or iCalendar UID). */
export interface SentState {
  revision: number;
  transport: 'graph' | 'smtp';
  /**
   * The account it went out as (lower case): the meeting's organiser, the only one attendees'
   * calendars take its changes from. Absent in rows written before it was kept: taken as the
   * account connected now.
   */
  organizer?: string;
  cancelled: boolean;
  eventId: string | null;
  uid: string;
  /** iCalendar SEQUENCE of the last message (SMTP); Graph keeps its own. */
  sequence: number;
  attendees: string[];
  room: string | null;
  roomAnswer: RoomAnswer | null;
  joinUrl: string | null;
  start: LocalDateTimeType;
  end: LocalDateTimeType;
}

/**
 * A submission under way, stored before it and cleared with its outcome: what it may have left with
 * the attendees if the pass ends (a crash, a lost answer, a refused write) before that outcome is
 * recorded. Graph: the event it creates (`transactionId`, also the value of the tag the event is
 * made with, by which the next pass finds it; the event's id is only known from Graph's answer).
 * SMTP: the state its message leaves.
 */
export interface Attempt extends SentState {
  transactionId: string | null;
}

/** How the last processed revision ended: failed with a code, or sent with notes of what the transport could not do. */
export interface SessionOutcome {
  revision: number;
  code: ErrorCode | null;
  notes: ErrorCode[];
}

export interface SessionRecord {
  sessionId: string;
  catalog: string;
  /** The latest revision received: what the attendees should have. */
  desired: SessionRevision;
  /**
   * Hash of the request that made `desired` (the same revision twice is a duplicate only with the
   * same body), in the earlier form (an earlier version beside this one compares it).
   */
  desiredHash: string;
  /** This version's request hash of the revision (absent in rows an earlier version wrote). */
  desiredCanonical?: string;
  sent: SentState | null;
  /** A submission under way (or one whose pass ended before its outcome was recorded). */
  attempt: Attempt | null;
  firstSentRevision: number | null;
  outcome: SessionOutcome | null;
  /**
   * Made when the LMS first put the session (absent in rows written before it was kept): its
   * iCalendar UID and Graph create tags derive from it, so a session id put again after its row
   * was deleted (DELETE, retention) is a new meeting to calendars, not the old one's sequel
   * (RFC 5545 3.8.4.7: a UID is unique; an old UID at SEQUENCE 0 would read as out of date).
   */
  instance?: string;
  updatedAt: string;
  etag: string;
}

/** What the session's UID and create tags derive from beside its catalog and id (see SessionRecord.instance). */
export const instanceSuffix = (record: Pick<SessionRecord, 'instance'>): string => (record.instance ? `\n${record.instance}` : '');

/** When the session ends (ms), or null when its times cannot be read. */
export function endOf(times: Pick<SentState, 'start' | 'end'>): number | null {
  try {
    return sessionTimes(times.start, times.end).end.toMillis();
  } catch {
    return null;
  }
}

/** Whether the session's end has passed (a time that cannot be read has not). */
export function hasEnded(sent: Pick<SentState, 'start' | 'end'>, now: number): boolean {
  const end = endOf(sent);
  return end !== null && end <= now;
}

/**
 * Ended before `at` - the LMS's latest revision, what went out, and what an unrecorded submission
 * (the attempt) may have put in calendars. An attempt left by a pass that failed uncertainly (a
 * 5xx, a timeout) stays on the row until a later pass resolves it, and none comes once the
 * session ended (its items expire): such a session is over all the same once the attempt's own
 * meeting has ended, or its title and attendees would be kept for ever.
 */
export function isOver(record: Pick<SessionRecord, 'attempt' | 'desired' | 'sent'>, at: number): boolean {
  return hasEnded(record.desired, at) && (!record.sent || hasEnded(record.sent, at)) && (!record.attempt || hasEnded(record.attempt, at));
}

const hashOf = (sessionId: string): string => createHash('sha256').update(sessionId, 'utf8').digest('hex');
const rowOf = (sessionId: string): string => `s|${hashOf(sessionId)}`;
/** The row that remembers a session the LMS erased (DELETE): its highest revision and when, nothing of the person. */
const erasedRowOf = (sessionId: string): string => `e|${hashOf(sessionId)}`;

/** A session row as the store reads it (its chunked properties joined). */
function toRecord(entity: Record<string, unknown> & { etag: string }): SessionRecord {
  const joined = (prefix: string): string => {
    let text = '';
    for (let i = 0; i < Number(entity[`${prefix}n`]); i++) {
      text += String(entity[`${prefix}${i}`] ?? '');
    }
    return text;
  };
  const json = <T>(name: string): T | null => (typeof entity[name] === 'string' && entity[name] !== '' ? (JSON.parse(entity[name] as string) as T) : null);
  // The attendees who have (or may have) the meeting are in chunk properties of their own (rows
  // written earlier hold `sent`'s in `sent`).
  const withAttendees = <T extends SentState>(name: string, prefix: string): T | null => {
    const state = json<T>(name);
    if (state && entity[`${prefix}n`] !== undefined) {
      state.attendees = JSON.parse(joined(prefix)) as string[];
    }
    return state;
  };
  const sent = withAttendees<SentState>('sent', 'sa');
  const attempt = withAttendees<Attempt>('attempt', 'aa');
  return {
    sessionId: String(entity.sessionId),
    catalog: String(entity.catalog),
    desired: JSON.parse(joined('d')) as SessionRevision,
    desiredHash: String(entity.desiredHash),
    ...(typeof entity.desiredCanonical === 'string' ? { desiredCanonical: entity.desiredCanonical } : {}),
    sent,
    attempt,
    firstSentRevision: typeof entity.firstSentRevision === 'number' && entity.firstSentRevision > 0 ? entity.firstSentRevision : null,
    outcome: json<SessionOutcome>('outcome'),
    ...(typeof entity.instance === 'string' && entity.instance !== '' ? { instance: entity.instance } : {}),
    updatedAt: String(entity.updatedAt),
    etag: entity.etag
  };
}

/**
 * Sessions of a catalog in their own table (partition per catalog, a row per session): the desired
 * revision, what went out, and the outcome. Every write is ETag-conditional, so a late older
 * revision, a redelivered outbox item or a second instance never overwrites a newer state.
 */
export class SessionStore {
  public constructor(private readonly table: TableClient) {}

  public async read(catalog: string, sessionId: string): Promise<SessionRecord | undefined> {
    const entity = await readEntity<Record<string, unknown>>(this.table, catalogKey(catalog), rowOf(sessionId));
    return entity ? toRecord(entity as Record<string, unknown> & { etag: string }) : undefined;
  }

  /**
   * The catalog's sessions that ended before `before` - the LMS's latest revision, and what went out
   * to the attendees, and what an unrecorded submission may have made (isOver): what the retention job forgets
   * (SESSION_RETENTION_DAYS). A row whose times cannot be read is not taken for ended.
   */
  public async *endedBefore(catalog: string, before: number): AsyncGenerator<SessionRecord> {
    try {
      for await (const entity of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${catalogKey(catalog)} and RowKey ge 's|' and RowKey lt 's}'` } })) {
        const record = toRecord(entity as Record<string, unknown> & { etag: string });
        if (isOver(record, before)) {
          yield record;
        }
      }
    } catch (error) {
      throw storageError(error);
    }
  }

  /** Deletes the session's row, unless it changed since it was read (a revision put meanwhile): false then, or when it is gone. */
  public async remove(record: Pick<SessionRecord, 'catalog' | 'sessionId' | 'etag'>): Promise<boolean> {
    try {
      await this.table.deleteEntity(catalogKey(record.catalog), rowOf(record.sessionId), { etag: record.etag });
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) {
        return false;
      }
      throw storageError(error);
    }
  }

  /**
   * Remembers that the LMS erased the session at `revision` (DELETE), keeping the highest: a late
   * retry of an older request must not make a new meeting of what was erased. No personal data:
   * the row key is the id's hash. Kept SESSION_RETENTION_DAYS (forgetErasedBefore).
   */
  public async markErased(catalog: string, sessionId: string, revision: number, at: number): Promise<void> {
    try {
      const before = await this.erasedRevision(catalog, sessionId);
      await this.table.upsertEntity({ partitionKey: catalogKey(catalog), rowKey: erasedRowOf(sessionId), revision: Math.max(revision, before ?? 0), erasedAt: at }, 'Replace');
    } catch (error) {
      throw storageError(error);
    }
  }

  /** The highest revision of the session the LMS erased, if it did (and the mark is still kept). */
  public async erasedRevision(catalog: string, sessionId: string): Promise<number | undefined> {
    const entity = await readEntity<{ revision?: unknown }>(this.table, catalogKey(catalog), erasedRowOf(sessionId));
    return typeof entity?.revision === 'number' ? entity.revision : undefined;
  }

  /** Deletes the catalog's erasure marks made before `before`; answers how many. */
  public async forgetErasedBefore(catalog: string, before: number): Promise<number> {
    let deleted = 0;
    try {
      for await (const entity of this.table.listEntities<{ erasedAt?: unknown }>({ queryOptions: { filter: odata`PartitionKey eq ${catalogKey(catalog)} and RowKey ge 'e|' and RowKey lt 'e}'`, select: ['PartitionKey', 'RowKey', 'erasedAt'] } })) {
        if (typeof entity.erasedAt === 'number' && entity.erasedAt < before) {
          await this.table.deleteEntity(entity.partitionKey as string, entity.rowKey as string, { etag: entity.etag });
          deleted++;
        }
      }
    } catch (error) {
      if (statusOf(error) !== 404 && statusOf(error) !== 412) {
        throw storageError(error);
      }
    }
    return deleted;
  }

  /**
   * Sessions whose booked room has not decided yet (Graph transport), across catalogs: where the
   * room-answer job looks. Not once the session has ended: a room that never answers (a mailbox
   * without auto-accept) would be asked every period for ever.
   */
  public async *awaitingRoomAnswer(now: number = Date.now()): AsyncGenerator<{ catalog: string; sessionId: string }> {
    try {
      for await (const row of this.table.listEntities<{ catalog: string; sessionId: string; sent?: string }>({ queryOptions: { select: ['catalog', 'sessionId', 'sent'] } })) {
        const sent = typeof row.sent === 'string' && row.sent !== '' ? (JSON.parse(row.sent) as SentState) : null;
        if (sent?.transport === 'graph' && sent.eventId && sent.room && roomUndecided(sent.roomAnswer) && !sent.cancelled && !hasEnded(sent, now)) {
          yield { catalog: row.catalog, sessionId: row.sessionId };
        }
      }
    } catch (error) {
      throw storageError(error);
    }
  }

  /** Creates (no etag) or replaces (etag) the session's row; CHANGED_BY_SOMEONE_ELSE when another writer came first. */
  public async write(record: Omit<SessionRecord, 'etag'>, etag: string | null): Promise<SessionRecord> {
    // A string property holds 64 KiB (32,768 UTF-16 characters): the revision, and the list of
    // attendees who have the meeting (500 addresses pass it), are cut into chunk properties.
    const chunked = (prefix: string, text: string): Record<string, unknown> => {
      const pieces = textChunks(text);
      return Object.fromEntries([[`${prefix}n`, pieces.length], ...pieces.map((piece, i) => [`${prefix}${i}`, piece])]);
    };
    /** A sent state as its JSON property and its attendees in chunk properties (empty when there is none). */
    const withAttendees = (name: string, prefix: string, state: SentState | null): Record<string, unknown> => {
      if (!state) {
        return { [name]: '' };
      }
      const { attendees, ...rest } = state;
      return { [name]: JSON.stringify(rest), ...chunked(prefix, JSON.stringify(attendees)) };
    };
    const entity: Record<string, unknown> = {
      partitionKey: catalogKey(record.catalog),
      rowKey: rowOf(record.sessionId),
      sessionId: record.sessionId,
      catalog: record.catalog,
      desiredHash: record.desiredHash,
      ...(record.desiredCanonical ? { desiredCanonical: record.desiredCanonical } : {}),
      ...withAttendees('sent', 'sa', record.sent),
      ...withAttendees('attempt', 'aa', record.attempt),
      firstSentRevision: record.firstSentRevision ?? 0,
      outcome: record.outcome ? JSON.stringify(record.outcome) : '',
      ...(record.instance ? { instance: record.instance } : {}),
      updatedAt: record.updatedAt,
      ...chunked('d', JSON.stringify(record.desired))
    };
    try {
      const response = etag === null
        ? await this.table.createEntity(entity as never)
        : await this.table.updateEntity(entity as never, 'Replace', { etag });
      return { ...record, etag: response.etag ?? '' };
    } catch (error) {
      throw conditionalWriteError(error);
    }
  }
}
