import { readFileSync } from 'node:fs';
import path from 'node:path';

/** How Exchange sees an account: its own mailbox, a shared mailbox, or no mailbox at all. */
export type MailboxKind = 'user' | 'shared' | 'none';

export interface FixtureUser {
  id: string;
  upn: string;
  displayName: string;
  givenName?: string;
  surname?: string;
  jobTitle?: string;
  kind: string;
  mailbox: MailboxKind;
  smtpAuthEnabled: boolean;
  directoryRoles?: string[];
  password?: string;
  /** The mailbox's language (mailboxSettings.language.locale); en-US when absent. */
  locale?: string;
}

export interface FixtureRoom {
  id: string;
  upn: string;
  displayName: string;
  capacity: number;
  building: string;
  floorNumber: number;
  isWheelChairAccessible: boolean;
  /** Set-CalendarProcessing -BookingWindowInDays: how far ahead the room takes bookings (0-1080; Exchange's default 180). */
  bookingWindowInDays?: number;
  /** Set-CalendarProcessing -MaximumDurationInMinutes: the longest booking it takes (0: no limit; Exchange's default 1440). */
  maximumDurationInMinutes?: number;
}

/** Exchange's defaults for a room mailbox's booking policy (Set-CalendarProcessing; docs/local-tenant.md). */
export const ROOM_POLICY_DEFAULTS = { bookingWindowInDays: 180, maximumDurationInMinutes: 1440 };

export interface FixtureSite {
  id: string;
  webId: string;
  path: string;
  title: string;
  owners: string[];
  members: string[];
  /** Sites.Selected grants on this site (Graph /sites/{id}/permissions), by app key. */
  appPermissions?: SiteAppPermission[];
}

export interface SiteAppPermission {
  id: string;
  client: string;
  roles: string[];
}

export interface PermissionScope {
  value: string;
  adminConsentRequired: boolean;
  description: string;
}

export interface AppRole {
  id: string;
  value: string;
  description: string;
}

/** An application that asks for tokens (a client), and may also expose scopes (a resource). */
export interface FixtureApp {
  appId: string;
  servicePrincipalId: string;
  displayName: string;
  publisher?: string;
  clientSecret?: string;
  identifierUris?: string[];
  redirectUris?: string[];
  publicClient?: boolean;
  accessTokenVersion?: 1 | 2;
  /**
   * The application manifest's groupMembershipClaims: with DirectoryRole or All, this resource's
   * access tokens carry the user's directory roles (`wids`); without, they do not
   * (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference, `wids`).
   */
  groupMembershipClaims?: 'None' | 'SecurityGroup' | 'DirectoryRole' | 'ApplicationGroup' | 'All';
  delegatedScopes?: PermissionScope[];
  appRoles?: AppRole[];
  /** Static permissions by resource key: what `{resource}/.default` asks consent for. */
  requiredResourceAccess?: Record<string, string[]>;
}

export interface FixtureDelegatedGrant {
  id: string;
  client: string;
  resource: string;
  consentType: 'AllPrincipals' | 'Principal';
  principal?: string;
  scope: string;
}

export interface FixtureAppRoleGrant {
  client: string;
  resource: string;
  role: string;
}

/**
 * Exchange Online RBAC for Applications: an Exchange application role (e.g. "Application Mail.Send")
 * assigned to an app's service principal for the mailboxes of one scope (here: named users).
 */
export interface FixtureExchangeRoleAssignment {
  client: string;
  role: string;
  scope: { users: string[] };
}

/** Entra's admin consent workflow settings (Graph adminConsentRequestPolicy); reviewers by UPN. */
export interface FixtureAdminConsentPolicy {
  isEnabled: boolean;
  reviewers: string[];
  requestDurationInDays: number;
}

export interface TenantFixture {
  tenant: { id: string; domain: string; displayName: string; smtpBasicAuthEnabled: boolean; adminConsentRequestPolicy?: FixtureAdminConsentPolicy };
  defaultPassword: string;
  users: FixtureUser[];
  rooms: FixtureRoom[];
  sites: FixtureSite[];
  apps: Record<string, FixtureApp>;
  resources: Record<string, FixtureApp>;
  grants: { delegated: FixtureDelegatedGrant[]; appRoles: FixtureAppRoleGrant[]; exchangeRbac?: FixtureExchangeRoleAssignment[] };
  limits: {
    /** Exchange's sending limits on (the default) or off (benchmarks of the engine alone). */
    sendingLimitsEnabled: boolean;
    messagesPerMinute: number;
    recipientsPerDay: number;
    recipientsPerMessage: number;
    /** Concurrent Graph requests per mailbox. */
    concurrentRequests: number;
    /** Concurrent SMTP AUTH connections per mailbox. */
    smtpConnections: number;
    accessTokenLifetimeSeconds: number;
    refreshTokenInactivityDays: number;
  };
}

