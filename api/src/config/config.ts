import { existsSync } from 'node:fs';
import path from 'node:path';
import { normaliseCatalog } from '../catalogs/catalogId';

/** Everything the API reads from its environment, validated once at start. */
export interface ApiConfig {
  production: boolean;
  host: string;
  port: number;
  /** Where browsers reach the API; the OAuth redirect URI is built from it. */
  publicUrl: string;
  tenantId: string;
  /** https://login.microsoftonline.com in production, the local tenant in development. */
  authorityHost: string;
  graphUrl: string;
  graphResource: string;
  sharePointOrigin: string;
  smtp: { host: string; port: number; secure: boolean };
  smtpScope: string;
  clientId: string;
  clientSecret: string;
  /** Accepted `aud` values: the app id URI and the client id. */
  audiences: string[];
  /** Client applications (azp / appid) whose delegated and app-only tokens are accepted. */
  acceptedClients: { delegated: string[]; app: string[] };
  /** Reverse proxies in front of the API whose X-Forwarded-For is trusted (App Service: 1); 0 trusts none. */
  trustProxyHops: number;
  /** Classic (password) connections: whether they are allowed, and how many attempts per window. */
  classic: ClassicConfig;
  /** The test email: to the tenant's domains and the catalog's alert recipients, at most this many a day. */
  testEmail: { domains: string[]; perCatalogPerDay: number };
  delegatedScope: string;
  appRole: string;
  /** SharePoint/Teams origins: CORS and the callback page's postMessage targets. */
  allowedOrigins: string[];
  /** Sites the LMS registered as catalogs (R-SEC-2); a site with the settings list is one anyway. */
  registeredCatalogs: string[];
  storage: { connectionString: string; embeddedAzurite: boolean; tablePort: number; queuePort: number; location?: string };
  /** The current KEK and the previous ones still unwrapping data keys until the re-wrap (docs/operations.md, key rotation). */
  kek: { kind: 'local'; file: string; previousFiles?: string[] } | { kind: 'key-vault'; keyId: string; previousKeyIds?: string[] };
  logLevel: string;
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  adminCacheSeconds: number;
  orgConsentCacheSeconds: number;
  /** How old a connection read for display may be, per instance (writes here invalidate it). */
  connectionCacheMs: number;
  /** Refresh a kept connection's tokens when this many days passed without use (R-LOSS-0). */
  keepAliveAfterDays: number;
  keepAliveIntervalSeconds: number;
  /** How often booked rooms that have not answered are looked at (0: only when the LMS reads the session). */
  roomAnswerIntervalSeconds: number;
  /** Days a final notification keeps its bodies and recipient lists (0: kept); the daily outbox-retention job deletes them. */
  outboxContentDays: number;
  /** Days a final notification is kept at all - state, subject, history, idempotency key (0: kept); the same job deletes it. */
  outboxHistoryDays: number;
  /** Days after its end a session (title, description, attendees) is kept, with its invitations; 0: kept. */
  sessionRetentionDays: number;
  outboxContentIntervalSeconds: number;
  /** The outbox engine: Exchange Online's per-mailbox limits (R-USE-4) and how the workers run. */
  sending: SendingConfig;
  /** Alerts about lost connections (R-LOSS-2, R-OPS-3) and the health monitor (R-LOSS-1). */
  alerts: AlertsConfig;
}

export interface ClassicConfig {
  enabled: boolean;
  attemptsPerCaller: number;
  attemptsPerAccount: number;
  windowSeconds: number;
}

export interface AlertsConfig {
  /** The LMS's system mailbox that sends alerts (app-only Graph Mail.Send); alerts are off without it. */
  sender: string | null;
  /** LMS admins alerted about every catalog, besides each catalog's own alert recipients. */
  lmsAdmins: string[];
  reminderDays: number;
  /** Where the settings page is on a catalog site; alerts link to {catalog}{path}. */
  settingsPagePath: string;
  /** How often the (single, leased) health monitor probes connected catalogs; 0 turns it off. */
  probeIntervalSeconds: number;
  /** Catalogs the health monitor probes at a time (a probe is a token refresh and Graph reads, or an SMTP login: seconds). */
  probeConcurrency: number;
}

