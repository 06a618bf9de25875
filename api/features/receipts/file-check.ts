// What a receipt file really is, from its bytes — never its name or declared type (R-CAP-2,
// R-SEC-5). The checks need only the first bytes and the last ones, so they run on a file of any
// size without reading it whole: type by magic number, declared dimensions against a pixel limit
// (decompression bombs), and the end marker each format must have (truncated uploads).

export const RECEIPT_TYPES = {
  'image/jpeg': { ext: 'jpg' },
  'image/png': { ext: 'png' },
  'image/webp': { ext: 'webp' },
  'image/heic': { ext: 'heic' },
  'image/heif': { ext: 'heif' },
  'application/pdf': { ext: 'pdf' },
} as const;
export type ReceiptType = keyof typeof RECEIPT_TYPES;

/** Bytes kept from the start and the end of an upload for these checks. */
export const HEAD_BYTES = 64 * 1024;
export const TAIL_BYTES = 1024;

export type FileVerdict =
  | { ok: true; type: ReceiptType; width?: number; height?: number }
  | { ok: false; reason: 'empty' | 'unsupported-type' | 'truncated' | 'too-many-pixels' | 'corrupt'; message: string };

const HEIF_BRANDS: Record<string, ReceiptType> = { heic: 'image/heic', heix: 'image/heic', hevc: 'image/heic', hevx: 'image/heic', heim: 'image/heic', heis: 'image/heic', mif1: 'image/heif', msf1: 'image/heif' };

/** Names a few refused formats by their signature, for a clearer message. */
function knownOther(head: Buffer): string | undefined {
  const text = head.subarray(0, 512).toString('latin1').trimStart().toLowerCase();
  if (head[0] === 0x4d && head[1] === 0x5a) return 'a Windows executable';
  if (head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return 'a Linux executable';
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return 'an SVG image';
  if (head.subarray(0, 4).toString('latin1') === 'GIF8') return 'a GIF image';
  if (head.subarray(0, 2).toString('latin1') === 'PK') return 'a ZIP archive (or an Office document)';
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return 'an HTML page';
  return undefined;
}

export function sniffType(head: Buffer): ReceiptType | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (head.subarray(4, 8).toString('latin1') === 'ftyp') {
    const boxEnd = Math.min(head.readUInt32BE(0), head.length);
    const brands = [head.subarray(8, 12).toString('latin1')];
    for (let i = 16; i + 4 <= boxEnd; i += 4) brands.push(head.subarray(i, i + 4).toString('latin1'));
    for (const b of brands) if (HEIF_BRANDS[b]) return HEIF_BRANDS[b];
  }
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return undefined;
}

