import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { loadConfig, ApiConfig } from '../../src/config/config';
import { startApi, RunningApi } from '../../src/server';
import { TABLES } from '../../src/storage/tables';
import { startAzurite, RunningAzurite } from './azurite';
import { LogCapture } from './inProcessApi';
import { LocalTenant, startLocalTenant } from './localTenant';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** The page origin the tests open sign-ins from (as the preview host would). */
export const OPENER_ORIGIN = 'http://localhost:4300';

/** The real API over loopback with the local tenant and Azurite, all on free ports. */
export interface Stack {
  api: RunningApi;
  tenant: LocalTenant;
  azurite: RunningAzurite;
  config: ApiConfig;
  logs: LogCapture;
  /** Every response body the tests received, for the canary hunt. */
  responses: string[];
  catalogUrl(site: string): string;
  token(user: string, scopes?: string[]): Promise<string>;
  /**
   * A request to the API as the test's one browser makes it: the cookies the API set come back
   * (a `cookie` header given replaces them; `anotherBrowser` sends none and keeps none).
   */
  call(method: string, pathAndQuery: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; anotherBrowser?: boolean }): Promise<{ status: number; body: any; headers: Headers }>;
  /** The browser's cookies for the API, as a `cookie` header ('' when none). */
  cookieHeader(): string;
  /**
   * Opens a sign-in's authorize URL as the page's window does, through the API's start page (which
   * binds the sign-in to this browser with a cookie): the URL it forwards to (the same authorize URL).
   */
  open(authorizeUrl: string): Promise<string>;
  /**
   * Every row of the API's tables, to assert that a refused request stored nothing. Without the
   * Classic attempt counters (`limits`), which every attempt writes by design, unless `limits`.
   */
  tableDump(options?: { limits?: boolean }): Promise<string>;
  /** Empties every table of the API, so a test starts with no catalog stored (call with the tenant's reset). */
  resetStorage(): Promise<void>;
  close(): Promise<void>;
}

/** The API's configuration against a local tenant and an Azurite, with a throwaway key file. */
export function localConfig(tenant: LocalTenant, storageConnectionString: string, overrides: Record<string, string> = {}): ApiConfig {
  const keyDir = mkdtempSync(path.join(os.tmpdir(), 'lms-stack-'));
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    AUTHORITY_HOST: tenant.origin,
    GRAPH_URL: `${tenant.origin}/v1.0`,
    SHAREPOINT_ORIGIN: tenant.origin,
    SMTP_HOST: tenant.smtp.host,
    SMTP_PORT: String(tenant.smtp.port),
    STORAGE_CONNECTION_STRING: storageConnectionString,
    LOCAL_KEK_FILE: path.join(keyDir, 'kek.json'),
    KEEPALIVE_INTERVAL_SECONDS: '0',
    ...overrides
  }, repoRoot);
}

export const FIXTURE_PATH = path.join(repoRoot, 'local-tenant', 'fixtures', 'tenant.json');

export interface StackOptions {
  fixturePath?: string;
  tenantTimeScale?: number;
}

