// One suite, both object-store backends: the local directory and S3 (a real s3rver on loopback,
// driven by the real AWS SDK; nothing of the SDK is mocked). Each S3 test gets its own key prefix
// in the bucket, and listings page by 2 keys so that ListObjectsV2 continuation is exercised.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStore } from '../storage/objects/local-store.ts';
import {
  ContentHashMismatchError,
  digestStream,
  ObjectCorruptError,
  ObjectExistsError,
  ObjectNotFoundError,
  type ObjectInfo,
  type ObjectStore,
} from '../storage/objects/object-store.ts';
import { createS3Store, type S3StoreOptions } from '../storage/objects/s3-store.ts';
import { createTestContext } from './support/context.ts';
import { startS3Proxy, startS3rver, type S3Server } from './support/s3.ts';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Streams buf in 64 KiB chunks, as an upload arrives. */
const chunked = (buf: Buffer) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < buf.length; i += 64 * 1024) yield buf.subarray(i, i + 64 * 1024);
    })(),
  );
/** Sends `before` bytes, then fails like a client that goes away. */
const failingAfter = (before: number) => {
  let sent = 0;
  return new Readable({
    read() {
      if (sent < before) {
        const n = Math.min(256 * 1024, before - sent);
        sent += n;
        this.push(randomBytes(n));
      } else this.destroy(new Error('client went away'));
    },
  });
};
const all = async (it: AsyncIterable<ObjectInfo>) => {
  const out: ObjectInfo[] = [];
  for await (const o of it) out.push(o);
  return out;
};
// s3rver keeps Last-Modified to the second; allow that much either side.
const near = (d: Date, from: number, to: number) => d instanceof Date && d.getTime() >= from - 1000 && d.getTime() <= to + 1000;

let s3: S3Server;
let s3Tests = 0;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3?.stop();
});

interface Backend {
  name: 'local' | 's3';
  make(): ObjectStore;
  /** A store whose check() must fail: unusable directory / missing bucket. */
  broken(): ObjectStore;
  /** Can two racing puts be decided atomically by this backend *here*? */
  atomicRace: boolean;
  /** Does this backend *here* list in S3's byte order even where a directory walk would differ? */
  byteOrderListing: boolean;
}

const backends: Backend[] = [
  {
    name: 'local',
    make: () => createLocalStore(mkdtempSync(join(tmpdir(), 'objects-'))),
    broken: () => {
      const file = join(mkdtempSync(join(tmpdir(), 'objects-')), 'a-file');
      writeFileSync(file, '');
      return createLocalStore(join(file, 'objects')); // a directory under a regular file
    },
    atomicRace: true,
    byteOrderListing: true,
  },
  {
    name: 's3',
    make: () => createS3Store({ ...s3.options, prefix: `t${++s3Tests}`, listPageSize: 2 }),
    broken: () => createS3Store({ ...s3.options, bucket: 'no-such-bucket' }),
    // s3rver ignores If-None-Match on writes, so only the HEAD pre-check guards it and two puts
    // racing between their HEAD and their upload can both land. AWS and MinIO refuse the second
    // atomically (412); that the header is sent is checked in "S3 on the wire" below.
    atomicRace: false,
    byteOrderListing: false,
  },
];

