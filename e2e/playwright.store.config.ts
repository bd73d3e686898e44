import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/**
 * Not a test run: `npm run screenshots` takes the app catalog's screenshots
 * (sharepoint/images/screenshot-*.png, package-solution.json screenshotPaths) from the real page
 * against the local stack, so they show the page as it is.
 */
export default defineConfig({ ...base, workers: 1, testDir: './store', use: { ...base.use, viewport: { width: 1280, height: 800 } } });
