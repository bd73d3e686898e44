import { isIPv6 } from 'node:net';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { LRUCache } from 'lru-cache';
import { ApiError } from '../errors/apiError';
import { authorize, Principal, Requirement } from './principal';
import type { TokenVerifier } from './tokenVerifier';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a route requires of its caller; routes without it are public. */
    auth?: Requirement;
  }
  interface FastifyRequest {
    /** The verified caller of a route that declares `config.auth`; null on public routes. */
    principal: Principal | null;
  }
}

export interface AuthenticationOptions {
  verify: TokenVerifier;
  /**
   * Whether the verified caller may use the catalog named by the route's `:catalog` (the raw
   * parameter); asked before the body is parsed, so a stranger learns nothing about bodies.
   */
  catalogAccess?: (principal: Principal, catalog: string) => Promise<void>;
  /** Failed authentications one client address may cause per minute before it is answered 429 unverified. */
  failuresPerMinute?: number;
}

/**
 * Authentication as one plugin: every route that declares `config: { auth }` gets its caller
 * verified and authorised in onRequest, before the body is even parsed (strangers learn nothing
 * about it) and before the route's rate limit, which then counts per verified caller only.
 */
export const authentication = fp<AuthenticationOptions>(async (app, { verify, catalogAccess, failuresPerMinute = 60 }) => {
  // Per instance, per client address: past the limit a forged or broken token is answered 429
  // instead of 401. A valid token is still served (no lockout of colleagues behind the same
  // address), and nothing forged ever counts against the user or app the token names.
  const failures = new LRUCache<string, number>({ max: 100_000, ttl: 60_000, noUpdateTTL: true });
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const requirement = request.routeOptions.config.auth;
    if (requirement) {
      let principal: Principal;
      try {
        principal = await verify(request.headers.authorization);
      } catch (error) {
        const address = addressBucket(request.ip);
        const failed = (failures.get(address) ?? 0) + 1;
        failures.set(address, failed);
        if (failed > failuresPerMinute) {
          throw new ApiError('RATE_LIMITED', { retryAfterSeconds: Math.max(1, Math.ceil(failures.getRemainingTTL(address) / 1000)) });
        }
        throw forCaller(error, requirement);
      }
      authorize(principal, requirement);
      request.principal = principal;
    }
  });
  if (catalogAccess) {
    app.addHook('preParsing', async (request) => {
      const catalog = (request.params as Record<string, unknown>).catalog;
      if (request.principal && typeof catalog === 'string') {
        await catalogAccess(request.principal, catalog);
      }
    });
  }
}, { name: 'authentication', fastify: '5.x' });

/**
 * The catalogue's remedies for a missing or invalid token speak to the settings page's admin
 * ("reload the page"); on the LMS back end's routes they say how an application gets its token.
 */
const APP_TOKEN_REMEDY = {
  en: 'Send the LMS back end\'s access token for this API as "Authorization: Bearer <token>": requested with client credentials from your Entra ID tenant, scope "<the API\'s App ID URI>/.default", holding the Notifications.Send app role; request a new one before it expires (docs/lms-integration.md).',
  ja: 'LMS バックエンドのこの API 用アクセス トークンを「Authorization: Bearer <トークン>」として送信してください。トークンは Entra ID テナントにクライアント資格情報で要求し（スコープ「<API のアプリケーション ID URI>/.default」）、Notifications.Send アプリ ロールを含むものです。有効期限が切れる前に新しいトークンを要求してください（docs/lms-integration.md）。'
};

function forCaller(error: unknown, requirement: Requirement): unknown {
  const appOnly = !!requirement.appRole && !requirement.delegatedScope;
  return appOnly && error instanceof ApiError && (error.code === 'AUTH_REQUIRED' || error.code === 'TOKEN_INVALID')
    ? new ApiError(error.code, { detail: error.detail, upstream: error.upstream, remedy: APP_TOKEN_REMEDY })
    : error;
}

/** The verified caller of an authenticated route. */
export function principalOf(request: Pick<FastifyRequest, 'principal'>): Principal {
  if (!request.principal) {
    // Only reachable when a route forgets `config.auth`: refuse rather than serve a stranger.
    throw new ApiError('AUTH_REQUIRED');
  }
  return request.principal;
}

/**
 * The client's address without a port. Azure's front ends may write X-Forwarded-For entries as
 * `address:port` (Application Gateway documents it; App Service on Windows does it), and the
 * port changes with every connection: limits per address would become limits per connection.
 */
export function clientAddress(ip: string): string {
  const v6 = /^\[([0-9a-f:.]+)\](?::\d+)?$/i.exec(ip);
  if (v6) {
    return v6[1];
  }
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(ip);
  return v4 ? v4[1] : ip;
}

/**
 * What the limits per address count: an IPv4 address (an IPv4-mapped IPv6 one as IPv4), or an IPv6
 * address's /64 - one customer's network gets a /64 or more (RFC 6177), so one address each of
 * its 2^64 would be no limit at all.
 */
export function addressBucket(ip: string): string {
  const address = clientAddress(ip);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) {
    return mapped[1];
  }
  if (!isIPv6(address)) {
    return address;
  }
  const [head, tail = ''] = address.split('::');
  const groups = (part: string): string[] => (part ? part.split(':') : []);
  const left = groups(head);
  // An IPv4 tail (::a.b.c.d, 64:ff9b::a.b.c.d) lies in the last 32 bits: beyond the /64.
  const right = groups(tail).flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]));
  const full = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left.flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]));
  return `${full.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/** Rate-limit key: the verified caller where there is one, else the client address (an IPv6 one's /64). */
export function rateLimitKey(request: Pick<FastifyRequest, 'principal' | 'ip'>): string {
  const principal = request.principal;
  if (!principal) {
    return `ip:${addressBucket(request.ip)}`;
  }
  return principal.kind === 'user' ? `user:${principal.tenantId}:${principal.objectId}` : `app:${principal.tenantId}:${principal.appId}`;
}
