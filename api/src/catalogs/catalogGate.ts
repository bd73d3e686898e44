import { LRUCache } from 'lru-cache';
import { ApiError } from '../errors/apiError';
import type { GraphClient } from '../graph/graphClient';
import { findSettingsList, isNotFound, listsPath, SettingsListStore, siteByPath } from '../sharepoint/listMirror';

/** Graph refusing the API's app-only token this site (Sites.Selected without a grant on it). */
const isAccessDenied = (error: unknown): boolean => error instanceof ApiError && (error.upstream?.startsWith('Graph 403') ?? false);

/** How long CatalogGate.neverConnected's answer for a catalog URL is kept. */
export const NEVER_CONNECTED_KEPT_MS = 5 * 60_000;

/**
 * R-SEC-2: what counts as a catalog. A site is one only where the app is installed - its settings
 * list exists - or the LMS registered it (REGISTERED_CATALOGS). Any other site under the SharePoint
 * origin is refused, so a site owner cannot make their own site a catalog and connect a mailbox there.
 * The list is looked up with the API's app-only Graph token; once found, its id is kept (beside the
 * record, where the list mirror keeps it) and trusted until the mirror finds the list gone.
 */
export class CatalogGate {
  private readonly registered: Set<string>;
  /** What neverConnected found per catalog URL (lower case), kept a few minutes. */
  private readonly told = new LRUCache<string, boolean>({ max: 1000, ttl: NEVER_CONNECTED_KEPT_MS });

  public constructor(
    private readonly deps: { graph: GraphClient; appToken: () => Promise<string>; lists: SettingsListStore; registered: readonly string[] }
  ) {
    this.registered = new Set(deps.registered.map((c) => c.toLowerCase()));
  }

  public async isCatalog(catalog: string): Promise<boolean> {
    if (this.registered.has(catalog.toLowerCase())) {
      return true;
    }
    const state = await this.deps.lists.read(catalog);
    if (state.listId) {
      return true;
    }
    const token = await this.deps.appToken();
    let siteId: string | null = null;
    try {
      siteId = (await this.deps.graph.request<{ id: string }>(token, 'GET', siteByPath(catalog, 'id')))?.id ?? null;
    } catch (error) {
      // 404: no such site. 403: a site the API holds no Sites.Selected grant on - every catalog has
      // one (deploy.md step 5a), and a catalog known before (its list id kept) was answered above.
      if (isNotFound(error) || isAccessDenied(error)) {
        return false;
      }
      throw error;
    }
    if (!siteId) {
      return false;
    }
    const lists = await this.deps.graph.request<{ value: { id: string; name?: string; webUrl?: string }[] }>(token, 'GET', listsPath(siteId));
    const list = findSettingsList(lists?.value ?? []);
    if (!list) {
      return false;
    }
    await this.deps.lists.write(catalog, { ...state, siteId, listId: list.id });
    return true;
  }

  /** NOT_A_CATALOG unless the site is a catalog. */
  public async require(catalog: string): Promise<void> {
    if (!(await this.isCatalog(catalog))) {
      throw new ApiError('NOT_A_CATALOG');
    }
  }

  /**
   * The LMS's refusal for a catalog nothing was ever connected to, made precise: NOT_A_CATALOG when
   * the site is none (most often a URL the LMS spells otherwise than the site's), else NOT_CONNECTED -
   * a catalog whose admin has not connected an account yet. Each answer is kept a few minutes per
   * URL: an LMS that repeats a wrong URL costs no Graph request each time. When the gate cannot tell
   * (Graph refusing or unreachable), `refusal` is answered as it was.
   */
  public async neverConnected(catalog: string, refusal: ApiError): Promise<ApiError> {
    const key = catalog.toLowerCase();
    let isCatalog = this.told.get(key);
    if (isCatalog === undefined) {
      try {
        isCatalog = await this.isCatalog(catalog);
      } catch {
        return refusal;
      }
      this.told.set(key, isCatalog);
    }
    return isCatalog
      ? new ApiError('NOT_CONNECTED', { detail: 'No account has been connected to this catalog yet: a catalog admin connects one on its settings page.' })
      : new ApiError('NOT_A_CATALOG', { detail: 'Nothing is set up for this site and it is not a catalog (no settings list, not registered): check the URL against the catalog site\'s address, as its settings page shows it.' });
  }
}
