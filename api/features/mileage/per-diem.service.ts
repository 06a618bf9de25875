// Per-diem allowances (R-CAP-4): the admin keeps fixed rates (e.g. "Repas (URSSAF)", per meal or
// day, valid from a date); an employee records a number of units at one rate, without a receipt.
// amount = units × rate, exact in minor units of the Client's currency (rate 1, nothing to round).
import { randomUUID } from 'node:crypto';
import type { Row } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import { AppError, type FieldError } from '../../http/errors.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { expensesRepository, type Viewer } from '../expenses/expenses.repository.ts';
import { expenseView } from '../expenses/expenses.service.ts';
import type { ExpenseView } from '../expenses/expenses.schemas.ts';
import { dateErrors, invalid, ownEditableOfKind, stale, tenantOf } from './kind-common.ts';
import type { CreatePerDiem, CreatePerDiemRate, PerDiemRateView, UpdatePerDiem, UpdatePerDiemRate } from './mileage.schemas.ts';

/** The largest amount an expense holds (1 000 000 000.00), as in the expenses schemas. */
const MAX_MINOR = 100_000_000_000;

const rateView = (r: Row<'per_diem_rate'>): PerDiemRateView => ({ id: r.id, name: r.name, amountMinor: r.amount_minor, currency: r.currency, categoryId: r.category_id, validFrom: r.valid_from, archived: r.archived });

export class PerDiemService {
  constructor(private readonly d: { clock: Clock; audit: AuditService }) {}

  async rates(tdb: TenantDb, includeArchived = false) {
    let q = tdb.selectFrom('per_diem_rate').selectAll().orderBy('name').orderBy('valid_from', 'desc');
    if (!includeArchived) q = q.where('archived', '=', false);
    return { items: (await q.execute()).map(rateView) };
  }

  async createRate(tdb: TenantDb, actor: AuditActor, v: CreatePerDiemRate): Promise<PerDiemRateView> {
    return tdb.transaction(async (tx) => {
      const category = await tx.selectFrom('category').select(['id', 'active']).where('id', '=', v.categoryId).executeTakeFirst();
      if (!category?.active) throw invalid('The per-diem rate is not valid', [{ path: 'body.categoryId', message: category ? 'this category is archived' : 'no such category' }]);
      if (await this.taken(tx, v.name, v.validFrom)) throw new AppError('conflict', `“${v.name}” valid from ${v.validFrom} exists already`);
      const { currency } = await tenantOf(tx);
      const id = randomUUID();
      await tx.insertInto('per_diem_rate', { id, name: v.name, amount_minor: v.amountMinor, currency, category_id: v.categoryId, valid_from: v.validFrom }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'per_diem_rate.created', tenantId: tx.tenantId, target: { type: 'per_diem_rate', id }, data: { amountMinor: v.amountMinor, currency, validFrom: v.validFrom } });
      return rateView(await tx.selectFrom('per_diem_rate').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    });
  }

