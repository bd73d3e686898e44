// `npm run bench:page`: time from navigation to an interactive connected view in the preview host
// (real stack on loopback, Debian's Chromium), median of 10 visits. Writes bench/results/page.json.
//
// "Interactive connected view": the status summary reads Sending and the master
// switch is enabled - the page has loaded its settings from SharePoint and its view from the API.
// The catalog is connected once through the real sign-in popup before timing starts.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { startStack } from '../scripts/stack.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 10;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** What each phase of a visit is, in ms from navigation start (the page's own performance timeline). */
const PHASE_NOTES = {
  html: 'the preview page itself has arrived',
  mainScript: 'the first-render bundle (main.js) has arrived',
  firstRequest: 'the page starts its first data request (a token, SharePoint or the API)',
  sharepointDone: 'the last SharePoint request started before interactive has answered',
  apiViewDone: 'the connection view (GET .../connection) has answered',
  interactive: 'status Sending and the master switch enabled'
};
const PHASES = Object.keys(PHASE_NOTES);

/** Runs in the page: its resource timeline and when it became interactive. */
function timeline() {
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    htmlEnd: nav ? nav.responseEnd : null,
    interactiveAt: window.__interactiveAt,
    entries: performance.getEntriesByType('resource').map((e) => ({ url: e.name, start: e.startTime, end: e.responseEnd }))
  };
}

function kindOf(url, stack) {
  const { pathname } = new URL(url);
  if (url.startsWith(stack.apiBaseUrl)) {
    if (/\/connection$/.test(pathname)) {
      return 'api view';
    }
    return /\/connection\/check$/.test(pathname) ? 'api check' : /\/deliveries$/.test(pathname) ? 'api deliveries' : 'api';
  }
  if (pathname.startsWith('/preview/assets/')) {
    return 'script';
  }
  if (pathname.startsWith('/preview/fonts/')) {
    return 'font';
  }
  if (pathname === '/preview/token') {
    return 'token';
  }
  if (pathname.startsWith('/sites/') || pathname.startsWith('/v1.0/')) {
    return pathname.startsWith('/sites/') ? 'sharepoint' : 'graph';
  }
  return 'other';
}

function phasesOf(t, stack) {
  const at = (n) => (n === null || n === undefined || !isFinite(n) ? null : Math.round(n));
  const requests = t.entries
    .map((e) => ({ kind: kindOf(e.url, stack), path: new URL(e.url).pathname.replace(/\/v1\/catalogs\/[^/]+/, '/v1/catalogs/{catalog}'), startMs: at(e.start), endMs: at(e.end) }))
    .sort((a, b) => a.startMs - b.startMs);
  const before = requests.filter((r) => r.startMs <= t.interactiveAt);
  const data = before.filter((r) => ['token', 'sharepoint', 'api view'].includes(r.kind));
  const sharepoint = before.filter((r) => r.kind === 'sharepoint');
  const view = before.find((r) => r.kind === 'api view');
  const main = requests.find((r) => r.path.endsWith('/main.js'));
  return {
    phases: {
      html: at(t.htmlEnd),
      mainScript: main ? main.endMs : null,
      firstRequest: data.length ? Math.min(...data.map((r) => r.startMs)) : null,
      sharepointDone: sharepoint.length ? Math.max(...sharepoint.map((r) => r.endMs)) : null,
      apiViewDone: view ? view.endMs : null,
      interactive: at(t.interactiveAt)
    },
    requests
  };
}

async function connect(page, stack) {
  await page.goto(`${stack.previewUrl}?user=adele%40contoso.test&catalog=%2Fsites%2Fcatalog-a&lang=en`);
  // The switch comes first; Connect appears once it is on.
  await page.getByRole('switch').click();
  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const popup = await popupPromise;
  await popup.locator('#username').fill('adele@contoso.test');
  await popup.locator('#password').fill('dev-password');
  await popup.locator('#idSIButton9').click();
  const closed = popup.waitForEvent('close', { timeout: 30_000 });
  const accept = popup.locator('#idSIButton9');
  await Promise.race([closed, accept.waitFor({ timeout: 30_000 }).then(() => accept.click()).then(() => closed)]);
  await page.getByTestId('status-state').filter({ hasText: 'Sending' }).waitFor({ timeout: 30_000 });
}

