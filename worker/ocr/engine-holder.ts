// One OCR engine (a pool of tesseract workers) per process, started on the first OCR job and
// reused by every later one; closed when the worker stops. Loaded with import(), so an API process
// that runs no jobs never loads tesseract.js or sharp.
import type { Container } from '../../api/container.ts';
import type { OcrEngine } from './pipeline.ts';

let engine: Promise<OcrEngine> | undefined;

export function ocrEngine(c: Container): Promise<OcrEngine> {
  engine ??= import('./pipeline.ts')
    .then((m) => m.createOcrEngine({ workers: c.config.worker.concurrency, maxPixels: c.config.receipts.maxPixels, secondEngine: c.config.ocr.secondEngine }))
    .catch((e) => {
      engine = undefined;
      throw e;
    });
  return engine;
}

export async function closeOcrEngine(): Promise<void> {
  const e = engine;
  engine = undefined;
  if (e) await (await e).close();
}
