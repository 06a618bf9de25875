// Accounting exports (R-ACC-2, R-ACC-4), free of HTTP. One export is one transaction under a
// per-Client lock: the verified expenses of the period are claimed for a new batch with one
// INSERT … SELECT (export_batch_expense, numbered in entry order), read back a page at a time,
// turned into balanced entries numbered on from the Client's counter (no gap, no repeat) and
// written as CSV, FEC or xlsx straight into the object store as they come — memory holds a page or
// two, whatever the period's size; then they move to `exported` in one statement and the immutable
// batch (who, when, filters, file SHA-256, rows) is recorded. Exported expenses are exported again
// only when asked explicitly.
import { randomUUID } from 'node:crypto';
import { PassThrough, type Writable } from 'node:stream';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, ExpenseStatus, ExportFormat, PayrollField } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import { ObjectNotFoundError, type ObjectStore, type StoredObject } from '../../../storage/objects/object-store.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import { minorDigits } from '../../lib/money.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { writeCsv, writeTo } from './csv.ts';
import { accountingCells, CSV_HEADER, fecFileName, fecHeader, fecLines, ledgerEntries, neutraliseFormula, textRows, type Cell, type LedgerEntry, type LedgerExpense, type LedgerSettings } from './ledger.ts';
import { writeXlsx } from './xlsx.ts';
import type { BundleExpense } from './receipt-bundles.ts';
import { receiptKey, renditionKey } from '../../../storage/objects/keys.ts';

export interface AccountingSettings {
  siren: string | null;
  journalCode: string;
  journalLabel: string;
  employeeAccount: string;
  cardAccount: string;
  defaultExpenseAccount: string;
  defaultVatAccount: string;
  csvDelimiter: ';' | ',' | 'tab';
  csvDecimalComma: boolean;
  csvBom: boolean;
  fecSeparator: 'tab' | 'pipe';
  nextEntryNumber: number;
  fileRetentionDays: number;
}
export interface PayrollColumns {
  columns: { field: PayrollField; header: string }[];
  perCategory: boolean;
}
/** Without a preset: one row per employee, the payroll software's usual columns. */
export const DEFAULT_PAYROLL_COLUMNS: PayrollColumns = {
  perCategory: false,
  columns: [
    { field: 'payrollId', header: 'Matricule' }, { field: 'employeeName', header: 'Salarié' }, { field: 'periodFrom', header: 'Début' }, { field: 'periodTo', header: 'Fin' },
    { field: 'expenses', header: 'Nombre de dépenses' }, { field: 'amount', header: 'Montant à rembourser' }, { field: 'currency', header: 'Devise' },
  ],
};

export type AccountingSettingsPatch = Partial<Omit<AccountingSettings, 'nextEntryNumber'>>;

const COLUMNS = {
  siren: 'siren', journalCode: 'journal_code', journalLabel: 'journal_label', employeeAccount: 'employee_account', cardAccount: 'card_account',
  defaultExpenseAccount: 'default_expense_account', defaultVatAccount: 'default_vat_account', csvDelimiter: 'csv_delimiter', csvDecimalComma: 'csv_decimal_comma',
  csvBom: 'csv_bom', fecSeparator: 'fec_separator', fileRetentionDays: 'file_retention_days',
} as const satisfies Record<keyof AccountingSettingsPatch, string>;

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Expenses read per query while an accounting file is written: what an export holds in memory. */
const PAGE_SIZE = 2000;

/** A batch to record, once its file is stored. */
interface NewBatch {
  kind: 'accounting' | 'payroll';
  format: ExportFormat;
  from: string;
  to: string;
  filters: Record<string, unknown>;
  reexport: boolean;
  /** How many expenses were claimed for it (rows of export_batch_expense). */
  expenses: number;
  rows: number;
  entryFrom: number | null;
  entryTo: number | null;
  fileName: string;
}

