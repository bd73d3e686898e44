/**
 * npm run test:mutation [part ...]: StrykerJS over the modules whose tests must catch a removed
 * check (issue 12 point 9) - the API's auth modules, sign-in state, envelope and upstream error
 * mapping; what counts as a catalog, the sign-in window's pages, the consent checks and the connection record; the sending engine's state machine, pacer, message split and group writer (issue 8);
 * the web part's settings form and save flow (which change is a conflict); the web part's sign-in window launcher (its
 * pop-up, the blocked pop-up's link, the wait for an answer and its end); the local tenant's $filter parser; the LMS-facing
 * pure logic (session times and zones, the invitation's iCalendar, the Idempotency-Key header, the status the LMS sees, Graph's
 * answers the invitations read). One part after the other with one test process each (CPU-heavy: not part of npm test). Writes the HTML and JSON
 * reports to bench/results/mutation/ and a per-file summary to bench/results/mutation.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PARTS = ['api', 'guards', 'sending', 'webpart', 'signin', 'local-tenant', 'lms'];
const GOAL = 80;
const parts = process.argv.slice(2).length > 0 ? process.argv.slice(2) : PARTS;
for (const part of parts) {
  if (!PARTS.includes(part)) {
    console.error(`unknown part "${part}" (one of ${PARTS.join(', ')})`);
    process.exit(2);
  }
}

mkdirSync(path.join(root, 'bench', 'results', 'mutation'), { recursive: true });
const stryker = path.join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
for (const part of parts) {
  console.log(`\n== mutation testing: ${part} ==`);
  const run = spawnSync(process.execPath, [stryker, 'run', `bench/mutation/${part}.stryker.mjs`], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(root, '.local', 'certs', 'ca.pem') } });
  if (run.status !== 0) {
    console.error(`stryker (${part}) exited with ${run.status}`);
    process.exit(run.status ?? 1);
  }
}

/** Stryker's score: detected (killed, timed out) over detected plus undetected (survived, no coverage). */
function score(mutants) {
  const count = (...states) => mutants.filter((m) => states.includes(m.status)).length;
  const detected = count('Killed', 'Timeout');
  const undetected = count('Survived', 'NoCoverage');
  return { detected, undetected, total: detected + undetected, percent: detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected) };
}

/**
 * The summary's rows and surviving mutants of the parts not run here (their JSON reports are not
 * committed): carried over from the summary as it was, with the date of their own run.
 */
function previousSummary(file) {
  const rows = [];
  const survivors = [];
  if (!existsSync(file)) {
    return { rows, survivors };
  }
  const text = readFileSync(file, 'utf8');
  const runAt = /^Run: (\S+?)\.? /m.exec(text)?.[1] ?? '';
  for (const line of text.split('\n')) {
    const row = /^\| ([\w-]+) \| (\S+) \| (\d+) \| (\d+) \| ([\d.]+)%[^|]*\|(?: (\S+) \|)?$/.exec(line);
    if (row && PARTS.includes(row[1])) {
      const [detected, undetected] = [Number(row[3]), Number(row[4])];
      rows.push({ part: row[1], file: row[2], detected, undetected, total: detected + undetected, percent: Number(row[5]), runAt: row[6] ?? runAt });
    } else if (line.startsWith('- ')) {
      survivors.push(line);
    }
  }
  return { rows, survivors };
}

const summaryFile = path.join(root, 'bench', 'results', 'mutation.md');
const previous = previousSummary(summaryFile);
const runAt = new Date().toISOString();
const rows = [];
const survivors = [];
for (const part of PARTS) {
  const file = path.join(root, 'bench', 'results', 'mutation', `${part}.json`);
  if (!parts.includes(part) || !existsSync(file)) {
    const carried = previous.rows.filter((r) => r.part === part);
    rows.push(...carried);
    survivors.push(...previous.survivors.filter((line) => carried.some((r) => line.startsWith(`- ${r.file}:`))));
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  for (const [name, entry] of Object.entries(report.files)) {
    const s = score(entry.mutants);
    const relative = path.relative(root, path.resolve(root, name));
    rows.push({ part, file: relative, ...s, runAt });
    for (const m of entry.mutants.filter((x) => x.status === 'Survived' || x.status === 'NoCoverage')) {
      survivors.push(`- ${relative}:${m.location.start.line} ${m.mutatorName} (${m.status}): \`${String(m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80)}\``);
    }
  }
}
const lines = [
  '# Mutation testing (npm run test:mutation)',
  '',
  `StrykerJS ${JSON.parse(readFileSync(path.join(root, 'node_modules', '@stryker-mutator', 'core', 'package.json'), 'utf8')).version}, jest runner, per-test coverage. Goal: at least ${GOAL}% per file.`,
  `Run: ${runAt} (${parts.join(', ')}; the other parts' rows are from their own last run). HTML reports: bench/results/mutation/<part>.html.`,
  '',
  '| part | file | detected | undetected | score | run |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.part} | ${r.file} | ${r.detected} | ${r.undetected} | ${r.percent.toFixed(1)}%${r.percent < GOAL ? ' (below goal)' : ''} | ${r.runAt} |`),
  '',
  '## Surviving mutants',
  '',
  ...(survivors.length > 0 ? survivors : ['None.']),
  ''
];
writeFileSync(summaryFile, lines.join('\n'));
console.log(`\n${lines.slice(5, 8 + rows.length).join('\n')}\n\nSummary: bench/results/mutation.md`);
