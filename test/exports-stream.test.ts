// The accounting export streams (R-ACC-4): a period is claimed into export_batch_expense with one
// statement, read back a page at a time and written into the object store as it goes. Here, with
// pages of 4 expenses: the streamed CSV and FEC are byte for byte what the whole-file functions
// give for the same expenses, the xlsx holds the same cells; the join table holds exactly the
// exported ids; a failure while the file is written, or after, leaves nothing (no batch, no join
// rows, no status change, no object); the join table is append-only; and migration 014 moves the
// ids of existing batches out of their array, on PGlite and on PostgreSQL.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR, type AuditService } from '../api/features/audit/audit.service.ts';
import { csvText } from '../api/features/exports/csv.ts';
import { ExportsService } from '../api/features/exports/exports.service.ts';
import { accountingCells, accountingRows, CSV_HEADER, DEFAULT_LEDGER_SETTINGS, fecText, ledgerEntries, type LedgerExpense } from '../api/features/exports/ledger.ts';
import { migrationFiles, type ScriptRunner } from '../storage/db/migrate.ts';
import { TenantDb } from '../storage/db/tenant-db.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import { createTestContext, type TestContext } from './support/context.ts';
import { onPostgres, pgUrl } from './support/db.ts';
import { createTenantWithAdmin, createUser } from './support/factories.ts';
import { validateFec } from './support/fec.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

const S = DEFAULT_LEDGER_SETTINGS;
const PAGE = 4;
const k = () => ctx.c.db.kysely;

/**
 * A Client with 25 verified expenses in March 2026 (several on one day, so pages split a day):
 * three categories (VAT fully, half and not recoverable — the last without a rule), reimbursable
 * and company card, some paid in CHF, one employee with an auxiliary account; beside them, expenses
 * the export must not take: drafts and submitted ones, one in April, and another Client's.
 * Returns the LedgerExpense each verified one must become, in entry order.
 */
