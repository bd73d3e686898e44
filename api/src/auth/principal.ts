import type { JWTPayload } from 'jose';
import { ApiError } from '../errors/apiError';

/** Who is calling, from a verified token. */
export type Principal =
  | { kind: 'user'; tenantId: string; objectId: string; name: string; scopes: string[]; token: string; isTenantAdmin: boolean }
  | { kind: 'app'; tenantId: string; appId: string; roles: string[] };

/** Directory role templates that may grant tenant-wide consent (Global, Privileged Role, Cloud App, App admins). */
const CONSENT_ADMIN_ROLES = ['62e90394-69f5-4237-9190-012177145e10', 'e8611ab8-c189-46e8-94e1-60213ab1f814', '158c047a-c907-4556-b7ef-446551a6b5f7', '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3'];

function stringList(value: unknown, separator?: string): string[] {
  if (typeof value === 'string') {
    return separator ? value.split(separator).filter((s) => s.length > 0) : [value];
  }
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Decides what a verified token may do. Delegated tokens carry `scp`; app-only tokens carry
 * `roles` and no `scp` (Entra sets idtyp=app on them when asked; its absence is not trusted).
 */
export function principalFromClaims(claims: JWTPayload, token: string): Principal {
  const tenantId = typeof claims.tid === 'string' ? claims.tid : '';
  const scopes = stringList(claims.scp, ' ');
  if (scopes.length > 0 || claims.idtyp === 'user') {
    const objectId = typeof claims.oid === 'string' ? claims.oid : '';
    if (!objectId) {
      throw new ApiError('TOKEN_INVALID', { detail: 'The token names no user (oid).' });
    }
    const name = [claims.preferred_username, claims.upn, claims.unique_name].find((v): v is string => typeof v === 'string') ?? objectId;
    const isTenantAdmin = stringList(claims.wids).some((w) => CONSENT_ADMIN_ROLES.includes(w.toLowerCase()));
    return { kind: 'user', tenantId, objectId, name, scopes, token, isTenantAdmin };
  }
  const appId = [claims.azp, claims.appid].find((v): v is string => typeof v === 'string') ?? '';
  return { kind: 'app', tenantId, appId, roles: stringList(claims.roles) };
}

/** What a route requires of its caller. */
export type Requirement = { delegatedScope?: string; appRole?: string };

/** Refuses a principal that lacks the route's scope or role (403, distinct codes for each). */
export function authorize(principal: Principal, requirement: Requirement): void {
  if (principal.kind === 'user') {
    if (!requirement.delegatedScope) {
      // An app-only route: a person never queues mail as a catalog, whatever their token's scopes.
      throw new ApiError('APP_ONLY');
    }
    if (!principal.scopes.includes(requirement.delegatedScope)) {
      throw new ApiError('SCOPE_MISSING');
    }
    return;
  }
  if (!requirement.appRole) {
    throw new ApiError('SCOPE_MISSING', { detail: 'This operation is for signed-in catalog admins only, not for applications.' });
  }
  if (!principal.roles.includes(requirement.appRole)) {
    throw new ApiError('APP_ROLE_MISSING');
  }
}
