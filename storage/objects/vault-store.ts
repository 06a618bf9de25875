// The vault location (R-VLT-1/2): where deposited originals live, apart from the working receipts.
// Objects are written once and never replaced:
//   - local directory: the file is placed with link() (EEXIST = refused), then made read-only (0444);
//   - S3: HEAD then PutObject with If-None-Match: *, and — where the bucket has Object Lock — in
//     GOVERNANCE mode with RetainUntilDate = the retention end (COMPLIANCE would forbid the
//     contract-end destruction the GDPR requires). Object Lock needs Content-MD5 (or a checksum) on
//     the request, so the bytes come from a spooled file whose MD5 is computed first.
// The only removal is destroy(), used by the two-person destruction path alone; on S3 it deletes
// every version of the key with the governance bypass (a plain DELETE on a versioned bucket would
// only add a delete marker and keep the bytes).
// Every object is read back and hashed after writing, as for the working store.
import { DeleteObjectCommand, GetObjectLockConfigurationCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { assertSafeKey } from './keys.ts';
import { createLocalStore } from './local-store.ts';
import { digestStream, ObjectCorruptError, ObjectExistsError, type ObjectInfo, type ObjectStore } from './object-store.ts';
import { createS3Store, isS3PreconditionFailed, s3ClientFor, s3KeyOf, s3StatusOf, type S3StoreOptions } from './s3-store.ts';

/** What stops an object from being deleted at the storage level, as found by asking the storage. */
export type VaultProtection =
  | { mode: 'object-lock-governance'; detail: string }
  | { mode: 'read-only-files'; detail: string }
  | { mode: 'none'; detail: string };

export interface VaultPut {
  sha256: string;
  size: number;
  contentType: string;
  /** Object Lock retain-until (S3 with Object Lock); the local backend keeps files read-only forever. */
  retainUntil: Date;
}

export interface VaultStore {
  readonly kind: 'local' | 's3';
  protection(): Promise<VaultProtection>;
  /** Writes `file` once at key; ObjectExistsError if the key holds an object. Verified by a read-back. */
  putOnce(key: string, file: string, o: VaultPut): Promise<void>;
  get(key: string): Promise<Readable>;
  head(key: string): Promise<{ size: number } | undefined>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** The destruction path only: the object (every version, governance bypassed) is removed. */
  destroy(key: string): Promise<void>;
  check(): Promise<void>;
}

/** SHA-256 and MD5 of a file, read once. */
async function fileDigests(file: string) {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    sha.update(chunk as Buffer);
    md5.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: sha.digest('hex'), md5: md5.digest('base64'), size };
}

export function createLocalVaultStore(root: string): VaultStore {
  const store: ObjectStore = createLocalStore(root);
  const pathOf = (key: string) => join(root, ...assertSafeKey(key).split('/'));
  return {
    kind: 'local',
    async protection() {
      return { mode: 'read-only-files', detail: 'a local directory: each file is written once, then made read-only; the service never overwrites one (no storage-level lock)' };
    },
    async putOnce(key, file, o) {
      // link()-based: an existing key is refused (ObjectExistsError), even between processes
      await store.put(key, createReadStream(file), { expectedSha256: o.sha256 });
      await chmod(pathOf(key), 0o444);
    },
    get: (key) => store.get(key),
    head: (key) => store.head(key),
    list: (prefix) => store.list(prefix),
    async destroy(key) {
      await rm(pathOf(key), { force: true });
    },
    check: () => store.check(),
  };
}

export function createS3VaultStore(o: S3StoreOptions): VaultStore {
  const client = s3ClientFor(o);
  const store = createS3Store(o, client);
  const Bucket = o.bucket;
  const full = s3KeyOf(o);
  let locked: Promise<VaultProtection> | undefined;

  async function detect(): Promise<VaultProtection> {
    try {
      const r = await client.send(new GetObjectLockConfigurationCommand({ Bucket }));
      if (r.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled') return { mode: 'object-lock-governance', detail: `bucket ${Bucket} has Object Lock: deposits are written in GOVERNANCE mode until their retention end` };
      return { mode: 'none', detail: `bucket ${Bucket} has no Object Lock enabled: deposits are write-once by the service only` };
    } catch (e) {
      // no configuration (404 ObjectLockConfigurationNotFoundError) or a server without the feature (501, s3rver)
      return { mode: 'none', detail: `bucket ${Bucket}: no Object Lock (${(e as Error).name || s3StatusOf(e)}); deposits are write-once by the service only` };
    }
  }
  const protection = () => (locked ??= detect().catch((e) => ((locked = undefined), Promise.reject(e))));

  return {
    kind: 's3',
    protection,
    async putOnce(key, file, p) {
      const Key = full(key);
      if (await store.head(key)) throw new ObjectExistsError(key);
      const d = await fileDigests(file);
      if (d.sha256 !== p.sha256 || d.size !== p.size) throw new ObjectCorruptError(key, { sha256: p.sha256, size: p.size }, { sha256: d.sha256, size: d.size });
      const lock = (await protection()).mode === 'object-lock-governance';
      try {
        await client.send(
          new PutObjectCommand({
            Bucket, Key, Body: createReadStream(file), ContentLength: d.size, ContentType: p.contentType, ContentMD5: d.md5, IfNoneMatch: '*',
            ...(lock ? { ObjectLockMode: 'GOVERNANCE' as const, ObjectLockRetainUntilDate: p.retainUntil } : {}),
          }),
        );
      } catch (e) {
        if (isS3PreconditionFailed(e)) throw new ObjectExistsError(key);
        throw e;
      }
      const back = await digestStream(await store.get(key));
      // never deleted here: under Object Lock it could not be, and a bad copy must stay visible to the sweep
      if (back.sha256 !== p.sha256 || back.size !== p.size) throw new ObjectCorruptError(key, { sha256: p.sha256, size: p.size }, back);
    },
    get: (key) => store.get(key),
    head: (key) => store.head(key),
    list: (prefix) => store.list(prefix),
    async destroy(key) {
      const Key = full(key);
      let versions: { VersionId?: string }[] = [];
      try {
        const r = await client.send(new ListObjectVersionsCommand({ Bucket, Prefix: Key }));
        versions = [...(r.Versions ?? []), ...(r.DeleteMarkers ?? [])].filter((v) => (v as { Key?: string }).Key === Key);
      } catch (e) {
        if (s3StatusOf(e) === undefined) throw e; // not an answer from the server (network): try again later
        // a server without versioning (s3rver answers 404/405/501): one object, deleted below
      }
      if (!versions.length || versions.every((v) => !v.VersionId || v.VersionId === 'null')) {
        await client.send(new DeleteObjectCommand({ Bucket, Key, BypassGovernanceRetention: true }));
        return;
      }
      for (const v of versions) await client.send(new DeleteObjectCommand({ Bucket, Key, VersionId: v.VersionId, BypassGovernanceRetention: true }));
    },
    check: () => store.check(),
  };
}
