import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

/**
 * Debian's Chromium, never a download. Headless runs take its old headless shell when it is
 * installed (`chromium-headless-shell`, the build Playwright's own headless runs use): this suite
 * took 6.0 min in it against 7.1 in the full browser on two cores, the browser being most of the
 * CPU. E2E_CHROMIUM names another (`/usr/bin/chromium` for `--headed`, which the shell cannot do).
 */
const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell';
const executablePath = process.env.E2E_CHROMIUM ?? (existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : '/usr/bin/chromium');

/**
 * Browser tests in Debian's Chromium against the real stack (scripts/stack.mjs): local tenant,
 * connection API + Azurite, preview host, all on free loopback ports. Run with `npm run test:e2e`.
 */
export default defineConfig({
  testDir: './tests',
  outputDir: './results/artifacts',
  globalSetup: './support/globalSetup.ts',
  workers: 2,
  fullyParallel: false,
  // On CI a test that fails is run once more; one that then passes is reported as flaky, by name,
  // in the run's summary (scripts/test.mjs) - never counted as a plain pass.
  retries: process.env.CI ? 1 : 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    ignoreHTTPSErrors: true,
    viewport: { width: 1100, height: 900 },
    actionTimeout: 15_000,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
    }
  }
});
