import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumExecutable } from './support/chromium';

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
      // Debian's, the headless shell when installed (support/chromium.ts).
      executablePath: chromiumExecutable(),
      args: CHROMIUM_ARGS
    }
  }
});
