// Objects as files under one directory. A put streams into a temporary file, hashing on the
// way, fsyncs it, then renames it into place: a crash never leaves a half-written object.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertSafeKey } from './keys.ts';
import { ObjectExistsError, ObjectNotFoundError, type ObjectStore, type StoredObject } from './object-store.ts';

export function createLocalStore(root: string): ObjectStore {
  const pathOf = (key: string) => join(root, ...assertSafeKey(key).split('/'));
  const tmpDir = join(root, '.tmp');

  return {
    kind: 'local',
    async put(key, body, opts = {}): Promise<StoredObject> {
      const dest = pathOf(key);
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
      try {
        await pipeline(body, meter, createWriteStream(tmp, { flags: 'wx' }));
        const fh = await open(tmp, 'r');
        await fh.sync();
        await fh.close();
        if (opts.overwrite) {
          await rm(dest, { force: true });
        }
        // link() fails if dest exists: no silent overwrite, even between two processes.
        await link(tmp, dest).catch((e: NodeJS.ErrnoException) => {
          throw e.code === 'EEXIST' ? new ObjectExistsError(key) : e;
        });
      } finally {
        await unlink(tmp).catch(() => {});
      }
      return { key, size, sha256: hash.digest('hex') };
    },
    async get(key) {
      const p = pathOf(key);
      await stat(p).catch(() => {
        throw new ObjectNotFoundError(key);
      });
      return createReadStream(p) as Readable;
    },
    async head(key) {
      const s = await stat(pathOf(key)).catch(() => undefined);
      return s?.isFile() ? { size: s.size } : undefined;
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async check() {
      await mkdir(tmpDir, { recursive: true });
      const probe = join(tmpDir, `probe-${process.pid}`);
      const fh = await open(probe, 'w');
      await fh.close();
      await unlink(probe);
    },
  };
}
