import { AuthenticationResult, ConfidentialClientApplication, Configuration, ICachePlugin, LogLevel, TokenCacheContext } from '@azure/msal-node';
import type { ApiConfig } from '../config/config';
import { ApiError } from '../errors/apiError';
import { aadstsNumber, isClientAuthenticationError, mapTokenError, TokenContext } from '../errors/upstream';
import type { SecretStore } from '../secrets/secretStore';
import { TimedNetworkClient } from './timedNetworkClient';

/**
 * Graph permissions each connected account consents to for itself (R-MOD-4), all of them
 * user-consentable: the connection needs nothing more, so nothing fails without rooms (R-MOD-5).
 * A session's Teams meeting is an event created with `isOnlineMeeting` (Calendars.ReadWrite, as
 * "Create or set an event as an online meeting" documents); nothing calls /onlineMeetings, so
 * OnlineMeetings.ReadWrite, which R-MOD-4 names, is not asked (docs/permissions.md).
 */
export const GRAPH_PERMISSIONS = ['Mail.Send', 'Calendars.ReadWrite', 'User.Read'];

/**
 * Permissions Entra reserves for admin consent (delegated Place.Read.All: "admin consent required:
 * yes"). Never asked of an ordinary account; they come through a tenant admin (R-MOD-5).
 */
export const ADMIN_ONLY_PERMISSIONS = ['Place.Read.All'];

/** Hosts MSAL knows as Microsoft clouds; anything else (the local tenant) is a known authority. */
const MICROSOFT_AUTHORITY_HOSTS = ['login.microsoftonline.com', 'login.microsoftonline.us', 'login.partner.microsoftonline.cn'];

export function graphScopes(config: ApiConfig): string[] {
  return GRAPH_PERMISSIONS.map((p) => `${config.graphResource}/${p}`);
}

/** Scope values without their resource prefix, lower-cased, for comparing grants. */
export function bareScopes(scopes: readonly string[]): Set<string> {
  return new Set(scopes.map((s) => s.slice(s.lastIndexOf('/') + 1).toLowerCase()));
}

/** Required permissions the token response does not list. */
export function missingPermissions(granted: readonly string[], required: readonly string[]): string[] {
  const have = bareScopes(granted);
  return required.filter((r) => !have.has(r.slice(r.lastIndexOf('/') + 1).toLowerCase()));
}

/** MSAL's codes for an identity platform that did not answer, or not as itself. */
const UNREACHABLE = ['network_error', 'endpoints_resolution_error', 'token_parsing_error', 'openid_config_error'];

/** Translates MSAL's errors: AADSTS numbers and OAuth error codes, never its message text. */
export function identityError(error: unknown, context: TokenContext): ApiError {
  if (error instanceof ApiError) {
    return error;
  }
  const e = (error ?? {}) as { errorCode?: string; errorMessage?: string; errorNo?: string; subError?: string; status?: number };
  const aadsts = e.errorNo ?? aadstsNumber(e.errorMessage);
  if (e.errorCode === 'nonce_mismatch' || e.errorCode === 'state_mismatch') {
    return new ApiError('STATE_INVALID', { upstream: e.errorCode });
  }
  // No answer, or none that reads as the identity platform's (an HTML error page of a proxy or a
  // front door during an outage: MSAL's token_parsing_error), is the platform unreachable.
  if (!e.errorCode || UNREACHABLE.includes(e.errorCode)) {
    return new ApiError('SERVICE_UNAVAILABLE', { upstream: e.errorCode ?? 'identity platform unreachable' });
  }
  // A 429 or 5xx from the token endpoint - or MSAL answering one again itself, without asking,
  // until its Retry-After passes (its throttling cache: the error code is then the list of AADSTS
  // numbers) - is passing, whatever the numbers say.
  if (e.status === 429 || (e.status !== undefined && e.status >= 500) || /^\d+( \d+)*$/.test(e.errorCode)) {
    return new ApiError(e.status === 429 ? 'THROTTLED' : 'SERVICE_UNAVAILABLE', { upstream: aadsts ? `AADSTS${aadsts}` : `identity platform ${e.status ?? 'throttled'}` });
  }
  return new ApiError(mapTokenError(e.errorCode, aadsts, context), { upstream: aadsts ? `AADSTS${aadsts}` : e.errorCode });
}

