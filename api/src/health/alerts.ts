import type { FastifyBaseLogger } from 'fastify';
import type { AlertsConfig } from '../config/config';
import type { ConnectionStore } from '../connections/connectionStore';
import type { ConnectionWriter } from '../connections/connectionWriter';
import type { ConnectionRecord } from '../connections/model';
import { ApiError } from '../errors/apiError';
import type { GraphClient } from '../graph/graphClient';
import { siteByPath } from '../sharepoint/listMirror';
import { claimNotice, dueNotice, Incident, NoticeKind, noticeOf, noticeSent, OutboxCounters } from './incident';
import { connectedNoticeText, NoticeLanguage, noticeText, restoredReady, type NoticeAudience } from './notices';

export interface AlertDeps {
  config: AlertsConfig;
  connections: ConnectionStore;
  writer: ConnectionWriter;
  counters: (catalog: string) => Promise<OutboxCounters>;
  graph: GraphClient;
  /** An app-only Graph token of the API (Mail.Send for the system sender, MailboxSettings.Read for languages). */
  appToken: () => Promise<string>;
  log: FastifyBaseLogger;
  timeScale?: number;
  now?: () => number;
}

/** Why a notice found outdated before its first mail was not sent (the log's line). */
const OUTDATED: Record<NoticeKind, string> = {
  alert: 'incident notice not sent: the connection works again (its alert never went, so no restored notice follows)',
  reminder: 'incident notice not sent: the connection works again (the restored notice follows)',
  restored: 'incident notice not sent: the connection was lost again (a new incident, with its own alert)'
};

/** How long one worker may take to send a notice before another may try (at-least-once, one duplicate at worst). */
const CLAIM_MS = 5 * 60_000;

/**
 * Incident notices (R-LOSS-2, R-OPS-3): once per incident - an alert when the connection is lost,
 * a reminder every ALERT_REMINDER_DAYS while it stays lost, a "restored" notice with what went out
 * when it works again - to the catalog's alert recipients and the LMS admins, always from the LMS's
 * system sender (never from the lost account), with app-only Microsoft Graph.
 */
export class AlertService {
  private readonly now: () => number;
  /** Dispatches started in the background and not yet done: a shutdown waits for them (`close`). */
  private readonly underWay = new Set<Promise<unknown>>();
  private closing = false;

  public constructor(private readonly deps: AlertDeps) {
    this.now = deps.now ?? Date.now;
  }

  private get reminderMs(): number {
    return (this.deps.config.reminderDays * 86_400_000) / (this.deps.timeScale ?? 1);
  }

  /**
   * Starts `dispatch` without waiting for it (an incident seen by a request or a drain); a failure
   * goes to `onError`. A shutdown waits for what was started (`close`).
   */
  public dispatchSoon(catalog: string, onError: (error: unknown) => void): void {
    const run = this.dispatch(catalog).catch(onError).finally(() => this.underWay.delete(run));
    this.underWay.add(run);
  }

