// R-SEC-4: the audit log's chains and signed checkpoints detect altered, removed and dropped
// newest events; the service role cannot change the log; concurrent writers keep chains whole.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.ts';
import { loadConfig } from '../api/config.ts';
import { createContainer, type Container } from '../api/container.ts';
import { SYSTEM_ACTOR } from '../api/features/audit/audit.service.ts';
import { loadOrCreateSigningKey } from '../api/infra/signing-key.ts';
import { freshDb, onPostgres, pgUrl } from './support/db.ts';
import { Client, createTestContext, type TestContext } from './support/context.ts';
import { createTenantWithAdmin, createUser, PASSWORD } from './support/factories.ts';

const run = promisify(execFile);

/** A service whose database outlives it, so `npm run audit:verify` can open it afterwards. */
async function persistentService() {
  const dataDir = mkdtempSync(join(tmpdir(), 'justif-audit-'));
  const db = await freshDb({ dataDir: join(dataDir, 'pglite') });
  const env: Record<string, string> = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...(onPostgres ? { DATABASE_URL: pgUrl!, DATABASE_SCHEMA: db.schema! } : {}) };
  const config = loadConfig(env);
  const c = await createContainer(config, { db, signingKey: loadOrCreateSigningKey(config.audit.signingKeyFile, true) });
  const ctx: TestContext = { c, app: createApp(c), close: () => c.close() };
  const dropDb = db.close; // on PostgreSQL this drops the schema: only at the very end
  return { ctx, env, closeService: () => (onPostgres ? Promise.resolve() : c.db.close()), dropDb };
}

async function verifyCli(env: Record<string, string>) {
  try {
    const r = await run('npx', ['tsx', 'api/cli/audit-verify.ts'], { env: { ...process.env, ...env }, cwd: process.cwd() });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout + x.stderr };
  }
}

async function someActivity(ctx: TestContext) {
  const t = await createTenantWithAdmin(ctx);
  const a = new Client(ctx);
  await a.login(t.admin.email, PASSWORD);
  for (let i = 0; i < 3; i++) await a.post('/api/v1/teams', { name: `Team ${i}` });
  return t;
}

/** Tampering as the database owner with the append-only triggers switched off: an attacker with full access. */
async function tamper(c: Container, statements: string) {
  await c.db.asOwner((o) => o.exec(`ALTER TABLE audit_event DISABLE TRIGGER USER; ALTER TABLE audit_personal DISABLE TRIGGER USER;
    ${statements}; ALTER TABLE audit_event ENABLE TRIGGER USER; ALTER TABLE audit_personal ENABLE TRIGGER USER;`));
}

describe('audit:verify', () => {
  it('passes on an intact log, then names an altered event', async () => {
    const s = await persistentService();
    const t = await someActivity(s.ctx);
    await s.ctx.c.audit.checkpoint();
    const ok = await verifyCliAfterClose(s);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/^OK: \d+ chain\(s\), \d+ event\(s\), 1 checkpoint/m);
    await reopen(s, (c) => tamper(c, `UPDATE audit_event SET data = '{"fields":["name"]}' WHERE chain = '${t.tenantId}' AND seq = 3`));
    const bad = await verifyCli(s.env);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`chain ${t.tenantId}: event seq 3`);
    expect(bad.out).toMatch(/altered/);
    await s.dropDb();
  });

  it('names a deleted event in the middle of a chain', async () => {
    const s = await persistentService();
    const t = await someActivity(s.ctx);
    await reopenSame(s, (c) => tamper(c, `DELETE FROM audit_personal WHERE event_id = (SELECT id FROM audit_event WHERE chain = '${t.tenantId}' AND seq = 2); DELETE FROM audit_event WHERE chain = '${t.tenantId}' AND seq = 2`));
    const bad = await verifyCli(s.env);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`chain ${t.tenantId}: event seq 2 is missing`);
    await s.dropDb();
  });

  it('detects the newest events dropped after a checkpoint', async () => {
    const s = await persistentService();
    const t = await someActivity(s.ctx);
    const cp = await s.ctx.c.audit.checkpoint();
    const head = cp.heads.find((h) => h.chain === t.tenantId)!;
    // Removing the tail keeps the remaining chain self-consistent: only the checkpoint reveals it.
    await reopenSame(s, (c) => tamper(c, `DELETE FROM audit_personal WHERE event_id IN (SELECT id FROM audit_event WHERE chain = '${t.tenantId}' AND seq >= ${head.seq - 1}); DELETE FROM audit_event WHERE chain = '${t.tenantId}' AND seq >= ${head.seq - 1}`));
    const bad = await verifyCli(s.env);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`chain ${t.tenantId}: events after seq ${head.seq - 2} are missing (checkpoint #1 signed head seq ${head.seq})`);
    await s.dropDb();
  });
});

// PGlite is single-process: close it before the CLI opens the same directory.
async function verifyCliAfterClose(s: Awaited<ReturnType<typeof persistentService>>) {
  await s.closeService();
  return verifyCli(s.env);
}
async function reopen(s: Awaited<ReturnType<typeof persistentService>>, fn: (c: Container) => Promise<void>) {
  const c = onPostgres ? s.ctx.c : await createContainer(loadConfig(s.env), { signingKey: loadOrCreateSigningKey(loadConfig(s.env).audit.signingKeyFile, false) });
  await fn(c);
  if (!onPostgres) await c.close();
}
async function reopenSame(s: Awaited<ReturnType<typeof persistentService>>, fn: (c: Container) => Promise<void>) {
  if (onPostgres) return fn(s.ctx.c);
  await s.closeService();
  return reopen(s, fn);
}

