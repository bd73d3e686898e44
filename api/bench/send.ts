/**
 * `npm run bench:send` (never part of `npm test`): the sending engine against the local tenant,
 * issue 8 point 7. Writes bench/results/send.json and prints a report.
 *
 * (a) 5,000 notifications over 50 catalogs with the limits on, time-scaled (BENCH_TIME_SCALE, 2 by
 *     default: Exchange's minute lasts 30 s, so 50 mailboxes may send 50 messages/s together). The
 *     scale is chosen so the allowed rate of all mailboxes together stays below what the engine can
 *     do on a 2-core machine over Azurite (its capacity is (b)): then (a) measures the pacing, not
 *     the machine. At x60 (a minute a second) the 50 mailboxes would be allowed 1,500 messages/s,
 *     and (a) would only repeat (b). Delivered, lost, inbox duplicates (by Message-ID), resubmissions,
 *     429s, achieved / allowed rate per mailbox, CPU ms per message, peak RSS, storage operations per
 *     delivered message (the API's StorageMeter: an Azure SDK pipeline policy + the wake queue's count).
 * (b) limits off: the engine's messages/s against a bare loop of the same Graph calls (the same
 *     MailTransport, no outbox), in the same run; and the best ratio this machine allows an engine
 *     that queues each notification first: cores / (bare CPU + (d)'s CPU of queueing alone) over
 *     the bare loop's rate. Then again with the local tenant answering Graph later (its latency
 *     fault; BENCH_B_LATENCIES, 100,500 ms by default), engine and bare loop alike: on loopback
 *     both are CPU-bound, with Graph's own latency the bare loop waits too.
 * (c) 500 idle catalogs beside the 50 busy ones: throughput against (a), and the storage operations
 *     that touched an idle catalog (its partition, its connection, its mailbox's lease) while (c) ran.
 * (d) LMS enqueue: 5,000 notifications through the API in batches (the typed client) against a bare
 *     loop of the same storage writes (OutboxStore.enqueue): p50/p99 per batch, notifications/s,
 *     and the CPU per notification of the API and Azurite while the API queued (no worker runs).
 *
 * The API runs in this process (its CPU and RSS are this process's, minus the bench's own polling,
 * measured and taken off); the local tenant and Azurite run in processes of their own. The busy
 * catalogs connect with Modern (Graph transport), through the same sign-in pages a browser uses;
 * the idle ones with Classic (password, SMTP transport).
 *
 * Each phase also reports the CPU per message of the other processes (Azurite's table and queue
 * services, the local tenant, from /proc) and the table requests by kind.
 *
 * BENCH_NOTIFICATIONS, BENCH_CATALOGS, BENCH_IDLE_CATALOGS, BENCH_TIME_SCALE change the sizes (keep
 * them small while developing, e.g. BENCH_NOTIFICATIONS=200 BENCH_CATALOGS=5 BENCH_IDLE_CATALOGS=20);
 * BENCH_ONLY=b runs the warm-up and (b) alone (with its latencies) and prints it (nothing written); BENCH_API_LOG=<file>
 * keeps the API's log.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { odata } from '@azure/data-tables';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { createLmsClient, appTokenSource, type BatchItem, type LmsClient, type Priority } from '../client';
import type { ApiConfig } from '../src/config/config';
import { ConnectionStore } from '../src/connections/connectionStore';
import { CredentialsProvider } from '../src/connections/credentials';
import { GraphClient } from '../src/graph/graphClient';
import { MicrosoftIdentity } from '../src/identity/microsoftIdentity';
import { messageIdFor } from '../src/mail/message';
import { LocalFileKek } from '../src/secrets/kek';
import { SecretStore } from '../src/secrets/secretStore';
import { mailboxKey } from '../src/sending/mailboxLease';
import type { ItemState } from '../src/sending/outboxItem';
import { OutboxStore, requestHash } from '../src/sending/outboxStore';
import { RunningApi, startApi } from '../src/server';
import { startAzurite } from '../dev/azurite';
import { StorageMeter } from '../src/storage/meter';
import { catalogKey, openTables, TABLES } from '../src/storage/tables';
import type { LocalTenant } from '../test/support/localTenant';
import { localConfig, OPENER_ORIGIN, pageNonce, postedMessage, signIn } from '../test/support/stack';

const repoRoot = path.resolve(__dirname, '..', '..');
const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const N = env('BENCH_NOTIFICATIONS', 5000);
const BUSY = env('BENCH_CATALOGS', 50);
const IDLE = env('BENCH_IDLE_CATALOGS', 500);
const SCALE = env('BENCH_TIME_SCALE', 2);
const PER_MINUTE = 30;
const BATCH = 100;

interface Tenant {
  origin: string;
  smtp: { host: string; port: number };
}

interface Phase {
  notifications: number;
  delivered: number;
  lost: number;
  inboxDuplicates: number;
  resubmissions: number;
  failed: number;
  throttled429: number;
  seconds: number;
  messagesPerSecond: number;
  ratePerMailbox?: { allowedPerSecond: number; achievedToAllowedMin: number; achievedToAllowedMedian: number };
  cpuMsPerMessage: number;
  /** CPU ms per delivered message of the other processes (Azurite, the local tenant). */
  otherCpuMsPerMessage: Record<string, number>;
  peakRssMb: number;
  storageOperations: number;
  storageOperationsPerDelivered: number;
  storageByMethod: Record<string, number>;
  /** Table requests by method, table and kind (a transaction, a point read or write, a query); queue requests are not in it. */
  storageByKind: Record<string, number>;
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const percentile = (values: number[], p: number): number => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * CPU milliseconds used so far by this process's children (Azurite's table and queue services, the
 * local tenant), by name, from /proc (Linux; empty elsewhere).
 */
