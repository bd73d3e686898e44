import { expect, test } from '@playwright/test';
import en from '../../src/webparts/connectionSettings/loc/en-us';
import ja from '../../src/webparts/connectionSettings/loc/ja-jp';
import { fault, resetWorld, switchOn, visit } from '../support/helpers';

test('walk - Check now pressed in a loop on a Classic connection whose password changed', async ({ page }) => {
  await resetWorld();
  const at = { user: 'alex', catalog: 'catalog-b' } as const;
  await visit(page, at);
  await switchOn(page);
  await page.getByRole('radio', { name: en.methodClassic }).check();
  await page.getByRole('textbox', { name: en.classicEmailLabel }).fill('lynne@contoso.test');
  await page.getByLabel(en.classicPasswordLabel).fill('dev-password');
  await page.getByRole('button', { name: en.connect, exact: true }).click();
  await expect(page.getByTestId('status-state')).toHaveText(en.stateSending);
  await fault('password', { user: 'lynne@contoso.test', password: 'rotated-by-it' });
  for (let i = 0; i < 8; i++) {
    await page.getByRole('button', { name: en.checkNow }).click();
    await page.waitForTimeout(1500);
  }
  await page.setViewportSize({ width: 1024, height: 1100 });
  await page.screenshot({ path: '/tmp/walk9-en.png', fullPage: true });
  await visit(page, { ...at, lang: 'ja', theme: 'teams-dark' });
  await page.setViewportSize({ width: 400, height: 1400 });
  await page.getByRole('button', { name: ja.checkNow }).click();
  await page.waitForTimeout(2000);
  await page.screenshot({ path: '/tmp/walk9-ja.png', fullPage: true });
});
