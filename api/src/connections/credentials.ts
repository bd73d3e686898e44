import type { AuthenticationResult, ConfidentialClientApplication } from '@azure/msal-node';
import type { ApiConfig } from '../config/config';
import { ApiError } from '../errors/apiError';
import type { GraphClient } from '../graph/graphClient';
import { graphScopes, MicrosoftIdentity } from '../identity/microsoftIdentity';
import { GraphMailTransport } from '../mail/graphTransport';
import { SmtpMailTransport } from '../mail/smtp';
import type { MailTransport } from '../mail/transport';
import type { SecretStore } from '../secrets/secretStore';
import type { ConnectionRecord } from './model';

/** What a Classic connection keeps sealed in the secrets table. */
export interface ClassicSecret {
  password: string;
}

/** A token is renewed this long before it expires, so a submission never carries a lapsing one. */
const EARLY_RENEWAL_MS = 5 * 60_000;

/**
 * A catalog's access tokens for one burst: one MSAL client, so the sealed token cache is read
 * once and MSAL is asked again only when the token nears expiry (or a probe forces a refresh).
 */
export class CatalogTokens {
  private current: AuthenticationResult | undefined;
  private pending: Promise<AuthenticationResult> | undefined;

  public constructor(
    private readonly identity: MicrosoftIdentity,
    private readonly client: ConfidentialClientApplication,
    private readonly homeAccountId: string | null,
    private readonly scopes: string[],
    private readonly now: () => number = Date.now
  ) {}

  public async get(force = false): Promise<string> {
    const fresh = this.current?.expiresOn && this.current.expiresOn.getTime() - EARLY_RENEWAL_MS > this.now();
    if (!force && fresh && this.current) {
      return this.current.accessToken;
    }
    // Concurrent submissions of one burst share one refresh.
    this.pending ??= this.identity.catalogToken(this.client, this.homeAccountId, this.scopes, force).finally(() => {
      this.pending = undefined;
    });
    this.current = await this.pending;
    return this.current.accessToken;
  }
}

/**
 * Turns a catalog's stored connection into a ready MailTransport. This is the one place that
 * decides between Graph, SMTP with OAuth and SMTP with a password; the test email, the health
 * check and the outbox engine all send through what it opens.
 */
export class CredentialsProvider {
  public constructor(private readonly deps: { config: ApiConfig; identity: MicrosoftIdentity; secrets: SecretStore; graph: GraphClient }) {}

  public async open(record: ConnectionRecord): Promise<MailTransport> {
    const { config, identity, secrets, graph } = this.deps;
    const email = record.account?.email;
    if (!record.method || !email) {
      throw new ApiError('NOT_CONNECTED');
    }
    if (record.method === 'classic') {
      const stored = await secrets.read(record.catalog);
      if (!stored || stored.kind !== 'password') {
        throw new ApiError('NOT_CONNECTED');
      }
      if (stored.generation !== record.generation || stored.account !== email) {
        throw new ApiError('ACCOUNT_MISMATCH', { detail: 'The stored password belongs to another connection of this catalog.' });
      }
      const { password } = JSON.parse(stored.plaintext) as ClassicSecret;
      return new SmtpMailTransport(config.smtp, email, { kind: 'password', pass: password }, config.sending.smtpConnectionsPerMailbox, record.account?.displayName);
    }
    const client = identity.catalogClient(secrets, record.catalog, record.generation);
    const graphTokens = new CatalogTokens(identity, client, record.homeAccountId, graphScopes(config));
    const graphTransport = (): GraphMailTransport => new GraphMailTransport(graph, (force?: boolean) => graphTokens.get(force), email, config.sending.graphConcurrencyPerMailbox);
    if (record.transport !== 'smtp-oauth') {
      return graphTransport();
    }
    const smtpTokens = new CatalogTokens(identity, client, record.homeAccountId, [config.smtpScope]);
    const transport = new SmtpMailTransport(config.smtp, email, { kind: 'oauth', token: (force?: boolean) => smtpTokens.get(force) }, config.sending.smtpConnectionsPerMailbox, record.account?.displayName);
    // Mail over SMTP, the calendar through Graph: the sign-in consented to both, one token cache (opened only when a session or a room asks).
    let calendar: GraphMailTransport | undefined;
    transport.calendar = () => (calendar ??= graphTransport());
    return transport;
  }
}
