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
import { extractFields, rowsFromWords } from './extract.ts';

export interface OcrFields {
  merchant: string | null;
  /** ISO date, YYYY-MM-DD. */
  date: string | null;
  /** The amount paid, a decimal string with a dot ("12.50"). */
  total: string | null;
  /** ISO 4217 code. */
  currency: string | null;
  /** rate as "20.0", "5.5"; base and amount as decimal strings. */
  vat: { rate: string; base: string | null; amount: string | null }[];
  /** Each in [0, 1]; 0 for a field that is null (or, for vat, empty). */
  confidence: { merchant: number; date: number; total: number; currency: number; vat: number };
}

export interface OcrResult extends OcrFields {
  /** The raw text read (kept for search and audit). */
  text: string;
  source: 'ocr' | 'pdf-text';
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

export async function createOcrEngine(opts: { workers?: number; maxPixels?: number } = {}): Promise<OcrEngine> {
  // Loaded here, not at the top: only a process that reads receipts loads the native libraries.
  const adapter = await import('../adapters/ocr.ts');
  const reader = await adapter.createReceiptReader({ workers: opts.workers ?? availableParallelism(), maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS });
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
      const fields = extractFields({ text, words: page.words, defaultCurrency: o.defaultCurrency ?? null });
      return { ...fields, text, source: page.source, ms: Math.round(performance.now() - started) };
    },
    close: () => reader.close(),
  };
}
