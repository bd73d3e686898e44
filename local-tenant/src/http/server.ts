import Fastify, { FastifyInstance, FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { randomUUID } from 'node:crypto';

/** Browser pages served from any loopback http origin (the preview host, the API's callback page) may call in. */
export function isAllowedOrigin(origin: string | undefined): boolean {
  return !!origin && /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/.test(origin);
}

export type Flavour = 'graph' | 'sharepoint' | 'identity' | 'local';

/** Which emulated service a path belongs to, so errors come back in that service's format. */
export function flavourOf(url: string): Flavour {
  if (url.startsWith('/v1.0/') || url === '/v1.0' || url.startsWith('/beta/')) return 'graph';
  if (/^\/sites\/[^/]+\/_api(\/|$)/i.test(url)) return 'sharepoint';
  if (url.startsWith('/_')) return 'local';
  return 'identity';
}

/** Graph's error envelope. */
export function graphError(code: string, message: string, requestId: string = randomUUID()): Record<string, unknown> {
  return { error: { code, message, innerError: { date: new Date().toISOString().replace(/\.\d+Z$/, ''), 'request-id': requestId, 'client-request-id': requestId } } };
}

/** SharePoint's error JSON, verbose or JSON-light depending on what the client accepts. */
export function sharePointError(req: FastifyRequest, code: string, message: string): Record<string, unknown> {
  const inner = { code, message: { lang: 'en-US', value: message } };
  return /odata=verbose/i.test(String(req.headers.accept ?? '')) ? { error: inner } : { 'odata.error': inner };
}

export function createServer(tls: { key: string; cert: string }, log: boolean): FastifyInstance {
  const app = Fastify({
    https: { key: tls.key, cert: tls.cert },
    // Logs carry method, path and status only: query strings hold codes and states.
    logger: log ? { level: 'info', serializers: { req: (r) => ({ method: r.method, url: String(r.url).split('?')[0] }), res: (r) => ({ statusCode: r.statusCode }) } } : false,
    // App packages and SharePoint take up to this; Graph routes hold to Graph's 4 MB (graph/routes.ts).
    bodyLimit: 10 * 1024 * 1024,
    // A stand-in that tests start and stop: closing ends keep-alive and abandoned connections too
    // (a client that gave up on a slowed answer must not hold the close).
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 2000 },
    // OData keys inside a segment (servicePrincipals(appId='...')) become a segment of their own.
    rewriteUrl: (req) => String(req.url).replace(/^\/v1\.0\/servicePrincipals\(/i, '/v1.0/servicePrincipals/(')
  });
  void app.register(formbody);

  // SharePoint and Graph clients send JSON with odata parameters, and often an empty body.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(/^application\/json/, { parseAs: 'string' }, (req, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      const err = new Error('The request body is not valid JSON.') as Error & { statusCode: number };
      err.statusCode = 400;
      done(err, undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (isAllowedOrigin(origin)) {
      reply.header('access-control-allow-origin', origin as string);
      reply.header('vary', 'Origin');
      reply.header('access-control-allow-credentials', 'true');
      reply.header('access-control-expose-headers', 'ETag, Retry-After, request-id, client-request-id, Location, SPRequestGuid');
    }
  });
  app.options('*', async (req, reply) => {
    reply.header('access-control-allow-methods', 'GET, POST, PATCH, PUT, DELETE, MERGE, OPTIONS');
    reply.header('access-control-allow-headers', String(req.headers['access-control-request-headers'] ?? 'authorization, content-type'));
    reply.header('access-control-max-age', '600');
    return reply.code(204).send();
  });

  app.setNotFoundHandler(async (req, reply) => {
    const url = req.url.split('?')[0];
    switch (flavourOf(url)) {
      case 'graph': {
        const requestId = randomUUID();
        reply.header('request-id', requestId).header('client-request-id', String(req.headers['client-request-id'] ?? '') || requestId);
        const body = graphError('BadRequest', `Resource not found for the segment '${url.split('/').pop()}'.`, requestId);
        (body.error as { innerError: Record<string, string> }).innerError['client-request-id'] = String(req.headers['client-request-id'] ?? '') || requestId;
        return reply.code(400).send(body);
      }
      case 'sharepoint':
        return reply.code(404).send(sharePointError(req, '-1, Microsoft.SharePoint.Client.InvalidClientQueryException', `The expression "${url.replace(/^\/sites\/[^/]+\/_api\//i, '')}" is not valid.`));
      default:
        return reply.code(404).send({ error: 'not_found', message: `No ${req.method} ${url} on the local tenant.` });
    }
  });

  app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err: { message: err.message } }, 'local tenant error');
    const message = status >= 500 ? 'The local tenant failed to handle the request.' : err.message;
    switch (flavourOf(req.url)) {
      case 'graph':
        // Graph's answer to a body over its 4 MB (graph/routes.ts GRAPH_MAX_REQUEST_BYTES): 413,
        // code BadRequest, as reported in microsoftgraph/microsoft-graph-docs-contrib#682.
        if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send(graphError('BadRequest', 'The maximum request length supported is 4MB.'));
        return reply.code(status).send(graphError(status >= 500 ? 'generalException' : 'BadRequest', message));
      case 'sharepoint':
        return reply.code(status).send(sharePointError(req, '-1, Microsoft.SharePoint.Client.ClientServiceException', message));
      default:
        return reply.code(status).send({ error: status >= 500 ? 'server_error' : 'invalid_request', error_description: message });
    }
  });
  return app;
}

/** Cookies of a request (the sign-in session is the only one the tenant sets). */
export function readCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}
