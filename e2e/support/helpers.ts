import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';
import type { DeliveriesBody } from '@lms-m365/contracts';
import AxeBuilder from '@axe-core/playwright';
import * as path from 'path';
import en from '../../src/webparts/connectionSettings/loc/en-us';

// globalSetup started one stack per worker: this worker takes its own (a spec may still point the
// E2E_* variables at a stack of its own, as connection-loss.spec.ts does).
if (process.env.E2E_STACKS && process.env.TEST_PARALLEL_INDEX !== undefined) {
  const stacks = JSON.parse(process.env.E2E_STACKS) as Array<{ tenantOrigin: string; apiBaseUrl: string; previewUrl: string }>;
  const mine = stacks[Number(process.env.TEST_PARALLEL_INDEX) % stacks.length];
  process.env.E2E_TENANT_ORIGIN = mine.tenantOrigin;
  process.env.E2E_API_BASE_URL = mine.apiBaseUrl;
  process.env.E2E_PREVIEW_URL = mine.previewUrl;
}

export const TENANT = (): string => process.env.E2E_TENANT_ORIGIN as string;
export const API = (): string => process.env.E2E_API_BASE_URL as string;
export const PREVIEW = (): string => process.env.E2E_PREVIEW_URL as string;

export type User = 'adele' | 'alex' | 'nestor' | 'megan';
export type Catalog = 'catalog-a' | 'catalog-b';
export type Theme = 'sharepoint' | 'teams-default' | 'teams-dark' | 'teams-contrast';

export interface IVisit {
  user?: User;
  catalog?: Catalog;
  lang?: 'en' | 'ja';
  theme?: Theme;
}

export function previewUrl(visit: IVisit = {}): string {
  const q = new URLSearchParams({
    user: `${visit.user || 'adele'}@contoso.test`,
    catalog: `/sites/${visit.catalog || 'catalog-a'}`,
    lang: visit.lang || 'en',
    theme: visit.theme || 'sharepoint'
  });
  return `${PREVIEW()}?${q.toString()}`;
}

/** Opens the page as a user and waits until it has loaded (the master switch, or a visitor's summary). */
export async function visit(page: Page, options: IVisit = {}): Promise<void> {
  await page.goto(previewUrl(options));
  await expect(page.getByRole('switch').or(page.getByTestId('visitor-view'))).toBeVisible();
}

/** One of the local tenant's faults (docs/local-tenant.md), as the fault controls page applies it. */
export async function fault(name: string, body: Record<string, string>): Promise<void> {
  const response = await fetch(`${TENANT()}/_admin/faults/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body)
  });
  expect(response.ok, await response.text()).toBe(true);
}

/** The API's address of a catalog's resources (`/v1/catalogs/{site URL}`). */
const catalogApi = (catalog: string): string => `${API()}/v1/catalogs/${encodeURIComponent(`${TENANT()}/sites/${catalog}`)}`;

async function devToken(user: string, resource: string): Promise<string> {
  const response = await fetch(`${TENANT()}/_admin/dev-token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, resource })
  });
  if (!response.ok) {
    throw new Error(`dev token for ${user} failed: ${response.status} ${await response.text()}`);
  }
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A user's token for the connection API (`user`: a sign-in name), as the web part's AadHttpClient gets it. */
export function adminToken(user: string): Promise<string> {
  return devToken(user, 'api://lms-m365-connection');
}

/** The header of a catalog admin's call to the connection API. */
async function adminAuth(user: string): Promise<{ Authorization: string }> {
  return { Authorization: `Bearer ${await adminToken(user)}` };
}

/** The LMS back end's own token (client credentials, the fixture's `lmsBackend`), as docs/lms-integration.md gets it. */
export async function lmsToken(): Promise<string> {
  // The local tenant's fixture names the tenant and the LMS back end's registration (a local stand-in, no real secret).
  const fixture = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'local-tenant', 'fixtures', 'tenant.json'), 'utf8')) as { tenant: { id: string }; apps: { lmsBackend: { appId: string; clientSecret: string } } };
  const response = await fetch(`${TENANT()}/${fixture.tenant.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: fixture.apps.lmsBackend.appId, client_secret: fixture.apps.lmsBackend.clientSecret, scope: 'api://lms-m365-connection/.default' }).toString()
  });
  expect(response.ok, await response.clone().text()).toBe(true);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Queues a notification for a catalog as the LMS would (a fresh Idempotency-Key); answers its id. */
export async function queueNotification(token: string, catalog: Catalog, body: { to: string[]; subject: string; text: string; expiresAt?: string }): Promise<string> {
  const response = await fetch(`${catalogApi(catalog)}/notifications`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
    body: JSON.stringify(body)
  });
  expect(response.status, await response.clone().text()).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

/** Cancels a notification that waits, as the LMS would (POST .../cancel); answers its status. */
export async function cancelNotification(token: string, catalog: Catalog, id: string): Promise<string> {
  const response = await fetch(`${catalogApi(catalog)}/notifications/${id}/cancel`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { status: string }).status;
}

/** Waits until the LMS's status read of a notification satisfies `check`. */
export async function notificationSettles(token: string, catalog: Catalog, id: string, check: (status: { status: string; code: string | null }) => boolean): Promise<void> {
  await expect(async () => {
    const response = await fetch(`${catalogApi(catalog)}/notifications/${id}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(check((await response.json()) as { status: string; code: string | null })).toBe(true);
  }).toPass({ timeout: 30_000 });
}