async function seed() {
  const t = await createTenantWithAdmin(ctx);
  const other = await createTenantWithAdmin(ctx);
  const emp = await createUser(ctx, t.tenantId, ['employee']);
  await k().updateTable('app_user').set({ accounting_aux: '421EMP' }).where('id', '=', emp.id).execute();
  const cats = await k().selectFrom('category').select(['id', 'name', 'tenant_id']).where('tenant_id', 'in', [t.tenantId, other.tenantId]).orderBy('name').execute();
  const [restaurant, hotel, misc] = cats.filter((c) => c.tenant_id === t.tenantId);
  const otherCat = cats.find((c) => c.tenant_id === other.tenantId)!;
  const pms = await k().selectFrom('payment_method').select(['id', 'reimbursable', 'tenant_id']).where('tenant_id', 'in', [t.tenantId, other.tenantId]).execute();
  const personal = pms.find((p) => p.tenant_id === t.tenantId && p.reimbursable)!.id;
  const card = pms.find((p) => p.tenant_id === t.tenantId && !p.reimbursable)?.id ?? personal;
  const rules = [
    { category: restaurant!, recoverableBp: 10_000, expenseAccount: '625700', vatAccount: '445660' },
    { category: hotel!, recoverableBp: 5000, expenseAccount: '625100', vatAccount: '445661' },
  ];
  await k().insertInto('vat_rule').values(rules.map((r) => ({ id: randomUUID(), tenant_id: t.tenantId, category_id: r.category.id, effective_from: '2026-01-01', recoverable_bp: r.recoverableBp, expense_account: r.expenseAccount, vat_account: r.vatAccount }))).execute();
  const users = [{ id: t.admin.id, name: t.admin.name, aux: null }, { id: emp.id, name: emp.name, aux: '421EMP' }];
  const expected: LedgerExpense[] = [];
  const rows: Record<string, unknown>[] = [];
  const vat: Record<string, unknown>[] = [];
  const row = (o: { tenant: string; user: string; status: string; date: string; merchant: string; category: string; pm: string; reimbursable: boolean; amount: number; currency: string; converted: number }) => ({
    id: randomUUID(), tenant_id: o.tenant, user_id: o.user, status: o.status, kind: 'receipt', expense_date: o.date, merchant: o.merchant, category_id: o.category, payment_method_id: o.pm,
    reimbursable: o.reimbursable, amount_minor: o.amount, currency: o.currency, converted_minor: o.converted, client_currency: 'EUR', rate: o.currency === 'EUR' ? '1' : '1.05', rate_date: o.date,
  });
  for (let i = 0; i < 25; i++) {
    const cat = [restaurant!, hotel!, misc!][i % 3]!;
    const user = users[i % 2]!;
    const foreign = i % 7 === 3;
    const reimbursable = i % 5 !== 4;
    const amount = 1000 + i * 137;
    const converted = foreign ? Math.round(amount * 1.05) : amount;
    const merchant = i === 6 ? '=SUM(A1)' : i === 8 ? ' Café; "du" coin ' : `Marchand ${i}`;
    const r = row({ tenant: t.tenantId, user: user.id, status: 'verified', date: `2026-03-${String(10 + Math.floor(i / 6)).padStart(2, '0')}`, merchant, category: cat.id, pm: reimbursable ? personal : card, reimbursable, amount, currency: foreign ? 'CHF' : 'EUR', converted });
    rows.push(r);
    const vatMinor = i % 4 === 0 ? 0 : Math.round(amount / 11);
    if (vatMinor) vat.push({ expense_id: r.id, tenant_id: t.tenantId, position: 1, rate_bp: 1000, base_minor: amount - vatMinor, vat_minor: vatMinor });
    const rule = rules.find((x) => x.category.id === cat.id);
    expected.push({
      id: r.id, date: r.expense_date, merchant, categoryName: cat.name, totalMinor: converted, clientCurrency: 'EUR', paid: { amountMinor: amount, currency: foreign ? 'CHF' : 'EUR' }, vatMinor, reimbursable,
      employee: { id: user.id, name: user.name, auxAccount: user.aux }, rule: rule ? { recoverableBp: rule.recoverableBp, expenseAccount: rule.expenseAccount, vatAccount: rule.vatAccount } : null, depositIds: [],
    });
  }
  const not = { user: t.admin.id, category: restaurant!.id, pm: personal, reimbursable: true, amount: 500, currency: 'EUR', converted: 500, merchant: 'Pas exporté' };
  rows.push(row({ ...not, tenant: t.tenantId, status: 'draft', date: '2026-03-12' }), row({ ...not, tenant: t.tenantId, status: 'submitted', date: '2026-03-12' }), row({ ...not, tenant: t.tenantId, status: 'verified', date: '2026-04-01' }));
  rows.push(row({ ...not, tenant: other.tenantId, user: other.admin.id, category: otherCat.id, pm: pms.find((p) => p.tenant_id === other.tenantId)!.id, status: 'verified', date: '2026-03-12' }));
  await k().insertInto('expense').values(rows as never).execute();
  await k().insertInto('expense_vat_line').values(vat as never).execute();
  expected.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : 1));
  return { t, other, expected, tdb: new TenantDb(t.tenantId, k()), actor: { ...SYSTEM_ACTOR, kind: 'user' as const, userId: t.admin.id } };
}

const fileOf = async (tdb: TenantDb, id: string) => buffer((await ctx.c.exports.open(tdb, id)).body);
const claimed = async (batchId: string) => (await k().selectFrom('export_batch_expense').select('expense_id').where('batch_id', '=', batchId).execute()).map((r) => r.expense_id).sort();
const statuses = async (ids: string[]) => [...new Set((await k().selectFrom('expense').select('status').where('id', 'in', ids).execute()).map((r) => r.status))];
const objectsOf = async (tenantId: string) => {
  const keys: string[] = [];
  for await (const o of ctx.c.objects.list(`exports/${tenantId}/`)) keys.push(o.key);
  return keys;
};

