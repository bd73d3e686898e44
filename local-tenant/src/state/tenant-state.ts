import { randomUUID } from 'node:crypto';
import { FixtureAdminConsentPolicy, FixtureApp, FixtureRoom, MailboxKind, ROOM_POLICY_DEFAULTS, TenantFixture } from './fixture';
import { MailStore } from '../mailbox/store';
import { ListStore } from '../sharepoint/list-store';
import { Outbound } from '../mailbox/outbound';
import { deliver, rejectForRecipientLimit } from '../mailbox/delivery';
import { DAY_MS, type SendingLimits } from '../mailbox/limits';
import type { Interaction } from '../identity/routes';

export const GLOBAL_ADMIN_ROLE_TEMPLATE = '62e90394-69f5-4237-9190-012177145e10';

/** Entra's non-persistent session token: "a Max Inactive Time of 24 hours", extended on every use (docs/local-tenant.md). */
export const SESSION_INACTIVE_MS = DAY_MS;
/** How often, at most, the sign-in records are swept of expired entries. */
const SWEEP_INTERVAL_MS = 60 * 1000;

const realClock = (): number => Date.now();

export interface Account {
  id: string;
  upn: string;
  /** The primary SMTP address when it is not the UPN (the `rename-upn` fault); Graph's `mail`. */
  mail?: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  mailbox: MailboxKind;
  smtpAuthEnabled: boolean;
  password: string;
  /** Directory role template ids (wids claim); Global Administrator may consent for the organisation. */
  roleIds: string[];
  isRoom: boolean;
  room?: { capacity: number; building: string; floorNumber: number; isWheelChairAccessible: boolean; bookingWindowInDays: number; maximumDurationInMinutes: number };
  /** Bumped when the password changes or sessions are revoked: refresh tokens of older generations die. */
  sessionGeneration: number;
  locale: string;
  /** Entra's TokensValidFrom: when the sessions were last revoked (0: never). */
  tokensValidFrom: number;
  /** Entra's accountEnabled turned off ("Block sign-in"): set by the disable-account fault. */
  disabled?: boolean;
  /** A Conditional Access policy blocks this user's token requests (the `conditional-access` fault): AADSTS53003. */
  blockedByPolicy?: boolean;
}

/** The address a mailbox sends as and is known by (Graph's `mail`): its primary SMTP address, the UPN unless renamed. */
export function mailAddress(account: Account): string {
  return (account.mail ?? account.upn).toLowerCase();
}

/** An app registration with its service principal, as one object (local tenants have one of each). */
export interface App extends FixtureApp {
  key: string;
  /** Its client secret's end date passed (the `client-secret` fault): token requests with it answer AADSTS7000222. */
  secretExpired?: boolean;
  /** A Conditional Access policy for workload identities blocks its client-credentials tokens (the `conditional-access` fault): AADSTS53003. */
  blockedByPolicy?: boolean;
  identifierUris: string[];
  delegatedScopes: NonNullable<FixtureApp['delegatedScopes']>;
  appRoles: NonNullable<FixtureApp['appRoles']>;
  redirectUris: string[];
}

/** Graph's oauth2PermissionGrant. */
export interface DelegatedGrant {
  id: string;
  clientId: string;
  consentType: 'AllPrincipals' | 'Principal';
  principalId: string | null;
  resourceId: string;
  scope: string;
}

/**
 * A user's request that an admin consent for an app (Graph appConsentRequest with its
 * userConsentRequests), made on Entra's "Approval required" page when the workflow is on.
 */
export interface ConsentRequest {
  id: string;
  appId: string;
  appDisplayName: string;
  /** Scopes (of Microsoft Graph) still waiting for approval. */
  pendingScopes: string[];
  userRequests: { id: string; userId: string; reason: string; status: 'InProgress' | 'Completed' | 'Expired'; createdDateTime: string; completedDateTime: string | null }[];
}

export interface AppRoleAssignment {
  id: string;
  principalId: string;
  resourceId: string;
  appRoleId: string;
  role: string;
}

export interface RefreshTokenRecord {
  userId: string;
  clientAppId: string;
  sessionGeneration: number;
  issuedAt: number;
  lastUsedAt: number;
  /** Set by the "expire" fault: answers AADSTS700082 as an inactive token would. */
  expired: boolean;
}

