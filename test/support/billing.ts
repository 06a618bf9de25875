// Billing fixtures: Clients whose users act (a billable act each) on the test clock's day.
import { expect } from 'vitest';
import type { Clock } from '../../api/clock.ts';
import { referencesOf, signedIn, type TestContext } from './context.ts';
import { createTenantWithAdmin, createUser } from './factories.ts';

/** A Client whose `n` users (the admin first) each create an expense on the clock's current day. */
export async function clientWithActiveUsers(ctx: TestContext, clock: Clock, n: number, o: { country?: string; vatNumber?: string; plan?: 'solo' | 'team' | 'enterprise'; billingEmail?: string } = {}) {
  const t = await createTenantWithAdmin(ctx, { name: `Client ${Math.random().toString(36).slice(2, 8)}`, plan: o.plan });
  if (o.country || o.billingEmail)
    await ctx.c.db.asOwner((r) => r.query('UPDATE tenant SET country = coalesce($2, country), vat_number = $3, billing_email = $4 WHERE id = $1', [t.tenantId, o.country ?? null, o.vatNumber ?? null, o.billingEmail ?? null]));
  const users: { id: string; email: string; password?: string }[] = [t.admin];
  for (let i = 0; i < n; i++) {
    const u = i === 0 ? t.admin : await createUser(ctx, t.tenantId, ['employee']);
    if (i > 0) users.push(u);
    await actOnce(ctx, clock, u);
  }
  return { ...t, users, name: (await ctx.c.db.kysely.selectFrom('tenant').select('name').where('id', '=', t.tenantId).executeTakeFirstOrThrow()).name };
}

/** One billable act of the user: an expense created on the clock's day. */
export async function actOnce(ctx: TestContext, clock: Clock, u: { email: string; password?: string }) {
  const me = await signedIn(ctx, u);
  const { cat, pay } = await referencesOf(me);
  const r = await me.post('/api/v1/expenses', { date: clock.now().toISOString().slice(0, 10), merchant: 'Papeterie', categoryId: Object.values(cat)[0], paymentMethodId: Object.values(pay)[0], amountMinor: 1_000, currency: 'EUR' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return me;
}
