import { odata, TableClient } from '@azure/data-tables';
import { open, seal, SealedValue } from '../secrets/envelope';
import type { KeyEncryptionKey } from '../secrets/kek';
import { ApiError } from '../errors/apiError';
import { readEntity, statusOf, storageError } from '../storage/tables';
import type { Transport } from './model';
import { stateKey } from './signInState';

/**
 * A started sign-in, bound to its catalog, caller, opener origin and expiry. A second leg
 * ('smtp') asks consent for Exchange's SMTP.Send after the Graph leg, carrying that leg's tokens.
 */
export interface PendingSignIn {
  phase: 'graph' | 'smtp';
  catalog: string;
  /** Object id of the catalog admin who pressed Connect. */
  caller: string;
  callerName: string;
  origin: string;
  orgConsent: boolean;
  transport: Transport;
  nonce: string;
  verifier: string;
  expiresAt: number;
  /** The Graph leg's MSAL cache (smtp leg only): sealed with the verifier. */
  cache?: string;
  account?: { email: string; displayName: string };
  homeAccountId?: string;
}

type Entity = Omit<PendingSignIn, 'verifier' | 'cache' | 'account'> & SealedValue & { account?: string };

interface SealedPart {
  verifier: string;
  cache?: string;
}

const ROW = 'signin';

export class SignInStore {
  public constructor(private readonly table: TableClient, private readonly kek: KeyEncryptionKey) {}

  public async put(state: string, signIn: PendingSignIn): Promise<void> {
    const { verifier, cache, account, ...rest } = signIn;
    const key = stateKey(state);
    const secret: SealedPart = { verifier, cache };
    const sealed = await seal(this.kek, Buffer.from(JSON.stringify(secret), 'utf8'), `signin|${key}`);
    try {
      await this.table.createEntity<Entity>({ partitionKey: key, rowKey: ROW, ...rest, ...(account ? { account: JSON.stringify(account) } : {}), ...sealed });
    } catch (error) {
      throw storageError(error);
    }
  }

  /**
   * Reads and deletes a sign-in in one step: the delete is conditional on the ETag read, so of two
   * callbacks racing with one state only one gets it (single use across instances).
   */
  public async take(state: string): Promise<PendingSignIn> {
    const key = stateKey(state);
    const entity = await readEntity<Entity>(this.table, key, ROW);
    if (!entity) {
      throw new ApiError('STATE_INVALID');
    }
    try {
      await this.table.deleteEntity(key, ROW, { etag: entity.etag });
    } catch (error) {
      if (statusOf(error) === 404 || statusOf(error) === 412) {
        throw new ApiError('STATE_INVALID');
      }
      throw storageError(error);
    }
    const secret = JSON.parse((await open(this.kek, entity, `signin|${key}`)).toString('utf8')) as SealedPart;
    return {
      phase: entity.phase,
      catalog: entity.catalog,
      caller: entity.caller,
      callerName: entity.callerName,
      origin: entity.origin,
      orgConsent: entity.orgConsent,
      transport: entity.transport,
      nonce: entity.nonce,
      verifier: secret.verifier,
      cache: secret.cache,
      account: entity.account ? (JSON.parse(entity.account) as { email: string; displayName: string }) : undefined,
      homeAccountId: entity.homeAccountId,
      expiresAt: entity.expiresAt
    };
  }

  /** Deletes sign-ins nobody finished (closed popups); they are useless after their 10 minutes. */
  public async purgeExpired(now: number): Promise<number> {
    let purged = 0;
    try {
      for await (const entity of this.table.listEntities<{ expiresAt: number }>({ queryOptions: { filter: odata`expiresAt lt ${now}`, select: ['PartitionKey', 'RowKey', 'expiresAt'] } })) {
        await this.table.deleteEntity(entity.partitionKey as string, entity.rowKey as string).catch(() => undefined);
        purged++;
      }
    } catch (error) {
      throw storageError(error);
    }
    return purged;
  }
}