/** A browser's sign-in session (the ESTSAUTH_LOCAL cookie): who, and when it last skipped a sign-in page. */
export interface SessionRecord {
  userId: string;
  lastUsedAt: number;
}

export interface AuthCodeRecord {
  userId: string;
  clientAppId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  nonce: string | null;
  expiresAt: number;
  redeemed: boolean;
}

/** Per-mailbox throttling overrides set by faults. */
export interface MailboxLimitOverride {
  messagesPerMinute?: number;
  concurrentRequests?: number;
  /** When set, every Graph mail/calendar request of the mailbox answers 429 with this Retry-After. */
  throttledForSeconds?: number;
}

/** Exchange's continuous-error throttling of SMTP AUTH submissions (550 5.2.251 to 5.2.255). */
export type SendingBlock = 'mailbox-full' | 'send-as-denied' | 'invalid-license' | 'too-many-recipients' | 'invalid-recipients';

export interface Faults {
  /** Graph answers `status`; with `accepted`, only sendMail, after the message was taken (a gateway timing out while Exchange sends it). */
  graphFailure: { status: number; remaining: number | null; accepted?: boolean } | null;
  latencyMs: number;
  mailboxLimits: Map<string, MailboxLimitOverride>;
  /** Mailboxes whose SMTP submissions answer a 550 5.2.25x sending-limit reply. */
  sendingBlocks: Map<string, SendingBlock>;
  /** Mailboxes over their quota: Exchange refuses what they send (Graph ErrorQuotaExceeded, SMTP 554 5.2.2). */
  fullMailboxes: Set<string>;
  /** Addresses (lower case) the SMTP endpoint refuses at RCPT TO, and how, as a server other than Exchange Online may. */
  refusedRecipients: Map<string, 'unknown' | 'greylisted'>;
  /** Recipients the SMTP endpoint takes in one transaction before it answers 452 4.5.3 (null: no limit of its own). */
  smtpRecipientLimit: number | null;
  /** Rooms (UPN, lower case) whose booking requests a delegate approves: the booking assistant answers tentatively first. */
  roomsNeedingApproval: Set<string>;
  /** Mailboxes whose calendar offers no Teams meetings (allowedOnlineMeetingProviders without teamsForBusiness: no Teams licence). */
  noTeams: Set<string>;
}

export const noFaults = (): Faults => ({ graphFailure: null, latencyMs: 0, mailboxLimits: new Map(), sendingBlocks: new Map(), fullMailboxes: new Set(), refusedRecipients: new Map(), smtpRecipientLimit: null, roomsNeedingApproval: new Set(), noTeams: new Set() });

/** Everything the local tenant knows; `reset()` returns it to the fixture. Signing keys live elsewhere. */
export class TenantState {
  accounts = new Map<string, Account>();
  apps = new Map<string, App>();
  grants: DelegatedGrant[] = [];
  appRoleAssignments: AppRoleAssignment[] = [];
  /** Exchange RBAC for Applications assignments (role, app, mailboxes in scope). */
  exchangeRbac: { client: string; role: string; users: string[] }[] = [];
  refreshTokens = new Map<string, RefreshTokenRecord>();
  authCodes = new Map<string, AuthCodeRecord>();
  sessions = new Map<string, SessionRecord>();
  /** Sign-ins in progress, between the sign-in and consent pages; not fixture state, so a reset keeps them. */
  readonly interactions = new Map<string, Interaction>();
  /** The clock of the sign-in records (interactions, codes, refresh tokens, sessions): tests move it; reset() puts the real one back. */
  now: () => number = realClock;
  private lastSweep = Number.NEGATIVE_INFINITY;
  smtpBasicAuthEnabled = true;
  /** What a basic login answers while basic authentication is off: retired (550 5.7.30) or blocked by policy (535 5.7.139). */
  smtpBasicAuthOffReply: 'retired' | 'policy' | 'security-defaults' | 'conditional-access' = 'retired';
  adminConsentPolicy: FixtureAdminConsentPolicy = { isEnabled: false, reviewers: [], requestDurationInDays: 30 };
  consentRequests: ConsentRequest[] = [];
  limits: TenantFixture['limits'];
  faults: Faults = noFaults();
  /** How many times faster than real time the sending windows run (1: a minute is a minute). */
  timeScale: number;
  readonly mail = new MailStore();
  readonly outbound: Outbound;
  /** How long a room's mailbox takes to answer a meeting request (Exchange's booking assistant answers asynchronously). */
  roomAnswerDelayMs = 1000;
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly lists: ListStore;

