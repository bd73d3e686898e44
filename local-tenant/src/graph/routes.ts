import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { graphError } from '../http/server';
import { SigningKey } from '../identity/jwt';
import { mailAddress, type Account, type App, type TenantState } from '../state/tenant-state';
import { allows, Caller, callerFrom } from './caller';
import { availabilityView, cancelEvent, createEvent, eventInputProblem, EventInput, eventTimeMs, updateEvent } from './calendar';
import type { CalendarEvent, DateTimeTimeZone, Recipient } from '../mailbox/store';
import { rejectForQuota, type Submission } from '../mailbox/delivery';
import { registerGraphSites } from './sites';
import { registerGraphConsent } from './consent';
import { compileFilter, FilterResult } from './filter';
import { DeniedAs, permissionFor } from './permissionTable';
import { ianaZone, utcMsToZoned } from './timezones';

/** Every METHOD route served under /v1.0 (the permission table's test reads it). */
export const registeredGraphRoutes = new Set<string>();

/**
 * Graph's limit on a request body: 4 MB, refused with 413 (http/server.ts answers it in Graph's
 * envelope). The rest of the tenant takes the server's larger limit.
 */
export const GRAPH_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * getSchedule's documented limits (Get free/busy schedule, "Limits and error conditions"): "up to
 * 20 entities at once" and a time period "less than 62 days".
 */
export const GET_SCHEDULE_MAX_SCHEDULES = 20;
export const GET_SCHEDULE_MAX_DAYS = 62;
/** Directory collections (oauth2PermissionGrants): 100 a page unless $top asks for 1 to 999 (Paging Microsoft Graph data). */
const DIRECTORY_PAGE = { default: 100, max: 999 };
/** List places: "By default, this operation returns 100 places per page"; `$top` sets the page size. */
const PLACES_PAGE = 100;

type Params = Record<string, string>;
const GRAPH = (state: TenantState): string => `${state.origin}/v1.0`;

