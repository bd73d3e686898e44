import { SmtpWire } from '../test/helpers/smtp-wire';
import { eachTarget, nobody } from './targets';

/** SMTP client submission (smtp.office365.com:587): what EHLO offers and when; no mail is sent. */
eachTarget('smtp', (target) => {
  let wire: SmtpWire;
  afterEach(() => wire?.close());

  const secureSession = async (): Promise<string> => {
    const t = target();
    const opened = await SmtpWire.open(t.smtp.host, t.smtp.port);
    wire = opened.wire;
    await wire.send('EHLO conformance.test');
    await wire.startTls(t.smtp.ca, t.name === 'local tenant' ? 'localhost' : t.smtp.host);
    return wire.send('EHLO conformance.test');
  };

  test('EHLO - STARTTLS offered, AUTH not, before TLS', async () => {
    const t = target();
    const opened = await SmtpWire.open(t.smtp.host, t.smtp.port);
    wire = opened.wire;
    expect(opened.banner).toMatch(/^220 /);
    const ehlo = await wire.send('EHLO conformance.test');
    expect(ehlo).toMatch(/^250-.*STARTTLS/m);
    expect(ehlo).not.toMatch(/AUTH/);
  });

  test('EHLO - after STARTTLS, AUTH LOGIN and XOAUTH2, no PLAIN', async () => {
    const ehlo = await secureSession();
    expect(ehlo).toMatch(/^250[- ]AUTH LOGIN XOAUTH2$/m);
    expect(ehlo).not.toContain('PLAIN');
  });

  test('MAIL FROM before AUTH - 530 5.7.57', async () => {
    await secureSession();
    expect(await wire.send(`MAIL FROM:<${target().user}>`)).toMatch(/^530 5\.7\.57 /);
  });

  test('AUTH LOGIN for an account that does not exist - refused with 535 5.7.3 (or, where basic authentication is off, 535 5.7.139 / 550 5.7.30)', async () => {
    await secureSession();
    expect(await wire.send('AUTH LOGIN')).toMatch(/^334 /);
    expect(await wire.send(Buffer.from(nobody(target())).toString('base64'))).toMatch(/^334 /);
    const reply = await wire.send(Buffer.from('not-a-password').toString('base64'));
    expect(reply).toMatch(/^(535 5\.7\.3 |535 5\.7\.139 |550 5\.7\.30 )/);
  });
});
