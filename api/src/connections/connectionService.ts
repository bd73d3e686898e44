import { randomUUID } from 'node:crypto';
import type { AuthenticationResult } from '@azure/msal-node';
import type { ApiConfig } from '../config/config';
import type { ClassicAttemptGuard } from '../auth/classicAttempts';
import type { Principal } from '../auth/principal';
import { ApiError } from '../errors/apiError';
import { isConnectionLost } from '../errors/failureKind';
import { GRAPH_PERMISSIONS, graphScopes, MicrosoftIdentity, missingPermissions } from '../identity/microsoftIdentity';
import type { GraphClient } from '../graph/graphClient';
import { verifySmtpLogin } from '../mail/smtp';
import type { MailTransport } from '../mail/transport';
import type { SecretStore } from '../secrets/secretStore';
import type { ErrorCode } from '@lms-m365/contracts';
import { messageIdFor } from '../mail/message';
import type { CatalogGate } from '../catalogs/catalogGate';
import { ConnectionStore } from './connectionStore';
import { ConnectionWriter } from './connectionWriter';
import { ClassicSecret, CredentialsProvider } from './credentials';
import { applySettings, ConnectionRecord, ConnectionView, disconnected, SettingsChange, settingsEtag, toView } from './model';
import { OrgConsentStatus, signInScopes } from './orgConsent';
import { bindingHash, checkBinding, checkNonce, checkNotExpired, checkSamePrincipal, COMPLETION_LIFETIME_MS, isWellFormedState, newSignIn, randomToken } from './signInState';
import type { PendingSignIn, SignInStore } from './signInStore';

/** R-LOSS-0: refresh a modern connection whose tokens were not used for `days`. */
export function needsKeepAlive(record: ConnectionRecord, now: number, days: number): boolean {
  if (record.method !== 'modern' || record.health.state !== 'connected') {
    return false;
  }
  const last = record.lastTokenUseAt ? Date.parse(record.lastTokenUseAt) : 0;
  return now - last >= days * 86_400_000;
}

export interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
}

/** What the callback page tells its opener. `origin` is known only once the state was found. */
export interface CallbackOutcome {
  origin?: string;
  catalog?: string;
  ok: boolean;
  code?: ErrorCode;
  /** The one-time code the page completes the sign-in with (R-SEC-1); never in a failed outcome. */
  completion?: string;
  /** Send the popup on to another sign-in leg instead of answering the page. */
  redirect?: string;
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
  onUpstreamError?: (context: string, error: ApiError) => void;
  /** The catalog can send now (connected, or switched on): its held outbox is woken. */
  onSendable?: (catalog: string) => Promise<void>;
  /** The catalog's outbox at a glance, for the view (waiting, held, last successful send). */
  outboxSummary?: (record: ConnectionRecord) => Promise<OutboxSummary>;
  /** The settings list's last failed write, shown as a warning in the view (issue 13 point 3). */
  mirrorFailure?: (catalog: string) => Promise<{ code: ErrorCode; failedAt: string } | null>;
}

export interface OutboxSummary {
  waiting: number;
  held: number;
  lastSentAt: string | null;
}

export class ConnectionService {
  private readonly now: () => number;

  public constructor(private readonly deps: ServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  private nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  public async view(principal: Principal, catalog: string): Promise<ConnectionView> {
    const [{ record, etag }, granted] = await Promise.all([this.deps.connections.readForView(catalog), this.deps.orgConsent.granted()]);
    const [rooms, listFailure, outbox] = await Promise.all([
      this.deps.orgConsent.rooms(record.homeAccountId),
      this.deps.mirrorFailure?.(catalog).catch(() => null) ?? null,
      this.deps.outboxSummary && record.method ? this.deps.outboxSummary(record) : null
    ]);
    return toView(record, settingsEtag(record, etag), { granted, canGrant: principal.kind === 'user' && principal.isTenantAdmin }, rooms, listFailure, outbox);
  }

  public async changeSettings(principal: Principal, catalog: string, ifMatch: string | undefined, change: SettingsChange): Promise<ConnectionView> {
    if (!ifMatch) {
      throw new ApiError('PRECONDITION_REQUIRED');
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
      return applySettings(record, change);
    });
    if (written.enabled && !wasEnabled) {
      await this.sendable(catalog);
    }
    return this.view(principal, catalog);
  }

  private async sendable(catalog: string): Promise<void> {
    try {
      await this.deps.onSendable?.(catalog);
    } catch (error) {
      this.deps.onUpstreamError?.('outbox wake', error instanceof ApiError ? error : new ApiError('SERVICE_UNAVAILABLE'));
    }
  }