/** The opaque $skiptoken of a directory page: where the next page starts. */
const skipToken = (offset: number): string => Buffer.from(`lt-page:${offset}`, 'utf8').toString('base64url');
const skipOffset = (token: string): number | null => {
  const m = /^lt-page:(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : null;
};

declare module 'fastify' {
  interface FastifyRequest {
    graphCaller?: Caller;
    graphIds?: { requestId: string; clientRequestId: string };
    /** Gives back the mailbox concurrency slot the request holds (once). */
    leaveGraph?: () => void;
  }
}

/** Answers the graph-failure fault's status (503 with Retry-After, as Graph's), counting it down. */
function failGraph(state: TenantState, reply: FastifyReply): FastifyReply {
  const failure = state.faults.graphFailure as NonNullable<TenantState['faults']['graphFailure']>;
  if (failure.remaining !== null) {
    failure.remaining -= 1;
    if (failure.remaining <= 0) state.faults.graphFailure = null;
  }
  const code = failure.status === 503 ? 'serviceNotAvailable' : failure.status === 504 ? 'gatewayTimeout' : 'generalException';
  if (failure.status === 503) reply.header('retry-after', '2');
  return reply.code(failure.status).send(graphError(code, 'The service is temporarily unavailable (local tenant fault).'));
}

/** The Microsoft Graph subset under /v1.0. */
export function registerGraph(app: FastifyInstance, state: TenantState, key: SigningKey): void {
  void app.register(
    async (g) => {
      g.addHook('onRequest', async (req, reply) => {
        // Graph names every request (request-id) and echoes the caller's client-request-id;
        // its error bodies repeat both (innerError), which the onSend hook below keeps true.
        const requestId = randomUUID();
        const clientRequestId = String(req.headers['client-request-id'] ?? '') || requestId;
        req.graphIds = { requestId, clientRequestId };
        reply.header('request-id', requestId).header('client-request-id', clientRequestId);
        if (state.faults.graphFailure && !state.faults.graphFailure.accepted && req.method !== 'OPTIONS' && !req.url.startsWith('/v1.0/$batch')) {
          return failGraph(state, reply);
        }
        const result = callerFrom(req, state, key, ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000']);
        if (!result.ok) return reply.code(401).header('www-authenticate', `Bearer realm="", authorization_uri="${state.origin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`).send(graphError(result.code, result.message));
        req.graphCaller = result.caller;
      });
      g.addHook('onRoute', (route) => {
        route.bodyLimit = GRAPH_MAX_REQUEST_BYTES;
        for (const method of [route.method].flat()) if (method !== 'HEAD') registeredGraphRoutes.add(`${method} ${route.url.replace(/^\/v1\.0/, '')}`);
      });
      // The endpoint's real permission (permissionTable.ts), for both token kinds, before any handler runs.
      g.addHook('preHandler', async (req, reply) => {
        const route = req.routeOptions.url?.replace(/^\/v1\.0/, '');
        if (route === undefined) return;
        const row = permissionFor(req.method, route);
        if (!row) return reply.code(500).send(graphError('generalException', `local tenant: ${req.method} ${route} has no row in local-tenant/src/graph/permissionTable.ts`));
        const c = req.graphCaller as Caller;
        if (row.delegated.includes('*') || allows(c, row.delegated, row.application)) return;
        if (row.exchangeRole && c.kind === 'app' && state.exchangeRoleAllows(c.client, row.exchangeRole)) return;
        return deniedAs(row.deniedAs, reply);
      });
      g.addHook('onSend', async (req, _reply, payload) => {
        req.leaveGraph?.();
        return payload;
      });
      g.addHook('onSend', async (req, reply, payload) => {
        if (!req.graphIds || typeof payload !== 'string' || !payload.includes('"innerError"')) return payload;
        const body = JSON.parse(payload) as { error?: { innerError?: Record<string, unknown> } };
        if (!body.error?.innerError) return payload;
        body.error.innerError['request-id'] = req.graphIds.requestId;
        body.error.innerError['client-request-id'] = req.graphIds.clientRequestId;
        return JSON.stringify(body);
      });
      routes(g, state);
    },
    { prefix: '/v1.0' }
  );
}

const denied = (reply: FastifyReply): FastifyReply => reply.code(403).send(graphError('ErrorAccessDenied', 'Access is denied. Check credentials and try again.'));
const insufficient = (reply: FastifyReply): FastifyReply => reply.code(403).send(graphError('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'));
const deniedAs = (kind: DeniedAs, reply: FastifyReply): FastifyReply =>
  kind === 'outlook' ? denied(reply) : kind === 'directory' ? insufficient(reply) : reply.code(403).send(graphError('accessDenied', 'Either scp or roles claim need to be present in the token.'));
const noMailbox = (reply: FastifyReply): FastifyReply => reply.code(404).send(graphError('MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.'));
const badRequest = (reply: FastifyReply, message: string, code = 'BadRequest'): FastifyReply => reply.code(400).send(graphError(code, message));
/** Graph's two answers to a $filter it will not run: malformed -> BadRequest, valid but not evaluated -> Request_UnsupportedQuery. */
const filterRefused = (reply: FastifyReply, result: Extract<FilterResult, { ok: false }>): FastifyReply =>
  result.kind === 'syntax' ? badRequest(reply, `Invalid filter clause: ${result.message}`, 'BadRequest') : badRequest(reply, result.message, 'Request_UnsupportedQuery');

/**
 * One page of a directory collection, as Graph pages one (Paging Microsoft Graph data): `$top`
 * items (default 100, 1 to 999), and while more remain an `@odata.nextLink` - the request's own
 * URL with every other query option kept and a `$skiptoken` that only this tenant reads. Replies
 * (and returns null) for a page size or token it refuses.
 */
function directoryPage<T>(state: TenantState, req: FastifyRequest, reply: FastifyReply, items: T[]): { value: T[]; '@odata.nextLink'?: string } | null {
  const q = req.query as Params;
  const top = q.$top === undefined ? DIRECTORY_PAGE.default : Number(q.$top);
  if (!Number.isInteger(top) || top < 1 || top > DIRECTORY_PAGE.max) {
    badRequest(reply, `Invalid page size specified: '${q.$top}'. Must be between 1 and ${DIRECTORY_PAGE.max} inclusive.`, 'Request_UnsupportedQuery');
    return null;
  }
  const start = q.$skiptoken === undefined ? 0 : skipOffset(q.$skiptoken);
  if (start === null) {
    // What Graph answers a page token it no longer (or never) knew (msgraph-sdk-dotnet#2254).
    badRequest(reply, 'The specified page token value has expired and can no longer be included in your request.', 'Directory_ExpiredPageToken');
    return null;
  }
  const value = items.slice(start, start + top);
  if (start + top >= items.length) return { value };
  const [path, query = ''] = req.url.split('?');
  const kept = query.split('&').filter((p) => p && !/^(\$|%24)skiptoken=/i.test(p));
  return { value, '@odata.nextLink': `${state.origin}${path}?${[...kept, `$skiptoken=${skipToken(start + top)}`].join('&')}` };
}

function userJson(state: TenantState, a: Account): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: a.displayName,
    givenName: a.givenName,
    jobTitle: a.jobTitle,
    mail: a.mailbox === 'none' ? null : mailAddress(a),
    mobilePhone: null,
    officeLocation: a.room?.building ?? null,
    preferredLanguage: 'en-US',
    surname: a.surname,
    userPrincipalName: a.upn,
    id: a.id
  };
}

/** Applies $select the way Graph does (id always kept). */
function select(obj: Record<string, unknown>, query: Params): Record<string, unknown> {
  const wanted = query.$select?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!wanted?.length) return obj;
  return Object.fromEntries(Object.entries(obj).filter(([k]) => wanted.includes(k) || k === 'id' || k.startsWith('@odata')));
}

