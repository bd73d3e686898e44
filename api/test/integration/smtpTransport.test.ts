import path from 'node:path';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import { ApiError } from '../../src/errors/apiError';
import { smtpApiError } from '../../src/errors/upstream';
import { SmtpMailTransport } from '../../src/mail/smtp';
import type { OutboundMessage } from '../../src/mail/message';
import { LocalTenant, startLocalTenant } from '../support/localTenant';
import { FIXTURE_PATH } from '../support/stack';

const ADELE = 'adele@contoso.test';

const message = (n: number): OutboundMessage => ({
  messageId: `<smtp-transport-${n}@lms.contoso.test>`,
  from: ADELE,
  to: ['learner1@contoso.test'],
  cc: [],
  bcc: [],
  subject: `Notification ${n}`,
  text: 'x'
});

/**
 * The SMTP transport over the local tenant's SMTP server (STARTTLS, XOAUTH2): when no access token
 * can be had, a send fails with the catalogue's error the token source gave - the one that decides
 * whether the catalog is taken for lost (R-LOSS-1) - not with nodemailer's own code for it.
 */
describe('SMTP transport (local tenant over loopback)', () => {
  let tenant: LocalTenant;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0, fixturePath: FIXTURE_PATH, certDir: path.resolve(__dirname, '..', '..', '..', '.local', 'certs') });
  });
  afterAll(async () => tenant.close());

  it('XOAUTH2 - a token that cannot be had fails each of three sends at once with the token source\'s catalogue error, not EAUTH', async () => {
    const revoked = new ApiError('TOKEN_REVOKED', { upstream: 'AADSTS70008' });
    let asked = 0;
    const transport = new SmtpMailTransport({ host: tenant.smtp.host, port: tenant.smtp.port, secure: false }, ADELE, {
      kind: 'oauth',
      token: async () => {
        asked++;
        throw revoked;
      }
    }, 3);
    try {
      const outcomes = await Promise.allSettled([1, 2, 3].map((n) => transport.send(message(n))));
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        const error = (outcome as PromiseRejectedResult).reason as ApiError;
        expect(error).toBeInstanceOf(ApiError);
        expect([error.code, error.upstream]).toEqual(['TOKEN_REVOKED', 'AADSTS70008']);
        expect(ERROR_CATALOGUE[error.code]).toBeDefined();
      }
      expect(asked).toBeGreaterThan(0);
      // The token source's error is the product's own: nothing rewrote it on the way.
      expect([revoked.code, revoked.message]).toEqual(['TOKEN_REVOKED', 'TOKEN_REVOKED']);
    } finally {
      await transport.close();
    }
  });

  it('From - the account\'s display name with its address, as recipients see a Graph message\'s sender; an account without one of its own is its address', async () => {
    const named = new SmtpMailTransport({ host: tenant.smtp.host, port: tenant.smtp.port, secure: false }, ADELE, { kind: 'password', pass: 'dev-password' }, 1, 'Adele Vance');
    const plain = new SmtpMailTransport({ host: tenant.smtp.host, port: tenant.smtp.port, secure: false }, ADELE, { kind: 'password', pass: 'dev-password' }, 1, ADELE);
    try {
      await named.send({ ...message(5), subject: 'named sender' });
      await plain.send({ ...message(6), subject: 'plain sender' });
    } finally {
      await named.close();
      await plain.close();
    }
    const res = await fetch(`${tenant.origin}/_admin/mailboxes/learner1%40contoso.test/messages?folder=inbox`);
    const inbox = ((await res.json()) as { value: Array<{ subject: string; from: { address: string; name: string | null } }> }).value;
    expect(inbox.find((m) => m.subject === 'named sender')?.from).toEqual({ address: ADELE, name: 'Adele Vance' });
    expect(inbox.find((m) => m.subject === 'plain sender')?.from.name ?? null).not.toBe('Adele Vance');
  });

  it('recipients refused at RCPT TO while the others took the message: the send resolves with their number and code; all refused, it fails', async () => {
    const smtp = new SmtpMailTransport({ host: tenant.smtp.host, port: tenant.smtp.port, secure: false }, ADELE, { kind: 'password', pass: 'dev-password' }, 1);
    const refuse = (address: string, clear = false) => fetch(`${tenant.origin}/_admin/faults/refuse-recipient`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address, clear }) });
    await refuse('learner2@contoso.test');
    await refuse('megan@contoso.test');
    try {
      expect(await smtp.send({ ...message(7), to: ['learner1@contoso.test', 'learner2@contoso.test'], cc: ['megan@contoso.test'] })).toEqual({ refused: { recipients: 2, code: 'RECIPIENT_REJECTED', addresses: ['learner2@contoso.test', 'megan@contoso.test'] } });
      expect(await smtp.send(message(8))).toEqual({ refused: null });
      const all = await smtp.send({ ...message(9), to: ['learner2@contoso.test'] }).catch((e: unknown) => e);
      expect([all instanceof ApiError, (all as ApiError).code]).toEqual([true, 'RECIPIENT_REJECTED']);
    } finally {
      await refuse('learner2@contoso.test', true);
      await refuse('megan@contoso.test', true);
      await smtp.close();
    }
  });

  it('recipients a server turns away for now: 452 (too many in one transaction) get the message in further transactions, each once; a greylisted one is counted refused with its own code', async () => {
    const smtp = new SmtpMailTransport({ host: tenant.smtp.host, port: tenant.smtp.port, secure: false }, ADELE, { kind: 'password', pass: 'dev-password' }, 1);
    const post = (name: string, body: object) => fetch(`${tenant.origin}/_admin/faults/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const inboxOf = async (who: string) => ((await (await fetch(`${tenant.origin}/_admin/mailboxes/${encodeURIComponent(who)}/messages?folder=inbox`)).json()) as { value: Array<{ internetMessageId: string }> }).value;
    await post('smtp-recipient-limit', { limit: 1 });
    try {
      const sent = { ...message(10), to: ['learner1@contoso.test', 'learner2@contoso.test'], cc: ['megan@contoso.test'] };
      expect(await smtp.send(sent)).toEqual({ refused: null });
      for (const who of ['learner1@contoso.test', 'learner2@contoso.test', 'megan@contoso.test']) {
        expect((await inboxOf(who)).filter((m) => m.internetMessageId === sent.messageId)).toHaveLength(1);
      }
      await post('smtp-recipient-limit', { clear: true });
      await post('refuse-recipient', { address: 'learner2@contoso.test', reply: 'greylisted' });
      const greylisted = await smtp.send({ ...message(11), to: ['learner1@contoso.test', 'learner2@contoso.test'] });
      expect(greylisted.refused?.recipients).toBe(1);
      expect(greylisted.refused?.code).not.toBe('RECIPIENT_REJECTED');
      expect(greylisted.refused?.code).toBe(smtpApiError({ responseCode: 450, response: '450 4.2.0 <learner2@contoso.test>: Recipient address rejected: Greylisted, try again later', code: 'EENVELOPE', command: 'RCPT TO' }, 'password').code);
    } finally {
      await post('smtp-recipient-limit', { clear: true });
      await post('refuse-recipient', { address: 'learner2@contoso.test', clear: true });
      await smtp.close();
    }
  });

  it('XOAUTH2 - a failure that is not the token\'s is the server\'s reply, mapped: a token the server refuses is TOKEN_REVOKED by its 535', async () => {
    const transport = new SmtpMailTransport({ host: tenant.smtp.host, port: tenant.smtp.port, secure: false }, ADELE, { kind: 'oauth', token: async () => 'not-a-token' }, 1);
    try {
      const error = await transport.send(message(4)).then(() => undefined, (e: unknown) => e as ApiError);
      expect(error).toBeInstanceOf(ApiError);
      expect(error?.code).toBe('TOKEN_REVOKED');
      expect(error?.upstream).toMatch(/^SMTP 535/);
    } finally {
      await transport.close();
    }
  });
});
