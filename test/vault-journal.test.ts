// The vault journal (R-VLT-3, groundwork of the vault issue): chained entries that are the leaves of
// an RFC 6962 tree, signed checkpoints, inclusion and consistency proofs checked by the standalone
// verifiers, and a verification that names what was altered, removed or dropped. Tampering is done
// as the tables' owner with the guard triggers switched off — the only way past them.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultJournal } from '../api/features/vault/journal.ts';
import { verifyConsistency, verifyInclusion } from '../api/features/vault/merkle.ts';
import { generateSigningKey } from '../api/infra/signing-key.ts';
import { createTestContext, type TestContext } from './support/context.ts';
import { onPostgres } from './support/db.ts';
import { createTenantWithAdmin } from './support/factories.ts';

let ctx: TestContext;
let journal: VaultJournal;
const key = generateSigningKey();
beforeAll(async () => {
  ctx = await createTestContext();
  journal = new VaultJournal({ db: ctx.c.db.kysely, clock: ctx.c.clock, key });
});
afterAll(async () => ctx?.close());

async function client() {
  return (await createTenantWithAdmin(ctx)).tenantId;
}
async function append(tenantId: string, n: number, kind: 'deposit' | 'read' = 'deposit') {
  for (let i = 0; i < n; i++) await ctx.c.db.kysely.transaction().execute((trx) => journal.append(trx, tenantId, { kind, data: { n: i, sha256: String(i).padStart(64, '0') } }));
}
/** As the owner, with the append-only triggers off for one statement. */
async function tamper(statement: string) {
  await ctx.c.db.asOwner(async (o) => {
    await o.exec('ALTER TABLE vault_journal DISABLE TRIGGER vault_journal_no_change');
    try {
      await o.exec(statement);
    } finally {
      await o.exec('ALTER TABLE vault_journal ENABLE TRIGGER vault_journal_no_change');
    }
  });
}
const hex = (s: string) => Buffer.from(s, 'hex');