  /**
   * R-MOD-1/5: the authorize URL for a PKCE sign-in bound to catalog, caller, origin, the page's
   * nonce, the record's generation and 10 minutes (R-SEC-1).
   */
  public async startModern(principal: Principal, catalog: string, request: { orgConsent: boolean; transport?: 'graph' | 'smtp-oauth'; origin: string; nonce: string }): Promise<{ authorizeUrl: string; expiresAt: string }> {
    if (principal.kind !== 'user') {
      throw new ApiError('SCOPE_MISSING');
    }
    if (!this.deps.config.allowedOrigins.includes(request.origin)) {
      throw new ApiError('ORIGIN_NOT_ALLOWED');
    }
    await this.deps.catalogs.require(catalog);
    const { record } = await this.deps.connections.read(catalog);
    const transport = request.transport ?? record.transport;
    const signIn = newSignIn(this.now());
    await this.deps.signIns.put(signIn.state, {
      phase: 'graph',
      catalog,
      callerTenant: principal.tenantId,
      caller: principal.objectId,
      callerName: principal.name,
      bindingHash: bindingHash(request.nonce),
      generation: record.generation,
      origin: request.origin,
      orgConsent: request.orgConsent,
      transport,
      nonce: signIn.nonce,
      verifier: signIn.verifier,
      expiresAt: signIn.expiresAt
    });
    const authorizeUrl = await this.deps.identity.authorizeUrl({
      scopes: signInScopes(this.deps.config, { orgConsent: request.orgConsent, transport }),
      state: signIn.state,
      nonce: signIn.nonce,
      challenge: signIn.challenge,
      orgConsent: request.orgConsent
    });
    return { authorizeUrl, expiresAt: new Date(signIn.expiresAt).toISOString() };
  }

  /**
   * The redirect back from sign-in: redeem, check the account (R-MOD-3/7/8), then keep the result
   * for the page under a one-time completion code. Nothing is connected here (R-SEC-1): only the
   * admin who started the sign-in, from the page that started it, completes it (completeModern).
   */
  public async finishMicrosoftLeg(query: CallbackQuery): Promise<CallbackOutcome> {
    if (!isWellFormedState(query.state)) {
      return { ok: false, code: 'STATE_INVALID' };
    }
    let pending: PendingSignIn;
    try {
      pending = await this.deps.signIns.take(query.state, (found) => {
        if (found.phase === 'complete') {
          throw new ApiError('STATE_INVALID');
        }
      });
    } catch (error) {
      return { ok: false, code: error instanceof ApiError ? error.code : 'INTERNAL_ERROR' };
    }
    const outcome: CallbackOutcome = { origin: pending.origin, catalog: pending.catalog, ok: false };
    try {
      checkNotExpired(pending.expiresAt, this.now());
      if (query.error) {
        throw new ApiError(mapCallbackError(query.error, query.error_description));
      }
      if (!query.code) {
        throw new ApiError('STATE_INVALID', { detail: 'The sign-in response has no code.' });
      }
      const client = this.deps.identity.signInClient();
      let account: { email: string; displayName: string };
      let result: AuthenticationResult;
      if (pending.phase === 'smtp') {
        client.getTokenCache().deserialize(pending.cache ?? '{}');
        result = await this.deps.identity.redeemCode(client, query.code, pending.verifier, pending.nonce, [this.deps.config.smtpScope]);
        checkNonce(pending.nonce, (result.idTokenClaims as { nonce?: unknown } | undefined)?.nonce);
        if (!pending.account || result.account?.homeAccountId !== pending.homeAccountId) {
          throw new ApiError('STATE_INVALID', { detail: 'The second sign-in was made with another account.' });
        }
        account = pending.account;
        await verifySmtpLogin(this.deps.config.smtp, { user: account.email, accessToken: result.accessToken });
      } else {
        result = await this.deps.identity.redeemCode(client, query.code, pending.verifier, pending.nonce, graphScopes(this.deps.config));
        checkNonce(pending.nonce, (result.idTokenClaims as { nonce?: unknown } | undefined)?.nonce);
        account = await this.checkAccount(result);
        if (pending.transport === 'smtp-oauth') {
          const next = await this.smtpLeg(pending, result, client, account);
          if (next) {
            return { ...outcome, redirect: next };
          }
        }
      }
      this.deps.orgConsent.forget();
      const completion = randomToken();
      await this.deps.signIns.put(completion, {
        ...pending,
        phase: 'complete',
        cache: client.getTokenCache().serialize(),
        account,
        homeAccountId: result.account?.homeAccountId,
        expiresAt: this.now() + COMPLETION_LIFETIME_MS
      });
      return { ...outcome, ok: true, completion };
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('INTERNAL_ERROR');
      this.deps.onUpstreamError?.('modern sign-in', apiError);
      return { ...outcome, code: apiError.code };
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
      throw new ApiError('SCOPE_MISSING');
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
        connectedAt: this.nowIso()
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
      this.deps.onUpstreamError?.('connected notice', error instanceof ApiError ? error : new ApiError('SERVICE_UNAVAILABLE'));
    }
    await this.sendable(record.catalog);
  }

