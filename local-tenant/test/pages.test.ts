import { startLocalTenant, LocalTenant } from '../src/index';
import { graphToken } from './helpers/tokens';

describe('local pages and admin endpoints', () => {
  let tenant: LocalTenant;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
  });
  afterAll(async () => tenant.close());
  beforeEach(() => tenant.reset());

  test('mailbox viewer - lists mailboxes and shows a sent message with its body escaped', async () => {
    const token = await graphToken(tenant, 'adele@contoso.test');
    await fetch(`${tenant.origin}/v1.0/me/sendMail`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ message: { subject: 'Hello <b>there</b>', body: { contentType: 'HTML', content: '<p>Body<script>alert(1)</script></p>' }, toRecipients: [{ emailAddress: { address: 'learner1@contoso.test' } }] } }) });
    const index = await (await fetch(`${tenant.origin}/_mailbox`)).text();
    expect(index).toContain('learner1@contoso.test');
    const inbox = await (await fetch(`${tenant.origin}/_mailbox?upn=learner1@contoso.test`)).text();
    expect(inbox).toContain('Hello &lt;b&gt;there&lt;/b&gt;');
    const id = inbox.match(/message=([0-9a-f-]{36})/)?.[1];
    const message = await (await fetch(`${tenant.origin}/_mailbox?message=${id}`)).text();
    expect(message).toContain('<iframe sandbox');
    expect(message).not.toContain('<script>alert(1)</script>');
    // ?tz= goes along every link of the viewer (a zone it does not know, not at all).
    const tokyo = await (await fetch(`${tenant.origin}/_mailbox?tz=Asia/Tokyo`)).text();
    expect(tokyo).toContain('href="/_mailbox?upn=learner1%40contoso.test&amp;tz=Asia%2FTokyo"');
    const inboxTokyo = await (await fetch(`${tenant.origin}/_mailbox?upn=learner1@contoso.test&tz=Tokyo%20Standard%20Time`)).text();
    expect(inboxTokyo).toContain(`message=${id}&amp;tz=Asia%2FTokyo"`);
    expect(inboxTokyo).toContain('href="/_mailbox?tz=Asia%2FTokyo"');
    expect(await (await fetch(`${tenant.origin}/_mailbox?upn=learner1@contoso.test&tz=%22%3E%3Cscript%3E`)).text()).not.toMatch(/tz=|<script>/);
  });

  test('fault page - offers every fault and the reset', async () => {
    const html = await (await fetch(`${tenant.origin}/_faults`)).text();
    for (const name of ['revoke-refresh-tokens', 'remove-mailbox', 'make-shared', 'smtp-auth', 'password', 'withdraw-consent', 'throttle', 'graph-failure', 'latency']) expect(html).toContain(`data-fault="${name}"`);
    expect(html).toContain('id="reset"');
  });

  test('fault endpoint - an unknown fault is 404 and a bad body 400, each with a message', async () => {
    const unknown = await fetch(`${tenant.origin}/_admin/faults/explode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unknown.status).toBe(404);
    const bad = await fetch(`${tenant.origin}/_admin/faults/latency`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ms":-1}' });
    expect([bad.status, ((await bad.json()) as { message: string }).message]).toEqual([400, 'ms must be an integer from 0 to 60000']);
    const broken = await fetch(`${tenant.origin}/_admin/faults/latency`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ms":' });
    expect(broken.status).toBe(400);
    expect(await broken.text()).not.toMatch(/at .*\.js:\d+/);
  });

  test('cors - a loopback page may call Graph with a bearer token; a preflight is answered', async () => {
    const preflight = await fetch(`${tenant.origin}/v1.0/me`, { method: 'OPTIONS', headers: { origin: 'http://localhost:4300', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:4300');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization');
    const other = await fetch(`${tenant.origin}/v1.0/me`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('reset - returns accounts, grants and mail to the fixture', async () => {
    await fetch(`${tenant.origin}/_admin/faults/make-shared`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"adele@contoso.test"}' });
    expect(tenant.state.accountByUpn('adele@contoso.test')?.mailbox).toBe('shared');
    await fetch(`${tenant.origin}/_admin/reset`, { method: 'POST' });
    expect(tenant.state.accountByUpn('adele@contoso.test')?.mailbox).toBe('user');
  });

  test('start - refuses a host that is not loopback', async () => {
    await expect(startLocalTenant({ port: 0, smtpPort: 0, host: '0.0.0.0' })).rejects.toThrow("the local tenant binds loopback only; '0.0.0.0' is not a loopback host");
  });
});
