import { expect, test, type Page } from '@playwright/test';
import en from '../../src/webparts/connectionSettings/loc/en-us';
import ja from '../../src/webparts/connectionSettings/loc/ja-jp';
import { cancelNotification, deliveryCounts, expectAccessible, fault, lmsToken, queueNotification, resetWorld, shot, signInInPopup, visit, type Catalog, type Theme, type User } from '../support/helpers';

/**
 * Every state of the page, in English and Japanese, on SharePoint and in Teams dark at 400 px:
 * e2e/screenshots/<variant>-NN-<state>.png, numbered so a reviewer pages through them in order.
 * Each state is also checked with axe.
 *
 * A walk sets every state up in turn. Two walks run side by side in one test, each on its own
 * catalog with its own admin and browser context, so one waits for its sign-in, its reloads and its
 * pauses while the other computes (two CPUs): the English walks go through Adele on Catalog A, the
 * Japanese ones through Alex (locale ja-JP) on Catalog B. Nestor is a member, not an owner, of both.
 */
interface IVariant { name: string; lang: 'en' | 'ja'; theme: Theme; width: number }
interface IAdmin { user: User; upn: string; catalog: Catalog }

const ADELE: IAdmin = { user: 'adele', upn: 'adele@contoso.test', catalog: 'catalog-a' };
const ALEX: IAdmin = { user: 'alex', upn: 'alex@contoso.test', catalog: 'catalog-b' };

const PAIRS: Array<[IVariant & IAdmin, IVariant & IAdmin]> = [
  [{ name: 'en', lang: 'en', theme: 'sharepoint', width: 1100, ...ADELE }, { name: 'ja', lang: 'ja', theme: 'sharepoint', width: 1100, ...ALEX }],
  [{ name: 'en-teams-dark-400', lang: 'en', theme: 'teams-dark', width: 400, ...ADELE }, { name: 'ja-teams-dark-400', lang: 'ja', theme: 'teams-dark', width: 400, ...ALEX }]
];

// Each test starts from the fixture on its worker's own stack: the two workers share this file's tests.
test.describe.configure({ mode: 'parallel' });

test.beforeEach(async () => {
  await resetWorld();
});

