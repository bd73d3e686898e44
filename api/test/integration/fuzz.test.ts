import fc from 'fast-check';
import { invalidRequests } from '../support/fuzz';
import { OPENER_ORIGIN, useStack } from '../support/stack';

jest.setTimeout(120_000);

describe('fuzz (real API, local tenant, Azurite over loopback)', () => {
  const stack = useStack({}, { reset: 'none' });

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
        fc.constantFrom('', '/modern', '/classic', '/check', '/test-email', '/x'),
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
});
