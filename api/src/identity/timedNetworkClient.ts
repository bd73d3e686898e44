import { ClientAuthError, ClientAuthErrorCodes, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';

/**
 * MSAL Node's requests to the identity platform, each within a deadline. msal-node's own client
 * sets none on POST (the token endpoint), so a stalled identity platform held a refresh - and with
 * it every send waiting for that token, the mailbox's lease and a shutdown - for fetch's 300 s.
 * Failures are thrown as msal-node's client throws them (`network_error`, `token_parsing_error`),
 * so they read as the identity platform unreachable (SERVICE_UNAVAILABLE), never as a refused token.
 */
export class TimedNetworkClient implements INetworkModule {
  public constructor(private readonly timeoutMs: number) {}

  public sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'GET', options, Math.min(timeout ?? this.timeoutMs, this.timeoutMs));
  }

  public sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'POST', options, this.timeoutMs);
  }

  private async send<T>(url: string, method: 'GET' | 'POST', options: NetworkRequestOptions | undefined, timeoutMs: number): Promise<NetworkResponse<T>> {
    // One signal for the answer and its body: a server that sends headers and then stalls is cut off too.
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, { method, headers: options?.headers, body: method === 'POST' ? options?.body ?? '' : undefined, signal });
    } catch (error) {
      throw new ClientAuthError(ClientAuthErrorCodes.networkError, signal.aborted ? 'Request timeout' : `Network request failed: ${(error as Error)?.name ?? 'unknown'}`);
    }
    let body: T;
    try {
      body = (await response.json()) as T;
    } catch {
      if (signal.aborted) {
        throw new ClientAuthError(ClientAuthErrorCodes.networkError, 'Request timeout');
      }
      throw new ClientAuthError(ClientAuthErrorCodes.tokenParsingError, 'Failed to parse response');
    }
    if (!response.ok && body && typeof body === 'object' && !Array.isArray(body)) {
      // msal-node puts the HTTP status into ServerError.status only for client credentials (its
      // ClientCredentialClient copies it into the body): here every grant's refusal carries it, so
      // a 429 or 5xx refresh reads as passing whatever its body says (identityError).
      (body as { status?: number }).status ??= response.status;
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    return { headers, body, status: response.status };
  }
}
