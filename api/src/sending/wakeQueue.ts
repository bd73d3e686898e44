import { QueueClient } from '@azure/storage-queue';
import { STORAGE_TIMEOUTS, storageError } from '../storage/tables';

/**
 * A queue call's bound (the queue SDK's own `tryTimeoutInMs` only asks the server for a timeout: a
 * service that accepts and never answers held the call for ever), with the caller's abort if any.
 */
function bound(caller?: AbortSignal, ms: number = STORAGE_TIMEOUTS.callMs): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return caller ? AbortSignal.any([caller, timeout]) : timeout;
}

export interface WakeMessage {
  catalog: string;
}

export interface ReceivedWake extends WakeMessage {
  messageId: string;
  popReceipt: string;
}

/** The whole seconds a wake asked for `delaySeconds` from now stays invisible: Azure allows up to 7 days. */
export function wakeDelaySeconds(delaySeconds: number): number {
  // A delay that is not a number wakes now (the drain reads the due times itself).
  return Number.isFinite(delaySeconds) ? Math.min(Math.max(0, Math.ceil(delaySeconds)), 7 * 86_400 - 1) : 0;
}

/**
 * The outbox's wake-up queue (Azure Storage Queues). It carries no notification, only "look at
 * this catalog": the table is the truth, so a lost, repeated or late message costs a look, never
 * a message. A wake is deleted only after its catalog was drained, so a crashed worker's wake
 * comes back when its visibility timeout ends.
 */
export class WakeQueue {
  private constructor(private readonly queue: QueueClient, private readonly count: () => void, private readonly callMs: number) {}

  public static async open(client: QueueClient, onRequest: () => void = () => undefined, callMs: number = STORAGE_TIMEOUTS.callMs): Promise<WakeQueue> {
    try {
      await client.createIfNotExists({ abortSignal: bound(undefined, callMs) });
    } catch (error) {
      throw storageError(error);
    }
    return new WakeQueue(client, onRequest, callMs);
  }

  /** A call's abort signal: its bound, and the caller's abort if any. */
  private signal(caller?: AbortSignal): AbortSignal {
    return bound(caller, this.callMs);
  }

  /**
   * Wakes a worker for the catalog now, or after `delaySeconds` (Azure allows up to 7 days: a
   * notification due later is woken for then, finds nothing due and wakes itself again). The
   * message never expires: with the default time-to-live (7 days) a wake delayed by nearly as
   * much would expire about when it became visible, and what it stood for would wait for
   * another wake of its catalog.
   */
  public async wake(catalog: string, delaySeconds = 0): Promise<void> {
    const visibilityTimeout = wakeDelaySeconds(delaySeconds);
    try {
      this.count();
      await this.queue.sendMessage(Buffer.from(JSON.stringify({ catalog } satisfies WakeMessage)).toString('base64'), { visibilityTimeout, messageTimeToLive: -1, abortSignal: this.signal() });
    } catch (error) {
      throw storageError(error);
    }
  }

  /** Whether the queue answers (readiness): its properties, one request. */
  public async ready(abortSignal?: AbortSignal): Promise<void> {
    this.count();
    await this.queue.getProperties({ abortSignal: this.signal(abortSignal) });
  }

  public async receive(count: number, visibilitySeconds: number): Promise<ReceivedWake[]> {
    try {
      this.count();
      const response = await this.queue.receiveMessages({ numberOfMessages: Math.min(32, Math.max(1, count)), visibilityTimeout: visibilitySeconds, abortSignal: this.signal() });
      const out: ReceivedWake[] = [];
      for (const m of response.receivedMessageItems) {
        try {
          const body = JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as Partial<WakeMessage>;
          if (typeof body.catalog === 'string') {
            out.push({ catalog: body.catalog, messageId: m.messageId, popReceipt: m.popReceipt });
            continue;
          }
        } catch {
          // Not ours: dropped below.
        }
        this.count();
        await this.queue.deleteMessage(m.messageId, m.popReceipt, { abortSignal: this.signal() }).catch(() => undefined);
      }
      return out;
    } catch (error) {
      throw storageError(error);
    }
  }

  /** Keeps a wake invisible while its catalog is drained; answers the new pop receipt (or undefined if it is gone). */
  public async extend(message: ReceivedWake, visibilitySeconds: number): Promise<ReceivedWake | undefined> {
    try {
      this.count();
      const response = await this.queue.updateMessage(message.messageId, message.popReceipt, undefined, visibilitySeconds, { abortSignal: this.signal() });
      return response.popReceipt ? { ...message, popReceipt: response.popReceipt } : undefined;
    } catch {
      return undefined;
    }
  }

  public async done(message: ReceivedWake): Promise<void> {
    this.count();
    await this.queue.deleteMessage(message.messageId, message.popReceipt, { abortSignal: this.signal() }).catch(() => undefined);
  }
}
