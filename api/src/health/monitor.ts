import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiConfig } from '../config/config';
import type { ConnectionService } from '../connections/connectionService';
import type { ConnectionStore } from '../connections/connectionStore';
import { isWorking, type ConnectionRecord } from '../connections/model';
import { ApiError, codeOf, logFields } from '../errors/apiError';
import { JOB_PARTITION, MailboxLease } from '../sending/mailboxLease';
import type { AlertService } from './alerts';

export interface MonitorDeps {
  config: ApiConfig;
  leases: TableClient;
  connections: ConnectionStore;
  service: ConnectionService;
  alerts: AlertService;
  /**
   * Wakes a catalog that can send if its outbox has a notification due; true when it did. The sweep's
   * safety net: a wake lost on its way (the queue unreachable when it was sent) delays sending by
   * at most one probe interval, never for good.
   */
  resume?: (catalog: string) => Promise<boolean>;
  /** The outbox's retention (OutboxStore.prune): content dropped, notifications deleted, crash leftovers removed. */
  prune?: (catalog: string, cutoffs: { contentBefore?: number; historyBefore?: number }) => Promise<{ dropped: number; deleted: number; leftovers: number }>;
  /** Deletes Classic attempt counters whose window ended before the given time: the retention job. */
  purgeAttempts?: (before: number) => Promise<number>;
  /** Records as expired what expired in a catalog that cannot send (no drain would): the retention job, before `prune`. */
  expireHeld?: (record: ConnectionRecord) => Promise<number>;
  /** Sessions whose room has not answered yet: read their events (issue 9 point 5). */
  sessions?: {
    learnRoomAnswers(goOn?: () => Promise<boolean>): Promise<Record<string, number>>;
    /** The retention job's part for sessions ended before `before` (SESSION_RETENTION_DAYS). */
    forgetEnded(catalog: string, before: number): Promise<{ sessions: number; invitations: number }>;
  };
  log: FastifyBaseLogger;
  now?: () => number;
}

/** Renews the job's lease when a third of it went by; false once another run took it (stop). */
type KeepLease = () => Promise<boolean>;

/** What a sweep met of refusals of the API's own rights (their upstream answer, the first one seen). */
interface Refused {
  credentials: string | undefined;
  mailboxCheck: string | undefined;
  /** Key Vault refused the API's key (SERVICE_KEY_UNAVAILABLE): no stored secret opens, for any catalog. */
  key: string | undefined;
}

interface Job {
  name: string;
  everySeconds: number;
  run: (keep: KeepLease) => Promise<Record<string, number>>;
}

/**
 * The API's periodic jobs, each run once per period across all instances (R-LOSS-0, R-LOSS-1):
 * every instance ticks, and the one that takes the job's lease in storage runs it; the lease is
 * kept for the period, so the others skip it until the next. The sweep, the keep-alive and the
 * retention job renew it as they go from catalog to catalog: one that outlasts its period is not run twice, and one
 * stuck on a catalog lets it lapse (another instance runs the job) and stops once it goes on.
 * - health monitor: probes every connected catalog (and every lost one, to notice when the cause
 *   is gone), and sends the incident notices that are due (alerts, reminders, restored);
 * - keep-alive: refreshes modern connections idle for KEEPALIVE_AFTER_DAYS;
 * - room answers: reads the answer of each booked room that has not answered yet (Exchange's
 *   resource mailboxes answer the organiser some time after the event was made);
 * - outbox retention: deletes the bodies and recipient lists of notifications final for
 *   OUTBOX_CONTENT_DAYS (their state, subject and history stay for the deliveries list), and the
 *   notifications final for OUTBOX_HISTORY_DAYS whole (with their idempotency keys).
 */
export class HealthMonitor {
  private readonly timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private readonly now: () => number;

  private readonly leaseFaultSaidAt = new Map<string, number>();

  public constructor(private readonly deps: MonitorDeps) {
    this.now = deps.now ?? Date.now;
  }

