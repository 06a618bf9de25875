// PDF receipts rasterised with pdfjs-dist 5.x (legacy build, for Node) onto @napi-rs/canvas
// (prebuilt Skia) — sharp's prebuilt libvips has no PDF input (DESIGN.md). Everything pdfjs needs
// (standard fonts, CMaps, ICC profiles, its WASM decoders) comes from its npm package: no network.
// Hostile PDFs: no eval, no XFA, a cap on embedded images' pixels and on each page's pixels,
// at most MAX_PAGES pages, and an abort signal that cancels the rendering.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { getDocument, Util } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { RawImage } from './image.ts';

export const MAX_PAGES = 5;
export const PAGE_DPI = 150;
/** A page image never has more pixels than this (A4 at 150 dpi is 2.2 million). */
export const PAGE_MAX_PIXELS = 6_000_000;
const PAGE_MAX_SIDE = 16_000;

const pdfjsDir = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const resource = (folder: string) => `${join(pdfjsDir, folder)}/`;

/**
 * How every PDF is opened here: no script evaluation, no XFA, no system fonts, pdfjs's own fonts,
 * character maps, colour profiles and wasm from node_modules (never the network). `data` is copied:
 * pdfjs takes ownership of the buffer it is given.
 */
export function pdfjsOptions(data: Uint8Array) {
  return {
    data: new Uint8Array(data),
    isEvalSupported: false,
    enableXfa: false,
    useSystemFonts: false,
    standardFontDataUrl: resource('standard_fonts'),
    cMapUrl: resource('cmaps'),
    cMapPacked: true,
    iccUrl: resource('iccs'),
    wasmUrl: resource('wasm'),
    verbosity: 0,
  };
}

/** A run of text of the PDF's text layer, with its box in points from the page's top left. */
export interface PdfTextItem {
  text: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
export interface PdfTextPage {
  number: number;
  width: number;
  height: number;
  items: PdfTextItem[];
}

export interface PdfPages {
  /** Pages in the document (only the first MAX_PAGES are rasterised). */
  count: number;
  /** Rasterises the first pages (at most `max`, MAX_PAGES by default) one by one (one page's pixels in memory at a time). */
  pages(max?: number): AsyncGenerator<RawImage & { number: number }>;
  /** The text layer of the first pages (born-digital PDFs have one; scans usually none). */
  text(max?: number): Promise<PdfTextPage[]>;
  close(): Promise<void>;
}

export async function openPdf(file: Buffer, o: { maxPixels: number; signal?: AbortSignal; /** PAGE_DPI by default */ dpi?: number }): Promise<PdfPages> {
  const task = getDocument({ ...pdfjsOptions(file), maxImageSize: o.maxPixels });
  const onAbort = () => void task.destroy();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const doc = await task.promise;
  const pixelCap = Math.min(PAGE_MAX_PIXELS, o.maxPixels);
  return {
    count: doc.numPages,
    async *pages(max = MAX_PAGES) {
      for (let n = 1; n <= Math.min(doc.numPages, MAX_PAGES, max); n++) {
        o.signal?.throwIfAborted();
        const page = await doc.getPage(n);
        try {
          const natural = page.getViewport({ scale: 1 }); // in points (1/72 inch)
          let scale = (o.dpi ?? PAGE_DPI) / 72;
          const area = natural.width * natural.height * scale * scale;
          if (area > pixelCap) scale *= Math.sqrt(pixelCap / area);
          scale = Math.min(scale, PAGE_MAX_SIDE / Math.max(natural.width, natural.height));
          const viewport = page.getViewport({ scale });
          const width = Math.max(1, Math.floor(viewport.width));
          const height = Math.max(1, Math.floor(viewport.height));
          const canvas = createCanvas(width, height);
          const render = page.render({ canvas: canvas as unknown as HTMLCanvasElement, viewport, background: 'white' });
          const cancel = () => render.cancel();
          o.signal?.addEventListener('abort', cancel, { once: true });
          try {
            await render.promise;
          } finally {
            o.signal?.removeEventListener('abort', cancel);
          }
          const rgba = canvas.getContext('2d').getImageData(0, 0, width, height).data;
          yield { number: n, pixels: Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height, channels: 4 };
        } finally {
          page.cleanup();
        }
      }
    },
    async text(max = MAX_PAGES) {
      const out: PdfTextPage[] = [];
      for (let n = 1; n <= Math.min(doc.numPages, MAX_PAGES, max); n++) {
        o.signal?.throwIfAborted();
        const page = await doc.getPage(n);
        try {
          const viewport = page.getViewport({ scale: 1 });
          const content = await page.getTextContent();
          const items: PdfTextItem[] = [];
          for (const it of content.items) {
            if (!('str' in it) || !it.str.trim()) continue;
            // the item's baseline origin and font size, in top-down page coordinates
            const t = Util.transform(viewport.transform, it.transform) as number[];
            const size = Math.hypot(t[2]!, t[3]!) || it.height;
            const x0 = t[4]!;
            const y1 = t[5]!;
            items.push({ text: it.str, x0, y0: y1 - size, x1: x0 + Math.max(it.width, 1), y1: y1 + 0.2 * size });
          }
          out.push({ number: n, width: viewport.width, height: viewport.height, items });
        } finally {
          page.cleanup();
        }
      }
      return out;
    },
    async close() {
      o.signal?.removeEventListener('abort', onAbort);
      await doc.destroy();
    },
  };
}
