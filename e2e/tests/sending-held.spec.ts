import { expect, test } from '@playwright/test';
import en from '../../src/webparts/connectionSettings/loc/en-us';
import ja from '../../src/webparts/connectionSettings/loc/ja-jp';
import { expectAccessible, fault, lmsToken, notificationSettles, queueNotification, resetWorld, shot, signInInPopup, switchOn, TENANT, visit } from '../support/helpers';
import { onOwnStack } from '../support/ownStack';

/**
 * Exchange holding the account's mail back - a full mailbox, the daily quota - screenshotted in
 * every language (states 18 and 19 of e2e/screenshots). What these tests leave behind outlives
 * them by design (a mailbox paused for an hour, a notification waiting for tomorrow's quota), so
 * they run on a stack of their own, stopped after them: no later test meets it, whatever the order.
 * Each uses its own catalog and account.
 */
onOwnStack('e2e/results/logs-sending-held');

test.beforeEach(async () => {
  await resetWorld();
});

/** Exchange stopping the account from sending - here its mailbox is full (MAILBOX_FULL): the block, its reason and remedy, en and ja. */
test('sending held - the account\'s mailbox is full: sending stopped by Exchange, en and ja; freed, Try again now sends what waited', async ({ page }) => {
  // Exchange's refusal is recent: the try comes a minute after it (real time here), then the page reads the result.
  test.setTimeout(240_000);
  await visit(page);
  await signInInPopup(page, async () => {
    await page.getByRole('switch', { name: en.masterSwitchLabel }).click();
    await page.getByRole('button', { name: en.connect, exact: true }).click();
  }, 'adele@contoso.test');
  await expect(page.getByTestId('status-state')).toHaveText(en.stateSending);
  await fault('mailbox-full', { mailbox: 'adele@contoso.test' });
  await page.getByTestId('lms-panel').getByRole('button', { name: 'Queue one notification' }).click();
  // Queued (the panel shows the item) before the page is left.
  await expect(page.getByTestId('lms-item')).toHaveCount(1);
  // The engine meets the full mailbox and records the block; the page shows it on its next load.
  await expect(async () => {
    await visit(page);
    await expect(page.getByTestId('sending-blocked')).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  for (const [lang, strings] of [['en', en], ['ja', ja]] as const) {
    await visit(page, { lang });
    await expect(page.getByTestId('status-state')).toHaveText(strings.stateBlocked);
    await expect(page.getByTestId('sending-blocked')).toContainText(lang === 'en' ? 'retention policy' : 'アイテム保持ポリシー');
    await expect(page.getByTestId('sending-blocked-next')).toContainText(strings.sendingBlockedNextTry.split('{0}')[0].trim());
    await shot(page, `${lang}-18-mailbox-full`);
    await expectAccessible(page);
  }
  // The admin freed space: Try again now sends what waited at once (a minute after Exchange's
  // refusal at the soonest), not at the mailbox's hourly try, and the page says so by itself.
  await fault('mailbox-full', { mailbox: 'adele@contoso.test', clear: true });
  await page.getByRole('button', { name: ja.retrySending }).click();
  await expect(page.getByTestId('page-notice')).toContainText(/LMS は/);
  await expect(page.getByTestId('page-notice')).toContainText(ja.retrySucceeded, { timeout: 120_000 });
  await expect(page.getByTestId('sending-blocked')).toHaveCount(0);
  await expect(page.getByTestId('status-state')).toHaveText(ja.stateSending);
  await shot(page, 'ja-18b-mailbox-full-retried');
});

/**
 * Sending held back by Exchange's daily quota (the status card says why and until when) beside a
 * sent notification one of whose recipients the server refused (recent deliveries say how many
 * and why): a Classic connection as Lynne on Catalog B (Alex its admin), so mail goes over SMTP.
 * English, and Japanese in Teams dark at 400 px.
 */
test('sending held - held back by the daily quota, and a recipient refused: en, ja Teams dark 400', async ({ page }) => {
  const at = { user: 'alex', catalog: 'catalog-b' } as const;
  await visit(page, at);
  await switchOn(page);
  await page.getByRole('radio', { name: en.methodClassic }).check();
  await page.getByRole('textbox', { name: en.classicEmailLabel }).fill('lynne@contoso.test');
  await page.getByLabel(en.classicPasswordLabel).fill('dev-password');
  await page.getByRole('button', { name: en.connect, exact: true }).click();
  await expect(page.getByTestId('status-state')).toHaveText(en.stateSending);

  const token = await lmsToken();
  await fault('refuse-recipient', { address: 'learner2@contoso.test' });
  const refused = await queueNotification(token, at.catalog, { to: ['learner1@contoso.test', 'learner2@contoso.test'], subject: 'Room change: Safety induction', text: 'The session moved to room 4.' });
  await notificationSettles(token, at.catalog, refused, (b) => b.status === 'sent' && b.code === 'RECIPIENT_REJECTED');
  // Exchange's daily recipient quota reached (it counts all the account's mail): the next waits.
  const limits = await fetch(`${TENANT()}/_admin/limits`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ recipientsPerDay: 1 }) });
  expect(limits.ok).toBe(true);
  const waiting = await queueNotification(token, at.catalog, { to: ['learner1@contoso.test'], subject: 'Reminder: Safety induction tomorrow', text: 'See you at 10:00.' });
  await notificationSettles(token, at.catalog, waiting, (b) => b.status === 'queued' && b.code === 'SENDING_QUOTA_EXCEEDED');

  for (const [variant, strings, theme, width] of [['en', en, 'sharepoint', 1100], ['ja-teams-dark-400', ja, 'teams-dark', 400]] as const) {
    await page.setViewportSize({ width, height: 900 });
    await visit(page, { ...at, lang: strings === ja ? 'ja' : 'en', theme });
    await expect(page.getByTestId('pacing')).toContainText(strings.pacingSendingQuota.split('{0}')[0].trim());
    await expect(page.getByTestId('delivery-refused')).toContainText(strings.deliveriesRefused.replace('{0}', '1').replace('{1}', '2'));
    await expect(page.getByText(strings.loading)).toHaveCount(0);
    await shot(page, `${variant}-19-quota-and-refused`);
    await expectAccessible(page);
  }
});
