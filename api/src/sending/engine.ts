import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { TableClient } from '@azure/data-tables';
import type { FastifyBaseLogger } from 'fastify';
import type { ErrorCode } from '@lms-m365/contracts';
import type { SendingConfig } from '../config/config';
import type { ConnectionStore } from '../connections/connectionStore';
import type { CredentialsProvider } from '../connections/credentials';
import { type ConnectionRecord, NEW_CONNECTION_ETAG } from '../connections/model';
import { ApiError, codeOf, logFields } from '../errors/apiError';
import type { OutboxCounters } from '../health/incident';
import { failureKind, isServiceOwnFault, needsAdmin } from '../errors/failureKind';
import { messageIdFor, recipientCount, splitRecipients } from '../mail/message';
import type { MailTransport } from '../mail/transport';
import { catalogKey } from '../storage/tables';
import { MailboxLease } from './mailboxLease';
import { GroupWriter } from './groupWriter';
import { dueAtOf, failedInPart, isClaimable, isExpired, isPastExpiry, isTerminal, ItemEvent, ItemState, Refusal, takenOver, transition } from './outboxItem';
import { DueEntry, OutboxStore, queueRowOf, storedChars, StoredItem } from './outboxStore';
import { AccountPacing, backoff, blockPause, blockPauseMs, hold, liftBlock, nextSlot, PacingLimits, pauseUntil, recordAccepted, recordFault, recordMore, recordRefused, recordSubmission, windows } from './pacer';
import { ReceivedWake, wakeDelaySeconds, WakeQueue } from './wakeQueue';

/** What the engine tells the connection's health (the same record the page shows). */
export interface HealthSink {
  /** A send showed that the connection is gone (R-LOSS-1): the catalog is held. */
  lost(record: ConnectionRecord, code: ErrorCode, upstream?: string): Promise<void>;
  /**
   * Messages went out: the connection is healthy and its tokens were used (R-LOSS-0). `since`:
   * when the drain signed in - a loss found after that (by a check) is not undone by it.
   */
  used(record: ConnectionRecord, since: number): Promise<void>;
  /**
   * Exchange stopped the account from sending (`code`), or a send went through again (null):
   * `since`, when the last one went (a block recorded after it stays); `atResolution`, the
   * outbox's counters before the drain sent what waited (the restored notice's figures).
   */
  blocked(record: ConnectionRecord, code: ErrorCode | null, lifted?: { since: number; atResolution?: OutboxCounters }): Promise<void>;
}

/** A notification's messages, cut as when it was queued (or, queued before that was kept, by the setting). */
function messagesOf(item: StoredItem, recipientsPerMessage: number): ReturnType<typeof splitRecipients> {
  return splitRecipients(item.content, item.state.perMessage ?? recipientsPerMessage);
}

/** The recipients of the messages a notification has not sent yet. */
function unreachedRecipients(item: StoredItem, recipientsPerMessage: number): number {
  return messagesOf(item, recipientsPerMessage).slice(item.state.partsSent).reduce((n, part) => n + recipientCount(part), 0);
}

/** What an invitation pass did: see InvitationSender. */
export interface InvitationPass {
  submitted: boolean;
  code?: ErrorCode;
  /** The messages it submitted and their recipients, when it submitted anything. */
  sent?: { messages: number; recipients: number };
  /** Attendees a server refused while it took the invitation for the others (counted, never named). */
  refused?: Refusal;
}

const PASS_SENT = Symbol('invitation pass sent');

/** A pass's failure after it submitted something: what went out rides along, for the budget. */
export function withPassSent(error: unknown, sent: NonNullable<InvitationPass['sent']>): unknown {
  if (typeof error === 'object' && error !== null) {
    Object.defineProperty(error, PASS_SENT, { value: sent, enumerable: false });
  }
  return error;
}

function passSentOf(error: unknown): InvitationPass['sent'] {
  return typeof error === 'object' && error !== null ? (error as { [PASS_SENT]?: InvitationPass['sent'] })[PASS_SENT] : undefined;
}

/** Sends an invitation item: its session's latest revision, through the burst's transport (api/src/sessions). */
export interface InvitationSender {
  /**
   * Whether anything went to the mail service (nothing when another item already sent the latest
   * revision), and the catalogue code when the revision failed (nothing went out then).
   */
  send(item: StoredItem, transport: MailTransport): Promise<InvitationPass>;
}

export interface EngineDeps {
  config: SendingConfig;
  connections: ConnectionStore;
  credentials: CredentialsProvider;
  outbox: OutboxStore;
  leases: TableClient;
  queue: WakeQueue;
  health: HealthSink;
  invitations?: InvitationSender;
  log: FastifyBaseLogger;
  /** A drain ended (the restored notice waits for the held items to be dealt with). */
  onDrained?: (record: ConnectionRecord) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Whether the catalog may send now: switched on (R-PAGE-3), connected, not lost (R-LOSS-2). */
export function sendable(record: ConnectionRecord): boolean {
  return record.enabled && record.method !== null && record.account !== null && record.health.state !== 'lost';
}

/** Why a catalog that is not `sendable` holds its items (the code its held items show). */
export function heldCode(record: ConnectionRecord): ErrorCode {
  return record.enabled ? record.health.code ?? 'NOT_CONNECTED' : 'CATALOG_DISABLED';
}

/**
 * The catalog's record if it may take new items: connected and switched on. Refusing the others
 * keeps the LMS from queueing into nowhere; a lost connection still takes them (held, R-LOSS-2).
 */
export async function acceptingRecord(connections: ConnectionStore, catalog: string, neverConnected?: NeverConnected): Promise<ConnectionRecord> {
  const { record, etag } = await connections.read(catalog);
  const refusal = refusalOf(record, etag);
  if (refusal) {
    throw await explained(catalog, refusal, etag, neverConnected);
  }
  return record;
}

/** The refusal for a catalog nothing was ever connected to, made precise (CatalogGate.neverConnected). */
export type NeverConnected = (catalog: string, refusal: ApiError) => Promise<ApiError>;

/**
 * A catalog's refusal as the LMS is told it: one nothing was ever connected to (its record never
 * written) is asked whether it is a catalog at all; any other refusal as it is.
 */
export async function explained(catalog: string, refusal: ApiError, etag: string, neverConnected?: NeverConnected): Promise<ApiError> {
  return refusal.code === 'NOT_CONNECTED' && etag === NEW_CONNECTION_ETAG && neverConnected ? neverConnected(catalog, refusal) : refusal;
}

/** Why a catalog takes no new items (not connected, switched off), or undefined when it takes them. */
export function refusalOf(record: ConnectionRecord, etag?: string): ApiError | undefined {
  if (!record.method || !record.account) {
    // Never set up at all: most often a catalog URL the LMS spelt otherwise than the site's.
    return new ApiError('NOT_CONNECTED', etag === NEW_CONNECTION_ETAG ? { detail: 'No account was ever connected to this catalog - or this is not its URL: check it against the address of the catalog site (its settings page shows it); a catalog admin connects an account on that page.' } : {});
  }
  return record.enabled ? undefined : new ApiError('CATALOG_DISABLED');
}

type StopReason = 'drained' | 'held' | 'paused' | 'lease-lost' | 'stopping' | 'yielded' | 'reconnected';

interface Drain {
  /** A wake for this catalog arrived while it drained: look once more before stopping. */
  dirty: boolean;
  /** The catalog's connection record was written meanwhile (this instance): read it before the next send. */
  changed?: boolean;
}

/**
 * How long a drain sends on the connection record it read before reading it again: the switch
 * turned off, a disconnect or a reconnect made on another instance stops the drain within this
 * (one made on this instance at once, through `connectionChanged`).
 */
const RECORD_RECHECK_MS = 1000;

/**
 * How many due entries one listing takes. A listing is the drain's costliest storage operation (a
 * range query; Azurite even scans the whole table for it), so the drain works through a page and
 * lists again only when the page is used up or a wake says new items arrived (an urgent one must
 * not wait behind the page).
 */
const LIST_PAGE = 100;

/** The mail service unavailable: what pauses the whole mailbox (recordFault), not just the item. */
const SERVICE_DOWN: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['SERVICE_UNAVAILABLE', 'SMTP_UNAVAILABLE']);
/**
 * A failed submission that does not say whether the mail service took the message: the mail
 * service down (SERVICE_DOWN) with no answer that says so (ApiError.unanswered, set by the client
 * that saw it - Graph answering 5xx or not answering, an SMTP session that broke or timed out
 * without a reply). Its retry is counted as a resubmission. A refusal the service answered (an
 * SMTP reply, a Graph 4xx), or a token that could not be had, sent nothing.
 */
