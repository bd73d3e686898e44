import type { CompleteModern, ConnectClassic, ModernResult, ModernResultRequest, StartModern, TestEmail } from '@lms-m365/contracts';
import { appError } from '../model/appError';
import { isConnectionView, isModernResult, isModernStart, isTestEmailResult, type IConnectionView, type IModernStart, type ISignInResult, type ITestEmailResult, type Transport } from '../model/connection';
import { EarlyRead } from './earlyRead';
import { retryAfterMs, type HttpSend, type IHttpResponse } from './http';
import type { IConnectionApi, IConnectionPatch } from './interfaces';

/** The catalog id the API expects: the site URL, normalised, as one path segment (docs/design.md). */
export function catalogId(siteUrl: string): string {
  const url = new URL(siteUrl.trim());
  return encodeURIComponent(`${url.origin}${url.pathname.replace(/\/+$/, '')}`);
}

/** 32 random bytes, base64url: the nonce that binds a sign-in to this page (R-SEC-1). */
export function newSignInNonce(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  let binary = '';
  bytes.forEach((b: number) => { binary += String.fromCharCode(b); });
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

interface IProblem {
  code?: string;
  title?: string;
  detail?: string;
  /** The API's id of this request (RFC 9457 instance), which its log lines carry. */
  instance?: string;
  /** What Microsoft 365 answered, when the refusal came from it (an AADSTS number, an SMTP reply, a Graph code). */
  upstream?: string;
}

/** Microsoft 365's own answer, for the admin to give their Microsoft 365 admin; the API's own faults (storage) are not shown. */
function upstreamOf(problem: IProblem): string | undefined {
  const value = problem.upstream;
  return typeof value === 'string' && /^(AADSTS\d+|SMTP \d{3}|Graph \d{3})[\w .:/-]{0,100}$/.test(value) ? value : undefined;
}

/** A request id as the API writes them: one short token, nothing to render but itself. */
function requestIdOf(problem: IProblem): string | undefined {
  return typeof problem.instance === 'string' && /^[\w.:-]{1,100}$/.test(problem.instance) ? problem.instance : undefined;
}

/** Client of the connection API; the transport (AadHttpClient or fetch) is given. */
export class ConnectionApi implements IConnectionApi {
  public readonly origin: string;
  public readonly baseUrl: string;
  private readonly _base: string;
  private readonly _send: HttpSend;
  private readonly _language: string | undefined;
  /**
   * The nonce of the sign-in last started from this page. Kept in memory only: the sign-in
   * completes in this page (this browser window), never in another one that got the code.
   */
  private _signInNonce: string | undefined;
  private readonly _early: EarlyRead<IConnectionView> = new EarlyRead<IConnectionView>();

  /** language: the page's language, so API texts (e.g. the test email) match it. */
  public constructor(baseUrl: string, siteUrl: string, send: HttpSend, language?: string) {
    const trimmed = baseUrl.replace(/\/+$/, '');
    this.origin = new URL(trimmed).origin;
    this.baseUrl = trimmed;
    this._base = `${trimmed}/v1/catalogs/${catalogId(siteUrl)}/connection`;
    this._send = send;
    this._language = language;
  }

  /**
   * Starts reading the view now, before the page asks (the host calls it as it starts, in parallel
   * with loading the page's code): the page's first getConnection takes this answer.
   */
  public prefetchConnection(): void {
    this._early.start(() => this._json<IConnectionView>('GET', '', isConnectionView));
  }

  public getConnection(): Promise<IConnectionView> {
    return this._early.take() || this._json<IConnectionView>('GET', '', isConnectionView);
  }

  public updateConnection(patch: IConnectionPatch, etag: string): Promise<IConnectionView> {
    this._early.drop();
    return this._json<IConnectionView>('PATCH', '', isConnectionView, patch, { 'If-Match': etag });
  }

  public startModern(orgConsent: boolean, transport: Transport, pageOrigin: string): Promise<IModernStart> {
    this._early.drop();
    const nonce = newSignInNonce();
    this._signInNonce = nonce;
    const body: StartModern = { orgConsent, transport, origin: pageOrigin, nonce };
    return this._json<IModernStart>('POST', '/modern', isModernStart, body);
  }

  public completeModern(completion: string): Promise<IConnectionView> {
    const nonce = this._signInNonce;
    if (!nonce) {
      return Promise.reject(appError('problem', { status: 400, code: 'STATE_INVALID' }));
    }
    this._signInNonce = undefined;
    const body: CompleteModern = { completion, nonce };
    return this._json<IConnectionView>('POST', '/modern/complete', isConnectionView, body);
  }

  public async modernResult(): Promise<ISignInResult | undefined> {
    const nonce = this._signInNonce;
    if (!nonce) {
      return undefined;
    }
    const body: ModernResultRequest = { nonce };
    const result = await this._json<ModernResult>('POST', '/modern/result', isModernResult, body);
    if (result.status === 'signed-in' && result.completion) {
      return { ok: true, catalog: null, completion: result.completion };
    }
    return result.status === 'failed' ? { ok: false, catalog: null, code: result.code || 'SIGN_IN_FAILED', ...(typeof result.upstream === 'string' ? { upstream: result.upstream } : {}) } : undefined;
  }

  public connectClassic(email: string, password: string): Promise<IConnectionView> {
    this._early.drop();
    const body: ConnectClassic = { email, password };
    return this._json<IConnectionView>('POST', '/classic', isConnectionView, body);
  }

  public checkConnection(): Promise<IConnectionView> {
    this._early.drop();
    return this._json<IConnectionView>('POST', '/check', isConnectionView);
  }

  public retrySending(): Promise<IConnectionView> {
    this._early.drop();
    return this._json<IConnectionView>('POST', '/retry-sending', isConnectionView);
  }

  public sendTestEmail(to: string): Promise<ITestEmailResult> {
    const body: TestEmail = { to };
    return this._json<ITestEmailResult>('POST', '/test-email', isTestEmailResult, body);
  }

  public disconnect(): Promise<IConnectionView> {
    this._early.drop();
    return this._json<IConnectionView>('DELETE', '', isConnectionView);
  }

  /** `valid`: whether a 2xx answer's body is one the page can use; any other is 'unknown'. */
  private async _json<T>(method: string, path: string, valid: (value: unknown) => boolean, body?: unknown, extraHeaders?: Record<string, string>): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...extraHeaders };
    if (this._language) {
      headers['Accept-Language'] = this._language;
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const response = await this._send(this._base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    const text = await response.text();
    if (response.ok) {
      const parsed = parseJson(text);
      if (parsed === undefined || !valid(parsed)) {
        throw appError('unknown', { status: response.status });
      }
      return withEtag(parsed as T, response);
    }
    throw problemError(response, text);
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The ETag header is the authority for If-Match; the body's copy may lag behind it. */
function withEtag<T>(value: T, response: IHttpResponse): T {
  const etag = response.headers.get('ETag');
  if (etag && typeof value === 'object' && value !== null && 'etag' in (value as object)) {
    return { ...value, etag };
  }
  return value;
}

/** An answer that is not 2xx as the page's error: its problem code, or a conflict on 412. */
export function problemError(response: IHttpResponse, text: string): ReturnType<typeof appError> {
  const problem = (parseJson(text) || {}) as IProblem;
  if (response.status === 412) {
    return appError('conflict', { status: 412, code: problem.code });
  }
  const wait = retryAfterMs(response);
  // A wait beyond a year is no answer to act on (and past Date's range it would not be a date at all).
  const retryAt = response.status === 429 && wait !== undefined && wait > 0 && wait <= 366 * 86_400_000 ? new Date(Date.now() + wait).toISOString() : undefined;
  const requestId = requestIdOf(problem);
  const upstream = upstreamOf(problem);
  return appError('problem', { status: response.status, code: problem.code, title: problem.title, detail: problem.detail, ...(retryAt ? { retryAt } : {}), ...(requestId ? { requestId } : {}), ...(upstream ? { upstream } : {}) });
}
