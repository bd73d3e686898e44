import { QueueClient } from '@azure/storage-queue';
import { WakeQueue } from '../../src/sending/wakeQueue';
import { RunningAzurite, startAzurite } from '../support/azurite';

jest.setTimeout(60_000);

/** The outbox's wake-up queue against Azurite's queue service. */
describe('WakeQueue on Azurite', () => {
  let azurite: RunningAzurite;
  let client: QueueClient;
  let wakes: WakeQueue;
  let requests = 0;

  beforeAll(async () => {
    azurite = await startAzurite();
    client = new QueueClient(azurite.connectionString, 'wake-test');
    wakes = await WakeQueue.open(client, () => requests++);
  });

  afterAll(async () => {
    await azurite.stop();
  });

  it('a wake reaches one receiver with its catalog, stays hidden while extended, and is gone once done', async () => {
    await wakes.wake('https://contoso.test/sites/a');
    const [received, ...more] = await wakes.receive(5, 30);
    expect(more).toEqual([]);
    expect(received.catalog).toBe('https://contoso.test/sites/a');
    expect(await wakes.receive(5, 30)).toEqual([]);
    const extended = await wakes.extend(received, 0);
    expect(extended?.popReceipt).not.toBe(received.popReceipt);
    // Visible again at once (what a worker that stops does), then done with the new receipt.
    const [again] = await wakes.receive(5, 30);
    expect(again.messageId).toBe(received.messageId);
    await wakes.done(again);
    await wakes.extend(again, 0);
    expect(await wakes.receive(5, 1)).toEqual([]);
  });

  it('a delayed wake is seen only after its delay, and it never expires (a delay of nearly 7 days would outlive the default time-to-live)', async () => {
    await wakes.wake('https://contoso.test/sites/later', 2);
    expect(await wakes.receive(5, 30)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const raw = await client.receiveMessages({ numberOfMessages: 5 });
    expect(raw.receivedMessageItems).toHaveLength(1);
    // Azure's "never" for a message sent with messageTimeToLive -1.
    expect(raw.receivedMessageItems[0].expiresOn.getUTCFullYear()).toBe(9999);
    await client.deleteMessage(raw.receivedMessageItems[0].messageId, raw.receivedMessageItems[0].popReceipt);
  });

  it('a message that is not a wake is removed, not handed out; each storage request is counted', async () => {
    await client.sendMessage(Buffer.from('{"not":"ours"}').toString('base64'));
    await client.sendMessage('not even base64 JSON');
    const before = requests;
    expect(await wakes.receive(5, 30)).toEqual([]);
    expect(requests - before).toBe(3);
    expect((await client.peekMessages({ numberOfMessages: 5 })).peekedMessageItems).toEqual([]);
  });
});
