import type { ApiConfig } from '../config/config';
import { ApiError } from '../errors/apiError';
import type { MicrosoftIdentity } from '../identity/microsoftIdentity';
import { ADMIN_ONLY_PERMISSIONS, GRAPH_PERMISSIONS, graphScopes, missingPermissions } from '../identity/microsoftIdentity';
import type { GraphClient } from '../graph/graphClient';

interface Grant {
  consentType?: string;
  principalId?: string | null;
  scope?: string;
}

/** Entra's Global Administrator role template; its members can grant organisation-wide consent for Graph. */
export const GLOBAL_ADMINISTRATOR_ROLE = '62e90394-69f5-4237-9190-012177145e10';

/** Fixed `state` values of the two links a tenant admin is sent; the callback answers them with a plain page. */
export const ADMIN_CONSENT_STATE = 'lms-admin-consent';
export const CONSENT_REQUEST_STATE = 'lms-consent-request';

function scopesOf(grants: readonly Grant[], keep: (g: Grant) => boolean): string[] {
  return grants.filter(keep).flatMap((g) => (g.scope ?? '').split(' ').filter((s) => s.length > 0));
}

/** Whether organisation-wide grants cover every permission a connected account needs. */
export function coversOrganisation(grants: readonly Grant[], required: readonly string[] = GRAPH_PERMISSIONS): boolean {
  return missingPermissions(scopesOf(grants, (g) => g.consentType === 'AllPrincipals'), required).length === 0;
}

/**
 * Whether the connected account may read rooms: a tenant admin consented for the organisation,
 * or (a tenant admin connecting) for that account alone.
 */
export function roomsGranted(grants: readonly Grant[], accountObjectId: string | null): boolean {
  const scopes = scopesOf(grants, (g) => g.consentType === 'AllPrincipals' || (accountObjectId !== null && g.consentType === 'Principal' && g.principalId === accountObjectId));
  return missingPermissions(scopes, ADMIN_ONLY_PERMISSIONS).length === 0;
}

/**
 * The scopes a sign-in asks for (incremental consent, R-MOD-5): an ordinary account only what it
 * may consent to itself; the admin path (a tenant admin consenting for the organisation) adds the
 * admin-only permissions. SMTP.Send is consented as a Microsoft Graph permission with the SMTP transport.
 */
export function signInScopes(config: ApiConfig, request: { orgConsent: boolean; transport: 'graph' | 'smtp-oauth' }): string[] {
  return [
    ...graphScopes(config),
    ...(request.orgConsent ? ADMIN_ONLY_PERMISSIONS.map((p) => `${config.graphResource}/${p}`) : []),
    ...(request.transport === 'smtp-oauth' ? [`${config.graphResource}/SMTP.Send`] : [])
  ];
}

/** The account's object id from MSAL's home account id ("{oid}.{tid}"). */
export function objectIdOf(homeAccountId: string | null): string | null {
  return homeAccountId ? homeAccountId.split('.')[0] : null;
}

export interface TenantAdmin {
  displayName: string;
  email: string;
}

/** What the page tells a catalog admin about rooms (R-MOD-5); never a secret. */
export interface RoomAccess {
  /** The connected account's next token carries Place.Read.All. */
  available: boolean;
  /** Set while rooms wait for a tenant admin: who, whether a request is pending, the links. */
  adminApproval: {
    tenantAdmins: TenantAdmin[];
    requestWorkflow: boolean;
    requestPending: boolean;
    /** Entra's admin consent URL for the API (organisation-wide); a tenant admin opens it. */
    adminConsentUrl: string;
    /** With the workflow on: a sign-in that ends on Entra's "Approval required" request page. */
    requestUrl: string | null;
  } | null;
}

interface Directory {
  grants: Grant[];
  tenantAdmins: TenantAdmin[];
  requestWorkflow: boolean;
  requestPending: boolean;
}

/**
 * Asks Graph (app-only) what the tenant granted (R-MOD-5) and who could grant the rest; remembered
 * for ORG_CONSENT_CACHE_SECONDS because every page load shows it. Permissions used (infra/permissions.json):
 * DelegatedPermissionGrant.Read.All (grants), RoleManagement.Read.Directory (Global Administrator members),
 * Policy.Read.All (the admin consent request policy) and ConsentRequest.Read.All (pending requests).
 */
