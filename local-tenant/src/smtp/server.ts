import { SMTPServer, SMTPServerAuthentication, SMTPServerSession } from 'smtp-server';
import { simpleParser, AddressObject } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { mailAddress, type TenantState } from '../state/tenant-state';
import { SigningKey } from '../identity/jwt';
import { callerFromToken } from '../graph/caller';
import { passwordMatches } from '../identity/routes';
import type { Recipient } from '../mailbox/store';
import { SMTP_REPLIES, smtpError } from './replies';

/** What a password login is answered while the tenant's basic authentication is off, by why (the `smtp-basic-auth` fault's reply). */
const BASIC_AUTH_OFF = {
  retired: SMTP_REPLIES.basicAuthRetired,
  policy: SMTP_REPLIES.basicAuthDisabled,
  'security-defaults': SMTP_REPLIES.securityDefaults,
  'conditional-access': SMTP_REPLIES.conditionalAccess
} as const;

/** Audiences Exchange accepts for XOAUTH2 (the Exchange Online resource's identifiers). */
const EXCHANGE_AUDIENCES = ['https://outlook.office.com', 'https://outlook.office365.com', '00000002-0000-0ff1-ce00-000000000000'];

export interface SmtpHandle {
  port: number;
  close(): Promise<void>;
}

/** Decides an AUTH attempt the way Exchange does; returns the account's address or the reply. */
export function decideAuth(state: TenantState, key: SigningKey, auth: SMTPServerAuthentication): { user: string } | { error: ReturnType<(typeof SMTP_REPLIES)[keyof typeof SMTP_REPLIES]> } {
  // A login names the mailbox by its UPN or its email address (Outlook's own settings pages ask
  // for the email address; Microsoft's XOAUTH2 page says to give a shared mailbox's address as
  // user=), which is not its UPN once renamed.
  const wanted = (auth.username ?? '').trim().toLowerCase();
  const account = state.accountByUpn(wanted) ?? state.people().find((a) => mailAddress(a) === wanted);
  if (auth.method === 'XOAUTH2') {
    const result = callerFromToken(auth.accessToken ?? '', state, key, EXCHANGE_AUDIENCES);
    if (!result.ok || result.caller.kind !== 'user' || !result.caller.scopes.includes('SMTP.Send')) return { error: SMTP_REPLIES.badCredentials() };
    if (!account || result.caller.user.id !== account.id || account.mailbox === 'none') return { error: SMTP_REPLIES.badCredentials() };
    if (!account.smtpAuthEnabled) return { error: SMTP_REPLIES.smtpAuthDisabledForMailbox() };
    return { user: account.upn };
  }
  if (!state.smtpBasicAuthEnabled) return { error: BASIC_AUTH_OFF[state.smtpBasicAuthOffReply]() };
  if (!account || account.isRoom || account.mailbox === 'none' || account.disabled || !passwordMatches(account.password, auth.password ?? '')) return { error: SMTP_REPLIES.badCredentials() };
  if (!account.smtpAuthEnabled) return { error: SMTP_REPLIES.smtpAuthDisabledForMailbox() };
  return { user: account.upn };
}

/** The address a mailbox sends as: its primary SMTP address (Graph's `mail`), which is not its UPN once renamed. */
export function sendingAddress(state: TenantState, upn: string): string {
  const account = state.accountByUpn(upn);
  return account ? mailAddress(account) : upn.toLowerCase();
}

const addresses = (a: AddressObject | AddressObject[] | undefined): Recipient[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value).filter((v) => v.address).map((v) => ({ address: (v.address as string).toLowerCase(), name: v.name || null }));

function listen(server: SMTPServer, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, host, () => resolve((server.server.address() as AddressInfo).port));
  });
}

const closeServer = (server: SMTPServer): Promise<void> => new Promise<void>((resolve) => server.close(() => resolve()));

/** The header block of a parsed message, as name/value pairs in their order. */
const headerBlock = (lines: readonly { key: string; line: string }[]): { name: string; value: string }[] =>
  lines.map((h) => {
    const colon = h.line.indexOf(':');
    return { name: h.line.slice(0, colon).trim(), value: h.line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim() };
  });

