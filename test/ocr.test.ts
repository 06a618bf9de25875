// OCR wired into capture (R-OCR-2, R-OCR-3): scan first, the worker reads, the draft fills in —
// never over what the user typed; the raw text is searchable; admins see and re-run failures.
// Real engine throughout (tesseract.js / the PDF text layer); small generated receipts.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeOcrEngine } from '../worker/ocr/engine-holder.ts';
import { receiptOcr } from '../worker/jobs/receipt-ocr.ts';
import { startWorker } from '../worker/main.ts';
import { Client, createTestContext, signedIn, type TestContext } from './support/context.ts';
import { createTenantWithAdmin, createUser } from './support/factories.ts';
import { receiptPdf } from './support/images.ts';

/** The same receipt as a photo-like PNG (OCR path). */
async function receiptPng(lines: string[]): Promise<Buffer> {
  const { openPdf } = await import('../worker/adapters/pdf.ts');
  const pdf = await openPdf(await receiptPdf(lines), { maxPixels: 50_000_000, dpi: 200 });
  try {
    for await (const p of pdf.pages(1)) return sharp(p.pixels, { raw: { width: p.width, height: p.height, channels: p.channels } }).png().toBuffer();
    throw new Error('no page');
  } finally {
    await pdf.close();
  }
}

const LINES = ['BRASSERIE DU PORT', '12 quai de la Marine', '34200 SETE', 'Le 12/03/2026 12:41', 'Menu du jour    2 x 19,50', 'Cafe             2,80', 'TOTAL TTC      41,80 EUR', 'TVA 10,00%  HT 38,00  TVA 3,80', 'CB              41,80', 'Merci de votre visite'];

let ctx: TestContext;
let t: Awaited<ReturnType<typeof createTenantWithAdmin>>;
let emp: Client;
let admin: Client;
beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTenantWithAdmin(ctx);
  emp = await signedIn(ctx, await createUser(ctx, t.tenantId, ['employee']));
  admin = await signedIn(ctx, t.admin);
});
afterAll(async () => {
  await closeOcrEngine();
  await ctx.close();
});

const scan = (c: Client, data: Buffer, name: string) => c.agent.post('/api/v1/expenses/scan').set('X-CSRF-Token', c.csrf).attach('files', data, { filename: name });
const expense = async (c: Client, id: string) => (await c.get(`/api/v1/expenses/${id}`)).body;
const ocrJob = (sha256: string) => ctx.c.db.kysely.selectFrom('job').selectAll().where('name', '=', 'receipt.ocr').where('singleton_key', '=', `${t.tenantId}:${sha256}`).orderBy('id', 'desc').executeTakeFirst();

describe('scan first, type later', () => {
  it('a scanned PDF receipt becomes a draft that the worker fills: merchant, date, total, VAT; marked as read', async () => {
    const r = await scan(emp, await receiptPdf(LINES), 'brasserie.pdf');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const id = r.body.expenseId;
    const sha256 = r.body.receipts[0].sha256;
    const before = await expense(emp, id);
    expect(before).toMatchObject({ status: 'draft', merchant: '', amountMinor: 0, ocr: { status: 'reading', fields: [] } });
    expect((await ocrJob(sha256))?.state).toBe('queued');

    expect(await receiptOcr(ctx.c, { tenantId: t.tenantId, sha256 })).toBe('read');
    const after = await expense(emp, id);
    expect(after).toMatchObject({ merchant: 'BRASSERIE DU PORT', date: '2026-03-12', amountMinor: 4180, currency: 'EUR', convertedMinor: 4180 });
    expect(after.vatLines).toEqual([{ rateBp: 1000, baseMinor: 3800, vatMinor: 380 }]);
    expect(after.ocr.status).toBe('done');
    expect(after.ocr.fields).toEqual(['amountMinor', 'currency', 'date', 'merchant', 'vatLines']);
    expect(after.ocr.confidence.amountMinor).toBeGreaterThan(0.5);
    // the raw text is searchable
    expect((await emp.get('/api/v1/expenses?q=marine')).body.items.map((e: { id: string }) => e.id)).toContain(id);
    // what the user changes becomes theirs: no longer "read by OCR"
    const edited = await emp.patch(`/api/v1/expenses/${id}`, { version: after.version, merchant: 'Brasserie du Port (Sète)' });
    expect(edited.body.ocr.fields).toEqual(['amountMinor', 'currency', 'date', 'vatLines']);
    // reading again (an admin's re-run) never overwrites it
    expect((await admin.post(`/api/v1/receipts/${r.body.receipts[0].id}/ocr`)).status).toBe(202);
    await receiptOcr(ctx.c, { tenantId: t.tenantId, sha256 });
    expect((await expense(emp, id)).merchant).toBe('Brasserie du Port (Sète)');
  });

  it('never overwrites what the user typed; the same bytes read before fill a new draft at once', async () => {
    const cats = (await emp.get('/api/v1/categories')).body.items;
    const pays = (await emp.get('/api/v1/payment-methods')).body.items;
    const typed = (await emp.post('/api/v1/expenses', { date: '2026-03-13', merchant: 'Typed by hand', amountMinor: 999, currency: 'EUR', categoryId: cats[0].id, paymentMethodId: pays[0].id })).body;
    const pdf = await receiptPdf([...LINES.slice(0, 3), 'Le 14/03/2026 20:05', 'TOTAL TTC      27,30 EUR']);
    const up = await emp.agent.post(`/api/v1/expenses/${typed.id}/receipts`).set('X-CSRF-Token', emp.csrf).attach('files', pdf, { filename: 'r.pdf' });
    await receiptOcr(ctx.c, { tenantId: t.tenantId, sha256: up.body.items[0].sha256 });
    const after = await expense(emp, typed.id);
    expect(after).toMatchObject({ merchant: 'Typed by hand', date: '2026-03-13', amountMinor: 999, ocr: { status: 'done', fields: [] } });
    // a scan of the same bytes: read before, so filled in the same request, no job
    const again = await scan(emp, pdf, 'same.pdf');
    expect(await expense(emp, again.body.expenseId)).toMatchObject({ merchant: 'BRASSERIE DU PORT', date: '2026-03-14', amountMinor: 2730, ocr: { status: 'done' } });
  });

  it('reads a photographed receipt through OCR (French + English data from node_modules)', async () => {
    const r = await scan(emp, await receiptPng(LINES), 'photo.png');
    await receiptOcr(ctx.c, { tenantId: t.tenantId, sha256: r.body.receipts[0].sha256 });
    const e = await expense(emp, r.body.expenseId);
    expect(e).toMatchObject({ date: '2026-03-12', amountMinor: 4180, ocr: { status: 'done' } });
    expect(e.merchant).toMatch(/BRASSERIE/);
  });
});

