// Vendor staff's access to a Client's data (§8.2.a, issue 9 item 9): a support agent sees a Client's
// data only through a grant its admin created (scopes, reason, expiry ≤ 7 days); every read under a
// grant lands in that Client's audit chain naming the agent and the grant; revocation takes effect
// at once. Without a grant the answer is a 404, the same as for a Client that does not exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../api/features/audit/audit.service.ts';
import { TenantDb } from '../storage/db/tenant-db.ts';
import { png } from './support/images.ts';
import { createTestContext, signedIn, testClock, type Client, type TestContext } from './support/context.ts';
import { createOperator, createSupportAgent, createTenantWithAdmin, createUser, lastMailTo, type TestUser } from './support/factories.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const clock = testClock(new Date('2027-03-08T09:00:00Z'));
const to = (iso: string) => clock.advance(new Date(iso).getTime() - clock.now().getTime());
const at = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();

let ctx: TestContext;
let A: Awaited<ReturnType<typeof createTenantWithAdmin>>;
let B: Awaited<ReturnType<typeof createTenantWithAdmin>>;
let asA: Client;
let asB: Client;
let agent: TestUser;
let other: TestUser;
let aExpenseId: string;
let aReceiptId: string;
const receiptPng = png(40, 30);

beforeAll(async () => {
  ctx = await createTestContext({}, { clock });
  A = await createTenantWithAdmin(ctx, { name: 'Client A' });
  B = await createTenantWithAdmin(ctx, { name: 'Client B' });
  asA = await signedIn(ctx, A.admin);
  asB = await signedIn(ctx, B.admin);
  agent = await createSupportAgent(ctx, 'Alice Support');
  other = await createSupportAgent(ctx, 'Bob Support');
  // a submitted expense of A (an employee whose manager is A's admin), and a draft, private to its author
  const tdb = new TenantDb(A.tenantId, ctx.c.db.kysely);
  await ctx.c.db.kysely.insertInto('user_role').values({ tenant_id: A.tenantId, user_id: A.admin.id, role: 'manager' }).execute();
  const emp = await createUser(ctx, A.tenantId, ['employee'], { managerId: A.admin.id });
  const viewer = { via: 'session' as const, authMethod: 'password' as const, userId: emp.id, tenantId: A.tenantId, roles: ['employee' as const], email: emp.email, name: emp.name, locale: 'fr' as const };
  const actor = { ...SYSTEM_ACTOR, kind: 'user' as const, userId: emp.id };
  const categoryId = (await ctx.c.categories.categories(tdb)).items[0]!.id;
  const paymentMethodId = (await ctx.c.categories.paymentMethods(tdb)).items[0]!.id;
  const e = await ctx.c.expenses.create(tdb, viewer, actor, { date: '2027-03-01', merchant: 'Taxi A', categoryId, paymentMethodId, amountMinor: 2_500, currency: 'EUR' });
  const asEmp = await signedIn(ctx, emp);
  const up = await asEmp.agent.post(`/api/v1/expenses/${e.id}/receipts`).set('X-CSRF-Token', asEmp.csrf).attach('files', receiptPng, { filename: 'taxi.png', contentType: 'image/png' });
  expect(up.status, JSON.stringify(up.body)).toBeLessThan(300);
  aReceiptId = up.body.items[0].id;
  await ctx.c.workflow.submit(tdb, viewer, actor, e.id, { version: (await ctx.c.expenses.get(tdb, viewer, e.id)).version });
  aExpenseId = e.id;
  await ctx.c.expenses.create(tdb, viewer, actor, { date: '2027-03-02', merchant: 'Draft A', categoryId, paymentMethodId, amountMinor: 100, currency: 'EUR' });
});
afterAll(() => ctx?.close());

const grant = (c: Client, body: Record<string, unknown>) => c.post('/api/v1/support-access/grants', body);
const validGrant = (over: Record<string, unknown> = {}) => ({ granteeId: agent.id, scopes: ['users', 'expenses'], reason: 'Ticket 42: the export fails', expiresAt: at(DAY), ...over });
const readsOf = async (tenantId: string) =>
  ctx.c.db.kysely.selectFrom('audit_event').selectAll().where('chain', '=', tenantId).where('type', '=', 'support.read').orderBy('seq').execute();
