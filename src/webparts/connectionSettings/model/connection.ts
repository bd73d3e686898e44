/**
 * The connection API's view of a catalog's connection: the API's own types (packages/contracts,
 * derived from its TypeBox schemas), under the names the web part uses. Never holds a secret.
 */
import type { AuthMethod, ConnectionView, HealthState, ModernResult, StartModernResult, TestEmailResult, Transport } from '@lms-m365/contracts';

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
  /** What Microsoft 365 answered to a failed sign-in (an AADSTS number), shown for the Microsoft 365 admin. */
  upstream?: string;
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
  /** What Microsoft 365 answered to a failed sign-in (an AADSTS number), shown for the Microsoft 365 admin. */
  upstream?: string;
  /** On success: the one-time code the page completes the connection with (R-SEC-1). */
  completion?: string;
  /** The admin closed the sign-in window without finishing (or so the host says: COOP looks the same). */
  cancelled?: boolean;
  /** The host could not open the window at all (Teams' FailedToOpenWindow): nothing can come back. */
  notOpened?: boolean;
}

type Shape = Record<string, unknown>;
const isObject = (value: unknown): value is Shape => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isStringOrNull = (value: unknown): boolean => value === null || isString(value);
const isStringList = (value: unknown): boolean => Array.isArray(value) && value.every(isString);
const isCount = (value: unknown): boolean => typeof value === 'number' && isFinite(value) && value >= 0;

/**
 * An answer the page can render: what it reads of a connection view, with the types it reads it
 * as. The API is the authority, but an answer that is not one (a proxy's page, a broken
 * deployment) must end in "Something unexpected went wrong", not in a page that crashes or hangs.
 */
/**
 * A connection that works as far as anyone knows: connected, or a last check that could not tell
 * ("error": Microsoft 365 or the service did not answer) - not lost, and sending goes on.
 */
export function isWorking(view: Pick<IConnectionView, 'health'>): boolean {
  return view.health.state === 'connected' || view.health.state === 'error';
}

export function isConnectionView(value: unknown): value is IConnectionView {
  if (!isObject(value) || !isString(value.catalog) || typeof value.enabled !== 'boolean' || !isString(value.etag)) {
    return false;
  }
  const { health, account, orgConsent, rooms, outbox } = value;
  return (value.method === null || value.method === 'modern' || value.method === 'classic')
    && (value.transport === 'graph' || value.transport === 'smtp-oauth')
    && (account === null || (isObject(account) && isString(account.email) && isString(account.displayName)))
    && isObject(health) && isString(health.state) && isStringOrNull(health.code) && isStringOrNull(health.checkedAt) && (health.since === undefined || isString(health.since))
    && isObject(orgConsent) && typeof orgConsent.granted === 'boolean' && typeof orgConsent.canGrant === 'boolean' && (orgConsent.smtpGranted === undefined || typeof orgConsent.smtpGranted === 'boolean')
    && isObject(rooms) && typeof rooms.available === 'boolean' && (rooms.adminApproval === null || isRoomApproval(rooms.adminApproval))
    && isStringList(value.alertRecipients)
    && isStringOrNull(value.connectedBy) && isStringOrNull(value.connectedAt)
    // Absent from an API older than the page (deployed one after the other).
    && (value.disconnected === undefined || value.disconnected === null || (isObject(value.disconnected) && isStringOrNull(value.disconnected.account) && isString(value.disconnected.by) && isString(value.disconnected.at)))
    && (outbox === null || (isObject(outbox) && isCount(outbox.waiting) && isCount(outbox.held) && isStringOrNull(outbox.lastSentAt)))
    && (value.settingsListWarning === undefined || (isObject(value.settingsListWarning) && isString(value.settingsListWarning.code)))
    && (value.sendingBlocked === undefined || (isObject(value.sendingBlocked) && isString(value.sendingBlocked.code)));
}

/** POST .../modern's answer: where the sign-in window goes (https only). */
export function isModernStart(value: unknown): value is IModernStart {
  return isObject(value) && isHttpsUrl(value.authorizeUrl);
}

/** POST .../modern/result's answer: how the sign-in ended, as far as the API knows. */
export function isModernResult(value: unknown): value is ModernResult {
  return isObject(value) && isString(value.status);
}

/** POST .../test-email's answer: the Message-ID the mail service took. */
export function isTestEmailResult(value: unknown): value is ITestEmailResult {
  return isObject(value) && isString(value.messageId);
}

function isRoomApproval(value: unknown): boolean {
  return isObject(value) && Array.isArray(value.tenantAdmins)
    && value.tenantAdmins.every((admin: unknown) => isObject(admin) && isString(admin.displayName) && isString(admin.email))
    && isHttpsUrl(value.adminConsentUrl) && (value.requestUrl === null || isHttpsUrl(value.requestUrl));
}

/** A link the page opens or renders from an answer: https only (no javascript:, data: or http:). */
export function isHttpsUrl(value: unknown): value is string {
  if (!isString(value)) {
    return false;
  }
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
