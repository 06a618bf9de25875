// Active users (R-BIL-2): a user is active in a calendar month — in Paris time — when they did at
// least one billable act (api/features/billing/usage.ts). Counted from the recorded usage events by
// one set-based query, never from a counter.
import { DateTime } from 'luxon';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../../storage/db/schema.ts';
import type { UsageKind } from './usage.ts';

const PARIS = 'Europe/Paris';
export const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The month's bounds as instants: [first day 00:00 Paris, next month's first day 00:00 Paris). */
export function monthBounds(month: string): { from: Date; to: Date } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const start = DateTime.fromObject({ year: y, month: m, day: 1 }, { zone: PARIS });
  return { from: start.toJSDate(), to: start.plus({ months: 1 }).toJSDate() };
}

/** The Paris month ('YYYY-MM') an instant falls in. */
export const monthOf = (at: Date): string => DateTime.fromJSDate(at, { zone: PARIS }).toFormat('yyyy-MM');
/** The Paris month before the one an instant falls in (the month the 1st's invoice run bills). */
export const previousMonth = (at: Date): string => DateTime.fromJSDate(at, { zone: PARIS }).minus({ months: 1 }).toFormat('yyyy-MM');

export interface ActiveUser {
  userId: string;
  name: string | null;
  status: string | null;
  /** Why they count: the kinds of acts they did in the month. */
  reasons: UsageKind[];
  firstAt: string;
  acts: number;
}

/** The month's active users of one Client, each with why they count (deactivated ones included: they were active). */
export async function activeUsers(db: Kysely<DB>, tenantId: string, month: string): Promise<ActiveUser[]> {
  const { from, to } = monthBounds(month);
  const rows = await db
    .selectFrom('usage_event as e')
    .leftJoin('app_user as u', 'u.id', 'e.user_id')
    .select(['e.user_id', 'u.name', 'u.status'])
    .select((eb) => [sql<UsageKind[]>`array_agg(DISTINCT e.kind ORDER BY e.kind)`.as('kinds'), eb.fn.min('e.occurred_at').as('first_at'), eb.fn.countAll<number>().as('acts')])
    .where('e.tenant_id', '=', tenantId)
    .where('e.occurred_at', '>=', from)
    .where('e.occurred_at', '<', to)
    .groupBy(['e.user_id', 'u.name', 'u.status'])
    .orderBy('u.name')
    .orderBy('e.user_id')
    .execute();
  return rows.map((r) => ({ userId: r.user_id, name: r.name, status: r.status, reasons: r.kinds, firstAt: new Date(r.first_at as Date).toISOString(), acts: Number(r.acts) }));
}

/** Active users per Client for a month, every Client at once (the monthly close). */
export async function activeUserCounts(db: Kysely<DB>, month: string): Promise<Map<string, number>> {
  const { from, to } = monthBounds(month);
  const rows = await db
    .selectFrom('usage_event')
    .select(['tenant_id', sql<number>`count(DISTINCT user_id)`.as('n')])
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', to)
    .groupBy('tenant_id')
    .execute();
  return new Map(rows.map((r) => [r.tenant_id, Number(r.n)]));
}
