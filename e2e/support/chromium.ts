import { existsSync } from 'node:fs';

/**
 * Debian's Chromium, never a download, for every browser test (this suite and the local tenant's).
 * Headless runs take its old headless shell when it is installed (`chromium-headless-shell`, the
 * build Playwright's own headless runs use): the e2e suite took 6.0 min in it against 7.1 in the
 * full browser on two cores, the browser being most of the CPU. E2E_CHROMIUM names another
 * (`/usr/bin/chromium` for `--headed`, which the shell cannot do).
 */
const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell';

export function chromiumExecutable(): string {
  return process.env.E2E_CHROMIUM ?? (existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : '/usr/bin/chromium');
}

/** No sandbox (root in CI), no GPU, nothing fetched in the background. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
