import { createHash, randomBytes } from 'node:crypto';
import type { LocalTenant } from '../../src/index';
import type { MailboxCounters } from '../../src/mailbox/outbound';
import type { StoredMessage } from '../../src/mailbox/store';
import { signIn } from './sign-in';

export const REDIRECT = 'http://localhost:4700/v1/auth/callback';

async function tokenRequest(tenant: LocalTenant, form: Record<string, string>): Promise<Record<string, unknown> & { status: number }> {
  const res = await fetch(`${tenant.origin}/${tenant.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString()
  });
  return { ...((await res.json()) as Record<string, unknown>), status: res.status };
}

export { tokenRequest };

/** Signs `upn` in to the connection API (consenting if asked) and redeems the code: the raw token response. */
export async function connectionApiTokens(tenant: LocalTenant, upn: string, scopes: string[], opts: { consentForOrg?: boolean } = {}): Promise<Record<string, unknown> & { status: number }> {
  const api = tenant.fixture.apps.connectionApi;
  const verifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const scope = [...scopes, 'openid', 'profile', 'offline_access'].join(' ');
  const url = `${tenant.origin}/${tenant.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: api.appId, response_type: 'code', redirect_uri: REDIRECT, scope, state: 's', code_challenge: challenge, code_challenge_method: 'S256' })}`;
  const flow = await signIn(url, { upn, consentForOrg: opts.consentForOrg });
  const code = flow.redirect?.searchParams.get('code');
  if (!code) throw new Error(`sign-in of ${upn} did not return a code: ${flow.redirect?.toString() ?? flow.page?.slice(0, 300)}`);
  return tokenRequest(tenant, { grant_type: 'authorization_code', client_id: api.appId, client_secret: api.clientSecret as string, code, redirect_uri: REDIRECT, code_verifier: verifier, scope });
}

/**
 * Entra reserves delegated Place.Read.All for admin consent: a tenant admin (Megan) grants it for
 * the organisation through the real consent page, as a product's admin path would.
 */
export async function grantRoomsForOrganisation(tenant: LocalTenant): Promise<void> {
  const res = await connectionApiTokens(tenant, 'megan@contoso.test', ['https://graph.microsoft.com/Place.Read.All'], { consentForOrg: true });
  if (res.status !== 200) throw new Error(`organisation-wide consent to Place.Read.All failed: ${JSON.stringify(res)}`);
}

/** A delegated Graph access token for `upn`, obtained through the real sign-in and consent pages (user-consentable scopes by default). */
export async function graphToken(tenant: LocalTenant, upn: string, scopes = ['Mail.Send', 'User.Read', 'Calendars.ReadWrite', 'MailboxSettings.Read', 'OnlineMeetings.ReadWrite']): Promise<string> {
  const res = await connectionApiTokens(tenant, upn, scopes.map((s) => `https://graph.microsoft.com/${s}`));
  return res.access_token as string;
}

/** An app-only token for the given confidential client and resource (client credentials). */
export async function appToken(tenant: LocalTenant, clientKey: 'connectionApi' | 'lmsBackend' | 'conformanceProbe', resource: string): Promise<string> {
  const app = tenant.fixture.apps[clientKey];
  const res = await tokenRequest(tenant, { grant_type: 'client_credentials', client_id: app.appId, client_secret: app.clientSecret as string, scope: `${resource}/.default` });
  return res.access_token as string;
}

export async function devToken(tenant: LocalTenant, user: string, resource: string, scopes?: string[]): Promise<string> {
  const res = await fetch(`${tenant.origin}/_admin/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, resource, scopes }) });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`dev-token refused: ${JSON.stringify(body)}`);
  return body.access_token;
}

export async function fault(tenant: LocalTenant, name: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${tenant.origin}/_admin/faults/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`fault ${name} refused: ${await res.text()}`);
}

export async function messages(tenant: LocalTenant, upn: string, folder?: 'inbox' | 'sentitems'): Promise<StoredMessage[]> {
  const res = await fetch(`${tenant.origin}/_admin/mailboxes/${encodeURIComponent(upn)}/messages${folder ? `?folder=${folder}` : ''}`);
  return ((await res.json()) as { value: StoredMessage[] }).value;
}

/** A mailbox's sending counters (GET /_admin/mailboxes/{upn}/counters). */
export async function mailboxCounters(tenant: LocalTenant, upn: string): Promise<MailboxCounters> {
  return (await (await fetch(`${tenant.origin}/_admin/mailboxes/${upn}/counters`)).json()) as MailboxCounters;
}
