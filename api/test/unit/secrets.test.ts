import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openKek } from '../../src/app';
import { loadConfig, type ApiConfig } from '../../src/config/config';
import { ApiError } from '../../src/errors/apiError';
import { open, seal } from '../../src/secrets/envelope';
import { KekRing, KeyEncryptionKey, keyVaultError, KeyVaultKek, LocalFileKek } from '../../src/secrets/kek';
import type { CryptographyClient } from '@azure/keyvault-keys';

describe('envelope encryption', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kek-'));
  const kek = LocalFileKek.open(path.join(dir, 'keys', 'kek.json'));

  it('LocalFileKek - creates a 256-bit key file readable only by its owner, and reopens it', () => {
    const file = path.join(dir, 'keys', 'kek.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(JSON.parse(readFileSync(file, 'utf8')).key, 'base64')).toHaveLength(32);
    expect(LocalFileKek.open(file).keyId).toBe(kek.keyId);
  });

  it('openKek - a missing key file is made only as development\'s current key: in production, or as a previous key, it is an error naming the file, and nothing is created', () => {
    const base = loadConfig({}, '/repo');
    const missing = path.join(dir, 'nowhere', 'kek.json');
    const previous = path.join(dir, 'nowhere', 'old.json');
    expect(() => openKek({ ...base, production: true, kek: { kind: 'local', file: missing } } as ApiConfig)).toThrow(`The key file ${missing} does not exist`);
    expect(existsSync(missing)).toBe(false);
    expect(() => openKek({ ...base, kek: { kind: 'local', file: path.join(dir, 'dev', 'kek.json'), previousFiles: [previous] } } as ApiConfig)).toThrow(`The key file ${previous} does not exist`);
    expect(existsSync(previous)).toBe(false);
    // Development's current key is made on first use.
    expect(openKek({ ...base, kek: { kind: 'local', file: path.join(dir, 'dev2', 'kek.json') } } as ApiConfig).keyId).toMatch(/^local:[0-9a-f]{16}$/);
  });

  it('seal/open - round-trips, and the sealed form does not contain the plaintext', async () => {
    const canary = 'CANARY-secret-4242';
    const sealed = await seal(kek, Buffer.from(canary), 'catalog-a|password');
    expect(JSON.stringify(sealed)).not.toContain(canary);
    expect(JSON.stringify(sealed)).not.toContain(Buffer.from(canary).toString('base64'));
    expect((await open(kek, sealed, 'catalog-a|password')).toString()).toBe(canary);
  });

  it('seal - a fresh data key and IV every time', async () => {
    const a = await seal(kek, Buffer.from('x'), 'c');
    const b = await seal(kek, Buffer.from('x'), 'c');
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(a.iv).not.toBe(b.iv);
  });

  it('seal - names the KEK that wrapped the data key, and keeps every part apart', async () => {
    const sealed = await seal(kek, Buffer.from('secret'), 'c');
    expect(sealed.kekId).toBe(kek.keyId);
    expect(Buffer.from(sealed.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(sealed.tag, 'base64')).toHaveLength(16);
    expect(Buffer.from(sealed.ciphertext, 'base64')).toHaveLength('secret'.length);
  });

  it('seal/open - the plain data key is zeroed once it was wrapped or used', async () => {
    const seen: Buffer[] = [];
    const spy: KeyEncryptionKey = {
      keyId: 'spy',
      wrap: async (dataKey) => {
        seen.push(dataKey);
        return kek.wrap(Buffer.from(dataKey));
      },
      unwrap: async (wrapped) => {
        const dataKey = await kek.unwrap(wrapped);
        seen.push(dataKey);
        return dataKey;
      }
    };
    const sealed = await seal(spy, Buffer.from('secret'), 'c');
    expect((await open(spy, sealed, 'c')).toString()).toBe('secret');
    expect(seen).toHaveLength(2);
    for (const key of seen) {
      expect(key).toHaveLength(32);
      expect(key.equals(Buffer.alloc(32))).toBe(true);
    }
    await expect(open(spy, sealed, 'other')).rejects.toThrow();
    expect(seen[2].equals(Buffer.alloc(32))).toBe(true);
  });

  it('open - fails for another catalog, a tampered ciphertext or another KEK', async () => {
    const sealed = await seal(kek, Buffer.from('secret'), 'catalog-a|password');
    await expect(open(kek, sealed, 'catalog-b|password')).rejects.toThrow();
    const flipped = Buffer.from(sealed.ciphertext, 'base64');
    flipped[0] ^= 1;
    await expect(open(kek, { ...sealed, ciphertext: flipped.toString('base64') }, 'catalog-a|password')).rejects.toThrow();
    const other = LocalFileKek.open(path.join(dir, 'other.json'));
    await expect(open(other, sealed, 'catalog-a|password')).rejects.toThrow();
  });

  /** A KEK that counts what it is asked, and refuses while `refusing` (Key Vault's 403). */
  const counted = (inner: KeyEncryptionKey, keyId = inner.keyId): KeyEncryptionKey & { wraps: number; unwraps: number; refusing: boolean } => {
    const k = {
      keyId,
      wraps: 0,
      unwraps: 0,
      refusing: false,
      wrap: async (dataKey: Buffer) => {
        k.wraps++;
        if (k.refusing) throw keyVaultError({ statusCode: 403, code: 'Forbidden' });
        return inner.wrap(dataKey);
      },
      unwrap: async (wrapped: Buffer) => {
        k.unwraps++;
        if (k.refusing) throw keyVaultError({ statusCode: 403, code: 'Forbidden' });
        return inner.unwrap(wrapped);
      }
    };
    return k;
  };

  it('KekRing - a sealed value read again and again asks the KEK once (a poll is not a Key Vault unwrap each), and again once the data key was kept 5 minutes', async () => {
    const inner = counted(kek);
    let now = 1_000_000;
    const ring = new KekRing(inner, [], { now: () => now });
    const sealed = await seal(kek, Buffer.from('secret'), 'c');
    for (let i = 0; i < 50; i++) {
      expect((await open(ring, sealed, 'c')).toString()).toBe('secret');
    }
    expect(inner.unwraps).toBe(1);
    now += 5 * 60_000;
    await open(ring, sealed, 'c');
    expect(inner.unwraps).toBe(1);
    now += 1;
    expect((await open(ring, sealed, 'c')).toString()).toBe('secret');
    expect(inner.unwraps).toBe(2);
    // Another sealed value is another data key.
    await open(ring, await seal(kek, Buffer.from('other'), 'c'), 'c');
    expect(inner.unwraps).toBe(3);
  });

  it('KekRing - what it sealed opens without an unwrap; the kept key is handed out as a copy, so the zeroing after each use (open, seal) spoils nothing', async () => {
    const inner = counted(kek);
    const ring = new KekRing(inner);
    const sealed = await seal(ring, Buffer.from('fresh token cache'), 'c');
    expect(inner.wraps).toBe(1);
    for (let i = 0; i < 3; i++) {
      expect((await open(ring, sealed, 'c')).toString()).toBe('fresh token cache');
    }
    expect(inner.unwraps).toBe(0);
    const handedOut = await ring.unwrap(Buffer.from(sealed.wrappedKey, 'base64'));
    handedOut.fill(7);
    expect((await open(ring, sealed, 'c')).toString()).toBe('fresh token cache');
    // The associated data is still checked: a kept data key opens nothing of another catalog.
    await expect(open(ring, sealed, 'other')).rejects.toThrow();
  });

  it('KekRing - a refusal is not kept: the next read asks the KEK again, and what opened before keeps opening while Key Vault refuses, for its 5 minutes', async () => {
    const inner = counted(kek);
    const ring = new KekRing(inner);
    const opened = await seal(kek, Buffer.from('a'), 'c');
    const notYet = await seal(kek, Buffer.from('b'), 'c');
    await open(ring, opened, 'c');
    inner.refusing = true;
    await expect(open(ring, notYet, 'c')).rejects.toMatchObject({ code: 'SERVICE_KEY_UNAVAILABLE' });
    expect(ring.refused).toBe('keyvault 403 Forbidden');
    expect((await open(ring, opened, 'c')).toString()).toBe('a');
    inner.refusing = false;
    expect((await open(ring, notYet, 'c')).toString()).toBe('b');
    expect([inner.unwraps, ring.refused]).toEqual([3, undefined]);
  });

  it('KekRing - keeps at most its number of data keys, the least recently used leaving first; a key is kept under the KEK that wrapped it', async () => {
    const inner = counted(kek);
    const ring = new KekRing(inner, [], { cacheEntries: 2 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((v) => seal(kek, Buffer.from(v), 'x')));
    await open(ring, a, 'x');
    await open(ring, b, 'x');
    await open(ring, a, 'x'); // a used last: b is the oldest
    await open(ring, c, 'x'); // b leaves
    expect(inner.unwraps).toBe(3);
    await open(ring, a, 'x');
    await open(ring, c, 'x');
    expect(inner.unwraps).toBe(3);
    await open(ring, b, 'x');
    expect(inner.unwraps).toBe(4);
    // The same wrapped bytes named by a previous KEK are that KEK's to unwrap, not the current one's kept key.
    const previous = counted(kek, 'previous-kek');
    const both = new KekRing(counted(kek), [previous]);
    await open(both, a, 'x');
    await open(both, { ...a, kekId: 'previous-kek' }, 'x');
    expect(previous.unwraps).toBe(1);
  });

  it('KekRing - only Key Vault\'s refusal (SERVICE_KEY_UNAVAILABLE) is remembered for readiness; a value that does not open (another key, tampered) is not the vault refusing', async () => {
    const broken: KeyEncryptionKey = { keyId: 'k', wrap: async () => Buffer.alloc(0), unwrap: async () => { throw new Error('Unsupported state or unable to authenticate data'); } };
    const ring = new KekRing(broken);
    await expect(ring.unwrap(Buffer.from('x'))).rejects.toThrow('unable to authenticate');
    expect(ring.refused).toBeUndefined();
    const other: KeyEncryptionKey = { keyId: 'k', wrap: async () => Buffer.alloc(0), unwrap: async () => { throw new ApiError('SERVICE_UNAVAILABLE', { upstream: 'x' }); } };
    const second = new KekRing(other);
    await expect(second.unwrap(Buffer.from('x'))).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(second.refused).toBeUndefined();
  });

  it('LocalFileKek - a key file that is not {kid, key: 32 bytes} is refused, naming the file', () => {
    for (const [name, content] of [['no-kid.json', { key: Buffer.alloc(32).toString('base64') }], ['short.json', { kid: 'local:1', key: Buffer.alloc(16).toString('base64') }], ['number.json', { kid: 'local:1', key: 42 }]] as const) {
      const file = path.join(dir, name);
      writeFileSync(file, JSON.stringify(content));
      expect(() => LocalFileKek.open(file, false)).toThrow(`The local key file ${file} is not a {kid, key: base64 of 32 bytes} document`);
    }
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ kid: 'local:1', key: Buffer.alloc(32, 1).toString('base64') }));
    expect(LocalFileKek.open(good, false).keyId).toBe('local:1');
  });

  it('KeyVaultKek - wraps and unwraps with RSA-OAEP-256 through Key Vault; a refusal is SERVICE_KEY_UNAVAILABLE naming its status and code, never its message', async () => {
    const asked: string[] = [];
    const refusing: { error?: unknown } = {};
    const client = {
      wrapKey: async (algorithm: string, key: Uint8Array) => {
        asked.push(`wrap ${algorithm}`);
        if (refusing.error) throw refusing.error;
        return { result: Buffer.concat([Buffer.from('w:'), Buffer.from(key)]) };
      },
      unwrapKey: async (algorithm: string, wrapped: Uint8Array) => {
        asked.push(`unwrap ${algorithm}`);
        if (refusing.error) throw refusing.error;
        return { result: Buffer.from(wrapped).subarray(2) };
      }
    } as unknown as CryptographyClient;
    const vault = new KeyVaultKek('https://vault.example/keys/k/1', client);
    const wrapped = await vault.wrap(Buffer.from('data-key'));
    expect(wrapped.toString()).toBe('w:data-key');
    expect((await vault.unwrap(wrapped)).toString()).toBe('data-key');
    expect(asked).toEqual(['wrap RSA-OAEP-256', 'unwrap RSA-OAEP-256']);
    refusing.error = Object.assign(new Error('Caller is not authorized: secret details'), { statusCode: 403, code: 'Forbidden' });
    for (const operation of [() => vault.wrap(Buffer.from('k')), () => vault.unwrap(wrapped)]) {
      const error = await operation().catch((e: unknown) => e) as ApiError;
      expect([error.code, error.upstream]).toEqual(['SERVICE_KEY_UNAVAILABLE', 'keyvault 403 Forbidden']);
      expect(JSON.stringify(error)).not.toContain('secret details');
    }
  });

  it('keyVaultError - the status (else unreachable) and an error code that is one word; anything else of the error is left out', () => {
    expect(keyVaultError({ statusCode: 404, code: 'KeyNotFound' }).upstream).toBe('keyvault 404 KeyNotFound');
    expect(keyVaultError(new Error('socket hang up')).upstream).toBe('keyvault unreachable');
    expect(keyVaultError(undefined).upstream).toBe('keyvault unreachable');
    expect(keyVaultError({ statusCode: '403', code: 42 }).upstream).toBe('keyvault unreachable');
    expect(keyVaultError({ statusCode: 429, code: 'Throttled <script>' }).upstream).toBe('keyvault 429');
    expect(keyVaultError({ statusCode: 500, code: 'x'.repeat(41) }).upstream).toBe('keyvault 500');
    expect(keyVaultError({ statusCode: 500, code: 'x'.repeat(40) }).upstream).toBe(`keyvault 500 ${'x'.repeat(40)}`);
    expect(keyVaultError({ statusCode: 401, code: '1Bad' }).upstream).toBe('keyvault 401');
  });
});
