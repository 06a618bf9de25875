// Metering (R-BIL-2) and the licence's user limit (R-BIL-1, §6.1): active users of a calendar month
// in Paris time, from the recorded usage events — each of the four kinds, a user active in two ways
// counted once with both reasons, a deactivated user who was active still counted, an act at 23:30
// UTC on the last day of March counted in April (01:30 in Paris) — and the plan's user limit on
// invitation, import and reactivation (nothing changes when refused).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, referencesOf, signedIn, testClock, type Client, type TestContext } from './support/context.ts';
import { createOperator, createTenantWithAdmin, createUser, type TestUser } from './support/factories.ts';

// In the future of the real clock, so that the test's session cookies are not born expired.
const clock = testClock(new Date('2027-03-10T09:00:00Z'));
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({}, { clock });
});
afterAll(() => ctx?.close());

const at = (iso: string) => {
  clock.advance(new Date(iso).getTime() - clock.now().getTime());
};
/** Signs in again at the current test time (sessions last 12 hours of it). */
const as = (u: TestUser) => signedIn(ctx, u);

describe('active users of a month', () => {
  it('counts the four kinds of acts in Paris months, each user once with their reasons; deactivated users who acted still count', async () => {
    const t = await createTenantWithAdmin(ctx, { name: 'Métrologie Sud' });
    const manager = await createUser(ctx, t.tenantId, ['employee', 'manager']);
    const employee = await createUser(ctx, t.tenantId, ['employee'], { managerId: manager.id });
    const leaver = await createUser(ctx, t.tenantId, ['employee'], { managerId: manager.id });
    const verifier = await createUser(ctx, t.tenantId, ['employee', 'verifier']);
    const accountant = await createUser(ctx, t.tenantId, ['employee', 'accountant']);
    const { cat, pay } = await referencesOf(await as(t.admin));
    const create = async (c: Client, date: string, refs = { cat, pay }) => {
      const r = await c.post('/api/v1/expenses', { date, merchant: 'Hôtel', categoryId: Object.values(refs.cat)[0], paymentMethodId: Object.values(refs.pay)[0], amountMinor: 9_000, currency: 'EUR' });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body as { id: string; version: number };
    };

    at('2027-03-10T09:00:00Z');
    const e = await create(await as(employee), '2027-03-09');
    const sub = await (await as(employee)).post(`/api/v1/expenses/${e.id}/submit`, { version: e.version });
    await create(await as(manager), '2027-03-09'); // the manager spends too: active in two ways
    await create(await as(leaver), '2027-03-08');
    at('2027-03-20T09:00:00Z');
    expect((await (await as(t.admin)).post(`/api/v1/users/${leaver.id}/deactivate`)).status).toBe(200);

    at('2027-03-31T21:30:00Z'); // 23:30 in Paris: still March
    const approved = await (await as(manager)).post(`/api/v1/expenses/${e.id}/approve`, { version: sub.body.version, acknowledge: true });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    at('2027-03-31T23:30:00Z'); // 01:30 on 1 April in Paris: April
    const verified = await (await as(verifier)).post(`/api/v1/expenses/${e.id}/verify`, { version: approved.body.version });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    at('2027-04-02T09:00:00Z');
    const exported = await (await as(accountant)).post('/api/v1/exports/accounting', { from: '2027-03-01', to: '2027-03-31', format: 'csv' });
    expect(exported.status, JSON.stringify(exported.body)).toBe(201);

    const admin = await as(t.admin);
    const march = (await admin.get('/api/v1/billing/usage?month=2027-03')).body;
    expect(march).toMatchObject({ month: '2027-03', running: false, plan: 'team', activeUsers: 3, from: '2027-02-28T23:00:00.000Z', to: '2027-03-31T22:00:00.000Z' });
    const reasons = (b: { users: { userId: string; reasons: string[] }[] }) => Object.fromEntries(b.users.map((u) => [u.userId, u.reasons]));
    expect(reasons(march)).toEqual({ [employee.id]: ['expense'], [manager.id]: ['approval', 'expense'], [leaver.id]: ['expense'] });
    expect(march.users.find((u: { userId: string }) => u.userId === leaver.id).status).toBe('deactivated');
    const april = (await admin.get('/api/v1/billing/usage?month=2027-04')).body;
    expect(april).toMatchObject({ running: true, activeUsers: 2 });
    expect(reasons(april)).toEqual({ [verifier.id]: ['verification'], [accountant.id]: ['export'] });
    // this month by default
    expect((await admin.get('/api/v1/billing/usage')).body.month).toBe('2027-04');
    // the vendor sees every Client's count; another Client's acts are not mixed in
    const other = await createTenantWithAdmin(ctx);
    const otherAdmin = await as(other.admin);
    await create(otherAdmin, '2027-04-01', await referencesOf(otherAdmin));
    const op = await signedIn(ctx, await createOperator(ctx));
    const overview = (await op.get('/api/v1/vendor/billing/usage?month=2027-03')).body.items;
    expect(overview.find((x: { id: string }) => x.id === t.tenantId)).toMatchObject({ plan: 'team', activeUsers: 3 });
    expect(overview.find((x: { id: string }) => x.id === other.tenantId)).toMatchObject({ activeUsers: 0 });
    // bad input and the wrong people: refused
    for (const m of ['2027-13', '27-03', 'march']) expect((await admin.get(`/api/v1/billing/usage?month=${m}`)).status).toBe(400);
    expect((await (await as(employee)).get('/api/v1/billing/usage')).status).toBe(403);
    expect((await admin.get('/api/v1/vendor/billing/usage')).status).toBe(403);
  });
});

