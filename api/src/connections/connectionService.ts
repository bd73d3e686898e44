import { randomUUID } from 'node:crypto';
import type { ApiConfig } from '../config/config';
import type { ClassicAttemptGuard } from '../auth/classicAttempts';
import type { Principal } from '../auth/principal';
import { ApiError, codeOf } from '../errors/apiError';
import { isConnectionLost, needsAdmin } from '../errors/failureKind';
import type { MicrosoftIdentity } from '../identity/microsoftIdentity';
import type { GraphClient } from '../graph/graphClient';
import { verifySmtpLogin } from '../mail/smtp';
import type { MailTransport } from '../mail/transport';
import type { SecretStore } from '../secrets/secretStore';
import type { ErrorCode } from '@lms-m365/contracts';
import { messageIdFor } from '../mail/message';
import { sitePath } from '../catalogs/catalogId';
import type { CatalogGate } from '../catalogs/catalogGate';
import { ConnectionStore } from './connectionStore';
import { ConnectionWriter } from './connectionWriter';
import { ClassicSecret, CredentialsProvider } from './credentials';
import { applySettings, ConnectionRecord, ConnectionView, disconnected, isWorking, NEW_CONNECTION_ETAG, SettingsChange, settingsEtag, toView } from './model';
import { requireUserMailbox } from './mailboxCheck';
import { objectIdOf, type OrgConsentStatus } from './orgConsent';
import { checkBinding, checkNotExpired, checkSamePrincipal } from './signInState';
import type { PendingSignIn, SignInStore } from './signInStore';

/** R-LOSS-0: refresh a modern connection whose tokens were not used for `days`. */
export function needsKeepAlive(record: ConnectionRecord, now: number, days: number): boolean {
  if (record.method !== 'modern' || !isWorking(record)) {
    return false;
  }
  const last = record.lastTokenUseAt ? Date.parse(record.lastTokenUseAt) : 0;
  return now - last >= days * 86_400_000;
}

export interface ServiceDeps {
  config: ApiConfig;
  connections: ConnectionStore;
  secrets: SecretStore;
  signIns: SignInStore;
  identity: MicrosoftIdentity;
  graph: GraphClient;
  orgConsent: OrgConsentStatus;
  credentials: CredentialsProvider;
  writer: ConnectionWriter;
  /** R-SEC-2: which sites are catalogs. */
  catalogs: CatalogGate;
  /** Classic connect's switch, attempt limits and audit (R-SEC-3). */
  classicAttempts: ClassicAttemptGuard;
  /** Whether a test email may go to `to` today (the tenant's domains, the alert recipients, a daily quota). */
  testEmailPolicy: (record: ConnectionRecord, to: string) => Promise<void>;
  now?: () => number;
  /** Audit log of connects and refused completions (who, which catalog, which account; never a secret). */
  audit?: (event: string, fields: Record<string, unknown>) => void;
  /** The account just connected is told, from the system sender, by whom (issue 12 point 1). */
  onConnected?: (record: ConnectionRecord, admin: string) => Promise<unknown>;
  /** A step that failed upstream, for the operator's log line (with the catalog when there is one). */
  onUpstreamError?: (context: string, error: ApiError, catalog?: string) => void;
  /** The catalog can send now (connected, or switched on): its held outbox is woken. */
  onSendable?: (catalog: string) => Promise<void>;
  /** The catalog's outbox at a glance, for the view (waiting, held, last successful send). */
  outboxSummary?: (record: ConnectionRecord) => Promise<OutboxSummary>;
  /** The settings list's last failed write, shown as a warning in the view (issue 13 point 3). */
  mirrorFailure?: (catalog: string) => Promise<{ code: ErrorCode; failedAt: string } | null>;
  /**
   * A mailbox Exchange stopped from sending pauses an hour between tries (the engine): when it
   * next tries, and an admin's word that the block is lifted (the next try comes now, or a minute
   * after the last refusal; the catalog is woken for it). Both answer that time, if there is a pause.
   */
  sendingBlock?: {
    nextTry: (mailbox: string) => Promise<number | undefined>;
    retry: (catalog: string, mailbox: string) => Promise<number | undefined>;
  };
}

export type OutboxSummary = NonNullable<ConnectionView['outbox']>;

export class ConnectionService {
  private readonly now: () => number;

