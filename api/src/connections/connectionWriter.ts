import type { ErrorCode } from '../../../src/shared/errors';
import { ApiError } from '../errors/apiError';
import type { ConnectionStore } from './connectionStore';
import type { ConnectionRecord } from './model';

/**
 * Every server-side change of a connection record goes through here: re-read and re-applied
 * when another writer got there first, then copied to the catalog's settings list item.
 */
export class ConnectionWriter {
  public constructor(
    private readonly connections: ConnectionStore,
    private readonly deps: {
      now?: () => number;
      /** Copies the record's non-secret state to the catalog's settings list item. */
      mirror?: (record: ConnectionRecord) => Promise<unknown>;
      onUpstreamError?: (context: string, error: ApiError) => void;
    } = {}
  ) {}

  private nowIso(): string {
    return new Date((this.deps.now ?? Date.now)()).toISOString();
  }

  /** The list item follows the record; a failure is logged, and the next write tries again. */
  public async mirror(record: ConnectionRecord): Promise<void> {
    if (!this.deps.mirror) {
      return;
    }
    try {
      await this.deps.mirror(record);
    } catch (error) {
      this.deps.onUpstreamError?.('settings list mirror', error instanceof ApiError ? error : new ApiError('SERVICE_UNAVAILABLE'));
    }
  }

  /** Writes `next` over the version read as `etag`, then mirrors it. */
  public async write(next: ConnectionRecord, etag: string): Promise<void> {
    await this.connections.write(next, etag);
    await this.mirror(next);
  }

  public async update(catalog: string, change: (record: ConnectionRecord) => ConnectionRecord): Promise<ConnectionRecord> {
    for (let attempt = 0; ; attempt++) {
      const { record, etag } = await this.connections.read(catalog);
      try {
        const next = change(record);
        if (next === record) {
          return record;
        }
        await this.write(next, etag);
        return next;
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'CHANGED_BY_SOMEONE_ELSE' || attempt >= 4) {
          throw error;
        }
      }
    }
  }

  /**
   * Records a health outcome of the connection `connectionId` (a newer connection of the catalog
   * is left alone). `used`: tokens were used, which postpones the keep-alive refresh (R-LOSS-0).
   */
  public async recordHealth(catalog: string, connectionId: string, health: { state: 'connected' | 'lost'; code: ErrorCode | null }, used = false): Promise<void> {
    await this.update(catalog, (record) => record.connectionId !== connectionId || !record.method ? record : {
      ...record,
      health: { ...health, checkedAt: this.nowIso() },
      lastTokenUseAt: used ? this.nowIso() : record.lastTokenUseAt
    });
  }
}
