// The whole local stack on free loopback ports for browser tests and bench:page: local tenant,
// connection API (with its embedded Azurite, in a throwaway folder) and the preview host.
// The tenant and the API run as their built entry points, exactly as `npm start` runs them.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPreview } from '../../preview/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(name, url, child, logFile, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited with ${child.exitCode}; see ${logFile}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`${name} did not answer ${url} within ${timeoutMs / 1000} s; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

/**
 * Starts everything; `stop()` ends exactly what was started. Needs NODE_EXTRA_CA_CERTS set to
 * .local/certs/ca.pem (the npm scripts do it) so Node trusts the tenant's certificate.
 */
export async function startStack({ build = true, logDir = path.join(root, 'e2e', 'results', 'logs') } = {}) {
  if (build) {
    const result = spawnSync('npm', ['run', '--silent', 'build', '-w', 'local-tenant', '-w', 'api'], { cwd: root, encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`building the local tenant and the API failed:\n${result.stdout}${result.stderr}`);
    }
  }
  mkdirSync(logDir, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'lms-e2e-'));
  const [tenantPort, smtpPort, apiPort, tablePort, queuePort, previewPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  const tenantOrigin = `https://localhost:${tenantPort}`;
  const apiBaseUrl = `http://localhost:${apiPort}`;
  const previewOrigin = `http://localhost:${previewPort}`;
  const children = [];
  const env = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS || path.join(root, '.local', 'certs', 'ca.pem'),
    LOCAL_TENANT_PORT: String(tenantPort),
    LOCAL_TENANT_SMTP_PORT: String(smtpPort),
    PORT: String(apiPort),
    HOST: 'localhost',
    API_PORT: String(apiPort),
    API_PUBLIC_URL: apiBaseUrl,
    AUTHORITY_HOST: tenantOrigin,
    TENANT_AUTHORITY_ORIGIN: tenantOrigin,
    GRAPH_URL: `${tenantOrigin}/v1.0`,
    GRAPH_BASE_URL: `${tenantOrigin}/v1.0`,
    SHAREPOINT_ORIGIN: tenantOrigin,
    SMTP_HOST: 'localhost',
    SMTP_PORT: String(smtpPort),
    ALLOWED_ORIGINS: previewOrigin,
    CORS_ORIGINS: previewOrigin,
    AZURITE_TABLE_PORT: String(tablePort),
    AZURITE_QUEUE_PORT: String(queuePort),
    AZURITE_LOCATION: path.join(work, 'azurite'),
    LOCAL_KEK_FILE: path.join(work, 'kek.json'),
    LOG_LEVEL: 'warn'
  };
  const service = (name, args) => {
    const logFile = path.join(logDir, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'w' });
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    children.push(child);
    return { child, logFile };
  };
  let preview;
  const stop = async () => {
    if (preview) {
      await preview.close();
    }
    for (const child of children.reverse()) {
      await stopChild(child);
    }
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const tenant = service('local-tenant', ['local-tenant/dist/main.js']);
    await waitFor('local tenant', `${tenantOrigin}/common/v2.0/.well-known/openid-configuration`, tenant.child, tenant.logFile);
    const api = service('api', ['api/dist/api/src/main.js']);
    await waitFor('connection API', `${apiBaseUrl}/readyz`, api.child, api.logFile);
    preview = await startPreview({ port: previewPort, tenantOrigin, apiBaseUrl });
  } catch (error) {
    await stop();
    throw error;
  }
  return { tenantOrigin, apiBaseUrl, previewUrl: preview.url, smtpPort, stop };
}
