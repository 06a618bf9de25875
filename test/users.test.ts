import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestContext, type TestContext } from './support/context.ts';
import { createTenantWithAdmin, createUser, lastMailTo, PASSWORD } from './support/factories.ts';
import { onPostgres } from './support/db.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

async function adminOf() {
  const t = await createTenantWithAdmin(ctx);
  const a = new Client(ctx);
  await a.login(t.admin.email, PASSWORD);
  return { t, a };
}
const count = async (table: 'app_user' | 'team' | 'user_token', tenantId?: string) => {
  let q = ctx.c.db.kysely.selectFrom(table as 'app_user').select((eb) => eb.fn.countAll<number>().as('n'));
  if (tenantId && table !== 'user_token') q = q.where('tenant_id', '=', tenantId);
  return Number((await q.executeTakeFirstOrThrow()).n);
};

describe('CSV import of users, teams and managers', () => {
  it('imports users, teams and managers (a manager may come later in the file) and invites the new users', async () => {
    const { t, a } = await adminOf();
    const csv = [
      'email,name,roles,team,manager_email,payroll_id',
      'emp1@acme.test,Émile Un,employee,Ventes,boss@acme.test,P001',
      'emp2@acme.test,"Dupont, Léa",employee|verifier,Ventes,boss@acme.test,P002',
      `boss@acme.test,Big Boss,manager|employee,Direction,${t.admin.email},`,
    ].join('\r\n');
    const r = await a.post('/api/v1/users/import', csv, 'text/csv');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ created: 3, updated: 0, teamsCreated: 2 });
    const list = (await a.get('/api/v1/users?limit=50')).body.items as { email: string; id: string; managerId: string | null; roles: string[]; name: string; payrollId: string | null }[];
    const by = Object.fromEntries(list.map((u) => [u.email, u]));
    expect(by['emp1@acme.test']!.managerId).toBe(by['boss@acme.test']!.id);
    expect(by['boss@acme.test']!.managerId).toBe(t.admin.id);
    expect(by['emp2@acme.test']).toMatchObject({ name: 'Dupont, Léa', roles: ['employee', 'verifier'], payrollId: 'P002' });
    expect((await lastMailTo(ctx, 'emp1@acme.test'))?.text).toMatch(/\/invitation\//);
    // Re-importing updates instead of duplicating
    const again = await a.post('/api/v1/users/import', 'email,name,roles\nemp1@acme.test,Émile Renamed,employee|manager', 'text/csv');
    expect(again.body).toEqual({ created: 0, updated: 1, teamsCreated: 0 });
  });

  it('reports every bad row with row and column, and imports nothing', async () => {
    const { t, a } = await adminOf();
    const users = await count('app_user', t.tenantId);
    const teams = await count('team', t.tenantId);
    const tokens = await count('user_token');
    const csv = [
      'email,name,roles,team,manager_email',
      'good@acme2.test,Good Row,employee,Nouvelle équipe,',
      'not-an-email,Bad Email,employee,,',
      'x@acme2.test,Bad Role,employee|pilot,,',
      'y@acme2.test,Unknown Manager,employee,,ghost@acme2.test',
      'good@acme2.test,Twice,employee,,',
    ].join('\n');
    const r = await a.post('/api/v1/users/import', csv, 'text/csv');
    expect(r.status).toBe(400);
    expect(r.body.type).toMatch(/import-invalid$/);
    const errs = r.body.errors as { row: number; column: string; message: string }[];
    expect(errs).toEqual(expect.arrayContaining([
      expect.objectContaining({ row: 3, column: 'email' }),
      expect.objectContaining({ row: 4, column: 'roles' }),
      expect.objectContaining({ row: 5, column: 'manager_email' }),
      expect.objectContaining({ row: 6, column: 'email', message: 'appears twice in the file' }),
    ]));
    expect(errs.some((e) => e.row === 2)).toBe(false);
    expect(await count('app_user', t.tenantId)).toBe(users);
    expect(await count('team', t.tenantId)).toBe(teams);
    expect(await count('user_token')).toBe(tokens);
  });

  it('invites each user in the language of the optional locale column (French by default)', async () => {
    const { a } = await adminOf();
    const bad = await a.post('/api/v1/users/import', 'email,name,roles,locale\nde@acme3.test,Dieter,employee,de', 'text/csv');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ row: 2, column: 'locale' });
    const r = await a.post('/api/v1/users/import', 'email,name,roles,locale\nen@acme3.test,Ellen,employee,EN\nfr@acme3.test,Fanny,employee,', 'text/csv');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await lastMailTo(ctx, 'en@acme3.test'))?.subject).toMatch(/You are invited/);
    expect((await lastMailTo(ctx, 'fr@acme3.test'))?.subject).toMatch(/^Invitation à rejoindre/);
    const items = (await a.get('/api/v1/users?q=acme3.test')).body.items as { email: string; locale: string }[];
    expect(Object.fromEntries(items.map((u) => [u.email, u.locale]))).toEqual({ 'en@acme3.test': 'en', 'fr@acme3.test': 'fr' });
  });

  it('refuses a file without the required columns, an empty file and a non-CSV body', async () => {
    const { a } = await adminOf();
    const r1 = await a.post('/api/v1/users/import', 'mail,nom\na@b.test,x', 'text/csv');
    expect(r1.status).toBe(400);
    expect(r1.body.errors[0].message).toMatch(/missing columns: email, name, roles/);
    expect((await a.post('/api/v1/users/import', 'email,name,roles\n', 'text/csv')).status).toBe(400);
    expect((await a.post('/api/v1/users/import', { csv: 'x' })).status).toBe(415);
  });

  it('refuses an email used by another Client', async () => {
    const other = await createTenantWithAdmin(ctx);
    const { a } = await adminOf();
    const r = await a.post('/api/v1/users/import', `email,name,roles\n${other.admin.email},Someone,employee`, 'text/csv');
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ row: 2, column: 'email', message: 'already used by a user of another Client' });
    expect((await a.post('/api/v1/users', { email: other.admin.email, name: 'X', roles: ['employee'] })).status).toBe(409);
  });
});

