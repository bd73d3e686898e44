import { randomBytes } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import * as S from '@lms-m365/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from '../auth/authentication';
import type { CatalogAdminCheck } from '../auth/catalogAdmin';
import type { Principal, Requirement } from '../auth/principal';
import { normaliseCatalog } from '../catalogs/catalogId';
import type { ApiConfig } from '../config/config';
import { preferredLanguage } from '../errors/problem';
import formbody from '@fastify/formbody';
import { adminConsentPage, sendSignInPage, signInWindowHeaders } from './callbackPage';
import type { ConnectionService } from './connectionService';
import type { ModernSignIn } from './modernSignIn';
import { ADMIN_CONSENT_STATE, CONSENT_REQUEST_STATE, OrgConsentStatus } from './orgConsent';

const problemResponses = { '4xx': { $ref: 'Problem#' }, '5xx': { $ref: 'Problem#' } };
const viewResponses = { 200: { $ref: 'ConnectionView#' }, ...problemResponses };
const security = [{ bearer: [] }];

export interface ConnectionRouteDeps {
  config: ApiConfig;
  admins: CatalogAdminCheck;
  service: ConnectionService;
  signIn: ModernSignIn;
  orgConsent?: OrgConsentStatus;
}

/** Every answer that is a connection view carries its ETag as the header If-Match needs. */
function sendView(reply: FastifyReply, view: S.ConnectionView): FastifyReply {
  return reply.header('etag', view.etag).send(view);
}

