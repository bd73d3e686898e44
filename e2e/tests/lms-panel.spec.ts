import { expect, test } from '@playwright/test';
import en from '../../src/webparts/connectionSettings/loc/en-us';
import { connectModern, expectAccessible, resetWorld, shot, signInInPopup, visit } from '../support/helpers';

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
  await expect(panel.getByTestId('lms-summary')).toHaveText('Queued from this panel: 20; sent: 20.', { timeout: 45_000 });
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

test('LMS panel - creates a session with a Teams meeting and a room, moves it and cancels it; the invitation shows in the mailbox viewer in the viewer\'s zone', async ({ page, context }) => {
  await visit(page);
  // The switch first, then Connect: the connection is made and sending is on in one step.
  await page.getByRole('switch', { name: en.masterSwitchLabel }).click();
  await signInInPopup(page, () => page.getByRole('button', { name: en.connect, exact: true }).click(), 'adele@contoso.test');
  await expect(page.getByTestId('status-summary')).toContainText(en.stateSending);

  const sessions = page.getByTestId('lms-sessions');
  await sessions.getByRole('combobox', { name: 'Room' }).selectOption('room-baker@contoso.test');
  await expect(sessions.getByRole('checkbox', { name: 'Teams meeting' })).toBeChecked();
  await sessions.getByRole('button', { name: 'Create a session' }).click();
  const status = sessions.getByTestId('lms-session-status');
  await expect(status).toContainText('revision 1: scheduled; room room-baker@contoso.test: accepted.', { timeout: 30_000 });
  await expect(sessions.getByRole('link', { name: /^https:\/\/teams\.microsoft\.com\/l\/meetup-join\// })).toBeVisible();
  await sessions.getByRole('button', { name: 'Move it a day later' }).click();
  await expect(status).toContainText('revision 2: updated; room room-baker@contoso.test: accepted.', { timeout: 30_000 });
  await shot(page, 'lms-panel-session-moved');
  await expectAccessible(page);
  await sessions.getByRole('button', { name: 'Cancel it', exact: true }).click();
  await expect(status).toContainText('revision 3: cancelled', { timeout: 30_000 });
  await expect(sessions.getByRole('button', { name: 'Move it a day later' })).toBeDisabled();

  const opened = context.waitForEvent('page');
  await page.getByTestId('lms-panel').getByRole('link', { name: "Open learner1@contoso.test's mailbox" }).click();
  const viewer = await opened;
  await expect(viewer.getByRole('link', { name: /LMS panel: classroom session/ })).toHaveCount(3);
  await viewer.getByRole('link', { name: /^LMS panel: classroom session$/ }).click();
  const invitation = viewer.getByRole('table', { name: 'Invitation' });
  // learner1 is an en-US account: the viewer shows UTC; 10:00 in Tokyo is 01:00 UTC.
  await expect(invitation.getByRole('row', { name: /When/ })).toContainText(/01:00 - \S+ 02:00 \(UTC\)/);
  await expect(viewer.getByText('Accept (payload sent to adele@contoso.test)')).toBeVisible();
  await shot(viewer, 'lms-panel-invitation-in-viewer');
});