describe('vault journal', () => {
  it('checkpoint → inclusion proof checked by the standalone verifier → consistency between checkpoints', async () => {
    const t = await client();
    await append(t, 7);
    const c1 = await journal.checkpoint(t);
    expect(c1).toMatchObject({ seq: 1, treeSize: 7 });
    expect(key.verify(c1.hash, c1.signature)).toBe(true);
    const p = (await journal.inclusion(t, 3))!;
    expect(verifyInclusion(hex(p.leafHash), p.index, p.treeSize, p.path.map(hex), hex(c1.root))).toBe(true);
    expect(verifyInclusion(hex(p.leafHash), 4, p.treeSize, p.path.map(hex), hex(c1.root))).toBe(false);
    await append(t, 6, 'read');
    const c2 = await journal.checkpoint(t); // hashes only the 6 new entries (the frontier of c1)
    expect(c2).toMatchObject({ seq: 2, treeSize: 13, prevHash: c1.hash });
    const cons = (await journal.consistency(t, 1, 2))!;
    expect(verifyConsistency(7, 13, cons.proof.map(hex), hex(c1.root), hex(c2.root))).toBe(true);
    expect(await journal.verify(t)).toEqual({ ok: true, entries: 13, checkpoints: 2 });
    // a new checkpoint over nothing new is still a signed statement of the same tree
    expect((await journal.checkpoint(t)).root).toBe(c2.root);
  });

  it('an entry before a checkpoint rewritten (its hashes recomputed too): the root no longer matches; the consistency proof fails', async () => {
    const t = await client();
    await append(t, 5);
    const c1 = await journal.checkpoint(t);
    await append(t, 3);
    const c2 = await journal.checkpoint(t);
    const { canonicalize } = await import('../api/lib/jcs.ts');
    const { sha256Hex } = await import('../api/lib/secrets.ts');
    const row = await ctx.c.db.kysely.selectFrom('vault_journal').selectAll().where('tenant_id', '=', t).where('seq', '=', 4).executeTakeFirstOrThrow();
    const forged = { tenantId: t, seq: 4, kind: row.kind, depositId: null, actorId: null, occurredAt: row.occurred_at.toISOString(), data: { n: 99, sha256: '9'.repeat(64) }, prevHash: row.prev_hash };
    await tamper(`UPDATE vault_journal SET data = '${JSON.stringify(forged.data)}', entry_hash = '${sha256Hex(canonicalize(forged))}' WHERE tenant_id = '${t}' AND seq = 4`);
    // the chain up to it still holds (its own hash was recomputed): the signed root of the first 5 tells
    expect(await journal.verify(t)).toMatchObject({ ok: false, checkpoint: 1, problem: 'checkpoint 1: the root of the first 5 entries is not the one signed (an entry before 5 was changed)' });
    const cons = (await journal.consistency(t, 1, 2))!;
    expect(verifyConsistency(5, 8, cons.proof.map(hex), hex(c1.root), hex(c2.root))).toBe(false);
  });

  it('the newest entry rewritten with its hash: named by the checkpoint root', async () => {
    const t = await client();
    await append(t, 4);
    await journal.checkpoint(t);
    const { canonicalize } = await import('../api/lib/jcs.ts');
    const { sha256Hex } = await import('../api/lib/secrets.ts');
    const row = await ctx.c.db.kysely.selectFrom('vault_journal').selectAll().where('tenant_id', '=', t).where('seq', '=', 3).executeTakeFirstOrThrow();
    const forged = { tenantId: t, seq: 3, kind: row.kind, depositId: null, actorId: null, occurredAt: row.occurred_at.toISOString(), data: { n: 42 }, prevHash: row.prev_hash };
    await tamper(`UPDATE vault_journal SET data = '{"n":42}', entry_hash = '${sha256Hex(canonicalize(forged))}' WHERE tenant_id = '${t}' AND seq = 3`);
    expect(await journal.verify(t)).toMatchObject({ ok: false, checkpoint: 1 });
  });

  it('an entry altered in place, one deleted, the newest dropped after a checkpoint: each named', async () => {
    const a = await client();
    await append(a, 4);
    await tamper(`UPDATE vault_journal SET data = '{"n":7}' WHERE tenant_id = '${a}' AND seq = 2`);
    expect(await journal.verify(a)).toMatchObject({ ok: false, seq: 2, problem: 'entry 2 was altered (its content no longer gives its hash)' });

    const b = await client();
    await append(b, 4);
    await tamper(`DELETE FROM vault_journal WHERE tenant_id = '${b}' AND seq = 1`);
    expect(await journal.verify(b)).toMatchObject({ ok: false, seq: 1, problem: 'entry 1 is missing' });

    const c = await client();
    await append(c, 6);
    await journal.checkpoint(c);
    await tamper(`DELETE FROM vault_journal WHERE tenant_id = '${c}' AND seq >= 4`);
    expect(await journal.verify(c)).toMatchObject({ ok: false, checkpoint: 1, seq: 4 });
    // positive control: an untouched Client verifies
    const d = await client();
    await append(d, 3);
    await journal.checkpoint(d);
    expect(await journal.verify(d)).toEqual({ ok: true, entries: 3, checkpoints: 1 });
  });

  it('append-only for the service role and, by trigger, for the owner: UPDATE, DELETE, TRUNCATE refused', async () => {
    const t = await client();
    await append(t, 2);
    await journal.checkpoint(t);
    for (const q of [
      sql`UPDATE vault_journal SET data = '{}' WHERE tenant_id = ${t}`, sql`DELETE FROM vault_journal WHERE tenant_id = ${t}`, sql`TRUNCATE vault_journal`,
      sql`UPDATE vault_checkpoint SET root = ${'0'.repeat(64)} WHERE tenant_id = ${t}`, sql`DELETE FROM vault_checkpoint WHERE tenant_id = ${t}`, sql`TRUNCATE vault_checkpoint`,
    ]) await expect(q.execute(ctx.c.db.kysely)).rejects.toThrow();
    // (CASCADE: deposits refer to journal entries, and without it PostgreSQL refuses for that reason before any trigger runs)
    for (const s of [`UPDATE vault_journal SET data = '{}'`, `DELETE FROM vault_checkpoint`, `TRUNCATE vault_journal CASCADE`, `TRUNCATE vault_checkpoint`])
      await expect(ctx.c.db.asOwner((o) => o.exec(s))).rejects.toThrow(/append-only/);
    expect(await journal.verify(t)).toEqual({ ok: true, entries: 2, checkpoints: 1 });
  });

  it.runIf(onPostgres)('PostgreSQL: 40 concurrent appends of one Client make one unbroken chain', async () => {
    const t = await client();
    await Promise.all(Array.from({ length: 40 }, (_, i) => ctx.c.db.kysely.transaction().execute((trx) => journal.append(trx, t, { kind: 'read', data: { i } }))));
    await journal.checkpoint(t);
    expect(await journal.verify(t)).toEqual({ ok: true, entries: 40, checkpoints: 1 });
  });
});
