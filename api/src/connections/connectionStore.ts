import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { LRUCache } from 'lru-cache';
import { ApiError } from '../errors/apiError';
import { catalogKey, readEntity, statusOf, storageError } from '../storage/tables';
import { ConnectionRecord, emptyConnection } from './model';

/** The ETag of a catalog that has no stored connection yet (If-Match creates it). */
export const NEW_CONNECTION_ETAG = 'W/"new"';

interface Entity {
  record: string;
  catalog: string;
}

const ROW = 'connection';

export interface StoredConnection {
  record: ConnectionRecord;
  etag: string;
}

/**
 * Connection records in Table Storage; every write is conditional on the ETag it read.
 * Reads for display may be served from a short per-instance cache (cacheMs); writes on this
 * instance drop it, and every read that precedes a write is fresh, so ETags always come from storage.
 */
export class ConnectionStore {
  private readonly cache: LRUCache<string, Promise<StoredConnection>> | undefined;

  public constructor(private readonly table: TableClient, cacheMs = 0) {
    this.cache = cacheMs > 0 ? new LRUCache<string, Promise<StoredConnection>>({ max: 10_000, ttl: cacheMs }) : undefined;
  }

  /** A read for display: at most cacheMs old. */
  public async readForView(catalog: string): Promise<StoredConnection> {
    const key = catalog.toLowerCase();
    const hit = this.cache?.get(key);
    if (hit) {
      return hit;
    }
    const stored = this.read(catalog);
    if (this.cache) {
      const cache = this.cache;
      // The pending read is shared, so a burst after expiry asks storage once.
      cache.set(key, stored);
      stored.catch(() => {
        if (cache.get(key) === stored) {
          cache.delete(key);
        }
      });
    }
    return stored;
  }

  public async read(catalog: string): Promise<StoredConnection> {
    const entity = await readEntity<Entity>(this.table, catalogKey(catalog), ROW);
    if (!entity) {
      return { record: emptyConnection(catalog, randomUUID()), etag: NEW_CONNECTION_ETAG };
    }
    return { record: JSON.parse(entity.record) as ConnectionRecord, etag: entity.etag };
  }

  /** Writes if nobody wrote since `etag` was read; CHANGED_BY_SOMEONE_ELSE otherwise. */
  public async write(record: ConnectionRecord, etag: string): Promise<string> {
    const entity = { partitionKey: catalogKey(record.catalog), rowKey: ROW, catalog: record.catalog, record: JSON.stringify(record) };
    this.cache?.delete(record.catalog.toLowerCase());
    try {
      const response = etag === NEW_CONNECTION_ETAG
        ? await this.table.createEntity(entity)
        : await this.table.updateEntity(entity, 'Replace', { etag });
      return response.etag ?? '';
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 409 || status === 404) {
        throw new ApiError('CHANGED_BY_SOMEONE_ELSE');
      }
      throw storageError(error);
    }
  }

  /** Every stored connection, for the keep-alive sweep. */
  public async *all(): AsyncGenerator<StoredConnection> {
    try {
      for await (const entity of this.table.listEntities<Entity>()) {
        yield { record: JSON.parse(entity.record) as ConnectionRecord, etag: entity.etag };
      }
    } catch (error) {
      throw storageError(error);
    }
  }
}
