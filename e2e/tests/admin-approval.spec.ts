import { expect, test, type Browser, type Page } from '@playwright/test';
import en from '../../src/webparts/connectionSettings/loc/en-us';
import { connectModern, expectAccessible, resetWorld, shot, switchOn, TENANT, visit } from '../support/helpers';

/** Issue 13 point 1 / R-MOD-5: rooms (Place.Read.All) wait for a tenant admin; nothing else does. */
test.beforeEach(async () => {
  await resetWorld();
});

const notice = (page: Page) => page.getByTestId('admin-approval-notice');

async function connectAs(page: Page, upn: string, orgConsentBox = false): Promise<void> {
  await connectModern(page, upn, { orgConsentBox });
  await expect(page.getByTestId('connected-account')).toContainText(upn);
}

/** Opens a link in a fresh browser context, signs in there as `upn` and submits the form that follows. */
async function signInAndSubmit(browser: Browser, url: string, upn: string, expectHeading: string): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const tab = await context.newPage();
  await tab.goto(url);
  await tab.locator('#username').fill(upn);
  await tab.locator('#password').fill('dev-password');
  await tab.locator('#idSIButton9').click();
  await expect(tab.getByRole('heading', { level: 1 })).toHaveText(expectHeading);
  await tab.locator('#idSIButton9').click();
  return tab;
}

test('rooms - no org consent, an ordinary catalog admin: told before sign-in who approves rooms; connects and sends without them', async ({ page }) => {
  await visit(page);
  // The method and its sign-in part (with the notice beside the consent option) appear once sending is on.
  await switchOn(page);
  await expect(notice(page)).toContainText(en.roomsApprovalTitle);
  await expect(notice(page).getByTestId('tenant-admins')).toContainText('Megan Bowen');
  // The address sits in its brackets with no gap (MessageBar pads a span's last link on its left).
  const admin = notice(page).getByTestId('tenant-admins').getByRole('link', { name: 'megan@contoso.test' });
  expect(await admin.evaluate((a) => getComputedStyle(a).paddingLeft)).toBe('0px');
  await expect(page.getByRole('textbox', { name: en.roomsConsentLinkLabel })).toHaveValue(/\/v2\.0\/adminconsent\?client_id=/);
  await shot(page, '40-rooms-need-admin');
  await expectAccessible(page);
  await connectAs(page, 'adele@contoso.test');
  await expect(page.getByTestId('status-state')).toHaveText(en.stateSending);
  await expect(notice(page)).toContainText(en.roomsApprovalTitle);
  await page.getByRole('textbox', { name: en.testEmailRecipient }).fill('alex@contoso.test');
  await page.getByRole('button', { name: en.testEmailSend }).click();
  await expect(page.getByTestId('test-email-result')).toContainText('alex@contoso.test');
});

test('rooms - org consent granted by a tenant admin: no approval notice, rooms available', async ({ page }) => {
  await visit(page, { user: 'megan' });
  await switchOn(page);
  await page.getByText(en.orgConsentLabel).click();
  await connectAs(page, 'megan@contoso.test', true);
  await visit(page, { user: 'alex', catalog: 'catalog-b' });
  await switchOn(page);
  await expect(page.getByTestId('rooms-available')).toHaveText(en.roomsAvailable);
  await expect(notice(page)).toHaveCount(0);
});

test('rooms - consent request pending, then granted later: the request is sent from the page; the admin\'s consent makes rooms appear', async ({ page, browser }) => {
  const on = await fetch(`${TENANT()}/_admin/faults/admin-consent-workflow`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true }) });
  expect(on.ok).toBe(true);
  await visit(page);
  await connectAs(page, 'adele@contoso.test');
  const request = page.getByRole('link', { name: en.roomsRequestApproval });
  const requestUrl = await request.getAttribute('href') as string;
  const sent = await signInAndSubmit(browser, requestUrl, 'adele@contoso.test', 'Approval required');
  await expect(sent.locator('#request-sent')).toBeVisible();
  await sent.context().close();

  await visit(page);
  await expect(notice(page).getByTestId('request-pending')).toHaveText(en.roomsRequestPending);
  await shot(page, '41-rooms-request-pending');

  const link = await page.getByRole('textbox', { name: en.roomsConsentLinkLabel }).inputValue();
  const granted = await signInAndSubmit(browser, link, 'megan@contoso.test', 'Permissions requested');
  await expect(granted.getByRole('heading', { level: 1 })).toHaveText('Consent granted.');
  // The landing's stylesheet runs under its CSP in a real browser (its nonce): the status colour shows.
  expect(await granted.locator('main').evaluate((m) => [getComputedStyle(m).borderLeftWidth, getComputedStyle(m).borderLeftColor])).toEqual(['4px', 'rgb(16, 124, 16)']);
  await expectAccessible(granted);
  await shot(granted, '43-admin-consent-granted');
  await granted.context().close();

  await visit(page);
  await expect(page.getByTestId('rooms-available')).toHaveText(en.roomsAvailable);
  await expect(notice(page)).toHaveCount(0);
  await shot(page, '42-rooms-available');
});
