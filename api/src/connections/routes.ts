import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CatalogAdminCheck } from '../auth/catalogAdmin';
import { authorize, Principal, Requirement } from '../auth/principal';
import type { TokenVerifier } from '../auth/tokenVerifier';
import { normaliseCatalog } from '../catalogs/catalogId';
import type { ApiConfig } from '../config/config';
import { preferredLanguage } from '../errors/problem';
import { adminConsentPage, callbackPage } from './callbackPage';
import type { ConnectionService } from './connectionService';
import { ADMIN_CONSENT_STATE, CONSENT_REQUEST_STATE, OrgConsentStatus } from './orgConsent';
import * as S from './schemas';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const problemResponses = { '4xx': { $ref: 'Problem#' }, '5xx': { $ref: 'Problem#' } };
const security = [{ bearer: [] }];

export interface ConnectionRouteDeps {
  config: ApiConfig;
  verify: TokenVerifier;
  admins: CatalogAdminCheck;
  service: ConnectionService;
  orgConsent?: OrgConsentStatus;
}

export async function connectionRoutes(app: FastifyInstance, deps: ConnectionRouteDeps): Promise<void> {
  const { config, service } = deps;
  const adminOnly: Requirement = { delegatedScope: config.delegatedScope };
  const adminOrApp: Requirement = { delegatedScope: config.delegatedScope, appRole: config.appRole };

  /** Authenticates and authorises before the body is even parsed: strangers learn nothing about it. */
  const authenticate = (requirement: Requirement) => async (request: FastifyRequest): Promise<void> => {
    const principal = await deps.verify(request.headers.authorization);
    authorize(principal, requirement);
    request.principal = principal;
  };

  /** The catalog of the request, once SharePoint says the caller administers it. */
  async function catalogFor(request: FastifyRequest): Promise<{ principal: Principal; catalog: string }> {
    const principal = request.principal as Principal;
    const catalog = normaliseCatalog((request.params as { catalog: string }).catalog, config.sharePointOrigin);
    await deps.admins.require(principal, catalog);
    return { principal, catalog };
  }

  const base = '/v1/catalogs/:catalog/connection';

  app.get(base, {
    onRequest: authenticate(adminOrApp),
    schema: { tags: ['connection'], summary: 'Read a catalog\'s connection (never a secret)', security, params: S.CatalogParams, response: { 200: { $ref: 'ConnectionView#' }, ...problemResponses } }
  }, async (request, reply) => {
    const { principal, catalog } = await catalogFor(request);
    const view = await service.view(principal, catalog);
    return reply.header('etag', view.etag).send(view);
  });

  app.patch<{ Body: S.SettingsChangeBody }>(base, {
    onRequest: authenticate(adminOnly),
    schema: { tags: ['connection'], summary: 'Change settings (If-Match required)', security, params: S.CatalogParams, headers: S.IfMatchHeaders, body: S.SettingsChange, response: { 200: { $ref: 'ConnectionView#' }, ...problemResponses } }
  }, async (request, reply) => {
    const { principal, catalog } = await catalogFor(request);
    const view = await service.changeSettings(principal, catalog, request.headers['if-match'], request.body);
    return reply.header('etag', view.etag).send(view);
  });

  app.post<{ Body: S.StartModernBody }>(`${base}/modern`, {
    onRequest: authenticate(adminOnly),
    schema: { tags: ['connection'], summary: 'Start a modern connection: the authorize URL', security, params: S.CatalogParams, body: S.StartModern, response: { 200: S.StartModernResult, ...problemResponses } }
  }, async (request) => {
    const { principal, catalog } = await catalogFor(request);
    return service.startModern(principal, catalog, request.body);
  });

  app.post<{ Body: S.ConnectClassicBody }>(`${base}/classic`, {
    onRequest: authenticate(adminOnly),
    schema: { tags: ['connection'], summary: 'Connect classic: verified by an SMTP login, then stored encrypted', security, params: S.CatalogParams, body: S.ConnectClassic, response: { 200: { $ref: 'ConnectionView#' }, ...problemResponses } }
  }, async (request, reply) => {
    const { principal, catalog } = await catalogFor(request);
    const view = await service.connectClassic(principal, catalog, request.body.email, request.body.password);
    return reply.header('etag', view.etag).send(view);
  });

  app.post(`${base}/check`, {
    onRequest: authenticate(adminOnly),
    schema: { tags: ['connection'], summary: 'Check the connection now', security, params: S.CatalogParams, response: { 200: { $ref: 'ConnectionView#' }, ...problemResponses } }
  }, async (request, reply) => {
    const { principal, catalog } = await catalogFor(request);
    const view = await service.check(principal, catalog);
    return reply.header('etag', view.etag).send(view);
  });

  app.post<{ Body: S.TestEmailBody }>(`${base}/test-email`, {
    onRequest: authenticate(adminOnly),
    schema: { tags: ['connection'], summary: 'Send a test email from the connected account (R-OPS-1)', security, params: S.CatalogParams, body: S.TestEmail, response: { 200: S.TestEmailResult, ...problemResponses } }
  }, async (request) => {
    const { principal, catalog } = await catalogFor(request);
    return service.sendTestEmail(principal, catalog, request.body.to, preferredLanguage(request.headers['accept-language']));
  });

  app.delete(base, {
    onRequest: authenticate(adminOnly),
    schema: { tags: ['connection'], summary: 'Disconnect: the stored tokens or password are deleted (R-DIS-1)', security, params: S.CatalogParams, response: { 200: { $ref: 'ConnectionView#' }, ...problemResponses } }
  }, async (request, reply) => {
    const { principal, catalog } = await catalogFor(request);
    const view = await service.disconnect(principal, catalog);
    return reply.header('etag', view.etag).send(view);
  });

  app.get<{ Querystring: S.CallbackQueryType }>('/v1/auth/callback', {
    schema: { tags: ['sign-in'], summary: 'OAuth redirect target: answers a page that posts the result to its opener', querystring: S.CallbackQuery, produces: ['text/html'] },
    config: { rateLimit: { max: 30, timeWindow: '1 minute' } }
  }, async (request, reply) => {
    if (request.query.state === ADMIN_CONSENT_STATE || request.query.state === CONSENT_REQUEST_STATE) {
      // A tenant admin back from the link the page gave out (R-MOD-5); any code is left unredeemed.
      deps.orgConsent?.forget();
      const granted = request.query.admin_consent?.toLowerCase() === 'true' || (request.query.code !== undefined && !request.query.error);
      return reply
        .code(granted ? 200 : 400)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('content-security-policy', "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        .send(adminConsentPage(granted, preferredLanguage(request.headers['accept-language'])));
    }
    const outcome = await service.completeModern(request.query);
    if (outcome.redirect) {
      // The popup must keep its opener through this hop, or the final page cannot post the result.
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('cross-origin-opener-policy', 'unsafe-none')
        .redirect(outcome.redirect, 302);
    }
    const nonce = randomBytes(16).toString('base64');
    return reply
      .code(outcome.ok ? 200 : 400)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      // The page must keep its window.opener to post the result back to SharePoint or Teams.
      .header('cross-origin-opener-policy', 'unsafe-none')
      .header('content-security-policy', `default-src 'none'; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`)
      .send(callbackPage(outcome, nonce, preferredLanguage(request.headers['accept-language'])));
  });
}
