import { expect, test } from '@playwright/test';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import en from '../../src/webparts/connectionSettings/loc/en-us';
import { format } from '../../src/webparts/connectionSettings/loc';
import { connectModern, expectAccessible, readConnection, resetWorld, shot, signInInPopup, TENANT, visit } from '../support/helpers';
import { onOwnStack } from '../support/ownStack';

/**
 * Issue 10 point 8, end to end in the browser: the LMS queues, the account stops working, the
 * API's health monitor finds it, the page shows Lost and what is held, Reconnect, and everything
 * held is delivered. The monitor probes on a schedule (HEALTH_PROBE_INTERVAL_SECONDS): this file
 * runs its own stack with a short period, so the other specs keep the default (no probe writing
 * health under their feet) and this one needs no "Check now" to see the loss.
 */
onOwnStack('e2e/results/logs-connection-loss', { HEALTH_PROBE_INTERVAL_SECONDS: '3' });

test.beforeEach(async () => {
  await resetWorld();
});

test('connection loss - queued from the LMS, the account\'s tokens revoked: the monitor holds sending, the page shows Lost and the held items, Reconnect delivers them all', async ({ page, context }) => {
  test.setTimeout(240_000);
  const SUBJECT = /^LMS panel: a notification/;
  await visit(page);
  await connectModern(page, 'adele@contoso.test');
  await expect(page.getByTestId('status-state')).toHaveText(en.stateSending);

  // The LMS queues one while the connection works: it goes out.
  const lms = page.getByTestId('lms-panel');
  await lms.getByRole('combobox', { name: 'Recipient' }).selectOption('learner1@contoso.test');
  await lms.getByRole('button', { name: 'Queue one notification' }).click();
  await expect(lms.getByTestId('lms-summary')).toHaveText('Queued from this panel: 1; sent: 1.', { timeout: 45_000 });

  // An Entra admin revokes the account's sessions, through the local tenant's fault controls.
  const faults = await context.newPage();
  await faults.goto(`${TENANT()}/_faults`);
  await faults.locator('#revoke-refresh-tokens-user').selectOption('adele@contoso.test');
  await faults.locator('form[data-fault="revoke-refresh-tokens"]').getByRole('button', { name: 'Apply' }).click();
  await expect(faults.locator('#result')).not.toBeEmpty();
  await faults.close();

  // Nobody checks by hand: the health monitor's next probe finds the loss.
  await expect.poll(async () => (await readConnection('adele@contoso.test', 'catalog-a')).health, { timeout: 45_000, intervals: [1000] })
    .toMatchObject({ state: 'lost', code: 'TOKEN_REVOKED' });

  // The LMS keeps queueing: accepted, and held.
  for (let i = 0; i < 3; i++) {
    await lms.getByRole('button', { name: 'Queue one notification' }).click();
    await expect(lms.getByTestId('lms-item')).toHaveCount(2 + i);
  }
  await expect(lms.getByTestId('lms-item-status').filter({ hasText: /^held$/ })).toHaveCount(3);
  await expect(lms.getByTestId('lms-summary')).toHaveText('Queued from this panel: 4; sent: 1.');

  // The page, on its next load: Lost with the cause and remedy, and the three held items.
  await visit(page);
  await expect(page.getByTestId('status-state')).toHaveText(en.stateLost);
  await expect(page.getByTestId('lost-reason')).toContainText(ERROR_CATALOGUE.TOKEN_REVOKED.title.en);
  const deliveries = page.getByTestId('deliveries-panel');
  await expect(deliveries.getByTestId('deliveries-count-held')).toContainText('3');
  await expect(deliveries.getByTestId('deliveries-count-sent')).toContainText('1');
  await expect(deliveries.getByTestId('deliveries-held')).toContainText(format(en.deliveriesHeldWhileLost, '3'));
  const held = deliveries.locator('[data-testid="delivery-item"][data-status="held"]');
  await expect(held).toHaveCount(3);
  await expect(held.first().getByTestId('delivery-subject')).toHaveText(SUBJECT);
  await expect(page.getByTestId('queue')).toContainText(format(en.queueValue, '0', '3'));
  await shot(page, 'loss-walk-1-lost-with-held-items');
  await expectAccessible(page);

  // Reconnect signs the account in again; everything held goes out and the panel follows.
  await signInInPopup(page, () => page.getByTestId('status-summary').getByRole('button', { name: en.reconnect }).click(), 'adele@contoso.test');
  await expect(page.getByTestId('status-state')).toHaveText(en.stateSending);
  await expect(deliveries.getByTestId('deliveries-count-sent')).toContainText('4', { timeout: 60_000 });
  await expect(deliveries.getByTestId('deliveries-count-held')).toContainText('0');
  await expect(deliveries.getByTestId('deliveries-held')).toHaveCount(0);
  await expect(deliveries.locator('[data-testid="delivery-item"][data-status="sent"]')).toHaveCount(4);
  await shot(page, 'loss-walk-2-reconnected-delivered');
  await expectAccessible(page);

  // And they are in the learner's inbox: the one before the loss and the three held through it.
  const viewer = await context.newPage();
  await viewer.goto(`${TENANT()}/_mailbox?upn=${encodeURIComponent('learner1@contoso.test')}`);
  await expect(viewer.getByRole('link', { name: SUBJECT })).toHaveCount(4);
  await shot(viewer, 'loss-walk-3-learner-inbox');
});
