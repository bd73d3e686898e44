import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
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

export async function open(kek: KeyEncryptionKey, sealed: SealedValue, associatedData: string): Promise<Buffer> {
  const dataKey = await kek.unwrap(Buffer.from(sealed.wrappedKey, 'base64'));
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
  } finally {
    dataKey.fill(0);
  }
}