function childCpu(): Record<string, number> {
  const out: Record<string, number> = {};
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) {
        continue;
      }
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const name = cmd.includes('send-tenant') ? 'localTenant' : cmd.includes(`${path.sep}table${path.sep}`) ? 'azuriteTables' : cmd.includes(`${path.sep}queue${path.sep}`) ? 'azuriteQueues' : 'other';
      out[name] = (out[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // The process ended meanwhile.
    }
  }
  return out;
}

/** CPU milliseconds of a `process.cpuUsage` reading (user + system). */
const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

/** What each process's CPU (`childCpu`) grew by since `before`, per message. */
function cpuPerMessage(before: Record<string, number>, after: Record<string, number>, messages: number): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([name, ms]) => [name, round((ms - (before[name] ?? 0)) / Math.max(1, messages), 3)]));
}

/** How much each count grew since `before` (counts that did not grow left out). */
function countsSince(before: Record<string, number>, now: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(now).map(([key, n]): [string, number] => [key, n - (before[key] ?? 0)]).filter(([, n]) => n > 0));
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  }));
  return results;
}

/** The fixture's tenant plus one account and one catalog site per busy and idle catalog. */
function writeFixture(dir: string): { file: string; busy: { upn: string; site: string; learner: string }[]; idle: { upn: string; site: string }[]; backend: { appId: string; secret: string }; tenantId: string } {
  const fixture = JSON.parse(readFileSync(path.join(repoRoot, 'local-tenant', 'fixtures', 'tenant.json'), 'utf8'));
  const account = (upn: string, n: number, kind: string, i: number): Record<string, unknown> => ({
    id: `b0000000-0000-4000-8000-${pad(n, 4)}${pad(i, 8)}`, upn, displayName: upn.split('@')[0], kind, mailbox: 'user', smtpAuthEnabled: true
  });
  const busy = Array.from({ length: BUSY }, (_, i) => ({ upn: `bench-sender-${pad(i, 3)}@contoso.test`, site: `/sites/bench-${pad(i, 3)}`, learner: `learner-${pad(i, 3)}@fabrikam.test` }));
  const idle = Array.from({ length: IDLE }, (_, i) => ({ upn: `bench-idle-${pad(i, 3)}@contoso.test`, site: `/sites/bench-idle-${pad(i, 3)}` }));
  fixture.users.push(...busy.map((b, i) => account(b.upn, 1, 'catalogAdmin', i)), ...idle.map((b, i) => account(b.upn, 2, 'catalogAdmin', i)));
  fixture.sites.push(...[...busy, ...idle].map((b, i) => ({ id: `c0000000-0000-4000-8000-${pad(i, 12)}`, webId: `d0000000-0000-4000-8000-${pad(i, 12)}`, path: b.site, title: b.site.split('/').pop(), owners: [b.upn], members: [], appPermissions: [{ id: `site-grant-api-${i}`, client: 'connectionApi', roles: ['fullcontrol'] }] })));
  const file = path.join(dir, 'tenant.json');
  writeFileSync(file, JSON.stringify(fixture));
  return { file, busy, idle, backend: { appId: fixture.apps.lmsBackend.appId, secret: fixture.apps.lmsBackend.clientSecret }, tenantId: fixture.tenant.id };
}

function startTenantProcess(fixtureFile: string): Promise<{ tenant: Tenant; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'send-tenant.js'), fixtureFile], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOCAL_TENANT_TIME_SCALE: String(SCALE) } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        resolve({ tenant: JSON.parse(line) as Tenant, child });
      }
    });
    child.once('exit', (code) => reject(new Error(`the local tenant exited with ${code}`)));
  });
}

/**
 * Counts 429s the API met (its "submission refused" log lines with code THROTTLED); the log itself
 * is kept only when BENCH_API_LOG names a file (it holds no secret: the API logs none).
 */
class ThrottleCounter extends Writable {
  public throttled = 0;

