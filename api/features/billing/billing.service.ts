// Billing (R-BIL), free of HTTP: the licence's user limit, the month's active users from the
// usage events (R-BIL-2) — for the Client's admin (who counts, and why) and for the vendor (every
// Client at once) — and plan changes (R-BIL-4): Solo → Team by the admin, Enterprise on request to
// the vendor, any change by an operator; each recorded in plan_change, which invoicing reads.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import type { DB, Plan } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import type { Mailer } from '../../infra/mailer.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { activeOperatorEmails } from '../users/users.repository.ts';
import { isSuspended, suspendAtOf } from './dunning.ts';
import { activeUserCounts, activeUsers, monthBounds, monthOf } from './metering.ts';
import type { PriceBook } from './price-list.ts';

export class BillingService {
  constructor(private readonly d: { db: Kysely<DB>; clock: Clock; prices: PriceBook; audit: AuditService; mailer: Mailer }) {}

  /** The licence: the user limit in force and the users it covers now (active or invited). */
  async seats(tdb: TenantDb): Promise<{ plan: Plan; limit: number | null; used: number }> {
    const t = await tdb.raw.selectFrom('tenant').select(['plan', 'user_limit']).where('id', '=', tdb.tenantId).executeTakeFirstOrThrow();
    const used = await tdb.selectFrom('app_user').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['active', 'invited']).executeTakeFirstOrThrow();
    return { plan: t.plan, limit: this.d.prices.userLimit(t.plan, monthOf(this.d.clock.now()), t.user_limit), used: Number(used.n) };
  }

  /** Refuses (409 plan-limit) adding `adding` users beyond the licence (§6.1). Call inside the adding transaction. */
  async assertSeats(tdb: TenantDb, adding: number): Promise<void> {
    if (adding <= 0) return;
    // two invitations at once must not both take the last seat
    await advisoryXactLock(tdb.raw as Transaction<DB>, `seats:${tdb.tenantId}`);
    const s = await this.seats(tdb);
    if (s.limit !== null && s.used + adding > s.limit)
      throw new AppError('plan-limit', `The ${s.plan} plan covers ${s.limit} user(s); ${s.used} already, ${adding} more asked`, { plan: s.plan, limit: s.limit, used: s.used });
  }

  /** The month's active users of the Client (default: this month, running), each with why they count. */
  async usage(tdb: TenantDb, month = monthOf(this.d.clock.now())) {
    const [users, seats] = await Promise.all([activeUsers(this.d.db, tdb.tenantId, month), this.seats(tdb)]);
    const { from, to } = monthBounds(month);
    const list = this.d.prices.forMonth(month);
    return {
      month, from: from.toISOString(), to: to.toISOString(), running: month === monthOf(this.d.clock.now()),
      plan: seats.plan, userLimit: seats.limit, seatsUsed: seats.used, priceList: list.version, unitMinor: list.plans[seats.plan].unitMinor, currency: list.currency,
      activeUsers: users.length, users,
    };
  }

  /**
   * Solo → Team by the Client's admin (R-BIL-4): at once, with Team's user limit; the month of the
   * change is billed Team for all of it. Other changes go through the vendor (Enterprise: a request).
   */
  async changePlan(tdb: TenantDb, actor: AuditActor, to: Plan) {
    await this.d.db.transaction().execute(async (trx) => {
      const t = await trx.selectFrom('tenant').select(['plan', 'user_limit']).where('id', '=', tdb.tenantId).forUpdate().executeTakeFirstOrThrow();
      if (t.plan === to) throw new AppError('conflict', `The Client is on the ${to} plan already`);
      if (!(t.plan === 'solo' && to === 'team')) throw new AppError('conflict', to === 'enterprise' ? 'The Enterprise plan is agreed with the vendor: send a request' : 'Only Solo → Team is changed here: ask the vendor for any other change');
      await this.recordPlan(trx, actor, tdb.tenantId, t.plan, to, null);
    });
    return this.planView(tdb.tenantId);
  }

  /** Any plan change, and the contract's own user limit, by a vendor operator (e.g. after an Enterprise request). */
  async setPlan(actor: AuditActor, tenantId: string, to: Plan, userLimit: number | null) {
    await this.d.db.transaction().execute(async (trx) => {
      const t = await trx.selectFrom('tenant').select(['plan', 'user_limit', 'status']).where('id', '=', tenantId).forUpdate().executeTakeFirst();
      if (!t || t.status === 'destroyed') throw new AppError('not-found', 'No such Client');
      if (t.plan === to && t.user_limit === userLimit) throw new AppError('conflict', 'Nothing changes');
      const used = await trx.selectFrom('app_user').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).where('status', 'in', ['active', 'invited']).executeTakeFirstOrThrow();
      const limit = userLimit ?? this.d.prices.userLimit(to, monthOf(this.d.clock.now()), null);
      if (limit !== null && Number(used.n) > limit)
        throw new AppError('plan-limit', `The Client has ${used.n} users; the ${to} plan covers ${limit}: deactivate users first`, { plan: to, limit, used: Number(used.n) });
      await this.recordPlan(trx, actor, tenantId, t.plan, to, userLimit);
      // a request is answered by the change
      await trx.updateTable('plan_request').set({ closed_at: this.d.clock.now(), closed_by: actor.userId }).where('tenant_id', '=', tenantId).where('closed_at', 'is', null).execute();
    });
    return this.planView(tenantId);
  }

  private async recordPlan(trx: Transaction<DB>, actor: AuditActor, tenantId: string, from: Plan, to: Plan, userLimit: number | null) {
    const now = this.d.clock.now();
    await trx.updateTable('tenant').set({ plan: to, user_limit: userLimit }).where('id', '=', tenantId).execute();
    await trx.insertInto('plan_change').values({ id: randomUUID(), tenant_id: tenantId, at: now, from_plan: from, to_plan: to, user_limit: userLimit, by_user: actor.userId ?? '00000000-0000-0000-0000-000000000000' }).execute();
    await this.d.audit.record(trx, actor, { type: 'plan.changed', tenantId, target: { type: 'tenant', id: tenantId }, data: { from, to, userLimit } });
  }

  /** The admin asks the vendor for the Enterprise plan; the operators are mailed. One open request at a time. */
  async requestEnterprise(tdb: TenantDb, actor: AuditActor, message: string) {
    const t = await this.d.db.selectFrom('tenant').select(['name', 'plan']).where('id', '=', tdb.tenantId).executeTakeFirstOrThrow();
    if (t.plan === 'enterprise') throw new AppError('conflict', 'The Client is on the Enterprise plan already');
    const operators = await activeOperatorEmails(this.d.db);
    await this.d.db.transaction().execute(async (trx) => {
      const r = await trx.insertInto('plan_request').values({ id: randomUUID(), tenant_id: tdb.tenantId, requested_at: this.d.clock.now(), requested_by: actor.userId!, message, closed_at: null, closed_by: null })
        .onConflict((oc) => oc.column('tenant_id').where('closed_at', 'is', null).doNothing()).returning('id').executeTakeFirst();
      if (!r) throw new AppError('conflict', 'A request is open already: the vendor will answer it');
      await this.d.audit.record(trx, actor, { type: 'plan.enterprise_requested', tenantId: tdb.tenantId, target: { type: 'tenant', id: tdb.tenantId }, data: {} });
      await this.d.mailer.queue(trx, operators.map((to) => ({
        to, subject: `Justif: ${t.name} asks for the Enterprise plan`,
        text: `${actor.label ?? 'An admin'} of ${t.name} (now on the ${t.plan} plan) asks for the Enterprise plan:\n\n${message}\n\nAnswer it from the operators' billing page (set the plan and the contract's user limit), or close it.`,
      })));
    });
    await this.d.mailer.deliver();
    return this.planView(tdb.tenantId);
  }

  /** Closes an open Enterprise request without a change (an operator, after talking to the Client). */
  async closeRequest(actor: AuditActor, tenantId: string) {
    await this.d.db.transaction().execute(async (trx) => {
      const r = await trx.updateTable('plan_request').set({ closed_at: this.d.clock.now(), closed_by: actor.userId }).where('tenant_id', '=', tenantId).where('closed_at', 'is', null).returning('id').executeTakeFirst();
      if (!r) throw new AppError('not-found', 'No open request for this Client');
      await this.d.audit.record(trx, actor, { type: 'plan.request_closed', tenantId, target: { type: 'tenant', id: tenantId }, data: {} });
    });
    return this.planView(tenantId);
  }

  /** The plan, its history and any open Enterprise request. */
  async planView(tenantId: string) {
    const [t, changes, request] = await Promise.all([
      this.d.db.selectFrom('tenant').select(['plan', 'user_limit']).where('id', '=', tenantId).executeTakeFirstOrThrow(),
      this.d.db.selectFrom('plan_change').select(['at', 'from_plan', 'to_plan', 'user_limit']).where('tenant_id', '=', tenantId).orderBy('at', 'desc').limit(50).execute(),
      this.d.db.selectFrom('plan_request').select(['requested_at', 'message']).where('tenant_id', '=', tenantId).where('closed_at', 'is', null).executeTakeFirst(),
    ]);
    const list = this.d.prices.forMonth(monthOf(this.d.clock.now()));
    return {
      plan: t.plan, userLimit: this.d.prices.userLimit(t.plan, monthOf(this.d.clock.now()), t.user_limit),
      /** What moving to Team costs and covers (offered to Solo Clients). */
      team: { unitMinor: list.plans.team.unitMinor, userLimit: list.plans.team.userLimit, currency: list.currency },
      changes: changes.map((c) => ({ at: new Date(c.at).toISOString(), from: c.from_plan, to: c.to_plan, userLimit: c.user_limit })),
      enterpriseRequest: request ? { requestedAt: new Date(request.requested_at).toISOString(), message: request.message } : null,
    };
  }

  /** Who receives the invoices and the identity printed on them (the Client's admin keeps them up to date). */
  async details(tenantId: string) {
    const t = await this.d.db.selectFrom('tenant').select(['name', 'country', 'billing_email', 'billing_address', 'siren', 'vat_number']).where('id', '=', tenantId).executeTakeFirstOrThrow();
    return { name: t.name, country: t.country, billingEmail: t.billing_email, billingAddress: t.billing_address, siren: t.siren, vatNumber: t.vat_number };
  }

  async updateDetails(tdb: TenantDb, actor: AuditActor, patch: { billingEmail?: string | null; billingAddress?: string | null; siren?: string | null; vatNumber?: string | null }) {
    const set = {
      ...(patch.billingEmail !== undefined ? { billing_email: patch.billingEmail } : {}),
      ...(patch.billingAddress !== undefined ? { billing_address: patch.billingAddress } : {}),
      ...(patch.siren !== undefined ? { siren: patch.siren } : {}),
      ...(patch.vatNumber !== undefined ? { vat_number: patch.vatNumber } : {}),
    };
    await this.d.db.transaction().execute(async (trx) => {
      await trx.updateTable('tenant').set(set).where('id', '=', tdb.tenantId).execute();
      await this.d.audit.record(trx, actor, { type: 'billing.details_updated', tenantId: tdb.tenantId, target: { type: 'tenant', id: tdb.tenantId }, data: { fields: Object.keys(patch).sort() } });
    });
    return this.details(tdb.tenantId);
  }

  /** Every Client with its plan, status (suspended for an unpaid invoice included), active users of the month, last invoice and open Enterprise request (vendor operators). */
  async overview(month = monthOf(this.d.clock.now())) {
    const now = this.d.clock.now();
    const [tenants, counts] = await Promise.all([
      this.d.db.selectFrom('tenant as t').select(['t.id', 't.name', 't.plan', 't.status', 't.user_limit'])
        .select((eb) => [
          suspendAtOf(eb.ref('t.id')).as('suspend_at'),
          eb.selectFrom('plan_request as r').select('r.requested_at').whereRef('r.tenant_id', '=', 't.id').where('r.closed_at', 'is', null).as('requested_at'),
          sql<string | null>`(SELECT i.number FROM invoice i WHERE i.tenant_id = t.id AND i.kind = 'invoice' AND i.status = 'issued' ORDER BY i.issued_at DESC LIMIT 1)`.as('last_invoice'),
          sql<boolean | null>`(SELECT i.paid_at IS NOT NULL FROM invoice i WHERE i.tenant_id = t.id AND i.kind = 'invoice' AND i.status = 'issued' ORDER BY i.issued_at DESC LIMIT 1)`.as('last_paid'),
        ]).orderBy('t.name').execute(),
      activeUserCounts(this.d.db, month),
    ]);
    return {
      month,
      items: tenants.map((t) => ({
        id: t.id, name: t.name, plan: t.plan, status: t.status !== 'destroyed' && isSuspended(t.suspend_at, now) ? ('suspended' as const) : t.status,
        suspendAt: t.suspend_at ? new Date(t.suspend_at).toISOString() : null,
        userLimit: this.d.prices.userLimit(t.plan, month, t.user_limit), activeUsers: counts.get(t.id) ?? 0,
        lastInvoice: t.last_invoice ? { number: t.last_invoice, paid: !!t.last_paid } : null,
        enterpriseRequestedAt: t.requested_at ? new Date(t.requested_at).toISOString() : null,
      })),
    };
  }
}
