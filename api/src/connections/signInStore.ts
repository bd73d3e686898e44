import { odata, TableClient } from '@azure/data-tables';
import { open, seal, SealedValue } from '../secrets/envelope';
import type { KeyEncryptionKey } from '../secrets/kek';
import { ApiError } from '../errors/apiError';
import { catalogKey, deleteWhere, readEntity, statusOf, storageError } from '../storage/tables';
import type { Transport } from './model';
import { checkNotExpired, stateKey } from './signInState';

/**
 * A started sign-in, bound to its catalog, caller, opener origin, the page's nonce and expiry.
 * A second leg ('smtp') asks consent for Exchange's SMTP.Send after the Graph leg, carrying that
 * leg's tokens. Once Microsoft's legs are done (and, for another account than the admin's, its
 * owner confirmed: a 'confirm' entry first) it becomes a 'complete' entry, keyed by the one-time
 * completion code the callback page posts to its opener: only the page that started the sign-in,
 * with its admin's token and its nonce, turns it into the catalog's connection (R-SEC-1).
 */
export interface PendingSignIn {
  /**
   * 'confirm': Microsoft's legs are done with an account other than the admin's, and wait for that
   * account's owner to confirm on the callback page (keyed by the page's one-time confirm token).
   */
  phase: 'graph' | 'smtp' | 'confirm' | 'complete';
  catalog: string;
  /** Tenant and object id of the catalog admin who pressed Connect. */
  callerTenant?: string;
  caller: string;
  callerName: string;
  origin: string;
  orgConsent: boolean;
  transport: Transport;
  /** The OpenID Connect nonce of the Microsoft leg. */
  nonce: string;
  /** SHA-256 of the nonce the page kept (signInState.bindingHash). */
  bindingHash?: string;
  /**
   * The browser the sign-in was opened in (set once, by the start page): the name of its cookie
   * and the SHA-256 of the cookie's value. The callback and the confirmation need that cookie.
   */
  browser?: string;
  browserHash?: string;
  /** SHA-256 of the start page's one-time check value: its second step proves the browser kept the cookie. */
  checkHash?: string;
  /** The connection record's generation when Connect was pressed. */
  generation?: number;
  verifier: string;
  expiresAt: number;
  /** The MSAL cache of the legs done so far (smtp and complete only): sealed with the verifier. */
  cache?: string;
  account?: { email: string; displayName: string };
  homeAccountId?: string;
}

/** catalogKey: the catalog as every other store keys it (a site path in any case is one catalog). */
type Entity = Omit<PendingSignIn, 'verifier' | 'cache' | 'account'> & SealedValue & { account?: string; catalogKey?: string };

/** A sign-in's row without its sealed part (the PKCE verifier, the legs' tokens). */
export type SignInRow = Omit<PendingSignIn, 'verifier' | 'cache'>;

function fieldsOf(entity: Entity): SignInRow {
  return {
    phase: entity.phase,
    catalog: entity.catalog,
    callerTenant: entity.callerTenant,
    caller: entity.caller,
    callerName: entity.callerName,
    origin: entity.origin,
    orgConsent: entity.orgConsent,
    transport: entity.transport,
    nonce: entity.nonce,
    bindingHash: entity.bindingHash,
    browser: entity.browser,
    browserHash: entity.browserHash,
    checkHash: entity.checkHash,
    generation: entity.generation,
    account: entity.account ? (JSON.parse(entity.account) as { email: string; displayName: string }) : undefined,
    homeAccountId: entity.homeAccountId,
    expiresAt: entity.expiresAt
  };
}

interface SealedPart {
  verifier: string;
  cache?: string;
}

const ROW = 'signin';
const RESULT_ROW = 'result';

/**
 * How a sign-in's Microsoft legs ended, for the page that started it to ask (by its nonce's hash):
 * Microsoft's sign-in page sends Cross-Origin-Opener-Policy, which cuts the popup off from its
 * opener, so the callback page's postMessage cannot be counted on. On success it carries the
 * completion code (sealed at rest), which only that page's admin with that nonce can redeem.
 */
export interface SignInResult {
  catalog: string;
  callerTenant?: string;
  caller: string;
  ok: boolean;
  code?: string;
  /** What Microsoft 365 answered to a failed sign-in (an AADSTS number, a Graph or SMTP code). */
  upstream?: string;
  completion?: string;
  expiresAt: number;
}

type ResultEntity = Omit<SignInResult, 'completion'> & Partial<SealedValue> & { catalogKey: string };

/** A result's partition: the page's nonce hash, hashed apart from any sign-in state. */
const resultKey = (binding: string): string => stateKey(`result|${binding}`);

export class SignInStore {
  public constructor(private readonly table: TableClient, private readonly kek: KeyEncryptionKey) {}

  public async put(state: string, signIn: PendingSignIn): Promise<void> {
    const { verifier, cache, account, ...rest } = signIn;
    const key = stateKey(state);
    const secret: SealedPart = { verifier, cache };
    const sealed = await seal(this.kek, Buffer.from(JSON.stringify(secret), 'utf8'), `signin|${key}`);
    try {
      await this.table.createEntity<Entity>({ partitionKey: key, rowKey: ROW, ...rest, catalogKey: catalogKey(rest.catalog), ...(account ? { account: JSON.stringify(account) } : {}), ...sealed });
    } catch (error) {
      throw storageError(error);
    }
  }