export const DEFAULT_FIXTURE_PATH = path.resolve(__dirname, '..', '..', 'fixtures', 'tenant.json');

/** Reads and checks the fixture, so a typo is reported by name instead of failing later. */
export function loadFixture(file: string = DEFAULT_FIXTURE_PATH): TenantFixture {
  let parsed: TenantFixture;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as TenantFixture;
  } catch (err) {
    throw new Error(`local tenant fixture ${file} could not be read: ${(err as Error).message}`);
  }
  const problems = fixtureProblems(parsed);
  if (problems.length > 0) {
    throw new Error(`local tenant fixture ${file} is invalid:\n- ${problems.join('\n- ')}`);
  }
  return parsed;
}

/** Cross-references the fixture: every name a grant or site uses must exist. */
export function fixtureProblems(f: TenantFixture): string[] {
  const problems: string[] = [];
  if (!f.tenant?.id || !f.tenant?.domain) problems.push('tenant.id and tenant.domain are required');
  const upns = new Set((f.users ?? []).map((u) => u.upn.toLowerCase()));
  const seen = new Set<string>();
  for (const u of f.users ?? []) {
    if (!['user', 'shared', 'none'].includes(u.mailbox)) problems.push(`user ${u.upn}: mailbox must be user, shared or none`);
    if (seen.has(u.upn.toLowerCase())) problems.push(`user ${u.upn} is listed twice`);
    seen.add(u.upn.toLowerCase());
  }
  for (const s of f.sites ?? []) {
    for (const upn of [...s.owners, ...s.members]) {
      if (!upns.has(upn.toLowerCase())) problems.push(`site ${s.path}: unknown user ${upn}`);
    }
    for (const p of s.appPermissions ?? []) {
      if (!f.apps?.[p.client]) problems.push(`site ${s.path}: permission for unknown app ${p.client}`);
    }
  }
  for (const name of ['messagesPerMinute', 'recipientsPerDay', 'recipientsPerMessage', 'concurrentRequests', 'smtpConnections'] as const) {
    const v = f.limits?.[name];
    if (!Number.isInteger(v) || (v as number) < 1) problems.push(`limits.${name} must be a positive integer`);
  }
  if (typeof f.limits?.sendingLimitsEnabled !== 'boolean') problems.push('limits.sendingLimitsEnabled must be true or false');
  const apps = { ...f.apps, ...f.resources };
  for (const g of f.grants?.delegated ?? []) {
    if (!apps[g.client]) problems.push(`grant ${g.id}: unknown client ${g.client}`);
    if (!apps[g.resource]) problems.push(`grant ${g.id}: unknown resource ${g.resource}`);
  }
  for (const [key, app] of Object.entries(apps)) {
    for (const [resourceKey, scopes] of Object.entries(app.requiredResourceAccess ?? {})) {
      const resource = apps[resourceKey];
      if (!resource) problems.push(`app ${key}: requiredResourceAccess names unknown resource ${resourceKey}`);
      else for (const s of scopes) if (!(resource.delegatedScopes ?? []).some((d) => d.value === s)) problems.push(`app ${key}: ${resourceKey} has no scope ${s}`);
    }
  }
  for (const g of f.grants?.exchangeRbac ?? []) {
    if (!apps[g.client]) problems.push(`exchange role assignment: unknown client ${g.client}`);
    for (const upn of g.scope?.users ?? []) if (!upns.has(upn.toLowerCase())) problems.push(`exchange role assignment: unknown user ${upn}`);
  }
  for (const g of f.grants?.appRoles ?? []) {
    if (!apps[g.client]) problems.push(`app role grant: unknown client ${g.client}`);
    const resource = apps[g.resource];
    if (!resource) problems.push(`app role grant: unknown resource ${g.resource}`);
    else if (!(resource.appRoles ?? []).some((r) => r.value === g.role)) problems.push(`app role grant: ${g.resource} has no role ${g.role}`);
  }
  return problems;
}
