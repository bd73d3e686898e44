import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BicepFile, BicepResource, BicepValue, parseBicep } from './bicep';
import { TABLES, WAKE_QUEUE } from '../../api/src/storage/tables';

const INFRA = path.resolve(__dirname, '..', '..', 'infra');
const read = (file: string): BicepFile => parseBicep(readFileSync(path.join(INFRA, file), 'utf8'));
const main = read('main.bicep');
const modules = Object.fromEntries(Object.values(main.modules).map((m) => [m.symbol, read(m.path)]));
const all = [main, ...Object.values(modules)];
const resourcesOf = (type: string): BicepResource[] => all.flatMap((f) => Object.values(f.resources)).filter((r) => r.type === type && !r.existing);
const one = (type: string): Record<string, any> => {
  const found = resourcesOf(type);
  expect([type, found.length]).toEqual([type, 1]);
  return found[0].body as Record<string, any>;
};
const expr = (v: BicepValue | undefined): string => (typeof v === 'object' && v !== null && 'expr' in v ? String(v.expr) : JSON.stringify(v));

/** Issue 11 point 3: the Azure templates' security settings, read from the Bicep sources. */
describe('infra/ (Bicep)', () => {
  test('every module main.bicep uses exists and parses', () => {
    expect(Object.keys(main.modules).sort()).toEqual(['access', 'alerts', 'availability', 'monitoring', 'site', 'storage', 'vault']);
    for (const m of Object.values(main.modules)) expect(existsSync(path.join(INFRA, m.path))).toBe(true);
  });

  test('App Service: Linux, Node 22 LTS, always on, HTTPS only, TLS 1.2+, FTP off, system-assigned identity, health check on /readyz', () => {
    const site = one('Microsoft.Web/sites');
    expect(site.kind).toBe('app,linux');
    expect(site.identity).toEqual({ type: 'SystemAssigned' });
    expect(site.properties.httpsOnly).toBe(true);
    const config = site.properties.siteConfig;
    expect(config).toMatchObject({ linuxFxVersion: 'NODE|22-lts', alwaysOn: true, minTlsVersion: '1.2', scmMinTlsVersion: '1.2', ftpsState: 'Disabled', healthCheckPath: '/readyz', appCommandLine: 'node main.js', remoteDebuggingEnabled: false });
    const publishing = resourcesOf('Microsoft.Web/sites/basicPublishingCredentialsPolicies').map((r) => [(r.body as any).name, (r.body as any).properties.allow]);
    expect(publishing.sort()).toEqual([['ftp', false], ['scm', false]]);
  });

  test('App Service plan: Linux, two or more instances (the parameter cannot go below 2, the parameters file asks for 2+)', () => {
    const plan = one('Microsoft.Web/serverfarms');
    expect(plan.kind).toBe('linux');
    expect(plan.properties.reserved).toBe(true);
    expect(expr(plan.sku.capacity)).toBe('instanceCount');
    for (const f of [main, modules.site]) expect(f.params.instanceCount.decorators).toContain('minValue(2)');
    expect(main.params.instanceCount.default as number).toBeGreaterThanOrEqual(2);
    const parameters = JSON.parse(readFileSync(path.join(INFRA, 'main.parameters.json'), 'utf8')).parameters;
    expect(parameters.instanceCount.value).toBeGreaterThanOrEqual(2);
  });

  test('Storage: shared-key access off, TLS 1.2, HTTPS only, no public blobs; the API\'s tables and queue exist', () => {
    const account = one('Microsoft.Storage/storageAccounts').properties;
    expect(account).toMatchObject({ allowSharedKeyAccess: false, defaultToOAuthAuthentication: true, minimumTlsVersion: 'TLS1_2', supportsHttpsTrafficOnly: true, allowBlobPublicAccess: false });
    const tables = resourcesOf('Microsoft.Storage/storageAccounts/tableServices/tables')[0].body as { for: string };
    expect(tables.for).toMatch(/^for table in \[(.*)\]$/);
    const names = /\[(.*)\]/.exec(tables.for)?.[1].split(',').map((s) => s.trim().replace(/'/g, '')).sort();
    expect(names).toEqual(Object.values(TABLES).sort());
    expect((one('Microsoft.Storage/storageAccounts/queueServices/queues') as { name: string }).name).toBe(WAKE_QUEUE);
  });

  test('Key Vault: RBAC, purge protection; the KEK is an RSA key for wrap and unwrap only', () => {
    const vault = one('Microsoft.KeyVault/vaults').properties;
    expect(vault).toMatchObject({ enableRbacAuthorization: true, enablePurgeProtection: true, enableSoftDelete: true });
    const key = one('Microsoft.KeyVault/vaults/keys').properties;
    expect(key.kty).toBe('RSA');
    expect(key.keyOps).toEqual(['wrapKey', 'unwrapKey']);
    expect(key.attributes.exportable).toBe(false);
  });

  test('identity: data roles on storage, wrap/unwrap only on the one key, read of the one secret; no broad Key Vault role', () => {
    const access = modules.access;
    const role = one('Microsoft.Authorization/roleDefinitions').properties;
    expect(role.permissions).toEqual([{ actions: [], notActions: [], dataActions: ['Microsoft.KeyVault/vaults/keys/wrap/action', 'Microsoft.KeyVault/vaults/keys/unwrap/action'], notDataActions: [] }]);
    const assignments = Object.values(access.resources).filter((r) => r.type === 'Microsoft.Authorization/roleAssignments').map((r) => r.body as any);
    const byScope = Object.fromEntries(assignments.map((a) => [expr(a.scope), expr(a.properties.roleDefinitionId)]));
    expect(byScope).toEqual({
      storage: expect.stringContaining('roles.storage'),
      kek: "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', wrapUnwrapRole.name)",
      clientSecret: "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)"
    });
    expect(assignments.filter((a) => expr(a.scope) === 'storage').map((a) => expr(a.properties.roleDefinitionId)).sort()).toEqual([
      "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)",
      "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)"
    ]);
    for (const a of assignments) expect(a.properties.principalType).toBe('ServicePrincipal');
    // Custom role names are unique in the directory: two deployments in one tenant must not share one.
    expect(role.roleName).toContain('${uniqueString(resourceGroup().id)}');
    // Key Vault Administrator, Crypto Officer, Crypto User, Secrets Officer: never.
    const text = readFileSync(path.join(INFRA, 'modules', 'access.bicep'), 'utf8');
    for (const broad of ['00482a5a-887f-4fb3-b363-3b7fe8e74483', '14b46e9e-c2b7-41b4-b07b-48a6ebf60603', '12338af0-0e69-4776-bea7-57ae8d297424', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7']) expect(text).not.toContain(broad);
  });

  test('Application Insights and its workspace: local authentication off on both; the API\'s logs and metrics go to its workspace, never a URL\'s query string; /readyz is probed', () => {
    const insights = one('Microsoft.Insights/components').properties;
    expect(insights).toMatchObject({ DisableLocalAuth: true, Application_Type: 'Node.JS', WorkspaceResourceId: { expr: 'workspace.id' } });
    expect(one('Microsoft.OperationalInsights/workspaces').properties).toMatchObject({ features: { disableLocalAuth: true } });
    const settings = resourcesOf('Microsoft.Insights/diagnosticSettings');
    // Key Vault's audit trail (AuditEvent: every wrap, unwrap and secret read) goes to the same workspace.
    const vaultAudit = settings.find((s) => expr((s.body as any).scope) === 'vault')?.body as any;
    expect(vaultAudit?.properties).toEqual({ workspaceId: { expr: 'workspaceResourceId' }, logs: [{ categoryGroup: 'audit', enabled: true }] });
    expect(expr((main.modules.vault.body as any).params.workspaceResourceId)).toBe('monitoring.outputs.workspaceResourceId');
    expect(settings).toHaveLength(2);
    const diagnostics = (settings.find((s) => expr((s.body as any).scope) === 'site')?.body as any).properties;
    expect(expr(diagnostics.workspaceId)).toBe('workspaceResourceId');
    expect(diagnostics.logs.map((l: { category: string }) => l.category)).toContain('AppServiceConsoleLogs');
    // HTTP logs and the auto-instrumentation agent record URLs with their query (the OAuth callback's holds the authorization code).
    expect(diagnostics.logs.map((l: { category: string }) => l.category)).not.toContain('AppServiceHTTPLogs');
    expect(Object.keys((main.modules.site.body as any).params.appSettings)).not.toContain('ApplicationInsightsAgent_EXTENSION_VERSION');
    expect(diagnostics.metrics).toEqual([{ category: 'AllMetrics', enabled: true }]);
    const test = one('Microsoft.Insights/webtests').properties;
    expect(test).toMatchObject({ Enabled: true, Kind: 'standard', ValidationRules: { ExpectedHttpStatusCode: 200, SSLCheck: true } });
    expect((main.modules.availability.body as any).params.url).toBe('https://${site.outputs.defaultHostname}/readyz');
  });

  test('app settings: every setting production requires; secrets only as Key Vault references; storage without a key', () => {
    const settings = (main.modules.site.body as any).params.appSettings as Record<string, BicepValue>;
    for (const name of ['API_PUBLIC_URL', 'TENANT_ID', 'AUTHORITY_HOST', 'GRAPH_URL', 'SHAREPOINT_ORIGIN', 'CLIENT_ID', 'CLIENT_SECRET', 'APP_ID_URI', 'ALLOWED_ORIGINS', 'SMTP_HOST', 'SMTP_PORT', 'STORAGE_CONNECTION_STRING', 'KEY_VAULT_KEY_ID', 'SYSTEM_SENDER', 'ALLOWED_APP_CLIENTS', 'TENANT_DOMAINS']) {
      expect([name, name in settings]).toEqual([name, true]);
    }
    expect(settings.NODE_ENV).toBe('production');
    expect(settings.CLIENT_SECRET).toMatch(/^@Microsoft\.KeyVault\(SecretUri=\$\{vault\.outputs\.clientSecretUri\}\)$/);
    expect(String(settings.STORAGE_CONNECTION_STRING)).not.toMatch(/AccountKey|SharedAccessSignature/i);
    expect(expr(settings.KEY_VAULT_KEY_ID)).toBe('vault.outputs.keyUriWithVersion');
    expect(main.params.apiClientSecret.decorators).toContain('secure()');
    // A redeploy without the secret leaves the vault's alone (after a renewal, an old value passed again would bring back an expired secret).
    expect(main.params.apiClientSecret.default).toBe('');
    expect(modules.vault.params.clientSecret.default).toBe('');
    expect(Object.values(modules.vault.resources).find((r) => r.type === 'Microsoft.KeyVault/vaults/secrets')?.condition).toBe('!empty(clientSecret)');
    expect(expr(modules.vault.outputs.clientSecretUri)).not.toMatch(/\bsecret\./);
    const parameters = JSON.parse(readFileSync(path.join(INFRA, 'main.parameters.json'), 'utf8')).parameters;
    expect(Object.keys(parameters)).not.toContain('apiClientSecret');
    const required = Object.values(main.params).filter((p) => p.default === undefined && !p.decorators.includes('secure()')).map((p) => p.name);
    for (const name of required) expect([name, name in parameters]).toEqual([name, true]);
  });

  test('app settings: a redeploy replaces them all, so every setting the docs let an operator change comes from a parameter, not from the portal', () => {
    const settings = (main.modules.site.body as any).params.appSettings as Record<string, BicepValue>;
    const byParameter: Record<string, string> = { REGISTERED_CATALOGS: 'registeredCatalogs', KEY_VAULT_PREVIOUS_KEY_IDS: 'keyVaultPreviousKeyIds', ALLOWED_DELEGATED_CLIENTS: 'allowedDelegatedClients', CLASSIC_ENABLED: 'classicEnabled', LMS_ADMINS: 'lmsAdmins', TENANT_DOMAINS: 'tenantDomains' };
    for (const [setting, parameter] of Object.entries(byParameter)) {
      expect([setting, expr(settings[setting])]).toEqual([setting, expect.stringContaining(parameter)]);
      expect([parameter, parameter in main.params]).toEqual([parameter, true]);
    }
    expect(main.params.allowedDelegatedClients.default).toBe('08e18876-6177-487e-b8b5-cf950c1e598c');
    expect(main.params.keyVaultPreviousKeyIds.default).toBe('');
    // The other documented settings (SEND_*, TEST_EMAILS_PER_DAY, ...) come from one object
    // parameter; the template's own settings are applied after it, so it cannot change those.
    expect(main.params.tuning.default).toEqual({});
    expect(expr((main.modules.site.body as any).params.tuning)).toBe('tuning');
    const config = one('Microsoft.Web/sites').properties.siteConfig;
    expect(JSON.stringify(config.appSettings)).toContain('items(union(defaults, tuning, appSettings))');
    // What the template only defaults is a default an operator's tuning overrides; nothing is both a
    // default and the template's own. (Classic attempts are counted in storage by all instances
    // together, so their limit no longer depends on instanceCount.)
    const defaults = (main.modules.site.body as any).params.defaults as Record<string, BicepValue>;
    expect(Object.keys(defaults).sort()).toEqual(['LOG_LEVEL']);
    expect(Object.keys(defaults).filter((name) => name in settings)).toEqual([]);
  });
});

/** docs/operations.md "Alerts" as code: an operator is paged from a deployment made from zero. */
describe('infra/ alerts', () => {
  const alerts = modules.alerts;
  const apiSources = (dir: string): string => readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? apiSources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? readFileSync(path.join(dir, e.name), 'utf8') : '')).join('\n');

  test('one action group mails the operator (operatorEmail, a required parameter); every rule tells it', () => {
    expect(main.params.operatorEmail.default).toBeUndefined();
    expect(expr((main.modules.alerts.body as any).params.operatorEmail)).toBe('operatorEmail');
    const group = one('Microsoft.Insights/actionGroups');
    expect(expr(group.properties.emailReceivers[0].emailAddress)).toBe('operatorEmail');
    const logRules = alerts.resources.logRules.body as any;
    expect(expr(logRules.body.properties.actions.actionGroups[0])).toBe('operators.id');
    for (const rule of [alerts.resources.notReady.body as any, (alerts.resources.metricRules.body as any).body]) {
      expect(expr(rule.properties.actions[0].actionGroupId)).toBe('operators.id');
    }
  });

  test('the log alerts search the console lines for messages the API writes, word for word', () => {
    const source = apiSources(path.resolve(__dirname, '..', '..', 'api', 'src'));
    const queries = (alerts.vars.logAlerts as any[]).map((rule) => String(rule.query));
    expect((alerts.vars.logAlerts as any[]).map((rule) => rule.displayName)).toEqual(["The API's own rights refused", 'Alert mail not sent', 'Outbox stalled']);
    const messages = queries.flatMap((q) => [...q.matchAll(/(?:startswith|endswith) "([^"]+)"/g)].map((m) => m[1]));
    expect(messages.length).toBeGreaterThanOrEqual(8);
    for (const message of messages) expect([message, source.includes(message)]).toEqual([message, true]);
    for (const q of queries) expect(q.startsWith('AppServiceConsoleLogs | extend line = parse_json(ResultDescription)')).toBe(true);
  });

  test('metric alerts: 5xx, health check, Key Vault 403 on wrap/unwrap, storage ServerBusy; the availability test from both regions', () => {
    expect((modules.alerts.vars.metricAlerts as any[]).map((m) => [m.name, m.metric])).toEqual([['errors', 'Http5xx'], ['health-check', 'HealthCheckStatus'], ['key-vault-refused', 'ServiceApiResult'], ['storage-throttling', 'Transactions']]);
    const notReady = (alerts.resources.notReady.body as any).properties.criteria;
    expect([notReady['odata.type'], notReady.failedLocationCount]).toEqual(['Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria', 2]);
    const locations = (modules.availability.resources.readyz.body as any).properties.Locations;
    expect(locations).toHaveLength(notReady.failedLocationCount);
  });
});
