import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import * as S from '@lms-m365/contracts';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/authentication';
import type { CatalogAdminCheck } from '../auth/catalogAdmin';
import type { Requirement } from '../auth/principal';
import { normaliseCatalog } from '../catalogs/catalogId';
import type { ApiConfig } from '../config/config';
import { ApiError } from '../errors/apiError';
import { preferredLanguage } from '../errors/problem';
import type { NotificationService } from './notificationService';

const problemResponses = { '4xx': { $ref: 'Problem#' }, '5xx': { $ref: 'Problem#' } };
/**
 * The request's Idempotency-Key: one header, its value as sent or, in the form the IETF draft
 * ("The Idempotency-Key HTTP Header Field") gives it, an RFC 8941 string - `"abc"` is the key
 * `abc`, as in a batch item's `key`. Two headers are refused: Node would join them into a key
 * nobody sent.
 */
/**
 * A header value as its client wrote it: Node reads header bytes as Latin-1, so a key a client sent
 * in UTF-8 (curl, Go, fetch all do) arrives as one character per byte - another key than the same
 * text in a batch item's `key` (JSON, UTF-8), and three times as long. Bytes that are valid UTF-8
 * are read so; any other stay as they came.
 */
function utf8(value: string): string {
  if (!/[^\x20-\x7e\t]/.test(value)) {
    return value;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

/** The batch item's rule for a key (contracts' IDEMPOTENCY_KEY). */
const KEY = new RegExp(S.IDEMPOTENCY_KEY, 'u');

export function idempotencyKey(rawHeaders: string[]): string {
  const sent: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === 'idempotency-key') {
      sent.push(rawHeaders[i + 1]);
    }
  }
  if (sent.length > 1) {
    throw new ApiError('VALIDATION_FAILED', { detail: 'Send one Idempotency-Key header.' });
  }
  const raw = utf8(sent[0] ?? '').trim();
  // sf-string: printable ASCII in double quotes, with \" and \\ escaped.
  const quoted = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/.exec(raw);
  const key = quoted ? quoted[1].replace(/\\(["\\])/g, '$1') : raw;
  if (!key) {
    throw new ApiError('IDEMPOTENCY_KEY_REQUIRED');
  }
  // As a batch item's key: the header's schema leaves room for the quotes only.
  if ([...key].length > 200) {
    throw new ApiError('VALIDATION_FAILED', { detail: 'Idempotency-Key: at most 200 characters.' });
  }
  // A quoted key keeps its spaces: refused as a batch item's key is, so that one key never names two notifications.
  if (!KEY.test(key)) {
    throw new ApiError('VALIDATION_FAILED', { detail: 'Idempotency-Key must not start or end with white space, nor hold control characters.' });
  }
  return key;
}

const security = [{ bearer: [] }];

export interface NotificationRouteDeps {
  config: ApiConfig;
  admins: CatalogAdminCheck;
  notifications: NotificationService;
}

/**
 * The LMS back end's endpoints (R-OPS-4): app-only, with the Notifications.Send app role. A
 * signed-in user's token is refused whatever its scopes: a person never queues mail as the catalog.
 */
export async function notificationRoutes(parent: FastifyInstance, deps: NotificationRouteDeps): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { config, notifications } = deps;
  app.addSchema(S.NotificationStatus);
  app.addSchema(S.Deliveries);

  const appOnly: Requirement = { appRole: config.appRole };
  const catalogOf = (request: { params: { catalog: string } }): string => normaliseCatalog(request.params.catalog, config.sharePointOrigin);
  const rateLimit = { max: config.sending.lmsRateLimitPerMinute, timeWindow: '1 minute' };
  const base = '/v1/catalogs/:catalog/notifications';

  app.post(base, {
    bodyLimit: 1024 * 1024,
    config: { auth: appOnly, rateLimit },
    schema: {
      tags: ['notifications'],
      summary: 'Queue one notification from the catalog\'s connected account (idempotent by Idempotency-Key)',
      security,
      params: S.CatalogParams,
      headers: S.IdempotencyHeaders,
      body: S.Notification,
      response: { 202: S.NotificationAccepted, ...problemResponses }
    }
  }, async (request, reply) => {
    const key = idempotencyKey(request.raw.rawHeaders);
    const [outcome] = await notifications.queue(catalogOf(request), [{ ...request.body, key }], preferredLanguage(request.headers['accept-language']));
    if ('error' in outcome) {
      throw new ApiError('IDEMPOTENCY_KEY_REUSED', outcome.existingId ? { detail: `The key made notification ${outcome.existingId} with another body: read it at GET .../notifications/${outcome.existingId}, or use a new key for the new notification.` } : {});
    }
    return reply.code(202).header('location', `${request.url.split('?')[0]}/${outcome.id}`).send({ id: outcome.id, status: outcome.status, duplicate: outcome.duplicate });
  });

  app.post(`${base}/batch`, {
    bodyLimit: 32 * 1024 * 1024,
    config: { auth: appOnly, rateLimit },
    schema: {
      tags: ['notifications'],
      summary: 'Queue up to 1,000 notifications at once, each with its own idempotency key',
      security,
      params: S.CatalogParams,
      body: S.NotificationBatch,
      response: { 202: S.NotificationBatchAccepted, ...problemResponses }
    }
  }, async (request, reply) => {
    const items = await notifications.queue(catalogOf(request), request.body.items, preferredLanguage(request.headers['accept-language']), true);
    return reply.code(202).send({ items });
  });

  app.get(`${base}/:id`, {
    config: { auth: appOnly, rateLimit },
    schema: {
      tags: ['notifications'],
      summary: 'Read a notification\'s status and history',
      security,
      params: S.NotificationParams,
      response: { 200: { $ref: 'NotificationStatus#' }, ...problemResponses }
    }
  }, async (request) => notifications.status(catalogOf(request), request.params.id));

  app.post(`${base}/:id/cancel`, {
    config: { auth: appOnly, rateLimit },
    schema: {
      tags: ['notifications'],
      summary: 'Cancel a notification that waits (queued or held): it is not sent. Cancelling it again answers its status; one being sent or final is 409 NOTIFICATION_NOT_CANCELLABLE',
      security,
      params: S.NotificationParams,
      response: { 200: { $ref: 'NotificationStatus#' }, ...problemResponses }
    }
  }, async (request) => notifications.cancel(catalogOf(request), request.params.id));

  // R-OPS-2: what the catalog's admins see on the settings page. Delegated only, and only for the catalog's admins.
  app.get('/v1/catalogs/:catalog/deliveries', {
    config: { auth: { delegatedScope: config.delegatedScope } },
    schema: {
      tags: ['notifications'],
      summary: 'Recent deliveries of the catalog, newest first, with counts by status (catalog admins)',
      security,
      params: S.CatalogParams,
      querystring: S.DeliveriesQuery,
      response: { 200: { $ref: 'Deliveries#' }, ...problemResponses }
    }
  }, async (request) => {
    const catalog = catalogOf(request);
    await deps.admins.require(principalOf(request), catalog);
    return notifications.deliveries(catalog, request.query);
  });
}