/**
 * Exchange-like SMTP client submission on loopback (smtp.office365.com:587 as it answers):
 * EHLO offers STARTTLS, and AUTH LOGIN / XOAUTH2 only once the session is encrypted; each
 * mailbox's limits (connections sending at the same time, daily recipients, the message rate)
 * hold as in Exchange Online. With `localhost` it answers on 127.0.0.1 and ::1 (same port), since
 * clients resolve that name to either.
 */
export async function startSmtp(state: TenantState, key: SigningKey, tls: { key: string; cert: string }, port: number, host: string): Promise<SmtpHandle> {
  /**
   * A transaction Exchange turns away, decided at MAIL FROM and answered after DATA, as real
   * servers do (a 432 as aiosmtplib's SMTPDataError, sabuhish/fastapi-mail#75, and nodemailer's
   * "Message failed", nodemailer#1613; "DATA END command failed: 550 5.7.60", PHPMailer#1231):
   * the client uploads the message, then learns it was not taken. Microsoft documents neither
   * command. A session turned away holds no sending slot. By session id, for its transaction.
   */
  const turnedAway = new Map<string, 'send-as' | 'concurrency'>();
  const make = (): SMTPServer => new SMTPServer({
    name: 'localhost',
    banner: 'Microsoft ESMTP MAIL Service ready (local tenant)',
    secure: false,
    key: tls.key,
    cert: tls.cert,
    // Exchange Online offers no AUTH PLAIN on client submission.
    authMethods: ['LOGIN', 'XOAUTH2'],
    // Replies carry Exchange's own enhanced status codes, written out in SMTP_REPLIES.
    hideENHANCEDSTATUSCODES: true,
    authRequiredMessage: SMTP_REPLIES.notAuthenticated().message,
    size: 35882577,
    logger: false,
    disableReverseLookup: true,
    // At close, connections still open (a client's idle pool) are answered 421 and closed after
    // 100 ms, as the HTTPS side closes its own at once. smtp-server's default, 30 s, held
    // tenant.close() for its whole 5 s and kept the sockets open 25 s after it.
    closeTimeout: 100,
    onConnect(session, callback) {
      // AUTH is neither offered nor accepted before STARTTLS, as at smtp.office365.com.
      session.disabledCommands = ['AUTH'];
      callback();
    },
    onSecure(socket, session, callback) {
      session.disabledCommands = [];
      callback();
    },
    onAuth(auth, session, callback) {
      const decision = decideAuth(state, key, auth);
      if ('error' in decision) return callback(smtpError(decision.error));
      // A session sends from its accepted MAIL FROM until the transaction ends: smtp-server clears
      // the envelope once DATA is answered, and at RSET or a new EHLO.
      state.outbound.openSmtp(decision.user, session.id, () => Boolean(session.envelope.mailFrom) && !turnedAway.has(session.id));
      return callback(null, { user: decision.user });
    },
    onClose(session: SMTPServerSession) {
      const user = session.user as string | undefined;
      turnedAway.delete(session.id);
      if (user) state.outbound.closeSmtp(user, session.id);
    },
    onMailFrom(address, session, callback) {
      if (!session.user) return callback(smtpError(SMTP_REPLIES.notAuthenticated()));
      const user = String(session.user);
      turnedAway.delete(session.id);
      // The envelope's sender must be the mailbox's own address (Graph's mail; not the UPN where they differ).
      if (address.address.toLowerCase() !== sendingAddress(state, user)) {
        turnedAway.set(session.id, 'send-as');
        return callback();
      }
      const override = state.faults.mailboxLimits.get(user) ?? {};
      // Turned away when as many other sessions of the mailbox as the limit are mid-transaction.
      if (override.throttledForSeconds || !state.outbound.smtpDecision(user, session.id, override.concurrentRequests ?? state.limits.smtpConnections).allowed) {
        turnedAway.set(session.id, 'concurrency');
        return callback();
      }
      const block = state.faults.sendingBlocks.get(user);
      if (block) {
        state.outbound.refuse(user);
        return callback(smtpError(SMTP_REPLIES.sendingBlocked(block)));
      }
      return callback();
    },
    onRcptTo(address, session, callback) {
      const limit = state.faults.smtpRecipientLimit;
      if (limit !== null && session.envelope.rcptTo.length >= limit) return callback(smtpError(SMTP_REPLIES.tooManyRecipients()));
      const refused = state.faults.refusedRecipients.get(address.address.toLowerCase());
      if (refused) return callback(smtpError(refused === 'unknown' ? SMTP_REPLIES.recipientRefused(address.address) : SMTP_REPLIES.recipientGreylisted(address.address)));
      return callback();
    },
    onData(stream, session, callback) {
      const user = String(session.user ?? '');
      simpleParser(stream)
        .then((parsed) => {
          const account = state.accountByUpn(user);
          if (!account || account.mailbox === 'none') return callback(smtpError(SMTP_REPLIES.badCredentials()));
          const away = turnedAway.get(session.id);
          if (away) return callback(smtpError(away === 'send-as' ? SMTP_REPLIES.sendAsDenied() : SMTP_REPLIES.concurrencyExceeded()));
          const sender = sendingAddress(state, user);
          const from = addresses(parsed.from)[0];
          if (from && from.address !== sender) return callback(smtpError(SMTP_REPLIES.sendAsDeniedAtSubmission(sender, from.address)));
          if (state.faults.fullMailboxes.has(user)) {
            state.outbound.refuse(user);
            return callback(smtpError(SMTP_REPLIES.mailboxFull()));
          }
          const to = addresses(parsed.to);
          const cc = addresses(parsed.cc);
          const headerRecipients = new Set([...to, ...cc].map((x) => x.address));
          const bcc = session.envelope.rcptTo.map((r) => r.address.toLowerCase()).filter((a) => !headerRecipients.has(a)).map((address) => ({ address, name: null }));
          const calendarPart = parsed.attachments.find((a) => a.contentType.startsWith('text/calendar'));
          const ics = calendarPart ? calendarPart.content.toString('utf8') : null;
          const override = state.faults.mailboxLimits.get(user) ?? {};
          const result = state.outbound.submit(
            {
              sender: user,
              from: from ?? { address: sender, name: account.displayName },
              to,
              cc,
              bcc,
              subject: parsed.subject ?? '',
              body: parsed.html ? { contentType: 'html', content: parsed.html } : { contentType: 'text', content: parsed.text ?? '' },
              calendar: ics ? { method: ics.match(/METHOD:(\w+)/)?.[1] ?? 'REQUEST', ics } : null,
              attachments: parsed.attachments.filter((a) => a !== calendarPart).map((a) => ({ name: a.filename ?? 'attachment', contentType: a.contentType, size: a.size })),
              via: 'smtp',
              saveToSentItems: true,
              internetMessageId: parsed.messageId,
              headers: headerBlock(parsed.headerLines),
              envelope: session.envelope.rcptTo.map((r) => r.address.toLowerCase())
            },
            override
          );
          if (!result.ok) return callback(smtpError(SMTP_REPLIES.quotaExceeded()));
          return callback(null, `2.0.0 OK ${result.internetMessageId} [Hostname=localhost.local-tenant]`);
        })
        .catch(() => callback(smtpError({ responseCode: 554, message: '5.6.0 Corrupt message content [localhost.local-tenant]' })));
    }
  });
  const hosts = host === 'localhost' ? ['127.0.0.1', '::1'] : [host];
  const servers: SMTPServer[] = [];
  let bound = port;
  for (const address of hosts) {
    const server = make();
    server.on('error', () => undefined);
    try {
      bound = await listen(server, bound, address);
      servers.push(server);
    } catch (err) {
      // A machine without IPv6 loopback still serves 127.0.0.1; any other failure is fatal.
      if (servers.length > 0 && (err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') continue;
      await Promise.all(servers.map(closeServer));
      throw err;
    }
  }
  return { port: bound, close: async () => void (await Promise.all(servers.map(closeServer))) };
}
