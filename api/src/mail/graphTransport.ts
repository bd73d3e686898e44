import type { GraphClient } from '../graph/graphClient';
import type { OutboundMessage } from './message';
import type { MailTransport } from './transport';

const recipients = (addresses: string[]): { emailAddress: { address: string } }[] => addresses.map((address) => ({ emailAddress: { address } }));

/**
 * Sends as the connected account through Microsoft Graph (`POST /me/sendMail`). The message's
 * internetMessageId is ours, so a resubmission after a crash carries the same Message-ID.
 */
export class GraphMailTransport implements MailTransport {
  public readonly kind = 'graph' as const;

  public constructor(
    private readonly graph: GraphClient,
    /** A current access token for Graph; `force` refreshes it (the health probe). */
    private readonly token: (force?: boolean) => Promise<string>,
    public readonly account: string,
    public readonly concurrency: number
  ) {}

  public async probe(): Promise<void> {
    await this.graph.request(await this.token(true), 'GET', '/me?$select=id');
  }

  public async send(message: OutboundMessage): Promise<void> {
    const body = message.html !== undefined ? { contentType: 'HTML', content: message.html } : { contentType: 'Text', content: message.text ?? '' };
    await this.graph.request(await this.token(), 'POST', '/me/sendMail', {
      message: {
        subject: message.subject,
        body,
        toRecipients: recipients(message.to),
        ccRecipients: recipients(message.cc),
        bccRecipients: recipients(message.bcc),
        internetMessageId: message.messageId
      },
      saveToSentItems: true
    }, {}, 'message');
  }

  /** A new token for the next calls (one issued before a consent lacks its scopes). */
  public async renewToken(): Promise<void> {
    await this.token(true);
  }

  /** Any other Graph call as the connected account (getSchedule, places, reading an event). */
  public async call<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, headers?: Record<string, string>): Promise<T | undefined> {
    return this.graph.request<T>(await this.token(), method, path, body, headers);
  }

  /** Every item of a Graph collection as the connected account, page after page (GraphClient.list). */
  public async list<T>(path: string, options: { pageSize?: number; maxPages?: number } = {}): Promise<T[]> {
    return this.graph.list<T>(await this.token(), path, options);
  }

  /** What the account sends through Graph besides mail (an event, its update or cancellation): a 400 is that message's refusal (MESSAGE_REJECTED). */
  public async submit<T>(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<T | undefined> {
    return this.graph.request<T>(await this.token(), method, path, body, {}, 'message');
  }

  public async close(): Promise<void> {
    // Nothing pooled: fetch's keep-alive connections are shared by the process.
  }
}