/**
 * The API's own service principal id: the `oid` of its app-only token (Entra puts the client's
 * service principal object id there), so reading service principals (Application.Read.All) is not needed.
 */
export function ownServicePrincipalId(appToken: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(appToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { oid?: unknown };
    return typeof claims.oid === 'string' && /^[0-9a-f-]{36}$/i.test(claims.oid) ? claims.oid : undefined;
  } catch {
    return undefined;
  }
}

/** The least time between two directory reads that `forget` asks for (see there). */
export const FRESH_READ_INTERVAL_MS = 2000;

export class OrgConsentStatus {
  private cached?: { directory: Promise<Directory>; until: number };

  public constructor(
    private readonly config: ApiConfig,
    private readonly identity: MicrosoftIdentity,
    private readonly graph: GraphClient,
    private readonly onError: (error: unknown) => void,
    private readonly ttlMs = 60_000
  ) {}

  /**
   * The next question reads the directory afresh. `throttled` (what anyone can ask for: a landing
   * on the admin consent page's answer is anonymous): not when a read started less than
   * FRESH_READ_INTERVAL_MS ago, so landings from many addresses cost at most one directory read
   * that often. A finished sign-in (a code Entra issued, redeemed) forgets at once.
   */
  public forget(options: { throttled?: boolean; now?: number } = {}): void {
    // The read started ttlMs before it lapses.
    if (options.throttled && this.cached && (options.now ?? Date.now()) - (this.cached.until - this.ttlMs) < FRESH_READ_INTERVAL_MS) {
      return;
    }
    this.cached = undefined;
  }

  /** Whether the organisation's consent covers a Modern connection, and apart SMTP.Send (the SMTP transport's own permission): one directory read. */
  public async consented(): Promise<{ granted: boolean; smtpGranted: boolean }> {
    const { grants } = await this.directory();
    return { granted: coversOrganisation(grants), smtpGranted: coversOrganisation(grants, ['SMTP.Send']) };
  }

  /** Whether a tenant admin approved rooms for the whole organisation (what the admin consent link asks). */
  public async roomsApproved(): Promise<boolean> {
    return roomsGranted((await this.directory()).grants, null);
  }

  /** Rooms for the catalog's connected account (null: nobody connected yet). */
  public async rooms(homeAccountId: string | null): Promise<RoomAccess> {
    const directory = await this.directory();
    if (roomsGranted(directory.grants, objectIdOf(homeAccountId))) {
      return { available: true, adminApproval: null };
    }
    return {
      available: false,
      adminApproval: {
        tenantAdmins: directory.tenantAdmins,
        requestWorkflow: directory.requestWorkflow,
        requestPending: directory.requestPending,
        adminConsentUrl: this.adminConsentUrl(),
        requestUrl: directory.requestWorkflow ? this.requestUrl() : null
      }
    };
  }

  /**
   * Entra's v2 admin consent endpoint for the admin-only permissions alone (docs/deploy.md): the
   * tenant admin approves rooms, not - as `/.default` would - sending mail and writing calendars as
   * every user of the organisation.
   */
  public adminConsentUrl(): string {
    const url = new URL(`${this.identity.authority}/v2.0/adminconsent`);
    url.searchParams.set('client_id', this.config.clientId);
    url.searchParams.set('scope', ADMIN_ONLY_PERMISSIONS.map((p) => `${this.config.graphResource}/${p}`).join(' '));
    url.searchParams.set('redirect_uri', this.identity.redirectUri);
    url.searchParams.set('state', ADMIN_CONSENT_STATE);
    return url.toString();
  }

  private requestUrl(): string {
    const url = new URL(`${this.identity.authority}/oauth2/v2.0/authorize`);
    url.searchParams.set('client_id', this.config.clientId);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('redirect_uri', this.identity.redirectUri);
    url.searchParams.set('response_mode', 'query');
    url.searchParams.set('scope', ['openid', 'profile', ...ADMIN_ONLY_PERMISSIONS.map((p) => `${this.config.graphResource}/${p}`)].join(' '));
    url.searchParams.set('prompt', 'select_account');
    url.searchParams.set('state', CONSENT_REQUEST_STATE);
    return url.toString();
  }

