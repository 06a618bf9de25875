import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { createLocalStore } from './local-store.ts';
import { ObjectExistsError, ObjectNotFoundError } from './object-store.ts';

const store = () => {
  const root = mkdtempSync(join(tmpdir(), 'objects-'));
  return { root, s: createLocalStore(root) };
};

describe('local object store', () => {
  it('streams a put, reports size and SHA-256, reads back the same bytes', async () => {
    const { s } = store();
    const data = 'reçu '.repeat(10_000);
    const r = await s.put('receipts/abc/original', Readable.from([data]));
    expect(r.size).toBe(Buffer.byteLength(data));
    expect(r.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(await text(await s.get('receipts/abc/original'))).toBe(data);
    expect(await s.head('receipts/abc/original')).toEqual({ size: r.size });
  });

  it('never overwrites silently, even when two puts race', async () => {
    const { s } = store();
    const results = await Promise.allSettled([s.put('k/one', Readable.from(['a'])), s.put('k/one', Readable.from(['b']))]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((x) => x.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ObjectExistsError);
    await s.put('k/one', Readable.from(['c']), { overwrite: true });
    expect(await text(await s.get('k/one'))).toBe('c');
  });

  it('leaves nothing behind when the input stream fails midway', async () => {
    const { root, s } = store();
    const failing = new Readable({ read() { this.push('partial'); this.destroy(new Error('client went away')); } });
    await expect(s.put('k/broken', failing)).rejects.toThrow('client went away');
    expect(await s.head('k/broken')).toBeUndefined();
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('refuses unsafe keys and reports missing objects', async () => {
    const { s } = store();
    await expect(s.put('../escape', Readable.from(['x']))).rejects.toThrow(/unsafe/);
    await expect(s.put('a//b', Readable.from(['x']))).rejects.toThrow(/unsafe/);
    await expect(s.get('nope/missing')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(s.check()).resolves.toBeUndefined();
  });
});
