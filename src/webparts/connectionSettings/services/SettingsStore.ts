import { spfi, SPCollection, type SPFI } from '@pnp/sp';
import '@pnp/sp/webs';
import '@pnp/sp/lists';
import '@pnp/sp/items';
import { appError, isAppError, type IAppError } from '../model/appError';
import type { AuthMethod, HealthState, Transport } from '../model/connection';
import { DEFAULT_SETTINGS, type IAdminSettings, type IStoredSettings } from '../model/settings';
import type { IPerson, ISettingsStore, IVisitorView } from './interfaces';
import { ownersToAsk } from '../model/owners';
import { RequestTimeout } from './requestTimeout';
import { SETTINGS_FIELDS } from './settingsFields';

/** docs/design.md: Lists/LmsM365Connection on the catalog site. */
export const LIST_URL_NAME = 'LmsM365Connection';
export const LIST_TITLE = 'LMS Microsoft 365 connection';
/** The page's own code for SharePoint refusing the settings list (not the API's catalogue). */
export const LIST_ACCESS_DENIED = 'LIST_ACCESS_DENIED';
/** The page's own code: the list cannot be made, another list of the site has its title. */
export const LIST_TITLE_TAKEN = 'LIST_TITLE_TAKEN';
const ITEM_TITLE = 'Microsoft 365 connection';
const FIELDS = ['Id', 'LmsEnabled', 'LmsAuthMethod', 'LmsTransport', 'LmsAlertRecipients'];
const TIMEOUT_MS = 20000;

/** As SharePoint answers it: a column made by hand may hold another type than the package's. */
interface IItem {
  Id: number;
  LmsEnabled?: unknown;
  LmsAuthMethod?: unknown;
  LmsTransport?: unknown;
  LmsAlertRecipients?: unknown;
  'odata.etag'?: string;
  __metadata?: { etag?: string };
}

interface IVisitorItem {
  LmsEnabled?: unknown;
  LmsAccountEmail?: unknown;
  LmsConnectionStatus?: unknown;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const STATES: Record<string, HealthState> = { NotConnected: 'not-connected', Connected: 'connected', Lost: 'lost', Error: 'error' };

interface IHttpRequestErrorLike {
  isHttpRequestError?: boolean;
  status?: number;
  name?: string;
}

function toSettings(item: IItem): IStoredSettings {
  const method: AuthMethod = item.LmsAuthMethod === 'Classic' ? 'classic' : 'modern';
  const transport: Transport = item.LmsTransport === 'SmtpOAuth' ? 'smtp-oauth' : 'graph';
  const recipients = text(item.LmsAlertRecipients).split(/\r?\n/).map((s: string) => s.trim()).filter((s: string) => s !== '');
  return {
    enabled: item.LmsEnabled === true,
    method,
    transport,
    alertRecipients: recipients,
    etag: item['odata.etag'] || (item.__metadata && item.__metadata.etag) || undefined
  };
}

/** Only the columns an admin edits: the API alone writes the connection's (docs/design.md). */
function toFields(settings: IAdminSettings): Record<string, unknown> {
  return {
    LmsEnabled: settings.enabled,
    LmsAlertRecipients: settings.alertRecipients.join('\n')
  };
}

const isStatus = (error: unknown, status: number): boolean => {
  const http = error as IHttpRequestErrorLike;
  return !!http && http.isHttpRequestError === true && http.status === status;
};
const isNotFound = (error: unknown): boolean => isStatus(error, 404);
const isBadRequest = (error: unknown): boolean => isStatus(error, 400);

function mapError(error: unknown): IAppError {
  if (isAppError(error)) {
    return error;
  }
  const http = error as IHttpRequestErrorLike;
  if (http && http.name === 'AbortError') {
    return appError('timeout');
  }
  // fetch rejects with a TypeError when no answer came ("Failed to fetch", "NetworkError ...",
  // Node's "fetch failed"); any other exception is not the network's, and not said to be.
  if (!(error instanceof TypeError && /fetch|network/i.test(error.message)) && !(http && http.isHttpRequestError)) {
    return appError('unknown');
  }
  if (http && http.isHttpRequestError) {
    if (http.status === 412 || http.status === 409) {
      return appError('conflict', { status: http.status });
    }
    // Who manages the catalog is the API's to say (its owner check); SharePoint refusing the list
    // to someone it accepted is the list's own permissions, said as such.
    if (http.status === 403) {
      return appError('problem', { status: http.status, code: LIST_ACCESS_DENIED });
    }
    // SharePoint's sign-in lapsed (a page left open): a reload signs in again.
    if (http.status === 401) {
      return appError('token', { status: 401 });
    }
    return appError('problem', { status: http.status });
  }
  return appError('network');
}

/** The catalog's settings list item through PnPjs; the SPFI given is bound to the catalog site. */
export class SettingsStore implements ISettingsStore {
  private readonly _sp: SPFI;
  private readonly _listUrl: string;
  private _ensured: Promise<void> | undefined;

