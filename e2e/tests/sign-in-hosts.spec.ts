import { expect, request, test } from '@playwright/test';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import en from '../../src/webparts/connectionSettings/loc/en-us';
import { adminToken, API, driveSignIn, PREVIEW, resetWorld, shot, signInInPopup, switchOn, TENANT, visit } from '../support/helpers';

/**
 * The two sign-in paths in real Chromium. A Teams client cannot run here, so the Teams test plays
 * the Teams host itself: a page on the API's origin (the only origin, besides Microsoft's, that
 * TeamsJS accepts messages from in this window) opens the sign-in window as Teams'
 * authentication.authenticate does and answers TeamsJS's initialize as the host would. Everything
 * else is real: the API's Teams start page, the local tenant's sign-in, the callback page under its
 * CSP, TeamsJS 2.x loaded from the API, its notifySuccess message and the window closing itself.
 */

test.beforeEach(async () => {
  await resetWorld();
});

/** The settings list, as the app's feature or the web part would create it: it makes the site a catalog (R-SEC-2). */
async function addSettingsList(site: string, owner: string): Promise<void> {
  const response = await fetch(`${TENANT()}/_admin/dev-token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: owner, resource: TENANT(), scopes: ['AllSites.Manage'] }) });
  const { access_token: token } = (await response.json()) as { access_token: string };
  const created = await fetch(`${site}/_api/web/lists`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json;odata=nometadata', 'Content-Type': 'application/json;odata=nometadata' },
    body: JSON.stringify({ Title: 'LmsM365Connection', BaseTemplate: 100, Hidden: true })
  });
  expect(created.status, await created.clone().text()).toBe(201);
}

/** Starts a Modern sign-in for the catalog as the web part does, with the nonce it keeps: the Microsoft sign-in's address. */
async function startModern(catalog: string, token: string, nonce: string): Promise<string> {
  const started = await fetch(`${API()}/v1/catalogs/${encodeURIComponent(catalog)}/connection/modern`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ orgConsent: false, transport: 'graph', origin: new URL(PREVIEW()).origin, nonce })
  });
  expect(started.status, await started.clone().text()).toBe(200);
  return ((await started.json()) as { authorizeUrl: string }).authorizeUrl;
}

test('sign-in in Teams - the start page, the Microsoft sign-in and the callback (TeamsJS from the API, under its CSP); the sign-in window lost Teams to COOP, so the tab asks the API and completes', async ({ page }) => {
  const catalog = `${TENANT()}/sites/catalog-a`;
  await addSettingsList(catalog, 'adele@contoso.test');
  const token = await adminToken('adele@contoso.test');
  // The nonce the web part's ConnectionApi keeps for this sign-in (R-SEC-1).
  const nonce = 'n'.repeat(43);
  const authorizeUrl = await startModern(catalog, token, nonce);

  // The host page must be on the API's origin and must not sever its popup (COOP same-origin, as
  // the API's JSON answers have): the callback page with no sign-in state is such a page.
  await page.goto(`${API()}/v1/auth/callback?state=teams-host`);
  const popupPromise = page.waitForEvent('popup');
  await page.evaluate((url: string) => {
    const host = window as unknown as { received: unknown[] };
    host.received = [];
    window.addEventListener('message', (event: MessageEvent) => {
      const data = event.data as { id: number; uuidAsString?: string; func?: string };
      host.received.push(data);
      if (data && data.func === 'initialize') {
        // Teams' answer: frame context, client type, runtime config (absent: TeamsJS derives it from the version), host SDK version.
        (event.source as Window).postMessage({ id: data.id, uuidAsString: data.uuidAsString, args: ['authentication', 'web', '2.0.0', '2.0.0'] }, event.origin);
      }
    });
    window.open(url, 'lms-m365-teams-auth', 'width=520,height=680');
  }, `${API()}/v1/auth/teams-start?authorize=${encodeURIComponent(authorizeUrl)}`);
  const popup = await popupPromise;
  // The callback page adds TeamsJS after it paints: waited for, so the checks below see it.
  const teamsJs = popup.waitForRequest(`${API()}/v1/auth/teams.js`);
  const scripts: string[] = [];
  const cspErrors: string[] = [];
  popup.on('request', (request) => { if (request.resourceType() === 'script') scripts.push(request.url()); });
  const consoleLines: string[] = [];
  popup.on('console', (message) => {
    consoleLines.push(message.text());
    if (/Content Security Policy/i.test(message.text())) cspErrors.push(message.text());
  });
  await driveSignIn(popup, 'adele@contoso.test', { leaveOpen: true }).catch((error: Error) => {
    throw new Error(`${error.message}; its console: ${consoleLines.join(' | ')}`);
  });

  // Microsoft's sign-in page (the local tenant's, like Entra's) sends Cross-Origin-Opener-Policy: the
  // window comes back with no opener, so TeamsJS in it cannot reach Teams and notifySuccess never
  // arrives. The tab asks the API how its sign-in ended instead (the web part does so in every host).
  await teamsJs;
  const received = await page.evaluate(() => (window as unknown as { received: Array<{ func?: string; args?: unknown[] }> }).received);
  expect(received.some((m) => m && m.func === 'authentication.authenticate.failure')).toBe(false);
  expect(scripts).toEqual([`${API()}/v1/auth/teams.js`]);
  const asked = await fetch(`${API()}/v1/catalogs/${encodeURIComponent(catalog)}/connection/modern/result`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ nonce })
  });
  const message = (await asked.json()) as { status: string; completion: string };
  expect(message).toEqual({ status: 'signed-in', completion: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
  // TeamsJS asks Microsoft's CDN for the current list of Teams origins; the callback page's CSP
  // refuses that fetch on purpose and TeamsJS falls back to the list it ships with. Nothing else.
  expect(cspErrors.filter((e) => !/res\.cdn\.office\.net\/teams-js\/validDomains/.test(e))).toEqual([]);

  // Signed in, not yet connected: the tab completes with its admin's token and nonce, as the web part does.
  const before = await fetch(`${API()}/v1/catalogs/${encodeURIComponent(catalog)}/connection`, { headers: { Authorization: `Bearer ${token}` } });
  expect(((await before.json()) as { account: unknown }).account).toBeNull();
  const completed = await fetch(`${API()}/v1/catalogs/${encodeURIComponent(catalog)}/connection/modern/complete`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ completion: message.completion, nonce })
  });
  expect(completed.status, await completed.clone().text()).toBe(200);
  expect(((await completed.json()) as { account: { email: string } | null }).account?.email).toBe('adele@contoso.test');
});

test('sign-in in SharePoint - a blocked pop-up\'s link opens the window; closed, the page goes on asking the API (a window that lost it to COOP reads closed too) until Cancel', async ({ page }) => {
  // The first window.open (inside Save/Connect) is refused as a popup blocker would; the link's is not.
  await page.addInitScript(() => {
    const open = window.open.bind(window);
    let refused = false;
    window.open = ((...args: Parameters<typeof window.open>) => {
      if (!refused) {
        refused = true;
        return null;
      }
      return open(...args);
    }) as typeof window.open;
  });
  await visit(page);
  await switchOn(page);
  await page.getByRole('button', { name: en.connect, exact: true }).click();
  // The notice and its link sit in the form's footer, beside the Connect that was refused.
  const link = page.getByTestId('form-footer').getByRole('link', { name: en.popupBlockedLink });
  await expect(link).toBeVisible();
  await expect(page.getByText(en.connecting)).toHaveCount(0);
  const asked: string[] = [];
  page.on('request', (request) => { if (request.url().endsWith('/connection/modern/result')) asked.push(request.url()); });
  const popupPromise = page.waitForEvent('popup');
  await link.click();
  const popup = await popupPromise;
  await expect(page.getByText(en.connecting)).toBeVisible();
  await expect(popup.locator('#username')).toBeVisible();
  const beforeClose = asked.length;
  await popup.close();
  // It asks every 2 s (skipping a turn while an answer is late): at least twice more, still connecting.
  await expect.poll(() => asked.length - beforeClose, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
  await expect(page.getByText(en.connecting)).toBeVisible();
  // A few seconds after the window read closed, the footer says what to do if it really is.
  await expect(page.getByTestId('sign-in-window-closed')).toContainText(en.signInWindowClosed, { timeout: 15_000 });
  await page.getByTestId('form-footer').getByRole('button', { name: en.cancelSignIn }).click();
  await expect(page.getByText(en.connecting)).toHaveCount(0);
  await expect(page.getByTestId('sign-in-window-closed')).toHaveCount(0);
  // Only the sign-in stopped: the switch turned on is still there, unsaved.
  await expect(page.getByRole('switch', { name: en.masterSwitchLabel })).toBeChecked();
});

test('sign-in in SharePoint - a browser that does not keep the API\'s cookie (here a proxy strips it) ends the sign-in at the start page, and the page says why at once instead of waiting', async ({ page }) => {
  // Fetched outside the browser (route.fetch would store the cookie in the browser's jar), answered without Set-Cookie.
  const outside = await request.newContext({ ignoreHTTPSErrors: true });
  await page.context().route(`${API()}/v1/auth/start**`, async (route) => {
    const response = await outside.get(route.request().url(), { maxRedirects: 0 });
    const headers = { ...response.headers() };
    delete headers['set-cookie'];
    await route.fulfill({ status: response.status(), headers, body: await response.body() });
  });
  await visit(page);
  await switchOn(page);
  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: en.connect, exact: true }).click();
  // The window posts the failure to the page and closes itself, as the callback page does.
  const popup = await popupPromise;
  await popup.waitForEvent('close', { timeout: 15_000 });
  await expect(page.getByTestId('page-error')).toContainText(ERROR_CATALOGUE.SIGN_IN_COOKIE_REFUSED.title.en, { timeout: 10_000 });
  await expect(page.getByText(en.connecting)).toHaveCount(0);
  await shot(page, 'sign-in-cookie-refused');
});

test('sign-in in SharePoint (R-SEC-1) - the popup hands the page a completion code and the page connects; the account is told who connected it', async ({ page }) => {
  await visit(page);
  await page.getByRole('switch', { name: en.masterSwitchLabel }).click();
  await signInInPopup(page, () => page.getByRole('button', { name: en.connect, exact: true }).click(), 'nestor@contoso.test');
  await expect(page.getByTestId('connected-account')).toContainText('nestor@contoso.test');
  const inbox = await (await fetch(`${TENANT()}/_admin/mailboxes/nestor@contoso.test/messages?folder=inbox`)).json() as { value: Array<{ subject: string; body: { content: string }; from: { address: string } }> };
  // The subject names the catalog by its site's path, the body by its URL.
  expect(inbox.value.map((m) => m.subject)).toEqual([expect.stringMatching(/^Your mailbox was connected to catalog "Catalog A" \(\/sites\/catalog-a\)( \/ |$)/)]);
  expect(inbox.value[0].body.content).toContain(`${TENANT()}/sites/catalog-a`);
});

test('sign-in link opened elsewhere (R-SEC-1) - the admin\'s window binds the sign-in to its browser (the API\'s start page sets a cookie); a colleague who signs in through the same link in their own browser is told it was started elsewhere and binds nothing; the admin\'s window then signs in', async ({ page, browser }) => {
  const catalog = `${TENANT()}/sites/catalog-a`;
  await addSettingsList(catalog, 'adele@contoso.test');
  const token = await adminToken('adele@contoso.test');
  const nonce = 'n'.repeat(43);
  const authorizeUrl = await startModern(catalog, token, nonce);
  const startUrl = `${API()}/v1/auth/start?authorize=${encodeURIComponent(authorizeUrl)}`;
  const result = async (): Promise<unknown> => (await fetch(`${API()}/v1/catalogs/${encodeURIComponent(catalog)}/connection/modern/result`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ nonce }) })).json();
  const signInAs = async (window: typeof page, user: string): Promise<void> => {
    await window.locator('#username').fill(user);
    await window.locator('#password').fill('dev-password');
    await window.locator('#idSIButton9').click();
    // Asked for consent when the account has no grant yet; isVisible would not wait for the page.
    if (await window.locator('#idBtn_Back').waitFor({ timeout: 5000 }).then(() => true, () => false)) {
      await window.locator('#idSIButton9').click();
    }
    await window.waitForURL(/\/v1\/auth\/callback/);
  };

  // The admin's window: through the start page to Microsoft's sign-in, with the API's cookie (a
  // __Host- cookie, Secure, which Chromium keeps for http://localhost too).
  await page.goto(startUrl);
  await expect(page.locator('#username')).toBeVisible();
  const cookies = await page.context().cookies(API());
  expect(cookies.map((c) => [c.name.replace(/-[A-Za-z0-9_-]{16}$/, '-*'), c.httpOnly, c.secure, c.sameSite, c.path])).toEqual([['__Host-lms-signin-*', true, true, 'Lax', '/']]);

  // The colleague's own browser: the link the admin passed on (the start page's or Microsoft's).
  const colleagueContext = await browser.newContext({ ignoreHTTPSErrors: true });
  const colleague = await colleagueContext.newPage();
  await colleague.goto(startUrl);
  await expect(colleague.locator('main code')).toHaveText('SIGN_IN_OTHER_BROWSER');
  await colleague.goto(authorizeUrl);
  await signInAs(colleague, 'lynne@contoso.test');
  await expect(colleague.locator('h1')).toHaveText(ERROR_CATALOGUE.SIGN_IN_OTHER_BROWSER.title.en);
  await expect(colleague.locator('form[action="confirm"]')).toHaveCount(0);
  await shot(colleague, 'sign-in-other-browser');
  await colleagueContext.close();
  expect(await result()).toEqual({ status: 'pending' });

  // The sign-in was left for the admin's window, which finishes it.
  await signInAs(page, 'adele@contoso.test');
  await expect(page.locator('main.ok h1')).toBeVisible();
  expect(await result()).toMatchObject({ status: 'signed-in', completion: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
});