/** Width and height as the file declares them (before any decoding), where the header says. */
function dimensions(type: ReceiptType, head: Buffer): { width: number; height: number } | undefined | 'corrupt' {
  switch (type) {
    case 'image/png':
      if (head.length < 24 || head.subarray(12, 16).toString('latin1') !== 'IHDR') return 'corrupt';
      return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
    case 'image/jpeg': {
      // Walk the segments up to the first start-of-frame marker.
      let i = 2;
      while (i + 9 < head.length) {
        if (head[i] !== 0xff) return 'corrupt';
        const marker = head[i + 1]!;
        if (marker === 0xff) { i++; continue; }
        const len = head.readUInt16BE(i + 2);
        if ((marker >= 0xc0 && marker <= 0xcf) && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
          return { height: head.readUInt16BE(i + 5), width: head.readUInt16BE(i + 7) };
        if (len < 2) return 'corrupt';
        i += 2 + len;
      }
      return undefined; // frame header beyond the first 64 KiB (huge EXIF): the decoder's limit applies
    }
    case 'image/webp': {
      const chunk = head.subarray(12, 16).toString('latin1');
      if (chunk === 'VP8X' && head.length >= 30) return { width: 1 + head.readUIntLE(24, 3), height: 1 + head.readUIntLE(27, 3) };
      if (chunk === 'VP8 ' && head.length >= 30) return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
      if (chunk === 'VP8L' && head.length >= 25) {
        const b = head.readUInt32LE(21);
        return { width: 1 + (b & 0x3fff), height: 1 + ((b >> 14) & 0x3fff) };
      }
      return 'corrupt';
    }
    case 'image/heic':
    case 'image/heif': {
      // The largest 'ispe' (image spatial extent) property in the meta box.
      let best: { width: number; height: number } | undefined;
      for (let i = head.indexOf('ispe', 0, 'latin1'); i >= 4 && i + 16 <= head.length; i = head.indexOf('ispe', i + 4, 'latin1')) {
        const d = { width: head.readUInt32BE(i + 8), height: head.readUInt32BE(i + 12) };
        if (!best || d.width * d.height > best.width * best.height) best = d;
      }
      return best;
    }
    case 'application/pdf':
      return undefined; // pages are rasterised at a fixed resolution, whatever they declare
  }
}

function isComplete(type: ReceiptType, tail: Buffer): boolean {
  switch (type) {
    case 'image/jpeg':
      // End-of-image marker; cameras may append a few padding bytes after it.
      return tail.subarray(-32).includes(Buffer.from([0xff, 0xd9]));
    case 'image/png':
      return tail.subarray(-12).subarray(4, 8).toString('latin1') === 'IEND';
    case 'application/pdf':
      return tail.toString('latin1').includes('%%EOF');
    default:
      return true; // WebP and HEIF carry sizes in their boxes: checked by the decoder
  }
}

export function checkReceiptFile(head: Buffer, tail: Buffer, size: number, maxPixels: number): FileVerdict {
  if (size === 0) return { ok: false, reason: 'empty', message: 'The file is empty.' };
  const type = sniffType(head);
  if (!type) {
    const what = knownOther(head);
    return { ok: false, reason: 'unsupported-type', message: `${what ? `This is ${what}: ` : 'Unrecognised file: '}receipts must be JPEG, PNG, WebP, HEIC/HEIF or PDF.` };
  }
  if (type === 'image/webp' && head.length >= 8 && head.readUInt32LE(4) + 8 > size) return { ok: false, reason: 'truncated', message: 'The WebP file is incomplete (truncated upload?).' };
  if (!isComplete(type, tail)) return { ok: false, reason: 'truncated', message: `The ${RECEIPT_TYPES[type].ext.toUpperCase()} file is incomplete (truncated upload?).` };
  const dims = dimensions(type, head);
  if (dims === 'corrupt') return { ok: false, reason: 'corrupt', message: `The ${RECEIPT_TYPES[type].ext.toUpperCase()} file is damaged.` };
  if (dims && (dims.width === 0 || dims.height === 0)) return { ok: false, reason: 'corrupt', message: 'The image declares no pixels.' };
  if (dims && dims.width * dims.height > maxPixels)
    return { ok: false, reason: 'too-many-pixels', message: `The image declares ${dims.width} × ${dims.height} pixels, more than the ${Math.round(maxPixels / 1e6)} million accepted.` };
  return { ok: true, type, ...(dims ? dims : {}) };
}

/**
 * A file whose declared type names another receipt format than its bytes (a PDF sent as
 * image/jpeg) is refused: something upstream is lying. Generic declarations pass.
 */
export function declaredTypeConflict(declared: string | undefined, actual: ReceiptType): string | undefined {
  const d = (declared ?? '').toLowerCase().split(';')[0]!.trim();
  if (!d || d === 'application/octet-stream' || d === 'binary/octet-stream') return undefined;
  const family = (t: string) => (t === 'image/heic' || t === 'image/heif' || t === 'image/heic-sequence' || t === 'image/heif-sequence' ? 'heif' : t === 'image/jpg' || t === 'image/pjpeg' ? 'image/jpeg' : t);
  if (family(d) === family(actual)) return undefined;
  return `The file was sent as ${d} but its content is ${actual}.`;
}
