import { expect, test, type Page } from '@playwright/test';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import en from '../../src/webparts/connectionSettings/loc/en-us';
import ja from '../../src/webparts/connectionSettings/loc/ja-jp';
import { connectModern, expectAccessible, fault, FLUENT_SUGGESTIONS_LIVE_REGION, resetWorld, shot, signInInPopup, switchOn, visit } from '../support/helpers';

// Each test starts from the fixture on its worker's own stack: the two workers share this file's tests.
test.describe.configure({ mode: 'parallel' });

test.beforeEach(async () => {
  await resetWorld();
});

const connectedAccount = (page: Page) => page.getByTestId('connected-account');
const state = (page: Page) => page.getByTestId('status-state');
const pageError = (page: Page) => page.getByTestId('page-error');
const summary = (page: Page) => page.getByTestId('status-summary');

test('settings page - the summary is at the top in every state: not connected, sending, paused, lost (issue 14 point 1)', async ({ page }) => {
  await visit(page);
  const top = page.getByTestId('connection-settings').locator('section').first();
  await expect(top).toHaveAttribute('data-testid', 'status-summary');
  await expect(state(page)).toHaveText(en.stateNotConnected);
  await connectModern(page, 'adele@contoso.test');
  await expect(state(page)).toHaveText(en.stateSending);
  await expect(connectedAccount(page)).toContainText('adele@contoso.test');
  await expect(page.getByTestId('alerts-to')).toHaveText(en.alertsConnectedBy.replace('{0}', 'adele@contoso.test'));
  await page.getByRole('switch', { name: en.masterSwitchLabel }).click();
  await page.getByRole('button', { name: en.save }).click();
  await expect(state(page)).toHaveText(en.statePaused);
  await fault('revoke-refresh-tokens', { user: 'adele@contoso.test' });
  await summary(page).getByRole('button', { name: en.checkNow }).click();
  await expect(state(page)).toHaveText(en.stateLost);
  await expect(page.getByTestId('lost-reason')).toContainText(ERROR_CATALOGUE.TOKEN_REVOKED.title.en);
  await expect(page.getByTestId('lost-reason')).toContainText(ERROR_CATALOGUE.TOKEN_REVOKED.remedy.en);
  await expectAccessible(page);
});

test('settings page - the switch first, then the method with Graph under Advanced, one primary action that says what it does (issue 14 point 2)', async ({ page }) => {
  await visit(page);
  // Settled first (no lazily loaded part still on its way), so the method's absence is not just its spinner.
  await expect(page.getByText(en.loading)).toHaveCount(0);
  await expect(page.getByRole('radio', { name: en.methodModern })).toHaveCount(0);
  await expect(page.getByRole('button', { name: en.save })).toBeDisabled();
  await switchOn(page);
  await expect(page.getByRole('radio', { name: en.methodModern })).toBeChecked();
  await expect(page.getByText(en.methodModernDescription)).toBeVisible();
  await expect(page.getByText(en.permissionMailSend)).toBeVisible();
  const advanced = page.getByRole('button', { name: en.advancedLabel });
  await expect(advanced).toHaveAttribute('aria-expanded', 'false');
  await advanced.click();
  await expect(page.getByRole('radio', { name: en.transportGraph })).toBeChecked();
  // One primary action: Connect, with what it does next to it; no Save beside it.
  await expect(page.getByRole('button', { name: en.connect, exact: true })).toHaveCount(1);
  await expect(page.getByRole('button', { name: en.save })).toHaveCount(0);
  await expect(page.getByTestId('connect-hint')).toContainText(en.connectHintModern);
  await expectAccessible(page);
  await signInInPopup(page, () => page.getByRole('button', { name: en.connect, exact: true }).click(), 'adele@contoso.test');
  await expect(state(page)).toHaveText(en.stateSending);
  // Connected: Save, and only once something changed.
  await expect(page.getByRole('button', { name: en.save })).toBeDisabled();
  await expect(page.getByRole('button', { name: en.connect, exact: true })).toHaveCount(0);
});