async function everyState(page: Page, variant: IVariant & IAdmin): Promise<void> {
  const strings = variant.lang === 'ja' ? ja : en;
  const at = { lang: variant.lang, theme: variant.theme, catalog: variant.catalog, user: variant.user };
  await page.setViewportSize({ width: variant.width, height: 900 });
  const state = async (name: string): Promise<void> => {
    // Lazily loaded parts and delayed message-bar texts settle before the picture.
    await expect(page.getByText(strings.loading)).toHaveCount(0);
    await page.waitForTimeout(300);
    await shot(page, `${variant.name}-${name}`);
    await expectAccessible(page);
  };
  const summary = page.getByTestId('status-summary');

  await visit(page, at);
  await state('01-not-connected');
  await page.getByRole('switch', { name: strings.masterSwitchLabel }).click();
  await state('02-switch-on-modern');
  await page.getByRole('button', { name: strings.advancedLabel }).click();
  await state('03-advanced-transport');
  await page.getByRole('radio', { name: strings.methodClassic }).check();
  await expect(page.getByTestId('classic-warning')).toBeVisible();
  await state('04-classic');
  await page.getByRole('button', { name: strings.connect, exact: true }).click();
  await expect(page.getByText(strings.validationPasswordRequired)).toBeVisible();
  await state('05-classic-validation');
  await page.getByRole('radio', { name: strings.methodModern }).check();

  await signInInPopup(page, () => page.getByRole('button', { name: strings.connect, exact: true }).click(), 'training@contoso.test');
  await expect(page.getByTestId('page-error')).toBeVisible();
  await state('06-connect-error-shared-mailbox');

  await signInInPopup(page, () => page.getByRole('button', { name: strings.connect, exact: true }).click(), variant.upn);
  await expect(page.getByTestId('status-state')).toHaveText(strings.stateSending);
  await state('07-sending');
  await summary.getByRole('button', { name: strings.changeAccount }).click();
  await state('08-change-account');
  await summary.getByRole('button', { name: strings.changeAccount }).click();
  await page.getByRole('button', { name: strings.testEmailSend }).click();
  await expect(page.getByTestId('test-email-result')).toBeVisible();
  await state('09-test-email-sent');

  await page.getByRole('switch', { name: strings.masterSwitchLabel }).click();
  await state('10-unsaved-change');
  await page.getByRole('button', { name: strings.save }).click();
  await expect(page.getByTestId('status-state')).toHaveText(strings.statePaused);
  await state('11-paused');
  await page.getByRole('switch', { name: strings.masterSwitchLabel }).click();
  await page.getByRole('button', { name: strings.save }).click();
  await expect(page.getByTestId('status-state')).toHaveText(strings.stateSending);

  await fault('revoke-refresh-tokens', { user: variant.upn });
  await visit(page, at);
  await expect(page.getByTestId('status-state')).toHaveText(strings.stateLost);
  // The LMS keeps queueing while the connection is lost: the recent deliveries call the held items out.
  await page.getByTestId('lms-panel').getByRole('button', { name: 'Queue one notification' }).click();
  await expect(page.getByTestId('lms-item-status')).toHaveText('held');
  // ... and cancels one it no longer needs: listed as cancelled, with why.
  // (The walk before this one on the same stack may have cancelled one too: counted from what is there.)
  const lms = await lmsToken();
  const cancelledBefore = (await deliveryCounts(variant.upn, variant.catalog)).cancelled;
  const calledOff = await queueNotification(lms, variant.catalog, { to: ['learner1@contoso.test'], subject: variant.lang === 'ja' ? '説明会のご案内（中止）' : 'Info session (called off)', text: 'x' });
  expect(await cancelNotification(lms, variant.catalog, calledOff)).toBe('cancelled');
  await page.getByTestId('deliveries-panel').getByRole('button', { name: strings.deliveriesRefresh }).click();
  await expect(page.getByTestId('deliveries-held')).toBeVisible();
  await expect(page.locator(`[data-testid="delivery-item"][data-id="${calledOff}"]`).getByTestId('delivery-status')).toHaveText(strings.deliveryStatusCancelled);
  await expect(page.getByTestId('deliveries-count-cancelled').locator('.lms-delivery-count-value')).toHaveText(String(cancelledBefore + 1));
  await state('12-lost-reconnect');
  await signInInPopup(page, () => summary.getByRole('button', { name: strings.reconnect }).click(), variant.upn);
  await expect(page.getByTestId('status-state')).toHaveText(strings.stateSending);

  await fault('remove-mailbox', { user: variant.upn });
  await visit(page, at);
  await expect(page.getByTestId('status-state')).toHaveText(strings.stateLost);
  await state('13-lost-needs-an-admin');

  await summary.getByRole('button', { name: strings.disconnect }).click();
  // The dialog element itself has no box (its layer's children are fixed): its buttons do.
  await expect(page.getByRole('alertdialog').getByRole('button', { name: strings.disconnectKeep })).toBeVisible();
  await state('14-disconnect-dialog');
  await page.getByRole('alertdialog').getByRole('button', { name: strings.disconnectKeep }).click();
  await summary.getByRole('button', { name: strings.disconnect }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: strings.disconnectConfirm.replace('{0}', variant.upn), exact: true }).click();
  await expect(page.getByTestId('status-state')).toHaveText(strings.stateNotConnected);
  await state('15-disconnected');

  await visit(page, { ...at, user: 'nestor' });
  await expect(page.getByTestId('visitor-view')).toBeVisible();
  await state('16-not-an-admin');
}

for (const [first, second] of PAIRS) {
  test(`screenshots - every state of the page, ${first.name} and ${second.name}`, async ({ page, browser }) => {
    test.setTimeout(300_000);
    // Its own context: its own sign-in cookies at the tenant, as another person's browser would have.
    const other = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: second.width, height: 900 } });
    try {
      await Promise.all([everyState(page, first), everyState(await other.newPage(), second)]);
    } finally {
      await other.close();
    }
  });
}

/** Also a tenant admin's first visit, with the organisation consent option. */
test('screenshots - the organisation consent option for a tenant admin', async ({ page }) => {
  for (const lang of ['en', 'ja'] as const) {
    const strings = lang === 'ja' ? ja : en;
    await visit(page, { user: 'megan', lang });
    await page.getByRole('switch', { name: strings.masterSwitchLabel }).click();
    await expect(page.getByRole('checkbox', { name: strings.orgConsentLabel })).toBeVisible();
    await shot(page, `${lang}-17-org-consent-option`);
    await expectAccessible(page);
  }
});

/** The same page in Teams' other themes, for the disabled-button and contrast review. */
for (const theme of ['teams-default', 'teams-contrast'] as const) {
  test(`screenshots - ${theme}, connected and busy`, async ({ page }: { page: Page }) => {
    await visit(page, { theme });
    await signInInPopup(page, async () => {
      await page.getByRole('switch', { name: en.masterSwitchLabel }).click();
      await page.getByRole('button', { name: en.connect, exact: true }).click();
    }, 'adele@contoso.test');
    await expect(page.getByTestId('status-state')).toHaveText(en.stateSending);
    await shot(page, `${theme}-07-sending`);
    await expectAccessible(page);
  });
}
