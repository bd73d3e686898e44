import type { DeliveriesBody, SettingsChange } from '@lms-m365/contracts';
import type { HealthState, IConnectionView, IModernStart, ISignInResult, ITestEmailResult, Transport } from '../model/connection';
import type { IAdminSettings, IStoredSettings } from '../model/settings';

/**
 * The catalog's settings list item (docs/design.md). Every method rejects with an IAppError;
 * a stale ETag on save rejects with kind 'conflict'.
 */
export interface ISettingsStore {
  /** Reads the item, ensuring the list exists first; defaults when the catalog has no item yet. */
  load(): Promise<IStoredSettings>;
  /** Writes with If-Match: etag (creates the item when etag is undefined). */
  /** Writes only the columns an admin edits; the API's columns are left as they are. */
  save(settings: IAdminSettings, etag: string | undefined): Promise<IStoredSettings>;
  /**
   * For a visitor who cannot manage the catalog: what the settings item says (undefined when they
   * may not read it) and who owns the site (empty when that cannot be read either). Never rejects.
   */
  readForVisitor(): Promise<IVisitorView>;
}

/** The neutral summary a visitor who is not a catalog admin may see (issue 14, point 5). */
export interface IVisitorView {
  summary: { enabled: boolean; state: HealthState; accountEmail: string | null } | undefined;
  owners: IPerson[];
}

/** The settings a PATCH may change: the API's own body type. */
export type IConnectionPatch = SettingsChange;

/** The connection API for one catalog. Every method rejects with an IAppError. */
export interface IConnectionApi {
  /** Origin the sign-in callback page posts its message from. */
  readonly origin: string;
  /** Where the API is hosted (its /v1/auth/start page opens the sign-in window). */
  readonly baseUrl: string;
  getConnection(): Promise<IConnectionView>;
  updateConnection(patch: IConnectionPatch, etag: string): Promise<IConnectionView>;
  /** Starts a sign-in; the client keeps the nonce it sends, for completeModern (R-SEC-1). */
  startModern(orgConsent: boolean, transport: Transport, pageOrigin: string): Promise<IModernStart>;
  /** Completes the sign-in last started here with the completion code its callback posted. */
  completeModern(completion: string): Promise<IConnectionView>;
  /**
   * How this page's sign-in ended, asked of the API (Microsoft's sign-in page cuts the popup off
   * from this page, so its message may never come): undefined while it has not come back.
   */
  modernResult(): Promise<ISignInResult | undefined>;
  connectClassic(email: string, password: string): Promise<IConnectionView>;
  checkConnection(): Promise<IConnectionView>;
  /** Exchange's sending block is lifted: the account's mailbox asks again now instead of at its hourly try. */
  retrySending(): Promise<IConnectionView>;
  sendTestEmail(to: string): Promise<ITestEmailResult>;
  disconnect(): Promise<IConnectionView>;
}

/** One page of the catalog's recent deliveries, newest first, with counts by status (R-OPS-2). */
export type IDeliveries = DeliveriesBody;
export type IDelivery = DeliveriesBody['items'][number];
/** The statuses the counts have (the item's status is typed as a plain string by its schema). */
export type DeliveryStatus = keyof DeliveriesBody['counts'];

/** The catalog's recent deliveries (catalog admins). Rejects with an IAppError. */
export interface IDeliveriesPage {
  limit: number;
  cursor?: string;
  status?: DeliveryStatus;
}

export interface IDeliveriesApi {
  /** A page of at most `limit` items (1-100), after `cursor` (the previous page's nextCursor), of one `status` only if given; the counts are always of all. */
  list(page: IDeliveriesPage): Promise<IDeliveries>;
}

export interface IPerson {
  /** Empty for a site owner SharePoint knows no email for (named only). */
  email: string;
  displayName: string;
}

/** People in the tenant's directory, for choosing alert recipients. */
export interface IDirectory {
  searchPeople(query: string): Promise<IPerson[]>;
}

/** Everything the React root needs besides strings and theme. */
export interface IServices {
  settingsStore: ISettingsStore;
  connectionApi: IConnectionApi;
  directory: IDirectory;
  deliveries: IDeliveriesApi;
}