  /**
   * For a shutdown: no notice is claimed from now on (another instance's sweep, or this one's after
   * its restart, sends it), and a notice already claimed is sent before this resolves - cut off, it
   * would go only once its claim lapsed, late, or twice if its mail had gone. At most `waitMs`:
   * Graph's own timeouts bound a send, this bounds a notice with many recipients' languages to look up.
   */
  public async close(waitMs = 30_000): Promise<void> {
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
    });
    const settled = (async () => {
      while (this.underWay.size > 0) {
        await Promise.allSettled([...this.underWay]);
      }
    })();
    await Promise.race([settled, deadline]);
    clearTimeout(timer);
  }

  /** Sends the catalog's due notice, if any; answers which. Safe to call from any instance at any time. */
  public async dispatch(catalog: string): Promise<NoticeKind | null> {
    const { record } = await this.deps.connections.read(catalog);
    let incident = record.incident;
    const kind = dueNotice(incident, this.now(), this.reminderMs);
    if (!incident || !kind) {
      return null;
    }
    const counters = await this.deps.counters(catalog);
    if (kind === 'restored') {
      if (!incident.atResolution) {
        incident = await this.snapshot(catalog, incident.id, counters);
        if (!incident) {
          return null;
        }
      }
      if (!restoredReady(incident, counters, this.now(), 3_600_000 / (this.deps.timeScale ?? 1))) {
        return null;
      }
    }
    const sender = this.deps.config.sender;
    if (!sender) {
      this.deps.log.warn({ catalog, incident: incident.id, notice: kind }, 'incident notice not sent: SYSTEM_SENDER is not configured');
      return null;
    }
    if (this.closing) {
      return null;
    }
    const claimed = await this.claim(catalog, incident.id, kind);
    if (!claimed) {
      return null;
    }
    let until = claimed.until;
    // Before each mail: a claim that lapsed meanwhile (slow lookups) is ours only if our conditional write extends it.
    const keep = async (): Promise<boolean> => {
      if (this.now() < Date.parse(until) - CLAIM_MS / 2) {
        return true;
      }
      const extended = await this.claim(catalog, incident?.id ?? '', kind, until);
      until = extended?.until ?? until;
      return extended !== undefined;
    };
    // Before the first mail (the language lookups take a while): a connection that works again by
    // then is not announced as lost, and one lost again (a new incident, whose alert may already be
    // out) is not announced as restored. Once one language's mail went, the others follow, so every
    // recipient reads the same story.
    const stillTrue = async (): Promise<boolean> => {
      const now = (await this.deps.connections.read(catalog)).record.incident;
      return now?.id === incident?.id && (kind === 'restored' || !now?.resolvedAt);
    };
    try {
      const outcome = await this.send(sender, kind, claimed.record, claimed.incident, counters, keep, stillTrue);
      if (outcome !== 'sent') {
        this.deps.log.warn({ catalog, incident: incident.id, notice: kind }, outcome === 'claim-lost' ? 'incident notice not sent: its claim lapsed and another worker took it' : OUTDATED[kind]);
        return null;
      }
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('INTERNAL_ERROR');
      // The claim lapses and the next sweep tries again.
      this.deps.log.warn({ catalog, incident: incident.id, notice: kind, code: apiError.code, upstream: apiError.upstream }, 'incident notice failed');
      return null;
    }
    const at = new Date(this.now()).toISOString();
    await this.deps.writer.update(catalog, (r) => (r.incident?.id === incident?.id && r.incident ? { ...r, incident: noticeSent(r.incident, kind, at) } : r));
    this.deps.log.info({ catalog, incident: incident.id, notice: kind }, 'incident notice sent');
    return kind;
  }

  private async snapshot(catalog: string, id: string, counters: OutboxCounters): Promise<Incident | undefined> {
    const written = await this.deps.writer.update(catalog, (r) => (r.incident?.id === id && r.incident && !r.incident.atResolution ? { ...r, incident: { ...r.incident, atResolution: counters } } : r));
    return written.incident?.id === id ? written.incident ?? undefined : undefined;
  }

  /**
   * The notice is ours to send when our conditional write of the claim lands on a record where it
   * was still due - or, to extend our claim (`held`: its date), where it is still ours, lapsed or not.
   */
  private async claim(catalog: string, id: string, kind: NoticeKind, held?: string): Promise<{ record: ConnectionRecord; incident: Incident; until: string } | undefined> {
    const until = new Date(this.now() + CLAIM_MS).toISOString();
    let ours = false;
    const written = await this.deps.writer.update(catalog, (r) => {
      const notice = r.incident?.id === id ? noticeOf(r.incident, kind) : null;
      ours = held === undefined
        ? r.incident?.id === id && dueNotice(r.incident, this.now(), this.reminderMs) === kind
        : notice?.sentAt === null && notice.claimedUntil === held;
      return ours && r.incident ? { ...r, incident: claimNotice(r.incident, kind, until) } : r;
    });
    return ours && written.incident ? { record: written, incident: written.incident, until } : undefined;
  }

  /**
   * Tells the account just connected to a catalog (issue 12 point 1), from the system sender, which
   * catalog and which admin; without a system sender the audit log line is all there is.
   */
  public async connected(record: ConnectionRecord, admin: string): Promise<boolean> {
    const sender = this.deps.config.sender;
    const account = record.account?.email;
    if (!sender || !account) {
      this.deps.log.warn({ catalog: record.catalog, account }, 'connected notice not sent: SYSTEM_SENDER is not configured');
      return false;
    }
    const token = await this.deps.appToken();
    // Two independent Graph reads, side by side: the connect answers the admin after this notice.
    const [language, siteTitle] = await Promise.all([this.language(token, account), this.siteTitle(token, record.catalog)]);
    const { subject, text } = connectedNoticeText(language, {
      siteTitle,
      catalog: record.catalog,
      account,
      admin,
      at: record.connectedAt ?? new Date(this.now()).toISOString(),
      page: `${record.catalog}${this.deps.config.settingsPagePath}`,
      method: record.method
    });
    await this.deps.graph.request(token, 'POST', `/users/${encodeURIComponent(sender)}/sendMail`, {
      message: { subject, body: { contentType: 'Text', content: text }, toRecipients: [{ emailAddress: { address: account } }] },
      saveToSentItems: true
    });
    return true;
  }

  /**
   * The catalog's admins and the LMS admins (R-LOSS-2): the alert recipients the catalog chose or,
   * until it chose some, the admin who connected the account - so a catalog whose page was never
   * given recipients is still told.
   */
  private recipients(record: ConnectionRecord, connectedBy: string | null | undefined): string[] {
    const catalogAdmins = record.alertRecipients.length > 0 ? record.alertRecipients : connectedBy ? [connectedBy] : [];
    return [...new Set([...catalogAdmins, ...this.deps.config.lmsAdmins].map((a) => a.toLowerCase()))];
  }

  /**
   * The catalog site's title as Graph has it now (site: displayName; the API's Sites.Selected grant
   * on the catalog lets it read it), for the subject to name the catalog by; null when Graph does
   * not answer with one, and the subject names the catalog by its path alone.
   */
  private async siteTitle(token: string, catalog: string): Promise<string | null> {
    try {
      const answer = await this.deps.graph.request<{ displayName?: unknown }>(token, 'GET', siteByPath(catalog, 'displayName'));
      return typeof answer?.displayName === 'string' ? answer.displayName : null;
    } catch {
      return null;
    }
  }

  /** The recipient's mailbox language (Graph mailboxSettings); unknown (outside the tenant, no mailbox) means both. */
  private async language(token: string, address: string): Promise<NoticeLanguage> {
    try {
      const settings = await this.deps.graph.request<{ language?: { locale?: string } }>(token, 'GET', `/users/${encodeURIComponent(address)}/mailboxSettings?$select=language`);
      const locale = settings?.language?.locale?.toLowerCase() ?? '';
      return locale.startsWith('ja') ? 'ja' : locale.startsWith('en') ? 'en' : 'both';
    } catch {
      return 'both';
    }
  }

  /**
   * Sends the notice, one mail per language: `claim-lost` when `keep` says the claim is no longer
   * ours, `outdated` when `stillTrue` says, before the first mail, that the notice no longer tells
   * the truth (nothing more sent in either case).
   */
  private async send(sender: string, kind: NoticeKind, record: ConnectionRecord, incident: Incident, counters: OutboxCounters, keep: () => Promise<boolean>, stillTrue: () => Promise<boolean>): Promise<'sent' | 'claim-lost' | 'outdated'> {
    // After a disconnect the record keeps no connecting admin: the incident does, for its closing notice.
    const connectedBy = record.connectedBy ?? incident.disconnected?.connectedBy;
    const recipients = this.recipients(record, connectedBy);
    if (recipients.length === 0) {
      this.deps.log.warn({ catalog: record.catalog, incident: incident.id }, 'incident notice has no recipients: set the catalog\'s alert recipients or LMS_ADMINS');
      return 'sent';
    }
    const token = await this.deps.appToken();
    // The site's title is read while the recipients' languages are (it never fails: null instead).
    const title = this.siteTitle(token, record.catalog);
    const byLanguage = new Map<NoticeLanguage, string[]>();
    for (const address of recipients) {
      const language = await this.language(token, address);
      byLanguage.set(language, [...(byLanguage.get(language) ?? []), address]);
    }
    const page = `${record.catalog}${this.deps.config.settingsPagePath}`;
    const siteTitle = await title;
    const audience: NoticeAudience = { alertRecipients: record.alertRecipients.length, connectedBy: Boolean(connectedBy), lmsAdmins: this.deps.config.lmsAdmins.length, total: recipients.length };
    let first = true;
    for (const [language, to] of byLanguage) {
      if (!(await keep())) {
        return 'claim-lost';
      }
      if (first && !(await stillTrue())) {
        return 'outdated';
      }
      first = false;
      const { subject, text } = noticeText(kind, language, record, incident, page, counters, audience, siteTitle);
      await this.deps.graph.request(token, 'POST', `/users/${encodeURIComponent(sender)}/sendMail`, {
        message: {
          subject,
          body: { contentType: 'Text', content: text },
          toRecipients: to.map((address) => ({ emailAddress: { address } })),
          // Unique per incident, notice (each reminder its own) and language, and the same on a retry:
          // a mailbox that drops a second delivery of an id it has (Exchange's duplicate detection) shows a retry once.
          internetMessageId: `<incident-${incident.id}.${kind}.${language}.${kind === 'reminder' ? incident.reminder?.seq ?? 1 : 0}@${new URL(record.catalog).hostname}>`
        },
        saveToSentItems: true
      });
    }
    return 'sent';
  }
}