export async function startStack(overrides: Record<string, string> = {}, options: StackOptions = {}): Promise<Stack> {
  const azurite = await startAzurite();
  let tenant: LocalTenant | undefined;
  try {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0, fixturePath: options.fixturePath ?? FIXTURE_PATH, timeScale: options.tenantTimeScale, certDir: path.join(repoRoot, '.local', 'certs') });
    const config = localConfig(tenant, azurite.connectionString, {
      ALLOWED_ORIGINS: OPENER_ORIGIN,
      // R-SEC-2: the fixture's catalog sites have no settings list until a test provisions one; the LMS registered them.
      REGISTERED_CATALOGS: ['catalog-a', 'catalog-b', 'catalog-c', 'catalog-q'].map((site) => `${tenant?.origin}/sites/${site}`).join(','),
      RATE_LIMIT_PER_MINUTE: '100000',
      // The suites connect and send tests far more often than an admin would; the attack suite sets its own limits.
      CLASSIC_ATTEMPTS_PER_CALLER: '10000',
      CLASSIC_ATTEMPTS_PER_ACCOUNT: '10000',
      TEST_EMAILS_PER_DAY: '10000',
      // The lowest level: whatever any level would log is searched for secrets.
      LOG_LEVEL: 'trace',
      ...overrides
    });
    const logs = new LogCapture();
    const api = await startApi(config, { logDestination: logs });
    const responses: string[] = [];
    /** The test's browser's cookies for the API's origin (the sign-in's start page sets them). */
    const cookies = new Map<string, string>();
    const t = tenant;
    const stack: Stack = {
      api,
      tenant: t,
      azurite,
      config,
      logs,
      responses,
      catalogUrl: (site) => `${t.origin}/sites/${site}`,
      token: async (user, scopes = ['user_impersonation']) => {
        const res = await fetch(`${t.origin}/_admin/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, resource: 'api://lms-m365-connection', scopes }) });
        const body = (await res.json()) as { access_token?: string };
        if (!body.access_token) {
          throw new Error(`dev-token for ${user} failed: ${res.status}`);
        }
        return body.access_token;
      },
      cookieHeader: () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      open: async (authorizeUrl) => {
        // Two hops, as a browser follows them: the binding (a cookie, then back to itself with a
        // check value), then the check that the cookie came back (on to Microsoft).
        let res = await stack.call('GET', `/v1/auth/start?authorize=${encodeURIComponent(authorizeUrl)}`);
        for (let hop = 0; res.status === 302 && (res.headers.get('location') ?? '').startsWith('start?') && hop < 2; hop++) {
          res = await stack.call('GET', `/v1/auth/${res.headers.get('location') as string}`);
        }
        if (res.status !== 302) {
          throw new Error(`the sign-in's start page answered ${res.status}: ${String(res.body).slice(0, 300)}`);
        }
        return res.headers.get('location') as string;
      },
      call: async (method, pathAndQuery, options = {}) => {
        const jar = options.anotherBrowser ? undefined : cookies;
        const headers: Record<string, string> = { ...(jar && jar.size > 0 ? { cookie: stack.cookieHeader() } : {}), ...(options.headers ?? {}) };
        if (options.token) {
          headers.authorization = `Bearer ${options.token}`;
        }
        if (options.body !== undefined) {
          headers['content-type'] = 'application/json';
        }
        const res = await fetch(`${api.url}${pathAndQuery}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), redirect: 'manual' });
        const text = await res.text();
        responses.push(text, JSON.stringify([...res.headers]));
        for (const line of jar ? res.headers.getSetCookie() : []) {
          const [pair, ...attributes] = line.split(';');
          const at = pair.indexOf('=');
          if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) {
            jar?.delete(pair.slice(0, at).trim());
          } else {
            jar?.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
          }
        }
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
        return { status: res.status, body, headers: res.headers };
      },
      tableDump: async (options = {}) => {
        const rows: unknown[] = [];
        for (const name of Object.values(TABLES).filter((n) => options.limits || n !== TABLES.limits)) {
          const client = TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
          for await (const entity of client.listEntities()) {
            rows.push(entity);
          }
        }
        return JSON.stringify(rows);
      },
      resetStorage: async () => {
        for (const name of Object.values(TABLES)) {
          const client = TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
          for await (const entity of client.listEntities()) {
            await client.deleteEntity(entity.partitionKey as string, entity.rowKey as string);
          }
        }
      },
      close: async () => {
        await api.close();
        await t.close();
        await azurite.stop();
      }
    };
    return stack;
  } catch (error) {
    await tenant?.close();
    await azurite.stop();
    throw error;
  }
}

/** The display name the web part gives the settings list (src/.../services/SettingsStore.ts LIST_TITLE). */
/**
 * The stack of a describe block: started before its tests, closed after them. Before each test
 * the local tenant is back at its fixture (`reset: 'tenant'`, the default), the API's tables are
 * emptied too (`'tenant+storage'`), or nothing is reset (`'none'`: the tests build on each other).
 * What it returns is the running stack, for the tests and for hooks registered after this call.
 */
export function useStack(overrides: Record<string, string> = {}, options: StackOptions & { reset?: 'none' | 'tenant' | 'tenant+storage' } = {}): Stack {
  const { reset = 'tenant', ...startOptions } = options;
  let current: Stack | undefined;
  beforeAll(async () => {
    current = await startStack(overrides, startOptions);
  });
  afterAll(async () => {
    await current?.close();
  });
  if (reset !== 'none') {
    beforeEach(async () => {
      current?.tenant.reset();
      if (reset === 'tenant+storage') {
        await current?.resetStorage();
      }
    });
  }
  return new Proxy({} as Stack, {
    get: (_target, name) => {
      if (!current) {
        throw new Error('the stack starts in beforeAll: use it in a test or in a hook registered after useStack');
      }
      const value: unknown = Reflect.get(current, name);
      return typeof value === 'function' ? value.bind(current) : value;
    }
  });
}

export const SETTINGS_LIST_TITLE = 'LMS Microsoft 365 connection';

/** Follows the local tenant's sign-in pages as a browser would: sign in, then consent if asked. */
export interface SignInOptions {
  user: string;
  password?: string;
  consent?: 'accept' | 'cancel';
  consentForOrg?: boolean;
  /** Signed in as another account than the admin's: the answer on the callback page's confirmation (connect by default). */
  confirm?: 'connect' | 'cancel';
}

export interface SignInResult {
  /** The API callback URL the identity provider redirected to. */
  callbackUrl: string;
  /** Whether a consent page was shown on the way. */
  consentShown: boolean;
}

function formOf(html: string): { action: string; interaction: string } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const interaction = /name="interaction" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !interaction) {
    throw new Error(`no sign-in form in: ${html.slice(0, 300)}`);
  }
  return { action: action.replace(/&amp;/g, '&'), interaction };
}

export async function signIn(tenantOrigin: string, authorizeUrl: string, options: SignInOptions): Promise<SignInResult> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  const login = formOf(await page.text());
  const loginRes = await fetch(new URL(login.action, tenantOrigin), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ interaction: login.interaction, username: options.user, password: options.password ?? 'dev-password' }).toString()
  });
  if (loginRes.status === 302) {
    return { callbackUrl: loginRes.headers.get('location') ?? '', consentShown: false };
  }
  const html = await loginRes.text();
  if (!html.includes('name="decision"')) {
    throw new Error(`expected a consent page after sign-in (${loginRes.status}): ${html.slice(0, 400)}`);
  }
  const consent = formOf(html);
  const fields: Record<string, string> = { interaction: consent.interaction, decision: options.consent ?? 'accept' };
  if (options.consentForOrg) {
    fields.consentForOrg = 'on';
  }
  const consentRes = await fetch(new URL(consent.action, tenantOrigin), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString()
  });
  if (consentRes.status !== 302) {
    throw new Error(`consent did not redirect (${consentRes.status}): ${(await consentRes.text()).slice(0, 300)}`);
  }
  return { callbackUrl: consentRes.headers.get('location') ?? '', consentShown: true };
}

/** The message the callback page posts to its opener (or hands Teams), and the origin it posts to. */
export function postedMessage(html: string): { message: { type: string; catalog: string | null; ok: boolean; code?: string; completion?: string }; origin: string | null } {
  const data = /var data = (\{.*\});/.exec(html)?.[1];
  if (!data) {
    throw new Error(`no message in callback page: ${html.slice(0, 300)}`);
  }
  const { message, origin } = JSON.parse(data);
  return { message, origin };
}

/**
 * Creates the catalog's settings list with the package's columns (sharepoint/assets/schema.xml)
 * through SharePoint REST as a site owner, as the web part does when the list is missing.
 */
/** A SharePoint token for a site owner, as the web part's PnPjs calls carry (from the local tenant's dev-token endpoint). */
export async function siteToken(stack: Stack, owner: string): Promise<string> {
  const res = await fetch(`${stack.tenant.origin}/_admin/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: owner, resource: stack.tenant.origin, scopes: ['AllSites.Manage'] }) });
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function provisionSettingsList(stack: Stack, site: string, owner: string): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const token = await siteToken(stack, owner);
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json;odata=nometadata', 'content-type': 'application/json;odata=nometadata' };
  const created = await fetch(`${site}/_api/web/lists`, { method: 'POST', headers, body: JSON.stringify({ Title: 'LmsM365Connection', BaseTemplate: 100, Hidden: true, EnableVersioning: true }) });
  if (created.status !== 201) {
    throw new Error(`creating the settings list answered ${created.status}: ${await created.text()}`);
  }
  const schema = readFileSync(path.join(repoRoot, 'sharepoint', 'assets', 'schema.xml'), 'utf8');
  for (const field of schema.match(/<Field [^>]*\/>|<Field [^>]*>[\s\S]*?<\/Field>/g) ?? []) {
    const added = await fetch(`${site}/_api/web/lists/getbytitle('LmsM365Connection')/fields/createfieldasxml`, { method: 'POST', headers, body: JSON.stringify({ parameters: { SchemaXml: field } }) });
    if (added.status >= 300) {
      throw new Error(`adding a column answered ${added.status}: ${await added.text()}`);
    }
  }  // As the web part does: the URL name is fixed, the display name is a title (so Graph finds it only by id or that title).
  const renamed = await fetch(`${site}/_api/web/lists/getbytitle('LmsM365Connection')`, { method: 'POST', headers: { ...headers, 'x-http-method': 'MERGE', 'if-match': '*' }, body: JSON.stringify({ Title: SETTINGS_LIST_TITLE }) });
  if (renamed.status >= 300) {
    throw new Error(`renaming the settings list answered ${renamed.status}: ${await renamed.text()}`);
  }
}

