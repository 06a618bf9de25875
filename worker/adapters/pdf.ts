// PDF receipts rasterised with pdfjs-dist 5.x (legacy build, for Node) onto @napi-rs/canvas
// (prebuilt Skia) — sharp's prebuilt libvips has no PDF input (DESIGN.md). Everything pdfjs needs
// (standard fonts, CMaps, ICC profiles, its WASM decoders) comes from its npm package: no network.
// Hostile PDFs: no eval, no XFA, a cap on embedded images' pixels and on each page's pixels,
// at most MAX_PAGES pages, and an abort signal that cancels the rendering.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { RawImage } from './image.ts';

export const MAX_PAGES = 5;
export const PAGE_DPI = 150;
/** A page image never has more pixels than this (A4 at 150 dpi is 2.2 million). */
export const PAGE_MAX_PIXELS = 6_000_000;
const PAGE_MAX_SIDE = 16_000;

const pdfjsDir = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const resource = (folder: string) => `${join(pdfjsDir, folder)}/`;

export interface PdfPages {
  /** Pages in the document (only the first MAX_PAGES are rasterised). */
  count: number;
  /** Rasterises the first pages one by one (one page's pixels in memory at a time). */
  pages(): AsyncGenerator<RawImage & { number: number }>;
  close(): Promise<void>;
}

export async function openPdf(file: Buffer, o: { maxPixels: number; signal?: AbortSignal }): Promise<PdfPages> {
  const task = getDocument({
    data: new Uint8Array(file), // a copy: pdfjs takes ownership of the buffer it is given
    isEvalSupported: false,
    enableXfa: false,
    useSystemFonts: false,
    standardFontDataUrl: resource('standard_fonts'),
    cMapUrl: resource('cmaps'),
    cMapPacked: true,
    iccUrl: resource('iccs'),
    wasmUrl: resource('wasm'),
    maxImageSize: o.maxPixels,
    verbosity: 0,
  });
  const onAbort = () => void task.destroy();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const doc = await task.promise;
  const pixelCap = Math.min(PAGE_MAX_PIXELS, o.maxPixels);
  return {
    count: doc.numPages,
    async *pages() {
      for (let n = 1; n <= Math.min(doc.numPages, MAX_PAGES); n++) {
        o.signal?.throwIfAborted();
        const page = await doc.getPage(n);
        try {
          const natural = page.getViewport({ scale: 1 }); // in points (1/72 inch)
          let scale = PAGE_DPI / 72;
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
    async close() {
      o.signal?.removeEventListener('abort', onAbort);
      await doc.destroy();
    },
  };
}
