// `npm test`: every check and suite of the repository, in order, ending with one summary line.
//   certificate -> shared contracts -> lint, type-check, build the .sppkg (side by side)
//   -> jest (web part, solution, local tenant, API)
//   -> Playwright (real Chromium against the whole local stack)
// Fast checks stop the run at once; the two suites both run so one failure does not hide another.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = path.join(root, 'temp', 'test-results');
const jestJson = path.join(resultsDir, 'jest.json');
const playwrightJson = path.join(resultsDir, 'playwright.json');
const env = { ...process.env, NODE_EXTRA_CA_CERTS: path.join(root, '.local', 'certs', 'ca.pem') };

function run(title, command, args, extraEnv = {}) {
  process.stdout.write(`\n=== ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
  return result.status === 0;
}

// The local certificate comes first: every later step runs with NODE_EXTRA_CA_CERTS pointing at it.
const { NODE_EXTRA_CA_CERTS: _unset, ...envWithoutCa } = env;
process.stdout.write('\n=== certificates\n');
if (spawnSync('npm', ['run', '--silent', 'certs'], { cwd: root, stdio: 'inherit', env: envWithoutCa }).status !== 0) {
  process.stdout.write('\ncreating the local certificate failed: the suites did not run.\n');
  process.exit(1);
}

// The shared contracts are built once; then lint, type-check and the package run side by side
// (each is mostly one process: on two cores, together they take about three quarters of their sum).
// Each one's output is printed whole when it ends, so the log reads as if they had run in turn.
if (!run('shared contracts', 'npm', ['run', '--silent', 'build', '-w', '@lms-m365/contracts'])) {
  process.stdout.write('\nbuilding the shared contracts failed: the suites did not run.\n');
  process.exit(1);
}
const checks = [['lint', 'lint:sources'], ['type-check', 'typecheck:sources'], ['package (.sppkg)', 'package:solution']];
process.stdout.write(`\n=== ${checks.map(([title]) => title).join(', ')} (side by side)\n`);
const outcomes = await Promise.all(checks.map(([title, script]) => new Promise((resolve) => {
  const child = spawn('npm', ['run', '--silent', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  child.stdout.on('data', (chunk) => output.push(chunk));
  child.stderr.on('data', (chunk) => output.push(chunk));
  child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)));
  child.on('close', (code) => {
    process.stdout.write(`\n=== ${title}\n`);
    process.stdout.write(Buffer.concat(output));
    resolve({ title, ok: code === 0 });
  });
})));
const failedChecks = outcomes.filter((outcome) => !outcome.ok).map((outcome) => outcome.title);
if (failedChecks.length > 0) {
  process.stdout.write(`\n${failedChecks.join(', ')} failed: the suites did not run.\n`);
  process.exit(1);
}

rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const jestOk = run('jest', 'npx', ['jest', '--ci', '--json', `--outputFile=${jestJson}`]);
const playwrightOk = run('playwright (Chromium)', 'npx', ['playwright', 'test', '-c', 'e2e/playwright.config.ts', '--reporter=list,json'], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson
});

/** Playwright's JSON report: the tests that failed and then passed on their retry. */
function flakyTitles(suites, parents = []) {
  const titles = [];
  for (const suite of suites) {
    const path = suite.title ? [...parents, suite.title] : parents;
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status === 'flaky') {
          titles.push([...path, spec.title].join(' › ') + (test.projectName ? ` [${test.projectName}]` : ''));
        }
      }
    }
    titles.push(...flakyTitles(suite.suites ?? [], path));
  }
  return titles;
}

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(jestJson)) {
  const jest = JSON.parse(readFileSync(jestJson, 'utf8'));
  passed += jest.numPassedTests;
  failed += jest.numFailedTests + (jest.numRuntimeErrorTestSuites || 0);
  skipped += jest.numPendingTests + jest.numTodoTests;
} else {
  failed += 1;
}
const flaky = [];
if (existsSync(playwrightJson)) {
  const report = JSON.parse(readFileSync(playwrightJson, 'utf8'));
  const { stats } = report;
  passed += stats.expected;
  failed += stats.unexpected;
  skipped += stats.skipped;
  flaky.push(...flakyTitles(report.suites ?? []));
} else {
  failed += 1;
}

const ok = jestOk && playwrightOk && failed === 0;
for (const title of flaky) {
  process.stdout.write(`\nflaky (failed, then passed when run again): ${title}`);
}
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed${flaky.length ? `, ${flaky.length} flaky` : ''}${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(ok ? 0 : 1);
