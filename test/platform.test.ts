// The service as a whole: health, readiness, OpenAPI, headers, request ids, least privilege,
// migrations, vendor operators, start-up and graceful shutdown of the real process.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../api/features/audit/audit.service.ts';
import { allRoutes } from '../api/features/index.ts';
import { createDb } from '../storage/db/db.ts';
import { migrate } from '../storage/db/migrate.ts';
import { Client, createTestContext, type TestContext } from './support/context.ts';
import { onPostgres, pgUrl } from './support/db.ts';
import { createOperator, createTenantWithAdmin, lastMailTo, linkToken, PASSWORD } from './support/factories.ts';
import { freePort } from './support/server.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe('HTTP basics', () => {
  it('healthz, readyz, request ids and security headers', async () => {
    const h = await supertest(ctx.app).get('/healthz');
    expect(h.body).toEqual({ status: 'ok' });
    const r = await supertest(ctx.app).get('/readyz').set('X-Request-Id', 'test-request-0001');
    expect(r.body).toMatchObject({ status: 'ready', database: onPostgres ? 'postgres' : 'pglite', objects: 'local' });
    expect(r.headers['x-request-id']).toBe('test-request-0001');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['x-powered-by']).toBeUndefined();
  });

  it('serves an OpenAPI document that lists every route with its access', async () => {
    const doc = (await supertest(ctx.app).get('/api/v1/openapi.json')).body;
    expect(doc.openapi).toBe('3.0.3');
    for (const r of allRoutes) {
      const op = doc.paths[`/api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`]?.[r.method];
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      expect(op['x-access'].kind).toBe(r.access.kind);
    }
    const invite = doc.paths['/api/v1/users'].post.requestBody.content['application/json'].schema;
    expect(invite.required).toEqual(expect.arrayContaining(['email', 'name', 'roles']));
    expect(invite.additionalProperties).toBe(false);
  });

  it('an unexpected error is a plain 500 problem: the details go to the log only', async () => {
    const broken = await createTestContext();
    broken.c.auth.login = async () => {
      throw new TypeError('secret internals at auth.service.ts:42');
    };
    const r = await supertest(broken.app).post('/api/v1/auth/login').send({ email: 'a@b.test', password: 'x' });
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ type: 'https://justif.app/problems/internal', title: 'Internal error', status: 500 });
    expect(r.text).not.toContain('secret internals');
    await broken.close();
  });
});

describe('readiness', () => {
  it('answers 503 problem+json naming what is down', async () => {
    const broken = await createTestContext();
    broken.c.objects.check = async () => {
      throw new Error('disk gone');
    };
    const r = await supertest(broken.app).get('/readyz');
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ type: 'https://justif.app/problems/unavailable', detail: 'Not reachable: the object store' });
    await broken.close();
  });
});

describe('least privilege in the database', () => {
  it('the service works as justif_service, which owns no table and holds no TRUNCATE anywhere', async () => {
    const who = await sql<{ u: string }>`SELECT current_user AS u`.execute(ctx.c.db.kysely);
    expect(who.rows[0]!.u).toBe('justif_service');
    const owned = await sql<{ t: string }>`SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user`.execute(ctx.c.db.kysely);
    expect(owned.rows).toEqual([]);
    const trunc = await sql<{ t: string }>`SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() AND has_table_privilege(current_user, format('%I.%I', schemaname, tablename), 'TRUNCATE')`.execute(ctx.c.db.kysely);
    expect(trunc.rows).toEqual([]);
    await expect(sql`CREATE TABLE sneaky (x int)`.execute(ctx.c.db.kysely)).rejects.toThrow(/permission denied/);
    await expect(sql`DROP TABLE app_user`.execute(ctx.c.db.kysely)).rejects.toThrow(/must be owner|permission denied/);
    // positive control: ordinary writes work
    await sql`INSERT INTO rate_limit (key, window_start, count) VALUES ('probe', now(), 1)`.execute(ctx.c.db.kysely);
  });

  it.skipIf(!onPostgres)('a least-privilege login runs the service once the owner migrated, and says what to do before', async () => {
    const tag = randomBytes(4).toString('hex');
    const schema = `lp_${tag}`;
    const role = `justif_app_${tag}`;
    const owner = new pg.Client(pgUrl);
    await owner.connect();
    await owner.query(`CREATE SCHEMA ${schema}`);
    await owner.query(`CREATE ROLE ${role} LOGIN`);
    await owner.query(`GRANT justif_service TO ${role}`);
    const appUrl = Object.assign(new URL(pgUrl!), { username: role }).toString();
    try {
      await expect(createDb({ url: appUrl, schema })).rejects.toThrow(/Migrations are pending.*npm run migrate.*DATABASE_OWNER_URL/);
      await (await createDb({ url: pgUrl, schema })).close(); // npm run migrate, as the owner
      const db = await createDb({ url: appUrl, schema });
      try {
        expect((await sql<{ u: string; s: string }>`SELECT current_user AS u, session_user AS s`.execute(db.kysely)).rows[0]).toEqual({ u: 'justif_service', s: role });
        await sql`INSERT INTO rate_limit (key, window_start, count) VALUES ('probe', now(), 1)`.execute(db.kysely);
        await expect(sql`DELETE FROM audit_event`.execute(db.kysely)).rejects.toThrow(/permission denied/);
      } finally {
        await db.close();
      }
    } finally {
      await owner.query(`DROP SCHEMA ${schema} CASCADE`);
      await owner.query(`DROP ROLE ${role}`);
      await owner.end();
    }
  });

  it('migrations are idempotent and refuse an edited migration', async () => {
    expect(await ctx.c.db.asOwner(migrate)).toEqual([]);
    await ctx.c.db.asOwner((o) => o.exec("UPDATE schema_migration SET checksum = 'edited' WHERE name = '001_foundation.sql'"));
    await expect(ctx.c.db.asOwner(migrate)).rejects.toThrow(/001_foundation.sql was edited/);
  });
});

