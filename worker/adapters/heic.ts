// HEIC/HEIF photos (iPhones and many Android phones) through heic-decode (libheif compiled to
// WASM: no native build, no network). sharp's prebuilt libvips reads AVIF but has no HEVC
// decoder (DESIGN.md), so HEVC-coded files are decoded here to pixels for sharp.
// libheif applies the file's rotation and mirroring (irot/imir) while decoding: the pixels are
// upright, which is also what EXIF orientation in a HEIF file must defer to.
import decode from 'heic-decode';
import type { RawImage } from './image.ts';

export class HeicTooLargeError extends Error {}

/** The first top-level image of a HEIC/HEIF file (the primary one, in what phones write), as RGBA pixels; refuses more than maxPixels before decoding. */
export async function decodeHeic(file: Buffer, maxPixels: number): Promise<RawImage> {
  const images = await decode.all({ buffer: file });
  try {
    const first = images[0];
    if (!first) throw new Error('no image in the HEIF file');
    if (first.width * first.height > maxPixels) throw new HeicTooLargeError(`the HEIF image has ${first.width} × ${first.height} pixels, more than the ${maxPixels} accepted`);
    const { width, height, data } = await first.decode();
    return { pixels: Buffer.from(data.buffer, data.byteOffset, data.byteLength), width, height, channels: 4 };
  } finally {
    images.dispose();
  }
}
