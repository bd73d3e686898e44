import type { TableClient } from '@azure/data-tables';
import { catalogKey, readEntity, statusOf, storageError } from '../storage/tables';
import { open, seal, SealedValue } from './envelope';
import type { KeyEncryptionKey } from './kek';

/** What a catalog's secret is: MSAL's token cache (modern) or the account password (classic). */
export type SecretKind = 'msal-cache' | 'password';

type SecretEntity = SealedValue & { kind: SecretKind };

export interface StoredSecret {
  kind: SecretKind;
  plaintext: string;
  etag: string;
}

const ROW = 'secret';

/** One sealed secret per catalog in the secrets table; only ciphertext ever reaches storage. */
export class SecretStore {
  public constructor(private readonly table: TableClient, private readonly kek: KeyEncryptionKey) {}

  private static aad(catalog: string, kind: SecretKind): string {
    return `${catalog.toLowerCase()}|${kind}`;
  }

  public async read(catalog: string): Promise<StoredSecret | undefined> {
    const entity = await readEntity<SecretEntity>(this.table, catalogKey(catalog), ROW);
    if (!entity) {
      return undefined;
    }
    const plaintext = await open(this.kek, entity, SecretStore.aad(catalog, entity.kind));
    return { kind: entity.kind, plaintext: plaintext.toString('utf8'), etag: entity.etag };
  }

  /**
   * Writes a secret. With an ETag, only if nobody wrote since it was read (returns false when
   * someone did); without one, replaces whatever was there (a new connection).
   */
  public async write(catalog: string, kind: SecretKind, plaintext: string, etag?: string): Promise<boolean> {
    const sealed = await seal(this.kek, Buffer.from(plaintext, 'utf8'), SecretStore.aad(catalog, kind));
    const entity = { partitionKey: catalogKey(catalog), rowKey: ROW, kind, ...sealed };
    try {
      if (etag) {
        await this.table.updateEntity(entity, 'Replace', { etag });
      } else {
        await this.table.upsertEntity(entity, 'Replace');
      }
      return true;
    } catch (error) {
      if (etag && (statusOf(error) === 412 || statusOf(error) === 404)) {
        return false;
      }
      throw storageError(error);
    }
  }

  /** R-DIS-1: deleting the row deletes the wrapped data key with it. */
  public async remove(catalog: string): Promise<void> {
    try {
      await this.table.deleteEntity(catalogKey(catalog), ROW);
    } catch (error) {
      if (statusOf(error) !== 404) {
        throw storageError(error);
      }
    }
  }
}
