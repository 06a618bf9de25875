// Accounting exports through the API (R-ACC-2, R-ACC-4): a period's verified expenses exported as
// CSV and FEC (validated), the batch recorded and immutable, the file re-downloaded byte for byte,
// the expenses moved to exported, re-export only on request with numbering carried on; formula
// injection neutralised; and, on PostgreSQL, two exports at once never share an expense or a number.
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, signedIn, type Client, type TestContext } from './support/context.ts';
import { onPostgres } from './support/db.ts';
import { createTenantWithAdmin } from './support/factories.ts';
import { validateFec } from './support/fec.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

const bytesOf = (r: { body: unknown }) => r.body as Buffer;
const binary = (req: ReturnType<Client['get']>) =>
  req.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });

/** A Solo Client (its expenses are self-validated, i.e. verified) with `n` expenses in March 2026. */
async function soloWithVerified(merchants: string[]) {
  const t = await createTenantWithAdmin(ctx, { plan: 'solo' });
  const me = await signedIn(ctx, t.admin);
  const cats = (await me.get('/api/v1/categories')).body.items;
  const pm = (await me.get('/api/v1/payment-methods')).body.items.find((p: { reimbursable: boolean }) => p.reimbursable).id;
  // the category's VAT is fully recoverable from 2026
  expect((await me.post('/api/v1/vat-rules', { categoryId: cats[0].id, effectiveFrom: '2026-01-01', recoverableBp: 10_000, expenseAccount: '625700', vatAccount: '445660' })).status).toBe(201);
  const ids: string[] = [];
  for (const [i, merchant] of merchants.entries()) {
    const e = (await me.post('/api/v1/expenses', { date: `2026-03-${String(10 + i).padStart(2, '0')}`, merchant, categoryId: cats[0].id, paymentMethodId: pm, amountMinor: 6130, currency: 'EUR', vatLines: [{ rateBp: 1000, baseMinor: 5573, vatMinor: 557 }] })).body;
    expect((await me.post(`/api/v1/expenses/${e.id}/submit`, { version: e.version })).body.status).toBe('verified');
    ids.push(e.id);
  }
  return { t, me, ids };
}

