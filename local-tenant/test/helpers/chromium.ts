import { chromium, type Browser } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumExecutable } from '../../../e2e/support/chromium';

/** The local tenant's browser tests launch the Chromium the e2e suite runs in (e2e/support/chromium.ts). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
}
