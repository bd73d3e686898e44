import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import * as S from '@lms-m365/contracts';
import type { FastifyInstance } from 'fastify';
import type { Requirement } from '../auth/principal';
import { normaliseCatalog } from '../catalogs/catalogId';
import type { ApiConfig } from '../config/config';
import type { SessionService } from './sessionService';

const problemResponses = { '4xx': { $ref: 'Problem#' }, '5xx': { $ref: 'Problem#' } };
const security = [{ bearer: [] }];

/** The LMS back end's session and room endpoints (R-USE-2, R-USE-3, R-OPS-4): app-only, like notifications. */
export async function sessionRoutes(parent: FastifyInstance, deps: { config: ApiConfig; sessions: SessionService }): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { config, sessions } = deps;
  app.addSchema(S.SessionStatus);
  app.addSchema(S.SessionAccepted);
  app.addSchema(S.Rooms);
  app.addSchema(S.RoomAvailability);
  const appOnly: Requirement = { appRole: config.appRole };
  const rateLimit = { max: config.sending.lmsRateLimitPerMinute, timeWindow: '1 minute' };
  const catalogOf = (request: { params: { catalog: string } }): string => normaliseCatalog(request.params.catalog, config.sharePointOrigin);
  const base = '/v1/catalogs/:catalog/sessions/:sessionId';

  app.put(base, {
    bodyLimit: 512 * 1024,
    config: { auth: appOnly, rateLimit },
    schema: {
      tags: ['sessions'],
      summary: 'Create or update a session: its invitation from the catalog\'s connected account (idempotent by session id and revision)',
      security,
      params: S.SessionParams,
      body: S.SessionPut,
      response: { 202: { $ref: 'SessionAccepted#' }, ...problemResponses }
    }
  }, async (request, reply) => {
    const { status, duplicate } = await sessions.put(catalogOf(request), request.params.sessionId, request.body);
    return reply.code(202).send({ sessionId: status.sessionId, revision: status.revision, status: status.status, duplicate });
  });

  app.post(`${base}/cancel`, {
    // The message may be 10,000 characters, three bytes each in Japanese.
    bodyLimit: 64 * 1024,
    config: { auth: appOnly, rateLimit },
    schema: {
      tags: ['sessions'],
      summary: 'Cancel a session: its attendees get a cancellation with the message',
      security,
      params: S.SessionParams,
      body: S.SessionCancel,
      response: { 202: { $ref: 'SessionAccepted#' }, ...problemResponses }
    }
  }, async (request, reply) => {
    const { status, duplicate } = await sessions.cancel(catalogOf(request), request.params.sessionId, request.body);
    return reply.code(202).send({ sessionId: status.sessionId, revision: status.revision, status: status.status, duplicate });
  });

  app.delete(base, {
    config: { auth: appOnly, rateLimit },
    schema: {
      tags: ['sessions'],
      summary: 'Delete a session that is canceled (its cancellation gone out) or over: its title, description, attendees and invitations are erased now rather than SESSION_RETENTION_DAYS after its end (a person\'s erasure request)',
      security,
      params: S.SessionParams,
      response: { 204: { type: 'null', description: 'Deleted.' }, ...problemResponses }
    }
  }, async (request, reply) => {
    await sessions.forget(catalogOf(request), request.params.sessionId);
    return reply.code(204).send();
  });

  app.get(base, {
    config: { auth: appOnly, rateLimit },
    schema: {
      tags: ['sessions'],
      summary: 'Read a session\'s status, its Teams join URL and its room\'s answer',
      security,
      params: S.SessionParams,
      response: { 200: { $ref: 'SessionStatus#' }, ...problemResponses }
    }
  }, async (request) => sessions.status(catalogOf(request), request.params.sessionId));

  app.get('/v1/catalogs/:catalog/rooms', {
    config: { auth: appOnly, rateLimit },
    schema: {
      tags: ['sessions'],
      summary: 'The tenant\'s rooms (Graph places; cached)',
      security,
      params: S.CatalogParams,
      response: { 200: { $ref: 'Rooms#' }, ...problemResponses }
    }
  }, async (request) => sessions.listRooms(catalogOf(request)));

  app.get('/v1/catalogs/:catalog/rooms/availability', {
    config: { auth: appOnly, rateLimit },
    schema: {
      tags: ['sessions'],
      summary: 'Free/busy of rooms in a time range (getSchedule), to offer only free rooms',
      security,
      params: S.CatalogParams,
      querystring: S.RoomAvailabilityQuery,
      response: { 200: { $ref: 'RoomAvailability#' }, ...problemResponses }
    }
  }, async (request) => sessions.availability(catalogOf(request), request.query));
}