describe('accounting export', () => {
  it('CSV: the batch is recorded, its file comes back byte for byte, the expenses are exported; a second export finds nothing; a re-export is asked for and numbers carry on', async () => {
    const { t, me, ids } = await soloWithVerified(['Brasserie des Ternes', 'Taxi G7', '=HYPERLINK("http://evil.test")']);
    const r = await me.post('/api/v1/exports/accounting', { from: '2026-03-01', to: '2026-03-31', format: 'csv' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ kind: 'accounting', format: 'csv', expenses: 3, entryFrom: 1, entryTo: 3, rows: 9, createdBy: t.admin.id, fileKept: true });
    // which expenses: a page at a time
    const first = await me.get(`/api/v1/exports/${r.body.id}/expenses?limit=2`);
    expect(first.status).toBe(200);
    const rest = await me.get(`/api/v1/exports/${r.body.id}/expenses?limit=2&cursor=${first.body.nextCursor}`);
    expect(rest.body.nextCursor).toBeNull();
    expect([...first.body.items, ...rest.body.items]).toEqual(ids.map((id, i) => ({ id, position: i + 1 })));
    const file = await binary(me.get(`/api/v1/exports/${r.body.id}/file`));
    expect(file.status).toBe(200);
    expect(createHash('sha256').update(bytesOf(file)).digest('hex')).toBe(r.body.sha256);
    const again = await binary(me.get(`/api/v1/exports/${r.body.id}/file`));
    expect(Buffer.compare(bytesOf(again), bytesOf(file))).toBe(0);
    const text = bytesOf(file).toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff); // BOM by default, for Excel
    const rows = parse(text.slice(1), { delimiter: ';' }) as string[][];
    expect(rows).toHaveLength(10);
    // debits equal credits over the file, in cents
    const cents = (s: string) => (s ? Math.round(Number(s.replace(',', '.')) * 100) : 0);
    expect(rows.slice(1).reduce((n, x) => n + cents(x[8]!), 0)).toBe(rows.slice(1).reduce((n, x) => n + cents(x[9]!), 0));
    expect(rows.some((x) => x[7]!.startsWith(`'=HYPERLINK`))).toBe(true);
    expect(rows.some((x) => /^[=+\-@]/.test(x[7]!))).toBe(false);
    for (const id of ids) expect((await me.get(`/api/v1/expenses/${id}`)).body.status).toBe('exported');

    const none = await me.post('/api/v1/exports/accounting', { from: '2026-03-01', to: '2026-03-31', format: 'csv' });
    expect(none.status).toBe(409);
    expect(none.body.type).toMatch(/\/nothing-to-export$/);
    const re = await me.post('/api/v1/exports/accounting', { from: '2026-03-01', to: '2026-03-31', format: 'csv', reexport: true });
    expect(re.status).toBe(201);
    expect(re.body).toMatchObject({ reexport: true, entryFrom: 4, entryTo: 6 });
    expect((await me.get('/api/v1/exports')).body.items.map((b: { id: string }) => b.id)).toEqual([re.body.id, r.body.id]);
  });

  it('FEC: refused without the SIREN (409); with it, the file passes the validator and is named <SIREN>FEC<date>.txt', async () => {
    const { me } = await soloWithVerified(['Hôtel du Parc', 'Péage A7 | Vienne']);
    const noSiren = await me.post('/api/v1/exports/accounting', { from: '2026-03-01', to: '2026-03-31', format: 'fec' });
    expect(noSiren.status).toBe(409);
    expect(noSiren.body.type).toMatch(/\/siren-required$/);
    expect((await me.patch('/api/v1/exports/settings', { siren: '732829320', fecSeparator: 'pipe' })).status).toBe(200);
    const r = await me.post('/api/v1/exports/accounting', { from: '2026-03-01', to: '2026-03-31', format: 'fec' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.fileName).toBe('732829320FEC20260331.txt');
    const file = await binary(me.get(`/api/v1/exports/${r.body.id}/file`));
    expect(validateFec(r.body.fileName, bytesOf(file).toString('utf8'))).toEqual([]);
  });

  it('xlsx: read back by exceljs, amounts are numbers (2 decimals), text cells neutralised; payroll too', async () => {
    const { me } = await soloWithVerified(['Brasserie', '+33 Taxi']);
    const r = await me.post('/api/v1/exports/accounting', { from: '2026-03-01', to: '2026-03-31', format: 'xlsx' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ fileName: 'ecritures-2026-03-01-2026-03-31.xlsx', mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytesOf(await binary(me.get(`/api/v1/exports/${r.body.id}/file`))) as never);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).values).toEqual([undefined, 'Journal', 'Date', 'Numéro', 'Compte', 'Libellé du compte', 'Compte auxiliaire', 'Pièce', 'Libellé', 'Débit', 'Crédit', 'Montant devise', 'Devise']);
    expect(ws.rowCount).toBe(7);
    expect(ws.getRow(2).getCell(9).value).toBe(55.73);
    expect(ws.getRow(2).getCell(9).numFmt).toBe('0.00');
    const labels = [2, 3, 4, 5, 6, 7].map((i) => String(ws.getRow(i).getCell(8).value));
    expect(labels.filter((l) => l.startsWith(`'+33 Taxi`))).toHaveLength(3);
    const p = await me.post('/api/v1/exports/payroll', { from: '2026-03-01', to: '2026-03-31', format: 'xlsx' });
    expect(p.body.fileName).toBe('paie-2026-03-01-2026-03-31.xlsx');
    const pw = new ExcelJS.Workbook();
    await pw.xlsx.load(bytesOf(await binary(me.get(`/api/v1/exports/${p.body.id}/file`))) as never);
    expect(pw.worksheets[0]!.getRow(2).getCell(6).value).toBe(122.6);
  });

  it('receipts of a selection: one PDF (cover, image embedded, PDF pages copied) and a ZIP of the originals byte for byte, a folder per expense; drafts and unknown ids refused', async () => {
    const { me, ids } = await soloWithVerified(['Hôtel du Parc', 'Taxi']);
    const { png, receiptPdf } = await import('./support/images.ts');
    const pdf = await receiptPdf(['HOTEL DU PARC', 'TOTAL 61,30']);
    const image = png(40, 60);
    const attach = (id: string, data: Buffer, name: string, type: string) => me.agent.post(`/api/v1/expenses/${id}/receipts`).set('X-CSRF-Token', me.csrf).attach('files', data, { filename: name, contentType: type });
    // receipts are attached to drafts: a fresh one for each, submitted (Solo: verified) afterwards
    const cats = (await me.get('/api/v1/categories')).body.items;
    const pm = (await me.get('/api/v1/payment-methods')).body.items[0].id;
    const withReceipts: string[] = [];
    for (const [merchant, data, name, type] of [['Hôtel du Parc', pdf, 'facture.pdf', 'application/pdf'], ['Taxi', image, 'taxi.png', 'image/png']] as const) {
      const e = (await me.post('/api/v1/expenses', { date: '2026-04-02', merchant, categoryId: cats[0].id, paymentMethodId: pm, amountMinor: 1000, currency: 'EUR' })).body;
      expect((await attach(e.id, data as Buffer, name, type)).status).toBe(201);
      const v = (await me.get(`/api/v1/expenses/${e.id}`)).body.version;
      await me.post(`/api/v1/expenses/${e.id}/submit`, { version: v });
      withReceipts.push(e.id);
    }
    const pdfRes = await binary(me.post('/api/v1/exports/receipts', { expenseIds: [...withReceipts, ids[0]], format: 'pdf' }));
    expect(pdfRes.status).toBe(200);
    const { PDFDocument } = await import('pdf-lib');
    const bundle = await PDFDocument.load(bytesOf(pdfRes));
    expect(bundle.getPageCount()).toBe(1 + 1 + 1); // cover, the PDF receipt's page, the image's page
    const zipRes = await binary(me.post('/api/v1/exports/receipts', { expenseIds: withReceipts, format: 'zip' }));
    expect(zipRes.headers['content-type']).toBe('application/zip');
    const JSZip = (await import('jszip')).default;
    const zip = await JSZip.loadAsync(bytesOf(zipRes));
    const names = Object.keys(zip.files).filter((n) => !zip.files[n]!.dir).sort();
    expect(names).toEqual([expect.stringMatching(/^2026-04-02_Hotel-du-Parc_[0-9a-f]{8}\/facture\.pdf$/), expect.stringMatching(/^2026-04-02_Taxi_[0-9a-f]{8}\/taxi\.png$/)]);
    expect(Buffer.compare(await zip.file(names[0]!)!.async('nodebuffer'), pdf)).toBe(0);
    expect(Buffer.compare(await zip.file(names[1]!)!.async('nodebuffer'), image)).toBe(0);
    const draft = (await me.post('/api/v1/expenses', { date: '2026-04-03', merchant: 'Brouillon', categoryId: cats[0].id, paymentMethodId: pm, amountMinor: 100, currency: 'EUR' })).body;
    expect((await me.post('/api/v1/exports/receipts', { expenseIds: [draft.id], format: 'zip' })).status).toBe(404);
    expect((await me.post('/api/v1/exports/receipts', { expenseIds: [], format: 'zip' })).status).toBe(400);
  });

  it('a batch is immutable for the service role (UPDATE, DELETE, TRUNCATE refused); only the file-removed mark may be set, once', async () => {
    const { me } = await soloWithVerified(['Librairie']);
    const b = (await me.post('/api/v1/exports/accounting', { from: '2026-03-01', to: '2026-03-31' })).body;
    const k = ctx.c.db.kysely;
    await expect(k.updateTable('export_batch').set({ row_count: 1 }).where('id', '=', b.id).execute()).rejects.toThrow();
    await expect(k.deleteFrom('export_batch').where('id', '=', b.id).execute()).rejects.toThrow();
    await expect(sql`TRUNCATE export_batch`.execute(k)).rejects.toThrow();
    await k.updateTable('export_batch').set({ file_deleted_at: new Date() }).where('id', '=', b.id).execute(); // positive control
    await expect(k.updateTable('export_batch').set({ file_deleted_at: new Date() }).where('id', '=', b.id).execute()).rejects.toThrow();
    const gone = await me.get(`/api/v1/exports/${b.id}/file`);
    expect(gone.status).toBe(410);
    expect((await me.get(`/api/v1/exports/${b.id}`)).body).toMatchObject({ sha256: b.sha256, fileKept: false });
  });

  it('files are kept for the Client\u2019s retention, then removed by the daily job; the record and hash stay', async () => {
    const { me } = await soloWithVerified(['Parking']);
    await me.patch('/api/v1/exports/settings', { fileRetentionDays: 30 });
    const b = (await me.post('/api/v1/exports/accounting', { from: '2026-03-01', to: '2026-03-31' })).body;
    const in29 = new Date(Date.now() + 29 * 86_400_000);
    expect(await ctx.c.exports.removeExpiredFiles(ctx.c.db.kysely, in29)).toBe(0);
    expect((await me.get(`/api/v1/exports/${b.id}/file`)).status).toBe(200);
    expect(await ctx.c.exports.removeExpiredFiles(ctx.c.db.kysely, new Date(Date.now() + 31 * 86_400_000))).toBeGreaterThanOrEqual(1);
    expect((await me.get(`/api/v1/exports/${b.id}/file`)).status).toBe(410);
    expect((await me.get(`/api/v1/exports/${b.id}`)).body).toMatchObject({ sha256: b.sha256, fileKept: false, expenses: b.expenses });
  });

  it('payroll: reimbursable totals per employee with the payroll id, in a saved preset\u2019s columns, per category if asked; a batch of its own; statuses unchanged', async () => {
    const { t, me, ids } = await soloWithVerified(['Hôtel', 'Train', '@Taxi']);
    await ctx.c.db.kysely.updateTable('app_user').set({ payroll_id: 'M-00042' }).where('id', '=', t.admin.id).execute();
    const dflt = await me.post('/api/v1/exports/payroll', { from: '2026-03-01', to: '2026-03-31' });
    expect(dflt.status, JSON.stringify(dflt.body)).toBe(201);
    const rows = parse(bytesOf(await binary(me.get(`/api/v1/exports/${dflt.body.id}/file`))).toString('utf8').slice(1), { delimiter: ';' }) as string[][];
    expect(rows).toEqual([['Matricule', 'Salarié', 'Début', 'Fin', 'Nombre de dépenses', 'Montant à rembourser', 'Devise'], ['M-00042', t.admin.name, '2026-03-01', '2026-03-31', '3', '183,90', 'EUR']]);
    const preset = await me.post('/api/v1/exports/payroll/presets', { name: 'Silae', columns: [{ field: 'payrollId', header: 'MATRICULE' }, { field: 'category', header: 'RUBRIQUE' }, { field: 'amount', header: 'MONTANT' }], perCategory: true });
    expect(preset.status).toBe(201);
    expect((await me.get('/api/v1/exports/payroll/presets')).body.items).toEqual([expect.objectContaining({ id: preset.body.id, name: 'Silae', perCategory: true })]);
    const byCat = await me.post('/api/v1/exports/payroll', { from: '2026-03-01', to: '2026-03-31', presetId: preset.body.id });
    const catRows = parse(bytesOf(await binary(me.get(`/api/v1/exports/${byCat.body.id}/file`))).toString('utf8').slice(1), { delimiter: ';' }) as string[][];
    expect(catRows[0]).toEqual(['MATRICULE', 'RUBRIQUE', 'MONTANT']);
    expect(catRows.slice(1)).toEqual([['M-00042', expect.any(String), '183,90']]);
    expect(byCat.body).toMatchObject({ kind: 'payroll', format: 'csv', entryFrom: null });
    for (const id of ids) expect((await me.get(`/api/v1/expenses/${id}`)).body.status).toBe('verified');
    expect((await me.delete(`/api/v1/exports/payroll/presets/${preset.body.id}`)).status).toBe(204);
    expect((await me.post('/api/v1/exports/payroll', { from: '2026-03-01', to: '2026-03-31', columns: [{ field: 'salary', header: 'X' }] })).status).toBe(400);
  });

  it('bad input: a period backwards, bad accounts or SIREN → 400/409 and nothing changes; employees are refused', async () => {
    const { t, me } = await soloWithVerified(['Café']);
    for (const body of [{ from: '2026-03-31', to: '2026-03-01' }, { from: '2026-3-1', to: '2026-03-31' }, { from: '2026-03-01', to: '2026-03-31', format: 'pdf' }]) {
      const r = await me.post('/api/v1/exports/accounting', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    for (const body of [{ siren: '12345' }, { employeeAccount: '9421' }, { journalCode: 'notes de frais' }, { fileRetentionDays: 0 }]) expect((await me.patch('/api/v1/exports/settings', body)).status).toBe(400);
    expect((await me.get('/api/v1/exports')).body.items).toEqual([]);
    expect((await me.get('/api/v1/exports/settings')).body).toMatchObject({ siren: null, employeeAccount: '421', nextEntryNumber: 1 });
    const emp = await signedIn(ctx, await (await import('./support/factories.ts')).createUser(ctx, t.tenantId, ['employee']));
    expect((await emp.post('/api/v1/exports/accounting', { from: '2026-03-01', to: '2026-03-31' })).status).toBe(403);
  });

  it.skipIf(!onPostgres)('two exports at once (PostgreSQL): one takes the expenses, the other finds none; numbers never repeat', async () => {
    const { me } = await soloWithVerified(['A', 'B', 'C', 'D']);
    const [a, b] = await Promise.all([1, 2].map(() => me.post('/api/v1/exports/accounting', { from: '2026-03-01', to: '2026-03-31' })));
    expect([a!.status, b!.status].sort()).toEqual([201, 409]);
    const re = await me.post('/api/v1/exports/accounting', { from: '2026-03-01', to: '2026-03-31', reexport: true });
    expect(re.body.entryFrom).toBe((a!.status === 201 ? a! : b!).body.entryTo + 1);
  });
});
