/**
 * The LMS back end's typed client of the connection API, generated from its /openapi.json
 * (schema.ts, by openapi-typescript) and run by openapi-fetch. The preview's LMS panel, bench:send,
 * the tests and docs/lms-integration.md all use this one client.
 *
 *   const lms = createLmsClient({ baseUrl: 'http://localhost:4700', token: appTokenSource({ ... }) });
 *   const { data, error } = await lms.POST('/v1/catalogs/{catalog}/notifications', {
 *     params: { path: { catalog: 'https://contoso.sharepoint.com/sites/catalog-a' }, header: { 'idempotency-key': 'enrolment-4711' } },
 *     body: { to: ['learner1@contoso.test'], subject: 'Welcome', text: 'Your course starts Monday.' }
 *   });
 *
 * Path parameters are percent-encoded by openapi-fetch: pass the catalog's site URL as it is.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths };
export type LmsClient = Client<paths>;
export type Problem = components['schemas']['Problem'];
export type NotificationStatus = components['schemas']['NotificationStatus'];
export type Notification = paths['/v1/catalogs/{catalog}/notifications']['post']['requestBody']['content']['application/json'];
export type BatchItem = paths['/v1/catalogs/{catalog}/notifications/batch']['post']['requestBody']['content']['application/json']['items'][number];
export type BatchOutcome = paths['/v1/catalogs/{catalog}/notifications/batch']['post']['responses'][202]['content']['application/json']['items'][number];
export type Priority = NonNullable<Notification['priority']>;
export type Status = NotificationStatus['status'];
export type SessionStatus = components['schemas']['SessionStatus'];
export type SessionPut = paths['/v1/catalogs/{catalog}/sessions/{sessionId}']['put']['requestBody']['content']['application/json'];
export type Room = components['schemas']['Rooms']['items'][number];

export interface LmsClientOptions {
  /** The connection API's base URL, e.g. http://localhost:4700. */
  baseUrl: string;
  /** The LMS back end's app-only access token (app role Notifications.Send), asked for before each request. */
  token: () => string | Promise<string>;
  /** Another fetch (tests, proxies). */
  fetch?: typeof fetch;
}

export function createLmsClient(options: LmsClientOptions): LmsClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, ''), fetch: options.fetch });
  client.use({
    onRequest: async ({ request }) => {
      request.headers.set('authorization', `Bearer ${await options.token()}`);
      return request;
    }
  });
  return client;
}

export interface AppTokenOptions {
  /** The authority host: https://login.microsoftonline.com (the local tenant: https://localhost:4800). */
  authorityHost: string;
  tenantId: string;
  /** The LMS back end's app registration. */
  clientId: string;
  clientSecret: string;
  /** The connection API's app id URI; the token asks for `${apiAppIdUri}/.default`. */
  apiAppIdUri: string;
  fetch?: typeof fetch;
}

/**
 * Client credentials (OAuth 2.0, Microsoft identity platform v2 token endpoint): a token source
 * that asks once and again five minutes before the token expires. The secret stays in the process
 * that calls this (the LMS back end's server), never in a browser.
 */
export function appTokenSource(options: AppTokenOptions): () => Promise<string> {
  const doFetch = options.fetch ?? fetch;
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const ask = async (): Promise<string> => {
    const response = await doFetch(`${options.authorityHost.replace(/\/+$/, '')}/${options.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: options.clientId, client_secret: options.clientSecret, scope: `${options.apiAppIdUri}/.default` }).toString()
    });
    const body = (await response.json()) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!response.ok || !body.access_token) {
      // Entra's error and its AADSTS description; never the secret.
      throw new Error(`client credentials refused (${response.status}): ${body.error ?? 'no token'} ${(body.error_description ?? '').split('\n')[0]}`.trim());
    }
    cached = { token: body.access_token, renewAt: Date.now() + Math.max(60, (body.expires_in ?? 3600) - 300) * 1000 };
    return body.access_token;
  };
  return async () => {
    if (cached && cached.renewAt > Date.now()) {
      return cached.token;
    }
    pending ??= ask().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
