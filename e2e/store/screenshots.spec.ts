import { test, expect } from '@playwright/test';
import * as path from 'path';
import en from '../../src/webparts/connectionSettings/loc/en-us';
import { resetWorld, signInInPopup, visit } from '../support/helpers';

const images = path.join(__dirname, '..', '..', 'sharepoint', 'images');

test('app catalog screenshots - the sign-in part and a connected catalog', async ({ page }) => {
  await resetWorld();
  await visit(page, { user: 'adele', catalog: 'catalog-a' });
  await page.screenshot({ path: path.join(images, 'screenshot-sign-in.png') });
  await signInInPopup(page, () => page.getByRole('button', { name: en.connect, exact: true }).click(), 'adele@contoso.test', { consent: 'accept' });
  await expect(page.getByTestId('page-notice')).toBeVisible();
  await page.screenshot({ path: path.join(images, 'screenshot-connected.png') });
});
