// Receipts (R-CAP-2, R-SEC-5) on both object stores: the local directory and S3 (s3rver on
// loopback). Originals byte for byte under <client>/<sha256>, deduplicated and reference-counted;
// hostile files refused with a clear 4xx, leaving no row, no object and no temporary file.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { SPOOL_DIR } from '../api/http/uploads.ts';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestContext, testClock, type TestContext } from './support/context.ts';
import { createTenantWithAdmin, createUser, PASSWORD, type TestUser } from './support/factories.ts';
import { jpeg, png } from './support/images.ts';
import { startS3rver, type S3Server } from './support/s3.ts';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(() => s3?.stop());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const spooled = () => {
  try {
    return readdirSync(SPOOL_DIR).length; // this test process's own (other test files upload at the same time)
  } catch {
    return 0;
  }
};

let n = 0;
describe.each(['local', 's3'] as const)('receipts on the %s object store', (store) => {
  const clock = testClock(new Date());
  let ctx: TestContext;
  let t: Awaited<ReturnType<typeof createTenantWithAdmin>>;
  let emp: TestUser;
  let asEmp: Client;
  let ref: { categoryId: string; paymentMethodId: string };

  beforeAll(async () => {
    const env: Record<string, string> = { RECEIPT_MAX_MB: '1', RECEIPT_MAX_FILES: '3' };
    if (store === 's3') Object.assign(env, { S3_ENDPOINT: s3.endpoint, S3_BUCKET: s3.options.bucket, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', S3_PREFIX: `receipts-test-${++n}-${Date.now()}` });
    ctx = await createTestContext(env, { clock });
    expect(ctx.c.objects.kind).toBe(store);
    t = await createTenantWithAdmin(ctx);
    emp = await createUser(ctx, t.tenantId, ['employee']);
    asEmp = new Client(ctx);
    await asEmp.login(emp.email, PASSWORD);
    ref = {
      categoryId: (await asEmp.get('/api/v1/categories')).body.items[0].id,
      paymentMethodId: (await asEmp.get('/api/v1/payment-methods')).body.items[0].id,
    };
  });
  afterAll(() => ctx?.close());

  const newExpense = async (c = asEmp) => (await c.post('/api/v1/expenses', { date: '2026-01-15', merchant: 'Café', amountMinor: 1250, currency: 'EUR', ...ref })).body.id as string;
  const upload = (expenseId: string, files: { data: Buffer; name: string; type?: string }[], c = asEmp) => {
    let r = c.agent.post(`/api/v1/expenses/${expenseId}/receipts`).set('X-CSRF-Token', c.csrf);
    for (const f of files) r = r.attach('files', f.data, { filename: f.name, contentType: f.type ?? 'application/octet-stream' });
    return r;
  };
  const objects = async () => {
    const keys: string[] = [];
    for await (const o of ctx.c.objects.list(`${t.tenantId}/`)) keys.push(o.key);
    return keys;
  };
  const rows = async () => Number((await ctx.c.db.kysely.selectFrom('receipt').select((eb) => eb.fn.countAll().as('n')).where('tenant_id', '=', t.tenantId).executeTakeFirstOrThrow()).n);

  it('stores the original byte for byte under <client>/<sha256> and serves it back with type, name and ETag', async () => {
    const e = await newExpense();
    const image = png(64, 48);
    const r = await upload(e, [{ data: image, name: 'reçu café.png', type: 'image/png' }]);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.items).toEqual([expect.objectContaining({ expenseId: e, name: 'reçu café.png', mediaType: 'image/png', size: image.length, sha256: sha(image), uploadedBy: emp.id })]);
    expect(await objects()).toContain(`${t.tenantId}/${sha(image)}`);
    const id = r.body.items[0].id;
    const file = await asEmp.get(`/api/v1/receipts/${id}/file`).buffer(true).parse((res, cb) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => cb(null, Buffer.concat(parts)));
    });
    expect(file.status).toBe(200);
    expect(Buffer.compare(file.body as Buffer, image)).toBe(0);
    expect(file.headers['content-type']).toBe('image/png');
    expect(file.headers['etag']).toBe(`"${sha(image)}"`);
    expect(file.headers['content-disposition']).toBe(`inline; filename="recu cafe.png"; filename*=UTF-8''re%C3%A7u%20caf%C3%A9.png`);
    expect((await asEmp.get(`/api/v1/receipts/${id}/file?download=1`)).headers['content-disposition']).toMatch(/^attachment;/);
    expect((await asEmp.get(`/api/v1/receipts/${id}/file`).set('If-None-Match', `"${sha(image)}"`)).status).toBe(304);
    expect((await asEmp.get(`/api/v1/expenses/${e}/receipts`)).body.items.map((x: { id: string }) => x.id)).toEqual([id]);
    // lists and the detail carry the receipts, so a page of expenses needs no request per row
    const listed = (await asEmp.get('/api/v1/expenses?limit=200')).body.items.find((x: { id: string }) => x.id === e);
    expect(listed.receipts.map((x: { id: string }) => x.id)).toEqual([id]);
    expect((await asEmp.get(`/api/v1/expenses/${e}`)).body.receipts[0]).toMatchObject({ id, sha256: sha(image) });
  });

  it('serves a PDF under a policy of its own: nothing runs, the viewer may display it', async () => {
    const e = await newExpense();
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const id = (await upload(e, [{ data: pdf, name: 'facture.pdf', type: 'application/pdf' }])).body.items[0].id;
    const r = await asEmp.get(`/api/v1/receipts/${id}/file`);
    expect(r.headers['content-type']).toBe('application/pdf');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['content-security-policy']).toBe("default-src 'none'; object-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'");
  });

  it('keeps one object per Client for the same bytes; removing one use keeps it for the other; the cleanup removes it an hour after the last', async () => {
    const image = png(30, 30);
    const key = `${t.tenantId}/${sha(image)}`;
    const [e1, e2] = [await newExpense(), await newExpense()];
    const r1 = (await upload(e1, [{ data: image, name: 'a.png' }])).body.items[0].id;
    const r2 = (await upload(e2, [{ data: image, name: 'b.png' }])).body.items[0].id;
    expect((await objects()).filter((k) => k === key)).toHaveLength(1);
    const blob = () => ctx.c.db.kysely.selectFrom('receipt_blob').selectAll().where('tenant_id', '=', t.tenantId).where('sha256', '=', sha(image)).executeTakeFirst();
    expect((await blob())?.ref_count).toBe(2);
    expect((await asEmp.delete(`/api/v1/receipts/${r1}`)).status).toBe(204);
    expect((await blob())?.ref_count).toBe(1);
    expect((await asEmp.get(`/api/v1/receipts/${r2}/file`)).status).toBe(200);
    // deleting the draft expense releases its receipts too (the database keeps the count)
    expect((await asEmp.delete(`/api/v1/expenses/${e2}`)).status).toBe(204);
    expect((await blob())?.ref_count).toBe(0);
    expect(await ctx.c.receipts.cleanup()).toEqual({ released: 0, orphans: 0 }); // not an hour yet
    expect(await objects()).toContain(key);
    clock.advance(61 * 60_000);
    expect((await ctx.c.receipts.cleanup()).released).toBe(1);
    expect(await objects()).not.toContain(key);
    expect(await blob()).toBeUndefined();
    // the same bytes uploaded again are simply stored again
    const e3 = await newExpense();
    expect((await upload(e3, [{ data: image, name: 'c.png' }])).status).toBe(201);
    expect(await objects()).toContain(key);
  });

  it('flags two expenses carrying the same receipt file, naming each other (any user of the Client)', async () => {
    const image = png(33, 21);
    const mine = await newExpense();
    await upload(mine, [{ data: image, name: 'taxi.png' }]);
    const other = new Client(ctx);
    await other.login((await createUser(ctx, t.tenantId, ['employee'])).email, PASSWORD);
    const theirs = await newExpense(other);
    expect((await upload(theirs, [{ data: image, name: 'same-taxi.png' }], other)).status).toBe(201);
    expect((await other.get(`/api/v1/expenses/${theirs}`)).body.duplicates).toEqual([{ expenseId: mine, reason: 'same_file' }]);
    // (this employee's test expenses all share merchant, date and amount: those are same_details)
    const sameFile = (await asEmp.get(`/api/v1/expenses/${mine}`)).body.duplicates.filter((d: { reason: string }) => d.reason === 'same_file');
    expect(sameFile).toEqual([{ expenseId: theirs, reason: 'same_file' }]);
  });

  it('removes an object no row points at (a crash between storing and recording), but only once it is an hour old', async () => {
    clock.advance(Date.now() - clock.now().getTime()); // back to the real time: the object's mtime
    const stray = png(5, 7);
    const { Readable } = await import('node:stream');
    await ctx.c.objects.put(`${t.tenantId}/${sha(stray)}`, Readable.from([stray]));
    expect((await ctx.c.receipts.cleanup()).orphans).toBe(0);
    clock.advance(61 * 60_000);
    expect((await ctx.c.receipts.cleanup()).orphans).toBe(1);
    expect(await objects()).not.toContain(`${t.tenantId}/${sha(stray)}`);
  });

  describe('hostile and broken files: a clear 4xx, and no row, no object, no temporary file left', () => {
    const bigJpeg = Buffer.concat([jpeg(800, 600, false), Buffer.alloc(1_200_000, 1), Buffer.from([0xff, 0xd9])]);
    const cases: [string, () => { data: Buffer; name: string; type?: string }[], number, RegExp][] = [
      ['an empty file', () => [{ data: Buffer.alloc(0), name: 'empty.jpg', type: 'image/jpeg' }], 422, /empty/],
      ['a truncated JPEG', () => [{ data: jpeg(800, 600, false), name: 'cut.jpg', type: 'image/jpeg' }], 422, /incomplete/],
      ['a PNG decompression bomb (50 000 × 50 000 declared)', () => [{ data: png(10, 10, { width: 50_000, height: 50_000 }), name: 'bomb.png', type: 'image/png' }], 422, /50000 × 50000 pixels/],
      ['a PDF declared as image/jpeg', () => [{ data: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'), name: 'scan.jpg', type: 'image/jpeg' }], 415, /sent as image\/jpeg but its content is application\/pdf/],
      ['an executable renamed .jpg', () => [{ data: Buffer.concat([Buffer.from('MZ\x90\x00\x03', 'latin1'), Buffer.alloc(4000)]), name: 'photo.jpg', type: 'image/jpeg' }], 415, /Windows executable/],
      ['an SVG', () => [{ data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), name: 'logo.svg', type: 'image/svg+xml' }], 415, /SVG/],
      ['a file over the size limit', () => [{ data: bigJpeg, name: 'huge.jpg', type: 'image/jpeg' }], 413, /at most 1 MB/],
      ['too many files', () => Array.from({ length: 4 }, (_, i) => ({ data: png(4 + i, 4), name: `${i}.png`, type: 'image/png' })), 400, /At most 3 files/],
      ['one bad file among good ones', () => [{ data: png(8, 8), name: 'ok.png' }, { data: jpeg(10, 10, false), name: 'cut.jpg' }], 422, /cut\.jpg: .*incomplete/],
    ];
    for (const [label, files, status, message] of cases) {
      it(label, async () => {
        const e = await newExpense();
        const [objectsBefore, rowsBefore, spoolBefore] = [await objects(), await rows(), spooled()];
        const r = await upload(e, files());
        expect(r.status, JSON.stringify(r.body)).toBe(status);
        expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(`${r.body.detail} ${JSON.stringify(r.body.errors ?? [])}`).toMatch(message);
        expect(await rows()).toBe(rowsBefore);
        expect(await objects()).toEqual(objectsBefore);
        expect(spooled()).toBe(spoolBefore);
        expect((await supertest(ctx.app).get('/healthz')).status).toBe(200); // still serving
      });
    }

    it('no file, or not multipart at all', async () => {
      const e = await newExpense();
      expect((await asEmp.agent.post(`/api/v1/expenses/${e}/receipts`).set('X-CSRF-Token', asEmp.csrf).field('note', 'x')).status).toBe(400);
      expect((await asEmp.post(`/api/v1/expenses/${e}/receipts`, { files: [] })).status).toBe(415);
    });
  });

  it('only the owner attaches, while the expense is editable; others see files only if they see the expense', async () => {
    const e = await newExpense();
    const id = (await upload(e, [{ data: png(9, 9), name: 'r.png' }])).body.items[0].id;
    const colleague = new Client(ctx);
    await colleague.login((await createUser(ctx, t.tenantId, ['employee'])).email, PASSWORD);
    expect((await upload(e, [{ data: png(9, 10), name: 'x.png' }], colleague)).status).toBe(404);
    expect((await colleague.get(`/api/v1/receipts/${id}/file`)).status).toBe(404);
    expect((await colleague.delete(`/api/v1/receipts/${id}`)).status).toBe(404);
    await ctx.c.db.kysely.updateTable('expense').set({ status: 'submitted' }).where('id', '=', e).execute();
    const locked = await upload(e, [{ data: png(9, 11), name: 'late.png' }]);
    expect(locked.status).toBe(409);
    expect((await asEmp.delete(`/api/v1/receipts/${id}`)).status).toBe(409);
    const admin = new Client(ctx);
    await admin.login(t.admin.email, PASSWORD);
    expect((await admin.get(`/api/v1/receipts/${id}/file`)).status).toBe(200); // submitted: admins see it
  });
});
