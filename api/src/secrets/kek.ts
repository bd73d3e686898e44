import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CryptographyClient } from '@azure/keyvault-keys';
import { LRUCache } from 'lru-cache';
import { ApiError } from '../errors/apiError';
import { azureCredential } from '../storage/credential';

/** The key-encryption key: it only ever wraps and unwraps data keys. */
export interface KeyEncryptionKey {
  /** Identifies the key that wrapped a data key, kept next to it. */
  readonly keyId: string;
  wrap(dataKey: Buffer): Promise<Buffer>;
  unwrap(wrapped: Buffer): Promise<Buffer>;
  /** The key that wrapped a stored data key (a ring holds the current and the previous ones). */
  forKeyId?(keyId: string): KeyEncryptionKey | undefined;
  /** Why the last wrap or unwrap was refused (SERVICE_KEY_UNAVAILABLE's upstream), until one works again: readiness says it. */
  readonly refused?: string;
}

/**
 * How long an unwrapped data key is kept in memory, and how many: every read of a catalog's token
 * cache or password opens its sealed row, and a poll of the LMS (a session's status, rooms) would
 * otherwise ask Key Vault for an RSA unwrap each time - its per-vault budget is shared by every
 * catalog, and a refusal holds all of them (SERVICE_KEY_UNAVAILABLE). A key Key Vault stops
 * unwrapping is still used for this long by what it already opened (docs/security.md).
 */
export const DATA_KEY_CACHE = { ms: 5 * 60_000, entries: 1000 };

/**
 * Unwrapped data keys by their KEK and wrapped form, least recently used leaving first; copies in
 * and out (callers zero theirs), and a key that leaves (expired, evicted, replaced) is zeroed.
 */
function dataKeyCache(ms: number, max: number, now: () => number): { get(id: string): Buffer | undefined; set(id: string, key: Buffer): void } {
  // ttlResolution 0: no clock reading is reused, so a key is kept exactly `ms` by the given clock.
  const keys = new LRUCache<string, Buffer>({ max, ttl: ms, ttlResolution: 0, perf: { now }, dispose: (key) => key.fill(0) });
  return {
    get: (id) => {
      const key = keys.get(id);
      return key && Buffer.from(key);
    },
    set: (id, key) => {
      keys.set(id, Buffer.from(key));
    }
  };
}

/**
 * The current KEK (wraps every new data key) and the previous ones (only unwrap, until the
 * rotation command re-wrapped their data keys). A data key names its KEK (SealedValue.kekId);
 * one no key of the ring has is an error, never a guess. Data keys it wrapped or unwrapped are
 * kept for a few minutes (DATA_KEY_CACHE), so reading the same sealed value again asks no KEK.
 */
export class KekRing implements KeyEncryptionKey {
  public readonly keyId: string;
  private readonly byId: Map<string, KeyEncryptionKey>;

  private readonly current: KeyEncryptionKey;
  private readonly cache: ReturnType<typeof dataKeyCache>;
  private lastRefusal: string | undefined;

  public constructor(current: KeyEncryptionKey, previous: KeyEncryptionKey[] = [], options: { cacheMs?: number; cacheEntries?: number; now?: () => number } = {}) {
    this.cache = dataKeyCache(options.cacheMs ?? DATA_KEY_CACHE.ms, options.cacheEntries ?? DATA_KEY_CACHE.entries, options.now ?? Date.now);
    this.keyId = current.keyId;
    this.current = this.watched(current);
    this.byId = new Map([...previous.map((k) => this.watched(k)), this.current].map((k) => [k.keyId, k]));
  }

  public get refused(): string | undefined {
    return this.lastRefusal;
  }

  public wrap(dataKey: Buffer): Promise<Buffer> {
    return this.current.wrap(dataKey);
  }

  public unwrap(wrapped: Buffer): Promise<Buffer> {
    return this.current.unwrap(wrapped);
  }

  public forKeyId(keyId: string): KeyEncryptionKey | undefined {
    return this.byId.get(keyId);
  }