export function unanswered(error: ApiError): boolean {
  return error.unanswered && SERVICE_DOWN.has(error.code);
}
/**
 * A page also ends once the content it holds (storedChars) passes this many characters: queue rows carry the
 * bodies (up to 1 MiB a notification), and a drain keeps its page while it walks it.
 */
const LIST_PAGE_CHARS = 4_000_000;

/** Takeovers (resubmissions after a crash) after which an item abandoned in "sending" once more fails (INTERNAL_ERROR) instead of going again. */
const MAX_RESUBMISSIONS = 3;

/**
 * The outbox engine (R-USE-4, R-OPS-4). Wakes come from the queue; for each, the worker takes
 * the catalog's mailbox lease and sends the catalog's due notifications in priority order within
 * the mailbox's pacing, through the one MailTransport the credentials provider opens for the burst.
 * Every state change is an ETag-conditional write: a notification marked sent is never sent again.
 */
export class SendingEngine {
  /**
   * The mailbox leases' owner: this process. Named by its App Service instance (WEBSITE_INSTANCE_ID)
   * or host, so an operator reading a lease row knows which instance holds it (docs/operations.md).
   */
  private readonly owner = `${(process.env.WEBSITE_INSTANCE_ID || hostname()).slice(0, 64)}/${randomUUID()}`;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly drains = new Map<string, Drain>();
  /** Mailboxes this instance drains now: its lease is per instance, so two catalogs of one mailbox take turns here too. */
  private readonly mailboxes = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly limits: PacingLimits;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private polling: Promise<void> | undefined;
  /**
   * The delayed wakes this instance queued, by catalog: when each becomes visible. A wake for a
   * later time is not queued behind one that comes first - that one's drain looks again and wakes
   * the catalog for what is due after it - so an LMS that queues notifications one by one for
   * tomorrow 08:00 costs one wake, not one each. Only this instance's are known: another's cost a
   * look when they come, never a message.
   */
  private readonly delayedWakes = new Map<string, number>();

