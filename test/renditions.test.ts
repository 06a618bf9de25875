// Receipt renditions (R-CAP-2): derived JPEGs made by the worker from the stored original — the
// normalised image (upright, sRGB, ≤ 2000 px, never upscaled), a 320 px thumbnail, page images of
// PDFs — each its own object with its own SHA-256, served with the original's visibility rule.
// Real images are made here with sharp and pdf-lib. The HEIC sample (test/fixtures/receipt-240x160.heic)
// was encoded by libheif's heif-enc with x265 (see test/fixtures/README.md): no npm package we
// could find ships a HEIC file. On the local object store, and once end to end on S3 (s3rver).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renditionKey } from '../storage/objects/keys.ts';
import { receiptRender } from '../worker/jobs/receipt-render.ts';
import { startWorker } from '../worker/main.ts';
import { Client, createTestContext, testClock, type TestContext } from './support/context.ts';
import { createTenantWithAdmin, createUser, PASSWORD, type TestUser } from './support/factories.ts';
import { startS3rver } from './support/s3.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const RED = [220, 30, 30];
const BLUE = [30, 30, 220];

/** width × height pixels: left half red, right half blue (so a rotation shows). */
function halves(width: number, height: number, channels: 3 | 4 = 3, alphaLeft = 255): { pixels: Buffer; raw: { width: number; height: number; channels: 3 | 4 } } {
  const pixels = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const left = x < width / 2;
      pixels.set([...(left ? RED : BLUE), ...(channels === 4 ? [left ? alphaLeft : 255] : [])], (y * width + x) * channels);
    }
  return { pixels, raw: { width, height, channels } };
}
const jpegOf = (img: ReturnType<typeof halves>, orientation?: number) => {
  const s = sharp(img.pixels, { raw: img.raw }).jpeg({ quality: 80 });
  return (orientation ? s.withMetadata({ orientation }) : s).toBuffer();
};
/** The colour at (x, y) as fractions of the image's size. */
async function colourAt(jpeg: Buffer, fx: number, fy: number): Promise<number[]> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const i = (Math.floor(fy * (info.height - 1)) * info.width + Math.floor(fx * (info.width - 1))) * info.channels;
  return [...data.subarray(i, i + 3)];
}
const near = (actual: number[], expected: number[]) => actual.every((v, i) => Math.abs(v - expected[i]!) < 40);

async function twoPagePdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const [i, text] of ['CAFE DE LA GARE  TOTAL 12,50 EUR', 'Page 2: TVA 10 %'].entries()) {
    const page = doc.addPage([595, 842]); // A4 in points
    page.drawText(text, { x: 50, y: 760 - i * 200, size: 24, font, color: rgb(0, 0, 0) });
  }
  return Buffer.from(await doc.save());
}

/** A real JPEG whose entropy-coded data is garbage: header, dimensions and end marker are right. */
async function corruptJpeg(): Promise<Buffer> {
  const good = await jpegOf(halves(400, 300));
  const bad = Buffer.from(good);
  const sos = bad.indexOf(Buffer.from([0xff, 0xda]));
  for (let i = sos + 20; i < bad.length - 2; i++) bad[i] = (i * 7) & 0xff;
  return bad;
}

const clock = testClock(new Date());
let ctx: TestContext;
let tenantId: string;
let emp: TestUser;
let asEmp: Client;
let ref: { categoryId: string; paymentMethodId: string };

beforeAll(async () => {
  ctx = await createTestContext({}, { clock });
  const t = await createTenantWithAdmin(ctx);
  tenantId = t.tenantId;
  emp = await createUser(ctx, tenantId, ['employee']);
  asEmp = new Client(ctx);
  await asEmp.login(emp.email, PASSWORD);
  ref = {
    categoryId: (await asEmp.get('/api/v1/categories')).body.items[0].id,
    paymentMethodId: (await asEmp.get('/api/v1/payment-methods')).body.items[0].id,
  };
});
afterAll(() => ctx?.close());

