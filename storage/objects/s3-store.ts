// Objects in an S3 bucket (AWS, MinIO, Scaleway, OVH…; s3rver in tests), optionally under a key
// prefix. Uploads stream through lib-storage's Upload: the body is cut into parts of `partSize`
// bytes (at most `queueSize` parts in memory at once), one PutObject when it fits in a single
// part, a multipart upload otherwise (aborted on failure). We hash SHA-256 while streaming, then
// GET the stored object back and hash it again: some S3 servers keep corrupted bytes and answer
// 200 (DESIGN, "Verified on this machine kind").
//
// Client settings that matter:
// - requestChecksumCalculation/responseChecksumValidation 'WHEN_REQUIRED': with the SDK default
//   ('WHEN_SUPPORTED'), streamed bodies are sent aws-chunked with a trailing checksum, which
//   servers such as s3rver store verbatim — silently corrupted. Harmless on AWS.
// - sendChecksums: ask the SDK to send x-amz-checksum-sha256 for every part (PutObject/UploadPart),
//   which the server then verifies in transit. Only where the server checks them (AWS, MinIO);
//   s3rver accepts a wrong one. Our own read-back verification runs in every case.
//   (A whole-object SHA-256 cannot be announced up front: a multipart upload's SHA-256 checksum
//   is a checksum of the parts' checksums, and the length is unknown when we start.)
import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  DeleteObjectCommand,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertSafeKey, assertSafePrefix } from './keys.ts';
import {
  assertRange,
  ContentHashMismatchError,
  destroyingBodyOnFailure,
  digestStream,
  normaliseSha256,
  ObjectCorruptError,
  ObjectExistsError,
  ObjectNotFoundError,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
} from './object-store.ts';

export interface S3StoreOptions {
  /** e.g. http://minio:9000; unset = AWS's endpoint for the region. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (http://host/bucket/key): MinIO and most self-hosted servers need it. Default true. */
  forcePathStyle?: boolean;
  /** Key prefix inside the bucket, e.g. "justif" → objects at justif/<key>. */
  prefix?: string;
  /** Send SHA-256 part checksums for the server to verify (AWS, MinIO). Default false. */
  sendChecksums?: boolean;
  /** Part size of uploads in bytes (S3 minimum 5 MiB). Default 5 MiB. */
  partSize?: number;
  /** Parts uploaded in parallel (and held in memory) per upload. Default 2. */
  queueSize?: number;
  /** Keys per ListObjectsV2 page (max 1000). Default 1000; tests lower it to exercise paging. */
  listPageSize?: number;
}

const statusOf = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const isNotFound = (e: unknown) => statusOf(e) === 404 || ['NotFound', 'NoSuchKey'].includes((e as Error).name);
const isPreconditionFailed = (e: unknown) => statusOf(e) === 412 || (e as Error).name === 'PreconditionFailed';
// 409 ConditionalRequestConflict: AWS's answer when a concurrent conditional write won meanwhile.
const isConflict = (e: unknown) => statusOf(e) === 409 && (e as Error).name === 'ConditionalRequestConflict';

