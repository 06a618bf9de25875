// Receipt bytes → words with their boxes, for the OCR engine (worker/ocr/pipeline.ts loads this
// file with a dynamic import(), so only a process that reads receipts loads the libraries).
//   JPEG, PNG, WebP, AVIF            → preprocessing (ocr-image.ts) → Tesseract;
//   HEIC/HEIF                        → heic-decode → the same;
//   PDF with a text layer            → the text layer (born-digital: exact, instant);
//   PDF without one (a scan)         → the first OCR_PDF_PAGES pages rasterised (pdf.ts) → Tesseract.
import { decodeHeic } from './heic.ts';
import { majorBrand, type ImageInput } from './image.ts';
import { preprocessForOcr } from './ocr-image.ts';
import { openPdf } from './pdf.ts';
import { createTesseractPool, type OcrWord, type TesseractPool } from './tesseract.ts';

/** Scanned PDFs: pages read by OCR, and their resolution (receipt text needs more than the 150 dpi of the previews). */
export const OCR_PDF_PAGES = 3;
export const OCR_PDF_DPI = 200;
/** A text layer with fewer letters and digits than this is not a born-digital document (a scan with a stray word, a blank form). */
const MIN_TEXT_LAYER_CHARS = 20;
/** Tesseract's page segmentation: 3 = automatic (columns found), 4 = one column of rows, 6 = one uniform block. */
export const OCR_PSM = '3';

export class UnreadableFileError extends Error {
  override readonly name = 'UnreadableFileError';
}

export interface ReadOutcome {
  /** The text as read (Tesseract's, or the PDF's text layer rows). */
  text: string;
  words: OcrWord[];
  source: 'ocr' | 'pdf-text';
  /** Preprocessing steps, per page. */
  steps: string[];
}

export interface ReceiptReader {
  read(bytes: Buffer, mediaType: string, o?: { signal?: AbortSignal }): Promise<ReadOutcome>;
  close(): Promise<void>;
  pool: TesseractPool;
}

const isPdf = (b: Buffer) => b.subarray(0, 1024).includes('%PDF-');
const isHeif = (b: Buffer) => ['heic', 'heix', 'hevc', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1'].includes(majorBrand(b));

async function decodeStep<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw new UnreadableFileError(`cannot decode this ${what}: ${(e as Error).message ?? e}`, { cause: e });
  }
}

export async function createReceiptReader(o: { workers: number; maxPixels: number; jobTimeoutMs?: number; langPath?: string; psm?: string }): Promise<ReceiptReader> {
  const pool = await createTesseractPool({ workers: o.workers, jobTimeoutMs: o.jobTimeoutMs, langPath: o.langPath });

  async function ocr(input: ImageInput, signal?: AbortSignal) {
    const img = await decodeStep('image', () => preprocessForOcr(input, { maxPixels: o.maxPixels }));
    signal?.throwIfAborted();
    const page = await pool.recognize(img.pgm, { psm: o.psm ?? OCR_PSM, signal });
    return { ...page, steps: img.steps, height: img.height };
  }

  async function readPdf(bytes: Buffer, signal?: AbortSignal): Promise<ReadOutcome> {
    const pdf = await decodeStep('PDF', () => openPdf(bytes, { maxPixels: o.maxPixels, signal, dpi: OCR_PDF_DPI }));
    try {
      const pages = await decodeStep('PDF', () => pdf.text(OCR_PDF_PAGES));
      const chars = pages.reduce((s, p) => s + p.items.reduce((t, i) => t + (i.text.match(/[\p{L}\p{N}]/gu)?.length ?? 0), 0), 0);
      if (chars >= MIN_TEXT_LAYER_CHARS) {
        // pages one below the other, in points
        const words: OcrWord[] = [];
        let top = 0;
        for (const p of pages) {
          for (const i of p.items) words.push({ text: i.text, conf: 100, box: { x0: i.x0, y0: i.y0 + top, x1: i.x1, y1: i.y1 + top } });
          top += p.height + 20;
        }
        return { text: '', words, source: 'pdf-text', steps: [`text layer, ${pages.length} page(s)`] };
      }
      const texts: string[] = [];
      const words: OcrWord[] = [];
      const steps: string[] = [];
      let top = 0;
      const it = pdf.pages(OCR_PDF_PAGES);
      for (;;) {
        const next = await decodeStep('PDF', () => it.next());
        if (next.done) break;
        const r = await ocr(next.value, signal);
        texts.push(r.text);
        for (const w of r.words) words.push({ ...w, box: { x0: w.box.x0, y0: w.box.y0 + top, x1: w.box.x1, y1: w.box.y1 + top } });
        steps.push(`page ${next.value.number}: ${r.steps.join(', ')}`);
        top += r.height + 40;
      }
      if (!texts.length) throw new UnreadableFileError('the PDF has no pages');
      return { text: texts.join('\n\f\n'), words, source: 'ocr', steps };
    } finally {
      await pdf.close().catch(() => {});
    }
  }

  return {
    pool,
    async read(bytes, mediaType, ro = {}) {
      // the bytes decide, the declared type only breaks a tie: a PDF is a PDF whatever it was called
      if (mediaType === 'application/pdf' || isPdf(bytes)) return readPdf(bytes, ro.signal);
      let input: ImageInput = bytes;
      if ((mediaType === 'image/heic' || mediaType === 'image/heif' || isHeif(bytes)) && !['avif', 'avis'].includes(majorBrand(bytes)))
        input = await decodeStep('HEIC/HEIF image', () => decodeHeic(bytes, o.maxPixels));
      const r = await ocr(input, ro.signal);
      return { text: r.text, words: r.words, source: 'ocr', steps: r.steps };
    },
    close: () => pool.close(),
  };
}
