// Tenant admin (SharePoint Administrator; Global Administrator to approve the Microsoft Graph
// request), docs/deploy.md step 4: uploads and deploys the .sppkg to the tenant app catalog and
// approves exactly the web part's API permission requests of infra/permissions.json.
//   node scripts/m365/deploy-package.mjs [--package sharepoint/solution/lms-m365-connection.sppkg] [--dry-run]
import { CONNECTION_API, m365, parseArgs, PERMISSIONS } from './lib.mjs';

const o = parseArgs(process.argv.slice(2), [], { package: 'sharepoint/solution/lms-m365-connection.sppkg', apiName: CONNECTION_API.resource });
const name = o.package.split('/').pop();

m365(o, ['spo', 'app', 'add', '--filePath', o.package, '--overwrite']);
// Site-scoped: no --skipFeatureDeployment; each catalog site adds the app (add-to-site.mjs).
m365(o, ['spo', 'app', 'deploy', '--name', name]);

const resourceName = { connectionApi: o.apiName, graph: 'Microsoft Graph' };
const wanted = PERMISSIONS.permissions.filter((p) => p.app === 'webPart').map((p) => ({ resource: resourceName[p.resource], scope: p.permission }));
const pending = m365(o, ['spo', 'serviceprincipal', 'permissionrequest', 'list'], wanted.map((w) => ({ Id: `<request id of ${w.resource} ${w.scope}>`, Resource: w.resource, Scope: w.scope })));
for (const w of wanted) {
  const request = pending.find((r) => r.Resource === w.resource && r.Scope === w.scope);
  if (request) m365(o, ['spo', 'serviceprincipal', 'permissionrequest', 'approve', '--id', request.Id]);
  // Approved before (another solution asked for it, or an earlier deployment): grant it directly.
  else m365(o, ['spo', 'serviceprincipal', 'grant', 'add', '--resource', w.resource, '--scope', w.scope]);
}
