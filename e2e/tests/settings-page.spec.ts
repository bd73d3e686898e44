import { expect, test, type Page } from '@playwright/test';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import en from '../../src/webparts/connectionSettings/loc/en-us';
import ja from '../../src/webparts/connectionSettings/loc/ja-jp';
import { expectAccessible, FLUENT_SUGGESTIONS_LIVE_REGION, resetWorld, shot, signInInPopup, visit } from '../support/helpers';

test.beforeEach(async () => {
  await resetWorld();
});

const connectedAccount = (page: Page) => page.getByTestId('connected-account');
const health = (page: Page) => page.getByTestId('connected-health');
const pageError = (page: Page) => page.getByTestId('page-error');

async function connectModern(page: Page, upn: string, options: { consent?: 'accept' | 'cancel'; orgConsentBox?: boolean; strings?: typeof en } = {}): Promise<{ sawConsentPage: boolean }> {
  const strings = options.strings || en;
  return signInInPopup(page, () => page.getByRole('button', { name: strings.connect, exact: true }).click(), upn, options);
}

test('settings page - first visit shows the off switch, Modern pre-selected, permissions and requirements', async ({ page }) => {
  await visit(page);
  await expect(page.getByRole('switch', { name: en.masterSwitchLabel })).not.toBeChecked();
  await expect(page.getByRole('radio', { name: en.methodModern })).toBeChecked();
  await expect(page.getByText(en.masterSwitchOffHint)).toBeVisible();
  await expect(page.getByText(en.permissionMailSend)).toBeVisible();
  await expect(page.getByText(en.requirementNotShared)).toBeVisible();
  await expect(page.getByText(en.orgConsentNotGranted)).toBeVisible();
  await expect(page.getByRole('checkbox', { name: en.orgConsentLabel })).toHaveCount(0);
  await expect(page.getByRole('button', { name: en.save })).toBeVisible();
  await expect(page.getByRole('button', { name: en.cancel })).toBeDisabled();
  await shot(page, '01-first-visit');
  await expectAccessible(page);
});

test('settings page - modern connect with the user consenting for themself, then a test email arrives', async ({ page, context }) => {
  await visit(page);
  const { sawConsentPage } = await connectModern(page, 'adele@contoso.test');
  expect(sawConsentPage).toBe(true);
  await expect(connectedAccount(page)).toContainText('adele@contoso.test');
  await expect(health(page)).toHaveText(en.healthConnected);
  // Connected: what is only needed to make a connection is folded behind Change account.
  const change = page.getByRole('button', { name: en.changeAccount });
  await expect(change).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByText(en.permissionMailSend)).toHaveCount(0);
  await expect(page.getByRole('button', { name: en.connect, exact: true })).toHaveCount(0);
  await shot(page, '02-connected');
  await expectAccessible(page);
  await change.click();
  await expect(change).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByText(en.permissionMailSend)).toBeVisible();
  await expect(page.getByRole('button', { name: en.connect, exact: true })).toBeEnabled();
  await shot(page, '02b-change-account');
  await expectAccessible(page);
  await change.click();
  await expect(page.getByText(en.permissionMailSend)).toHaveCount(0);

  await page.getByRole('textbox', { name: en.testEmailRecipient }).fill('alex@contoso.test');
  await page.getByRole('button', { name: en.testEmailSend }).click();
  await expect(page.getByTestId('test-email-result')).toContainText('alex@contoso.test');
  await shot(page, '03-test-email-sent');

  const opened = context.waitForEvent('page');
  await page.getByRole('link', { name: 'Mailbox viewer' }).click();
  const viewer = await opened;
  await viewer.getByRole('link', { name: 'alex@contoso.test' }).click();
  await expect(viewer.getByText('LMS Microsoft 365 connection test').first()).toBeVisible();
  await expect(viewer.getByText('adele@contoso.test').first()).toBeVisible();
  await shot(viewer, '04-mailbox-viewer');
});

