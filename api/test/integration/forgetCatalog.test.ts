import { randomUUID } from 'node:crypto';
import { forgetCatalog } from '../../src/catalogs/forgetCatalog';
import { catalogKey, openTables, TABLES } from '../../src/storage/tables';
import { appToken, catalogPath, connectClassic, connectModern, eventually, NEXT_YEAR, setEnabled } from '../support/sending';
import { useStack } from '../support/stack';

jest.setTimeout(120_000);

/**
 * `forget-catalog` (the operator's command for a catalog whose site is gone, where nobody can press
 * Disconnect): everything the API keeps for the catalog goes - its sealed secret first of all -
 * and nothing of another catalog's.
 */
describe('forget-catalog (real API, local tenant, Azurite over loopback)', () => {
  // No sending worker: an invitation drained beside the command would write the retired catalog's rows again.
  const stack = useStack({ HEALTH_PROBE_INTERVAL_SECONDS: '0', KEEPALIVE_INTERVAL_SECONDS: '0', SEND_WORKER: 'false' }, { reset: 'tenant+storage' });

  it('deletes the retired catalog\'s connection, secret, outbox, sessions and list state; the other catalog keeps all of its own', async () => {
    const retired = stack.catalogUrl('catalog-b');
    const kept = stack.catalogUrl('catalog-a');
    await connectClassic(stack, 'alex@contoso.test', retired);
    await connectModern(stack, 'adele@contoso.test', kept);
    const lms = await appToken(stack);
    const queued: Record<string, string> = {};
    for (const catalog of [retired, kept]) {
      // Switched off: queuing is refused, so each is switched on, and the notification is scheduled for tomorrow (it stays queued).
      await setEnabled(stack, catalog === retired ? 'alex@contoso.test' : 'adele@contoso.test', catalog, true);
      const res = await stack.call('POST', catalogPath(catalog, '/notifications'), { token: lms, body: { to: ['learner1@contoso.test'], subject: 'tomorrow', text: 'x', notBefore: new Date(Date.now() + 86_400_000).toISOString() }, headers: { 'idempotency-key': randomUUID() } });
      expect(res.status).toBe(202);
      queued[catalog] = res.body.id;
      const session = await stack.call('PUT', catalogPath(catalog, `/sessions/s-${randomUUID()}`), { token: lms, body: { revision: 1, title: 'Induction', start: { dateTime: `${NEXT_YEAR}-06-10T10:00:00`, timeZone: 'Asia/Tokyo' }, end: { dateTime: `${NEXT_YEAR}-06-10T11:00:00`, timeZone: 'Asia/Tokyo' }, attendees: [{ email: 'learner1@contoso.test' }] } });
      expect(session.status).toBe(202);
    }
    const tables = await openTables(stack.azurite.connectionString);
    const rowsOf = async (name: keyof typeof TABLES, catalog: string): Promise<number> => {
      const rows = [];
      for await (const row of tables[TABLES[name]].listEntities({ queryOptions: { filter: `PartitionKey eq '${catalogKey(catalog)}'`, select: ['RowKey'] } })) {
        rows.push(row);
      }
      return rows.length;
    };
    const before = { connections: await rowsOf('connections', kept), outbox: await rowsOf('outbox', kept), sessions: await rowsOf('sessions', kept) };
    expect(await rowsOf('connections', retired)).toBe(2);

    const report = await forgetCatalog(tables, retired);
    expect(report.deleted).toMatchObject({ connections: 2, sessions: 1 });
    expect(report.deleted.outbox).toBeGreaterThanOrEqual(4);
    for (const name of ['connections', 'outbox', 'sessions', 'settingsLists'] as const) {
      expect(await rowsOf(name, retired)).toBe(0);
    }
    // The API no longer has the catalog: no connection (once its cached record of a second is
    // over: the command runs beside the instances), no notification.
    const view = await eventually(async () => {
      const res = await stack.call('GET', catalogPath(retired, '/connection'), { token: lms });
      return res.body.method === null ? res.body : undefined;
    }, 10_000, 'the connection gone');
    expect(view).toMatchObject({ method: null, account: null, outbox: null });
    expect((await stack.call('GET', catalogPath(retired, `/notifications/${queued[retired]}`), { token: lms })).status).toBe(404);
    // The other catalog is as it was.
    expect({ connections: await rowsOf('connections', kept), outbox: await rowsOf('outbox', kept), sessions: await rowsOf('sessions', kept) }).toEqual(before);
    expect((await stack.call('GET', catalogPath(kept, `/notifications/${queued[kept]}`), { token: lms })).body.status).toBe('queued');
    // Run again: nothing left to delete, no fault.
    expect(Object.values((await forgetCatalog(tables, retired)).deleted).every((n) => n === 0)).toBe(true);
  });
});
