/**
 * The preview host's LMS back end (server side): it holds the fixture's `lmsBackend` client secret,
 * gets the app-only token (client credentials, app role Notifications.Send) from the local tenant
 * and calls the connection API through the typed LMS client (api/client), as a real LMS back end
 * would. The browser's LMS panel only talks to the preview host: no secret and no token reaches it.
 * Bundled for Node by preview/server.mjs at start.
 */
import { request } from 'node:https';
import { randomUUID } from 'node:crypto';
import { appTokenSource, createLmsClient, type BatchItem, type Priority } from '../api/client';
import type { PanelItem, SessionRequest } from './lmsTypes';

export interface LmsBackendOptions {
  tenantOrigin: string;
  tenantId: string;
  apiBaseUrl: string;
  apiAppIdUri: string;
  clientId: string;
  clientSecret: string;
  /** The local tenant's CA (its certificate is not in Node's store). */
  ca?: string;
}

/** What the panel asks for. */
export interface QueueRequest {
  catalog: string;
  kind: 'one' | 'burst';
  to: string;
}

/** An answer for the browser: the API's status code and body (a problem+json body on refusal). */
export interface Answer {
  status: number;
  body: unknown;
}

export const BURST_SIZE = 20;

/** fetch over node:https with the local tenant's CA (global fetch would need NODE_EXTRA_CA_CERTS). */
function caFetch(ca: string | undefined): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const body = typeof init?.body === 'string' ? init.body : undefined;
    return new Promise<Response>((resolve, reject) => {
      const req = request(url, { method: init?.method ?? 'GET', headers: init?.headers as Record<string, string>, ca, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 502, headers: { 'content-type': String(res.headers['content-type'] ?? 'application/json') } })));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('the local tenant did not answer within 30 s')));
      req.on('error', reject);
      req.end(body);
    });
  }) as typeof fetch;
}

/** A burst as an LMS sends one: mixed priorities in no particular order (the engine sends urgent first). */
export function burstPriorities(size: number = BURST_SIZE): Priority[] {
  const cycle: Priority[] = ['bulk', 'normal', 'urgent', 'normal', 'bulk'];
  return Array.from({ length: size }, (_, i) => cycle[i % cycle.length]);
}

/** The day a panel session starts: tomorrow plus `day`, at 10:00 in Tokyo. */
export function sessionDay(day: number, now: Date = new Date()): string {
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1 + day));
  return date.toISOString().slice(0, 10);
}

export function lmsBackend(options: LmsBackendOptions): { queue(request: QueueRequest): Promise<Answer>; statuses(catalog: string, ids: string[]): Promise<Answer>; session(request: SessionRequest): Promise<Answer>; sessionStatus(catalog: string, sessionId: string): Promise<Answer> } {
  const client = createLmsClient({
    baseUrl: options.apiBaseUrl,
    token: appTokenSource({
      authorityHost: options.tenantOrigin,
      tenantId: options.tenantId,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      apiAppIdUri: options.apiAppIdUri,
      fetch: caFetch(options.ca)
    })
  });
  const catalogUrl = (path: string): string => `${options.tenantOrigin}${path}`;

  return {
    async queue(req: QueueRequest): Promise<Answer> {
      const at = new Date().toISOString().slice(11, 19);
      const content = (n: number, priority: Priority): Omit<BatchItem, 'key'> => ({
        to: [req.to],
        subject: req.kind === 'one' ? `LMS panel: a notification (${priority}, ${at})` : `LMS panel: burst ${n}/${BURST_SIZE} (${priority}, ${at})`,
        text: `Sent from the preview host's LMS panel at ${at} UTC through the catalog's connected account.`,
        html: `<p>Sent from the preview host's <strong>LMS panel</strong> at ${at} UTC through the catalog's connected account.</p>`,
        priority
      });
      const path = { catalog: catalogUrl(req.catalog) };
      if (req.kind === 'one') {
        const key = `preview-${randomUUID()}`;
        const body = content(1, 'normal');
        const { data, error, response } = await client.POST('/v1/catalogs/{catalog}/notifications', { params: { path, header: { 'idempotency-key': key } }, body });
        if (!data) {
          return { status: response.status, body: error };
        }
        const item: PanelItem = { key, subject: body.subject, priority: 'normal', id: data.id, status: data.status };
        return { status: 202, body: { items: [item] } };
      }
      const items: BatchItem[] = burstPriorities().map((priority, i) => ({ key: `preview-${randomUUID()}`, ...content(i + 1, priority) }));
      const { data, error, response } = await client.POST('/v1/catalogs/{catalog}/notifications/batch', { params: { path }, body: { items } });
      if (!data) {
        return { status: response.status, body: error };
      }
      const shown: PanelItem[] = data.items.map((outcome, i) => ({
        key: outcome.key,
        subject: items[i].subject,
        priority: items[i].priority ?? 'normal',
        ...('error' in outcome ? { error: outcome.error.code } : { id: outcome.id, status: outcome.status })
      }));
      return { status: 202, body: { items: shown } };
    },

    async session(req: SessionRequest): Promise<Answer> {
      const path = { catalog: catalogUrl(req.catalog), sessionId: req.sessionId };
      if (req.action === 'cancel') {
        const { data, error, response } = await client.POST('/v1/catalogs/{catalog}/sessions/{sessionId}/cancel', { params: { path }, body: { revision: req.revision, message: 'Cancelled from the preview host\'s LMS panel.' } });
        return data ? { status: 202, body: data } : { status: response.status, body: error };
      }
      const day = sessionDay(req.day);
      const { data, error, response } = await client.PUT('/v1/catalogs/{catalog}/sessions/{sessionId}', {
        params: { path },
        body: {
          revision: req.revision,
          title: 'LMS panel: classroom session',
          html: `<p>A session put from the preview host's <strong>LMS panel</strong> (revision ${req.revision}).</p>`,
          start: { dateTime: `${day}T10:00:00`, timeZone: 'Asia/Tokyo' },
          end: { dateTime: `${day}T11:00:00`, timeZone: 'Asia/Tokyo' },
          attendees: [{ email: req.to, role: 'required' }],
          room: req.room,
          teams: req.teams
        }
      });
      return data ? { status: 202, body: data } : { status: response.status, body: error };
    },

    async sessionStatus(catalog: string, sessionId: string): Promise<Answer> {
      const { data, error, response } = await client.GET('/v1/catalogs/{catalog}/sessions/{sessionId}', { params: { path: { catalog: catalogUrl(catalog), sessionId } } });
      return data ? { status: 200, body: data } : { status: response.status, body: error };
    },

    async statuses(catalog: string, ids: string[]): Promise<Answer> {
      const path = catalogUrl(catalog);
      const answers = await Promise.all(ids.map(async (id) => {
        const { data, error } = await client.GET('/v1/catalogs/{catalog}/notifications/{id}', { params: { path: { catalog: path, id } } });
        return data ? { id, status: data.status, code: data.code, sentAt: data.sentAt } : { id, error: error?.code ?? 'SERVICE_UNAVAILABLE' };
      }));
      return { status: 200, body: { items: answers } };
    }
  };
}
