import type { ErrorCode } from '@lms-m365/contracts';
import type { GraphMailTransport } from './graphTransport';
import type { OutboundMessage } from './message';

/**
 * What the mail service said of a message it took. SMTP may take a message for some recipients
 * and refuse others at RCPT TO (a server other than Exchange Online, which accepts and bounces):
 * those did not get it, and nothing sends it to them again.
 */
export interface SendReceipt {
  /** `addresses` (lower case) tell a session whom its invitation did not reach; they are never stored with a notification or logged. */
  refused: { recipients: number; code: ErrorCode; addresses?: string[] } | null;
}

/** How a connection sends: Microsoft Graph, SMTP with OAuth 2.0 (XOAUTH2), or SMTP with a password (Classic). */
export type TransportKind = 'graph' | 'smtp-oauth' | 'smtp-password';

/**
 * The one sending interface, shared by the test email, the health check and the outbox engine.
 * A transport is opened for one connected account and may be reused for a whole burst: it keeps
 * its access token until it nears expiry and (SMTP) a pool of connections to the mailbox.
 * Failures are ApiErrors with catalogue codes; `retryAfterSeconds` is set when the service said when.
 */
export interface MailTransport {
  readonly kind: TransportKind;
  /** The connected account's address. */
  readonly account: string;
  /** Submissions this mailbox accepts at once over this transport (Graph 4 requests, SMTP 3 connections). */
  readonly concurrency: number;
  /** Proves the credentials work now without sending: a forced token refresh and a Graph read, or an SMTP login. */
  probe(): Promise<void>;
  /** Resolves once the service took the message (for at least one recipient); rejects with an ApiError otherwise. */
  send(message: OutboundMessage): Promise<SendReceipt | void>;
  /** Releases pooled connections. */
  close(): Promise<void>;
  /**
   * Modern over SMTP (R-MOD-8 moves mail alone): the account's calendar through Microsoft Graph,
   * from the same sign-in - session invitations are events, rooms are booked and Teams meetings
   * made as with Graph (R-MOD-2, R-USE-2). Absent for Classic (R-CLS-4) and for Graph itself.
   */
  calendar?: () => GraphMailTransport;
}
