import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { FastifyBaseLogger, FastifyInstance, LogController } from 'fastify';
import helmet from 'helmet';
import type { DestinationStream } from 'pino';
import type { JWTVerifyGetKey } from 'jose';
import { CatalogAdminCheck, canManageWeb, SitePermissionReader } from './auth/catalogAdmin';
import { createTokenVerifier, issuersFor, jwksUrl, remoteKeys } from './auth/tokenVerifier';
import type { ApiConfig } from './config/config';
import { ConnectionStore } from './connections/connectionStore';
import { ConnectionService } from './connections/connectionService';
import { OrgConsentStatus } from './connections/orgConsent';
import { connectionRoutes } from './connections/routes';
import { ConnectionView, Problem } from './connections/schemas';
import { SignInStore } from './connections/signInStore';
import { teamsSignInRoutes } from './connections/teamsSignIn';
import { ApiError } from './errors/apiError';
import { installErrorHandling } from './errors/errorHandler';
import { healthRoutes } from './health/routes';
import { MicrosoftIdentity } from './identity/microsoftIdentity';
import { createLogger, stripQuery } from './logging';
import { GraphClient } from './mail/graphClient';
import { KeyEncryptionKey, KeyVaultKek, LocalFileKek } from './secrets/kek';
import { SecretStore } from './secrets/secretStore';
import { ListMirror } from './sharepoint/listMirror';
import { openTables, TABLES } from './storage/tables';

export interface AppOptions {
  /** Where logs go (tests capture them to prove no secret is written). Default stdout. */
  logDestination?: DestinationStream;
  /** The tenant's signing keys; default jose's remote JWKS of the configured authority. */
  keys?: JWTVerifyGetKey;
  /** Replaces the SharePoint permission question (unit tests only). */
  sitePermissions?: SitePermissionReader;
  kek?: KeyEncryptionKey;
}

export interface BuiltApp {
  app: FastifyInstance;
  service: ConnectionService;
}

function openKek(config: ApiConfig): KeyEncryptionKey {
  return config.kek.kind === 'key-vault' ? new KeyVaultKek(config.kek.keyId) : LocalFileKek.open(config.kek.file);
}

/** Per-caller key for rate limiting: the token's tenant+user (or app), else the client address. */
export function callerKey(authorization: string | undefined, ip: string): string {
  const payload = /^Bearer [^.]+\.([^.]+)\./.exec(authorization ?? '')?.[1];
  if (payload) {
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { tid?: unknown; oid?: unknown; azp?: unknown };
      const who = typeof claims.oid === 'string' ? claims.oid : typeof claims.azp === 'string' ? claims.azp : undefined;
      if (who) {
        return `caller:${String(claims.tid)}:${who}`;
      }
    } catch {
      // Not a JWT: the client address is the key; authentication refuses the request anyway.
    }
  }
  return `ip:${ip}`;
}

/** Builds the API (not listening). Everything is wired here; routes only see interfaces. */
export async function buildApp(config: ApiConfig, options: AppOptions = {}): Promise<BuiltApp> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    // One line per request (onResponse below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.production,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    routerOptions: { maxParamLength: 500 }
  });
  app.removeContentTypeParser(['text/plain']);

  const kek = options.kek ?? openKek(config);
  const tables = await openTables(config.storage.connectionString);
  const identity = new MicrosoftIdentity(config);
  const graph = new GraphClient(config.graphUrl);
  const connections = new ConnectionStore(tables[TABLES.connections], config.connectionCacheMs);
  const secrets = new SecretStore(tables[TABLES.secrets], kek);
  const signIns = new SignInStore(tables[TABLES.signIns], kek);
  const logUpstream = (context: string, error: ApiError): void => app.log.warn({ context, code: error.code, upstream: error.upstream }, 'upstream refused');
  const orgConsent = new OrgConsentStatus(config, identity, graph, (error) => logUpstream('org consent', error instanceof ApiError ? error : new ApiError('SERVICE_UNAVAILABLE')), config.orgConsentCacheSeconds * 1000);
  const listMirror = new ListMirror(graph, () => identity.appToken(`${config.graphResource}/.default`));
  const service = new ConnectionService({ config, connections, secrets, signIns, identity, graph, orgConsent, onUpstreamError: logUpstream, mirror: (record) => listMirror.mirror(record) });

  const sitePermissions: SitePermissionReader = options.sitePermissions ?? (async (principal, catalog) => {
    const token = await identity.onBehalfOf(principal.token, [`${config.sharePointOrigin}/.default`]);
    let response: Response;
    try {
      response = await fetch(`${catalog}/_api/web/effectiveBasePermissions`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json;odata=nometadata' },
        signal: AbortSignal.timeout(10_000)
      });
    } catch {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'SharePoint unreachable' });
    }
    if (response.status === 401 || response.status === 403 || response.status === 404) {
      return false;
    }
    if (!response.ok) {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: `SharePoint ${response.status}` });
    }
    return canManageWeb(await response.json());
  });
  const admins = new CatalogAdminCheck(sitePermissions, config.adminCacheSeconds * 1000);
  const verify = createTokenVerifier({
    issuers: issuersFor(config.authorityHost, config.tenantId, config.production),
    audiences: config.audiences,
    tenantId: config.tenantId,
    keys: options.keys ?? remoteKeys(jwksUrl(config.authorityHost, config.tenantId))
  });

  installErrorHandling(app);
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, url: stripQuery(request.url), statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  // helmet's middleware, built once (the Fastify wrapper rebuilt it on every request). A JSON API:
  // the headers that matter for it, not the legacy ones meant for HTML pages. Routes may still
  // override a header (the callback page sets its own CSP and COOP).
  const secureHeaders = helmet({
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    xDownloadOptions: false,
    xDnsPrefetchControl: false,
    xPermittedCrossDomainPolicies: false,
    originAgentCluster: false
  });
  app.addHook('onRequest', (request, reply, done) => {
    secureHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
  await app.register(cors, {
    origin: config.allowedOrigins,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'if-match', 'accept-language'],
    exposedHeaders: ['etag', 'retry-after'],
    maxAge: 600
  });
  // A page sends the same token many times: its caller key is decoded once.
  const rateKeys = new Map<string, string>();
  await app.register(rateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: '1 minute',
    keyGenerator: (request) => {
      const authorization = request.headers.authorization;
      const known = authorization ? rateKeys.get(authorization) : undefined;
      if (known) {
        return known;
      }
      const key = callerKey(authorization, request.ip);
      if (authorization && key.startsWith('caller:')) {
        if (rateKeys.size >= 10_000) {
          rateKeys.clear();
        }
        rateKeys.set(authorization, key);
      }
      return key;
    },
    // Limits are announced when they bite (429 + Retry-After), not on every answer.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (_request, context) => new ApiError('RATE_LIMITED', { retryAfterSeconds: Math.ceil(context.ttl / 1000) })
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'LMS Microsoft 365 connection API', version: '1.0.0', description: 'Connects, verifies, stores and disconnects a course catalog\'s Microsoft 365 account. Errors are RFC 9457 problem+json with a stable code (src/shared/errors.ts).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } }
    }
  });
  app.addSchema(Problem);
  app.addSchema(ConnectionView);

  await healthRoutes(app, async () => {
    await tables[TABLES.connections].getEntity('readiness', 'probe').catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) {
        throw error;
      }
    });
  });
  await connectionRoutes(app, { config, verify, admins, service });
  teamsSignInRoutes(app, config.authorityHost);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return { app, service };
}
