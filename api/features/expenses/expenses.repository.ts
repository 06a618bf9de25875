// Expense queries, always through the tenant wall, with the one visibility rule of the product.
import { sql, type ExpressionBuilder } from 'kysely';
import type { DB, Role, Row } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { ListExpensesQuery, VatLine } from './expenses.schemas.ts';

export interface Duplicate {
  expenseId: string;
  reason: 'same_file' | 'same_details';
}
/** Reading the receipts: queued or running, done for every receipt, or failed (dead-lettered). */
export type OcrStatus = 'reading' | 'done' | 'failed' | null;
export type ExpenseRow = Row<'expense'> & { vatLines: VatLine[]; duplicates: Duplicate[]; ocrStatus: OcrStatus };

async function ocrStatusOf(tdb: TenantDb, ids: string[]): Promise<Map<string, OcrStatus>> {
  const receipts = await tdb.selectFrom('receipt').select(['expense_id', 'sha256']).where('expense_id', 'in', ids).execute();
  const out = new Map<string, OcrStatus>();
  if (receipts.length === 0) return out;
  const shas = [...new Set(receipts.map((r) => r.sha256))];
  const read = new Set((await tdb.selectFrom('receipt_ocr').select('sha256').where('sha256', 'in', shas).execute()).map((r) => r.sha256));
  const keys = shas.map((s) => `${tdb.tenantId}:${s}`);
  // The latest OCR job of each original (the job table is shared; its key carries the Client).
  const jobs = await tdb.raw.selectFrom('job').select(['singleton_key', 'state']).distinctOn('singleton_key')
    .where('name', '=', 'receipt.ocr').where('singleton_key', 'in', keys).orderBy('singleton_key').orderBy('id', 'desc').execute();
  const state = new Map(jobs.map((j) => [j.singleton_key!.slice(tdb.tenantId.length + 1), j.state]));
  for (const id of ids) {
    const mine = receipts.filter((r) => r.expense_id === id).map((r) => r.sha256);
    if (mine.length === 0) continue;
    const states = mine.map((s) => (read.has(s) ? 'done' : state.get(s) === 'dead' ? 'failed' : state.get(s) === 'queued' || state.get(s) === 'running' ? 'reading' : null));
    out.set(id, states.includes('reading') ? 'reading' : states.includes('failed') ? 'failed' : states.every((s) => s === 'done') ? 'done' : null);
  }
  return out;
}
export interface Viewer {
  userId: string;
  roles: Role[];
}

const SEES_ALL_SUBMITTED: Role[] = ['admin', 'verifier', 'accountant', 'payroll'];

/**
 * Who sees which expense: your own always (drafts are private); admins, verifiers, accountants and
 * payroll every submitted one of the Client; managers those of their direct reports and of the
 * teams they manage.
 */
export function visibleTo(v: Viewer) {
  return (eb: ExpressionBuilder<DB, 'expense'>) => {
    // …and, whatever the role, the expenses one is (or was) asked to approve, also as a delegate
    // of that approver while the delegation runs (R-WF-2).
    const approver = eb.exists(
      eb.selectFrom('approval_step as s').select('s.level').whereRef('s.expense_id', '=', 'expense.id').where((w) => w.or([
        w('s.approver_id', '=', v.userId),
        w('s.approver_id', 'in', w.selectFrom('delegation as d').select('d.manager_id').whereRef('d.tenant_id', '=', 'expense.tenant_id').where('d.delegate_id', '=', v.userId)
          .where('d.revoked_at', 'is', null).where(sql<boolean>`d.starts_on <= (now() AT TIME ZONE 'Europe/Paris')::date AND d.ends_on >= (now() AT TIME ZONE 'Europe/Paris')::date`)),
      ])),
    );
    const mine = eb.or([eb('expense.user_id', '=', v.userId), approver]);
    if (v.roles.some((r) => SEES_ALL_SUBMITTED.includes(r))) return eb.or([mine, eb('expense.status', '!=', 'draft')]);
    if (v.roles.includes('manager')) {
      const reports = eb
        .selectFrom('app_user as u')
        .leftJoin('team as t', 't.id', 'u.team_id')
        .select('u.id')
        .where('u.tenant_id', '=', eb.ref('expense.tenant_id'))
        .where((w) => w.or([w('u.manager_id', '=', v.userId), w('t.manager_id', '=', v.userId)]));
      return eb.or([mine, eb.and([eb('expense.status', '!=', 'draft'), eb('expense.user_id', 'in', reports)])]);
    }
    return mine;
  };
}

export function encodeCursor(r: { expense_date: string; id: string }): string {
  return Buffer.from(`${r.expense_date}|${r.id}`).toString('base64url');
}
export function decodeCursor(c: string): { date: string; id: string } | undefined {
  const [date, id] = Buffer.from(c, 'base64url').toString().split('|');
  return date && id && /^\d{4}-\d\d-\d\d$/.test(date) && /^[0-9a-f-]{36}$/.test(id) ? { date, id } : undefined;
}

/**
 * R-CAP-5: the other expenses of the Client this one may duplicate — a receipt with the same bytes
 * (any user), or the same user, merchant, date and amount. Flagged, never blocked; rejected ones
 * do not count.
 */
