import type { FastifyRequest } from 'fastify';
import { SigningKey, verifyJwt } from '../identity/jwt';
import type { Account, App, TenantState } from '../state/tenant-state';

/**
 * Who is calling a resource: a user through a client (delegated) or an app on its own. `appId` is
 * the token's client (appid / azp), known to the tenant or not.
 */
export type Caller =
  | { kind: 'user'; user: Account; client: App | undefined; appId: string; scopes: string[] }
  | { kind: 'app'; client: App | undefined; appId: string; roles: string[]; credential: ClientCredential };

/** How the client proved itself when it got the token (appidacr / azpacr): none, a secret or a certificate. */
export type ClientCredential = 'none' | 'secret' | 'certificate';

const CREDENTIALS: Record<string, ClientCredential> = { '0': 'none', '1': 'secret', '2': 'certificate' };

export type CallerResult = { ok: true; caller: Caller } | { ok: false; status: 401; code: string; message: string };

/**
 * Validates a bearer token for one resource (signature, lifetime, issuer, audience), the way the
 * real services reject tokens meant for someone else.
 */
export function callerFrom(req: FastifyRequest, state: TenantState, key: SigningKey, audiences: string[]): CallerResult {
  const header = req.headers.authorization ?? '';
  if (!/^Bearer\s+\S+/i.test(header)) return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: 'Access token is empty.' };
  return callerFromToken(header.replace(/^Bearer\s+/i, '').trim(), state, key, audiences);
}

/** The same checks for a bare token (SMTP XOAUTH2 carries one without an HTTP request). */
export function callerFromToken(token: string, state: TenantState, key: SigningKey, audiences: string[]): CallerResult {
  const verified = verifyJwt(key, token);
  if (!verified.ok) {
    const message = verified.reason === 'expired' ? 'Lifetime validation failed, the token is expired.' : 'IDX14100: JWT is not well formed, there are no dots (.).';
    return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: verified.reason === 'signature' ? 'Access token validation failure.' : message };
  }
  const c = verified.claims;
  if (c.tid !== state.tenantId || (c.iss !== `${state.origin}/${state.tenantId}/` && c.iss !== `${state.origin}/${state.tenantId}/v2.0`)) {
    return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid issuer.' };
  }
  if (!audiences.includes(String(c.aud))) return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' };
  const appId = String(c.appid ?? c.azp ?? '').toLowerCase();
  const client = state.appById(appId);
  if (c.idtyp === 'app' || typeof c.scp !== 'string') {
    const credential = CREDENTIALS[String(c.appidacr ?? c.azpacr ?? '0')] ?? 'none';
    return { ok: true, caller: { kind: 'app', client, appId, roles: Array.isArray(c.roles) ? c.roles.map(String) : [], credential } };
  }
  const user = state.accounts.get(String(c.oid));
  if (!user) return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: 'Access token validation failure. The user does not exist.' };
  return { ok: true, caller: { kind: 'user', user, client, appId, scopes: c.scp.split(' ').filter(Boolean) } };
}

/** True when the caller holds any of the delegated scopes (user) or app roles (app) given. */
export function allows(caller: Caller, delegated: string[], application: string[]): boolean {
  return caller.kind === 'user' ? caller.scopes.some((s) => delegated.includes(s)) : caller.roles.some((r) => application.includes(r));
}