describe.each(backends)('object store: $name', (b) => {
  it('streams a multi-MB put (multipart on S3), reports size and SHA-256, reads back the same bytes', async () => {
    const s = b.make();
    const data = randomBytes(12 * MiB + 12_345); // three parts of 5 MiB on S3
    const before = Date.now();
    const r = await s.put('receipts/abc/original', chunked(data), { contentType: 'image/jpeg' });
    const after = Date.now();
    expect(r).toEqual({ key: 'receipts/abc/original', size: data.length, sha256: sha(data) });
    expect(await digestStream(await s.get('receipts/abc/original'))).toEqual({ sha256: sha(data), size: data.length });
    const head = await s.head('receipts/abc/original');
    expect(head?.size).toBe(data.length);
    expect(near(head!.lastModified, before, after)).toBe(true);
    // A small one goes through the single-request path on S3.
    const small = Buffer.from('reçu '.repeat(10_000));
    expect((await s.put('receipts/abc/small', Readable.from([small]))).sha256).toBe(sha(small));
    expect(await digestStream(await s.get('receipts/abc/small'))).toEqual({ sha256: sha(small), size: small.length });
    // And an empty one.
    expect(await s.put('receipts/abc/empty', Readable.from([]))).toEqual({ key: 'receipts/abc/empty', size: 0, sha256: sha(Buffer.alloc(0)) });
    expect(await digestStream(await s.get('receipts/abc/empty'))).toEqual({ sha256: sha(Buffer.alloc(0)), size: 0 });
  });

  it('reads byte ranges, and refuses a range past the end', async () => {
    const s = b.make();
    const data = randomBytes(100_000);
    await s.put('k/ranged', Readable.from([data]));
    expect(Buffer.concat(await (await s.get('k/ranged', { start: 10, end: 19 })).toArray())).toEqual(data.subarray(10, 20));
    expect(Buffer.concat(await (await s.get('k/ranged', { start: 99_990 })).toArray())).toEqual(data.subarray(99_990));
    await expect(s.get('k/ranged', { start: 100_000 })).rejects.toBeInstanceOf(RangeError);
    await expect(s.get('k/ranged', { start: 5, end: 4 })).rejects.toBeInstanceOf(RangeError);
  });

  it('never overwrites silently; overwrites when asked', async () => {
    const s = b.make();
    await s.put('k/one', Readable.from(['first']));
    await expect(s.put('k/one', Readable.from(['second']))).rejects.toBeInstanceOf(ObjectExistsError);
    expect(Buffer.concat(await (await s.get('k/one')).toArray()).toString()).toBe('first');
    const r = await s.put('k/one', Readable.from(['third']), { overwrite: true });
    expect(r.sha256).toBe(sha(Buffer.from('third')));
    expect(Buffer.concat(await (await s.get('k/one')).toArray()).toString()).toBe('third');
  });

  it.runIf(b.atomicRace)('two racing puts: exactly one wins, the other gets ObjectExistsError', async () => {
    const s = b.make();
    for (let round = 0; round < 10; round++) {
      const key = `race/r${round}`;
      const [x, y] = [randomBytes(300_000), randomBytes(300_000)];
      const results = await Promise.allSettled([s.put(key, chunked(x)), s.put(key, chunked(y))]);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ObjectExistsError);
      const stored = await digestStream(await s.get(key));
      expect(stored.sha256).toBe((won[0] as PromiseFulfilledResult<{ sha256: string }>).value.sha256);
    }
  });

  // On S3 the 6 MiB case has sent a first 5 MiB part of a multipart upload when the input fails.
  // (s3rver has no AbortMultipartUpload — 405 — so the part stays in its directory; AWS/MinIO
  // abort it. What matters here: no object, and the input's error is the one reported.)
  it('leaves no object behind when the input stream fails midway', async () => {
    const s = b.make();
    await expect(s.put('k/broken', failingAfter(6 * MiB))).rejects.toThrow('client went away');
    await expect(s.put('k/broken-early', failingAfter(1000))).rejects.toThrow('client went away');
    expect(await all(s.list(''))).toEqual([]);
    expect(await s.head('k/broken')).toBeUndefined();
  });

  it('expectedSha256: a mismatch keeps nothing, a match (any case) is stored', async () => {
    const s = b.make();
    const data = randomBytes(6 * MiB);
    const wrong = sha(Buffer.from('something else'));
    const err = await s.put('k/checked', chunked(data), { expectedSha256: wrong }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentHashMismatchError);
    expect(err).toMatchObject({ expected: wrong, actual: sha(data) });
    expect(await all(s.list(''))).toEqual([]);
    const ok = await s.put('k/checked', chunked(data), { expectedSha256: sha(data).toUpperCase() });
    expect(ok.sha256).toBe(sha(data));
    await expect(s.put('k/other', Readable.from(['x']), { expectedSha256: 'not-a-hash' })).rejects.toBeInstanceOf(TypeError);
  });

  it('lists by prefix in key order, page after page, with sizes and modification times', async () => {
    const s = b.make();
    const before = Date.now();
    for (const key of ['r/2024/x', 'r/2025/y', 'r/20/z', 's/one', 'r/2024/w']) await s.put(key, Readable.from([key]));
    const after = Date.now();
    const listed = await all(s.list('r/'));
    expect(listed.map((o) => o.key)).toEqual(['r/20/z', 'r/2024/w', 'r/2024/x', 'r/2025/y']);
    expect(listed.map((o) => o.size)).toEqual([6, 8, 8, 8]);
    for (const o of listed) expect(near(o.lastModified, before, after)).toBe(true);
    expect((await all(s.list('r/202'))).map((o) => o.key)).toEqual(['r/2024/w', 'r/2024/x', 'r/2025/y']);
    expect((await all(s.list('r/2024/'))).map((o) => o.key)).toEqual(['r/2024/w', 'r/2024/x']);
    expect(await all(s.list(''))).toHaveLength(5);
    expect(await all(s.list('nothing/'))).toEqual([]);
    await s.delete('r/2024/w');
    expect((await all(s.list('r/2024/'))).map((o) => o.key)).toEqual(['r/2024/x']);
  });

  // S3 lists in UTF-8 byte order, where '-' and '.' sort before '/'. s3rver lists in the order of
  // its directory walk instead ('r/2024/…' before 'r/2024-01/…'), and its paging (start-after the
  // last key returned) then skips keys. So this runs on the local backend only.
  it.runIf(b.byteOrderListing)("lists in byte order where a directory walk would not ('-' < '/')", async () => {
    const s = b.make();
    for (const key of ['r/2024/x', 'r/2024-01/y', 'r/2024.v2', 'r/2024/w', 'r/a', 'r/a-b']) await s.put(key, Readable.from([key]));
    expect((await all(s.list('r/'))).map((o) => o.key)).toEqual(['r/2024-01/y', 'r/2024.v2', 'r/2024/w', 'r/2024/x', 'r/a', 'r/a-b']);
    expect((await all(s.list('r/2024'))).map((o) => o.key)).toEqual(['r/2024-01/y', 'r/2024.v2', 'r/2024/w', 'r/2024/x']);
  });

  it('refuses unsafe keys and prefixes, reports missing objects', async () => {
    const s = b.make();
    for (const key of ['../escape', 'a//b', '/abs', '', 'a/../b', '.hidden', 'a/b/', 'spaces here'])
      await expect(s.put(key, Readable.from(['x']))).rejects.toThrow(/unsafe/);
    await expect(s.get('../x')).rejects.toThrow(/unsafe/);
    await expect(s.head('a//b')).rejects.toThrow(/unsafe/);
    await expect(s.delete('../x')).rejects.toThrow(/unsafe/);
    for (const prefix of ['../', '/', 'a//', '.tmp/']) await expect(all(s.list(prefix))).rejects.toThrow(/unsafe/);
    expect(await all(s.list(''))).toEqual([]);
    await expect(s.get('nope/missing')).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await s.head('nope/missing')).toBeUndefined();
    await expect(s.delete('nope/missing')).resolves.toBeUndefined();
  });

  it('check() passes on a usable store and fails on an unusable one', async () => {
    await expect(b.make().check()).resolves.toBeUndefined();
    await expect(b.broken().check()).rejects.toThrow();
  });
});

