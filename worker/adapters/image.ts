// sharp (libvips) behind two functions. With worker/adapters/heic.ts and pdf.ts, the only place
// the image libraries are imported; worker/jobs load this folder with a dynamic import(), so an
// API process that runs no jobs never loads them (test/import-boundaries.test.ts).
//
// Every decode: limitInputPixels (decompression bombs) and failOn 'warning' — a damaged file
// fails (the job is dead-lettered with libvips's message) instead of yielding a grey smear that
// OCR would then read as a receipt. The original is untouched either way (R-CAP-2).
import sharp from 'sharp';

// A long-running worker: no operation cache (memory stays flat across thousands of receipts).
sharp.cache(false);

export interface JpegImage {
  data: Buffer;
  width: number;
  height: number;
}

/** Decoded pixels (RGBA or RGB, 8 bits per channel), e.g. from the HEIC decoder or a PDF page. */
export interface RawImage {
  pixels: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}
export type ImageInput = Buffer | RawImage;

export const NORMALIZED_MAX_SIDE = 2000;
export const THUMBNAIL_WIDTH = 320;
const WHITE = { r: 255, g: 255, b: 255 };

/** A sharp pipeline over encoded bytes or decoded pixels, refusing more than maxPixels. */
export function openImage(input: ImageInput, maxPixels: number) {
  const base = { limitInputPixels: maxPixels, failOn: 'warning' as const };
  return Buffer.isBuffer(input)
    ? sharp(input, base)
    : sharp(input.pixels, { ...base, raw: { width: input.width, height: input.height, channels: input.channels } });
}

async function jpeg(img: ReturnType<typeof sharp>, quality: number): Promise<JpegImage> {
  const { data, info } = await img.jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * The normalised rendition: EXIF orientation applied (then dropped with the rest of the metadata),
 * transparency on white, sRGB, longest side at most 2000 px — smaller images keep their size
 * (upscaling adds nothing, and makes OCR slower, not better) — JPEG quality 85.
 */
export function normalizedJpeg(input: ImageInput, maxPixels: number): Promise<JpegImage> {
  return jpeg(
    openImage(input, maxPixels)
      .autoOrient()
      .flatten({ background: WHITE })
      .toColourspace('srgb')
      .resize({ width: NORMALIZED_MAX_SIDE, height: NORMALIZED_MAX_SIDE, fit: 'inside', withoutEnlargement: true }),
    85,
  );
}

/** A thumbnail 320 px wide (narrower images keep their width), from an upright sRGB JPEG. */
export function thumbnailJpeg(upright: Buffer, maxPixels: number): Promise<JpegImage> {
  return jpeg(openImage(upright, maxPixels).resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true }), 80);
}

/** A page image as it was rasterised (no resizing), on white, as JPEG quality 85. */
export function pageJpeg(page: RawImage, maxPixels: number): Promise<JpegImage> {
  return jpeg(openImage(page, maxPixels).flatten({ background: WHITE }).toColourspace('srgb'), 85);
}

/** The major brand of an ISO-BMFF file (HEIC 'heic', AVIF 'avif'…). */
export function majorBrand(file: Buffer): string {
  return file.subarray(4, 8).toString('latin1') === 'ftyp' ? file.subarray(8, 12).toString('latin1') : '';
}
