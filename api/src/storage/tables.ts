import { createHash } from 'node:crypto';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { RestError, TableClient, TableEntity } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { ApiError } from '../errors/apiError';

export const TABLES = {
  connections: 'connections',
  secrets: 'secrets',
  signIns: 'pendingsignins',
  outbox: 'outbox',
  mailboxes: 'mailboxes',
  settingsLists: 'settingslists',
  sessions: 'sessions'
} as const;

/** The outbox's wake-up queue. */
export const WAKE_QUEUE = 'outbox-wake';

export type TableName = (typeof TABLES)[keyof typeof TABLES];

/** Opens (and creates if needed) the API's tables. */
export async function openTables(connectionString: string, policy?: PipelinePolicy): Promise<Record<TableName, TableClient>> {
  const allowInsecureConnection = /DefaultEndpointsProtocol=http;|Endpoint=http:\/\//i.test(connectionString);
  const clients = {} as Record<TableName, TableClient>;
  for (const name of Object.values(TABLES)) {
    const client = TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection, additionalPolicies: policy ? [{ policy, position: 'perCall' }] : undefined });
    await client.createTable();
    clients[name] = client;
  }
  return clients;
}

/** A client of the outbox's wake-up queue (created by WakeQueue.open). */
export function queueClient(connectionString: string): QueueClient {
  return new QueueClient(connectionString, WAKE_QUEUE);
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

/** Storage failures the caller can retry; the API answers them as 503, never as a stack trace. */
export function storageError(error: unknown): ApiError {
  return new ApiError('SERVICE_UNAVAILABLE', { upstream: `storage ${statusOf(error) ?? 'unreachable'}` });
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
