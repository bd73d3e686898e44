import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ApiError } from '../errors/apiError';
import type { KeyEncryptionKey } from './kek';

/**
 * Envelope encryption: a fresh AES-256-GCM data key per sealed value, wrapped by the KEK.
 * The associated data binds a ciphertext to its catalog and purpose, so a sealed value copied
 * to another catalog's row does not open there.
 */
export interface SealedValue {
  kekId: string;
  wrappedKey: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export async function seal(kek: KeyEncryptionKey, plaintext: Buffer, associatedData: string): Promise<SealedValue> {
  const dataKey = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const wrappedKey = await kek.wrap(dataKey);
  dataKey.fill(0);
  return {
    kekId: kek.keyId,
    wrappedKey: wrappedKey.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64')
  };
}

/** The KEK that wrapped a sealed value's data key; a ring without it throws (the key was removed too early). */
export function kekFor(kek: KeyEncryptionKey, sealed: SealedValue): KeyEncryptionKey {
  if (!kek.forKeyId) {
    return kek;
  }
  const key = kek.forKeyId(sealed.kekId);
  if (!key) {
    // The key's id in the log line (upstream): the operator sees which one to put back; run the re-wrap before removing a key.
    throw new ApiError('SERVICE_KEY_UNAVAILABLE', { upstream: `key ${sealed.kekId} not configured (KEY_VAULT_PREVIOUS_KEY_IDS / LOCAL_KEK_PREVIOUS_FILES)` });
  }
  return key;
}

export async function open(kek: KeyEncryptionKey, sealed: SealedValue, associatedData: string): Promise<Buffer> {
  const dataKey = await kekFor(kek, sealed).unwrap(Buffer.from(sealed.wrappedKey, 'base64'));
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
  } finally {
    dataKey.fill(0);
  }
}

/** The same sealed value with its data key wrapped by the current KEK; the plaintext is never decrypted. */
export async function rewrap(kek: KeyEncryptionKey, sealed: SealedValue): Promise<SealedValue> {
  const dataKey = await kekFor(kek, sealed).unwrap(Buffer.from(sealed.wrappedKey, 'base64'));
  try {
    return { ...sealed, kekId: kek.keyId, wrappedKey: (await kek.wrap(dataKey)).toString('base64') };
  } finally {
    dataKey.fill(0);
  }
}
