import fc from 'fast-check';
import { invalidRequests } from '../support/fuzz';
import { appToken, connectClassic, setEnabled } from '../support/sending';
import { OPENER_ORIGIN, useStack } from '../support/stack';

jest.setTimeout(120_000);

describe('fuzz (real API, local tenant, Azurite over loopback)', () => {
  // The timed jobs off: the room-answer job's lease row (its first run 6 s after start) would count
  // as a change the requests made on a machine slow enough for the run to outlast it.
  const stack = useStack({ ROOM_ANSWER_INTERVAL_SECONDS: '0', HEALTH_PROBE_INTERVAL_SECONDS: '0' }, { reset: 'none' });

  it('fuzz - any request to any endpoint, with good and bad tokens, never gets a 5xx and changes nothing', async () => {
    const catalogA = stack.catalogUrl('catalog-a');
    const adele = await stack.token('adele@contoso.test');
    const nestor = await stack.token('nestor@contoso.test');
    const before = await stack.tableDump();
    const anything = fc.jsonValue({ maxDepth: 2 });
    const field = <T>(plausible: fc.Arbitrary<T>) => fc.oneof(plausible, anything);
    const body = fc.oneof(
      anything,
      fc.record({
        enabled: field(fc.boolean()),
        transport: field(fc.constantFrom('graph', 'smtp-oauth', 'smtp', 'GRAPH')),
        alertRecipients: field(fc.array(fc.emailAddress(), { maxLength: 3 })),
        orgConsent: field(fc.boolean()),
        origin: field(fc.constantFrom('https://evil.example', `${OPENER_ORIGIN}/`, 'null', 'http://localhost:4301')),
        email: field(fc.emailAddress()),
        password: field(fc.string({ maxLength: 30 })),
        to: field(fc.emailAddress()),
        extra: anything
      }, { requiredKeys: [] })
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
        fc.oneof(fc.constant(catalogA), fc.constant(stack.catalogUrl('catalog-b')), fc.webUrl(), fc.string({ maxLength: 40 })),
        fc.constantFrom('', '/modern', '/classic', '/check', '/retry-sending', '/test-email', '/x'),
        body,
        fc.constantFrom<string | undefined>(adele, nestor, undefined, `${adele.slice(0, -4)}AAAA`, 'not-a-jwt'),
        fc.option(fc.oneof(fc.string({ maxLength: 30 }), fc.constant('W/"new"'), fc.constant('*'))),
        async (method, catalog, suffix, payload, token, ifMatch) => {
          const headers: Record<string, string> = {};
          if (ifMatch !== null) {
            headers['if-match'] = ifMatch;
          }
          const res = await stack.call(method, `/v1/catalogs/${encodeURIComponent(catalog)}/connection${suffix}`, { token, headers, body: method === 'GET' ? undefined : payload });
          // A well-formed read, or a disconnect of a catalog never connected, may succeed; nothing else.
          const mayPass = res.status < 300 && (method === 'GET' || method === 'DELETE') && suffix === '';
          expect({ method, status: res.status, ok: mayPass || (res.status >= 400 && res.status < 500) }).toEqual({ method, status: res.status, ok: true });
        }
      ),
      { numRuns: 250 }
    );
    expect(await stack.tableDump()).toBe(before);
  });

  it('fuzz - Adele, admin of catalog A, with its current ETag, is refused every request invalid in one way; the tables do not change', async () => {
    const catalogA = stack.catalogUrl('catalog-a');
    const adele = await stack.token('adele@contoso.test');
    const base = `/v1/catalogs/${encodeURIComponent(catalogA)}/connection`;
    const stored = await stack.call('PATCH', base, { token: adele, headers: { 'if-match': 'W/"new"' }, body: { enabled: false } });
    expect([200, 412]).toContain(stored.status);
    const etag = (await stack.call('GET', base, { token: adele })).headers.get('etag') as string;
    const before = await stack.tableDump();
    await fc.assert(
      fc.asyncProperty(invalidRequests(OPENER_ORIGIN), async (request) => {
        const res = await fetch(`${stack.api.url}${base}${request.suffix}`, {
          method: request.method,
          headers: { authorization: `Bearer ${adele}`, 'content-type': request.contentType, 'if-match': etag },
          body: request.payload
        });
        const problem = (await res.json()) as { code?: string };
        expect({ mutation: request.mutation, status: res.status, code: problem.code }).toEqual({ mutation: request.mutation, status: request.code === 'UNSUPPORTED_MEDIA_TYPE' ? 415 : 400, code: request.code });
      }),
      { numRuns: 200 }
    );
    expect(await stack.tableDump()).toBe(before);
    // The control: the same caller and ETag with a valid body do reach the service and change the row.
    const valid = await stack.call('PATCH', base, { token: adele, headers: { 'if-match': etag }, body: { enabled: true } });
    expect(valid.status).toBe(200);
    expect(await stack.tableDump()).not.toBe(before);
  });

  it('fuzz - the LMS endpoints (notifications, batches, sessions, rooms), with the LMS back end\'s token and bad ones, never answer a 5xx or anything but a problem with a catalogue code', async () => {
    const catalogB = stack.catalogUrl('catalog-b');
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const lms = await appToken(stack);
    const user = await stack.token('alex@contoso.test');
    const anything = fc.jsonValue({ maxDepth: 3 });
    const field = <T>(plausible: fc.Arbitrary<T>) => fc.oneof(plausible, anything);
    const time = field(fc.oneof(fc.date({ min: new Date('1999-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('2030-06-30T23:59:60Z', '2030-02-30T10:00:00Z', 'tomorrow', '')));
    const addresses = field(fc.array(fc.oneof(fc.emailAddress(), fc.string({ maxLength: 20 })), { maxLength: 4 }));
    const notification = fc.record({
      to: addresses, cc: addresses, bcc: addresses,
      subject: field(fc.string({ maxLength: 40 })), html: field(fc.string({ maxLength: 60 })), text: field(fc.string({ maxLength: 60 })),
      priority: field(fc.constantFrom('urgent', 'normal', 'bulk', 'URGENT')), notBefore: time, expiresAt: time,
      key: field(fc.string({ maxLength: 20 }))
    }, { requiredKeys: [] });
    const localTime = fc.record({ dateTime: field(fc.constantFrom('2030-06-10T10:00:00', '2030-06-10T25:00:00', '2030-03-31T02:30:00')), timeZone: field(fc.constantFrom('Asia/Tokyo', 'Europe/Berlin', 'UTC+9', 'Mars/Base')) }, { requiredKeys: [] });
    const session = fc.record({
      revision: field(fc.integer({ min: -2, max: 5 })), title: field(fc.string({ maxLength: 30 })), html: field(fc.string({ maxLength: 30 })),
      start: field(localTime), end: field(localTime), attendees: field(fc.array(fc.record({ email: field(fc.emailAddress()), role: field(fc.constantFrom('required', 'optional', 'chair')) }, { requiredKeys: [] }), { maxLength: 3 })),
      room: field(fc.emailAddress()), teams: field(fc.boolean()), message: field(fc.string({ maxLength: 30 }))
    }, { requiredKeys: [] });
    const body = fc.oneof(anything, notification, session, fc.record({ items: field(fc.array(notification, { maxLength: 4 })) }));
    const id = fc.oneof(fc.uuid(), fc.string({ maxLength: 30 }).map(encodeURIComponent), fc.constantFrom('..%2F..%2Fx', '%00', 'a'.repeat(300)));
    // Mostly each route with its own method, so that requests reach validation and the stores; sometimes another method.
    const route = fc.tuple(fc.oneof(
      fc.constant(['POST', '/notifications']), fc.constant(['POST', '/notifications/batch']), id.map((x) => ['GET', `/notifications/${x}`]),
      id.map((x) => ['PUT', `/sessions/${x}`]), id.map((x) => ['POST', `/sessions/${x}/cancel`]), id.map((x) => ['GET', `/sessions/${x}`]), fc.constant(['GET', '/rooms']),
      fc.string({ maxLength: 40 }).map((q) => ['GET', `/rooms/availability?rooms=${encodeURIComponent(q)}&start=2030-06-10T10:00:00Z&end=2030-06-10T11:00:00Z`])
    ), fc.oneof({ arbitrary: fc.constant(null), weight: 7 }, { arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), weight: 1 })).map(([[method, suffix], other]) => [other ?? method, suffix] as const);
    await fc.assert(
      fc.asyncProperty(
        route,
        fc.oneof({ arbitrary: fc.constant(catalogB), weight: 6 }, fc.constant(stack.catalogUrl('catalog-a')), fc.string({ maxLength: 30 })),
        body,
        fc.constantFrom<string | undefined>(lms, lms, lms, lms, user, undefined, `${lms.slice(0, -4)}AAAA`),
        fc.option(fc.oneof(fc.uuid(), fc.string({ minLength: 0, maxLength: 210 })), { freq: 4 }),
        async ([method, suffix], catalog, payload, token, key) => {
          const headers: Record<string, string> = key === null ? {} : { 'idempotency-key': key };
          const res = await stack.call(method, `/v1/catalogs/${encodeURIComponent(catalog)}${suffix}`, { token, headers, body: method === 'GET' || method === 'DELETE' ? undefined : payload });
          const problem = res.status >= 400 ? (res.body as { code?: string; stack?: unknown }) : {};
          expect({ method, suffix, status: res.status, server: res.status >= 500, code: res.status >= 400 ? typeof problem.code : 'string', stack: 'stack' in problem }).toEqual({ method, suffix, status: res.status, server: false, code: 'string', stack: false });
        }
      ),
      { numRuns: 300 }
    );
  });
});
