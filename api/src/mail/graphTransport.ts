import { ApiError } from '../errors/apiError';
import type { GraphClient } from '../graph/graphClient';
import type { OutboundMessage } from './message';
import type { MailTransport } from './transport';

/** The longest Retry-After a read as the account waits out itself before it answers THROTTLED. */
export const READ_THROTTLE_WAIT_SECONDS = 5;

const recipients = (addresses: string[]): { emailAddress: { address: string } }[] => addresses.map((address) => ({ emailAddress: { address } }));

const isGraph401 = (error: unknown): error is ApiError => error instanceof ApiError && (error.upstream ?? '').startsWith('Graph 401');

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
    await this.authorized((token) => this.graph.request(token, 'GET', '/me?$select=id'), true);
  }

  /**
   * One call with the account's token. Graph answering 401 is no proof that the connection is gone
   * (the API declares no client capabilities, so Graph sends it no claims challenge; Graph has
   * refused good tokens during its own incidents): the token is renewed - a refresh the identity
   * platform refuses is the loss, with its own code - and the call asked once more (a 401 took
   * nothing: no message went). A 401 to a token just issued is Graph's fault: passing.
   */
  private async authorized<T>(work: (token: string) => Promise<T>, fresh = false): Promise<T> {
    let error: ApiError;
    try {
      return await work(await this.token(fresh));
    } catch (caught) {
      if (!isGraph401(caught)) {
        throw caught;
      }
      error = caught;
    }
    if (!fresh) {
      const renewed = await this.token(true);
      try {
        return await work(renewed);
      } catch (again) {
        if (!isGraph401(again)) {
          throw again;
        }
        error = again;
      }
    }
    throw new ApiError('SERVICE_UNAVAILABLE', { upstream: `${error.upstream ?? 'Graph 401'} to a token just issued` });
  }

  public async send(message: OutboundMessage): Promise<void> {
    const body = message.html !== undefined ? { contentType: 'HTML', content: message.html } : { contentType: 'Text', content: message.text ?? '' };
    await this.authorized((token) => this.graph.request(token, 'POST', '/me/sendMail', {
      message: {
        subject: message.subject,
        body,
        toRecipients: recipients(message.to),
        ccRecipients: recipients(message.cc),
        bccRecipients: recipients(message.bcc),
        internetMessageId: message.messageId
      },
      saveToSentItems: true
    }, {}, 'message'));
  }

  /** A new token for the next calls (one issued before a consent lacks its scopes). */
  public async renewToken(): Promise<void> {
    await this.token(true);
  }

  /** A read as the connected account (getSchedule, reading an event): see `read`. */
  public async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>): Promise<T | undefined> {
    return this.read(() => this.authorized((token) => this.graph.request<T>(token, method, path, body, headers)));
  }

  /** Every item of a Graph collection as the connected account, page after page (GraphClient.list): see `read`. */
  public async list<T>(path: string, options: { pageSize?: number; maxPages?: number } = {}): Promise<T[]> {
    return this.read(() => this.authorized((token) => this.graph.list<T>(token, path, options)));
  }

  /**
   * The account's reads share Outlook's 4 concurrent requests per app and mailbox with what the
   * engine sends for it (Microsoft Graph throttling limits, Outlook service): a 429 that asks for a
   * short wait (at most READ_THROTTLE_WAIT_SECONDS; a second when it names none) is waited out and
   * the read asked again, twice at most - the LMS or the invitation pass does not see it. A longer
   * one is THROTTLED with its Retry-After.
   */
  private async read<T>(work: () => Promise<T>): Promise<T> {
    for (let retries = 0; ; retries++) {
      try {
        return await work();
      } catch (error) {
        // Graph's own 429 only: a token the identity platform throttled (AADSTS50196) is not asked again.
        const wait = error instanceof ApiError && error.code === 'THROTTLED' && (error.upstream ?? '').startsWith('Graph 429') ? error.retryAfterSeconds ?? 1 : undefined;
        if (wait === undefined || wait > READ_THROTTLE_WAIT_SECONDS || retries >= 2) {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      }
    }
  }

  /** What the account sends through Graph besides mail (an event, its update or cancellation): a 400 is that message's refusal (MESSAGE_REJECTED). */
  public async submit<T>(method: 'POST' | 'PATCH', path: string, body: unknown, headers: Record<string, string> = {}): Promise<T | undefined> {
    return this.authorized((token) => this.graph.request<T>(token, method, path, body, headers, 'message'));
  }

  public async close(): Promise<void> {
    // Nothing pooled: fetch's keep-alive connections are shared by the process.
  }
}
