// End of contract (R-REV-2), on the database of the run (PGlite, or PostgreSQL with DATABASE_URL):
// termination makes the Client read-only (reads, downloads and the final export go on; every other
// write is a 403 that changes nothing) and keeps its data 30 days; then its vault deposits go through
// the two-person destruction, every row and object of the Client is destroyed — another Client, the
// positive control, keeps all of its own — and a certificate (JSON + PDF) stays with the vendor. The
// append-only guards still refuse the service role, and the audit trail still verifies.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize } from '../api/lib/jcs.ts';
import { createTestContext, signedIn, type Client, type TestContext } from './support/context.ts';
import { createOperator, createTenantWithAdmin, lastMailTo } from './support/factories.ts';
import { png } from './support/images.ts';
import { runDeposits, soloWithDeposit } from './support/vault.ts';

const DAY = 86_400_000;
let ctx: TestContext;

/**
 * The 30 days pass: the termination is moved back 31 days in the database, as its owner — the purge
 * checks the database's own clock, which a test cannot move, and the service's clock agrees with it.
 */
async function thirtyDaysLater(tenantId: string) {
  await ctx.c.db.asOwner((r) => r.query(`UPDATE tenant_termination SET terminated_at = terminated_at - interval '31 days', purge_after = purge_after - interval '31 days' WHERE tenant_id = $1`, [tenantId]));
}
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

const binary = (r: { on: Function }, cb: (e: Error | null, b: Buffer) => void) => {
  const chunks: Buffer[] = [];
  r.on('data', (c: Buffer) => chunks.push(c));
  r.on('end', () => cb(null, Buffer.concat(chunks)));
};

