// Expenses (R-CAP-1): the employee's own records, in integer minor units with the rate used to
// convert them into the Client's currency. Edits while draft or returned; deletion while draft.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { ExpenseKind } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import { AppError, type FieldError } from '../../http/errors.ts';
import { convertMinor, isCurrency, vatOf } from '../../lib/money.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import type { RatesService } from '../rates/rates.service.ts';
import { decodeCursor, encodeCursor, expensesRepository as repo, type ExpenseRow, type Viewer } from './expenses.repository.ts';
import type { CreateExpense, ExpenseView, ListExpensesQuery, UpdateExpense, VatLine } from './expenses.schemas.ts';

const EDITABLE = ['draft', 'returned'] as const;
/** VAT printed on a receipt may be rounded per line or from the total: allow this many cents. */
const VAT_TOLERANCE_MINOR = 2;

export function expenseView(r: ExpenseRow): ExpenseView {
  return {
    id: r.id, userId: r.user_id, status: r.status, kind: r.kind, date: r.expense_date, merchant: r.merchant, description: r.description,
    categoryId: r.category_id, paymentMethodId: r.payment_method_id, reimbursable: r.reimbursable,
    amountMinor: r.amount_minor, currency: r.currency, convertedMinor: r.converted_minor, clientCurrency: r.client_currency,
    rate: r.rate.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''), rateDate: r.rate_date, project: r.project, attendees: r.attendees, vatLines: r.vatLines, duplicates: r.duplicates,
    ...(r.kind === 'mileage' ? { mileage: mileageView(r) } : {}),
    ...(r.kind === 'per_diem' ? { perDiem: { rateId: r.per_diem_rate_id!, units: r.per_diem_units!, unitAmountMinor: r.amount_minor / r.per_diem_units! } } : {}),
    version: r.version, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  };
}

function mileageView(r: ExpenseRow): NonNullable<ExpenseView['mileage']> {
  const tenths = Math.round(Number(r.distance_km) * 10);
  return {
    vehicleId: r.vehicle_id!, distanceKm: tenths / 10, roundTrip: r.round_trip!, countedKm: (r.round_trip ? 2 * tenths : tenths) / 10,
    from: r.trip_from!, to: r.trip_to!, purpose: r.trip_purpose!, scaleYear: r.mileage_scale_year!,
  };
}

/** Where each kind of expense is edited: the generic PATCH takes receipts only. */
export function editRouteOf(kind: ExpenseKind, id: string): string {
  return { receipt: `PATCH /api/v1/expenses/${id}`, mileage: `PATCH /api/v1/expenses/mileage/${id}`, per_diem: `PATCH /api/v1/expenses/per-diem/${id}` }[kind];
}

/**
 * Runs the deletion of a draft inside its transaction. A feature that derives amounts from other
 * expenses (mileage: the later trips of the same vehicle and year) wraps `remove` to re-price them.
 */
export type ExpenseDeleteHook = (tx: TenantDb, actor: AuditActor, row: ExpenseRow, remove: () => Promise<void>) => Promise<void>;

/** The edit was based on an older version of the expense (optimistic concurrency). */
export function stale(current: number, sent: number): AppError {
  return new AppError('stale-version', `The expense changed since you read it (version ${current}, you sent ${sent}): reload it`);
}

export class ExpensesService {
  constructor(private readonly d: { clock: Clock; audit: AuditService; rates: RatesService; onDelete?: ExpenseDeleteHook }) {}

  async list(tdb: TenantDb, viewer: Viewer, f: ListExpensesQuery) {
    const after = f.cursor ? decodeCursor(f.cursor) : undefined;
    if (f.cursor && !after) throw new AppError('validation', 'Invalid cursor', { errors: [{ path: 'query.cursor', message: 'not a cursor from a previous page' }] });
    const rows = await repo.list(tdb, viewer, f, after);
    const page = rows.slice(0, f.limit);
    return { items: page.map(expenseView), nextCursor: rows.length > f.limit ? encodeCursor(page.at(-1)!) : null };
  }

  async get(tdb: TenantDb, viewer: Viewer, id: string): Promise<ExpenseView> {
    const r = await repo.byId(tdb, id, viewer);
    if (!r) throw new AppError('not-found', 'No such expense');
    return expenseView(r);
  }

  async create(tdb: TenantDb, viewer: Viewer, actor: AuditActor, v: CreateExpense): Promise<ExpenseView> {
    return tdb.transaction(async (tx) => {
      const id = randomUUID();
      const checked = await this.check(tx, { ...v, vatLines: v.vatLines ?? [] });
      await tx.insertInto('expense', {
        id, user_id: viewer.userId, kind: 'receipt', expense_date: v.date, merchant: v.merchant, description: v.description ?? '',
        category_id: v.categoryId, payment_method_id: v.paymentMethodId, project: v.project ?? null, attendees: JSON.stringify(v.attendees ?? []),
        amount_minor: v.amountMinor, currency: v.currency, ...checked,
      }).execute();
      await repo.replaceVatLines(tx, id, v.vatLines ?? []);
      await this.d.audit.record(tx.raw, actor, { type: 'expense.created', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { amountMinor: v.amountMinor, currency: v.currency } });
      return expenseView((await repo.byId(tx, id))!);
    });
  }

