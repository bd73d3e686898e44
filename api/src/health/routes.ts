import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/apiError';
import { Health } from '@lms-m365/contracts';

/** R-OPS-5: liveness (the process answers) and readiness (its storage answers). */
export async function healthRoutes(app: FastifyInstance, ready: () => Promise<void>): Promise<void> {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness', response: { 200: Health } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['health'], summary: 'Readiness: storage reachable', response: { 200: Health, 503: { $ref: 'Problem#' } } } }, async () => {
    try {
      await ready();
    } catch {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'storage' });
    }
    return { status: 'ready', checks: { storage: 'ok' } };
  });
}
