import { createHash } from 'node:crypto';
import { odata, TableClient, TransactionAction } from '@azure/data-tables';
import { LRUCache } from 'lru-cache';
import { SECRET_ROW, SecretEntity } from '../secrets/secretStore';
import { catalogKey, conditionalWriteError, readEntity, storageError } from '../storage/tables';
import { ConnectionRecord, emptyConnection, NEW_CONNECTION_ETAG } from './model';

/** The ETag of a catalog that has no stored connection yet (If-Match creates it). */
export { NEW_CONNECTION_ETAG };

interface Entity {
  record: string;
  catalog: string;
}

const ROW = 'connection';

export interface StoredConnection {
  record: ConnectionRecord;
  etag: string;
}

/** What a connect or disconnect does to the secret beside the record: a new one, or none. */
export type SecretChange = { put: SecretEntity } | { remove: true };

/**
 * The connection id of a catalog that has none stored yet: derived from the catalog (UUID-shaped),
 * so every read of a never-stored catalog answers the same id, and the first write stores it.
 */
export function initialConnectionId(catalog: string): string {
  const hex = createHash('sha256').update(`connection|${catalog.toLowerCase()}`, 'utf8').digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A record stored before generations existed counts as generation 0. */
function parseRecord(json: string): ConnectionRecord {
  const record = JSON.parse(json) as ConnectionRecord;
  return { ...record, generation: record.generation ?? 0 };
}

/**
 * Connection records in Table Storage; every write is conditional on the ETag it read.
 * Reads for display may be served from a short per-instance cache (cacheMs); writes on this
 * instance drop it, and every read that precedes a write is fresh, so ETags always come from storage.
 */
export class ConnectionStore {
  private readonly cache: LRUCache<string, Promise<StoredConnection>> | undefined;

  public constructor(private readonly table: TableClient, cacheMs = 0, private readonly onUnreadable: (partitionKey: string) => void = () => undefined) {
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
      return { record: emptyConnection(catalog, initialConnectionId(catalog)), etag: NEW_CONNECTION_ETAG };
    }
    return { record: parseRecord(entity.record), etag: entity.etag };
  }

  /** Is there a secret row beside the record (disconnect deletes it only then: a batch delete of nothing fails). */
  public async hasSecret(catalog: string): Promise<boolean> {
    return (await readEntity<object>(this.table, catalogKey(catalog), SECRET_ROW)) !== undefined;
  }

  /**
   * Writes the record and its secret together, in one entity group transaction of the catalog's
   * partition, conditional on the record's `etag` (issue 12 point 3, R-SEC-4): both change or
   * neither does; CHANGED_BY_SOMEONE_ELSE when another writer got there first.
   */
  public async commit(record: ConnectionRecord, etag: string, secret: SecretChange): Promise<string> {
    const entity = { partitionKey: catalogKey(record.catalog), rowKey: ROW, catalog: record.catalog, record: JSON.stringify(record) };
    const actions: TransactionAction[] = [etag === NEW_CONNECTION_ETAG ? ['create', entity] : ['update', entity, 'Replace', { etag }]];
    if ('put' in secret) {
      actions.push(['upsert', { ...secret.put }, 'Replace']);
    } else if (await this.hasSecret(record.catalog)) {
      // The record's ETag guards this too: whoever wrote the secret since also wrote the record.
      actions.push(['delete', { partitionKey: entity.partitionKey, rowKey: SECRET_ROW }]);
    }
    this.forgetView(record.catalog);
    try {
      const response = await this.table.submitTransaction(actions);
      const first = response.subResponses[0];
      if (response.status >= 300 || !first || first.status >= 300) {
        throw Object.assign(new Error('transaction refused'), { statusCode: first?.status ?? response.status });
      }
      return first.etag ?? '';
    } catch (error) {
      throw conditionalWriteError(error);
    } finally {
      this.forgetView(record.catalog);
    }
  }

  /** Dropped again once a write ended: a view read while it was on its way cached the record before it. */
  private forgetView(catalog: string): void {
    this.cache?.delete(catalog.toLowerCase());
  }

  /** Writes if nobody wrote since `etag` was read; CHANGED_BY_SOMEONE_ELSE otherwise. */
  public async write(record: ConnectionRecord, etag: string): Promise<string> {
    const entity = { partitionKey: catalogKey(record.catalog), rowKey: ROW, catalog: record.catalog, record: JSON.stringify(record) };
    this.forgetView(record.catalog);
    try {
      const response = etag === NEW_CONNECTION_ETAG
        ? await this.table.createEntity(entity)
        : await this.table.updateEntity(entity, 'Replace', { etag });
      return response.etag ?? '';
    } catch (error) {
      throw conditionalWriteError(error);
    } finally {
      this.forgetView(record.catalog);
    }
  }

  /** Every stored connection, for the keep-alive sweep. */
  public async *all(): AsyncGenerator<StoredConnection> {
    const rows = this.table.listEntities<Entity>({ queryOptions: { filter: odata`RowKey eq ${ROW}` } });
    for (;;) {
      let next: IteratorResult<Entity & { etag: string; partitionKey?: string }>;
      try {
        next = await rows.next();
      } catch (error) {
        throw storageError(error);
      }
      if (next.done) {
        return;
      }
      let record: ConnectionRecord;
      try {
        record = parseRecord(next.value.record);
      } catch {
        // One record that does not parse (written by hand, a broken restore) must not stop every job's walk at it.
        this.onUnreadable(String(next.value.partitionKey));
        continue;
      }
      yield { record, etag: next.value.etag };
    }
  }
}
