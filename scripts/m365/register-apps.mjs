// Tenant admin (Global Administrator, or Privileged Role Administrator + Application Administrator + Exchange Administrator: Graph application permissions and the Exchange role assignment need Privileged Role Administrator),
// docs/deploy.md step 1: registers the connection API (app ID URI, user_impersonation scope for
// the web part, Notifications.Send app role for the LMS, redirect URI, the permissions of
// infra/permissions.json), the LMS back end, and the system sender's Exchange RBAC role.
//   node scripts/m365/register-apps.mjs --tenant-id <tenant id> --api-url https://<app>.azurewebsites.net --system-sender lms-notifications@contoso.com [--app-id-uri api://...] [--with-consent-help] [--dry-run]
// --with-consent-help also grants the directory reads that let the page name the Global
// Administrators and offer the admin consent request workflow (docs/permissions.md); without
// them the page gives the consent link alone.
import { CONNECTION_API, m365, note, parseArgs, permissionsOf, RESOURCE_URI } from './lib.mjs';

const o = parseArgs(process.argv.slice(2), ['tenantId', 'apiUrl', 'systemSender'], {
  apiName: CONNECTION_API.resource,
  backendName: 'LMS back end'
});
if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(o.tenantId)) {
  process.stderr.write('--tenant-id must be the tenant\'s id (a GUID).\n');
  process.exit(2);
}
// Entra refuses new Application ID URIs without a tenant id, app id or verified domain in them
// (learn.microsoft.com/entra/identity-platform/identifier-uri-restrictions): api://<tenant id>/<name> is one of its secure patterns.
o.appIdUri ??= `api://${o.tenantId.toLowerCase()}/lms-m365-connection`;
const uri = (p) => `${p.resource === 'connectionApi' ? o.appIdUri : RESOURCE_URI[p.resource]}/${p.permission}`;

// 1. The connection API. Graph/Exchange delegated permissions are registered, not consented:
//    the connected account (or an admin for the organisation) consents when a catalog connects.
const delegatedByUser = permissionsOf('connectionApi', 'delegated', { resources: ['graph', 'exchange'] });
const api = m365(o, [
  'entra', 'app', 'add',
  '--name', o.apiName,
  '--platform', 'web',
  '--redirectUris', `${o.apiUrl.replace(/\/+$/, '')}/v1/auth/callback`,
  '--uri', o.appIdUri,
  '--scopeName', 'user_impersonation',
  '--scopeConsentBy', 'admins',
  '--scopeAdminConsentDisplayName', 'Manage Microsoft 365 connections of course catalogs',
  '--scopeAdminConsentDescription', 'Lets the settings page read and change the Microsoft 365 connection of the course catalogs the signed-in user administers.',
  '--apisDelegated', delegatedByUser.map(uri).join(','),
  '--withSecret'
], { appId: '<connection API client id>', objectId: '<connection API object id>' });
// App-only tokens must say so (idtyp=app): the API accepts app-only calls only from tokens that carry it.
// A user's directory roles (wids) are in the API's tokens only with groupMembershipClaims DirectoryRole
// (or All): the page offers organisation-wide consent by them to a Global, Privileged Role, Cloud
// Application or Application Administrator (api/src/auth/principal.ts).
// v2 access tokens (aud = the API's client id, the v2 issuer), as the local tenant issues them; an
// application's requestedAccessTokenVersion left unset gives v1 ones.
m365(o, ['request', '--method', 'patch', '--url', `https://graph.microsoft.com/v1.0/applications/${api.objectId}`, '--content-type', 'application/json', '--body', JSON.stringify({ api: { requestedAccessTokenVersion: 2 }, groupMembershipClaims: 'DirectoryRole', optionalClaims: { accessToken: [{ name: 'idtyp', essential: false }] } })]);
m365(o, ['entra', 'app', 'role', 'add', '--appId', api.appId, '--name', 'Send LMS notifications', '--description', 'Queue LMS notifications and session invitations for any catalog and read their deliveries', '--allowedMembers', 'applications', '--claim', 'Notifications.Send']);

// 2. Admin-consented now: the API's application permissions and its delegated SharePoint
//    Sites.Selected (the owner check; it reaches only the sites add-to-site.mjs grants).
const application = permissionsOf('connectionApi', 'application', { optional: o.withConsentHelp ? ['consent-help'] : [] });
m365(o, ['entra', 'app', 'permission', 'add', '--appId', api.appId, '--applicationPermissions', application.map(uri).join(' '), '--grantAdminConsent']);
const sharePoint = permissionsOf('connectionApi', 'delegated', { resources: ['sharepoint'] });
m365(o, ['entra', 'app', 'permission', 'add', '--appId', api.appId, '--delegatedPermissions', sharePoint.map(uri).join(' '), '--grantAdminConsent']);

// 3. The system sender: Mail.Send through Exchange Online RBAC for Applications, scoped to one mailbox.
for (const p of permissionsOf('connectionApi', 'application', { entraOnly: false }).filter((x) => x.grantedBy === 'exchange-rbac-for-applications')) {
  m365(o, ['exo', 'approleassignment', 'add', '--roleDefinitionName', p.exchangeRole, '--principalName', o.apiName, '--scope', 'user', '--userName', o.systemSender]);
}

// 4. The LMS back end: a confidential client holding the API's Notifications.Send role.
const backend = m365(o, ['entra', 'app', 'add', '--name', o.backendName, '--withSecret'], { appId: '<LMS back end client id>' });
const lms = permissionsOf('lmsBackend', 'application', { resources: ['connectionApi'] });
m365(o, ['entra', 'app', 'permission', 'add', '--appId', backend.appId, '--applicationPermissions', lms.map(uri).join(' '), '--grantAdminConsent']);

note(`The API's Application ID URI is ${o.appIdUri}: put it in config/connection-api.json (appIdUri) before npm run package, and in the Bicep deployment (-p apiAppIdUri=...).`);
if (o.dryRun) {
  note('The two client secrets are printed by the real run once; put the API\'s in the Bicep deployment (-p apiClientSecret=...) and the back end\'s in the LMS.');
} else {
  process.stdout.write(`${JSON.stringify({ connectionApi: { clientId: api.appId, secret: api.secrets?.[0]?.value }, lmsBackend: { clientId: backend.appId, secret: backend.secrets?.[0]?.value } }, null, 2)}\n`);
  process.stderr.write('The secrets above are shown once: store them (Key Vault via the Bicep deployment, the LMS\'s own secret store) and clear this terminal.\n');
}
