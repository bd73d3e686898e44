import type { ApiConfig } from '../config/config';
import type { MicrosoftIdentity } from '../identity/microsoftIdentity';
import { GRAPH_PERMISSIONS, missingPermissions } from '../identity/microsoftIdentity';
import type { GraphClient } from '../graph/graphClient';

interface Grant {
  consentType?: string;
  scope?: string;
}

/** Whether organisation-wide grants cover every permission the connection needs. */
export function coversOrganisation(grants: readonly Grant[], required: readonly string[] = GRAPH_PERMISSIONS): boolean {
  const scopes = grants.filter((g) => g.consentType === 'AllPrincipals').flatMap((g) => (g.scope ?? '').split(' ').filter((s) => s.length > 0));
  return missingPermissions(scopes, required).length === 0;
}

/**
 * Asks Graph (app-only) whether a tenant admin granted organisation-wide consent (R-MOD-5);
 * remembered for a minute because every page load shows it.
 */
export class OrgConsentStatus {
  private cached?: { granted: Promise<boolean>; until: number };

  public constructor(
    private readonly config: ApiConfig,
    private readonly identity: MicrosoftIdentity,
    private readonly graph: GraphClient,
    private readonly onError: (error: unknown) => void,
    private readonly ttlMs = 60_000
  ) {}

  public forget(): void {
    this.cached = undefined;
  }

  public granted(): Promise<boolean> {
    if (this.cached && this.cached.until > Date.now()) {
      return this.cached.granted;
    }
    // Shared while pending: a burst of page loads asks Graph once.
    const granted = this.ask();
    this.cached = { granted, until: Date.now() + this.ttlMs };
    return granted;
  }

  private async ask(): Promise<boolean> {
    let granted = false;
    try {
      const token = await this.identity.appToken(`${this.config.graphResource}/.default`);
      const sps = await this.graph.request<{ value: { id: string }[] }>(token, 'GET', `/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${this.config.clientId}'`)}&$select=id`);
      const spId = sps?.value[0]?.id;
      if (spId) {
        const grants = await this.graph.request<{ value: Grant[] }>(token, 'GET', `/oauth2PermissionGrants?$filter=${encodeURIComponent(`clientId eq '${spId}'`)}`);
        granted = coversOrganisation(grants?.value ?? []);
      }
    } catch (error) {
      // Unknown is shown as "not granted" (the page then offers the org-consent option) and asked again next time.
      this.cached = undefined;
      this.onError(error);
    }
    return granted;
  }
}