describe('vendor operators', () => {
  it('create a Client and invite its first admin; Client users cannot reach vendor routes', async () => {
    const op = await createOperator(ctx);
    const o = new Client(ctx);
    await o.login(op.email, PASSWORD);
    const r = await o.post('/api/v1/vendor/tenants', { name: 'Acme SAS', plan: 'enterprise', country: 'FR', currency: 'EUR', adminEmail: 'boss@acme-sas.test', adminName: 'Boss' });
    expect(r.status).toBe(201);
    expect((await o.get('/api/v1/vendor/tenants')).body.items.map((t: { name: string }) => t.name)).toContain('Acme SAS');
    const token = linkToken((await lastMailTo(ctx, 'boss@acme-sas.test'))!.text, 'invitation');
    const boss = new Client(ctx);
    const accepted = await boss.post('/api/v1/auth/invitations/accept', { token, password: 'Acme-Boss-2026' });
    expect(accepted.body.user.roles).toEqual(['admin', 'employee']);
    expect(accepted.body.tenant.name).toBe('Acme SAS');
    expect((await boss.get('/api/v1/vendor/tenants')).status).toBe(403);
    expect((await o.get('/api/v1/users')).status).toBe(403); // vendor staff see no Client data by default
    expect((await o.post('/api/v1/vendor/audit/checkpoints')).status).toBe(201);
  });

  it('the first operator (npm run operator:create) accepts their invitation and lands on the vendor side', async () => {
    const { link } = await ctx.c.tenants.inviteOperator(SYSTEM_ACTOR, { email: 'First.Op@Vendor.test', name: 'First Op' });
    const token = linkToken(link, 'invitation');
    const anon = new Client(ctx);
    expect((await anon.get(`/api/v1/auth/invitations/${token}`)).body).toEqual({ email: 'first.op@vendor.test', name: 'First Op', tenantName: 'Justif' });
    const accepted = await anon.post('/api/v1/auth/invitations/accept', { token, password: 'Operator-Pass-1' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.user).toMatchObject({ roles: ['operator'], tenantId: null });
    expect(accepted.body.tenant).toBeNull();
    anon.csrf = accepted.body.csrfToken;
    // vendor staff too accept the terms of use and privacy notice in force first (R-GDPR-8)
    expect((await anon.get('/api/v1/vendor/tenants')).status).toBe(403);
    expect((await anon.post('/api/v1/legal/acceptances', { versionIds: accepted.body.legal.pending.map((p: { id: string }) => p.id) })).status).toBe(200);
    expect((await anon.get('/api/v1/vendor/tenants')).status).toBe(200);
    await expect(ctx.c.tenants.inviteOperator(SYSTEM_ACTOR, { email: 'first.op@vendor.test', name: 'Again' })).rejects.toThrow(/already exists/);
  });

  it('a Client admin cannot become vendor staff', async () => {
    const t = await createTenantWithAdmin(ctx);
    const a = new Client(ctx);
    await a.login(t.admin.email, PASSWORD);
    expect((await a.patch(`/api/v1/users/${t.admin.id}`, { roles: ['admin', 'operator'] })).status).toBe(400);
  });
});

describe('the real process', () => {
  it('npm start path: starts on embedded defaults, answers, and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'justif-start-'));
    const env = { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '', NODE_ENV: 'development' };
    const p = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const deadline = Date.now() + 40_000;
    while (!out.includes('Justif is running') && Date.now() < deadline && p.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    expect(out).toContain(`Justif is running: http://localhost:${port}`);
    expect(out).toContain('npm run seed');
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.json());
    expect(ready).toMatchObject({ status: 'ready', database: 'pglite' });
    const exited = new Promise<number | null>((res) => p.once('exit', (code) => res(code)));
    process.kill(p.pid!, 'SIGTERM');
    expect(await exited).toBe(0);
    expect(out).not.toMatch(/Error/);
  }, 60_000);

  it('refuses to start with a bad configuration, listing the problems', async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], { env: { ...process.env, PORT: 'x', DATABASE_URL: pgUrl, LOG_LEVEL: 'nope' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((res) => p.once('exit', res));
    expect(code).toBe(1);
    expect(err).toContain('PORT');
    expect(err).toContain('LOG_LEVEL');
  });
});
