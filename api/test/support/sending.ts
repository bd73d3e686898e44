import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectModernAs, FIXTURE_PATH, Stack } from './stack';

/** The fixture's LMS back end (client credentials, app role Notifications.Send). */
/**
 * The year the tests' sessions are put in: the next one, so they stay ahead of the clock whenever
 * the suites run (a session that has ended is not sent). The fixture's rooms take bookings 1,080 days ahead.
 */
export const NEXT_YEAR = new Date().getUTCFullYear() + 1;

export const LMS_BACKEND = { clientId: '7e2d4c6a-1b3f-4a5e-8c7d-9f0a1b2c3d4e', secret: 'local-dev-backend-secret' };
/** The connection API's own registration: an app token for it carries no Notifications.Send role. */
export const API_APP = { clientId: '3f9a6b1c-2d4e-4f70-8a15-6c2b7e9d0a41', secret: 'local-dev-api-secret' };

export const catalogPath = (catalog: string, suffix = ''): string => `/v1/catalogs/${encodeURIComponent(catalog)}${suffix}`;

/** A copy of the fixture with a third catalog site (catalog-c, administered by Lynne) and catalog-q (Nestor). */
export function threeCatalogFixture(): string {
  const fixture = JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as { sites: Array<Record<string, unknown>> };
  fixture.sites.push({ id: '9d8e7f60-0003-4000-8000-00000000c003', webId: '9d8e7f60-0003-4000-8000-00000000c103', path: '/sites/catalog-c', title: 'Catalog C', owners: ['lynne@contoso.test'], members: [], appPermissions: [{ id: 'site-grant-api-c', client: 'connectionApi', roles: ['fullcontrol'] }] });
  // A catalog of its own for tests that leave its mailbox paused (the pacing budget outlives a test).
  fixture.sites.push({ id: '9d8e7f60-0004-4000-8000-00000000c004', webId: '9d8e7f60-0004-4000-8000-00000000c104', path: '/sites/catalog-q', title: 'Catalog Q', owners: ['nestor@contoso.test'], members: [], appPermissions: [{ id: 'site-grant-api-q', client: 'connectionApi', roles: ['fullcontrol'] }] });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'lms-fixture-')), 'tenant.json');
  writeFileSync(file, JSON.stringify(fixture));
  return file;
}

/** An app-only token from the local tenant's token endpoint (client credentials), as the LMS back end gets it. */
export async function appToken(stack: Stack, app: { clientId: string; secret: string } = LMS_BACKEND): Promise<string> {
  const res = await fetch(`${stack.tenant.origin}/${stack.tenant.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret, scope: 'api://lms-m365-connection/.default' }).toString()
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) {
    throw new Error(`client credentials failed: ${res.status} ${JSON.stringify(body)}`);
  }
  return body.access_token;
}

export async function connectClassic(stack: Stack, admin: string, catalog: string, email = admin, password = 'dev-password'): Promise<void> {
  const res = await stack.call('POST', catalogPath(catalog, '/connection/classic'), { token: await stack.token(admin), body: { email, password } });
  if (res.status !== 200) {
    throw new Error(`classic connect answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
}

/**
 * A Modern connection: start, sign in and consent as `user` (a second leg for the SMTP transport),
 * land on the callback, complete as the page does. A tenant admin connecting with organisation-wide
 * consent also grants Place.Read.All (rooms).
 */
export async function connectModern(stack: Stack, admin: string, catalog: string, user = admin, options: { orgConsent?: boolean; transport?: 'graph' | 'smtp-oauth' } = {}): Promise<void> {
  const body = { orgConsent: options.orgConsent ?? false, ...(options.transport ? { transport: options.transport } : {}) };
  const result = await connectModernAs(stack, admin, catalog, { user, consentForOrg: options.orgConsent }, body);
  if (!result.posted.message.ok || result.completed?.status !== 200) {
    throw new Error(`modern connect failed: ${result.posted.message.code ?? JSON.stringify(result.completed?.body)}`);
  }
}

/**
 * Turns the master switch on or off as the catalog admin would (If-Match from a fresh read). The
 * engine may write the record meanwhile (the first drain after a connect records the tokens' use):
 * that is no conflict, the ETag names the settings only.
 */
export async function setEnabled(stack: Stack, admin: string, catalog: string, enabled: boolean): Promise<void> {
  const token = await stack.token(admin);
  const view = await stack.call('GET', catalogPath(catalog, '/connection'), { token });
  const res = await stack.call('PATCH', catalogPath(catalog, '/connection'), { token, body: { enabled }, headers: { 'if-match': view.headers.get('etag') ?? '' } });
  if (res.status !== 200) {
    throw new Error(`switch answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
}

export interface MailboxMessage {
  internetMessageId: string;
  from: { address: string };
  to: { address: string }[];
  cc: { address: string }[];
  subject: string;
  body: { contentType: string; content: string };
  receivedDateTime: string;
  via: string;
  /** The text/calendar part of an invitation, update, cancellation or a room's reply. */
  calendar: { method: string; ics: string } | null;
}

/** What a mailbox's Inbox holds, as the local tenant's admin endpoint lists it. */
export async function inbox(stack: Stack, upn: string): Promise<MailboxMessage[]> {
  const res = await fetch(`${stack.tenant.origin}/_admin/mailboxes/${encodeURIComponent(upn)}/messages?folder=inbox`);
  return ((await res.json()) as { value: MailboxMessage[] }).value;
}

/** A mailbox's submission counters as the local tenant keeps them (the fields the tests read). */
export interface MailboxCounters {
  submissions: number;
  delayed: number;
  rejected: number;
  undeliverable: number;
  duplicates: number;
  duplicatesByMessageId: Record<string, number>;
}

export async function mailboxCounters(stack: Stack, upn: string): Promise<MailboxCounters> {
  const res = await fetch(`${stack.tenant.origin}/_admin/mailboxes/${encodeURIComponent(upn)}/counters`);
  return (await res.json()) as MailboxCounters;
}

export async function fault(stack: Stack, name: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${stack.tenant.origin}/_admin/faults/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) {
    throw new Error(`fault ${name} answered ${res.status}: ${await res.text()}`);
  }
}

/** Polls until `check` answers a value (not undefined), or fails with what it last saw. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The stack's API configuration as environment variables: another instance (in-process or a child process) on the same storage and tenant. */
export function apiEnv(stack: Stack, extra: Record<string, string> = {}): Record<string, string> {
  const c = stack.config;
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    AUTHORITY_HOST: c.authorityHost,
    GRAPH_URL: c.graphUrl,
    SHAREPOINT_ORIGIN: c.sharePointOrigin,
    SMTP_HOST: c.smtp.host,
    SMTP_PORT: String(c.smtp.port),
    STORAGE_CONNECTION_STRING: c.storage.connectionString,
    LOCAL_KEK_FILE: c.kek.kind === 'local' ? c.kek.file : '',
    KEEPALIVE_INTERVAL_SECONDS: '0',
    ALLOWED_ORIGINS: c.allowedOrigins.join(','),
    RATE_LIMIT_PER_MINUTE: '100000',
    CLASSIC_ATTEMPTS_PER_CALLER: '10000',
    CLASSIC_ATTEMPTS_PER_ACCOUNT: '10000',
    TEST_EMAILS_PER_DAY: '10000',
    SEND_TIME_SCALE: String(c.sending.timeScale),
    SEND_POLL_MS: '50',
    SEND_LEASE_SECONDS: '5',
    ...extra
  };
}
