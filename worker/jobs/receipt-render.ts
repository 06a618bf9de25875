// Job `receipt.render`: the renditions of one receipt original (per Client and SHA-256), made
// from the object store's copy and stored beside it with their own hashes (R-CAP-2).
// Idempotent: nothing to do when the renditions exist or no receipt uses the bytes any more;
// a second run replaces the same files and rows.
//
// The original is read through a stream into memory — the decoders need the whole file (sharp
// buffers a streamed input too) — at most its recorded size (≤ RECEIPT_MAX_MB), hashed on the way:
// renditions are made only from bytes proven to be the original's.
import { createHash } from 'node:crypto';
import type { Container } from '../../api/container.ts';
import type { JobPayload } from '../../storage/queue/contract.ts';
import { PermanentJobError } from '../../storage/queue/queue.ts';

export type RenderOutcome = 'rendered' | 'done-already' | 'gone';

export async function receiptRender(c: Container, p: JobPayload<'receipt.render'>, ctx: { signal?: AbortSignal } = {}): Promise<RenderOutcome> {
  const source = await c.receipts.sourceForRenditions(p.tenantId, p.sha256);
  if (source.status === 'gone') return 'gone';
  if (source.status === 'done') return 'done-already';
  const file = await readVerified(await source.open(), source.size, source.sha256, ctx.signal);
  // Loaded here, not at the top: an API process that runs no jobs never loads the image libraries.
  const adapters = await import('../adapters/renditions.ts');
  let renditions;
  try {
    renditions = await adapters.renderReceipt(file, source.mediaType, { maxPixels: c.config.receipts.maxPixels, signal: ctx.signal });
  } catch (e) {
    if (e instanceof adapters.UnreadableReceiptError) throw new PermanentJobError(e.message, { cause: e });
    throw e;
  }
  return (await c.receipts.saveRenditions(p.tenantId, p.sha256, renditions)) === 'saved' ? 'rendered' : 'gone';
}

export async function readVerified(stream: AsyncIterable<unknown> & { destroy(): void }, size: number, sha256: string, signal?: AbortSignal): Promise<Buffer> {
  const hash = createHash('sha256');
  const parts: Buffer[] = [];
  let read = 0;
  try {
    for await (const chunk of stream) {
      signal?.throwIfAborted();
      const b = chunk as Buffer;
      read += b.length;
      if (read > size) break;
      hash.update(b);
      parts.push(b);
    }
  } finally {
    stream.destroy();
  }
  const actual = read <= size ? hash.digest('hex') : undefined;
  // Not a decoding problem but the stored original itself: never render it, say what was found.
  if (read !== size || actual !== sha256)
    throw new PermanentJobError(`the stored original does not match its record: expected ${size} bytes with SHA-256 ${sha256}, read ${read > size ? `more than ${size}` : read} bytes${actual ? ` with SHA-256 ${actual}` : ''}; not rendered`);
  return Buffer.concat(parts, size);
}
