// The archival vault (R-VLT) end to end, on both object stores (a local directory; S3 through
// s3rver) and on the database of the run (PGlite, or PostgreSQL with DATABASE_URL):
// deposit → checkpoint → proof → offline check; a flipped byte or a removed object found by the
// sweep (and by the offline check), with an alert; immutability through the API, the service and
// SQL as the service role; legal holds and two-person destruction with its certificate; the
// storage-write log; and, against a recording proxy, the Object Lock headers at protocol level.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../api/features/audit/audit.service.ts';
import { checkReport, reportPassed } from '../api/features/vault/proof-check.ts';
import { verifyConsistency } from '../api/features/vault/merkle.ts';
import { retentionUntil } from '../api/features/vault/retention.ts';
import { TenantDb } from '../storage/db/tenant-db.ts';
import { createS3Store } from '../storage/objects/s3-store.ts';
import { vaultDeposit } from '../worker/jobs/vault.ts';
import { Client, createTestContext, signedIn, type TestContext } from './support/context.ts';
import { runDeposits, soloWithDeposit } from './support/vault.ts';
import { createOperator, createTenantWithAdmin, createUser, PASSWORD } from './support/factories.ts';
import { receiptPdf } from './support/images.ts';
import { startS3Proxy, startS3rver, type S3Server } from './support/s3.ts';
import { startTsa } from './support/tsa-server.ts';

const run = promisify(execFile);
let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(() => s3?.stop());

