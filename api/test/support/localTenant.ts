/**
 * The local tenant (local-tenant/src/index.ts), loaded by name so the API's type-check does not
 * compile the other workspace's sources under its own options. jest maps the name to the
 * source (jest.config.js); the bench's esbuild aliases it the same way.
 */
export interface LocalTenant {
  origin: string;
  tenantId: string;
  smtp: { host: string; port: number };
  reset(): void;
  close(): Promise<void>;
  /**
   * Live state: the tests read the refresh tokens it issued, to hunt for them as canaries, and add
   * the consent (Graph oauth2PermissionGrants) of accounts the fixture does not have.
   */
  state: {
    refreshTokens: Map<string, { userId: string; lastUsedAt: number }>;
    roomAnswerDelayMs: number;
    /** How long the access tokens it issues last (MSAL renews one within five minutes of its expiry). */
    limits: { accessTokenLifetimeSeconds: number };
    grants: Array<{ id: string; clientId: string; consentType: 'AllPrincipals' | 'Principal'; principalId: string | null; resourceId: string; scope: string }>;
    appByKey(key: string): TenantApp;
    addGrant(client: TenantApp, resource: TenantApp, consentType: 'AllPrincipals' | 'Principal', userId: string | null, scopes: string[]): void;
  };
}

/** An app (and its service principal) of the local tenant's fixture. */
export interface TenantApp {
  appId: string;
  servicePrincipalId: string;
}

export interface LocalTenantOptions {
  port?: number;
  smtpPort?: number;
  fixturePath?: string;
  certDir?: string;
  /** How many times faster the tenant's sending-limit windows run (LOCAL_TENANT_TIME_SCALE). */
  timeScale?: number;
}

export function startLocalTenant(options: LocalTenantOptions): Promise<LocalTenant> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tenant = require('@lms-m365/local-tenant') as { startLocalTenant(o: LocalTenantOptions): Promise<LocalTenant> };
  return tenant.startLocalTenant(options);
}