describe('append-only audit tables', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
    await someActivity(ctx);
  });
  afterAll(() => ctx.close());

  for (const stmt of ['UPDATE audit_event SET outcome = \'failure\'', 'DELETE FROM audit_event', 'TRUNCATE audit_event', 'DELETE FROM audit_checkpoint', 'TRUNCATE audit_checkpoint CASCADE', 'DELETE FROM audit_personal']) {
    it(`the service role is refused: ${stmt}`, async () => {
      const before = await ctx.c.db.kysely.selectFrom('audit_event').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      await expect(sql.raw(stmt).execute(ctx.c.db.kysely)).rejects.toThrow(/permission denied/);
      const after = await ctx.c.db.kysely.selectFrom('audit_event').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(after.n)).toBe(Number(before.n));
    });
  }

  it('even the owner is refused by the triggers (positive control: the owner can read)', async () => {
    const n = await ctx.c.db.asOwner((o) => o.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event'));
    expect(n[0]!.n).toBeGreaterThan(0);
    await expect(ctx.c.db.asOwner((o) => o.exec('DELETE FROM audit_event'))).rejects.toThrow(/append-only/);
    await expect(ctx.c.db.asOwner((o) => o.exec('TRUNCATE audit_event CASCADE'))).rejects.toThrow(/append-only/);
  });

  it('admins list, filter and export their own events; personal fields stay outside the hash', async () => {
    const t = await createTenantWithAdmin(ctx);
    const a = new Client(ctx);
    await a.login(t.admin.email, PASSWORD);
    await a.post('/api/v1/teams', { name: 'Audit team' });
    const list = await a.get('/api/v1/audit-events?action=team.');
    expect(list.status).toBe(200);
    expect(list.body.items.map((e: { action: string }) => e.action)).toEqual(['team.created']);
    expect(list.body.items[0]).toMatchObject({ actorId: t.admin.id, actorLabel: t.admin.email, outcome: 'success', targetType: 'team', targetLabel: 'Audit team' });
    // Sentences in the reader's language (the admin's is French by default), naming the target.
    expect(list.body.items[0].sentence).toBe(`${t.admin.email} a créé l’équipe Audit team`);
    expect((await a.patch('/api/v1/me', { locale: 'en' })).status).toBe(200);
    expect((await a.get('/api/v1/audit-events?action=team.')).body.items[0].sentence).toBe(`${t.admin.email} created team Audit team`);
    const csv = await a.get('/api/v1/audit-events/export.csv');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text).toContain(`created team Audit team`);
    expect(csv.text).toContain('team.created');
    expect(csv.text).toContain('auth.signed_in');
    // The hashed row holds the pseudonymous id and a digest, never the email or IP.
    const row = await ctx.c.db.kysely.selectFrom('audit_event').selectAll().where('id', '=', list.body.items[0].id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(t.admin.email);
    expect(row.personal_digest).toMatch(/^[0-9a-f]{64}$/);
    // Anonymising the personal fields leaves the chain valid.
    await ctx.c.db.kysely.updateTable('audit_personal').set({ actor_label: null, ip: null, user_agent: null }).where('event_id', '=', row.id).execute();
    expect((await ctx.c.audit.verify()).ok).toBe(true);
  });

  it('CSV export neutralises formula injection', async () => {
    const t = await createTenantWithAdmin(ctx);
    const u = await createUser(ctx, t.tenantId, ['employee']);
    await ctx.c.db.kysely.updateTable('app_user').set({ email: '-2+3@x.test' }).where('id', '=', u.id).execute();
    expect((await new Client(ctx).login('-2+3@x.test', 'Wrong-pass-1234')).status).toBe(401);
    const a = new Client(ctx);
    await a.login(t.admin.email, PASSWORD);
    const csv = (await a.get('/api/v1/audit-events/export.csv')).text;
    expect(csv).toContain("'-2+3@x.test");
    expect(csv).not.toMatch(/(^|,)-2\+3/m);
  });
});

describe.runIf(onPostgres)('concurrent writers on PostgreSQL (PGlite runs one transaction at a time: proves nothing there)', () => {
  it('keeps every chain whole and verifiable under concurrent writes and checkpoints', async () => {
    const ctx = await createTestContext();
    try {
      const tenants = [await createTenantWithAdmin(ctx), await createTenantWithAdmin(ctx)];
      const writes = Array.from({ length: 120 }, (_, i) => {
        const t = tenants[i % 2]!;
        if (i % 20 === 0) return ctx.c.audit.checkpoint();
        return ctx.c.audit.record(ctx.c.db.kysely, { ...SYSTEM_ACTOR, label: `w${i}` }, { type: 'team.created', tenantId: t.tenantId, target: { type: 'team', id: String(i) }, data: {} });
      });
      await Promise.all(writes);
      await ctx.c.audit.checkpoint();
      const v = await ctx.c.audit.verify();
      expect(v).toMatchObject({ ok: true });
      for (const t of tenants) {
        const seqs = (await ctx.c.db.kysely.selectFrom('audit_event').select('seq').where('chain', '=', t.tenantId).orderBy('seq').execute()).map((r) => Number(r.seq));
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
        expect(seqs.length).toBeGreaterThanOrEqual(55); // 54 or 60 concurrent writes + the admin invitation
      }
    } finally {
      await ctx.close();
    }
  });
});