/** The settings list's items, read through SharePoint REST as a site owner. */
export async function settingsListItems(stack: Stack, site: string, owner: string): Promise<Record<string, unknown>[]> {
  const token = await siteToken(stack, owner);
  const items = await fetch(`${site}/_api/web/lists/getbytitle('${encodeURIComponent(SETTINGS_LIST_TITLE)}')/items`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json;odata=nometadata' } });
  return ((await items.json()) as { value: Record<string, unknown>[] }).value;
}

/** The callback page's confirmation form (another account than the admin's signed in): its one-time token. */
export function confirmFormOf(html: string): { token: string } | undefined {
  if (!/<form method="post" action="confirm">/.test(html)) {
    return undefined;
  }
  const token = /name="token" value="([^"]+)"/.exec(html)?.[1];
  if (!token) {
    throw new Error(`a confirmation form without its token: ${html.slice(0, 300)}`);
  }
  return { token };
}

/** Answers the confirmation as its form does (a form post to /v1/auth/confirm); the page it answers with. */
export async function answerConfirmation(stack: Stack, token: string, decision: string, cookie = stack.cookieHeader()): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(`${stack.api.url}/v1/auth/confirm`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: new URLSearchParams({ token, decision }).toString() });
  const body = await res.text();
  stack.responses.push(body, JSON.stringify([...res.headers]));
  return { status: res.status, body, headers: res.headers };
}

