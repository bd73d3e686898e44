import { ApiError } from '../errors/apiError';
import { GraphRequestKind, mapGraphError } from '../errors/upstream';

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
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'Microsoft Graph unreachable' });
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
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ApiError(mapGraphError(response.status, graphCode, what), {
      upstream: `Graph ${response.status}${graphCode ? ` ${graphCode}` : ''}`,
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined
    });
  }
}
