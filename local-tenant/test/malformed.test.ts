import { startLocalTenant, LocalTenant } from '../src/index';
import { devToken, graphToken } from './helpers/tokens';

/** Bad input gets a precise 4xx in the service's own format, never a 500 or a stack trace. */
describe('malformed requests', () => {
  let tenant: LocalTenant;
  let graph: string;
  let sp: string;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
    graph = await graphToken(tenant, 'adele@contoso.test');
    sp = await devToken(tenant, 'adele@contoso.test', tenant.origin);
  });
  afterAll(async () => tenant.close());

  const send = (path: string, method: string, token: string | null, body: string, type = 'application/json') =>
    fetch(`${tenant.origin}${path}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': type }, body });

  const cases: [string, string, string, () => string | null, string][] = [
    ['token endpoint with JSON values that are not strings', `/6f1c5b2e-8a7d-4c3b-9e21-0d4a5f6b7c8d/oauth2/v2.0/token`, 'POST', () => null, '{"grant_type":"refresh_token","client_id":"3f9a6b1c-2d4e-4f70-8a15-6c2b7e9d0a41","client_secret":"local-dev-api-secret","refresh_token":{"x":1},"scope":[1]}'],
    ['sendMail with a broken JSON body', '/v1.0/me/sendMail', 'POST', () => graph, '{"message":'],
    ['sendMail with recipients that are not a list', '/v1.0/me/sendMail', 'POST', () => graph, '{"message":{"toRecipients":{"a":1}}}'],
    ['event with attendees that are not a list', '/v1.0/me/events', 'POST', () => graph, '{"subject":"x","start":{"dateTime":"2027-01-01T10:00:00","timeZone":"UTC"},"end":{"dateTime":"2027-01-01T11:00:00","timeZone":"UTC"},"attendees":{"a":1}}'],
    ['event with a start that is a number', '/v1.0/me/events', 'POST', () => graph, '{"subject":"x","start":5,"end":6}'],
    ['$batch with requests that are not a list', '/v1.0/$batch', 'POST', () => graph, '{"requests":"x"}'],
    ['getSchedule without a window', '/v1.0/me/calendar/getSchedule', 'POST', () => graph, '{"schedules":"x"}'],
    ['SharePoint list creation without a title', '/sites/catalog-a/_api/web/lists', 'POST', () => sp, '{"Title":7}'],
    ['SharePoint list creation with an unknown property', '/sites/catalog-a/_api/web/lists', 'POST', () => sp, '{"Title":"x","Colour":"red"}'],
    ['SharePoint item creation with a body that is not an object', "/sites/catalog-a/_api/web/lists/getByTitle('Nope')/items", 'POST', () => sp, '[1,2]'],
    ['Graph fields PATCH with a body that is not an object', '/v1.0/sites/localhost:/sites/catalog-a:/lists/Nope/items/1/fields', 'PATCH', () => null, '5'],
    ['dev-token without a user', '/_admin/dev-token', 'POST', () => null, '{"resource":42}']
  ];

  test.each(cases)('malformed - %s answers 4xx without a stack trace', async (_name, path, method, token, body) => {
    const res = await send(path, method, token(), body);
    const text = await res.text();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(text).not.toMatch(/\bat .+:\d+:\d+/);
    expect(() => JSON.parse(text)).not.toThrow();
  });

  test('Graph - a request body over 4 MB answers 413 in Graph\'s envelope; 4 MB passes', async () => {
    const MB4 = 4 * 1024 * 1024;
    const sendMail = (bytes: number) => {
      const shell = JSON.stringify({ message: { subject: 'big', body: { contentType: 'Text', content: '' }, toRecipients: [{ emailAddress: { address: 'learner1@contoso.test' } }] } });
      return send('/v1.0/me/sendMail', 'POST', graph, shell.replace('"content":""', `"content":"${'x'.repeat(bytes - shell.length)}"`));
    };
    const over = await sendMail(MB4 + 1);
    expect(over.status).toBe(413);
    const body = (await over.json()) as { error: { code: string; message: string; innerError: Record<string, string> } };
    expect(body.error).toMatchObject({ code: 'BadRequest', message: 'The maximum request length supported is 4MB.' });
    expect(body.error.innerError['request-id']).toBe(over.headers.get('request-id'));
    expect((await sendMail(MB4)).status).toBe(202);
    // The SharePoint REST and the rest of the tenant keep the server's own limit.
    expect((await send('/sites/catalog-a/_api/web/lists', 'POST', sp, JSON.stringify({ Title: 7, pad: 'x'.repeat(MB4) }))).status).toBe(400);
  });
});