export interface SendingConfig {
  /** Whether this instance runs outbox workers (an instance may only take requests). */
  worker: boolean;
  messagesPerMinute: number;
  recipientsPerDay: number;
  recipientsPerMessage: number;
  graphConcurrencyPerMailbox: number;
  smtpConnectionsPerMailbox: number;
  /** Attempts of a message before a passing fault fails it. */
  maxAttempts: number;
  /** Divides every pacing window and back-off (60: a minute lasts a second). Tests and benchmarks only. */
  timeScale: number;
  /** How long a worker owns a mailbox without renewing its lease. */
  leaseSeconds: number;
  /** How often an idle worker looks at the wake-up queue. */
  pollMilliseconds: number;
  /** Concurrent mailboxes one instance drains. */
  mailboxesPerInstance: number;
  /** The domain of the Message-IDs the API gives its messages. */
  messageIdDomain: string;
  /** Requests a minute the LMS back end may make to the notification endpoints. */
  lmsRateLimitPerMinute: number;
}

export class ConfigError extends Error {
  public readonly problems: string[];

  public constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The local tenant's fixture (local-tenant/fixtures/tenant.json); development only. */
export const DEV_DEFAULTS = {
  tenantId: '6f1c5b2e-8a7d-4c3b-9e21-0d4a5f6b7c8d',
  clientId: '3f9a6b1c-2d4e-4f70-8a15-6c2b7e9d0a41',
  clientSecret: 'local-dev-api-secret',
  appIdUri: 'api://lms-m365-connection',
  /** SharePoint Online Web Client Extensibility: the same app id in every tenant. */
  webPartClientId: '08e18876-6177-487e-b8b5-cf950c1e598c',
  lmsBackendClientId: '7e2d4c6a-1b3f-4a5e-8c7d-9f0a1b2c3d4e',
  domains: 'contoso.test',
  azuriteAccount: 'devstoreaccount1',
  azuriteKey: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
};

export function azuriteConnectionString(tablePort: number, queuePort: number, host = '127.0.0.1'): string {
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_DEFAULTS.azuriteAccount};AccountKey=${DEV_DEFAULTS.azuriteKey};` +
    `TableEndpoint=http://${host}:${tablePort}/${DEV_DEFAULTS.azuriteAccount};QueueEndpoint=http://${host}:${queuePort}/${DEV_DEFAULTS.azuriteAccount};`;
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * A URL that is only an origin (nothing after its host but a slash) as its origin - lower case,
 * without a default port or the slash; anything else as it is, for the check to name.
 */
function originOf(value: string): string {
  try {
    const u = new URL(value);
    return u.pathname === '/' && !u.search && !u.hash && !u.username && !value.endsWith('?') && !value.endsWith('#') ? u.origin : value;
  } catch {
    return value;
  }
}

/** The host of a URL, or localhost when it is not one (the setting's own problem is reported beside). */
function hostnameOf(value: string): string {
  try {
    return new URL(value).hostname || 'localhost';
  } catch {
    return 'localhost';
  }
}

function trimSlash(value: string): string {
  return value.replace(/\/+$/, '');
}

/**
 * The repository root: the nearest folder above this file that holds the local tenant beside the
 * API. Development state (.local/) lives there whether the API runs from src/ (ts-jest) or from
 * dist/api/src/ (the build).
 */
export function findRepoRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  while (!(existsSync(path.join(dir, 'api', 'package.json')) && existsSync(path.join(dir, 'local-tenant')))) {
    const parent = path.dirname(dir);
    if (parent === dir) {
      return process.cwd();
    }
    dir = parent;
  }
  return dir;
}

/**
 * Reads and validates the configuration. In production every setting without a safe default
 * must be present and well-formed; each missing or malformed one is named, all at once.
 */
