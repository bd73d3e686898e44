import { createHash } from 'node:crypto';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { RestError, TableClient, TableEntity } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { ApiError } from '../errors/apiError';
import { azureCredential } from './credential';

export const TABLES = {
  /** Each catalog's connection record (row 'connection') and sealed secret (row 'secret'), one partition per catalog. */
  connections: 'connections',
  signIns: 'pendingsignins',
  outbox: 'outbox',
  mailboxes: 'mailboxes',
  settingsLists: 'settingslists',
  sessions: 'sessions',
  /** Limits shared by the instances: the Classic connect attempt counters (auth/classicAttempts.ts). */
  limits: 'limits'
} as const;

/** The outbox's wake-up queue. */
export const WAKE_QUEUE = 'outbox-wake';

export type TableName = (typeof TABLES)[keyof typeof TABLES];

/**
 * U+2028 and U+2029 as JSON escapes in what goes to the table service. JSON.stringify leaves them
 * raw (they are valid in a JSON string), and Azurite refuses an entity-group transaction whose
 * body holds one (400), while it takes the same entity written alone: a notification whose text
 * held one was answered 503 "repeat" for ever, its batch stored up to its transaction. The escape
 * is the same JSON value, so Azure Storage stores the same string. They can only stand inside a
 * JSON string there: the multipart envelope around it is ASCII.
 */
export const lineSeparatorEscape: PipelinePolicy = {
  name: 'lmsLineSeparatorEscape',
  sendRequest: (request, next) => {
    if (typeof request.body === 'string') {
      request.body = request.body.replace(/[\u2028\u2029]/g, (separator) => `\\u${separator.charCodeAt(0).toString(16)}`);
    }
    return next(request);
  }
};

/**
 * How long storage may take. Without a bound a storage service that stops answering (rather than
 * refusing) held every request and job for as long as the socket lived, and nothing was logged.
 * Each try of a table request gets `tryMs` and is retried by the SDK like a network fault; a whole
 * call, its retries included, gets `callMs` (the queue client's calls too: WakeQueue). Storage
 * answers in milliseconds when well; a busy one (503 ServerBusy, retried with back-off) keeps
 * its retries within the call's bound.
 */
export const STORAGE_TIMEOUTS = { tryMs: 10_000, callMs: 30_000 };

/** The error of a request the bound ended: a "system error" the SDK's retry strategy retries (ETIMEDOUT). */
export class StorageTimeoutError extends RestError {
  public constructor(ms: number) {
    super(`storage did not answer within ${ms / 1000} s`, { code: 'ETIMEDOUT' });
    this.name = 'StorageTimeoutError';
  }
}

/**
 * Runs `next` with an abort signal that ends after `ms` or when the request's own signal does,
 * then restores the request's signal (a retry sends the same request object again) and clears
 * its timer (the HTTP client's own `timeout` leaves its timer running after a failure).
 */
function bounded(ms: number, retriable: boolean): PipelinePolicy {
  return {
    name: retriable ? 'lmsStorageTryTimeout' : 'lmsStorageCallTimeout',
    sendRequest: async (request, next) => {
      const bound = new AbortController();
      const caller = request.abortSignal;
      const abort = (): void => bound.abort();
      if (caller?.aborted) {
        bound.abort();
      }
      caller?.addEventListener('abort', abort);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        bound.abort();
      }, ms);
      request.abortSignal = bound.signal;
      try {
        return await next(request);
      } catch (error) {
        // A try the bound ended is a timeout the SDK retries; the caller's own abort stays an abort.
        throw timedOut && !caller?.aborted ? new StorageTimeoutError(ms) : error;
      } finally {
        clearTimeout(timer);
        caller?.removeEventListener('abort', abort);
        request.abortSignal = caller;
      }
    }
  };
}

/** The table clients' bounds: each try (retried), and the call as a whole (not retried). */
export function storageTimeoutPolicies(timeouts = STORAGE_TIMEOUTS): Array<{ policy: PipelinePolicy; position: 'perCall' | 'perRetry' }> {
  return [
    { policy: bounded(timeouts.callMs, false), position: 'perCall' },
    { policy: bounded(timeouts.tryMs, true), position: 'perRetry' }
  ];
}

/** Opens (and creates if needed) the API's tables. */
export async function openTables(connectionString: string, policy?: PipelinePolicy, timeouts = STORAGE_TIMEOUTS): Promise<Record<TableName, TableClient>> {
  const allowInsecureConnection = /DefaultEndpointsProtocol=http;|Endpoint=http:\/\//i.test(connectionString);
  const clients = {} as Record<TableName, TableClient>;
  for (const name of Object.values(TABLES)) {
    const policies = [...[lineSeparatorEscape, ...(policy ? [policy] : [])].map((p) => ({ policy: p, position: 'perCall' as const })), ...storageTimeoutPolicies(timeouts)];
    const options = { allowInsecureConnection, additionalPolicies: policies };
    const identity = identityEndpoints(connectionString);
    const client = identity ? new TableClient(identity.table, name, azureCredential(), options) : TableClient.fromConnectionString(connectionString, name, options);
    await client.createTable();
    clients[name] = client;
  }
  return clients;
}

