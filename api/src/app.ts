import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { FastifyBaseLogger, FastifyInstance, LogController } from 'fastify';
import helmet from 'helmet';
import type { DestinationStream } from 'pino';
import type { JWTVerifyGetKey } from 'jose';
import { authentication, rateLimitKey } from './auth/authentication';
import { CatalogAdminCheck, SitePermissionReader } from './auth/catalogAdmin';
import { CatalogGate } from './catalogs/catalogGate';
import { ClassicAttemptGuard, TableAttemptCounter } from './auth/classicAttempts';
import { createTokenVerifier, issuersFor, jwksUrl, remoteKeys } from './auth/tokenVerifier';
import type { ApiConfig } from './config/config';
import { ConnectionStore } from './connections/connectionStore';
import { ConnectionService } from './connections/connectionService';
import { ConnectionWriter } from './connections/connectionWriter';
import { CredentialsProvider } from './connections/credentials';
import { OrgConsentStatus } from './connections/orgConsent';
import { connectionRoutes } from './connections/routes';
import { ModernSignIn } from './connections/modernSignIn';
import { ConnectionView, Problem } from '@lms-m365/contracts';
import { SignInStore } from './connections/signInStore';
import { signInStartRoutes } from './connections/signInStart';
import { TEST_EMAIL_WINDOW_SECONDS, testEmailPolicy } from './connections/testEmailPolicy';
import { ApiError, codeOf } from './errors/apiError';
import { frameworkProblem, installErrorHandling, sendProblem } from './errors/errorHandler';
import { normaliseCatalog } from './catalogs/catalogId';
import { AlertService } from './health/alerts';
import { HealthMonitor } from './health/monitor';
import { healthRoutes } from './health/routes';
import { MicrosoftIdentity } from './identity/microsoftIdentity';
import { auditLogger, createLogger, stripQuery } from './logging';
import { describeSpec, type OpenApiDocument } from './openapiSpec';
import { GraphClient } from './graph/graphClient';
import { KekRing, KeyEncryptionKey, KeyVaultKek, LocalFileKek } from './secrets/kek';
import { SecretStore } from './secrets/secretStore';
import { ListMirror, SettingsListStore } from './sharepoint/listMirror';
import { SendingEngine } from './sending/engine';
import { NotificationService } from './sending/notificationService';
import { OutboxStore } from './sending/outboxStore';
import { notificationRoutes } from './sending/routes';
import { SessionInvitations } from './sessions/invitations';
import { SessionService } from './sessions/sessionService';
import { SessionStore } from './sessions/sessionStore';
import { sessionRoutes } from './sessions/routes';
import { WakeQueue } from './sending/wakeQueue';
import { sharePointSitePermissions } from './sharepoint/sitePermissions';
import type { StorageMeter } from './storage/meter';
import { openTables, queueClient, TABLES } from './storage/tables';
import { dueNotice } from './health/incident';

export interface AppOptions {
  /** Where logs go (tests capture them to prove no secret is written). Default stdout. */
  logDestination?: DestinationStream;
  /** The tenant's signing keys; default jose's remote JWKS of the configured authority. */
  keys?: JWTVerifyGetKey;
  /** Replaces the SharePoint permission question (unit tests only). */
  sitePermissions?: SitePermissionReader;
  kek?: KeyEncryptionKey;
  /** Counts storage requests (bench:send). */
  storageMeter?: StorageMeter;
}

export interface BuiltApp {
  app: FastifyInstance;
  service: ConnectionService;
  engine: SendingEngine;
  monitor: HealthMonitor;
  alerts: AlertService;
  sessions: SessionService;
}

export function openKek(config: ApiConfig): KeyEncryptionKey {
  return config.kek.kind === 'key-vault'
    ? new KekRing(new KeyVaultKek(config.kek.keyId), (config.kek.previousKeyIds ?? []).map((id) => new KeyVaultKek(id)))
    : new KekRing(LocalFileKek.open(config.kek.file, !config.production), (config.kek.previousFiles ?? []).map((f) => LocalFileKek.open(f, false)));
}