  async update(tdb: TenantDb, viewer: Viewer, actor: AuditActor, id: string, patch: UpdateExpense): Promise<ExpenseView> {
    return tdb.transaction(async (tx) => {
      const before = await this.ownEditable(tx, viewer, id, EDITABLE, 'edited');
      if (before.kind !== 'receipt') throw new AppError('conflict', `This is a ${before.kind.replace('_', '-')} expense: edit it with ${editRouteOf(before.kind, id)}`);
      if (patch.version !== before.version) throw stale(before.version, patch.version);
      const next = {
        date: patch.date ?? before.expense_date, merchant: patch.merchant ?? before.merchant, description: patch.description ?? before.description,
        categoryId: patch.categoryId ?? before.category_id, paymentMethodId: patch.paymentMethodId ?? before.payment_method_id!,
        amountMinor: patch.amountMinor ?? before.amount_minor, currency: patch.currency ?? before.currency, vatLines: patch.vatLines ?? before.vatLines,
        project: patch.project !== undefined ? patch.project : before.project, attendees: patch.attendees ?? before.attendees,
      };
      // A category or payment method archived since keeps working for the expense that has it.
      const checked = await this.check(tx, next, { categoryId: before.category_id, paymentMethodId: before.payment_method_id });
      const fields = Object.keys(patch).filter((k) => k !== 'version').sort();
      await tx.updateTable('expense').set({
        expense_date: next.date, merchant: next.merchant, description: next.description, category_id: next.categoryId, payment_method_id: next.paymentMethodId,
        amount_minor: next.amountMinor, currency: next.currency, project: next.project, attendees: JSON.stringify(next.attendees), ...checked,
        version: before.version + 1, updated_at: this.d.clock.now(),
      }).where('id', '=', id).where('version', '=', before.version).execute();
      if (patch.vatLines) await repo.replaceVatLines(tx, id, patch.vatLines);
      await this.d.audit.record(tx.raw, actor, { type: 'expense.updated', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { fields } });
      return expenseView((await repo.byId(tx, id))!);
    });
  }

  async delete(tdb: TenantDb, viewer: Viewer, actor: AuditActor, id: string): Promise<void> {
    await tdb.transaction(async (tx) => {
      const row = await this.ownEditable(tx, viewer, id, ['draft'], 'deleted');
      const remove = async () => void (await tx.deleteFrom('expense').where('id', '=', id).execute());
      await (this.d.onDelete ? this.d.onDelete(tx, actor, row, remove) : remove());
      await this.d.audit.record(tx.raw, actor, { type: 'expense.deleted', tenantId: tx.tenantId, target: { type: 'expense', id }, data: {} });
    });
  }

  /** For features that change what hangs on an expense (receipts): the owner, while draft or returned. */
  assertEditable(tdb: TenantDb, viewer: Viewer, id: string, verb: string, notFound = 'No such expense'): Promise<ExpenseRow> {
    return this.ownEditable(tdb, viewer, id, EDITABLE, verb, notFound);
  }

  /** 404 if the caller cannot see it, 403 if it is someone else's, 409 naming the state if it is past editing. */
  private async ownEditable(tx: TenantDb, viewer: Viewer, id: string, states: readonly string[], verb: string, notFound = 'No such expense'): Promise<ExpenseRow> {
    const r = await repo.byId(tx, id, viewer);
    if (!r) throw new AppError('not-found', notFound);
    if (r.user_id !== viewer.userId) throw new AppError('forbidden', 'Only the employee who owns an expense changes it');
    if (!states.includes(r.status)) throw new AppError('conflict', `The expense is ${r.status}: it can be ${verb} only while ${states.join(' or ')}`);
    return r;
  }

  /** Validates references, date and VAT; returns the conversion and the reimbursable flag to store. */
  private async check(tx: TenantDb, v: { date: string; categoryId: string; paymentMethodId: string; amountMinor: number; currency: string; vatLines: VatLine[] }, kept: { categoryId?: string; paymentMethodId?: string | null } = {}) {
    const errors: FieldError[] = [];
    const today = DateTime.fromJSDate(this.d.clock.now(), { zone: 'Europe/Paris' }).toISODate()!;
    if (v.date > today) errors.push({ path: 'body.date', message: `an expense cannot be dated after today (${today})` });
    if (v.date < '2000-01-01') errors.push({ path: 'body.date', message: 'too old' });
    if (!isCurrency(v.currency)) errors.push({ path: 'body.currency', message: `${v.currency} is not an ISO 4217 currency` });
    const category = await repo.activeReference(tx, 'category', v.categoryId);
    if (!category || (!category.active && kept.categoryId !== v.categoryId)) errors.push({ path: 'body.categoryId', message: category ? 'this category is archived' : 'no such category' });
    const method = await repo.paymentMethod(tx, v.paymentMethodId);
    if (!method || (!method.active && kept.paymentMethodId !== v.paymentMethodId)) errors.push({ path: 'body.paymentMethodId', message: method ? 'this payment method is archived' : 'no such payment method' });
    const linesTotal = v.vatLines.reduce((s, l) => s + l.baseMinor + l.vatMinor, 0);
    if (linesTotal > v.amountMinor) errors.push({ path: 'body.vatLines', message: `the VAT lines (${linesTotal}) exceed the amount (${v.amountMinor})` });
    v.vatLines.forEach((l, i) => {
      const expected = vatOf(l.baseMinor, l.rateBp);
      if (Math.abs(expected - l.vatMinor) > VAT_TOLERANCE_MINOR) errors.push({ path: `body.vatLines.${i}.vatMinor`, message: `${l.rateBp / 100} % of ${l.baseMinor} is ${expected}, not ${l.vatMinor}` });
    });
    if (errors.length) throw new AppError('validation', 'The expense is not valid', { errors });
    const r = await this.d.rates.rateFor(tx, v.currency, v.date);
    return { converted_minor: convertMinor(v.amountMinor, v.currency, r.clientCurrency, r.rate), client_currency: r.clientCurrency, rate: r.rate, rate_date: r.date, reimbursable: method!.reimbursable };
  }
}
