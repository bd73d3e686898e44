import nodemailer, { SendMailOptions, Transporter } from 'nodemailer';
import SMTPConnection, { type SMTPConnectionAuth } from 'nodemailer/lib/smtp-connection';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import XOAuth2 from 'nodemailer/lib/xoauth2';
import { ApiError } from '../errors/apiError';
import { smtpApiError, SmtpContext } from '../errors/upstream';
import type { ErrorCode } from '@lms-m365/contracts';
import type { OutboundMessage } from './message';
import type { GraphMailTransport } from './graphTransport';
import type { MailTransport, SendReceipt } from './transport';

export interface SmtpEndpoint {
  host: string;
  port: number;
  secure: boolean;
}

/** How to log in: a password (classic) or an OAuth access token (XOAUTH2, modern). */
export type SmtpLogin = { user: string; pass: string } | { user: string; accessToken: string };

/**
 * nodemailer's limits (ms) are idle ones: connecting, the greeting, and `socketTimeout` without a
 * byte from the server - a server that trickles its replies (a byte every few seconds) never
 * meets them. `deadline` bounds the whole: one SMTP transaction of a send (queueing for a pool
 * connection, connecting and logging in included), or one login check. It ends as a socket
 * timeout does (SMTP_UNAVAILABLE, upstream ETIMEDOUT): the server may have taken the message, so
 * the engine sends it again later with the same Message-ID.
 */
export interface SmtpTimeouts {
  connectionTimeout: number;
  greetingTimeout: number;
  socketTimeout: number;
  deadline: number;
}

/**
 * A send: a minute. Exchange Online takes a second or two; a slow server that keeps within the idle
 * limits (connecting 10 s, greeting 10 s, a reply 20 s) still fits, one that trickles holds the
 * mailbox's slot (and a shutdown) for a minute instead of for ever.
 */
export const SEND_TIMEOUTS: SmtpTimeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000, deadline: 60_000 };
/** A login check: the 40 s an SMTP probe is said to take at most (health/monitor.ts, docs/api.md). */
export const VERIFY_TIMEOUTS: SmtpTimeouts = { ...SEND_TIMEOUTS, deadline: 40_000 };

/** The deadline passed: as nodemailer reports a socket timeout, so it maps to the same error. */
function deadlinePassed(): Error {
  return Object.assign(new Error('SMTP deadline passed'), { code: 'ETIMEDOUT', command: 'CONN' });
}

function contextOf(login: SmtpLogin): SmtpContext {
  return 'pass' in login ? 'password' : 'oauth';
}

/**
 * Logs in and out without sending: proves the credentials (R-CLS-3) or SMTP AUTH (R-MOD-8). Over
 * nodemailer's SMTPConnection rather than a transport's verify(), which keeps its connection to
 * itself: at the deadline this one is closed (its socket ended, and destroyed if the server does
 * not close its side within nodemailer's socketCloseTimeout, 5 s). The deadline runs until the
 * connection ends, so it bounds the QUIT after a login that worked too. Unlike verify(), a server
 * that offers no AUTH fails the check (SMTP_UNAVAILABLE, upstream ENOAUTH) instead of passing it.
 */