/** The connection API's view of a catalog, read as its admin would (GET .../connection). */
export async function readConnection(user: string, catalog: Catalog): Promise<{ enabled: boolean; health: { state: string; code: string | null } }> {
  const auth = await adminAuth(user);
  const response = await fetch(`${catalogApi(catalog)}/connection`, { headers: auth });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { enabled: boolean; health: { state: string; code: string | null } };
}

/** A catalog's deliveries counted by status, read as its admin (`user`: a sign-in name) would (GET .../deliveries). */
export async function deliveryCounts(user: string, catalog: Catalog): Promise<DeliveriesBody['counts']> {
  const auth = await adminAuth(user);
  const response = await fetch(`${catalogApi(catalog)}/deliveries?limit=1`, { headers: auth });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as DeliveriesBody).counts;
}

/**
 * Every test starts from the fixture: the tenant is reset (grants, mail, lists, faults) and both
 * catalogs are switched off, cleared of alert recipients and disconnected through the API, as
 * their admins would - exactly what the preview host's own reset does (preview/server.mjs).
 * The catalogs' outboxes keep what earlier tests on the same stack queued (nothing deletes a
 * delivery): a test counts deliveries against what was there before it.
 */
export async function resetWorld(): Promise<void> {
  const reset = await fetch(`${TENANT()}/_admin/reset`, { method: 'POST' });
  expect(reset.ok).toBe(true);
  for (const [user, catalog] of [['adele@contoso.test', 'catalog-a'], ['alex@contoso.test', 'catalog-b']]) {
    const auth = await adminAuth(user);
    const url = `${catalogApi(catalog)}/connection`;
    const read = await fetch(url, { headers: auth });
    expect(read.status, await read.clone().text()).toBe(200);
    const patched = await fetch(url, {
      method: 'PATCH',
      headers: { ...auth, 'Content-Type': 'application/json', 'If-Match': read.headers.get('etag') || 'W/"new"' },
      body: JSON.stringify({ enabled: false, transport: 'graph', alertRecipients: [] })
    });
    expect(patched.status, await patched.text()).toBe(200);
    const deleted = await fetch(url, { method: 'DELETE', headers: auth });
    expect(deleted.status, await deleted.text()).toBeLessThan(300);
  }
}

/**
 * A full-page screenshot under e2e/screenshots/ (git-ignored), one per state. `viewport` keeps to
 * what is on screen: a full-page capture of a taller page resizes the window, and Fluent UI's
 * callouts (the people picker's suggestions) close on a resize before they are captured.
 */
export async function shot(page: Page, name: string, options: { viewport?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: path.join(__dirname, '..', 'screenshots', `${name}.png`), fullPage: !options.viewport });
}

/**
 * A violation that is Fluent UI v8's own and that the page cannot change: the people picker's
 * suggestion list (role=listbox) holds Fluent's live region (role=status) that announces the number
 * of results, which axe counts as a child a listbox may not have (microsoft/fluentui#31860, closed
 * "by design"). Only that exact finding on that exact element is let through, nothing else on it.
 */
export interface IKnownViolation {
  rule: string;
  target: RegExp;
  summary: RegExp;
}

export const FLUENT_SUGGESTIONS_LIVE_REGION: IKnownViolation = {
  rule: 'aria-required-children',
  target: /^#suggestion-list-id__\d+$/,
  summary: /not allowed: \[role=status\]\s*$/
};