  /** `timeScale` is the process's setting (LOCAL_TENANT_TIME_SCALE); reset returns to it. */
  constructor(readonly fixture: TenantFixture, public origin: string, private readonly configuredTimeScale = 1) {
    this.limits = { ...fixture.limits };
    this.timeScale = configuredTimeScale;
    this.lists = new ListStore(fixture.sites);
    this.outbound = new Outbound(
      () => this.sendingLimits(),
      () => this.timeScale,
      (s) => void deliver(this, s),
      (s, recipients, limit) => rejectForRecipientLimit(this, s, recipients, limit)
    );
    this.reset();
  }

  /** The sending limits every mailbox has (faults lower them per mailbox). */
  sendingLimits(): SendingLimits {
    const l = this.limits;
    return {
      enabled: l.sendingLimitsEnabled,
      messagesPerMinute: l.messagesPerMinute,
      recipientsPerDay: l.recipientsPerDay,
      recipientsPerMessage: l.recipientsPerMessage,
      concurrentRequests: l.concurrentRequests,
      smtpConnections: l.smtpConnections
    };
  }

  /** The origin is known only once the server has bound its port; resources named by it follow. */
  setOrigin(origin: string): void {
    this.origin = origin;
    this.reset();
  }

  get tenantId(): string {
    return this.fixture.tenant.id;
  }

