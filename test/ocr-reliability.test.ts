// The OCR queue under failure, with real worker processes (`npm run worker`) on PostgreSQL — PGlite
// is one process and runs one transaction at a time, so these prove nothing there.
//  - a worker killed (SIGKILL) in the middle of a job: the job is retried after its lease and
//    completes; the receipt is read once into one result;
//  - 200 queued jobs drained by 2 worker processes: every one processed exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import sharp from 'sharp';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestContext, signedIn, type TestContext } from './support/context.ts';
import { onPostgres, pgUrl } from './support/db.ts';
import { createTenantWithAdmin, createUser } from './support/factories.ts';
import { receiptPdf } from './support/images.ts';


describe.runIf(onPostgres)('OCR workers as separate processes (PostgreSQL)', () => {
  let ctx: TestContext;
  let tenantId: string;
  let emp: Client;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    ctx = await createTestContext();
    tenantId = (await createTenantWithAdmin(ctx)).tenantId;
    emp = await signedIn(ctx, await createUser(ctx, tenantId, ['employee']));
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await ctx.close();
  });

  /** `npm run worker` against this test's schema and object store. */
  function worker(extra: Record<string, string> = {}): ChildProcess {
    const env = { ...process.env, DATABASE_URL: pgUrl, DATABASE_SCHEMA: (ctx.c.db as { schema?: string }).schema, DATA_DIR: ctx.c.config.dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'test', WORKER_CONCURRENCY: '2', ...extra };
    const p = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr!.on('data', () => {});
    workers.push(p);
    return p;
  }
  const jobs = () => ctx.c.db.kysely.selectFrom('job').selectAll().where('name', '=', 'receipt.ocr').where('singleton_key', 'like', `${tenantId}:%`).execute();
  async function until(what: string, check: () => Promise<boolean>, ms = 120_000) {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const scan = async (data: Buffer, name: string) => {
    const r = await emp.agent.post('/api/v1/expenses/scan').set('X-CSRF-Token', emp.csrf).attach('files', data, { filename: name });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as { expenseId: string; receipts: { sha256: string }[] };
  };

  it('a worker killed in the middle of a job: retried after the lease, completed once, one result', async () => {
    // A photo large enough that OCR takes a while: time to kill the worker during it.
    const lines = ['HOTEL DES VOYAGEURS', 'Le 05/02/2026', ...Array.from({ length: 30 }, (_, i) => `Ligne ${i} article divers   ${i},00`), 'TOTAL TTC      465,00 EUR'];
    const { openPdf } = await import('../worker/adapters/pdf.ts');
    const pdf = await openPdf(await receiptPdf(lines), { maxPixels: 50_000_000, dpi: 300 });
    let png!: Buffer;
    for await (const p of pdf.pages(1)) png = await sharp(p.pixels, { raw: { width: p.width, height: p.height, channels: p.channels } }).png().toBuffer();
    await pdf.close();
    const s = await scan(png, 'hotel.png');
    const a = worker();
    await until('the job to be running', async () => (await jobs()).some((j) => j.state === 'running'));
    a.kill('SIGKILL');
    await new Promise((r) => a.once('exit', r));
    const [stuck] = (await jobs()).filter((j) => j.singleton_key === `${tenantId}:${s.receipts[0]!.sha256}`);
    expect(stuck).toMatchObject({ state: 'running', attempts: 1 });
    expect(await ctx.c.db.kysely.selectFrom('receipt_ocr').select('sha256').execute()).toHaveLength(0);
    // Time passes beyond the lease (simulated: waiting out five minutes here would only be slow).
    await sql`UPDATE job SET lease_until = now() - interval '1 second' WHERE id = ${stuck!.id}`.execute(ctx.c.db.kysely);
    const b = worker();
    await until('the job to be done', async () => (await jobs()).find((j) => j.id === stuck!.id)?.state === 'done');
    b.kill('SIGTERM');
    const done = (await jobs()).find((j) => j.id === stuck!.id)!;
    expect(done).toMatchObject({ state: 'done', attempts: 2 });
    expect(await ctx.c.db.kysely.selectFrom('receipt_ocr').select('sha256').where('tenant_id', '=', tenantId).execute()).toHaveLength(1);
    const e = (await emp.get(`/api/v1/expenses/${s.expenseId}`)).body;
    expect(e).toMatchObject({ amountMinor: 46_500, date: '2026-02-05', ocr: { status: 'done' } });
    const applied = await ctx.c.db.kysely.selectFrom('audit_event').select('data').where('type', '=', 'expense.ocr_applied').where('target_id', '=', s.expenseId).execute();
    expect(applied).toHaveLength(1);
  }, 240_000);

  it('200 queued jobs drained by 2 worker processes: every one processed exactly once', async () => {
    const made: { expenseId: string; sha256: string; total: string }[] = [];
    for (let i = 0; i < 200; i++) {
      const total = `${10 + i},${String(i % 100).padStart(2, '0')}`;
      const s = await scan(await receiptPdf([`BOUTIQUE ${i}`, 'Le 10/01/2026', `TOTAL TTC   ${total} EUR`]), `r${i}.pdf`);
      made.push({ expenseId: s.expenseId, sha256: s.receipts[0]!.sha256, total });
    }
    const before = (await jobs()).filter((j) => j.state === 'queued').length;
    expect(before).toBe(200);
    const ws = [worker(), worker()];
    await until('every job done', async () => (await jobs()).filter((j) => made.some((m) => j.singleton_key === `${tenantId}:${m.sha256}`) && j.state === 'done').length === 200, 180_000);
    for (const w of ws) w.kill('SIGTERM');
    const mine = (await jobs()).filter((j) => made.some((m) => j.singleton_key === `${tenantId}:${m.sha256}`));
    expect(mine).toHaveLength(200);
    expect(mine.every((j) => j.state === 'done' && j.attempts === 1)).toBe(true);
    const applied = await ctx.c.db.kysely.selectFrom('audit_event').select(['target_id']).where('type', '=', 'expense.ocr_applied').where('target_id', 'in', made.map((m) => m.expenseId)).execute();
    expect(applied).toHaveLength(200);
    expect(new Set(applied.map((a) => a.target_id)).size).toBe(200);
    const e = (await emp.get(`/api/v1/expenses/${made[123]!.expenseId}`)).body;
    expect(e.amountMinor).toBe(Number(made[123]!.total.replace(',', '')));
  }, 300_000);
});
