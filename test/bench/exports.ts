// npm run bench -- exports   (either database; PostgreSQL with DATABASE_URL=postgres://…)
//  1. The accounting export (CSV) of one Client's month of 1 000 000 verified expenses — mixed
//     categories (VAT fully, half and not recoverable), reimbursable and company card, one in 50
//     paid in CHF, 75 % with a VAT line, dated in the order they were entered — into the local
//     object store: expenses/s, ledger lines/s, wall time and its phases (claim; file, from the
//     put's first byte to its read-back; status move + history + record + commit), file size, and
//     the process's RSS (sampled every 50 ms: peak minus before, the absolute peak, per phase) and
//     heap. Baseline, same run: the same rows read by the same page query (same columns and
//     subqueries, through the batch's join rows), with no entries and no file.
//  2. The xlsx of 100 000 of them: rows/s, RSS, size; baseline, same run: the CSV of the same rows.
// Sizes can be lowered (PGlite defaults to 50 000 and 20 000): BENCH_EXPORT_N, BENCH_EXPORT_XLSX_N; BENCH_EXPORT_PAGE
// tries another page size than the service's.
import { sql } from 'kysely';
import { SYSTEM_ACTOR } from '../../api/features/audit/audit.service.ts';
import type { ExportBatchView } from '../../api/features/exports/exports.service.ts';
import { TenantDb } from '../../storage/db/tenant-db.ts';
import { createTestContext } from '../support/context.ts';
import { onPostgres } from '../support/db.ts';
import { createTenantWithAdmin, createUser } from '../support/factories.ts';

type Emit = (o: Record<string, unknown>) => void;
const MB = 1_048_576;

/** The phase of the export being sampled (set by the object store's put: claim → file → move). */
let phase: 'claim' | 'file' | 'move' = 'claim';
/** Runs fn while sampling the process's RSS every 50 ms (and its peak per phase, and the heap's). */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; rssBeforeMb: number; peakGrowthMb: number; peakMb: number; byPhase: Record<string, number>; heapPeakMb: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  let heapPeak = 0;
  const byPhase: Record<string, number> = {};
  phase = 'claim';
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
    byPhase[phase] = Math.max(byPhase[phase] ?? 0, Math.round((m.rss - before) / MB));
  }, 50);
  const t0 = performance.now();
  try {
    const value = await fn();
    return { value, ms: performance.now() - t0, rssBeforeMb: Math.round(before / MB), peakGrowthMb: Math.round((peak - before) / MB), peakMb: Math.round(peak / MB), byPhase, heapPeakMb: Math.round(heapPeak / MB) };
  } finally {
    clearInterval(sampler);
  }
}

