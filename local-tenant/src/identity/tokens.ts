import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Claims, SigningKey, signJwt } from './jwt';
import type { Account, App, TenantState } from '../state/tenant-state';

export interface Issuer {
  state: TenantState;
  key: SigningKey;
}

export const v2Issuer = (origin: string, tid: string): string => `${origin}/${tid}/v2.0`;
/** v1 tokens (Graph, SharePoint, Exchange) come from sts.windows.net/{tid}/ in Entra; locally from the tenant's origin. */
export const v1Issuer = (origin: string, tid: string): string => `${origin}/${tid}/`;

const now = (): number => Math.floor(Date.now() / 1000);

/** Entra's pairwise subject: stable per user and app, different between apps. */
function pairwiseSub(oid: string, appId: string): string {
  return createHash('sha256').update(`${oid}|${appId}`).digest('base64url').slice(0, 43);
}

function lifetime(seconds: number): Claims {
  const iat = now();
  return { iat, nbf: iat, exp: iat + seconds };
}

/** The audience a resource's tokens carry: v2 tokens name the app id, v1 tokens the identifier URI. */
export function audienceOf(resource: App): string {
  return resource.accessTokenVersion === 2 ? resource.appId : (resource.identifierUris[0] ?? resource.appId);
}

export interface IssuedToken {
  token: string;
  expiresIn: number;
}

/** Claims every access token carries, delegated or app-only, v1 or v2. */
function accessTokenBase(iss: Issuer, resource: App, seconds: number): Claims {
  return {
    aud: audienceOf(resource),
    ...lifetime(seconds),
    aio: randomBytes(24).toString('base64url'),
    rh: randomBytes(16).toString('base64url'),
    tid: iss.state.tenantId,
    uti: randomBytes(16).toString('base64url')
  };
}

/** A delegated access token: the user, the client that asked, the scopes consented for the resource. */
export function delegatedAccessToken(iss: Issuer, user: Account, client: App, resource: App, scopes: string[]): IssuedToken {
  const { state } = iss;
  const seconds = state.limits.accessTokenLifetimeSeconds;
  const common: Claims = {
    ...accessTokenBase(iss, resource, seconds),
    name: user.displayName,
    oid: user.id,
    scp: scopes.join(' '),
    sub: pairwiseSub(user.id, client.appId)
  };
  // Access tokens follow the resource's manifest: `wids` only where it asks for directory roles.
  if (user.roleIds.length && (resource.groupMembershipClaims === 'DirectoryRole' || resource.groupMembershipClaims === 'All')) common.wids = user.roleIds;
  const claims: Claims =
    resource.accessTokenVersion === 2
      ? { ...common, iss: v2Issuer(state.origin, state.tenantId), azp: client.appId, azpacr: client.clientSecret ? '1' : '0', preferred_username: user.upn, ver: '2.0' }
      : {
          ...common,
          iss: v1Issuer(state.origin, state.tenantId),
          acr: '1',
          amr: ['pwd'],
          app_displayname: client.displayName,
          appid: client.appId,
          appidacr: client.clientSecret ? '1' : '0',
          family_name: user.surname ?? undefined,
          given_name: user.givenName ?? undefined,
          idtyp: 'user',
          ipaddr: '127.0.0.1',
          unique_name: user.upn,
          upn: user.upn,
          ver: '1.0'
        };
  return { token: signJwt(iss.key, claims), expiresIn: seconds };
}

/** An app-only access token (client credentials): the client's app roles on the resource. */
export function appAccessToken(iss: Issuer, client: App, resource: App, roles: string[]): IssuedToken {
  const { state } = iss;
  const seconds = state.limits.accessTokenLifetimeSeconds;
  const common: Claims = {
    ...accessTokenBase(iss, resource, seconds),
    idtyp: 'app',
    oid: client.servicePrincipalId,
    sub: client.servicePrincipalId
  };
  if (roles.length) common.roles = roles;
  const claims: Claims =
    resource.accessTokenVersion === 2
      ? { ...common, iss: v2Issuer(state.origin, state.tenantId), azp: client.appId, azpacr: '1', ver: '2.0' }
      : { ...common, iss: v1Issuer(state.origin, state.tenantId), app_displayname: client.displayName, appid: client.appId, appidacr: '1', ver: '1.0' };
  return { token: signJwt(iss.key, claims), expiresIn: seconds };
}

/** The id token MSAL builds its account from (nonce echoed back; v2 claims). */
export function idToken(iss: Issuer, user: Account, client: App, nonce: string | null, withEmail: boolean): string {
  const { state } = iss;
  const claims: Claims = {
    aud: client.appId,
    iss: v2Issuer(state.origin, state.tenantId),
    ...lifetime(3600),
    name: user.displayName,
    oid: user.id,
    preferred_username: user.upn,
    rh: randomBytes(16).toString('base64url'),
    sub: pairwiseSub(user.id, client.appId),
    tid: state.tenantId,
    uti: randomBytes(16).toString('base64url'),
    ver: '2.0'
  };
  if (nonce) claims.nonce = nonce;
  if (withEmail && user.mailbox !== 'none') claims.email = user.upn;
  return signJwt(iss.key, claims);
}

/** client_info as MSAL expects it: base64url JSON of the home account's uid (oid) and utid (tenant). */
export function clientInfo(user: Account, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: user.id, utid: tenantId })).toString('base64url');
}

/**
 * Codes and refresh tokens are opaque: a random handle to a record the tenant keeps, stamped with
 * the time the code expires or the refresh token was issued, as Entra's self-contained ones carry
 * theirs: one presented after its record was swept away is still told it expired.
 */
const handle = (ms: number): string => `1.local.${Math.floor(ms).toString(36)}.${randomBytes(48).toString('base64url')}`;

/** The time stamped in a code or refresh token (null if it is not one of this tenant's). */
export function handleTime(value: string): number | null {
  const m = /^1\.local\.([0-9a-z]{1,11})\.[\w-]+$/.exec(value);
  return m ? parseInt(m[1], 36) : null;
}

export function newRefreshToken(state: TenantState, user: Account, client: App): string {
  const t = state.now();
  const token = handle(t);
  state.refreshTokens.set(token, { userId: user.id, clientAppId: client.appId, sessionGeneration: user.sessionGeneration, issuedAt: t, lastUsedAt: t, expired: false });
  state.sweepIdentity();
  return token;
}

export const newCode = (expiresAt: number): string => handle(expiresAt);
export const newSession = (): string => randomUUID();