test('settings page - a tenant admin consents for the organisation; a second catalog then connects with no consent page', async ({ page }) => {
  await visit(page, { user: 'megan' });
  const option = page.getByRole('checkbox', { name: en.orgConsentLabel });
  await expect(option).toHaveCount(1);
  await page.getByText(en.orgConsentLabel).click();
  await expect(option).toBeChecked();
  await shot(page, '05-org-consent-option');
  await expectAccessible(page);
  await connectModern(page, 'megan@contoso.test', { orgConsentBox: true });
  await expect(connectedAccount(page)).toContainText('megan@contoso.test');

  await visit(page, { user: 'alex', catalog: 'catalog-b' });
  await expect(page.getByText(en.orgConsentGranted)).toBeVisible();
  const second = await connectModern(page, 'alex@contoso.test');
  expect(second.sawConsentPage).toBe(false);
  await expect(connectedAccount(page)).toContainText('alex@contoso.test');
  await shot(page, '06-second-catalog-no-consent');
});

for (const [upn, code, name] of [
  ['training@contoso.test', 'SHARED_MAILBOX', '07-shared-mailbox'],
  ['noah@contoso.test', 'MAILBOX_NOT_FOUND', '08-no-mailbox']
] as const) {
  test(`settings page - ${code} is rejected after sign-in with its remedy`, async ({ page }) => {
    await visit(page);
    await connectModern(page, upn);
    await expect(pageError(page)).toContainText(ERROR_CATALOGUE[code].title.en);
    await expect(pageError(page)).toContainText(ERROR_CATALOGUE[code].remedy.en);
    await expect(page.getByTestId('connected-view')).toHaveCount(0);
    await shot(page, name);
    await expectAccessible(page);
  });
}

test('settings page - SMTP AUTH disabled is explained when the SMTP transport is chosen', async ({ page }) => {
  await visit(page);
  await page.getByRole('radio', { name: en.transportSmtp }).check();
  await expect(page.getByText(en.requirementSmtpAuth)).toBeVisible();
  await connectModern(page, 'pradeep@contoso.test');
  await expect(pageError(page)).toContainText(ERROR_CATALOGUE.SMTP_AUTH_DISABLED.title.en);
  await expect(pageError(page)).toContainText(ERROR_CATALOGUE.SMTP_AUTH_DISABLED.remedy.en);
  await shot(page, '09-smtp-auth-disabled');
});

test('settings page - Classic: a wrong password is explained, the right one connects', async ({ page }) => {
  await visit(page);
  await page.getByRole('radio', { name: en.methodClassic }).check();
  await expect(page.getByText(en.classicRetirementTitle)).toBeVisible();
  await expect(page.getByText(en.classicLimitRooms)).toBeVisible();
  await shot(page, '10-classic-form');
  await expectAccessible(page);
  await page.getByRole('textbox', { name: en.classicEmailLabel }).fill('adele@contoso.test');
  await page.getByLabel(en.classicPasswordLabel).fill('wrong-password');
  await page.getByRole('button', { name: en.save }).click();
  await expect(pageError(page)).toContainText(ERROR_CATALOGUE.BAD_CREDENTIALS.title.en);
  await shot(page, '11-classic-wrong-password');
  await page.getByLabel(en.classicPasswordLabel).fill('dev-password');
  await page.getByRole('button', { name: en.save }).click();
  await expect(connectedAccount(page)).toContainText('adele@contoso.test');
  await expect(page.getByTestId('connected-method')).toHaveText(en.methodClassicShort);
  await shot(page, '12-classic-connected');
});

test('settings page - Cancel restores the stored state and unsaved changes are marked', async ({ page }) => {
  await visit(page);
  await page.getByRole('switch', { name: en.masterSwitchLabel }).click();
  await page.getByRole('radio', { name: en.methodClassic }).check();
  await expect(page.getByTestId('unsaved')).toBeVisible();
  await expect(page.getByTestId('changed-mark')).toHaveCount(2);
  await shot(page, '13-unsaved-changes');
  await expectAccessible(page);
  await page.getByRole('button', { name: en.cancel }).click();
  await expect(page.getByRole('switch', { name: en.masterSwitchLabel })).not.toBeChecked();
  await expect(page.getByRole('radio', { name: en.methodModern })).toBeChecked();
  await expect(page.getByTestId('unsaved')).toHaveCount(0);
});