  /**
   * The key, its data keys kept in the cache, remembering Key Vault's refusal of it (or forgetting
   * it once an operation works). A refusal is never kept: the next read asks again.
   */
  private watched(key: KeyEncryptionKey): KeyEncryptionKey {
    const run = async (operation: () => Promise<Buffer>): Promise<Buffer> => {
      try {
        const result = await operation();
        this.lastRefusal = undefined;
        return result;
      } catch (error) {
        if (error instanceof ApiError && error.code === 'SERVICE_KEY_UNAVAILABLE') {
          this.lastRefusal = error.upstream;
        }
        throw error;
      }
    };
    const id = (wrapped: Buffer): string => `${key.keyId}|${wrapped.toString('base64')}`;
    return {
      keyId: key.keyId,
      wrap: async (dataKey) => {
        const wrapped = await run(() => key.wrap(dataKey));
        this.cache.set(id(wrapped), dataKey);
        return wrapped;
      },
      unwrap: async (wrapped) => {
        const cached = this.cache.get(id(wrapped));
        if (cached) {
          return cached;
        }
        const dataKey = await run(() => key.unwrap(wrapped));
        this.cache.set(id(wrapped), dataKey);
        return dataKey;
      }
    };
  }
}

/** Development KEK: a 256-bit key in a local file, created on first use (mode 0600). */
export class LocalFileKek implements KeyEncryptionKey {
  public readonly keyId: string;
  private readonly key: Buffer;

  private constructor(keyId: string, key: Buffer) {
    this.keyId = keyId;
    this.key = key;
  }

  /**
   * `create`: make the key when the file is missing (development's current key). A previous key, or
   * production's, is never made up: a fresh key opens nothing stored, so a missing file is an error.
   */
  public static open(file: string, create = true): LocalFileKek {
    if (!existsSync(file)) {
      if (!create) {
        throw new Error(`The key file ${file} does not exist (a key-encryption key is created only in development, and never as a previous key): restore it, or use KEY_VAULT_KEY_ID`);
      }
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const created = { kid: `local:${randomBytes(8).toString('hex')}`, key: randomBytes(32).toString('base64') };
      writeFileSync(file, JSON.stringify(created), { mode: 0o600, flag: 'wx' });
    }
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { kid?: unknown; key?: unknown };
    const key = typeof parsed.key === 'string' ? Buffer.from(parsed.key, 'base64') : Buffer.alloc(0);
    if (typeof parsed.kid !== 'string' || key.length !== 32) {
      throw new Error(`The local key file ${file} is not a {kid, key: base64 of 32 bytes} document`);
    }
    return new LocalFileKek(parsed.kid, key);
  }

  public async wrap(dataKey: Buffer): Promise<Buffer> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(this.keyId));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  public async unwrap(wrapped: Buffer): Promise<Buffer> {
    const decipher = createDecipheriv('aes-256-gcm', this.key, wrapped.subarray(0, 12));
    decipher.setAAD(Buffer.from(this.keyId));
    decipher.setAuthTag(wrapped.subarray(12, 28));
    return Buffer.concat([decipher.update(wrapped.subarray(28)), decipher.final()]);
  }
}

/** Production KEK: an RSA key in Azure Key Vault; the private half never leaves the vault. */
export class KeyVaultKek implements KeyEncryptionKey {
  public readonly keyId: string;
  private readonly client: CryptographyClient;

  public constructor(keyId: string, client: CryptographyClient = new CryptographyClient(keyId, azureCredential())) {
    this.keyId = keyId;
    this.client = client;
  }

  public async wrap(dataKey: Buffer): Promise<Buffer> {
    try {
      return Buffer.from((await this.client.wrapKey('RSA-OAEP-256', dataKey)).result);
    } catch (error) {
      throw keyVaultError(error);
    }
  }

  public async unwrap(wrapped: Buffer): Promise<Buffer> {
    try {
      return Buffer.from((await this.client.unwrapKey('RSA-OAEP-256', wrapped)).result);
    } catch (error) {
      throw keyVaultError(error);
    }
  }
}

/**
 * Key Vault refusing or not answering a wrap or unwrap is the service's own fault, not the
 * connection's nor the message's (SERVICE_KEY_UNAVAILABLE): the engine holds the mailbox without
 * counting a failure. Its status and error code say which (403: the identity's role removed or the
 * key disabled; 404: deleted), never the message text.
 */
export function keyVaultError(error: unknown): ApiError {
  const e = (error ?? {}) as { statusCode?: unknown; code?: unknown };
  const status = typeof e.statusCode === 'number' ? String(e.statusCode) : 'unreachable';
  const code = typeof e.code === 'string' && /^[A-Za-z_]{1,40}$/.test(e.code) ? ` ${e.code}` : '';
  return new ApiError('SERVICE_KEY_UNAVAILABLE', { upstream: `keyvault ${status}${code}` });
}
