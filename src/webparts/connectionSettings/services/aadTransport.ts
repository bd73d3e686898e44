import { AadHttpClient, type AadHttpClientFactory } from '@microsoft/sp-http';
import type { HttpSend, IHttpRequest, IHttpResponse } from './http';

/**
 * AadHttpClient as the API transport in SharePoint and Teams: SPFx gets the token for the API's
 * app ID URI (approved through webApiPermissionRequests); the page never sees it.
 */
export function aadTransport(factory: AadHttpClientFactory, appIdUri: string): HttpSend {
  let client: Promise<AadHttpClient> | undefined;
  return async (url: string, request: IHttpRequest): Promise<IHttpResponse> => {
    if (!client) {
      client = factory.getClient(appIdUri);
      // A failed token acquisition must not stick: the next request asks again.
      client.catch(() => { client = undefined; }); // eslint-disable-line @typescript-eslint/no-floating-promises
    }
    const http = await client;
    return http.fetch(url, AadHttpClient.configurations.v1, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: request.signal
    });
  };
}