/** Builds the API (not listening). Everything is wired here; routes only see interfaces. */
export async function buildApp(config: ApiConfig, options: AppOptions = {}): Promise<BuiltApp> {
  const logger = createLogger(config.logLevel, options.logDestination);
  // helmet's middleware, built once (the Fastify wrapper rebuilt it on every request). A JSON API:
  // the headers that matter for it, not the legacy ones meant for HTML pages, and only the CSP
  // below (helmet would otherwise merge in its defaults for HTML pages). Routes may still
  // override a header (the callback page sets its own CSP and COOP).
  const secureHeaders = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] } },
    xDownloadOptions: false,
    xDnsPrefetchControl: false,
    xPermittedCrossDomainPolicies: false,
    originAgentCluster: false
  });
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    // One line per request (onResponse below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // The id an error answer gives as `instance` (the page shows it as "Request ID") and each of the
    // request's log lines carries as `reqId`: unique across instances and restarts, unlike "req-1".
    genReqId: () => randomUUID(),
    // A hop count, never `true`: with `true` a client's own X-Forwarded-For would pick its address.
    trustProxy: config.trustProxyHops > 0 ? (_address: string, hop: number) => hop < config.trustProxyHops : false,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    routerOptions: { maxParamLength: 500 },
    // A URL the router cannot take (bad percent-encoding, an over-long segment) is answered before
    // any hook runs: as problem+json with the same headers as every answer, never echoing the URL.
    frameworkErrors: (error, request, reply) => {
      secureHeaders(request.raw, reply.raw, () => {
        void sendProblem(request, reply, frameworkProblem(error));
      });
    }
  });
  app.removeContentTypeParser(['text/plain']);

  const kek = options.kek ?? openKek(config);
  const tables = await openTables(config.storage.connectionString, options.storageMeter?.policy);
  const queue = await WakeQueue.open(queueClient(config.storage.connectionString), options.storageMeter?.countQueueRequest);
  const identity = new MicrosoftIdentity(config);
  const graph = new GraphClient(config.graphUrl);
  const connections = new ConnectionStore(tables[TABLES.connections], config.connectionCacheMs, (partition) => app.log.warn({ partition }, 'connection record unreadable: skipped by the jobs'));
  // Beside the records, in the same partition: a connect or disconnect writes both in one transaction.
  const secrets = new SecretStore(tables[TABLES.connections], kek);
  const signIns = new SignInStore(tables[TABLES.signIns], kek);
  const logUpstream = (context: string, error: ApiError, catalog?: string): void => app.log.warn({ context, ...(catalog ? { catalog } : {}), code: error.code, upstream: error.upstream }, 'upstream refused');
  const orgConsent = new OrgConsentStatus(config, identity, graph, (error) => logUpstream('org consent', error instanceof ApiError ? error : new ApiError('SERVICE_UNAVAILABLE')), config.orgConsentCacheSeconds * 1000);
  const settingsLists = new SettingsListStore(tables[TABLES.settingsLists]);
  const listMirror = new ListMirror(graph, () => identity.appToken(`${config.graphResource}/.default`), settingsLists);
  const outbox = new OutboxStore(tables[TABLES.outbox]);
  // Classic connect attempts, counted in storage by every instance together (R-SEC-3).
  const attempts = new TableAttemptCounter(tables[TABLES.limits], config.classic.windowSeconds);
  // The test emails' daily quota per catalog, in the same table: one count for every instance.
  const testEmails = new TableAttemptCounter(tables[TABLES.limits], TEST_EMAIL_WINDOW_SECONDS, Date.now, 'test-emails');
  const appGraphToken = (): Promise<string> => identity.appToken(`${config.graphResource}/.default`);
  const catalogs = new CatalogGate({ graph, appToken: appGraphToken, lists: settingsLists, registered: config.registeredCatalogs });
  const neverConnected = (catalog: string, refusal: ApiError): Promise<ApiError> => catalogs.neverConnected(catalog, refusal);
  const writer = new ConnectionWriter(connections, {
    mirror: (record) => listMirror.mirror(record),
    onUpstreamError: logUpstream,
    counters: (catalog) => outbox.counters(catalog),
    // Whoever found it (the health monitor, Check now, a test email, the keep-alive, a drain): one line with why.
    onLost: (record, upstream) => app.log.warn({ catalog: record.catalog, code: record.health.code, ...(upstream ? { upstream } : {}) }, 'connection lost'),
    onChange: (record, change) => {
      if (change === 'blocked') {
        app.log.warn({ catalog: record.catalog, code: record.blocked?.code }, 'sending blocked: recorded until a send goes through again');
      } else {
        app.log.info({ catalog: record.catalog }, change === 'restored' ? 'connection restored' : 'sending block lifted');
      }
    }
  });
  const alerts = new AlertService({ config: config.alerts, connections, writer, counters: (catalog) => outbox.counters(catalog), graph, appToken: appGraphToken, log: app.log, timeScale: config.sending.timeScale });
  const dispatchNotices = (catalog: string): void => {
    alerts.dispatchSoon(catalog, (error: unknown) => logUpstream('incident notice', error instanceof ApiError ? error : new ApiError('INTERNAL_ERROR')));
  };
  // The alerts write through the writer, and the writer announces incidents to the alerts.
  writer.onIncident((record) => dispatchNotices(record.catalog));
  // A drain of a catalog whose record changed (switched off, disconnected, reconnected) looks again before it sends more.
  writer.onWrite((record) => engine.connectionChanged(record.catalog));
  const credentials = new CredentialsProvider({ config, identity, secrets, graph });
  const sessionStore = new SessionStore(tables[TABLES.sessions]);
  // The engine and the sessions need each other: the service wakes the engine, the engine sends the service's invitations.
  const sessions: SessionService = new SessionService({ connections, credentials, sessions: sessionStore, outbox, wake: (catalog) => engine.wake(catalog), log: app.log, roomsCacheMs: 10 * 60_000, recipientsPerMessage: config.sending.recipientsPerMessage, roomsGranted: async (homeAccountId) => (await orgConsent.rooms(homeAccountId)).available, neverConnected, roomJobOff: config.roomAnswerIntervalSeconds === 0 });
  const invitations = new SessionInvitations({ sessions: sessionStore, domain: config.sending.messageIdDomain, roomName: (catalog, room) => sessions.roomName(catalog, room), recipientsPerMessage: config.sending.recipientsPerMessage });
  const engine = new SendingEngine({
    invitations,
    config: config.sending,
    connections,
    credentials,
    outbox,
    leases: tables[TABLES.mailboxes],
    queue,
    log: app.log,
    onDrained: (record) => {
      // The incident rules' own answer (a resolved incident owes only its restored notice, and only once its alert went).
      if (dueNotice(record.incident, Date.now(), Number.POSITIVE_INFINITY) === 'restored') {
        dispatchNotices(record.catalog);
      }
    },
    health: {
      lost: (record, code, upstream) => writer.recordHealth(record, { state: 'lost', code }, { upstream }),
      // A busy catalog drains often: its record (and list item) is written at most once an hour for it.
      used: async (record, since) => {
        const last = record.lastTokenUseAt ? Date.parse(record.lastTokenUseAt) : 0;
        if (record.health.state !== 'connected' || Date.now() - last > 3_600_000) {
          await writer.recordHealth(record, { state: 'connected', code: null }, { used: true, since });
        }
      },
      blocked: (record, code, lifted) => writer.recordBlocked(record, code, lifted)
    }
  });
  const notifications = new NotificationService({
    connections,
    outbox,
    wake: (catalog, delayMs) => engine.wake(catalog, delayMs),
    recipientsPerMessage: config.sending.recipientsPerMessage,
    messageIdDomain: config.sending.messageIdDomain,
    neverConnected,
    log: app.log,
    pacing: (mailbox, recipients) => engine.pacingOf(mailbox, recipients).catch((error: unknown) => {
      app.log.warn({ code: codeOf(error) }, 'pacing budget not read for the connection view');
      return undefined;
    })
  });
  const audit = auditLogger(app.log);
  const signIn = new ModernSignIn({ config, connections, signIns, identity, graph, orgConsent, catalogs, onUpstreamError: logUpstream, audit: (event, fields) => audit.info({ audit: event, ...fields }, 'audit') });
  const service = new ConnectionService({
    config,
    connections,
    secrets,
    signIns,
    identity,
    graph,
    orgConsent,
    credentials,
    writer,
    catalogs,
    audit: (event, fields) => audit.info({ audit: event, ...fields }, 'audit'),
    onConnected: (record, admin) => alerts.connected(record, admin),
    classicAttempts: new ClassicAttemptGuard(config.classic, (entry) => audit.info({ audit: entry }, 'audit'), attempts),
    testEmailPolicy: testEmailPolicy(config.testEmail, testEmails),
    onUpstreamError: logUpstream,
    onSendable: (catalog) => engine.wake(catalog),
    outboxSummary: (record) => notifications.summary(record),
    sendingBlock: { nextTry: (mailbox) => engine.blockedUntil(mailbox), retry: (catalog, mailbox) => engine.retryBlocked(catalog, mailbox) },
    mirrorFailure: (catalog) => listMirror.failure(catalog)
  });

  const sitePermissions: SitePermissionReader = options.sitePermissions ??
    sharePointSitePermissions((userToken) => identity.onBehalfOf(userToken, [`${config.sharePointOrigin}/.default`]));
  const admins = new CatalogAdminCheck(sitePermissions, config.adminCacheSeconds * 1000);
  const verify = createTokenVerifier({
    issuers: issuersFor(config.authorityHost, config.tenantId, config.production),
    audiences: config.audiences,
    tenantId: config.tenantId,
    clients: config.acceptedClients,
    keys: options.keys ?? remoteKeys(jwksUrl(config.authorityHost, config.tenantId))
  });

  installErrorHandling(app);
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, url: stripQuery(request.url), statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  app.addHook('onRequest', (request, reply, done) => {
    secureHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
  // Read by the sign-in's callback and confirmation (the browser binding its start page sets); nothing else uses cookies.
  await app.register(cookie);
  await app.register(cors, {
    origin: config.allowedOrigins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'if-match', 'accept-language', 'idempotency-key'],
    exposedHeaders: ['etag', 'retry-after'],
    maxAge: 600
  });
  // Before the rate limit: routes that require a caller are counted per verified caller.
  await app.register(authentication, {
    verify,
    // Forged or broken tokens are counted per client address, on the same budget as a caller's requests.
    failuresPerMinute: config.rateLimitPerMinute,
    // Catalog admin rights are checked before the body is parsed: a stranger's bad body is a 403, not a 400.
    catalogAccess: (principal, catalog) => admins.require(principal, normaliseCatalog(catalog, config.sharePointOrigin))
  });
  await app.register(rateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: '1 minute',
    keyGenerator: rateLimitKey,
    // Limits are announced when they bite (429 + Retry-After), not on every answer.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (_request, context) => new ApiError('RATE_LIMITED', { retryAfterSeconds: Math.ceil(context.ttl / 1000) })
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'LMS Microsoft 365 connection API', version: '1.0.0', description: 'A course catalog\'s Microsoft 365 connection: the settings page connects, checks and disconnects the catalog\'s account; the LMS back end queues notifications and session invitations that go out from it, paced and durable, and reads their status (docs/lms-integration.md). Errors are RFC 9457 problem+json with a stable code (docs/troubleshooting.md); 429 and 503 carry Retry-After.' },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'An Entra ID access token for this API (audience its App ID URI). The LMS back end\'s routes (notifications, sessions, rooms) take an application token - client credentials, scope "<App ID URI>/.default", with the Notifications.Send app role; a user\'s token is refused (APP_ONLY). The routes that change a connection and the deliveries list take the signed-in admin\'s delegated token (user_impersonation), as the settings page sends it; an application\'s is refused (USER_ONLY). Reading a connection (GET) takes either.'
          }
        }
      }
    },
    transformObject: (documentObject) => describeSpec(('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject) as OpenApiDocument),
    // Shared schemas keep their $id as their name, so the generated LMS client (api/client) reads components['schemas']['NotificationStatus'].
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) }
  });
  app.addSchema(Problem);
  app.addSchema(ConnectionView);

  // Both parts of storage the API needs: the tables (every request) and the outbox's wake queue
  // (every notification the LMS queues). Which one failed, and how, is in the answer's upstream.
  await healthRoutes(app, {
    tables: async (abortSignal) => {
      await tables[TABLES.connections].getEntity('readiness', 'probe', { abortSignal }).catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 404) {
          throw error;
        }
      });
    },
    queue: (abortSignal) => queue.ready(abortSignal)
  }, () => identity.credentialsRefused, () => kek.refused);
  await connectionRoutes(app, { config, admins, service, signIn, orgConsent });
  await notificationRoutes(app, { config, admins, notifications });
  await sessionRoutes(app, { config, sessions });
  // Read when asked: the public URL is known once the API listens (a port chosen then, in tests).
  signInStartRoutes(app, { target: { get authority() { return identity.authority; }, clientId: config.clientId, get redirectUri() { return identity.redirectUri; } }, signIn });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const resume = async (catalog: string): Promise<boolean> => {
    if (!(await outbox.hasDue(catalog, Date.now()))) {
      return false;
    }
    await engine.wake(catalog);
    return true;
  };
  const monitor = new HealthMonitor({ config, leases: tables[TABLES.mailboxes], connections, service, alerts, resume, sessions, purgeAttempts: async (before) => (await attempts.purge(before)) + (await testEmails.purge(before)), expireHeld: (record) => engine.expireHeld(record), prune: (catalog, cutoffs) => outbox.prune(catalog, cutoffs), log: app.log });
  return { app, service, engine, monitor, alerts, sessions };
}
