// The service's Ed25519 key for audit checkpoints. On the embedded default it is created on
// first start under DATA_DIR/keys; in production mount it (AUDIT_SIGNING_KEY_FILE).
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sha256Hex } from '../lib/secrets.ts';

export interface SigningKey {
  readonly keyId: string;
  /** The public half (SPKI, PEM), for anyone to check signatures with. */
  readonly publicKeyPem: string;
  sign(message: string): string;
  verify(message: string, signature: string): boolean;
}

export function signingKeyFrom(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const keyId = sha256Hex(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16);
  return {
    keyId,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (m) => sign(null, Buffer.from(m), privateKey).toString('base64'),
    verify: (m, s) => verify(null, Buffer.from(m), publicKey, Buffer.from(s, 'base64')),
  };
}

export function generateSigningKey(): SigningKey {
  return signingKeyFrom(generateKeyPairSync('ed25519').privateKey);
}

export function loadOrCreateSigningKey(file: string, create: boolean): SigningKey {
  if (!existsSync(file)) {
    if (!create) throw new Error(`signing key not found: ${file}`);
    const { privateKey } = generateKeyPairSync('ed25519');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  const key = createPrivateKey(readFileSync(file));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 private key`);
  return signingKeyFrom(key);
}
