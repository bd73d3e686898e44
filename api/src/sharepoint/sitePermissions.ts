import type { SitePermissionReader } from '../auth/catalogAdmin';
import { ApiError } from '../errors/apiError';

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

/**
 * The real question, asked of SharePoint on behalf of the caller: effectiveBasePermissions of the
 * catalog site with a SharePoint token obtained for the caller's own token.
 */
export function sharePointSitePermissions(sharePointToken: (userToken: string) => Promise<string>): SitePermissionReader {
  return async (principal, catalog) => {
    const token = await sharePointToken(principal.token);
    let response: Response;
    try {
      response = await fetch(`${catalog}/_api/web/effectiveBasePermissions`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json;odata=nometadata' },
        signal: AbortSignal.timeout(10_000)
      });
    } catch {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'SharePoint unreachable' });
    }
    if (response.status === 401 || response.status === 403 || response.status === 404) {
      return false;
    }
    if (!response.ok) {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: `SharePoint ${response.status}` });
    }
    return canManageWeb(await response.json());
  };
}
