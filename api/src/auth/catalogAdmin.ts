import { ApiError } from '../errors/apiError';
import type { Principal } from './principal';

/** SharePoint's PermissionKind.ManageWeb: bit 31, i.e. bit 30 of the low 32-bit word. */
const MANAGE_WEB_LOW_BIT = 1 << 30;

/** Reads `{High, Low}` from the nometadata or verbose shapes of effectiveBasePermissions. */
export function canManageWeb(body: unknown): boolean {
  const root = (body ?? {}) as Record<string, unknown>;
  const d = (root.d ?? root) as Record<string, unknown>;
  const perms = (d.EffectiveBasePermissions ?? d) as Record<string, unknown>;
  const low = Number(perms.Low);
  return Number.isFinite(low) && (low & MANAGE_WEB_LOW_BIT) !== 0;
}

/** Asks SharePoint whether a user may manage a site; given a SharePoint token for that user. */
export type SitePermissionReader = (principal: Extract<Principal, { kind: 'user' }>, catalog: string) => Promise<boolean>;

/**
 * Catalog admin = ManageWeb on the catalog site, asked of SharePoint on behalf of the caller and
 * remembered briefly (per instance) so a page's burst of calls asks once.
 */
export class CatalogAdminCheck {
  private readonly cache = new Map<string, { allowed: boolean; until: number }>();

  public constructor(private readonly read: SitePermissionReader, private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  public async require(principal: Principal, catalog: string): Promise<void> {
    if (principal.kind !== 'user') {
      return;
    }
    const key = `${principal.tenantId}|${principal.objectId}|${catalog.toLowerCase()}`;
    const cached = this.cache.get(key);
    let allowed: boolean;
    if (cached && cached.until > this.now()) {
      allowed = cached.allowed;
    } else {
      allowed = await this.read(principal, catalog);
      if (this.ttlMs > 0) {
        if (this.cache.size > 10_000) {
          this.cache.clear();
        }
        this.cache.set(key, { allowed, until: this.now() + this.ttlMs });
      }
    }
    if (!allowed) {
      throw new ApiError('NOT_CATALOG_ADMIN');
    }
  }
}
