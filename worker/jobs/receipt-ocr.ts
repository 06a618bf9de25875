// Job `receipt.ocr` (R-OCR-1/2): reads one receipt original (per Client and SHA-256) — the text
// layer of a born-digital PDF, else OCR — and fills the editable expenses that carry it, never over
// what their owners typed. Idempotent: a second run reads again and applies the same fields.
import type { Container } from '../../api/container.ts';
import type { JobPayload } from '../../storage/queue/contract.ts';
import { PermanentJobError } from '../../storage/queue/queue.ts';
import { ocrEngine } from '../ocr/engine-holder.ts';
import { readVerified } from './receipt-render.ts';

export type OcrOutcome = 'read' | 'gone';

export async function receiptOcr(c: Container, p: JobPayload<'receipt.ocr'>, ctx: { signal?: AbortSignal } = {}): Promise<OcrOutcome> {
  const source = await c.receipts.sourceForOcr(p.tenantId, p.sha256);
  if (source.status === 'gone') return 'gone';
  const file = await readVerified(await source.open(), source.size, source.sha256, ctx.signal);
  const engine = await ocrEngine(c);
  let result;
  try {
    result = await engine.read(file, source.mediaType, { defaultCurrency: source.currency });
  } catch (e) {
    // An image the decoders refuse will not read better next time: dead-letter it at once.
    if ((e as Error)?.name === 'UnreadableReceiptError') throw new PermanentJobError((e as Error).message, { cause: e });
    throw e;
  }
  await c.receipts.saveOcr(p.tenantId, p.sha256, result);
  return 'read';
}
