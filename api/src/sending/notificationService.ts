import type { ConnectionStore } from '../connections/connectionStore';
import type { OutboxSummary } from '../connections/connectionService';
import type { ConnectionRecord } from '../connections/model';
import type { FastifyBaseLogger } from 'fastify';
import { ApiError, codeOf, instant, logFields } from '../errors/apiError';
import { messageIdFor, recipientCount, splitRecipients } from '../mail/message';
import { explained, heldCode, NeverConnected, refusalOf, sendable } from './engine';
import type { NotificationStatus as Status } from './outboxItem';
import { dueAtOf, isCancellable, isExpired, isTerminal, ItemState, transition } from './outboxItem';
import type { AccountPacing } from './pacer';
import { EnqueueOutcome, OutboxStore, requestHashes, STORED_CONTENT_CHARS, storedChars, WIRE_CONTENT_BYTES, wireBytes } from './outboxStore';
import { DeliveriesBody, ERROR_CATALOGUE, DeliveriesQueryType, ErrorCode, Language, MAX_RECIPIENTS, NotificationBody, NotificationStatusBody } from '@lms-m365/contracts';

/** The deliveries list reads at most this many notifications of a catalog. */
const DELIVERIES_SCAN = 5000;

/** How far ahead a notification may be due (its notBefore). */
export const NOT_BEFORE_MAX_DAYS = 366;

export interface NotificationDeps {
  connections: ConnectionStore;
  outbox: OutboxStore;
  /** Wakes a worker for the catalog (now, or when its first item is due). */
  wake: (catalog: string, delayMs: number) => Promise<void>;
  recipientsPerMessage: number;
  messageIdDomain: string;
  /**
   * Why a mailbox's due messages of `recipients` are held back a while (the engine's pacing).
   * Never rejects: undefined when the budget cannot be read (app.ts logs it) - it only explains a wait.
   */
  pacing?: (mailbox: string, recipients: number) => Promise<AccountPacing | undefined>;
  neverConnected?: NeverConnected;
  now?: () => number;
  log?: Pick<FastifyBaseLogger, 'warn'>;
}

export type KeyedNotification = NotificationBody & { key: string };

export type QueuedOutcome = { key: string; id: string; status: Status; duplicate: boolean } | { key: string; existingId?: string; error: { code: 'IDEMPOTENCY_KEY_REUSED'; title: string; detail: string } };


const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * What the LMS sees of a stored state: queued items of a catalog that cannot send now are held;
 * one past its expiry is expired, although only the catalog's next drain records it so (a held
 * catalog is not drained, and nothing can send it any more: the drain expires it before sending).
 */
export function visibleStatus(state: ItemState, record: ConnectionRecord, now: number): Status {
  if (state.state === 'queued' && isExpired(state, now)) {
    return 'expired';
  }
  return state.state === 'queued' && !sendable(record) ? 'held' : state.state;
}

/**
 * The reason code shown with a status: why it is held, why it expired or failed; once sent, why
 * some recipients did not get it (refused by the mail service), else none.
 */
function statusCode(status: Status, state: ItemState, record: ConnectionRecord): ErrorCode | null {
  if (status === 'held') {
    return heldCode(record);
  }
  if (status === 'expired') {
    return 'MESSAGE_EXPIRED';
  }
  return status === 'sent' ? state.refused?.code ?? null : state.lastCode;
}

/** Why a notification cannot be cancelled, for the LMS's developer (a problem's detail). */
function notCancellable(status: Status, state: ItemState): string {
  if (status !== 'queued' && status !== 'held') {
    return `Its status is ${status}.`;
  }
  if (state.partsSent > 0) {
    return 'Some of its recipients have it already: a long list goes out as several messages, and the rest get it too.';
  }
  return 'A try to send it got no clear answer from the mail service, which may have taken it: it goes again under the same Message-ID.';
}

/** The later of two ISO times (the second may be missing). */
const laterOf = (a: string, b: string | undefined): string => (b !== undefined && Date.parse(b) > Date.parse(a) ? b : a);

/** When a queued item that is not due yet goes (its notBefore, or its next try after a passing fault); else none. */
function dueAt(status: Status, state: ItemState, now: number): string | undefined {
  const due = dueAtOf(state);
  return status === 'queued' && due > now ? iso(due) : undefined;
}