/**
 * A catalog's MSAL token cache, kept sealed beside its connection record (R-MOD-6). Loaded before
 * MSAL reads it - only when it belongs to the connection expected (its generation) - and written
 * back, conditional on the ETag loaded, only when MSAL changed it.
 */
export class CatalogCachePlugin implements ICachePlugin {
  private etag?: string;

  public constructor(private readonly secrets: SecretStore, private readonly catalog: string, private readonly generation?: number) {}

  public async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
    const stored = await this.secrets.read(this.catalog);
    if (!stored || stored.kind !== 'msal-cache') {
      throw new ApiError('NOT_CONNECTED');
    }
    if (this.generation !== undefined && stored.generation !== this.generation) {
      throw new ApiError('ACCOUNT_MISMATCH', { detail: 'The stored sign-in belongs to another connection of this catalog.' });
    }
    this.etag = stored.etag;
    context.tokenCache.deserialize(stored.plaintext);
  }

  public async afterCacheAccess(context: TokenCacheContext): Promise<void> {
    if (!context.cacheHasChanged || !this.etag) {
      return;
    }
    // Losing this race is harmless: the other writer stored an equally fresh refresh token, or a
    // reconnect or disconnect replaced the secret (and this connection's tokens must not come back).
    const written = await this.secrets.update(this.catalog, 'msal-cache', context.tokenCache.serialize(), this.etag);
    if (written) {
      const reread = await this.secrets.read(this.catalog);
      this.etag = reread?.etag;
    }
  }
}

/** MSAL Node against the configured authority: sign-in, per-catalog tokens, OBO, app-only. */
export class MicrosoftIdentity {
  private readonly app: ConfidentialClientApplication;
  /**
   * Entra's last refusal of the API's own credentials (SERVICE_CREDENTIALS_REJECTED: its AADSTS
   * number), until a token comes from Entra again: /readyz answers it, so the operator hears of an
   * expired client secret from the availability test rather than from every catalog's admins.
   * `appOnly`: only its client-credentials tokens were refused (a Conditional Access policy for
   * workload identities, not its secret): a delegated token issued meanwhile proves nothing of them.
   */
  private refusal: { upstream: string; appOnly: boolean } | undefined;

  /** `timeoutMs`: how long one request to the identity platform may take (TimedNetworkClient). */
  public constructor(private readonly config: ApiConfig, private readonly timeoutMs = 20_000) {
    this.app = new ConfidentialClientApplication(this.msalConfig());
  }

  /** The AADSTS number of Entra's refusal of the API's own credentials, while no token request has succeeded since. */
  public get credentialsRefused(): string | undefined {
    return this.refusal?.upstream;
  }

  /** Translates an MSAL failure and notes a refusal of the API's own credentials. */
  private failed(error: unknown, context: TokenContext): ApiError {
    const apiError = identityError(error, context);
    if (apiError.code === 'SERVICE_CREDENTIALS_REJECTED') {
      // Client authentication failed refuses every grant alike; anything else refused for the
      // app-only token is about that token alone.
      const clientAuthentication = isClientAuthenticationError((error as { errorCode?: unknown } | undefined)?.errorCode);
      this.refusal = { upstream: apiError.upstream ?? 'invalid_client', appOnly: context === 'app' && !clientAuthentication };
    }
    return apiError;
  }

  /**
   * A token Entra issued (not one from a cache): the API's credentials work - for an app-only
   * refusal, only a client-credentials token shows it lifted.
   */
  private issued<T extends AuthenticationResult | null>(result: T, context: TokenContext = 'sign-in'): T {
    if (result && !result.fromCache && (context === 'app' || !this.refusal?.appOnly)) {
      this.refusal = undefined;
    }
    return result;
  }

  public get authority(): string {
    return `${this.config.authorityHost}/${this.config.tenantId}`;
  }

  public get redirectUri(): string {
    return `${this.config.publicUrl}/v1/auth/callback`;
  }

