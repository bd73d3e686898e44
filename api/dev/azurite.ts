import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { azuriteConnectionString } from '../src/config/config';

/** A running Azurite (Tables + Queues) owned by whoever started it. */
export interface RunningAzurite {
  tablePort: number;
  queuePort: number;
  connectionString: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** 0 picks a free port. */
  tablePort?: number;
  queuePort?: number;
  /** A folder to persist into; omitted means in memory (tests). */
  location?: string;
}

/** Azurite reports the port it was given, not the one it bound: port 0 is resolved here first. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const azuriteDir = path.dirname(require.resolve('azurite/package.json'));

/**
 * A free port is free only when asked: another process (a parallel test worker, an outgoing
 * connection's ephemeral port) may bind it before Azurite does. A port this module picked is
 * picked again when Azurite finds it taken; a port the caller named is not.
 */
async function startService(service: 'table' | 'queue', requestedPort: number, location: string | undefined): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServiceOn(service, requestedPort === 0 ? await freePort() : requestedPort, location);
    } catch (error) {
      if (requestedPort !== 0 || attempt === 3 || !/EADDRINUSE/.test(String((error as Error).message))) {
        throw error;
      }
    }
  }
}

/**
 * Azurite ends with the process that started it, however that one ends: a test worker that jest
 * kills, a SIGKILL, a crash skip every `stop()`, and an orphaned Azurite would hold its ports and
 * memory until the machine restarts (seen after failed CI runs). Its stdin is a pipe from the
 * starter, which the system closes when the starter dies: the end of it ends Azurite. (Unreferenced:
 * the pipe alone must not keep Azurite running once SIGINT closed its servers.)
 */
const PARENT_GUARD = 'data:text/javascript,process.stdin.on("end",()=>process.exit(0)).on("error",()=>process.exit(0)).resume().unref()';

async function startServiceOn(service: 'table' | 'queue', port: number, location: string | undefined): Promise<{ child: ChildProcess; port: number }> {
  // AZURITE_CPU_PROF=<folder>: each service writes a V8 CPU profile there when it stops (benchmarks).
  const profile = process.env.AZURITE_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.AZURITE_CPU_PROF}`] : [];
  const args = [
    '--import', PARENT_GUARD,
    ...profile,
    path.join(azuriteDir, 'dist', 'src', service, 'main.js'),
    `--${service}Host`, '127.0.0.1',
    `--${service}Port`, String(port),
    '--disableTelemetry',
    // No access log: nobody reads it (stdout is discarded once up), and writing it costs Azurite
    // about a tenth of its CPU under load.
    '--silent',
    '--skipApiVersionCheck',
    '--loose'
  ];
  if (location) {
    mkdirSync(location, { recursive: true, mode: 0o700 });
    chmodSync(location, 0o700);
    args.push('--location', location);
  } else {
    args.push('--inMemoryPersistence');
  }
  // Azurite needs Node 22; process.execPath is the repository's node@22 under npm scripts and npx.
  // Its data files hold the connection records and wrapped secrets: owner-only, like the key file.
  const umask = process.umask(0o077);
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  } finally {
    process.umask(umask);
  }
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`Azurite ${service} did not start in 20 s: ${output.slice(-500)}`)), 20_000);
    function fail(error: Error): void {
      clearTimeout(timer);
      child.kill();
      reject(error);
    }
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = /successfully \w+ (?:on|at) (?:http:\/\/)?127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ child, port: Number(match[1]) });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code) => fail(new Error(`Azurite ${service} exited with ${code}: ${output.slice(-500)}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    // SIGINT: Azurite closes its servers and exits normally (a CPU profile is written only then).
    child.kill('SIGINT');
  });
}

/** Starts Azurite's Table and Queue services on loopback. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const started = await Promise.allSettled([
    startService('table', options.tablePort ?? 0, options.location),
    startService('queue', options.queuePort ?? 0, options.location)
  ]);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? stopChild(s.value.child) : undefined)));
    throw failed.reason;
  }
  const [table, queue] = started.map((s) => (s as PromiseFulfilledResult<{ child: ChildProcess; port: number }>).value);
  for (const { child } of [table, queue]) {
    child.removeAllListeners('exit');
  }
  return {
    tablePort: table.port,
    queuePort: queue.port,
    connectionString: azuriteConnectionString(table.port, queue.port),
    stop: async () => {
      await Promise.all([stopChild(table.child), stopChild(queue.child)]);
    }
  };
}
