import { test, expect, type Page } from '@playwright/test';
import * as path from 'path';
import en from '../../src/webparts/connectionSettings/loc/en-us';
import { resetWorld, signInInPopup, visit } from '../support/helpers';

const images = path.join(__dirname, '..', '..', 'sharepoint', 'images');

/** The web part alone (not the preview host's controls), at most one screen high. */
async function capture(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = await page.getByTestId('connection-settings').boundingBox();
  if (!box) {
    throw new Error('the web part is not on the page');
  }
  await page.screenshot({ path: path.join(images, name), fullPage: true, clip: { x: 0, y: Math.max(0, box.y - 16), width: 1280, height: 800 } });
}

test('app catalog screenshots - the sign-in part and a connected catalog', async ({ page }) => {
  await resetWorld();
  await visit(page, { user: 'adele', catalog: 'catalog-a' });
  await capture(page, 'screenshot-sign-in.png');
  await signInInPopup(page, () => page.getByRole('button', { name: en.connect, exact: true }).click(), 'adele@contoso.test', { consent: 'accept' });
  await expect(page.getByTestId('page-notice')).toBeVisible();
  await capture(page, 'screenshot-connected.png');
});
