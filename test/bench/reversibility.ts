// npm run bench -- reversibility   (either database; PostgreSQL with DATABASE_URL=postgres://…)
// The full export of a Client with 10 000 receipts (32 KB each, incompressible) and their expenses:
// MB/s of the ZIP written into the object store and the process's peak RSS growth while it runs.
// Baseline, same run: the same receipts read from the store and hashed, no ZIP (the floor for
// "every receipt, byte for byte, with its SHA-256").
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { SYSTEM_ACTOR } from '../../api/features/audit/audit.service.ts';
import { digestStream } from '../../storage/objects/object-store.ts';
import { TenantDb } from '../../storage/db/tenant-db.ts';
import { receiptKey } from '../../storage/objects/keys.ts';
import { createTestContext } from '../support/context.ts';
import { createTenantWithAdmin } from '../support/factories.ts';

type Emit = (o: Record<string, unknown>) => void;

export async function reversibilityBench(emit: Emit) {
  const N = Number(process.env.REVERSIBILITY_BENCH_N ?? 10_000);
  const SIZE = 32 * 1024;
  const ctx = await createTestContext();
  const { c } = ctx;
  const k = c.db.kysely;
  try {
    const t = await createTenantWithAdmin(ctx);
    const categoryId = (await k.selectFrom('category').select('id').where('tenant_id', '=', t.tenantId).executeTakeFirstOrThrow()).id;
    const paymentMethodId = (await k.selectFrom('payment_method').select('id').where('tenant_id', '=', t.tenantId).executeTakeFirstOrThrow()).id;
    const shas: string[] = [];
    for (let i = 0; i < N; i += 500) {
      const files = Array.from({ length: Math.min(500, N - i) }, (_, j) => Buffer.concat([Buffer.from(`%PDF-1.7\n% ${i + j}\n`), randomBytes(SIZE - 24)]));
      const batchShas = files.map((f) => createHash('sha256').update(f).digest('hex'));
      await Promise.all(files.map((f, j) => c.objects.put(receiptKey(t.tenantId, batchShas[j]!), Readable.from([f]), { expectedSha256: batchShas[j] })));
      const expenses = files.map((_, j) => ({
        id: randomUUID(), tenant_id: t.tenantId, user_id: t.admin.id, status: 'verified' as const, kind: 'receipt' as const, expense_date: '2026-03-10', merchant: `Bench ${i + j}`,
        category_id: categoryId, payment_method_id: paymentMethodId, reimbursable: true, amount_minor: 1000, currency: 'EUR', converted_minor: 1000, client_currency: 'EUR', rate: '1', rate_date: '2026-03-10',
      }));
      await k.insertInto('expense').values(expenses as never).execute();
      await k.insertInto('receipt_blob').values(batchShas.map((sha256) => ({ tenant_id: t.tenantId, sha256, size: SIZE, media_type: 'application/pdf' as const }))).execute();
      await k.insertInto('receipt').values(expenses.map((e, j) => ({ id: randomUUID(), tenant_id: t.tenantId, expense_id: e.id, sha256: batchShas[j]!, original_name: `r-${i + j}.pdf`, uploaded_by: t.admin.id }))).execute();
      shas.push(...batchShas);
    }
    const tdb = new TenantDb(t.tenantId, k);
    const e = await c.reversibility.start(tdb, { ...SYSTEM_ACTOR, kind: 'user', userId: t.admin.id });
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const t0 = performance.now();
    await c.reversibility.run(t.tenantId, e.id);
    const ms = performance.now() - t0;
    clearInterval(sampler);
    const done = await c.reversibility.get(tdb, e.id);
    const tb = performance.now();
    for (const sha of shas) await digestStream(await c.objects.get(receiptKey(t.tenantId, sha)));
    const baseMs = performance.now() - tb;
    const mb = (done.size ?? 0) / 1_048_576;
    const receiptsMb = (N * SIZE) / 1_048_576;
    emit({
      name: 'reversibility.full_export', receipts: N, zip_mb: +mb.toFixed(1), files: done.files, seconds: +(ms / 1000).toFixed(1), mb_per_s: +(mb / (ms / 1000)).toFixed(1),
      peak_rss_growth_mb: Math.round((peak - rss0) / 1_048_576), baseline_mb_per_s: +(receiptsMb / (baseMs / 1000)).toFixed(1),
      baseline_name: 'the same receipts read from the store and hashed, one at a time, no ZIP', ratio: +(ms / baseMs).toFixed(2),
    });
  } finally {
    await ctx.close();
  }
}
