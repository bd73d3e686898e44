import { LRUCache } from 'lru-cache';
import { ApiError } from '../errors/apiError';
import type { Principal } from './principal';

/** Asks SharePoint whether a user may manage a site (api/src/sharepoint/sitePermissions.ts). */
export type SitePermissionReader = (principal: Extract<Principal, { kind: 'user' }>, catalog: string) => Promise<boolean>;

/**
 * Catalog admin = ManageWeb on the catalog site, asked of SharePoint on behalf of the caller and
 * remembered briefly (per instance) so a page's burst of calls asks once.
 */
export class CatalogAdminCheck {
  private readonly cache: LRUCache<string, boolean> | undefined;

  public constructor(private readonly read: SitePermissionReader, ttlMs: number) {
    this.cache = ttlMs > 0 ? new LRUCache<string, boolean>({ max: 10_000, ttl: ttlMs }) : undefined;
  }

  /** `fresh`: ask SharePoint now, not the remembered answer (a sign-in's completion re-checks the rights, R-SEC-1). */
  public async require(principal: Principal, catalog: string, fresh = false): Promise<void> {
    if (principal.kind !== 'user') {
      return;
    }
    const key = `${principal.tenantId}|${principal.objectId}|${catalog.toLowerCase()}`;
    let allowed = fresh ? undefined : this.cache?.get(key);
    if (allowed === undefined) {
      allowed = await this.read(principal, catalog);
      this.cache?.set(key, allowed);
    }
    if (!allowed) {
      throw new ApiError('NOT_CATALOG_ADMIN');
    }
  }
}
