// Usage events (R-BIL-2): each of the four acts that make a user active — an expense created, an
// approval decision, a verification, an accounting or payroll export — leaves one usage event for
// the person who did it, in the transaction of the act; other acts (editing, submitting, reading,
// a refused attempt, the service's own jobs) leave none. The table is append-only.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, referencesOf, signedIn, type TestContext } from './support/context.ts';
import { createTenantWithAdmin, createUser } from './support/factories.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

const usage = async (tenantId: string) =>
  (await ctx.c.db.kysely.selectFrom('usage_event').select(['user_id', 'kind']).where('tenant_id', '=', tenantId).orderBy('occurred_at').execute()).map((r) => `${r.kind}:${r.user_id}`);

describe('usage events', () => {
  it('one per billable act, for the person who acted; none for anything else', async () => {
    const t = await createTenantWithAdmin(ctx);
    const manager = await createUser(ctx, t.tenantId, ['employee', 'manager']);
    const employee = await createUser(ctx, t.tenantId, ['employee'], { managerId: manager.id });
    const verifier = await createUser(ctx, t.tenantId, ['employee', 'verifier']);
    const accountant = await createUser(ctx, t.tenantId, ['employee', 'accountant']);
    const me = await signedIn(ctx, employee);
    const boss = await signedIn(ctx, manager);
    const checker = await signedIn(ctx, verifier);
    const books = await signedIn(ctx, accountant);
    const { cat, pay } = await referencesOf(me);
    const baseline = await usage(t.tenantId);

    const e = (await me.post('/api/v1/expenses', { date: '2026-03-10', merchant: 'Hôtel', categoryId: Object.values(cat)[0], paymentMethodId: Object.values(pay)[0], amountMinor: 9_000, currency: 'EUR' })).body;
    expect(await usage(t.tenantId)).toEqual([...baseline, `expense:${employee.id}`]);
    // editing, submitting, reading: not billable
    const edited = (await me.patch(`/api/v1/expenses/${e.id}`, { merchant: 'Hôtel du Parc', version: e.version })).body;
    const sub = await me.post(`/api/v1/expenses/${e.id}/submit`, { version: edited.version });
    expect(sub.status, JSON.stringify(sub.body)).toBe(200);
    await me.get('/api/v1/expenses');
    expect(await usage(t.tenantId)).toEqual([...baseline, `expense:${employee.id}`]);
    // a refused attempt is not an act
    expect((await checker.post(`/api/v1/expenses/${e.id}/verify`, { version: sub.body.version })).status).toBe(409);
    const approved = await boss.post(`/api/v1/expenses/${e.id}/approve`, { version: sub.body.version, acknowledge: true });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const verified = await checker.post(`/api/v1/expenses/${e.id}/verify`, { version: approved.body.version });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    const exported = await books.post('/api/v1/exports/accounting', { from: '2026-03-01', to: '2026-03-31', format: 'csv' });
    expect(exported.status, JSON.stringify(exported.body)).toBe(201);
    expect(await usage(t.tenantId)).toEqual([...baseline, `expense:${employee.id}`, `approval:${manager.id}`, `verification:${verifier.id}`, `export:${accountant.id}`]);
    // one row per act, linked to its audit event
    const linked = await ctx.c.db.kysely.selectFrom('usage_event as u').innerJoin('audit_event as a', 'a.id', 'u.audit_event_id').select(['a.type', 'a.actor_id', 'u.user_id']).where('u.tenant_id', '=', t.tenantId).execute();
    for (const l of linked) expect(l.actor_id).toBe(l.user_id);
    expect(linked.map((l) => l.type).sort()).toEqual(expect.arrayContaining(['expense.approved', 'expense.created', 'expense.verified', 'export.created']));
  });

  it('is append-only, for the service role', async () => {
    const db = ctx.c.db.kysely;
    await expect(sql`DELETE FROM usage_event`.execute(db)).rejects.toThrow(/append-only|permission denied/);
    await expect(sql`UPDATE usage_event SET kind = 'export'`.execute(db)).rejects.toThrow(/append-only|permission denied/);
  });
});