/**
 * Where a deliveries page starts: after the item its cursor names (`<queued at ms>.<id>`, the last
 * item of the previous page) - deliveries queued since the previous page come before it and do
 * not shift the next one onto items already listed. A plain number is an offset, as cursors were
 * before (a page loaded before an upgrade still goes on).
 */
function pageStart(listed: Array<{ at: number; id: string }>, cursor: string | undefined): number {
  if (cursor === undefined) {
    return 0;
  }
  const dot = cursor.indexOf('.');
  if (dot < 0) {
    return Number(cursor);
  }
  const at = Number(cursor.slice(0, dot));
  const id = cursor.slice(dot + 1);
  const next = listed.findIndex((item) => item.at < at || (item.at === at && item.id < id));
  return next < 0 ? listed.length : next;
}

/**
 * The LMS back end's side of the outbox (R-OPS-4): queue notifications idempotently for a
 * catalog that can send (or is held), and read one's status and history.
 */
export class NotificationService {
  private readonly now: () => number;

  public constructor(private readonly deps: NotificationDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The request's own checks; an expiry already past is the caller's (a repeat of a stored request may have one). */
  private validate(item: KeyedNotification, position: string, now: number): { notBefore?: number; expiresAt?: number } {
    // An address listed twice counts once (it gets the notification once).
    const count = new Set([...(item.to ?? []), ...(item.cc ?? []), ...(item.bcc ?? [])].map((a) => a.toLowerCase())).size;
    const problem = (detail: string): ApiError => new ApiError('VALIDATION_FAILED', { detail: `${position}${detail}` });
    if (count === 0) {
      throw problem('At least one recipient (to, cc or bcc) is required.');
    }
    if (count > MAX_RECIPIENTS) {
      throw problem(`At most ${MAX_RECIPIENTS} recipients in one notification.`);
    }
    if (item.html === undefined && item.text === undefined) {
      throw problem('A body (html or text) is required.');
    }
    const notBefore = item.notBefore ? instant(item.notBefore, `${position}notBefore`) : undefined;
    const expiresAt = item.expiresAt ? instant(item.expiresAt, `${position}expiresAt`) : undefined;
    if (expiresAt !== undefined && notBefore !== undefined && expiresAt <= notBefore) {
      throw problem('expiresAt is not after notBefore.');
    }
    // What waits keeps its recipients and body stored, and the retention job deletes only what is
    // final: a notification due in 2099 would keep them for ever. A repeat comes later, so nearer.
    if (notBefore !== undefined && notBefore > now + NOT_BEFORE_MAX_DAYS * 86_400_000) {
      throw problem(`notBefore is more than ${NOT_BEFORE_MAX_DAYS} days ahead: queue it nearer the time.`);
    }
    return { notBefore, expiresAt };
  }

  /** `batch`: the items came as a batch, so a problem's detail names its item (`items[0]: `) even when it is the only one. */
  public async queue(catalog: string, items: KeyedNotification[], language: Language = 'en', batch = items.length > 1): Promise<QueuedOutcome[]> {
    const now = this.now();
    const at = (i: number): string => (batch ? `items[${i}]: ` : '');
    const prepared = items.map((item, i) => {
      const { key, ...body } = item;
      const times = this.validate(item, at(i), now);
      const lower = (list: string[] | undefined): string[] => (list ?? []).map((a) => a.toLowerCase());
      const asked = { to: lower(item.to), cc: lower(item.cc), bcc: lower(item.bcc), subject: item.subject, html: item.html, text: item.text };
      // An address listed twice (in another case, or in To and Bcc) is sent where it comes first:
      // Exchange delivers a message once to an address, but a list cut into several messages
      // would reach it once a message, and the mailbox's budget would count it twice. Idempotency
      // still compares the lists as asked.
      const seen = new Set<string>();
      const once = (list: string[]): string[] => list.filter((a) => !seen.has(a) && Boolean(seen.add(a)));
      const content = { ...asked, to: once(asked.to), cc: once(asked.cc), bcc: once(asked.bcc) };
      const chars = storedChars(content);
      if (chars > STORED_CONTENT_CHARS) {
        throw new ApiError('NOTIFICATION_TOO_LARGE', { detail: `${at(i)}${chars} characters of subject, bodies and recipients; at most ${STORED_CONTENT_CHARS}.` });
      }
      // Within the characters, what storage is sent can still be too large: UTF-8 costs up to three
      // bytes a character, and a control character escaped in JSON six.
      const bytes = wireBytes(content);
      if (bytes > WIRE_CONTENT_BYTES) {
        throw new ApiError('NOTIFICATION_TOO_LARGE', { detail: `${at(i)}${bytes} bytes of subject, bodies and recipients as stored (UTF-8; a control character counts six); at most ${WIRE_CONTENT_BYTES}.` });
      }
      const parts = splitRecipients(content, this.deps.recipientsPerMessage);
      const priority = item.priority ?? 'normal';
      return {
        key, priority, ...times, content, wireBytes: bytes, parts: parts.length, perMessage: this.deps.recipientsPerMessage, firstPartRecipients: recipientCount(parts[0]),
        ...requestHashes({ priority, ...times, content: asked }, body)
      };
    });
    const { record, etag } = await this.deps.connections.read(catalog);
    const refusal = refusalOf(record, etag);
    let outcomes: Awaited<ReturnType<OutboxStore['enqueue']>>;
    const late = (i: number): boolean => prepared[i].expiresAt !== undefined && (prepared[i].expiresAt as number) <= now;
    const pastExpiry = (i: number): ApiError => new ApiError('VALIDATION_FAILED', { detail: `${at(i)}expiresAt is in the past.` });
    if (refusal) {
      // A repeat of what is stored is answered as such although a new request would be refused:
      // the LMS retries after sending was switched off (or the account disconnected) since its first try.
      const known = await this.deps.outbox.known(catalog, prepared, true);
      const lateAndNew = prepared.findIndex((_, i) => late(i) && !known[i]);
      // (`known` stops at the first group that holds a new key: a shorter answer has one too.)
      if (known.some((k) => !k)) {
        throw lateAndNew >= 0 ? pastExpiry(lateAndNew) : await explained(catalog, refusal, etag, this.deps.neverConnected);
      }
      return this.answers(items, known as EnqueueOutcome[], record, now, language);
    }
    const lateIndexes = prepared.flatMap((_, i) => (late(i) ? [i] : []));
    if (lateIndexes.length > 0) {
      // ... and after its expiry passed (the LMS timed out on it, and repeats it later).
      const known = await this.deps.outbox.known(catalog, lateIndexes.map((i) => prepared[i]), true);
      const first = lateIndexes.find((_, j) => !known[j]);
      if (first !== undefined) {
        throw pastExpiry(first);
      }
    }
    try {
      outcomes = await this.deps.outbox.enqueue(catalog, prepared, now);
      // A repeated request wakes the catalog too while what it answers is pending: the first one
      // may have stored the items and then failed to send its wake (the LMS saw 503 and repeated it).
      const pending = outcomes.some((o) => !('error' in o) && !isTerminal(o.state.state));
      if (pending && sendable(record)) {
        const firstDue = Math.min(...prepared.map((p) => p.notBefore ?? now));
        await this.deps.wake(catalog, Math.max(0, firstDue - now));
      }
    } catch (error) {
      // Storage failed part way (a batch is several transactions, and the wake comes after them):
      // some may be stored, so "nothing was changed" would be untrue - the keys make a repeat safe.
      if (error instanceof ApiError && error.code === 'SERVICE_UNAVAILABLE') {
        const detail = items.length === 1
          ? 'The notification may be stored. Repeat the request with the same Idempotency-Key: if it was stored it is answered with its id, and it is never stored or sent twice.'
          : 'Some of the notifications may be stored. Repeat the request with the same idempotency keys: those stored are answered with their ids, none is stored or sent twice.';
        throw new ApiError('SERVICE_UNAVAILABLE', { upstream: error.upstream, retryAfterSeconds: error.retryAfterSeconds, detail });
      }
      throw error;
    }
    return this.answers(items, outcomes, record, this.now(), language);
  }

  private answers(items: KeyedNotification[], outcomes: EnqueueOutcome[], record: ConnectionRecord, now: number, language: Language): QueuedOutcome[] {
    return outcomes.map((outcome, i) => 'error' in outcome
      ? { key: items[i].key, ...(outcome.existingId ? { existingId: outcome.existingId } : {}), error: { code: outcome.error, title: ERROR_CATALOGUE[outcome.error].title[language], detail: outcome.sameAs !== undefined ? `items[${outcome.sameAs}] of this batch has the same key with another body.` : 'The key was used before with another body: existingId is the notification it made.' } }
      : { key: items[i].key, id: outcome.id, status: visibleStatus(outcome.state, record, now), duplicate: outcome.duplicate });
  }

  /**
   * The LMS cancels a notification that waits (queued or held): a conditional write of its queue
   * row, so of a cancel and a worker's claim that read the same state only one goes through - a
   * notification is cancelled or sent, never both. Cancelling it again answers its status; one
   * being sent, final, sent in part or whose try the mail service may have taken
   * (`isCancellable`) is NOTIFICATION_NOT_CANCELLABLE. A session's invitation is
   * not a notification (its session is cancelled instead).
   */
  public async cancel(catalog: string, id: string): Promise<NotificationStatusBody> {
    // A worker's claim may win the race between the read and the write: read again and decide again.
    for (let round = 0; ; round++) {
      const [item, { record }] = await Promise.all([this.deps.outbox.readForUpdate(catalog, id), this.deps.connections.read(catalog)]);
      if (!item || item.kind !== 'notification') {
        throw new ApiError('NOTIFICATION_NOT_FOUND');
      }
      if (item.state.state === 'cancelled') {
        return this.status(catalog, id);
      }
      const status = visibleStatus(item.state, record, this.now());
      if ((status !== 'queued' && status !== 'held') || !isCancellable(item.state)) {
        throw new ApiError('NOTIFICATION_NOT_CANCELLABLE', { detail: notCancellable(status, item.state) });
      }
      try {
        await this.deps.outbox.update(item, transition(item.state, { type: 'cancel', now: this.now() }));
      } catch (error) {
        if (codeOf(error) !== 'CHANGED_BY_SOMEONE_ELSE') {
          throw error;
        }
        if (round >= 4) {
          // Workers keep changing it: nothing changed here, and a repeat decides again.
          throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'notification changed five times while it was cancelled', retryAfterSeconds: 1, detail: 'The notification kept changing while it was cancelled: nothing was changed. Repeat the request.' });
        }
        continue;
      }
      // Counted for the restored notice's figures only: a count not written does not undo the cancel.
      await this.deps.outbox.recordDrain(catalog, { sent: 0, expired: 0, failed: 0, cancelled: 1, lastSentAt: null })
        .catch((error: unknown) => this.deps.log?.warn({ catalog, notification: item.id, ...logFields(error) }, 'outbox counters not recorded: a cancel'));
      return this.status(catalog, id);
    }
  }

  /** A notification's status and history. A session's invitation is read through its session (its item's id is no notification's). */
  public async status(catalog: string, id: string): Promise<NotificationStatusBody> {
    const [item, { record }] = await Promise.all([this.deps.outbox.read(catalog, id), this.deps.connections.read(catalog)]);
    if (!item || item.kind !== 'notification') {
      throw new ApiError('NOTIFICATION_NOT_FOUND');
    }
    const s = item.state;
    const now = this.now();
    const status = visibleStatus(s, record, now);
    // Due, queued and held back by the account's daily limit: the LMS is told why, and until when.
    const due = dueAt(status, s, now);
    const next = status === 'queued' && !due
      ? splitRecipients(item.content, s.perMessage ?? this.deps.recipientsPerMessage)[s.partsSent]
      : undefined;
    const pacing = next ? await this.pacingFor(record, Math.max(1, recipientCount(next))) : undefined;
    return {
      id: item.id,
      catalog: item.catalog,
      status,
      code: statusCode(status, s, record),
      priority: s.priority,
      // Counted when queued: a final item's addresses are dropped after OUTBOX_CONTENT_DAYS.
      recipients: item.recipientCount ?? recipientCount(item.content),
      createdAt: iso(s.enqueuedAt),
      notBefore: iso(s.notBefore),
      expiresAt: s.expiresAt === null ? null : iso(s.expiresAt),
      sentAt: s.sentAt === null ? null : iso(s.sentAt),
      ...(due ? { dueAt: due } : {}),
      attempts: s.attempts,
      resubmissions: s.resubmissions,
      ...(pacing ? { pacing: { reason: pacing.reason, resumesAt: iso(pacing.until) } } : {}),
      ...(s.refused && status === 'sent' ? { refusedRecipients: s.refused.recipients } : {}),
      messageId: messageIdFor(item.id, 0, this.deps.messageIdDomain),
      history: [
        ...s.history.map((h) => ({ at: h.at, status: h.status, ...(h.code ? { code: h.code } : {}), ...(h.resubmission ? { resubmission: true } : {}) })),
        // Expired before a drain recorded it (a held catalog is not drained): its history says so too.
        ...(status === 'expired' && s.state !== 'expired' && s.expiresAt !== null ? [{ at: laterOf(iso(s.expiresAt), s.history[s.history.length - 1]?.at), status: 'expired' as const, code: 'MESSAGE_EXPIRED' }] : [])
      ]
    };
  }

  /**
   * Recent deliveries for the catalog's admins (R-OPS-2), newest first, with counts by status:
   * subject, recipient count, status and reason code - never an address or a body.
   */
  public async deliveries(catalog: string, query: DeliveriesQueryType): Promise<DeliveriesBody> {
    const [rows, { record }] = await Promise.all([this.deps.outbox.summaries(catalog, DELIVERIES_SCAN + 1), this.deps.connections.read(catalog)]);
    const truncated = rows.length > DELIVERIES_SCAN;
    const now = this.now();
    const all = rows.slice(0, DELIVERIES_SCAN).map((row) => {
      const status = visibleStatus(row.state, record, now);
      const last = row.state.history[row.state.history.length - 1];
      const due = dueAt(status, row.state, now);
      return {
        at: row.state.enqueuedAt,
        id: row.id,
        kind: row.kind,
        subject: row.subject,
        recipients: row.recipients,
        status,
        code: statusCode(status, row.state, record),
        ...(row.state.refused && status === 'sent' ? { refusedRecipients: row.state.refused.recipients } : {}),
        createdAt: iso(row.state.enqueuedAt),
        sentAt: row.state.sentAt === null ? null : iso(row.state.sentAt),
        ...(due ? { dueAt: due } : {}),
        updatedAt: last?.at ?? iso(row.state.enqueuedAt)
      };
    });
    const counts = { queued: 0, sending: 0, sent: 0, held: 0, expired: 0, failed: 0, cancelled: 0 };
    all.forEach((item) => counts[item.status]++);
    const listed = all.filter((item) => !query.status || item.status === query.status).sort((a, b) => b.at - a.at || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0));
    const limit = Number(query.limit ?? 25);
    const start = pageStart(listed, query.cursor);
    const items = listed.slice(start, start + limit);
    const last = items[items.length - 1];
    return {
      counts,
      items: items.map(({ at: _at, ...item }) => item),
      nextCursor: last && start + limit < listed.length ? `${last.at}.${last.id}` : null,
      truncated
    };
  }

  /** Why the connected account holds back a due message of `recipients` now, if it does. */
  private async pacingFor(record: ConnectionRecord, recipients: number): Promise<AccountPacing | undefined> {
    return record.account && this.deps.pacing ? this.deps.pacing(record.account.email, recipients) : undefined;
  }

  /** The catalog's outbox at a glance, for the connection view. */
  public async summary(record: ConnectionRecord): Promise<OutboxSummary> {
    // Those past their expiry are not counted: they will not go out (the next drain records them expired).
    const [{ count: waiting, fewestDueRecipients }, lastSentAt] = await Promise.all([this.deps.outbox.waiting(record.catalog, undefined, this.now()), this.deps.outbox.lastSentAt(record.catalog)]);
    const held = sendable(record) ? 0 : waiting;
    // Only what is due can be held back by the account's limit (the rest waits for its own time).
    const pacing = held === 0 && fewestDueRecipients !== null ? await this.pacingFor(record, fewestDueRecipients) : undefined;
    return { waiting, held, lastSentAt, ...(pacing ? { pacing: { reason: pacing.reason, resumesAt: iso(pacing.until), recipientsPerDay: pacing.recipientsPerDay } } : {}) };
  }
}