export function s3ClientFor(o: S3StoreOptions): S3Client {
  return new S3Client({
    endpoint: o.endpoint,
    region: o.region,
    forcePathStyle: o.forcePathStyle ?? true,
    credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The bucket key of `key` under the store's prefix (checked for safety). */
export function s3KeyOf(o: Pick<S3StoreOptions, 'prefix'>): (key: string) => string {
  const base = o.prefix ? `${assertSafeKey(o.prefix.replace(/^\/+|\/+$/g, ''))}/` : '';
  return (key: string) => base + assertSafeKey(key);
}

export { isNotFound as isS3NotFound, isPreconditionFailed as isS3PreconditionFailed, statusOf as s3StatusOf };

export function createS3Store(o: S3StoreOptions, client: S3Client = s3ClientFor(o)): ObjectStore {
  const Bucket = o.bucket;
  const base = o.prefix ? `${assertSafeKey(o.prefix.replace(/^\/+|\/+$/g, ''))}/` : '';
  const full = s3KeyOf(o);

  async function headEtag(Key: string): Promise<string | undefined> {
    try {
      return (await client.send(new HeadObjectCommand({ Bucket, Key }))).ETag ?? '';
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /**
   * Deletes Key only if it still holds the object we wrote (same ETag). Between this HEAD and the
   * DELETE another writer could replace it; that window is milliseconds wide and only reachable
   * with overwrite or on a server that ignores If-None-Match.
   */
  async function removeIfOurs(Key: string, etag: string | undefined) {
    const current = await headEtag(Key);
    if (current !== undefined && (etag === undefined || current === etag)) await client.send(new DeleteObjectCommand({ Bucket, Key }));
  }

  async function put(key: string, body: Readable, opts: PutOptions = {}): Promise<StoredObject> {
    const Key = full(key);
    const expected = normaliseSha256(opts.expectedSha256);
    // No silent overwrite, two guards:
    // 1. If-None-Match: * on PutObject / CompleteMultipartUpload: AWS (since 2024) and MinIO
    //    refuse atomically with 412 when the key exists — this is what holds under a race.
    // 2. A HEAD before we send anything: refuses early without uploading, and is the only guard
    //    on servers that ignore If-None-Match (s3rver does). There, two puts racing between
    //    their HEAD and their upload can both succeed and the last one wins; the loser notices
    //    only if its read-back below already sees the winner's ETag.
    if (!opts.overwrite && (await headEtag(Key)) !== undefined) throw new ObjectExistsError(key);

    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    const upload = new Upload({
      client,
      queueSize: o.queueSize ?? 2,
      partSize: o.partSize ?? 5 * 1024 * 1024,
      leavePartsOnError: false, // abort the multipart upload: no orphaned parts billed
      params: {
        Bucket,
        Key,
        Body: meter,
        ContentType: opts.contentType,
        ...(opts.overwrite ? {} : { IfNoneMatch: '*' }),
        ...(o.sendChecksums ? { ChecksumAlgorithm: 'SHA256' as const } : {}),
      },
    });
    const piping = pipeline(body, meter);
    // If the upload fails first, nobody reads meter any more: destroy it so the pipeline ends too.
    const uploading = upload.done().catch((e: unknown) => {
      meter.destroy(e as Error);
      throw e;
    });
    const [up, pipe] = await Promise.allSettled([uploading, piping]);
    if (up.status === 'rejected') {
      // The input failed first (a client that went away): that is the cause to report, even if
      // aborting the multipart upload failed too (s3rver has no AbortMultipartUpload; on AWS,
      // a lifecycle rule "AbortIncompleteMultipartUpload" sweeps parts an abort could not remove).
      if (pipe.status === 'rejected' && pipe.reason !== up.reason && (pipe.reason as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw pipe.reason;
      if (!opts.overwrite && (isPreconditionFailed(up.reason) || isConflict(up.reason))) throw new ObjectExistsError(key);
      throw up.reason;
    }
    const etag = up.value.ETag;
    if (pipe.status === 'rejected') {
      // Cannot happen (the upload consumed meter to its end), but never keep an object whose input failed.
      await removeIfOurs(Key, etag);
      throw pipe.reason;
    }
    const sha256 = hash.digest('hex');
    if (expected && expected !== sha256) {
      await removeIfOurs(Key, etag);
      throw new ContentHashMismatchError(key, expected, sha256);
    }

    // Read-back verification. IfMatch makes AWS/MinIO answer 412 if another writer replaced the
    // object meanwhile; servers that ignore it still let us compare the ETag ourselves.
    let back: GetObjectCommandOutput;
    try {
      back = await client.send(new GetObjectCommand({ Bucket, Key, ...(etag ? { IfMatch: etag } : {}) }));
    } catch (e) {
      if (isPreconditionFailed(e)) throw new ObjectExistsError(key); // replaced by a concurrent put
      if (isNotFound(e)) throw new ObjectNotFoundError(key); // deleted meanwhile by someone else
      throw e;
    }
    const stream = back.Body as Readable;
    if (etag && back.ETag && back.ETag !== etag) {
      stream.destroy();
      throw new ObjectExistsError(key);
    }
    const stored = await digestStream(stream);
    if (stored.sha256 !== sha256 || stored.size !== size) {
      await removeIfOurs(Key, etag);
      throw new ObjectCorruptError(key, { sha256, size }, stored);
    }
    return { key, size, sha256 };
  }

  return {
    kind: 's3',
    put: destroyingBodyOnFailure(put),
    async get(key, range) {
      const Key = full(key);
      assertRange(range);
      try {
        const r = await client.send(new GetObjectCommand({ Bucket, Key, ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}) }));
        return r.Body as Readable;
      } catch (e) {
        if (isNotFound(e)) throw new ObjectNotFoundError(key);
        if (statusOf(e) === 416) throw new RangeError(`range ${range?.start}- not satisfiable for object ${key}`);
        throw e;
      }
    },
    async head(key) {
      try {
        const r = await client.send(new HeadObjectCommand({ Bucket, Key: full(key) }));
        return { size: r.ContentLength ?? 0, lastModified: r.LastModified ?? new Date(0) };
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    async *list(prefix) {
      const Prefix = base + assertSafePrefix(prefix);
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken, MaxKeys: o.listPageSize ?? 1000 }));
        for (const c of page.Contents ?? []) {
          if (!c.Key || c.Key.endsWith('/')) continue; // "folder" markers made by consoles are not objects
          yield { key: c.Key.slice(base.length), size: c.Size ?? 0, lastModified: c.LastModified ?? new Date(0) };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: full(key) }));
    },
    // HEAD bucket, not a put/delete probe: readiness runs every few seconds, and on a bucket with
    // versioning/Object Lock every probe would leave versions (and delete markers) behind forever.
    async check() {
      await client.send(new HeadBucketCommand({ Bucket }));
    },
  };
}
