// `npm run bench:bundle`: size of the shipped web part bundle against a minimal Fluent UI v8 web
// part built in the same run. Writes bench/results/bundle.json.
//
// Like with like: both are built by webpack 5 + terser (SPFx's own bundler and minifier) with the
// externals SPFx gives every web part (react, react-dom, @microsoft/sp-*), from the same tsc output
// (lib/). The shipped bundle from `gulp bundle --ship` (dist/) is reported as well, as it is what
// a tenant downloads. "initial" is what loads before the page shows: the entry chunk plus the
// strings of one language (English; the web part awaits them before its first render). Lazy chunks
// (Classic panel, people picker, connected view, disconnect dialog, the other language) load on
// demand and are listed separately.
//
// Flags: --skip-build reuses dist/ and lib/ from an earlier `npm run package`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const webpack = require('webpack');
const TerserPlugin = require('terser-webpack-plugin');
const GOAL = 1.5;
const FIRST_RENDER_CHUNK = 'lms-strings-en';

const EXTERNALS = ['react', 'react-dom', '@microsoft/sp-core-library', '@microsoft/sp-webpart-base', '@microsoft/sp-component-base',
  '@microsoft/sp-http', '@microsoft/sp-property-pane', '@microsoft/sp-lodash-subset', '@microsoft/sp-page-context'];

const MINIMAL_WEB_PART = `
import * as React from 'react';
import * as ReactDom from 'react-dom';
import { BaseClientSideWebPart } from '@microsoft/sp-webpart-base';
import { Toggle } from '@fluentui/react/lib/Toggle';
import { ChoiceGroup } from '@fluentui/react/lib/ChoiceGroup';
import { TextField } from '@fluentui/react/lib/TextField';
import { MessageBar } from '@fluentui/react/lib/MessageBar';
import { Stack } from '@fluentui/react/lib/Stack';
import { PrimaryButton, DefaultButton } from '@fluentui/react/lib/Button';

export default class MinimalWebPart extends BaseClientSideWebPart {
  render() {
    const e = React.createElement;
    ReactDom.render(e(Stack, { tokens: { childrenGap: 8 } },
      e(Toggle, { label: 'Allow' }),
      e(ChoiceGroup, { options: [{ key: 'a', text: 'A' }, { key: 'b', text: 'B' }], defaultSelectedKey: 'a' }),
      e(TextField, { label: 'Email' }),
      e(MessageBar, null, 'Message'),
      e(Stack, { horizontal: true }, e(PrimaryButton, { text: 'Save' }), e(DefaultButton, { text: 'Cancel' }))
    ), this.domElement);
  }
}
`;

function kb(bytes) {
  return Math.round(bytes / 10.24) / 100;
}

