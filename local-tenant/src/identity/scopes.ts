import { AADSTS, AadError } from './aadsts';
import type { App } from '../state/tenant-state';

/** Scopes that belong to the sign-in itself, not to any resource. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

export interface ScopeRequest {
  resource: App;
  /** Scope names on the resource, without its prefix ('.default' stands for what was granted). */
  scopes: string[];
  isDefault: boolean;
  oidc: string[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: AadError };

/**
 * Splits a v2 `scope` parameter into the one resource it names and the OpenID scopes, as Entra
 * reads it: a bare name is a Microsoft Graph scope; a prefixed one names the resource by an
 * identifier URI or app id; one request may not name two resources.
 */
export function parseScopes(raw: string, resolve: (identifier: string) => App | undefined, graph: App, tenant: string): Parsed<ScopeRequest> {
  const items = raw.split(/\s+/).filter(Boolean);
  const oidc: string[] = [];
  let resource: App | undefined;
  const scopes: string[] = [];
  for (const item of items) {
    if (OIDC_SCOPES.includes(item.toLowerCase())) {
      oidc.push(item.toLowerCase());
      continue;
    }
    const slash = item.lastIndexOf('/');
    const prefix = slash > 0 ? item.slice(0, slash) : null;
    const name = slash > 0 ? item.slice(slash + 1) : item;
    const target = prefix === null ? graph : resolve(prefix);
    if (!target) return { ok: false, error: AADSTS.resourceNotFound(prefix as string, tenant) };
    if (resource && resource !== target) {
      return { ok: false, error: { status: 400, error: 'invalid_request', code: 28000, description: 'Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ' + raw + ' is not valid.' } };
    }
    resource = target;
    if (name !== '.default' && !target.delegatedScopes.some((s) => s.value.toLowerCase() === name.toLowerCase())) {
      return { ok: false, error: AADSTS.scopeNotOnResource(item, target.appId) };
    }
    const canonical = target.delegatedScopes.find((s) => s.value.toLowerCase() === name.toLowerCase())?.value ?? name;
    if (!scopes.includes(canonical)) scopes.push(canonical);
  }
  if (!resource) {
    // Only OpenID scopes: Entra still returns a Graph token carrying what was consented.
    return { ok: true, value: { resource: graph, scopes: ['User.Read'], isDefault: false, oidc } };
  }
  const isDefault = scopes.includes('.default');
  if (isDefault && scopes.length > 1) return { ok: false, error: AADSTS.invalidScope(raw) };
  return { ok: true, value: { resource, scopes: isDefault ? [] : scopes, isDefault, oidc } };
}

/** How a scope is written back in a token response: Graph's bare, others with their identifier. */
export function qualifiedScope(resource: App, graph: App, scope: string): string {
  return resource === graph ? scope : `${resource.identifierUris[0] ?? resource.appId}/${scope}`;
}

/**
 * Redirect URI matching as Entra does it: exact (case-insensitive scheme and host), except that a
 * registered http://localhost or http://127.0.0.1 URI matches any port.
 */
export function redirectUriMatches(registered: string[], requested: string): boolean {
  let want: URL;
  try {
    want = new URL(requested);
  } catch {
    return false;
  }
  return registered.some((r) => {
    let reg: URL;
    try {
      reg = new URL(r);
    } catch {
      return false;
    }
    const loopback = reg.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(reg.hostname);
    const samePort = loopback || reg.port === want.port;
    return reg.protocol === want.protocol && reg.hostname === want.hostname && samePort && reg.pathname === want.pathname && reg.search === want.search;
  });
}
