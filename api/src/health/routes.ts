import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/apiError';
import { statusOf } from '../storage/tables';
import { Health } from '@lms-m365/contracts';

/** How long readiness waits for storage before it says "not ready" (App Service's probe and the availability test wait longer). */
export const READY_DEADLINE_MS = 5_000;

/**
 * What failed a readiness check, as its answer's `upstream`: which part ("tables", "queue") and
 * how (its HTTP status - a 403 is a missing role -, "unreachable", or no answer in time).
 */
async function check(part: string, probe: (signal: AbortSignal) => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // At the deadline the probe's request (and the SDK's retries of it) is abandoned, not left running.
  const abandon = new AbortController();
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      abandon.abort();
      reject(new ApiError('SERVICE_UNAVAILABLE', { upstream: `storage ${part}: no answer within ${READY_DEADLINE_MS / 1000} s` }));
    }, READY_DEADLINE_MS);
  });
  try {
    await Promise.race([probe(abandon.signal).catch((error: unknown) => {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: `storage ${part} ${statusOf(error) ?? 'unreachable'}` });
    }), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * R-OPS-5: liveness (the process answers) and readiness (each part of its storage answers, and
 * Entra took the API's own credentials at its last token request - `credentialsRefused` answers
 * the AADSTS number of a refusal no token has come since: an expired client secret stops every
 * catalog at once, which only the operator can mend), and Key Vault took its key at its last use
 * (`keyRefused`: likewise). No token and no key operation is asked for the check itself.
 */
export async function healthRoutes(app: FastifyInstance, probes: Record<string, (signal: AbortSignal) => Promise<void>>, credentialsRefused: () => string | undefined = () => undefined, keyRefused: () => string | undefined = () => undefined): Promise<void> {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness', response: { 200: Health } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['health'], summary: 'Readiness: storage (tables and the outbox queue) reachable, the API\'s own credentials not refused by Entra, its key not refused by Key Vault', response: { 200: Health, 503: { $ref: 'Problem#' } } } }, async () => {
    const refused = credentialsRefused();
    if (refused) {
      throw new ApiError('SERVICE_CREDENTIALS_REJECTED', { upstream: refused });
    }
    // Key Vault refused the API's key at its last use (no wrap or unwrap has worked since): no stored secret opens.
    const key = keyRefused();
    if (key) {
      throw new ApiError('SERVICE_KEY_UNAVAILABLE', { upstream: key });
    }
    await Promise.all(Object.entries(probes).map(([part, probe]) => check(part, probe)));
    return { status: 'ready', checks: { storage: 'ok', identity: 'ok' } };
  });
}
