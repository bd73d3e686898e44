import { LRUCache } from 'lru-cache';
import { createRemoteJWKSet, errors as joseErrors, JWTPayload, jwtVerify, JWTVerifyGetKey } from 'jose';
import { ApiError } from '../errors/apiError';
import { AcceptedClients, Principal, principalFromClaims } from './principal';

export interface TokenVerifierOptions {
  /** Accepted `iss` values (v2 and, in production, v1 issuers of the one tenant). */
  issuers: string[];
  audiences: string[];
  tenantId: string;
  /** A key source: jose's remote JWKS in the API, a local set in unit tests. */
  keys: JWTVerifyGetKey;
  clockToleranceSeconds?: number;
  /** The client applications whose tokens are accepted (azp / appid). */
  clients: AcceptedClients;
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Principal>;

export function jwksUrl(authorityHost: string, tenantId: string): URL {
  return new URL(`${authorityHost}/${tenantId}/discovery/v2.0/keys`);
}

export function issuersFor(authorityHost: string, tenantId: string, production: boolean): string[] {
  const issuers = [`${authorityHost}/${tenantId}/v2.0`];
  if (production) {
    issuers.push(`https://sts.windows.net/${tenantId}/`);
  }
  return issuers;
}

export function remoteKeys(url: URL): JWTVerifyGetKey {
  return createRemoteJWKSet(url, { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 });
}

/**
 * Validates bearer tokens: signature (JWKS), issuer, audience, tenant, exp and nbf. A token that
 * passed is remembered until it expires (plus the clock tolerance): the same bytes verify the
 * same way, and a page sends the same token many times. The cache's time to live is the expiry
 * check for remembered tokens (lru-cache drops a stale entry on read).
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const verified = new LRUCache<string, Principal>({ max: 10_000 });
  const tolerance = options.clockToleranceSeconds ?? 60;
  return async (authorization) => {
    const cached = authorization ? verified.get(authorization) : undefined;
    return cached ?? verifyOnce(authorization);
  };

  async function verifyOnce(authorization: string | undefined): Promise<Principal> {
    if (!authorization) {
      throw new ApiError('AUTH_REQUIRED');
    }
    const match = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+)$/.exec(authorization);
    if (!match) {
      // "Bearer " and nothing: a script whose token variable is empty (its token request failed).
      const detail = /^Bearer\s*$/i.test(authorization) ? 'The Authorization header carries no token ("Bearer" and nothing after it): the request for the token failed, or its variable is empty.' : 'The Authorization header is not "Bearer <JWT>".';
      throw new ApiError('TOKEN_INVALID', { detail });
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], options.keys, {
        issuer: options.issuers,
        audience: options.audiences,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'tid'],
        clockTolerance: tolerance
      }));
    } catch (error) {
      throw new ApiError('TOKEN_INVALID', { detail: describeJoseFailure(error, options.audiences) });
    }
    if (payload.tid !== options.tenantId) {
      throw new ApiError('TOKEN_INVALID', { detail: 'The token was issued for another tenant.' });
    }
    const principal = principalFromClaims(payload, match[1], options.clients);
    verified.set(authorization, principal, { ttl: Math.max(1, ((payload.exp as number) + tolerance) * 1000 - Date.now()) });
    return principal;
  }
}

/** A reason safe to show: which check failed, never the token. */
function describeJoseFailure(error: unknown, audiences: string[]): string {
  if (error instanceof joseErrors.JWTExpired) {
    return 'The token has expired.';
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    // A token for another resource (Graph's, say: the wrong scope asked) fails on its v1 issuer
    // before its audience is looked at; what the caller must fix is the scope, so say that.
    const aud = error.payload.aud;
    const forUs = (Array.isArray(aud) ? aud : [aud]).some((a) => typeof a === 'string' && audiences.includes(a));
    if ((error.claim === 'iss' || error.claim === 'aud') && !forUs) {
      // Its audience is named only when it looks like one (a URI or an id), not arbitrary text.
      const named = typeof aud === 'string' && /^[A-Za-z0-9:/._-]{1,100}$/.test(aud) ? ` (its audience is ${aud})` : '';
      return `The token is not for this API${named}: request it with the scope ${audiences[0]}/.default (an app) or ${audiences[0]}/<scope> (a user).`;
    }
    return `The token's "${error.claim}" claim is not accepted here.`;
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return 'The token was not signed by the tenant.';
  }
  if (error instanceof joseErrors.JWKSTimeout) {
    return 'The tenant\'s signing keys could not be fetched.';
  }
  return 'The token could not be validated.';
}
