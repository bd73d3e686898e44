import { createLocalJWKSet, exportJWK, generateKeyPair, JWTPayload, JWTVerifyGetKey, SignJWT } from 'jose';

export const TENANT = '6f1c5b2e-8a7d-4c3b-9e21-0d4a5f6b7c8d';
export const OTHER_TENANT = '11111111-2222-4333-8444-555555555555';
export const API_CLIENT_ID = '3f9a6b1c-2d4e-4f70-8a15-6c2b7e9d0a41';
/** Where test tokens say they come from; nothing listens there (port 9 is discard). */
export const AUTHORITY = 'https://127.0.0.1:9';

/** A signing key pair and JWKS standing in for the tenant's, for tests without the local tenant. */
export interface TestIssuer {
  keys: JWTVerifyGetKey;
  sign(claims: JWTPayload, options?: { expiresIn?: number | null; notBefore?: number; issuer?: string; audience?: string; kid?: string }): Promise<string>;
}

export async function createTestIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const keys = createLocalJWKSet({ keys: [jwk] });
  return {
    keys,
    sign: async (claims, options = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({ tid: TENANT, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'test-key', typ: 'JWT' })
        .setIssuer(options.issuer ?? `${AUTHORITY}/${(claims.tid as string | undefined) ?? TENANT}/v2.0`)
        .setAudience(options.audience ?? API_CLIENT_ID)
        .setIssuedAt(now - 10)
        .setNotBefore(options.notBefore ?? now - 10);
      // null: a token without exp (which the API must refuse).
      return (options.expiresIn === null ? jwt : jwt.setExpirationTime(options.expiresIn === undefined ? now + 3600 : now + options.expiresIn)).sign(privateKey);
    }
  };
}

export function userClaims(oid: string, upn: string, extra: JWTPayload = {}): JWTPayload {
  return { oid, sub: oid, preferred_username: upn, scp: 'user_impersonation', azp: '08e18876-6177-487e-b8b5-cf950c1e598c', ...extra };
}

export function appClaims(appId: string, roles: string[] | undefined): JWTPayload {
  return { oid: `sp-${appId}`, sub: `sp-${appId}`, azp: appId, idtyp: 'app', ...(roles ? { roles } : {}) };
}
