import { createHash, createPrivateKey, KeyObject, randomUUID, sign, verify, X509Certificate } from 'node:crypto';

/** The tenant's token-signing key. Made fresh at every start: tokens never outlive the process. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The certificate (base64 DER) that carries the public key, as JWKS x5c publishes it. */
  x5c: string[];
}

export type Claims = Record<string, unknown>;

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** The signing key of a certificate (PEM) and its private key, as Entra's keys are: kid = x5t = the SHA-1 thumbprint. */
export function createSigningKey(certificatePem: string, privateKeyPem: string): SigningKey {
  const cert = new X509Certificate(certificatePem);
  const kid = createHash('sha1').update(cert.raw).digest('base64url');
  return { kid, privateKey: createPrivateKey(privateKeyPem), publicKey: cert.publicKey, x5c: [cert.raw.toString('base64')] };
}

/** The key set as /discovery/v2.0/keys publishes it. */
export function jwks(key: SigningKey, issuer: string): { keys: Claims[] } {
  const jwk = key.publicKey.export({ format: 'jwk' });
  return { keys: [{ kty: 'RSA', use: 'sig', kid: key.kid, x5t: key.kid, n: jwk.n, e: jwk.e, x5c: key.x5c, issuer }] };
}

export function signJwt(key: SigningKey, claims: Claims): string {
  const header = { typ: 'JWT', alg: 'RS256', kid: key.kid, x5t: key.kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

export type VerifyResult = { ok: true; claims: Claims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'not-yet-valid' };

/** Checks form, RS256 signature and lifetime; audience and issuer are the caller's business. */
export function verifyJwt(key: SigningKey, token: string, now = Date.now()): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  let header: Claims;
  let claims: Claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Claims;
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Claims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (header.alg !== 'RS256' || header.kid !== key.kid) return { ok: false, reason: 'signature' };
  const valid = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key.publicKey, Buffer.from(parts[2], 'base64url'));
  if (!valid) return { ok: false, reason: 'signature' };
  const seconds = Math.floor(now / 1000);
  if (typeof claims.exp === 'number' && claims.exp <= seconds) return { ok: false, reason: 'expired' };
  if (typeof claims.nbf === 'number' && claims.nbf > seconds + 300) return { ok: false, reason: 'not-yet-valid' };
  return { ok: true, claims };
}

export function newId(): string {
  return randomUUID();
}
