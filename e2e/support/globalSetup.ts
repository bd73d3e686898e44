import type { FullConfig } from '@playwright/test';

/**
 * Starts the stack for the run: one per worker, each on its own free ports with its own state, so
 * the workers' tests (each resets its tenant and catalogs) never see each other. The workers read
 * which is theirs from the environment (support/helpers.ts, by TEST_PARALLEL_INDEX).
 */
export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  const { startStack } = await import('../../scripts/stack.mjs');
  const count = Math.max(1, config.workers);
  // Each test resets the tenant: the API must not remember its organisation-wide consent across that.
  const env = { ORG_CONSENT_CACHE_SECONDS: '0' };
  // The first builds the local tenant and the API; the others start from that build, at the same time.
  const first = await startStack({ build: process.env.E2E_SKIP_BUILD !== '1', env });
  const stacks = [first];
  try {
    stacks.push(...await Promise.all(Array.from({ length: count - 1 }, (_, i) =>
      startStack({ build: false, env, logDir: `e2e/results/logs-worker-${i + 1}` }))));
  } catch (error) {
    await Promise.all(stacks.map((stack) => stack.stop()));
    throw error;
  }
  process.env.E2E_STACKS = JSON.stringify(stacks.map((stack) => ({ tenantOrigin: stack.tenantOrigin, apiBaseUrl: stack.apiBaseUrl, previewUrl: stack.previewUrl })));
  process.env.E2E_TENANT_ORIGIN = first.tenantOrigin;
  process.env.E2E_API_BASE_URL = first.apiBaseUrl;
  process.env.E2E_PREVIEW_URL = first.previewUrl;
  return async () => {
    await Promise.all(stacks.map((stack) => stack.stop()));
  };
}
