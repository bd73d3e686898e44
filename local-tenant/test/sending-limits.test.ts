import nodemailer from 'nodemailer';
import { timeScaleFrom } from '../src/index';
import type { MailboxCounters } from '../src/mailbox/outbound';
import { appToken, fault, mailboxCounters, messages } from './helpers/tokens';
import { SmtpWire } from './helpers/smtp-wire';
import { useLimitsTenant } from './helpers/limits-tenant';

/**
 * Exchange Online's per-mailbox sending limits, met with the real clients (fetch for Graph,
 * nodemailer for SMTP). The tenant runs 60 times faster than real time: the message-rate
 * window is one second, the daily recipient window 24 minutes.
 */
describe('sending limits (time x60)', () => {
  const ADELE = 'adele@contoso.test';
  const auth = { user: ADELE, pass: 'dev-password' };
  const world = useLimitsTenant(ADELE);

  const sendMail = (message: Record<string, unknown>, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${world.tenant.origin}/v1.0/me/sendMail`, {
      method: 'POST',
      signal,
      headers: { authorization: `Bearer ${world.token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ message: { subject: 'Reminder', body: { contentType: 'Text', content: 'Session tomorrow' }, toRecipients: [{ emailAddress: { address: 'learner1@contoso.test' } }], ...message } })
    });
  const smtp = (extra: Record<string, unknown> = {}) => nodemailer.createTransport({ host: world.tenant.smtp.host, port: world.tenant.smtp.port, secure: false, requireTLS: true, auth, tls: { ca: world.tenant.caCertificate }, ...extra });
  const counters = (upn = ADELE): Promise<MailboxCounters> => mailboxCounters(world.tenant, upn);
  const limits = (body: Record<string, unknown>) => fetch(`${world.tenant.origin}/_admin/limits`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** Polls the learner's inbox until it holds `count` messages (or the deadline passes) and returns it. */
  const inboxOf = async (count: number, deadlineMs: number) => {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const inbox = await messages(world.tenant, 'learner1@contoso.test', 'inbox');
      if (inbox.length >= count || Date.now() > until) return inbox;
      await wait(100);
    }
  };

  // The rate tests run x12 (a minute lasts 5 s), not x60: their submissions must all fall in one
  // window, and 35 requests one after another can take more than a second on a loaded machine.
  test('message rate - beyond 30 a minute Graph still answers 202; the excess is delivered in the next window, not refused', async () => {
    await limits({ timeScale: 12 });
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await sendMail({ subject: `m${i}` })).status);
    expect(statuses.every((s) => s === 202)).toBe(true);
    expect(await messages(world.tenant, 'learner1@contoso.test', 'inbox')).toHaveLength(30);
    expect(await counters()).toMatchObject({ submissions: 35, accepted: 35, delayed: 5, pending: 5, rejected: 0 });
    const inbox = await inboxOf(35, 15_000);
    expect(inbox.map((m) => m.subject).sort()).toEqual(Array.from({ length: 35 }, (_, i) => `m${i}`).sort());
    const first = Math.min(...inbox.map((m) => Date.parse(m.receivedDateTime)));
    const late = inbox.filter((m) => ['m30', 'm31', 'm32', 'm33', 'm34'].includes(m.subject)).map((m) => Date.parse(m.receivedDateTime) - first);
    // One (scaled) minute after the first delivery of the window, not before.
    expect(Math.min(...late)).toBeGreaterThanOrEqual(4950);
    expect((await counters()).pending).toBe(0);
  });

  test('message rate - SMTP submissions beyond the rate are accepted with 250 and delayed the same way', async () => {
    await limits({ timeScale: 12 });
    await fault(world.tenant, 'throttle', { mailbox: ADELE, messagesPerMinute: 2 });
    const t = smtp();
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push((await t.sendMail({ from: ADELE, to: 'learner1@contoso.test', subject: `s${i}`, text: 'x' })).response);
    t.close();
    expect(replies.every((r) => /^250 2\.0\.0 OK </.test(r))).toBe(true);
    expect(await messages(world.tenant, 'learner1@contoso.test', 'inbox')).toHaveLength(2);
    expect(await inboxOf(3, 15_000)).toHaveLength(3);
  });

  test('concurrency - a 5th concurrent Graph request of one mailbox answers 429 with Retry-After and Graph error body', async () => {
    await fault(world.tenant, 'latency', { ms: 400 });
    const responses = await Promise.all(Array.from({ length: 5 }, (_, i) => sendMail({ subject: `c${i}` }, { 'client-request-id': `c-${i}` })));
    const throttled = responses.filter((r) => r.status === 429);
    expect(responses.map((r) => r.status).sort()).toEqual([202, 202, 202, 202, 429]);
    expect(Number(throttled[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await throttled[0].json()) as { error: { code: string; message: string; innerError: Record<string, string> } };
    expect(body.error).toMatchObject({ code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' });
    expect(body.error.innerError['request-id']).toBe(throttled[0].headers.get('request-id'));
    expect(body.error.innerError['client-request-id']).toBe(throttled[0].headers.get('client-request-id'));
    expect(throttled[0].headers.get('client-request-id')).toMatch(/^c-\d$/);
  });

  test('concurrency - the 4 are counted over the mailbox\'s Outlook resources: reads of its events and its free/busy take slots beside sendMail; mailboxSettings does not', async () => {
    await fault(world.tenant, 'latency', { ms: 400 });
    const graph = (path: string, init: RequestInit = {}) => fetch(`${world.tenant.origin}/v1.0${path}`, { ...init, headers: { authorization: `Bearer ${world.token}`, 'content-type': 'application/json' } });
    const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const schedule = () => graph('/me/calendar/getSchedule', { method: 'POST', body: JSON.stringify({ schedules: ['adele@contoso.test'], startTime: { dateTime: `${day}T09:00:00`, timeZone: 'UTC' }, endTime: { dateTime: `${day}T10:00:00`, timeZone: 'UTC' } }) });
    const statuses = await Promise.all([sendMail({ subject: 'r1' }), sendMail({ subject: 'r2' }), graph('/me/events'), schedule(), graph('/me/events'), graph('/me/mailboxSettings')].map((p) => p.then((r) => r.status)));
    // Five Outlook requests at once: one answered 429, whichever came last; mailboxSettings is not one of them.
    expect(statuses.filter((x) => x === 429)).toHaveLength(1);
    expect(statuses[5]).toBe(200);
  });

  test('concurrency - a request its client gave up on while Graph was slow to answer still gives its slot back: the mailbox is not throttled for ever', async () => {
    await fault(world.tenant, 'latency', { ms: 200 });
    // Four requests whose clients stop waiting after 50 ms (a timeout, a process that stops).
    for (let i = 0; i < 4; i++) {
      await expect(sendMail({ subject: `given up ${i}` }, {}, AbortSignal.timeout(50))).rejects.toThrow();
    }
    await wait(400);
    const statuses = await Promise.all(Array.from({ length: 4 }, (_, i) => sendMail({ subject: `after ${i}` }).then((r) => r.status)));
    expect(statuses).toEqual([202, 202, 202, 202]);
  });

  test('concurrency - Graph counts 4 requests for every app and mailbox: a second app sending for the same mailbox is not refused', async () => {
    const NOTIFICATIONS = 'notifications@contoso.test';
    // A second app with Exchange's Application Mail.Send for the same mailbox (reset removes it).
    world.tenant.state.exchangeRbac.push({ client: 'conformanceProbe', role: 'Application Mail.Send', users: [NOTIFICATIONS] });
    const api = await appToken(world.tenant, 'connectionApi', 'https://graph.microsoft.com');
    const probe = await appToken(world.tenant, 'conformanceProbe', 'https://graph.microsoft.com');
    await fault(world.tenant, 'latency', { ms: 400 });
    const send = (bearer: string, i: number) =>
      fetch(`${world.tenant.origin}/v1.0/users/${NOTIFICATIONS}/sendMail`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: { subject: `a${i}`, body: { contentType: 'Text', content: 'x' }, toRecipients: [{ emailAddress: { address: 'learner1@contoso.test' } }] } })
      });
    const [fromApi, fromProbe] = await Promise.all([Promise.all([0, 1, 2, 3, 4].map((i) => send(api, i))), Promise.all([0, 1, 2, 3].map((i) => send(probe, i)))]);
    expect(fromApi.map((r) => r.status).sort()).toEqual([202, 202, 202, 202, 429]);
    expect(fromProbe.map((r) => r.status)).toEqual([202, 202, 202, 202]);
  });

  /** An SMTP session logged in as Adele, at the point where it may send. */
  const login = (): Promise<SmtpWire> => SmtpWire.loggedIn(world.tenant, ADELE);
  const closed = async (connections: number) => {
    for (let i = 0; i < 50 && (await counters()).smtpConnections > connections; i++) await wait(20);
  };

  /** A whole transaction on a raw session, from MAIL FROM to the reply after the message's end. */
  const transaction = async (w: SmtpWire, subject: string): Promise<string> => {
    expect(await w.send(`MAIL FROM:<${ADELE}>`)).toMatch(/^250 /);
    expect(await w.send('RCPT TO:<learner1@contoso.test>')).toMatch(/^250 /);
    expect(await w.send('DATA')).toMatch(/^354 /);
    return w.send(`Subject: ${subject}\r\n\r\nx\r\n.`);
  };

  test('concurrency - SMTP counts sessions mid-transaction: a transaction begun while three others send is turned away with 432 4.3.2 after its DATA (as real servers answer it); idle logins hold no slot', async () => {
    const [a, b, c, d] = [await login(), await login(), await login(), await login()];
    // Four sessions logged in and idle: a fifth connection still sends.
    const t = smtp();
    expect((await t.sendMail({ from: ADELE, to: 'learner1@contoso.test', subject: 'fifth', text: 'x' })).response).toMatch(/^250 /);
    t.close();
    await closed(4);
    expect(await counters()).toMatchObject({ smtpConnections: 4, smtpSending: 0 });

    for (const w of [a, b, c]) expect(await w.send(`MAIL FROM:<${ADELE}>`)).toMatch(/^250 /);
    expect(await counters()).toMatchObject({ smtpConnections: 4, smtpSending: 3 });
    // The fourth's MAIL FROM is taken; the message, once sent, is not - and its session held no slot.
    expect(await transaction(d, 'refused')).toMatch(/^432 4\.3\.2 Concurrent connections limit exceeded\. Visit https:\/\/aka\.ms\/concurrent_sending for more information\./);
    expect(await counters()).toMatchObject({ smtpConnections: 4, smtpSending: 3 });
    const err = await smtp().sendMail({ from: ADELE, to: 'learner1@contoso.test', subject: 'refused', text: 'x' }).catch((e) => e);
    expect([err.responseCode, err.command]).toEqual([432, 'DATA']);
    expect(err.response).toMatch(/^432 4\.3\.2 /);

    // The transaction ends with the DATA reply: a's slot goes to d, and a itself is turned away next.
    expect(await a.send('RCPT TO:<learner1@contoso.test>')).toMatch(/^250 /);
    expect(await a.send('DATA')).toMatch(/^354 /);
    expect(await a.send('Subject: from a\r\n\r\nx\r\n.')).toMatch(/^250 /);
    expect(await d.send(`MAIL FROM:<${ADELE}>`)).toMatch(/^250 /);
    expect(await transaction(a, 'a again')).toMatch(/^432 4\.3\.2 /);
    // RSET ends a transaction too.
    expect(await b.send('RSET')).toMatch(/^250 /);
    expect(await a.send(`MAIL FROM:<${ADELE}>`)).toMatch(/^250 /);
    // So does the connection closing mid-transaction.
    c.close();
    await closed(3);
    expect(await b.send(`MAIL FROM:<${ADELE}>`)).toMatch(/^250 /);
    expect(await counters()).toMatchObject({ smtpConnections: 3, smtpSending: 3 });
    for (const w of [a, b, d]) w.close();
    expect((await messages(world.tenant, 'learner1@contoso.test', 'inbox')).map((m) => m.subject).sort()).toEqual(['fifth', 'from a']);
  });

  test('concurrency - SMTP: the throttle fault\'s concurrentRequests lowers the number of sessions sending at once', async () => {
    await fault(world.tenant, 'throttle', { mailbox: ADELE, concurrentRequests: 1 });
    const [a, b] = [await login(), await login()];
    expect(await a.send(`MAIL FROM:<${ADELE}>`)).toMatch(/^250 /);
    expect(await transaction(b, 'second')).toMatch(/^432 4\.3\.2 /);
    expect(await a.send('RSET')).toMatch(/^250 /);
    expect(await transaction(b, 'second again')).toMatch(/^250 /);
    a.close();
    b.close();
  });

  test('concurrency - the API\'s way: a pool of 3 connections sends a burst without a refusal', async () => {
    const pool = smtp({ pool: true, maxConnections: 3, maxMessages: 100 });
    const sent = await Promise.all(Array.from({ length: 9 }, (_, i) => pool.sendMail({ from: ADELE, to: 'learner1@contoso.test', subject: `p${i}`, text: 'x' })));
    pool.close();
    expect(sent.every((info) => /^250 /.test(info.response))).toBe(true);
  });

  test('daily recipients - past the quota SMTP answers 554 5.2.0 SubmissionQuotaExceededException; Graph\'s sendMail answers 202 (it submits after answering) and the message bounces with 550 5.1.90', async () => {
    expect((await limits({ recipientsPerDay: 5 })).status).toBe(200);
    const three = ['learner1@contoso.test', 'learner2@contoso.test', 'nestor@contoso.test'];
    const t = smtp();
    await t.sendMail({ from: ADELE, to: three, subject: 'first', text: 'x' });
    const err = await t.sendMail({ from: ADELE, to: three, subject: 'second', text: 'x' }).catch((e) => e);
    t.close();
    expect(err.responseCode).toBe(554);
    expect(err.response).toMatch(/^554 5\.2\.0 STOREDRV\.Submission\.Exception:SubmissionQuotaExceededException/);
    const res = await sendMail({ subject: 'over the quota', toRecipients: three.map((address) => ({ emailAddress: { address } })) });
    expect(res.status).toBe(202);
    const [ndr] = await messages(world.tenant, ADELE, 'inbox');
    expect(ndr.subject).toBe('Undeliverable: over the quota');
    expect(ndr.body.content).toContain("Remote server returned '550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients'");
    // Two more recipients still fit.
    expect((await sendMail({ toRecipients: three.slice(0, 2).map((address) => ({ emailAddress: { address } })) })).status).toBe(202);
    expect(await counters()).toMatchObject({ submissions: 4, accepted: 2, rejected: 2, recipientsToday: 5 });
    expect((await messages(world.tenant, 'nestor@contoso.test', 'inbox')).map((m) => m.subject)).toEqual(['first']);
  });

  test('recipients per message - a message to more than the limit is accepted, delivered to no one, and bounces with 550 5.5.3', async () => {
    await limits({ recipientsPerMessage: 2 });
    expect((await sendMail({ subject: 'Too many', toRecipients: ['learner1', 'learner2', 'nestor'].map((u) => ({ emailAddress: { address: `${u}@contoso.test` } })) })).status).toBe(202);
    expect(await messages(world.tenant, 'learner1@contoso.test', 'inbox')).toHaveLength(0);
    const [ndr] = await messages(world.tenant, ADELE, 'inbox');
    expect(ndr.subject).toBe('Undeliverable: Too many');
    expect(ndr.body.content).toContain('550 5.5.3 RESOLVER.ADR.RecipLimit; too many recipients');
    expect((await counters()).undeliverable).toBe(1);
  });

  test('daily recipients - an invitation past the quota bounces to the organiser with the NDR code 550 5.1.90', async () => {
    await limits({ recipientsPerDay: 1 });
    const res = await fetch(`${world.tenant.origin}/v1.0/me/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        subject: 'Session',
        start: { dateTime: '2027-01-04T09:00:00', timeZone: 'UTC' },
        end: { dateTime: '2027-01-04T10:00:00', timeZone: 'UTC' },
        attendees: ['learner1', 'learner2'].map((u) => ({ type: 'required', emailAddress: { address: `${u}@contoso.test` } }))
      })
    });
    expect(res.status).toBe(201);
    expect(await messages(world.tenant, 'learner1@contoso.test', 'inbox')).toHaveLength(0);
    const [ndr] = await messages(world.tenant, ADELE, 'inbox');
    expect(ndr.subject).toBe('Undeliverable: Session');
    expect(ndr.body.content).toContain("Remote server returned '550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients'");
    expect(ndr.body.content).not.toContain('5.2.0');
  });

  test('continuous-error throttling - the sending-block fault answers 550 5.2.251-5.2.255 to SMTP submissions', async () => {
    const expected: Record<string, string> = {
      'mailbox-full': '5.2.251 Sender throttled due to continuous mailbox full errors.',
      'send-as-denied': '5.2.252 Sender throttled due to continuous send as denied errors.',
      'invalid-license': '5.2.253 Sender throttled due to continuous invalid license errors.',
      'too-many-recipients': '5.2.254 Sender throttled due to continuous too many recipients errors.',
      'invalid-recipients': '5.2.255 Sender throttled due to continuous invalid recipients errors.'
    };
    const t = smtp();
    for (const [cause, text] of Object.entries(expected)) {
      await fault(world.tenant, 'sending-block', { mailbox: ADELE, cause });
      const err = await t.sendMail({ from: ADELE, to: 'learner1@contoso.test', subject: 'x', text: 'x' }).catch((e) => e);
      expect(err.response).toBe(`550 ${text} [localhost.local-tenant]`);
    }
    await fault(world.tenant, 'sending-block', { mailbox: ADELE, clear: true });
    expect((await t.sendMail({ from: ADELE, to: 'learner1@contoso.test', subject: 'x', text: 'x' })).response).toMatch(/^250 /);
    t.close();
    expect(await counters()).toMatchObject({ rejected: 5, accepted: 1 });
  });

  test('mailbox full - what the mailbox sends is refused: Graph 403 ErrorQuotaExceeded (mail and meetings), SMTP 554 5.2.2 at submission; clear frees it', async () => {
    const fault = (body: Record<string, unknown>) => fetch(`${world.tenant.origin}/_admin/faults/mailbox-full`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await fault({ mailbox: 'nobody@contoso.test' })).status).toBe(400);
    expect((await fault({ mailbox: ADELE })).status).toBe(200);
    const mail = await sendMail({ subject: 'full' });
    expect([mail.status, ((await mail.json()) as { error: { code: string; message: string } }).error]).toEqual([403, expect.objectContaining({ code: 'ErrorQuotaExceeded', message: 'Mailbox has exceeded maximum mailbox size.' })]);
    const event = await fetch(`${world.tenant.origin}/v1.0/me/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'Session', start: { dateTime: '2027-01-04T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-01-04T10:00:00', timeZone: 'UTC' }, attendees: [{ type: 'required', emailAddress: { address: 'learner1@contoso.test' } }] })
    });
    expect(event.status).toBe(403);
    const t = smtp();
    const err = await t.sendMail({ from: ADELE, to: 'learner1@contoso.test', subject: 'full', text: 'x' }).catch((e) => e);
    expect([err.responseCode, err.command, err.response]).toEqual([554, 'DATA', '554 5.2.2 mailbox full; STOREDRV.Submission.Exception:QuotaExceededException.MapiExceptionQuotaExceeded [localhost.local-tenant]']);
    expect(await messages(world.tenant, 'learner1@contoso.test', 'inbox')).toHaveLength(0);
    expect(await counters()).toMatchObject({ rejected: 3, accepted: 0 });
    // Another mailbox is not affected; a freed one sends again.
    expect((await fault({ mailbox: ADELE, clear: true })).status).toBe(200);
    expect((await t.sendMail({ from: ADELE, to: 'learner1@contoso.test', subject: 'room again', text: 'x' })).response).toMatch(/^250 /);
    expect((await sendMail({ subject: 'room again' })).status).toBe(202);
    t.close();
  });

  test('message IDs - kept as given (Graph internetMessageId, SMTP Message-ID), generated when absent, duplicates counted per mailbox', async () => {
    const id = '<n-42.r1@lms.contoso.test>';
    expect((await sendMail({ internetMessageId: id })).status).toBe(202);
    expect((await sendMail({ internetMessageId: id })).status).toBe(202);
    const t = smtp();
    await t.sendMail({ from: ADELE, to: 'learner1@contoso.test', subject: 'again', text: 'x', messageId: id });
    t.close();
    await sendMail({});
    await sendMail({});
    const c = await counters();
    expect(c.duplicatesByMessageId).toEqual({ [id]: 3 });
    expect(c.duplicates).toBe(2);
    const inbox = await messages(world.tenant, 'learner1@contoso.test', 'inbox');
    expect(inbox.filter((m) => m.internetMessageId === id)).toHaveLength(3);
    const generated = inbox.filter((m) => m.internetMessageId !== id).map((m) => m.internetMessageId);
    expect(new Set(generated).size).toBe(2);
    expect(inbox[0].headers).toEqual(expect.arrayContaining([{ name: 'Message-ID', value: id }]));
    expect((await sendMail({ internetMessageId: 'no-brackets' })).status).toBe(400);
  });

  test('graph-failure with accepted - sendMail takes and sends the message, then answers the 504 (a gateway timing out while Exchange goes on); other requests and the fault\'s count are untouched', async () => {
    const id = '<n-7.r1@lms.contoso.test>';
    await expect(fault(world.tenant, 'graph-failure', { status: 504, count: 1, accepted: 'yes' })).rejects.toThrow('accepted must be true or false');
    await fault(world.tenant, 'graph-failure', { status: 504, count: 1, accepted: true });
    // Not a sendMail: answered as usual, and the fault still waits for its sendMail.
    expect((await fetch(`${world.tenant.origin}/v1.0/me`, { headers: { authorization: `Bearer ${world.token}` } })).status).toBe(200);
    const late = await sendMail({ internetMessageId: id });
    expect(late.status).toBe(504);
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe('gatewayTimeout');
    // A retry of the same message is a second copy (the Message-ID lets the recipient's client collapse them).
    expect((await sendMail({ internetMessageId: id })).status).toBe(202);
    const inbox = await inboxOf(2, 5000);
    expect(inbox.filter((m) => m.internetMessageId === id)).toHaveLength(2);
    expect((await counters()).duplicatesByMessageId).toEqual({ [id]: 2 });
  });

  test('limits off - no delay, no concurrency limit; bad limit values are refused and change nothing', async () => {
    const refused = await limits({ messagesPerMinute: 0, enabled: false });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_limits');
    expect(((await (await fetch(`${world.tenant.origin}/_admin/limits`)).json()) as { enabled: boolean }).enabled).toBe(true);
    expect((await limits({ enabled: false })).status).toBe(200);
    await fault(world.tenant, 'latency', { ms: 200 });
    const statuses = (await Promise.all(Array.from({ length: 40 }, (_, i) => sendMail({ subject: `f${i}` })))).map((r) => r.status);
    expect(statuses.every((s) => s === 202)).toBe(true);
    expect(await messages(world.tenant, 'learner1@contoso.test', 'inbox')).toHaveLength(40);
    expect((await counters()).delayed).toBe(0);
  });

  test('time scale - LOCAL_TENANT_TIME_SCALE is a number from 1 to 10000', () => {
    expect(timeScaleFrom(undefined)).toBe(1);
    expect(timeScaleFrom('60')).toBe(60);
    expect(() => timeScaleFrom('fast')).toThrow(/LOCAL_TENANT_TIME_SCALE must be a number from 1 to 10000/);
    expect(() => timeScaleFrom('0.5')).toThrow();
  });

  test('EHLO - AUTH only after STARTTLS, and only LOGIN and XOAUTH2', async () => {
    const { wire, banner } = await SmtpWire.open(world.tenant.smtp.host, world.tenant.smtp.port);
    expect(banner).toMatch(/^220 /);
    const plain = await wire.send('EHLO client.test');
    expect(plain).toContain('STARTTLS');
    expect(plain).not.toMatch(/AUTH/);
    expect(await wire.send('AUTH LOGIN')).toMatch(/^5\d\d /);
    expect(await wire.startTls(world.tenant.caCertificate)).toMatch(/^220 /);
    const secure = await wire.send('EHLO client.test');
    expect(secure).toMatch(/^250-AUTH LOGIN XOAUTH2$/m);
    expect(secure).not.toContain('PLAIN');
    expect(await wire.send('MAIL FROM:<adele@contoso.test>')).toMatch(/^530 5\.7\.57 /);
    wire.close();
  });

  test('basic authentication off - 550 5.7.30 (retired) by default, 535 5.7.139 when an authentication policy blocks it', async () => {
    await fault(world.tenant, 'smtp-basic-auth', { enabled: false });
    const err = await smtp().sendMail({ from: ADELE, to: 'learner1@contoso.test', subject: 'x', text: 'x' }).catch((e) => e);
    expect(err.response).toBe('550 5.7.30 Basic authentication is not supported for Client Submission. [localhost.local-tenant]');
    await fault(world.tenant, 'smtp-basic-auth', { enabled: false, reply: 'policy' });
    const policy = await smtp().sendMail({ from: ADELE, to: 'learner1@contoso.test', subject: 'x', text: 'x' }).catch((e) => e);
    expect(policy.response).toMatch(/^535 5\.7\.139 Authentication unsuccessful, basic authentication is disabled\./);
    // Entra's security defaults, and a Conditional Access policy, each in the words servers answer with.
    await fault(world.tenant, 'smtp-basic-auth', { enabled: false, reply: 'security-defaults' });
    const defaults = await smtp().sendMail({ from: ADELE, to: 'learner1@contoso.test', subject: 'x', text: 'x' }).catch((e) => e);
    expect(defaults.response).toBe("535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator. [localhost.local-tenant]");
    await fault(world.tenant, 'smtp-basic-auth', { enabled: false, reply: 'conditional-access' });
    const criteria = await smtp().sendMail({ from: ADELE, to: 'learner1@contoso.test', subject: 'x', text: 'x' }).catch((e) => e);
    expect(criteria.response).toBe('535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator. [localhost.local-tenant]');
  });
});