  public override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    const text = chunk.toString('utf8');
    if (process.env.BENCH_API_LOG) {
      appendFileSync(process.env.BENCH_API_LOG, text);
    }
    if (text.includes('"THROTTLED"') && text.includes('submission refused')) {
      this.throttled += text.split('submission refused').length - 1;
    }
    callback();
  }
}

/** The API's StorageMeter, also counting the requests that touched any of `watched` (partition or row keys). */
class WatchingMeter extends StorageMeter {
  public touched = 0;
  public touchedBy: Record<string, number> = {};
  public readonly byKind: Record<string, number> = {};

  public constructor(private readonly watched: Set<string>) {
    super();
  }

  public override readonly policy: PipelinePolicy = {
    name: 'benchStorageMeter',
    sendRequest: async (request, next) => {
      this.requests++;
      this.byMethod[request.method] = (this.byMethod[request.method] ?? 0) + 1;
      // e.g. "POST $batch", "GET outbox query", "GET connections entity", "PUT leases entity"
      const pathname = new URL(request.url).pathname.replace(/^\/[^/]+/, '');
      const kind = `${request.method} ${pathname === '/$batch' ? '$batch' : `${pathname.replace(/^\/|\(.*$/g, '')} ${pathname.includes("RowKey='") ? 'entity' : 'query'}`}`;
      this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
      if ((decodeURIComponent(request.url).match(/[0-9a-f]{64}/g) ?? []).some((key) => this.watched.has(key))) {
        this.touched++;
        // What touched it, without the keys: e.g. "GET /connections(PartitionKey='<key>',RowKey='<key>')".
        const what = `${request.method} ${pathname}`.replace(/[0-9a-f]{64}/g, '<key>');
        this.touchedBy[what] = (this.touchedBy[what] ?? 0) + 1;
      }
      return next(request);
    }
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lms-bench-send-'));
  const stops: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  try {
    await run(dir, stops);
  } finally {
    for (const stop of stops.reverse()) {
      await stop().catch(() => undefined);
    }
  }
}

async function run(dir: string, stops: (() => Promise<void>)[]): Promise<void> {
  const started = Date.now();
  const say = (line: string): void => {
    process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  };
  const world = writeFixture(dir);
  const azurite = await startAzurite();
  stops.push(() => azurite.stop());
  const { tenant, child } = await startTenantProcess(world.file);
  stops.push(() => new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  }));
  say(`local tenant ${tenant.origin} with ${BUSY} busy and ${IDLE} idle catalog sites; Azurite tables :${azurite.tablePort}`);

  const catalogUrl = (site: string): string => `${tenant.origin}${site}`;
  const idleKeys = new Set<string>(world.idle.flatMap((c) => [catalogKey(catalogUrl(c.site)), mailboxKey(c.upn)]));
  const meter = new WatchingMeter(idleKeys);
  const throttle = new ThrottleCounter();
  const kekFile = path.join(dir, 'kek.json');
  const baseSettings = {
    LOCAL_KEK_FILE: kekFile,
    ALLOWED_ORIGINS: OPENER_ORIGIN,
    RATE_LIMIT_PER_MINUTE: '10000000',
    LMS_RATE_LIMIT_PER_MINUTE: '10000000',
    LOG_LEVEL: 'info',
    SEND_TIME_SCALE: String(SCALE),
    SEND_MAILBOXES_PER_INSTANCE: String(Math.max(16, BUSY)),
    SEND_POLL_MS: '100',
    // R-SEC-2: the bench's catalog sites have no settings list; the LMS registered them.
    REGISTERED_CATALOGS: [...world.busy, ...world.idle].map((c) => catalogUrl(c.site)).join(',')
  };
  const configFor = (settings: Record<string, string>): ApiConfig => localConfig(tenant as unknown as LocalTenant, azurite.connectionString, { ...baseSettings, ...settings });
  let api: RunningApi | undefined;
  const useApi = async (settings: Record<string, string>): Promise<RunningApi> => {
    await api?.close();
    api = await startApi(configFor(settings), { logDestination: throttle, storageMeter: meter });
    return api;
  };
  stops.push(async () => api?.close());

