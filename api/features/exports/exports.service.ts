// Accounting exports (R-ACC-2, R-ACC-4), free of HTTP. One export is one transaction under a
// per-Client lock: the verified expenses of the period are read, turned into balanced entries
// numbered on from the Client's counter (no gap, no repeat), written as CSV or FEC into the object
// store, recorded as an immutable batch (who, when, filters, expense ids, file SHA-256, rows) and
// moved to `exported`. Exported expenses are exported again only when asked explicitly.
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { sql, type Transaction } from 'kysely';
import type { DB, ExportFormat } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import { ObjectNotFoundError, type ObjectStore } from '../../../storage/objects/object-store.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import { minorDigits } from '../../lib/money.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { csvText } from './csv.ts';
import { accountingRows, CSV_HEADER, fecFileName, fecText, ledgerEntries, type LedgerExpense, type LedgerSettings } from './ledger.ts';

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
export type AccountingSettingsPatch = Partial<Omit<AccountingSettings, 'nextEntryNumber'>>;

const COLUMNS = {
  siren: 'siren', journalCode: 'journal_code', journalLabel: 'journal_label', employeeAccount: 'employee_account', cardAccount: 'card_account',
  defaultExpenseAccount: 'default_expense_account', defaultVatAccount: 'default_vat_account', csvDelimiter: 'csv_delimiter', csvDecimalComma: 'csv_decimal_comma',
  csvBom: 'csv_bom', fecSeparator: 'fec_separator', fileRetentionDays: 'file_retention_days',
} as const satisfies Record<keyof AccountingSettingsPatch, string>;

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
  async accounting(tdb: TenantDb, actor: AuditActor, o: { from: string; to: string; format: 'csv' | 'fec'; reexport?: boolean }): Promise<ExportBatchView> {
    if (o.to < o.from) throw new AppError('validation', 'The period ends before it starts', { errors: [{ path: 'to', message: 'before from' }] });
    const id = randomUUID();
    const key = exportKey(tdb.tenantId, id);
    let stored = false;
    try {
      return await tdb.transaction(async (tx) => {
        // one export of a Client at a time: numbers follow on, and no expense goes into two batches
        await advisoryXactLock(tx.raw as Transaction<DB>, `exports:${tx.tenantId}`);
        const s = await this.settings(tx);
        if (o.format === 'fec' && !s.siren) throw new AppError('conflict', 'The FEC is named after the Client\u2019s SIREN: set it in the accounting settings first');
        const expenses = await this.ledgerExpenses(tx, { from: o.from, to: o.to, reexport: !!o.reexport });
        if (!expenses.length) throw new AppError('conflict', o.reexport ? 'No verified or exported expense in this period' : 'No verified expense to export in this period (exported ones are exported again only on request)');
        const ledger: LedgerSettings = {
          journalCode: s.journalCode, journalLabel: s.journalLabel, employeeAccount: s.employeeAccount, employeeAccountLabel: 'Personnel - rémunérations dues',
          cardAccount: s.cardAccount, cardAccountLabel: 'Carte entreprise - à régulariser', defaultExpenseAccount: s.defaultExpenseAccount, defaultVatAccount: s.defaultVatAccount,
        };
        const entries = ledgerEntries(expenses, ledger, s.nextEntryNumber);
        const digits = minorDigits(expenses[0]!.clientCurrency);
        const now = this.d.clock.now();
        const file =
          o.format === 'fec'
            ? { name: fecFileName(s.siren!, o.to), type: 'text/plain; charset=utf-8', text: fecText(entries, ledger, { separator: s.fecSeparator === 'tab' ? '\t' : '|', validatedOn: now.toISOString(), digits }) }
            : { name: `ecritures-${o.from}-${o.to}.csv`, type: 'text/csv; charset=utf-8', text: csvText(CSV_HEADER, accountingRows(entries, ledger, { decimalComma: s.csvDecimalComma, digits }), { delimiter: s.csvDelimiter === 'tab' ? '\t' : s.csvDelimiter, bom: s.csvBom }) };
        const bytes = Buffer.from(file.text, 'utf8');
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        await this.d.objects.put(key, Readable.from([bytes]), { expectedSha256: sha256, contentType: file.type });
        stored = true;
        const rows = entries.reduce((n, e) => n + e.lines.length, 0);
        const ids = expenses.map((e) => e.id);
        await tx.insertInto('export_batch', {
          id, kind: 'accounting', format: o.format, period_from: o.from, period_to: o.to, filters: JSON.stringify({ from: o.from, to: o.to, format: o.format, reexport: !!o.reexport }),
          expense_ids: ids, reexport: !!o.reexport, created_by: actor.userId!, created_at: now, file_key: key, file_name: file.name, media_type: file.type, sha256, size: bytes.length,
          row_count: rows, entry_from: entries[0]!.number, entry_to: entries.at(-1)!.number,
        }).execute();
        await tx.updateTable('accounting_settings').set({ next_entry_number: entries.at(-1)!.number + 1, updated_at: now }).execute();
        // verified → exported, set-based; exported ones (a re-export) stay exported
        const moved = await tx.updateTable('expense').set((eb) => ({ status: 'exported', version: eb('version', '+', 1), updated_at: now })).where('id', 'in', ids).where('status', '=', 'verified').returning('id').execute();
        if (moved.length) await tx.insertInto('expense_transition', moved.map((m) => ({ expense_id: m.id, from_status: 'verified' as const, to_status: 'exported' as const, actor_id: actor.userId, on_behalf_of: null, comment: `export ${id}`, occurred_at: now }))).execute();
        await this.d.audit.record(tx.raw, actor, { type: 'export.created', tenantId: tx.tenantId, target: { type: 'export_batch', id }, data: { kind: 'accounting', format: o.format, expenses: ids.length, rows, sha256, reexport: !!o.reexport } });
        return batchView((await tx.selectFrom('export_batch').selectAll().where('id', '=', id).executeTakeFirstOrThrow()) as BatchRow);
      });
    } catch (err) {
      if (stored) await this.d.objects.delete(key).catch(() => {});
      throw err;
    }
  }

  async list(tdb: TenantDb) {
    return { items: (await tdb.selectFrom('export_batch').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(200).execute()).map((b) => batchView(b as BatchRow)) };
  }

  async get(tdb: TenantDb, id: string): Promise<ExportBatchView> {
    const b = await tdb.selectFrom('export_batch').selectAll().where('id', '=', id).executeTakeFirst();
    if (!b) throw new AppError('not-found', 'No such export');
    return batchView(b as BatchRow);
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