export async function verifySmtpLogin(endpoint: SmtpEndpoint, login: SmtpLogin, timeouts: SmtpTimeouts = VERIFY_TIMEOUTS): Promise<void> {
  const { deadline, ...idle } = timeouts;
  const auth: SMTPConnectionAuth = 'pass' in login
    ? { type: 'LOGIN', user: login.user, credentials: { user: login.user, pass: login.pass }, method: false }
    : { type: 'OAUTH2', user: login.user, oauth2: new XOAuth2({ user: login.user, accessToken: login.accessToken }, false), method: 'XOAUTH2' };
  const connection = new SMTPConnection({ host: endpoint.host, port: endpoint.port, secure: endpoint.secure, requireTLS: !endpoint.secure, ...idle, logger: false, debug: false });
  try {
    await new Promise<void>((resolve, reject) => {
      // Rejected before the close, whose 'end' would settle it as a plain "Connection closed".
      const fail = (error: unknown): void => {
        reject(error);
        connection.close();
      };
      const timer = setTimeout(() => fail(deadlinePassed()), deadline);
      connection.once('end', () => {
        clearTimeout(timer);
        reject(new Error('Connection closed'));
      });
      connection.on('error', fail);
      connection.connect((error) => {
        if (error) {
          return fail(error);
        }
        // Exchange offers AUTH after STARTTLS, also where it then refuses it (5.7.139). A server
        // that offers none cannot prove a password or a token: passing here would connect any.
        if (!connection.allowsAuth) {
          return fail(Object.assign(new Error('The SMTP server offers no AUTH'), { code: 'ENOAUTH', command: 'EHLO' }));
        }
        connection.login(auth, (loginError) => {
          if (loginError) {
            return fail(loginError);
          }
          connection.quit();
          resolve();
        });
      });
    });
  } catch (error) {
    throw smtpApiError(error, contextOf(login));
  }
}

/** What an SMTP transport logs in with: a password, or a source of XOAUTH2 access tokens. */
export type SmtpCredentials = { kind: 'password'; pass: string } | { kind: 'oauth'; token: (force?: boolean) => Promise<string> };

/**
 * What nodemailer is handed when a token cannot be had. It rewrites an error it is given (its
 * `code` becomes EAUTH, its message grows), so the catalogue's error rides along untouched here and
 * is read back from the error the send fails with - per send, as up to `concurrency` run at once.
 */
class TokenProvisionError extends Error {
  public constructor(public readonly apiError: ApiError) {
    super('No access token for XOAUTH2');
  }
}

/**
 * Sends over SMTP as the connected account with a pool of at most `concurrency` connections to
 * the mailbox (Exchange allows 3 per mailbox). The pool lives as long as the transport: one burst.
 */
/** A recipient nodemailer says was refused at RCPT TO. */
interface RcptError {
  recipient?: unknown;
  responseCode?: number;
  response?: string;
  code?: string;
  command?: string;
}

export class SmtpMailTransport implements MailTransport {
  public readonly kind: 'smtp-oauth' | 'smtp-password';
  private readonly pool: Transporter<SMTPPool.SentMessageInfo>;
  /** The account as From shows it: its display name with its address (as Exchange shows a Graph message's sender). */
  private readonly sender: string | { name: string; address: string };
  /** Modern only: the account's calendar through Graph (MailTransport.calendar), set by the credentials provider. */
  public calendar?: () => GraphMailTransport;

  public constructor(private readonly endpoint: SmtpEndpoint, public readonly account: string, private readonly credentials: SmtpCredentials, public readonly concurrency: number, displayName?: string, private readonly timeouts: SmtpTimeouts = SEND_TIMEOUTS) {
    this.kind = credentials.kind === 'password' ? 'smtp-password' : 'smtp-oauth';
    this.sender = displayName && displayName !== account ? { name: displayName, address: account } : account;
    const auth = credentials.kind === 'password'
      ? { type: 'login' as const, user: account, pass: credentials.pass }
      : { type: 'OAuth2' as const, user: account };
    this.pool = nodemailer.createTransport({
      pool: true,
      maxConnections: concurrency,
      maxMessages: 100,
      host: endpoint.host,
      port: endpoint.port,
      secure: endpoint.secure,
      requireTLS: !endpoint.secure,
      auth,
      // nodemailer skips the login where the server offers no AUTH and would send unauthenticated
      // as the account; asked anyway, such a server refuses and nothing is sent.
      forceAuth: true,
      connectionTimeout: timeouts.connectionTimeout,
      greetingTimeout: timeouts.greetingTimeout,
      socketTimeout: timeouts.socketTimeout,
      logger: false,
      debug: false
    } as SMTPPool.Options);
    if (credentials.kind === 'oauth') {
      this.pool.set('oauth2_provision_cb', (_user: string, renew: boolean, callback: (error: Error | null, token?: string) => void) => {
        credentials.token(renew).then(
          (token) => callback(null, token),
          (error: unknown) => callback(new TokenProvisionError(error instanceof ApiError ? error : new ApiError('TOKEN_REVOKED')))
        );
      });
    }
  }

