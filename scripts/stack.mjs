// The whole local stack on loopback: local tenant, connection API (with its embedded Azurite) and
// the preview host. `npm start` runs it on the fixed ports of docs/design.md with its state in
// .local/; the browser tests and bench:page run it on free ports with throwaway state. The tenant
// and the API run as their built entry points, as they would in production.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPreview } from '../preview/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The development ports of docs/design.md; each can be moved with its environment variable. */
export const DEFAULT_PORTS = {
  tenant: Number(process.env.LOCAL_TENANT_PORT ?? 4800),
  smtp: Number(process.env.LOCAL_TENANT_SMTP_PORT ?? 4587),
  api: Number(process.env.PORT ?? 4700),
  table: Number(process.env.AZURITE_TABLE_PORT ?? 4810),
  queue: Number(process.env.AZURITE_QUEUE_PORT ?? 4811),
  preview: Number(process.env.PREVIEW_PORT ?? 4300)
};

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

async function freePorts() {
  const [tenant, smtp, api, table, queue, preview] = await Promise.all(Array.from({ length: 6 }, freePort));
  return { tenant, smtp, api, table, queue, preview };
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

/** Builds both workspaces without blocking the event loop (a progress line can still be printed). */
function buildWorkspaces() {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'build', '-w', 'local-tenant', '-w', 'api'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** Whether something accepts TCP connections on the loopback port. */
function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
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
 *
 * @param {object} [options]
 * @param {boolean} [options.build] build the local tenant and the API first (default true)
 * @param {'free' | typeof DEFAULT_PORTS} [options.ports] 'free' (default) picks free loopback ports
 * @param {string} [options.stateDir] where Azurite's data and the local key file live; default a
 *   throwaway folder removed by stop()
 * @param {string} [options.logDir] one <service>.log per service
 * @param {string} [options.logLevel] the API's log level (default warn)
 * @param {Record<string, string>} [options.env] more settings for the tenant and the API
 * @param {(service: string, code: number | null) => void} [options.onExit] called when a service
 *   stops on its own after the stack is up
 * @param {(event: { step: string, state: 'starting' | 'up', detail?: string, ms?: number }) => void} [options.onProgress]
 *   told as each step starts and as each service answers (`npm start` prints it)
 */
export async function startStack({
  build = true,
  ports = 'free',
  stateDir,
  logDir = path.join(root, 'e2e', 'results', 'logs'),
  logLevel = 'warn',
  env: extraEnv = {},
  onExit,
  onProgress = () => undefined
} = {}) {
  const progress = (step, state, detail, started) => onProgress({ step, state, detail, ms: started === undefined ? undefined : Date.now() - started });
  if (build) {
    const started = Date.now();
    progress('build', 'starting', 'the local tenant and the API (tsc)');
    const result = await buildWorkspaces();
    if (result.status !== 0) {
      throw new Error(`building the local tenant and the API failed:\n${result.output}`);
    }
    progress('build', 'up', undefined, started);
  }
  // Logs and state hold connection records and wrapped secrets: owner-only (0700 folders, 0600 files).
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const throwaway = stateDir === undefined;
  const state = throwaway ? mkdtempSync(path.join(os.tmpdir(), 'lms-stack-')) : stateDir;
  const port = ports === 'free' ? await freePorts() : ports;
  const tenantOrigin = `https://localhost:${port.tenant}`;
  const apiBaseUrl = `http://localhost:${port.api}`;
  const previewOrigin = `http://localhost:${port.preview}`;
  const env = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: path.join(root, '.local', 'certs', 'ca.pem'),
    LOCAL_TENANT_PORT: String(port.tenant),
    LOCAL_TENANT_SMTP_PORT: String(port.smtp),
    // the API's development defaults point at the local tenant; these move it to the chosen ports
    PORT: String(port.api),
    HOST: 'localhost',
    API_PUBLIC_URL: apiBaseUrl,
    AUTHORITY_HOST: tenantOrigin,
    GRAPH_URL: `${tenantOrigin}/v1.0`,
    SHAREPOINT_ORIGIN: tenantOrigin,
    SMTP_HOST: 'localhost',
    SMTP_PORT: String(port.smtp),
    ALLOWED_ORIGINS: previewOrigin,
    AZURITE_TABLE_PORT: String(port.table),
    AZURITE_QUEUE_PORT: String(port.queue),
    AZURITE_LOCATION: path.join(state, 'azurite'),
    LOCAL_KEK_FILE: path.join(state, 'keys', 'kek.json'),
    LOG_LEVEL: logLevel,
    ...extraEnv
  };
  const children = [];
  let up = false;
  let stopping = false;
  const service = (name, args) => {
    const logFile = path.join(logDir, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'w', mode: 0o600 });
    // The services inherit the umask: whatever they write (Azurite's data, the key file) is owner-only.
    const umask = process.umask(0o077);
    let child;
    try {
      child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    } finally {
      process.umask(umask);
    }
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.on('exit', (code) => {
      if (up && !stopping && onExit) {
        onExit(name, code);
      }
    });
    children.push(child);
    return { child, logFile };
  };
  let preview;
  const stop = async () => {
    stopping = true;
    if (preview) {
      await preview.close();
    }
    for (const child of children.reverse()) {
      await stopChild(child);
    }
    if (throwaway) {
      rmSync(state, { recursive: true, force: true });
    }
  };
  try {
    let started = Date.now();
    progress('local tenant', 'starting', tenantOrigin);
    const tenant = service('local-tenant', ['local-tenant/dist/main.js']);
    await waitFor('local tenant', `${tenantOrigin}/common/v2.0/.well-known/openid-configuration`, tenant.child, tenant.logFile);
    progress('local tenant', 'up', `${tenantOrigin} (SMTP localhost:${port.smtp}, mailbox viewer ${tenantOrigin}/_mailbox)`, started);
    started = Date.now();
    const azuriteDetail = `tables http://127.0.0.1:${port.table}, queues http://127.0.0.1:${port.queue}`;
    progress('connection API', 'starting', `${apiBaseUrl}, with Azurite (${azuriteDetail})`);
    const api = service('api', ['api/dist/api/dev/main.js']);
    // The API starts its embedded Azurite first: it is up when both of its ports take connections.
    const azuriteUp = (async () => {
      while (!(await listening(port.table) && await listening(port.queue))) {
        if (api.child.exitCode !== null || Date.now() - started > 90_000) {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      progress('Azurite', 'up', azuriteDetail, started);
    })();
    await waitFor('connection API', `${apiBaseUrl}/readyz`, api.child, api.logFile);
    await azuriteUp;
    progress('connection API', 'up', `${apiBaseUrl} (OpenAPI ${apiBaseUrl}/openapi.json)`, started);
    started = Date.now();
    progress('preview host', 'starting', previewOrigin);
    preview = await startPreview({ port: port.preview, tenantOrigin, apiBaseUrl });
    progress('preview host', 'up', preview.url, started);
  } catch (error) {
    await stop();
    throw error;
  }
  up = true;
  return { tenantOrigin, apiBaseUrl, previewUrl: preview.url, smtpPort: port.smtp, stop };
}