  private msalConfig(cachePlugin?: ICachePlugin): Configuration {
    const host = new URL(this.config.authorityHost).host;
    return {
      auth: {
        clientId: this.config.clientId,
        clientSecret: this.config.clientSecret,
        authority: this.authority,
        knownAuthorities: MICROSOFT_AUTHORITY_HOSTS.includes(host) ? undefined : [host]
      },
      cache: cachePlugin ? { cachePlugin } : undefined,
      system: { networkClient: new TimedNetworkClient(this.timeoutMs), loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined } }
    };
  }

  /** A client that sees only this catalog's stored cache (of the connection `generation`, when given). */
  public catalogClient(secrets: SecretStore, catalog: string, generation?: number): ConfidentialClientApplication {
    return new ConfidentialClientApplication(this.msalConfig(new CatalogCachePlugin(secrets, catalog, generation)));
  }

  /** A client with an empty in-memory cache: a new sign-in is only stored once it passed its checks. */
  public signInClient(): ConfidentialClientApplication {
    return new ConfidentialClientApplication(this.msalConfig());
  }

  public async authorizeUrl(request: { scopes: string[]; state: string; nonce: string; challenge: string; orgConsent: boolean; loginHint?: string }): Promise<string> {
    try {
      return await this.app.getAuthCodeUrl({
        scopes: request.scopes,
        redirectUri: this.redirectUri,
        state: request.state,
        nonce: request.nonce,
        codeChallenge: request.challenge,
        codeChallengeMethod: 'S256',
        responseMode: 'query',
        loginHint: request.loginHint,
        // A tenant admin is shown the consent page with "Consent on behalf of your organization".
        // A follow-up leg (loginHint) continues the same account's session.
        prompt: request.orgConsent ? 'consent' : request.loginHint ? undefined : 'select_account'
      });
    } catch (error) {
      throw this.failed(error, 'sign-in');
    }
  }

  /** Redeems a code with its PKCE verifier; MSAL also checks the id token carries the nonce sent. */
  public async redeemCode(client: ConfidentialClientApplication, code: string, verifier: string, nonce: string, scopes: string[]): Promise<AuthenticationResult> {
    try {
      return this.issued(await client.acquireTokenByCode({ code, codeVerifier: verifier, nonce, redirectUri: this.redirectUri, scopes }));
    } catch (error) {
      throw this.failed(error, 'sign-in');
    }
  }

  /** An access token for a catalog's connected account, refreshing it when needed. */
  public async catalogToken(client: ConfidentialClientApplication, homeAccountId: string | null, scopes: string[], forceRefresh = false): Promise<AuthenticationResult> {
    try {
      const cache = client.getTokenCache();
      // Only the connected account's own tokens: another account in the cache is never a substitute.
      const account = homeAccountId ? await cache.getAccountByHomeId(homeAccountId) : null;
      if (!account) {
        throw new ApiError('ACCOUNT_MISMATCH', { detail: 'The stored sign-in has no tokens of the connected account.' });
      }
      return this.issued(await client.acquireTokenSilent({ account, scopes, forceRefresh }));
    } catch (error) {
      throw this.failed(error, 'refresh');
    }
  }

  /** A token for the caller to SharePoint, on behalf of the caller (catalog admin check). */
  public async onBehalfOf(assertion: string, scopes: string[]): Promise<string> {
    let result: AuthenticationResult | null;
    try {
      result = this.issued(await this.app.acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes }));
    } catch (error) {
      throw this.failed(error, 'sign-in');
    }
    if (!result) {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'on-behalf-of returned no token' });
    }
    // Not kept: MSAL's in-memory cache would hold every caller's tokens of every hour for the
    // process's life, and the owner check already remembers its answer (ADMIN_CACHE_SECONDS). Outside
    // the try above: a failure of this housekeeping is not a failed sign-in.
    if (result.account) {
      await this.app.getTokenCache().removeAccount(result.account);
    }
    return result.accessToken;
  }

  /** An app-only token (client credentials) for the API itself. */
  public async appToken(scope: string): Promise<string> {
    try {
      const result = this.issued(await this.app.acquireTokenByClientCredential({ scopes: [scope] }), 'app');
      if (!result) {
        throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'client credentials returned no token' });
      }
      return result.accessToken;
    } catch (error) {
      throw this.failed(error, 'app');
    }
  }
}
