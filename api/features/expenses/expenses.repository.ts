// Expense queries, always through the tenant wall, with the one visibility rule of the product.
import { sql, type ExpressionBuilder } from 'kysely';
import type { DB, Role, Row } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { ListExpensesQuery, VatLine } from './expenses.schemas.ts';

export type ExpenseRow = Row<'expense'> & { vatLines: VatLine[] };
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
    const mine = eb('expense.user_id', '=', v.userId);
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

async function withVat(tdb: TenantDb, rows: Row<'expense'>[]): Promise<ExpenseRow[]> {
  if (rows.length === 0) return [];
  const lines = await tdb.selectFrom('expense_vat_line').selectAll().where('expense_id', 'in', rows.map((r) => r.id)).orderBy('position').execute();
  return rows.map((r) => ({ ...r, vatLines: lines.filter((l) => l.expense_id === r.id).map((l) => ({ rateBp: l.rate_bp, baseMinor: l.base_minor, vatMinor: l.vat_minor })) }));
}

export const expensesRepository = {
  async byId(tdb: TenantDb, id: string, viewer?: Viewer): Promise<ExpenseRow | undefined> {
    let q = tdb.selectFrom('expense').selectAll().where('id', '=', id);
    if (viewer) q = q.where(visibleTo(viewer));
    const row = await q.executeTakeFirst();
    return row ? (await withVat(tdb, [row]))[0] : undefined;
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
    return withVat(tdb, rows);
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
