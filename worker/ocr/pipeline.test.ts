// The OCR engine end to end on small generated receipts (real tesseract.js, real pdfjs): a PNG
// (a receipt drawn by pdf-lib, rasterised by the worker's PDF adapter), a born-digital PDF read
// through its text layer, a scan — the same PNG on an A4 page, no text layer — read by OCR after
// the page is rasterised and cropped to the receipt, a sideways JPEG with its EXIF orientation,
// a phone photo of the ticket on a dark table under uneven light, the second reading when the
// first finds no total, and the HEIC sample of test/fixtures.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocessForOcr } from '../adapters/ocr-image.ts';
import { openPdf } from '../adapters/pdf.ts';
import { receiptPdf } from '../../test/support/images.ts';
import { createOcrEngine, DATE_DOUBT, mergeSecondReading, needsSecondReading, TOTAL_DOUBT, UnreadableReceiptError, type OcrEngine, type OcrFields } from './pipeline.ts';

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
    expect(r.secondReading).toBe(false); // read with confidence: the second engine is not asked
  });

  it('reads a born-digital PDF from its text layer, without OCR', async () => {
    const r = await engine.read(pdf, 'application/pdf');
    expect(r).toMatchObject({ ...EXPECTED, source: 'pdf-text' });
    expect(r.text).toMatch(/^TOTAL TTC +16,20 EUR$/m); // rows rebuilt from the positioned text runs
    // exact text: surer than the same receipt read by OCR, field by field
    const ocr = await engine.read(png, 'image/png', { defaultCurrency: 'CHF' });
    for (const k of ['merchant', 'date', 'total', 'vat'] as const) expect(r.confidence[k], k).toBeGreaterThanOrEqual(ocr.confidence[k]);
    expect(r.confidence.total).toBeGreaterThanOrEqual(0.8);
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

  it('a phone photo (the ticket askew on a dark, textured table, lit from one side) reads the amounts column too', async () => {
    const paper = await sharp(png).resize({ width: 560 }).rotate(2.5, { background: { r: 60, g: 55, b: 50 } }).toBuffer({ resolveWithObject: true });
    const W = paper.info.width + 220;
    const H = paper.info.height + 240;
    const table = Buffer.alloc(W * H * 3);
    let seed = 7;
    for (let i = 0; i < W * H; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      table.fill(25 + (seed % 40), i * 3, i * 3 + 3);
    }
    const shot = await sharp(table, { raw: { width: W, height: H, channels: 3 } })
      .composite([{ input: paper.data, left: 110, top: 120 }])
      .removeAlpha()
      .raw()
      .toBuffer();
    // light from the right: the left of the picture about half as bright
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) shot[(y * W + x) * 3 + c] = Math.round(shot[(y * W + x) * 3 + c]! * (0.45 + (0.55 * x) / W));
    const jpeg = await sharp(shot, { raw: { width: W, height: H, channels: 3 } }).blur(0.6).jpeg({ quality: 70 }).toBuffer();
    // the sheet is found where it lies (the table around it made white), and straightened
    const img = await preprocessForOcr(jpeg, { maxPixels: 50_000_000 });
    const sheet = /^paper (\d+),(\d+) (\d+)x(\d+)/.exec(img.steps.find((s) => s.startsWith('paper ')) ?? '');
    expect(sheet?.slice(1).map(Number)).toEqual([expect.closeTo(110, -1), expect.closeTo(120, -1), expect.closeTo(paper.info.width, -1), expect.closeTo(paper.info.height, -1)]);
    expect(img.steps).toContainEqual(expect.stringMatching(/^deskew 2\.[3-7]°/));
    const r = await engine.read(jpeg, 'image/jpeg');
    expect(r).toMatchObject({ total: EXPECTED.total, date: EXPECTED.date, vat: EXPECTED.vat });
  });

  it('a first reading without a total is followed by a second one, with another page segmentation', async () => {
    // PSM 13 (the whole image as one text line) cannot read a receipt: the retry (PSM 6) does
    const oneLine = await createOcrEngine({ workers: 1, psm: '13' });
    try {
      const r = await oneLine.read(png, 'image/png');
      expect(r).toMatchObject({ total: EXPECTED.total, date: EXPECTED.date });
      expect(r.text).toMatch(/TOTAL TTC/);
    } finally {
      await oneLine.close();
    }
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

describe('the second engine (PaddleOCR) mends a doubtful date or total, and nothing else', () => {
  const conf = (date: number, total: number) => ({ merchant: 0.9, date, total, currency: 0.9, vat: 0.8 });
  const first: OcrFields = { merchant: 'CAFE', date: '2016-03-06', total: '64.66', currency: 'MYR', vat: [{ rate: '6.0', base: null, amount: '3.08' }], confidence: conf(0.5, 0.5) };
  const second: OcrFields = { merchant: 'CAFF', date: '2018-03-06', total: '54.50', currency: null, vat: [], confidence: conf(0.66, 0.7) };

  it('is asked when the date or the total is missing or under its threshold', () => {
    expect(needsSecondReading({ ...first, confidence: conf(DATE_DOUBT, TOTAL_DOUBT) })).toBe(false);
    expect(needsSecondReading({ ...first, confidence: conf(DATE_DOUBT - 0.01, 0.9) })).toBe(true);
    expect(needsSecondReading({ ...first, confidence: conf(0.9, TOTAL_DOUBT - 0.01) })).toBe(true);
    expect(needsSecondReading({ ...first, date: null, confidence: conf(0, 0.9) })).toBe(true);
    expect(needsSecondReading({ ...first, total: null, confidence: conf(0.9, 0) })).toBe(true);
  });

  it('end to end: a date without its keyword and a 2-digit year (doubtful) has the second engine asked; OCR_SECOND_ENGINE=off does not', async () => {
    const ticket = await rasterise(await receiptPdf(['GARAGE DU LAC', '25/12/18 20:13', 'CARBURANT  41,20', 'TOTAL  41,20']), 200);
    const r = await engine.read(ticket, 'image/png');
    expect(r).toMatchObject({ date: '2018-12-25', total: '41.20', secondReading: true });
    const alone = await createOcrEngine({ workers: 1, secondEngine: false });
    try {
      expect(await alone.read(ticket, 'image/png')).toMatchObject({ date: '2018-12-25', total: '41.20', secondReading: false });
    } finally {
      await alone.close();
    }
  });

  it('takes its date and total (with their confidences) in place of doubtful ones; merchant, currency and VAT stay', () => {
    expect(mergeSecondReading(first, second)).toEqual({ ...first, date: '2018-03-06', total: '54.50', confidence: conf(0.66, 0.7) });
  });

  it('leaves a confident field alone, and never erases a field it did not find', () => {
    const sure = { ...first, confidence: conf(0.8, 0.8) };
    expect(mergeSecondReading(sure, second)).toEqual(sure);
    expect(mergeSecondReading(first, { ...second, date: null, total: null, confidence: conf(0, 0) })).toEqual(first);
    const onlyDate = { ...first, confidence: conf(0.5, 0.9) };
    expect(mergeSecondReading(onlyDate, second)).toEqual({ ...onlyDate, date: '2018-03-06', confidence: conf(0.66, 0.9) });
  });
});
