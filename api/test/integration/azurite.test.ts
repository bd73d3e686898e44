import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startAzurite } from '../support/azurite';
import { eventually } from '../support/sending';

jest.setTimeout(60_000);

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** Does anything accept a connection on loopback `port` now? */
const accepts = (port: number): Promise<boolean> => new Promise((resolve) => {
  const socket = net.connect(port, '127.0.0.1');
  socket.once('connect', () => {
    socket.destroy();
    resolve(true);
  });
  socket.once('error', () => resolve(false));
});

describe('Azurite for the tests and npm start (api/dev/azurite.ts)', () => {
  it('ends with the process that started it: a starter killed with SIGKILL (no stop() runs) leaves no Azurite holding its ports', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lms-azurite-'));
    // Bundled beside the API so that its require.resolve('azurite') finds the repository's Azurite.
    const entry = path.join(repoRoot, 'api', 'dist-test', `azurite-starter-${path.basename(dir)}.js`);
    try {
      const source = path.join(dir, 'starter.ts');
      writeFileSync(source, `import { startAzurite } from ${JSON.stringify(path.join(repoRoot, 'api', 'dev', 'azurite'))};\nvoid startAzurite().then((a) => console.log(JSON.stringify({ table: a.tablePort, queue: a.queuePort })));\n`);
      const built = spawnSync(path.join(repoRoot, 'node_modules', '.bin', 'esbuild'), [source, '--bundle', '--platform=node', '--target=node22', '--packages=external', `--outfile=${entry}`, '--log-level=warning'], { encoding: 'utf8' });
      expect(built.stderr).toBe('');
      const starter = spawn(process.execPath, [entry], { stdio: ['ignore', 'pipe', 'inherit'] });
      const ports = await new Promise<{ table: number; queue: number }>((resolve, reject) => {
        let output = '';
        starter.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          const line = /\{.*\}/.exec(output);
          if (line) {
            resolve(JSON.parse(line[0]) as { table: number; queue: number });
          }
        });
        starter.once('exit', (code) => reject(new Error(`the starter exited with ${code}: ${output}`)));
      });
      expect([await accepts(ports.table), await accepts(ports.queue)]).toEqual([true, true]);
      starter.kill('SIGKILL');
      // Throws if either port still answers after 10 s.
      await eventually(async () => (!(await accepts(ports.table)) && !(await accepts(ports.queue)) ? true : undefined), 10_000, 'Azurite to end with its starter');
    } finally {
      rmSync(entry, { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stop() still ends it as before, and an Azurite started here answers until then', async () => {
    const azurite = await startAzurite();
    expect(await accepts(azurite.tablePort)).toBe(true);
    await azurite.stop();
    expect(await accepts(azurite.tablePort)).toBe(false);
  });
});