/** A client of the outbox's wake-up queue (created by WakeQueue.open). */
export function queueClient(connectionString: string): QueueClient {
  const identity = identityEndpoints(connectionString);
  return identity ? new QueueClient(`${identity.queue.replace(/\/+$/, '')}/${WAKE_QUEUE}`, azureCredential()) : new QueueClient(connectionString, WAKE_QUEUE);
}

/**
 * A storage account with shared-key access off (infra/): the setting names only the endpoints,
 * "TableEndpoint=https://x.table.core.windows.net;QueueEndpoint=https://x.queue.core.windows.net",
 * and the API signs in with its managed identity (Storage Table/Queue Data Contributor).
 */
export function identityEndpoints(connectionString: string): { table: string; queue: string } | undefined {
  if (/AccountKey=|SharedAccessSignature=|UseDevelopmentStorage=/i.test(connectionString)) {
    return undefined;
  }
  const table = /TableEndpoint=([^;]+)/i.exec(connectionString)?.[1];
  const queue = /QueueEndpoint=([^;]+)/i.exec(connectionString)?.[1];
  return table && queue ? { table, queue } : undefined;
}

/**
 * Table keys cannot hold '/', '#', '?'; a catalog's URL is hashed into its partition key.
 * SharePoint site URLs are case-insensitive, so /sites/Catalog-A and /sites/catalog-a are one catalog.
 */
export function catalogKey(catalog: string): string {
  return createHash('sha256').update(catalog.toLowerCase(), 'utf8').digest('hex');
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : (error as { statusCode?: number } | undefined)?.statusCode;
}

/** A storage call ended by its bound: a try's (ETIMEDOUT) or the whole call's (an abort). */
function timedOut(error: unknown): boolean {
  const e = error as { code?: string; name?: string } | undefined;
  return e?.code === 'ETIMEDOUT' || e?.name === 'AbortError';
}

/** Seconds a caller waits before repeating a request that met a storage fault (503 Retry-After). */
export const STORAGE_RETRY_AFTER_SECONDS = 10;

/** Storage failures the caller can retry; the API answers them as 503 with Retry-After, never as a stack trace. */
export function storageError(error: unknown): ApiError {
  return new ApiError('SERVICE_UNAVAILABLE', { upstream: `storage ${statusOf(error) ?? (timedOut(error) ? 'timeout' : 'unreachable')}`, retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS });
}

/**
 * An ETag-conditional write that failed: another writer came first (412 on replace, 409 on
 * create, 404 when the row went) is CHANGED_BY_SOMEONE_ELSE; anything else is a storage fault.
 */
export function conditionalWriteError(error: unknown): ApiError {
  const status = statusOf(error);
  return status === 412 || status === 409 || status === 404 ? new ApiError('CHANGED_BY_SOMEONE_ELSE') : storageError(error);
}

/** Deletes a row; one already gone is no fault. Another failure is thrown as the SDK gave it. */
export async function deleteRow(client: TableClient, partitionKey: string, rowKey: string): Promise<void> {
  await client.deleteEntity(partitionKey, rowKey).catch((error: unknown) => {
    if (statusOf(error) !== 404) {
      throw error;
    }
  });
}

/**
 * Deletes, one by one, the rows `filter` lists (reading the properties `select` names) that `also`
 * keeps; a row gone meanwhile is no fault. Answers how many; a storage fault is SERVICE_UNAVAILABLE.
 */
export async function deleteWhere<T extends object>(client: TableClient, filter: string | undefined, select: string[], also: (row: T) => boolean = () => true): Promise<number> {
  let deleted = 0;
  try {
    for await (const row of client.listEntities<T>({ queryOptions: { filter, select: ['PartitionKey', 'RowKey', ...select] } })) {
      if (!also(row)) {
        continue;
      }
      await deleteRow(client, row.partitionKey as string, row.rowKey as string);
      deleted++;
    }
  } catch (error) {
    throw storageError(error);
  }
  return deleted;
}

export async function readEntity<T extends object>(client: TableClient, partitionKey: string, rowKey: string): Promise<(TableEntity<T> & { etag: string }) | undefined> {
  try {
    const entity = await client.getEntity<T>(partitionKey, rowKey);
    return entity as TableEntity<T> & { etag: string };
  } catch (error) {
    if (statusOf(error) === 404) {
      return undefined;
    }
    throw storageError(error);
  }
}
