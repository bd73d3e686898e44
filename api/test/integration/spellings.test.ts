import { loadConfig } from '../../src/config/config';
import { RunningApi, startApi } from '../../src/server';
import { LogCapture } from '../support/inProcessApi';
import { apiEnv, appToken, catalogPath, connectModern, eventually, inbox, mailboxCounters, setEnabled } from '../support/sending';
import { useStack } from '../support/stack';

jest.setTimeout(120_000);

const SCALE = 60;

/** One identity written two ways (an address in another case, ...) is one identity: never two deliveries or two budgets. */
describe('spellings of one identity (real API, local tenant, Azurite over loopback)', () => {
  const stack = useStack({ SEND_WORKER: 'false', SEND_TIME_SCALE: String(SCALE) }, { tenantTimeScale: SCALE, reset: 'tenant+storage' });
  const workers: RunningApi[] = [];

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
  });

  const startWorker = async (extra: Record<string, string> = {}): Promise<RunningApi> => {
    const worker = await startApi(loadConfig({ ...process.env, ...apiEnv(stack, extra) }), { logDestination: new LogCapture() });
    workers.push(worker);
    return worker;
  };

  it('a notification that lists one address twice (in another case, in bcc beyond the first message) is sent to it once - a message of its own each time, Exchange would deliver both', async () => {
    const catalog = stack.catalogUrl('catalog-a');
    await connectModern(stack, 'adele@contoso.test', catalog);
    await setEnabled(stack, 'adele@contoso.test', catalog, true);
    const lms = await appToken(stack);
    // Two recipients a message: the list is cut in parts, the second spelling lands in a later one.
    const worker = await startWorker({ SEND_RECIPIENTS_PER_MESSAGE: '2' });
    const body = { to: ['learner1@contoso.test'], bcc: ['r0@partner.example', 'r1@partner.example', 'Learner1@Contoso.test'], subject: 'listed twice', text: 'x' };
    const queued = await fetch(`${worker.url}${catalogPath(catalog, '/notifications')}`, { method: 'POST', headers: { authorization: `Bearer ${lms}`, 'content-type': 'application/json', 'idempotency-key': 'listed-twice' }, body: JSON.stringify(body) });
    expect(queued.status).toBe(202);
    const { id } = (await queued.json()) as { id: string };
    const status = async (): Promise<{ status: string; recipients: number }> => (await stack.call('GET', catalogPath(catalog, `/notifications/${id}`), { token: lms })).body;
    const sent = await eventually(async () => ((await status()).status === 'sent' ? status() : undefined), 30_000, 'the notification to be sent');
    // What the partner addresses received says every part went out.
    await eventually(async () => ((await inbox(stack, 'r1@partner.example')).length === 1 ? true : undefined), 10_000, 'the last part');
    expect((await inbox(stack, 'learner1@contoso.test')).map((m) => m.subject)).toEqual(['listed twice']);
    expect(sent.recipients).toBe(3);
    expect((await mailboxCounters(stack, 'adele@contoso.test')).submissions).toBe(2);
  });
});