  /**
   * R-MOD-8: proves SMTP AUTH with an XOAUTH2 login. When Exchange's SMTP.Send is not consented
   * yet, answers the authorize URL of a second sign-in leg (same account) that asks for it.
   */
  private async smtpLeg(pending: PendingSignIn, result: AuthenticationResult, client: ReturnType<MicrosoftIdentity['signInClient']>, account: { email: string; displayName: string }): Promise<string | undefined> {
    let smtpToken: AuthenticationResult;
    try {
      smtpToken = await this.deps.identity.catalogToken(client, result.account?.homeAccountId ?? null, [this.deps.config.smtpScope]);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'CONSENT_REQUIRED') {
        throw error;
      }
      const leg = newSignIn(this.now());
      await this.deps.signIns.put(leg.state, {
        ...pending,
        phase: 'smtp',
        nonce: leg.nonce,
        verifier: leg.verifier,
        cache: client.getTokenCache().serialize(),
        account,
        homeAccountId: result.account?.homeAccountId
      });
      return this.deps.identity.authorizeUrl({ scopes: [this.deps.config.smtpScope], state: leg.state, nonce: leg.nonce, challenge: leg.challenge, orgConsent: pending.orgConsent, loginHint: account.email });
    }
    await verifySmtpLogin(this.deps.config.smtp, { user: account.email, accessToken: smtpToken.accessToken });
    return undefined;
  }

  private async checkAccount(result: AuthenticationResult): Promise<{ email: string; displayName: string }> {
    if (result.tenantId && result.tenantId !== this.deps.config.tenantId) {
      throw new ApiError('SIGN_IN_FAILED', { detail: 'The account belongs to another tenant.' });
    }
    const missing = missingPermissions(result.scopes, GRAPH_PERMISSIONS);
    if (missing.length > 0) {
      throw new ApiError('PERMISSIONS_MISSING', { detail: `Not granted: ${missing.join(', ')}.` });
    }
    const me = await this.deps.graph.request<{ displayName?: string; mail?: string | null; userPrincipalName?: string }>(result.accessToken, 'GET', '/me?$select=id,displayName,mail,userPrincipalName');
    const email = (me?.mail || me?.userPrincipalName || '').toLowerCase();
    if (!email) {
      throw new ApiError('MAILBOX_NOT_FOUND');
    }
    await this.checkMailbox(email);
    return { email, displayName: me?.displayName ?? email };
  }

  /**
   * R-MOD-3: the account must have a user mailbox. mailboxSettings needs MailboxSettings.Read,
   * which the account is not asked for (R-MOD-4), so the API asks with its own app permission.
   */
  private async checkMailbox(email: string): Promise<void> {
    const token = await this.deps.identity.appToken(`${this.deps.config.graphResource}/.default`);
    const settings = await this.deps.graph.request<{ userPurpose?: string }>(token, 'GET', `/users/${encodeURIComponent(email)}/mailboxSettings`);
    const purpose = settings?.userPurpose?.toLowerCase();
    if (purpose && purpose !== 'user') {
      throw new ApiError(purpose === 'shared' ? 'SHARED_MAILBOX' : 'MAILBOX_NOT_FOUND', { upstream: `mailboxSettings.userPurpose ${purpose}` });
    }
  }

  /** R-CLS-3: the password is proved by an SMTP login before anything is stored. */
  public async connectClassic(principal: Principal, catalog: string, email: string, password: string): Promise<ConnectionView> {
    if (principal.kind !== 'user') {
      throw new ApiError('SCOPE_MISSING');
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
      connectedAt: this.nowIso()
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
    await this.checkMailbox(address);
  }

  /**
   * R-DIS-1: the record says nobody is connected and the secret is deleted, in one transaction on a
   * new generation; sign-ins under way and the tokens of their finished legs go too (issue 12 point 3).
   */
  public async disconnect(principal: Principal, catalog: string): Promise<ConnectionView> {
    await this.deps.signIns.removeForCatalog(catalog);
    const { record } = await this.deps.connections.read(catalog);
    if (record.method !== null || record.account !== null || (await this.deps.connections.hasSecret(catalog))) {
      await this.deps.writer.replaceConnection(catalog, (current) => disconnected(current, this.nowIso()), async () => ({ remove: true }));
      this.deps.audit?.('disconnected', { catalog, account: record.account?.email, by: principal.kind === 'user' ? principal.name : 'LMS' });
    }
    return this.view(principal, catalog);
  }

  /** Proves the connection works now, and records the result as its health. */
  public async check(principal: Principal, catalog: string): Promise<ConnectionView> {
    const { record } = await this.deps.connections.read(catalog);
    if (!record.method) {
      throw new ApiError('NOT_CONNECTED');
    }
    await this.probe(record);
    return this.view(principal, catalog);
  }

  /**
   * One token refresh and Graph read (with the mailbox check), or one SMTP login - never a message
   * (R-LOSS-1). A lost connection that works again is released: its held outbox is woken.
   * Answers the state found; a passing fault (throttling, 5xx) is thrown and changes nothing.
   */
  public async probe(record: ConnectionRecord): Promise<'connected' | 'lost'> {
    try {
      await this.withConnection(record, async (transport) => {
        await transport.probe();
        if (transport.kind === 'graph') {
          await this.checkMailbox(transport.account);
        }
      });
    } catch (error) {
      if (error instanceof ApiError && isConnectionLost(error.code)) {
        return 'lost';
      }
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
    const subject = language === 'ja' ? 'LMS の Microsoft 365 接続のテスト' : 'LMS Microsoft 365 connection test';
    const text = language === 'ja'
      ? `このメッセージは、カタログ ${catalog} の接続テストとして ${principal.kind === 'user' ? principal.name : 'LMS'} が送信しました。`
      : `This message was sent by ${principal.kind === 'user' ? principal.name : 'the LMS'} to test the Microsoft 365 connection of catalog ${catalog}.`;
    const messageId = messageIdFor(`test-${randomUUID()}`, 0, this.deps.config.sending.messageIdDomain);
    await this.withConnection(record, (transport) => transport.send({ messageId, from: transport.account, to: [to], cc: [], bcc: [], subject, text }));
    return { status: 'accepted', messageId };
  }

  /**
   * Runs one operation through the connection's transport and records the outcome as health:
   * a failure that means the connection is gone marks it lost (R-LOSS-1).
   */
  private async withConnection(record: ConnectionRecord, operation: (transport: MailTransport) => Promise<void>): Promise<void> {
    let transport: MailTransport | undefined;
    try {
      transport = await this.deps.credentials.open(record);
      await operation(transport);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('INTERNAL_ERROR');
      if (isConnectionLost(apiError.code)) {
        await this.deps.writer.recordHealth(record.catalog, record.connectionId, { state: 'lost', code: apiError.code }, false, record.generation);
      }
      throw apiError;
    } finally {
      await transport?.close();
    }
    await this.deps.writer.recordHealth(record.catalog, record.connectionId, { state: 'connected', code: null }, true, record.generation);
  }

  private async verifySmtpOAuth(record: ConnectionRecord): Promise<void> {
    const client = this.deps.identity.catalogClient(this.deps.secrets, record.catalog, record.generation);
    const token = await this.deps.identity.catalogToken(client, record.homeAccountId, [this.deps.config.smtpScope]);
    await verifySmtpLogin(this.deps.config.smtp, { user: record.account?.email ?? '', accessToken: token.accessToken });
  }

  /** R-LOSS-0: refreshes every modern connection idle for keepAliveAfterDays. */
  public async keepAlive(now: number = this.now()): Promise<{ refreshed: number; lost: number }> {
    let refreshed = 0;
    let lost = 0;
    await this.deps.signIns.purgeExpired(now);
    for await (const { record } of this.deps.connections.all()) {
      if (!needsKeepAlive(record, now, this.deps.config.keepAliveAfterDays)) {
        continue;
      }
      try {
        await this.withConnection(record, (transport) => transport.probe());
        refreshed++;
      } catch (error) {
        if (error instanceof ApiError && isConnectionLost(error.code)) {
          lost++;
        }
        this.deps.onUpstreamError?.('keep-alive', error instanceof ApiError ? error : new ApiError('INTERNAL_ERROR'));
      }
    }
    return { refreshed, lost };
  }
}

/** The error a sign-in redirect carries (`error`, and an AADSTS number in its description). */
export function mapCallbackError(error: string, description: string | undefined): ErrorCode {
  const aadsts = /AADSTS(\d{5,7})/.exec(description ?? '')?.[1];
  if (aadsts === '65004') {
    return 'CONSENT_DECLINED';
  }
  if (aadsts === '65001' || aadsts === '90094' || aadsts === '90095' || error === 'consent_required' || error === 'interaction_required') {
    return 'CONSENT_REQUIRED';
  }
  if (error === 'access_denied') {
    return 'CONSENT_DECLINED';
  }
  if (aadsts === '50057' || aadsts === '50053') {
    return 'ACCOUNT_DISABLED';
  }
  return 'SIGN_IN_FAILED';
}
