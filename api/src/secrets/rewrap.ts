import type { TableClient } from '@azure/data-tables';
import { rewrap, SealedValue } from './envelope';
import type { KeyEncryptionKey } from './kek';
import { statusOf } from '../storage/tables';

export interface RewrapReport {
  examined: number;
  rewrapped: number;
  /** Rows deleted or replaced by the API while the command ran (their new data key is already current). */
  skipped: number;
}

type SealedRow = SealedValue & { partitionKey: string; rowKey: string; etag: string };

const isSealed = (e: Record<string, unknown>): boolean => typeof e.kekId === 'string' && typeof e.wrappedKey === 'string';

/**
 * Key rotation: every data key wrapped by another KEK than the current one is unwrapped (in
 * memory) and wrapped again by the current one; the ciphertext is not touched, so no plaintext
 * is ever written. Each row is replaced only if nobody wrote it since it was read (ETag); a row
 * the API rewrote meanwhile was sealed under the current KEK already. The API keeps serving
 * throughout: its ring still unwraps with the previous KEKs.
 */
export async function rewrapAll(tables: TableClient[], kek: KeyEncryptionKey): Promise<RewrapReport> {
  const report: RewrapReport = { examined: 0, rewrapped: 0, skipped: 0 };
  for (const table of tables) {
    for await (const entity of table.listEntities<Record<string, unknown>>()) {
      if (!isSealed(entity)) {
        continue;
      }
      report.examined += 1;
      let row: SealedRow | undefined = entity as unknown as SealedRow;
      while (row && row.kekId !== kek.keyId) {
        const current: SealedRow = row;
        const again = await rewrap(kek, current);
        try {
          await table.updateEntity({ partitionKey: current.partitionKey, rowKey: current.rowKey, kekId: again.kekId, wrappedKey: again.wrappedKey }, 'Merge', { etag: current.etag });
          report.rewrapped += 1;
          row = undefined;
        } catch (error) {
          if (statusOf(error) !== 412 && statusOf(error) !== 404) {
            throw error;
          }
          // Written or deleted meanwhile: read it again (a row the API resealed is current already).
          row = statusOf(error) === 404 ? undefined : await reread(table, current);
          if (!row || row.kekId === kek.keyId) {
            report.skipped += 1;
            row = undefined;
          }
        }
      }
    }
  }
  return report;
}

async function reread(table: TableClient, row: SealedRow): Promise<SealedRow | undefined> {
  try {
    return (await table.getEntity<Record<string, unknown>>(row.partitionKey, row.rowKey)) as unknown as SealedRow;
  } catch (error) {
    if (statusOf(error) === 404) {
      return undefined;
    }
    throw error;
  }
}
