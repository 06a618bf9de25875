// Small files built byte by byte, for tests that must not depend on outside fixtures.
import { crc32, deflateSync } from 'node:zlib';
import { PDFDocument, StandardFonts } from 'pdf-lib';

const chunk = (type: string, data: Buffer) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};
/** A real PNG (grey pixels), or one whose header declares other dimensions than its data holds. */
export function png(width: number, height: number, declared = { width, height }): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(declared.width, 0);
  ihdr.writeUInt32BE(declared.height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const raw = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y++) raw[y * (width + 1)] = 0; // each row: filter type 0 (none), then its pixels
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
/**
 * A real, fully decodable PNG that looks like a till receipt: white paper with dark lines of
 * "text" (8-bit RGB, filter 0 on every row).
 */
export function receiptPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    const textLine = y % 16 >= 6 && y % 16 < 11 && y > 12 && y < height - 12;
    for (let x = 0; x < width; x++) {
      const ink = textLine && x > 12 && x < width - 12 - ((y * 7) % 60) && (x >> 3) % 5 !== 4;
      raw.fill(ink ? 0x22 : 0xfa, row + 1 + x * 3, row + 4 + x * 3);
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
/** JPEG segments: SOI, APP0, SOF0 with the dimensions, EOI (enough for the structural checks). */
export function jpeg(width: number, height: number, end = true): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x0b, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x01, 0x01, 0x11, 0x00]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.alloc(200, 0x55), end ? Buffer.from([0xff, 0xd9]) : Buffer.alloc(0)]);
}

/** A born-digital receipt (its text layer is read): big clean type, one line per entry. */
export async function receiptPdf(lines: string[]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Courier);
  const page = doc.addPage([300, 140 + lines.length * 22]);
  lines.forEach((l, i) => page.drawText(l, { x: 20, y: page.getHeight() - 40 - i * 22, size: 14, font }));
  return Buffer.from(await doc.save());
}
