// R-SEC-5, generated over every route that takes a JSON body: malformed JSON, non-object bodies,
// unknown fields, wrong content type and oversize bodies all get a 4xx problem+json and leave
// every table exactly as it was.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '../api/features/index.ts';
import type { RouteDef } from '../api/http/routes.ts';
import { Client, createTestContext, type TestContext } from './support/context.ts';
import { createOperator, createTenantWithAdmin, createUser, PASSWORD } from './support/factories.ts';

let ctx: TestContext;
let admin: Client;
let operator: Client;
let ids: Record<string, string>;

beforeAll(async () => {
  ctx = await createTestContext({ BODY_LIMIT_KB: '16' });
  const t = await createTenantWithAdmin(ctx);
  const u = await createUser(ctx, t.tenantId, ['employee']);
  // the admin also verifies, so that verifier-only routes reach their validation
  await ctx.c.db.kysely.insertInto('user_role').values({ tenant_id: t.tenantId, user_id: t.admin.id, role: 'verifier' }).execute();
  admin = new Client(ctx);
  await admin.login(t.admin.email, PASSWORD);
  operator = new Client(ctx);
  const op = await createOperator(ctx);
  await operator.login(op.email, PASSWORD);
  const team = await admin.post('/api/v1/teams', { name: 'T' });
  const token = await admin.post('/api/v1/api-tokens', { name: 'tok', scopes: ['users:read'] });
  const categories = (await admin.get('/api/v1/categories')).body.items;
  const methods = (await admin.get('/api/v1/payment-methods')).body.items;
  const expense = await admin.post('/api/v1/expenses', { date: '2026-01-15', merchant: 'M', categoryId: categories[0].id, paymentMethodId: methods[0].id, amountMinor: 100, currency: 'EUR' });
  ids = { '/users': u.id, '/teams': team.body.id, '/api-tokens': token.body.id, '/categories': categories[0].id, '/payment-methods': methods[0].id, '/expenses': expense.body.id };
  // mileage and per-diem (R-CAP-4)
  const vehicle = await admin.post('/api/v1/vehicles', { name: 'V', kind: 'car', fiscalHp: 5 });
  const trip = await admin.post('/api/v1/expenses/mileage', { date: '2026-01-15', vehicleId: vehicle.body.id, distanceKm: 10, from: 'A', to: 'B', purpose: 'P' });
  const rate = await admin.post('/api/v1/per-diem-rates', { name: 'Repas', amountMinor: 2110, validFrom: '2025-01-01', categoryId: categories[0].id });
  const perDiem = await admin.post('/api/v1/expenses/per-diem', { date: '2026-01-15', rateId: rate.body.id, units: 1 });
  const hold = await admin.post('/api/v1/vault/holds', { owner: 'Legal', reason: 'Audit', reviewOn: '2027-01-31' });
  Object.assign(ids, { '/vault/holds': hold.body.id });
  Object.assign(ids, { '/vehicles': vehicle.body.id, '/expenses/mileage': trip.body.id, '/per-diem-rates': rate.body.id, '/expenses/per-diem': perDiem.body.id });
  for (const [col, id] of Object.entries(ids)) expect(id, `an id for ${col}/:id`).toMatch(/^[0-9a-f-]{36}$/);
});
afterAll(() => ctx.close());

