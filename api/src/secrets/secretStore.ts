import type { TableClient } from '@azure/data-tables';
import { catalogKey, readEntity, statusOf, storageError } from '../storage/tables';
import { open, seal, SealedValue } from './envelope';
import type { KeyEncryptionKey } from './kek';

/** What a catalog's secret is: MSAL's token cache (modern) or the account password (classic). */
export type SecretKind = 'msal-cache' | 'password';

/**
 * The secret row: sealed, plus (in clear, none of it secret) the connection generation and the
 * account it was stored for, so a reader can tell that it belongs to the record beside it.
 */
export type SecretEntity = SealedValue & { partitionKey: string; rowKey: string; kind: SecretKind; generation: number; account: string };

export interface StoredSecret {
  kind: SecretKind;
  plaintext: string;
  etag: string;
  generation: number;
  account: string;
}

/** The secret's row key, beside the connection record (row 'connection') in the catalog's partition. */
export const SECRET_ROW = 'secret';

/**
 * One sealed secret per catalog, in the connections table next to its record (same partition), so
 * that connect and disconnect change the record and the secret in one transaction (issue 12 point 3,
 * ConnectionStore.commit). Only ciphertext ever reaches storage.
 */
export class SecretStore {
  public constructor(private readonly table: TableClient, private readonly kek: KeyEncryptionKey) {}

  private static aad(catalog: string, kind: SecretKind): string {
    return `${catalog.toLowerCase()}|${kind}`;
  }

  public async read(catalog: string): Promise<StoredSecret | undefined> {
    const entity = await readEntity<SecretEntity>(this.table, catalogKey(catalog), SECRET_ROW);
    if (!entity) {
      return undefined;
    }
    const plaintext = await open(this.kek, entity, SecretStore.aad(catalog, entity.kind));
    return { kind: entity.kind, plaintext: plaintext.toString('utf8'), etag: entity.etag, generation: entity.generation ?? 0, account: entity.account ?? '' };
  }

  /** The sealed row of a new connection's secret, for ConnectionStore.commit. */
  public async sealed(catalog: string, kind: SecretKind, plaintext: string, generation: number, account: string): Promise<SecretEntity> {
    const sealed = await seal(this.kek, Buffer.from(plaintext, 'utf8'), SecretStore.aad(catalog, kind));
    return { partitionKey: catalogKey(catalog), rowKey: SECRET_ROW, kind, generation, account, ...sealed };
  }

  /**
   * Rewrites the secret of the same connection (MSAL's refreshed cache) if nobody wrote it since
   * `etag` was read; false when someone did (a reconnect or disconnect in between wins).
   */
  public async update(catalog: string, kind: SecretKind, plaintext: string, etag: string): Promise<boolean> {
    const sealed = await seal(this.kek, Buffer.from(plaintext, 'utf8'), SecretStore.aad(catalog, kind));
    try {
      // Merge: the generation and account stay those of the connection the secret belongs to.
      await this.table.updateEntity({ partitionKey: catalogKey(catalog), rowKey: SECRET_ROW, kind, ...sealed }, 'Merge', { etag });
      return true;
    } catch (error) {
      if (statusOf(error) === 412 || statusOf(error) === 404) {
        return false;
      }
      throw storageError(error);
    }
  }
}