const newExpense = async () => (await asEmp.post('/api/v1/expenses', { date: '2026-01-15', merchant: 'Café', amountMinor: 1250, currency: 'EUR', ...ref })).body.id as string;
async function upload(data: Buffer, name: string): Promise<{ id: string; sha256: string; renditions: unknown[] }> {
  const r = await asEmp.agent.post(`/api/v1/expenses/${await newExpense()}/receipts`).set('X-CSRF-Token', asEmp.csrf).attach('files', data, { filename: name, contentType: 'application/octet-stream' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.items[0];
}
const binary = (req: ReturnType<Client['get']>) =>
  req.buffer(true).parse((res, cb) => {
    const parts: Buffer[] = [];
    res.on('data', (c: Buffer) => parts.push(c));
    res.on('end', () => cb(null, Buffer.concat(parts)));
  });
/** Fetches a rendition through the API and checks its headers against its recorded hash. */
async function fetchRendition(receiptId: string, name: string): Promise<Buffer> {
  const r = await binary(asEmp.get(`/api/v1/receipts/${receiptId}/renditions/${name}`));
  expect(r.status, r.text).toBe(200);
  expect(r.headers['content-type']).toBe('image/jpeg');
  const body = r.body as Buffer;
  expect(r.headers['etag']).toBe(`"${sha(body)}"`);
  expect(Number(r.headers['content-length'])).toBe(body.length);
  return body;
}
async function renditionsOf(receiptId: string) {
  const { expense_id } = await ctx.c.db.kysely.selectFrom('receipt').select('expense_id').where('id', '=', receiptId).executeTakeFirstOrThrow();
  const { body } = await asEmp.get(`/api/v1/expenses/${expense_id}/receipts`);
  return body.items.find((x: { id: string }) => x.id === receiptId).renditions as { name: string; mediaType: string; width: number; height: number; size: number; sha256: string }[];
}
const jobsFor = (sha256: string) => ctx.c.db.kysely.selectFrom('job').selectAll().where('name', '=', 'receipt.render').where('singleton_key', '=', `${tenantId}:${sha256}`).orderBy('id').execute();
const render = (sha256: string) => receiptRender(ctx.c, { tenantId, sha256 });

describe('the render job, run directly', () => {
  it('a large photo with EXIF orientation 6: normalized is turned upright, at most 2000 px, sRGB, without EXIF; thumbnail 320 px wide', async () => {
    const photo = await jpegOf(halves(3000, 2000), 6); // stored landscape, meant to be seen portrait
    const r = await upload(photo, 'photo.jpg');
    expect(r.renditions).toEqual([]); // the upload returns at once; the worker makes them
    expect(await jobsFor(r.sha256)).toEqual([expect.objectContaining({ state: 'queued', payload: { tenantId, sha256: r.sha256 } })]);
    expect(await render(r.sha256)).toBe('rendered');

    const list = await renditionsOf(r.id);
    expect(list.map((x) => [x.name, x.width, x.height])).toEqual([['normalized', 1333, 2000], ['thumbnail', 320, 480]]);
    const normalized = await fetchRendition(r.id, 'normalized');
    expect(list[0]).toEqual({ name: 'normalized', mediaType: 'image/jpeg', width: 1333, height: 2000, size: normalized.length, sha256: sha(normalized) });
    const meta = await sharp(normalized).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 1333, height: 2000, space: 'srgb', channels: 3 });
    expect(meta.orientation).toBeUndefined();
    // rotated 90° clockwise: the left (red) half of the stored pixels is now on top
    expect(near(await colourAt(normalized, 0.5, 0.1), RED)).toBe(true);
    expect(near(await colourAt(normalized, 0.5, 0.9), BLUE)).toBe(true);
    const thumb = await fetchRendition(r.id, 'thumbnail');
    expect(await sharp(thumb).metadata()).toMatchObject({ width: 320, height: 480 });
    expect(near(await colourAt(thumb, 0.5, 0.1), RED)).toBe(true);
    // separate files with their own hashes, beside the untouched original
    const file = await binary(asEmp.get(`/api/v1/receipts/${r.id}/file`));
    expect(sha(file.body as Buffer)).toBe(r.sha256);
    const keys: string[] = [];
    for await (const o of ctx.c.objects.list(`${tenantId}/derived/${r.sha256}/`)) keys.push(o.key);
    expect(keys).toEqual([renditionKey(tenantId, r.sha256, 'normalized'), renditionKey(tenantId, r.sha256, 'thumbnail')]);
  });

  it('a small PNG is not upscaled (nor its thumbnail); transparency becomes white', async () => {
    const img = halves(200, 120, 4, 0); // left half fully transparent
    const r = await upload(await sharp(img.pixels, { raw: img.raw }).png().toBuffer(), 'small.png');
    await render(r.sha256);
    expect((await renditionsOf(r.id)).map((x) => [x.name, x.width, x.height])).toEqual([['normalized', 200, 120], ['thumbnail', 200, 120]]);
    const normalized = await fetchRendition(r.id, 'normalized');
    expect(near(await colourAt(normalized, 0.1, 0.5), [255, 255, 255])).toBe(true);
    expect(near(await colourAt(normalized, 0.9, 0.5), BLUE)).toBe(true);
  });

  it('a CMYK JPEG becomes an sRGB one', async () => {
    const cmyk = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 40, g: 160, b: 90 } } }).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const r = await upload(cmyk, 'cmyk.jpg');
    await render(r.sha256);
    expect(await sharp(await fetchRendition(r.id, 'normalized')).metadata()).toMatchObject({ space: 'srgb', channels: 3, width: 300, height: 200 });
  });

  it('a two-page PDF: page-1 and page-2 at 150 dpi, normalized and thumbnail from page 1', async () => {
    const r = await upload(await twoPagePdf(), 'facture.pdf');
    expect(await render(r.sha256)).toBe('rendered');
    const list = await renditionsOf(r.id);
    // A4 = 595 × 842 pt; at 150 dpi: 1239 × 1754 px
    expect(list.map((x) => [x.name, x.width, x.height])).toEqual([['normalized', 1239, 1754], ['thumbnail', 320, 453], ['page-1', 1239, 1754], ['page-2', 1239, 1754]]);
    const [p1, p2] = [await fetchRendition(r.id, 'page-1'), await fetchRendition(r.id, 'page-2')];
    expect(sha(p1)).not.toBe(sha(p2));
    // the text is drawn (dark pixels where it is, white page elsewhere)
    const darkRows = async (jpeg: Buffer) => {
      const { data, info } = await sharp(jpeg).greyscale().raw().toBuffer({ resolveWithObject: true });
      const rows = new Set<number>();
      for (let i = 0; i < data.length; i++) if (data[i]! < 100) rows.add(Math.floor(i / info.width));
      return [...rows];
    };
    const rows1 = await darkRows(p1);
    const rows2 = await darkRows(p2);
    expect(rows1.length).toBeGreaterThan(10);
    expect(rows2.length).toBeGreaterThan(10);
    expect(Math.min(...rows2)).toBeGreaterThan(Math.max(...rows1)); // page 2's line is lower down
    expect(await render(r.sha256)).toBe('done-already');
  });

  it('a HEIC photo (HEVC-coded, as phones write) is decoded with heic-decode', async () => {
    const heic = readFileSync(new URL('./fixtures/receipt-240x160.heic', import.meta.url));
    expect(heic.subarray(4, 12).toString('latin1')).toBe('ftypheic');
    const r = await upload(heic, 'IMG_0001.HEIC');
    expect((await ctx.c.db.kysely.selectFrom('receipt_blob').select('media_type').where('sha256', '=', r.sha256).executeTakeFirstOrThrow()).media_type).toBe('image/heic');
    expect(await render(r.sha256)).toBe('rendered');
    expect((await renditionsOf(r.id)).map((x) => [x.name, x.width, x.height])).toEqual([['normalized', 240, 160], ['thumbnail', 240, 160]]);
    const normalized = await fetchRendition(r.id, 'normalized');
    // the sample: a white band on top, red on the left, blue on the right
    expect(near(await colourAt(normalized, 0.5, 0.05), [255, 255, 255])).toBe(true);
    expect(near(await colourAt(normalized, 0.2, 0.7), RED)).toBe(true);
    expect(near(await colourAt(normalized, 0.8, 0.7), BLUE)).toBe(true);
  });

  it('is idempotent: a second run does nothing; a lost rendition file is made again', async () => {
    const r = await upload(await jpegOf(halves(500, 400)), 'again.jpg');
    expect(await render(r.sha256)).toBe('rendered');
    const first = await renditionsOf(r.id);
    expect(await render(r.sha256)).toBe('done-already');
    await ctx.c.objects.delete(renditionKey(tenantId, r.sha256, 'thumbnail'));
    expect(await render(r.sha256)).toBe('rendered');
    expect(await renditionsOf(r.id)).toEqual(first); // same bytes, same hashes
    await fetchRendition(r.id, 'thumbnail');
  });

  it('one job per new blob: the same bytes attached again while queued, or once rendered, add none', async () => {
    const bytes = await jpegOf(halves(64, 48));
    const a = await upload(bytes, 'a.jpg');
    await upload(bytes, 'b.jpg');
    expect(await jobsFor(a.sha256)).toHaveLength(1);
    await render(a.sha256);
    const c = await upload(bytes, 'c.jpg');
    expect(await jobsFor(a.sha256)).toHaveLength(1);
    expect(c.renditions).toHaveLength(2); // already there
  });
});

