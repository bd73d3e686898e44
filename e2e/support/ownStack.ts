import { test } from '@playwright/test';

/**
 * A spec whose tests leave what no other test may meet (a mailbox Exchange paused for an hour, held
 * items, a fast health probe) runs on a stack of its own: started before its first test, stopped
 * after its last, the E2E_* variables pointed at it meanwhile (support/helpers.ts reads them).
 */
export function onOwnStack(logDir: string, env: Record<string, string> = {}): void {
  const saved: Record<string, string | undefined> = {};
  let stop: (() => Promise<void>) | undefined;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    const { startStack } = await import('../../scripts/stack.mjs');
    const stack = await startStack({ build: false, logDir, env: { ORG_CONSENT_CACHE_SECONDS: '0', ...env } });
    stop = stack.stop;
    for (const [name, value] of [['E2E_TENANT_ORIGIN', stack.tenantOrigin], ['E2E_API_BASE_URL', stack.apiBaseUrl], ['E2E_PREVIEW_URL', stack.previewUrl]]) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });

  test.afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      process.env[name] = value;
    }
    if (stop) {
      await stop();
    }
  });
}
