import nodemailer from 'nodemailer';
import { startLocalTenant, LocalTenant } from '../src/index';
import { connectionApiTokens, fault, messages } from './helpers/tokens';

describe('SMTP with nodemailer', () => {
  let tenant: LocalTenant;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
  });
  afterAll(async () => tenant.close());
  beforeEach(() => tenant.reset());

  const transport = (auth: Record<string, string>) =>
    nodemailer.createTransport({ host: tenant.smtp.host, port: tenant.smtp.port, secure: false, requireTLS: true, auth: auth as never, tls: { ca: tenant.caCertificate } });

  const send = (auth: Record<string, string>, from: string, extra: Record<string, unknown> = {}) =>
    transport(auth).sendMail({ from, to: 'learner1@contoso.test', subject: 'Reminder', text: 'Session tomorrow', ...extra });

  async function smtpToken(upn: string): Promise<string> {
    const res = await connectionApiTokens(tenant, upn, ['https://outlook.office.com/SMTP.Send']);
    return res.access_token as string;
  }

  test('nodemailer - AUTH LOGIN with the password sends, and the message lands in both mailboxes', async () => {
    const info = await send({ user: 'adele@contoso.test', pass: 'dev-password' }, 'adele@contoso.test');
    expect(info.response).toMatch(/^250 2\.0\.0 OK/);
    expect((await messages(tenant, 'learner1@contoso.test', 'inbox')).map((m) => [m.subject, m.via, m.body.content.trim()])).toEqual([['Reminder', 'smtp', 'Session tomorrow']]);
    expect((await messages(tenant, 'adele@contoso.test', 'sentitems')).map((m) => m.subject)).toEqual(['Reminder']);
  });

  test('nodemailer - XOAUTH2 with an SMTP.Send token sends', async () => {
    const accessToken = await smtpToken('adele@contoso.test');
    const info = await send({ type: 'OAuth2', user: 'adele@contoso.test', accessToken }, 'adele@contoso.test');
    expect(info.accepted).toEqual(['learner1@contoso.test']);
  });

  test('nodemailer - a wrong password answers 535 5.7.3', async () => {
    const err = await send({ user: 'adele@contoso.test', pass: 'wrong' }, 'adele@contoso.test').catch((e) => e);
    expect(err.responseCode).toBe(535);
    expect(err.response).toMatch(/^535 5\.7\.3 Authentication unsuccessful/);
  });

  test('nodemailer - SMTP AUTH disabled for the mailbox answers 535 5.7.139 (password and XOAUTH2)', async () => {
    const err = await send({ user: 'pradeep@contoso.test', pass: 'dev-password' }, 'pradeep@contoso.test').catch((e) => e);
    expect(err.response).toMatch(/^535 5\.7\.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox/);
    const accessToken = await smtpToken('pradeep@contoso.test');
    const oauthErr = await send({ type: 'OAuth2', user: 'pradeep@contoso.test', accessToken }, 'pradeep@contoso.test').catch((e) => e);
    expect(oauthErr.response).toMatch(/^535 5\.7\.139 /);
  });

  test('nodemailer - basic authentication turned off for the tenant answers 550 5.7.30, and XOAUTH2 still sends', async () => {
    await fault(tenant, 'smtp-basic-auth', { enabled: false });
    const err = await send({ user: 'adele@contoso.test', pass: 'dev-password' }, 'adele@contoso.test').catch((e) => e);
    expect(err.response).toMatch(/^550 5\.7\.30 Basic authentication is not supported for Client Submission/);
    const accessToken = await smtpToken('adele@contoso.test');
    expect((await send({ type: 'OAuth2', user: 'adele@contoso.test', accessToken }, 'adele@contoso.test')).accepted).toEqual(['learner1@contoso.test']);
  });

  test('nodemailer - a recipient refused at RCPT TO (refuse-recipient fault) gets nothing; the others get the message, counted as they are', async () => {
    await fault(tenant, 'refuse-recipient', { address: 'Learner2@contoso.test' });
    const info = await send({ user: 'adele@contoso.test', pass: 'dev-password' }, 'adele@contoso.test', { to: ['learner1@contoso.test', 'learner2@contoso.test'] });
    expect([info.accepted, info.rejected]).toEqual([['learner1@contoso.test'], ['learner2@contoso.test']]);
    expect(info.rejectedErrors?.[0]?.response).toMatch(/^550 5\.1\.1 <learner2@contoso\.test>: Recipient address rejected/);
    expect((await messages(tenant, 'learner1@contoso.test', 'inbox')).map((m) => m.subject)).toEqual(['Reminder']);
    // The header still names both (as sent); only the accepted envelope is delivered to.
    expect(await messages(tenant, 'learner2@contoso.test', 'inbox')).toEqual([]);
    const all = await send({ user: 'adele@contoso.test', pass: 'dev-password' }, 'adele@contoso.test', { to: ['learner2@contoso.test'] }).catch((e) => e);
    expect([all.code, all.command]).toEqual(['EENVELOPE', 'RCPT TO']);
    await fault(tenant, 'refuse-recipient', { address: 'learner2@contoso.test', clear: true });
    expect((await send({ user: 'adele@contoso.test', pass: 'dev-password' }, 'adele@contoso.test', { to: ['learner2@contoso.test'] })).accepted).toEqual(['learner2@contoso.test']);
  });

  test('nodemailer - a recipient limit of its own (smtp-recipient-limit) answers 452 4.5.3 past it; greylisting (refuse-recipient reply greylisted) 450 4.2.0', async () => {
    await fault(tenant, 'smtp-recipient-limit', { limit: 1 });
    const info = await send({ user: 'adele@contoso.test', pass: 'dev-password' }, 'adele@contoso.test', { to: ['learner1@contoso.test', 'learner2@contoso.test'] });
    expect([info.accepted, info.rejected, info.rejectedErrors?.[0]?.response]).toEqual([['learner1@contoso.test'], ['learner2@contoso.test'], '452 4.5.3 Too many recipients [localhost.local-tenant]']);
    await fault(tenant, 'smtp-recipient-limit', { clear: true });
    await fault(tenant, 'refuse-recipient', { address: 'learner2@contoso.test', reply: 'greylisted' });
    const greylisted = await send({ user: 'adele@contoso.test', pass: 'dev-password' }, 'adele@contoso.test', { to: ['learner1@contoso.test', 'learner2@contoso.test'] });
    expect(greylisted.rejectedErrors?.[0]?.response).toMatch(/^450 4\.2\.0 <learner2@contoso\.test>: Recipient address rejected: Greylisted/);
  });

  test('nodemailer - sending as someone else answers 550 5.7.60 after the message (DATA), as real servers do; nothing is delivered', async () => {
    const err = await send({ user: 'adele@contoso.test', pass: 'dev-password' }, 'megan@contoso.test').catch((e) => e);
    expect([err.responseCode, err.command]).toEqual([550, 'DATA']);
    expect(err.response).toMatch(/^550 5\.7\.60 SMTP; Client does not have permissions to send as this sender/);
    expect(await messages(tenant, 'learner1@contoso.test', 'inbox')).toEqual([]);
  });

  test('nodemailer - a mailbox whose UPN is not its address: XOAUTH2 names it by either, and it sends as its address (the UPN is no address of it: 5.7.60)', async () => {
    await fault(tenant, 'rename-upn', { user: 'adele@contoso.test', upn: 'adele.vance@contoso.test' });
    const accessToken = await smtpToken('adele.vance@contoso.test');
    for (const user of ['adele@contoso.test', 'adele.vance@contoso.test']) {
      expect((await send({ type: 'OAuth2', user, accessToken }, 'adele@contoso.test', { subject: `as ${user}` })).accepted).toEqual(['learner1@contoso.test']);
    }
    const inbox = await messages(tenant, 'learner1@contoso.test', 'inbox');
    expect(inbox.map((m) => m.from.address)).toEqual(['adele@contoso.test', 'adele@contoso.test']);
    const err = await send({ type: 'OAuth2', user: 'adele@contoso.test', accessToken }, 'adele.vance@contoso.test').catch((e) => e);
    expect(err.response).toMatch(/^550 5\.7\.60 /);
    // A password login by either name too; it sends as the address, not the UPN.
    expect((await send({ user: 'adele@contoso.test', pass: 'dev-password' }, 'adele@contoso.test', { subject: 'by password' })).accepted).toEqual(['learner1@contoso.test']);
    expect((await send({ user: 'adele.vance@contoso.test', pass: 'dev-password' }, 'adele.vance@contoso.test').catch((e) => e)).response).toMatch(/^550 5\.7\.60 /);
    // Another account's token names no mailbox of this one, whichever name is given.
    const megan = await smtpToken('megan@contoso.test');
    expect((await send({ type: 'OAuth2', user: 'adele@contoso.test', accessToken: megan }, 'adele@contoso.test').catch((e) => e)).response).toMatch(/^535 5\.7\.3 /);
  });

  test('nodemailer - a From header that is not the account (the envelope is) is refused at submission: 554 5.2.252 SendAsDenied', async () => {
    const err = await send({ user: 'adele@contoso.test', pass: 'dev-password' }, 'megan@contoso.test', { envelope: { from: 'adele@contoso.test', to: ['learner1@contoso.test'] } }).catch((e) => e);
    expect(err.responseCode).toBe(554);
    expect(err.response).toMatch(/^554 5\.2\.252 SendAsDenied; adele@contoso\.test not allowed to send as megan@contoso\.test; STOREDRV\.Submission\.Exception:SendAsDeniedException/);
    expect(await messages(tenant, 'learner1@contoso.test', 'inbox')).toEqual([]);
  });

  test('nodemailer - a throttled mailbox answers 4xx', async () => {
    await fault(tenant, 'throttle', { mailbox: 'adele@contoso.test', retryAfterSeconds: 30 });
    const err = await send({ user: 'adele@contoso.test', pass: 'dev-password' }, 'adele@contoso.test').catch((e) => e);
    expect(err.responseCode).toBe(432);
    expect(err.response).toMatch(/^432 4\.3\.2 /);
  });

  test('nodemailer - a changed password fails with 535 5.7.3', async () => {
    await fault(tenant, 'password', { user: 'adele@contoso.test', password: 'new-password' });
    const err = await send({ user: 'adele@contoso.test', pass: 'dev-password' }, 'adele@contoso.test').catch((e) => e);
    expect(err.response).toMatch(/^535 5\.7\.3 /);
    expect((await send({ user: 'adele@contoso.test', pass: 'new-password' }, 'adele@contoso.test')).accepted).toEqual(['learner1@contoso.test']);
  });

  test('nodemailer - an iCalendar invitation is kept with its method', async () => {
    const ics = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:1@x\r\nDTSTART:20270104T090000Z\r\nDTEND:20270104T100000Z\r\nSUMMARY:Session\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    await send({ user: 'adele@contoso.test', pass: 'dev-password' }, 'adele@contoso.test', { icalEvent: { method: 'REQUEST', content: ics } });
    const [m] = await messages(tenant, 'learner1@contoso.test', 'inbox');
    expect(m.calendar?.method).toBe('REQUEST');
    expect(m.calendar?.ics).toContain('SUMMARY:Session');
  });

  test('nodemailer - the name localhost works too (SMTP answers on 127.0.0.1 and ::1)', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      // The certificate names localhost; checking it by that name keeps the test about the socket.
      const t = nodemailer.createTransport({ host, port: tenant.smtp.port, secure: false, requireTLS: true, auth: { user: 'adele@contoso.test', pass: 'dev-password' }, tls: { ca: tenant.caCertificate, servername: 'localhost' } });
      expect(await t.verify()).toBe(true);
    }
  });
});
