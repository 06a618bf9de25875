// Object storage behind one interface: a local directory (the embedded default) now, any S3 API
// with the capture issue. Writes stream and report the SHA-256 of what was stored.
import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  size: number;
  sha256: string;
}

export interface ObjectStore {
  readonly kind: 'local' | 's3';
  /** Streams body to key; refuses to replace an existing object unless overwrite is set. */
  put(key: string, body: Readable, opts?: { overwrite?: boolean; contentType?: string }): Promise<StoredObject>;
  get(key: string): Promise<Readable>;
  head(key: string): Promise<{ size: number } | undefined>;
  delete(key: string): Promise<void>;
  /** Can we write right now? (readiness) */
  check(): Promise<void>;
}

export class ObjectExistsError extends Error {
  constructor(readonly key: string) {
    super(`object ${key} exists already`);
  }
}
export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object ${key} not found`);
  }
}
