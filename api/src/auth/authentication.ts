import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
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
}

/**
 * Authentication as one plugin: every route that declares `config: { auth }` gets its caller
 * verified and authorised in onRequest, before the body is even parsed (strangers learn nothing
 * about it) and before the route's rate limit, which then counts per verified caller.
 */
export const authentication = fp<AuthenticationOptions>(async (app, { verify }) => {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const requirement = request.routeOptions.config.auth;
    if (requirement) {
      const principal = await verify(request.headers.authorization);
      authorize(principal, requirement);
      request.principal = principal;
    }
  });
}, { name: 'authentication', fastify: '5.x' });

/** The verified caller of an authenticated route. */
export function principalOf(request: Pick<FastifyRequest, 'principal'>): Principal {
  if (!request.principal) {
    // Only reachable when a route forgets `config.auth`: refuse rather than serve a stranger.
    throw new ApiError('AUTH_REQUIRED');
  }
  return request.principal;
}

/** Rate-limit key: the verified caller where there is one, else the client address. */
export function rateLimitKey(request: Pick<FastifyRequest, 'principal' | 'ip'>): string {
  const principal = request.principal;
  if (!principal) {
    return `ip:${request.ip}`;
  }
  return principal.kind === 'user' ? `user:${principal.tenantId}:${principal.objectId}` : `app:${principal.tenantId}:${principal.appId}`;
}
