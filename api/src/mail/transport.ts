import type { OutboundMessage } from './message';

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
  send(message: OutboundMessage): Promise<void>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}
