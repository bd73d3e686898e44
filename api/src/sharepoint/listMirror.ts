import type { TableClient } from '@azure/data-tables';
import { ApiError } from '../errors/apiError';
import type { ConnectionRecord } from '../connections/model';
import type { GraphClient } from '../graph/graphClient';
import { catalogKey, readEntity, storageError } from '../storage/tables';
import type { ErrorCode } from '@lms-m365/contracts';

/** The settings list's URL name, fixed by the package (Lists/LmsM365Connection, docs/design.md). */
export const SETTINGS_LIST = 'LmsM365Connection';

const STATUS: Record<ConnectionRecord['health']['state'], string> = { 'not-connected': 'NotConnected', connected: 'Connected', lost: 'Lost', error: 'Error' };

/**
 * The list item's columns the API owns: what its connection is and how it is (never a secret).
 * The web part alone writes what an admin edits (LmsEnabled, LmsAlertRecipients), so neither
 * overwrites the other's columns (docs/design.md, "One writer per column").
 */
export const MIRRORED = ['LmsAuthMethod', 'LmsTransport', 'LmsAccountEmail', 'LmsConnectionStatus', 'LmsStatusCode', 'LmsLastCheck', 'LmsConnectionId'] as const;

export function listFields(record: ConnectionRecord): Record<(typeof MIRRORED)[number], unknown> {
  return {
    LmsAuthMethod: record.method === 'modern' ? 'Modern' : record.method === 'classic' ? 'Classic' : null,
    LmsTransport: record.transport === 'smtp-oauth' ? 'SmtpOAuth' : 'Graph',
    LmsAccountEmail: record.account?.email ?? null,
    LmsConnectionStatus: STATUS[record.health.state],
    LmsStatusCode: record.health.code,
    LmsLastCheck: record.health.checkedAt,
    LmsConnectionId: record.connectionId
  };
}

interface GraphList {
  id: string;
  name?: string;
  webUrl?: string;
}

/** A catalog's site by its URL (Graph: `GET /sites/{hostname}:/{server-relative-path}:`), with the properties `select` names. */
export function siteByPath(catalog: string, select: string): string {
  const site = new URL(catalog);
  return `/sites/${site.hostname}:${site.pathname}:?$select=${select}`;
}

/**
 * The site's lists as findSettingsList reads them. The settings list is hidden, and Graph leaves
 * lists with the system facet out of the collection unless `$select` names `system` (List lists).
 */
export const listsPath = (siteId: string): string => `/sites/${encodeURIComponent(siteId)}/lists?$select=id,name,webUrl,system`;

/**
 * Graph addresses a list by id or by display name, never by URL name; the display name is the
 * site owner's to change. The URL name is fixed by the package, so the list is found once by it
 * (`name`, or the end of `webUrl`) in the site's list collection, and then addressed by id.
 */
export function findSettingsList(lists: readonly GraphList[]): GraphList | undefined {
  const suffix = `/lists/${SETTINGS_LIST}`.toLowerCase();
  return lists.find((l) => l.name?.toLowerCase() === SETTINGS_LIST.toLowerCase() || (l.webUrl ?? '').toLowerCase().replace(/\/+$/, '').endsWith(suffix));
}

/** What the API knows about a catalog's settings list: where it is, and whether the last write failed. */
export interface SettingsListState {
  siteId: string | null;
  listId: string | null;
  failure: { code: ErrorCode; failedAt: string } | null;
}

const EMPTY: SettingsListState = { siteId: null, listId: null, failure: null };

/** Kept beside the catalog's connection record (same partition, its own row), written last-writer-wins. */
export class SettingsListStore {
  public constructor(private readonly table: TableClient) {}

  public async read(catalog: string): Promise<SettingsListState> {
    const entity = await readEntity<{ state: string }>(this.table, catalogKey(catalog), 'list');
    return entity ? { ...EMPTY, ...(JSON.parse(entity.state) as SettingsListState) } : { ...EMPTY };
  }

  public async write(catalog: string, state: SettingsListState): Promise<void> {
    try {
      await this.table.upsertEntity({ partitionKey: catalogKey(catalog), rowKey: 'list', state: JSON.stringify(state) }, 'Replace');
    } catch (error) {
      throw storageError(error);
    }
  }
}

interface Item {
  id: string;
  /** The API's columns as the item holds them (Graph leaves empty ones out). */
  fields?: Record<string, unknown>;
}

/**
 * How stale the item's "last check" may be before a check writes it again. The page checks the
 * connection as it opens: writing the time each time would add a list version per page view and
 * change the item's ETag under the page's first save. The page shows the API's own time.
 */
export const LAST_CHECK_REFRESH_MS = 3_600_000;

/** Whether a column already holds the value (SharePoint answers none for an empty one). */
function holds(held: unknown, wanted: unknown, toleranceMs: number): boolean {
  if (wanted === null || wanted === undefined || held === null || held === undefined) {
    return (wanted ?? null) === (held ?? null);
  }
  if (typeof wanted === 'string' && typeof held === 'string' && /^\d{4}-\d\d-\d\dT/.test(wanted)) {
    // SharePoint keeps a date to the second.
    return Math.abs(Math.floor(Date.parse(wanted) / 1000) * 1000 - Date.parse(held)) <= toleranceMs;
  }
  return held === wanted;
}

