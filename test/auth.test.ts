import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { Client, createTestContext, type TestContext } from './support/context.ts';
import { createTenantWithAdmin, createUser, lastMailTo, linkToken, PASSWORD } from './support/factories.ts';

let ctx: TestContext;
let tenant: Awaited<ReturnType<typeof createTenantWithAdmin>>;
beforeAll(async () => {
  ctx = await createTestContext({ LOGIN_MAX_ATTEMPTS: '3' });
  tenant = await createTenantWithAdmin(ctx);
});
afterAll(() => ctx.close());

const events = (type: string) => ctx.c.db.kysely.selectFrom('audit_event').selectAll().where('type', '=', type).execute();

describe('password sign-in', () => {
  it('signs in, exposes the session, signs out', async () => {
    const a = new Client(ctx);
    const r = await a.login(tenant.admin.email, PASSWORD);
    expect(r.status).toBe(200);
    expect(r.body.user).toMatchObject({ email: tenant.admin.email, tenantId: tenant.tenantId, roles: ['admin', 'employee'] });
    const cookie = r.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/justif_sid=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect((await a.get('/api/v1/session')).status).toBe(200);
    expect((await a.post('/api/v1/auth/logout')).status).toBe(204);
    expect((await a.get('/api/v1/session')).status).toBe(401);
    expect((await events('auth.signed_in')).some((e) => e.actor_id === tenant.admin.id)).toBe(true);
    expect((await events('auth.signed_out')).some((e) => e.actor_id === tenant.admin.id)).toBe(true);
  });

  it('refuses a wrong password with 401 problem+json and records the failure', async () => {
    const r = await new Client(ctx).login(tenant.admin.email, 'Wrong-password-1');
    expect(r.status).toBe(401);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.body.type).toBe('https://justif.app/problems/invalid-credentials');
    const failed = await events('auth.sign_in_failed');
    expect(failed.some((e) => e.target_id === tenant.admin.id && e.outcome === 'failure')).toBe(true);
  });

  it('rate-limits repeated failures with 429 and Retry-After, even with the right password', async () => {
    const u = await createUser(ctx, tenant.tenantId, ['employee']);
    const c = new Client(ctx);
    for (let i = 0; i < 3; i++) expect((await c.login(u.email, 'Nope-nope-123')).status).toBe(401);
    const r = await c.login(u.email, PASSWORD);
    expect(r.status).toBe(429);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(r.body.detail).toMatch(/Try again in \d+ seconds/);
  });

  it('requires the CSRF token for cookie-authenticated writes', async () => {
    const c = new Client(ctx);
    await c.login(tenant.admin.email, PASSWORD);
    const r = await c.agent.post('/api/v1/teams').send({ name: 'No CSRF' });
    expect(r.status).toBe(403);
    expect(r.body.type).toMatch(/\/csrf$/);
    const teams = await ctx.c.db.kysely.selectFrom('team').select('name').where('name', '=', 'No CSRF').execute();
    expect(teams).toHaveLength(0);
    expect((await c.post('/api/v1/teams', { name: 'With CSRF' })).status).toBe(201);
  });

  it('blocks a deactivated user and keeps their records', async () => {
    const u = await createUser(ctx, tenant.tenantId, ['employee']);
    const user = new Client(ctx);
    expect((await user.login(u.email, PASSWORD)).status).toBe(200);
    const admin = new Client(ctx);
    await admin.login(tenant.admin.email, PASSWORD);
    expect((await admin.post(`/api/v1/users/${u.id}/deactivate`)).body.status).toBe('deactivated');
    expect((await user.get('/api/v1/session')).status).toBe(401); // the open session stops working
    const r = await new Client(ctx).login(u.email, PASSWORD);
    expect(r.status).toBe(403);
    expect(r.body.type).toMatch(/account-disabled$/);
    expect(await ctx.c.db.kysely.selectFrom('app_user').select('id').where('id', '=', u.id).executeTakeFirst()).toBeDefined();
  });
});

