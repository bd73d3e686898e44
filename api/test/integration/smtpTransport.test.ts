import { EventEmitter, once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import { ApiError } from '../../src/errors/apiError';
import { smtpApiError } from '../../src/errors/upstream';
import { SEND_TIMEOUTS, SmtpMailTransport, type SmtpTimeouts, verifySmtpLogin } from '../../src/mail/smtp';
import type { OutboundMessage } from '../../src/mail/message';
import { LocalTenant, startLocalTenant } from '../support/localTenant';
import { FIXTURE_PATH } from '../support/stack';

const ADELE = 'adele@contoso.test';
const CERT_DIR = path.resolve(__dirname, '..', '..', '..', '.local', 'certs');

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
    tenant = await startLocalTenant({ port: 0, smtpPort: 0, fixturePath: FIXTURE_PATH, certDir: CERT_DIR });
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

  /**
   * A server that stretches its replies out (smtp-server on loopback, STARTTLS and AUTH LOGIN as
   * Exchange offers them). `pace` decides how long the reply to AUTH or to DATA is held - silent, or
   * trickled meanwhile as a continuation line ("235-", "250-") a byte every TRICKLE_MS, under the
   * tests' socket timeout - before the server's own last line. Nothing but a deadline ends a
   * trickled reply early; a silent one meets the socket timeout.
   */
  describe('a server that offers no AUTH (not a submission server: an SMTP_HOST pointed at a relay)', () => {
    let server: SMTPServer;
    const received: string[] = [];
    const endpoint = () => ({ host: '127.0.0.1', port: (server.server.address() as AddressInfo).port, secure: false });

    beforeAll(async () => {
      server = new SMTPServer({
        key: readFileSync(path.join(CERT_DIR, 'server-key.pem')),
        cert: readFileSync(path.join(CERT_DIR, 'server.pem')),
        disabledCommands: ['AUTH'],
        logger: false,
        disableReverseLookup: true,
        onData(stream, session, callback) {
          received.push(session.envelope.mailFrom ? String(session.envelope.mailFrom.address) : '');
          stream.resume();
          stream.once('end', () => callback());
        }
      });
      server.listen(0, '127.0.0.1');
      await once(server.server, 'listening');
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('login check - fails (SMTP_UNAVAILABLE, upstream ENOAUTH) instead of passing without a login: a Classic connect with any password is refused', async () => {
      const error = (await verifySmtpLogin(endpoint(), { user: ADELE, pass: 'any password at all' }).catch((e: unknown) => e)) as ApiError;
      expect([error instanceof ApiError, error.code, error.upstream]).toEqual([true, 'SMTP_UNAVAILABLE', 'ENOAUTH']);
    });

    it('send - is refused as a failed login (the connection is held), and the server receives nothing: nodemailer is made to log in where no AUTH is offered', async () => {
      const smtp = new SmtpMailTransport(endpoint(), ADELE, { kind: 'password', pass: 'any' }, 1);
      try {
        const error = (await smtp.send(message(90)).catch((e: unknown) => e)) as ApiError;
        expect([error instanceof ApiError, error.code]).toEqual([true, 'BAD_CREDENTIALS']);
        expect(received).toEqual([]);
      } finally {
        await smtp.close();
      }
    });
  });

  describe('deadlines - a server that trickles its replies', () => {
    const TRICKLE_MS = 200;
    /** A socket timeout the trickle stays under, and the deadline. */
    const FAST: SmtpTimeouts = { ...SEND_TIMEOUTS, socketTimeout: 1_000, deadline: 1_500 };
    const STALL = 'stall@contoso.test';
    type Step = 'auth' | 'data';
    type Hold = { trickle: boolean; ms?: number; until?: Promise<unknown> } | undefined;
    let pace: (step: Step, session: SMTPServerSession) => Hold = () => undefined;
    const sockets = new Map<string, Socket>();
    const closed = new Set<string>();
    const events = new EventEmitter();
    let server: SMTPServer;
    const endpoint = () => ({ host: '127.0.0.1', port: (server.server.address() as AddressInfo).port, secure: false });
    const login = { kind: 'password' as const, pass: 'any' };

    /** When the server saw the session's connection close. */
    const whenClosed = (id: string): Promise<void> => closed.has(id) ? Promise.resolve() : new Promise((resolve) => {
      const seen = (closedId: string): void => {
        if (closedId === id) {
          events.off('closed', seen);
          resolve();
        }
      };
      events.on('closed', seen);
    });
    const closedWithin = async (id: string, ms: number): Promise<boolean> => {
      for (const until = Date.now() + ms; !closed.has(id) && Date.now() < until;) {
        await delay(20);
      }
      return closed.has(id);
    };

    /** Answers at once, or holds the reply as `pace` says; a connection closed meanwhile gets nothing more. */
    const answer = (step: Step, session: SMTPServerSession, done: () => void): void => {
      const hold = pace(step, session);
      const socket = sockets.get(session.id);
      if (!hold || !socket) {
        done();
        return;
      }
      const line = `${step === 'auth' ? 235 : 250}-stalling\r\n`;
      let sent = 0;
      const trickle = hold.trickle ? setInterval(() => socket.write(line[sent++ % line.length]), TRICKLE_MS) : undefined;
      let over = false;
      const finish = (answered: boolean): void => {
        if (!over) {
          over = true;
          clearInterval(trickle);
          clearTimeout(timer);
          socket.off('close', gone);
          if (answered) {
            // The line trickled so far is completed first, or the server's own would extend it.
            socket.write(line.slice(sent % line.length));
            done();
          }
        }
      };
      const gone = (): void => finish(false);
      const timer = hold.ms === undefined ? undefined : setTimeout(() => finish(true), hold.ms);
      void hold.until?.then(() => finish(true));
      socket.once('close', gone);
      events.emit('held', step, session);
    };

    beforeAll(async () => {
      server = new SMTPServer({
        key: readFileSync(path.join(CERT_DIR, 'server-key.pem')),
        cert: readFileSync(path.join(CERT_DIR, 'server.pem')),
        authMethods: ['LOGIN'],
        logger: false,
        disableReverseLookup: true,
        closeTimeout: 100,
        onSecure(socket, session, callback) {
          sockets.set(session.id, socket);
          callback();
        },
        onAuth(auth, session, callback) {
          answer('auth', session, () => callback(null, { user: auth.username }));
        },
        onData(stream, session, callback) {
          stream.resume();
          stream.once('end', () => answer('data', session, () => callback()));
        },
        onClose(session) {
          closed.add(session.id);
          sockets.delete(session.id);
          events.emit('closed', session.id);
        }
      });
      server.listen(0, '127.0.0.1');
      await once(server.server, 'listening');
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    afterEach(() => {
      pace = () => undefined;
    });

    it('send - a reply to DATA trickled out, a byte every 200 ms under the 1 s socket timeout, fails at the 1.5 s deadline with the error a socket timeout gives (passing: sent again later, same Message-ID); the stalled connection is closed and the next send goes through', async () => {
      const smtp = new SmtpMailTransport(endpoint(), ADELE, login, 1, undefined, FAST);
      try {
        // What a server that goes quiet after DATA gets: nodemailer's socket timeout, mapped.
        pace = (step) => (step === 'data' ? { trickle: false, ms: 5_000 } : undefined);
        const quiet = (await smtp.send(message(20)).catch((e: unknown) => e)) as ApiError;
        expect([quiet instanceof ApiError, quiet.code, quiet.upstream]).toEqual([true, 'SMTP_UNAVAILABLE', 'ETIMEDOUT']);

        pace = (step) => (step === 'data' ? { trickle: true, ms: 8_000 } : undefined);
        const held = once(events, 'held') as Promise<[Step, SMTPServerSession]>;
        const startedAt = Date.now();
        const trickled = (await smtp.send(message(21)).catch((e: unknown) => e)) as ApiError;
        const took = Date.now() - startedAt;
        expect([trickled instanceof ApiError, trickled.code, trickled.upstream]).toEqual([true, quiet.code, quiet.upstream]);
        expect(took).toBeGreaterThanOrEqual(FAST.deadline - 50);
        expect(took).toBeLessThan(FAST.deadline + 3_000);
        // Torn down, not left trickling: the server sees the connection close.
        const [, session] = await held;
        expect(await closedWithin(session.id, 3_000)).toBe(true);

        // The pool's one connection slot is free: a send now neither waits for the stalled one nor fails.
        pace = () => undefined;
        const againAt = Date.now();
        expect(await smtp.send(message(22))).toEqual({ refused: null });
        expect(Date.now() - againAt).toBeLessThan(FAST.deadline);
      } finally {
        await smtp.close();
      }
    });

    it('send - the deadline closes the stalled connection only: a send on its way over another connection of the same transport at that moment goes through', async () => {
      const deadline = 2_000;
      const smtp = new SmtpMailTransport(endpoint(), ADELE, login, 2, undefined, { ...FAST, deadline });
      let stalled: string | undefined;
      let otherHeldFirst = false;
      pace = (step, session) => {
        if (step !== 'data') {
          return undefined;
        }
        if (session.envelope.rcptTo.some((r) => r.address === STALL)) {
          stalled = session.id;
          return { trickle: true, ms: 8_000 };
        }
        // The other send's reply is held (trickled) until the stalled connection is gone.
        otherHeldFirst = stalled !== undefined && !closed.has(stalled);
        return { trickle: true, until: stalled ? whenClosed(stalled) : undefined };
      };
      try {
        const startedAt = Date.now();
        const first = smtp.send({ ...message(23), to: [STALL] }).catch((e: unknown) => e);
        // Started halfway through the first one's deadline, it is at DATA when that passes.
        await delay(deadline / 2);
        const other = smtp.send(message(24)).catch((e: unknown) => e);
        const error = (await first) as ApiError;
        expect([error instanceof ApiError, error.code, error.upstream]).toEqual([true, 'SMTP_UNAVAILABLE', 'ETIMEDOUT']);
        expect(Date.now() - startedAt).toBeLessThan(deadline + 3_000);
        expect(await other).toEqual({ refused: null });
        expect(otherHeldFirst).toBe(true);
      } finally {
        await smtp.close();
      }
    });

    it('login check - a reply to AUTH trickled out fails at the deadline with the error a socket timeout gives, and the connection is closed; a server that answers passes', async () => {
      pace = (step) => (step === 'auth' ? { trickle: true, ms: 8_000 } : undefined);
      const held = once(events, 'held') as Promise<[Step, SMTPServerSession]>;
      const startedAt = Date.now();
      const error = (await verifySmtpLogin(endpoint(), { user: ADELE, pass: 'any' }, FAST).catch((e: unknown) => e)) as ApiError;
      const took = Date.now() - startedAt;
      expect([error instanceof ApiError, error.code, error.upstream]).toEqual([true, 'SMTP_UNAVAILABLE', 'ETIMEDOUT']);
      expect(took).toBeGreaterThanOrEqual(FAST.deadline - 50);
      expect(took).toBeLessThan(FAST.deadline + 3_000);
      const [, session] = await held;
      expect(await closedWithin(session.id, 3_000)).toBe(true);

      pace = () => undefined;
      await expect(verifySmtpLogin(endpoint(), { user: ADELE, pass: 'any' }, FAST)).resolves.toBeUndefined();
    });
  });
});