/** Row counts of every table: "nothing written" means none of them moved. */
async function snapshot(): Promise<string> {
  const tables = (await sql<{ t: string }>`SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`.execute(ctx.c.db.kysely)).rows.map((r) => r.t);
  const counts: string[] = [];
  for (const t of tables.filter((x) => x !== 'rate_limit')) {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(t)}`.execute(ctx.c.db.kysely);
    counts.push(`${t}=${r.rows[0]!.n}`);
  }
  const users = await sql<{ v: string }>`SELECT coalesce(max(updated_at)::text, '') AS v FROM app_user`.execute(ctx.c.db.kysely);
  return `${counts.join(' ')} users@${users.rows[0]!.v}`;
}

const jsonRoutes = allRoutes.filter((r) => r.body && r.bodyType !== 'text/csv');
const who = (r: RouteDef) => (r.access.kind === 'vendor' ? operator : admin);
// A real id of the right kind, so that only the body can be at fault.
const urlOf = (r: RouteDef) => '/api/v1' + r.path.replace(/^((?:\/[\w-]+)+)\/:id/, (_m, col: string) => `${col}/${ids[col]}`);

function send(r: RouteDef, body: string, type = 'application/json') {
  const c = who(r);
  const req = r.method === 'patch' ? c.agent.patch(urlOf(r)) : r.method === 'put' ? c.agent.put(urlOf(r)) : c.agent.post(urlOf(r));
  return req.set('X-CSRF-Token', c.csrf).set('Content-Type', type).send(body);
}

describe('bad input changes nothing (generated over every JSON route)', () => {
  it('has JSON routes to test', () => expect(jsonRoutes.length).toBeGreaterThan(8));

  for (const r of jsonRoutes) {
    const name = `${r.method.toUpperCase()} ${r.path}`;
    it(`${name}: malformed JSON, non-objects, unknown fields, wrong type, oversize → 4xx problem+json`, async () => {
      const before = await snapshot();
      const cases: [string, string, string, number][] = [
        ['malformed', '{"email": "a@b.c",', 'application/json', 400],
        ['a bare number', '42', 'application/json', 400],
        ['an array', '[]', 'application/json', 400],
        ['an unknown field', JSON.stringify({ unexpectedField: true }), 'application/json', 400],
        ['text/plain', 'hello', 'text/plain', 415],
        ['oversize', JSON.stringify({ name: 'x'.repeat(20 * 1024) }), 'application/json', 413],
      ];
      for (const [label, body, type, status] of cases) {
        const res = await send(r, body, type);
        expect(res.status, `${name} with ${label}: ${JSON.stringify(res.body)}`).toBe(status);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.type).toMatch(/^https:\/\/justif\.app\/problems\//);
        expect(res.body.requestId).toBeTruthy();
      }
      expect(await snapshot()).toBe(before);
    });
  }

  const wrongTypes: [string, string, object][] = [
    ['post', '/auth/login', { email: 123, password: 'x' }],
    ['post', '/users', { email: 'ok@x.test', name: 'Ok', roles: 'admin' }],
    ['post', '/users', { email: 'ok@x.test', name: 'Ok', roles: ['pilot'] }],
    ['post', '/users', { email: 'ok@x.test', name: '', roles: ['employee'] }],
    ['patch', '/users/:id', { managerId: 'not-a-uuid' }],
    ['patch', '/users/:id', {}],
    ['post', '/api-tokens', { name: 'x', scopes: ['everything'] }],
    ['post', '/vendor/tenants', { name: 'X', plan: 'gold', country: 'FR', currency: 'EUR', adminEmail: 'a@b.test', adminName: 'A' }],
    ['post', '/vendor/tenants', { name: 'X', plan: 'team', country: 'France', currency: 'EUR', adminEmail: 'a@b.test', adminName: 'A' }],
    ['post', '/expenses', { date: '2026-01-15', merchant: 'M', categoryId: '00000000-0000-4000-8000-000000000000', paymentMethodId: '00000000-0000-4000-8000-000000000000', amountMinor: 12.5, currency: 'EUR' }],
    ['patch', '/expenses/:id', { merchant: 'no version' }],
    ['put', '/exchange-rates', { currency: 'USD', date: '2026-01-15', rate: 1.05 }],
    ['post', '/payment-methods', { name: 'Card', reimbursable: 'no' }],
    ['post', '/vehicles', { name: 'V', kind: 'truck', fiscalHp: 5 }],
    ['post', '/expenses/mileage', { date: '2026-01-15', vehicleId: '00000000-0000-4000-8000-000000000000', distanceKm: 12.25, from: 'A', to: 'B', purpose: 'P' }],
    ['patch', '/expenses/mileage/:id', { distanceKm: 3 }],
    ['post', '/per-diem-rates', { name: 'R', amountMinor: 21.1, validFrom: '2025-01-01', categoryId: '00000000-0000-4000-8000-000000000000' }],
    ['post', '/expenses/per-diem', { date: '2026-01-15', rateId: '00000000-0000-4000-8000-000000000000', units: 1.5 }],
    ['patch', '/vault/settings', { retentionYears: 5 }],
    ['post', '/vault/holds', { owner: 'X', reason: 'Y', reviewOn: '31/01/2027' }],
    ['post', '/vault/holds/:id/release', { reason: '' }],
    ['post', '/vault/destructions', { kind: 'contract_end', reason: 'R', depositIds: ['not-an-id'] }],
  ];
  for (const [method, path, body] of wrongTypes) {
    it(`${method.toUpperCase()} ${path} with ${JSON.stringify(body)} → 400 naming the field`, async () => {
      const r = allRoutes.find((x) => x.method === method && x.path === path)!;
      const before = await snapshot();
      const res = await send(r, JSON.stringify(body));
      expect(res.status).toBe(400);
      expect(res.body.type).toMatch(/\/validation$/);
      expect(res.body.errors.length).toBeGreaterThan(0);
      expect(await snapshot()).toBe(before);
    });
  }

  it('an out-of-range query value is a 400, an unknown path a 404 problem', async () => {
    const r = await admin.get('/api/v1/users?limit=100000');
    expect(r.status).toBe(400);
    expect(r.body.errors[0].path).toBe('query.limit');
    const nf = await admin.get('/api/v1/nope');
    expect(nf.status).toBe(404);
    expect(nf.headers['content-type']).toMatch(/problem\+json/);
  });
});