async function duplicatesOf(tdb: TenantDb, ids: string[]): Promise<Map<string, Duplicate[]>> {
  const out = new Map<string, Duplicate[]>();
  if (ids.length === 0) return out;
  const sameFile = await tdb.raw
    .selectFrom('receipt as r1')
    .innerJoin('receipt as r2', (j) => j.onRef('r2.tenant_id', '=', 'r1.tenant_id').onRef('r2.sha256', '=', 'r1.sha256').onRef('r2.expense_id', '!=', 'r1.expense_id'))
    .innerJoin('expense as o', 'o.id', 'r2.expense_id')
    .select(['r1.expense_id as id', 'r2.expense_id as other'])
    .where('r1.tenant_id', '=', tdb.tenantId)
    .where('r1.expense_id', 'in', ids)
    .where('o.status', '!=', 'rejected')
    .distinct()
    .execute();
  const sameDetails = await tdb.raw
    .selectFrom('expense as e1')
    .innerJoin('expense as e2', (j) =>
      j.onRef('e2.tenant_id', '=', 'e1.tenant_id').onRef('e2.user_id', '=', 'e1.user_id').onRef('e2.expense_date', '=', 'e1.expense_date')
        .onRef('e2.amount_minor', '=', 'e1.amount_minor').onRef('e2.currency', '=', 'e1.currency').onRef('e2.id', '!=', 'e1.id')
        .on(sql<boolean>`lower(e2.merchant) = lower(e1.merchant)`))
    .select(['e1.id as id', 'e2.id as other'])
    .where('e1.tenant_id', '=', tdb.tenantId)
    .where('e1.id', 'in', ids)
    .where('e1.kind', '=', 'receipt')
    .where('e2.kind', '=', 'receipt')
    .where('e2.status', '!=', 'rejected')
    .execute();
  for (const [rows, reason] of [[sameFile, 'same_file'], [sameDetails, 'same_details']] as const)
    for (const r of rows) out.set(r.id, [...(out.get(r.id) ?? []), { expenseId: r.other, reason }]);
  return out;
}

/** VAT lines and possible duplicates for a page of expenses, in two queries each. */
export async function enrich(tdb: TenantDb, rows: Row<'expense'>[]): Promise<ExpenseRow[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const lines = await tdb.selectFrom('expense_vat_line').selectAll().where('expense_id', 'in', ids).orderBy('position').execute();
  const dups = await duplicatesOf(tdb, ids);
  const ocr = await ocrStatusOf(tdb, ids);
  return rows.map((r) => ({
    ...r,
    vatLines: lines.filter((l) => l.expense_id === r.id).map((l) => ({ rateBp: l.rate_bp, baseMinor: l.base_minor, vatMinor: l.vat_minor })),
    duplicates: (dups.get(r.id) ?? []).sort((a, b) => (a.expenseId < b.expenseId ? -1 : 1)),
    ocrStatus: ocr.get(r.id) ?? null,
  }));
}

export const expensesRepository = {
  async byId(tdb: TenantDb, id: string, viewer?: Viewer): Promise<ExpenseRow | undefined> {
    let q = tdb.selectFrom('expense').selectAll().where('id', '=', id);
    if (viewer) q = q.where(visibleTo(viewer));
    const row = await q.executeTakeFirst();
    return row ? (await enrich(tdb, [row]))[0] : undefined;
  },

  async list(tdb: TenantDb, viewer: Viewer, f: ListExpensesQuery, after?: { date: string; id: string }): Promise<ExpenseRow[]> {
    let q = tdb.selectFrom('expense').selectAll().where(visibleTo(viewer));
    if (f.status) q = q.where('status', '=', f.status);
    if (f.from) q = q.where('expense_date', '>=', f.from);
    if (f.to) q = q.where('expense_date', '<=', f.to);
    if (f.categoryId) q = q.where('category_id', '=', f.categoryId);
    if (f.userId) q = q.where('user_id', '=', f.userId);
    if (f.amountMin !== undefined) q = q.where('converted_minor', '>=', f.amountMin);
    if (f.amountMax !== undefined) q = q.where('converted_minor', '<=', f.amountMax);
    if (f.q) q = q.where(sql<boolean>`search @@ websearch_to_tsquery('french', ${f.q})`);
    if (after) q = q.where(sql<boolean>`(expense_date, id) < (${after.date}::date, ${after.id}::uuid)`);
    const rows = await q.orderBy('expense_date', 'desc').orderBy('id', 'desc').limit(f.limit + 1).execute();
    return enrich(tdb, rows);
  },

  async replaceVatLines(tdb: TenantDb, expenseId: string, lines: VatLine[]) {
    await tdb.deleteFrom('expense_vat_line').where('expense_id', '=', expenseId).execute();
    if (lines.length) await tdb.insertInto('expense_vat_line', lines.map((l, i) => ({ expense_id: expenseId, position: i + 1, rate_bp: l.rateBp, base_minor: l.baseMinor, vat_minor: l.vatMinor }))).execute();
  },

  activeReference(tdb: TenantDb, table: 'category' | 'payment_method', id: string) {
    return tdb.selectFrom(table).select(['id', 'active']).where('id', '=', id).executeTakeFirst();
  },
  paymentMethod(tdb: TenantDb, id: string) {
    return tdb.selectFrom('payment_method').select(['id', 'active', 'reimbursable']).where('id', '=', id).executeTakeFirst();
  },
};
