import { Timeout } from '@pnp/queryable';
import { spfi, SPCollection, type SPFI } from '@pnp/sp';
import '@pnp/sp/webs';
import '@pnp/sp/lists';
import '@pnp/sp/items';
import { appError, isAppError, type IAppError } from '../model/appError';
import type { AuthMethod, HealthState, Transport } from '../model/connection';
import { DEFAULT_SETTINGS, type IAdminSettings, type IStoredSettings } from '../model/settings';
import type { IPerson, ISettingsStore, IVisitorView } from './interfaces';
import { SETTINGS_FIELDS } from './settingsFields';

/** docs/design.md: Lists/LmsM365Connection on the catalog site. */
export const LIST_URL_NAME = 'LmsM365Connection';
export const LIST_TITLE = 'LMS Microsoft 365 connection';
const ITEM_TITLE = 'Microsoft 365 connection';
const FIELDS = ['Id', 'LmsEnabled', 'LmsAuthMethod', 'LmsTransport', 'LmsAlertRecipients'];
const TIMEOUT_MS = 20000;

interface IItem {
  Id: number;
  LmsEnabled?: boolean | null;
  LmsAuthMethod?: string | null;
  LmsTransport?: string | null;
  LmsAlertRecipients?: string | null;
  'odata.etag'?: string;
  __metadata?: { etag?: string };
}

interface IVisitorItem {
  LmsEnabled?: boolean | null;
  LmsAccountEmail?: string | null;
  LmsConnectionStatus?: string | null;
}

const STATES: Record<string, HealthState> = { NotConnected: 'not-connected', Connected: 'connected', Lost: 'lost', Error: 'error' };

interface IHttpRequestErrorLike {
  isHttpRequestError?: boolean;
  status?: number;
  name?: string;
}

function toSettings(item: IItem): IStoredSettings {
  const method: AuthMethod = item.LmsAuthMethod === 'Classic' ? 'classic' : 'modern';
  const transport: Transport = item.LmsTransport === 'SmtpOAuth' ? 'smtp-oauth' : 'graph';
  const recipients = (item.LmsAlertRecipients || '').split(/\r?\n/).map((s: string) => s.trim()).filter((s: string) => s !== '');
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

function mapError(error: unknown): IAppError {
  if (isAppError(error)) {
    return error;
  }
  const http = error as IHttpRequestErrorLike;
  if (http && http.name === 'AbortError') {
    return appError('timeout');
  }
  if (http && http.isHttpRequestError) {
    if (http.status === 412 || http.status === 409) {
      return appError('conflict', { status: http.status });
    }
    if (http.status === 403 || http.status === 401) {
      return appError('problem', { status: http.status, code: 'NOT_CATALOG_ADMIN' });
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
    this._sp = spfi(sp).using(Timeout(timeoutMs));
    this._listUrl = `${serverRelativeSiteUrl.replace(/\/+$/, '')}/Lists/${LIST_URL_NAME}`;
  }

  public async load(): Promise<IStoredSettings> {
    try {
      const list = this._sp.web.getList(this._listUrl);
      const read = (): Promise<IItem[]> => list.items.select(...FIELDS).orderBy('Id').top(1)();
      // The item is read beside the list's check, not after it (one round trip on a provisioned
      // site, bench:page). Where the check had to make the list or a field, that read failed
      // (no list, no such field) and the item is read again once the list is whole.
      const early = read().then((items: IItem[]) => ({ items }), () => undefined);
      await this._ensure();
      let items: IItem[] = ((await early) || { items: await read() }).items;
      if (items.length === 0) {
        // The one item is made here, with the defaults, before anything is connected: the API then
        // writes its columns into it, and two writers never each create an item of their own.
        await list.items.add({ Title: ITEM_TITLE, ...toFields(DEFAULT_SETTINGS) });
        items = await list.items.select(...FIELDS).orderBy('Id').top(1)();
      }
      return items.length > 0 ? toSettings(items[0]) : { ...DEFAULT_SETTINGS, etag: undefined };
    } catch (error) {
      throw mapError(error);
    }
  }

  public async save(settings: IAdminSettings, etag: string | undefined): Promise<IStoredSettings> {
    try {
      await this._ensure();
      const list = this._sp.web.getList(this._listUrl);
      const existing: IItem[] = await list.items.select(...FIELDS).orderBy('Id').top(1)();
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
      const saved: IItem[] = await list.items.select(...FIELDS).orderBy('Id').top(1)();
      return toSettings(saved[0]);
    } catch (error) {
      throw mapError(error);
    }
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
      const state = STATES[items[0].LmsConnectionStatus || ''] || 'not-connected';
      return { enabled: items[0].LmsEnabled === true, state, accountEmail: state === 'not-connected' ? null : items[0].LmsAccountEmail || null };
    } catch {
      return undefined;
    }
  }

  /** The site's owners group; its PnPjs modules load only for visitors, who are few. */
  private async _owners(): Promise<IPerson[]> {
    try {
      await Promise.all([
        import(/* webpackChunkName: 'lms-site-owners' */ '@pnp/sp/site-groups/web'),
        import(/* webpackChunkName: 'lms-site-owners' */ '@pnp/sp/site-users/web')
      ]);
      const users: Array<{ Title?: string; Email?: string }> = await this._sp.web.associatedOwnerGroup.users();
      return users.filter((u) => !!u.Email).map((u) => ({ displayName: u.Title || (u.Email as string), email: u.Email as string }));
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
      const http = error as IHttpRequestErrorLike;
      if (http && http.isHttpRequestError && http.status === 404) {
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
      const ensured = await this._sp.web.lists.ensure(LIST_URL_NAME, '', 100, false, { Hidden: true, EnableVersioning: true });
      created = ensured.created;
      // Not created: another admin made it meanwhile; add only what that one lacks.
      existing = created ? [] : await this._fieldNames();
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
      await list.fields.createFieldAsXml(field.schemaXml);
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
      const http = error as IHttpRequestErrorLike;
      if (http && http.isHttpRequestError && http.status === 404) {
        return undefined;
      }
      throw error;
    }
  }
}
