// Receipt bytes → words with their boxes, for the OCR engine (worker/ocr/pipeline.ts loads this
// file with a dynamic import(), so only a process that reads receipts loads the libraries).
//   JPEG, PNG, WebP, AVIF            → preprocessing (ocr-image.ts) → Tesseract;
//   HEIC/HEIF                        → heic-decode → the same;
//   PDF with a text layer            → the text layer (born-digital: exact, instant);
//   PDF without one (a scan)         → the first OCR_PDF_PAGES pages rasterised (pdf.ts) → Tesseract.
import { decodeHeic } from './heic.ts';
import { majorBrand, openImage, type ImageInput } from './image.ts';
import { preprocessForOcr, type OcrImage } from './ocr-image.ts';
import { createPaddleReader, type PaddleReader } from './paddle.ts';
import { openPdf } from './pdf.ts';
import { createTesseractPool, type OcrWord, type TesseractPool } from './tesseract.ts';

/** Scanned PDFs: pages read by OCR, and their resolution (receipt text needs more than the 150 dpi of the previews). */
export const OCR_PDF_PAGES = 3;
export const OCR_PDF_DPI = 200;
/** A text layer with fewer letters and digits than this is not a born-digital document (a scan with a stray word, a blank form). */
const MIN_TEXT_LAYER_CHARS = 20;
/** Tesseract's page segmentation: 3 = automatic (columns found), 4 = one column of rows, 6 = one uniform block. */
export const OCR_PSM = '3';
/**
 * The segmentation of a second reading, when the first one found no total or no date
 * (worker/ocr/pipeline.ts decides): one uniform block, so a right-hand column of amounts is not
 * dropped as a separate region — what automatic segmentation (3) does on some photos (p04, p05,
 * p09, p11 of the French set, even once the table around the ticket is made white). 6 read the
 * totals of all four, 4 of one. Not the first reading: on the SROIE dev split 6 read fewer totals
 * (31 vs 34 of 40) and merchants (31 vs 38 of 41), 4 fewer totals (33) and merchants (36).
 */
export const OCR_RETRY_PSM = '6';

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
  /** The same preprocessed image(s) read again with another page segmentation (absent for a text layer). */
  reread?: (psm: string, o?: { signal?: AbortSignal }) => Promise<ReadOutcome>;
  /** The first page read by the second engine (PaddleOCR, paddle.ts) from the upright original, not the preprocessed copy (absent for a text layer). */
  second?: () => Promise<{ text: string; words: OcrWord[] }>;
}

/** The second engine reads at most this many pixels on the longer side (its detection works at 1600). */
const SECOND_MAX_SIDE = 3000;

export interface ReceiptReader {
  read(bytes: Buffer, mediaType: string, o?: { signal?: AbortSignal; psm?: string }): Promise<ReadOutcome>;
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
  // loaded on the first receipt that needs it (≈ 300 MB of models and buffers), then kept
  let paddle: Promise<PaddleReader> | null = null;

  /** The upright original, gray, as the second engine takes it. */
  function secondReading(input: ImageInput) {
    return async () => {
      const { data, info } = await openImage(input, o.maxPixels)
        .autoOrient()
        .flatten({ background: { r: 255, g: 255, b: 255 } })
        .resize({ width: SECOND_MAX_SIDE, height: SECOND_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
        .toColourspace('b-w')
        .raw()
        .toBuffer({ resolveWithObject: true });
      paddle ??= createPaddleReader();
      return (await paddle).read({ data, width: info.width, height: info.height });
    };
  }

  async function prepare(input: ImageInput) {
    return decodeStep('image', () => preprocessForOcr(input, { maxPixels: o.maxPixels }));
  }

  /** Preprocessed pages (one below the other) → one reading with the given segmentation. */
  async function recognize(imgs: OcrImage[], psm: string, signal?: AbortSignal, first?: ImageInput): Promise<ReadOutcome> {
    const texts: string[] = [];
    const words: OcrWord[] = [];
    let top = 0;
    for (const img of imgs) {
      signal?.throwIfAborted();
      const page = await pool.recognize(img.pgm, { psm, signal });
      texts.push(page.text);
      for (const w of page.words) words.push({ ...w, box: { x0: w.box.x0, y0: w.box.y0 + top, x1: w.box.x1, y1: w.box.y1 + top } });
      top += img.height + 40;
    }
    const steps = imgs.length === 1 ? imgs[0]!.steps : imgs.map((img, i) => `page ${i + 1}: ${img.steps.join(', ')}`);
    return { text: texts.join('\n\f\n'), words, source: 'ocr', steps: [...steps, `psm ${psm}`], reread: (p, ro = {}) => recognize(imgs, p, ro.signal, first), second: first && secondReading(first) };
  }

  async function readPdf(bytes: Buffer, psm: string, signal?: AbortSignal): Promise<ReadOutcome> {
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
      const imgs: OcrImage[] = [];
      let first: ImageInput | undefined;
      const it = pdf.pages(OCR_PDF_PAGES);
      for (;;) {
        const next = await decodeStep('PDF', () => it.next());
        if (next.done) break;
        first ??= next.value;
        imgs.push(await prepare(next.value));
        signal?.throwIfAborted();
      }
      if (!imgs.length) throw new UnreadableFileError('the PDF has no pages');
      return await recognize(imgs, psm, signal, first);
    } finally {
      await pdf.close().catch(() => {});
    }
  }

  return {
    pool,
    async read(bytes, mediaType, ro = {}) {
      // the bytes decide, the declared type only breaks a tie: a PDF is a PDF whatever it was called
      const psm = ro.psm ?? o.psm ?? OCR_PSM;
      if (mediaType === 'application/pdf' || isPdf(bytes)) return readPdf(bytes, psm, ro.signal);
      let input: ImageInput = bytes;
      if ((mediaType === 'image/heic' || mediaType === 'image/heif' || isHeif(bytes)) && !['avif', 'avis'].includes(majorBrand(bytes)))
        input = await decodeStep('HEIC/HEIF image', () => decodeHeic(bytes, o.maxPixels));
      const img = await prepare(input);
      return recognize([img], psm, ro.signal, input);
    },
    async close() {
      await pool.close();
      if (paddle) await (await paddle.catch(() => null))?.close();
    },
  };
}