  /** serverRelativeSiteUrl: e.g. /sites/catalog-a. Every request aborts after timeoutMs. */
  public constructor(sp: SPFI, serverRelativeSiteUrl: string, timeoutMs: number = TIMEOUT_MS) {
    this._sp = spfi(sp).using(RequestTimeout(timeoutMs));
    this._listUrl = `${serverRelativeSiteUrl.replace(/\/+$/, '')}/Lists/${LIST_URL_NAME}`;
  }

  public load(): Promise<IStoredSettings> {
    return this._again(() => this._load());
  }

  public save(settings: IAdminSettings, etag: string | undefined): Promise<IStoredSettings> {
    return this._again(() => this._save(settings, etag));
  }

  /**
   * The list was found (or made) once per page; deleted since (Site contents, by a site owner or a
   * member with Manage Lists), its reads answer 404, and a column deleted since answers 400 ("The
   * field or property 'X' does not exist"): it is checked, and made whole, again once.
   */
  private async _again<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!isNotFound(error) && !isBadRequest(error)) {
        throw mapError(error);
      }
      this._ensured = undefined;
      try {
        return await run();
      } catch (again) {
        throw mapError(again);
      }
    }
  }

  /** The settings item (the list's first, as the API reads it too), or none. */
  private _item(): Promise<IItem[]> {
    return this._sp.web.getList(this._listUrl).items.select(...FIELDS).orderBy('Id').top(1)();
  }

  private async _load(): Promise<IStoredSettings> {
    const list = this._sp.web.getList(this._listUrl);
    // The item is read beside the list's check, not after it (one round trip on a provisioned
    // site, bench:page). Where the check had to make the list or a field, that read failed
    // (no list: 404; no such field: 400 "The field or property 'X' does not exist.") and the item
    // is read again once the list is whole.
    const early = this._item().then((items: IItem[]) => ({ items }), () => undefined);
    await this._ensure();
    let items: IItem[] = ((await early) || { items: await this._item() }).items;
    if (items.length === 0) {
      // The one item is made here, with the defaults, before anything is connected: the API then
      // writes its columns into it, and two writers never each create an item of their own.
      await list.items.add({ Title: ITEM_TITLE, ...toFields(DEFAULT_SETTINGS) });
      items = await this._item();
    }
    return items.length > 0 ? toSettings(items[0]) : { ...DEFAULT_SETTINGS, etag: undefined };
  }

  private async _save(settings: IAdminSettings, etag: string | undefined): Promise<IStoredSettings> {
    await this._ensure();
    const list = this._sp.web.getList(this._listUrl);
    const existing: IItem[] = await this._item();
    if (existing.length === 0) {
      if (etag !== undefined) {
        // The item we edited was deleted meanwhile: someone else changed the settings.
        throw appError('conflict');
      }
      await list.items.add({ Title: ITEM_TITLE, ...toFields(settings) });
    } else {
      if (etag === undefined) {
        // Another admin created the item after we read "none": do not overwrite it blindly.
        throw appError('conflict');
      }
      await list.items.getById(existing[0].Id).update(toFields(settings), etag);
    }
    const saved: IItem[] = await this._item();
    if (saved.length === 0) {
      // Deleted right after it was written: someone else changed the settings.
      throw appError('conflict');
    }
    return toSettings(saved[0]);
  }

  public async readForVisitor(): Promise<IVisitorView> {
    const [summary, owners] = await Promise.all([this._visitorSummary(), this._owners()]);
    return { summary, owners };
  }

  private async _visitorSummary(): Promise<IVisitorView['summary']> {
    try {
      const items: IVisitorItem[] = await this._sp.web.getList(this._listUrl).items.select('LmsEnabled', 'LmsAccountEmail', 'LmsConnectionStatus').orderBy('Id').top(1)();
      if (items.length === 0) {
        return { enabled: false, state: 'not-connected', accountEmail: null };
      }
      // Own keys only: a column reading "constructor" or "__proto__" is no state.
      const status = text(items[0].LmsConnectionStatus);
      const state = Object.prototype.hasOwnProperty.call(STATES, status) ? STATES[status] : 'not-connected';
      return { enabled: items[0].LmsEnabled === true, state, accountEmail: state === 'not-connected' ? null : text(items[0].LmsAccountEmail) || null };
    } catch (error) {
      // SharePoint refuses a $select naming a column the list lacks (400, "The field or property
      // 'X' does not exist."): a list made by hand, or whose columns were not all added yet. The
      // API writes every column it owns at once, so none of its state was ever written there:
      // the connection reads as not connected. Anything else: the visitor is told they cannot see.
      return isBadRequest(error) ? { enabled: false, state: 'not-connected', accountEmail: null } : undefined;
    }
  }

  /** The site's owners group; its PnPjs modules load only for visitors, who are few. */
  private async _owners(): Promise<IPerson[]> {
    try {
      await Promise.all([
        import(/* webpackChunkName: 'lms-site-owners' */ '@pnp/sp/site-groups/web'),
        import(/* webpackChunkName: 'lms-site-owners' */ '@pnp/sp/site-users/web')
      ]);
      return ownersToAsk(await this._sp.web.associatedOwnerGroup.users());
    } catch {
      return [];
    }
  }

  /** Whether this site has the settings list, i.e. is a catalog (R-SEC-2); nothing is created. */
  public async hasSettingsList(): Promise<boolean> {
    try {
      await this._sp.web.getList(this._listUrl).select('Id')();
      return true;
    } catch (error) {
      if (isNotFound(error)) {
        return false;
      }
      throw mapError(error);
    }
  }

  /**
   * The package provisions the list with every field. A site where it is missing gets it created on
   * first use, and a list made by an older package (or by hand) gets the fields it lacks, so the
   * page, the API and the list agree whatever version first made the list.
   */
  private _ensure(): Promise<void> {
    if (!this._ensured) {
      this._ensured = this._ensureList();
      this._ensured.catch(() => { this._ensured = undefined; }); // eslint-disable-line @typescript-eslint/no-floating-promises
    }
    return this._ensured;
  }

  private async _ensureList(): Promise<void> {
    let existing = await this._fieldNames();
    let created = false;
    if (!existing) {
      // Added, not "ensured": PnPjs' ensure finds a list by its title wherever it lives and
      // rewrites its settings, so another list titled LmsM365Connection would be hidden and changed.
      try {
        await this._sp.web.lists.add(LIST_URL_NAME, '', 100, false, { Hidden: true, EnableVersioning: true });
        created = true;
      } catch (error) {
        // Refused ("... with the specified title already exists"): another admin's page made it
        // meanwhile (it is at our address; add only what it lacks), or another list has the title.
        // Any other refusal (a timeout, throttling, a read-only site) is said as itself.
        if (!/already exists/i.test(String((error as { message?: unknown }).message))) {
          throw error;
        }
        existing = await this._fieldNames();
        if (!existing) {
          throw appError('problem', { status: (error as IHttpRequestErrorLike).status, code: LIST_TITLE_TAKEN });
        }
      }
    }
    const have = existing || [];
    const missing = SETTINGS_FIELDS.filter((f) => have.indexOf(f.internalName) < 0);
    if (missing.length === 0 && !created) {
      return;
    }
    // Address the list by URL: SharePoint derives its URL from the creation title, and the title
    // changes last so a list whose fields failed half-way keeps its creation title.
    // Adding fields happens once per site at most: its PnPjs module loads only then.
    await import(/* webpackChunkName: 'lms-list-fields' */ '@pnp/sp/fields');
    const list = this._sp.web.getList(this._listUrl);
    for (const field of missing) {
      try {
        await list.fields.createFieldAsXml(field.schemaXml);
      } catch (error) {
        // Another admin's page added it meanwhile ("A duplicate field name ... was found"): it is there.
        if ((await this._fieldNames() || []).indexOf(field.internalName) < 0) {
          throw error;
        }
      }
    }
    if (created) {
      await list.update({ Title: LIST_TITLE });
    }
  }

  /** Internal names of the list's fields; undefined when the site has no settings list. */
  private async _fieldNames(): Promise<string[] | undefined> {
    try {
      const fields: Array<{ InternalName: string }> = await SPCollection(this._sp.web.getList(this._listUrl), 'fields').select('InternalName')();
      return fields.map((f: { InternalName: string }) => f.InternalName);
    } catch (error) {
      if (isNotFound(error)) {
        return undefined;
      }
      throw error;
    }
  }
}
