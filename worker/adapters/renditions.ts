// The renditions of a receipt original (R-CAP-2), from its bytes:
//   normalized — upright, sRGB JPEG, longest side ≤ 2000 px (never upscaled), quality 85;
//   thumbnail  — 320 px wide JPEG, from the normalized one;
//   page-1…N   — for PDFs, the first pages (at most 5) at 150 dpi; normalized/thumbnail from page 1.
// HEIC/HEIF is decoded by heic-decode first (AVIF, which sharp reads, goes straight to sharp).
// Loaded only through a dynamic import() from worker/jobs (see image.ts).
import type { ReceiptMediaType } from '../../storage/db/schema.ts';
import { decodeHeic } from './heic.ts';
import { majorBrand, normalizedJpeg, pageJpeg, thumbnailJpeg, type ImageInput, type JpegImage } from './image.ts';
import { openPdf } from './pdf.ts';

export interface Rendition extends JpegImage {
  name: string;
}

/** The file cannot be decoded (damaged, or beyond the limits): trying again will not help. */
export class UnreadableReceiptError extends Error {
  override readonly name = 'UnreadableReceiptError';
}

export async function renderReceipt(file: Buffer, mediaType: ReceiptMediaType, o: { maxPixels: number; signal?: AbortSignal }): Promise<Rendition[]> {
  try {
    return await render(file, mediaType, o);
  } catch (e) {
    if (o.signal?.aborted) throw e;
    throw new UnreadableReceiptError(`cannot decode this ${mediaType} file: ${(e as Error).message ?? e}`, { cause: e });
  }
}

async function render(file: Buffer, mediaType: ReceiptMediaType, o: { maxPixels: number; signal?: AbortSignal }): Promise<Rendition[]> {
  if (mediaType === 'application/pdf') return renderPdf(file, o);
  let input: ImageInput = file;
  if ((mediaType === 'image/heic' || mediaType === 'image/heif') && !['avif', 'avis'].includes(majorBrand(file))) input = await decodeHeic(file, o.maxPixels);
  o.signal?.throwIfAborted();
  return fromImage(input, o.maxPixels);
}

async function fromImage(input: ImageInput, maxPixels: number): Promise<Rendition[]> {
  const normalized = await normalizedJpeg(input, maxPixels);
  const thumbnail = await thumbnailJpeg(normalized.data, maxPixels);
  return [
    { name: 'normalized', ...normalized },
    { name: 'thumbnail', ...thumbnail },
  ];
}

async function renderPdf(file: Buffer, o: { maxPixels: number; signal?: AbortSignal }): Promise<Rendition[]> {
  const pdf = await openPdf(file, o);
  try {
    const out: Rendition[] = [];
    for await (const page of pdf.pages()) {
      out.push({ name: `page-${page.number}`, ...(await pageJpeg(page, o.maxPixels)) });
      if (page.number === 1) out.unshift(...(await fromImage(page, o.maxPixels)));
    }
    if (!out.length) throw new Error('the PDF has no pages');
    return out;
  } finally {
    await pdf.close();
  }
}
