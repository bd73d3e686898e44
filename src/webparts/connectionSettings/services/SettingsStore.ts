import { Timeout } from '@pnp/queryable';
import { spfi, type SPFI } from '@pnp/sp';
import '@pnp/sp/webs';
import '@pnp/sp/lists';
import '@pnp/sp/items';
import { appError, isAppError, type IAppError } from '../model/appError';
import type { AuthMethod, Transport } from '../model/connection';
import { DEFAULT_SETTINGS, type ISettings, type IStoredSettings } from '../model/settings';
import type { ISettingsStore } from './interfaces';

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

function toFields(settings: ISettings): Record<string, unknown> {
  return {
    LmsEnabled: settings.enabled,
    LmsAuthMethod: settings.method === 'classic' ? 'Classic' : 'Modern',
    LmsTransport: settings.transport === 'smtp-oauth' ? 'SmtpOAuth' : 'Graph',
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
      await this._ensure();
      const items: IItem[] = await this._sp.web.getList(this._listUrl).items.select(...FIELDS).orderBy('Id').top(1)();
      return items.length > 0 ? toSettings(items[0]) : { ...DEFAULT_SETTINGS, etag: undefined };
    } catch (error) {
      throw mapError(error);
    }
  }

  public async save(settings: ISettings, etag: string | undefined): Promise<IStoredSettings> {
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

  /** The package provisions the list; a site where it is missing gets it created on first use. */
  private _ensure(): Promise<void> {
    if (!this._ensured) {
      this._ensured = this._createIfMissing();
      this._ensured.catch(() => { this._ensured = undefined; }); // eslint-disable-line @typescript-eslint/no-floating-promises
    }
    return this._ensured;
  }

  private async _createIfMissing(): Promise<void> {
    try {
      await this._sp.web.getList(this._listUrl).select('Id')();
      return;
    } catch (error) {
      const http = error as IHttpRequestErrorLike;
      if (!(http && http.isHttpRequestError && http.status === 404)) {
        throw error;
      }
    }
    const ensured = await this._sp.web.lists.ensure(LIST_URL_NAME, '', 100, false, { Hidden: true, EnableVersioning: true });
    if (!ensured.created) {
      return;
    }
    // Address the new list by URL: SharePoint derives its URL from the creation title, and the
    // title changes last so a list whose fields failed half-way keeps its creation title.
    // Creating fields happens once per site at most: its PnPjs module loads only then.
    await import(/* webpackChunkName: 'lms-list-fields' */ '@pnp/sp/fields');
    const list = this._sp.web.getList(this._listUrl);
    await list.fields.addBoolean('LmsEnabled');
    await list.fields.addChoice('LmsAuthMethod', { Choices: ['Modern', 'Classic'] });
    await list.fields.addChoice('LmsTransport', { Choices: ['Graph', 'SmtpOAuth'] });
    await list.fields.addText('LmsAccountEmail');
    await list.fields.addChoice('LmsConnectionStatus', { Choices: ['NotConnected', 'Connected', 'Lost', 'Error'] });
    await list.fields.addText('LmsStatusCode');
    await list.fields.addDateTime('LmsLastCheck');
    await list.fields.addMultilineText('LmsAlertRecipients', { RichText: false });
    await list.fields.addText('LmsConnectionId');
    await list.update({ Title: LIST_TITLE });
  }
}