  /** Runs `task` after `ms` unless the tenant is reset or closed first. */
  later(ms: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      task();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** Forgets every pending `later` task. */
  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  reset(): void {
    const f = this.fixture;
    this.clearTimers();
    this.roomAnswerDelayMs = 1000;
    this.accounts.clear();
    for (const u of f.users) {
      this.accounts.set(u.id, {
        id: u.id,
        upn: u.upn.toLowerCase(),
        displayName: u.displayName,
        givenName: u.givenName ?? null,
        surname: u.surname ?? null,
        jobTitle: u.jobTitle ?? null,
        mailbox: u.mailbox,
        smtpAuthEnabled: u.smtpAuthEnabled,
        locale: u.locale ?? 'en-US',
        password: u.password ?? f.defaultPassword,
        roleIds: (u.directoryRoles ?? []).includes('Global Administrator') ? [GLOBAL_ADMIN_ROLE_TEMPLATE] : [],
        isRoom: false,
        sessionGeneration: 0,
        tokensValidFrom: 0
      });
    }
    for (const r of f.rooms) this.addRoom(r);
    this.apps.clear();
    for (const [key, a] of Object.entries({ ...f.apps, ...f.resources })) {
      this.apps.set(key, {
        ...a,
        key,
        identifierUris: (a.identifierUris ?? []).map((u) => u.replace('{origin}', this.origin)),
        delegatedScopes: a.delegatedScopes ?? [],
        appRoles: a.appRoles ?? [],
        redirectUris: a.redirectUris ?? []
      });
    }
    this.grants = f.grants.delegated.map((g) => ({
      id: g.id,
      clientId: this.appByKey(g.client).servicePrincipalId,
      consentType: g.consentType,
      principalId: g.principal ? (this.accountByUpn(g.principal)?.id ?? null) : null,
      resourceId: this.appByKey(g.resource).servicePrincipalId,
      scope: g.scope
    }));
    this.appRoleAssignments = f.grants.appRoles.map((g) => {
      const resource = this.appByKey(g.resource);
      const role = resource.appRoles.find((r) => r.value === g.role);
      return {
        id: randomUUID(),
        principalId: this.appByKey(g.client).servicePrincipalId,
        resourceId: resource.servicePrincipalId,
        appRoleId: role ? role.id : '',
        role: g.role
      };
    });
    this.exchangeRbac = (f.grants.exchangeRbac ?? []).map((g) => ({ client: g.client, role: g.role, users: g.scope.users.map((u) => u.toLowerCase()) }));
    this.refreshTokens.clear();
    this.authCodes.clear();
    this.sessions.clear();
    this.now = realClock;
    this.lastSweep = Number.NEGATIVE_INFINITY;
    this.smtpBasicAuthEnabled = f.tenant.smtpBasicAuthEnabled;
    this.smtpBasicAuthOffReply = 'retired';
    this.adminConsentPolicy = { isEnabled: false, reviewers: [], requestDurationInDays: 30, ...f.tenant.adminConsentRequestPolicy };
    this.consentRequests = [];
    this.limits = { ...f.limits };
    this.timeScale = this.configuredTimeScale;
    this.faults = noFaults();
    this.mail.clear();
    this.outbound.clear();
    this.lists.reset();
  }

  /**
   * A room mailbox (Exchange resource mailbox): listed by places, answers meeting requests, has
   * free/busy. The fixture's rooms are added at reset; `POST /_admin/rooms` adds more until then.
   */
  addRoom(r: FixtureRoom): Account {
    const room: Account = {
      id: r.id.toLowerCase(),
      upn: r.upn.toLowerCase(),
      displayName: r.displayName,
      givenName: null,
      surname: null,
      jobTitle: null,
      mailbox: 'user',
      smtpAuthEnabled: false,
      locale: 'en-US',
      // Room accounts cannot sign in: a random password nobody knows.
      password: randomUUID(),
      roleIds: [],
      isRoom: true,
      room: {
        capacity: r.capacity,
        building: r.building,
        floorNumber: r.floorNumber,
        isWheelChairAccessible: r.isWheelChairAccessible,
        bookingWindowInDays: r.bookingWindowInDays ?? ROOM_POLICY_DEFAULTS.bookingWindowInDays,
        maximumDurationInMinutes: r.maximumDurationInMinutes ?? ROOM_POLICY_DEFAULTS.maximumDurationInMinutes
      },
      sessionGeneration: 0,
      tokensValidFrom: 0
    };
    this.accounts.set(room.id, room);
    return room;
  }

  appByKey(key: string): App {
    const app = this.apps.get(key);
    if (!app) throw new Error(`no app ${key} in the fixture`);
    return app;
  }

  appById(appId: string): App | undefined {
    const id = appId.toLowerCase();
    for (const app of this.apps.values()) if (app.appId === id) return app;
    return undefined;
  }

  appBySpId(spId: string): App | undefined {
    for (const app of this.apps.values()) if (app.servicePrincipalId === spId) return app;
    return undefined;
  }

  /** Finds the resource a scope prefix or token audience names: an identifier URI or an app id. */
  resourceByIdentifier(identifier: string): App | undefined {
    const wanted = identifier.replace(/\/+$/, '').toLowerCase();
    for (const app of this.apps.values()) {
      if (app.appId === wanted) return app;
      if (app.identifierUris.some((u) => u.replace(/\/+$/, '').toLowerCase() === wanted)) return app;
    }
    return undefined;
  }

  accountByUpn(upn: string): Account | undefined {
    const wanted = upn.trim().toLowerCase();
    for (const a of this.accounts.values()) if (a.upn === wanted) return a;
    return undefined;
  }

  /** Graph addresses users by object id or user principal name. */
  accountByIdOrUpn(idOrUpn: string): Account | undefined {
    return this.accounts.get(idOrUpn.toLowerCase()) ?? this.accountByUpn(idOrUpn);
  }

  people(): Account[] {
    return [...this.accounts.values()].filter((a) => !a.isRoom);
  }

  rooms(): Account[] {
    return [...this.accounts.values()].filter((a) => a.isRoom);
  }

  isTenantAdmin(account: Account): boolean {
    return account.roleIds.includes(GLOBAL_ADMIN_ROLE_TEMPLATE);
  }

  /** Scopes of `resource` the user (or everyone) has consented to for `client`. */
  grantedScopes(client: App, resource: App, userId: string | null): Set<string> {
    const scopes = new Set<string>();
    for (const g of this.grants) {
      if (g.clientId !== client.servicePrincipalId || g.resourceId !== resource.servicePrincipalId) continue;
      if (g.consentType === 'AllPrincipals' || (userId !== null && g.principalId === userId)) {
        for (const s of g.scope.split(' ').filter(Boolean)) scopes.add(s);
      }
    }
    return scopes;
  }

  /** Records consent the way Entra does: one grant per client/resource/principal, scopes merged. */
  addGrant(client: App, resource: App, consentType: 'AllPrincipals' | 'Principal', userId: string | null, scopes: string[]): void {
    const principalId = consentType === 'AllPrincipals' ? null : userId;
    let grant = this.grants.find(
      (g) => g.clientId === client.servicePrincipalId && g.resourceId === resource.servicePrincipalId && g.consentType === consentType && g.principalId === principalId
    );
    if (!grant) {
      grant = { id: randomUUID(), clientId: client.servicePrincipalId, consentType, principalId, resourceId: resource.servicePrincipalId, scope: '' };
      this.grants.push(grant);
    }
    const merged = new Set([...grant.scope.split(' ').filter(Boolean), ...scopes]);
    grant.scope = [...merged].join(' ');
    if (consentType === 'AllPrincipals') this.approveRequests(client, resource);
  }

  /**
   * Organisation-wide consent is how a reviewer approves a request (Entra's "Review permissions
   * and consent"): requests whose scopes are now all granted are completed.
   */
  private approveRequests(client: App, resource: App): void {
    const granted = this.grantedScopes(client, resource, null);
    for (const request of this.consentRequests) {
      if (request.appId !== client.appId) continue;
      request.pendingScopes = request.pendingScopes.filter((s) => !granted.has(s));
      if (request.pendingScopes.length > 0) continue;
      for (const u of request.userRequests) {
        if (u.status === 'InProgress') Object.assign(u, { status: 'Completed', completedDateTime: new Date().toISOString() });
      }
    }
  }

  /** Records a user's request for admin approval; one request per app, one user request per user. */
  requestConsent(client: App, user: Account, scopes: string[], reason: string): ConsentRequest {
    let request = this.consentRequests.find((r) => r.appId === client.appId);
    if (!request) {
      request = { id: randomUUID(), appId: client.appId, appDisplayName: client.displayName, pendingScopes: [], userRequests: [] };
      this.consentRequests.push(request);
    }
    request.pendingScopes = [...new Set([...request.pendingScopes, ...scopes])];
    if (!request.userRequests.some((u) => u.userId === user.id && u.status === 'InProgress')) {
      request.userRequests.push({ id: randomUUID(), userId: user.id, reason, status: 'InProgress', createdDateTime: new Date().toISOString(), completedDateTime: null });
    }
    return request;
  }

  /** Accounts holding a directory role by its template id. */
  roleMembers(roleTemplateId: string): Account[] {
    return this.people().filter((a) => a.roleIds.includes(roleTemplateId));
  }

  /** The client's static delegated permissions on a resource (its requiredResourceAccess). */
  requiredScopes(client: App, resource: App): string[] {
    return client.requiredResourceAccess?.[resource.key] ?? [];
  }

  /** Whether Exchange RBAC for Applications gives the app this role (on `mailbox`, or on any mailbox when omitted). */
  exchangeRoleAllows(client: App | undefined, role: string, mailbox?: string): boolean {
    return this.exchangeRbac.some((a) => a.client === client?.key && a.role === role && (mailbox === undefined || a.users.includes(mailbox.toLowerCase())));
  }

  appRolesOf(client: App, resource: App): string[] {
    return this.appRoleAssignments.filter((a) => a.principalId === client.servicePrincipalId && a.resourceId === resource.servicePrincipalId).map((a) => a.role);
  }

  /** Revokes every refresh token and session of the user (Revoke-MgUserSignInSession, password change). */
  revokeSessions(account: Account): void {
    account.sessionGeneration += 1;
    account.tokensValidFrom = this.now();
    for (const [session, s] of this.sessions) if (s.userId === account.id) this.sessions.delete(session);
  }

  /** Entra's "Refresh Token Max Inactive Time" (limits.refreshTokenInactivityDays). */
  get refreshTokenInactiveMs(): number {
    return this.limits.refreshTokenInactivityDays * DAY_MS;
  }

  /**
   * Drops the sign-in records whose time is up (docs/local-tenant.md, "Lifetimes"). Run when one
   * is added, at most once a minute: one pass a minute over maps that grow with every sign-in, and
   * no timer to keep the process alive.
   */
  sweepIdentity(): void {
    const t = this.now();
    // A clock put back (a test's) sweeps at once instead of waiting for it to catch up.
    if (t >= this.lastSweep && t - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = t;
    for (const [id, i] of this.interactions) if (i.expiresAt <= t) this.interactions.delete(id);
    for (const [code, c] of this.authCodes) if (c.expiresAt <= t) this.authCodes.delete(code);
    for (const [token, r] of this.refreshTokens) if (t - r.lastUsedAt > this.refreshTokenInactiveMs) this.refreshTokens.delete(token);
    for (const [sid, s] of this.sessions) if (t - s.lastUsedAt > SESSION_INACTIVE_MS) this.sessions.delete(sid);
  }
}
