// npm run bench -- <name>   (names: audit, uploads, ocr, workflow, vault, reversibility, exports, billing; default all). One JSON object per result line.
// Baselines are measured in the same run: a bare INSERT of an equal row, raw SHA-256 speed.
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { SYSTEM_ACTOR } from '../../api/features/audit/audit.service.ts';
import { canonicalize } from '../../api/lib/jcs.ts';
import { createTestContext } from '../support/context.ts';
import { onPostgres } from '../support/db.ts';
import { ocrBench } from './ocr.ts';
import { uploadsBench } from './uploads.ts';
import { vaultBench } from './vault.ts';
import { reversibilityBench } from './reversibility.ts';
import { exportsBench } from './exports.ts';
import { billingBench } from './billing.ts';
import { workflowBench } from './workflow.ts';

const emit = (o: Record<string, unknown>) => console.log(JSON.stringify({ db: onPostgres ? 'postgresql' : 'pglite', ...o }));

async function timed(n: number, fn: (i: number) => Promise<unknown>, concurrency = 1): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
  return performance.now() - t0;
}

async function auditBench() {
  const ctx = await createTestContext();
  const { c } = ctx;
  const tenant = (await c.tenants.create(SYSTEM_ACTOR, { name: 'Bench', plan: 'team', country: 'FR', currency: 'EUR', adminEmail: `b-${randomUUID()}@x.test`, adminName: 'B' }, { sendMail: false })).tenant.id;
  const N = 2000;
  const conc = onPostgres ? 8 : 1;
  const actor = { ...SYSTEM_ACTOR, kind: 'user' as const, userId: randomUUID(), label: 'bench@x.test', ip: '127.0.0.1', userAgent: 'bench' };
  const audited = await timed(N, () => c.audit.record(c.db.kysely, actor, { type: 'team.created', tenantId: tenant, target: { type: 'team', id: randomUUID() }, data: {} }), conc);

  await c.audit.checkpoint();
  const events = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM audit_event`.execute(c.db.kysely)).rows[0]!.n);
  const tv = performance.now();
  const v = await c.audit.verify();
  if (!v.ok) throw new Error(v.problem);
  const verifyMs = performance.now() - tv;
  // Baseline: SHA-256 over the same canonical bytes with no database read.
  const sample = canonicalize({ id: randomUUID(), chain: tenant, seq: 1, data: {}, prevHash: 'x'.repeat(64), occurredAt: new Date().toISOString() });
  const th = performance.now();
  for (let i = 0; i < events; i++) createHash('sha256').update(sample).digest('hex');
  const hashMs = performance.now() - th;
  emit({ name: 'audit.verify', unit: 'events/s', value: Math.round(events / (verifyMs / 1000)), baseline: Math.round(events / (hashMs / 1000)), baseline_name: 'raw SHA-256 of a canonical event', ratio: +(verifyMs / hashMs).toFixed(1), events });
  // Measured last: these rows are not chained, so they would fail verify().
  // Baseline: the same two rows inserted with no lock, no chain read, no hashing.
  const bare = await timed(N, (i) => c.db.kysely.transaction().execute(async (trx) => {
    const id = randomUUID();
    await trx.insertInto('audit_event').values({ id, chain: `bare-${i}`, seq: 1, tenant_id: tenant, occurred_at: new Date(), type: 'team.created', version: 1, action: 'team.created', outcome: 'success', actor_id: actor.userId, actor_kind: 'user', target_type: 'team', target_id: id, request_id: null, data: '{}', personal_digest: 'x', prev_hash: 'x', hash: 'x' }).execute();
    await trx.insertInto('audit_personal').values({ event_id: id, salt: 's', actor_label: 'bench@x.test', ip: '127.0.0.1', user_agent: 'bench' }).execute();
  }), conc);
  emit({ name: 'audit.append', unit: 'events/s', value: Math.round(N / (audited / 1000)), baseline: Math.round(N / (bare / 1000)), baseline_name: 'bare INSERT of the same rows', ratio: +(audited / bare).toFixed(2), concurrency: conc });
  await ctx.close();
}

const which = process.argv[2] ?? 'all';
if (which === 'audit' || which === 'all') await auditBench();
if (which === 'uploads' || which === 'all') await uploadsBench(emit);
if (which === 'ocr' || which === 'all') await ocrBench(emit);
if (which === 'workflow' || which === 'all') await workflowBench(emit);
if (which === 'vault' || which === 'all') await vaultBench(emit);
if (which === 'reversibility' || which === 'all') await reversibilityBench(emit);
if (which === 'exports' || which === 'all') await exportsBench(emit);
if (which === 'billing' || which === 'all') await billingBench(emit);
