import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startLocalTenant, LocalTenant } from '../src/index';

/**
 * Where the conformance checks run. The local tenant always; a real Microsoft 365 tenant when
 * .env.conformance at the repository root (or the environment) gives every REAL_VARIABLES entry.
 * Against a real tenant the suite reads only: no mail is sent, nothing is written, and the only
 * sign-in attempts are for an account that does not exist.
 */
export interface Target {
  name: 'local tenant' | 'real tenant';
  /** https://login.microsoftonline.com or the local origin. */
  authority: string;
  tenantId: string;
  /** The tenant's primary domain (for an address that does not exist). */
  domain: string;
  graph: string;
  /** A site whose REST API an app-only token is refused by (https://contoso.sharepoint.com/sites/x). */
  sharePointSite: string;
  sharePointResource: string;
  smtp: { host: string; port: number; ca?: string };
  /** A confidential client with the Graph application permission User.Read.All, and its secret. */
  app: { clientId: string; clientSecret: string };
  /** A user the app may read (an address in the tenant). */
  user: string;
  close(): Promise<void>;
}

export const REAL_VARIABLES = ['M365_TENANT_ID', 'M365_DOMAIN', 'M365_CLIENT_ID', 'M365_CLIENT_SECRET', 'M365_USER', 'M365_SHAREPOINT_SITE'] as const;

/** KEY=value lines; # comments; no expansion (the file holds a secret, it is never committed). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trim().startsWith('#')) out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

export const ENV_FILE = path.resolve(__dirname, '..', '..', '.env.conformance');

function realSettings(file = ENV_FILE): { values: Record<string, string>; missing: string[] } {
  const values = { ...(existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {}), ...process.env } as Record<string, string>;
  return { values, missing: REAL_VARIABLES.filter((k) => !values[k]) };
}

/** Why the real tenant is not checked, or null when it is. */
export function realTenantSkipReason(file = ENV_FILE): string | null {
  const { missing } = realSettings(file);
  if (missing.length === REAL_VARIABLES.length) return `no real tenant configured: create .env.conformance with ${REAL_VARIABLES.join(', ')} (docs/local-tenant.md, "Conformance")`;
  return missing.length ? `real tenant incompletely configured: ${missing.join(', ')} missing in .env.conformance` : null;
}

export async function localTarget(): Promise<Target> {
  const tenant: LocalTenant = await startLocalTenant({ port: 0, smtpPort: 0 });
  // Not the connection API: it holds no User.Read.All (infra/permissions.json).
  const api = tenant.fixture.apps.conformanceProbe;
  return {
    name: 'local tenant',
    authority: tenant.origin,
    tenantId: tenant.tenantId,
    domain: tenant.fixture.tenant.domain,
    graph: `${tenant.origin}/v1.0`,
    sharePointSite: `${tenant.origin}/sites/catalog-a`,
    sharePointResource: tenant.origin,
    smtp: { host: tenant.smtp.host, port: tenant.smtp.port, ca: tenant.caCertificate },
    app: { clientId: api.appId, clientSecret: api.clientSecret as string },
    user: 'adele@contoso.test',
    close: () => tenant.close()
  };
}

export function realTarget(): Target {
  const v = realSettings().values;
  const site = v.M365_SHAREPOINT_SITE.replace(/\/+$/, '');
  return {
    name: 'real tenant',
    authority: 'https://login.microsoftonline.com',
    tenantId: v.M365_TENANT_ID,
    domain: v.M365_DOMAIN,
    graph: 'https://graph.microsoft.com/v1.0',
    sharePointSite: site,
    sharePointResource: new URL(site).origin,
    smtp: { host: 'smtp.office365.com', port: 587 },
    app: { clientId: v.M365_CLIENT_ID, clientSecret: v.M365_CLIENT_SECRET },
    user: v.M365_USER,
    close: async () => undefined
  };
}

/**
 * Runs `checks` once per target: the local tenant, and the real one when configured. Without a
 * real tenant the suite says so in a skipped test named for the reason.
 */
export function eachTarget(title: string, checks: (target: () => Target) => void): void {
  const skip = realTenantSkipReason();
  const makers: [string, () => Promise<Target> | Target][] = [['local tenant', localTarget], ...(skip ? [] : ([['real tenant', realTarget]] as [string, () => Target][]))];
  for (const [name, make] of makers) {
    describe(`${title} - ${name}`, () => {
      let target: Target;
      beforeAll(async () => {
        target = await make();
      });
      afterAll(async () => target?.close());
      checks(() => target);
    });
  }
  if (skip) test.skip(`${title} - real tenant: ${skip}`, () => undefined);
}

/** An address in the tenant's domain that no account has. */
export const nobody = (target: Target): string => `conformance-nobody-${randomUUID().slice(0, 8)}@${target.domain}`;

export async function tokenRequest(target: Target, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${target.authority}/${target.tenantId}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function appToken(target: Target, resource: string): Promise<string> {
  const { body } = await tokenRequest(target, { grant_type: 'client_credentials', client_id: target.app.clientId, client_secret: target.app.clientSecret, scope: `${resource}/.default` });
  if (typeof body.access_token !== 'string') throw new Error(`no app token for ${resource}: ${String(body.error)} ${String(body.error_codes)}`);
  return body.access_token;
}