describe('the last admin', () => {
  it('cannot be demoted, deactivated or imported away; with a second admin it can', async () => {
    const { t, a } = await adminOf();
    const demote = await a.patch(`/api/v1/users/${t.admin.id}`, { roles: ['employee'] });
    expect(demote.status).toBe(409);
    expect(demote.body.type).toMatch(/last-admin$/);
    expect((await a.post(`/api/v1/users/${t.admin.id}/deactivate`)).body.type).toMatch(/last-admin$/);
    const imp = await a.post('/api/v1/users/import', `email,name,roles\n${t.admin.email},Me,employee`, 'text/csv');
    expect(imp.status).toBe(400);
    expect(imp.body.errors[0].message).toMatch(/last active admin/);
    const roles = (await a.get(`/api/v1/users/${t.admin.id}`)).body.roles;
    expect(roles).toContain('admin');

    // An invited (not yet active) admin does not count: they may never sign in.
    await a.post('/api/v1/users', { email: `inv-${t.tenantId}@x.test`, name: 'Invited Admin', roles: ['admin'] });
    expect((await a.patch(`/api/v1/users/${t.admin.id}`, { roles: ['employee'] })).status).toBe(409);
    const second = await createUser(ctx, t.tenantId, ['admin']);
    const ok = await a.patch(`/api/v1/users/${t.admin.id}`, { roles: ['employee'] });
    expect(ok.status).toBe(200);
    expect(ok.body.roles).toEqual(['employee']);
    // Now `second` is the last admin.
    const b = new Client(ctx);
    await b.login(second.email, PASSWORD);
    expect((await b.post(`/api/v1/users/${second.id}/deactivate`)).status).toBe(409);
  });

  it.runIf(onPostgres)('two admins demoting each other at once leave one admin (PostgreSQL; PGlite serialises anyway)', async () => {
    const { t, a } = await adminOf();
    const second = await createUser(ctx, t.tenantId, ['admin']);
    const b = new Client(ctx);
    await b.login(second.email, PASSWORD);
    const [r1, r2] = await Promise.all([a.patch(`/api/v1/users/${second.id}`, { roles: ['employee'] }), b.patch(`/api/v1/users/${t.admin.id}`, { roles: ['employee'] })]);
    expect([r1.status, r2.status].sort()).toEqual([200, 409]);
  });
});

describe('managing users', () => {
  it('admins only: an employee gets 403 and the refusal is audited', async () => {
    const { t } = await adminOf();
    const e = await createUser(ctx, t.tenantId, ['employee']);
    const c = new Client(ctx);
    await c.login(e.email, PASSWORD);
    expect((await c.get('/api/v1/users')).status).toBe(403);
    const denied = await ctx.c.db.kysely.selectFrom('audit_event').selectAll().where('type', '=', 'access.denied').where('actor_id', '=', e.id).execute();
    expect(denied).toHaveLength(1);
  });

  it('sets roles, manager and team; a user cannot be their own manager', async () => {
    const { t, a } = await adminOf();
    const m = await createUser(ctx, t.tenantId, ['manager']);
    const e = await createUser(ctx, t.tenantId, ['employee']);
    const team = (await a.post('/api/v1/teams', { name: 'Support', managerId: m.id })).body;
    const r = await a.patch(`/api/v1/users/${e.id}`, { managerId: m.id, teamId: team.id, roles: ['employee', 'verifier'] });
    expect(r.body).toMatchObject({ managerId: m.id, teamId: team.id, roles: ['employee', 'verifier'] });
    expect((await a.patch(`/api/v1/users/${e.id}`, { managerId: e.id })).status).toBe(400);
    const reactivate = await a.post(`/api/v1/users/${e.id}/reactivate`);
    expect(reactivate.status).toBe(409);
  });

  it('paginates with a keyset cursor and filters', async () => {
    const { t, a } = await adminOf();
    for (let i = 0; i < 5; i++) await createUser(ctx, t.tenantId, ['employee']);
    const p1 = await a.get('/api/v1/users?limit=4');
    expect(p1.body.items).toHaveLength(4);
    const p2 = await a.get(`/api/v1/users?limit=4&cursor=${p1.body.nextCursor}`);
    expect(p2.body.items).toHaveLength(2);
    expect(p2.body.nextCursor).toBeNull();
    const ids = [...p1.body.items, ...p2.body.items].map((u: { id: string }) => u.id);
    expect(new Set(ids).size).toBe(6);
    expect((await a.get('/api/v1/users?role=admin')).body.items).toHaveLength(1);
    expect((await a.get('/api/v1/users?cursor=garbage')).status).toBe(400);
    expect((await a.get(`/api/v1/users?q=${encodeURIComponent(t.admin.email.slice(0, 12))}`)).body.items[0].id).toBe(t.admin.id);
  });
});