describe('the rendition route', () => {
  it('serves with ETag and 304; 404 until made, for unknown names, and for whoever may not see the receipt', async () => {
    const r = await upload(await jpegOf(halves(300, 200)), 'r.jpg');
    const missing = await asEmp.get(`/api/v1/receipts/${r.id}/renditions/normalized`);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    await render(r.sha256);
    const body = await fetchRendition(r.id, 'normalized');
    expect((await asEmp.get(`/api/v1/receipts/${r.id}/renditions/normalized`).set('If-None-Match', `"${sha(body)}"`)).status).toBe(304);
    expect((await asEmp.get(`/api/v1/receipts/${r.id}/renditions/page-1`)).status).toBe(404); // not a PDF
    expect((await asEmp.get(`/api/v1/receipts/${r.id}/renditions/..%2Fsecret`)).status).toBe(400);
    expect((await asEmp.get(`/api/v1/receipts/${r.id}/renditions/original`)).status).toBe(400);
    const colleague = new Client(ctx);
    await colleague.login((await createUser(ctx, tenantId, ['employee'])).email, PASSWORD);
    expect((await colleague.get(`/api/v1/receipts/${r.id}/renditions/normalized`)).status).toBe(404);
  });
});

describe('through the claim loop', () => {
  it('renders queued receipts; a corrupt image that passed the byte checks is dead-lettered with its error and stays downloadable', async () => {
    await ctx.c.db.kysely.updateTable('job').set({ state: 'done', finished_at: new Date() }).where('state', '=', 'queued').execute(); // earlier tests ran these directly
    const good = await upload(await jpegOf(halves(900, 600), 6), 'good.jpg');
    const corrupt = await corruptJpeg();
    const bad = await upload(corrupt, 'corrupt.jpg'); // header, dimensions and end marker pass the upload checks
    const stop = startWorker(ctx.c, { schedules: false, pollMs: 20, concurrency: 2 });
    try {
      const end = Date.now() + 20_000;
      for (;;) {
        const states = [...(await jobsFor(good.sha256)), ...(await jobsFor(bad.sha256))].map((j) => j.state);
        if (states.every((s) => s === 'done' || s === 'dead')) break;
        if (Date.now() > end) throw new Error(`jobs still ${states}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      await stop();
    }
    expect((await renditionsOf(good.id)).map((x) => [x.name, x.width, x.height])).toEqual([['normalized', 600, 900], ['thumbnail', 320, 480]]);
    expect(await jobsFor(good.sha256)).toEqual([expect.objectContaining({ state: 'done', attempts: 1 })]);
    const [dead] = await jobsFor(bad.sha256);
    expect(dead).toMatchObject({ state: 'dead', attempts: 1 }); // undecodable: no pointless retries
    expect(dead!.last_error).toMatch(/^PermanentJobError: cannot decode this image\/jpeg file: .*VipsJpeg/);
    expect(await renditionsOf(bad.id)).toEqual([]);
    expect((await asEmp.get(`/api/v1/receipts/${bad.id}/renditions/normalized`)).status).toBe(404);
    const file = await binary(asEmp.get(`/api/v1/receipts/${bad.id}/file`));
    expect(file.status).toBe(200);
    expect(Buffer.compare(file.body as Buffer, corrupt)).toBe(0);
    expect((await asEmp.get('/healthz')).status).toBe(200);
  });

  it('refuses to render bytes that are not the recorded original (dead-lettered, never rendered)', async () => {
    const r = await upload(await jpegOf(halves(100, 80)), 'swapped.jpg');
    await ctx.c.objects.put(`${tenantId}/${r.sha256}`, Readable.from([await jpegOf(halves(100, 81))]), { overwrite: true });
    await expect(render(r.sha256)).rejects.toThrow(/stored original does not match its record/);
    expect(await renditionsOf(r.id)).toEqual([]);
  });
});

describe('cleanup', () => {
  it('removes a released blob’s renditions (rows and files) with it; keeps live ones; removes rendition files no row describes', async () => {
    const kept = await upload(await jpegOf(halves(120, 90)), 'kept.jpg');
    const gone = await upload(await jpegOf(halves(130, 90)), 'gone.jpg');
    await render(kept.sha256);
    await render(gone.sha256);
    const stray = renditionKey(tenantId, kept.sha256, 'page-3');
    await ctx.c.objects.put(stray, Readable.from([Buffer.from('not a rendition')]));
    const derived = async (s: string) => {
      const keys: string[] = [];
      for await (const o of ctx.c.objects.list(`${tenantId}/derived/${s}/`)) keys.push(o.key);
      return keys;
    };
    const rows = (s: string) => ctx.c.db.kysely.selectFrom('receipt_rendition').select('name').where('original_sha256', '=', s).execute();
    expect((await asEmp.delete(`/api/v1/receipts/${gone.id}`)).status).toBe(204);
    clock.advance(61 * 60_000);
    const result = await ctx.c.receipts.cleanup();
    expect(result.released).toBeGreaterThanOrEqual(1);
    expect(await derived(gone.sha256)).toEqual([]);
    expect(await rows(gone.sha256)).toEqual([]);
    expect(await ctx.c.objects.head(`${tenantId}/${gone.sha256}`)).toBeUndefined();
    // the live receipt keeps its renditions; only the file no row describes went
    expect(await derived(kept.sha256)).toEqual([renditionKey(tenantId, kept.sha256, 'normalized'), renditionKey(tenantId, kept.sha256, 'thumbnail')]);
    expect((await rows(kept.sha256)).map((x) => x.name).sort()).toEqual(['normalized', 'thumbnail']);
    await fetchRendition(kept.id, 'normalized');
    // a render job arriving after the cleanup finds nothing to do
    expect(await render(gone.sha256)).toBe('gone');
  });
});

describe('on the S3 object store (s3rver on loopback)', () => {
  it('renders from the original in the bucket, serves the renditions, and the cleanup removes them from the bucket', async () => {
    const s3 = await startS3rver();
    const s3clock = testClock(new Date());
    const c2 = await createTestContext({ S3_ENDPOINT: s3.endpoint, S3_BUCKET: s3.options.bucket, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' }, { clock: s3clock });
    try {
      expect(c2.c.objects.kind).toBe('s3');
      const t = await createTenantWithAdmin(c2);
      const u = await createUser(c2, t.tenantId, ['employee']);
      const cl = new Client(c2);
      await cl.login(u.email, PASSWORD);
      const refs = { categoryId: (await cl.get('/api/v1/categories')).body.items[0].id, paymentMethodId: (await cl.get('/api/v1/payment-methods')).body.items[0].id };
      const e = (await cl.post('/api/v1/expenses', { date: '2026-01-15', merchant: 'Café', amountMinor: 1250, currency: 'EUR', ...refs })).body.id;
      const photo = await jpegOf(halves(900, 600), 6);
      const up = await cl.agent.post(`/api/v1/expenses/${e}/receipts`).set('X-CSRF-Token', cl.csrf).attach('files', photo, { filename: 'photo.jpg', contentType: 'image/jpeg' });
      expect(up.status).toBe(201);
      const { id, sha256 } = up.body.items[0];
      expect(await receiptRender(c2.c, { tenantId: t.tenantId, sha256 })).toBe('rendered');
      const r = await binary(cl.get(`/api/v1/receipts/${id}/renditions/normalized`));
      expect(r.status).toBe(200);
      expect(await sharp(r.body as Buffer).metadata()).toMatchObject({ width: 600, height: 900 });
      const derived = async () => {
        const keys: string[] = [];
        for await (const o of c2.c.objects.list(`${t.tenantId}/derived/${sha256}/`)) keys.push(o.key);
        return keys;
      };
      expect(await derived()).toEqual([renditionKey(t.tenantId, sha256, 'normalized'), renditionKey(t.tenantId, sha256, 'thumbnail')]);
      expect((await cl.delete(`/api/v1/expenses/${e}`)).status).toBe(204);
      s3clock.advance(61 * 60_000);
      expect((await c2.c.receipts.cleanup()).released).toBe(1);
      expect(await derived()).toEqual([]);
      expect(await c2.c.objects.head(`${t.tenantId}/${sha256}`)).toBeUndefined();
    } finally {
      await c2.close();
      await s3.stop();
    }
  });
});
