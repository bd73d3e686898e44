import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { RunningApi, startApi } from '../../src/server';
import { LogCapture } from '../support/inProcessApi';
import { apiEnv, appToken, catalogPath, connectClassic, connectModern, eventually, inbox, setEnabled } from '../support/sending';
import { useStack } from '../support/stack';

jest.setTimeout(180_000);

// A minute lasts a tenth of a second: SEND_MAX_ATTEMPTS' hour passes in 6 s.
const SCALE = 600;
const SENDER = 'notifications@contoso.test';
const LEARNER = 'learner1@contoso.test';

/**
 * The API's key-encryption key unusable: here an instance started without the key that wrapped
 * every stored secret (the operator removed KEY_VAULT_PREVIOUS_KEY_IDS / LOCAL_KEK_PREVIOUS_FILES
 * before the re-wrap; Key Vault refusing the identity's role or a disabled key end the same way,
 * SERVICE_KEY_UNAVAILABLE). It is the service's fault, not any catalog's: no catalog is taken for
 * lost and nobody is alerted, no notification fails however long it lasts, the page says what it is,
 * the health sweep says it once - and with the key back, what waited goes out.
 */
describe('the API\'s key unavailable (real API, local tenant, Azurite over loopback)', () => {
  // This instance connects and queues; it does not send (the instances below do).
  const stack = useStack({ SEND_WORKER: 'false', SEND_TIME_SCALE: String(SCALE), HEALTH_PROBE_INTERVAL_SECONDS: '0', KEEPALIVE_INTERVAL_SECONDS: '0', SYSTEM_SENDER: SENDER, LMS_ADMINS: 'megan@contoso.test' }, { tenantTimeScale: SCALE });

  it('no catalog lost, nobody alerted, nothing fails; the page\'s check and the sweep say SERVICE_KEY_UNAVAILABLE with the key\'s id; with the key back everything goes out', async () => {
    const modern = stack.catalogUrl('catalog-a');
    const classic = stack.catalogUrl('catalog-b');
    await connectModern(stack, 'adele@contoso.test', modern);
    await setEnabled(stack, 'adele@contoso.test', modern, true);
    await connectClassic(stack, 'alex@contoso.test', classic);
    await setEnabled(stack, 'alex@contoso.test', classic, true);
    const lms = await appToken(stack);
    const ids: Array<[string, string]> = [];
    for (const catalog of [modern, classic]) {
      for (let i = 0; i < 2; i++) {
        const res = await stack.call('POST', catalogPath(catalog, '/notifications'), { token: lms, body: { to: [LEARNER], subject: `Waits for the key ${i}`, text: 'x' }, headers: { 'idempotency-key': randomUUID() } });
        expect(res.status).toBe(202);
        ids.push([catalog, res.body.id as string]);
      }
    }

    const logs = new LogCapture();
    const env = (extra: Record<string, string>): Record<string, string> => apiEnv(stack, { SEND_TIME_SCALE: String(SCALE), HEALTH_PROBE_INTERVAL_SECONDS: '0', HEALTH_PROBE_CONCURRENCY: '1', SYSTEM_SENDER: SENDER, LMS_ADMINS: 'megan@contoso.test', ...extra });
    const keyless = path.join(mkdtempSync(path.join(os.tmpdir(), 'lms-kek-')), 'other.json');
    let worker: RunningApi = await startApi(loadConfig({ ...process.env, ...env({ LOCAL_KEK_FILE: keyless }) }), { logDestination: logs });
    try {
      const lines = (): Array<{ level: string; msg?: string; code?: string; upstream?: string; catalog?: string; skipped?: number }> => logs.lines.map((l) => JSON.parse(l));
      // Both catalogs' drains meet the key: the Modern one at its token (the cache does not open), the Classic one at its password.
      await eventually(async () => (new Set(lines().filter((l) => l.code === 'SERVICE_KEY_UNAVAILABLE').map((l) => l.catalog)).size >= 2 ? true : undefined), 30_000, 'both drains to meet the key');
      // More than the hour after which passing faults fail a notification (SEND_MAX_ATTEMPTS over an hour: 6 s here).
      await new Promise((resolve) => setTimeout(resolve, 8000));
      for (const [catalog, id] of ids) {
        const status = await stack.call('GET', catalogPath(catalog, `/notifications/${id}`), { token: lms });
        expect(status.body.status).toBe('queued');
      }

      // The admin's check on the page answers what it is, with the key's id for the operator, and changes nothing.
      const check = await fetch(`${worker.url}${catalogPath(modern, '/connection/check')}`, { method: 'POST', headers: { authorization: `Bearer ${await stack.token('adele@contoso.test')}` } });
      const problem = (await check.json()) as { code?: string; upstream?: string };
      expect([check.status, problem.code, problem.upstream]).toEqual([503, 'SERVICE_KEY_UNAVAILABLE', expect.stringMatching(/^key local:[0-9a-f]+ not configured/)]);

      const errorsBefore = lines().filter((l) => l.msg?.startsWith('service key unavailable')).length;
      const swept = await worker.monitor.sweep();
      expect(swept).toMatchObject({ lost: 0, failed: 1, skipped: 1 });
      const errorLines = lines().filter((l) => l.msg?.startsWith('service key unavailable'));
      expect(errorLines).toHaveLength(errorsBefore + 1);
      expect(errorLines[errorLines.length - 1]).toMatchObject({ level: 'error', code: 'SERVICE_KEY_UNAVAILABLE', upstream: expect.stringMatching(/^key local:[0-9a-f]+ not configured/) });
      // Not lost: a check that could not tell says so (R-PAGE-6 "error", with the code), nothing more.
      const healthOf = async (catalog: string, admin: string) => (await stack.call('GET', catalogPath(catalog, '/connection'), { token: await stack.token(admin) })).body.health;
      expect(await healthOf(modern, 'adele@contoso.test')).toMatchObject({ state: 'error', code: 'SERVICE_KEY_UNAVAILABLE' });
      expect(['connected', 'error']).toContain((await healthOf(classic, 'alex@contoso.test')).state);
      expect((await inbox(stack, 'adele@contoso.test')).filter((m) => m.from.address === SENDER && !/was connected to catalog|に接続されました$/.test(m.subject))).toEqual([]);
    } finally {
      await worker.close();
    }

    // The key back (the instance started with it): what waited goes out, once each.
    worker = await startApi(loadConfig({ ...process.env, ...env({}) }), { logDestination: new LogCapture() });
    try {
      const received = await eventually(async () => {
        const messages = (await inbox(stack, LEARNER)).filter((m) => m.subject.startsWith('Waits for the key'));
        return messages.length >= ids.length ? messages : undefined;
      }, 60_000, 'the notifications that waited');
      expect(received).toHaveLength(ids.length);
      // What went out says the connection works: the error is gone.
      await eventually(async () => ((await stack.call('GET', catalogPath(modern, '/connection'), { token: await stack.token('adele@contoso.test') })).body.health.state === 'connected' ? true : undefined), 30_000, 'the health connected again');
    } finally {
      await worker.close();
    }
  });
});
