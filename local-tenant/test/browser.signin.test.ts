import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { Browser } from '@playwright/test';
import { launchChromium } from './helpers/chromium';
import { ConfidentialClientApplication, CryptoProvider } from '@azure/msal-node';
import { startLocalTenant, LocalTenant } from '../src/index';

const SCOPES = ['https://graph.microsoft.com/Mail.Send', 'https://graph.microsoft.com/Calendars.ReadWrite', 'https://graph.microsoft.com/Place.Read.All'];

/** Real Chromium through the sign-in and consent pages, ending at a loopback redirect URI. */
describe('sign-in and consent pages in Chromium', () => {
  let tenant: LocalTenant;
  let browser: Browser;
  let callback: Server;
  let redirectUri: string;
  const received: URL[] = [];

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
    callback = createServer((req, res) => {
      received.push(new URL(req.url ?? '/', 'http://localhost'));
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>done</title><p>Signed in.</p>');
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://localhost:${(callback.address() as AddressInfo).port}/v1/auth/callback`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => callback.close(resolve));
    await tenant.close();
  });
  beforeEach(() => {
    tenant.reset();
    received.length = 0;
  });

  function apiClient(): ConfidentialClientApplication {
    const api = tenant.fixture.apps.connectionApi;
    return new ConfidentialClientApplication({ auth: { clientId: api.appId, clientSecret: api.clientSecret, authority: `${tenant.origin}/${tenant.tenantId}`, knownAuthorities: [new URL(tenant.origin).host] } });
  }

  async function openSignIn(cca: ConfidentialClientApplication, challenge: string, scopes = SCOPES) {
    const url = await cca.getAuthCodeUrl({ scopes, redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', state: 'browser-state', prompt: 'select_account' });
    // The page is served with the locally generated certificate; the browser is told to accept it.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(url);
    return { page, context };
  }

  test('chromium - a tenant admin signs in, consents for the organisation, and MSAL redeems the code', async () => {
    const cca = apiClient();
    const pkce = await new CryptoProvider().generatePkceCodes();
    const { page, context } = await openSignIn(cca, pkce.challenge);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('button', { name: /Megan Bowen/ }).click();
    await page.getByLabel('Password').fill('dev-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
    expect(await page.getByText('Send mail as you').isVisible()).toBe(true);
    expect(await page.getByText('Read all company places (rooms)').isVisible()).toBe(true);
    await page.getByLabel('Consent on behalf of your organization').check();
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.getByText('Signed in.').waitFor();
    await context.close();

    const redirect = received[0];
    expect(redirect.searchParams.get('state')).toBe('browser-state');
    const code = redirect.searchParams.get('code') as string;
    const result = await cca.acquireTokenByCode({ code, scopes: SCOPES, redirectUri, codeVerifier: pkce.verifier });
    expect(result.account?.username).toBe('megan@contoso.test');
    const orgGrant = tenant.state.grants.find((g) => g.consentType === 'AllPrincipals' && g.clientId === tenant.fixture.apps.connectionApi.servicePrincipalId && g.resourceId === tenant.fixture.resources.graph.servicePrincipalId);
    expect(orgGrant?.scope.split(' ')).toEqual(expect.arrayContaining(['Mail.Send', 'Calendars.ReadWrite', 'Place.Read.All']));
  });

  test('chromium - a wrong password shows AADSTS50126 and a user without admin rights sees no organisation option', async () => {
    const cca = apiClient();
    const pkce = await new CryptoProvider().generatePkceCodes();
    // Only user-consentable permissions: Place.Read.All would end on "Need admin approval" for her.
    const { page, context } = await openSignIn(cca, pkce.challenge, SCOPES.filter((s) => !s.endsWith('/Place.Read.All')));
    await page.getByLabel('Email, phone, or Skype').fill('adele@contoso.test');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('AADSTS50126');
    await page.getByLabel('Password').fill('dev-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
    expect(await page.getByLabel('Consent on behalf of your organization').count()).toBe(0);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Signed in.').waitFor();
    await context.close();
    expect(received[0].searchParams.get('error')).toBe('access_denied');
    expect(received[0].searchParams.get('error_description')).toMatch(/^AADSTS65004:/);
  });

  test('chromium - the fault page turns SMTP AUTH off for a mailbox and reset restores it', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${tenant.origin}/_faults`);
    const form = page.locator('form[data-fault="smtp-auth"]');
    await form.getByLabel('user').selectOption('adele@contoso.test');
    await form.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('status').filter({ hasText: 'SMTP AUTH disabled for adele@contoso.test' }).waitFor();
    expect(tenant.state.accountByUpn('adele@contoso.test')?.smtpAuthEnabled).toBe(false);
    await page.getByRole('button', { name: 'Reset everything to the fixture' }).click();
    await page.getByRole('status').filter({ hasText: 'Tenant reset to the fixture.' }).waitFor();
    expect(tenant.state.accountByUpn('adele@contoso.test')?.smtpAuthEnabled).toBe(true);
    await context.close();
  });
});