export async function exportsBench(emit: Emit) {
  const N = Number(process.env.BENCH_EXPORT_N ?? (onPostgres ? 1_000_000 : 50_000));
  const NX = Math.min(N, Number(process.env.BENCH_EXPORT_XLSX_N ?? (onPostgres ? 100_000 : 20_000)));
  const ctx = await createTestContext();
  const { c } = ctx;
  const k = c.db.kysely;
  try {
    const t = await createTenantWithAdmin(ctx);
    const tdb = new TenantDb(t.tenantId, k);
    const actor = { ...SYSTEM_ACTOR, kind: 'user' as const, userId: t.admin.id };
    const users = [t.admin.id, ...(await Promise.all([1, 2, 3].map(async () => (await createUser(ctx, t.tenantId, ['employee'])).id)))];
    await k.updateTable('app_user').set({ accounting_aux: '421BENCH' }).where('id', '=', users[1]!).execute();
    const cats = (await k.selectFrom('category').select('id').where('tenant_id', '=', t.tenantId).orderBy('name').execute()).map((r) => r.id);
    const pms = await k.selectFrom('payment_method').select(['id', 'reimbursable']).where('tenant_id', '=', t.tenantId).execute();
    const personal = pms.find((p) => p.reimbursable)!.id;
    const card = pms.find((p) => !p.reimbursable)?.id ?? personal;
    await k.insertInto('vat_rule').values([
      { id: crypto.randomUUID(), tenant_id: t.tenantId, category_id: cats[0]!, effective_from: '2026-01-01', recoverable_bp: 10_000, expense_account: '625700', vat_account: '445660' },
      { id: crypto.randomUUID(), tenant_id: t.tenantId, category_id: cats[1]!, effective_from: '2026-01-01', recoverable_bp: 5000, expense_account: '625100', vat_account: '445661' },
    ]).execute();
    const arr = (xs: string[]) => `{${xs.join(',')}}`;
    /**
     * `n` verified expenses over the 28 days from `month`, set-based, 100 000 per statement, dated in
     * the order they are entered (as receipts are: the table's physical order follows the dates).
     */
    const seed = async (n: number, month: string) => {
      for (let a = 1; a <= n; a += 100_000) {
        const b = Math.min(n, a + 99_999);
        await sql`
          INSERT INTO expense (id, tenant_id, user_id, status, kind, expense_date, merchant, category_id, payment_method_id, reimbursable, amount_minor, currency,
                               converted_minor, client_currency, rate, rate_date, version)
          SELECT gen_random_uuid(), ${t.tenantId}::uuid, (${arr(users)}::uuid[])[1 + g % 4], 'verified', 'receipt', ${month}::date + ((g - 1) * 28 / ${n}::int), 'Marchand ' || g,
                 (${arr(cats)}::uuid[])[1 + g % ${cats.length}::int], CASE WHEN g % 5 = 4 THEN ${card}::uuid ELSE ${personal}::uuid END, g % 5 <> 4, 1000 + g % 9000,
                 CASE WHEN g % 50 = 7 THEN 'CHF' ELSE 'EUR' END, CASE WHEN g % 50 = 7 THEN (1000 + g % 9000) * 105 / 100 ELSE 1000 + g % 9000 END, 'EUR',
                 CASE WHEN g % 50 = 7 THEN 1.05 ELSE 1 END, ${month}::date + ((g - 1) * 28 / ${n}::int), 2
            FROM generate_series(${a}::int, ${b}::int) g`.execute(k);
      }
      await sql`
        INSERT INTO expense_vat_line (expense_id, tenant_id, position, rate_bp, base_minor, vat_minor)
        SELECT e.id, e.tenant_id, 1, 2000, e.amount_minor - e.amount_minor / 6, e.amount_minor / 6 FROM expense e
         WHERE e.tenant_id = ${t.tenantId}::uuid AND e.expense_date >= ${month}::date AND e.expense_date < ${month}::date + 28 AND e.amount_minor % 4 <> 0`.execute(k);
    };
    const s0 = performance.now();
    await seed(N, '2026-03-01');
    await seed(NX, '2026-04-01');
    await c.db.asOwner((o) => o.exec('ANALYZE'));
    const seedS = +((performance.now() - s0) / 1000).toFixed(1);

    // the file's phase is the object store's put, from its first byte to its read-back
    let putStart = 0;
    let putEnd = 0;
    const put = c.objects.put.bind(c.objects);
    c.objects.put = async (...args) => {
      putStart = performance.now();
      phase = 'file';
      try {
        return await put(...args);
      } finally {
        putEnd = performance.now();
        phase = 'move';
      }
    };
    const run = (o: { from: string; to: string; format: 'csv' | 'xlsx'; reexport?: boolean }) =>
      measured(async () => {
        const t0 = performance.now();
        const b = await c.exports.accounting(tdb, actor, { ...o, ...(process.env.BENCH_EXPORT_PAGE ? { pageSize: Number(process.env.BENCH_EXPORT_PAGE) } : {}) });
        return { b, phases: { claim_s: +((putStart - t0) / 1000).toFixed(1), file_s: +((putEnd - putStart) / 1000).toFixed(1), move_record_commit_s: +((performance.now() - putEnd) / 1000).toFixed(1) } };
      });
    const perS = (n: number, ms: number) => Math.round(n / (ms / 1000));

    // ————— 1. CSV of the month
    const csv = await run({ from: '2026-03-01', to: '2026-03-31', format: 'csv' });
    const b: ExportBatchView = csv.value.b;
    if (b.expenses !== N) throw new Error(`exported ${b.expenses} of ${N}`);
    // Baseline: the same pages by the same query, through the batch's rows, nothing else.
    const reader = c.exports as unknown as { ledgerPages(tx: TenantDb, batchId: string, total: number, pageSize: number): AsyncGenerator<unknown[]> };
    const base = await measured(() => tdb.transaction(async (tx) => {
      let n = 0;
      for await (const page of reader.ledgerPages(tx, b.id, b.expenses, 2000)) n += page.length;
      return n;
    }));
    // The floor under any export that moves a million expenses to `exported`: one bare UPDATE of the
    // same rows (a new version of each, as the status move writes), no history, no file, no claim.
    const floor = await measured(() => c.db.kysely.transaction().execute((trx) =>
      trx.updateTable('expense').set((eb) => ({ version: eb('version', '+', 1), updated_at: new Date() })).where('tenant_id', '=', tdb.tenantId).where('expense_date', '>=', '2026-03-01').where('expense_date', '<=', '2026-03-31').execute()));
    emit({
      name: 'exports.accounting_csv', expenses: N, ledger_lines: b.rows, unit: 'expenses/s', value: perS(N, csv.ms), lines_per_s: perS(b.rows, csv.ms), seconds: +(csv.ms / 1000).toFixed(1), ...csv.value.phases,
      file_mb: +(b.size / MB).toFixed(1), rss_before_mb: csv.rssBeforeMb, peak_rss_growth_mb: csv.peakGrowthMb, peak_rss_mb: csv.peakMb, rss_growth_by_phase_mb: csv.byPhase, heap_peak_mb: csv.heapPeakMb,
      baseline: perS(base.value, base.ms), baseline_name: 'the same rows read by the same page query (2 000 a page, same joins and subqueries), no entries, no file', baseline_seconds: +(base.ms / 1000).toFixed(1),
      ratio: +(csv.ms / base.ms).toFixed(2), seed_seconds: seedS,
      floor_name: 'one bare UPDATE of the same expense rows (what the status move must at least write)', floor_seconds: +(floor.ms / 1000).toFixed(1), floor_expenses_per_s: perS(N, floor.ms),
    });

    // ————— 2. xlsx of NX expenses, and the CSV of the same rows
    const xlsx = await run({ from: '2026-04-01', to: '2026-04-30', format: 'xlsx' });
    const csvSame = await run({ from: '2026-04-01', to: '2026-04-30', format: 'csv', reexport: true });
    const x = xlsx.value.b;
    emit({
      name: 'exports.accounting_xlsx', expenses: NX, ledger_lines: x.rows, unit: 'expenses/s', value: perS(NX, xlsx.ms), lines_per_s: perS(x.rows, xlsx.ms), seconds: +(xlsx.ms / 1000).toFixed(1), ...xlsx.value.phases,
      file_mb: +(x.size / MB).toFixed(1), peak_rss_growth_mb: xlsx.peakGrowthMb, peak_rss_mb: xlsx.peakMb,
      baseline: perS(NX, csvSame.ms), baseline_name: 'the CSV export of the same expenses (re-export), same run', baseline_file_mb: +(csvSame.value.b.size / MB).toFixed(1), baseline_peak_rss_growth_mb: csvSame.peakGrowthMb,
      ratio: +(xlsx.ms / csvSame.ms).toFixed(2),
    });
  } finally {
    await ctx.close();
  }
}