/** A batch in the making, inside its transaction: its id first (expenses are claimed under it), then its file, then its record. */
interface BatchInMaking {
  id: string;
  /** Streams the file into the object store while `write` produces it (the store hashes it on the way). */
  writeFile(type: string, write: (out: Writable) => Promise<void>): Promise<void>;
  /** The immutable record of the stored file, and its audit event. */
  record(b: NewBatch): Promise<ExportBatchView>;
}

/** Where an export's file is kept: apart from receipts (whose cleanup walks `<client>/`). */
const exportKey = (tenantId: string, batchId: string) => `exports/${tenantId}/${batchId}`;

type BatchRow = DB['export_batch'] extends infer T ? { [K in keyof T]: any } : never;
const batchView = (b: BatchRow) => ({
  id: b.id as string, kind: b.kind as 'accounting' | 'payroll', format: b.format as ExportFormat, periodFrom: b.period_from as string, periodTo: b.period_to as string,
  filters: b.filters as Record<string, unknown>, expenses: b.expense_count as number, reexport: b.reexport as boolean, createdBy: b.created_by as string,
  createdAt: new Date(b.created_at).toISOString(), fileName: b.file_name as string, mediaType: b.media_type as string, sha256: b.sha256 as string, size: Number(b.size),
  rows: b.row_count as number, entryFrom: b.entry_from === null ? null : Number(b.entry_from), entryTo: b.entry_to === null ? null : Number(b.entry_to),
  fileKept: b.file_deleted_at === null,
});
export type ExportBatchView = ReturnType<typeof batchView>;

/** Which expenses of the Client a claim takes. */
interface ClaimFilter {
  statuses: ExpenseStatus[];
  from: string;
  to: string;
  /** Only those paid personally (payroll). */
  reimbursable?: true;
}

/** Pages of an async sequence, each turned into something else as it comes. */
async function* mapPages<A, B>(pages: AsyncIterable<A>, f: (page: A) => B): AsyncGenerator<B> {
  for await (const p of pages) yield f(p);
}

/**
 * Streams what `write` produces into the object store as it goes: the store reads, hashes and
 * writes while `write` waits for it (backpressure), so memory holds about one buffer whatever the
 * file's size. If either side fails, both stop; the error thrown is the first cause.
 */
async function streamInto(objects: ObjectStore, key: string, contentType: string, write: (out: Writable) => Promise<void>): Promise<StoredObject> {
  const body = new PassThrough({ highWaterMark: 1 << 20 });
  body.on('error', () => {}); // seen through the promises below, never an unhandled 'error' event
  const storing = objects.put(key, body, { contentType });
  // a store that gives up stops the writer, which would otherwise wait for a drain that never comes
  storing.catch((e: unknown) => body.destroy(e instanceof Error ? e : new Error(String(e))));
  try {
    await write(body);
    if (!body.writableEnded) body.end();
  } catch (err) {
    body.destroy(err as Error);
    await storing.catch(() => {});
    throw err;
  }
  return storing;
}

export class ExportsService {
  constructor(private readonly d: { objects: ObjectStore; clock: Clock; audit: AuditService }) {}

  async settings(tdb: TenantDb): Promise<AccountingSettings> {
    const r = await tdb.selectFrom('accounting_settings').selectAll().executeTakeFirst();
    if (!r) {
      await tdb.insertInto('accounting_settings', { updated_at: this.d.clock.now() }).onConflict((oc) => oc.column('tenant_id').doNothing()).execute();
      return this.settings(tdb);
    }
    return {
      siren: r.siren, journalCode: r.journal_code, journalLabel: r.journal_label, employeeAccount: r.employee_account, cardAccount: r.card_account,
      defaultExpenseAccount: r.default_expense_account, defaultVatAccount: r.default_vat_account, csvDelimiter: r.csv_delimiter, csvDecimalComma: r.csv_decimal_comma,
      csvBom: r.csv_bom, fecSeparator: r.fec_separator, nextEntryNumber: Number(r.next_entry_number), fileRetentionDays: r.file_retention_days,
    };
  }

