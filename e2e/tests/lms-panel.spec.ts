import { expect, test } from '@playwright/test';
import en from '../../src/webparts/connectionSettings/loc/en-us';
import { connectModern, expectAccessible, resetWorld, shot, visit } from '../support/helpers';

test.beforeEach(async () => {
  await resetWorld();
});

test('LMS panel - refuses to queue for a catalog that is not connected, with the catalogue code', async ({ page }) => {
  await visit(page);
  const panel = page.getByTestId('lms-panel');
  await panel.getByRole('button', { name: 'Queue one notification' }).click();
  await expect(panel.getByRole('alert')).toContainText('NOT_CONNECTED');
  await expect(panel.getByTestId('lms-item')).toHaveCount(0);
});

test('LMS panel - a connected, switched-on catalog sends a burst of 20 mixed priorities; each status reaches sent and the mail is in the mailbox viewer', async ({ page, context }) => {
  await visit(page);
  // Sending is switched on first; Connect then signs in and saves both.
  await connectModern(page, 'adele@contoso.test');
  await expect(page.getByTestId('connected-account')).toContainText('adele@contoso.test');
  await expect(page.getByTestId('status-state')).toHaveText(en.stateSending);

  const panel = page.getByTestId('lms-panel');
  await expect(panel.getByRole('heading', { name: /development tool, not part of the web part/ })).toBeVisible();
  await panel.getByRole('combobox', { name: 'Recipient' }).selectOption('learner2@contoso.test');
  await panel.getByRole('button', { name: 'Queue a burst of 20 (mixed priorities)' }).click();
  const rows = panel.getByTestId('lms-item');
  await expect(rows).toHaveCount(20);
  for (const priority of ['urgent', 'normal', 'bulk']) {
    await expect(rows.filter({ hasText: `(${priority},` }).first()).toBeVisible();
  }
  // 20 is within one mailbox's minute (30 a minute): the whole burst goes out at once.
  await expect(panel.getByTestId('lms-summary')).toHaveText('20 of 20 sent.', { timeout: 45_000 });
  await expect(panel.getByTestId('lms-item-status').filter({ hasText: /^sent$/ })).toHaveCount(20);
  await shot(page, 'lms-panel-burst-sent');
  await expectAccessible(page);

  const opened = context.waitForEvent('page');
  await panel.getByRole('link', { name: "Open learner2@contoso.test's mailbox" }).click();
  const viewer = await opened;
  await expect(viewer.getByRole('link', { name: /^LMS panel: burst \d+\/20/ })).toHaveCount(20);
  await viewer.getByRole('link', { name: /^LMS panel: burst 1\/20/ }).click();
  await expect(viewer.getByRole('row', { name: /From/ })).toContainText('adele@contoso.test');
  await shot(viewer, 'lms-panel-mailbox-viewer');
});