test('settings page - reconnecting while the switch is off says nothing is sent and offers to turn it on (issue 14 point 2)', async ({ page }) => {
  await visit(page);
  await connectModern(page, 'adele@contoso.test');
  await page.getByRole('switch', { name: en.masterSwitchLabel }).click();
  await page.getByRole('button', { name: en.save }).click();
  await expect(state(page)).toHaveText(en.statePaused);
  await fault('revoke-refresh-tokens', { user: 'adele@contoso.test' });
  await visit(page);
  await expect(state(page)).toHaveText(en.stateLost);
  await signInInPopup(page, () => summary(page).getByRole('button', { name: en.reconnect }).click(), 'adele@contoso.test');
  await expect(page.getByTestId('page-notice')).toContainText(en.connectedOffNotice);
  await expect(state(page)).toHaveText(en.statePaused);
  await page.getByRole('button', { name: en.turnOn }).click();
  await expect(state(page)).toHaveText(en.stateSending);
  await visit(page);
  await expect(page.getByRole('switch', { name: en.masterSwitchLabel })).toBeChecked();
});

test('settings page - a wrong password when switching a Modern catalog to Classic changes nothing, also after a reload (issue 14 point 3)', async ({ page }) => {
  await visit(page);
  await connectModern(page, 'adele@contoso.test');
  await expect(state(page)).toHaveText(en.stateSending);
  await page.getByRole('radio', { name: en.methodClassic }).check();
  await page.getByRole('textbox', { name: en.classicEmailLabel }).fill('adele@contoso.test');
  await page.getByLabel(en.classicPasswordLabel).fill('wrong-password');
  await page.getByRole('button', { name: en.connect, exact: true }).click();
  await expect(pageError(page)).toContainText(ERROR_CATALOGUE.BAD_CREDENTIALS.title.en);
  await expect(pageError(page)).toBeFocused();
  await expect(page.getByTestId('connected-method')).toContainText(en.methodModernShort);
  await shot(page, 'en-15-wrong-password-switch');
  await expectAccessible(page);
  await visit(page);
  await expect(page.getByTestId('connected-method')).toContainText(en.methodModernShort);
  await expect(page.getByRole('radio', { name: en.methodModern })).toBeChecked();
  await expect(state(page)).toHaveText(en.stateSending);
});

for (const [upn, code] of [['training@contoso.test', 'SHARED_MAILBOX'], ['noah@contoso.test', 'MAILBOX_NOT_FOUND']] as const) {
  test(`settings page - ${code} after sign-in is shown once, next to Connect, with the focus on it (issue 14 point 4)`, async ({ page }) => {
    await visit(page);
    await connectModern(page, upn);
    await expect(pageError(page)).toContainText(ERROR_CATALOGUE[code].title.en);
    await expect(pageError(page)).toContainText(ERROR_CATALOGUE[code].remedy.en);
    await expect(page.getByText(ERROR_CATALOGUE[code].title.en)).toHaveCount(1);
    await expect(pageError(page)).toBeFocused();
    await expect(page.getByTestId('form-footer').getByTestId('page-error')).toHaveCount(1);
    await expect(page.getByTestId('connected-view')).toHaveCount(0);
    await expectAccessible(page);
  });
}

test('settings page - a removed mailbox is explained once and not offered Reconnect: it needs an admin (issue 14 point 4)', async ({ page }) => {
  await visit(page);
  await connectModern(page, 'adele@contoso.test');
  await fault('remove-mailbox', { user: 'adele@contoso.test' });
  await visit(page);
  await expect(state(page)).toHaveText(en.stateLost);
  await expect(page.getByTestId('lost-reason')).toContainText(ERROR_CATALOGUE.MAILBOX_NOT_FOUND.remedy.en);
  await expect(page.getByRole('button', { name: en.reconnect })).toHaveCount(0);
  await expect(page.getByText(ERROR_CATALOGUE.MAILBOX_NOT_FOUND.title.en)).toHaveCount(1);
  await expect(page.getByText(en.stateLost, { exact: true })).toHaveCount(1);
  // Nothing a catalog admin reads names developer settings or documents (read once every part is in).
  await expect(page.getByText(en.loading)).toHaveCount(0);
  await expect(page.getByTestId('connection-settings')).not.toContainText(/ALLOWED_ORIGINS|docs\/|If-Match|Retry-After/);
  await expectAccessible(page);
});