  async updateSettings(tdb: TenantDb, actor: AuditActor, patch: AccountingSettingsPatch): Promise<AccountingSettings> {
    return tdb.transaction(async (tx) => {
      await this.settings(tx);
      const set = Object.fromEntries(Object.entries(patch).map(([k, v]) => [COLUMNS[k as keyof typeof COLUMNS], v]));
      await tx.updateTable('accounting_settings').set({ ...set, updated_at: this.d.clock.now() }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'accounting.settings_updated', tenantId: tx.tenantId, target: { type: 'tenant', id: tx.tenantId }, data: { fields: Object.keys(patch).sort() } });
      return this.settings(tx);
    });
  }

  /**
   * Claims for batch `batchId` every expense of the Client that `filter` selects, numbered in the
   * order of their entries, in one INSERT … SELECT (nothing travels through this process); returns
   * how many.
   */
  private async claim(tx: TenantDb, batchId: string, f: ClaimFilter): Promise<number> {
    const r = await tx.raw
      .insertInto('export_batch_expense')
      .columns(['tenant_id', 'batch_id', 'expense_id', 'position'])
      .expression((eb) =>
        eb
          .selectFrom('expense as e')
          .select(['e.tenant_id', sql<string>`${batchId}::uuid`.as('batch_id'), 'e.id', sql<number>`row_number() OVER (ORDER BY e.expense_date, e.id)`.as('position')])
          .where('e.tenant_id', '=', tx.tenantId)
          .where('e.status', 'in', f.statuses)
          .where('e.expense_date', '>=', f.from)
          .where('e.expense_date', '<=', f.to)
          .$if(!!f.reimbursable, (q) => q.where('e.reimbursable', '=', true)),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n);
  }

  /**
   * The batch's expenses at positions from+1 … from+count, in the order of their entries. Positions
   * are dense (1…n), so a page is a range of the (batch_id, position) index and each expense is then
   * found by its key: every page costs its own size, never the batch's, whatever the planner
   * believes of a batch it has no statistics for (a LIMIT over "the rest of the batch" let it scan
   * and sort the whole rest, each page).
   */
  private async ledgerPage(tx: TenantDb, batchId: string, from: number, count: number): Promise<LedgerExpense[]> {
    const rows = await tx.raw
      .selectFrom('export_batch_expense as x')
      .innerJoin('expense as e', 'e.id', 'x.expense_id')
      .innerJoin('category as c', 'c.id', 'e.category_id')
      .innerJoin('app_user as u', 'u.id', 'e.user_id')
      .select([
        'e.id', 'e.expense_date', 'e.merchant', 'e.converted_minor', 'e.client_currency', 'e.amount_minor', 'e.currency', 'e.reimbursable', 'e.user_id',
        'c.name as category_name', 'u.name as user_name', 'u.accounting_aux',
        (eb) => eb.selectFrom('expense_vat_line as v').select((s) => s.fn.coalesce(s.fn.sum<number>('v.vat_minor'), s.lit(0)).as('t')).whereRef('v.expense_id', '=', 'e.id').as('vat_minor'),
        (eb) => eb.selectFrom('vat_rule as r').select(sql<string>`json_build_object('recoverableBp', r.recoverable_bp, 'expenseAccount', r.expense_account, 'vatAccount', r.vat_account)::text`.as('x'))
          .whereRef('r.tenant_id', '=', 'e.tenant_id').whereRef('r.category_id', '=', 'e.category_id').whereRef('r.effective_from', '<=', 'e.expense_date').orderBy('r.effective_from', 'desc').limit(1).as('rule'),
        (eb) => eb.selectFrom('vault_deposit as d').select(sql<string>`string_agg(d.id::text, ' ' ORDER BY d.deposited_at)`.as('x')).whereRef('d.expense_id', '=', 'e.id').whereRef('d.tenant_id', '=', 'e.tenant_id').as('deposits'),
      ])
      // the batch is this Client's (made in this transaction); the tenant wall is on the expenses
      .where('x.batch_id', '=', batchId)
      .where('x.position', '>', from)
      .where('x.position', '<=', from + count)
      .where('e.tenant_id', '=', tx.tenantId)
      .orderBy('x.position')
      .execute();
    return rows.map((r) => ({
      id: r.id, date: r.expense_date, merchant: r.merchant, categoryName: r.category_name, totalMinor: Number(r.converted_minor), clientCurrency: r.client_currency,
      paid: { amountMinor: Number(r.amount_minor), currency: r.currency }, vatMinor: Number(r.vat_minor ?? 0), reimbursable: r.reimbursable,
      employee: { id: r.user_id, name: r.user_name, auxAccount: r.accounting_aux ?? null }, rule: r.rule ? JSON.parse(r.rule) : null,
      depositIds: r.deposits ? String(r.deposits).split(' ') : [],
    }));
  }

  /**
   * The `total` expenses of a batch, a page at a time, in the order of their entries. The next page
   * is asked for before this one is handed out: the database reads it while this one is written.
   */
  private async *ledgerPages(tx: TenantDb, batchId: string, total: number, pageSize: number): AsyncGenerator<LedgerExpense[]> {
    const read = (from: number) => {
      if (from >= total) return null;
      const p = this.ledgerPage(tx, batchId, from, Math.min(pageSize, total - from));
      p.catch(() => {}); // awaited below; never an unhandled rejection if the writer stops first
      return p;
    };
    let next = read(0);
    try {
      for (let from = 0; next; from += pageSize) {
        const page = await next;
        next = read(from + pageSize);
        yield page;
      }
    } finally {
      await next?.catch(() => {}); // no query left running on the transaction's connection
    }
  }

  /**
   * Exports the period's verified expenses as accounting entries (CSV, FEC or xlsx), streamed into
   * the object store. `pageSize`: expenses read per query (tests make it small to cross pages).
   */
  async accounting(tdb: TenantDb, actor: AuditActor, o: { from: string; to: string; format: ExportFormat; reexport?: boolean; pageSize?: number }): Promise<ExportBatchView> {
    if (o.to < o.from) throw new AppError('validation', 'The period ends before it starts', { errors: [{ path: 'to', message: 'before from' }] });
    const reexport = !!o.reexport;
    return this.withBatchFile(tdb, actor, async (tx, batch) => {
      // one export of a Client at a time: numbers follow on, and no expense goes into two batches
      await advisoryXactLock(tx.raw as Transaction<DB>, `exports:${tx.tenantId}`);
      const s = await this.settings(tx);
      if (o.format === 'fec' && !s.siren) throw new AppError('siren-required', 'The FEC is named after the Client\u2019s SIREN: set it in the accounting settings first');
      const expenses = await this.claim(tx, batch.id, { statuses: reexport ? ['verified', 'exported'] : ['verified'], from: o.from, to: o.to });
      if (!expenses) throw new AppError('nothing-to-export', reexport ? 'No verified or exported expense in this period' : 'No verified expense to export in this period (exported ones are exported again only on request)');
      const ledger: LedgerSettings = {
        journalCode: s.journalCode, journalLabel: s.journalLabel, employeeAccount: s.employeeAccount, employeeAccountLabel: 'Personnel - rémunérations dues',
        cardAccount: s.cardAccount, cardAccountLabel: 'Carte entreprise - à régulariser', defaultExpenseAccount: s.defaultExpenseAccount, defaultVatAccount: s.defaultVatAccount,
      };
      const now = this.d.clock.now();
      const first = s.nextEntryNumber;
      let next = first;
      let rows = 0;
      let digits: number | undefined; // of the Client's currency, from the first expense
      const pages = this.ledgerPages(tx, batch.id, expenses, o.pageSize ?? PAGE_SIZE);
      const entryPages = mapPages(pages, (page): LedgerEntry[] => {
        digits ??= minorDigits(page[0]!.clientCurrency);
        const entries = ledgerEntries(page, ledger, next);
        next += entries.length;
        for (const e of entries) rows += e.lines.length;
        return entries;
      });
      const name = `ecritures-${o.from}-${o.to}`;
      const separator = s.fecSeparator === 'tab' ? '\t' : '|';
      const file =
        o.format === 'fec'
          ? {
              name: fecFileName(s.siren!, o.to), type: 'text/plain; charset=utf-8',
              write: async (out: Writable) => {
                await writeTo(out, fecHeader(separator));
                for await (const entries of entryPages) await writeTo(out, [...fecLines(entries, ledger, { separator, validatedOn: now.toISOString(), digits })].join(''));
              },
            }
          : o.format === 'xlsx'
            ? { name: `${name}.xlsx`, type: XLSX, write: (out: Writable) => writeXlsx(out, 'Écritures', CSV_HEADER, mapPages(entryPages, (entries) => accountingCells(entries, ledger, digits))) }
            : { name: `${name}.csv`, type: 'text/csv; charset=utf-8', write: (out: Writable) => writeCsv(out, CSV_HEADER, mapPages(entryPages, (entries) => textRows(accountingCells(entries, ledger, digits), { decimalComma: s.csvDecimalComma })), this.csvOptions(s)) };
      await batch.writeFile(file.type, file.write);
      if (next - first !== expenses) throw new Error(`export ${batch.id}: ${expenses} expenses claimed, ${next - first} entries written`);
      await tx.updateTable('accounting_settings').set({ next_entry_number: next, updated_at: now }).execute();
      // verified → exported and their history, set-based; exported ones (a re-export) stay exported
      await sql`
        WITH moved AS (
          UPDATE expense e SET status = 'exported', version = e.version + 1, updated_at = ${now}::timestamptz
           WHERE e.tenant_id = ${tx.tenantId}::uuid AND e.status = 'verified'
             AND e.id IN (SELECT x.expense_id FROM export_batch_expense x WHERE x.batch_id = ${batch.id}::uuid)
          RETURNING e.id)
        INSERT INTO expense_transition (tenant_id, expense_id, from_status, to_status, actor_id, on_behalf_of, comment, occurred_at)
        SELECT ${tx.tenantId}::uuid, moved.id, 'verified', 'exported', ${actor.userId ?? null}::uuid, NULL, ${`export ${batch.id}`}::text, ${now}::timestamptz FROM moved`.execute(tx.raw);
      return batch.record({
        kind: 'accounting', format: o.format, from: o.from, to: o.to, filters: { from: o.from, to: o.to, format: o.format, reexport }, reexport,
        expenses, rows, entryFrom: first, entryTo: next - 1, fileName: file.name,
      });
    });
  }

  // ————— payroll (R-ACC-3)

  async presets(tdb: TenantDb) {
    const rows = await tdb.selectFrom('payroll_preset').selectAll().orderBy('name').execute();
    return { items: rows.map((r) => ({ id: r.id, name: r.name, columns: r.columns, perCategory: r.per_category, createdAt: r.created_at.toISOString() })) };
  }

  async savePreset(tdb: TenantDb, actor: AuditActor, p: { name: string } & PayrollColumns) {
    return tdb.transaction(async (tx) => {
      const now = this.d.clock.now();
      const existing = await tx.selectFrom('payroll_preset').select('id').where('name', '=', p.name).executeTakeFirst();
      const id = existing?.id ?? randomUUID();
      if (existing) await tx.updateTable('payroll_preset').set({ columns: JSON.stringify(p.columns), per_category: p.perCategory }).where('id', '=', id).execute();
      else await tx.insertInto('payroll_preset', { id, name: p.name, columns: JSON.stringify(p.columns), per_category: p.perCategory, created_by: actor.userId!, created_at: now }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'payroll_preset.saved', tenantId: tx.tenantId, target: { type: 'payroll_preset', id }, data: { columns: p.columns.map((c) => c.field), perCategory: p.perCategory } });
      return { id };
    });
  }

  async deletePreset(tdb: TenantDb, actor: AuditActor, id: string) {
    await tdb.transaction(async (tx) => {
      const r = await tx.deleteFrom('payroll_preset').where('id', '=', id).returning('id').executeTakeFirst();
      if (!r) throw new AppError('not-found', 'No such preset');
      await this.d.audit.record(tx.raw, actor, { type: 'payroll_preset.deleted', tenantId: tx.tenantId, target: { type: 'payroll_preset', id }, data: {} });
    });
  }

  /**
   * Per employee (and category, if asked) and period: the reimbursable total of the expenses
   * verified or exported and not yet reimbursed, with the employee's payroll id — a CSV in the
   * columns of a preset (or the default ones). Recorded as a batch; statuses do not change (the
   * accounting export moves expenses; reimbursement, by SEPA, marks them reimbursed).
   */
  async payroll(tdb: TenantDb, actor: AuditActor, o: { from: string; to: string; presetId?: string; format?: 'csv' | 'xlsx' } & Partial<PayrollColumns>): Promise<ExportBatchView> {
    if (o.to < o.from) throw new AppError('validation', 'The period ends before it starts', { errors: [{ path: 'to', message: 'before from' }] });
    let cols: PayrollColumns = DEFAULT_PAYROLL_COLUMNS;
    if (o.presetId) {
      const p = await tdb.selectFrom('payroll_preset').selectAll().where('id', '=', o.presetId).executeTakeFirst();
      if (!p) throw new AppError('not-found', 'No such preset');
      cols = { columns: p.columns, perCategory: p.per_category };
    } else if (o.columns) cols = { columns: o.columns, perCategory: o.perCategory ?? false };
    const format = o.format ?? 'csv';
    return this.withBatchFile(tdb, actor, async (tx, batch) => {
      const s = await this.settings(tx);
      const expenses = await this.claim(tx, batch.id, { statuses: ['verified', 'exported'], from: o.from, to: o.to, reimbursable: true });
      if (!expenses) throw new AppError('nothing-to-export', 'No reimbursable verified or exported expense in this period');
      // the totals of exactly the expenses claimed
      const rows = await tx.raw
        .selectFrom('export_batch_expense as x')
        .innerJoin('expense as e', 'e.id', 'x.expense_id')
        .innerJoin('app_user as u', 'u.id', 'e.user_id')
        .innerJoin('category as c', 'c.id', 'e.category_id')
        .select(['u.id as user_id', 'u.name', 'u.email', 'u.payroll_id', 'e.client_currency', ...(cols.perCategory ? ['c.name as category' as const] : [])])
        .select((eb) => [eb.fn.sum<number>('e.converted_minor').as('total'), eb.fn.count<number>('e.id').as('n')])
        .where('x.tenant_id', '=', tx.tenantId)
        .where('x.batch_id', '=', batch.id)
        .groupBy(['u.id', 'u.name', 'u.email', 'u.payroll_id', 'e.client_currency', ...(cols.perCategory ? ['c.name' as const] : [])])
        .orderBy('u.name')
        .execute();
      const value = (r: (typeof rows)[number], f: PayrollField): Cell => {
        const v: Record<PayrollField, () => Cell> = {
          payrollId: () => r.payroll_id ?? '', employeeName: () => r.name, email: () => r.email, periodFrom: () => o.from, periodTo: () => o.to,
          category: () => String((r as { category?: string }).category ?? ''), expenses: () => String(r.n), amount: () => ({ minor: Number(r.total), digits: minorDigits(r.client_currency) }), currency: () => r.client_currency,
        };
        const x = v[f]();
        return typeof x === 'string' && f !== 'expenses' ? neutraliseFormula(x) : x;
      };
      const header = cols.columns.map((c) => c.header);
      const cells = rows.map((r) => cols.columns.map((c) => value(r, c.field)));
      await batch.writeFile(format === 'xlsx' ? XLSX : 'text/csv; charset=utf-8', (out) =>
        format === 'xlsx' ? writeXlsx(out, 'Paie', header, [cells]) : writeCsv(out, header.map(neutraliseFormula), [textRows(cells, { decimalComma: s.csvDecimalComma })], this.csvOptions(s)));
      return batch.record({
        kind: 'payroll', format, from: o.from, to: o.to, reexport: false, entryFrom: null, entryTo: null, filters: { from: o.from, to: o.to, presetId: o.presetId ?? null, columns: cols.columns.map((c) => c.field), perCategory: cols.perCategory, format },
        expenses, rows: rows.length, fileName: `paie-${o.from}-${o.to}.${format}`,
      });
    });
  }

  /**
   * Runs `fn` in one transaction with a batch in the making: `writeFile` streams its file into the
   * object store, `record` writes the immutable batch (and its audit event) in that transaction. A
   * file whose transaction fails — while it is written or afterwards — is removed: no file without
   * its record.
   */
  private async withBatchFile<T>(tdb: TenantDb, actor: AuditActor, fn: (tx: TenantDb, batch: BatchInMaking) => Promise<T>): Promise<T> {
    const id = randomUUID();
    const key = exportKey(tdb.tenantId, id);
    let stored: (StoredObject & { type: string }) | null = null;
    let writing = false;
    try {
      return await tdb.transaction((tx) =>
        fn(tx, {
          id,
          writeFile: async (type, write) => {
            if (writing) throw new Error('a batch has one file');
            writing = true;
            stored = { ...(await streamInto(this.d.objects, key, type, write)), type };
          },
          record: async (b) => {
            if (!stored) throw new Error('a batch is recorded once its file is stored');
            const { sha256, size, type } = stored;
            await tx.insertInto('export_batch', {
              id, kind: b.kind, format: b.format, period_from: b.from, period_to: b.to, filters: JSON.stringify(b.filters), expense_count: b.expenses, reexport: b.reexport, created_by: actor.userId!,
              created_at: this.d.clock.now(), file_key: key, file_name: b.fileName, media_type: type, sha256, size, row_count: b.rows, entry_from: b.entryFrom, entry_to: b.entryTo,
            }).execute();
            await this.d.audit.record(tx.raw, actor, { type: 'export.created', tenantId: tx.tenantId, target: { type: 'export_batch', id }, data: { kind: b.kind, format: b.format, expenses: b.expenses, rows: b.rows, sha256, reexport: b.reexport } });
            return this.get(tx, id);
          },
        }),
      );
    } catch (err) {
      if (writing) await this.d.objects.delete(key).catch(() => {});
      throw err;
    }
  }

  /** The selected expenses (never drafts: they are their owners' alone) with their receipts, for a PDF or ZIP bundle. */
  async bundle(tdb: TenantDb, actor: AuditActor, ids: string[], format: 'pdf' | 'zip'): Promise<BundleExpense[]> {
    const rows = await tdb.raw
      .selectFrom('expense as e')
      .innerJoin('app_user as u', 'u.id', 'e.user_id')
      .select(['e.id', 'e.expense_date', 'e.merchant', 'e.converted_minor', 'e.client_currency', 'e.status', 'u.name'])
      .where('e.tenant_id', '=', tdb.tenantId)
      .where('e.id', 'in', ids)
      .where('e.status', '<>', 'draft')
      .orderBy('e.expense_date')
      .orderBy('e.id')
      .execute();
    const found = new Set(rows.map((r) => r.id));
    const unknown = ids.filter((id) => !found.has(id));
    if (unknown.length) throw new AppError('not-found', `No such submitted expense: ${unknown.join(', ')}`);
    const receipts = await tdb.raw
      .selectFrom('receipt as r')
      .innerJoin('receipt_blob as b', (j) => j.onRef('b.tenant_id', '=', 'r.tenant_id').onRef('b.sha256', '=', 'r.sha256'))
      .leftJoin('receipt_rendition as n', (j) => j.onRef('n.tenant_id', '=', 'r.tenant_id').onRef('n.original_sha256', '=', 'r.sha256').on('n.name', '=', 'normalized'))
      .select(['r.expense_id', 'r.sha256', 'r.original_name', 'b.media_type', 'n.name as rendition'])
      .where('r.tenant_id', '=', tdb.tenantId)
      .where('r.expense_id', 'in', ids)
      .orderBy('r.created_at')
      .execute();
    const t = tdb.tenantId;
    await this.d.audit.record(tdb.raw, actor, { type: 'export.receipts', tenantId: t, target: { type: 'tenant', id: t }, data: { format, expenses: rows.length, receipts: receipts.length } });
    return rows.map((e) => ({
      id: e.id, date: e.expense_date, merchant: e.merchant, amountMinor: Number(e.converted_minor), currency: e.client_currency, status: e.status, employee: e.name,
      receipts: receipts.filter((r) => r.expense_id === e.id).map((r) => ({
        name: r.original_name, mediaType: r.media_type,
        open: () => this.d.objects.get(receiptKey(t, r.sha256)),
        rendition: r.rendition ? () => this.d.objects.get(renditionKey(t, r.sha256, 'normalized')) : null,
      })),
    }));
  }

  private csvOptions(s: AccountingSettings) {
    return { delimiter: s.csvDelimiter === 'tab' ? '\t' : s.csvDelimiter, bom: s.csvBom };
  }

  async list(tdb: TenantDb) {
    return { items: (await tdb.selectFrom('export_batch').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(200).execute()).map((b) => batchView(b as BatchRow)) };
  }

  async get(tdb: TenantDb, id: string): Promise<ExportBatchView> {
    const b = await tdb.selectFrom('export_batch').selectAll().where('id', '=', id).executeTakeFirst();
    if (!b) throw new AppError('not-found', 'No such export');
    return batchView(b as BatchRow);
  }

  /**
   * A batch's expenses, a page at a time, in the order of their entries (for an accounting batch,
   * the entry number of the expense at `position` is entryFrom + position - 1); `cursor`: the last
   * position of the previous page.
   */
  async batchExpenses(tdb: TenantDb, id: string, o: { cursor?: number; limit: number }) {
    const b = await this.get(tdb, id);
    const from = o.cursor ?? 0;
    const rows = await tdb
      .selectFrom('export_batch_expense')
      .select(['expense_id', 'position'])
      .where('batch_id', '=', id)
      .where('position', '>', from)
      .where('position', '<=', from + o.limit) // positions are dense: a page is a range
      .orderBy('position')
      .execute();
    return { items: rows.map((r) => ({ id: r.expense_id, position: r.position })), nextCursor: from + o.limit < b.expenses ? String(from + o.limit) : null };
  }

  /**
   * Removes the files of batches older than their Client's retention (the daily schedule); each
   * batch's record and SHA-256 stay. `now` for tests. Returns how many files were removed.
   */
  async removeExpiredFiles(db: Kysely<DB>, now = this.d.clock.now()): Promise<number> {
    const due = await db
      .selectFrom('export_batch as b')
      .leftJoin('accounting_settings as s', 's.tenant_id', 'b.tenant_id')
      .select(['b.id', 'b.file_key'])
      .where('b.file_deleted_at', 'is', null)
      .where(sql<boolean>`b.created_at < ${now}::timestamptz - make_interval(days => coalesce(s.file_retention_days, 365))`)
      .execute();
    for (const b of due) {
      await this.d.objects.delete(b.file_key);
      await db.updateTable('export_batch').set({ file_deleted_at: now }).where('id', '=', b.id).where('file_deleted_at', 'is', null).execute();
    }
    return due.length;
  }

  /** The batch's file, the same bytes as when it was made, while it is kept. */
  async open(tdb: TenantDb, id: string) {
    const b = await this.get(tdb, id);
    if (!b.fileKept) throw new AppError('gone', 'This export\u2019s file was removed at the end of its retention; its record and SHA-256 remain');
    try {
      return { batch: b, body: await this.d.objects.get(exportKey(tdb.tenantId, id)) };
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw new AppError('gone', 'This export\u2019s file is no longer in the store');
      throw err;
    }
  }
}
