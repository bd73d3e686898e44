import type { JWTPayload } from 'jose';
import { ApiError } from '../errors/apiError';

/** Who is calling, from a verified token. */
export type Principal =
  | { kind: 'user'; tenantId: string; objectId: string; name: string; scopes: string[]; token: string; isTenantAdmin: boolean }
  | { kind: 'app'; tenantId: string; appId: string; roles: string[] };

/** The client applications (azp / appid) whose tokens the API accepts, by kind of token. */
export interface AcceptedClients {
  /** Delegated tokens: SharePoint's web part principal (SPFx in SharePoint and Teams). */
  delegated: string[];
  /** App-only tokens: the LMS back end. */
  app: string[];
}

/** Directory role templates that may grant tenant-wide consent (Global, Privileged Role, Cloud App, App admins). */
const CONSENT_ADMIN_ROLES = ['62e90394-69f5-4237-9190-012177145e10', 'e8611ab8-c189-46e8-94e1-60213ab1f814', '158c047a-c907-4556-b7ef-446551a6b5f7', '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3'];

function stringList(value: unknown, separator?: string): string[] {
  if (typeof value === 'string') {
    return separator ? value.split(separator).filter((s) => s.length > 0) : [value];
  }
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function clientOf(claims: JWTPayload): string {
  // v2 tokens name the client in azp, v1 tokens in appid.
  const client = typeof claims.azp === 'string' ? claims.azp : claims.appid;
  return typeof client === 'string' ? client.toLowerCase() : '';
}

function refuseClient(detail: string): never {
  throw new ApiError('CLIENT_APP_NOT_ACCEPTED', { detail });
}

/**
 * Decides what a verified token may do. Delegated tokens carry `scp`; app-only tokens carry
 * idtyp=app (the API's registration asks for that optional claim) and `roles`. Anything else -
 * an ID token of the API's own sign-in, a token with roles but no idtyp=app, a token with
 * neither - is refused, and so is a token issued to a client application not accepted here.
 */
export function principalFromClaims(claims: JWTPayload, token: string, clients: AcceptedClients): Principal {
  const tenantId = typeof claims.tid === 'string' ? claims.tid : '';
  const scopes = stringList(claims.scp, ' ');
  const client = clientOf(claims);
  if (scopes.length > 0) {
    if (claims.idtyp === 'app') {
      refuseClient('An app-only token cannot carry delegated scopes.');
    }
    const objectId = typeof claims.oid === 'string' ? claims.oid : '';
    if (!objectId) {
      throw new ApiError('TOKEN_INVALID', { detail: 'The token names no user (oid).' });
    }
    if (!clients.delegated.includes(client)) {
      refuseClient('The token was issued to an application that may not call this API for a user.');
    }
    const name = [claims.preferred_username, claims.upn, claims.unique_name].find((v): v is string => typeof v === 'string') ?? objectId;
    const isTenantAdmin = stringList(claims.wids).some((w) => CONSENT_ADMIN_ROLES.includes(w.toLowerCase()));
    return { kind: 'user', tenantId, objectId, name, scopes, token, isTenantAdmin };
  }
  if (claims.idtyp !== 'app') {
    refuseClient('The token is neither a delegated access token (scp) nor an app-only access token (idtyp=app).');
  }
  if (!clients.app.includes(client)) {
    refuseClient('The token was issued to an application that may not call this API.');
  }
  return { kind: 'app', tenantId, appId: client, roles: stringList(claims.roles) };
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
    throw new ApiError('USER_ONLY');
  }
  if (!principal.roles.includes(requirement.appRole)) {
    throw new ApiError('APP_ROLE_MISSING');
  }
}
