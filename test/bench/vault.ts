// npm run bench -- vault   (either database; PostgreSQL with DATABASE_URL=postgres://…)
//  1. 10 000 receipts (32 KB each, PDFs by their first bytes) of verified expenses deposited by the
//     deposit job's code path, 4 at a time: deposits/s. Baseline, same run: the vault store's bare
//     write-once put of the same number of files (no reading of the working copy, no hashing
//     twice, no record, no journal entry, no storage-log object).
//  2. The integrity sweep over them: MB/s, beside the machine's raw SHA-256 speed over the same
//     bytes in memory in the same run (one core), and the ratio.
//  3. A checkpoint over 1 000 000 journal entries (a fresh Client, no earlier checkpoint: every
//     entry is read, its chain checked and hashed into the tree): seconds and the process's peak
//     RSS growth while it runs.
// Sizes can be lowered for a quick look: VAULT_BENCH_N, VAULT_BENCH_JOURNAL.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { SYSTEM_ACTOR } from '../../api/features/audit/audit.service.ts';
import { entryBytes, GENESIS, type JournalEntry } from '../../api/features/vault/journal.ts';
import { sha256Hex } from '../../api/lib/secrets.ts';
import { TenantDb } from '../../storage/db/tenant-db.ts';
import { receiptKey } from '../../storage/objects/keys.ts';
import { createTestContext } from '../support/context.ts';
import { onPostgres } from '../support/db.ts';
import { createTenantWithAdmin } from '../support/factories.ts';

type Emit = (o: Record<string, unknown>) => void;