test('settings page - SMTP AUTH disabled is explained when the SMTP transport is chosen', async ({ page }) => {
  await visit(page);
  await switchOn(page);
  await page.getByRole('button', { name: en.advancedLabel }).click();
  await page.getByRole('radio', { name: en.transportSmtp }).check();
  await expect(page.getByText(en.requirementSmtpAuth)).toBeVisible();
  await connectModern(page, 'pradeep@contoso.test');
  await expect(pageError(page)).toContainText(ERROR_CATALOGUE.SMTP_AUTH_DISABLED.title.en);
  await expect(pageError(page)).toContainText(ERROR_CATALOGUE.SMTP_AUTH_DISABLED.remedy.en);
});

test('settings page - signed in as another account than the admin\'s, its owner is asked first; Cancel ends the sign-in with the reason on the page, Connect connects', async ({ page }) => {
  await visit(page);
  await connectModern(page, 'megan@contoso.test', { confirm: 'cancel' });
  await expect(pageError(page)).toContainText(ERROR_CATALOGUE.SIGN_IN_NOT_CONFIRMED.title.en);
  await expect(state(page)).not.toHaveText(en.stateSending);
  await connectModern(page, 'megan@contoso.test');
  await expect(connectedAccount(page)).toContainText('megan@contoso.test');
});

test('settings page - Classic: a wrong password is explained, the right one connects', async ({ page }) => {
  await visit(page);
  await switchOn(page);
  await page.getByRole('radio', { name: en.methodClassic }).check();
  await expect(page.getByTestId('classic-warning')).toContainText(en.classicLimitRooms);
  await page.getByRole('textbox', { name: en.classicEmailLabel }).fill('adele@contoso.test');
  await page.getByLabel(en.classicPasswordLabel).fill('wrong-password');
  await page.getByRole('button', { name: en.connect, exact: true }).click();
  await expect(pageError(page)).toContainText(ERROR_CATALOGUE.BAD_CREDENTIALS.title.en);
  await expect(state(page)).toHaveText(en.stateNotConnected);
  await page.getByLabel(en.classicPasswordLabel).fill('dev-password');
  await page.getByRole('button', { name: en.connect, exact: true }).click();
  await expect(connectedAccount(page)).toContainText('adele@contoso.test');
  await expect(page.getByTestId('connected-method')).toHaveText(en.methodClassicShort);
  await expect(state(page)).toHaveText(en.stateSending);
});

test('settings page - a visitor who is not a catalog admin sees a neutral summary and the owners to ask (issue 14 point 5)', async ({ page }) => {
  await visit(page);
  await connectModern(page, 'adele@contoso.test');
  // The page says so once the connection and the settings (the switch, in the list) are saved.
  await expect(page.getByText(en.connectedNotice)).toBeVisible();
  await visit(page, { user: 'nestor' });
  const visitor = page.getByTestId('visitor-view');
  await expect(visitor).toContainText(en.visitorHeading);
  await expect(page.getByTestId('visitor-state')).toHaveText(en.stateSending);
  await expect(page.getByTestId('visitor-account')).toHaveText('adele@contoso.test');
  await expect(page.getByTestId('visitor-owners')).toContainText('adele@contoso.test');
  await expect(page.getByTestId('visitor-owners')).toContainText('megan@contoso.test');
  await expect(page.getByText(ERROR_CATALOGUE.NOT_CATALOG_ADMIN.title.en)).toHaveCount(0);
  await expect(page.getByTestId('connection-settings').getByRole('switch')).toHaveCount(0);
  await expect(page.getByTestId('connection-settings').getByRole('button')).toHaveCount(0);
  await expectAccessible(page);
});