  /**
   * Reads and deletes a sign-in in one step: the delete is conditional on the ETag read, so of two
   * callbacks racing with one state only one gets it (single use across instances). `accept` runs
   * before the delete: a caller it refuses (by throwing) leaves the sign-in for its rightful owner.
   */
  public async take(state: string, accept?: (signIn: PendingSignIn) => void): Promise<PendingSignIn> {
    const { key, entity } = await this.row(state);
    const secret = JSON.parse((await open(this.kek, entity, `signin|${key}`)).toString('utf8')) as SealedPart;
    const signIn: PendingSignIn = { ...fieldsOf(entity), verifier: secret.verifier, cache: secret.cache };
    accept?.(signIn);
    try {
      await this.table.deleteEntity(key, ROW, { etag: entity.etag });
    } catch (error) {
      if (statusOf(error) === 404 || statusOf(error) === 412) {
        throw new ApiError('STATE_INVALID');
      }
      throw storageError(error);
    }
    return signIn;
  }

  /**
   * A sign-in as stored, left in place, without its sealed part (the start page's check reads it:
   * no key-encryption key is asked for it).
   */
  public async peek(state: string): Promise<SignInRow> {
    return fieldsOf((await this.row(state)).entity);
  }

  private async row(state: string): Promise<{ key: string; entity: Entity & SealedValue & { etag: string } }> {
    const key = stateKey(state);
    const entity = await readEntity<Entity>(this.table, key, ROW);
    if (!entity) {
      throw new ApiError('STATE_INVALID');
    }
    return { key, entity };
  }

  /**
   * The start page binds a sign-in to the browser that opens it, once: the first leg's row, in
   * time, not bound yet; the write is conditional on the ETag read, so of two starts racing with
   * one state only one binds it. A refusal leaves the row as it was, for the browser bound first.
   */
  public async bindBrowser(state: string, browser: string, browserHash: string, checkHash: string, now: number): Promise<void> {
    const { key, entity } = await this.row(state);
    if (entity.phase !== 'graph') {
      throw new ApiError('STATE_INVALID');
    }
    checkNotExpired(entity.expiresAt, now);
    if (entity.browserHash) {
      throw new ApiError('SIGN_IN_OTHER_BROWSER');
    }
    try {
      await this.table.updateEntity({ partitionKey: key, rowKey: ROW, browser, browserHash, checkHash }, 'Merge', { etag: entity.etag });
    } catch (error) {
      if (statusOf(error) === 404) {
        throw new ApiError('STATE_INVALID');
      }
      if (statusOf(error) === 412) {
        throw new ApiError('SIGN_IN_OTHER_BROWSER');
      }
      throw storageError(error);
    }
  }

  /** Keeps a sign-in's result for its page (replacing an earlier one: a second leg's). */
  public async putResult(binding: string, result: SignInResult): Promise<void> {
    const key = resultKey(binding);
    const { completion, ...rest } = result;
    const sealed = completion ? await seal(this.kek, Buffer.from(completion, 'utf8'), `signin-result|${key}`) : {};
    try {
      await this.table.upsertEntity<ResultEntity>({ partitionKey: key, rowKey: RESULT_ROW, ...rest, catalogKey: catalogKey(rest.catalog), ...sealed }, 'Replace');
    } catch (error) {
      throw storageError(error);
    }
  }

  /** The result kept for the page whose nonce hashes to `binding`, if the callback has come back. */
  public async readResult(binding: string): Promise<SignInResult | undefined> {
    const key = resultKey(binding);
    const entity = await readEntity<ResultEntity>(this.table, key, RESULT_ROW);
    if (!entity) {
      return undefined;
    }
    const completion = entity.ok && entity.wrappedKey ? (await open(this.kek, entity as unknown as SealedValue, `signin-result|${key}`)).toString('utf8') : undefined;
    return { catalog: entity.catalog, callerTenant: entity.callerTenant, caller: entity.caller, ok: entity.ok, ...(entity.code ? { code: entity.code } : {}), ...(entity.upstream ? { upstream: entity.upstream } : {}), ...(completion ? { completion } : {}), expiresAt: entity.expiresAt };
  }

  /** Disconnect: every sign-in of the catalog under way, and the tokens of finished legs, go (issue 12 point 3). */
  public async removeForCatalog(catalog: string): Promise<number> {
    // Sign-ins stored before catalogKey was (they live 10 minutes) are found by their catalog as written.
    return this.removeWhere(odata`catalogKey eq ${catalogKey(catalog)} or catalog eq ${catalog}`);
  }

  /** Deletes sign-ins nobody finished (closed popups); they are useless after their 10 minutes. */
  public async purgeExpired(now: number): Promise<number> {
    // Compared here, not in the query: the service types a number written without annotation by
    // itself (a millisecond time is no Edm.Int32), and reads a bare integer in a filter as Edm.Int32,
    // refusing one past its range (400). The table holds only the last minutes' sign-ins.
    return this.removeWhere(undefined, (entity) => typeof entity.expiresAt === 'number' && entity.expiresAt < now);
  }

  private removeWhere(filter: string | undefined, also?: (entity: { expiresAt?: unknown }) => boolean): Promise<number> {
    return deleteWhere(this.table, filter, ['expiresAt'], also);
  }
}