/** Routes of /v1/catalogs/:catalog/connection and the sign-in callback; the authentication plugin must be registered. */
export async function connectionRoutes(parent: FastifyInstance, deps: ConnectionRouteDeps): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { config, service } = deps;
  const adminOnly: Requirement = { delegatedScope: config.delegatedScope };
  const adminOrApp: Requirement = { delegatedScope: config.delegatedScope, appRole: config.appRole };

  /** The caller and the catalog of the request, once SharePoint says the caller administers it. */
  async function catalogFor(request: Pick<FastifyRequest, 'principal'> & { params: S.CatalogParams }, fresh = false): Promise<{ principal: Principal; catalog: string }> {
    const principal = principalOf(request);
    const catalog = normaliseCatalog(request.params.catalog, config.sharePointOrigin);
    await deps.admins.require(principal, catalog, fresh);
    return { principal, catalog };
  }

  const base = '/v1/catalogs/:catalog/connection';
  const tags = ['connection'];

  app.get(base, {
    config: { auth: adminOrApp },
    schema: { tags, summary: 'Read a catalog\'s connection (never a secret)', security, params: S.CatalogParams, response: viewResponses }
  }, async (request, reply) => {
    const { principal, catalog } = await catalogFor(request);
    return sendView(reply, await service.view(principal, catalog));
  });

  app.patch(base, {
    config: { auth: adminOnly },
    schema: { tags, summary: 'Change settings (If-Match required)', security, params: S.CatalogParams, headers: S.IfMatchHeaders, body: S.SettingsChange, response: viewResponses }
  }, async (request, reply) => {
    const { principal, catalog } = await catalogFor(request);
    return sendView(reply, await service.changeSettings(principal, catalog, request.headers['if-match'], request.body));
  });

  app.post(`${base}/modern`, {
    config: { auth: adminOnly },
    schema: { tags, summary: 'Start a modern connection: the authorize URL', security, params: S.CatalogParams, body: S.StartModern, response: { 200: S.StartModernResult, ...problemResponses } }
  }, async (request) => {
    const { principal, catalog } = await catalogFor(request);
    return deps.signIn.start(principal, catalog, request.body);
  });

  app.post(`${base}/modern/complete`, {
    config: { auth: adminOnly },
    schema: { tags, summary: 'Complete a modern connection: the page\'s completion code, with the nonce it started the sign-in with (R-SEC-1)', security, params: S.CatalogParams, body: S.CompleteModern, response: viewResponses }
  }, async (request, reply) => {
    const { principal, catalog } = await catalogFor(request, true);
    return sendView(reply, await service.completeModern(principal, catalog, request.body));
  });

  app.post(`${base}/modern/result`, {
    config: { auth: adminOnly },
    schema: { tags, summary: 'How the page\'s sign-in ended, by the nonce it started it with: pending, the completion code, or the failure (the popup may have lost its opener)', security, params: S.CatalogParams, body: S.ModernResultRequest, response: { 200: S.ModernResult, ...problemResponses } }
  }, async (request) => {
    const { principal, catalog } = await catalogFor(request);
    return deps.signIn.result(principal, catalog, request.body.nonce);
  });

  app.post(`${base}/classic`, {
    config: { auth: adminOnly },
    schema: { tags, summary: 'Connect classic: verified by an SMTP login, then stored encrypted', security, params: S.CatalogParams, body: S.ConnectClassic, response: viewResponses }
  }, async (request, reply) => {
    const { principal, catalog } = await catalogFor(request);
    return sendView(reply, await service.connectClassic(principal, catalog, request.body.email, request.body.password));
  });

  app.post(`${base}/check`, {
    config: { auth: adminOnly },
    schema: { tags, summary: 'Check the connection now', security, params: S.CatalogParams, response: viewResponses }
  }, async (request, reply) => {
    const { principal, catalog } = await catalogFor(request);
    return sendView(reply, await service.check(principal, catalog));
  });

  app.post(`${base}/retry-sending`, {
    config: { auth: adminOnly },
    schema: { tags, summary: 'Exchange Online\'s sending block is lifted: the account\'s mailbox asks again now (at most once a minute) instead of at its hourly try; a refusal pauses it again', security, params: S.CatalogParams, response: viewResponses }
  }, async (request, reply) => {
    const { principal, catalog } = await catalogFor(request);
    return sendView(reply, await service.retrySending(principal, catalog));
  });

  app.post(`${base}/test-email`, {
    config: { auth: adminOnly },
    schema: { tags, summary: 'Send a test email from the connected account (R-OPS-1)', security, params: S.CatalogParams, body: S.TestEmail, response: { 200: S.TestEmailResult, ...problemResponses } }
  }, async (request) => {
    const { principal, catalog } = await catalogFor(request);
    return service.sendTestEmail(principal, catalog, request.body.to, preferredLanguage(request.headers['accept-language']));
  });

  app.delete(base, {
    config: { auth: adminOnly },
    schema: { tags, summary: 'Disconnect: the stored tokens or password are deleted (R-DIS-1)', security, params: S.CatalogParams, response: viewResponses }
  }, async (request, reply) => {
    const { principal, catalog } = await catalogFor(request);
    return sendView(reply, await service.disconnect(principal, catalog));
  });

  app.get('/v1/auth/callback', {
    schema: { tags: ['sign-in'], summary: 'OAuth redirect target: answers a page that posts the result to its opener', querystring: S.CallbackQuery, produces: ['text/html'] },
    config: { rateLimit: { max: 30, timeWindow: '1 minute' } }
  }, async (request, reply) => {
    if (request.query.state === ADMIN_CONSENT_STATE || request.query.state === CONSENT_REQUEST_STATE) {
      // A tenant admin back from the link the page gave out (R-MOD-5); any code is left unredeemed.
      // Anyone can write this query, so it is no proof: the page says what the directory holds,
      // read afresh (at most one fresh read every 2 s, whoever lands: OrgConsentStatus.forget).
      // An error first: Entra sets admin_consent=True on the admin consent endpoint's errors too
      // (a decline is error=access_denied ... &admin_consent=True) - then nothing is read.
      const said = !request.query.error && (request.query.admin_consent?.toLowerCase() === 'true' || request.query.code !== undefined);
      if (said) {
        deps.orgConsent?.forget({ throttled: true });
      }
      const granted = said ? await (deps.orgConsent?.roomsApproved().then((yes) => (yes ? 'granted' : 'unconfirmed'), () => 'unconfirmed' as const) ?? 'unconfirmed') : 'refused';
      const styleNonce = randomBytes(16).toString('base64');
      return reply
        .code(granted === 'refused' ? 400 : 200)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('content-security-policy', `default-src 'none'; style-src 'nonce-${styleNonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`)
        .send(adminConsentPage(granted, preferredLanguage(request.headers['accept-language']), styleNonce));
    }
    const outcome = await deps.signIn.finishMicrosoftLeg(request.query, request.cookies);
    if (outcome.redirect) {
      // The popup must keep its opener through this hop, or the final page cannot post the result.
      return signInWindowHeaders(reply).redirect(outcome.redirect, 302);
    }
    return sendSignInPage(request, reply, outcome);
  });

  // The confirmation form of a sign-in made with another account than the admin's: a form post
  // (application/x-www-form-urlencoded, this route alone), answered with the callback page.
  void app.register(async (scope) => {
    await scope.register(formbody, { bodyLimit: 1024 });
    scope.withTypeProvider<TypeBoxTypeProvider>().post('/v1/auth/confirm', {
      schema: { tags: ['sign-in'], summary: 'The account\'s owner answers the confirmation of a sign-in made with another account than the admin\'s: Connect or Cancel', body: S.ConfirmForm, consumes: ['application/x-www-form-urlencoded'], produces: ['text/html'] },
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } }
    }, async (request, reply) => sendSignInPage(request, reply, await deps.signIn.confirm(request.body.token, request.body.decision, request.cookies)));
  });
}
