import { AadHttpClient, type AadHttpClientFactory } from '@microsoft/sp-http';
import { tokenError } from '../model/appError';
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
    let http: AadHttpClient;
    try {
      http = await client;
    } catch (error) {
      throw tokenError(error);
    }
    try {
      return await http.fetch(url, AadHttpClient.configurations.v1, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: request.signal
      });
    } catch (error) {
      // fetch's own failures (the network, an abort) are TypeError / AbortError; anything else
      // comes from SPFx's token acquisition for the API (AADSTS65001 while the permission is not
      // approved on the API access page, a Conditional Access policy, an unknown App ID URI).
      if (error instanceof TypeError || (error as { name?: string } | undefined)?.name === 'AbortError') {
        throw error;
      }
      throw tokenError(error);
    }
  };
}
