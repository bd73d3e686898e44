// `npm start`: the whole local stack on loopback - local tenant, connection API (which starts its
// embedded Azurite, Tables :4810 and Queues :4811, data in .local/azurite) and the preview host -
// then one URL. Each service's output goes to .local/logs/<service>.log.
// Ctrl+C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const local = path.join(root, '.local');
const logs = path.join(local, 'logs');
mkdirSync(logs, { recursive: true });

const ports = {
  tenant: Number(process.env.LOCAL_TENANT_PORT ?? 4800),
  smtp: Number(process.env.LOCAL_TENANT_SMTP_PORT ?? 4587),
  api: Number(process.env.PORT ?? 4700),
  preview: Number(process.env.PREVIEW_PORT ?? 4300)
};
const tenantOrigin = `https://localhost:${ports.tenant}`;
const apiBaseUrl = `http://localhost:${ports.api}`;
const previewUrl = `http://localhost:${ports.preview}/`;

const env = {
  ...process.env,
  NODE_EXTRA_CA_CERTS: path.join(local, 'certs', 'ca.pem'),
  LOCAL_TENANT_PORT: String(ports.tenant),
  LOCAL_TENANT_SMTP_PORT: String(ports.smtp),
  // the API's development defaults point at the local tenant; only ports and origins are set here
  PORT: String(ports.api),
  API_PUBLIC_URL: apiBaseUrl,
  AUTHORITY_HOST: tenantOrigin,
  GRAPH_URL: `${tenantOrigin}/v1.0`,
  SHAREPOINT_ORIGIN: tenantOrigin,
  SMTP_HOST: 'localhost',
  SMTP_PORT: String(ports.smtp),
  AZURITE_LOCATION: path.join(local, 'azurite'),
  LOCAL_KEK_FILE: path.join(local, 'keys', 'kek.json'),
  ALLOWED_ORIGINS: `http://localhost:${ports.preview}`,
  PREVIEW_PORT: String(ports.preview),
  PREVIEW_TENANT_ORIGIN: tenantOrigin,
  PREVIEW_API_BASE_URL: apiBaseUrl
};

const children = [];
let stopping = false;

function step(title, command, args) {
  process.stdout.write(`- ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`${title} failed:\n${result.stdout}${result.stderr}\n`);
    process.exit(1);
  }
}

function service(name, command, args) {
  const log = createWriteStream(path.join(logs, `${name}.log`), { flags: 'w' });
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`\n${name} stopped (${signal ?? `exit ${code}`}); see ${path.relative(root, log.path)}\n`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitFor(name, url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      process.stderr.write(`${name} did not answer ${url} within ${timeoutMs / 1000} s; see .local/logs/${name}.log\n`);
      stop(1);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

function stop(code) {
  stopping = true;
  for (const child of children) {
    child.kill('SIGTERM');
  }
  setTimeout(() => process.exit(code), 500).unref();
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

process.stdout.write('Starting the local stack (logs in .local/logs/)\n');
step('build the local tenant and the API', 'npm', ['run', '--silent', 'build', '-w', 'local-tenant', '-w', 'api']);

service('local-tenant', process.execPath, ['local-tenant/dist/main.js']);
await waitFor('local-tenant', `${tenantOrigin}/organizations/v2.0/.well-known/openid-configuration`);

service('api', process.execPath, ['api/dist/api/src/main.js']);
await waitFor('api', `${apiBaseUrl}/readyz`);

service('preview', process.execPath, ['preview/server.mjs']);
await waitFor('preview', previewUrl);

process.stdout.write(`
  Open ${previewUrl}

  (local tenant ${tenantOrigin} - mailbox viewer ${tenantOrigin}/_mailbox, fault controls ${tenantOrigin}/_faults;
   API ${apiBaseUrl}; every account's password is dev-password. Ctrl+C stops everything.)
`);