let n = 0;
async function context(store: 'local' | 's3', extra: Record<string, string> = {}) {
  const env: Record<string, string> = { ...extra };
  if (store === 's3' && !env.S3_ENDPOINT)
    Object.assign(env, { S3_ENDPOINT: s3.endpoint, S3_BUCKET: s3.options.bucket, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', S3_PREFIX: `vt-${++n}-${Date.now()}`, VAULT_S3_PREFIX: `vault-${n}-${Date.now()}` });
  return { ctx: await createTestContext(env), env };
}

describe.each(['local', 's3'] as const)('vault on the %s store', (store) => {
  let ctx: TestContext;
  let env: Record<string, string>;
  beforeAll(async () => {
    ({ ctx, env } = await context(store));
  });
  afterAll(() => ctx?.close());

  it('deposit → checkpoint → proof → offline check; a flipped byte and a removed object are found by the sweep and the offline check, with an alert', async () => {
    const op = await createOperator(ctx);
    const { t, tdb, me, expenseId, pdf } = await soloWithDeposit(ctx);
    const [id] = await runDeposits(ctx);
    expect(id).toBeTruthy();
    expect(await runDeposits(ctx)).toEqual([]); // idempotent: nothing queued twice, nothing deposited twice
    expect((await ctx.c.vault.depositExpense(t.tenantId, expenseId)).deposited).toEqual([]);

    const d = (await me.get(`/api/v1/vault/deposits/${id}`)).body;
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    expect(d).toMatchObject({
      id, expenseId, sha256, sha512: createHash('sha512').update(pdf).digest('hex'), size: pdf.length, mediaType: 'application/pdf', originalName: 'facture hôtel.pdf',
      depositorId: t.admin.id, retentionUntil: '2036-12-31', legalHold: false, destroyed: false,
    });
    // the vault key was made on first start, readable by the service only
    expect(statSync(ctx.c.config.vault.signingKeyFile).mode & 0o777).toBe(0o600);
    // the vault copy is apart from the working receipts, and (local) read-only
    if (store === 'local') expect(statSync(join(ctx.c.config.vault.dir, t.tenantId, sha256)).mode & 0o222).toBe(0);
    const file = await me.get(`/api/v1/vault/deposits/${id}/file`).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(file.status).toBe(200);
    expect(Buffer.compare(file.body as Buffer, pdf)).toBe(0);

    // the report (a checkpoint is signed for it), checked offline by the CLI with the key kept apart
    const report = (await me.get(`/api/v1/vault/deposits/${id}/proof`)).body;
    expect(report.format).toBe('justif.vault.proof/1');
    expect(reportPassed(report.checks)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'justif-proof-'));
    writeFileSync(join(dir, 'report.json'), JSON.stringify(report));
    writeFileSync(join(dir, 'receipt.pdf'), pdf);
    writeFileSync(join(dir, 'key.pem'), (await me.get('/api/v1/vault')).body.publicKey.pem);
    const ok = await run(process.execPath, ['--import', 'tsx', 'api/cli/vault-check-proof.ts', join(dir, 'report.json'), join(dir, 'receipt.pdf'), '--key', join(dir, 'key.pem')]);
    expect(ok.stdout).toMatch(/VERIFIED/);
    const cert = await me.get(`/api/v1/vault/deposits/${id}/certificate`);
    expect(cert.status).toBe(200);
    expect(cert.headers['content-type']).toBe('application/pdf');
    expect((await me.get(`/api/v1/vault/deposits/${id}/proof?format=pdf`)).headers['content-type']).toBe('application/pdf');

    // flip one byte of the stored object, behind the service's back
    const key = `${t.tenantId}/${sha256}`;
    const flipped = Buffer.from(pdf);
    flipped[100]! ^= 0x01;
    if (store === 'local') {
      const p = join(ctx.c.config.vault.dir, t.tenantId, sha256);
      chmodSync(p, 0o644);
      writeFileSync(p, flipped);
    } else {
      const raw = createS3Store({ ...s3.options, prefix: env.VAULT_S3_PREFIX });
      await raw.put(key, Readable.from([flipped]), { overwrite: true });
    }
    const swept = await ctx.c.vault.sweep();
    expect(swept.mismatched).toEqual([expect.objectContaining({ key, expected: sha256, actual: createHash('sha256').update(flipped).digest('hex') })]);
    const failed = await run(process.execPath, ['--import', 'tsx', 'api/cli/vault-check-proof.ts', join(dir, 'report.json'), join(dir, 'receipt.pdf')]).catch((e) => e);
    expect(failed.code ?? 0).toBe(0); // the file the Client kept is still the true one…
    writeFileSync(join(dir, 'copy.pdf'), flipped);
    const bad = await run(process.execPath, ['--import', 'tsx', 'api/cli/vault-check-proof.ts', join(dir, 'report.json'), join(dir, 'copy.pdf')]).catch((e) => e);
    expect(bad.code).toBe(1); // …and the altered copy fails
    expect(bad.stdout).toMatch(/✗ local-integrity/);
    // reading it now refuses (integrity at access), and the operators were told
    expect((await me.get(`/api/v1/vault/deposits/${id}/file`)).status).toBe(503);
    const alerts = await ctx.c.db.kysely.selectFrom('audit_event').select(['type', 'data']).where('type', '=', 'vault.integrity_failed').where('chain', '=', t.tenantId).execute();
    expect(alerts.length).toBeGreaterThanOrEqual(2);
    const mail = await ctx.c.db.kysely.selectFrom('mail_outbox').select('subject').where('to_address', '=', op.email.toLowerCase()).execute();
    expect(mail.map((m) => m.subject)).toContain('[Justif] Vault integrity failure: object altered');
    // and the metric counts it (read from the database: any process reports the deployment's count)
    const metrics = (await (await import('supertest')).default(ctx.app).get('/metrics')).text;
    expect(Number(/justif_vault_integrity_failures\{outcome="mismatch"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    // the outcome of each check is in the Client's journal
    const checks = await ctx.c.db.kysely.selectFrom('vault_journal').select('data').where('tenant_id', '=', t.tenantId).where('kind', '=', 'check').execute();
    expect(checks.map((c) => (c.data as { outcome: string }).outcome)).toContain('mismatch');

    // remove the object: the next sweep reports it missing (nothing repaired)
    if (store === 'local') rmSync(join(ctx.c.config.vault.dir, t.tenantId, sha256));
    else await createS3Store({ ...s3.options, prefix: env.VAULT_S3_PREFIX }).delete(key);
    const again = await ctx.c.vault.sweep();
    expect(again.missing).toEqual([expect.objectContaining({ key })]);
    expect(again.mismatched).toEqual([]);
  });

  it('immutability: no route changes a deposit; the service role cannot UPDATE, DELETE or TRUNCATE deposits or journal entries (positive control: it may INSERT)', async () => {
    await soloWithDeposit(ctx);
    const [id] = await runDeposits(ctx);
    const d = await ctx.c.db.kysely.selectFrom('vault_deposit').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    const admin = await signedIn(ctx, (await ctx.c.db.kysely.selectFrom('app_user').select(['email']).where('id', '=', d.depositor_id).executeTakeFirstOrThrow()) as { email: string }, PASSWORD);
    expect((await admin.patch(`/api/v1/vault/deposits/${id}`, { retentionUntil: '2027-01-01' })).status).toBe(404);
    expect((await admin.delete(`/api/v1/vault/deposits/${id}`)).status).toBe(404);
    const k = ctx.c.db.kysely; // the service's own connection (role justif_service)
    await expect(k.updateTable('vault_deposit').set({ retention_until: '2027-01-01' }).where('id', '=', id!).execute()).rejects.toThrow();
    await expect(k.deleteFrom('vault_deposit').where('id', '=', id!).execute()).rejects.toThrow();
    await expect(sql`TRUNCATE vault_deposit`.execute(k)).rejects.toThrow();
    await expect(k.updateTable('vault_journal').set({ kind: 'read' }).where('tenant_id', '=', d.tenant_id).execute()).rejects.toThrow();
    await expect(k.deleteFrom('vault_journal').where('tenant_id', '=', d.tenant_id).execute()).rejects.toThrow();
    await expect(sql`TRUNCATE vault_journal`.execute(k)).rejects.toThrow();
    await expect(sql`TRUNCATE vault_destroyed`.execute(k)).rejects.toThrow();
    // the owner too is refused by the triggers
    await expect(ctx.c.db.asOwner((o) => o.exec(`UPDATE vault_deposit SET size = size + 1 WHERE id = '${id}'`))).rejects.toThrow(/append-only/);
    await expect(ctx.c.db.asOwner((o) => o.exec('TRUNCATE vault_deposit CASCADE'))).rejects.toThrow(/append-only/);
    expect(await k.selectFrom('vault_deposit').select('size').where('id', '=', id!).executeTakeFirstOrThrow()).toEqual({ size: d.size });
    // positive control: the same connection may append
    await k.transaction().execute((trx) => ctx.c.vault.journal.append(trx, d.tenant_id, { kind: 'read', depositId: id!, data: { control: true } }));
  });

  it('legal hold blocks destruction; one approver is not enough, nor the same one twice; two carry it out with a certificate; the record stays', async () => {
    const { t, tdb, actor, me } = await soloWithDeposit(ctx, { date: '2015-03-10' }); // retention over at the end of 2025
    const [id] = await runDeposits(ctx);
    const second = await createUser(ctx, t.tenantId, ['admin']);
    const other = await signedIn(ctx, second);

    const analysis = (await me.post('/api/v1/vault/destructions/analysis', { kind: 'retention' })).body;
    expect(analysis.eligible.map((d: { id: string }) => d.id)).toEqual([id]);
    // a hold: not eligible, and a request naming it is refused
    const hold = (await me.post('/api/v1/vault/holds', { depositId: id, owner: 'Direction juridique', reason: 'Contrôle fiscal 2026', reviewOn: '2027-06-30' })).body.id;
    expect((await me.post('/api/v1/vault/destructions/analysis', { kind: 'retention' })).body.eligible).toEqual([]);
    const refused = await me.post('/api/v1/vault/destructions', { kind: 'retention', reason: 'Fin de conservation', depositIds: [id] });
    expect(refused.status).toBe(409);
    expect(refused.body.refused).toEqual([id]);
    expect(refused.body.type).toMatch(/\/not-eligible$/);
    await me.post(`/api/v1/vault/holds/${hold}/release`, { reason: 'Contrôle clos' });
    expect((await me.post(`/api/v1/vault/holds/${hold}/release`, { reason: 'again' })).status).toBe(409);

    const req = (await me.post('/api/v1/vault/destructions', { kind: 'retention', reason: 'Fin de conservation', depositIds: [id] })).body.id;
    expect((await me.post(`/api/v1/vault/destructions/${req}/approve`)).body).toMatchObject({ status: 'pending', approvals: 1 });
    const twice = await me.post(`/api/v1/vault/destructions/${req}/approve`);
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toMatch(/second, different person/);
    expect(twice.body.type).toMatch(/\/already-approved$/);
    // a hold placed between the approvals refuses the execution
    const late = (await me.post('/api/v1/vault/holds', { depositId: null, owner: 'DAF', reason: 'Litige', reviewOn: '2027-01-31' })).body.id;
    const blocked = await other.post(`/api/v1/vault/destructions/${req}/approve`);
    expect(blocked.status).toBe(409);
    expect(await ctx.c.vault.get(tdb, id!)).toMatchObject({ destroyed: false });
    await ctx.c.vault.releaseHold(tdb, actor, late, 'Litige clos');
    const done = await other.post(`/api/v1/vault/destructions/${req}/approve`);
    expect(done.body, JSON.stringify(done.body)).toMatchObject({ status: 'done', approvals: 2 });
    expect(done.body.certificate.items).toEqual([expect.objectContaining({ depositId: id, objectRemoved: true, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
    expect(done.body.certificate.approvals.map((a: { approverId: string }) => a.approverId)).toEqual([t.admin.id, second.id]);
    const cert = (await me.get(`/api/v1/vault/destructions/${req}/certificate`)).body;
    expect(cert.sha256).toMatch(/^[0-9a-f]{64}$/);
    // the record stays, marked destroyed; the bytes are gone; reading says so
    expect(await ctx.c.vault.get(tdb, id!)).toMatchObject({ destroyed: true });
    expect(await ctx.c.vaultStore.head(`${t.tenantId}/${(await ctx.c.vault.get(tdb, id!)).sha256}`)).toBeUndefined();
    expect((await me.get(`/api/v1/vault/deposits/${id}/file`)).status).toBe(409);
    // journaled, and the journal still verifies
    const kinds = (await ctx.c.db.kysely.selectFrom('vault_journal').select('kind').where('tenant_id', '=', t.tenantId).orderBy('seq').execute()).map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['deposit', 'hold', 'hold_release', 'destruction']));
    await ctx.c.vault.checkpoint(t.tenantId);
    expect(await ctx.c.vault.journal.verify(t.tenantId)).toMatchObject({ ok: true });
    // the storage-write log, in the vault location itself, holds the put and the delete and chains
    expect(await ctx.c.vault.storeLog.verify()).toMatchObject({ ok: true });
    const logged: string[] = [];
    for await (const o of ctx.c.vaultStore.list('log/')) logged.push(o.key);
    expect(logged.length).toBeGreaterThanOrEqual(2);
  });

  it('contract end: an admin asks, and an operator (the vendor) is the second approver; the operator is refused for another Client\u2019s request id', async () => {
    const { t, me } = await soloWithDeposit(ctx);
    const [id] = await runDeposits(ctx);
    const op = await signedIn(ctx, await createOperator(ctx));
    const req = (await me.post('/api/v1/vault/destructions', { kind: 'contract_end', reason: 'Contrat résilié', depositIds: [id] })).body.id;
    expect((await op.get(`/api/v1/vendor/tenants/${t.tenantId}/vault/destructions`)).body.items.map((d: { id: string }) => d.id)).toContain(req);
    const other = await createTenantWithAdmin(ctx);
    expect((await op.post(`/api/v1/vendor/tenants/${other.tenantId}/vault/destructions/${req}/approve`)).status).toBe(404);
    expect((await op.post(`/api/v1/vendor/tenants/${t.tenantId}/vault/destructions/${req}/approve`)).body).toMatchObject({ status: 'pending', approvals: 1 });
    expect((await me.get(`/api/v1/vault/deposits/${id}`)).body.destroyed).toBe(false);
    expect((await me.post(`/api/v1/vault/destructions/${req}/approve`)).body).toMatchObject({ status: 'done', approvals: 2 });
    expect((await me.get(`/api/v1/vault/deposits/${id}`)).body.destroyed).toBe(true);
    // Client users cannot reach the vendor route
    expect((await me.post(`/api/v1/vendor/tenants/${t.tenantId}/vault/destructions/${req}/approve`)).status).toBe(403);
  });

  it('storage-write log: an entry written just before a crash (the head not moved) is caught up, not forked; a removed entry is named', async () => {
    const log = ctx.c.vault.storeLog;
    const a = await log.append({ op: 'put', key: 'x/test-a', sha256: 'a'.repeat(64), size: 1 });
    const b = await log.append({ op: 'put', key: 'x/test-b', sha256: 'b'.repeat(64), size: 2 });
    // the crash: b's object is stored, the head still says a
    await ctx.c.db.kysely.updateTable('vault_store_log_head').set({ seq: a.seq, hash: a.hash }).execute();
    const c = await log.append({ op: 'delete', key: 'x/test-c', sha256: 'c'.repeat(64), size: 3 });
    expect(c).toMatchObject({ seq: b.seq + 1, prev: b.hash });
    expect(await log.verify()).toMatchObject({ ok: true });
    // a head that runs ahead of the objects (entries removed from the location) is named
    await ctx.c.db.kysely.updateTable('vault_store_log_head').set({ seq: c.seq + 1 }).execute();
    expect(await log.verify()).toMatchObject({ ok: false, problem: expect.stringMatching(/entries were removed/) });
    await ctx.c.db.kysely.updateTable('vault_store_log_head').set({ seq: c.seq, hash: c.hash }).execute();
  });

  it('a sweep cut off (a crash) is resumed from its last checked key by the next one', async () => {
    await soloWithDeposit(ctx);
    await runDeposits(ctx);
    const keys = (await ctx.c.db.kysely.selectFrom('vault_deposit').select('object_key').where('id', 'not in', ctx.c.db.kysely.selectFrom('vault_destroyed').select('deposit_id')).orderBy('object_key').execute()).map((r) => r.object_key);
    const cursor = keys[Math.floor(keys.length / 2)]!;
    // what a sweep killed halfway leaves behind
    await ctx.c.db.kysely.insertInto('vault_sweep').values({ id: crypto.randomUUID(), started_at: new Date(), cursor }).execute();
    const s = await ctx.c.vault.sweep({ batch: 2 });
    expect(s.resumedFrom).toBe(cursor);
    expect(s.objects).toBe(new Set(keys.filter((k) => k > cursor)).size);
    const next = await ctx.c.vault.sweep();
    expect(next.resumedFrom).toBeNull(); // finished: the next one starts over
    expect(next.objects).toBeGreaterThan(s.objects);
  });

  it('checkpoints: downloadable by hash; a consistency proof between two verifies', async () => {
    const { t, me } = await soloWithDeposit(ctx);
    await runDeposits(ctx);
    const c1 = (await me.post('/api/v1/vault/checkpoints')).body;
    await soloWithDeposit(ctx).then(() => runDeposits(ctx)); // another Client: does not move this journal
    await ctx.c.db.kysely.transaction().execute((trx) => ctx.c.vault.journal.append(trx, t.tenantId, { kind: 'export', data: { n: 1 } }));
    const c2 = (await me.post('/api/v1/vault/checkpoints')).body;
    expect(c2.body.prevHash).toBe(c1.hash);
    expect((await me.get(`/api/v1/vault/checkpoints/${c1.hash}`)).body).toEqual(c1);
    const p = (await me.get(`/api/v1/vault/checkpoints/${c1.hash}/consistency/${c2.hash}`)).body;
    const hex = (s: string) => Buffer.from(s, 'hex');
    expect(verifyConsistency(c1.body.treeSize, c2.body.treeSize, p.proof.map(hex), hex(c1.body.root), hex(c2.body.root))).toBe(true);
    expect((await me.get(`/api/v1/vault/checkpoints/${c2.hash}/consistency/${c1.hash}`)).status).toBe(409);
  });

  it('by Client setting, originals are deposited at upload, before any approval', async () => {
    const t = await createTenantWithAdmin(ctx);
    const tdb = new TenantDb(t.tenantId, ctx.c.db.kysely);
    await ctx.c.vault.updateSettings(tdb, { ...SYSTEM_ACTOR, kind: 'user', userId: t.admin.id }, { enabled: true, depositAt: 'upload' });
    const me = await signedIn(ctx, t.admin);
    const cats = (await me.get('/api/v1/categories')).body.items;
    const pm = (await me.get('/api/v1/payment-methods')).body.items[0].id;
    const e = (await me.post('/api/v1/expenses', { date: '2026-05-04', merchant: 'Taxi', categoryId: cats[0].id, paymentMethodId: pm, amountMinor: 2_000, currency: 'EUR' })).body;
    await me.agent.post(`/api/v1/expenses/${e.id}/receipts`).set('X-CSRF-Token', me.csrf).attach('files', await receiptPdf(['TAXI', String(Math.random())]), { filename: 'taxi.pdf', contentType: 'application/pdf' });
    const ids = await runDeposits(ctx);
    expect(ids).toHaveLength(1);
    expect((await ctx.c.vault.get(tdb, ids[0]!)).expenseId).toBe(e.id);
  });
});

describe('Object Lock at protocol level (a recording proxy in front of s3rver, which implements no Object Lock; the proxy answers the lock configuration)', () => {
  it('deposits carry GOVERNANCE mode, the retention end and Content-MD5; only the two-person destruction sends the bypass header; /readyz says what it found', async () => {
    const proxy = await startS3Proxy(s3.endpoint);
    proxy.objectLock = true;
    const vaultPrefix = `vault-lock-${Date.now()}`;
    const { ctx } = await context('s3', { S3_ENDPOINT: proxy.endpoint, S3_BUCKET: s3.options.bucket, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', S3_PREFIX: `lock-${Date.now()}`, VAULT_S3_PREFIX: vaultPrefix });
    try {
      expect((await (await import('supertest')).default(ctx.app).get('/readyz')).body.vault).toMatchObject({ store: 's3', protection: 'object-lock-governance' });
      const { t, me } = await soloWithDeposit(ctx, { date: '2015-02-02' });
      const [id] = await runDeposits(ctx);
      const d = await ctx.c.vault.get(new TenantDb(t.tenantId, ctx.c.db.kysely), id!);
      const puts = proxy.requests.filter((r) => r.method === 'PUT' && r.url.includes(`${vaultPrefix}/`) && r.url.includes(d.sha256));
      // the working receipt was stored without any lock (it is not evidence and may be deleted)
      expect(proxy.requests.filter((r) => r.method === 'PUT' && !r.url.includes(`${vaultPrefix}/`) && r.headers['x-amz-object-lock-mode'])).toEqual([]);
      expect(puts).toHaveLength(1);
      expect(puts[0]!.headers['x-amz-object-lock-mode']).toBe('GOVERNANCE');
      expect(new Date(String(puts[0]!.headers['x-amz-object-lock-retain-until-date'])).toISOString()).toBe(`${retentionUntil('2015-02-02', '12-31', 10)}T23:59:59.000Z`);
      expect(puts[0]!.headers['content-md5']).toBeTruthy();
      expect(proxy.requests.filter((r) => r.headers['x-amz-bypass-governance-retention'])).toEqual([]);

      const second = await signedIn(ctx, await createUser(ctx, t.tenantId, ['admin']));
      const req = (await me.post('/api/v1/vault/destructions', { kind: 'retention', reason: 'Fin', depositIds: [id] })).body.id;
      await me.post(`/api/v1/vault/destructions/${req}/approve`);
      expect(proxy.requests.filter((r) => r.headers['x-amz-bypass-governance-retention'])).toEqual([]);
      expect((await second.post(`/api/v1/vault/destructions/${req}/approve`)).body.status).toBe('done');
      const bypass = proxy.requests.filter((r) => r.headers['x-amz-bypass-governance-retention']);
      expect(bypass.length).toBeGreaterThanOrEqual(1);
      expect(bypass.every((r) => r.method === 'DELETE' && r.url.includes(d.sha256))).toBe(true);
    } finally {
      await ctx.close();
      await proxy.stop();
    }
  });

  it('without Object Lock, /readyz says so instead of pretending; the local store says read-only files', async () => {
    const { ctx: s3ctx } = await context('s3');
    const { ctx: local } = await context('local');
    try {
      const st = (await import('supertest')).default;
      expect((await st(s3ctx.app).get('/readyz')).body.vault).toMatchObject({ store: 's3', protection: 'none', detail: expect.stringMatching(/no Object Lock/) });
      expect((await st(local.app).get('/readyz')).body.vault).toMatchObject({ store: 'local', protection: 'read-only-files' });
    } finally {
      await s3ctx.close();
      await local.close();
    }
  });
});

describe('time-stamped checkpoints (RFC 3161, a TSA run on loopback)', () => {
  it('with VAULT_TSA_URL each checkpoint carries a token over its hash; the report\u2019s timestamp check passes, offline too; a TSA that does not answer leaves the checkpoint signed, without a token', async () => {
    const tsa = await startTsa();
    const { ctx } = await context('local', { VAULT_TSA_URL: tsa.url });
    try {
      const { me } = await soloWithDeposit(ctx);
      const [id] = await runDeposits(ctx);
      const report = (await me.get(`/api/v1/vault/deposits/${id}/proof`)).body;
      expect(report.checkpoint.tsaToken).toMatch(/^[A-Za-z0-9+/=]{200,}$/);
      const ts = report.checks.find((c: { type: string }) => c.type === 'timestamp');
      expect(ts, JSON.stringify(report.checks)).toMatchObject({ result: 'ok' });
      const again = await checkReport(report, null);
      expect(again.find((c) => c.type === 'timestamp')).toMatchObject({ result: 'ok' });
      // a token for another checkpoint hash does not pass
      const forged = { ...report, checkpoint: { ...report.checkpoint, hash: '0'.repeat(64) } };
      expect((await checkReport(forged, null)).find((c) => c.type === 'timestamp')).toMatchObject({ result: 'failed' });
      await tsa.close();
      await ctx.c.db.kysely.transaction().execute((trx) => ctx.c.vault.journal.append(trx, report.deposit.tenantId, { kind: 'export', data: { n: 1 } }));
      const unstamped = await ctx.c.vault.checkpoint(report.deposit.tenantId);
      expect(unstamped).toMatchObject({ tsaToken: null });
      expect(await ctx.c.vault.journal.verify(report.deposit.tenantId)).toMatchObject({ ok: true });
    } finally {
      await ctx.close();
      await tsa.close().catch(() => {});
    }
  });
});

describe('retention ends', () => {
  it('N years after the end of the fiscal year the expense falls in', () => {
    expect(retentionUntil('2026-03-10', '12-31', 10)).toBe('2036-12-31');
    expect(retentionUntil('2026-03-10', '06-30', 10)).toBe('2036-06-30');
    expect(retentionUntil('2026-07-01', '06-30', 10)).toBe('2037-06-30');
    expect(retentionUntil('2024-02-29', '02-29', 6)).toBe('2030-02-28');
  });
});

describe('bad input', () => {
  let ctx: TestContext;
  let admin: Client;
  beforeAll(async () => {
    ({ ctx } = await context('local'));
    const t = await createTenantWithAdmin(ctx);
    admin = await signedIn(ctx, t.admin);
  });
  afterAll(() => ctx?.close());

  it('settings, holds and destructions refuse bad values with a 400 naming the field, and change nothing', async () => {
    const cases: [string, string, object][] = [
      ['patch', '/vault/settings', { retentionYears: 3 }],
      ['patch', '/vault/settings', { fiscalYearEnd: '13-01' }],
      ['patch', '/vault/settings', { depositAt: 'later' }],
      ['post', '/vault/holds', { owner: 'X', reason: 'Y', reviewOn: 'soon' }],
      ['post', '/vault/holds', { depositId: 'nope', owner: 'X', reason: 'Y', reviewOn: '2027-01-01' }],
      ['post', '/vault/destructions', { kind: 'retention', reason: 'R', depositIds: [] }],
      ['post', '/vault/destructions', { kind: 'shred', reason: 'R', depositIds: ['00000000-0000-4000-8000-000000000000'] }],
    ];
    for (const [method, path, body] of cases) {
      const r = method === 'patch' ? await admin.patch(`/api/v1${path}`, body) : await admin.post(`/api/v1${path}`, body);
      expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(r.body.errors.length).toBeGreaterThan(0);
    }
    expect((await admin.get('/api/v1/vault')).body.settings).toMatchObject({ enabled: false, retentionYears: 10 });
    expect((await admin.get('/api/v1/vault/holds')).body.items).toEqual([]);
    expect((await admin.get('/api/v1/vault/deposits/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await admin.get(`/api/v1/vault/checkpoints/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await admin.get('/api/v1/vault/checkpoints/12')).status).toBe(400);
  });

  it('an employee reads nothing of the vault', async () => {
    const t = await createTenantWithAdmin(ctx);
    const emp = await signedIn(ctx, await createUser(ctx, t.tenantId, ['employee']));
    expect((await emp.get('/api/v1/vault')).status).toBe(403);
    expect((await emp.get('/api/v1/vault/deposits')).status).toBe(403);
  });
});