describe('streamed accounting export', () => {
  it('CSV, FEC and xlsx written a page at a time are what the whole-file functions give for the same expenses; the join table holds exactly the exported ids', async () => {
    const { t, expected, tdb, actor } = await seed();
    const ids = expected.map((e) => e.id);

    const csv = await ctx.c.exports.accounting(tdb, actor, { from: '2026-03-01', to: '2026-03-31', format: 'csv', pageSize: PAGE });
    expect(csv).toMatchObject({ expenses: 25, entryFrom: 1, entryTo: 25 });
    const entries = ledgerEntries(expected, S, 1);
    expect(csv.rows).toBe(entries.reduce((n, e) => n + e.lines.length, 0));
    const csvBytes = await fileOf(tdb, csv.id);
    expect(csvBytes.equals(Buffer.from(csvText(CSV_HEADER, accountingRows(entries, S, { decimalComma: true, digits: 2 }), { delimiter: ';', bom: true }), 'utf8'))).toBe(true);
    expect(await claimed(csv.id)).toEqual([...ids].sort());
    expect(await statuses(ids)).toEqual(['exported']);
    const history = await k().selectFrom('expense_transition').select(['expense_id', 'from_status', 'to_status', 'actor_id', 'comment']).where('comment', '=', `export ${csv.id}`).execute();
    expect(history.map((h) => h.expense_id).sort()).toEqual([...ids].sort());
    expect(new Set(history.map((h) => `${h.from_status}>${h.to_status} ${h.actor_id}`))).toEqual(new Set([`verified>exported ${t.admin.id}`]));
    expect((await k().selectFrom('expense').select('version').where('id', '=', ids[0]!).executeTakeFirstOrThrow()).version).toBe(2);
    // paged, in the order of the entries: position p has entry number entryFrom + p - 1
    const listed: { id: string; position: number }[] = [];
    for (let cursor: string | null | undefined; cursor !== null; ) {
      const p = await ctx.c.exports.batchExpenses(tdb, csv.id, { cursor: cursor === undefined ? undefined : Number(cursor), limit: 7 });
      listed.push(...p.items);
      cursor = p.nextCursor;
    }
    expect(listed).toEqual(entries.map((e) => ({ id: e.expenseId, position: e.number - csv.entryFrom! + 1 })));

    await ctx.c.exports.updateSettings(tdb, actor, { siren: '732829320' });
    const fec = await ctx.c.exports.accounting(tdb, actor, { from: '2026-03-01', to: '2026-03-31', format: 'fec', reexport: true, pageSize: PAGE });
    expect(fec).toMatchObject({ expenses: 25, entryFrom: 26, entryTo: 50 });
    const fecBytes = await fileOf(tdb, fec.id);
    const expectedFec = fecText(ledgerEntries(expected, S, 26), S, { separator: '\t', validatedOn: fec.createdAt, digits: 2 });
    expect(fecBytes.toString('utf8')).toBe(expectedFec);
    expect(validateFec(fec.fileName, fecBytes.toString('utf8'))).toEqual([]);
    expect(await claimed(fec.id)).toEqual([...ids].sort());

    const xlsx = await ctx.c.exports.accounting(tdb, actor, { from: '2026-03-01', to: '2026-03-31', format: 'xlsx', reexport: true, pageSize: PAGE });
    expect(xlsx).toMatchObject({ expenses: 25, entryFrom: 51, entryTo: 75 });
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await fileOf(tdb, xlsx.id)) as never);
    const ws = wb.worksheets[0]!;
    const cells = [...accountingCells(ledgerEntries(expected, S, 51), S, 2)];
    expect(ws.rowCount).toBe(1 + cells.length);
    expect(ws.getRow(1).values).toEqual([undefined, ...CSV_HEADER]);
    cells.forEach((r, i) =>
      r.forEach((c, j) => {
        const cell = ws.getRow(i + 2).getCell(j + 1);
        if (typeof c === 'string') expect(cell.value ?? '', `row ${i + 2} col ${j + 1}`).toBe(c);
        else expect([cell.value, cell.numFmt]).toEqual([c.minor / 100, '0.00']);
      }),
    );
    // the counter carried on across the three
    expect((await ctx.c.exports.settings(tdb)).nextEntryNumber).toBe(76);
  });

  it('payroll claims the reimbursable expenses of the period into the join table, statuses unchanged', async () => {
    const { expected, tdb, actor } = await seed();
    const p = await ctx.c.exports.payroll(tdb, actor, { from: '2026-03-01', to: '2026-03-31' });
    const reimbursable = expected.filter((e) => e.reimbursable).map((e) => e.id).sort();
    expect(p.expenses).toBe(reimbursable.length);
    expect(await claimed(p.id)).toEqual(reimbursable);
    expect(await statuses(expected.map((e) => e.id))).toEqual(['verified']);
  });

  async function expectNothingLeft(tenantId: string, ids: string[]) {
    expect(await k().selectFrom('export_batch').select('id').where('tenant_id', '=', tenantId).execute()).toEqual([]);
    expect(await k().selectFrom('export_batch_expense').select('batch_id').where('tenant_id', '=', tenantId).execute()).toEqual([]);
    expect(await statuses(ids)).toEqual(['verified']);
    expect(await k().selectFrom('expense_transition').select('id').where('expense_id', 'in', ids).execute()).toEqual([]);
    expect((await k().selectFrom('accounting_settings').select('next_entry_number').where('tenant_id', '=', tenantId).executeTakeFirst())?.next_entry_number ?? 1).toBe(1);
    expect(await objectsOf(tenantId)).toEqual([]);
  }

  it('a store that fails in the middle of the file (or at once) leaves no batch, no join rows, no status change, no object', async () => {
    const { t, expected, tdb, actor } = await seed();
    const ids = expected.map((e) => e.id);
    // takes part of the file into a real object, then gives up
    const midway: ObjectStore = {
      ...ctx.c.objects,
      put: async (key, body, opts) => {
        let seen = 0;
        const cut = new Readable({ read() {} });
        cut.on('error', () => {}); // it may fail before the store has started reading it
        body.on('data', (c: Buffer) => {
          seen += c.length;
          if (seen > 2000) body.destroy(new Error('disk full'));
          else cut.push(c);
        });
        body.on('error', (e) => cut.destroy(e));
        return ctx.c.objects.put(key, cut, opts);
      },
    };
    const failing = new ExportsService({ objects: midway, clock: ctx.c.clock, audit: ctx.c.audit });
    for (const format of ['csv', 'fec', 'xlsx'] as const) {
      if (format === 'fec') await ctx.c.exports.updateSettings(tdb, actor, { siren: '732829320' });
      await expect(failing.accounting(tdb, actor, { from: '2026-03-01', to: '2026-03-31', format, pageSize: PAGE })).rejects.toThrow(/disk full/);
    }
    const atOnce = new ExportsService({ objects: { ...ctx.c.objects, put: async () => Promise.reject(new Error('store unreachable')) }, clock: ctx.c.clock, audit: ctx.c.audit });
    await expect(atOnce.accounting(tdb, actor, { from: '2026-03-01', to: '2026-03-31', format: 'csv', pageSize: PAGE })).rejects.toThrow(/store unreachable/);
    await expectNothingLeft(t.tenantId, ids);
    // positive control: the same export with the real store
    expect((await ctx.c.exports.accounting(tdb, actor, { from: '2026-03-01', to: '2026-03-31', format: 'csv', pageSize: PAGE })).expenses).toBe(25);
  });

  it('a failure after the file is stored (the audit event) removes the file and rolls everything back', async () => {
    const { t, expected, tdb, actor } = await seed();
    const audit = { record: async () => Promise.reject(new Error('audit down')) } as unknown as AuditService;
    const failing = new ExportsService({ objects: ctx.c.objects, clock: ctx.c.clock, audit });
    await expect(failing.accounting(tdb, actor, { from: '2026-03-01', to: '2026-03-31', format: 'csv', pageSize: PAGE })).rejects.toThrow(/audit down/);
    await expectNothingLeft(t.tenantId, expected.map((e) => e.id));
  });

  it('export_batch_expense is append-only: UPDATE, DELETE and TRUNCATE refused, to the service and to the owner', async () => {
    const { tdb, actor } = await seed();
    const b = await ctx.c.exports.accounting(tdb, actor, { from: '2026-03-01', to: '2026-03-31', format: 'csv' });
    await expect(k().updateTable('export_batch_expense').set({ expense_id: randomUUID() }).where('batch_id', '=', b.id).execute()).rejects.toThrow();
    await expect(k().deleteFrom('export_batch_expense').where('batch_id', '=', b.id).execute()).rejects.toThrow();
    await expect(sql`TRUNCATE export_batch_expense`.execute(k())).rejects.toThrow();
    for (const stmt of [`UPDATE export_batch_expense SET expense_id = gen_random_uuid() WHERE batch_id = '${b.id}'`, `DELETE FROM export_batch_expense WHERE batch_id = '${b.id}'`, 'TRUNCATE export_batch_expense CASCADE'])
      await expect(ctx.c.db.asOwner((o) => o.exec(stmt)), stmt).rejects.toThrow(/append-only/);
    expect(await claimed(b.id)).toHaveLength(25);
  });
});

