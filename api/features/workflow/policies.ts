// Policies (R-WF-4): what an expense breaks, shown to approvers and never silently blocking —
// approving one with violations takes an explicit acknowledgement. Per category: a limit per
// expense and per day (Client currency), a receipt required above an amount; per Client: weekends
// and French public holidays flagged; duplicates from capture (R-CAP-5).
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import { holidayOn, isWeekend } from '../../lib/holidays.ts';
import type { ExpenseRow } from '../expenses/expenses.repository.ts';

export type Violation =
  | { code: 'over_expense_limit'; limitMinor: number; amountMinor: number }
  | { code: 'over_day_limit'; limitMinor: number; dayTotalMinor: number }
  | { code: 'receipt_missing'; aboveMinor: number }
  | { code: 'weekend' }
  | { code: 'public_holiday'; name: string }
  | { code: 'duplicate'; expenseId: string; reason: string };

/** The violations of each expense (a page of a queue at once: three queries whatever its size). */
export async function violationsOf(tdb: TenantDb, expenses: ExpenseRow[]): Promise<Map<string, Violation[]>> {
  const out = new Map<string, Violation[]>(expenses.map((e) => [e.id, []]));
  if (!expenses.length) return out;
  const settings = await tdb.selectFrom('workflow_settings').selectAll().executeTakeFirst();
  const policies = new Map((await tdb.selectFrom('category_policy').selectAll().where('category_id', 'in', [...new Set(expenses.map((e) => e.category_id))]).execute()).map((p) => [p.category_id, p]));
  const ids = expenses.map((e) => e.id);
  const withReceipt = new Set((await tdb.selectFrom('receipt').select('expense_id').where('expense_id', 'in', ids).distinct().execute()).map((r) => r.expense_id));
  const dayKeys = expenses.filter((e) => policies.get(e.category_id)?.per_day_minor != null);
  // Same employee, same day, same category, neither draft nor rejected (this one included).
  const dayTotals = new Map<string, number>();
  if (dayKeys.length) {
    const rows = await tdb.selectFrom('expense').select(['user_id', 'expense_date', 'category_id']).select((eb) => eb.fn.sum<number>('converted_minor').as('total'))
      .where('user_id', 'in', [...new Set(dayKeys.map((e) => e.user_id))]).where('expense_date', 'in', [...new Set(dayKeys.map((e) => e.expense_date))])
      .where('status', 'not in', ['draft', 'rejected']).groupBy(['user_id', 'expense_date', 'category_id']).execute();
    for (const r of rows) dayTotals.set(`${r.user_id}|${r.expense_date}|${r.category_id}`, Number(r.total));
  }
  for (const e of expenses) {
    const v = out.get(e.id)!;
    const p = policies.get(e.category_id);
    if (p?.per_expense_minor != null && e.converted_minor > p.per_expense_minor) v.push({ code: 'over_expense_limit', limitMinor: p.per_expense_minor, amountMinor: e.converted_minor });
    if (p?.per_day_minor != null) {
      const counted = dayTotals.get(`${e.user_id}|${e.expense_date}|${e.category_id}`) ?? 0;
      // a draft being looked at counts as if submitted
      const total = ['draft', 'rejected', 'returned'].includes(e.status) ? counted + e.converted_minor : counted;
      if (total > p.per_day_minor) v.push({ code: 'over_day_limit', limitMinor: p.per_day_minor, dayTotalMinor: total });
    }
    if (p?.receipt_above_minor != null && e.kind === 'receipt' && !withReceipt.has(e.id) && e.converted_minor > p.receipt_above_minor) v.push({ code: 'receipt_missing', aboveMinor: p.receipt_above_minor });
    if ((settings?.flag_weekends ?? true) && isWeekend(e.expense_date)) v.push({ code: 'weekend' });
    const holiday = (settings?.flag_holidays ?? true) ? holidayOn(e.expense_date) : undefined;
    if (holiday) v.push({ code: 'public_holiday', name: holiday });
    for (const d of e.duplicates) v.push({ code: 'duplicate', expenseId: d.expenseId, reason: d.reason });
  }
  return out;
}

/** Stable keys of a list of violations (what an approver acknowledges). */
export const violationKeys = (vs: Violation[]) => vs.map((v) => (v.code === 'duplicate' ? `duplicate:${v.expenseId}` : v.code)).sort();