async function main() {
  const stack = await startStack({ build: !process.argv.includes('--skip-build') });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
  });
  try {
    const reset = await fetch(`${stack.tenantOrigin}/_admin/reset`, { method: 'POST' });
    if (!reset.ok) {
      throw new Error(`tenant reset failed: ${reset.status}`);
    }
    const setup = await browser.newContext({ ignoreHTTPSErrors: true });
    await connect(await setup.newPage(), stack);
    await setup.close();

    const visits = [];
    for (let i = 0; i < RUNS; i++) {
      // A fresh context per visit: no HTTP cache, no warm token cache - a first visit each time.
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${stack.previewUrl}?user=adele%40contoso.test&catalog=%2Fsites%2Fcatalog-a&lang=en`);
      // Checked on every animation frame: a locator's waitFor backs off to polling every 500 ms,
      // which would measure Playwright's polling rather than the page.
      await page.waitForFunction(() => {
        const state = document.querySelector('[data-testid="status-state"]');
        const toggle = document.querySelector('[role="switch"]');
        const ready = !!state && /Sending/.test(state.textContent || '') && !!toggle && !toggle.disabled;
        if (ready) {
          window.__interactiveAt = performance.now();
        }
        return ready;
      }, null, { polling: 'raf', timeout: 30_000 });
      const total = Math.round(performance.now() - started);
      visits.push({ totalMs: total, ...phasesOf(await page.evaluate(timeline), stack) });
      await context.close();
    }
    const timings = visits.map((v) => v.totalMs);
    const phaseMedians = Object.fromEntries(PHASES.map((name) => [name, median(visits.map((v) => v.phases[name]).filter((v) => v !== null))]));
    const result = {
      measuredAt: new Date().toISOString(),
      load: os.loadavg().map((n) => Math.round(n * 100) / 100),
      what: 'navigation start -> connected view interactive (status Sending, master switch enabled), preview host, fresh browser context per visit',
      runs: RUNS,
      timingsMs: timings,
      medianMs: median(timings),
      minMs: Math.min(...timings),
      maxMs: Math.max(...timings),
      phases: PHASE_NOTES,
      phaseMediansMs: phaseMedians,
      visits: visits.map((v) => ({ totalMs: v.totalMs, ...v.phases })),
      // The last visit's requests in the order the page started them (ms from navigation start).
      requests: visits[visits.length - 1].requests
    };
    mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(root, 'bench', 'results', 'page.json'), JSON.stringify(result, null, 2) + '\n');
    const lines = [
      `connected view interactive: median ${result.medianMs} ms (min ${result.minMs}, max ${result.maxMs}) over ${RUNS} visits (load ${result.load.join(' ')})`,
      `phases, ms from navigation start (per visit; median last):`,
      `  ${['visit', ...PHASES, 'total'].map((h) => h.padStart(14)).join('')}`,
      ...result.visits.map((v, i) => `  ${[String(i + 1), ...PHASES.map((p) => String(v[p] ?? '-')), String(v.totalMs)].map((c) => c.padStart(14)).join('')}`),
      `  ${['median', ...PHASES.map((p) => String(phaseMedians[p])), String(result.medianMs)].map((c) => c.padStart(14)).join('')}`,
      `requests of the last visit (start-end ms): ${result.requests.map((r) => `${r.kind} ${r.startMs}-${r.endMs}`).join(', ')}`,
      'written to bench/results/page.json'
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await browser.close();
    await stack.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`bench:page failed: ${error.message}\n`);
  process.exit(1);
});