  public constructor(private readonly deps: EngineDeps) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.limits = { messagesPerMinute: deps.config.messagesPerMinute, recipientsPerDay: deps.config.recipientsPerDay, timeScale: deps.config.timeScale };
  }

  /**
   * Why the account's waiting notifications (the smallest of `recipients`) are held back for a
   * minute or more, for the admins' view: its daily limit reached, or Exchange's quota reported (read from the mailbox's budget,
   * which every instance that drains it keeps). Undefined when the next may go sooner.
   */
  public async pacingOf(mailbox: string, recipients = 1): Promise<AccountPacing | undefined> {
    const held = hold(await MailboxLease.budgetOf(this.deps.leases, mailbox.toLowerCase()), this.now(), this.limits, recipients);
    return held && { ...held, recipientsPerDay: this.limits.recipientsPerDay };
  }

  /** When the account's mailbox, paused by a block that only an admin lifts, asks Exchange again (the admins' view). */
  public async blockedUntil(mailbox: string): Promise<number | undefined> {
    return blockPause(await MailboxLease.budgetOf(this.deps.leases, mailbox.toLowerCase()), this.now());
  }

  /**
   * An admin says Exchange's block is lifted (pacer's liftBlock): the mailbox's next try comes now,
   * or a minute after the refusal that paused it, and the catalog is woken for it. Answers that
   * time; undefined when the mailbox is not paused by such a block. The lease is taken for the
   * write alone, under an owner of its own, so a drain of this instance is not mistaken for it;
   * held by a drain (another catalog of the mailbox) or handed over for a moment, it is asked
   * again for about two seconds, then the admin is asked to repeat (503 with Retry-After) rather
   * than told that something happened. A wake that fails is logged: the lifted pause stands, and
   * the catalog's own delayed wake, or the next request's, comes for it.
   */
  public async retryBlocked(catalog: string, mailbox: string): Promise<number | undefined> {
    const key = mailbox.toLowerCase();
    for (let attempt = 0; ; attempt++) {
      const now = this.now();
      if (blockPause(await MailboxLease.budgetOf(this.deps.leases, key), now) === undefined) {
        return undefined;
      }
      const lease = await MailboxLease.acquire(this.deps.leases, key, `retry-${randomUUID()}`, now, this.leaseMs);
      if (!lease) {
        if (attempt >= 4) {
          throw new ApiError('SERVICE_UNAVAILABLE', { retryAfterSeconds: 5, upstream: 'mailbox lease held' });
        }
        await this.sleep(500);
        continue;
      }
      let lifted = false;
      try {
        lease.budget = liftBlock(lease.budget, now, this.limits);
      } finally {
        lifted = await lease.release().then(() => true, () => false);
      }
      if (!lifted) {
        throw new ApiError('SERVICE_UNAVAILABLE', { retryAfterSeconds: 5, upstream: 'mailbox lease not written' });
      }
      const at = Math.max(now, lease.budget.pausedUntil);
      await this.wake(catalog, at - now).catch((error: unknown) => this.deps.log.warn({ catalog, ...logFields(error) }, 'outbox wake not sent'));
      return at;
    }
  }

  /**
   * A catalog that cannot send (disconnected, switched off, its connection lost) is not drained,
   * so what expires in it would stay queued - its bodies and recipients kept for as long as the
   * catalog stays so, for ever once disconnected. The retention job records those past their expiry
   * as expired, as a drain would, so their content goes after OUTBOX_CONTENT_DAYS like any final
   * item's. A catalog that can send is left to its drains. Answers how many it recorded.
   */
  public async expireHeld(record: ConnectionRecord): Promise<number> {
    if (sendable(record)) {
      return 0;
    }
    const now = this.now();
    let expired = 0;
    let closed = 0;
    for await (const item of this.deps.outbox.pendingStates(record.catalog)) {
      // A final item's queue row that a crash left behind (its removal comes after the write): the
      // retention's prune removes it; expiring it would be refused and stop the job for the catalog.
      if (isTerminal(item.state.state) || (item.state.state === 'sending' && item.state.claimUntil > now)) {
        continue;
      }
      // One that went out in part: its first recipients have it, so it closes as sent, the rest refused as expired.
      const partly = item.state.partsSent > 0 && isPastExpiry(item.state, now);
      if (!isExpired(item.state, now) && !partly) {
        continue;
      }
      try {
        if (partly) {
          // The queue row holds no recipients: the item's own row does.
          const full = await this.deps.outbox.read(record.catalog, item.id);
          const unreached = full ? unreachedRecipients(full, this.deps.config.recipientsPerMessage) : 0;
          await this.deps.outbox.update(item, transition(item.state, { type: 'close-expired', now, unreached }));
          closed++;
          continue;
        }
        await this.deps.outbox.update(item, transition(item.state, { type: 'expire', now }));
        expired++;
      } catch (error) {
        // Changed meanwhile (the catalog connected again and a drain took it): the drain decides.
        if (codeOf(error) !== 'CHANGED_BY_SOMEONE_ELSE') {
          throw error;
        }
      }
    }
    if (expired + closed > 0) {
      await this.deps.outbox.recordDrain(record.catalog, { sent: closed, expired, failed: 0, lastSentAt: null });
    }
    return expired + closed;
  }

  private get leaseMs(): number {
    return this.deps.config.leaseSeconds * 1000;
  }

  /**
   * Told of every write of a connection record on this instance (ConnectionWriter): a drain of
   * the catalog reads the record again before it sends anything more, so the switch turned off or
   * a disconnect stops it before its next message, not after its page.
   */
  public connectionChanged(catalog: string): void {
    const drain = this.drains.get(catalogKey(catalog));
    if (drain) {
      drain.changed = true;
    }
  }

  /** Asks a worker (of any instance) to look at the catalog, now or after a delay. */
  public async wake(catalog: string, delayMs = 0): Promise<void> {
    const now = this.now();
    const at = now + wakeDelaySeconds(delayMs / 1000) * 1000;
    const key = catalogKey(catalog);
    const queued = this.delayedWakes.get(key);
    if (at > now && queued !== undefined && queued > now && queued <= at) {
      return;
    }
    await this.deps.queue.wake(catalog, delayMs / 1000);
    if (at > now) {
      this.delayedWakes.set(key, at);
      if (this.delayedWakes.size > 10_000) {
        this.delayedWakes.forEach((visibleAt, k) => visibleAt <= now && this.delayedWakes.delete(k));
      }
    }
  }

  /** Starts polling the wake queue. */
  public start(): void {
    this.stopping = false;
    const tick = (): void => {
      if (this.stopping) {
        return;
      }
      this.polling = this.poll()
        .catch((error: unknown) => this.deps.log.warn(logFields(error), 'outbox poll failed'))
        .then((busy) => {
          if (!this.stopping) {
            this.timer = setTimeout(tick, busy ? 0 : this.deps.config.pollMilliseconds);
          }
        });
    };
    tick();
  }

  /** Stops taking wakes and lets running drains finish their submissions in flight. */
  public async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) {
      clearTimeout(this.timer);
    }
    await this.polling;
    await Promise.allSettled([...this.running]);
  }

  /** Takes what the queue has, up to this instance's capacity; true when it was full (poll again at once). */
  private async poll(): Promise<boolean> {
    const capacity = this.deps.config.mailboxesPerInstance - this.running.size;
    if (capacity <= 0) {
      return false;
    }
    const wakes = await this.deps.queue.receive(capacity, this.deps.config.leaseSeconds);
    for (const wake of wakes) {
      const task: Promise<void> = this.handle(wake)
        .catch((error: unknown) => {
          // The wake stays in the queue and comes back: nothing is lost by a failed look.
          this.deps.log.warn({ catalog: wake.catalog, ...logFields(error) }, 'outbox drain failed');
        })
        .finally(() => this.running.delete(task));
      this.running.add(task);
    }
    return wakes.length > 0 && wakes.length >= capacity;
  }

  private async handle(received: ReceivedWake): Promise<void> {
    const { catalog } = received;
    const key = catalogKey(catalog);
    const active = this.drains.get(key);
    if (active) {
      active.dirty = true;
      await this.deps.queue.done(received);
      return;
    }
    // Taken before the first await: two wakes of one catalog handled at once must not start two
    // drains (their leases would be one, their concurrency and pacing twice the mailbox's).
    const drain: Drain = { dirty: false };
    this.drains.set(key, drain);
    let mailbox: string | undefined;
    let lease: MailboxLease | undefined;
    let wake: ReceivedWake = received;
    let result: { reason: StopReason; nextDueAt: number; yieldTo?: string };
    let next: string | undefined;
    try {
      const { record } = await this.deps.connections.read(catalog);
      if (!sendable(record) || !record.account) {
        // Held: a reconnect or the switch turned on wakes the catalog again.
        this.deps.log.info({ catalog, reason: 'held', health: record.health.state, enabled: record.enabled }, 'outbox not drained: the catalog cannot send');
        await this.deps.queue.done(received);
        return;
      }
      const email = record.account.email.toLowerCase();
      if (!this.mailboxes.has(email)) {
        mailbox = email;
        this.mailboxes.add(mailbox);
        lease = await MailboxLease.acquire(this.deps.leases, mailbox, this.owner, this.now(), this.leaseMs, undefined, catalog);
      }
      if (!lease) {
        // Another worker drains this mailbox (for this catalog or another one that shares it), or
        // it was handed over to another catalog: this catalog says it waits, so that it gets its
        // turn, and this wake comes back meanwhile.
        await MailboxLease.wait(this.deps.leases, email, catalog, this.now(), this.leaseMs);
        await this.deps.queue.extend(received, Math.max(1, Math.ceil(this.deps.config.leaseSeconds / 4)));
        // Debug: while another instance drains the mailbox, each of this catalog's wakes comes here.
        this.deps.log.debug({ catalog, reason: 'mailbox-busy' }, 'outbox not drained: another drain holds the mailbox');
        return;
      }
      try {
        result = await this.drain(record, lease, drain, async () => {
          wake = (await this.deps.queue.extend(wake, this.deps.config.leaseSeconds)) ?? wake;
        });
        if (result.reason !== 'lease-lost') {
          this.deps.onDrained?.((await this.deps.connections.read(catalog)).record);
          // A catalog waiting for this mailbox gets it next: the one the drain yielded to, or one that
          // came meanwhile. Reserved for it a while, so that this catalog's next wake cannot take it back.
          next = result.yieldTo ?? (await lease.waiting(catalog, this.now(), this.leaseMs).catch(() => undefined));
        }
      } catch (error) {
        // A storage fault stopped the drain or the reads after it: the lease is given up all the same,
        // with its pacing (what it sent, a Retry-After), so the next holder need not wait for it to lapse.
        await lease.release().catch(() => undefined);
        throw error;
      }
      if (result.reason === 'lease-lost') {
        // Its submissions are done (the drain waited for them): the mailbox is given up with what
        // they spent - a renewal that failed on a storage fault, or a lease about to lapse, may
        // still be this instance's, and the next holder must not pace from an older budget. One
        // that another instance took answers 412 here, and is left to it.
        await lease.release().catch(() => undefined);
        // The wake was left as it is: it comes back once no longer kept invisible. But if a wake
        // came to this instance meanwhile - that one, back while the last sends finished, or a new
        // one - it was taken as seen by this drain, which stops now: a new one stands for it.
        if (drain.dirty) {
          await this.wake(catalog);
        }
        return;
      }
      // The mailbox is given up (its budget written) before this instance may take it again: a
      // drain started before would pace from the budget of the last renewal.
      await lease.release(next ? { catalog: next, reservedUntil: this.now() + this.leaseMs / 2 } : undefined);
    } finally {
      this.drains.delete(key);
      if (mailbox) {
        this.mailboxes.delete(mailbox);
      }
    }
    if (next) {
      await this.wake(next);
    }
    if (result.reason === 'stopping') {
      // Shutting down: the wake is seen again at once by another instance (or after a restart).
      await this.deps.queue.extend(wake, 0);
      return;
    }
    if (result.reason === 'yielded' || result.reason === 'reconnected') {
      // Its turn comes again after the other catalog's (whose drain sees this one waiting); or at
      // once, with the new connection's credentials.
      await this.wake(catalog);
    } else if ((result.reason === 'drained' || result.reason === 'held') && drain.dirty) {
      // A wake came after the drain had found nothing left, or the catalog held (the switch off,
      // the connection changed): its message was taken as seen, so a new one stands for it - else
      // what it announced (new items, the switch on again, a reconnect) would wait for the
      // catalog's next wake. (The drain it starts sees any item due later, too.)
      await this.wake(catalog);
    } else if (result.reason !== 'held' && Number.isFinite(result.nextDueAt)) {
      await this.wake(catalog, Math.max(0, result.nextDueAt - this.now()));
    }
    await this.deps.queue.done(wake);
  }

  /**
   * Records an accepted message as sent. A storage fault here must not turn into a resubmission,
   * so the write is tried again (re-read on an ETag conflict: a first attempt may have landed).
   * False when another worker's submission (after this claim lapsed) is the one marked sent: the
   * counters count a message once.
   */
  private async markSent(claimed: StoredItem, writer: GroupWriter, refused: Refusal | null = null): Promise<boolean> {
    return this.persist(claimed, async (item, attempt) => {
      const next = transition(item.state, { type: 'sent', now: this.now(), refused });
      await (attempt === 1 ? writer.write(item, next) : this.deps.outbox.update(item, next));
      return true;
    }, (fresh) => (!fresh || fresh.state.state === 'sent'
      // Sent by this claim (the write landed, its answer did not), or by the worker that claimed it after.
      ? { outcome: fresh !== undefined && fresh.state.attempts === claimed.state.attempts }
      : undefined));
  }

  /**
   * Records a part of a split message as accepted, as markSent records the last: a storage fault
   * here must not send the part again once the claim lapses. The item as stored after it.
   */
  private async markPart(claimed: StoredItem, refused: Refusal | null): Promise<StoredItem> {
    return this.persist(claimed, (item) => this.deps.outbox.update(item, transition(item.state, { type: 'part-accepted', now: this.now(), refused })), (fresh) => (
      fresh && fresh.state.state === 'sending' && fresh.state.attempts === claimed.state.attempts && fresh.state.partsSent > claimed.state.partsSent
        ? { outcome: fresh }
        : undefined));
  }

  /**
   * A write of what a claimed item's submission did, tried again after a storage fault or an ETag
   * conflict (up to five times): a fresh read first, since a first attempt may have landed -
   * `landed` says from it whether it did (and the outcome then). Throws when another worker took
   * the item over (its outcome stands) or the storage keeps failing.
   */
  private async persist<T>(claimed: StoredItem, write: (item: StoredItem, attempt: number) => Promise<T>, landed: (fresh: StoredItem | undefined) => { outcome: T } | undefined): Promise<T> {
    let item = claimed;
    for (let attempt = 1; ; attempt++) {
      try {
        return await write(item, attempt);
      } catch (error) {
        const code = codeOf(error);
        if (attempt >= 5 || (code !== 'SERVICE_UNAVAILABLE' && code !== 'CHANGED_BY_SOMEONE_ELSE')) {
          throw error;
        }
        await this.sleep(200 * attempt);
        const fresh = await this.deps.outbox.readForUpdate(item.catalog, item.id);
        const seen = landed(fresh);
        if (seen) {
          return seen.outcome;
        }
        if (!fresh || fresh.state.state !== 'sending' || fresh.state.attempts !== claimed.state.attempts) {
          // Another worker took it over: its outcome stands.
          throw error;
        }
        item = fresh;
      }
    }
  }

  /** Sends the catalog's due items until none is left, the catalog is held, the mailbox must pause, or the lease is lost. */
  private async drain(initial: ConnectionRecord, lease: MailboxLease, drain: Drain, keepWake: () => Promise<void>): Promise<{ reason: StopReason; nextDueAt: number; yieldTo?: string }> {
    const { outbox, credentials, config } = this.deps;
    const catalog = initial.catalog;
    /** Claims and "sent" marks of the items in flight, a transaction a round. */
    const writer = new GroupWriter(outbox, catalog);
    const inFlight = new Map<string, Promise<void>>();
    /**
     * Items holding one of the mailbox's concurrent submissions: from the claim until their "sent"
     * mark is asked for. The mark then goes in the same transaction as the claim of the item that
     * takes the slot, and that item is sent only once the transaction landed: at any moment at most
     * `concurrency` items are in "sending" in storage (what a crash can resubmit).
     */
    const slots = new Set<string>();
    let slotWaiters: Array<() => void> = [];
    const freeSlot = (id: string): void => {
      if (slots.delete(id)) {
        const waiters = slotWaiters;
        slotWaiters = [];
        waiters.forEach((wake) => wake());
      }
    };
    const marked = async (item: StoredItem, refused: Refusal | null = null): Promise<boolean> => {
      const marking = this.markSent(item, writer, refused);
      freeSlot(item.id);
      return marking;
    };
    /** A failure's transition; for an item that went out in part, sent with the rest refused (failedInPart). */
    const failure = (item: StoredItem, event: Extract<ItemEvent, { type: 'fail' | 'retry' }>): ItemState => {
      const next = transition(item.state, event);
      const unreached = next.state === 'failed' && item.state.partsSent > 0 ? unreachedRecipients(item, config.recipientsPerMessage) : 0;
      return failedInPart(item.state, next, event.now, unreached);
    };
    /** Items this drain found not takeable yet (another worker's live claim): not looked at again before then. */
    const notBefore = new Map<string, number>();
    let transport: MailTransport | undefined;
    /** When the drain opened its transport (signed in). */
    let signedInAt = this.now();
    /** When the mail service last took a message of this drain's. */
    let lastAcceptedAt = 0;
    let stop: StopReason | undefined;
    let nextDueAt = Infinity;
    /**
     * When an item that left flight still pending (a retry, a release, a part put back) is due: a
     * listing may have passed its row while it was on its way, and a pass from the head forgets
     * what the last one saw - the drain's follow-up wake must not miss it.
     */
    let pendingDueAt = Infinity;
    const duePending = (at: number): void => {
      pendingDueAt = Math.min(pendingDueAt, at);
    };
    let sent = 0;
    let expired = 0;
    let failed = 0;
    let record = initial;
    let renewing: Promise<void> = Promise.resolve();
    /** Another catalog of the mailbox that waits for it (set with stop 'yielded'): the drain hands the mailbox over. */
    let yieldTo: string | undefined;
    /** The due entries of the last listing, worked through from `position`; undefined when a listing is due. */
    let page: DueEntry[] | undefined;
    let position = 0;
    /** Queue rows the last listing read (final ones included), and the last of them; `full`: it stopped at its size, more may follow. */
    let listed = 0;
    let full = false;
    /**
     * Rows the next listing asks for: LIST_PAGE, or fewer after a page its bodies cut short - the
     * storage answers a page whole, so the rows after the cut were read for nothing (and read again).
     */
    let pageRows = LIST_PAGE;
    let lastListed: string | undefined;
    /** Where the next listing starts: after this queue row, or at the head of the queue. */
    let after: string | undefined;
    /**
     * A wake came while the drain walked pages with nothing it could start: the walk goes on to its
     * end, then lists from the head (restarted at each wake, a steady stream of them would keep an
     * item due behind pages of scheduled ones waiting for as long as the stream lasts).
     */
    let headAfterWalk = false;
    /**
     * Rows due later are looked past (`notDueAhead`) where they may be - on a walk past a page that
     * started nothing, and from the head while the head was last seen due later (or not seen yet) -
     * not before each page of a busy queue, which would cost a request a page for nothing.
     */
    let walking = false;
    let headDueLater: boolean | undefined;
    /** When `record` was read. */
    let recordReadAt = 0;
    /** A failure that must not end the drain's clean-up: logged with its code, and the drain goes on. */
    const warnOn = (message: string, fields: Record<string, unknown> = {}) => (error: unknown): void => {
      this.deps.log.warn({ catalog, ...fields, code: codeOf(error) }, message);
    };
    /** Exchange refused this drain's sender (SENDING_BLOCKED). */
    let blockedSeen = false;
    /** Stopped by a change of the record (held, or reconnected): nothing more is sent on this transport. */
    const heldBack = (): boolean => stop === 'held' || stop === 'reconnected';
    /** The record that stopped the drain ('held'). */
    let holding: ConnectionRecord | undefined;

    /**
     * Whether the catalog may still send as the drain started to (switched on, the same
     * connection and account, not lost), from the record read within RECORD_RECHECK_MS - or read
     * now, when it is older or was written on this instance since. Stops the drain ('held') if not.
     */
    const stillSendable = async (): Promise<boolean> => {
      if (heldBack()) {
        return false;
      }
      if (!drain.changed && this.now() - recordReadAt < RECORD_RECHECK_MS) {
        return true;
      }
      drain.changed = false;
      const current = (await this.deps.connections.read(catalog)).record;
      recordReadAt = this.now();
      if (current.connectionId !== record.connectionId || current.account?.email !== record.account?.email || !sendable(current)) {
        holding = current;
        stop = 'held';
        return false;
      }
      if (current.generation !== record.generation) {
        // Reconnected as the same account (a new password, Modern in place of Classic, a new
        // sign-in): the transport holds the old credentials, and what it meets - a refused login,
        // a send-as refusal - is no news of the new connection. The drain ends; the next one opens
        // the new connection. (Its outcomes stay the old generation's, which the writer drops.)
        stop = 'reconnected';
        return false;
      }
      record = current;
      return true;
    };
    /** A claimed item back to the queue, no failure counted, with why (null: its turn comes again). */
    const release = async (item: StoredItem, code: ErrorCode | null, now = this.now()): Promise<void> => {
      await outbox.update(item, transition(item.state, { type: 'release', now, code }));
    };
    /** A claimed item the drain may no longer send goes back to the queue, held as the catalog is. */
    const releaseHeld = (item: StoredItem): Promise<void> => release(item, stop === 'reconnected' ? null : heldCode(holding ?? record));

    /**
     * The lease (and the wake) are renewed on a timer, not between the drain's steps: a page of
     * slow sends can keep the drain from its next step for longer than the lease, and a lapsed
     * lease lets another instance take the mailbox and send what this one's claims still cover.
     * A renewal that fails (taken, or a storage fault) stops the drain before it claims more. A
     * renewal also looks whether another catalog of the mailbox waits: then the drain stops
     * claiming and hands the mailbox over once its submissions on their way are done, so catalogs
     * sharing a mailbox take turns (each at least a third of the lease) instead of one waiting
     * for the other's whole backlog.
     */
    let leaseLost = false;
    const renew = async (): Promise<void> => {
      // A drain told to stop still holds the mailbox until its submissions on their way are done:
      // a lease (or wake) lapsing under them would let another instance take the mailbox and send
      // them again, and pace without what they spent.
      if (leaseLost) {
        return;
      }
      try {
        if (!(await lease.renew(this.now(), this.leaseMs))) {
          leaseLost = true;
          stop ??= 'lease-lost';
          return;
        }
      } catch (error) {
        this.deps.log.warn({ catalog, code: codeOf(error) }, 'mailbox lease not renewed');
        leaseLost = true;
        stop ??= 'lease-lost';
        return;
      }
      // The wake and the look for a waiting catalog go on a line of their own: a slow queue or
      // listing must not hold back the lease's next renewal (the queue's calls may take 30 s a try).
      if (!besideBusy) {
        besideBusy = true;
        beside = beside.then(besideRenewal).finally(() => {
          besideBusy = false;
        });
      }
    };
    let beside: Promise<void> = Promise.resolve();
    let besideBusy = false;
    const besideRenewal = async (): Promise<void> => {
      try {
        await keepWake();
      } catch (error) {
        // Its wake may come back to another instance meanwhile: that one finds the mailbox held and waits.
        this.deps.log.warn({ catalog, code: codeOf(error) }, 'wake not kept invisible');
      }
      if (stop) {
        return;
      }
      const waiting = await lease.waiting(catalog, this.now(), this.leaseMs).catch(() => undefined);
      if (waiting && !stop) {
        yieldTo = waiting;
        stop = 'yielded';
      }
    };
    /**
     * Whether the lease still covers what the drain would start now, by a third of it at least.
     * A renewal that is late (storage slow to answer) is waited for once; a lease about to lapse
     * stops the drain before it claims or submits more - another instance may take the mailbox
     * once it lapsed, and would send again what this one's claims cover.
     */
    const leaseHolds = async (): Promise<boolean> => {
      const holds = (): boolean => !leaseLost && lease.leaseUntil - this.now() > this.leaseMs / 3;
      if (holds()) {
        return true;
      }
      await renewing;
      if (holds()) {
        return true;
      }
      if (!leaseLost) {
        this.deps.log.warn({ catalog }, 'mailbox lease about to lapse: the drain stops');
      }
      stop ??= 'lease-lost';
      return false;
    };
    const renewal = setInterval(() => {
      renewing = renewing.then(renew);
    }, this.leaseMs / 3);
    /** A failed submission: its slot given back unless `refund` is false (it went out in part, counted by the caller). */
    const onFailure = async (item: StoredItem, error: unknown, startedAt: number, recipients: number, refund = true): Promise<void> => {
      const apiError = error instanceof ApiError ? error : new ApiError('INTERNAL_ERROR');
      const now = this.now();
      const retryAfterMs = apiError.retryAfterSeconds === undefined ? undefined : apiError.retryAfterSeconds * 1000;
      if (refund) {
        lease.budget = recordRefused(lease.budget, startedAt, recipients, this.limits);
      }
      const kind = failureKind(apiError.code);
      // What stops a catalog's sending (a lost connection, a mailbox Exchange stopped) is a warning; one message's refusal is not.
      const level = kind === 'connection-lost' || kind === 'mailbox-blocked' || isServiceOwnFault(apiError.code) ? 'warn' : 'info';
      this.deps.log[level]({ catalog, notification: item.id, code: apiError.code, upstream: apiError.upstream, kind }, 'submission refused');
      if (kind === 'connection-lost') {
        stop = 'held';
        await release(item, apiError.code, now);
        await this.deps.health.lost(record, apiError.code, apiError.upstream);
      } else if (kind === 'mailbox-blocked') {
        if (needsAdmin(apiError.code)) {
          // Not the daily quota, which lifts by itself: only an admin lifts this one, so they are told.
          blockedSeen = true;
          // The item is released all the same; the next refusal records the block again.
          await this.deps.health.blocked(record, apiError.code).catch(warnOn('sending block not recorded'));
        }
        const until = now + blockPauseMs(this.limits);
        lease.budget = pauseUntil(lease.budget, until, apiError.code);
        duePending(until);
        stop ??= 'paused';
        await release(item, apiError.code, now);
      } else if (kind === 'message') {
        const next = await outbox.update(item, failure(item, { type: 'fail', now, code: apiError.code }));
        sent += next.state.state === 'sent' ? 1 : 0;
        failed += next.state.state === 'failed' ? 1 : 0;
      } else if (apiError.code === 'THROTTLED' || isServiceOwnFault(apiError.code)) {
        // Throttling is about the mailbox, not the message: the whole mailbox waits and the message
        // counts no failure. Retry-After is the service's own instruction, in real seconds (not
        // scaled); without one (SMTP 432 4.3.2, 421) the mailbox backs off, longer with each
        // throttling in a row (a second, two, four ... at most 15 minutes). Entra refusing the API's
        // own credentials (an expired client secret) or Key Vault refusing its key is neither the
        // message's fault nor the connection's: it waits the same way, counting no failure, so
        // nothing fails however long the operator takes to renew the secret or restore the key.
        lease.budget = retryAfterMs === undefined ? recordFault(lease.budget, now, { ...this.limits, timeScale: 1 }) : pauseUntil(lease.budget, now + retryAfterMs);
        duePending(lease.budget.pausedUntil);
        await release(item, apiError.code, now);
      } else {
        // The mail service unavailable (Graph 5xx or unreachable, an SMTP server that does not
        // answer, a timeout) is the service's fault, not the message's: the whole mailbox backs
        // off (a 503's Retry-After, real seconds, when it gave one), so a backlog is not tried
        // message after message at full concurrency against a service that is down. Any other
        // passing fault (an unknown 4xx, an internal error) is this item's: it alone backs off.
        // The message counts a failure either way; it fails only after maxAttempts of them over
        // at least an hour, so an outage shorter than that fails nothing.
        if (SERVICE_DOWN.has(apiError.code)) {
          lease.budget = recordFault(lease.budget, now, this.limits, retryAfterMs);
          duePending(lease.budget.pausedUntil);
        }
        const at = Math.max(lease.budget.pausedUntil, now + Math.max(backoff(item.state.failures + 1, this.limits.timeScale), retryAfterMs ?? 0));
        const next = await outbox.update(item, failure(item, { type: 'retry', now, code: apiError.code, at, maxAttempts: config.maxAttempts, failAfterMs: windows(this.limits).hour, unanswered: unanswered(apiError) }));
        failed += next.state.state === 'failed' ? 1 : 0;
        sent += next.state.state === 'sent' ? 1 : 0;
        if (next.state.state === 'queued') {
          duePending(at);
        }
      }
    };
    const deliver = async (claimed: StoredItem, firstStartedAt: number): Promise<void> => {
      if (claimed.kind === 'invitation') {
        // One item, one slot: its pacing was reserved at launch and is given back when nothing went out.
        const recipients = recipientCount(claimed.content);
        /**
         * The pass sends the session's latest revision (its list may be longer), the room, and a
         * cancellation to those taken off: what went beyond the slot is counted too, so the budget
         * stays Exchange's. Nothing went now (nothing at all, or the meeting had gone out on an
         * earlier pass, counted then): the slot is given back.
         */
        const countPass = (went: InvitationPass['sent']): void => {
          const now = this.now();
          if (!went || went.messages === 0) {
            lease.budget = recordRefused(lease.budget, firstStartedAt, recipients, this.limits);
            return;
          }
          lease.budget = recordAccepted(lease.budget, firstStartedAt, now);
          lastAcceptedAt = now;
          lease.budget = recordMore(lease.budget, went.messages - 1, Math.max(0, went.recipients - recipients), now, this.limits);
        };
        let pass: InvitationPass;
        try {
          if (!transport || !this.deps.invitations) {
            throw new ApiError('NOT_CONNECTED');
          }
          pass = await this.deps.invitations.send(claimed, transport);
          countPass(pass.submitted ? pass.sent ?? { messages: 1, recipients } : undefined);
        } catch (error) {
          const went = passSentOf(error);
          countPass(went);
          await onFailure(claimed, error, firstStartedAt, recipients, !went);
          return;
        }
        if (pass.refused) {
          this.deps.log.info({ catalog, notification: claimed.id, refused: pass.refused.recipients, code: pass.refused.code }, 'recipients refused');
        }
        if (pass.code) {
          // The revision failed (a busy room, a meeting this account cannot change): the item says so too.
          await outbox.update(claimed, transition(claimed.state, { type: 'fail', now: this.now(), code: pass.code }));
          failed++;
          return;
        }
        const mine = await marked(claimed);
        // Only what went out counts as sent. A pass with nothing to send (a later revision went out
        // already, nothing to cancel) is done with, as outdated: the restored notice waits for it.
        sent += pass.submitted && mine ? 1 : 0;
        expired += pass.submitted || !mine ? 0 : 1;
        return;
      }
      let item = claimed;
      const parts = messagesOf(item, config.recipientsPerMessage);
      let startedAt = firstStartedAt;
      let lastRefused: Refusal | null = null;
      // The first part's slot was reserved at launch; `item` moves on with each part accepted.
      const first = item.state.partsSent;
      for (let k = first; k < parts.length; k++) {
        const recipients = recipientCount(parts[k]);
        if (k > first) {
          // Each part is a message of its own for Exchange: it waits for its own slot - here, when
          // the wait is short. A long one (the minute's or the day's budget spent), or a drain told
          // to stop, puts the item back in the queue with the parts it has sent: it goes on from
          // there when its slot comes, as any item does.
          // The slot is read and taken with no await between (another submission could take it).
          for (;;) {
            if (!(await stillSendable())) {
              await releaseHeld(item);
              return;
            }
            // The lease first: nothing may be awaited between reading the slot and taking it.
            const holds = await leaseHolds();
            const slot = nextSlot(lease.budget, recipients, this.now(), this.limits);
            if (stop || !holds || slot - this.now() > this.leaseMs / 2) {
              await release(item, null);
              duePending(slot);
              return;
            }
            if (slot <= this.now()) {
              break;
            }
            await this.sleep(slot - this.now());
          }
          startedAt = this.now();
          lease.budget = recordSubmission(lease.budget, recipients, startedAt, this.limits);
        }
        let refused: Refusal | null = null;
        try {
          if (!transport) {
            throw new ApiError('NOT_CONNECTED');
          }
          refused = (await transport.send({ messageId: messageIdFor(item.id, k, config.messageIdDomain), from: transport.account, ...parts[k], subject: item.content.subject, html: item.content.html, text: item.content.text }))?.refused ?? null;
        } catch (error) {
          // Every recipient of one message of several refused: that message's recipients are
          // refused, not the notification - the other messages still go (or went).
          if (parts.length === 1 || codeOf(error) !== 'RECIPIENT_REJECTED') {
            await onFailure(item, error, startedAt, recipients);
            return;
          }
          lease.budget = recordRefused(lease.budget, startedAt, recipients, this.limits);
          refused = { recipients, code: 'RECIPIENT_REJECTED' };
        }
        lease.budget = recordAccepted(lease.budget, startedAt, this.now());
        lastAcceptedAt = this.now();
        if (refused) {
          this.deps.log.info({ catalog, notification: item.id, part: k, refused: refused.recipients, code: refused.code }, 'recipients refused');
        }
        if (k < parts.length - 1) {
          item = await this.markPart(item, refused);
        } else {
          lastRefused = refused;
        }
      }
      if ((item.state.refused?.recipients ?? 0) + (lastRefused?.recipients ?? 0) >= recipientCount(item.content)) {
        // Every message refused whole: nobody has it.
        await outbox.update(item, transition(item.state, { type: 'fail', now: this.now(), code: lastRefused?.code ?? 'RECIPIENT_REJECTED' }));
        failed++;
        return;
      }
      // The one write in the window no design closes: until it lands, a crash means a resubmission.
      // Awaited first: `sent += await ...` would read `sent` before the await and lose the other sends' counts.
      const mine = await marked(item, lastRefused);
      sent += mine ? 1 : 0;
    };
    /**
     * One item, from its claim to "sent", as one task, so the mailbox's concurrency covers the
     * storage round trips too. Its pacing slot was reserved when it was launched (in queue order),
     * and is given back when the item turns out not to be sendable. The item is as the listing
     * read it: a stale copy loses its claim to whoever changed it.
     */
    const take = async (entry: DueEntry, startedAt: number): Promise<void> => {
      const giveBack = (): void => {
        lease.budget = recordRefused(lease.budget, startedAt, entry.recipients, this.limits);
      };
      let item = entry.item;
      const now = this.now();
      if (isExpired(item.state, now) && (item.state.state === 'queued' || item.state.claimUntil <= now)) {
        giveBack();
        await outbox.update(item, transition(item.state, { type: 'expire', now }));
        expired++;
        return;
      }
      if (item.state.state === 'sending' && item.state.claimUntil <= now && takenOver(item.state) >= MAX_RESUBMISSIONS) {
        // Abandoned in "sending" again and again (a process that dies on it, a write refused every
        // time): each time would submit it once more. It fails instead of going out for ever.
        giveBack();
        this.deps.log.warn({ catalog, notification: item.id, resubmissions: takenOver(item.state) }, 'notification abandoned too often: failed');
        const next = await outbox.update(item, failure(item, { type: 'fail', now, code: 'INTERNAL_ERROR' }));
        sent += next.state.state === 'sent' ? 1 : 0;
        failed += next.state.state === 'failed' ? 1 : 0;
        return;
      }
      if (!isClaimable(item.state, now)) {
        giveBack();
        notBefore.set(item.id, item.state.state === 'sending' ? item.state.claimUntil : dueAtOf(item.state));
        return;
      }
      // The claim is dated when the item was taken from the queue, so its history keeps queue order.
      const claim = transition(item.state, { type: 'claim', now: startedAt, claimUntil: lease.leaseUntil });
      try {
        item = await writer.write(item, claim);
      } catch (error) {
        // A storage fault may hide a claim that landed: left alone, the item would sit in "sending"
        // until its claim lapsed and then go again as a resubmission. This drain owns it if it did.
        const lost = error instanceof ApiError && error.code === 'CHANGED_BY_SOMEONE_ELSE';
        const fresh = lost ? undefined : await outbox.readForUpdate(catalog, item.id).catch(() => undefined);
        if (!fresh || fresh.state.state !== 'sending' || fresh.state.attempts !== claim.attempts || fresh.state.claimUntil !== claim.claimUntil) {
          giveBack();
          if (fresh !== undefined || lost) {
            return;
          }
          throw error;
        }
        item = fresh;
      }
      // Claimed while the switch was turned off or the connection changed: not sent.
      if ((drain.changed || heldBack()) && !(await stillSendable())) {
        giveBack();
        await releaseHeld(item);
        return;
      }
      // The claim's transaction may have waited for a round (slow storage): a lease about to
      // lapse now would let another instance send this item too. Put back, not sent.
      if (!(await leaseHolds())) {
        giveBack();
        await release(item, null);
        return;
      }
      await deliver(item, startedAt);
    };
    const launch = (entry: DueEntry, startedAt: number): void => {
      const task = take(entry, startedAt)
        .catch((error: unknown) => {
          // A lost ETag race or storage fault: the item stays as stored (claimed items are resubmitted after their claim lapses).
          this.deps.log.warn({ catalog, notification: entry.item.id, code: codeOf(error) }, 'outbox state write failed');
        })
        .finally(() => {
          freeSlot(entry.item.id);
          inFlight.delete(entry.item.id);
        });
      slots.add(entry.item.id);
      inFlight.set(entry.item.id, task);
    };

    // The whole mailbox waits longer than half a lease (Exchange's pause or block, the daily limit
    // spent): nothing could go, so nothing is listed - each LMS request wakes the catalog, and each
    // wake would list a page, bodies and all - and the drain comes back when the mailbox may send.
    const mailboxFreeAt = nextSlot(lease.budget, 1, this.now(), this.limits);
    if (mailboxFreeAt - this.now() > this.leaseMs / 2) {
      nextDueAt = mailboxFreeAt;
      stop = 'paused';
    }

    // A blocked mailbox's drain is the one that finds Exchange taking its mail again, and the write
    // that lifts the block comes after its sends: what waited is counted before it sends, for the
    // restored notice's "of the notifications that waited".
    const atUnblock = record.blocked && !stop ? await this.deps.outbox.counters(catalog).catch(() => undefined) : undefined;
    try {
      while (!stop) {
        if (this.stopping) {
          stop = 'stopping';
          break;
        }
        // The record as of at most a second ago, or of this instance's last write (the first pass reads it).
        if (!(await stillSendable())) {
          break;
        }
        if (!transport) {
          try {
            signedInAt = this.now();
            transport = await credentials.open(record);
          } catch (error) {
            const code = codeOf(error);
            if (failureKind(code) !== 'connection-lost') {
              throw error;
            }
            stop = 'held';
            await this.deps.health.lost(record, code);
            break;
          }
        }
        if (!page || drain.dirty) {
          if (drain.dirty) {
            if (page === undefined && after !== undefined) {
              // Walking pages with nothing to start: on to the walk's end first.
              headAfterWalk = true;
            } else {
              // New items may be ahead of the page: from the head.
              after = undefined;
            }
          }
          drain.dirty = false;
          if (after === undefined) {
            headAfterWalk = false;
          }
          page = [];
          listed = 0;
          full = false;
          let chars = 0;
          // Rows due later at the start (tomorrow's reminders ahead of one due now) are passed over
          // without their bodies; the page starts at the first row that may go. Looked for where
          // they may be - a drain's first listing, a walk past a page that started nothing, after
          // a listing whose first row was due later - not before each page of a busy queue.
          const fromHead = after === undefined;
          const look = walking || (fromHead && headDueLater !== false);
          const ahead: { last: string | undefined; dueAt: number } = look ? await outbox.notDueAhead(catalog, after, this.now()) : { last: after, dueAt: Infinity };
          walking = false;
          if (fromHead) {
            headDueLater = ahead.last !== undefined;
          }
          let first = fromHead && !look;
          for await (const entry of outbox.pendingEntries(catalog, pageRows, ahead.last) as AsyncGenerator<DueEntry>) {
            if (first) {
              // Listed from the head without looking: whether the next pass from the head should.
              first = false;
              headDueLater = entry.dueAt > this.now() && !isExpired(entry.item.state, this.now());
            }
            lastListed = queueRowOf(entry.item);
            if (isTerminal(entry.item.state.state)) {
              // Final already (its queue row waits for its removal): removed with the drain's writes.
              writer.drop(queueRowOf(entry.item));
            } else {
              // An item put back part-way (a long pacing wait) goes on with its next part: paced by that part's recipients.
              const partsSent = entry.item.state.partsSent;
              const next = partsSent > 0 && entry.item.kind === 'notification' ? messagesOf(entry.item, config.recipientsPerMessage)[partsSent] : undefined;
              page.push(next ? { ...entry, recipients: Math.max(1, recipientCount(next)) } : entry);
            }
            chars += storedChars(entry.item.content);
            if (++listed >= pageRows || chars >= LIST_PAGE_CHARS) {
              full = true;
              // Large bodies: the next page asks for as many rows as this one held; small ones: back up to LIST_PAGE.
              pageRows = chars >= LIST_PAGE_CHARS ? Math.max(1, listed) : Math.min(LIST_PAGE, pageRows * 2);
              break;
            }
          }
          position = 0;
          if (after === undefined) {
            // A pass from the head sees again everything that is due later.
            nextDueAt = Infinity;
          }
          nextDueAt = Math.min(nextDueAt, ahead.dueAt);
        }
        let started = 0;
        let waitUntil = Infinity;
        for (; position < page.length; position++) {
          // A wake breaks the page off for a listing from the head (new items may be ahead), once
          // this listing started something: one that came while it was read must not void it.
          if (stop || (drain.dirty && started > 0)) {
            break;
          }
          const entry = page[position];
          const now = this.now();
          if (inFlight.has(entry.item.id)) {
            continue;
          }
          const later = notBefore.get(entry.item.id);
          if (later !== undefined && later > now) {
            nextDueAt = Math.min(nextDueAt, later);
            continue;
          }
          if (entry.dueAt > now && !isExpired(entry.item.state, now)) {
            nextDueAt = Math.min(nextDueAt, entry.dueAt);
            continue;
          }
          // A free submission first, then the pacing as it is once one is free: a 429 (Retry-After)
          // or a part of a split message may have spent or paused the budget meanwhile.
          while (slots.size >= transport.concurrency) {
            await new Promise<void>((resolve) => slotWaiters.push(resolve));
          }
          if (stop || !(await stillSendable()) || !(await leaseHolds())) {
            break;
          }
          // The slot is read and taken with no await between (a part of a long list could take it).
          const free = this.now();
          const slot = isExpired(entry.item.state, free) ? free : nextSlot(lease.budget, entry.recipients, free, this.limits);
          if (slot > free) {
            waitUntil = slot;
            break;
          }
          const startedAt = this.now();
          lease.budget = recordSubmission(lease.budget, entry.recipients, startedAt, this.limits);
          launch(entry, startedAt);
          started++;
        }
        if (stop) {
          break;
        }
        if (Number.isFinite(waitUntil)) {
          // Pacing: a long pause gives the mailbox up and comes back by a delayed wake; a short
          // one keeps its place in the page.
          if (waitUntil - this.now() > this.leaseMs / 2) {
            // Not instead of what the walk saw due sooner (an item ahead of this one, due in a
            // moment) - unless the whole mailbox waits (a pause, the minute's budget), which that
            // item would meet too.
            const mailboxWaits = nextSlot(lease.budget, 1, this.now(), this.limits) >= waitUntil;
            nextDueAt = mailboxWaits ? waitUntil : Math.min(nextDueAt, waitUntil);
            stop = 'paused';
            break;
          }
          await this.sleep(Math.max(1, waitUntil - this.now()));
          continue;
        }
        if (position < page.length) {
          // A wake (new items) broke off the page: list again.
          continue;
        }
        const more = full;
        page = undefined;
        if (more && started === 0) {
          // Nothing on this page could go now (due later, on its way, another worker's claim): the
          // next page, not the head again - the same page would come back until something on it is due.
          after = lastListed;
          walking = true;
          continue;
        }
        after = undefined;
        if (started === 0 && !more) {
          if (headAfterWalk) {
            continue;
          }
          if (inFlight.size > 0) {
            // The last ones are on their way; a retry among them may be due again soon.
            await Promise.allSettled([...inFlight.values()]);
            continue;
          }
          if (drain.dirty) {
            continue;
          }
          stop = 'drained';
        }
      }
    } finally {
      await Promise.allSettled([...inFlight.values()]);
      clearInterval(renewal);
      await renewing;
      await beside;
      await transport?.close();
      // Counted also when the drain ends on a storage fault: what went out went out.
      if (sent + expired + failed > 0) {
        // The items themselves are final; only the restored notice's sums miss this drain.
        await this.deps.outbox.recordDrain(catalog, { sent, expired, failed, lastSentAt: sent > 0 ? this.now() : null }).catch(warnOn('outbox counters not recorded', { sent, expired, failed }));
      }
    }
    if (sent > 0) {
      if (stop !== 'held') {
        await this.deps.health.used(record, signedInAt);
      }
      if (record.blocked && !blockedSeen) {
        // Exchange lets the account send again: the incident is resolved (and the admins told).
        // Not a block recorded after the drain's last message went (a test email refused meanwhile).
        await this.deps.health.blocked(record, null, { since: lastAcceptedAt, atResolution: atUnblock }).catch(warnOn('sending block not cleared'));
      }
    }
    // Only cleaning: a final item's queue row left now is passed by and removed by a later drain.
    await writer.close().catch(warnOn('outbox queue rows not removed'));
    this.deps.log.info({ catalog, sent, reason: stop }, 'outbox drained');
    return { reason: stop ?? 'drained', nextDueAt: Math.min(nextDueAt, pendingDueAt), yieldTo };
  }
}
