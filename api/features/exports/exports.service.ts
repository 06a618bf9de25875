// Accounting exports (R-ACC-2, R-ACC-4), free of HTTP. One export is one transaction under a
// per-Client lock: the verified expenses of the period are read, turned into balanced entries
// numbered on from the Client's counter (no gap, no repeat), written as CSV or FEC into the object
// store, recorded as an immutable batch (who, when, filters, expense ids, file SHA-256, rows) and
// moved to `exported`. Exported expenses are exported again only when asked explicitly.
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, ExportFormat, PayrollField } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import { ObjectNotFoundError, type ObjectStore } from '../../../storage/objects/object-store.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import { minorDigits } from '../../lib/money.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { csvText } from './csv.ts';
import { accountingCells, CSV_HEADER, fecFileName, fecText, ledgerEntries, neutraliseFormula, textRows, type Cell, type LedgerExpense, type LedgerSettings } from './ledger.ts';
import { xlsxBuffer } from './xlsx.ts';
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

/** A batch to record: what was exported, and the file's bytes. */
interface NewBatch {
  kind: 'accounting' | 'payroll';
  format: ExportFormat;
  from: string;
  to: string;
  filters: Record<string, unknown>;
  ids: string[];
  reexport: boolean;
  rows: number;
  entryFrom: number | null;
  entryTo: number | null;
  fileName: string;
  type: string;
  bytes: Buffer;
}

/** Where an export's file is kept: apart from receipts (whose cleanup walks `<client>/`). */
const exportKey = (tenantId: string, batchId: string) => `exports/${tenantId}/${batchId}`;

