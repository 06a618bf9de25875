// The OCR engine: receipt bytes in, fields with a confidence each out (R-OCR-1, R-OCR-2).
//   images (JPEG, PNG, WebP, HEIC/HEIF) → preprocessing → Tesseract (French + English) → words;
//   born-digital PDFs → their text layer (with positions); scanned PDFs → first pages rasterised → OCR;
//   then the fields, from the words and their boxes, by a pure module (./extract.ts).
//
// This file imports no image or OCR library: worker/adapters/ocr.ts (sharp, tesseract.js, pdfjs,
// heic-decode) is loaded by a dynamic import() when an engine is created, so a process that only
// imports this module (the API, a job registry) never loads them (test/import-boundaries.test.ts).
//
// One engine per worker process: it holds a pool of Tesseract workers (one per core by default),
// reused across jobs; close() ends them.
import { availableParallelism } from 'node:os';
import type { OcrReading } from '../../api/features/expenses/expenses.service.ts';
import { extractFields, rowsFromWords } from './extract.ts';

/** The fields read, each with its confidence: the shape the expenses feature takes in (OcrReading). */
export type OcrFields = Omit<OcrReading, 'text'>;

export interface OcrResult extends OcrReading {
  source: 'ocr' | 'pdf-text';
  /** Whether the second engine was asked (its date or total may have been taken). */
  secondReading: boolean;
  /** Time spent on this receipt, in milliseconds. */
  ms: number;
}

export interface OcrEngine {
  read(bytes: Buffer, mediaType: string, opts?: { defaultCurrency?: string }): Promise<OcrResult>;
  close(): Promise<void>;
}

/** A file the engine cannot read (damaged, an unsupported type, beyond the limits): trying again will not help. */
export class UnreadableReceiptError extends Error {
  override readonly name = 'UnreadableReceiptError';
}

export const DEFAULT_MAX_PIXELS = 100_000_000;

/** How much a reading found: the total first, then the date, the VAT lines, the merchant. */
export function found(f: OcrFields): number {
  return (f.total ? 8 : 0) + (f.date ? 4 : 0) + (f.vat.length ? 2 : 0) + (f.merchant ? 1 : 0);
}

/**
 * When the second engine is asked, and what is taken from it. Tesseract's reading stands unless its
 * date's confidence is under DATE_DOUBT or its total's under TOTAL_DOUBT (or either is missing);
 * then PaddleOCR (worker/adapters/paddle.ts) reads the upright original, and its date and total
 * replace the doubtful ones where it found some. The merchant, currency, VAT lines and the text
 * stay Tesseract's: the second engine's alphabet has no accents and no euro sign.
 *
 * Chosen on the SROIE dev split (000–040) only: 0.65 is the lowest date threshold that mends as
 * many dates there as always asking (38 of 41; 0.6 mends 37), and totals are never worse taken
 * from PaddleOCR below 0.6. It is asked for 46 % of the dev receipts, 7 of the 40 French ones.
 */
export const DATE_DOUBT = 0.65;
export const TOTAL_DOUBT = 0.6;

export function needsSecondReading(f: OcrFields): boolean {
  return !f.date || f.confidence.date < DATE_DOUBT || !f.total || f.confidence.total < TOTAL_DOUBT;
}

/** The first reading, with the second's date and total where the first's were doubtful and the second found one. */
export function mergeSecondReading(first: OcrFields, second: OcrFields): OcrFields {
  const c = { ...first.confidence };
  let { date, total } = first;
  if ((!date || c.date < DATE_DOUBT) && second.date) (date = second.date), (c.date = second.confidence.date);
  if ((!total || c.total < TOTAL_DOUBT) && second.total) (total = second.total), (c.total = second.confidence.total);
  return { ...first, date, total, confidence: c };
}

/** psm: the first reading's page segmentation (Tesseract's; by default the adapter's OCR_PSM), for tests and tuning. */
/**
 * A born-digital PDF's text is exact: of the two doubts behind a confidence — was it read right,
 * was the right thing taken — only the second is left, so each found field's distance to
 * certainty is halved (0.6 → 0.8). Fields not found stay at 0.
 */
function exactText(f: OcrFields): OcrFields {
  const up = (c: number) => (c > 0 ? Math.round((1 - (1 - c) / 2) * 100) / 100 : 0);
  const c = f.confidence;
  return { ...f, confidence: { merchant: up(c.merchant), date: up(c.date), total: up(c.total), currency: up(c.currency), vat: up(c.vat) } };
}

/** secondEngine: PaddleOCR for doubtful dates and totals (default true; OCR_SECOND_ENGINE=off). */
export async function createOcrEngine(opts: { workers?: number; maxPixels?: number; psm?: string; secondEngine?: boolean } = {}): Promise<OcrEngine> {
  // Loaded here, not at the top: only a process that reads receipts loads the native libraries.
  const adapter = await import('../adapters/ocr.ts');
  const reader = await adapter.createReceiptReader({ workers: opts.workers ?? availableParallelism(), maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, psm: opts.psm });
  return {
    async read(bytes, mediaType, o = {}) {
      const started = performance.now();
      let page;
      try {
        page = await reader.read(bytes, mediaType);
      } catch (e) {
        if (e instanceof adapter.UnreadableFileError) throw new UnreadableReceiptError((e as Error).message, { cause: e });
        throw e;
      }
      // a PDF's text layer comes as positioned runs: its text is their rows, top to bottom
      const text = page.source === 'pdf-text' ? rowsFromWords(page.words).map((r) => r.text).join('\n') : page.text;
      let best = { text, fields: extractFields({ text, words: page.words, defaultCurrency: o.defaultCurrency ?? null }) };
      // No total or no date found in an OCR reading: the same preprocessed image read again with
      // another page segmentation (the automatic one drops a column of amounts on some photos), and
      // the reading that found more kept (the first one on a tie). Only on such failures, so it
      // costs nothing on the receipts read well the first time (2 of the 41 SROIE dev receipts).
      if ((!best.fields.total || !best.fields.date) && page.reread) {
        // a second reading that fails (its time limit) leaves the first one standing
        const again = await page.reread(adapter.OCR_RETRY_PSM).catch(() => null);
        if (again) {
          const second = { text: again.text, fields: extractFields({ text: again.text, words: again.words, defaultCurrency: o.defaultCurrency ?? null }) };
          if (found(second.fields) > found(best.fields)) best = second;
        }
      }
      let fields = page.source === 'pdf-text' ? exactText(best.fields) : best.fields;
      const secondReading = opts.secondEngine !== false && !!page.second && needsSecondReading(fields);
      if (secondReading) {
        // a second engine that fails leaves the first reading standing: it only ever mends
        const second = await page.second!().catch(() => null);
        if (second) fields = mergeSecondReading(fields, extractFields({ text: second.text, words: second.words, defaultCurrency: o.defaultCurrency ?? null }));
      }
      return { ...fields, text: best.text, source: page.source, secondReading, ms: Math.round(performance.now() - started) };
    },
    close: () => reader.close(),
  };
}