describe('failures', () => {
  it('a receipt OCR cannot read is dead-lettered with its error, listed for admins, and does not hold up the queue', async () => {
    const good = await scan(emp, await receiptPdf(['CAFE DE LA GARE', 'Le 02/04/2026', 'TOTAL 3,20 EUR']), 'good.pdf');
    // a PNG whose header is sound but whose pixel data is not (it passes the byte checks)
    const png = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#fff' } }).png().toBuffer();
    const broken = Buffer.from(png);
    const idat = broken.indexOf('IDAT');
    for (let i = idat + 8; i < broken.length - 16; i++) broken[i] = (i * 13) & 0xff;
    const bad = await scan(emp, broken, 'broken.png');
    expect(bad.status).toBe(201);
    const stop = startWorker(ctx.c, { schedules: false, pollMs: 50 });
    try {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const [g, b] = await Promise.all([ocrJob(good.body.receipts[0].sha256), ocrJob(bad.body.receipts[0].sha256)]);
        if (g?.state === 'done' && b?.state === 'dead') break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await stop();
    }
    expect((await ocrJob(good.body.receipts[0].sha256))?.state).toBe('done');
    const dead = await ocrJob(bad.body.receipts[0].sha256);
    expect(dead).toMatchObject({ state: 'dead' });
    expect(dead?.last_error).toBeTruthy();
    expect((await expense(emp, good.body.expenseId)).amountMinor).toBe(320);
    expect((await expense(emp, bad.body.expenseId)).ocr.status).toBe('failed');
    const failures = (await admin.get('/api/v1/receipts/ocr-failures')).body.items;
    expect(failures).toContainEqual(expect.objectContaining({ receiptId: bad.body.receipts[0].id, expenseId: bad.body.expenseId, name: 'broken.png', error: dead!.last_error }));
    const row = failures.find((f: { receiptId: string }) => f.receiptId === bad.body.receipts[0].id);
    expect(row.rerunning).toBe(false);
    // who sent it; the draft stays private to its owner (the admin's GET is a 404, as the list says)
    expect(row.uploadedBy).toMatchObject({ id: expect.any(String), name: expect.any(String) });
    expect(row.canOpenExpense).toBe(false);
    expect((await admin.get(`/api/v1/expenses/${bad.body.expenseId}`)).status).toBe(404);
    expect((await emp.get('/api/v1/receipts/ocr-failures')).status).toBe(403);
    // asked to read it again: still listed (not read yet), now marked as re-running
    expect((await admin.post(`/api/v1/receipts/${bad.body.receipts[0].id}/ocr`)).status).toBe(202);
    const after = (await admin.get('/api/v1/receipts/ocr-failures')).body.items.filter((f: { receiptId: string }) => f.receiptId === bad.body.receipts[0].id);
    expect(after).toEqual([expect.objectContaining({ rerunning: true })]);
  });
});
