import type { FullConfig } from '@playwright/test';

/** Starts the stack once for the run; the tests read where it is from the environment. */
export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  const { startStack } = await import('../../scripts/stack.mjs');
  // Each test resets the tenant: the API must not remember its organisation-wide consent across that.
  const stack = await startStack({ build: process.env.E2E_SKIP_BUILD !== '1', env: { ORG_CONSENT_CACHE_SECONDS: '0' } });
  process.env.E2E_TENANT_ORIGIN = stack.tenantOrigin;
  process.env.E2E_API_BASE_URL = stack.apiBaseUrl;
  process.env.E2E_PREVIEW_URL = stack.previewUrl;
  return stack.stop;
}
