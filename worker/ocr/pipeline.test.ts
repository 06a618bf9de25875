// The OCR engine end to end on small generated receipts (real tesseract.js, real pdfjs): a PNG
// (a receipt drawn by pdf-lib, rasterised by the worker's PDF adapter), a born-digital PDF read
// through its text layer, a scan — the same PNG on an A4 page, no text layer — read by OCR after
// the page is rasterised and cropped to the receipt, a sideways JPEG with its EXIF orientation,
// and the HEIC sample of test/fixtures.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPdf } from '../adapters/pdf.ts';
import { receiptPdf } from '../../test/support/images.ts';
import { createOcrEngine, UnreadableReceiptError, type OcrEngine } from './pipeline.ts';

const LINES = [
  'BOULANGERIE DU CENTRE',
  '12 rue de la Paix',
  '69002 LYON',
  'Le 12/03/2026 08:15',
  '2 CROISSANT          2,40',
  '1 TARTE POMMES      13,80',
  'TOTAL TTC           16,20 EUR',
  'TVA 5,50%  15,36  0,84',
  'CB                  16,20',
  'RENDU                0,00',
];
const EXPECTED = { merchant: 'BOULANGERIE DU CENTRE', date: '2026-03-12', total: '16.20', currency: 'EUR', vat: [{ rate: '5.5', base: '15.36', amount: '0.84' }] };

async function rasterise(pdf: Buffer, dpi: number): Promise<Buffer> {
  const doc = await openPdf(pdf, { maxPixels: 50_000_000, dpi });
  try {
    for await (const p of doc.pages(1)) return sharp(p.pixels, { raw: { width: p.width, height: p.height, channels: p.channels } }).png().toBuffer();
    throw new Error('no page');
  } finally {
    await doc.close();
  }
}

/** A scanner's PDF: the receipt's image on an A4 page, at the same resolution, and no text. */
async function scannedPdf(png: Buffer, dpi: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const img = await doc.embedPng(png);
  const page = doc.addPage([595, 842]);
  const width = (img.width * 72) / dpi;
  const height = (img.height * 72) / dpi;
  page.drawImage(img, { x: 60, y: 842 - 50 - height, width, height });
  return Buffer.from(await doc.save());
}

let engine: OcrEngine;
let pdf: Buffer;
let png: Buffer;
beforeAll(async () => {
  [engine, pdf] = await Promise.all([createOcrEngine({ workers: 2 }), receiptPdf(LINES)]);
  png = await rasterise(pdf, 200);
});
afterAll(() => engine?.close());

describe('the OCR engine', () => {
  it('reads a receipt image: every field, each with a confidence', async () => {
    const r = await engine.read(png, 'image/png', { defaultCurrency: 'CHF' });
    expect(r).toMatchObject({ ...EXPECTED, source: 'ocr' });
    expect(r.text).toMatch(/TOTAL TTC/);
    expect(r.confidence.total).toBeGreaterThan(0.8); // TOTAL TTC = CB = HT + TVA
    for (const c of Object.values(r.confidence)) expect(c).toBeGreaterThan(0);
    expect(r.ms).toBeGreaterThan(0);
  });

  it('reads a born-digital PDF from its text layer, without OCR', async () => {
    const r = await engine.read(pdf, 'application/pdf');
    expect(r).toMatchObject({ ...EXPECTED, source: 'pdf-text' });
    expect(r.text).toMatch(/^TOTAL TTC +16,20 EUR$/m); // rows rebuilt from the positioned text runs
    expect(r.ms).toBeLessThan(1000);
  });

  it('reads a scanned PDF (an image on an A4 page): rasterised, cropped to the receipt, OCR', async () => {
    const r = await engine.read(await scannedPdf(png, 200), 'application/pdf');
    expect(r).toMatchObject({ ...EXPECTED, source: 'ocr' });
  });

  it('a phone photo stored sideways with its EXIF orientation is read upright', async () => {
    // pixels turned a quarter to the left, and EXIF orientation 6 ("turn 90° clockwise to view")
    const sideways = await sharp(await sharp(png).rotate(-90).toBuffer()).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer();
    const r = await engine.read(sideways, 'image/jpeg');
    expect(r).toMatchObject({ total: EXPECTED.total, date: EXPECTED.date });
  });

  it('decodes HEIC through heic-decode (a picture without text: nothing is made up)', async () => {
    const heic = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/receipt-240x160.heic'));
    const r = await engine.read(heic, 'image/heic');
    expect(r).toMatchObject({ source: 'ocr', merchant: null, date: null, total: null, vat: [] });
  });

  it('a file that is not an image says so (and will not read better on a retry)', async () => {
    await expect(engine.read(Buffer.from('not an image at all'), 'image/jpeg')).rejects.toBeInstanceOf(UnreadableReceiptError);
    await expect(engine.read(Buffer.from('%PDF-1.7 broken'), 'application/pdf')).rejects.toBeInstanceOf(UnreadableReceiptError);
  });
});