describe('local store specifics', () => {
  it('a failed put leaves no temporary file, and listings never show .tmp', async () => {
    const root = mkdtempSync(join(tmpdir(), 'objects-'));
    const s = createLocalStore(root);
    await expect(s.put('k/broken', failingAfter(2 * MiB))).rejects.toThrow('client went away');
    await expect(s.put('k/bad', Readable.from(['x']), { expectedSha256: sha(Buffer.from('y')) })).rejects.toBeInstanceOf(ContentHashMismatchError);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
    await s.put('k/good', Readable.from(['x']));
    expect((await all(s.list(''))).map((o) => o.key)).toEqual(['k/good']);
  });
  // Corrupting a file between our fsync and our read-back cannot be done from outside the store
  // without a hook into it; the read-back itself runs (and passes) in every put of the suite above.
});

describe('S3 specifics', () => {
  const store = (extra: Partial<S3StoreOptions> = {}) => createS3Store({ ...s3.options, prefix: `t${++s3Tests}`, ...extra });

  it('the read-back catches bytes the server stored corrupted, and deletes them', async () => {
    // Simulated: a proxy between the SDK and s3rver flips one bit of each upload body (PutObject
    // and UploadPart). s3rver stores what it received and answers 200, as it did with the
    // aws-chunked bodies the SDK streams by default (DESIGN) — that real case cannot be
    // reproduced through our uploads, which send parts as plain buffers with the safe settings.
    const proxy = await startS3Proxy(s3.endpoint);
    try {
      const prefix = `t${++s3Tests}`;
      const s = createS3Store({ ...s3.options, endpoint: proxy.endpoint, prefix });
      proxy.corrupt = true;
      for (const [key, data] of [['k/multipart', randomBytes(11 * MiB)], ['k/single', randomBytes(200_000)]] as const) {
        const err = await s.put(key, chunked(data)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ObjectCorruptError);
        expect(err).toMatchObject({ sent: { sha256: sha(data), size: data.length }, stored: { size: data.length } });
        expect((err as ObjectCorruptError).stored.sha256).not.toBe(sha(data));
      }
      expect(await all(s.list(''))).toEqual([]); // both deleted
      // Positive control: the same path without the fault stores and verifies.
      proxy.corrupt = false;
      const data = randomBytes(11 * MiB);
      expect((await s.put('k/multipart', chunked(data))).sha256).toBe(sha(data));
      expect(await digestStream(await createS3Store({ ...s3.options, prefix }).get('k/multipart'))).toEqual({ sha256: sha(data), size: data.length });
    } finally {
      await proxy.stop();
    }
  });

  it('on the wire: If-None-Match unless overwriting, SHA-256 part checksums only when configured, no aws-chunked bodies', async () => {
    // s3rver ignores If-None-Match and checksums, so this checks what AWS/MinIO would be asked.
    const proxy = await startS3Proxy(s3.endpoint);
    try {
      const writes = () => proxy.requests.filter((r) => r.method === 'PUT' || (r.method === 'POST' && r.url.includes('uploadId=')));
      const plain = createS3Store({ ...s3.options, endpoint: proxy.endpoint, prefix: `t${++s3Tests}` });
      await plain.put('k/multi', chunked(randomBytes(7 * MiB)));
      await plain.put('k/single', Readable.from(['hello']));
      let w = writes();
      expect(w.map((r) => `${r.method} ${r.url.includes('partNumber=') ? 'part' : r.url.includes('uploadId=') ? 'complete' : 'object'}`)).toEqual(['PUT part', 'PUT part', 'POST complete', 'PUT object']);
      // UploadPart cannot carry If-None-Match; PutObject and CompleteMultipartUpload do.
      for (const r of w) expect(r.headers['if-none-match']).toBe(r.url.includes('partNumber=') ? undefined : '*');
      for (const r of w) {
        expect(r.headers['x-amz-checksum-sha256']).toBeUndefined();
        expect(r.headers['content-encoding'] ?? '').not.toMatch(/aws-chunked/);
        expect(r.headers['x-amz-content-sha256'] ?? '').not.toMatch(/^STREAMING/);
      }
      proxy.requests.length = 0;
      await plain.put('k/single', Readable.from(['again']), { overwrite: true });
      expect(writes().map((r) => r.headers['if-none-match'])).toEqual([undefined]);

      proxy.requests.length = 0;
      const checked = createS3Store({ ...s3.options, endpoint: proxy.endpoint, prefix: `t${++s3Tests}`, sendChecksums: true });
      await checked.put('k/multi', chunked(randomBytes(7 * MiB)));
      await checked.put('k/single', Readable.from(['hello']));
      w = writes().filter((r) => r.method === 'PUT');
      expect(w).toHaveLength(3);
      // Each body carries the SHA-256 of exactly the bytes sent, for the server to verify.
      for (const r of w) expect(r.headers['x-amz-checksum-sha256']).toBe(Buffer.from(r.bodySha256, 'hex').toString('base64'));
    } finally {
      await proxy.stop();
    }
  });

  it('keeps each store under its key prefix', async () => {
    const [a, b] = [store(), store()];
    await a.put('k/x', Readable.from(['a']));
    await b.put('k/x', Readable.from(['b']));
    expect((await all(a.list(''))).map((o) => o.key)).toEqual(['k/x']);
    expect(Buffer.concat(await (await b.get('k/x')).toArray()).toString()).toBe('b');
    const root = createS3Store({ ...s3.options });
    const keys = (await all(root.list(''))).map((o) => o.key);
    expect(keys).toEqual(expect.arrayContaining([`t${s3Tests - 1}/k/x`, `t${s3Tests}/k/x`]));
  });

  it('the service uses the bucket when S3_BUCKET is set (readiness checks the bucket)', async () => {
    const env = { S3_ENDPOINT: s3.endpoint, S3_BUCKET: 'justif', S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', S3_PREFIX: `t${++s3Tests}` };
    const ctx = await createTestContext(env);
    try {
      expect((await supertest(ctx.app).get('/readyz')).body).toMatchObject({ status: 'ready', objects: 's3' });
      await ctx.c.objects.put('k/x', Readable.from(['via the container']));
      expect((await all(createS3Store({ ...s3.options, prefix: env.S3_PREFIX }).list(''))).map((o) => o.key)).toEqual(['k/x']);
    } finally {
      await ctx.close();
    }
  });
});