function measure(files) {
  const bytes = files.reduce((sum, f) => sum + readFileSync(f).length, 0);
  const gzip = files.reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  return { files: files.map((f) => path.basename(f)), minifiedKB: kb(bytes), gzipKB: kb(gzip) };
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with ${result.status}`);
  }
}

function build(entry, outDir) {
  return new Promise((resolve, reject) => {
    webpack({
      mode: 'production',
      entry,
      context: root,
      output: { path: outDir, filename: 'entry.js', chunkFilename: 'chunk.[name].js', library: { type: 'amd' } },
      externals: EXTERNALS,
      resolve: { modules: [path.join(root, 'node_modules'), 'node_modules'] },
      optimization: { minimize: true, minimizer: [new TerserPlugin({ extractComments: false })] },
      performance: { hints: false },
      devtool: false
    }, (error, stats) => {
      if (error || stats.hasErrors()) {
        reject(error || new Error(stats.toString('errors-only')));
        return;
      }
      const initial = [];
      const lazy = [];
      for (const chunk of stats.compilation.chunks) {
        for (const file of chunk.files) {
          (chunk.canBeInitial() || chunk.name === FIRST_RENDER_CHUNK ? initial : lazy).push(path.join(outDir, file));
        }
      }
      resolve({ initial: measure(initial), lazy: measure(lazy) });
    });
  });
}

async function main() {
  if (!process.argv.includes('--skip-build')) {
    run('npm', ['run', 'package']);
  }
  const dist = path.join(root, 'dist');
  const entries = readdirSync(dist).filter((f) => /^connection-settings-web-part_.*\.js$/.test(f));
  if (entries.length !== 1) {
    throw new Error(`expected one shipped entry bundle in dist/, found ${entries.length}: run npm run package`);
  }
  const firstRender = readdirSync(dist).filter((f) => f.startsWith(`chunk.${FIRST_RENDER_CHUNK}_`) && f.endsWith('.js'));
  const shippedEntry = entries.concat(firstRender);
  const shippedChunks = readdirSync(dist).filter((f) => /^chunk\..*\.js$/.test(f) && firstRender.indexOf(f) < 0);
  const ourEntry = path.join(root, 'lib', 'webparts', 'connectionSettings', 'ConnectionSettingsWebPart.js');
  if (!existsSync(ourEntry)) {
    throw new Error('lib/webparts/connectionSettings/ConnectionSettingsWebPart.js is missing: run npm run package');
  }

  const work = mkdtempSync(path.join(os.tmpdir(), 'lms-bench-bundle-'));
  try {
    const minimalSource = path.join(root, 'lib', '.bench-minimal-webpart.js');
    writeFileSync(minimalSource, MINIMAL_WEB_PART);
    const minimal = await build(minimalSource, path.join(work, 'minimal'));
    rmSync(minimalSource);
    // __CONNECTION_API__ is defined by gulpfile.js in the shipped build; the same value here.
    const ours = await build(ourEntry, path.join(work, 'ours'));
    const shipped = {
      initial: measure(shippedEntry.map((f) => path.join(dist, f))),
      lazy: measure(shippedChunks.map((f) => path.join(dist, f)))
    };
    const ratio = (a, b) => Math.round((a / b) * 100) / 100;
    const result = {
      measuredAt: new Date().toISOString(),
      method: 'webpack 5 + terser, SPFx externals (react, react-dom, @microsoft/sp-*), gzip level 9; initial = chunks loaded before the page renders',
      goal: `initial bundle at most ${GOAL}x the minimal Fluent UI v8 web part`,
      minimalFluentWebPart: minimal,
      webPartSameBuild: ours,
      webPartShipped: shipped,
      ratio: {
        sameBuildMinified: ratio(ours.initial.minifiedKB, minimal.initial.minifiedKB),
        sameBuildGzip: ratio(ours.initial.gzipKB, minimal.initial.gzipKB),
        shippedMinified: ratio(shipped.initial.minifiedKB, minimal.initial.minifiedKB),
        shippedGzip: ratio(shipped.initial.gzipKB, minimal.initial.gzipKB)
      }
    };
    // Decided on the exact ratios, not the rounded ones printed (1.503 is over a goal of 1.5).
    result.withinGoal = shipped.initial.gzipKB / minimal.initial.gzipKB <= GOAL && shipped.initial.minifiedKB / minimal.initial.minifiedKB <= GOAL;
    mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(root, 'bench', 'results', 'bundle.json'), JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(`minimal Fluent UI web part: ${minimal.initial.minifiedKB} KB minified, ${minimal.initial.gzipKB} KB gzip
web part (same build):      ${ours.initial.minifiedKB} KB minified, ${ours.initial.gzipKB} KB gzip (+ ${ours.lazy.minifiedKB} KB lazy)
web part (shipped, dist/):  ${shipped.initial.minifiedKB} KB minified, ${shipped.initial.gzipKB} KB gzip (+ ${shipped.lazy.minifiedKB} KB lazy)
ratio shipped/minimal:      ${result.ratio.shippedMinified}x minified, ${result.ratio.shippedGzip}x gzip (goal <= ${GOAL}x) -> ${result.withinGoal ? 'within goal' : 'OVER GOAL'}
written to bench/results/bundle.json
`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench:bundle failed: ${error.message}\n`);
  process.exit(1);
});
