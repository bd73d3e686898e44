import { startLocalTenant, LocalTenant } from '../src/index';
import type { MailboxCounters } from '../src/mailbox/outbound';
import { fault, mailboxCounters } from './helpers/tokens';
import { SmtpWire } from './helpers/smtp-wire';
import { useLimitsTenant } from './helpers/limits-tenant';

/**
 * What a mailbox's concurrency limits hold (a Graph request in flight, an SMTP session logged in)
 * goes back where it was taken, whatever happens in between: a reset, a renamed user, the
 * tenant closing. Met with the real clients (fetch, a bare SMTP conversation).
 */
describe('sending limits - slots given back', () => {
  const ADELE = 'adele@contoso.test';
  const world = useLimitsTenant(ADELE);

  const sendMail = (subject: string) =>
    fetch(`${world.tenant.origin}/v1.0/me/sendMail`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: { subject, body: { contentType: 'Text', content: 'x' }, toRecipients: [{ emailAddress: { address: 'learner1@contoso.test' } }] } })
    });
  /** A request's status; 0 when it got no answer (the tenant closed under it after a failed expectation). */
  const status = (res: Promise<Response>) => res.then((r) => r.status, () => 0);
  const counters = (upn = ADELE): Promise<MailboxCounters> => mailboxCounters(world.tenant, upn);
  const reset = () => fetch(`${world.tenant.origin}/_admin/reset`, { method: 'POST' });
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const inFlight = async (n: number) => {
    for (let i = 0; i < 100 && (await counters()).graphRequestsInFlight !== n; i++) await wait(10);
    expect((await counters()).graphRequestsInFlight).toBe(n);
  };

  /** An SMTP session logged in as Adele, at the point where it may send. */
  const login = (on: LocalTenant = world.tenant): Promise<SmtpWire> => SmtpWire.loggedIn(on, ADELE);

  test('reset - SMTP sessions still connected keep their slots: three sending before a reset still turn a fourth away after it, and give them back when they end', async () => {
    const [a, b, c, d] = [await login(), await login(), await login(), await login()];
    try {
      for (const w of [a, b, c]) expect(await w.send(`MAIL FROM:<${ADELE}>`)).toMatch(/^250 /);
      expect((await reset()).status).toBe(200);
      // Turned away (432, answered after its DATA), holding no slot.
      expect(await d.send(`MAIL FROM:<${ADELE}>`)).toMatch(/^250 /);
      expect(await d.send('RCPT TO:<learner1@contoso.test>')).toMatch(/^250 /);
      expect(await d.send('DATA')).toMatch(/^354 /);
      expect(await d.send('Subject: d\r\n\r\nx\r\n.')).toMatch(/^432 4\.3\.2 /);
      expect(await counters()).toMatchObject({ smtpConnections: 4, smtpSending: 3 });
      expect(await a.send('RSET')).toMatch(/^250 /);
      expect(await d.send(`MAIL FROM:<${ADELE}>`)).toMatch(/^250 /);
      expect(await counters()).toMatchObject({ smtpConnections: 4, smtpSending: 3 });
    } finally {
      for (const w of [a, b, c, d]) w.close();
    }
    for (let i = 0; i < 50 && (await counters()).smtpConnections > 0; i++) await wait(20);
    expect(await counters()).toMatchObject({ smtpConnections: 0, smtpSending: 0 });
  });

  test('reset - Graph requests in flight across a reset keep their slots until they are answered, and then give back their own', async () => {
    await fault(world.tenant, 'latency', { ms: 400 });
    const before = Array.from({ length: 4 }, (_, i) => status(sendMail(`before ${i}`)));
    await inFlight(4);
    expect((await reset()).status).toBe(200);
    expect((await sendMail('while they are in flight')).status).toBe(429);
    expect((await counters()).graphRequestsInFlight).toBe(4);
    expect(await Promise.all(before)).toEqual([202, 202, 202, 202]);
    await inFlight(0);
    await fault(world.tenant, 'latency', { ms: 400 });
    const statuses = await Promise.all(Array.from({ length: 5 }, (_, i) => sendMail(`after ${i}`).then((r) => r.status)));
    expect(statuses.sort()).toEqual([202, 202, 202, 202, 429]);
  });

  test('rename - a Graph request in flight while its user is renamed gives its slot back to the mailbox it took it from: renamed back, the mailbox is not throttled for ever', async () => {
    const RENAMED = 'adele.vance@contoso.test';
    await fault(world.tenant, 'latency', { ms: 300 });
    const slow = Array.from({ length: 4 }, (_, i) => status(sendMail(`slow ${i}`)));
    await inFlight(4);
    await fault(world.tenant, 'rename-upn', { user: ADELE, upn: RENAMED });
    expect(await Promise.all(slow)).toEqual([202, 202, 202, 202]);
    await fault(world.tenant, 'latency', { ms: 0 });
    expect(await counters(RENAMED)).toMatchObject({ graphRequestsInFlight: 0 });
    await fault(world.tenant, 'rename-upn', { user: RENAMED, upn: ADELE });
    expect((await sendMail('renamed back')).status).toBe(202);
    expect(await counters()).toMatchObject({ graphRequestsInFlight: 0 });
  });

  test('counters - reading the counters of an address does not enter it among the mailboxes that sent: /_admin/sending does not grow with every address read', async () => {
    for (let i = 0; i < 3; i++) expect((await counters(`reader-${i}@contoso.test`)).submissions).toBe(0);
    expect((await sendMail('one')).status).toBe(202);
    const sending = (await (await fetch(`${world.tenant.origin}/_admin/sending`)).json()) as { value: MailboxCounters[] };
    expect(sending.value.map((c) => c.mailbox)).toEqual([ADELE]);
  });

  test('close - an SMTP connection left open does not hold tenant.close(): it is answered 421 and closed at once', async () => {
    const own = await startLocalTenant({ port: 0, smtpPort: 0 });
    const { wire } = await SmtpWire.open(own.smtp.host, own.smtp.port);
    try {
      expect(await wire.send('EHLO client.test')).toMatch(/^250[ -]/);
      const goodbye = wire.reply();
      const started = Date.now();
      await own.close();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await goodbye).toMatch(/^421 /);
    } finally {
      wire.close();
    }
  });

  test('close - messages the SMTP side accepts while the tenant closes are not left waiting for their slot after tenant.close()', async () => {
    // Time x1: past the message rate, a message waits up to a minute for its slot.
    const own = await startLocalTenant({ port: 0, smtpPort: 0 });
    const [a, b] = [await login(own), await login(own)];
    try {
      await fault(own, 'throttle', { mailbox: ADELE, messagesPerMinute: 1 });
      // Commands are refused once closing starts; a message already in DATA still ends.
      for (const w of [a, b]) {
        expect(await w.send(`MAIL FROM:<${ADELE}>`)).toMatch(/^250 /);
        expect(await w.send('RCPT TO:<learner1@contoso.test>')).toMatch(/^250 /);
        expect(await w.send('DATA')).toMatch(/^354 /);
      }
      const closing = own.close();
      for (const w of [a, b]) expect(await w.send('Subject: while closing\r\n\r\nx\r\n.')).toMatch(/^250 /);
      await closing;
      expect(own.state.outbound.counters(ADELE).pending).toBe(0);
    } finally {
      for (const w of [a, b]) w.close();
      await own.close();
    }
  });
});