  private get context(): SmtpContext {
    return this.credentials.kind === 'password' ? 'password' : 'oauth';
  }

  public async probe(): Promise<void> {
    const login: SmtpLogin = this.credentials.kind === 'password'
      ? { user: this.account, pass: this.credentials.pass }
      : { user: this.account, accessToken: await this.credentials.token(true) };
    await verifySmtpLogin(this.endpoint, login);
  }

  /**
   * Submits the message. A server may refuse some recipients at RCPT TO and take it for the rest
   * (nodemailer then sends DATA for those): the receipt counts them. Those it turns away with 452
   * (RFC 5321 4.5.3.1.10: too many recipients for one transaction) get the same message, the same
   * Message-ID, in a further transaction; each one that is taken shortens the list.
   */
  public async send(message: OutboundMessage): Promise<SendReceipt> {
    const from = message.from === this.account ? this.sender : message.from;
    const mail = {
      messageId: message.messageId,
      from,
      to: message.to,
      cc: message.cc,
      bcc: message.bcc,
      subject: message.subject,
      html: message.html,
      text: message.text,
      ...(message.calendar ? { icalEvent: { method: message.calendar.method, content: message.calendar.content } } : {})
    };
    let info: SMTPPool.SentMessageInfo;
    try {
      info = await this.transaction(mail);
    } catch (error) {
      throw this.failure(error);
    }
    const refused = new Set<string>();
    let code: ErrorCode = 'RECIPIENT_REJECTED';
    for (;;) {
      const errors = (info as { rejectedErrors?: RcptError[] }).rejectedErrors ?? [];
      const deferred = errors.filter((e) => e.responseCode === 452 && typeof e.recipient === 'string').map((e) => e.recipient as string);
      for (const e of errors.filter((x) => !deferred.includes(x.recipient as string))) {
        code = smtpApiError(e, this.context).code;
      }
      // nodemailer lists every refused recipient in `rejected` (its error, when it has one, in `rejectedErrors`).
      for (const address of (info.rejected ?? []) as unknown[]) {
        if (typeof address === 'string' && !deferred.includes(address)) {
          refused.add(address.toLowerCase());
        }
      }
      if (deferred.length === 0) {
        break;
      }
      try {
        info = await this.transaction({ ...mail, envelope: { from: typeof from === 'string' ? from : from.address, to: deferred } });
      } catch (error) {
        // The rest refused again (all of them, or the session failed): they did not get it.
        deferred.forEach((address) => refused.add(address.toLowerCase()));
        code = this.failure(error).code;
        break;
      }
    }
    return { refused: refused.size > 0 ? { recipients: refused.size, code, addresses: [...refused] } : null };
  }

  /**
   * One SMTP transaction within the deadline. At the deadline the message's AbortSignal makes the
   * pool take it out of its queue, or close the one connection sending it (socket ended, destroyed
   * after socketCloseTimeout): its slot is free for the next send. The other connections and the
   * messages on their way over them go on - closing the pool (`close({ force: true })`) would fail
   * those too, and leave the transport unusable for the rest of the burst.
   */
  private async transaction(mail: SendMailOptions): Promise<SMTPPool.SentMessageInfo> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeouts.deadline);
    try {
      return await this.pool.sendMail({ ...mail, signal: deadline.signal });
    } catch (error) {
      throw deadline.signal.aborted ? deadlinePassed() : error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A failed submission as the catalogue's error: the token source's own (carried through nodemailer), or the server's reply mapped. */
  private failure(error: unknown): ApiError {
    const provision = (error as { apiError?: unknown } | null)?.apiError;
    return provision instanceof ApiError ? provision : smtpApiError(error, this.context);
  }

  public async close(): Promise<void> {
    this.pool.close();
  }
}
