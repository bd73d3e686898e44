import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import type { Browser, Page } from '@playwright/test';
import { launchChromium } from './helpers/chromium';
import { startLocalTenant, LocalTenant } from '../src/index';
import { messages } from './helpers/tokens';

/** The mailbox viewer and the sending-limits form in real Chromium; message bodies are hostile input. */
describe('mailbox viewer and sending limits in Chromium', () => {
  let tenant: LocalTenant;
  let browser: Browser;
  let page: Page;
  let beacon: Server;
  let beaconUrl: string;
  let beaconHits = 0;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
    beacon = createServer((req, res) => {
      beaconHits += 1;
      res.writeHead(200, { 'content-type': 'image/gif' }).end();
    });
    await new Promise<void>((resolve) => beacon.listen(0, '127.0.0.1', resolve));
    beaconUrl = `http://127.0.0.1:${(beacon.address() as AddressInfo).port}/pixel.gif`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => beacon.close(resolve));
    await tenant.close();
  });
  beforeEach(async () => {
    tenant.reset();
    beaconHits = 0;
    page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
  });
  afterEach(async () => page.context().close());

  test('viewer - a message shows as its recipient sees it (From, To, Cc, Date, Message-ID, headers, attachments) and its HTML runs nothing and loads nothing', async () => {
    const transport = nodemailer.createTransport({ host: tenant.smtp.host, port: tenant.smtp.port, secure: false, requireTLS: true, auth: { user: 'adele@contoso.test', pass: 'dev-password' }, tls: { ca: tenant.caCertificate } });
    await transport.sendMail({
      from: { name: 'Adele Vance', address: 'adele@contoso.test' },
      to: 'learner1@contoso.test',
      cc: 'learner2@contoso.test',
      bcc: 'nestor@contoso.test',
      subject: 'Session moved',
      messageId: '<n-7.r2@lms.contoso.test>',
      headers: { 'X-LMS-Notification': 'n-7' },
      html: `<p id="greeting">Your session moved to Tuesday.</p><script>parent.document.title = 'pwned'</script><img src="${beaconUrl}">`,
      attachments: [{ filename: 'syllabus.pdf', content: Buffer.from('%PDF-1.4'), contentType: 'application/pdf' }]
    });
    transport.close();
    const [m] = await messages(tenant, 'learner1@contoso.test', 'inbox');
    await page.goto(`${tenant.origin}/_mailbox?message=${m.id}`);
    const row = (name: string) => page.locator('table[aria-label="Message"] tr', { has: page.locator(`th:text-is("${name}")`) }).locator('td');
    expect(await row('From').textContent()).toBe('Adele Vance <adele@contoso.test>');
    expect(await row('To').textContent()).toBe('learner1@contoso.test');
    expect(await row('Cc').textContent()).toBe('learner2@contoso.test');
    expect(await row('Message-ID').textContent()).toBe('<n-7.r2@lms.contoso.test>');
    expect(await row('Attachments').textContent()).toContain('syllabus.pdf (application/pdf');
    expect(await page.locator('table[aria-label="Message"]').textContent()).not.toContain('nestor');
    await page.getByText(/All headers/).click();
    expect(await page.locator('table[aria-label="Headers"]').textContent()).toMatch(/X-LMS-Notification\s*n-7/i);
    expect(await page.frameLocator('iframe[title="message body"]').locator('#greeting').textContent()).toBe('Your session moved to Tuesday.');
    await page.waitForTimeout(300);
    expect(await page.title()).toBe('Session moved');
    expect(beaconHits).toBe(0);
  });

  test('fault page - the sending-limits form starts from the current limits and changes only what was edited', async () => {
    await page.goto(`${tenant.origin}/_faults`);
    const form = page.locator('form[data-fault="sending-limits"]');
    expect(await form.locator('input[name="recipientsPerDay"]').inputValue()).toBe('10000');
    expect(await form.locator('input[name="enabled"]').isChecked()).toBe(true);
    await form.locator('input[name="messagesPerMinute"]').fill('12');
    await form.getByRole('button', { name: 'Apply' }).click();
    await page.getByText(/sending limits on: 12\/min/).waitFor();
    const limits = (await (await fetch(`${tenant.origin}/_admin/limits`)).json()) as Record<string, unknown>;
    expect(limits).toMatchObject({ enabled: true, messagesPerMinute: 12, recipientsPerDay: 10000, recipientsPerMessage: 500, concurrentRequests: 4, smtpConnections: 3, timeScale: 1 });
  });

  test('fault controls - Conditional Access is applied to the user chosen, or to the app chosen, and lifted with blocked unticked', async () => {
    await page.goto(`${tenant.origin}/_faults`);
    const form = page.locator('form[data-fault="conditional-access"]');
    await form.locator('select[name="user"]').selectOption('adele@contoso.test');
    await form.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Conditional Access blocks adele@contoso.test', { exact: true }).waitFor();
    expect(tenant.state.accountByUpn('adele@contoso.test')?.blockedByPolicy).toBe(true);
    await form.locator('input[name="blocked"]').uncheck();
    await form.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Conditional Access no longer blocks adele@contoso.test', { exact: true }).waitFor();
    expect(tenant.state.accountByUpn('adele@contoso.test')?.blockedByPolicy).toBe(false);
    const api = tenant.fixture.apps.connectionApi;
    await form.locator('select[name="user"]').selectOption('');
    await form.locator('select[name="app"]').selectOption(api.appId);
    await form.locator('input[name="blocked"]').check();
    await form.getByRole('button', { name: 'Apply' }).click();
    await page.getByText(`Conditional Access blocks ${tenant.state.appById(api.appId)?.displayName}`, { exact: true }).waitFor();
    expect(tenant.state.appById(api.appId)?.blockedByPolicy).toBe(true);
  });
});
