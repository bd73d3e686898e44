import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from '../../src/errors/apiError';
import { GraphMailTransport, READ_THROTTLE_WAIT_SECONDS } from '../../src/mail/graphTransport';
import { GraphClient, MAX_GRAPH_PAGES, MAX_RETRY_AFTER_SECONDS, retryAfterSeconds } from '../../src/graph/graphClient';

/**
 * GraphClient.list against a stand-in Graph on loopback (plain HTTP): how it walks a collection's
 * pages, and where it stops. The real paging of the two collections the API reads is checked
 * against the local tenant (integration consent.test.ts and sessions.test.ts).
 */
/** What the stand-in answers to make a 429 (with this Retry-After). */
class Throttle {
  public constructor(public readonly retryAfter?: string) {}
}

/** What the stand-in answers to make a 401 InvalidAuthenticationToken. */
class Unauthorized {}

describe('GraphClient.list - a collection read page after page', () => {
  let server: Server;
  let origin: string;
  let answer: (req: IncomingMessage, url: URL) => unknown;
  const seen: Array<{ url: string; authorization: string | undefined }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', origin);
      seen.push({ url: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      const answered = answer(req, url);
      if (answered instanceof Unauthorized) {
        res.statusCode = 401;
        res.end(JSON.stringify({ error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' } }));
        return;
      }
      if (answered instanceof Throttle) {
        res.statusCode = 429;
        if (answered.retryAfter !== undefined) {
          res.setHeader('retry-after', answered.retryAfter);
        }
        res.end(JSON.stringify({ error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' } }));
        return;
      }
      res.end(JSON.stringify(answered));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
  });

  const graph = (): GraphClient => new GraphClient(`${origin}/v1.0`);
  const refusal = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => 'no error', (e: unknown) => (e instanceof ApiError ? [e.code, e.upstream] : e));

  it('follows @odata.nextLink under its own endpoint, with the token, until a page has none', async () => {
    answer = (_req, url) => {
      const page = Number(url.searchParams.get('$skiptoken') ?? '0');
      return page < 2 ? { value: [page * 2, page * 2 + 1], '@odata.nextLink': `${origin}/v1.0/items?$filter=x%20eq%201&$skiptoken=${page + 1}` } : { value: [4] };
    };
    expect(await graph().list<number>('t0k', '/items?$filter=x%20eq%201')).toEqual([0, 1, 2, 3, 4]);
    expect(seen.map((s) => s.url)).toEqual(['/v1.0/items?$filter=x%20eq%201', '/v1.0/items?$filter=x%20eq%201&$skiptoken=1', '/v1.0/items?$filter=x%20eq%201&$skiptoken=2']);
    expect(new Set(seen.map((s) => s.authorization))).toEqual(new Set(['Bearer t0k']));
  });

  it('refuses a nextLink to another origin or outside the Graph version path: the token is not sent there', async () => {
    for (const link of ['https://attacker.example/v1.0/items?$skiptoken=1', `${origin}/beta/items?$skiptoken=1`, `${origin}/v1.0evil/items`, 'not a url']) {
      answer = () => ({ value: [1], '@odata.nextLink': link });
      seen.length = 0;
      expect(await refusal(graph().list('t0k', '/items'))).toEqual(['SERVICE_UNAVAILABLE', expect.stringMatching(/^Graph nextLink /)]);
      expect(seen).toHaveLength(1);
    }
  });

  it('stops after MAX_GRAPH_PAGES pages of an answer that never ends (SERVICE_UNAVAILABLE, not a partial list)', async () => {
    answer = () => ({ value: [1], '@odata.nextLink': `${origin}/v1.0/items?$skiptoken=again` });
    expect(await refusal(graph().list('t0k', '/items'))).toEqual(['SERVICE_UNAVAILABLE', `Graph collection longer than ${MAX_GRAPH_PAGES} pages`]);
    expect(seen).toHaveLength(MAX_GRAPH_PAGES);
    seen.length = 0;
    expect(await refusal(graph().list('t0k', '/items', { maxPages: 3 }))).toEqual(['SERVICE_UNAVAILABLE', 'Graph collection longer than 3 pages']);
    expect(seen).toHaveLength(3);
  });

  it('with a page size (a collection that answers no nextLink, as List places): a full page is followed by the next $skip, a short or empty one ends it', async () => {
    const rooms = Array.from({ length: 7 }, (_, i) => `r${i}`);
    answer = (_req, url) => {
      const skip = Number(url.searchParams.get('$skip') ?? '0');
      return { value: rooms.slice(skip, skip + Number(url.searchParams.get('$top'))) };
    };
    expect(await graph().list<string>('t0k', '/places?$top=3', { pageSize: 3 })).toEqual(rooms);
    expect(seen.map((s) => s.url)).toEqual(['/v1.0/places?$top=3', '/v1.0/places?$top=3&$skip=3', '/v1.0/places?$top=3&$skip=6']);
    seen.length = 0;
    // Exactly full pages: one more (empty) page says it is the end.
    expect(await graph().list<string>('t0k', '/places?$top=7', { pageSize: 7 })).toEqual(rooms);
    expect(seen.map((s) => s.url)).toEqual(['/v1.0/places?$top=7', '/v1.0/places?$top=7&$skip=7']);
    seen.length = 0;
    // Without a page size a page without nextLink is the last.
    expect(await graph().list<string>('t0k', '/places?$top=3')).toEqual(rooms.slice(0, 3));
    // A collection that ignores $skip (the same page again) ends at the page cap, not in a loop.
    answer = () => ({ value: rooms.slice(0, 3) });
    expect(await refusal(graph().list('t0k', '/places?$top=3', { pageSize: 3, maxPages: 5 }))).toEqual(['SERVICE_UNAVAILABLE', 'Graph collection longer than 5 pages']);
  });
  describe('reads as the account (GraphMailTransport) beside the engine\'s sends', () => {
    const transport = (): GraphMailTransport => new GraphMailTransport(graph(), async () => 'token', 'adele@contoso.test', 4);

    it('a 429 asking for a short wait (Outlook\'s 4 requests per mailbox) is waited out and asked again, twice at most', async () => {
      let n = 0;
      answer = () => (++n <= 2 ? new Throttle('1') : { value: [{ id: 'e1' }] });
      const started = Date.now();
      expect(await transport().call('GET', '/me/events')).toEqual({ value: [{ id: 'e1' }] });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      expect(seen).toHaveLength(3);
      // A third 429 in a row is THROTTLED, with its Retry-After: the caller decides.
      n = 0;
      seen.length = 0;
      answer = () => new Throttle(undefined);
      expect(await refusal(transport().list('/places/microsoft.graph.room'))).toEqual(['THROTTLED', 'Graph 429 ApplicationThrottled']);
      expect(seen).toHaveLength(3);
    }, 15_000);

    it('a 401 is not taken for a lost connection at once: the token is renewed and the call asked once more; a 401 to a token just issued is passing', async () => {
      const tokens: boolean[] = [];
      const renewing = (): GraphMailTransport => new GraphMailTransport(graph(), async (force?: boolean) => {
        tokens.push(!!force);
        return force ? 'renewed' : 'cached';
      }, 'adele@contoso.test', 4);
      answer = (req) => (req.headers.authorization === 'Bearer cached' ? new Unauthorized() : {});
      await renewing().send({ messageId: '<m@x>', from: 'adele@contoso.test', to: ['a@contoso.test'], cc: [], bcc: [], subject: 's', text: 't' });
      expect([tokens, seen.map((s) => s.authorization)]).toEqual([[false, true], ['Bearer cached', 'Bearer renewed']]);
      // Still refused with the new token: Graph's fault, passing - not TOKEN_REVOKED.
      tokens.length = 0;
      seen.length = 0;
      answer = () => new Unauthorized();
      expect(await refusal(renewing().call('GET', '/me/events'))).toEqual(['SERVICE_UNAVAILABLE', 'Graph 401 InvalidAuthenticationToken to a token just issued']);
      expect(tokens).toEqual([false, true]);
      // The probe asks with a new token already: one call, then passing.
      tokens.length = 0;
      seen.length = 0;
      expect(await refusal(renewing().probe())).toEqual(['SERVICE_UNAVAILABLE', 'Graph 401 InvalidAuthenticationToken to a token just issued']);
      expect([tokens, seen.length]).toEqual([[true], 1]);
      // A renewal the identity platform refuses is the loss, with its own code.
      const revoked = new GraphMailTransport(graph(), async (force?: boolean) => {
        if (force) {
          throw new ApiError('TOKEN_REVOKED', { upstream: 'AADSTS50173' });
        }
        return 'cached';
      }, 'adele@contoso.test', 4);
      expect(await refusal(revoked.submit('POST', '/me/events', {}))).toEqual(['TOKEN_REVOKED', 'AADSTS50173']);
    });

    it('a 429 asking for longer than READ_THROTTLE_WAIT_SECONDS is answered at once as THROTTLED', async () => {
      answer = () => new Throttle(String(READ_THROTTLE_WAIT_SECONDS + 1));
      const error = await transport().call('POST', '/me/calendar/getSchedule', {}).catch((e: unknown) => e) as ApiError;
      expect([error.code, error.retryAfterSeconds, seen.length]).toEqual(['THROTTLED', READ_THROTTLE_WAIT_SECONDS + 1, 1]);
    });
  });
});

describe('retryAfterSeconds - a Retry-After header as Graph (or a proxy before it) may send it', () => {
  const now = Date.parse('2026-12-05T10:00:00Z');

  it('reads delay-seconds and an HTTP-date (RFC 9110), rounds a date up to the next second, and caps both at an hour', () => {
    expect(retryAfterSeconds('30', now)).toBe(30);
    expect(retryAfterSeconds(' 7 ', now)).toBe(7);
    expect(retryAfterSeconds('Sat, 05 Dec 2026 10:10:00 GMT', now)).toBe(600);
    expect(retryAfterSeconds('Sat, 05 Dec 2026 10:00:00 GMT', now + 500)).toBeUndefined();
    expect(retryAfterSeconds('Sat, 05 Dec 2026 10:00:01 GMT', now + 500)).toBe(1);
    expect(retryAfterSeconds('86400', now)).toBe(MAX_RETRY_AFTER_SECONDS);
    expect(retryAfterSeconds('Sun, 06 Dec 2026 10:00:00 GMT', now)).toBe(MAX_RETRY_AFTER_SECONDS);
  });

  it('says nothing for an absent, empty, zero, negative, past or unreadable value (the caller backs off on its own)', () => {
    for (const value of [null, '', '0', '-5', '1.5', 'soon', 'Fri, 04 Dec 2026 10:00:00 GMT']) {
      expect([value, retryAfterSeconds(value, now)]).toEqual([value, undefined]);
    }
  });
});