  /** Renames or archives a rate. Its amount never changes: a new rate (valid from a date) replaces it. */
  async updateRate(tdb: TenantDb, actor: AuditActor, id: string, v: UpdatePerDiemRate): Promise<PerDiemRateView> {
    return tdb.transaction(async (tx) => {
      const before = await tx.selectFrom('per_diem_rate').selectAll().where('id', '=', id).executeTakeFirst();
      if (!before) throw new AppError('not-found', 'No such per-diem rate');
      if (v.name && (await this.taken(tx, v.name, before.valid_from, id))) throw new AppError('conflict', `“${v.name}” valid from ${before.valid_from} exists already`);
      await tx.updateTable('per_diem_rate').set(v).where('id', '=', id).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'per_diem_rate.updated', tenantId: tx.tenantId, target: { type: 'per_diem_rate', id }, data: { fields: Object.keys(v).sort() } });
      return rateView(await tx.selectFrom('per_diem_rate').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    });
  }

  async create(tdb: TenantDb, viewer: Viewer, actor: AuditActor, v: CreatePerDiem): Promise<ExpenseView> {
    return tdb.transaction(async (tx) => {
      const { rate, amount, clientCurrency } = await this.check(tx, v.date, v.rateId, v.units, null);
      const id = randomUUID();
      await tx.insertInto('expense', {
        id, user_id: viewer.userId, kind: 'per_diem', expense_date: v.date, description: v.description ?? '', project: v.project ?? null,
        category_id: rate.category_id, payment_method_id: null, reimbursable: true,
        amount_minor: amount, currency: rate.currency, converted_minor: amount, client_currency: clientCurrency, rate: '1', rate_date: v.date,
        per_diem_rate_id: rate.id, per_diem_units: v.units,
      }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'per_diem.created', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { amountMinor: amount, currency: rate.currency, units: v.units } });
      return expenseView((await expensesRepository.byId(tx, id))!);
    });
  }

  async update(tdb: TenantDb, viewer: Viewer, actor: AuditActor, id: string, patch: UpdatePerDiem): Promise<ExpenseView> {
    return tdb.transaction(async (tx) => {
      const before = await ownEditableOfKind(tx, viewer, id, 'per_diem');
      if (patch.version !== before.version) throw stale(before.version, patch.version);
      const next = {
        date: patch.date ?? before.expense_date, rateId: patch.rateId ?? before.per_diem_rate_id!, units: patch.units ?? before.per_diem_units!,
        description: patch.description ?? before.description, project: patch.project !== undefined ? patch.project : before.project,
      };
      const { rate, amount } = await this.check(tx, next.date, next.rateId, next.units, before.per_diem_rate_id);
      const r = await tx.updateTable('expense').set({
        expense_date: next.date, rate_date: next.date, description: next.description, project: next.project,
        per_diem_rate_id: rate.id, per_diem_units: next.units, category_id: rate.category_id, amount_minor: amount, converted_minor: amount, currency: rate.currency,
        version: before.version + 1, updated_at: this.d.clock.now(),
      }).where('id', '=', id).where('version', '=', before.version).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw stale(before.version + 1, patch.version);
      const fields = Object.keys(patch).filter((k) => k !== 'version').sort();
      await this.d.audit.record(tx.raw, actor, { type: 'per_diem.updated', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { fields, amountMinor: amount } });
      return expenseView((await expensesRepository.byId(tx, id))!);
    });
  }

  /** The rate must exist, be active (or already the expense's), be valid on the date and in the Client's currency. */
  private async check(tx: TenantDb, date: string, rateId: string, units: number, keptRateId: string | null) {
    const errors: FieldError[] = dateErrors(date, this.d.clock);
    const rate = await tx.selectFrom('per_diem_rate').selectAll().where('id', '=', rateId).executeTakeFirst();
    const { currency: clientCurrency } = await tenantOf(tx);
    if (!rate) errors.push({ path: 'body.rateId', message: 'no such per-diem rate' });
    else {
      if (rate.archived && rate.id !== keptRateId) errors.push({ path: 'body.rateId', message: 'this per-diem rate is archived' });
      if (date < rate.valid_from) errors.push({ path: 'body.date', message: `“${rate.name}” applies from ${rate.valid_from}` });
      if (rate.currency !== clientCurrency) errors.push({ path: 'body.rateId', message: `this rate is in ${rate.currency}, the Client accounts in ${clientCurrency}` });
      if (units * rate.amount_minor > MAX_MINOR) errors.push({ path: 'body.units', message: 'the amount would be too large' });
    }
    if (errors.length || !rate) throw invalid('The per-diem is not valid', errors);
    return { rate, amount: units * rate.amount_minor, clientCurrency };
  }

  private async taken(tx: TenantDb, name: string, validFrom: string, exceptId?: string) {
    const rows = await tx.selectFrom('per_diem_rate').select(['id', 'name']).where('valid_from', '=', validFrom).execute();
    return rows.some((r) => r.id !== exceptId && r.name.toLowerCase() === name.toLowerCase());
  }
}
