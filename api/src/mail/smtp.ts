import nodemailer, { Transporter } from 'nodemailer';
import { smtpApiError, SmtpContext } from '../errors/upstream';

export interface SmtpEndpoint {
  host: string;
  port: number;
  secure: boolean;
}

/** How to log in: a password (classic) or an OAuth access token (XOAUTH2, modern). */
export type SmtpLogin = { user: string; pass: string } | { user: string; accessToken: string };

function transport(endpoint: SmtpEndpoint, login: SmtpLogin): Transporter {
  const auth = 'pass' in login
    ? { type: 'login' as const, user: login.user, pass: login.pass }
    : { type: 'OAuth2' as const, user: login.user, accessToken: login.accessToken };
  return nodemailer.createTransport({
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.secure,
    requireTLS: !endpoint.secure,
    auth,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    logger: false,
    debug: false
  });
}

function contextOf(login: SmtpLogin): SmtpContext {
  return 'pass' in login ? 'password' : 'oauth';
}

/** Logs in and out without sending: proves the credentials (R-CLS-3) or SMTP AUTH (R-MOD-8). */
export async function verifySmtpLogin(endpoint: SmtpEndpoint, login: SmtpLogin): Promise<void> {
  const t = transport(endpoint, login);
  try {
    await t.verify();
  } catch (error) {
    throw smtpApiError(error, contextOf(login));
  } finally {
    t.close();
  }
}

export interface OutgoingMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
}

export async function sendSmtp(endpoint: SmtpEndpoint, login: SmtpLogin, message: OutgoingMessage): Promise<string> {
  const t = transport(endpoint, login);
  try {
    const info = await t.sendMail(message);
    return String(info.messageId);
  } catch (error) {
    throw smtpApiError(error, contextOf(login));
  } finally {
    t.close();
  }
}