describe('invitation', () => {
  it('invite → set password (weak refused with the rule) → signed in; the link is single-use', async () => {
    const admin = new Client(ctx);
    await admin.login(tenant.admin.email, PASSWORD);
    const inv = await admin.post('/api/v1/users', { email: 'New.Person@Example.test', name: 'New Person', roles: ['employee'] });
    expect(inv.status).toBe(201);
    expect(inv.body).toMatchObject({ email: 'new.person@example.test', status: 'invited' });
    const mail = await lastMailTo(ctx, 'new.person@example.test');
    expect(mail?.subject).toMatch(/Invitation/);
    const token = linkToken(mail!.text, 'invitation');

    const anon = new Client(ctx);
    expect((await anon.get(`/api/v1/auth/invitations/${token}`)).body).toMatchObject({ email: 'new.person@example.test', name: 'New Person' });
    const weak = await anon.post('/api/v1/auth/invitations/accept', { token, password: 'alllowercase' });
    expect(weak.status).toBe(400);
    expect(weak.body.type).toMatch(/weak-password$/);
    expect(weak.body.detail).toMatch(/at least 10 characters.*lower-case.*upper-case.*digit/);
    const ok = await anon.post('/api/v1/auth/invitations/accept', { token, password: 'Brand-New-Pass-9' });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe('new.person@example.test');
    anon.csrf = ok.body.csrfToken;
    expect((await anon.get('/api/v1/session')).status).toBe(200);
    expect((await new Client(ctx).post('/api/v1/auth/invitations/accept', { token, password: 'Another-Pass-99' })).status).toBe(400);
    expect((await new Client(ctx).login('new.person@example.test', 'Brand-New-Pass-9')).status).toBe(200);
  });

  it('refuses an expired or unknown invitation', async () => {
    expect((await new Client(ctx).get('/api/v1/auth/invitations/not-a-real-token-at-all')).status).toBe(404);
  });
});

describe('password reset', () => {
  it('emails a single-use link; the new password works, the old does not, sessions end', async () => {
    const u = await createUser(ctx, tenant.tenantId, ['employee']);
    const before = new Client(ctx);
    await before.login(u.email, PASSWORD);
    const anon = new Client(ctx);
    expect((await anon.post('/api/v1/auth/password/forgot', { email: u.email })).status).toBe(202);
    expect((await anon.post('/api/v1/auth/password/forgot', { email: 'nobody@example.test' })).status).toBe(202);
    const token = linkToken((await lastMailTo(ctx, u.email))!.text, 'reset-password');
    expect((await anon.get(`/api/v1/auth/password/reset/${token}`)).body).toEqual({ email: u.email });
    expect((await anon.post('/api/v1/auth/password/reset', { token, password: 'short' })).status).toBe(400);
    expect((await anon.post('/api/v1/auth/password/reset', { token, password: 'Reset-Works-2026' })).status).toBe(204);
    expect((await anon.get(`/api/v1/auth/password/reset/${token}`)).status).toBe(404);
    expect((await anon.post('/api/v1/auth/password/reset', { token, password: 'Reset-Again-2026' })).body.type).toMatch(/invalid-token$/);
    expect((await new Client(ctx).login(u.email, PASSWORD)).status).toBe(401);
    expect((await new Client(ctx).login(u.email, 'Reset-Works-2026')).status).toBe(200);
    expect((await before.get('/api/v1/session')).status).toBe(401);
  });

  it('never shows mail to Client admins through the app', async () => {
    const doc = (await supertest(ctx.app).get('/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths).filter((p) => /outbox|mail/i.test(p))).toEqual([]);
  });
});

describe('API tokens', () => {
  it('is shown once, stored hashed, scoped and revocable', async () => {
    const admin = new Client(ctx);
    await admin.login(tenant.admin.email, PASSWORD);
    const created = await admin.post('/api/v1/api-tokens', { name: 'payroll sync', scopes: ['users:read'] });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    expect(token).toMatch(/^jt_/);
    const stored = await ctx.c.db.kysely.selectFrom('api_token').selectAll().where('id', '=', created.body.id).executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);
    expect((await admin.get('/api/v1/api-tokens')).body.items[0].token).toBeUndefined();

    const bearer = (r: supertest.Test) => r.set('Authorization', `Bearer ${token}`);
    expect((await bearer(supertest(ctx.app).get('/api/v1/users'))).status).toBe(200);
    const noScope = await bearer(supertest(ctx.app).post('/api/v1/teams')).send({ name: 'Via token' });
    expect(noScope.status).toBe(403);
    expect(noScope.body.type).toMatch(/insufficient-scope$/);
    expect((await bearer(supertest(ctx.app).get('/api/v1/api-tokens'))).status).toBe(403); // token management needs a session
    expect((await supertest(ctx.app).get('/api/v1/users').set('Authorization', 'Bearer jt_forged')).status).toBe(401);

    expect((await admin.delete(`/api/v1/api-tokens/${created.body.id}`)).status).toBe(204);
    expect((await bearer(supertest(ctx.app).get('/api/v1/users'))).status).toBe(401);
  });
});
