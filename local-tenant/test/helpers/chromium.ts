import { existsSync } from 'node:fs';
import { chromium, type Browser } from '@playwright/test';

/**
 * Debian's Chromium, never a download, as the e2e suite takes it (e2e/playwright.config.ts): its
 * headless shell when installed (`chromium-headless-shell`), else the full browser; E2E_CHROMIUM
 * names another.
 */
const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell';

export function launchChromium(): Promise<Browser> {
  const executablePath = process.env.E2E_CHROMIUM ?? (existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : '/usr/bin/chromium');
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
}
