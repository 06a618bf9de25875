// Encryption at rest of the few fields that need it (bank account numbers): AES-256-GCM with a key
// kept outside the database (DATA_KEY_FILE; created on first start for the embedded default, 0600,
// like the signing keys). Each value: version byte, 12-byte nonce, ciphertext, 16-byte tag; the
// row's own id is bound as associated data, so a ciphertext moved to another row does not open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DataKey {
  seal(plaintext: string, boundTo: string): Buffer;
  open(sealed: Buffer, boundTo: string): string;
}

export function dataKeyFrom(key: Buffer): DataKey {
  if (key.length !== 32) throw new Error('the data key must be 32 bytes');
  return {
    seal(plaintext, boundTo) {
      const nonce = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, nonce);
      c.setAAD(Buffer.from(boundTo));
      const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
      return Buffer.concat([Buffer.from([1]), nonce, body, c.getAuthTag()]);
    },
    open(sealed, boundTo) {
      if (sealed[0] !== 1 || sealed.length < 29) throw new Error('not a sealed value');
      const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
      d.setAAD(Buffer.from(boundTo));
      d.setAuthTag(sealed.subarray(sealed.length - 16));
      return Buffer.concat([d.update(sealed.subarray(13, sealed.length - 16)), d.final()]).toString('utf8');
    },
  };
}

export function loadOrCreateDataKey(file: string, create: boolean): DataKey {
  if (!existsSync(file)) {
    if (!create) throw new Error(`data key not found: ${file}`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return dataKeyFrom(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
}
