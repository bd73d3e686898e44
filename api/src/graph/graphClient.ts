import { ApiError } from '../errors/apiError';
import { GraphRequestKind, mapGraphError } from '../errors/upstream';

/** The most pages one collection read follows: a broken or hostile answer cannot keep it reading for ever. */
export const MAX_GRAPH_PAGES = 100;

interface Page<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

/** The longest Retry-After honoured: a later one is asked again after an hour (Graph throttles again if it must). */
export const MAX_RETRY_AFTER_SECONDS = 3600;

/**
 * A Retry-After header in seconds (RFC 9110 section 10.2.3: delay-seconds or an HTTP-date), at most
 * MAX_RETRY_AFTER_SECONDS; undefined when absent, unreadable, or not in the future.
 */
export function retryAfterSeconds(value: string | null, now: number = Date.now()): number | undefined {
  const text = value?.trim() ?? '';
  if (text === '') {
    return undefined;
  }
  const seconds = /^\d+$/.test(text) ? Number(text) : (Date.parse(text) - now) / 1000;
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(Math.ceil(seconds), MAX_RETRY_AFTER_SECONDS) : undefined;
}

/**
 * The one place the API speaks to Microsoft Graph: bearer token, timeout, and error
 * translation (Graph error code -> catalogue code, Retry-After kept) live here, not in callers.
 */
export class GraphClient {
  public constructor(private readonly baseUrl: string, private readonly timeoutMs = 15_000) {}

  /**
   * `what` says what the request hands Graph: 'message' for what the account sends (a message, an
   * event, a cancellation), whose 400 is the message's own refusal; 'request' for the rest.
   */
  public async request<T>(token: string, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, extraHeaders: Record<string, string> = {}, what: GraphRequestKind = 'request'): Promise<T | undefined> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extraHeaders },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs)
      });
    } catch {
      // No answer (unreachable, or none within the timeout): Graph may have acted on the request.
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'Microsoft Graph unreachable', unanswered: true });
    }
    if (response.ok) {
      const text = await response.text();
      return text ? (JSON.parse(text) as T) : undefined;
    }
    let graphCode: string | undefined;
    try {
      graphCode = ((await response.json()) as { error?: { code?: string } }).error?.code;
    } catch {
      graphCode = undefined;
    }
    throw new ApiError(mapGraphError(response.status, graphCode, what), {
      upstream: `Graph ${response.status}${graphCode ? ` ${graphCode}` : ''}`,
      retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')),
      // A 5xx does not say whether the request was carried out: a gateway timing out while Exchange
      // goes on sends the message all the same (Microsoft Q&A: "fails with 504, but messages get queued and sent").
      unanswered: response.status >= 500
    });
  }

  /**
   * Every item of a collection (Paging Microsoft Graph data): its pages are read one after the
   * other, following `@odata.nextLink` - only to this client's own Graph endpoint, since the token
   * goes with it. `pageSize` is for a collection that honours `$top`/`$skip` but answers no
   * nextLink (List places): a page that came back full is followed by the next `$skip`. At most
   * `maxPages` pages, then SERVICE_UNAVAILABLE rather than a partial answer.
   */
  public async list<T>(token: string, path: string, options: { pageSize?: number; maxPages?: number } = {}): Promise<T[]> {
    const maxPages = options.maxPages ?? MAX_GRAPH_PAGES;
    const items: T[] = [];
    let next: string | undefined = path;
    for (let pages = 0; next !== undefined; pages++) {
      if (pages === maxPages) {
        throw new ApiError('SERVICE_UNAVAILABLE', { upstream: `Graph collection longer than ${maxPages} pages` });
      }
      const page: Page<T> | undefined = await this.request<Page<T>>(token, 'GET', next);
      const value = page?.value ?? [];
      items.push(...value);
      const link = page?.['@odata.nextLink'];
      if (link) {
        next = this.pathOf(link);
      } else if (options.pageSize !== undefined && value.length >= options.pageSize) {
        next = `${path}${path.includes('?') ? '&' : '?'}$skip=${items.length}`;
      } else {
        next = undefined;
      }
    }
    return items;
  }

  /** A nextLink's path under this client's base URL; a link anywhere else is refused (the bearer token would follow it). */
  private pathOf(link: string): string {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'Graph nextLink is not a URL' });
    }
    const base = new URL(this.baseUrl);
    const prefix = base.pathname.replace(/\/+$/, '');
    if (url.origin !== base.origin || !url.pathname.startsWith(`${prefix}/`)) {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'Graph nextLink outside the Graph endpoint' });
    }
    return `${url.pathname.slice(prefix.length)}${url.search}`;
  }
}
