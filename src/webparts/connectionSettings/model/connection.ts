/** The connection API's view of a catalog's connection (docs/design.md). Never holds a secret. */

export type AuthMethod = 'modern' | 'classic';
export type Transport = 'graph' | 'smtp-oauth';
export type HealthState = 'not-connected' | 'connected' | 'lost' | 'error';

export interface IAccount {
  email: string;
  displayName: string;
}

export interface IHealth {
  state: HealthState;
  code: string | null;
  checkedAt: string | null;
}

export interface IOrgConsent {
  granted: boolean;
  canGrant: boolean;
}

export interface ITenantAdmin {
  displayName: string;
  email: string;
}

/** Rooms need delegated Place.Read.All, which only a tenant admin can grant (R-MOD-5). */
export interface IRoomAccess {
  available: boolean;
  /** Set while rooms wait for a tenant admin's approval. */
  adminApproval: {
    tenantAdmins: ITenantAdmin[];
    requestWorkflow: boolean;
    requestPending: boolean;
    adminConsentUrl: string;
    requestUrl: string | null;
  } | null;
}

export interface IConnectionView {
  catalog: string;
  enabled: boolean;
  method: AuthMethod | null;
  transport: Transport;
  account: IAccount | null;
  health: IHealth;
  orgConsent: IOrgConsent;
  /** Always answered by the API; optional so views made before it existed still read. */
  rooms?: IRoomAccess;
  /** Only when the API's last write to this site's settings list failed (issue 13 point 3). */
  settingsListWarning?: { code: string; failedAt: string };
  alertRecipients: string[];
  etag: string;
}

export interface IModernStart {
  authorizeUrl: string;
  expiresAt: string;
}

export interface ITestEmailResult {
  status: 'delivered';
  messageId: string;
}

/** What the callback page posts to its opener when the Microsoft sign-in ends. */
export interface ISignInMessage {
  type: 'lms-m365-connection';
  catalog: string;
  ok: boolean;
  code?: string;
}

export function isSignInMessage(data: unknown): data is ISignInMessage {
  return typeof data === 'object' && data !== null &&
    (data as ISignInMessage).type === 'lms-m365-connection' &&
    typeof (data as ISignInMessage).ok === 'boolean';
}

export function isConnected(view: IConnectionView): boolean {
  return view.account !== null && view.health.state !== 'not-connected';
}