/** Rows per table of one Client, for every table with a tenant_id column. */
async function rowsOf(tenantId: string): Promise<Record<string, number>> {
  const tables = (await sql<{ t: string }>`SELECT c.relname AS t FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' ORDER BY 1`.execute(ctx.c.db.kysely)).rows.map((r) => r.t);
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(t)} WHERE tenant_id = ${tenantId}`.execute(ctx.c.db.kysely)).rows[0]!.n);
  return out;
}

async function objectsOf(tenantId: string) {
  const keys: string[] = [];
  for (const prefix of [`${tenantId}/`, `exports/${tenantId}/`]) for await (const o of ctx.c.objects.list(prefix)) keys.push(o.key);
  const vault: string[] = [];
  for await (const o of ctx.c.vaultStore.list(`${tenantId}/`)) vault.push(o.key);
  return { keys, vault };
}

/** A Client with a deposited receipt, a second expense with a photo, and a full export on file. */
async function clientWithData() {
  const d = await soloWithDeposit(ctx);
  await runDeposits(ctx);
  const cats = (await d.me.get('/api/v1/categories')).body.items;
  const pm = (await d.me.get('/api/v1/payment-methods')).body.items[0].id;
  const e = (await d.me.post('/api/v1/expenses', { date: '2026-03-11', merchant: 'Taxi', categoryId: cats[0].id, paymentMethodId: pm, amountMinor: 2_500, currency: 'EUR' })).body;
  const up = await d.me.agent.post(`/api/v1/expenses/${e.id}/receipts`).set('X-CSRF-Token', d.me.csrf).attach('files', png(41, 53), { filename: 'taxi.png', contentType: 'image/png' });
  expect(up.status, JSON.stringify(up.body)).toBe(201);
  return { ...d, draftId: e.id as string };
}

/** Renames an expense with the version read (the ordinary edit). */
async function rename(c: Client, id: string, merchant: string) {
  const { version } = (await c.get(`/api/v1/expenses/${id}`)).body;
  return c.patch(`/api/v1/expenses/${id}`, { merchant, version });
}

let op: Client;
let op2: Client;
beforeAll(async () => {
  op = await signedIn(ctx, await createOperator(ctx));
  op2 = await signedIn(ctx, await createOperator(ctx));
});

describe('end of contract', () => {
  let a: Awaited<ReturnType<typeof clientWithData>>;
  let b: Awaited<ReturnType<typeof clientWithData>>;
  let finalExport: string;

  it('termination: read-only for users (reads, downloads, the final export go on; other writes are 403 and change nothing); the admins are told; not due before 30 days', async () => {
    a = await clientWithData();
    b = await clientWithData(); // the positive control: never terminated
    // bad input first: nothing changes
    for (const bad of [{}, { reason: 'x', vaultInstruction: 'keep', instructionRef: 'r' }, { reason: '', vaultInstruction: 'destroy', instructionRef: 'r' }, { reason: 'x', vaultInstruction: 'destroy', instructionRef: 'r', extra: 1 }]) {
      const r = await op.post(`/api/v1/vendor/tenants/${a.t.tenantId}/termination`, bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await op.post('/api/v1/vendor/tenants/00000000-0000-4000-8000-000000000000/termination', { reason: 'x', vaultInstruction: 'destroy', instructionRef: 'r' })).status).toBe(404);
    expect((await a.me.post(`/api/v1/vendor/tenants/${a.t.tenantId}/termination`, { reason: 'x', vaultInstruction: 'destroy', instructionRef: 'r' })).status).toBe(403); // Client users cannot
    expect((await ctx.c.db.kysely.selectFrom('tenant').select('status').where('id', '=', a.t.tenantId).executeTakeFirstOrThrow()).status).toBe('active');

    const t = await op.post(`/api/v1/vendor/tenants/${a.t.tenantId}/termination`, { reason: 'Résiliation par le Client (lettre du 2 mars)', vaultInstruction: 'return_then_destroy', instructionRef: 'Courrier AR 2026-03-02' });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    expect(t.body).toMatchObject({ status: 'terminated', due: false, vaultInstruction: 'return_then_destroy', finalExport: { status: 'queued' } });
    expect(new Date(t.body.purgeAfter).getTime() - new Date(t.body.terminatedAt).getTime()).toBe(30 * DAY);
    expect((await op.post(`/api/v1/vendor/tenants/${a.t.tenantId}/termination`, { reason: 'again', vaultInstruction: 'destroy', instructionRef: 'r' })).status).toBe(409);
    finalExport = t.body.finalExport.id;
    expect((await lastMailTo(ctx, a.t.admin.email))?.subject).toMatch(/fin du contrat/);

    // reads go on
    const before = await rowsOf(a.t.tenantId);
    expect((await a.me.get('/api/v1/expenses')).status).toBe(200);
    expect((await a.me.get(`/api/v1/expenses/${a.expenseId}`)).status).toBe(200);
    // writes are refused, whatever the route, and change nothing
    const cats = (await a.me.get('/api/v1/categories')).body.items;
    const refused = [
      await a.me.post('/api/v1/expenses', { date: '2026-03-12', merchant: 'X', categoryId: cats[0].id, amountMinor: 100, currency: 'EUR' }),
      await rename(a.me, a.draftId, 'Changed'),
      await a.me.delete(`/api/v1/expenses/${a.draftId}`),
      await a.me.agent.post(`/api/v1/expenses/${a.draftId}/receipts`).set('X-CSRF-Token', a.me.csrf).attach('files', png(12, 12), { filename: 'p.png', contentType: 'image/png' }),
    ];
    for (const r of refused) {
      expect(r.status).toBe(403);
      expect(r.body.type).toMatch(/\/read-only$/);
    }
    expect(await rowsOf(a.t.tenantId)).toEqual(before);
    // the session says so (the web app shows a banner); signing in again still works
    const session = (await a.me.get('/api/v1/session')).body;
    expect(session.tenant).toMatchObject({ status: 'terminated', termination: { purgeAfter: t.body.purgeAfter, finalExportId: finalExport } });
    await signedIn(ctx, a.t.admin);
    // the final export: made by the worker's job, downloadable until the purge (not the usual 7 days)
    expect((await a.me.post('/api/v1/exports/full')).status).toBe(409); // allowed through, but one is already being made
    await ctx.c.reversibility.run(a.t.tenantId, finalExport);
    const fe = (await a.me.get(`/api/v1/exports/full/${finalExport}`)).body;
    expect(fe).toMatchObject({ status: 'done', expiresAt: t.body.purgeAfter });
    const zip = await a.me.get(`/api/v1/exports/full/${finalExport}/file`).buffer(true).parse(binary);
    expect(zip.status).toBe(200);
    expect(createHash('sha256').update(zip.body as Buffer).digest('hex')).toBe(fe.sha256);
    // the other Client writes as before
    expect((await rename(b.me, b.draftId, 'Taxi B')).status).toBe(200);
    // not due yet
    const early = await op.post(`/api/v1/vendor/tenants/${a.t.tenantId}/termination/advance`);
    expect(early.status).toBe(409);
    expect(early.body.type).toMatch(/\/not-due$/);
  });

  it('the purge is refused to the service role, and the append-only tables stay closed to it, whatever it sets', async () => {
    const db = ctx.c.db.kysely;
    await expect(sql`SELECT purge_tenant(${a.t.tenantId}::uuid)`.execute(db)).rejects.toThrow(/not terminated|30 days/);
    await expect(db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('justif.purging', ${a.t.tenantId}, true)`.execute(trx);
      await sql`DELETE FROM audit_event WHERE tenant_id = ${a.t.tenantId}`.execute(trx);
    })).rejects.toThrow(/append-only|permission denied/);
  });

  it('after 30 days: the vault deposits through two operators, then every row and object of the Client destroyed, the other Client intact; certificate JSON + PDF; the audit trail verifies', async () => {
    await ctx.c.audit.checkpoint(); // a signed checkpoint that covers the Client's chain before it goes
    await thirtyDaysLater(a.t.tenantId);
    const bRowsBefore = await rowsOf(b.t.tenantId);
    const bObjectsBefore = await objectsOf(b.t.tenantId);
    expect(bRowsBefore.expense).toBe(2);
    expect(bObjectsBefore.vault.length).toBe(1);
    const aObjects = await objectsOf(a.t.tenantId);
    expect(aObjects.keys.length).toBe(3); // two receipts and the final export (no rendition: their jobs did not run)

    const [first] = await ctx.c.contractEnd.runDue();
    expect(first).toMatchObject({ tenantId: a.t.tenantId, state: { step: 'awaiting-vault-destruction', approvals: 0 } });
    const destructionId = (first!.state as { destructionId: string }).destructionId;
    expect((await ctx.c.contractEnd.runDue())[0]!.state).toMatchObject({ step: 'awaiting-vault-destruction', destructionId }); // the same request, not a second
    expect((await op.post(`/api/v1/vendor/tenants/${a.t.tenantId}/vault/destructions/${destructionId}/approve`)).body).toMatchObject({ status: 'pending', approvals: 1 });
    expect((await op.post(`/api/v1/vendor/tenants/${a.t.tenantId}/vault/destructions/${destructionId}/approve`)).status).toBe(409); // the same person twice
    expect((await op2.post(`/api/v1/vendor/tenants/${a.t.tenantId}/vault/destructions/${destructionId}/approve`)).body).toMatchObject({ status: 'done', approvals: 2 });

    const done = await op.post(`/api/v1/vendor/tenants/${a.t.tenantId}/termination/advance`);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ step: 'destroyed' });

    // nothing of the Client is left but the vendor's records
    const left = Object.entries(await rowsOf(a.t.tenantId)).filter(([, n]) => n > 0).map(([t]) => t).sort();
    expect(left).toEqual(['contract_destruction', 'tenant_termination']);
    expect(await objectsOf(a.t.tenantId)).toEqual({ keys: [], vault: [] });
    expect((await ctx.c.db.kysely.selectFrom('tenant').select('status').where('id', '=', a.t.tenantId).executeTakeFirstOrThrow()).status).toBe('destroyed');
    expect((await a.me.get('/api/v1/expenses')).status).toBe(401); // the session went with the rest
    expect((await a.me.login(a.t.admin.email, a.t.admin.password!)).status).toBe(401);
    // the positive control: the other Client has every row and object it had
    expect(await rowsOf(b.t.tenantId)).toEqual(bRowsBefore);
    expect(await objectsOf(b.t.tenantId)).toEqual(bObjectsBefore);
    expect((await b.me.get('/api/v1/expenses')).body.items.length).toBe(2);

    // the certificate: its hash is the hash of its canonical JSON; counts match what was there
    const cert = (await op.get(`/api/v1/vendor/tenants/${a.t.tenantId}/destruction-certificate`)).body;
    expect(createHash('sha256').update(canonicalize(cert.certificate)).digest('hex')).toBe(cert.sha256);
    expect(cert.sha256).toBe(done.body.certificateSha256);
    expect(cert.certificate).toMatchObject({
      format: 'justif.contract-destruction/1', client: { id: a.t.tenantId }, termination: { vaultInstruction: 'return_then_destroy' },
      finalExport: { id: finalExport, status: 'done' }, vault: { destructionId, deposits: 1, objectsLeft: 0 }, objects: { count: aObjects.keys.length },
    });
    expect(cert.certificate.rows).toMatchObject({ expense: 2, receipt: 2, vault_deposit: 1, app_user: 1 });
    expect(cert.certificate.objects.listSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(cert.certificate.auditChainHead.seq).toBeGreaterThan(1);
    const pdf = await op.get(`/api/v1/vendor/tenants/${a.t.tenantId}/destruction-certificate/pdf`).buffer(true).parse(binary);
    expect(pdf.status).toBe(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
    const status = (await op.get(`/api/v1/vendor/tenants/${a.t.tenantId}/termination`)).body;
    expect(status).toMatchObject({ status: 'destroyed', destruction: { certificateSha256: cert.sha256, objectsRemoved: true } });
    // the audit trail: the Client's chain is gone, accounted for by the certificate; everything else verifies
    expect(await ctx.c.audit.verify()).toMatchObject({ ok: true });
    await ctx.c.audit.checkpoint();
    expect(await ctx.c.audit.verify()).toMatchObject({ ok: true });
    // a second run finds nothing to do
    expect(await ctx.c.contractEnd.runDue()).toEqual([]);
    expect((await op.post(`/api/v1/vendor/tenants/${a.t.tenantId}/termination/advance`)).body).toMatchObject({ step: 'destroyed', certificateSha256: cert.sha256 });
  });

  it('a legal hold stops the destruction; a termination recorded by mistake can be cancelled, and writes come back', async () => {
    const c = await clientWithData();
    await c.me.post('/api/v1/vault/holds', { depositId: null, reason: 'Contrôle fiscal en cours', owner: 'DAF', reviewOn: '2027-06-30' });
    expect((await op.post(`/api/v1/vendor/tenants/${c.t.tenantId}/termination`, { reason: 'Fin', vaultInstruction: 'destroy', instructionRef: 'Formulaire signé' })).status).toBe(201);
    await thirtyDaysLater(c.t.tenantId);
    expect((await op.post(`/api/v1/vendor/tenants/${c.t.tenantId}/termination/advance`)).body).toMatchObject({ step: 'blocked-by-legal-hold', held: 1 });
    expect((await rowsOf(c.t.tenantId)).expense).toBe(2);

    const d = await clientWithData();
    expect((await op.post(`/api/v1/vendor/tenants/${d.t.tenantId}/termination`, { reason: 'Erreur de saisie', vaultInstruction: 'destroy', instructionRef: 'n/a' })).status).toBe(201);
    expect((await rename(d.me, d.draftId, 'Refused')).status).toBe(403);
    const cancelled = await op.post(`/api/v1/vendor/tenants/${d.t.tenantId}/termination/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'active' });
    expect(cancelled.body.cancelledAt).toBeTruthy();
    expect((await rename(d.me, d.draftId, 'Allowed again')).status).toBe(200);
    expect((await op.post(`/api/v1/vendor/tenants/${d.t.tenantId}/termination/cancel`)).status).toBe(409);
  });
});