async function pool<T>(items: readonly T[], concurrency: number, fn: (x: T, i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

export async function vaultBench(emit: Emit) {
  const N = Number(process.env.VAULT_BENCH_N ?? 10_000);
  const ENTRIES = Number(process.env.VAULT_BENCH_JOURNAL ?? 1_000_000);
  const SIZE = 32 * 1024;
  const CONC = 4;
  const ctx = await createTestContext();
  const { c } = ctx;
  const k = c.db.kysely;
  try {
    const t = await createTenantWithAdmin(ctx);
    const tdb = new TenantDb(t.tenantId, k);
    const categoryId = (await k.selectFrom('category').select('id').where('tenant_id', '=', t.tenantId).executeTakeFirstOrThrow()).id;
    const paymentMethodId = (await k.selectFrom('payment_method').select('id').where('tenant_id', '=', t.tenantId).where('reimbursable', '=', true).executeTakeFirstOrThrow()).id;

    // ————— seed: N verified expenses, each with its own 32 KB original in the working store
    const files = Array.from({ length: N }, (_, i) => Buffer.concat([Buffer.from(`%PDF-1.7\n% bench ${i}\n`), randomBytes(SIZE - 32)]));
    const shas = files.map((f) => createHash('sha256').update(f).digest('hex'));
    await pool(files, 8, (f, i) => c.objects.put(receiptKey(t.tenantId, shas[i]!), Readable.from([f]), { expectedSha256: shas[i] }));
    const expenseIds: string[] = [];
    for (let i = 0; i < N; i += 1000) {
      const n = Math.min(1000, N - i);
      const rows = Array.from({ length: n }, (_, j) => ({
        id: randomUUID(), tenant_id: t.tenantId, user_id: t.admin.id, status: 'verified' as const, kind: 'receipt' as const, expense_date: '2026-03-10', merchant: `Bench ${i + j}`,
        category_id: categoryId, payment_method_id: paymentMethodId, reimbursable: true, amount_minor: 1000, currency: 'EUR', converted_minor: 1000, client_currency: 'EUR', rate: '1', rate_date: '2026-03-10', version: 3,
      }));
      await k.insertInto('expense').values(rows as never).execute();
      await k.insertInto('receipt_blob').values(rows.map((_, j) => ({ tenant_id: t.tenantId, sha256: shas[i + j]!, size: SIZE, media_type: 'application/pdf' as const }))).execute();
      await k.insertInto('receipt').values(rows.map((r, j) => ({ id: randomUUID(), tenant_id: t.tenantId, expense_id: r.id, sha256: shas[i + j]!, original_name: `facture-${i + j}.pdf`, uploaded_by: t.admin.id }))).execute();
      expenseIds.push(...rows.map((r) => r.id));
    }
    await c.vault.updateSettings(tdb, { ...SYSTEM_ACTOR, kind: 'user', userId: t.admin.id }, { enabled: true });

    // ————— 1. deposits, and the bare write-once put of as many files
    const t0 = performance.now();
    await pool(expenseIds, CONC, (id) => c.vault.depositExpense(t.tenantId, id));
    const depositMs = performance.now() - t0;
    const made = Number((await k.selectFrom('vault_deposit').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', t.tenantId).executeTakeFirstOrThrow()).n);
    if (made !== N) throw new Error(`${made} deposits for ${N} receipts`);
    const dir = await mkdtemp(join(tmpdir(), 'justif-vault-bench-'));
    const B = Math.min(N, 2000);
    const bare = await Promise.all(Array.from({ length: B }, async (_, i) => {
      const f = Buffer.concat([Buffer.from(`%PDF-1.7\n% bare ${i}\n`), randomBytes(SIZE - 32)]);
      await writeFile(join(dir, String(i)), f);
      return { file: join(dir, String(i)), sha256: createHash('sha256').update(f).digest('hex') };
    }));
    const tb = performance.now();
    const bareTenant = randomUUID();
    await pool(bare, CONC, (b) => c.vaultStore.putOnce(`${bareTenant}/${b.sha256}`, b.file, { sha256: b.sha256, size: SIZE, contentType: 'application/pdf', retainUntil: new Date('2036-12-31') }));
    const bareMs = performance.now() - tb;
    await rm(dir, { recursive: true, force: true });
    const perSec = N / (depositMs / 1000);
    const barePerSec = B / (bareMs / 1000);
    emit({ name: 'vault.deposit', receipts: N, bytes_each: SIZE, concurrency: CONC, store: c.vaultStore.kind, deposits_per_s: +perSec.toFixed(1), baseline: +barePerSec.toFixed(1), baseline_name: 'bare write-once put into the vault store (read back and re-hashed), files/s', ratio: +(barePerSec / perSec).toFixed(2) });

    // ————— 2. sweep, beside raw SHA-256 over the same bytes
    const ts = performance.now();
    const s = await c.vault.sweep({ concurrency: CONC });
    const sweepMs = performance.now() - ts;
    if (s.objects < N || s.mismatched.length || s.missing.length) throw new Error(`sweep: ${s.objects} objects, ${s.mismatched.length} altered, ${s.missing.length} missing`);
    const th = performance.now();
    for (const f of files) createHash('sha256').update(f).digest();
    const hashMs = performance.now() - th;
    const mb = (N * SIZE) / 1_048_576;
    emit({ name: 'vault.sweep', objects: s.objects, mb: +mb.toFixed(1), concurrency: CONC, mb_per_s: +(mb / (sweepMs / 1000)).toFixed(1), baseline: +(mb / (hashMs / 1000)).toFixed(1), baseline_name: 'raw SHA-256 of the same bytes in memory, one core, MB/s', ratio: +(sweepMs / hashMs).toFixed(1), note: 'each object read from the store and hashed, 4 at a time; the outcomes journaled per batch of 200' });

    // ————— 3. a checkpoint over ENTRIES journal entries
    const big = await createTenantWithAdmin(ctx);
    let prev = GENESIS;
    const at = new Date('2026-11-01T00:00:00Z').toISOString();
    const tf = performance.now();
    for (let i = 0; i < ENTRIES; i += 5000) {
      const rows = [];
      for (let seq = i; seq < Math.min(ENTRIES, i + 5000); seq++) {
        const e: JournalEntry = { tenantId: big.tenantId, seq, kind: 'read', depositId: null, actorId: null, occurredAt: at, data: { n: seq }, prevHash: prev };
        const entryHash = sha256Hex(entryBytes(e));
        rows.push({ tenant_id: big.tenantId, seq, kind: 'read' as const, deposit_id: null, actor_id: null, occurred_at: at, data: JSON.stringify(e.data), prev_hash: prev, entry_hash: entryHash });
        prev = entryHash;
      }
      await k.insertInto('vault_journal').values(rows).execute();
    }
    const fillMs = performance.now() - tf;
    if (onPostgres) await sql`ANALYZE vault_journal`.execute(k);
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const tc = performance.now();
    const cp = await c.vault.checkpoint(big.tenantId);
    const cpMs = performance.now() - tc;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    if (cp.treeSize !== ENTRIES) throw new Error(`checkpoint over ${cp.treeSize}`);
    // baseline: SHA-256 of the same entries' bytes alone (no database read, no tree), same process
    const tr = performance.now();
    let p2 = GENESIS;
    for (let seq = 0; seq < ENTRIES; seq++) p2 = sha256Hex(entryBytes({ tenantId: big.tenantId, seq, kind: 'read', depositId: null, actorId: null, occurredAt: at, data: { n: seq }, prevHash: p2 }));
    const rawMs = performance.now() - tr;
    emit({ name: 'vault.checkpoint', entries: ENTRIES, seconds: +(cpMs / 1000).toFixed(2), peak_rss_growth_mb: Math.round((peak - rss0) / 1_048_576), baseline_seconds: +(rawMs / 1000).toFixed(2), baseline_name: 'canonicalise + SHA-256 of the same entries in memory (no read, no tree)', ratio: +(cpMs / rawMs).toFixed(2), seed_seconds: +(fillMs / 1000).toFixed(1) });
  } finally {
    await ctx.close();
  }
}
