import { appError, isAppError, tokenError, type IAppError } from '../model/appError';

/**
 * The one HTTP abstraction the API client speaks through. In SharePoint it is AadHttpClient,
 * in the preview and tests it is fetch with a bearer token; timeout and retry live here once.
 */
export interface IHttpResponse {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface IHttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export type HttpSend = (url: string, request: IHttpRequest) => Promise<IHttpResponse>;

export interface IResilienceOptions {
  /** Give up on one attempt after this long. */
  timeoutMs: number;
  /** Extra attempts for idempotent requests after a timeout, a network failure, 429, 502, 503 or 504. */
  retries: number;
  /** First back-off; doubles each attempt; a Retry-After header wins when shorter than the timeout. */
  backoffMs: number;
}

export const DEFAULT_RESILIENCE: IResilienceOptions = { timeoutMs: 20000, retries: 2, backoffMs: 500 };

const RETRYABLE_STATUS = [429, 502, 503, 504];
const IDEMPOTENT = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'];

function delay(ms: number): Promise<void> {
  return new Promise<void>((resolve) => { setTimeout(resolve, ms); });
}

/**
 * The answer with its body read within what is left of the attempt's time: a server (or proxy) that
 * sends its headers and then stalls would otherwise hold the page's spinner for ever.
 */
function bodyWithin(response: IHttpResponse, ms: number, controller: AbortController | undefined): IHttpResponse {
  return {
    status: response.status,
    ok: response.ok,
    headers: response.headers,
    text: () => withDeadline(response.text(), ms).catch((error: unknown) => {
      if (isAppError(error) && error.kind === 'timeout' && controller) {
        controller.abort();
      }
      throw isAppError(error) ? error : appError('network');
    })
  };
}

/** One attempt that settles within timeoutMs whatever the transport does, its body included. */
function attempt(send: HttpSend, url: string, request: IHttpRequest, timeoutMs: number): Promise<IHttpResponse> {
  const controller = typeof AbortController === 'function' ? new AbortController() : undefined;
  const started = Date.now();
  return new Promise<IHttpResponse>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (!settled) {
        settled = true;
        if (controller) {
          controller.abort();
        }
        reject(appError('timeout'));
      }
    }, timeoutMs);
    send(url, { ...request, signal: controller ? controller.signal : undefined }).then((response: IHttpResponse) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        // At least a second (or the whole timeout, when shorter): headers that came at the very end must not lose their body to the clock.
        resolve(bodyWithin(response, Math.max(Math.min(1000, timeoutMs), timeoutMs - (Date.now() - started)), controller));
      }
    }, (error: unknown) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        // A transport that knows what failed says so (aadTransport: no token); else the network.
        reject(isAppError(error) ? error : appError('network'));
      }
    });
  });
}

/** The answer's Retry-After in milliseconds (its seconds form), if it has one. */
export function retryAfterMs(response: IHttpResponse): number | undefined {
  const value = response.headers.get('Retry-After');
  if (value === null) {
    return undefined;
  }
  const seconds = Number(value);
  return isNaN(seconds) ? undefined : seconds * 1000;
}

/** Wraps a transport with a timeout on every attempt and retries where a retry is safe. */
export function resilient(send: HttpSend, options: IResilienceOptions = DEFAULT_RESILIENCE): HttpSend {
  return async (url: string, request: IHttpRequest): Promise<IHttpResponse> => {
    const retries = IDEMPOTENT.indexOf(request.method.toUpperCase()) >= 0 ? options.retries : 0;
    let wait = options.backoffMs;
    for (let n = 0; ; n++) {
      let failure: IAppError | undefined;
      let response: IHttpResponse | undefined;
      try {
        response = await attempt(send, url, request, options.timeoutMs);
      } catch (error) {
        failure = error as IAppError;
      }
      // A token SharePoint would not give is not given on the next try either.
      const retryable = (failure !== undefined && failure.kind !== 'token') || (response !== undefined && RETRYABLE_STATUS.indexOf(response.status) >= 0);
      if (!retryable || n >= retries) {
        if (failure) {
          throw failure;
        }
        return response as IHttpResponse;
      }
      const hinted = response ? retryAfterMs(response) : undefined;
      await delay(hinted !== undefined && hinted < options.timeoutMs ? hinted : wait);
      wait *= 2;
    }
  };
}

/**
 * Settles within ms even if the promise never does (a TeamsJS call left unanswered). It cannot
 * abort the work: PnPjs requests use PnPjs's Timeout behaviour instead, which aborts them.
 */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(appError('timeout')), ms);
    work.then((value: T) => { clearTimeout(timer); resolve(value); }, (error: unknown) => { clearTimeout(timer); reject(error); });
  });
}

/** How long a sign-in SharePoint may ask for (MFA, Conditional Access) can take before the page says so. */
export const TOKEN_WAIT_MS = 120000;

/**
 * Gets the API's token before each request, outside the request's own timeout: where Conditional
 * Access asks for multi-factor authentication, SharePoint shows its sign-in window while the token
 * is acquired, and an admin completing it would otherwise meet the 20 s request timeout first.
 * Cached tokens answer at once; the wait is still bounded (TOKEN_WAIT_MS), so the page never hangs.
 */
export function tokenFirst(getToken: () => Promise<unknown>, send: HttpSend, waitMs: number = TOKEN_WAIT_MS): HttpSend {
  return async (url: string, request: IHttpRequest): Promise<IHttpResponse> => {
    try {
      await withDeadline(getToken(), waitMs);
    } catch (error) {
      throw isAppError(error) ? error : tokenError(error);
    }
    return send(url, request);
  };
}
