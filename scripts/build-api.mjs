// `npm run build:api`: the connection API as a deployable artifact for App Service (Linux, Node 22).
//   release/api/           main.js (one bundle: the API and packages/contracts), package.json and
//                          package-lock.json naming only the production dependencies main.js loads,
//                          node_modules installed from that lockfile with dev dependencies omitted
//   release/lms-m365-api.zip   the same folder, for `az webapp deploy --type zip` (docs/deploy.md)
// The build fails when main.js would load a module that is not a production dependency of api/
// (a dev-only module reachable from the production entry, e.g. azurite).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.env.API_ARTIFACT_DIR || path.join(root, 'release', 'api'));
const zipFile = `${out.replace(/[\\/]+$/, '')}.zip`.replace(/api\.zip$/, 'lms-m365-api.zip');
const apiPackage = JSON.parse(readFileSync(path.join(root, 'api', 'package.json'), 'utf8'));
const skipInstall = process.argv.includes('--no-install');

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
  if (result.status !== 0) {
    process.stderr.write(`build:api: ${command} ${args.join(' ')} failed (${result.status})\n`);
    process.exit(1);
  }
}

/** "@scope/name/sub" -> "@scope/name"; "name/sub" -> "name"; node: built-ins -> null. */
function packageOf(specifier) {
  if (specifier.startsWith('node:') || specifier.startsWith('.') || path.isAbsolute(specifier)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

rmSync(out, { recursive: true, force: true });
rmSync(zipFile, { force: true });
mkdirSync(out, { recursive: true });

const result = await esbuild.build({
  entryPoints: [path.join(root, 'api', 'src', 'main.ts')],
  outfile: path.join(out, 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  packages: 'external',
  alias: { '@lms-m365/contracts': path.join(root, 'packages', 'contracts', 'src') },
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none'
});

const builtins = new Set((await import('node:module')).builtinModules);
const loaded = new Set();
for (const input of Object.values(result.metafile.inputs)) {
  for (const imp of input.imports) {
    const name = imp.external ? packageOf(imp.path) : null;
    if (name && !builtins.has(name)) loaded.add(name);
  }
}
// Modules resolved at run time by name (require.resolve) are dependencies too.
const bundle = readFileSync(path.join(out, 'main.js'), 'utf8');
for (const m of bundle.matchAll(/require\.resolve\(["']([^"']+)["']\)/g)) loaded.add(packageOf(m[1]));

const production = apiPackage.dependencies ?? {};
const notProduction = [...loaded].filter((name) => !(name in production));
if (notProduction.length) {
  process.stderr.write(`build:api: main.js loads ${notProduction.join(', ')}, which ${notProduction.length > 1 ? 'are not production dependencies' : 'is not a production dependency'} of api/package.json\n`);
  process.exit(1);
}
const dependencies = Object.fromEntries([...loaded].sort().map((name) => [name, production[name]]));
writeFileSync(path.join(out, 'package.json'), `${JSON.stringify({
  name: 'lms-m365-connection-api',
  version: apiPackage.version,
  private: true,
  description: 'The connection API, built by `npm run build:api`. Start: node main.js (App Service runs `npm start`).',
  main: 'main.js',
  engines: { node: '>=22.12.0' },
  scripts: { start: 'node main.js', 'rewrap-keys': 'node main.js rewrap-keys' },
  dependencies
}, null, 2)}\n`);

// The artifact's own lockfile, then the production install it pins. It starts from the
// repository's lockfile, so the artifact gets the versions the tests ran with (npm keeps a locked
// version that still satisfies the range, and drops what the artifact does not need), not
// whatever the registry has newest today.
writeFileSync(path.join(out, 'package-lock.json'), readFileSync(path.join(root, 'package-lock.json')));
run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], out);
if (!skipInstall) {
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], out);
  run('zip', ['-qr', zipFile, '.'], out);
}
process.stdout.write(`build:api: ${path.relative(root, out)}/ (${Object.keys(dependencies).length} production dependencies)${skipInstall ? '' : ` and ${path.relative(root, zipFile)}`}\n`);