/** No serious or critical accessibility violation in the page as it is now. */
export async function expectAccessible(page: Page, known: IKnownViolation[] = []): Promise<void> {
  // Fluent's fade-ins first (a callout at part opacity would be judged on blended colours); a
  // spinner's endless animation is not waited for.
  await page.evaluate(() => Promise.all(document.getAnimations()
    .filter((a) => a.effect?.getComputedTiming().iterations !== Infinity)
    .map((a) => a.finished.catch(() => undefined))));
  const results = await new AxeBuilder({ page }).options({ resultTypes: ['violations'] }).analyze();
  const isKnown = (id: string, node: { target: unknown[]; failureSummary?: string }): boolean => known.some((k) =>
    k.rule === id && node.target.length === 1 && k.target.test(String(node.target[0])) && k.summary.test(node.failureSummary || ''));
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ ...v, nodes: v.nodes.filter((n) => !isKnown(v.id, n)) }))
    .filter((v) => v.nodes.length > 0)
    .map((v) => `${v.id} (${v.impact}): ${v.help} - ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary || ''}`).slice(0, 3).join(' | ')}`);
  expect(bad).toEqual([]);
}

/**
 * Drives the local tenant's sign-in popup as a person would: signs in on every sign-in page and
 * answers every consent page (a sign-in may ask for more than one resource, e.g. Graph then
 * Exchange for SMTP) until the popup closes itself - or, back on the API's callback page, stays
 * open: Microsoft's sign-in pages send Cross-Origin-Opener-Policy (the local tenant's too), after
 * which the window is no longer one its script may close, and the person closes it.
 */
export async function signInInPopup(page: Page, click: () => Promise<void>, upn: string, options: ISignInOptions = {}): Promise<{ sawConsentPage: boolean }> {
  const popupPromise = page.waitForEvent('popup');
  await click();
  return driveSignIn(await popupPromise, upn, options);
}

export interface ISignInOptions {
  consent?: 'accept' | 'cancel';
  orgConsentBox?: boolean;
  password?: string;
  /** Back on the callback page: close the window after a moment, as a person would (default), or leave it open and return. */
  leaveOpen?: boolean;
  /** Signed in as another account than the admin's: the answer to the callback page's confirmation (connect by default). */
  confirm?: 'connect' | 'cancel';
}

/** The sign-in in a window already open (signInInPopup, or a window a test opened itself). */
export async function driveSignIn(popup: Page, upn: string, options: ISignInOptions = {}): Promise<{ sawConsentPage: boolean }> {
  let sawConsentPage = false;
  let closed = false;
  popup.once('close', () => { closed = true; });
  const deadline = Date.now() + 45_000;
  let onCallbackSince: number | undefined;
  while (!closed) {
    if (Date.now() > deadline) {
      throw new Error(`the sign-in popup did not close; it shows ${popup.url()}`);
    }
    try {
      const where = new URL(popup.url()).pathname;
      const confirmation = popup.locator('form[action="confirm"]');
      if (where === '/v1/auth/callback' && await confirmation.isVisible()) {
        // Another account than the admin's: its owner reads who asked and answers.
        await shot(popup, `confirm-page-${upn.split('@')[0]}`);
        await confirmation.locator(`button[value="${options.confirm || 'connect'}"]`).click();
        await popup.waitForURL((url) => url.pathname === '/v1/auth/confirm');
      } else if (where === '/v1/auth/callback' || where === '/v1/auth/confirm') {
        if (options.leaveOpen && await popup.locator('main').isVisible()) {
          break;
        }
        onCallbackSince = onCallbackSince ?? Date.now();
        if (!options.leaveOpen && Date.now() - onCallbackSince > 1500) {
          await popup.close();
          break;
        }
      } else if (await popup.locator('#idBtn_Back').isVisible()) {
        sawConsentPage = true;
        await shot(popup, `consent-page-${upn.split('@')[0]}`);
        if (options.orgConsentBox && await popup.locator('#consentForOrg').count() > 0) {
          await popup.locator('#consentForOrg').check();
        }
        await popup.locator(options.consent === 'cancel' ? '#idBtn_Back' : '#idSIButton9').click();
      } else if (await popup.locator('#username').isVisible()) {
        await popup.locator('#username').fill(upn);
        await popup.locator('#password').fill(options.password || 'dev-password');
        await popup.locator('#idSIButton9').click();
      }
    } catch (error) {
      if (!closed) {
        throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return { sawConsentPage };
}

/** The switch comes first: the method and the sign-in appear once it is on. */
export async function switchOn(page: Page, strings: typeof en = en): Promise<void> {
  await page.getByRole('switch', { name: strings.masterSwitchLabel }).click();
}

/** Connects with Microsoft sign-in as `upn`, switching sending on first when Connect is not offered yet. */
export async function connectModern(page: Page, upn: string, options: { consent?: 'accept' | 'cancel'; orgConsentBox?: boolean; confirm?: 'connect' | 'cancel'; strings?: typeof en } = {}): Promise<{ sawConsentPage: boolean }> {
  const strings = options.strings || en;
  if (!(await page.getByRole('button', { name: strings.connect, exact: true }).isVisible())) {
    await switchOn(page, strings);
  }
  const result = await signInInPopup(page, () => page.getByRole('button', { name: strings.connect, exact: true }).click(), upn, options);
  // The page learns the outcome from the API (its popup lost it to COOP) and completes: wait for that.
  await expect(page.getByText(strings.connecting)).toHaveCount(0, { timeout: 20_000 });
  return result;
}
