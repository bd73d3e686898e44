import type { HttpSend, IHttpRequest, IHttpResponse } from './http';

/** fetch with a bearer token: the API transport outside SharePoint (preview host, tests). */
export function fetchTransport(getToken: () => Promise<string>): HttpSend {
  return async (url: string, request: IHttpRequest): Promise<IHttpResponse> => {
    const token = await getToken();
    return fetch(url, {
      method: request.method,
      headers: { ...request.headers, Authorization: `Bearer ${token}` },
      body: request.body,
      signal: request.signal
    });
  };
}