describe('the licence\u2019s user limit', () => {
  it('Solo: its one user is the admin — inviting anyone is refused', async () => {
    const t = await createTenantWithAdmin(ctx, { plan: 'solo' });
    const admin = await as(t.admin);
    const r = await admin.post('/api/v1/users', { email: `x-${Date.now()}@solo.test`, name: 'X', roles: ['employee'] });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ plan: 'solo', limit: 1, used: 1 });
    expect(r.body.type).toMatch(/\/plan-limit$/);
    expect((await admin.get('/api/v1/users')).body.items).toHaveLength(1);
  });

  it('a contract\u2019s own limit: invitation, import and reactivation stop at it, and nothing is written when refused', async () => {
    const t = await createTenantWithAdmin(ctx, { plan: 'enterprise' });
    await ctx.c.db.asOwner((r) => r.query('UPDATE tenant SET user_limit = 3 WHERE id = $1', [t.tenantId]));
    const admin = await as(t.admin);
    const invite = (n: number) => admin.post('/api/v1/users', { email: `u${n}-${t.tenantId.slice(0, 8)}@limit.test`, name: `U${n}`, roles: ['employee'] });
    const a = await invite(1);
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect((await invite(2)).status).toBe(201);
    expect((await invite(3)).body).toMatchObject({ limit: 3, used: 3 });
    const count = async () => (await admin.get('/api/v1/users')).body.items.length;
    expect(await count()).toBe(3);
    // an import of two new users when no seat is left: refused whole
    const csv = `email,name,roles\nn1-${t.tenantId.slice(0, 8)}@limit.test,N1,employee\nn2-${t.tenantId.slice(0, 8)}@limit.test,N2,employee\n`;
    const imp = await admin.post('/api/v1/users/import', csv, 'text/csv');
    expect(imp.status, JSON.stringify(imp.body)).toBe(409);
    expect(await count()).toBe(3);
    // a deactivated user frees a seat; reactivating them when it is taken again is refused
    expect((await admin.post(`/api/v1/users/${a.body.id}/deactivate`)).status).toBe(200);
    expect((await invite(4)).status).toBe(201);
    const back = await admin.post(`/api/v1/users/${a.body.id}/reactivate`);
    expect(back.status).toBe(409);
    expect((await admin.get(`/api/v1/users/${a.body.id}`)).body.status).toBe('deactivated');
  });
});

describe('price lists (PRICE_LIST_FILE)', () => {
  it('a month is priced by the list in force on its first day; a file of the wrong shape is refused at start, naming the field', async () => {
    const { DEFAULT_PRICE_LISTS, loadPriceBook } = await import('../api/features/billing/price-list.ts');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'prices-'));
    const later = { ...DEFAULT_PRICE_LISTS[0]!, version: '2027-07', from: '2027-07-01', plans: { ...DEFAULT_PRICE_LISTS[0]!.plans, team: { userLimit: 300, unitMinor: 650 } } };
    writeFileSync(join(dir, 'ok.json'), JSON.stringify([later, DEFAULT_PRICE_LISTS[0]]));
    const book = loadPriceBook(join(dir, 'ok.json'));
    expect(book.forMonth('2027-06').version).toBe('2026-01');
    expect(book.forMonth('2027-07').plans.team.unitMinor).toBe(650);
    expect(book.userLimit('team', '2027-08', null)).toBe(300);
    expect(book.userLimit('team', '2027-08', 12)).toBe(12); // a contract's own limit wins
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ ...later, from: '2027-07-15' }]));
    expect(() => loadPriceBook(join(dir, 'bad.json'))).toThrow(/0\.from: the first day of a month/);
  });
});
