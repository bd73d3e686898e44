import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { appToken, catalogPath, connectModern, eventually, inbox } from '../support/sending';
import { Stack, startStack } from '../support/stack';
import { TABLES } from '../../src/storage/tables';
import { LocalFileKek } from '../../src/secrets/kek';

jest.setTimeout(600_000);

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const CANARY = `artifact-canary-${randomUUID()}`;

/**
 * Issue 11 points 1 and 5: `npm run build:api`'s artifact installed into an empty folder with
 * dev dependencies omitted (`npm ci --omit=dev` from its own lockfile), started with a production
 * configuration against the local tenant and a separately started Azurite; then a key rotation
 * while it serves, and the old key removed.
 */
describe('deployable artifact', () => {
  let stack: Stack;
  let dir: string;
  let keys: string;
  let child: ChildProcess | undefined;
  let url = '';
  const catalogA = (): string => stack.catalogUrl('catalog-a');
  const catalogB = (): string => stack.catalogUrl('catalog-b');

  beforeAll(async () => {
    const build = mkdtempSync(path.join(os.tmpdir(), 'lms-build-'));
    const built = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-api.mjs'), '--no-install'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, API_ARTIFACT_DIR: path.join(build, 'api') } });
    if (built.status !== 0) {
      throw new Error(`build:api failed: ${built.stderr}`);
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'lms-artifact-'));
    for (const file of ['main.js', 'package.json', 'package-lock.json']) {
      copyFileSync(path.join(build, 'api', file), path.join(dir, file));
    }
    rmSync(build, { recursive: true, force: true });
    const installed = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, encoding: 'utf8' });
    if (installed.status !== 0) {
      throw new Error(`npm ci --omit=dev failed: ${installed.stderr}`);
    }
    keys = mkdtempSync(path.join(os.tmpdir(), 'lms-keys-'));
    // The in-process API (only used to sign a Modern catalog in) shares key A with the artifact; it sends nothing.
    stack = await startStack({ SEND_WORKER: 'false', LOCAL_KEK_FILE: path.join(keys, 'a.json'), HEALTH_PROBE_INTERVAL_SECONDS: '0' });
  });

  afterAll(async () => {
    await stop();
    await stack?.close();
    // Either may not exist when the set-up failed early: its own error is the one to read.
    for (const folder of [dir, keys]) {
      if (folder) {
        rmSync(folder, { recursive: true, force: true });
      }
    }
  });

  function productionEnv(kek: Record<string, string>): Record<string, string> {
    const t = stack.tenant;
    return {
      PATH: process.env.PATH ?? '',
      // The local tenant's CA (the artifact runs in another folder: an absolute path). A relative
      // NODE_EXTRA_CA_CERTS is relative to where the tests were started (the root or api/).
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ? path.resolve(process.env.NODE_EXTRA_CA_CERTS) : path.join(repoRoot, '.local/certs/ca.pem'),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      API_PUBLIC_URL: 'https://lms-api.contoso.test',
      TENANT_ID: t.tenantId,
      AUTHORITY_HOST: t.origin,
      GRAPH_URL: `${t.origin}/v1.0`,
      SHAREPOINT_ORIGIN: t.origin,
      CLIENT_ID: '3f9a6b1c-2d4e-4f70-8a15-6c2b7e9d0a41',
      CLIENT_SECRET: 'local-dev-api-secret',
      APP_ID_URI: 'api://lms-m365-connection',
      ALLOWED_ORIGINS: 'https://contoso.sharepoint.com',
      // The LMS registered the two catalog sites (their settings lists are not provisioned here).
      ALLOWED_APP_CLIENTS: '7e2d4c6a-1b3f-4a5e-8c7d-9f0a1b2c3d4e',
      TENANT_DOMAINS: 'contoso.test',
      REGISTERED_CATALOGS: ['catalog-a', 'catalog-b'].map((site) => `${t.origin}/sites/${site}`).join(','),
      SMTP_HOST: t.smtp.host,
      SMTP_PORT: String(t.smtp.port),
      STORAGE_CONNECTION_STRING: stack.azurite.connectionString,
      HEALTH_PROBE_INTERVAL_SECONDS: '0',
      KEEPALIVE_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'warn',
      ...kek
    };
  }

  async function start(kek: Record<string, string>): Promise<void> {
    const proc = spawn(process.execPath, ['main.js'], { cwd: dir, env: productionEnv(kek), stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    url = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`the artifact did not start: ${output}`)), 60_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const m = /listening at (http:\/\/\S+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the artifact exited ${code}: ${output}`));
      });
    });
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (proc && proc.exitCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    }
  }

  async function call(method: string, pathAndQuery: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; etag: string | null }> {
    const res = await fetch(`${url}${pathAndQuery}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, etag: res.headers.get('etag') };
  }

  async function enable(admin: string, catalog: string): Promise<void> {
    const token = await stack.token(admin);
    const view = await call('GET', catalogPath(catalog, '/connection'), token);
    const res = await call('PATCH', catalogPath(catalog, '/connection'), token, { enabled: true }, { 'if-match': view.etag ?? '' });
    expect(res.status).toBe(200);
  }

  async function sendAndReceive(catalog: string, subject: string): Promise<void> {
    const lms = await appToken(stack);
    const queued = await call('POST', catalogPath(catalog, '/notifications'), lms, { to: ['learner1@contoso.test'], subject, text: 'From the deployed artifact.' }, { 'idempotency-key': randomUUID() });
    expect(queued.status).toBe(202);
    const settled = await eventually(async () => {
      const res = await call('GET', catalogPath(catalog, `/notifications/${queued.body.id}`), lms);
      return ['sent', 'failed', 'expired'].includes(res.body.status) ? res.body : undefined;
    }, 60_000, `${subject} to be sent`);
    expect(settled.status).toBe('sent');
    const received = await inbox(stack, 'learner1@contoso.test');
    expect(received.map((m) => m.subject)).toContain(subject);
  }

  async function sealedRows(): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    for (const name of Object.values(TABLES)) {
      const table = TableClient.fromConnectionString(stack.azurite.connectionString, name, { allowInsecureConnection: true });
      for await (const e of table.listEntities<Record<string, unknown>>()) {
        rows.push(e);
      }
    }
    return rows;
  }

  const kekId = (file: string): string => (JSON.parse(readFileSync(file, 'utf8')) as { kid: string }).kid;

  it('installs without dev dependencies: no dev-only module in node_modules, contracts bundled into main.js', () => {
    for (const dev of ['azurite', 'typescript', 'jest', 'esbuild', '@lms-m365/contracts', '@lms-m365/local-tenant']) {
      expect([dev, existsSync(path.join(dir, 'node_modules', dev))]).toEqual([dev, false]);
    }
    expect(readFileSync(path.join(dir, 'main.js'), 'utf8')).toContain('NOT_CONNECTED');
    const lock = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    expect(Object.values(lock.packages).filter((p) => p.dev)).toEqual([]);
  });

  it('refuses to start without a production configuration, naming each bad setting', () => {
    const res = spawnSync(process.execPath, ['main.js'], { cwd: dir, env: { PATH: process.env.PATH, NODE_ENV: 'production', KEY_VAULT_KEY_ID: 'https://vault.example/secrets/x' }, encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('TENANT_ID is required');
    expect(res.stderr).toContain('KEY_VAULT_KEY_ID must be a Key Vault key identifier');
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('production: /readyz ready, a catalog connects, a notification is sent; then the KEK rotates while it serves and works with the old key removed', async () => {
    const a = path.join(keys, 'a.json');
    const b = path.join(keys, 'b.json');
    await start({ LOCAL_KEK_FILE: a });
    const ready = await call('GET', '/readyz');
    expect([ready.status, ready.body.status]).toEqual([200, 'ready']);

    // Classic through the artifact (the password is the secret), Modern through the in-process API with the same key.
    const connected = await call('POST', catalogPath(catalogA(), '/connection/classic'), await stack.token('adele@contoso.test'), { email: 'adele@contoso.test', password: 'dev-password' });
    expect(`${connected.status} ${JSON.stringify(connected.body)}`).toMatch(/^200 /);
    await connectModern(stack, 'alex@contoso.test', catalogB());
    await enable('adele@contoso.test', catalogA());
    await enable('alex@contoso.test', catalogB());
    await sendAndReceive(catalogA(), `before rotation A ${CANARY}`);
    await sendAndReceive(catalogB(), `before rotation B ${CANARY}`);
    const oldId = kekId(a);
    expect((await sealedRows()).filter((r) => r.kekId).map((r) => r.kekId)).toEqual(expect.arrayContaining([oldId]));

    // Rotation: new key B current, A still unwraps; the instance keeps serving while the re-wrap runs beside it.
    await stop();
    // Production makes up no key: the new one is created beside it first (as an operator would, or Key Vault's rotate).
    LocalFileKek.open(b);
    await start({ LOCAL_KEK_FILE: b, LOCAL_KEK_PREVIOUS_FILES: a });
    const rewrap = spawn(process.execPath, ['main.js', 'rewrap-keys'], { cwd: dir, env: productionEnv({ LOCAL_KEK_FILE: b, LOCAL_KEK_PREVIOUS_FILES: a }), stdio: ['ignore', 'pipe', 'pipe'] });
    let rewrapOutput = '';
    rewrap.stdout?.on('data', (c: Buffer) => (rewrapOutput += c.toString()));
    rewrap.stderr?.on('data', (c: Buffer) => (rewrapOutput += c.toString()));
    const [code] = await Promise.all([new Promise((resolve) => rewrap.once('exit', resolve)), sendAndReceive(catalogA(), `during rotation ${CANARY}`)]);
    expect([code, rewrapOutput]).toEqual([0, expect.stringMatching(/^Re-wrapped [1-9]\d* data keys/)]);
    const newId = kekId(b);
    const sealed = (await sealedRows()).filter((r) => typeof r.kekId === 'string');
    expect(sealed.length).toBeGreaterThanOrEqual(2);
    expect(sealed.map((r) => r.kekId).filter((id) => id !== newId)).toEqual([]);
    const dump = JSON.stringify(await sealedRows());
    expect(dump).not.toContain('dev-password');
    expect(dump).not.toContain('refresh_token');

    // The old key removed: only B.
    await stop();
    rmSync(a);
    await start({ LOCAL_KEK_FILE: b });
    for (const [admin, catalog] of [['adele@contoso.test', catalogA()], ['alex@contoso.test', catalogB()]]) {
      const view = await call('GET', catalogPath(catalog, '/connection'), await stack.token(admin));
      expect([catalog, view.body.health?.state]).toEqual([catalog, 'connected']);
    }
    await sendAndReceive(catalogA(), `after rotation A ${CANARY}`);
    await sendAndReceive(catalogB(), `after rotation B ${CANARY}`);
  });
});
