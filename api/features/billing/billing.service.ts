// Billing (R-BIL), free of HTTP: the licence's user limit, and the month's active users from the
// usage events (R-BIL-2) — for the Client's admin (who counts, and why) and for the vendor (every
// Client at once).
import type { Kysely, Transaction } from 'kysely';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import type { DB, Plan } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import { activeUserCounts, activeUsers, monthBounds, monthOf } from './metering.ts';
import type { PriceBook } from './price-list.ts';

export class BillingService {
  constructor(private readonly d: { db: Kysely<DB>; clock: Clock; prices: PriceBook }) {}

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

  /** Every Client with its plan, status and active users of the month (vendor operators). */
  async overview(month = monthOf(this.d.clock.now())) {
    const [tenants, counts] = await Promise.all([this.d.db.selectFrom('tenant').select(['id', 'name', 'plan', 'status', 'user_limit']).orderBy('name').execute(), activeUserCounts(this.d.db, month)]);
    return {
      month,
      items: tenants.map((t) => ({ id: t.id, name: t.name, plan: t.plan, status: t.status, userLimit: this.d.prices.userLimit(t.plan, month, t.user_limit), activeUsers: counts.get(t.id) ?? 0 })),
    };
  }
}
