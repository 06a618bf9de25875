// The second OCR engine (PaddleOCR models run by onnxruntime-node): it reads a receipt's dates and
// amounts from the models in node_modules, with no network; the space it drops between a date and
// a time is put back; the receipt reader hands it the upright original.
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiptPdf } from '../../test/support/images.ts';
import { createReceiptReader, type ReceiptReader } from './ocr.ts';
import { createPaddleReader, unglue, type GrayImage, type PaddleReader } from './paddle.ts';
import { openPdf } from './pdf.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LINES = ['GARAGE DU LAC', 'Date: 25/12/2018 20:13', 'CARBURANT  41,20', 'TOTAL TTC  41,20 EUR'];

async function receiptGray(lines: string[]): Promise<GrayImage & { png: Buffer }> {
  const pdf = await openPdf(await receiptPdf(lines), { maxPixels: 50_000_000, dpi: 200 });
  try {
    for await (const p of pdf.pages(1)) {
      const img = sharp(p.pixels, { raw: { width: p.width, height: p.height, channels: p.channels } });
      const { data, info } = await img.clone().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height, png: await img.png().toBuffer() };
    }
    throw new Error('no page');
  } finally {
    await pdf.close();
  }
}

let paddle: PaddleReader;
let receipt: Awaited<ReturnType<typeof receiptGray>>;
beforeAll(async () => {
  [paddle, receipt] = await Promise.all([createPaddleReader(), receiptGray(LINES)]);
});
afterAll(() => paddle?.close());

describe('the second OCR engine', () => {
  it('reads the dates and amounts of a receipt, as rows top to bottom, with word boxes inside the image', async () => {
    const r = await paddle.read(receipt);
    const rows = r.text.split('\n');
    expect(rows.findIndex((l) => l.includes('25/12/2018'))).toBeGreaterThanOrEqual(0);
    expect(rows.findIndex((l) => /TOTAL.*41,20/.test(l))).toBeGreaterThan(rows.findIndex((l) => l.includes('25/12/2018')));
    expect(r.words.length).toBeGreaterThan(4);
    for (const w of r.words) {
      expect(w.box.x0).toBeGreaterThanOrEqual(0);
      expect(w.box.x1).toBeLessThanOrEqual(receipt.width);
      expect(w.box.y1).toBeLessThanOrEqual(receipt.height);
      expect(w.box.x1).toBeGreaterThan(w.box.x0);
      expect(w.conf).toBeGreaterThan(0);
      expect(w.conf).toBeLessThanOrEqual(100);
    }
  });

  it('finds nothing on a blank page (nothing made up)', async () => {
    const blank = { data: new Uint8Array(600 * 900).fill(255), width: 600, height: 900 };
    expect(await paddle.read(blank)).toEqual({ text: '', words: [] });
  });

  it('puts back the space it drops between a date and the time after it, and only there', () => {
    expect(unglue('Date: 25/12/20188:13:39PM')).toBe('Date: 25/12/2018 8:13:39PM');
    expect(unglue('09/01/201920:01')).toBe('09/01/2019 20:01');
    expect(unglue('25/12/2018 8:13')).toBe('25/12/2018 8:13');
    expect(unglue('Tel 07-3552616')).toBe('Tel 07-3552616');
    expect(unglue('TOTAL 20188:13')).toBe('TOTAL 20188:13');
  });

  it('the receipt reader hands it the upright original of an image, and none for a text layer', async () => {
    let reader: ReceiptReader | undefined;
    try {
      reader = await createReceiptReader({ workers: 1, maxPixels: 50_000_000 });
      // stored sideways, with EXIF orientation 6 (rotate 90° clockwise to view)
      const sideways = await sharp(receipt.png).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer();
      const page = await reader.read(sideways, 'image/jpeg');
      const second = await page.second!();
      expect(second.text).toMatch(/25\/12\/2018/);
      expect(second.text).toMatch(/41,20/);
      expect((await reader.read(await receiptPdf(LINES), 'application/pdf')).second).toBeUndefined();
    } finally {
      await reader?.close();
    }
  });

  it('starts and reads with the network cut off: the models come from node_modules', async () => {
    const probe = `import { createPaddleReader } from '${ROOT}/worker/adapters/paddle.ts';
      const p = await createPaddleReader();
      const r = await p.read({ data: new Uint8Array(64 * 64).fill(255), width: 64, height: 64 });
      await p.close();
      console.log(JSON.stringify(r));`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--require', join(ROOT, 'test/support/no-network.cjs'), '--import', 'tsx', '--input-type=module', '-e', probe], {
      cwd: ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      timeout: 60_000,
    });
    expect(stderr).not.toMatch(/NETWORK:/);
    expect(JSON.parse(stdout.trim())).toEqual({ text: '', words: [] });
  });
});
