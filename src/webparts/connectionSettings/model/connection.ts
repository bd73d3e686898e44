/**
 * The connection API's view of a catalog's connection: the API's own types (packages/contracts,
 * derived from its TypeBox schemas), under the names the web part uses. Never holds a secret.
 */
import type { AuthMethod, ConnectionView, HealthState, StartModernResult, TestEmailResult, Transport } from '@lms-m365/contracts';

export type { AuthMethod, HealthState, Transport };
export type IConnectionView = ConnectionView;
/** Whether rooms are available, and while a tenant admin must approve them, who and how (R-MOD-5). */
export type IRoomAccess = ConnectionView['rooms'];
export type ITenantAdmin = NonNullable<IRoomAccess['adminApproval']>['tenantAdmins'][number];
export type IModernStart = StartModernResult;
export type ITestEmailResult = TestEmailResult;

/** What the callback page posts to its opener when the Microsoft sign-in ends. */
export interface ISignInMessage {
  type: 'lms-m365-connection';
  catalog: string;
  ok: boolean;
  code?: string;
  /** On success: the one-time code the page completes the connection with (R-SEC-1). */
  completion?: string;
}

export function isSignInMessage(data: unknown): data is ISignInMessage {
  return typeof data === 'object' && data !== null &&
    (data as ISignInMessage).type === 'lms-m365-connection' &&
    typeof (data as ISignInMessage).ok === 'boolean';
}

export function isConnected(view: IConnectionView): boolean {
  return view.account !== null && view.health.state !== 'not-connected';
}

/** What the sign-in reports: the callback page's message (docs/design.md, /v1/auth/callback). */
export interface ISignInResult {
  ok: boolean;
  catalog: string | null;
  code?: string;
  /** On success: the one-time code the page completes the connection with (R-SEC-1). */
  completion?: string;
  /** The admin closed the sign-in window without finishing (or so the host says: COOP looks the same). */
  cancelled?: boolean;
  /** The host could not open the window at all (Teams' FailedToOpenWindow): nothing can come back. */
  notOpened?: boolean;
}
