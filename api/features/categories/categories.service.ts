// Categories and payment methods: the Client's reference data for expenses, managed by admins.
// Never deleted (expenses point at them): archived with `active = false`, hidden from new expenses.
import { randomUUID } from 'node:crypto';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import { AppError } from '../../http/errors.ts';
import type { AuditEventBody } from '../audit/audit.events.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { DEFAULT_CATEGORIES, DEFAULT_PAYMENT_METHODS, type CategoryView, type PaymentMethodView } from './categories.schemas.ts';

type Table = 'category' | 'payment_method';
const categoryView = (r: { id: string; code: string | null; name: string; active: boolean }): CategoryView => ({ id: r.id, code: r.code, name: r.name, active: r.active });
const methodView = (r: { id: string; code: string | null; name: string; active: boolean; reimbursable: boolean }): PaymentMethodView => ({ ...categoryView(r), reimbursable: r.reimbursable });

export class CategoriesService {
  constructor(private readonly d: { audit: AuditService }) {}

  /** A new Client's defaults, in the language of its first admin. */
  async seedDefaults(tdb: TenantDb, locale: 'fr' | 'en'): Promise<void> {
    await tdb.insertInto('category', DEFAULT_CATEGORIES.map((c) => ({ id: randomUUID(), code: c.code, name: c[locale] }))).execute();
    await tdb.insertInto('payment_method', DEFAULT_PAYMENT_METHODS.map((m) => ({ id: randomUUID(), code: m.code, name: m[locale], reimbursable: m.reimbursable }))).execute();
  }

  async categories(tdb: TenantDb, includeArchived = false) {
    let q = tdb.selectFrom('category').selectAll().orderBy('name');
    if (!includeArchived) q = q.where('active', '=', true);
    return { items: (await q.execute()).map(categoryView) };
  }

  async paymentMethods(tdb: TenantDb, includeArchived = false) {
    let q = tdb.selectFrom('payment_method').selectAll().orderBy('reimbursable', 'desc').orderBy('name');
    if (!includeArchived) q = q.where('active', '=', true);
    return { items: (await q.execute()).map(methodView) };
  }

  createCategory(tdb: TenantDb, actor: AuditActor, v: { name: string }) {
    return this.create(tdb, actor, 'category', v).then(categoryView);
  }
  updateCategory(tdb: TenantDb, actor: AuditActor, id: string, v: { name?: string; active?: boolean }) {
    return this.update(tdb, actor, 'category', id, v).then(categoryView);
  }
  createPaymentMethod(tdb: TenantDb, actor: AuditActor, v: { name: string; reimbursable: boolean }) {
    return this.create(tdb, actor, 'payment_method', v).then(methodView);
  }
  updatePaymentMethod(tdb: TenantDb, actor: AuditActor, id: string, v: { name?: string; active?: boolean }) {
    return this.update(tdb, actor, 'payment_method', id, v).then(methodView);
  }

  private async nameTaken(tdb: TenantDb, table: Table, name: string, exceptId?: string) {
    const rows = await tdb.selectFrom(table).select(['id', 'name']).execute();
    return rows.some((r) => r.id !== exceptId && r.name.toLowerCase() === name.toLowerCase());
  }

  private async create(tdb: TenantDb, actor: AuditActor, table: Table, v: { name: string; reimbursable?: boolean }) {
    return tdb.transaction(async (tx) => {
      if (await this.nameTaken(tx, table, v.name)) throw new AppError('conflict', `“${v.name}” exists already`);
      const id = randomUUID();
      if (table === 'category') await tx.insertInto('category', { id, name: v.name }).execute();
      else await tx.insertInto('payment_method', { id, name: v.name, reimbursable: v.reimbursable! }).execute();
      const event: AuditEventBody = table === 'category' ? { type: 'category.created', data: {} } : { type: 'payment_method.created', data: { reimbursable: v.reimbursable! } };
      await this.d.audit.record(tx.raw, actor, { ...event, tenantId: tx.tenantId, target: { type: table, id } });
      return tx.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow() as Promise<{ id: string; code: string | null; name: string; active: boolean; reimbursable: boolean }>;
    });
  }

  private async update(tdb: TenantDb, actor: AuditActor, table: Table, id: string, v: { name?: string; active?: boolean }) {
    return tdb.transaction(async (tx) => {
      const before = await tx.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
      if (!before) throw new AppError('not-found', table === 'category' ? 'No such category' : 'No such payment method');
      if (v.name && (await this.nameTaken(tx, table, v.name, id))) throw new AppError('conflict', `“${v.name}” exists already`);
      await tx.updateTable(table).set(v).where('id', '=', id).execute();
      await this.d.audit.record(tx.raw, actor, { type: `${table}.updated`, tenantId: tx.tenantId, target: { type: table, id }, data: { fields: Object.keys(v).sort() } });
      return tx.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow() as Promise<{ id: string; code: string | null; name: string; active: boolean; reimbursable: boolean }>;
    });
  }
}