/**
 * Whether the item's API columns already say what the record says - its last check within
 * LAST_CHECK_REFRESH_MS: then writing them again would only bump its ETag and its versions.
 */
export function itemHolds(fields: Record<string, unknown> | undefined, record: ConnectionRecord): boolean {
  const wanted = listFields(record);
  return !!fields && Object.entries(wanted).every(([name, value]) => holds(fields[name], value, name === 'LmsLastCheck' ? LAST_CHECK_REFRESH_MS : 0));
}

/** Graph answered 404 (no such site, list or item). */
export const isNotFound = (error: unknown): boolean => error instanceof ApiError && (error.upstream?.startsWith('Graph 404') ?? false);

/**
 * Mirrors a catalog's non-secret connection state into its settings list item with app-only
 * Graph, so the page (and list versioning) shows what the API knows. The web part owns the list;
 * when it does not exist yet there is nothing to mirror into. A failed write is remembered (the
 * connection view shows it as a warning) and thrown for the caller to log with its code.
 */
export class ListMirror {
  public constructor(private readonly graph: GraphClient, private readonly appToken: () => Promise<string>, private readonly store: SettingsListStore, private readonly now: () => number = Date.now) {}

  /** The last write's failure, if it failed (issue 13 point 3: never swallowed). */
  public async failure(catalog: string): Promise<SettingsListState['failure']> {
    return (await this.store.read(catalog)).failure;
  }

  public async mirror(record: ConnectionRecord): Promise<'updated' | 'unchanged' | 'created' | 'no-list'> {
    const state = await this.store.read(record.catalog);
    try {
      const token = await this.appToken();
      let at = await this.locate(token, record.catalog, state);
      let result: 'updated' | 'unchanged' | 'created' | 'no-list' = 'no-list';
      if (at) {
        try {
          result = await this.write(token, at, record);
        } catch (error) {
          // The list was deleted (and perhaps made again) since its id was kept: find it once more.
          if (!isNotFound(error) || !state.listId) {
            throw error;
          }
          at = await this.locate(token, record.catalog, { ...state, listId: null });
          result = at ? await this.write(token, at, record) : 'no-list';
        }
      }
      const next: SettingsListState = { siteId: at?.siteId ?? state.siteId, listId: at?.listId ?? null, failure: null };
      if (next.siteId !== state.siteId || next.listId !== state.listId || state.failure) {
        await this.store.write(record.catalog, next);
      }
      return result;
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('SERVICE_UNAVAILABLE');
      // Remembered for the connection view; if even this write fails, the caller still logs the code.
      await this.store.write(record.catalog, { ...state, failure: { code: apiError.code, failedAt: new Date(this.now()).toISOString() } }).catch(() => undefined);
      throw apiError;
    }
  }

  /** The site's and list's Graph ids: kept ones, else found once (the site by path, the list by its URL name). */
  private async locate(token: string, catalog: string, state: SettingsListState): Promise<{ siteId: string; listId: string } | undefined> {
    let siteId = state.siteId;
    if (!siteId) {
      siteId = (await this.graph.request<{ id: string }>(token, 'GET', siteByPath(catalog, 'id')))?.id ?? null;
    }
    if (!siteId) {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'Graph answered no site id' });
    }
    let listId = state.listId;
    if (!listId) {
      const lists = await this.graph.request<{ value: GraphList[] }>(token, 'GET', listsPath(siteId));
      listId = findSettingsList(lists?.value ?? [])?.id ?? null;
    }
    return listId ? { siteId, listId } : undefined;
  }

  /**
   * The record's columns over the list's one item. An item that already holds them is left as it is:
   * a write would change its ETag for nothing, and the page, which writes the admin's columns
   * right after the API took them (a save changes no column of the API's), would meet a stale ETag.
   */
  private async write(token: string, at: { siteId: string; listId: string }, record: ConnectionRecord): Promise<'updated' | 'unchanged' | 'created'> {
    const items = `/sites/${encodeURIComponent(at.siteId)}/lists/${encodeURIComponent(at.listId)}/items`;
    const existing = await this.graph.request<{ value: Item[] }>(token, 'GET', `${items}?$top=1&$expand=fields($select=${MIRRORED.join(',')})`);
    const item = existing?.value[0];
    if (!item) {
      await this.graph.request(token, 'POST', items, { fields: { Title: 'Microsoft 365 connection', ...listFields(record) } });
      return 'created';
    }
    if (itemHolds(item.fields, record)) {
      return 'unchanged';
    }
    // No If-Match: the API's columns are its own, and a PATCH of fields changes only the fields it names.
    await this.graph.request(token, 'PATCH', `${items}/${item.id}/fields`, listFields(record));
    return 'updated';
  }
}