const grantsOf = async (tenantId: string) => (await ctx.c.db.kysely.selectFrom('access_grant').select((eb) => eb.fn.countAll().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()).n;
const users = (c: Client, tenantId: string) => c.get(`/api/v1/vendor/support/tenants/${tenantId}/users`);
const expenses = (c: Client, tenantId: string) => c.get(`/api/v1/vendor/support/tenants/${tenantId}/expenses`);

describe('support access under a Client admin\u2019s grant', () => {
  it('lists the vendor\u2019s active support agents to the admin; not to other users', async () => {
    const r = await asA.get('/api/v1/support-access/agents');
    expect(r.status).toBe(200);
    const ids = r.body.items.map((a: { id: string }) => a.id);
    expect(ids).toEqual(expect.arrayContaining([agent.id, other.id]));
    expect(r.body.items.find((a: { id: string }) => a.id === agent.id)).toMatchObject({ name: 'Alice Support', email: agent.email });
    const emp = await signedIn(ctx, await createUser(ctx, A.tenantId, ['employee', 'manager', 'verifier']));
    expect((await emp.get('/api/v1/support-access/agents')).status).toBe(403);
    expect((await emp.get('/api/v1/support-access/grants')).status).toBe(403);
    expect((await grant(emp, validGrant())).status).toBe(403);
    expect(await grantsOf(A.tenantId)).toBe(0);
  });

  it('refuses bad grants (400) and writes nothing', async () => {
    const client = await createUser(ctx, A.tenantId, ['admin']);
    const deactivated = await createSupportAgent(ctx, 'Gone Support');
    await ctx.c.db.kysely.updateTable('app_user').set({ status: 'deactivated' }).where('id', '=', deactivated.id).execute();
    const chainBefore = (await ctx.c.db.kysely.selectFrom('audit_event').select('seq').where('chain', '=', A.tenantId).orderBy('seq', 'desc').limit(1).executeTakeFirst())?.seq;
    for (const bad of [
      validGrant({ expiresAt: at(7 * DAY + MIN) }), // more than 7 days
      validGrant({ expiresAt: at(-MIN) }), // past
      validGrant({ expiresAt: at(0) }), // now
      validGrant({ expiresAt: 'tomorrow' }),
      validGrant({ granteeId: '00000000-0000-4000-8000-000000000000' }), // unknown agent
      validGrant({ granteeId: client.id }), // a Client user, not a support agent
      validGrant({ granteeId: deactivated.id }), // no longer active
      validGrant({ scopes: ['users', 'billing'] }), // unknown scope
      validGrant({ scopes: [] }),
      validGrant({ reason: '' }),
      validGrant({ extra: 1 }),
      { granteeId: agent.id, scopes: ['users'], reason: 'Ticket 1' },
    ]) expect((await grant(asA, bad)).status, JSON.stringify(bad)).toBe(400);
    expect(await grantsOf(A.tenantId)).toBe(0);
    expect((await ctx.c.db.kysely.selectFrom('audit_event').select('seq').where('chain', '=', A.tenantId).orderBy('seq', 'desc').limit(1).executeTakeFirst())?.seq).toBe(chainBefore);
    // exactly 7 days is allowed
    const seven = await grant(asA, validGrant({ granteeId: other.id, expiresAt: at(7 * DAY), scopes: ['settings'] }));
    expect(seven.status, JSON.stringify(seven.body)).toBe(201);
    expect((await asA.post(`/api/v1/support-access/grants/${seven.body.id}/revoke`)).status).toBe(200);
  });

  it('without a grant the agent (and an operator) sees nothing; with one, exactly its Client and scopes, every read in the Client\u2019s audit log', async () => {
    const asAgent = await signedIn(ctx, agent);
    const op = await signedIn(ctx, await createOperator(ctx));
    expect((await asAgent.get('/api/v1/vendor/support/grants')).body.items).toEqual([]);
    for (const c of [asAgent, op]) {
      expect((await users(c, A.tenantId)).status).toBe(404);
      expect((await expenses(c, A.tenantId)).status).toBe(404);
      expect((await c.get(`/api/v1/vendor/support/tenants/${A.tenantId}/audit-events`)).status).toBe(404);
    }
    // a Client's admin cannot use the vendor paths
    expect((await users(asA, A.tenantId)).status).toBe(403);
    expect(await readsOf(A.tenantId)).toEqual([]);

    const g = await grant(asA, validGrant({ scopes: ['users'] }));
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    expect(g.body).toMatchObject({ granteeId: agent.id, granteeName: 'Alice Support', scopes: ['users'], status: 'active', revokedAt: null });
    const mail = await lastMailTo(ctx, agent.email);
    expect(mail?.subject).toContain('Client A');
    expect(mail?.text).toContain('Ticket 42');
    const mine = (await asAgent.get('/api/v1/vendor/support/grants')).body.items;
    expect(mine).toEqual([expect.objectContaining({ id: g.body.id, tenantId: A.tenantId, clientName: 'Client A', scopes: ['users'] })]);

    // positive control: the same request now succeeds
    const u = await users(asAgent, A.tenantId);
    expect(u.status).toBe(200);
    expect(u.body.items.map((x: { id: string }) => x.id)).toContain(A.admin.id);
    expect((await asAgent.get(`/api/v1/vendor/support/tenants/${A.tenantId}/teams`)).status).toBe(200);
    // the scope is respected
    expect((await expenses(asAgent, A.tenantId)).status).toBe(404);
    expect((await asAgent.get(`/api/v1/vendor/support/tenants/${A.tenantId}/expenses/${aExpenseId}`)).status).toBe(404);
    expect((await asAgent.get(`/api/v1/vendor/support/tenants/${A.tenantId}/audit-events`)).status).toBe(404);
    expect((await asAgent.get(`/api/v1/vendor/support/tenants/${A.tenantId}/settings`)).status).toBe(404);
    // A's grant gives nothing of B; another agent gets nothing of A; an operator neither
    expect((await users(asAgent, B.tenantId)).status).toBe(404);
    expect((await users(asAgent, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await users(await signedIn(ctx, other), A.tenantId)).status).toBe(404);
    expect((await users(op, A.tenantId)).status).toBe(404);

    // every read is in A's chain, naming the agent and the grant; nothing in B's
    const reads = await readsOf(A.tenantId);
    expect(reads).toHaveLength(2);
    expect(reads[0]).toMatchObject({ actor_id: agent.id, target_type: 'access_grant', target_id: g.body.id, tenant_id: A.tenantId });
    expect(reads[0]!.data).toMatchObject({ grantId: g.body.id, scope: 'users', resource: 'users' });
    expect((reads[0]!.data as { count: number }).count).toBeGreaterThanOrEqual(1);
    expect(reads[1]!.data).toMatchObject({ grantId: g.body.id, scope: 'users', resource: 'teams' });
    expect(await readsOf(B.tenantId)).toEqual([]);
    // …and the Client's admin reads them in its audit log, with the agent
    const log = (await asA.get('/api/v1/audit-events?action=support')).body.items;
    expect(log.filter((e: { action: string }) => e.action === 'support.read')).toHaveLength(2);
    expect(log.find((e: { action: string }) => e.action === 'support_access.granted')).toMatchObject({ actorId: A.admin.id });
    expect(log.find((e: { action: string }) => e.action === 'support.read')).toMatchObject({ actorId: agent.id, actorLabel: agent.email });

    // B's admin sees nothing of A's grants and cannot revoke them
    expect(JSON.stringify((await asB.get('/api/v1/support-access/grants')).body)).not.toContain(g.body.id);
    expect((await asB.post(`/api/v1/support-access/grants/${g.body.id}/revoke`)).status).toBe(404);
    expect((await users(asAgent, A.tenantId)).status).toBe(200);
    // revocation takes effect at once
    const rv = await asA.post(`/api/v1/support-access/grants/${g.body.id}/revoke`);
    expect(rv.status).toBe(200);
    expect(rv.body).toMatchObject({ status: 'revoked', revokedBy: A.admin.id });
    expect((await users(asAgent, A.tenantId)).status).toBe(404);
    expect((await asAgent.get('/api/v1/vendor/support/grants')).body.items).toEqual([]);
    expect((await readsOf(A.tenantId)).length).toBe(3); // the refused read after revocation wrote nothing
    expect((await asA.get('/api/v1/support-access/grants')).body.items.find((x: { id: string }) => x.id === g.body.id)).toMatchObject({ status: 'revoked' });
  });

  it('expenses: submitted ones with their receipts\u2019 metadata, never drafts', async () => {
    const asAgent = await signedIn(ctx, agent);
    const g = await grant(asA, validGrant({ scopes: ['expenses', 'audit', 'settings'] }));
    expect(g.status).toBe(201);
    const list = await expenses(asAgent, A.tenantId);
    expect(list.status).toBe(200);
    expect(list.body.items.map((e: { id: string; merchant: string }) => e.merchant)).toEqual(['Taxi A']);
    expect(list.body.items[0].receipts.map((r: { id: string }) => r.id)).toEqual([aReceiptId]);
    // the receipt's file needs the scope receipts
    const file = `/api/v1/vendor/support/tenants/${A.tenantId}/receipts/${aReceiptId}/file`;
    expect((await asAgent.get(file)).status).toBe(404);
    const withFiles = await grant(asA, validGrant({ scopes: ['receipts'] }));
    const bytes = await asAgent.get(file).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (b: Buffer) => chunks.push(b));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(bytes.status).toBe(200);
    expect(Buffer.compare(bytes.body as Buffer, receiptPng)).toBe(0);
    await asA.post(`/api/v1/support-access/grants/${withFiles.body.id}/revoke`);
    expect((await asAgent.get(file)).status).toBe(404);
    expect((await readsOf(A.tenantId)).filter((e) => (e.data as { scope: string }).scope === 'receipts').map((e) => e.data)).toEqual([{ grantId: withFiles.body.id, scope: 'receipts', resource: `receipt ${aReceiptId}`, count: 1 }]);
    const one = await asAgent.get(`/api/v1/vendor/support/tenants/${A.tenantId}/expenses/${aExpenseId}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: aExpenseId, merchant: 'Taxi A' });
    expect((await asAgent.get(`/api/v1/vendor/support/tenants/${A.tenantId}/settings`)).status).toBe(200);
    const audit = await asAgent.get(`/api/v1/vendor/support/tenants/${A.tenantId}/audit-events`);
    expect(audit.status).toBe(200);
    expect(audit.body.items.length).toBeGreaterThan(0);
    expect((await users(asAgent, A.tenantId)).status).toBe(404); // users not granted this time
    const reads = (await readsOf(A.tenantId)).filter((e) => (e.data as { scope: string }).scope !== 'receipts').slice(-4).map((e) => (e.data as { scope: string; resource: string }));
    expect(reads).toEqual([
      expect.objectContaining({ scope: 'expenses', resource: 'expenses' }),
      expect.objectContaining({ scope: 'expenses', resource: `expense ${aExpenseId}` }),
      expect.objectContaining({ scope: 'settings', resource: 'settings' }),
      expect.objectContaining({ scope: 'audit', resource: 'audit-events' }),
    ]);
    await asA.post(`/api/v1/support-access/grants/${g.body.id}/revoke`);
  });

  it('expires by the app\u2019s clock: usable one minute before expires_at, refused at it', async () => {
    const g = await grant(asA, validGrant({ scopes: ['users'], expiresAt: at(2 * DAY) }));
    expect(g.status).toBe(201);
    const expiresAt = new Date(g.body.expiresAt).getTime();
    to(new Date(expiresAt - MIN).toISOString());
    const asAgent = await signedIn(ctx, agent); // sessions last 12 hours: sign in again after the jump
    expect((await users(asAgent, A.tenantId)).status).toBe(200);
    to(new Date(expiresAt).toISOString());
    expect((await users(asAgent, A.tenantId)).status).toBe(404);
    expect((await asAgent.get('/api/v1/vendor/support/grants')).body.items).toEqual([]);
    const asA2 = await signedIn(ctx, A.admin);
    expect((await asA2.get('/api/v1/support-access/grants')).body.items.find((x: { id: string }) => x.id === g.body.id)).toMatchObject({ status: 'expired' });
  });
});
