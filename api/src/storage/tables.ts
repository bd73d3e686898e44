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
  sessions: 'sessions'
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
 * How long one storage request may wait for its answer. Without it a storage service that stops
 * answering (rather than refusing) held every request and job for as long as the socket lived,
 * and nothing was logged; now the request fails (the SDK retries it, then the API answers 503
 * SERVICE_UNAVAILABLE and the job logs its fault). Storage answers in milliseconds when well.
 */
export const STORAGE_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Bounds each table call, its retries included, by the timeout above (the SDK sets none): the
 * call is aborted, and its timer cleared once it settles (the HTTP client's own `timeout` leaves
 * its timer running after a failure). A caller's own abort still aborts it.
 */
export const storageRequestTimeout: PipelinePolicy = {
  name: 'lmsStorageRequestTimeout',
  sendRequest: async (request, next) => {
    const bounded = new AbortController();
    const caller = request.abortSignal;
    const abort = (): void => bounded.abort();
    if (caller?.aborted) {
      bounded.abort();
    }
    caller?.addEventListener('abort', abort);
    const timer = setTimeout(abort, STORAGE_REQUEST_TIMEOUT_MS);
    request.abortSignal = bounded.signal;
    try {
      return await next(request);
    } finally {
      clearTimeout(timer);
      caller?.removeEventListener('abort', abort);
    }
  }
};

/** Opens (and creates if needed) the API's tables. */
export async function openTables(connectionString: string, policy?: PipelinePolicy): Promise<Record<TableName, TableClient>> {
  const allowInsecureConnection = /DefaultEndpointsProtocol=http;|Endpoint=http:\/\//i.test(connectionString);
  const clients = {} as Record<TableName, TableClient>;
  for (const name of Object.values(TABLES)) {
    const policies = [lineSeparatorEscape, storageRequestTimeout, ...(policy ? [policy] : [])].map((p) => ({ policy: p, position: 'perCall' as const }));
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
  const options = { retryOptions: { tryTimeoutInMs: STORAGE_REQUEST_TIMEOUT_MS } };
  return identity ? new QueueClient(`${identity.queue.replace(/\/+$/, '')}/${WAKE_QUEUE}`, azureCredential(), options) : new QueueClient(connectionString, WAKE_QUEUE, options);
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

/** Seconds a caller waits before repeating a request that met a storage fault (503 Retry-After). */
export const STORAGE_RETRY_AFTER_SECONDS = 10;

/** Storage failures the caller can retry; the API answers them as 503 with Retry-After, never as a stack trace. */
export function storageError(error: unknown): ApiError {
  return new ApiError('SERVICE_UNAVAILABLE', { upstream: `storage ${statusOf(error) ?? 'unreachable'}`, retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS });
}

/**
 * An ETag-conditional write that failed: another writer came first (412 on replace, 409 on
 * create, 404 when the row went) is CHANGED_BY_SOMEONE_ELSE; anything else is a storage fault.
 */
export function conditionalWriteError(error: unknown): ApiError {
  const status = statusOf(error);
  return status === 412 || status === 409 || status === 404 ? new ApiError('CHANGED_BY_SOMEONE_ELSE') : storageError(error);
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
