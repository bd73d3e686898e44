/**
 * `npm run bench:api`: autocannon against reading a catalog's connection (valid token from the
 * local tenant, admin check, storage read through Azurite, serialisation, helmet, CORS, rate
 * limiter and request logging at info to /dev/null) and against a bare Fastify route, in one run
 * on this machine. Prints p50, p99 and requests/s for both and the ratio; writes
 * bench/results/api.json. Goal: throughput >= 0.5 of the bare route, p99 < 50 ms, at 50 connections.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pino from 'pino';
import { startLocalTenant } from '../test/support/localTenant';
import { localConfig } from '../test/support/stack';
import { startApi } from '../src/server';
import { startAzurite } from '../dev/azurite';

const repoRoot = path.resolve(__dirname, '..', '..');
const CONNECTIONS = 50;
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

interface Figures {
  p50Ms: number;
  p99Ms: number;
  requestsPerSecond: number;
  non2xx: number;
  errors: number;
}

async function measure(title: string, url: string, headers: Record<string, string> = {}): Promise<Figures> {
  await autocannon({ url, connections: CONNECTIONS, duration: 2, headers, workers: 1 });
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_SECONDS, headers, workers: 1 });
  const figures = {
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requestsPerSecond: result.requests.average,
    non2xx: result.non2xx,
    errors: result.errors
  };
  process.stdout.write(`${title.padEnd(24)} p50 ${String(figures.p50Ms).padStart(4)} ms   p99 ${String(figures.p99Ms).padStart(4)} ms   ${Math.round(figures.requestsPerSecond)} req/s   non-2xx ${figures.non2xx}   errors ${figures.errors}\n`);
  return figures;
}

async function main(): Promise<void> {
  const azurite = await startAzurite();
  const stops: (() => Promise<void>)[] = [() => azurite.stop()];
  try {
    await run(azurite.connectionString, stops);
  } finally {
    for (const stop of stops.reverse()) {
      await stop();
    }
  }
}

async function run(storage: string, stops: (() => Promise<void>)[]): Promise<void> {
  const tenant = await startLocalTenant({ port: 0, smtpPort: 0, fixturePath: path.join(repoRoot, 'local-tenant', 'fixtures', 'tenant.json'), certDir: path.join(repoRoot, '.local', 'certs') });
  stops.push(() => tenant.close());
  const config = localConfig(tenant, storage, {
    // The limiter still runs on every request; its ceiling is lifted so it measures, not refuses.
    RATE_LIMIT_PER_MINUTE: '10000000',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info'
  });
  const api = await startApi(config, { logDestination: pino.destination({ dest: '/dev/null', sync: false }) });
  stops.push(() => api.close());
  const bare = Fastify();
  bare.get('/bare', async () => ({ ok: true }));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  stops.push(() => bare.close());
  const bareAddress = bare.server.address();
  const barePort = typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0;

  const tokenResponse = await fetch(`${tenant.origin}/_admin/dev-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'adele@contoso.test', resource: 'api://lms-m365-connection', scopes: ['user_impersonation'] })
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const catalog = `${tenant.origin}/sites/catalog-a`;
  const url = `${api.url}/v1/catalogs/${encodeURIComponent(catalog)}/connection`;
  const headers = { authorization: `Bearer ${token}` };
  const first = await fetch(url, { headers });
  if (first.status !== 200) {
    throw new Error(`reading the connection answered ${first.status}: ${await first.text()}`);
  }
  process.stdout.write(`autocannon, ${CONNECTIONS} connections, ${DURATION_SECONDS} s each, ${os.cpus().length} CPUs, Node ${process.version}\n`);
  const bareFigures = await measure('bare Fastify route', `http://127.0.0.1:${barePort}/bare`);
  const healthFigures = await measure('API /healthz', `${api.url}/healthz`);
  const apiFigures = await measure('GET connection', url, headers);
  const ratio = apiFigures.requestsPerSecond / bareFigures.requestsPerSecond;
  const goal = { throughputRatioAtLeast: 0.5, p99UnderMs: 50 };
  const met = ratio >= goal.throughputRatioAtLeast && apiFigures.p99Ms < goal.p99UnderMs && apiFigures.non2xx === 0;
  process.stdout.write(`throughput ratio (API / bare): ${ratio.toFixed(2)}   goal ${met ? 'met' : 'NOT met'} (>= ${goal.throughputRatioAtLeast}, p99 < ${goal.p99UnderMs} ms)\n`);
  const out = path.join(repoRoot, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'api.json'), `${JSON.stringify({
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    connections: CONNECTIONS,
    durationSeconds: DURATION_SECONDS,
    bare: bareFigures,
    apiHealthz: healthFigures,
    api: apiFigures,
    throughputRatio: Number(ratio.toFixed(3)),
    goal,
    met
  }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