/** A nonce as the page makes one when it starts a sign-in (kept by the page, shown again to complete it). */
export function pageNonce(): string {
  return randomBytes(32).toString('base64url');
}

export interface ModernConnect {
  /** The callback page's message (with the completion code on success). */
  posted: ReturnType<typeof postedMessage>;
  consentShown: boolean;
  /** The callback page asked the account's owner to confirm (another account than the admin's signed in). */
  confirmShown: boolean;
  authorizeUrl: string;
  nonce: string;
  /** The page's completion call (absent when the callback failed): the view, or a problem. */
  completed?: { status: number; body: any };
}

/**
 * The whole Modern connect as the page does it (R-SEC-1): start with a nonce, sign in as `options.user`
 * (following a second leg), land on the callback, then complete with the admin's token and the nonce.
 */
export async function connectModernAs(stack: Stack, admin: string, catalog: string, options: SignInOptions, body: Record<string, unknown> = {}): Promise<ModernConnect> {
  const nonce = pageNonce();
  const path = `/v1/catalogs/${encodeURIComponent(catalog)}/connection`;
  const started = await stack.call('POST', `${path}/modern`, { token: await stack.token(admin), body: { orgConsent: false, origin: OPENER_ORIGIN, nonce, ...body } });
  if (started.status !== 200) {
    throw new Error(`modern start answered ${started.status}: ${JSON.stringify(started.body)}`);
  }
  const signedIn = await signIn(stack.tenant.origin, await stack.open(started.body.authorizeUrl), options);
  let url = new URL(signedIn.callbackUrl);
  let page = await stack.call('GET', `${url.pathname}${url.search}`);
  for (let legs = 1; page.status === 302 && legs < 3; legs++) {
    url = new URL((await signIn(stack.tenant.origin, page.headers.get('location') as string, options)).callbackUrl);
    page = await stack.call('GET', `${url.pathname}${url.search}`);
  }
  const confirmation = confirmFormOf(String(page.body));
  if (confirmation) {
    page = await answerConfirmation(stack, confirmation.token, options.confirm ?? 'connect');
  }
  const posted = postedMessage(String(page.body));
  const result: ModernConnect = { posted, consentShown: signedIn.consentShown, confirmShown: confirmation !== undefined, authorizeUrl: String(started.body.authorizeUrl), nonce };
  if (posted.message.ok && posted.message.completion) {
    result.completed = await stack.call('POST', `${path}/modern/complete`, { token: await stack.token(admin), body: { completion: posted.message.completion, nonce } });
  }
  return result;
}
