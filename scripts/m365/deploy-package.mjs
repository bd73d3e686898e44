// Tenant admin (SharePoint Administrator; Global Administrator to approve the Microsoft Graph
// request), docs/deploy.md step 4: uploads and deploys the .sppkg to the tenant app catalog and
// approves exactly the web part's API permission requests of infra/permissions.json.
//   node scripts/m365/deploy-package.mjs [--package sharepoint/solution/lms-m365-connection.sppkg] [--dry-run] [--allow-placeholders]
import { createRequire } from 'node:module';
import { CONNECTION_API, m365, parseArgs, PERMISSIONS, root } from './lib.mjs';

const { placeholders } = createRequire(import.meta.url)('./placeholders.cjs');
const argv = process.argv.slice(2);
const allowPlaceholders = argv.includes('--allow-placeholders');
const o = parseArgs(argv.filter((a) => a !== '--allow-placeholders'), [], { package: 'sharepoint/solution/lms-m365-connection.sppkg', apiName: CONNECTION_API.resource });

// A package built with the development defaults asks users' tokens for an API no tenant has, at a host the deployment does not own.
const unset = placeholders(root);
if (unset.length > 0 && !allowPlaceholders) {
  process.stderr.write(`Not uploaded: the package was built with the development defaults of\n${unset.map((u) => `  ${u}\n`).join('')}Set them for this deployment (docs/deploy.md, step 4), run npm run package again, then this script. (--allow-placeholders uploads it anyway, for a test tenant.)\n`);
  process.exit(2);
}
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