test('settings page - works from the keyboard alone', async ({ page }) => {
  await visit(page);
  const toggle = page.getByRole('switch', { name: en.masterSwitchLabel });
  await toggle.focus();
  await page.keyboard.press('Space');
  await expect(toggle).toBeChecked();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('radio', { name: en.methodModern })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('radio', { name: en.methodClassic })).toBeChecked();
  await expect(page.getByRole('textbox', { name: en.classicEmailLabel })).toBeVisible();
  const cancel = page.getByRole('button', { name: en.cancel });
  for (let presses = 0; presses < 40 && !(await cancel.evaluate((el) => el === document.activeElement)); presses++) {
    await page.keyboard.press('Tab');
  }
  await expect(cancel).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(toggle).not.toBeChecked();
  await expect(page.getByRole('radio', { name: en.methodModern })).toBeChecked();
});

test('settings page - the master switch is saved to the settings list and survives a reload', async ({ page }) => {
  await visit(page);
  await connectModern(page, 'adele@contoso.test');
  await expect(health(page)).toHaveText(en.healthConnected);
  await page.getByRole('switch', { name: en.masterSwitchLabel }).click();
  await page.getByRole('button', { name: en.save }).click();
  await expect(page.getByTestId('page-notice')).toContainText(en.saved);
  await visit(page);
  await expect(page.getByRole('switch', { name: en.masterSwitchLabel })).toBeChecked();
});

test('settings page - Disconnect cancelled keeps the connection, confirmed removes it', async ({ page }) => {
  await visit(page);
  await connectModern(page, 'adele@contoso.test');
  await expect(connectedAccount(page)).toContainText('adele@contoso.test');
  await page.getByRole('button', { name: en.disconnect }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText(en.disconnectDialogText);
  await shot(page, '14-disconnect-dialog');
  await expectAccessible(page);
  await dialog.getByRole('button', { name: en.disconnectKeep }).click();
  await expect(dialog).toHaveCount(0);
  await expect(connectedAccount(page)).toContainText('adele@contoso.test');
  await page.getByRole('button', { name: en.disconnect }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: en.disconnectConfirm }).click();
  await expect(page.getByTestId('page-notice')).toContainText(en.disconnected);
  await expect(page.getByTestId('connected-view')).toHaveCount(0);
  await visit(page);
  await expect(page.getByTestId('connected-view')).toHaveCount(0);
});

test('settings page - a revoked refresh token shows the lost banner on the next visit (the page checks the connection itself); Reconnect makes it healthy', async ({ page, context }) => {
  await visit(page);
  await connectModern(page, 'adele@contoso.test');
  await expect(health(page)).toHaveText(en.healthConnected);

  const openedFaults = context.waitForEvent('page');
  await page.getByRole('link', { name: 'Fault controls' }).click();
  const faults = await openedFaults;
  const form = faults.locator('form[data-fault="revoke-refresh-tokens"]');
  await form.locator('select').selectOption('adele@contoso.test');
  await form.getByRole('button', { name: 'Apply' }).click();
  await expect(faults.locator('#result')).toContainText('revoked');
  await faults.close();

  // Nothing asks the API to check before the next visit: the page does it when it opens.
  await visit(page);
  const banner = page.getByTestId('lost-banner');
  await expect(banner).toContainText(en.lostTitle);
  await expect(banner).toContainText(ERROR_CATALOGUE.TOKEN_REVOKED.title.en);
  await expect(health(page)).toHaveText(en.healthLost);
  await expect(page.getByText(en.checkingConnection)).toHaveCount(0);
  // One way back only: the banner's Reconnect, not a second Connect further down.
  await expect(page.getByRole('button', { name: en.connect, exact: true })).toHaveCount(0);
  await expect(page.getByText(en.permissionMailSend)).toHaveCount(0);
  await expect(page.getByRole('button', { name: en.changeAccount })).toHaveAttribute('aria-expanded', 'false');
  await shot(page, '15-connection-lost');
  await expectAccessible(page);
  await signInInPopup(page, () => banner.getByRole('button', { name: en.reconnect }).click(), 'adele@contoso.test');
  await expect(health(page)).toHaveText(en.healthConnected);
  await expect(page.getByTestId('lost-banner')).toHaveCount(0);
  await shot(page, '16-reconnected');
});