/** Extended property ids compare as Graph compares them: the type and the GUID in any case, the name exactly. */
function sameExtendedPropertyId(a: string, b: string): boolean {
  const parts = (id: string): [string, string] => {
    const at = id.search(/ Name /i);
    return at < 0 ? [id.toLowerCase(), ''] : [id.slice(0, at).toLowerCase(), id.slice(at + 6)];
  };
  const [x, y] = [parts(a), parts(b)];
  return x[0] === y[0] && x[1] === y[1];
}

function routes(g: FastifyInstance, state: TenantState): void {
  const caller = (req: FastifyRequest): Caller => req.graphCaller as Caller;

  /**
   * The account a /me or /users/{id} path names; replies and returns null when it cannot. An
   * unknown user is the directory's Request_ResourceNotFound on /users/{id}, and Exchange's
   * ErrorInvalidUser on a mailbox endpoint (mailboxSettings, sendMail, events).
   */
  const target = (req: FastifyRequest, reply: FastifyReply, service: 'directory' | 'outlook' = 'directory'): Account | null => {
    const id = (req.params as Params).id;
    const c = caller(req);
    if (id === undefined) {
      if (c.kind !== 'user') {
        badRequest(reply, '/me request is only valid with delegated authentication flow.');
        return null;
      }
      return c.user;
    }
    const account = state.accountByIdOrUpn(decodeURIComponent(id));
    if (!account) {
      reply.code(404).send(service === 'outlook'
        ? graphError('ErrorInvalidUser', `The requested user '${decodeURIComponent(id)}' is invalid.`)
        : graphError('Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`));
      return null;
    }
    return account;
  };

  /**
   * Exchange's mailbox concurrency, checked before a mailbox operation: a forced throttle (fault)
   * or more requests in flight than the limit answer 429 + Retry-After with Graph's body (Microsoft
   * Graph throttling limits, Outlook service: 4 concurrent requests "for every app ID and mailbox
   * combination" - the app being the token's client). The message rate does not refuse: Exchange
   * accepts the excess and delays its delivery.
   */
  const admit = (req: FastifyRequest, reply: FastifyReply, mailbox: Account): boolean => {
    // A mailbox over its quota sends nothing (a message, or a meeting's invitations): Exchange's EWS
    // code as Graph passes it on (microsoft-graph-docs#3935, #2927); the status is not documented.
    if (state.faults.fullMailboxes.has(mailbox.upn)) {
      state.outbound.refuse(mailbox.upn);
      reply.code(403).send(graphError('ErrorQuotaExceeded', 'Mailbox has exceeded maximum mailbox size.'));
      return false;
    }
    return admitConcurrent(req, reply, mailbox);
  };

  /**
   * The Outlook service's 4 concurrent requests per app and mailbox, for every request on the
   * mailbox's Outlook resources - reads of events and free/busy (calendar) included, not only what
   * sends: "Outlook service resources" lists event, calendar and message (Microsoft Graph
   * throttling limits). mailboxSettings is not among them.
   */
  const admitConcurrent = (req: FastifyRequest, reply: FastifyReply, mailbox: Account): boolean => {
    const override = state.faults.mailboxLimits.get(mailbox.upn) ?? {};
    const throttled = (retryAfter: number): boolean => {
      reply.code(429).header('retry-after', String(retryAfter)).send(graphError('ApplicationThrottled', 'Application is over its MailboxConcurrency limit.'));
      return false;
    };
    if (override.throttledForSeconds) return throttled(override.throttledForSeconds);
    const appId = caller(req).appId;
    // The UPN as it is now: the slot goes back to this book even if the user is renamed meanwhile.
    const upn = mailbox.upn;
    const concurrency = state.outbound.enterGraph(upn, appId, override.concurrentRequests ?? state.limits.concurrentRequests);
    if (!concurrency.allowed) return throttled(concurrency.retryAfter);
    // Given back as the answer is written (the onSend hook below, after the latency fault's delay:
    // a client that sends its next request once it has read this answer finds the slot free), or
    // when its client gave up waiting ('close': no answer is written then, and a slot kept for ever
    // would throttle the mailbox for ever).
    let held = true;
    req.leaveGraph = () => {
      if (held) {
        held = false;
        state.outbound.leaveGraph(upn, appId);
      }
    };
    reply.raw.once('close', req.leaveGraph);
    return true;
  };

  // ---------- users ----------
  const getUser = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const c = caller(req);
    if (!allows(c, ['User.Read', 'User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'], ['User.Read.All', 'Directory.Read.All'])) return insufficient(reply);
    const a = target(req, reply);
    if (!a) return reply;
    if (c.kind === 'user' && a.id !== c.user.id && !allows(c, ['User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'], [])) return insufficient(reply);
    return { '@odata.context': `${GRAPH(state)}/$metadata#users/$entity`, ...select(userJson(state, a), req.query as Params) };
  };
  g.get('/me', getUser);
  g.get('/users/:id', getUser);

  g.get('/users', async (req, reply) => {
    const c = caller(req);
    if (!allows(c, ['User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'], ['User.Read.All', 'Directory.Read.All'])) return insufficient(reply);
    const q = req.query as Params;
    const filter = compileFilter(q.$filter);
    if (!filter.ok) return filterRefused(reply, filter);
    const top = q.$top === undefined ? 100 : Number(q.$top);
    if (!Number.isInteger(top) || top < 1 || top > 999) return badRequest(reply, `Invalid page size specified: '${q.$top}'. Must be between 1 and 999 inclusive.`, 'Request_UnsupportedQuery');
    const users = state.people().map((a) => userJson(state, a)).filter(filter.predicate).slice(0, top);
    return { '@odata.context': `${GRAPH(state)}/$metadata#users`, value: users.map((u) => select(u, q)) };
  });

  // mailboxSettings.userPurpose is how Graph tells a user mailbox from a shared or room one.
  const mailboxSettings = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const c = caller(req);
    if (!allows(c, ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'], ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'])) return denied(reply);
    const a = target(req, reply, 'outlook');
    if (!a) return reply;
    if (c.kind === 'user' && a.id !== c.user.id) return denied(reply);
    if (a.mailbox === 'none') return noMailbox(reply);
    return {
      '@odata.context': `${GRAPH(state)}/$metadata#users('${a.id}')/mailboxSettings`,
      archiveFolder: randomUUID(),
      timeZone: 'UTC',
      delegateMeetingMessageDeliveryOptions: 'sendToDelegateOnly',
      dateFormat: 'yyyy-MM-dd',
      timeFormat: 'HH:mm',
      userPurpose: a.isRoom ? 'room' : a.mailbox === 'shared' ? 'shared' : 'user',
      automaticRepliesSetting: { status: 'disabled', externalAudience: 'all', internalReplyMessage: '', externalReplyMessage: '' },
      language: { locale: a.locale, displayName: a.locale === 'ja-JP' ? '日本語 (日本)' : 'English (United States)' },
      workingHours: { daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], startTime: '08:00:00.0000000', endTime: '17:00:00.0000000', timeZone: { name: 'UTC' } }
    };
  };
  g.get('/me/mailboxSettings', mailboxSettings);
  g.get('/users/:id/mailboxSettings', mailboxSettings);

  // ---------- mail ----------
  const sendMail = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const c = caller(req);
    const a = target(req, reply, 'outlook');
    if (!a) return reply;
    // Without the Entra role, an app sends only from mailboxes its Exchange role assignment scopes (RBAC for Applications).
    if (!allows(c, ['Mail.Send'], ['Mail.Send']) && !(c.kind === 'app' && state.exchangeRoleAllows(c.client, 'Application Mail.Send', a.upn))) return denied(reply);
    if (c.kind === 'user' && a.id !== c.user.id) return denied(reply);
    if (a.mailbox === 'none') return noMailbox(reply);
    const body = (req.body ?? {}) as { message?: Record<string, unknown>; saveToSentItems?: boolean | string };
    const m = body.message;
    if (!m || typeof m !== 'object') return badRequest(reply, "Required property 'message' is missing.", 'ErrorInvalidRequest');
    const list = (v: unknown): Recipient[] | null => {
      if (v === undefined) return [];
      if (!Array.isArray(v)) return null;
      const out: Recipient[] = [];
      for (const r of v) {
        const address = r?.emailAddress?.address;
        if (typeof address !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(address)) return null;
        out.push({ address: address.toLowerCase(), name: r.emailAddress.name ?? null });
      }
      return out;
    };
    const to = list(m.toRecipients);
    const cc = list(m.ccRecipients);
    const bcc = list(m.bccRecipients);
    if (!to || !cc || !bcc) return badRequest(reply, 'At least one recipient is not valid., A message can\'t be sent because it contains no recipients.', 'ErrorInvalidRecipients');
    if (to.length + cc.length + bcc.length === 0) return badRequest(reply, "At least one recipient is not valid., A message can't be sent because it contains no recipients.", 'ErrorInvalidRecipients');
    const from = (m.from as { emailAddress?: { address?: string } } | undefined)?.emailAddress?.address;
    // The mailbox sends as its primary SMTP address (mail), not as its UPN where they differ.
    const address = mailAddress(a);
    if (from && from.toLowerCase() !== address) return reply.code(403).send(graphError('ErrorSendAsDenied', 'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.'));
    if (!admit(req, reply, a)) return reply;
    const bodyPart = (m.body ?? {}) as { contentType?: string; content?: string };
    const attachments = Array.isArray(m.attachments)
      ? (m.attachments as { name?: string; contentType?: string; contentBytes?: string }[]).map((x) => ({ name: String(x.name ?? 'attachment'), contentType: String(x.contentType ?? 'application/octet-stream'), size: Buffer.from(String(x.contentBytes ?? ''), 'base64').length }))
      : [];
    const calendarAttachment = Array.isArray(m.attachments)
      ? (m.attachments as { contentType?: string; contentBytes?: string }[]).find((x) => String(x.contentType).startsWith('text/calendar'))
      : undefined;
    const ics = calendarAttachment ? Buffer.from(String(calendarAttachment.contentBytes ?? ''), 'base64').toString('utf8') : null;
    const internetMessageId = typeof m.internetMessageId === 'string' && /^<[^<>@\s]+@[^<>@\s]+>$/.test(m.internetMessageId) ? m.internetMessageId : undefined;
    if (m.internetMessageId !== undefined && !internetMessageId) return badRequest(reply, 'The internet message id is not valid: it must look like <local@domain>.', 'ErrorInvalidInternetHeaderValue');
    const customHeaders = Array.isArray(m.internetMessageHeaders) ? (m.internetMessageHeaders as { name?: unknown; value?: unknown }[]) : [];
    // Graph takes only custom headers on a message it sends, each named x-...
    if (customHeaders.some((h) => typeof h?.name !== 'string' || !/^x-/i.test(h.name) || typeof h.value !== 'string')) {
      return badRequest(reply, 'The internet message header name should start with \'x-\' or \'X-\'.', 'InvalidInternetMessageHeader');
    }
    const submission: Submission = {
      sender: a.upn,
      from: { address, name: a.displayName },
      to,
      cc,
      bcc,
      subject: String(m.subject ?? ''),
      body: { contentType: String(bodyPart.contentType).toLowerCase() === 'html' ? 'html' : 'text', content: String(bodyPart.content ?? '') },
      calendar: ics ? { method: ics.match(/METHOD:(\w+)/)?.[1] ?? 'REQUEST', ics } : null,
      attachments,
      via: 'graph',
      saveToSentItems: body.saveToSentItems !== false && body.saveToSentItems !== 'false',
      internetMessageId,
      headers: customHeaders.map((h) => ({ name: String(h.name), value: String(h.value) }))
    };
    // sendMail answers 202 once the message is saved; Exchange submits it afterwards ("Most of the
    // steps happen after the method returns", Microsoft Graph send mail process). Past the daily
    // recipient quota the submission fails then: the sender gets the NDR (550 5.1.90), the caller
    // learns nothing - as an invitation past it, and a message past the recipients-per-message limit.
    const result = state.outbound.submit(submission, state.faults.mailboxLimits.get(a.upn) ?? {});
    if (!result.ok) rejectForQuota(state, submission);
    // The graph-failure fault with accepted: the message is on its way, and the gateway answers 5xx.
    if (state.faults.graphFailure?.accepted) return failGraph(state, reply);
    return reply.code(202).send();
  };
  g.post('/me/sendMail', sendMail);
  g.post('/users/:id/sendMail', sendMail);

  // ---------- calendar ----------
  const calendarAccess = (req: FastifyRequest, reply: FastifyReply, write: boolean): Account | null => {
    const c = caller(req);
    const scopes = write ? ['Calendars.ReadWrite'] : ['Calendars.Read', 'Calendars.ReadWrite'];
    if (!allows(c, scopes, scopes)) {
      denied(reply);
      return null;
    }
    const a = target(req, reply, 'outlook');
    if (!a) return null;
    if (c.kind === 'user' && a.id !== c.user.id) {
      denied(reply);
      return null;
    }
    if (a.mailbox === 'none') {
      noMailbox(reply);
      return null;
    }
    return a;
  };
  /**
   * An event as Graph answers it: its `id` the regular one, or the immutable one when the request
   * says `Prefer: IdType="ImmutableId"` ("This header only applies to the request it is included with").
   */
  const eventJson = (ev: CalendarEvent, req: FastifyRequest): Record<string, unknown> => {
    // mailbox and sequence are the store's bookkeeping, not Graph properties.
    const rest: Partial<CalendarEvent> = { ...ev };
    delete rest.mailbox;
    delete rest.sequence;
    delete rest.extendedProperties;
    delete rest.immutableId;
    const immutable = /(^|[,;\s])IdType\s*=\s*"?ImmutableId"?/i.test(String(req.headers.prefer ?? ''));
    return { '@odata.context': `${GRAPH(state)}/$metadata#users('${ev.mailbox}')/events/$entity`, '@odata.etag': `W/"${ev.changeKey}"`, webLink: `${state.origin}/_mailbox?upn=${encodeURIComponent(ev.mailbox)}#event-${ev.id}`, ...rest, id: immutable ? ev.immutableId : ev.id };
  };
  const findEvent = (req: FastifyRequest, reply: FastifyReply, a: Account): CalendarEvent | null => {
    const ev = state.mail.event(a.upn, (req.params as Params).eventId);
    if (!ev) reply.code(404).send(graphError('ErrorItemNotFound', 'The specified object was not found in the store.'));
    return ev ?? null;
  };

  const create = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const a = calendarAccess(req, reply, true);
    if (!a) return reply;
    const input = (req.body ?? {}) as EventInput;
    const problem = eventInputProblem(input, true);
    if (problem) return badRequest(reply, problem.message, problem.code);
    if (input.transactionId) {
      // Graph de-duplicates a retried create that repeats a transactionId ("to avoid redundant POST
      // operations in case of client retries to create the same event"); the id used for another
      // event - another subject or time, or one cancelled since (in Deleted Items) - is refused.
      const existing = state.mail.eventsOf(a.upn).find((e) => e.transactionId === input.transactionId);
      if (existing) {
        const same = !existing.isCancelled && existing.subject === (input.subject ?? '') && eventTimeMs(existing.start) === eventTimeMs(input.start as DateTimeTimeZone) && eventTimeMs(existing.end) === eventTimeMs(input.end as DateTimeTimeZone);
        if (!same) return badRequest(reply, `The TransactionId '${input.transactionId}' has already been used to create a different event.`, 'ErrorDuplicateTransactionId');
        return reply.code(201).send(eventJson(existing, req));
      }
    }
    if (!admit(req, reply, a)) return reply;
    return reply.code(201).send(eventJson(createEvent(state, a, input), req));
  };
  for (const base of ['/me', '/users/:id']) {
    g.post(`${base}/events`, create);
    g.post(`${base}/calendar/events`, create);
    const list = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const a = calendarAccess(req, reply, false);
      if (!a) return reply;
      const q = req.query as Params;
      // The calendar's events: a cancelled one was moved to Deleted Items (event: cancel).
      if (!admitConcurrent(req, reply, a)) return reply;
      let events = state.mail.eventsOf(a.upn).filter((e) => !e.isCancelled);
      if (q.$filter !== undefined) {
        // The one filter on events evaluated here: an item by its custom extended property.
        const byProperty = /^singleValueExtendedProperties\/any\(\s*(\w+)\s*:\s*\1\/id eq '((?:[^']|'')*)' and \1\/value eq '((?:[^']|'')*)'\s*\)$/i.exec(q.$filter.trim());
        if (!byProperty) return badRequest(reply, "The local tenant evaluates only singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...') on events.", 'ErrorInvalidUrlQueryFilter');
        const [id, value] = [byProperty[2], byProperty[3]].map((v) => v.replace(/''/g, "'"));
        events = events.filter((e) => e.extendedProperties.some((p) => sameExtendedPropertyId(p.id, id) && p.value.toLowerCase() === value.toLowerCase()));
      }
      return { '@odata.context': `${GRAPH(state)}/$metadata#users('${a.upn}')/events`, value: events.map((e) => select(eventJson(e, req), q)) };
    };
    g.get(`${base}/events`, list);
    g.get(`${base}/calendar/events`, list);
    g.get(`${base}/events/:eventId`, async (req, reply) => {
      const a = calendarAccess(req, reply, false);
      const ev = a && findEvent(req, reply, a);
      if (!a || !ev) return reply;
      if (!admitConcurrent(req, reply, a)) return reply;
      return eventJson(ev, req);
    });
    g.patch(`${base}/events/:eventId`, async (req, reply) => {
      const a = calendarAccess(req, reply, true);
      const ev = a && findEvent(req, reply, a);
      if (!a || !ev) return reply;
      const input = (req.body ?? {}) as EventInput;
      const problem = eventInputProblem(input, false);
      if (problem) return badRequest(reply, problem.message, problem.code);
      if (ev.isCancelled) return badRequest(reply, 'The meeting has been canceled and can no longer be updated.', 'ErrorCalendarIsCancelledForAccept');
      if (!admit(req, reply, a)) return reply;
      return eventJson(updateEvent(state, a, ev, input), req);
    });
    g.post(`${base}/events/:eventId/cancel`, async (req, reply) => {
      const a = calendarAccess(req, reply, true);
      const ev = a && findEvent(req, reply, a);
      if (!a || !ev) return reply;
      if (ev.isCancelled) return reply.code(202).send();
      if (!admit(req, reply, a)) return reply;
      cancelEvent(state, a, ev, String(((req.body ?? {}) as { comment?: string }).comment ?? ''));
      return reply.code(202).send();
    });
    g.delete(`${base}/events/:eventId`, async (req, reply) => {
      const a = calendarAccess(req, reply, true);
      const ev = a && findEvent(req, reply, a);
      if (!a || !ev) return reply;
      if (!admitConcurrent(req, reply, a)) return reply;
      if (!ev.isCancelled && ev.attendees.length) cancelEvent(state, a, ev, '');
      state.mail.removeEvent(ev);
      return reply.code(204).send();
    });
    g.post(`${base}/calendar/getSchedule`, async (req, reply) => {
      const a = calendarAccess(req, reply, false);
      if (!a) return reply;
      const body = (req.body ?? {}) as { schedules?: string[]; startTime?: { dateTime: string; timeZone: string }; endTime?: { dateTime: string; timeZone: string }; availabilityViewInterval?: number };
      if (!Array.isArray(body.schedules) || !body.startTime?.dateTime || !body.endTime?.dateTime) return badRequest(reply, 'schedules, startTime and endTime are required.', 'ErrorInvalidRequest');
      // The documented limits, refused with the codes and words Exchange answers past them (docs/local-tenant.md).
      if (body.schedules.length > GET_SCHEDULE_MAX_SCHEDULES) {
        return badRequest(reply, `There are too many target users in the EmailAddress array. The allowed size = ${GET_SCHEDULE_MAX_SCHEDULES}; the actual size = ${body.schedules.length}.`, 'ErrorMailboxDataArrayTooBig');
      }
      const start = eventTimeMs(body.startTime);
      const end = eventTimeMs(body.endTime);
      const interval = body.availabilityViewInterval ?? 30;
      const preferred = /outlook\.timezone="([^"]+)"/.exec(String(req.headers.prefer ?? ''))?.[1];
      const zone = preferred && ianaZone(preferred) ? preferred : 'UTC';
      if (!(end > start) || interval < 5 || interval > 1440) return badRequest(reply, 'The time window or availabilityViewInterval is not valid.', 'ErrorInvalidRequest');
      if (end - start >= GET_SCHEDULE_MAX_DAYS * 86_400_000) {
        return badRequest(reply, `The requested time duration specified for FreeBusyViewOptions.TimeWindow is too long. The allowed limit = ${GET_SCHEDULE_MAX_DAYS} days; the actual limit = ${Math.ceil((end - start) / 86_400_000)} days.`, 'ErrorTimeIntervalTooBig');
      }
      if (!admitConcurrent(req, reply, a)) return reply;
      return {
        '@odata.context': `${GRAPH(state)}/$metadata#Collection(microsoft.graph.scheduleInformation)`,
        value: body.schedules.map((address) => {
          const who = state.accountByUpn(String(address));
          if (!who || who.mailbox === 'none') return { scheduleId: address, error: { message: 'The specified mailbox could not be found.', responseCode: 'ErrorMailRecipientNotFound' } };
          const events = state.mail.eventsOf(who.upn).filter((e) => !e.isCancelled && eventTimeMs(e.start) < end && start < eventTimeMs(e.end));
          return {
            scheduleId: who.upn,
            availabilityView: availabilityView(events, start, end, interval),
            // In UTC unless the caller prefers another zone (Prefer: outlook.timezone), as Graph answers.
            scheduleItems: events.map((e) => ({ isPrivate: false, status: 'busy', subject: e.subject, location: e.location.displayName, start: { dateTime: utcMsToZoned(eventTimeMs(e.start), zone), timeZone: zone }, end: { dateTime: utcMsToZoned(eventTimeMs(e.end), zone), timeZone: zone } })),
            workingHours: { daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], startTime: '08:00:00.0000000', endTime: '17:00:00.0000000', timeZone: { name: 'UTC' } }
          };
        })
      };
    });
  }

  // ---------- places ----------
  // 100 a page, or `$top`, from `$skip` (List places); `$count=true` adds the total. Graph's places
  // answer no @odata.nextLink (docs/local-tenant.md): a client pages with $skip.
  g.get('/places/microsoft.graph.room', async (req, reply) => {
    if (!allows(caller(req), ['Place.Read.All'], ['Place.Read.All'])) return denied(reply);
    const q = req.query as Params;
    // "place" is one of the Outlook service resources whose requests count against the 4 per app and
    // mailbox (Microsoft Graph throttling limits): the signed-in user's mailbox.
    const who = caller(req);
    if (who.kind === 'user' && !admitConcurrent(req, reply, who.user)) return reply;
    const top = q.$top === undefined ? PLACES_PAGE : Number(q.$top);
    const skip = q.$skip === undefined ? 0 : Number(q.$skip);
    if (!Number.isInteger(top) || top < 1) return badRequest(reply, `Invalid $top value: '${q.$top}'.`, 'BadRequest');
    if (!Number.isInteger(skip) || skip < 0) return badRequest(reply, `Invalid $skip value: '${q.$skip}'.`, 'BadRequest');
    const rooms = state.rooms();
    return {
      '@odata.context': `${GRAPH(state)}/$metadata#places/microsoft.graph.room`,
      ...(q.$count === 'true' ? { '@odata.count': rooms.length } : {}),
      value: rooms.slice(skip, skip + top).map((r) => ({
        id: r.id,
        emailAddress: r.upn,
        displayName: r.displayName,
        address: null,
        geoCoordinates: null,
        phone: null,
        nickname: r.displayName,
        building: r.room?.building,
        floorNumber: r.room?.floorNumber,
        floorLabel: String(r.room?.floorNumber),
        label: null,
        capacity: r.room?.capacity,
        bookingType: 'standard',
        audioDeviceName: null,
        videoDeviceName: null,
        displayDeviceName: null,
        isWheelChairAccessible: r.room?.isWheelChairAccessible,
        tags: []
      }))
    };
  });

  // ---------- consent checks ----------
  const spJson = (app: App): Record<string, unknown> => ({
    id: app.servicePrincipalId,
    appId: app.appId,
    displayName: app.displayName,
    servicePrincipalType: 'Application',
    accountEnabled: true,
    appRoles: app.appRoles.map((r) => ({ id: r.id, value: r.value, description: r.description, displayName: r.value, isEnabled: true, allowedMemberTypes: ['Application'] })),
    oauth2PermissionScopes: app.delegatedScopes.map((s) => ({ value: s.value, type: s.adminConsentRequired ? 'Admin' : 'User', adminConsentDescription: s.description, userConsentDescription: s.description, isEnabled: true })),
    servicePrincipalNames: [app.appId, ...app.identifierUris]
  });
  g.get('/oauth2PermissionGrants', async (req, reply) => {
    const filter = compileFilter((req.query as Params).$filter);
    if (!filter.ok) return filterRefused(reply, filter);
    const grants = state.grants.filter((gr) => filter.predicate({ ...gr }));
    const page = directoryPage(state, req, reply, grants);
    if (!page) return reply;
    return { '@odata.context': `${GRAPH(state)}/$metadata#oauth2PermissionGrants`, ...page, value: page.value.map((gr) => ({ ...gr })) };
  });
  g.get('/servicePrincipals', async (req, reply) => {
    const filter = compileFilter((req.query as Params).$filter);
    if (!filter.ok) return filterRefused(reply, filter);
    const sps = [...state.apps.values()].map(spJson).filter(filter.predicate);
    return { '@odata.context': `${GRAPH(state)}/$metadata#servicePrincipals`, value: sps };
  });
  g.get('/servicePrincipals/:ref', async (req, reply) => {
    const ref = decodeURIComponent((req.params as Params).ref);
    const byAppId = ref.match(/^\(appId='([^']+)'\)$/i);
    const app = byAppId ? state.appById(byAppId[1]) : state.appBySpId(ref.toLowerCase());
    if (!app) return reply.code(404).send(graphError('Request_ResourceNotFound', `Resource '${ref}' does not exist or one of its queried reference-property objects are not present.`));
    return { '@odata.context': `${GRAPH(state)}/$metadata#servicePrincipals/$entity`, ...spJson(app) };
  });
  registerGraphSites(g, state, caller);
  registerGraphConsent(g, state);

  // ---------- $batch ----------
  g.post('/$batch', async (req, reply) => {
    const body = (req.body ?? {}) as { requests?: { id?: string; method?: string; url?: string; headers?: Record<string, string>; body?: unknown; dependsOn?: string[] }[] };
    const requests = body.requests;
    if (!Array.isArray(requests) || requests.length === 0) return badRequest(reply, 'Invalid batch payload format.', 'BadRequest');
    if (requests.length > 20) return badRequest(reply, 'The number of batch requests exceeds the limit of 20.', 'BadRequest');
    const ids = new Set<string>();
    for (const r of requests) {
      if (!r.id || !r.method || !r.url || ids.has(r.id)) return badRequest(reply, 'Every batch request needs a unique id, a method and a url.', 'BadRequest');
      ids.add(r.id);
    }
    const outcome = new Map<string, number>();
    const responses = [];
    // In order: a request runs after whatever it dependsOn, and fails with 424 if that failed.
    for (const r of requests) {
      const failedDependency = (r.dependsOn ?? []).some((d) => !outcome.has(d) || (outcome.get(d) as number) >= 400);
      if (failedDependency) {
        outcome.set(r.id as string, 424);
        responses.push({ id: r.id, status: 424, body: graphError('FailedDependency', 'Request failed due to a failed dependent request.') });
        continue;
      }
      const url = `/v1.0/${String(r.url).replace(/^\/+/, '').replace(/^v1\.0\//, '')}`;
      const res = await g.inject({
        method: String(r.method).toUpperCase() as 'GET',
        url,
        headers: { ...(r.headers ?? {}), authorization: String(req.headers.authorization ?? ''), ...(r.body !== undefined ? { 'content-type': r.headers?.['Content-Type'] ?? r.headers?.['content-type'] ?? 'application/json' } : {}) },
        payload: r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : JSON.stringify(r.body)
      });
      outcome.set(r.id as string, res.statusCode);
      const headers: Record<string, string> = {};
      for (const h of ['content-type', 'retry-after', 'location', 'etag']) if (res.headers[h]) headers[h === 'content-type' ? 'Content-Type' : h === 'retry-after' ? 'Retry-After' : h] = String(res.headers[h]);
      let parsed: unknown = undefined;
      if (res.body) {
        try {
          parsed = JSON.parse(res.body);
        } catch {
          parsed = res.body;
        }
      }
      responses.push({ id: r.id, status: res.statusCode, headers, ...(parsed !== undefined ? { body: parsed } : {}) });
    }
    return { responses };
  });
}
