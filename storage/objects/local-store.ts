// Objects as files under one directory. A put streams into a temporary file under .tmp/, hashing
// on the way, fsyncs it, then links (or, to overwrite, renames) it into place: a crash never leaves
// a half-written object. The placed file is then read back through its own descriptor and hashed
// again; the inode proves it is the file we wrote and not one a concurrent put placed meanwhile.
// (Right after an fsync the read-back is mostly served from the page cache: it catches our own
// bugs and a mangled placement, not a disk that lies — the scheduled sanity check re-hashes later.)
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type Dirent } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
  type ObjectInfo,
  type ObjectStore,
  type StoredObject,
} from './object-store.ts';

export function createLocalStore(root: string): ObjectStore {
  const pathOf = (key: string) => join(root, ...assertSafeKey(key).split('/'));
  const tmpDir = join(root, '.tmp');

  async function syncDir(dir: string) {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Removes dest only if it still is the file with inode `ino` (ours). */
  async function removeIfOurs(dest: string, ino: number) {
    const s = await stat(dest).catch(() => undefined);
    if (s?.ino === ino) await unlink(dest).catch(() => {});
  }

  async function put(key: string, body: Readable, opts: { overwrite?: boolean; expectedSha256?: string } = {}): Promise<StoredObject> {
    const dest = pathOf(key);
    const expected = normaliseSha256(opts.expectedSha256);
    await mkdir(tmpDir, { recursive: true });
    await mkdir(dirname(dest), { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    let ino: number;
    let sha256: string;
    try {
      await pipeline(body, meter, createWriteStream(tmp, { flags: 'wx' }));
      const fh = await open(tmp, 'r');
      try {
        await fh.sync();
        ino = (await fh.stat()).ino;
      } finally {
        await fh.close();
      }
      sha256 = hash.digest('hex');
      if (expected && expected !== sha256) throw new ContentHashMismatchError(key, expected, sha256);
      if (opts.overwrite) {
        await rename(tmp, dest); // atomic replacement: a reader sees the old file or the new one
      } else {
        // link() fails if dest exists: no silent overwrite, even between two processes.
        await link(tmp, dest).catch((e: NodeJS.ErrnoException) => {
          throw e.code === 'EEXIST' ? new ObjectExistsError(key) : e;
        });
      }
      await syncDir(dirname(dest));
    } finally {
      await unlink(tmp).catch(() => {});
    }

    // Read-back verification, through a descriptor so that what we hash is the file we check.
    const fh = await open(dest, 'r').catch((e: NodeJS.ErrnoException) => {
      // Deleted between placement and read-back by someone else: our object is gone.
      throw e.code === 'ENOENT' ? new ObjectNotFoundError(key) : e;
    });
    let stored: { sha256: string; size: number };
    try {
      // Replaced meanwhile by a concurrent overwrite: the object at the key is someone else's.
      if ((await fh.stat()).ino !== ino) throw new ObjectExistsError(key);
      stored = await digestStream(fh.createReadStream({ autoClose: false }));
    } finally {
      await fh.close();
    }
    if (stored.sha256 !== sha256 || stored.size !== size) {
      await removeIfOurs(dest, ino);
      throw new ObjectCorruptError(key, { sha256, size }, stored);
    }
    return { key, size, sha256 };
  }

  /** Depth-first walk in key order (a directory sorts as "name/", as its keys do on S3). */
  async function* walk(dir: string, keyPrefix: string): AsyncGenerator<ObjectInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw e;
    }
    const named = entries
      .filter((d) => !d.name.startsWith('.') && (d.isDirectory() || d.isFile())) // .tmp/ and probes are not objects
      .map((d) => ({ d, sortKey: d.isDirectory() ? `${d.name}/` : d.name }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const { d } of named) {
      const path = join(dir, d.name);
      if (d.isDirectory()) {
        yield* walk(path, `${keyPrefix}${d.name}/`);
      } else {
        const s = await stat(path).catch(() => undefined); // deleted meanwhile: skip
        if (s?.isFile()) yield { key: `${keyPrefix}${d.name}`, size: s.size, lastModified: s.mtime };
      }
    }
  }

  return {
    kind: 'local',
    put: destroyingBodyOnFailure(put),
    async get(key, range) {
      const p = pathOf(key);
      assertRange(range);
      const fh = await open(p, 'r').catch(() => {
        throw new ObjectNotFoundError(key);
      });
      try {
        const s = await fh.stat();
        if (!s.isFile()) throw new ObjectNotFoundError(key);
        if (range && range.start >= s.size) throw new RangeError(`range ${range.start}- not satisfiable for object ${key} of ${s.size} bytes`);
      } catch (e) {
        await fh.close();
        throw e;
      }
      return fh.createReadStream(range ? { start: range.start, end: range.end } : {});
    },
    async head(key) {
      const s = await stat(pathOf(key)).catch(() => undefined);
      return s?.isFile() ? { size: s.size, lastModified: s.mtime } : undefined;
    },
    async *list(prefix) {
      assertSafePrefix(prefix);
      // Walk only the deepest directory the prefix names in full, then filter on the rest.
      const dirPart = prefix.slice(0, prefix.lastIndexOf('/') + 1);
      for await (const o of walk(join(root, ...dirPart.split('/').filter(Boolean)), dirPart)) {
        if (o.key.startsWith(prefix)) yield o;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async check() {
      await mkdir(tmpDir, { recursive: true });
      const probe = join(tmpDir, `probe-${process.pid}-${randomUUID()}`);
      const fh = await open(probe, 'w');
      await fh.close();
      await unlink(probe);
    },
  };
}