test('settings page - an alert recipient picked from the directory is saved to the settings list and survives a reload', async ({ page }) => {
  await visit(page);
  // Connected first: on a catalog without a connection, Save also starts a sign-in.
  await connectModern(page, 'adele@contoso.test');
  await expect(health(page)).toHaveText(en.healthConnected);
  const picker = page.getByRole('combobox', { name: en.alertRecipientsLabel });
  await picker.fill('me');
  // The suggestions come from the local tenant's Graph /users $filter search, through the preview.
  // Named with her address: the preview's user switcher has a "Megan Bowen" option of its own,
  // and the suggestions open in a layer outside the web part's element.
  const settings = page.getByTestId('connection-settings');
  const megan = page.getByRole('option', { name: 'Megan Bowen megan@contoso.test', exact: true });
  await expect(megan).toBeVisible();
  await expect(megan).toHaveAttribute('aria-selected', 'true');
  await shot(page, '21-people-picker-suggestions', { viewport: true });
  await expectAccessible(page, [FLUENT_SUGGESTIONS_LIVE_REGION]);
  // The first suggestion is the highlighted one: Enter picks it, as a keyboard user would.
  await picker.press('Enter');
  // The picker keeps addresses only (that is what the settings list stores), so Megan shows by hers.
  const picked = settings.getByRole('listitem').filter({ hasText: 'megan@contoso.test' });
  await expect(picked).toHaveCount(1);
  await expect(page.getByTestId('unsaved')).toBeVisible();
  await page.getByRole('button', { name: en.save }).click();
  await expect(page.getByTestId('page-notice')).toContainText(en.saved);

  await visit(page);
  // What the page shows after a reload is what it read back from the settings list.
  await expect(picked).toHaveCount(1);
  await expect(picked.getByRole('button', { name: `${en.peopleRemove} megan@contoso.test` })).toBeVisible();
  await expect(page.getByTestId('unsaved')).toHaveCount(0);
  await shot(page, '22-people-picker-saved');
  await expectAccessible(page);
});

test('settings page - a non-admin cannot change anything', async ({ page }) => {
  await visit(page, { user: 'nestor' });
  await expect(page.getByText(en.readOnly)).toBeVisible();
  await expect(pageError(page)).toContainText(ERROR_CATALOGUE.NOT_CATALOG_ADMIN.title.en);
  await expect(page.getByRole('switch', { name: en.masterSwitchLabel })).toBeDisabled();
  await expect(page.getByRole('radio', { name: en.methodClassic })).toBeDisabled();
  await expect(page.getByRole('button', { name: en.save })).toBeDisabled();
  await expect(page.getByRole('button', { name: en.connect, exact: true })).toHaveCount(0);
  await shot(page, '17-non-admin');
  await expectAccessible(page);
});

test('settings page - the whole connect flow in Japanese', async ({ page }) => {
  await visit(page, { lang: 'ja' });
  await expect(page.getByRole('heading', { name: ja.title })).toBeVisible();
  await expect(page.getByRole('radio', { name: ja.methodModern })).toBeChecked();
  await expect(page.getByText(ja.permissionMailSend)).toBeVisible();
  await shot(page, '18-ja-first-visit');
  await connectModern(page, 'adele@contoso.test', { strings: ja });
  await expect(health(page)).toHaveText(ja.healthConnected);
  await expect(page.getByTestId('connected-method')).toHaveText(ja.methodModernShort);
  await shot(page, '19-ja-connected');
  await expectAccessible(page);
});

for (const theme of ['teams-default', 'teams-dark', 'teams-contrast'] as const) {
  test(`settings page - Teams theme ${theme} is accessible`, async ({ page }) => {
    await visit(page, { theme });
    await page.getByRole('radio', { name: en.methodClassic }).check();
    await expect(page.getByText(en.classicRetirementTitle)).toBeVisible();
    await shot(page, `20-theme-${theme}`);
    await expectAccessible(page);
  });
}