  private jobs(): Job[] {
    return [
      { name: 'health-monitor', everySeconds: this.deps.config.alerts.probeIntervalSeconds, run: (keep) => this.sweep(keep) },
      { name: 'keep-alive', everySeconds: this.deps.config.keepAliveIntervalSeconds, run: async (keep) => this.deps.service.keepAlive(undefined, async () => !this.stopping && (await keep())) },
      { name: 'room-answers', everySeconds: this.deps.config.roomAnswerIntervalSeconds, run: async (keep) => (await this.deps.sessions?.learnRoomAnswers(async () => !this.stopping && (await keep()))) ?? {} },
      // Also with every retention period 0 (all kept): the job closes what expired in catalogs that
      // cannot send, and removes abandoned sign-ins and ended attempt counters.
      { name: 'outbox-retention', everySeconds: this.deps.config.outboxContentIntervalSeconds, run: (keep) => this.prune(keep) }
    ];
  }

  /** The timed jobs and their periods in seconds (0: off). */
  public schedule(): Array<{ name: string; everySeconds: number }> {
    return this.jobs().map(({ name, everySeconds }) => ({ name, everySeconds }));
  }

  public start(): void {
    for (const job of this.jobs().filter((j) => j.everySeconds > 0)) {
      // A tick at a tenth of the period: an instance that died holding the lease is replaced soon after it lapses.
      const timer = setInterval(() => {
        this.running = this.running.then(() => this.runOnce(job.name));
      }, Math.max(1000, (job.everySeconds * 1000) / 10));
      timer.unref();
      this.timers.push(timer);
    }
  }

  public async stop(): Promise<void> {
    this.stopping = true;
    this.timers.forEach(clearInterval);
    await this.running;
  }

  /** Runs the job if this instance takes its lease (answers undefined when another instance has it this period). */
  public async runOnce(name: string): Promise<Record<string, number> | undefined> {
    const job = this.jobs().find((j) => j.name === name);
    if (!job) {
      return undefined;
    }
    // Each run is its own owner: whoever ran the job this period (this instance included) keeps the others off until it ends.
    // A job that is off (period 0) and run by hand holds it for a minute.
    const leaseMs = (job.everySeconds || 60) * 1000;
    const lease = await MailboxLease.acquire(this.deps.leases, name, randomUUID(), this.now(), leaseMs, JOB_PARTITION).catch((error: unknown) => {
      // Not "another instance has it": the lease could not be read (storage), so no instance runs
      // the job now. Said once in five minutes a job, not at every tick (a tenth of the period).
      const now = this.now();
      if (now - (this.leaseFaultSaidAt.get(name) ?? -Infinity) >= 5 * 60_000) {
        this.leaseFaultSaidAt.set(name, now);
        this.deps.log.warn({ job: name, ...logFields(error) }, 'job failed');
      }
      return undefined;
    });
    if (!lease) {
      return undefined;
    }
    let renewedAt = this.now();
    let held = true;
    const keep: KeepLease = async () => {
      const now = this.now();
      if (held && now - renewedAt >= leaseMs / 3) {
        // A storage fault leaves the lease as it was: tried again at the next catalog.
        const renewed = await lease.renew(now, leaseMs).catch(() => undefined);
        held = renewed !== false;
        renewedAt = renewed ? now : renewedAt;
      }
      return held;
    };
    try {
      const result = await job.run(keep);
      this.deps.log.info({ job: name, ...result, ...(this.stopping ? { cutShort: true } : {}), ...(held ? {} : { leaseLost: true }) }, 'job done');
      if (this.stopping) {
        // Cut short by a shutdown: another instance may run it at its next tick, not a period later.
        await lease.release().catch(() => undefined);
      }
      return result;
    } catch (error) {
      this.deps.log.warn({ job: name, ...logFields(error) }, 'job failed');
      return undefined;
    }
  }

