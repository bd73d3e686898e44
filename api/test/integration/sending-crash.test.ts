import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiEnv, appToken, catalogPath, connectModern, eventually, inbox, setEnabled } from '../support/sending';
import { Stack, startStack } from '../support/stack';

jest.setTimeout(180_000);

const SCALE = 60;
const repoRoot = path.resolve(__dirname, '..', '..', '..');

/**
 * The crash window no design closes (issue 8 point 3): an API process is killed with SIGKILL in the
 * middle of a burst and started again. Every message must reach its recipient; a duplicate is
 * allowed only for a submission that was in flight at the kill (at most 4 per mailbox over Graph).
 */
describe('sending engine - SIGKILL in the middle of a burst', () => {
  let stack: Stack;
  let entry: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    // This process's API only takes requests; the worker is the child process that gets killed.
    stack = await startStack({ SEND_WORKER: 'false', SEND_TIME_SCALE: String(SCALE) }, { tenantTimeScale: SCALE });
    const out = mkdtempSync(path.join(os.tmpdir(), 'lms-api-'));
    entry = path.join(repoRoot, 'api', 'dist-test', `main-${path.basename(out)}.js`);
    const built = spawnSync(path.join(repoRoot, 'node_modules', '.bin', 'esbuild'), [path.join(repoRoot, 'api', 'src', 'main.ts'), '--bundle', '--platform=node', '--target=node22', '--packages=external', `--outfile=${entry}`, '--log-level=warning'], { encoding: 'utf8' });
    if (built.status !== 0) {
      throw new Error(`esbuild: ${built.stderr}`);
    }
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await stack?.close();
  });

  function startWorker(): Promise<ChildProcess> {
    const proc = spawn(process.execPath, [entry], {
      env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, ...apiEnv(stack, { LOG_LEVEL: 'warn' }) },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    return new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`worker did not start: ${output}`)), 60_000);
      proc.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('listening')) {
          clearTimeout(timer);
          resolve(proc);
        }
      });
      proc.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker exited ${code}: ${output}`));
      });
    });
  }

  it('crash - every message ends in its mailbox; duplicates only of submissions in flight at the kill (<= 4), each counted as a resubmission', async () => {
    const catalog = stack.catalogUrl('catalog-a');
    await connectModern(stack, 'adele@contoso.test', catalog);
    await setEnabled(stack, 'adele@contoso.test', catalog, true);
    const lms = await appToken(stack);
    const total = 120;
    const items = Array.from({ length: total }, (_, i) => ({ key: randomUUID(), to: ['learner1@contoso.test'], subject: `crash ${i}`, text: 'x' }));
    const res = await stack.call('POST', catalogPath(catalog, '/notifications/batch'), { token: lms, body: { items } });
    expect(res.status).toBe(202);
    const ids: string[] = res.body.items.map((x: { id: string }) => x.id);

    child = await startWorker();
    const delivered = async (): Promise<number> => (await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject.startsWith('crash ')).length;
    await eventually(async () => ((await delivered()) >= 30 ? true : undefined), 60_000, 'the burst to start');
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
    const atKill = await delivered();
    expect(atKill).toBeLessThan(total);

    child = await startWorker();
    const domain = stack.config.sending.messageIdDomain;
    const received = await eventually(async () => {
      const got = (await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject.startsWith('crash '));
      const unique = new Set(got.map((m) => m.internetMessageId));
      return ids.every((id) => unique.has(`<${id}.0@${domain}>`)) ? got : undefined;
    }, 120_000, 'every message after the restart');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const final = (await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject.startsWith('crash '));
    void received;
    const duplicates = final.length - new Set(final.map((m) => m.internetMessageId)).size;
    expect(duplicates).toBeLessThanOrEqual(4);
    let resubmissions = 0;
    for (const id of ids) {
      const s = await stack.call('GET', catalogPath(catalog, `/notifications/${id}`), { token: lms });
      expect(s.body.status).toBe('sent');
      resubmissions += s.body.resubmissions;
    }
    // every duplicate the mailbox saw is one the API counted (a resubmission may also have been a first delivery)
    expect(resubmissions).toBeGreaterThanOrEqual(duplicates);
    expect(resubmissions).toBeLessThanOrEqual(4);
  });
});
