import { createHash, randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import { loadConfig } from '../../src/config/config';
import { mailboxKey } from '../../src/sending/mailboxLease';
import { newItemState } from '../../src/sending/outboxItem';
import { catalogKey, TABLES } from '../../src/storage/tables';
import { RunningApi, startApi } from '../../src/server';
import { LogCapture } from '../support/inProcessApi';
import { API_APP, apiEnv, appToken, catalogPath, connectClassic, connectModern, eventually, fault, inbox, mailboxCounters, MailboxMessage, NEXT_YEAR, setEnabled, threeCatalogFixture } from '../support/sending';
import { useStack } from '../support/stack';

jest.setTimeout(120_000);

// Time scale 60 on both sides (SEND_TIME_SCALE, LOCAL_TENANT_TIME_SCALE): a minute lasts a second,
// so the engine sends 30 messages a second per mailbox against Exchange's limits as the tenant enforces them.
const SCALE = 60;

describe('sending engine (real API, local tenant, Azurite over loopback)', () => {
  const stack = useStack({ SEND_TIME_SCALE: String(SCALE), SEND_POLL_MS: '50', SEND_LEASE_SECONDS: '5', SEND_MAX_ATTEMPTS: '4' }, { fixturePath: threeCatalogFixture(), tenantTimeScale: SCALE });
  let catalogA: string;
  let catalogB: string;
  let catalogC: string;
  let catalogQ: string;
  let lms: string;

  beforeAll(async () => {
    catalogA = stack.catalogUrl('catalog-a');
    catalogB = stack.catalogUrl('catalog-b');
    catalogC = stack.catalogUrl('catalog-c');
    catalogQ = stack.catalogUrl('catalog-q');
  });

  beforeEach(async () => {
    lms = await appToken(stack);
  });

  const queue = (catalog: string, body: Record<string, unknown>, key: string = randomUUID(), token = lms) =>
    stack.call('POST', catalogPath(catalog, '/notifications'), { token, body, headers: { 'idempotency-key': key } });
  const status = (catalog: string, id: string) => stack.call('GET', catalogPath(catalog, `/notifications/${id}`), { token: lms });
  const settled = (catalog: string, id: string, states = ['sent', 'failed', 'expired']) =>
    eventually(async () => {
      const res = await status(catalog, id);
      return states.includes(res.body.status) ? res.body : undefined;
    }, 60_000, `notification ${id} to settle`);
  const cancel = (catalog: string, id: string, token = lms) => stack.call('POST', catalogPath(catalog, `/notifications/${id}/cancel`), { token });
  const withId = (messages: MailboxMessage[], id: string): MailboxMessage[] => messages.filter((m) => m.internetMessageId === `<${id}.0@${stack.config.sending.messageIdDomain}>`);

  it('auth - a signed-in user is refused (APP_ONLY), another application (the API itself) too (CLIENT_APP_NOT_ACCEPTED)', async () => {
    await connectClassic(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    const body = { to: ['learner1@contoso.test'], subject: 'Hi', text: 'x' };
    const user = await queue(catalogA, body, randomUUID(), await stack.token('adele@contoso.test'));
    expect([user.status, user.body.code]).toEqual([403, 'APP_ONLY']);
    const otherApp = await queue(catalogA, body, randomUUID(), await appToken(stack, API_APP));
    expect([otherApp.status, otherApp.body.code]).toEqual([403, 'CLIENT_APP_NOT_ACCEPTED']);
    const anonymous = await queue(catalogA, body, randomUUID(), '');
    expect(anonymous.status).toBe(401);
    // The LMS is told how an application gets its token, not to reload a page; the page's admin still is.
    expect(anonymous.body.remedy).toMatch(/client credentials/);
    const forged = await queue(catalogA, body, randomUUID(), 'not-a-jwt');
    expect([forged.status, forged.body.code, forged.body.remedy]).toEqual([401, 'TOKEN_INVALID', anonymous.body.remedy]);
    const page = await stack.call('GET', catalogPath(catalogA, '/connection'), { token: '' });
    expect([page.status, page.body.remedy]).toEqual([401, ERROR_CATALOGUE.AUTH_REQUIRED.remedy.en]);
    // The settings page's routes refuse the LMS's token with a code that says so (not "approve a permission").
    const deliveries = await stack.call('GET', catalogPath(catalogA, '/deliveries'), { token: lms });
    expect([deliveries.status, deliveries.body.code]).toEqual([403, 'USER_ONLY']);
  });

  it('refusals - no key, a catalog switched off or not connected, a bad body: precise codes, nothing queued', async () => {
    await connectClassic(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, false);
    const body = { to: ['learner1@contoso.test'], subject: 'Hi', text: 'x' };
    const noKey = await stack.call('POST', catalogPath(catalogA, '/notifications'), { token: lms, body });
    expect([noKey.status, noKey.body.code]).toEqual([400, 'IDEMPOTENCY_KEY_REQUIRED']);
    const off = await queue(catalogA, body);
    expect([off.status, off.body.code]).toEqual([409, 'CATALOG_DISABLED']);
    await stack.call('DELETE', catalogPath(catalogB, '/connection'), { token: await stack.token('alex@contoso.test') });
    const notConnected = await queue(catalogB, body);
    expect([notConnected.status, notConnected.body.code]).toEqual([409, 'NOT_CONNECTED']);
    // A site nothing was ever set up for and that is no catalog (a URL spelt otherwise): NOT_A_CATALOG, saying to check it.
    const misspelt = await queue(stack.catalogUrl('catalog-nope'), body);
    expect([misspelt.status, misspelt.body.code]).toEqual([403, 'NOT_A_CATALOG']);
    expect(misspelt.body.detail).toMatch(/it is not a catalog \(no settings list, not registered\): check the URL/);
    // Reading its connection says the same (not an empty connection of a site that is none); a
    // catalog nobody connected yet reads as not connected.
    const read = await stack.call('GET', catalogPath(stack.catalogUrl('catalog-nope'), '/connection'), { token: lms });
    expect([read.status, read.body.code]).toEqual([403, 'NOT_A_CATALOG']);
    const readC = await stack.call('GET', catalogPath(catalogC, '/connection'), { token: lms });
    expect([readC.status, readC.body.health?.state]).toEqual([200, 'not-connected']);
    // A catalog whose admin has not connected an account yet says so.
    const notYet = await queue(catalogC, body);
    expect([notYet.status, notYet.body.code, notYet.body.detail]).toEqual([409, 'NOT_CONNECTED', 'No account has been connected to this catalog yet: a catalog admin connects one on its settings page.']);
    // So does a session put for either.
    const session = { revision: 1, title: 'T', start: { dateTime: `${NEXT_YEAR}-06-10T10:00:00`, timeZone: 'UTC' }, end: { dateTime: `${NEXT_YEAR}-06-10T11:00:00`, timeZone: 'UTC' }, attendees: [{ email: 'learner1@contoso.test' }] };
    expect((await stack.call('PUT', catalogPath(stack.catalogUrl('catalog-nope'), '/sessions/s-1'), { token: lms, body: session })).body.code).toBe('NOT_A_CATALOG');
    expect((await stack.call('PUT', catalogPath(catalogC, '/sessions/s-1'), { token: lms, body: session })).body.code).toBe('NOT_CONNECTED');
    // ... and the rooms.
    expect((await stack.call('GET', catalogPath(stack.catalogUrl('catalog-nope'), '/rooms'), { token: lms })).body.code).toBe('NOT_A_CATALOG');
    expect((await stack.call('GET', catalogPath(catalogC, `/rooms/availability?start=${NEXT_YEAR}-06-10T00:00:00Z&end=${NEXT_YEAR}-06-10T08:00:00Z`), { token: lms })).body.code).toBe('NOT_CONNECTED');
    const unencoded = await stack.call('POST', `/v1/catalogs/${catalogA}/notifications`, { token: lms, body, headers: { 'idempotency-key': randomUUID() } });
    expect([unencoded.status, unencoded.body.code, unencoded.body.detail]).toEqual([404, 'NOT_FOUND', expect.stringMatching(/percent-encoded \(encodeURIComponent\)/)]);
    for (const bad of [{ subject: 'no recipient', text: 'x' }, { to: ['learner1@contoso.test'], subject: 'no body' }, { to: ['not an address'], subject: 's', text: 'x' }, { to: ['a@x.test'], subject: 's', text: 'x', expiresAt: '2000-01-01T00:00:00Z' },
      // RFC 3339 allows a leap second, which JavaScript cannot read: refused, not taken as "no time".
      { to: ['a@x.test'], subject: 's', text: 'x', notBefore: '2030-06-30T23:59:60Z' }, { to: ['a@x.test'], subject: 's', text: 'x', expiresAt: '2016-12-31T23:59:60Z' }]) {
      await setEnabled(stack, 'adele@contoso.test', catalogA, true);
      const res = await queue(catalogA, bad);
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    // A refusal says what to fix: the values a choice allows, the property not taken, the form of a time, the batch item.
    const details = await Promise.all([
      queue(catalogA, { ...body, priority: 'high' }),
      queue(catalogA, { ...body, from: 'x@y.test' }),
      queue(catalogA, { ...body, notBefore: '2030-01-01T09:00:00' }),
      queue(catalogA, { ...body, subject: 'two\nlines' }),
      // A C1 control (NEL) is a control character too; a subject of spaces says nothing.
      queue(catalogA, { ...body, subject: 'two\u0085lines' }),
      queue(catalogA, { ...body, subject: '   ' }),
      // Due in 2099: its recipients and body would be stored until then (the retention job deletes what is final).
      queue(catalogA, { ...body, notBefore: '2099-01-01T00:00:00Z' }),
      stack.call('POST', catalogPath(catalogA, '/notifications/batch'), { token: lms, body: { items: [{ ...body, key: 'k1' }, { ...body, key: 'k2', priority: 'soon' }] } })
    ]);
    expect(details.map((res) => [res.status, res.body.detail])).toEqual([
      [400, 'body.priority must be one of "urgent", "normal", "bulk".'],
      [400, 'body has a property it does not take: "from".'],
      [400, 'body.notBefore must be a date and time with its zone (RFC 3339, e.g. 2026-12-02T08:00:00Z or 2026-12-02T17:00:00+09:00).'],
      [400, 'body.subject must be one line, without control characters, and not only spaces.'],
      [400, 'body.subject must be one line, without control characters, and not only spaces.'],
      [400, 'body.subject must be one line, without control characters, and not only spaces.'],
      [400, 'notBefore is more than 366 days ahead: queue it nearer the time.'],
      [400, 'body.items[1].priority must be one of "urgent", "normal", "bulk".']
    ]);
    expect(stack.logs.text()).not.toContain('"notification"');
  });

  it('graph - a notification goes out from the connected account with the Message-ID of its id; its status and history say so', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    const res = await queue(catalogA, { to: ['learner1@contoso.test'], cc: ['learner2@contoso.test'], subject: 'Course starts Monday', html: '<p>See you <b>Monday</b></p>', priority: 'urgent' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', duplicate: false });
    const final = await settled(catalogA, res.body.id);
    expect(final).toMatchObject({ status: 'sent', code: null, attempts: 1, resubmissions: 0, recipients: 2, priority: 'urgent' });
    expect(final.history.map((h: { status: string }) => h.status)).toEqual(['queued', 'sending', 'sent']);
    // A notification is read through its own catalog only.
    const elsewhere = await status(catalogB, res.body.id);
    expect([elsewhere.status, elsewhere.body.code]).toEqual([404, 'NOTIFICATION_NOT_FOUND']);
    const received = withId(await inbox(stack, 'learner1@contoso.test'), res.body.id);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ via: 'graph', subject: 'Course starts Monday', from: { address: 'adele@contoso.test' }, body: { contentType: 'html', content: '<p>See you <b>Monday</b></p>' } });
    expect(withId(await inbox(stack, 'learner2@contoso.test'), res.body.id)).toHaveLength(1);
    // R-OPS-5: no message body in the logs
    expect(stack.logs.text()).not.toContain('See you');
    // The daily retention job runs over these real rows: nothing has been final for OUTBOX_CONTENT_DAYS yet.
    expect(await stack.api.monitor.runOnce('outbox-retention')).toEqual({ catalogs: expect.any(Number), expired: 0, dropped: 0, deleted: 0, leftovers: 0, sessions: 0, invitations: 0, signIns: expect.any(Number), attempts: expect.any(Number), failed: 0 });
    const view = await stack.call('GET', catalogPath(catalogA, '/connection'), { token: await stack.token('adele@contoso.test') });
    expect(view.body.outbox).toMatchObject({ waiting: 0, held: 0 });
    expect(Date.parse(view.body.outbox.lastSentAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('idempotency - the same key answers the same notification and sends once, even ten at once; another body with it is refused', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const key = randomUUID();
    const body = { to: ['learner1@contoso.test'], subject: 'Once only', text: 'one' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => queue(catalogB, body, key)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    const [id] = [...ids];
    await settled(catalogB, id);
    const again = await queue(catalogB, body, key);
    expect([again.status, again.body.id, again.body.duplicate, again.body.status]).toEqual([202, id, true, 'sent']);
    // The IETF draft's form of the header (an RFC 8941 string) is the same key; an id in capitals the same id.
    const quoted = await queue(catalogB, body, `"${key}"`);
    expect([quoted.status, quoted.body.id, quoted.body.duplicate]).toEqual([202, id, true]);
    const upper = await status(catalogB, id.toUpperCase());
    expect([upper.status, upper.body.id, upper.body.status]).toEqual([200, id, 'sent']);
    const empty = await queue(catalogB, body, '');
    expect([empty.status, empty.body.code]).toEqual([400, 'IDEMPOTENCY_KEY_REQUIRED']);
    // A subject is one line: a line break is refused, not folded away.
    const folded = await queue(catalogB, { ...body, subject: 'Once only\r\nBcc: x@evil.example' });
    expect([folded.status, folded.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    // A batch item's refusal is in the caller's language, like every other answer.
    const batch = await stack.call('POST', catalogPath(catalogB, '/notifications/batch'), { token: lms, body: { items: [{ key, ...body, text: 'two' }] }, headers: { 'accept-language': 'ja' } });
    expect([batch.status, batch.body.items[0].error]).toEqual([202, { code: 'IDEMPOTENCY_KEY_REUSED', title: ERROR_CATALOGUE.IDEMPOTENCY_KEY_REUSED.title.ja, detail: 'The key was used before with another body: existingId is the notification it made.' }]);
    // Both answers name the notification the key holds, so the LMS can read it.
    expect(batch.body.items[0].existingId).toBe(id);
    const inBatch = await stack.call('POST', catalogPath(catalogB, '/notifications/batch'), { token: lms, body: { items: [{ key: 'twice-in-one', ...body, subject: 'Twice in one batch' }, { key: 'twice-in-one', ...body, subject: 'Twice in one batch', text: 'two' }] } });
    expect(inBatch.body.items[1].existingId).toBe(inBatch.body.items[0].id);
    expect(inBatch.body.items[1].error.detail).toBe('items[0] of this batch has the same key with another body.');
    // The key row keeps the earlier form of the hash too, where an instance of the earlier version
    // (beside this one during an upgrade) compares a repeat: the body as received, with the default filled in.
    const keyRow = await TableClient.fromConnectionString(stack.azurite.connectionString, TABLES.outbox, { allowInsecureConnection: true })
      .getEntity<{ requestHash: string; canonicalHash: string }>(catalogKey(catalogB), `k|${createHash('sha256').update(key, 'utf8').digest('hex')}`);
    expect(keyRow.requestHash).toBe(createHash('sha256').update(JSON.stringify({ ...body, priority: 'normal' }), 'utf8').digest('base64url'));
    expect(keyRow.canonicalHash).toMatch(/^c\./);
    // The same request written another way (keys in another order, the default priority spelt out, an address's case) is the same request.
    const rewritten = await queue(catalogB, { text: 'one', priority: 'normal', subject: 'Once only', to: ['Learner1@Contoso.TEST'] }, key);
    expect([rewritten.status, rewritten.body.id, rewritten.body.duplicate]).toEqual([202, id, true]);
    const changed = await queue(catalogB, { ...body, text: 'two' }, key);
    expect([changed.status, changed.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(changed.body.detail).toContain(`notification ${id} with another body`);
    const urgent = await queue(catalogB, { ...body, priority: 'urgent' }, key);
    expect([urgent.status, urgent.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    // An instant is an instant, whatever its offset; another instant is another request.
    const timed = randomUUID();
    const tokyo = await queue(catalogB, { ...body, expiresAt: '2099-01-01T09:00:00+09:00' }, timed);
    const utc = await queue(catalogB, { ...body, expiresAt: '2099-01-01T00:00:00.000Z' }, timed);
    expect([utc.status, utc.body.id, utc.body.duplicate]).toEqual([202, tokyo.body.id, true]);
    const later = await queue(catalogB, { ...body, expiresAt: '2099-01-01T00:00:01Z' }, timed);
    expect([later.status, later.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    await settled(catalogB, tokyo.body.id);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const received = (await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject === 'Once only');
    expect(received).toHaveLength(2);
    expect(received.filter((m) => m.internetMessageId === `<${id}.0@${stack.config.sending.messageIdDomain}>`)).toHaveLength(1);
    expect(received[0].via).toBe('smtp');
    expect(received[0].internetMessageId).toBe(`<${id}.0@${stack.config.sending.messageIdDomain}>`);
  });

  it('repeats after a refusal would apply - a request stored before its expiry passed or before sending was switched off is answered as the same notification; a new one is refused', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    // The LMS timed out on a request whose expiry has passed by the time it repeats it.
    const soon = { to: ['learner1@contoso.test'], subject: 'expires soon', text: 'x', expiresAt: new Date(Date.now() + 4000).toISOString() };
    const first = await queue(catalogB, soon, 'expires-soon');
    expect(first.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 4100));
    const repeated = await queue(catalogB, soon, 'expires-soon');
    expect([repeated.status, repeated.body.id, repeated.body.duplicate]).toEqual([202, first.body.id, true]);
    const fresh = await queue(catalogB, soon, 'expires-soon-2');
    expect([fresh.status, fresh.body.code, fresh.body.detail]).toEqual([400, 'VALIDATION_FAILED', 'expiresAt is in the past.']);
    // Sending switched off after the LMS's first try: its repeats are answered (held), anything new refused.
    // (Another catalog: what stays queued here must not count in catalog B's outbox later.)
    await connectClassic(stack, 'nestor@contoso.test', catalogQ);
    await setEnabled(stack, 'nestor@contoso.test', catalogQ, true);
    const items = [0, 1].map((i) => ({ key: `before-off-${i}`, to: ['learner1@contoso.test'], subject: `before off ${i}`, text: 'x', notBefore: new Date(Date.now() + 3600_000).toISOString() }));
    const batch = (list: object[]) => stack.call('POST', catalogPath(catalogQ, '/notifications/batch'), { token: lms, body: { items: list } });
    const stored = await batch(items);
    expect(stored.status).toBe(202);
    const scheduled = await stack.call('GET', catalogPath(catalogQ, `/notifications/${stored.body.items[0].id}`), { token: lms });
    expect([scheduled.body.status, scheduled.body.dueAt]).toEqual(['queued', new Date(items[0].notBefore).toISOString()]);
    await setEnabled(stack, 'nestor@contoso.test', catalogQ, false);
    const again = await batch(items);
    expect(again.status).toBe(202);
    expect(again.body.items.map((i: { id: string; duplicate: boolean; status: string }) => [i.id, i.duplicate, i.status])).toEqual(stored.body.items.map((i: { id: string }) => [i.id, true, 'held']));
    const single = await queue(catalogQ, { ...items[0], key: undefined }, 'before-off-0');
    expect([single.status, single.body.id, single.body.status]).toEqual([202, stored.body.items[0].id, 'held']);
    const reused = await batch([{ ...items[0], text: 'changed' }]);
    expect([reused.status, reused.body.items[0].error?.code]).toEqual([202, 'IDEMPOTENCY_KEY_REUSED']);
    const mixed = await batch([...items, { ...items[0], key: 'after-off' }]);
    expect([mixed.status, mixed.body.code]).toEqual([409, 'CATALOG_DISABLED']);
    expect((await stack.call('GET', catalogPath(catalogQ, '/connection'), { token: await stack.token('nestor@contoso.test') })).body.outbox).toMatchObject({ waiting: 2, held: 2 });
  });

  it('batch - 200 notifications over 3 catalogs with mixed priorities: all delivered once, each catalog in priority order', async () => {
    const admins: Array<[string, string]> = [[catalogA, 'adele@contoso.test'], [catalogB, 'alex@contoso.test'], [catalogC, 'lynne@contoso.test']];
    for (const [catalog, admin] of admins) {
      await connectClassic(stack, admin, catalog);
      await setEnabled(stack, admin, catalog, true);
    }
    const priorities = ['bulk', 'normal', 'urgent'] as const;
    const sent: Array<{ catalog: string; id: string; priority: string }> = [];
    for (const [c, [catalog]] of admins.entries()) {
      const count = c === 0 ? 68 : 66;
      const items = Array.from({ length: count }, (_, i) => ({ key: `b-${c}-${i}-${randomUUID()}`, to: [`learner${1 + (i % 2)}@contoso.test`], subject: `batch ${c}-${i}`, text: `item ${i}`, priority: priorities[(i * 7) % 3] }));
      const res = await stack.call('POST', catalogPath(catalog, '/notifications/batch'), { token: lms, body: { items } });
      expect(res.status).toBe(202);
      expect(res.body.items).toHaveLength(count);
      res.body.items.forEach((item: { id: string }, i: number) => sent.push({ catalog, id: item.id, priority: items[i].priority }));
    }
    expect(sent).toHaveLength(200);
    const batchOf = async (): Promise<MailboxMessage[]> => [...await inbox(stack, 'learner1@contoso.test'), ...await inbox(stack, 'learner2@contoso.test')].filter((m) => m.subject.startsWith('batch '));
    try {
      await eventually(async () => ((await batchOf()).length >= 200 ? true : undefined), 60_000, '200 messages in the inboxes');
    } finally {
      const pending = [];
      for (const s of sent) {
        const res = await status(s.catalog, s.id);
        if (res.body.status !== 'sent') {
          pending.push(res.body);
        }
      }
      if (pending.length > 0) {
        process.stderr.write(`${pending.length} not sent, e.g. ${JSON.stringify(pending.slice(0, 2))}\n${stack.logs.lines.filter((l) => l.includes('outbox') || l.includes('submission')).slice(-30).join('')}\n`);
      }
    }
    const finals: Array<{ catalog: string; id: string; priority: string; final: { status: string; history: Array<{ status: string; at: string }> } }> = [];
    for (const s of sent) {
      finals.push({ ...s, final: (await status(s.catalog, s.id)).body });
    }
    expect(finals.filter((f) => f.final.status !== 'sent')).toEqual([]);
    for (const [catalog] of admins) {
      const claimAt = (p: string): number[] => finals.filter((f) => f.catalog === catalog && f.priority === p).map((f) => Date.parse(f.final.history.find((h: { status: string }) => h.status === 'sending')?.at ?? ''));
      expect(Math.max(...claimAt('urgent'))).toBeLessThanOrEqual(Math.min(...claimAt('normal')));
      expect(Math.max(...claimAt('normal'))).toBeLessThanOrEqual(Math.min(...claimAt('bulk')));
    }
    const delivered = await batchOf();
    expect(delivered).toHaveLength(200);
    expect(new Set(delivered.map((m) => m.internetMessageId)).size).toBe(200);
  });

  it('pacing - one mailbox never gets more than 30 messages in a (scaled) minute', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    const items = Array.from({ length: 75 }, (_, i) => ({ key: randomUUID(), to: ['learner1@contoso.test'], subject: `paced ${i}`, text: 'x' }));
    const res = await stack.call('POST', catalogPath(catalogA, '/notifications/batch'), { token: lms, body: { items } });
    expect(res.status).toBe(202);
    const times = await eventually(async () => {
      const got = (await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject.startsWith('paced '));
      return got.length === 75 ? got.map((m) => Date.parse(m.receivedDateTime)).sort((x, y) => x - y) : undefined;
    }, 60_000, '75 paced messages');
    const window = 60_000 / SCALE;
    for (const t of times) {
      expect(times.filter((u) => u >= t && u < t + window).length).toBeLessThanOrEqual(30);
    }
    // and it is not slower than the limits need: 75 messages take at least 2 windows, at most a few more
    expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(2 * window - 50);
    // Exchange (the local tenant) never had to delay or refuse one: the engine kept within its limits
    const counters = await mailboxCounters(stack, 'adele@contoso.test');
    expect([counters.delayed, counters.rejected, counters.duplicatesByMessageId]).toEqual([0, 0, {}]);
  });

  it('recipients - 600 go as two messages of at most 500, each recipient once', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    const bcc = Array.from({ length: 600 }, (_, i) => `r${i}@partner.example`);
    const res = await queue(catalogA, { to: ['learner1@contoso.test'], bcc, subject: 'many', text: 'x' });
    const final = await settled(catalogA, res.body.id);
    expect([final.status, final.recipients]).toEqual(['sent', 601]);
    const counters = await mailboxCounters(stack, 'adele@contoso.test');
    expect([counters.submissions, counters.undeliverable]).toEqual([2, 0]);
    for (const who of ['learner1@contoso.test', 'r0@partner.example', 'r499@partner.example', 'r599@partner.example']) {
      expect((await inbox(stack, who)).filter((m) => m.subject === 'many')).toHaveLength(1);
    }
  });

  it('recipients - a list longer than one table property holds (2,000 addresses) is stored whole and goes as five messages', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    const bcc = Array.from({ length: 2000 }, (_, i) => `learner-${i}@partner.example`);
    // Azure Tables (and Azurite) hold 32,768 characters in one string property.
    expect(JSON.stringify(bcc).length).toBeGreaterThan(32 * 1024);
    const before = await mailboxCounters(stack, 'adele@contoso.test');
    const res = await queue(catalogA, { to: ['learner1@contoso.test'], bcc, subject: 'a long list', text: 'x' });
    expect(res.status).toBe(202);
    const final = await settled(catalogA, res.body.id);
    expect([final.status, final.recipients]).toEqual(['sent', 2001]);
    const after = await mailboxCounters(stack, 'adele@contoso.test');
    expect(after.submissions - before.submissions).toBe(5);
    for (const who of ['learner1@contoso.test', 'learner-0@partner.example', 'learner-1999@partner.example']) {
      expect((await inbox(stack, who)).filter((m) => m.subject === 'a long list')).toHaveLength(1);
    }
  });

  it('too large - a notification one storage entity cannot hold is refused with its code, and nothing of its batch is queued', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    const big = { to: ['learner1@contoso.test'], bcc: Array.from({ length: 4000 }, (_, i) => `a-rather-long-address-of-learner-${i}@partner.example`), subject: 'too big', html: `<p>${'x'.repeat(199_000)}</p>`, text: 'y'.repeat(100_000) };
    const one = await queue(catalogA, big);
    expect([one.status, one.body.code]).toEqual([400, 'NOTIFICATION_TOO_LARGE']);
    expect(one.body.detail).toMatch(/at most 500000/);
    const small = { key: randomUUID(), to: ['learner1@contoso.test'], subject: 'small beside a big one', text: 'x' };
    const batch = await stack.call('POST', catalogPath(catalogA, '/notifications/batch'), { token: lms, body: { items: [small, { key: randomUUID(), ...big }] } });
    expect([batch.status, batch.body.code]).toEqual([400, 'NOTIFICATION_TOO_LARGE']);
    expect(batch.body.detail).toMatch(/^items\[1\]: /);
    const view = await stack.call('GET', catalogPath(catalogA, '/connection'), { token: await stack.token('adele@contoso.test') });
    expect(view.body.outbox.waiting).toBe(0);
    // The small one's key was not used by the refused batch: it makes a new notification now.
    const { key, ...smallBody } = small;
    const made = await queue(catalogA, smallBody, key);
    expect(made.body).toMatchObject({ status: 'queued', duplicate: false });
    // Sent before the next test begins (its drain would write the connection under that test's feet).
    expect((await settled(catalogA, made.body.id)).status).toBe('sent');
  });

  it('line separators - U+2028 / U+2029 in a subject and bodies are stored (a transaction of a batch too), sent and received as they were', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    const subject = `Line\u2028separated\u2029${randomUUID()}`;
    const items = Array.from({ length: 3 }, (_, i) => ({ key: randomUUID(), to: ['learner2@contoso.test'], subject: `${subject} ${i}`, text: `one\u2028two\u2029three ${i}` }));
    const batch = await stack.call('POST', catalogPath(catalogA, '/notifications/batch'), { token: lms, body: { items } });
    expect(batch.status).toBe(202);
    const single = await queue(catalogA, { to: ['learner2@contoso.test'], subject: `${subject} single`, html: '<p>a\u2028b</p>' });
    expect(single.status).toBe(202);
    for (const id of [...batch.body.items.map((i: { id: string }) => i.id), single.body.id]) {
      expect(await settled(catalogA, id)).toMatchObject({ status: 'sent' });
    }
    const received = (await inbox(stack, 'learner2@contoso.test')).filter((m) => m.subject.startsWith(subject));
    expect(received.map((m) => m.subject).sort()).toEqual([`${subject} 0`, `${subject} 1`, `${subject} 2`, `${subject} single`]);
    expect(received.find((m) => m.subject === `${subject} 1`)?.body.content).toBe('one\u2028two\u2029three 1');
    expect(received.find((m) => m.subject === `${subject} single`)?.body.content).toBe('<p>a\u2028b</p>');
  });

  it('size on the wire - a batch of Japanese notifications is stored whole (storage counts UTF-8 bytes, three a character); one too large that way is refused before anything is stored', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    const view = async (): Promise<{ waiting: number }> => (await stack.call('GET', catalogPath(catalogA, '/connection'), { token: await stack.token('adele@contoso.test') })).body.outbox;
    const waitingBefore = (await view()).waiting;
    // 31 notifications of 23,000 Japanese characters: under 3 MiB as two bytes a character, past Azure's 4 MiB transaction as UTF-8.
    const items = [
      ...Array.from({ length: 33 }, (_, i) => ({ key: randomUUID(), to: ['learner1@contoso.test'], subject: `小 ${i}`, text: 'x', notBefore: new Date(Date.now() + 3_600_000).toISOString() })),
      ...Array.from({ length: 31 }, (_, i) => ({ key: randomUUID(), to: ['learner1@contoso.test'], subject: `大 ${i}`, text: 'あ'.repeat(23_000), notBefore: new Date(Date.now() + 3_600_000).toISOString() }))
    ];
    const batch = await stack.call('POST', catalogPath(catalogA, '/notifications/batch'), { token: lms, body: { items } });
    expect(batch.status).toBe(202);
    expect(batch.body.items).toHaveLength(64);
    expect((await view()).waiting).toBe(waitingBefore + 64);
    const stored = await status(catalogA, batch.body.items[63].id);
    expect(stored.body.status).toBe('queued');
    // Control characters are escaped in JSON (six bytes each): within the characters allowed, past what one transaction carries.
    const longAddress = (i: number): string => `${'a'.repeat(58)}${String(i).padStart(4, '0')}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.test`;
    const hostile = { key: randomUUID(), to: ['learner1@contoso.test'], bcc: Array.from({ length: 760 }, (_, i) => longAddress(i)), subject: 'escaped', html: '\u0001'.repeat(200_000), text: '\u0001'.repeat(100_000) };
    const escaped = await stack.call('POST', catalogPath(catalogA, '/notifications/batch'), { token: lms, body: { items: [hostile] } });
    expect([escaped.status, escaped.body.code]).toEqual([400, 'NOTIFICATION_TOO_LARGE']);
    expect(escaped.body.detail).toMatch(/^items\[0\]: \d+ bytes .* as stored/);
    expect((await view()).waiting).toBe(waitingBefore + 64);
  });

  it('upgrade - a notification queued by the earlier version (its queue row held only the id) is sent once, with its Message-ID', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    // The rows as the earlier version wrote them: the item row with its recipients whole, a queue row without the item.
    const table = TableClient.fromConnectionString(stack.azurite.connectionString, TABLES.outbox, { allowInsecureConnection: true });
    const id = randomUUID();
    const now = Date.now();
    const state = newItemState({ priority: 'normal', now, parts: 1 });
    const partitionKey = catalogKey(catalogA);
    const queueRow = `r|1|${String(now).padStart(15, '0')}|${id}`;
    // Its key row holds the hash of the body as received, as the earlier version wrote it.
    const key = randomUUID();
    const body = { to: ['learner1@contoso.test'], subject: 'queued before the upgrade', text: 'x' };
    // (as validated: the schema's default priority filled in, after the keys sent)
    const earlierHash = createHash('sha256').update(JSON.stringify({ ...body, priority: 'normal' }), 'utf8').digest('base64url');
    await table.submitTransaction([
      ['create', { partitionKey, rowKey: `n|${id}`, catalog: catalogA, id, requestHash: earlierHash, state: JSON.stringify(state), recipientCount: 1, index: queueRow, to: JSON.stringify(['learner1@contoso.test']), cc: '[]', bcc: '[]', subject: 'queued before the upgrade', tn: '1', t0: 'x' }],
      ['create', { partitionKey, rowKey: queueRow, id, dueAt: now, expiresAt: -1, recipients: 1 }],
      ['create', { partitionKey, rowKey: `k|${createHash('sha256').update(key, 'utf8').digest('hex')}`, id, requestHash: earlierHash }]
    ]);
    // Read as a notification (a drain still running from the switch-on may have taken it already).
    const before = await status(catalogA, id);
    expect(['queued', 'sending']).toContain(before.body.status);
    // Any new notification wakes the catalog; the drain lists both.
    const fresh = await queue(catalogA, { to: ['learner1@contoso.test'], subject: 'queued after the upgrade', text: 'x' });
    expect((await settled(catalogA, fresh.body.id)).status).toBe('sent');
    const final = await settled(catalogA, id);
    expect(final).toMatchObject({ status: 'sent', attempts: 1, resubmissions: 0 });
    expect(withId(await inbox(stack, 'learner1@contoso.test'), id)).toHaveLength(1);
    // The LMS repeats its request after the upgrade: the same notification, not a refusal; another body with the key is refused still.
    const repeated = await queue(catalogA, body, key);
    expect([repeated.status, repeated.body.id, repeated.body.duplicate, repeated.body.status]).toEqual([202, id, true, 'sent']);
    const changed = await queue(catalogA, { ...body, text: 'y' }, key);
    expect([changed.status, changed.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
  });

  it('quota - a mailbox past its daily recipients pauses (SENDING_QUOTA_EXCEEDED) instead of hammering Exchange; the connection stays healthy', async () => {
    await connectClassic(stack, 'nestor@contoso.test', catalogQ);
    await setEnabled(stack, 'nestor@contoso.test', catalogQ, true);
    await fetch(`${stack.tenant.origin}/_admin/limits`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ recipientsPerDay: 3 }) });
    const first = await queue(catalogQ, { to: ['learner1@contoso.test', 'learner2@contoso.test'], subject: 'quota 1', text: 'x' });
    expect((await settled(catalogQ, first.body.id)).status).toBe('sent');
    const second = await queue(catalogQ, { to: ['learner1@contoso.test', 'learner2@contoso.test'], subject: 'quota 2', text: 'x' });
    const paused = await eventually(async () => {
      const body = (await status(catalogQ, second.body.id)).body;
      return body.code === 'SENDING_QUOTA_EXCEEDED' ? body : undefined;
    }, 30_000, 'the quota reply');
    expect(paused.status).toBe('queued');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const counters = await mailboxCounters(stack, 'nestor@contoso.test');
    expect(counters.rejected).toBe(1);
    expect((await status(catalogQ, second.body.id)).body.status).toBe('queued');
    const view = await stack.call('GET', catalogPath(catalogQ, '/connection'), { token: await stack.token('nestor@contoso.test') });
    expect(view.body.health.state).toBe('connected');
    // The admins' view says why it waits and when the API asks Exchange again (an hour, scaled).
    const pacing = view.body.outbox.pacing;
    expect(pacing).toMatchObject({ reason: 'sending-quota', recipientsPerDay: stack.config.sending.recipientsPerDay });
    expect(Date.parse(pacing.resumesAt) - Date.now()).toBeGreaterThan(0);
    expect(Date.parse(pacing.resumesAt) - Date.now()).toBeLessThanOrEqual(3_600_000 / SCALE);
    expect((await status(catalogQ, second.body.id)).body.pacing).toEqual({ reason: 'sending-quota', resumesAt: pacing.resumesAt });
  });

  it('refused recipients - a server that refuses one recipient at RCPT TO while taking the message for the others: sent, with how many were refused and why (status and deliveries); the others have it', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    await fault(stack, 'refuse-recipient', { address: 'learner2@contoso.test' });
    const queued = await queue(catalogB, { to: ['learner1@contoso.test', 'learner2@contoso.test'], subject: 'one refused', text: 'x' });
    const done = await settled(catalogB, queued.body.id);
    expect([done.status, done.code, done.refusedRecipients, done.recipients]).toEqual(['sent', 'RECIPIENT_REJECTED', 1, 2]);
    expect(done.history.at(-1)).toMatchObject({ status: 'sent', code: 'RECIPIENT_REJECTED' });
    expect(withId(await inbox(stack, 'learner1@contoso.test'), queued.body.id)).toHaveLength(1);
    expect(withId(await inbox(stack, 'learner2@contoso.test'), queued.body.id)).toHaveLength(0);
    const listed = await stack.call('GET', catalogPath(catalogB, '/deliveries'), { token: await stack.token('alex@contoso.test') });
    expect(listed.body.items.find((d: { id: string }) => d.id === queued.body.id)).toMatchObject({ status: 'sent', code: 'RECIPIENT_REJECTED', refusedRecipients: 1 });
    // Counted, never named: not in the log or the answers.
    expect(stack.logs.text()).toContain('recipients refused');
    expect(stack.logs.text()).not.toContain('learner2@contoso.test');
    expect(JSON.stringify([done, listed.body])).not.toContain('learner2@contoso.test');
    // None refused: nothing said.
    const clean = await settled(catalogB, (await queue(catalogB, { to: ['learner1@contoso.test'], subject: 'none refused', text: 'x' })).body.id);
    expect([clean.status, clean.code, 'refusedRecipients' in clean]).toEqual(['sent', null, false]);
  });

  it('daily limit - a mailbox whose last day holds its daily recipients keeps its notifications waiting; the view says why and until when, and they go once the day frees up', async () => {
    // A mailbox of its own (its budget outlives the test), with the day as the engine keeps it with
    // the mailbox's lease - all but one of the daily recipients in an hour slot that leaves the
    // (scaled) day in 8 s - stored before the catalog is connected (a drain would read it then).
    // (A slot's recipients count until a day after the slot's end.)
    const day = 86_400_000 / SCALE + 3_600_000 / SCALE;
    const leaves = Date.now() + 8000;
    const leases = TableClient.fromConnectionString(stack.config.storage.connectionString, TABLES.mailboxes, { allowInsecureConnection: true });
    // One recipient short of the limit: a notification to two waits all the same.
    const budget = { recent: [], day: [[leaves - day, stack.config.sending.recipientsPerDay - 1]], pausedUntil: 0 };
    await leases.upsertEntity({ partitionKey: 'mailbox', rowKey: mailboxKey('notifications@contoso.test'), owner: '', leaseUntil: 0, budget: JSON.stringify(budget) }, 'Replace');
    await connectClassic(stack, 'nestor@contoso.test', catalogQ, 'notifications@contoso.test');
    await setEnabled(stack, 'nestor@contoso.test', catalogQ, true);
    const queued = await queue(catalogQ, { to: ['learner1@contoso.test', 'learner2@contoso.test'], subject: 'after the day', text: 'x' });
    const view = async () => (await stack.call('GET', catalogPath(catalogQ, '/connection'), { token: await stack.token('nestor@contoso.test') })).body;
    expect((await view()).outbox).toMatchObject({ held: 0, pacing: { reason: 'daily-limit', resumesAt: new Date(leaves).toISOString(), recipientsPerDay: stack.config.sending.recipientsPerDay } });
    // The LMS reads it on the notification too.
    expect((await status(catalogQ, queued.body.id)).body).toMatchObject({ status: 'queued', pacing: { reason: 'daily-limit', resumesAt: new Date(leaves).toISOString() } });
    const sent = await settled(catalogQ, queued.body.id);
    expect(sent.status).toBe('sent');
    expect(Date.parse(sent.sentAt)).toBeGreaterThanOrEqual(leaves);
    expect((await view()).outbox.pacing).toBeUndefined();
    expect('pacing' in sent).toBe(false);
  });

  it('passing faults - Graph 503s are retried with back-off and a 429 with Retry-After pauses the mailbox; neither is taken for a lost connection', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    await fault(stack, 'graph-failure', { status: 503, count: 2 });
    const first = await queue(catalogA, { to: ['learner1@contoso.test'], subject: 'after 503', text: 'x' });
    const done = await settled(catalogA, first.body.id);
    expect(done.status).toBe('sent');
    expect(done.history.some((h: { code?: string }) => h.code === 'SERVICE_UNAVAILABLE')).toBe(true);
    await fault(stack, 'throttle', { mailbox: 'adele@contoso.test', retryAfterSeconds: 1 });
    const second = await queue(catalogA, { to: ['learner1@contoso.test'], subject: 'after 429', text: 'x' });
    await eventually(async () => ((await status(catalogA, second.body.id)).body.history.some((h: { code?: string }) => h.code === 'THROTTLED') ? true : undefined), 30_000, 'a 429');
    // The deliveries list shows the live state (kept in the queue row while pending), not the one queued.
    const listed = await stack.call('GET', catalogPath(catalogA, '/deliveries'), { token: await stack.token('adele@contoso.test') });
    expect(listed.body.items.find((d: { id: string }) => d.id === second.body.id)).toMatchObject({ status: expect.stringMatching(/^(queued|sending)$/), code: 'THROTTLED' });
    await fault(stack, 'throttle', { mailbox: 'adele@contoso.test', clear: true });
    expect((await settled(catalogA, second.body.id)).status).toBe('sent');
    const view = await stack.call('GET', catalogPath(catalogA, '/connection'), { token: await stack.token('adele@contoso.test') });
    expect(view.body.health.state).toBe('connected');
  });

  it('Graph answers 504 after it took the message (its gateway timing out while Exchange sends): the retry goes with the same Message-ID and is counted as a resubmission', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    await fault(stack, 'graph-failure', { status: 504, count: 1, accepted: true });
    const queued = await queue(catalogA, { to: ['learner1@contoso.test'], subject: 'after a gateway timeout', text: 'x' });
    const done = await settled(catalogA, queued.body.id);
    expect([done.status, done.resubmissions]).toEqual(['sent', 1]);
    const sending = done.history.filter((h: { status: string }) => h.status === 'sending');
    expect(sending.map((h: { resubmission?: boolean }) => h.resubmission === true)).toEqual([false, true]);
    expect(done.history.some((h: { code?: string }) => h.code === 'SERVICE_UNAVAILABLE')).toBe(true);
    // Both copies carry the notification's Message-ID: a client that collapses equal ones shows one.
    expect(withId(await inbox(stack, 'learner1@contoso.test'), queued.body.id)).toHaveLength(2);
  });

  it('a message Graph refuses as not valid is MESSAGE_REJECTED (its own fault: it fails alone, at once); a 400 to another Graph request is not', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    // The catalog's transport as the engine opens it (real MSAL token, real Graph client, local tenant).
    const engineDeps = (stack.api.engine as unknown as { deps: { connections: { read: (c: string) => Promise<{ record: unknown }> }; credentials: { open: (r: unknown) => Promise<{ send: (m: unknown) => Promise<void>; call: (method: string, path: string, body?: unknown) => Promise<unknown>; close: () => Promise<void> }> } } }).deps;
    const transport = await engineDeps.credentials.open((await engineDeps.connections.read(catalogA)).record);
    try {
      const refused = await transport.send({ messageId: 'not-a-message-id', from: 'adele@contoso.test', to: ['learner1@contoso.test'], cc: [], bcc: [], subject: 'x', text: 'x' }).catch((e: { code?: string; upstream?: string }) => e);
      expect(refused).toMatchObject({ code: 'MESSAGE_REJECTED', upstream: 'Graph 400 ErrorInvalidInternetHeaderValue' });
      // free/busy asked without its times: Graph's 400 is no message's refusal
      const other = await transport.call('POST', '/me/calendar/getSchedule', {}).catch((e: { code?: string; upstream?: string }) => e);
      expect(other).toMatchObject({ code: 'SIGN_IN_FAILED', upstream: 'Graph 400 ErrorInvalidRequest' });
    } finally {
      await transport.close();
    }
  });

  it('held - a lost connection holds what is queued (202, held), keeps it, and sends it after reconnecting; an expired one is recorded, not sent', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    await fault(stack, 'password', { user: 'alex@contoso.test', password: 'new-password-1' });
    const lost = await queue(catalogB, { to: ['learner1@contoso.test'], subject: 'while lost 1', text: 'x' });
    expect(lost.status).toBe(202);
    const held = await eventually(async () => {
      const res = await status(catalogB, lost.body.id);
      return res.body.status === 'held' ? res.body : undefined;
    }, 30_000, 'the item to be held');
    expect(held.code).toBe('BAD_CREDENTIALS');
    const queuedWhileLost = await queue(catalogB, { to: ['learner1@contoso.test'], subject: 'while lost 2', text: 'x' });
    expect(queuedWhileLost.body.status).toBe('held');
    // 8 s: room for the view below on a loaded machine before it expires.
    const expiring = await queue(catalogB, { to: ['learner1@contoso.test'], subject: 'expires', text: 'x', expiresAt: new Date(Date.now() + 8000).toISOString() });
    expect(expiring.body.status).toBe('held');
    // One held can be cancelled: it no longer waits, and never goes.
    const withdrawn = await queue(catalogB, { to: ['learner1@contoso.test'], subject: 'withdrawn while lost', text: 'x' });
    expect(withdrawn.body.status).toBe('held');
    const cancelled = await cancel(catalogB, withdrawn.body.id);
    expect([cancelled.status, cancelled.body.status, cancelled.body.code]).toEqual([200, 'cancelled', 'NOTIFICATION_CANCELLED']);
    const viewOf = async (): Promise<any> => (await stack.call('GET', catalogPath(catalogB, '/connection'), { token: await stack.token('alex@contoso.test') })).body;
    const view = await viewOf();
    expect(view.health).toMatchObject({ state: 'lost', code: 'BAD_CREDENTIALS' });
    expect(view.outbox).toMatchObject({ waiting: 3, held: 3 });
    await new Promise((resolve) => setTimeout(resolve, 8500));
    expect((await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject.startsWith('while lost'))).toHaveLength(0);
    // Past its expiry while held: it reads expired (nothing can send it now), and no longer counts as held.
    const pastExpiry = (await status(catalogB, expiring.body.id)).body;
    expect(pastExpiry).toMatchObject({ status: 'expired', code: 'MESSAGE_EXPIRED' });
    // Its history ends as its status does (not yet stored: a held catalog is not drained), at its expiry.
    expect(pastExpiry.history[pastExpiry.history.length - 1]).toEqual({ at: pastExpiry.expiresAt, status: 'expired', code: 'MESSAGE_EXPIRED' });
    expect((await viewOf()).outbox).toMatchObject({ waiting: 2, held: 2 });
    const listed = await stack.call('GET', catalogPath(catalogB, '/deliveries'), { token: await stack.token('alex@contoso.test') });
    expect(listed.body.counts).toMatchObject({ held: 2, expired: 1, cancelled: 1 });
    // No drain would record it while the catalog is held (for ever, were it disconnected): the
    // retention job does, so its content goes after OUTBOX_CONTENT_DAYS like any final item's.
    // The held ones stay held.
    // (The job's own run, without its lease: an earlier test ran it, and its lease lasts a day.)
    expect(await stack.api.monitor.prune()).toMatchObject({ expired: 1, failed: 0 });
    const recorded = (await status(catalogB, expiring.body.id)).body;
    expect(recorded.history.filter((h: { status: string }) => h.status === 'expired')).toHaveLength(1);
    // Stored now, at the job's time (the status read's own entry was at the expiry).
    expect(Date.parse(recorded.history[recorded.history.length - 1].at)).toBeGreaterThan(Date.parse(recorded.expiresAt));
    expect((await status(catalogB, lost.body.id)).body.status).toBe('held');
    expect((await viewOf()).outbox).toMatchObject({ waiting: 2, held: 2 });
    await connectClassic(stack, 'alex@contoso.test', catalogB, 'alex@contoso.test', 'new-password-1');
    const finals = await Promise.all([lost.body.id, queuedWhileLost.body.id, expiring.body.id].map((id) => settled(catalogB, id)));
    expect(finals.map((f) => f.status)).toEqual(['sent', 'sent', 'expired']);
    expect(finals[2].code).toBe('MESSAGE_EXPIRED');
    // Once the drain recorded it, the history has its stored entry, and only one.
    expect(finals[2].history.filter((h: { status: string }) => h.status === 'expired')).toHaveLength(1);
    expect((await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject.startsWith('while lost'))).toHaveLength(2);
    expect((await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject === 'expires' || m.subject === 'withdrawn while lost')).toHaveLength(0);
    expect((await status(catalogB, withdrawn.body.id)).body.status).toBe('cancelled');
  });

  it('cancel - the LMS cancels a notification that waits: it never goes, cancelling again answers the same; one sent is not cancellable; only the LMS, only through its catalog', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    const tag = randomUUID().slice(0, 8);
    const soon = new Date(Date.now() + 3000).toISOString();
    const laterBody = { to: ['learner1@contoso.test'], subject: `Cancelled ${tag}`, text: 'x', notBefore: soon };
    const laterKey = randomUUID();
    const later = await queue(catalogA, laterBody, laterKey);
    const control = await queue(catalogA, { to: ['learner1@contoso.test'], subject: `Kept ${tag}`, text: 'x', notBefore: soon });
    expect([later.body.status, control.body.status]).toEqual(['queued', 'queued']);
    // A signed-in user, another catalog, an id nobody made: refused, and nothing changes.
    expect((await cancel(catalogA, later.body.id, await stack.token('adele@contoso.test'))).body.code).toBe('APP_ONLY');
    expect((await cancel(catalogB, later.body.id)).body.code).toBe('NOTIFICATION_NOT_FOUND');
    expect((await cancel(catalogA, randomUUID())).status).toBe(404);
    expect((await status(catalogA, later.body.id)).body.status).toBe('queued');
    const first = await cancel(catalogA, later.body.id);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: later.body.id, status: 'cancelled', code: 'NOTIFICATION_CANCELLED', sentAt: null, attempts: 0 });
    expect(first.body.history.map((h: { status: string }) => h.status)).toEqual(['queued', 'cancelled']);
    const again = await cancel(catalogA, later.body.id.toUpperCase());
    expect([again.status, again.body.status, again.body.history.length]).toEqual([200, 'cancelled', 2]);
    // Its key stays its own: the same request again answers the cancelled notification.
    const repeated = await queue(catalogA, laterBody, laterKey);
    expect([repeated.status, repeated.body.id, repeated.body.status, repeated.body.duplicate]).toEqual([202, later.body.id, 'cancelled', true]);
    // The one beside it, due at the same time, goes; the cancelled one never does.
    expect((await settled(catalogA, control.body.id)).status).toBe('sent');
    const received = await inbox(stack, 'learner1@contoso.test');
    expect([withId(received, control.body.id).length, withId(received, later.body.id).length]).toEqual([1, 0]);
    const tooLate = await cancel(catalogA, control.body.id);
    expect([tooLate.status, tooLate.body.code, tooLate.body.detail]).toEqual([409, 'NOTIFICATION_NOT_CANCELLABLE', 'Its status is sent.']);
    // The catalog's admins see it in the deliveries list, with why.
    const listed = await stack.call('GET', catalogPath(catalogA, '/deliveries?status=cancelled'), { token: await stack.token('adele@contoso.test') });
    expect(listed.body.items.find((i: { id: string }) => i.id === later.body.id)).toMatchObject({ status: 'cancelled', code: 'NOTIFICATION_CANCELLED', subject: `Cancelled ${tag}` });
    expect(listed.body.counts.cancelled).toBeGreaterThanOrEqual(1);
  });

  it('cancel - racing the drain: each notification is cancelled or sent, never both, and the answer says which', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    const tag = randomUUID().slice(0, 8);
    const items = Array.from({ length: 40 }, (_, i) => ({ key: randomUUID(), to: ['learner3@contoso.test'], subject: `Race ${tag} ${i}`, text: 'x' }));
    const queued = await stack.call('POST', catalogPath(catalogA, '/notifications/batch'), { token: lms, body: { items } });
    const ids = (queued.body.items as Array<{ id: string }>).map((item) => item.id);
    const answers = await Promise.all(ids.map((id) => cancel(catalogA, id)));
    expect(answers.every((a) => (a.status === 200 && a.body.status === 'cancelled') || (a.status === 409 && a.body.code === 'NOTIFICATION_NOT_CANCELLABLE'))).toBe(true);
    const refused = ids.filter((_, i) => answers[i].status === 409);
    const finals = await Promise.all(refused.map((id) => settled(catalogA, id)));
    expect(finals.every((f) => f.status === 'sent')).toBe(true);
    // Give a wrongly sent cancelled one time to arrive: the drain is idle once its last one is sent.
    await eventually(async () => ((await status(catalogA, ids[ids.length - 1])).body.status !== 'queued' ? true : undefined), 30_000, 'the last one to be final');
    const received = await inbox(stack, 'learner3@contoso.test');
    expect(ids.map((id) => withId(received, id).length)).toEqual(ids.map((_, i) => (answers[i].status === 409 ? 1 : 0)));
  });

  it('switched off, then disconnected, in the middle of a burst - once either has answered, only the submissions already on their way arrive; the rest wait, held, and go once switched on again', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    // Slow sends (4 at a time, 300 ms each): the drain is in the middle of its page when the switch goes off.
    await fault(stack, 'latency', { ms: 300 });
    try {
      const items = Array.from({ length: 60 }, (_, i) => ({ key: randomUUID(), to: ['learner1@contoso.test'], subject: `burst ${i}`, text: 'x' }));
      const queued = await stack.call('POST', catalogPath(catalogA, '/notifications/batch'), { token: lms, body: { items } });
      expect(queued.status).toBe(202);
      const arrived = async (): Promise<number> => (await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject.startsWith('burst ')).length;
      await eventually(async () => ((await arrived()) >= 3 ? true : undefined), 30_000, 'the burst to start');
      await setEnabled(stack, 'adele@contoso.test', catalogA, false);
      const atSwitchOff = await arrived();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      // At most the mailbox's concurrent submissions were on their way (before: the rest of the page went).
      const afterSwitchOff = await arrived();
      expect(afterSwitchOff - atSwitchOff).toBeLessThanOrEqual(4);
      expect(afterSwitchOff).toBeLessThan(60);
      const ids = (queued.body.items as Array<{ id: string }>).map((i) => i.id);
      const statuses = await Promise.all(ids.map(async (id) => (await status(catalogA, id)).body));
      expect(statuses.filter((s) => s.status === 'sent')).toHaveLength(afterSwitchOff);
      expect(statuses.filter((s) => s.status === 'held').every((s) => s.code === 'CATALOG_DISABLED')).toBe(true);
      expect(statuses.filter((s) => s.status === 'held')).toHaveLength(60 - afterSwitchOff);

      // On again: the burst goes on; disconnected in its middle, it stops the same way.
      await setEnabled(stack, 'adele@contoso.test', catalogA, true);
      await eventually(async () => ((await arrived()) >= afterSwitchOff + 3 ? true : undefined), 30_000, 'the burst to go on');
      const disconnected = await stack.call('DELETE', catalogPath(catalogA, '/connection'), { token: await stack.token('adele@contoso.test') });
      expect(disconnected.status).toBe(200);
      const atDisconnect = await arrived();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const afterDisconnect = await arrived();
      expect(afterDisconnect - atDisconnect).toBeLessThanOrEqual(4);
      expect(afterDisconnect).toBeLessThan(60);
      // The page of a disconnected catalog still sees what waits for an account, all of it held.
      const view = await stack.call('GET', catalogPath(catalogA, '/connection'), { token: await stack.token('adele@contoso.test') });
      // (Earlier tests of this suite may have left items of their own in the catalog's outbox.)
      expect(view.body.method).toBeNull();
      expect(view.body.outbox.waiting).toBeGreaterThanOrEqual(60 - afterDisconnect);
      expect(view.body.outbox.held).toBe(view.body.outbox.waiting);

      // Connected again: every one of the burst arrives, once.
      await fault(stack, 'latency', { ms: 0 });
      await connectModern(stack, 'adele@contoso.test', catalogA);
      await setEnabled(stack, 'adele@contoso.test', catalogA, true);
      await eventually(async () => ((await arrived()) >= 60 ? true : undefined), 60_000, 'the whole burst');
      const subjects = (await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject.startsWith('burst ')).map((m) => m.subject);
      expect(new Set(subjects).size).toBe(60);
      expect(subjects).toHaveLength(60);
    } finally {
      await fault(stack, 'latency', { ms: 0 });
    }
  });

  it('slow sends - the mailbox lease never lapses while its drain works through a page (another instance could take the mailbox and send again)', async () => {
    await connectModern(stack, 'adele@contoso.test', catalogA);
    await setEnabled(stack, 'adele@contoso.test', catalogA, true);
    // Each Graph request takes 2.5 s: 20 notifications, 4 at a time, keep the drain busy about 12.5 s, more than twice the 5 s lease.
    await fault(stack, 'latency', { ms: 2500 });
    const items = Array.from({ length: 20 }, (_, i) => ({ key: randomUUID(), to: ['learner1@contoso.test'], subject: `slow ${i}`, text: 'x' }));
    const res = await stack.call('POST', catalogPath(catalogA, '/notifications/batch'), { token: lms, body: { items } });
    expect(res.status).toBe(202);
    const leases = TableClient.fromConnectionString(stack.config.storage.connectionString, TABLES.mailboxes, { allowInsecureConnection: true });
    const samples: Array<{ at: number; leaseUntil: number }> = [];
    let arrived = 0;
    const deadline = Date.now() + 40_000;
    while (arrived < 20 && Date.now() < deadline) {
      const row = await leases.getEntity<{ leaseUntil: number }>('mailbox', mailboxKey('adele@contoso.test')).catch(() => undefined);
      if (row) {
        samples.push({ at: Date.now(), leaseUntil: Number(row.leaseUntil) });
      }
      arrived = (await inbox(stack, 'learner1@contoso.test')).filter((m) => m.subject.startsWith('slow ')).length;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(arrived).toBe(20);
    // From the first sample that shows the drain holding the lease until the last message arrived.
    const held = samples.slice(samples.findIndex((s) => s.leaseUntil > s.at));
    expect(held.length).toBeGreaterThan(10);
    expect(held.filter((s) => s.leaseUntil <= s.at)).toEqual([]);
  });

  it('two catalogs sharing one mailbox take turns: an urgent one of the second is not held up by the first one\'s backlog, and the mailbox\'s pacing holds across both', async () => {
    // Catalog C and catalog Q both send as lynne (Classic, her password): one mailbox, one budget.
    await connectClassic(stack, 'lynne@contoso.test', catalogC);
    await setEnabled(stack, 'lynne@contoso.test', catalogC, true);
    await connectClassic(stack, 'nestor@contoso.test', catalogQ, 'lynne@contoso.test');
    await setEnabled(stack, 'nestor@contoso.test', catalogQ, true);
    const backlog = Array.from({ length: 300 }, (_, i) => ({ key: randomUUID(), to: ['learner2@contoso.test'], subject: `shared backlog ${i}`, text: 'x', priority: 'bulk' }));
    const queued = await stack.call('POST', catalogPath(catalogC, '/notifications/batch'), { token: lms, body: { items: backlog } });
    expect(queued.status).toBe(202);
    // Catalog C's drain holds the mailbox and works through its backlog (30 a scaled minute: 10 s).
    await eventually(async () => ((await inbox(stack, 'learner2@contoso.test')).some((m) => m.subject.startsWith('shared backlog ')) ? true : undefined), 20_000, 'the backlog to start');
    const urgent = await queue(catalogQ, { to: ['learner1@contoso.test'], subject: 'shared urgent', text: 'x', priority: 'urgent' });
    expect(urgent.status).toBe(202);
    const urgentFinal = await settled(catalogQ, urgent.body.id);
    expect(urgentFinal.status).toBe('sent');
    const all = await eventually(async () => {
      const got = (await inbox(stack, 'learner2@contoso.test')).filter((m) => m.subject.startsWith('shared backlog '));
      return got.length === 300 ? got : undefined;
    }, 60_000, 'the backlog to be sent');
    const lastBacklog = Math.max(...all.map((m) => Date.parse(m.receivedDateTime)));
    // The urgent one went while the backlog still had seconds to go, not after it.
    expect(Date.parse(urgentFinal.sentAt)).toBeLessThan(lastBacklog - 2000);
    const counters = await mailboxCounters(stack, 'lynne@contoso.test');
    expect([counters.delayed, counters.rejected, counters.duplicatesByMessageId]).toEqual([0, 0, {}]);
  });

  it('two API instances on one storage - every message once, and the mailbox pacing holds across them', async () => {
    const logs = new LogCapture();
    const second: RunningApi = await startApi(loadConfig({ ...process.env, ...apiEnv(stack, { LOG_LEVEL: 'info' }) }), { logDestination: logs });
    try {
      await connectClassic(stack, 'lynne@contoso.test', catalogC);
      await setEnabled(stack, 'lynne@contoso.test', catalogC, true);
      const ids: string[] = [];
      for (let i = 0; i < 60; i += 10) {
        const items = Array.from({ length: 10 }, (_, j) => ({ key: randomUUID(), to: ['learner2@contoso.test'], subject: `two ${i + j}`, text: 'x' }));
        // alternate the instance that takes the request: both wake workers
        const target = i % 20 === 0 ? stack.api.url : second.url;
        const res = await fetch(`${target}${catalogPath(catalogC, '/notifications/batch')}`, { method: 'POST', headers: { authorization: `Bearer ${lms}`, 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
        expect(res.status).toBe(202);
        ids.push(...((await res.json()) as { items: { id: string }[] }).items.map((x) => x.id));
      }
      const got = await eventually(async () => {
        const all = (await inbox(stack, 'learner2@contoso.test')).filter((m) => m.subject.startsWith('two '));
        return all.length >= 60 ? all : undefined;
      }, 60_000, '60 messages');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const final = (await inbox(stack, 'learner2@contoso.test')).filter((m) => m.subject.startsWith('two '));
      expect(final).toHaveLength(60);
      expect(new Set(final.map((m) => m.internetMessageId)).size).toBe(60);
      void got;
      const times = final.map((m) => Date.parse(m.receivedDateTime)).sort((x, y) => x - y);
      for (const t of times) {
        expect(times.filter((u) => u >= t && u < t + 60_000 / SCALE).length).toBeLessThanOrEqual(30);
      }
    } finally {
      await second.close();
    }
  });

  // Last: its notifications wait (notBefore 300 days ahead), and the tests above count what waits in catalog B.
  it('idempotency - a batch sent again with new items beside the stored ones (its answer was lost): the stored ones answer as themselves, the new ones are queued; a key sent in UTF-8 in the header is the same key as in a batch item', async () => {
    await connectClassic(stack, 'alex@contoso.test', catalogB);
    await setEnabled(stack, 'alex@contoso.test', catalogB, true);
    const tag = randomUUID().slice(0, 8);
    const waits = new Date(Date.now() + 300 * 86_400_000).toISOString();
    const item = (i: number) => ({ key: `${tag}-${i}`, to: ['learner2@contoso.test'], subject: `Again ${tag} ${i}`, text: 'x', notBefore: waits });
    const send = (items: unknown[]) => stack.call('POST', catalogPath(catalogB, '/notifications/batch'), { token: lms, body: { items } });
    const first = await send(Array.from({ length: 60 }, (_, i) => item(i)));
    expect(first.status).toBe(202);
    const again = await send(Array.from({ length: 80 }, (_, i) => item(i)));
    expect(again.status).toBe(202);
    const answers = again.body.items as Array<{ id: string; duplicate: boolean }>;
    expect(answers.slice(0, 60).map((a) => [a.id, a.duplicate])).toEqual((first.body.items as Array<{ id: string }>).map((a) => [a.id, true]));
    expect(answers.slice(60).every((a) => a.duplicate === false && !first.body.items.some((f: { id: string }) => f.id === a.id))).toBe(true);

    const key = `コース42/登録/${tag}`;
    const body = { to: ['learner2@contoso.test'], subject: `UTF-8 key ${tag}`, text: 'x', notBefore: waits };
    const viaHeader = await queue(catalogB, body, Buffer.from(key, 'utf8').toString('latin1'));
    expect(viaHeader.status).toBe(202);
    const viaBatch = await send([{ key, ...body }]);
    expect([viaBatch.body.items[0].id, viaBatch.body.items[0].duplicate]).toEqual([viaHeader.body.id, true]);
    // The header drops the spaces around a key; a batch item's key with them would be another key, so it is refused, whole batch.
    const spaced = await send([item(80), { key: ` ${key} `, ...body }]);
    expect([spaced.status, spaced.body.code, spaced.body.detail]).toEqual([400, 'VALIDATION_FAILED', 'body.items[1].key must not start or end with white space, nor hold control characters.']);
    expect((await send([item(80)])).body.items[0].duplicate).toBe(false);
  });
});