  /**
   * Every catalog's notifications final for OUTBOX_CONTENT_DAYS lose their bodies and recipient
   * lists; those final for OUTBOX_HISTORY_DAYS are deleted (a period of 0: kept). First, in a catalog
   * that cannot send, what expired is recorded expired (nothing else would: it is not drained).
   * Abandoned sign-ins go too (also when the keep-alive, which removes them hourly, is off).
   */
  public async prune(keep: KeepLease = async () => true): Promise<Record<string, number>> {
    const result = { catalogs: 0, expired: 0, dropped: 0, deleted: 0, leftovers: 0, sessions: 0, invitations: 0, signIns: 0, attempts: 0, failed: 0 };
    result.signIns = await this.deps.service.purgeSignIns().catch((error: unknown) => {
      result.failed++;
      this.deps.log.warn({ job: 'outbox-retention', ...logFields(error) }, 'retention failed for abandoned sign-ins: they are taken again next run');
      return 0;
    });
    result.attempts = (await this.deps.purgeAttempts?.(this.now()).catch((error: unknown) => {
      result.failed++;
      this.deps.log.warn({ job: 'outbox-retention', ...logFields(error) }, 'retention failed for the Classic attempt and test email counters: they are taken again next run');
      return 0;
    })) ?? 0;
    const before = (days: number): number | undefined => (days > 0 ? this.now() - days * 86_400_000 : undefined);
    const cutoffs = { contentBefore: before(this.deps.config.outboxContentDays), historyBefore: before(this.deps.config.outboxHistoryDays) };
    const sessionsBefore = before(this.deps.config.sessionRetentionDays);
    for await (const { record } of this.deps.connections.all()) {
      if (this.stopping || !(await keep())) {
        break;
      }
      try {
        result.expired += (await this.deps.expireHeld?.(record)) ?? 0;
        const done = (await this.deps.prune?.(record.catalog, cutoffs)) ?? { dropped: 0, deleted: 0, leftovers: 0 };
        if (sessionsBefore !== undefined && this.deps.sessions) {
          const forgotten = await this.deps.sessions.forgetEnded(record.catalog, sessionsBefore);
          result.sessions += forgotten.sessions;
          result.invitations += forgotten.invitations;
        }
        result.dropped += done.dropped;
        result.deleted += done.deleted;
        result.leftovers += done.leftovers;
        result.catalogs++;
      } catch (error) {
        // A storage fault on one catalog: the next run takes it again. Said per catalog: the job runs
        // once a day, and its bodies outlive their retention until it succeeds.
        result.failed++;
        this.deps.log.warn({ job: 'outbox-retention', catalog: record.catalog, ...logFields(error) }, 'retention failed for a catalog: it is taken again next run');
      }
    }
    return result;
  }