test('settings page - a form column of at most 640 px, buttons that do not wrap at 320 px (issue 14 point 6)', async ({ page }) => {
  await visit(page);
  await switchOn(page);
  // Measured once the form is whole (its lazily loaded parts in, not their spinners).
  const settled = async (): Promise<void> => {
    await expect(page.getByRole('radio', { name: en.methodModern })).toBeVisible();
    await expect(page.getByText(en.loading)).toHaveCount(0);
  };
  await settled();
  const column = await page.getByTestId('connection-settings').boundingBox();
  expect(column && column.width).toBeLessThanOrEqual(640);
  await page.setViewportSize({ width: 320, height: 800 });
  await settled();
  for (const name of [en.connect, en.cancel]) {
    const button = page.getByRole('button', { name, exact: true });
    const box = await button.boundingBox();
    expect(box && box.height, name).toBeLessThanOrEqual(40);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test('settings page - Disconnect names the account and waiting mail, starts on the safe choice and returns the focus (issue 14 point 6)', async ({ page }) => {
  await visit(page);
  await connectModern(page, 'adele@contoso.test');
  const trigger = summary(page).getByRole('button', { name: en.disconnect });
  await trigger.click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText('Disconnect adele@contoso.test?');
  await expect(dialog).toContainText(en.disconnectDialogText);
  await expect(dialog.getByRole('button', { name: en.disconnectKeep })).toBeFocused();
  await expectAccessible(page);
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(trigger).toBeFocused();
  await expect(connectedAccount(page)).toContainText('adele@contoso.test');
  await trigger.click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Disconnect adele@contoso.test' }).click();
  await expect(page.getByTestId('page-notice')).toContainText(en.disconnected);
  // The trigger went with the connection: the focus goes to what happened, not to the page's start.
  await expect(page.getByTestId('page-notice')).toBeFocused();
  await expect(state(page)).toHaveText(en.stateNotConnected);
  // Which account went, by whom: on the page now and on the next visit.
  await expect(page.getByTestId('disconnected-by')).toContainText('adele@contoso.test was disconnected by adele@contoso.test on ');
  await visit(page);
  await expect(page.getByTestId('connected-view')).toHaveCount(0);
  await expect(page.getByTestId('disconnected-by')).toContainText('adele@contoso.test was disconnected by adele@contoso.test on ');
});

test('settings page - Japanese: different words for the lost state and for Disconnect, full-width punctuation, a Japanese close label (issue 14 point 7)', async ({ page }) => {
  await visit(page, { lang: 'ja' });
  await connectModern(page, 'adele@contoso.test', { strings: ja });
  await expect(state(page)).toHaveText(ja.stateSending);
  await summary(page).getByRole('button', { name: ja.disconnect }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText('adele@contoso.test の接続を解除しますか？');
  await dialog.getByRole('button', { name: ja.disconnectKeep }).click();
  await fault('revoke-refresh-tokens', { user: 'adele@contoso.test' });
  await visit(page, { lang: 'ja' });
  await expect(state(page)).toHaveText('接続切れ');
  // Read once the reason (a lazily loaded part) and every other part are in, not their spinners.
  await expect(page.getByTestId('lost-reason')).toContainText(ERROR_CATALOGUE.TOKEN_REVOKED.title.ja);
  await expect(page.getByText(ja.loading)).toHaveCount(0);
  const text = await page.getByTestId('connection-settings').innerText();
  expect(text).not.toContain('切断');
  expect(text).not.toMatch(/。 /);
  expect(text).not.toMatch(/[ぁ-んァ-ン一-龥][():]/);
  // Lines break between phrases (Chromium's auto-phrase), with the strict rules for what may start a line.
  const css = await page.getByTestId('connection-settings').evaluate((el) => {
    const style = getComputedStyle(el.parentElement as HTMLElement);
    return [style.wordBreak, style.lineBreak];
  });
  expect(css).toEqual(['auto-phrase', 'strict']);
  await expectAccessible(page);
});

test('settings page - modern connect with the user consenting for themself, then a test email arrives', async ({ page, context }) => {
  await visit(page);
  const { sawConsentPage } = await connectModern(page, 'adele@contoso.test');
  expect(sawConsentPage).toBe(true);
  await expect(connectedAccount(page)).toContainText('adele@contoso.test');
  const change = page.getByRole('button', { name: en.changeAccount });
  await expect(change).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByText(en.permissionMailSend)).toHaveCount(0);
  await change.click();
  await expect(page.getByText(en.permissionMailSend)).toBeVisible();
  await expect(page.getByRole('button', { name: en.connect, exact: true })).toBeEnabled();
  await change.click();
  await page.getByRole('textbox', { name: en.testEmailRecipient }).fill('alex@contoso.test');
  await page.getByRole('button', { name: en.testEmailSend }).click();
  await expect(page.getByTestId('test-email-result')).toContainText('alex@contoso.test');
  const opened = context.waitForEvent('page');
  await page.getByRole('link', { name: 'Mailbox viewer' }).click();
  const viewer = await opened;
  await viewer.getByRole('link', { name: 'alex@contoso.test' }).click();
  await expect(viewer.getByText('LMS Microsoft 365 connection test').first()).toBeVisible();
  await shot(viewer, 'mailbox-viewer');
});

test('settings page - a tenant admin consents for the organisation; a second catalog then connects with no consent page', async ({ page }) => {
  await visit(page, { user: 'megan' });
  await switchOn(page);
  const option = page.getByRole('checkbox', { name: en.orgConsentLabel });
  await expect(option).toHaveCount(1);
  await page.getByText(en.orgConsentLabel).click();
  await expect(option).toBeChecked();
  await expectAccessible(page);
  await connectModern(page, 'megan@contoso.test', { orgConsentBox: true });
  await expect(connectedAccount(page)).toContainText('megan@contoso.test');
  await visit(page, { user: 'alex', catalog: 'catalog-b' });
  await switchOn(page);
  await expect(page.getByText(en.orgConsentGranted)).toBeVisible();
  const second = await connectModern(page, 'alex@contoso.test');
  expect(second.sawConsentPage).toBe(false);
  await expect(connectedAccount(page)).toContainText('alex@contoso.test');
});

test('settings page - Cancel restores the stored state', async ({ page }) => {
  await visit(page);
  await switchOn(page);
  await page.getByRole('radio', { name: en.methodClassic }).check();
  await expect(page.getByTestId('unsaved')).toBeVisible();
  await page.getByRole('button', { name: en.cancel, exact: true }).click();
  await expect(page.getByRole('switch', { name: en.masterSwitchLabel })).not.toBeChecked();
  await expect(page.getByRole('radio', { name: en.methodModern })).toHaveCount(0);
  await expect(page.getByTestId('unsaved')).toHaveCount(0);
});

test('settings page - works from the keyboard alone', async ({ page }) => {
  await visit(page);
  const toggle = page.getByRole('switch', { name: en.masterSwitchLabel });
  await toggle.focus();
  await page.keyboard.press('Space');
  await expect(toggle).toBeChecked();
  // The method's part is a lazily loaded chunk (fetched at mount, but a loaded CI machine can still
  // be fetching it): a keyboard user tabs on once it is on the page, as they see it appear.
  const modern = page.getByRole('radio', { name: en.methodModern });
  await expect(modern).toBeVisible();
  await expect(toggle).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(modern).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('radio', { name: en.methodClassic })).toBeChecked();
  await expect(page.getByRole('textbox', { name: en.classicEmailLabel })).toBeVisible();
  const cancel = page.getByRole('button', { name: en.cancel, exact: true });
  for (let presses = 0; presses < 40 && !(await cancel.evaluate((el) => el === document.activeElement)); presses++) {
    await page.keyboard.press('Tab');
  }
  await expect(cancel).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(toggle).not.toBeChecked();
  // Cancel went disabled under the focus: its notice takes it, not the page's start.
  await expect(page.getByTestId('page-notice')).toContainText(en.changesDiscarded);
  await expect.poll(() => page.evaluate(() => !!document.activeElement && !!document.activeElement.closest('[data-testid="page-notice"]'))).toBe(true);
});

test('settings page - a revoked refresh token shows the loss on the next visit (the page checks the connection itself); Reconnect makes it healthy', async ({ page }) => {
  await visit(page);
  await connectModern(page, 'adele@contoso.test');
  await expect(state(page)).toHaveText(en.stateSending);
  await fault('revoke-refresh-tokens', { user: 'adele@contoso.test' });
  await visit(page);
  await expect(state(page)).toHaveText(en.stateLost);
  await expect(page.getByTestId('lost-reason')).toContainText(ERROR_CATALOGUE.TOKEN_REVOKED.title.en);
  await expect(page.getByText(en.checkingConnection)).toHaveCount(0);
  await expect(page.getByRole('button', { name: en.connect, exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: en.reconnect })).toHaveCount(1);
  await signInInPopup(page, () => summary(page).getByRole('button', { name: en.reconnect }).click(), 'adele@contoso.test');
  await expect(state(page)).toHaveText(en.stateSending);
  await expect(page.getByTestId('lost-reason')).toHaveCount(0);
});

test('settings page - an alert recipient picked from the directory is saved and shown in the summary after a reload', async ({ page }) => {
  await visit(page);
  await connectModern(page, 'adele@contoso.test');
  const picker = page.getByRole('combobox', { name: en.alertRecipientsLabel });
  await picker.fill('me');
  const megan = page.getByRole('option', { name: 'Megan Bowen megan@contoso.test', exact: true });
  await expect(megan).toBeVisible();
  await expectAccessible(page, [FLUENT_SUGGESTIONS_LIVE_REGION]);
  await picker.press('Enter');
  await page.getByRole('button', { name: en.save }).click();
  await expect(page.getByTestId('page-notice')).toContainText(en.saved);
  await visit(page);
  const settings = page.getByTestId('connection-settings');
  await expect(settings.getByRole('listitem').filter({ hasText: 'megan@contoso.test' })).toHaveCount(1);
  await expect(page.getByTestId('alerts-to')).toHaveText('megan@contoso.test');
});

test('settings page - the preview\'s reset to the fixture also resets the connection the page shows (issue 14 point 9)', async ({ page, context }) => {
  await visit(page);
  await connectModern(page, 'adele@contoso.test');
  await expect(state(page)).toHaveText(en.stateSending);
  const opened = context.waitForEvent('page');
  await page.getByRole('link', { name: 'Fault controls' }).click();
  const faults = await opened;
  await faults.getByRole('button', { name: 'Reset everything to the fixture' }).click();
  await expect(faults.locator('#result')).toContainText('reset');
  await faults.close();
  await visit(page);
  await expect(state(page)).toHaveText(en.stateNotConnected);
  await expect(page.getByRole('switch', { name: en.masterSwitchLabel })).not.toBeChecked();
  await expect(page.getByTestId('connected-view')).toHaveCount(0);
});

for (const theme of ['teams-default', 'teams-dark', 'teams-contrast'] as const) {
  test(`settings page - Teams theme ${theme} is accessible`, async ({ page }) => {
    await visit(page, { theme });
    await switchOn(page);
    await page.getByRole('radio', { name: en.methodClassic }).check();
    await expect(page.getByText(en.classicRetirementTitle)).toBeVisible();
    await expectAccessible(page);
  });
}
