// Object storage behind one interface: a local directory (the embedded default) or any S3 API.
// Writes stream (never a whole file in memory), hash SHA-256 on the way, and are verified by
// reading the stored object back and hashing it again before put() resolves.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  size: number;
  /** Lower-case hex SHA-256 of the stored bytes (verified by a read-back). */
  sha256: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutOptions {
  /** Replace an existing object. Without it an existing key makes put() fail with ObjectExistsError. */
  overwrite?: boolean;
  contentType?: string;
  /** Hex SHA-256 the content must have; otherwise put() removes what it wrote and throws ContentHashMismatchError. */
  expectedSha256?: string;
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`; `end` omitted = to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface ObjectStore {
  readonly kind: 'local' | 's3';
  /**
   * Streams body to key, hashing it; then reads the stored object back and re-hashes it.
   * Resolves only once the stored bytes are known to be the bytes received. On any failure
   * nothing is left at the key by this call, and body is destroyed (it is consumed otherwise).
   * Errors: ObjectExistsError, ContentHashMismatchError, ObjectCorruptError, unsafe key (Error),
   * or the body's own error.
   */
  put(key: string, body: Readable, opts?: PutOptions): Promise<StoredObject>;
  /** ObjectNotFoundError if missing; RangeError if the range cannot be satisfied. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  head(key: string): Promise<{ size: number; lastModified: Date } | undefined>;
  /** Every object whose key starts with prefix, in key order (byte order; keys are ASCII). */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Idempotent: deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Is the store reachable and usable right now? (readiness) */
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
/** The content received does not have the SHA-256 the caller announced (nothing was kept). */
export class ContentHashMismatchError extends Error {
  constructor(readonly key: string, readonly expected: string, readonly actual: string) {
    super(`object ${key}: content SHA-256 ${actual} differs from the expected ${expected}`);
  }
}
/** The store kept different bytes than it was sent (found by the read-back; the object was deleted). */
export class ObjectCorruptError extends Error {
  constructor(readonly key: string, readonly sent: { sha256: string; size: number }, readonly stored: { sha256: string; size: number }) {
    super(`object ${key} stored corrupted: sent ${sent.size} bytes with SHA-256 ${sent.sha256}, read back ${stored.size} bytes with SHA-256 ${stored.sha256}`);
  }
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Normalises an expectedSha256 option; a malformed value is a programming error. */
export function normaliseSha256(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (!HEX_SHA256.test(v)) throw new TypeError(`expectedSha256 must be 64 hex digits, got ${JSON.stringify(value)}`);
  return v;
}

/** SHA-256 and size of a whole stream, read chunk by chunk. */
export async function digestStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
    hash.update(buf);
    size += buf.length;
  }
  return { sha256: hash.digest('hex'), size };
}

export function assertRange(range: ByteRange | undefined): void {
  if (!range) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start)))
    throw new RangeError(`invalid byte range ${JSON.stringify(range)}`);
}

/** A put that destroys its input stream when it fails, as the interface promises. */
export function destroyingBodyOnFailure(put: ObjectStore['put']): ObjectStore['put'] {
  return async (key, body, opts = {}) => {
    try {
      return await put(key, body, opts);
    } catch (e) {
      body.destroy();
      throw e;
    }
  };
}