  public constructor(private readonly deps: ServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  private nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  public async view(principal: Principal, catalog: string): Promise<ConnectionView> {
    const [{ record, etag }, { granted, smtpGranted }] = await Promise.all([this.deps.connections.readForView(catalog), this.deps.orgConsent.consented()]);
    if (principal.kind === 'app' && etag === NEW_CONNECTION_ETAG) {
      // The LMS reading a site nothing was ever set up for (or forgotten): told, as when it queues, whether it is a
      // catalog at all (a misspelt URL), not shown an empty connection. The settings page finds that
      // itself (it reads the site's lists), so the admin's read stays as it is.
      const refusal = await this.deps.catalogs.neverConnected(catalog, new ApiError('NOT_CONNECTED'));
      if (refusal.code === 'NOT_A_CATALOG') {
        throw refusal;
      }
    }
    const [rooms, listFailure, outbox, nextTry] = await Promise.all([
      this.deps.orgConsent.rooms(record.homeAccountId),
      this.deps.mirrorFailure?.(catalog).catch(() => null) ?? null,
      // A catalog connected before (generation > 0) may hold what was queued until its disconnect.
      this.deps.outboxSummary && (record.method || record.generation > 0) ? this.deps.outboxSummary(record) : null,
      // Only shown with the block: the time is a help, its failure leaves the view without it.
      record.blocked && record.account && this.deps.sendingBlock ? this.deps.sendingBlock.nextTry(record.account.email).catch(() => undefined) : undefined
    ]);
    const view = toView(record, settingsEtag(record, etag), { granted, smtpGranted, canGrant: principal.kind === 'user' && principal.isTenantAdmin }, rooms, listFailure, outbox);
    return view.sendingBlocked && nextTry !== undefined ? { ...view, sendingBlocked: { ...view.sendingBlocked, nextTryAt: new Date(nextTry).toISOString() } } : view;
  }

  /**
   * The admin says Exchange's block is lifted ("Try again now"): the connected account's mailbox
   * asks Exchange again now instead of at its hourly try (a minute after its last refusal at the
   * soonest). Nothing else changes: a refusal pauses it again, under the same incident (no second alert).
   */
  public async retrySending(principal: Principal, catalog: string): Promise<ConnectionView> {
    const { record } = await this.deps.connections.read(catalog);
    if (!record.method || !record.account) {
      throw new ApiError('NOT_CONNECTED');
    }
    const at = await this.deps.sendingBlock?.retry(catalog, record.account.email);
    if (at !== undefined) {
      this.deps.audit?.('sending retried', { catalog, account: record.account.email, by: principal.kind === 'user' ? principal.name : 'LMS', at: new Date(at).toISOString() });
    }
    return this.view(principal, catalog);
  }

  /** The block's pause lifted for another reason than the button (a new account, a test email through); a failure only leaves the hourly try. */
  private async liftBlock(record: ConnectionRecord): Promise<void> {
    if (!record.account || !this.deps.sendingBlock) {
      return;
    }
    try {
      await this.deps.sendingBlock.retry(record.catalog, record.account.email);
    } catch (error) {
      this.upstreamFailed('sending block retry', error, record.catalog);
    }
  }

  public async changeSettings(principal: Principal, catalog: string, ifMatch: string | undefined, change: SettingsChange): Promise<ConnectionView> {
    if (!ifMatch) {
      throw new ApiError('PRECONDITION_REQUIRED');
    }
    // Only a catalog is switched on or given alert recipients (R-SEC-2): an owner of any other
    // site under the SharePoint address would otherwise set sending and mail going for it. Another
    // change (switching off, clearing, a transport) is let through: it sets no mail going (a site
    // whose app was removed, its list with it, can still be switched off, and a reset that sets
    // the default transport works on it); but it makes no record for a site that has none and is
    // no catalog (below).
    const gated = change.enabled === true || (change.alertRecipients?.length ?? 0) > 0;
    if (gated) {
      await this.deps.catalogs.require(catalog);
    }
    // If-Match names the settings the admin saw (`settingsEtag`); the write is conditional on the
    // storage ETag, and is applied again to a record the API itself wrote meanwhile.
    let verified = false;
    let wasEnabled = false;
    const written = await this.deps.writer.update(catalog, async (record, etag) => {
      if (settingsEtag(record, etag) !== ifMatch) {
        throw new ApiError('CHANGED_BY_SOMEONE_ELSE');
      }
      // (A record read again has the same settings, so it needs no second check.)
      if (!verified && change.transport === 'smtp-oauth' && record.method === 'modern' && record.transport !== 'smtp-oauth') {
        await this.verifySmtpOAuth(record);
      }
      verified = true;
      wasEnabled = record.enabled;
      if (!gated && etag === NEW_CONNECTION_ETAG && !(await this.deps.catalogs.isCatalog(catalog))) {
        return record;
      }
      // (Written even when it changes nothing: the write mirrors the record into the settings list
      // item, which the page may just have made.)
      return applySettings(record, change);
    });
    if (written.enabled && !wasEnabled) {
      await this.sendable(catalog);
    }
    return this.view(principal, catalog);
  }

  /** A step beside the admin's action failed (a notice, a wake, the block's lift): logged, the action stands. */
  private upstreamFailed(context: string, error: unknown, catalog?: string): void {
    this.deps.onUpstreamError?.(context, error instanceof ApiError ? error : new ApiError('SERVICE_UNAVAILABLE'), catalog);
  }

  private async sendable(catalog: string): Promise<void> {
    try {
      await this.deps.onSendable?.(catalog);
    } catch (error) {
      this.upstreamFailed('outbox wake', error, catalog);
    }
  }

  /**
   * R-SEC-1: the page completes the sign-in with the completion code its callback posted to it, its
   * admin's token and the nonce it kept. Only the same admin (tenant and object id; the route has
   * re-checked catalog-admin rights), with the same nonce, within the window, once, on the
   * generation the sign-in started from, stores the connection; anything else changes nothing.
   */
  public async completeModern(principal: Principal, catalog: string, request: { completion: string; nonce: string }): Promise<ConnectionView> {
    if (principal.kind !== 'user') {
      throw new ApiError('USER_ONLY');
    }
    await this.deps.catalogs.require(catalog);
    let signIn: PendingSignIn;
    try {
      signIn = await this.deps.signIns.take(request.completion, (found) => {
        if (found.phase !== 'complete' || found.catalog.toLowerCase() !== catalog.toLowerCase()) {
          throw new ApiError('STATE_INVALID');
        }
        checkNotExpired(found.expiresAt, this.now());
        checkSamePrincipal(found, principal);
        checkBinding(found.bindingHash, request.nonce);
      });
    } catch (error) {
      if (error instanceof ApiError) {
        this.deps.audit?.('sign-in completion refused', { catalog, by: principal.objectId, code: error.code });
      }
      throw error;
    }
    const account = signIn.account;
    if (!account || !signIn.homeAccountId || signIn.cache === undefined) {
      throw new ApiError('STATE_INVALID');
    }
    const cache = signIn.cache;
    const homeAccountId = signIn.homeAccountId;
    const written = await this.deps.writer.replaceConnection(catalog, (record) => {
      if (record.generation !== (signIn.generation ?? 0)) {
        throw new ApiError('SIGN_IN_SUPERSEDED');
      }
      return {
        ...record,
        method: 'modern',
        transport: signIn.transport,
        account,
        homeAccountId,
        health: { state: 'connected', code: null, checkedAt: this.nowIso() },
        lastTokenUseAt: this.nowIso(),
        connectedBy: principal.name,
        connectedAt: this.nowIso(),
        disconnected: null
      };
    }, async (generation) => ({ put: await this.deps.secrets.sealed(catalog, 'msal-cache', cache, generation, account.email) }));
    await this.afterConnect(written, principal.name);
    return this.view(principal, catalog);
  }

  /** The audit line, the connected account's notice and the outbox's wake-up of a new connection. */
  private async afterConnect(record: ConnectionRecord, admin: string): Promise<void> {
    this.deps.audit?.('connected', { catalog: record.catalog, method: record.method, account: record.account?.email, by: admin, generation: record.generation });
    try {
      await this.deps.onConnected?.(record, admin);
    } catch (error) {
      this.upstreamFailed('connected notice', error, record.catalog);
    }
    // A block Exchange set on the mailbox may have been the old connection's (send-as denied to a
    // Classic login): the new one asks Exchange now, not at the old pause's hourly try.
    await this.liftBlock(record);
    await this.sendable(record.catalog);
  }

  /** R-CLS-3: the password is proved by an SMTP login before anything is stored. */
  public async connectClassic(principal: Principal, catalog: string, email: string, password: string): Promise<ConnectionView> {
    if (principal.kind !== 'user') {
      throw new ApiError('USER_ONLY');
    }
    await this.deps.catalogs.require(catalog);
    const address = email.trim().toLowerCase();
    await this.deps.classicAttempts.attempt({ caller: principal, catalog, account: address }, () => this.proveClassic(address, password));
    // The record and the password change together (R-SEC-4): two connects at once leave one account and its own password.
    const written = await this.deps.writer.replaceConnection(catalog, (record) => ({
      ...record,
      method: 'classic',
      account: { email: address, displayName: address },
      homeAccountId: null,
      health: { state: 'connected', code: null, checkedAt: this.nowIso() },
      lastTokenUseAt: this.nowIso(),
      connectedBy: principal.name,
      connectedAt: this.nowIso(),
      disconnected: null
    }), async (generation) => ({ put: await this.deps.secrets.sealed(catalog, 'password', JSON.stringify({ password } satisfies ClassicSecret), generation, address) }));
    await this.afterConnect(written, principal.name);
    return this.view(principal, catalog);
  }

  /**
   * The password first: a wrong one is BAD_CREDENTIALS whatever the mailbox is, so nothing about
   * an account is learnt without its password. Then the mailbox must be a user's, as for modern.
   */
  private async proveClassic(address: string, password: string): Promise<void> {
    await verifySmtpLogin(this.deps.config.smtp, { user: address, pass: password });
    await requireUserMailbox(this.deps, address);
  }

  /**
   * R-DIS-1: the record says nobody is connected and the secret is deleted, in one transaction on a
   * new generation; sign-ins under way and the tokens of their finished legs go too (issue 12 point 3).
   */
  public async disconnect(principal: Principal, catalog: string): Promise<ConnectionView> {
    await this.deps.signIns.removeForCatalog(catalog);
    const { record } = await this.deps.connections.read(catalog);
    if (record.method !== null || record.account !== null || (await this.deps.connections.hasSecret(catalog))) {
      const by = principal.kind === 'user' ? principal.name : 'LMS';
      await this.deps.writer.replaceConnection(catalog, (current) => disconnected(current, this.nowIso(), by), async () => ({ remove: true }));
      this.deps.audit?.('disconnected', { catalog, account: record.account?.email, by });
    }
    return this.view(principal, catalog);
  }

  /** Proves the connection works now, and records the result as its health. */
  public async check(principal: Principal, catalog: string): Promise<ConnectionView> {
    const { record } = await this.deps.connections.read(catalog);
    if (!record.method) {
      throw new ApiError('NOT_CONNECTED');
    }
    await this.refusedPasswordCounted(principal, record, () => this.probe(record), (state) => state);
    return this.view(principal, catalog);
  }

  /**
   * An admin's login (Check now, a test email) with a Classic password Exchange already refused
   * (the connection lost) is one more failed sign-in of the account each time: it counts on the
   * account's Classic attempts (R-SEC-3), so a button pressed in a loop cannot lock the mailbox out.
   */
  private async refusedPasswordCounted<T>(principal: Principal, record: ConnectionRecord, login: () => Promise<T>, outcomeOf?: (result: T) => string): Promise<T> {
    if (record.method !== 'classic' || record.health.state !== 'lost' || !record.account) {
      return login();
    }
    const caller = principal.kind === 'user' ? { caller: principal.name, callerId: `${principal.tenantId}:${principal.objectId}` } : { caller: 'LMS', callerId: `${principal.tenantId}:${principal.appId}` };
    return this.deps.classicAttempts.recheck({ ...caller, catalog: record.catalog, account: record.account.email }, login, outcomeOf);
  }

  /**
   * One token refresh and Graph read (with the mailbox check), or one SMTP login - never a message
   * (R-LOSS-1). A lost connection that works again is released: its held outbox is woken.
   * Answers the state found; a fault that tells nothing about the connection (throttling, 5xx,
   * the service's own credentials or key refused) is recorded as the health "error" with its code
   * (R-PAGE-6: not a loss - nothing is held - and a lost connection stays lost) and thrown.
   */
  public async probe(record: ConnectionRecord): Promise<'connected' | 'lost'> {
    try {
      await this.withConnection(record, async (transport) => {
        await transport.probe();
        if (transport.kind === 'graph') {
          // By the account's object id, not its address.
          await requireUserMailbox(this.deps, objectIdOf(record.homeAccountId) || transport.account);
        }
      });
    } catch (error) {
      if (error instanceof ApiError && isConnectionLost(error.code)) {
        return 'lost';
      }
      await this.deps.writer.recordHealth(record, { state: 'error', code: codeOf(error) }).catch((written: unknown) => {
        this.upstreamFailed('check failure not recorded', written, record.catalog);
      });
      throw error;
    }
    if (record.health.state === 'lost') {
      await this.sendable(record.catalog);
    }
    return 'connected';
  }

  /** R-OPS-1: a test message from the connected account. Graph or SMTP answers "accepted"; only the mailbox confirms delivery. */
  public async sendTestEmail(principal: Principal, catalog: string, to: string, language: 'en' | 'ja'): Promise<{ status: 'accepted'; messageId: string }> {
    await this.deps.catalogs.require(catalog);
    const { record } = await this.deps.connections.read(catalog);
    if (!record.method || !record.account) {
      throw new ApiError('NOT_CONNECTED');
    }
    await this.deps.testEmailPolicy(record, to);
    // The site's path names the catalog in the subject: an admin of several catalogs tells their tests apart.
    const site = sitePath(catalog);
    const subject = language === 'ja' ? `LMS の Microsoft 365 接続のテスト（${site}）` : `LMS Microsoft 365 connection test (${site})`;
    const text = language === 'ja'
      ? `このメッセージは、カタログ ${catalog} の接続テストとして ${principal.kind === 'user' ? principal.name : 'LMS'} が送信しました。`
      : `This message was sent by ${principal.kind === 'user' ? principal.name : 'the LMS'} to test the Microsoft 365 connection of catalog ${catalog}.`;
    const messageId = messageIdFor(`test-${randomUUID()}`, 0, this.deps.config.sending.messageIdDomain);
    const sentAt = this.now();
    // One recipient: refused, the send itself fails (nothing is taken for nobody).
    try {
      await this.refusedPasswordCounted(principal, record, () => this.withConnection(record, async (transport) => {
        await transport.send({ messageId, from: transport.account, to: [to], cc: [], bcc: [], subject, text });
      }));
    } catch (error) {
      if (error instanceof ApiError && needsAdmin(error.code)) {
        // Exchange refused the account itself, as it would refuse the outbox: the card says so and
        // the admins are told (the block's incident), also when no notification is waiting to find it.
        await this.deps.writer.recordBlocked(record, error.code).catch((failure: unknown) => {
          this.upstreamFailed('sending block not recorded', failure, catalog);
        });
      }
      throw error;
    }
    if (record.blocked) {
      // Exchange took a message from the account, as the outbox would send it: its block is lifted
      // (the incident resolved, the admins told). The test email went all the same if this fails.
      await this.deps.writer.recordBlocked(record, null, { since: sentAt }).catch((error: unknown) => {
        this.upstreamFailed('sending block not cleared', error, catalog);
      });
      await this.liftBlock(record);
    }
    return { status: 'accepted', messageId };
  }

  /**
   * Runs one operation through the connection's transport and records the outcome as health:
   * a failure that means the connection is gone marks it lost (R-LOSS-1).
   */
  private async withConnection(record: ConnectionRecord, operation: (transport: MailTransport) => Promise<void>): Promise<void> {
    let transport: MailTransport | undefined;
    const since = this.now();
    try {
      transport = await this.deps.credentials.open(record);
      await operation(transport);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('INTERNAL_ERROR');
      if (isConnectionLost(apiError.code)) {
        await this.deps.writer.recordHealth(record, { state: 'lost', code: apiError.code }, { upstream: apiError.upstream });
      }
      throw apiError;
    } finally {
      await transport?.close();
    }
    await this.deps.writer.recordHealth(record, { state: 'connected', code: null }, { used: true, since });
  }

  private async verifySmtpOAuth(record: ConnectionRecord): Promise<void> {
    const client = this.deps.identity.catalogClient(this.deps.secrets, record.catalog, record.generation);
    const token = await this.deps.identity.catalogToken(client, record.homeAccountId, [this.deps.config.smtpScope]);
    await verifySmtpLogin(this.deps.config.smtp, { user: record.account?.email ?? '', accessToken: token.accessToken });
  }

  /**
   * Sign-ins abandoned past their expiry (the admin's name, the account's address, a sealed token
   * cache of a finished leg): removed by the keep-alive and the daily retention job, so also where
   * the keep-alive is turned off. Answers how many.
   */
  public purgeSignIns(now: number = this.now()): Promise<number> {
    return this.deps.signIns.purgeExpired(now);
  }

  /** R-LOSS-0: refreshes every modern connection idle for keepAliveAfterDays. */
  /** `goOn` is asked before each refresh (the job's lease renewed, no shutdown under way): false ends the run. */
  public async keepAlive(now: number = this.now(), goOn: () => Promise<boolean> = async () => true): Promise<{ refreshed: number; lost: number }> {
    let refreshed = 0;
    let lost = 0;
    await this.purgeSignIns(now);
    for await (const { record } of this.deps.connections.all()) {
      if (!needsKeepAlive(record, now, this.deps.config.keepAliveAfterDays)) {
        continue;
      }
      if (!(await goOn())) {
        break;
      }
      try {
        await this.withConnection(record, (transport) => transport.probe());
        refreshed++;
      } catch (error) {
        if (error instanceof ApiError && isConnectionLost(error.code)) {
          lost++;
        }
        this.deps.onUpstreamError?.('keep-alive', error instanceof ApiError ? error : new ApiError('INTERNAL_ERROR'), record.catalog);
      }
    }
    return { refreshed, lost };
  }
}