  const tenantFetch = async (pathAndQuery: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${tenant.origin}${pathAndQuery}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) {
      throw new Error(`${pathAndQuery} answered ${res.status}: ${await res.text()}`);
    }
    return res.json();
  };
  const devToken = async (user: string): Promise<string> => ((await tenantFetch('/_admin/dev-token', { user, resource: 'api://lms-m365-connection', scopes: ['user_impersonation'] })) as { access_token: string }).access_token;
  const apiCall = async (method: string, pathAndQuery: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${api?.url}${pathAndQuery}`, { method, redirect: 'manual', headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  };
  const connectionPath = (site: string, suffix = ''): string => `/v1/catalogs/${encodeURIComponent(catalogUrl(site))}/connection${suffix}`;
  const switchOn = async (site: string, token: string): Promise<void> => {
    const view = await apiCall('GET', connectionPath(site), token);
    const res = await apiCall('PATCH', connectionPath(site), token, { enabled: true }, { 'if-match': view.body.etag });
    if (res.status !== 200) {
      throw new Error(`switching ${site} on answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
  };

  await useApi({});
  say(`connecting ${BUSY} busy catalogs with Modern (sign-in and consent pages, Graph transport)`);
  await pool(world.busy, 4, async (c) => {
    const token = await devToken(c.upn);
    // A sign-in that failed on this noisy machine (a timeout) is tried again, as a person would.
    for (let attempt = 1; ; attempt++) {
      // As the page does it: start with a nonce, sign in, land on the callback, complete with the nonce.
      const nonce = pageNonce();
      const start = await apiCall('POST', connectionPath(c.site, '/modern'), token, { orgConsent: false, origin: OPENER_ORIGIN, nonce });
      // The window opens it through the API's start page, which binds the sign-in to this browser (a cookie).
      const bound = await fetch(`${api?.url}/v1/auth/start?authorize=${encodeURIComponent(start.body.authorizeUrl)}`, { redirect: 'manual' });
      const cookie = (bound.headers.getSetCookie()[0] ?? '').split(';')[0];
      // Its second hop: the check that this browser kept the cookie.
      const opened = bound.status === 302 ? await fetch(`${api?.url}/v1/auth/${bound.headers.get('location') ?? ''}`, { redirect: 'manual', headers: { cookie } }) : bound;
      let page = opened.status === 302 ? '' : await opened.text();
      if (opened.status === 302) {
        const { callbackUrl } = await signIn(tenant.origin, start.body.authorizeUrl, { user: c.upn });
        const callback = new URL(callbackUrl);
        page = await (await fetch(`${api?.url}${callback.pathname}${callback.search}`, { redirect: 'manual', headers: { cookie } })).text();
      }
      // The start page and the callback answer 429 (problem+json, no page) past their per-address limit.
      const message = page.includes('"code":"RATE_LIMITED"') ? { ok: false, code: 'RATE_LIMITED', completion: undefined } : postedMessage(page).message;
      let code = message.code ?? 'unknown';
      if (message.ok && message.completion) {
        const completed = await apiCall('POST', connectionPath(c.site, '/modern/complete'), token, { completion: message.completion, nonce });
        if (completed.status === 200) {
          break;
        }
        code = String(completed.body?.code ?? completed.status);
      }
      say(`connecting ${c.site} failed (${code}), attempt ${attempt}`);
      if (code === 'RATE_LIMITED' && attempt < 20) {
        // The start page and the callback take 30 a minute from one address: the bench's 50 sign-ins wait their turn.
        await new Promise((resolve) => setTimeout(resolve, 10_000));
        continue;
      }
      if (attempt >= 3) {
        throw new Error(`connecting ${c.site} failed: ${code}`);
      }
    }
    await switchOn(c.site, token);
  });

  const backendToken = appTokenSource({ authorityHost: tenant.origin, tenantId: world.tenantId, clientId: world.backend.appId, clientSecret: world.backend.secret, apiAppIdUri: 'api://lms-m365-connection' });
  const clientFor = (): LmsClient => createLmsClient({ baseUrl: api?.url ?? '', token: backendToken });


  const tables = await openTables(azurite.connectionString);
  const outbox = tables[TABLES.outbox];
  const priorities: Priority[] = ['urgent', 'normal', 'normal', 'bulk'];
  const itemsFor = (phase: string, c: { learner: string }, count: number): BatchItem[] => Array.from({ length: count }, (_, i) => ({
    key: `${phase}-${c.learner}-${i}`,
    to: [c.learner],
    subject: `bench ${phase} ${i}`,
    text: `Notification ${i} of the ${phase} run.`,
    priority: priorities[i % priorities.length]
  }));

  /** Item rows of a catalog queued in this phase (by subject prefix), read without the meter. */
  const phaseItems = async (site: string, phase: string): Promise<{ id: string; state: ItemState }[]> => {
    const out: { id: string; state: ItemState }[] = [];
    const pk = catalogKey(catalogUrl(site));
    for await (const e of outbox.listEntities<{ id: string; state: string; subject: string }>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge 'n|' and RowKey lt 'n}'`, select: ['id', 'state', 'subject'] } })) {
      if (e.subject.startsWith(`bench ${phase} `)) {
        out.push({ id: e.id, state: JSON.parse(e.state) as ItemState });
      }
    }
    return out;
  };

  let peakRss = 0;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 200);
  rssTimer.unref();
  stops.push(async () => clearInterval(rssTimer));

  /** Queues `perCatalog` per busy catalog through the API, waits until every one is final, and measures. */
  const sendPhase = async (phase: string, perCatalog: number, limitsOn: boolean): Promise<Phase> => {
    const client = clientFor();
    peakRss = process.memoryUsage().rss;
    const requestsBefore = meter.requests + meter.queueRequests;
    const methodsBefore = { ...meter.byMethod };
    const kindsBefore = { ...meter.byKind };
    const throttledBefore = throttle.throttled;
    let pollCpu = 0;
    const cpuBefore = process.cpuUsage();
    const childBefore = childCpu();
    const t0 = Date.now();
    await pool(world.busy, 8, async (c) => {
      const { data, error } = await client.POST('/v1/catalogs/{catalog}/notifications/batch', { params: { path: { catalog: catalogUrl(c.site) } }, body: { items: itemsFor(phase, c, perCatalog) } });
      if (!data) {
        throw new Error(`queueing for ${c.site} answered ${JSON.stringify(error)}`);
      }
    });
    const total = perCatalog * world.busy.length;
    // Progress is watched through the pending index rows of all catalogs in one query a second (a
    // query per catalog would load Azurite, which scans the whole table for each, more than the
    // engine does); the items are read once at the end.
    let lastProgress = Date.now();
    let lastPending = -1;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const cpu = process.cpuUsage();
      let pending = 0;
      for await (const page of outbox.listEntities({ queryOptions: { filter: "RowKey ge 'r|' and RowKey lt 'r}'", select: ['RowKey'] } }).byPage({ maxPageSize: 1000 })) {
        pending += page.length;
      }
      const spent = process.cpuUsage(cpu);
      pollCpu += cpuMs(spent);
      if (pending !== lastPending) {
        lastPending = pending;
        lastProgress = Date.now();
      }
      if (pending === 0 || Date.now() - lastProgress > 120_000) {
        break;
      }
    }
    const final = await pool(world.busy, 8, async (c) => ({ site: c.site, items: await phaseItems(c.site, phase) }));
    const lastSent = Math.max(...final.flatMap((f) => f.items.map((i) => i.state.sentAt ?? 0)));
    const seconds = (Math.max(lastSent, t0) - t0) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const childAfter = childCpu();
    const storageOperations = meter.requests + meter.queueRequests - requestsBefore;
    const storageByMethod = countsSince(methodsBefore, meter.byMethod);
    const storageByKind = countsSince(kindsBefore, meter.byKind);

    let delivered = 0;
    let lost = 0;
    let duplicates = 0;
    const ratios: number[] = [];
    await pool(world.busy, 8, async (c) => {
      const inbox = (await tenantFetch(`/_admin/mailboxes/${encodeURIComponent(c.learner)}/messages?folder=inbox`)) as { value: { internetMessageId: string }[] };
      const copies = new Map<string, number>();
      for (const m of inbox.value) {
        copies.set(m.internetMessageId, (copies.get(m.internetMessageId) ?? 0) + 1);
      }
      const items = final.find((f) => f.site === c.site)?.items ?? [];
      for (const item of items) {
        const n = copies.get(messageIdFor(item.id, 0, messageIdDomain)) ?? 0;
        delivered += n > 0 ? 1 : 0;
        lost += n === 0 ? 1 : 0;
        duplicates += Math.max(0, n - 1);
      }
      lost += Math.max(0, perCatalog - items.length);
      const sentAts = items.map((i) => i.state.sentAt).filter((t): t is number => t !== null);
      if (limitsOn && sentAts.length > PER_MINUTE) {
        // The shortest span the limit allows for n messages: (ceil(n / 30) - 1) scaled minutes.
        const minimal = (Math.ceil(sentAts.length / PER_MINUTE) - 1) * (60_000 / SCALE);
        ratios.push(minimal / Math.max(1, Math.max(...sentAts) - Math.min(...sentAts)));
      }
    });
    const resubmissions = final.reduce((n, f) => n + f.items.reduce((m, i) => m + i.state.resubmissions, 0), 0);
    const failed = final.reduce((n, f) => n + f.items.filter((i) => i.state.state === 'failed' || i.state.state === 'expired').length, 0);
    return {
      notifications: total,
      delivered,
      lost,
      inboxDuplicates: duplicates,
      resubmissions,
      failed,
      throttled429: throttle.throttled - throttledBefore,
      seconds: round(seconds),
      messagesPerSecond: round(delivered / Math.max(0.001, seconds), 1),
      ...(limitsOn ? { ratePerMailbox: { allowedPerSecond: round((PER_MINUTE * SCALE) / 60, 1), achievedToAllowedMin: round(Math.min(...ratios), 3), achievedToAllowedMedian: round(median(ratios), 3) } } : {}),
      cpuMsPerMessage: round((cpuMs(cpu) - pollCpu) / Math.max(1, delivered), 3),
      otherCpuMsPerMessage: cpuPerMessage(childBefore, childAfter, delivered),
      peakRssMb: round(peakRss / 1024 / 1024, 1),
      storageOperations,
      storageOperationsPerDelivered: round(storageOperations / Math.max(1, delivered), 2),
      storageByMethod,
      storageByKind
    };
  };
  const perCatalog = Math.max(1, Math.round(N / BUSY));
  const messageIdDomain = configFor({}).sending.messageIdDomain;

  /**
   * (b) limits off: the engine, then a bare loop of the same Graph calls. With `latencyMs` the local
   * tenant answers every Graph and identity request that much later (its latency fault), for both.
   */
  async function phaseB(latencyMs = 0): Promise<{ latencyMs: number; engine: Phase; bare: { messages: number; seconds: number; messagesPerSecond: number; cpuMsPerMessage: number; otherCpuMsPerMessage: Record<string, number> }; ratio: number }> {
    const label = latencyMs ? `(b, Graph answering after ${latencyMs} ms)` : '(b)';
    await pool(world.busy, 8, (cat) => tenantFetch('/_admin/faults/throttle', { mailbox: cat.upn, messagesPerMinute: 10_000_000 }));
    await useApi({ SEND_MESSAGES_PER_MINUTE: '10000', SEND_RECIPIENTS_PER_DAY: '1000000' });
    await tenantFetch('/_admin/faults/latency', { ms: latencyMs });
    try {
      say(`${label} limits off: ${perCatalog * BUSY} notifications through the engine`);
      const bEngine = await sendPhase(latencyMs ? `b${latencyMs}` : 'b', perCatalog, false);
      say(`${label} engine ${bEngine.messagesPerSecond} messages/s; bare loop of the same Graph calls`);
      const config = configFor({});
      const connections = new ConnectionStore(tables[TABLES.connections]);
      const credentials = new CredentialsProvider({ config, identity: new MicrosoftIdentity(config), secrets: new SecretStore(tables[TABLES.connections], LocalFileKek.open(kekFile)), graph: new GraphClient(config.graphUrl) });
      const records = await Promise.all(world.busy.map(async (cat) => (await connections.read(catalogUrl(cat.site))).record));
      // The API stops first: nothing else calls Graph for these mailboxes while the bare loop runs
      // (a probe beside its 4 requests a mailbox would be a 5th, and Graph would answer 429).
      await api?.close();
      api = undefined;
      // Tokens first, outside the timing: the engine's were warm from the warm-up.
      const transports = await Promise.all(records.map((record) => credentials.open(record)));
      const bareChildBefore = childCpu();
      const bareCpuBefore = process.cpuUsage();
      const bareStart = Date.now();
      let bareSent = 0;
      await Promise.all(transports.map(async (transport, k) => {
        const learner = world.busy[k].learner;
        await pool(Array.from({ length: perCatalog }, (_, i) => i), transport.concurrency, async (i) => {
          await transport.send({ messageId: `<bare-${latencyMs}-${k}-${i}@bench.invalid>`, from: transport.account, to: [learner], cc: [], bcc: [], subject: `bench bare ${i}`, text: `Notification ${i} of the bare run.` });
          bareSent++;
        });
      }));
      const bareSeconds = (Date.now() - bareStart) / 1000;
      const bareCpu = process.cpuUsage(bareCpuBefore);
      const bareOther = cpuPerMessage(bareChildBefore, childCpu(), bareSent);
      await Promise.all(transports.map((transport) => transport.close()));
      const result = { latencyMs, engine: bEngine, bare: { messages: bareSent, seconds: round(bareSeconds), messagesPerSecond: round(bareSent / bareSeconds, 1), cpuMsPerMessage: round(cpuMs(bareCpu) / Math.max(1, bareSent), 3), otherCpuMsPerMessage: bareOther }, ratio: round(bEngine.messagesPerSecond / (bareSent / bareSeconds), 3) };
      say(`${label} bare ${result.bare.messagesPerSecond} messages/s; engine / bare ${result.ratio}`);
      return result;
    } finally {
      await tenantFetch('/_admin/faults/latency', { ms: 0 });
    }
  }
  /** BENCH_B_LATENCIES (ms, comma-separated; default 100,500): (b) again with Graph answering that much later. */
  const latencies = (process.env.BENCH_B_LATENCIES ?? '100,500').split(',').map((v) => Number(v.trim())).filter((v) => Number.isInteger(v) && v > 0 && v <= 60_000);

  // Warm-up, not reported: tokens, connections and the JIT, so that (a) and (c) compare like with like.
  say(`warm-up: 5 notifications per busy catalog`);
  await sendPhase('w', 5, false);

  if (process.env.BENCH_ONLY === 'b') {
    // While working on the engine: the warm-up, then (b) alone, printed, nothing written.
    say(`(b) ${JSON.stringify(await phaseB())}`);
    for (const ms of latencies) {
      say(`(b, ${ms} ms) ${JSON.stringify(await phaseB(ms))}`);
    }
    return;
  }

  // (a) limits on
  say(`(a) ${perCatalog * BUSY} notifications over ${BUSY} catalogs, limits on (x${SCALE}: ${(PER_MINUTE * SCALE) / 60} messages/s per mailbox)`);
  const a = await sendPhase('a', perCatalog, true);
  say(`(a) ${JSON.stringify(a)}`);

  // (c) idle catalogs beside the busy ones
  say(`(c) connecting ${IDLE} idle catalogs with Classic (password, SMTP)`);
  await pool(world.idle, 6, async (c) => {
    const token = await devToken(c.upn);
    const res = await apiCall('POST', connectionPath(c.site, '/classic'), token, { email: c.upn, password: 'dev-password' });
    if (res.status !== 200) {
      throw new Error(`connecting ${c.site} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    await switchOn(c.site, token);
  });
  // Connecting and switching on wakes each idle catalog once (its outbox is looked at and found
  // empty): let those looks finish before counting what an idle catalog costs.
  for (let before = -1; before !== meter.touched;) {
    before = meter.touched;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
  meter.touched = 0;
  meter.touchedBy = {};
  say(`(c) ${perCatalog * BUSY} notifications with ${IDLE} idle catalogs connected and switched on`);
  const c = await sendPhase('c', perCatalog, true);
  const idleOps = meter.touched;
  say(`(c) ${JSON.stringify(c)}; storage operations on idle catalogs: ${idleOps} ${JSON.stringify(meter.touchedBy)}`);

  const b = await phaseB();
  const bEngine = b.engine;
  const bLatency = [];
  for (const ms of latencies) {
    bLatency.push(await phaseB(ms));
  }

  // (d) LMS enqueue: through the API (no worker, so nothing else runs) against the same storage writes
  await useApi({ SEND_WORKER: 'false' });
  const client = clientFor();
  const batches = world.busy.flatMap((cat) => Array.from({ length: Math.ceil(perCatalog / BATCH) }, (_, j) => ({ cat, items: itemsFor(`d${j}`, cat, Math.min(BATCH, perCatalog - j * BATCH)) })));
  say(`(d) LMS enqueue: ${batches.length} batches through the API, then the same storage writes bare`);
  const apiLatencies: number[] = [];
  const dCpuBefore = process.cpuUsage();
  const dChildBefore = childCpu();
  const dStart = Date.now();
  await pool(batches, 4, async ({ cat, items }) => {
    const t = performance.now();
    const { data } = await client.POST('/v1/catalogs/{catalog}/notifications/batch', { params: { path: { catalog: catalogUrl(cat.site) } }, body: { items } });
    apiLatencies.push(performance.now() - t);
    if (!data) {
      throw new Error('enqueue refused');
    }
  });
  const dSeconds = (Date.now() - dStart) / 1000;
  const queued = batches.reduce((n, x) => n + x.items.length, 0);
  const dCpu = process.cpuUsage(dCpuBefore);
  const dOther = cpuPerMessage(dChildBefore, childCpu(), queued);
  const bareStore = new OutboxStore(outbox);
  const bareLatencies: number[] = [];
  const eStart = Date.now();
  await pool(batches, 4, async ({ cat, items }) => {
    const t = performance.now();
    await bareStore.enqueue(catalogUrl(cat.site), items.map(({ key, ...body }) => ({
      key: `bare-${key}`, priority: body.priority ?? 'normal', content: { to: body.to ?? [], cc: [], bcc: [], subject: body.subject, text: body.text }, parts: 1, firstPartRecipients: (body.to ?? []).length, requestHash: requestHash(body)
    })), Date.now());
    bareLatencies.push(performance.now() - t);
  });
  const eSeconds = (Date.now() - eStart) / 1000;
  const d = {
    notifications: queued,
    batchSize: BATCH,
    api: {
      p50Ms: round(percentile(apiLatencies, 50), 1), p99Ms: round(percentile(apiLatencies, 99), 1), notificationsPerSecond: round(queued / dSeconds, 1),
      cpuMsPerNotification: round(cpuMs(dCpu) / Math.max(1, queued), 3), otherCpuMsPerNotification: dOther
    },
    bare: { p50Ms: round(percentile(bareLatencies, 50), 1), p99Ms: round(percentile(bareLatencies, 99), 1), notificationsPerSecond: round(queued / eSeconds, 1) },
    ratio: round(queued / dSeconds / (queued / eSeconds), 3)
  };
  say(`(d) ${JSON.stringify(d)}`);

  // What (b) could reach at best on this machine. The engine must queue each notification before
  // sending it: (d) measures that part alone (API + Azurite, no worker). An engine whose sending
  // cost no more CPU than the bare loop's could not use more than every core of the machine, so it
  // could not send faster than cores / (bare + queueing CPU per message): against the bare loop's
  // measured rate, that bounds the ratio from above.
  const sum = (cpu: Record<string, number>): number => Object.values(cpu).reduce((n, ms) => n + ms, 0);
  const bareCpuPerMessage = b.bare.cpuMsPerMessage + sum(b.bare.otherCpuMsPerMessage);
  const enqueueCpuPerNotification = d.api.cpuMsPerNotification + sum(d.api.otherCpuMsPerNotification);
  const fastestEngine = (os.cpus().length * 1000) / (bareCpuPerMessage + enqueueCpuPerNotification);
  const bCeiling = { bareCpuMsPerMessage: round(bareCpuPerMessage, 3), enqueueCpuMsPerNotification: round(enqueueCpuPerNotification, 3), messagesPerSecond: round(fastestEngine, 1), ratio: round(Math.min(1, fastestEngine / b.bare.messagesPerSecond), 3) };
  const goals = {
    a: { lost: a.lost === 0, duplicates: a.inboxDuplicates === 0, throttled429: a.throttled429 === 0, rate: (a.ratePerMailbox?.achievedToAllowedMedian ?? 0) >= 0.95 },
    b: { ratio: b.ratio >= 0.8 },
    c: { throughputWithin10Percent: Math.abs(c.messagesPerSecond - a.messagesPerSecond) <= 0.1 * a.messagesPerSecond, idleStorageOperations: idleOps === 0 }
  };
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAverage: os.loadavg().map((l) => round(l)) },
    settings: { notifications: perCatalog * BUSY, busyCatalogs: BUSY, idleCatalogs: IDLE, timeScale: SCALE, messagesPerMinute: PER_MINUTE, tenantTimeScale: SCALE, busyConnect: 'modern (Graph)', idleConnect: 'classic (password, SMTP)' },
    a,
    b: { ...b, ceilingWithFreeSending: bCeiling, withGraphLatency: bLatency },
    c: { ...c, idleCatalogStorageOperations: idleOps, idleCatalogStorageOperationsBy: meter.touchedBy, throughputToA: round(c.messagesPerSecond / a.messagesPerSecond, 3) },
    d,
    goals
  };
  const out = path.join(repoRoot, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'send.json'), `${JSON.stringify(report, null, 2)}\n`);
  const line = (label: string, p: Phase): string => `${label.padEnd(34)} delivered ${p.delivered}/${p.notifications}  lost ${p.lost}  inbox duplicates ${p.inboxDuplicates}  resubmissions ${p.resubmissions}  429s ${p.throttled429}  ${p.messagesPerSecond} msg/s  CPU ${p.cpuMsPerMessage} ms/msg  peak RSS ${p.peakRssMb} MB  storage ops/delivered ${p.storageOperationsPerDelivered}`;
  process.stdout.write([
    '',
    `bench:send - ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; limits x${SCALE}`,
    line('(a) limits on', a),
    `    rate per mailbox: allowed ${a.ratePerMailbox?.allowedPerSecond}/s, achieved/allowed min ${a.ratePerMailbox?.achievedToAllowedMin} median ${a.ratePerMailbox?.achievedToAllowedMedian}   goal 0 lost, 0 duplicates, 0 429s, >= 0.95: ${Object.values(goals.a).every(Boolean) ? 'met' : 'NOT met'}`,
    line('(b) limits off, engine', bEngine),
    `    bare loop of the same Graph calls ${b.bare.messagesPerSecond} msg/s; engine / bare ${b.ratio}   goal >= 0.8: ${goals.b.ratio ? 'met' : 'NOT met'}`,
    `    CPU per message, all processes: bare loop ${bCeiling.bareCpuMsPerMessage} ms; queueing alone (d) ${bCeiling.enqueueCpuMsPerNotification} ms: an engine whose sending cost no more than the bare loop could send at most ${bCeiling.messagesPerSecond} msg/s on ${os.cpus().length} cores, ${bCeiling.ratio} of the bare loop`,
    ...bLatency.map((r) => `    with Graph answering after ${r.latencyMs} ms (engine and bare loop alike): engine ${r.engine.messagesPerSecond} msg/s, bare ${r.bare.messagesPerSecond} msg/s; engine / bare ${r.ratio}`),
    line(`(c) + ${IDLE} idle catalogs`, c),
    `    throughput / (a) ${report.c.throughputToA}; storage operations on idle catalogs ${idleOps}   goal within 10%, 0: ${Object.values(goals.c).every(Boolean) ? 'met' : 'NOT met'}`,
    `(d) enqueue ${queued} in batches of ${BATCH}: API p50 ${d.api.p50Ms} ms p99 ${d.api.p99Ms} ms ${d.api.notificationsPerSecond}/s CPU ${d.api.cpuMsPerNotification} ms/notification (+ ${JSON.stringify(d.api.otherCpuMsPerNotification)}); bare storage writes p50 ${d.bare.p50Ms} ms p99 ${d.bare.p99Ms} ms ${d.bare.notificationsPerSecond}/s; API / bare ${d.ratio}`,
    'written to bench/results/send.json',
    ''
  ].join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