describe('migration 014', () => {
  /** A database migrated up to 013, with two batches that still carry their ids in an array; then 014. */
  async function migrateThrough014(db: ScriptRunner) {
    const files = migrationFiles();
    for (const f of files.filter((x) => x.name < '014')) await db.exec(f.sql);
    const tenant = randomUUID();
    const [a, b] = [randomUUID(), randomUUID()];
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await db.query(`INSERT INTO tenant (id, name, plan) VALUES ($1, 'Old', 'team')`, [tenant]);
    const batch = `INSERT INTO export_batch (id, tenant_id, kind, format, period_from, period_to, filters, expense_ids, reexport, created_by, created_at, file_key, file_name, media_type, sha256, size, row_count)
                   VALUES ($1, $2, $3, 'csv', '2026-01-01', '2026-01-31', '{}', $4::uuid[], false, $2, now(), 'k', 'f.csv', 'text/csv', repeat('a', 64), 1, 1)`;
    await db.query(batch, [a, tenant, 'accounting', `{${ids.join(',')}}`]);
    await db.query(batch, [b, tenant, 'payroll', `{${ids[0]}}`]);
    await db.exec(files.find((x) => x.name.startsWith('014_'))!.sql);
    const rows = await db.query<{ batch_id: string; expense_id: string; position: number; tenant_id: string }>('SELECT batch_id, expense_id, position, tenant_id FROM export_batch_expense ORDER BY batch_id, position');
    // in each array's order (an accounting batch's was its entries')
    const want = [...ids.map((expense_id, i) => ({ batch_id: a, expense_id, position: i + 1, tenant_id: tenant })), { batch_id: b, expense_id: ids[0], position: 1, tenant_id: tenant }];
    expect(rows.map((r) => ({ ...r, position: Number(r.position) }))).toEqual(want.sort((x, y) => (x.batch_id < y.batch_id ? -1 : x.batch_id > y.batch_id ? 1 : x.position - y.position)));
    const counts = await db.query<{ id: string; expense_count: number }>('SELECT id, expense_count FROM export_batch ORDER BY id');
    expect(Object.fromEntries(counts.map((c) => [c.id, Number(c.expense_count)]))).toEqual({ [a]: 3, [b]: 1 });
    expect(await db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'export_batch' AND column_name = 'expense_ids' AND table_schema = current_schema()`)).toEqual([]);
    // the batch's guard is back on
    await expect(db.exec(`UPDATE export_batch SET row_count = 2`)).rejects.toThrow(/immutable/);
  }

  it('moves the ids of existing batches into export_batch_expense and their count onto the batch (PGlite)', async () => {
    const lite = await PGlite.create('memory://');
    try {
      await migrateThrough014({ exec: async (s) => void (await lite.exec(s)), query: async (s, p = []) => (await lite.query<any>(s, p)).rows });
    } finally {
      await lite.close();
    }
  });

  it.skipIf(!onPostgres)('the same on PostgreSQL', async () => {
    const schema = `m14_${randomUUID().slice(0, 8)}`;
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    try {
      await c.query(`CREATE SCHEMA ${schema}`);
      await c.query(`SET search_path = ${schema}`);
      await migrateThrough014({ exec: async (s) => void (await c.query(s)), query: async (s, p = []) => (await c.query(s, p)).rows });
    } finally {
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    }
  });
});