type BatchRow = DB['export_batch'] extends infer T ? { [K in keyof T]: any } : never;
const batchView = (b: BatchRow) => ({
  id: b.id as string, kind: b.kind as 'accounting' | 'payroll', format: b.format as ExportFormat, periodFrom: b.period_from as string, periodTo: b.period_to as string,
  filters: b.filters as Record<string, unknown>, expenseIds: b.expense_ids as string[], reexport: b.reexport as boolean, createdBy: b.created_by as string,
  createdAt: new Date(b.created_at).toISOString(), fileName: b.file_name as string, mediaType: b.media_type as string, sha256: b.sha256 as string, size: Number(b.size),
  rows: b.row_count as number, entryFrom: b.entry_from === null ? null : Number(b.entry_from), entryTo: b.entry_to === null ? null : Number(b.entry_to),
  fileKept: b.file_deleted_at === null,
});
export type ExportBatchView = ReturnType<typeof batchView>;

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

  /** The expenses an accounting export of the period takes (verified; with `reexport`, exported ones too), oldest first. */
  private async ledgerExpenses(tx: TenantDb, o: { from: string; to: string; reexport: boolean }): Promise<LedgerExpense[]> {
    const rows = await tx.raw
      .selectFrom('expense as e')
      .innerJoin('category as c', 'c.id', 'e.category_id')
      .innerJoin('app_user as u', 'u.id', 'e.user_id')
      .select([
        'e.id', 'e.expense_date', 'e.merchant', 'e.converted_minor', 'e.client_currency', 'e.amount_minor', 'e.currency', 'e.reimbursable', 'e.user_id',
        'c.name as category_name', 'u.name as user_name', 'u.accounting_aux',
        (eb) => eb.selectFrom('expense_vat_line as v').select((s) => s.fn.coalesce(s.fn.sum<number>('v.vat_minor'), s.lit(0)).as('t')).whereRef('v.expense_id', '=', 'e.id').as('vat_minor'),
        (eb) => eb.selectFrom('vat_rule as r').select(sql<string>`json_build_object('recoverableBp', r.recoverable_bp, 'expenseAccount', r.expense_account, 'vatAccount', r.vat_account)::text`.as('x'))
          .whereRef('r.category_id', '=', 'e.category_id').whereRef('r.effective_from', '<=', 'e.expense_date').orderBy('r.effective_from', 'desc').limit(1).as('rule'),
        (eb) => eb.selectFrom('vault_deposit as d').select(sql<string>`string_agg(d.id::text, ' ' ORDER BY d.deposited_at)`.as('x')).whereRef('d.expense_id', '=', 'e.id').whereRef('d.tenant_id', '=', 'e.tenant_id').as('deposits'),
      ])
      .where('e.tenant_id', '=', tx.tenantId)
      .where('e.status', 'in', o.reexport ? ['verified', 'exported'] : ['verified'])
      .where('e.expense_date', '>=', o.from)
      .where('e.expense_date', '<=', o.to)
      .orderBy('e.expense_date')
      .orderBy('e.id')
      .execute();
    return rows.map((r) => ({
      id: r.id, date: r.expense_date, merchant: r.merchant, categoryName: r.category_name, totalMinor: Number(r.converted_minor), clientCurrency: r.client_currency,
      paid: { amountMinor: Number(r.amount_minor), currency: r.currency }, vatMinor: Number(r.vat_minor ?? 0), reimbursable: r.reimbursable,
      employee: { id: r.user_id, name: r.user_name, auxAccount: r.accounting_aux ?? null }, rule: r.rule ? JSON.parse(r.rule) : null,
      depositIds: r.deposits ? String(r.deposits).split(' ') : [],
    }));
  }

  /** Exports the period's verified expenses as accounting entries (CSV or FEC). */
  async accounting(tdb: TenantDb, actor: AuditActor, o: { from: string; to: string; format: ExportFormat; reexport?: boolean }): Promise<ExportBatchView> {
    if (o.to < o.from) throw new AppError('validation', 'The period ends before it starts', { errors: [{ path: 'to', message: 'before from' }] });
    return this.withBatchFile(tdb, actor, async (tx, store) => {
      // one export of a Client at a time: numbers follow on, and no expense goes into two batches
      await advisoryXactLock(tx.raw as Transaction<DB>, `exports:${tx.tenantId}`);
      const s = await this.settings(tx);
      if (o.format === 'fec' && !s.siren) throw new AppError('siren-required', 'The FEC is named after the Client\u2019s SIREN: set it in the accounting settings first');
      const expenses = await this.ledgerExpenses(tx, { from: o.from, to: o.to, reexport: !!o.reexport });
      if (!expenses.length) throw new AppError('nothing-to-export', o.reexport ? 'No verified or exported expense in this period' : 'No verified expense to export in this period (exported ones are exported again only on request)');
      const ledger: LedgerSettings = {
        journalCode: s.journalCode, journalLabel: s.journalLabel, employeeAccount: s.employeeAccount, employeeAccountLabel: 'Personnel - rémunérations dues',
        cardAccount: s.cardAccount, cardAccountLabel: 'Carte entreprise - à régulariser', defaultExpenseAccount: s.defaultExpenseAccount, defaultVatAccount: s.defaultVatAccount,
      };
      const entries = ledgerEntries(expenses, ledger, s.nextEntryNumber);
      const digits = minorDigits(expenses[0]!.clientCurrency);
      const now = this.d.clock.now();
      const name = `ecritures-${o.from}-${o.to}`;
      const file =
        o.format === 'fec'
          ? { name: fecFileName(s.siren!, o.to), type: 'text/plain; charset=utf-8', bytes: Buffer.from(fecText(entries, ledger, { separator: s.fecSeparator === 'tab' ? '\t' : '|', validatedOn: now.toISOString(), digits }), 'utf8') }
          : o.format === 'xlsx'
            ? { name: `${name}.xlsx`, type: XLSX, bytes: await xlsxBuffer('Écritures', CSV_HEADER, accountingCells(entries, ledger, digits)) }
            : { name: `${name}.csv`, type: 'text/csv; charset=utf-8', bytes: Buffer.from(csvText(CSV_HEADER, textRows(accountingCells(entries, ledger, digits), { decimalComma: s.csvDecimalComma }), this.csvOptions(s)), 'utf8') };
      const ids = expenses.map((e) => e.id);
      const batch = await store({
        kind: 'accounting', format: o.format, from: o.from, to: o.to, filters: { from: o.from, to: o.to, format: o.format, reexport: !!o.reexport }, ids, reexport: !!o.reexport,
        rows: entries.reduce((n, e) => n + e.lines.length, 0), entryFrom: entries[0]!.number, entryTo: entries.at(-1)!.number, fileName: file.name, type: file.type, bytes: file.bytes,
      });
      await tx.updateTable('accounting_settings').set({ next_entry_number: entries.at(-1)!.number + 1, updated_at: now }).execute();
      // verified → exported, set-based; exported ones (a re-export) stay exported
      const moved = await tx.updateTable('expense').set((eb) => ({ status: 'exported', version: eb('version', '+', 1), updated_at: now })).where('id', 'in', ids).where('status', '=', 'verified').returning('id').execute();
      if (moved.length) await tx.insertInto('expense_transition', moved.map((m) => ({ expense_id: m.id, from_status: 'verified' as const, to_status: 'exported' as const, actor_id: actor.userId, on_behalf_of: null, comment: `export ${batch.id}`, occurred_at: now }))).execute();
      return batch;
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
    const s = await this.settings(tdb);
    const rows = await tdb.raw
      .selectFrom('expense as e')
      .innerJoin('app_user as u', 'u.id', 'e.user_id')
      .innerJoin('category as c', 'c.id', 'e.category_id')
      .select(['u.id as user_id', 'u.name', 'u.email', 'u.payroll_id', 'e.client_currency', ...(cols.perCategory ? ['c.name as category' as const] : [])])
      .select((eb) => [eb.fn.sum<number>('e.converted_minor').as('total'), eb.fn.count<number>('e.id').as('n'), sql<string[]>`array_agg(e.id ORDER BY e.id)`.as('ids')])
      .where('e.tenant_id', '=', tdb.tenantId)
      .where('e.reimbursable', '=', true)
      .where('e.status', 'in', ['verified', 'exported'])
      .where('e.expense_date', '>=', o.from)
      .where('e.expense_date', '<=', o.to)
      .groupBy(['u.id', 'u.name', 'u.email', 'u.payroll_id', 'e.client_currency', ...(cols.perCategory ? ['c.name' as const] : [])])
      .orderBy('u.name')
      .execute();
    if (!rows.length) throw new AppError('nothing-to-export', 'No reimbursable verified or exported expense in this period');
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
    const format = o.format ?? 'csv';
    const bytes = format === 'xlsx' ? await xlsxBuffer('Paie', header, cells) : Buffer.from(csvText(header.map(neutraliseFormula), textRows(cells, { decimalComma: s.csvDecimalComma }), this.csvOptions(s)), 'utf8');
    const ids = [...new Set(rows.flatMap((r) => r.ids))];
    return this.withBatchFile(tdb, actor, (_tx, store) => store({
      kind: 'payroll', format, from: o.from, to: o.to, reexport: false, entryFrom: null, entryTo: null, filters: { from: o.from, to: o.to, presetId: o.presetId ?? null, columns: cols.columns.map((c) => c.field), perCategory: cols.perCategory, format },
      ids, rows: rows.length, fileName: `paie-${o.from}-${o.to}.${format}`, type: format === 'xlsx' ? XLSX : 'text/csv; charset=utf-8', bytes,
    }));
  }

  /**
   * Runs `fn` in one transaction with `store`, which writes a batch's file into the object store and
   * records the immutable batch (and its audit event) in that transaction. A file whose transaction
   * fails afterwards is removed: no file without its record.
   */
  private async withBatchFile<T>(tdb: TenantDb, actor: AuditActor, fn: (tx: TenantDb, store: (b: NewBatch) => Promise<ExportBatchView>) => Promise<T>): Promise<T> {
    const stored: string[] = [];
    try {
      return await tdb.transaction((tx) =>
        fn(tx, async (b) => {
          const id = randomUUID();
          const key = exportKey(tx.tenantId, id);
          const sha256 = createHash('sha256').update(b.bytes).digest('hex');
          await this.d.objects.put(key, Readable.from([b.bytes]), { expectedSha256: sha256, contentType: b.type });
          stored.push(key);
          await tx.insertInto('export_batch', {
            id, kind: b.kind, format: b.format, period_from: b.from, period_to: b.to, filters: JSON.stringify(b.filters), expense_ids: b.ids, reexport: b.reexport, created_by: actor.userId!,
            created_at: this.d.clock.now(), file_key: key, file_name: b.fileName, media_type: b.type, sha256, size: b.bytes.length, row_count: b.rows, entry_from: b.entryFrom, entry_to: b.entryTo,
          }).execute();
          await this.d.audit.record(tx.raw, actor, { type: 'export.created', tenantId: tx.tenantId, target: { type: 'export_batch', id }, data: { kind: b.kind, format: b.format, expenses: b.ids.length, rows: b.rows, sha256, reexport: b.reexport } });
          return this.get(tx, id);
        }),
      );
    } catch (err) {
      for (const key of stored) await this.d.objects.delete(key).catch(() => {});
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
