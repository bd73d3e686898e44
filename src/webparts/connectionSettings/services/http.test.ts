import { tokenError } from '../model/appError';
import { messageForError } from '../model/errorMessage';
import en from '../loc/en-us';
import { resilient, tokenFirst, withDeadline, type HttpSend, type IHttpRequest, type IHttpResponse } from './http';

function response(status: number, body: string = '{}', headers: Record<string, string> = {}): IHttpResponse {
  return { status, ok: status >= 200 && status < 300, headers: { get: (name: string) => headers[name] ?? null }, text: () => Promise.resolve(body) };
}

const GET: IHttpRequest = { method: 'GET', headers: {} };
const POST: IHttpRequest = { method: 'POST', headers: {}, body: '{}' };
const fast = { timeoutMs: 50, retries: 2, backoffMs: 1 };

describe('http', () => {
  it('http - a request that never answers times out instead of hanging', async () => {
    const send: HttpSend = () => new Promise<IHttpResponse>(() => undefined);
    await expect(resilient(send, { ...fast, retries: 0 })('http://x', GET)).rejects.toMatchObject({ isAppError: true, kind: 'timeout' });
  });

  it('http - the timeout aborts the transport', async () => {
    let signal: AbortSignal | undefined;
    const send: HttpSend = (url, request) => { signal = request.signal; return new Promise<IHttpResponse>(() => undefined); };
    await expect(resilient(send, { ...fast, retries: 0 })('http://x', GET)).rejects.toMatchObject({ kind: 'timeout' });
    expect(signal && signal.aborted).toBe(true);
  });

  it('http - GET is retried after 503 and network failures, then succeeds', async () => {
    const answers = [() => Promise.resolve(response(503)), () => Promise.reject(new TypeError('offline')), () => Promise.resolve(response(200))];
    let calls = 0;
    const send: HttpSend = () => answers[calls++]();
    const result = await resilient(send, fast)('http://x', GET);
    expect(result.status).toBe(200);
    expect(calls).toBe(3);
  });

  it('http - a token SharePoint would not give (the API permission not approved) is said as such, not as the network, and not asked again', async () => {
    let calls = 0;
    const send: HttpSend = () => { calls++; return Promise.reject(tokenError(new Error('AADSTS65001: The user or administrator has not consented to use the application with ID \'x\'. Trace ID: 1234'))); };
    const failure = await resilient(send, fast)('http://x', GET).catch((error: unknown) => error);
    expect(failure).toEqual({ isAppError: true, kind: 'token', detail: 'AADSTS65001' });
    expect(calls).toBe(1);
    const message = messageForError(failure as never, en);
    expect(message).toEqual({ title: en.tokenError, remedy: en.tokenErrorRemedy, codeLine: 'Error code: AADSTS65001', offerReload: true });
    expect(tokenError('popup_window_error')).toEqual({ isAppError: true, kind: 'token' });
  });

  it('http - POST is never retried (it may have taken effect)', async () => {
    let calls = 0;
    const send: HttpSend = () => { calls++; return Promise.resolve(response(503)); };
    const result = await resilient(send, fast)('http://x', POST);
    expect(result.status).toBe(503);
    expect(calls).toBe(1);
  });

  it('http - gives up after the retries with the last failure', async () => {
    let calls = 0;
    const send: HttpSend = () => { calls++; return Promise.reject(new TypeError('offline')); };
    await expect(resilient(send, fast)('http://x', GET)).rejects.toMatchObject({ kind: 'network' });
    expect(calls).toBe(3);
  });

  it('http - withDeadline settles a stuck promise with a timeout', async () => {
    await expect(withDeadline(new Promise(() => undefined), 20)).rejects.toMatchObject({ kind: 'timeout' });
    await expect(withDeadline(Promise.resolve(7), 20)).resolves.toBe(7);
  });

  it('http - a server that sends its headers and then stalls the body times out too, and the transport is aborted', async () => {
    let signal: AbortSignal | undefined;
    const stalled: IHttpResponse = { ...response(200), text: () => new Promise<string>(() => undefined) };
    const send: HttpSend = (url, request) => { signal = request.signal; return Promise.resolve(stalled); };
    const answer = await resilient(send, { ...fast, retries: 0 })('http://x', GET);
    const still = new Promise<string>((resolve) => { setTimeout(() => resolve('still waiting'), 500); });
    await expect(Promise.race([answer.text(), still])).rejects.toMatchObject({ isAppError: true, kind: 'timeout' });
    expect(signal && signal.aborted).toBe(true);
  });

  it('http - a body that fails half-way is the network\'s failure, said as such', async () => {
    const broken: IHttpResponse = { ...response(200), text: () => Promise.reject(new TypeError('network error')) };
    const answer = await resilient(() => Promise.resolve(broken), fast)('http://x', GET);
    await expect(answer.text()).rejects.toMatchObject({ isAppError: true, kind: 'network' });
  });
  it('http - the token is got before the request, outside its timeout: a sign-in prompt longer than the request timeout still ends in the request', async () => {
    const sent: string[] = [];
    const send = resilient((url) => { sent.push(url); return Promise.resolve(response(200)); }, fast);
    const slowToken = (): Promise<string> => new Promise((resolve) => setTimeout(() => resolve('token'), 200));
    await expect(tokenFirst(slowToken, send, 1000)('https://api.test/x', GET)).resolves.toMatchObject({ status: 200 });
    expect(sent).toEqual(['https://api.test/x']);
  });

  it('http - a token that never comes is a timeout after its own wait; one refused is a token error with its AADSTS code; neither sends the request', async () => {
    const sent: string[] = [];
    const send: HttpSend = (url) => { sent.push(url); return Promise.resolve(response(200)); };
    await expect(tokenFirst(() => new Promise<never>(() => undefined), send, 50)('https://api.test/x', GET)).rejects.toMatchObject({ kind: 'timeout' });
    await expect(tokenFirst(() => Promise.reject(new Error('AADSTS65001: consent')), send, 50)('https://api.test/x', GET)).rejects.toEqual(tokenError(new Error('AADSTS65001')));
    expect(sent).toEqual([]);
  });
});