/** A registered catalog as requests' catalogs are normalised; one that is not a site under the origin stays as written (it matches nothing). */
function registered(entry: string, sharePointOrigin: string): string {
  try {
    return normaliseCatalog(entry, sharePointOrigin);
  } catch {
    return trimSlash(entry);
  }
}

export function loadConfig(env: Env, repoRoot: string = findRepoRoot()): ApiConfig {
  const production = env.NODE_ENV === 'production';
  const problems: string[] = [];
  // A misspelt NODE_ENV ("Production") would start a production instance on development defaults
  // (the local tenant's authority, a key file made on the spot): refused, not guessed.
  if (env.NODE_ENV !== undefined && !['', 'production', 'development', 'test'].includes(env.NODE_ENV)) {
    problems.push(`NODE_ENV must be production or development (or unset for development), not "${env.NODE_ENV.slice(0, 40)}"`);
  }

  function read(name: string, devDefault: string | undefined, check?: (v: string) => string | undefined): string {
    const value = env[name]?.trim();
    if (value === undefined || value === '') {
      if (production || devDefault === undefined) {
        problems.push(`${name} is required`);
        return '';
      }
      return devDefault;
    }
    const problem = check?.(value);
    if (problem) {
      problems.push(`${name} ${problem}`);
    }
    return value;
  }

  function optional(name: string, fallback: string, check?: (v: string) => string | undefined): string {
    const value = env[name]?.trim();
    if (value === undefined || value === '') {
      return fallback;
    }
    const problem = check?.(value);
    if (problem) {
      problems.push(`${name} ${problem}`);
    }
    return value;
  }

  const url = (httpsOnly: boolean) => (v: string): string | undefined => {
    try {
      const u = new URL(v);
      if (u.protocol !== 'https:' && (httpsOnly || u.protocol !== 'http:')) {
        return `must be an ${httpsOnly ? 'https' : 'http(s)'} URL (got "${u.protocol}")`;
      }
      return undefined;
    } catch {
      return 'must be an absolute URL';
    }
  };
  const uuid = (v: string): string | undefined => (UUID.test(v) ? undefined : 'must be a GUID');
  const int = (min: number, max: number) => (v: string): string | undefined =>
    /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? undefined : `must be a whole number from ${min} to ${max}`;
  const origins = (httpsOnly: boolean) => (v: string): string | undefined => {
    for (const o of list(v)) {
      const bad = url(httpsOnly)(o);
      if (bad || new URL(o).origin !== o) {
        return `must be a comma-separated list of origins (scheme://host[:port], no path): "${o}"`;
      }
    }
    return undefined;
  };

  /**
   * One origin, as SharePoint's and Graph's resource names are: the scopes are built on it
   * (`{origin}/.default`). Written as an origin may be (a trailing slash, upper case, :443), read as its origin.
   */
  const origin = (httpsOnly: boolean) => (v: string): string | undefined => (v.includes(',') ? 'must be one origin (scheme://host[:port], no path)' : origins(httpsOnly)(originOf(v))?.replace('a comma-separated list of origins', 'an origin'));
  const port = Number(optional('PORT', '4700', int(0, 65535)));
  const host = optional('HOST', production ? '0.0.0.0' : 'localhost');
  const publicUrl = trimSlash(read('API_PUBLIC_URL', `http://localhost:${port}`, url(production)));
  // GUIDs in lower case, as tokens carry them (tid, aud) and as they are compared.
  const tenantId = read('TENANT_ID', DEV_DEFAULTS.tenantId, uuid).toLowerCase();
  const authorityHost = trimSlash(read('AUTHORITY_HOST', 'https://localhost:4800', url(true)));
  const graphUrl = trimSlash(read('GRAPH_URL', 'https://localhost:4800/v1.0', url(true)));
  const sharePointOrigin = originOf(read('SHAREPOINT_ORIGIN', 'https://localhost:4800', origin(true)));
  const clientId = read('CLIENT_ID', DEV_DEFAULTS.clientId, uuid).toLowerCase();
  // App Service passes a Key Vault reference it could not resolve as its own text: refused here rather than sent to Entra.
  const clientSecret = read('CLIENT_SECRET', DEV_DEFAULTS.clientSecret, (v) => (/^@Microsoft\.KeyVault\(/i.test(v) ? 'is an unresolved Key Vault reference (App Service could not read the secret: check its identity\'s access to the vault, then restart)' : undefined));
  const appIdUri = read('APP_ID_URI', DEV_DEFAULTS.appIdUri, (v) => (/^(api:\/\/|https:\/\/)\S+$/.test(v) ? undefined : 'must start with api:// or https://'));
  // Compared with the browser's Origin header, which is always the bare origin: each is read as its origin.
  const allowedOrigins = list(read('ALLOWED_ORIGINS', 'http://localhost:4300', (v) => origins(production)(list(v).map(originOf).join(',')))).map(originOf);
  const uuids = (v: string): string | undefined => (list(v).every((id) => UUID.test(id)) ? undefined : 'must be a comma-separated list of GUIDs');
  const delegatedClients = list(optional('ALLOWED_DELEGATED_CLIENTS', DEV_DEFAULTS.webPartClientId, uuids)).map((id) => id.toLowerCase());
  const appClients = list(read('ALLOWED_APP_CLIENTS', DEV_DEFAULTS.lmsBackendClientId, uuids)).map((id) => id.toLowerCase());
  const bool = (v: string): string | undefined => (v === 'true' || v === 'false' ? undefined : 'must be true or false');
  const smtpHost = read('SMTP_HOST', 'localhost');
  const smtpPort = Number(read('SMTP_PORT', '4587', int(1, 65535)));

  const connectionString = env.STORAGE_CONNECTION_STRING?.trim();
  const embeddedAzurite = !production && !connectionString;
  if (production && !connectionString) {
    problems.push('STORAGE_CONNECTION_STRING is required');
  } else if (connectionString && !/TableEndpoint=|AccountName=/i.test(connectionString)) {
    problems.push('STORAGE_CONNECTION_STRING must be an Azure Storage connection string (AccountName=...;AccountKey=... or TableEndpoint=...)');
  } else if (connectionString && !/AccountKey=|SharedAccessSignature=/i.test(connectionString) && !(/TableEndpoint=[^;]/i.test(connectionString) && /QueueEndpoint=[^;]/i.test(connectionString))) {
    // Without a key the API signs in with its identity at the endpoints named (storage/tables.ts identityEndpoints): it uses tables and queues.
    problems.push('STORAGE_CONNECTION_STRING without a key must name both TableEndpoint=... and QueueEndpoint=...');
  }
  const tablePort = Number(optional('AZURITE_TABLE_PORT', '4810', int(0, 65535)));
  const queuePort = Number(optional('AZURITE_QUEUE_PORT', '4811', int(0, 65535)));

  const keyVaultKeyId = env.KEY_VAULT_KEY_ID?.trim();
  let kek: ApiConfig['kek'];
  if (keyVaultKeyId) {
    // Versioned: data keys record it, and a new key version must not silently replace the one that wrapped them.
    const bad = url(true)(keyVaultKeyId) ?? (/\/keys\/[^/]+\/[^/]+$/.test(keyVaultKeyId) ? undefined : 'must be a Key Vault key identifier with its version (https://<vault>.vault.azure.net/keys/<name>/<version>)');
    if (bad) {
      problems.push(`KEY_VAULT_KEY_ID ${bad}`);
    }
    const previousKeyIds = list(env.KEY_VAULT_PREVIOUS_KEY_IDS);
    if (previousKeyIds.some((id) => url(true)(id) || !/\/keys\/[^/]+\/[^/]+$/.test(id))) {
      problems.push('KEY_VAULT_PREVIOUS_KEY_IDS must be a comma-separated list of versioned Key Vault key identifiers');
    }
    kek = { kind: 'key-vault', keyId: keyVaultKeyId, previousKeyIds };
  } else if (production && !path.isAbsolute(env.LOCAL_KEK_FILE?.trim() ?? '')) {
    // Outside Azure a production install may keep its KEK in a file it alone reads (an absolute path).
    problems.push(env.LOCAL_KEK_FILE?.trim() ? 'KEY_VAULT_KEY_ID is required (LOCAL_KEK_FILE, its stand-in outside Azure, must be an absolute path)' : 'KEY_VAULT_KEY_ID is required');
    kek = { kind: 'local', file: '' };
  } else {
    kek = { kind: 'local', file: path.resolve(repoRoot, optional('LOCAL_KEK_FILE', '.local/keys/kek.json')), previousFiles: list(env.LOCAL_KEK_PREVIOUS_FILES).map((f) => path.resolve(repoRoot, f)) };
  }

  const config: ApiConfig = {
    production,
    host,
    port,
    publicUrl,
    tenantId,
    authorityHost,
    graphUrl,
    graphResource: originOf(optional('GRAPH_RESOURCE', 'https://graph.microsoft.com', origin(true))),
    sharePointOrigin,
    smtp: { host: smtpHost, port: smtpPort, secure: optional('SMTP_SECURE', 'false', (v) => (v === 'true' || v === 'false' ? undefined : 'must be true or false')) === 'true' },
    smtpScope: optional('SMTP_SCOPE', 'https://outlook.office.com/SMTP.Send'),
    clientId,
    clientSecret,
    audiences: [appIdUri, clientId],
    acceptedClients: { delegated: delegatedClients, app: appClients },
    trustProxyHops: Number(optional('TRUST_PROXY_HOPS', production ? '1' : '0', int(0, 10))),
    classic: {
      enabled: optional('CLASSIC_ENABLED', 'true', bool) === 'true',
      attemptsPerCaller: Number(optional('CLASSIC_ATTEMPTS_PER_CALLER', '10', int(1, 10_000))),
      attemptsPerAccount: Number(optional('CLASSIC_ATTEMPTS_PER_ACCOUNT', '5', int(1, 10_000))),
      windowSeconds: Number(optional('CLASSIC_ATTEMPT_WINDOW_SECONDS', '900', int(1, 86_400)))
    },
    testEmail: {
      domains: list(read('TENANT_DOMAINS', DEV_DEFAULTS.domains, (v) => (list(v).every((d) => /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(d)) ? undefined : 'must be a comma-separated list of domain names'))).map((d) => d.toLowerCase()),
      perCatalogPerDay: Number(optional('TEST_EMAILS_PER_DAY', '20', int(1, 10_000)))
    },
    delegatedScope: optional('DELEGATED_SCOPE', 'user_impersonation'),
    appRole: optional('APP_ROLE', 'Notifications.Send'),
    allowedOrigins,
    // Normalised as a request's catalog is (host case, :443, trailing slash), so an entry written either way matches it.
    registeredCatalogs: list(optional('REGISTERED_CATALOGS', '', (v) => (list(v).every((c) => /^https:\/\/[^\s?#,]+$/.test(c)) ? undefined : 'must be a comma-separated list of https:// site URLs'))).map((c) => registered(c, sharePointOrigin)),
    storage: {
      connectionString: connectionString || azuriteConnectionString(tablePort, queuePort),
      embeddedAzurite,
      tablePort,
      queuePort,
      location: env.AZURITE_LOCATION?.trim() || (embeddedAzurite ? path.resolve(repoRoot, '.local', 'azurite') : undefined)
    },
    kek,
    logLevel: optional('LOG_LEVEL', 'info', (v) => (['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v) ? undefined : 'must be a pino level')),
    rateLimitPerMinute: Number(optional('RATE_LIMIT_PER_MINUTE', '600', int(1, 10_000_000))),
    bodyLimitBytes: Number(optional('BODY_LIMIT_BYTES', '16384', int(1024, 1_048_576))),
    adminCacheSeconds: Number(optional('ADMIN_CACHE_SECONDS', '60', int(0, 3600))),
    orgConsentCacheSeconds: Number(optional('ORG_CONSENT_CACHE_SECONDS', '60', int(0, 3600))),
    connectionCacheMs: Number(optional('CONNECTION_CACHE_MS', '1000', int(0, 60_000))),
    keepAliveAfterDays: Number(optional('KEEPALIVE_AFTER_DAYS', '14', int(1, 80))),
    keepAliveIntervalSeconds: Number(optional('KEEPALIVE_INTERVAL_SECONDS', '3600', int(0, 86400))),
    roomAnswerIntervalSeconds: Number(optional('ROOM_ANSWER_INTERVAL_SECONDS', '60', int(0, 86400))),
    outboxContentDays: Number(optional('OUTBOX_CONTENT_DAYS', '30', int(0, 3650))),
    outboxHistoryDays: Number(optional('OUTBOX_HISTORY_DAYS', '90', int(0, 3650))),
    sessionRetentionDays: Number(optional('SESSION_RETENTION_DAYS', '90', int(0, 3650))),
    outboxContentIntervalSeconds: Number(optional('OUTBOX_CONTENT_INTERVAL_SECONDS', '86400', int(0, 604800))),
    alerts: {
      sender: optional('SYSTEM_SENDER', production ? '' : 'notifications@contoso.test', (v) => (/^[^@\s]+@[^@\s]+$/.test(v) ? undefined : 'must be an email address')) || null,
      lmsAdmins: list(optional('LMS_ADMINS', production ? '' : 'megan@contoso.test', (v) => (list(v).every((a) => /^[^@\s]+@[^@\s]+$/.test(a)) ? undefined : 'must be a comma-separated list of email addresses'))).map((a) => a.toLowerCase()),
      reminderDays: Number(optional('ALERT_REMINDER_DAYS', '3', int(0, 365))),
      settingsPagePath: optional('SETTINGS_PAGE_PATH', '/SitePages/LmsM365Connection.aspx', (v) => (/^\/[^\s?#]*$/.test(v) ? undefined : 'must be a site-relative path starting with /')),
      probeIntervalSeconds: Number(optional('HEALTH_PROBE_INTERVAL_SECONDS', '3600', int(0, 86400))),
      probeConcurrency: Number(optional('HEALTH_PROBE_CONCURRENCY', '8', int(1, 64)))
    },
    sending: {
      worker: optional('SEND_WORKER', 'true', (v) => (v === 'true' || v === 'false' ? undefined : 'must be true or false')) === 'true',
      messagesPerMinute: Number(optional('SEND_MESSAGES_PER_MINUTE', '30', int(1, 10_000))),
      recipientsPerDay: Number(optional('SEND_RECIPIENTS_PER_DAY', '10000', int(1, 1_000_000))),
      recipientsPerMessage: Number(optional('SEND_RECIPIENTS_PER_MESSAGE', '500', int(1, 1000))),
      graphConcurrencyPerMailbox: Number(optional('SEND_GRAPH_CONCURRENCY', '4', int(1, 16))),
      smtpConnectionsPerMailbox: Number(optional('SEND_SMTP_CONNECTIONS', '3', int(1, 16))),
      maxAttempts: Number(optional('SEND_MAX_ATTEMPTS', '8', int(1, 100))),
      // Tests and benchmarks only: in production a scale would send past Exchange's limits.
      timeScale: Number(optional('SEND_TIME_SCALE', '1', (v) => int(1, 3600)(v) ?? (production && v !== '1' ? 'is for tests only: production paces at Exchange\'s real limits (1)' : undefined))),
      leaseSeconds: Number(optional('SEND_LEASE_SECONDS', '30', int(5, 600))),
      pollMilliseconds: Number(optional('SEND_POLL_MS', '1000', int(10, 60_000))),
      mailboxesPerInstance: Number(optional('SEND_MAILBOXES_PER_INSTANCE', '64', int(1, 1000))),
      lmsRateLimitPerMinute: Number(optional('LMS_RATE_LIMIT_PER_MINUTE', '6000', int(1, 10_000_000))),
      messageIdDomain: optional('MESSAGE_ID_DOMAIN', hostnameOf(publicUrl), (v) => (/^[a-z0-9.-]+$/i.test(v) ? undefined : 'must be a host name'))
    }
  };
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return config;
}
