import nodemailer, { Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { ApiError } from '../errors/apiError';
import { smtpApiError, SmtpContext } from '../errors/upstream';
import type { ErrorCode } from '@lms-m365/contracts';
import type { OutboundMessage } from './message';
import type { MailTransport, SendReceipt } from './transport';

export interface SmtpEndpoint {
  host: string;
  port: number;
  secure: boolean;
}

/** How to log in: a password (classic) or an OAuth access token (XOAUTH2, modern). */
export type SmtpLogin = { user: string; pass: string } | { user: string; accessToken: string };

const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

function contextOf(login: SmtpLogin): SmtpContext {
  return 'pass' in login ? 'password' : 'oauth';
}

/** Logs in and out without sending: proves the credentials (R-CLS-3) or SMTP AUTH (R-MOD-8). */
export async function verifySmtpLogin(endpoint: SmtpEndpoint, login: SmtpLogin): Promise<void> {
  const auth = 'pass' in login
    ? { type: 'login' as const, user: login.user, pass: login.pass }
    : { type: 'OAuth2' as const, user: login.user, accessToken: login.accessToken };
  const t = nodemailer.createTransport({ host: endpoint.host, port: endpoint.port, secure: endpoint.secure, requireTLS: !endpoint.secure, auth, ...TIMEOUTS, logger: false, debug: false });
  try {
    await t.verify();
  } catch (error) {
    throw smtpApiError(error, contextOf(login));
  } finally {
    t.close();
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

  public constructor(private readonly endpoint: SmtpEndpoint, public readonly account: string, private readonly credentials: SmtpCredentials, public readonly concurrency: number, displayName?: string) {
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
      ...TIMEOUTS,
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
      info = await this.pool.sendMail(mail);
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
        info = await this.pool.sendMail({ ...mail, envelope: { from: typeof from === 'string' ? from : from.address, to: deferred } });
      } catch (error) {
        // The rest refused again (all of them, or the session failed): they did not get it.
        deferred.forEach((address) => refused.add(address.toLowerCase()));
        code = this.failure(error).code;
        break;
      }
    }
    return { refused: refused.size > 0 ? { recipients: refused.size, code, addresses: [...refused] } : null };
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