  private directory(): Promise<Directory> {
    if (this.cached && this.cached.until > Date.now()) {
      return this.cached.directory;
    }
    // Shared while pending: a burst of page loads asks Graph once.
    const directory = this.ask();
    this.cached = { directory, until: Date.now() + this.ttlMs };
    return directory;
  }

  private async ask(): Promise<Directory> {
    // Each part on its own: a tenant that withheld ConsentRequest.Read.All still shows its grants and admins.
    // Unknown is shown as "not granted" / "none" (the page then offers the org-consent option) and asked again next time.
    // A part whose permission the tenant did not grant (Graph 403: the consent help's reads are
    // optional, register-apps --with-consent-help) is an answer, kept like one: not asked again
    // before the cache ends, and not logged - but the grants' read is not optional (its permission
    // is always asked for, docs/permissions.md, though unverified on a real tenant): its 403 is
    // logged, since the page then says nobody consented for the organisation whatever the tenant did.
    const known = <T>(result: PromiseSettledResult<T>, fallback: T, optional = true): T => {
      if (result.status === 'fulfilled') {
        return result.value;
      }
      if (result.reason instanceof ApiError && result.reason.code === 'PERMISSIONS_MISSING') {
        if (!optional) {
          this.onError(result.reason);
        }
        return fallback;
      }
      this.cached = undefined;
      this.onError(result.reason);
      return fallback;
    };
    let token: string;
    try {
      token = await this.identity.appToken(`${this.config.graphResource}/.default`);
    } catch (error) {
      return known<Directory>({ status: 'rejected', reason: error }, { grants: [], tenantAdmins: [], requestWorkflow: false, requestPending: false });
    }
    const [grants, admins, workflow, pending] = await Promise.allSettled([this.grants(token), this.tenantAdmins(token), this.requestWorkflow(token), this.requestPending(token)]);
    return { grants: known(grants, [], false), tenantAdmins: known(admins, []), requestWorkflow: known(workflow, false), requestPending: known(pending, false) };
  }

  private async grants(token: string): Promise<Grant[]> {
    const spId = ownServicePrincipalId(token);
    if (!spId) {
      return [];
    }
    // One Principal grant per account that consented for itself: the organisation's grant may be on any page.
    return this.graph.list<Grant>(token, `/oauth2PermissionGrants?$filter=${encodeURIComponent(`clientId eq '${spId}'`)}`);
  }

  private async tenantAdmins(token: string): Promise<TenantAdmin[]> {
    const members = await this.graph.request<{ value: { '@odata.type'?: string; displayName?: string; mail?: string | null; userPrincipalName?: string }[] }>(
      token, 'GET', `/directoryRoles(roleTemplateId='${GLOBAL_ADMINISTRATOR_ROLE}')/members?$select=displayName,mail,userPrincipalName`
    );
    return (members?.value ?? [])
      .filter((m) => m['@odata.type'] === '#microsoft.graph.user')
      .map((m) => ({ displayName: m.displayName ?? '', email: (m.mail || m.userPrincipalName || '').toLowerCase() }))
      .filter((m) => m.email.length > 0);
  }

  private async requestWorkflow(token: string): Promise<boolean> {
    const policy = await this.graph.request<{ isEnabled?: boolean }>(token, 'GET', '/policies/adminConsentRequestPolicy?$select=isEnabled');
    return policy?.isEnabled === true;
  }

  /** An in-progress user request for this app whose pending scopes include an admin-only permission. */
  private async requestPending(token: string): Promise<boolean> {
    const requests = await this.graph.request<{ value: { id: string; pendingScopes?: { displayName?: string }[] }[] }>(
      token, 'GET', `/identityGovernance/appConsent/appConsentRequests?$filter=${encodeURIComponent(`appId eq '${this.config.clientId}'`)}`
    );
    for (const request of requests?.value ?? []) {
      const scopes = (request.pendingScopes ?? []).map((s) => s.displayName ?? '');
      if (missingPermissions(scopes, ADMIN_ONLY_PERMISSIONS).length === ADMIN_ONLY_PERMISSIONS.length) {
        continue;
      }
      const users = await this.graph.request<{ value: unknown[] }>(
        token, 'GET', `/identityGovernance/appConsent/appConsentRequests/${encodeURIComponent(request.id)}/userConsentRequests?$filter=${encodeURIComponent("status eq 'InProgress'")}`
      );
      if ((users?.value ?? []).length > 0) {
        return true;
      }
    }
    return false;
  }
}