  /**
   * Probes connected and lost catalogs and sends due incident notices, HEALTH_PROBE_CONCURRENCY
   * catalogs at a time: a probe takes seconds (a token refresh and Graph reads, or an SMTP login),
   * so one after another a few thousand catalogs would not fit in the period. A shutdown or a lost
   * lease starts no more; the probes under way end first.
   */
  public async sweep(keep: KeepLease = async () => true): Promise<Record<string, number>> {
    const result = { probed: 0, lost: 0, restored: 0, resumed: 0, notices: 0, failed: 0, skipped: 0, mailboxCheckRefused: 0 };
    const running = new Set<Promise<void>>();
    // Refusals of the API's own rights are the operator's to mend, not any catalog's: said once a
    // sweep, at error level. Entra refusing its credentials (an expired client secret) would refuse
    // every Modern catalog's probe the same way, so the rest of them are not asked; Graph refusing its
    // app-only mailbox check may be one mailbox's (an Exchange scope), so each is asked and counted.
    const refused: Refused = { credentials: undefined, mailboxCheck: undefined, key: undefined };
    // The probes run side by side, the incident notices one after another: they all go from the one
    // system mailbox, whose concurrent requests Graph limits (a wide outage is when they count).
    let notices: Promise<void> = Promise.resolve();
    const notify = (record: ConnectionRecord): void => {
      notices = notices.then(async () => {
        const sent = await this.deps.alerts.dispatch(record.catalog).catch(() => null);
        result.notices += sent ? 1 : 0;
      });
    };
    for await (const { record } of this.deps.connections.all()) {
      if (this.stopping || !(await keep())) {
        break;
      }
      const task: Promise<void> = this.sweepOne(record, result, notify, refused).finally(() => running.delete(task));
      running.add(task);
      if (running.size >= Math.max(1, this.deps.config.alerts.probeConcurrency || 1)) {
        await Promise.race(running);
      }
    }
    await Promise.all(running);
    await notices;
    if (refused.credentials) {
      this.deps.log.error({ job: 'health-monitor', code: 'SERVICE_CREDENTIALS_REJECTED', upstream: refused.credentials, skipped: result.skipped }, 'service credentials refused: no Modern catalog can be probed or send until Entra accepts the API\'s credentials again (upstream says why: an expired client secret, a policy)');
    }
    if (refused.key) {
      this.deps.log.error({ job: 'health-monitor', code: 'SERVICE_KEY_UNAVAILABLE', upstream: refused.key, skipped: result.skipped }, 'service key unavailable: no stored connection can be probed or send until the API can use its Key Vault key again (upstream says why: keyvault 403 - the identity\'s role on the key or the key disabled; 404 - deleted; a key id not configured)');
    }
    if (refused.mailboxCheck) {
      this.deps.log.error({ job: 'health-monitor', code: 'SERVICE_PERMISSION_MISSING', upstream: refused.mailboxCheck, catalogs: result.mailboxCheckRefused }, 'mailbox check refused: the API\'s application permission MailboxSettings.Read (or its Exchange scope) refuses; those catalogs keep sending, unchecked');
    }
    return result;
  }

  /** One catalog's probe, counted in `result`, then its due notices handed to `notify`; never throws. */
  private async sweepOne(record: ConnectionRecord, result: Record<'probed' | 'lost' | 'restored' | 'resumed' | 'notices' | 'failed' | 'skipped' | 'mailboxCheckRefused', number>, notify: (record: ConnectionRecord) => void, refused: Refused): Promise<void> {
    if (record.method && (record.health.state === 'lost' || (isWorking(record) && record.enabled))) {
      if ((refused.credentials && record.method === 'modern') || refused.key) {
        result.skipped++;
        return;
      }
      try {
        const state = await this.deps.service.probe(record);
        result.probed++;
        if (state === 'lost' && record.health.state !== 'lost') {
          result.lost++;
        }
        if (state === 'connected' && record.health.state === 'lost') {
          result.restored++;
        }
        // (A restored connection was woken by the probe.)
        if (state === 'connected' && record.health.state === 'connected' && (await this.deps.resume?.(record.catalog))) {
          result.resumed++;
        }
      } catch (error) {
        // A passing fault (429, 5xx, timeout): never taken for a loss; the next sweep probes again.
        result.failed++;
        const upstream = error instanceof ApiError ? error.upstream : undefined;
        if (codeOf(error) === 'SERVICE_CREDENTIALS_REJECTED') {
          refused.credentials ??= upstream ?? 'invalid_client';
          return;
        }
        if (codeOf(error) === 'SERVICE_KEY_UNAVAILABLE') {
          refused.key ??= upstream ?? 'keyvault';
          return;
        }
        // The API's app-only mailbox check refused: its notices still go (the system sender's
        // Mail.Send is another permission), unlike with its credentials refused above.
        if (codeOf(error) === 'SERVICE_PERMISSION_MISSING') {
          refused.mailboxCheck ??= upstream ?? 'Graph 403';
          result.mailboxCheckRefused++;
        } else {
          this.deps.log.info({ job: 'health-monitor', catalog: record.catalog, ...logFields(error) }, 'probe failed');
        }
      }
    }
    if (record.incident) {
      notify(record);
    }
  }
}
