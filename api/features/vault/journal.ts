// The vault journal (R-VLT-3), per Client: entries appended under a per-Client lock, each chained
// to the previous and a leaf of the Client's RFC 6962 tree; signed checkpoints of that tree;
// inclusion and consistency proofs; and a verification that names the first thing wrong — an
// altered or missing entry, entries dropped after a checkpoint, a checkpoint altered, unsigned or
// not extending the previous one. Free of HTTP; the caller gives the transaction.
import type { Kysely, Transaction } from 'kysely';
import type { DB, VaultEntryKind } from '../../../storage/db/schema.ts';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import type { Clock } from '../../clock.ts';
import type { SigningKey } from '../../infra/signing-key.ts';
import { canonicalize } from '../../lib/jcs.ts';
import { sha256Hex } from '../../lib/secrets.ts';
import { consistencyProof, EMPTY_FRONTIER, extendFrontier, frontierRoot, inclusionProof, leafHash, type Frontier, type Hash } from './merkle.ts';

export const GENESIS = '0'.repeat(64);
/** Entries read at once while hashing a journal (bounded memory whatever its length). */
const BATCH = 5_000;

export interface JournalEntry {
  tenantId: string;
  seq: number;
  kind: VaultEntryKind;
  depositId: string | null;
  actorId: string | null;
  occurredAt: string;
  data: Record<string, unknown>;
  prevHash: string;
}

/** The bytes an entry is: its RFC 8785 form. entry hash = SHA-256(bytes); leaf hash = SHA-256(0x00 ‖ bytes). */
export const entryBytes = (e: JournalEntry) =>
  Buffer.from(canonicalize({ tenantId: e.tenantId, seq: e.seq, kind: e.kind, depositId: e.depositId, actorId: e.actorId, occurredAt: e.occurredAt, data: e.data, prevHash: e.prevHash } satisfies JournalEntry));

export interface CheckpointBody {
  tenantId: string;
  seq: number;
  treeSize: number;
  root: string;
  createdAt: string;
  prevHash: string;
  keyId: string;
}
export const checkpointHash = (b: CheckpointBody) => sha256Hex(canonicalize(b));

type Db = Kysely<DB> | Transaction<DB>;
export type NewEntry = { kind: VaultEntryKind; depositId?: string | null; actorId?: string | null; data: Record<string, unknown> };
type Row = { seq: number; kind: VaultEntryKind; deposit_id: string | null; actor_id: string | null; occurred_at: Date; data: Record<string, unknown>; prev_hash: string; entry_hash: string };
const toEntry = (tenantId: string, r: Row): JournalEntry => ({
  tenantId, seq: Number(r.seq), kind: r.kind, depositId: r.deposit_id, actorId: r.actor_id, occurredAt: r.occurred_at.toISOString(), data: r.data, prevHash: r.prev_hash,
});

export type JournalCheck =
  | { ok: true; entries: number; checkpoints: number }
  | { ok: false; problem: string; seq?: number; checkpoint?: number };

export class VaultJournal {
  constructor(private readonly d: { db: Kysely<DB>; clock: Clock; key: SigningKey }) {}

  /** Appends one entry in the caller's transaction (the per-Client lock orders concurrent appends). */
  async append(trx: Transaction<DB>, tenantId: string, e: NewEntry): Promise<JournalEntry & { entryHash: string }> {
    return (await this.appendMany(trx, tenantId, [e]))[0]!;
  }

  /** Appends entries in order, under one lock and one INSERT (the sweep journals a batch of checks at once). */
  async appendMany(trx: Transaction<DB>, tenantId: string, es: readonly NewEntry[]): Promise<(JournalEntry & { entryHash: string })[]> {
    if (!es.length) return [];
    await advisoryXactLock(trx, `vault:journal:${tenantId}`);
    const last = await trx.selectFrom('vault_journal').select(['seq', 'entry_hash']).where('tenant_id', '=', tenantId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    let seq = last ? Number(last.seq) + 1 : 0;
    let prevHash = last?.entry_hash ?? GENESIS;
    const occurredAt = this.d.clock.now().toISOString();
    const out: (JournalEntry & { entryHash: string })[] = [];
    for (const e of es) {
      // a JSON round trip, so that what is hashed is what the jsonb column gives back
      const entry: JournalEntry = { tenantId, seq: seq++, kind: e.kind, depositId: e.depositId ?? null, actorId: e.actorId ?? null, occurredAt, data: JSON.parse(JSON.stringify(e.data)), prevHash };
      const entryHash = sha256Hex(entryBytes(entry));
      out.push({ ...entry, entryHash });
      prevHash = entryHash;
    }
    await trx.insertInto('vault_journal').values(out.map((x) => ({
      tenant_id: tenantId, seq: x.seq, kind: x.kind, deposit_id: x.depositId, actor_id: x.actorId, occurred_at: x.occurredAt, data: JSON.stringify(x.data), prev_hash: x.prevHash, entry_hash: x.entryHash,
    }))).execute();
    return out;
  }

  /** Every entry from `from` on, in order, a batch at a time. */
  private async *entries(db: Db, tenantId: string, from = 0): AsyncGenerator<JournalEntry & { entryHash: string }> {
    for (let next = from; ; ) {
      const rows = await db.selectFrom('vault_journal').selectAll().where('tenant_id', '=', tenantId).where('seq', '>=', next).orderBy('seq').limit(BATCH).execute();
      for (const r of rows) yield { ...toEntry(tenantId, r), entryHash: r.entry_hash };
      if (rows.length < BATCH) return;
      next = Number(rows[rows.length - 1]!.seq) + 1;
    }
  }

  /** The leaf hashes of the first `size` entries (for proofs). */
  private async leaves(db: Db, tenantId: string, size: number): Promise<Hash[]> {
    const out: Hash[] = [];
    for await (const e of this.entries(db, tenantId)) {
      if (out.length >= size) break;
      out.push(leafHash(entryBytes(e)));
    }
    if (out.length < size) throw new Error(`the journal has ${out.length} entries, the checkpoint ${size}`);
    return out;
  }

  /**
   * Signs the Client's tree as it stands: size, root, time, the previous checkpoint's hash. Only
   * the entries added since the previous checkpoint are hashed (its frontier is kept), and their
   * chain is checked on the way: a broken chain is never signed.
   */
  async checkpoint(tenantId: string, timestamp?: (hash: string) => Promise<Buffer | null>): Promise<CheckpointBody & { hash: string; signature: string; tsaToken: Buffer | null }> {
    return this.d.db.transaction().execute(async (trx) => {
      await advisoryXactLock(trx, `vault:journal:${tenantId}`);
      const prev = await trx.selectFrom('vault_checkpoint').selectAll().where('tenant_id', '=', tenantId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      let f: Frontier = prev ? { size: Number(prev.tree_size), nodes: prev.frontier.map((h) => Buffer.from(h, 'hex')) } : EMPTY_FRONTIER;
      let prevEntry = prev && prev.tree_size > 0 ? (await trx.selectFrom('vault_journal').select('entry_hash').where('tenant_id', '=', tenantId).where('seq', '=', Number(prev.tree_size) - 1).executeTakeFirst())?.entry_hash : GENESIS;
      if (prevEntry === undefined) throw new Error(`vault journal of ${tenantId}: entry ${Number(prev!.tree_size) - 1} signed by checkpoint ${prev!.seq} is missing`);
      const batch: Hash[] = [];
      for await (const e of this.entries(trx, tenantId, f.size)) {
        if (e.seq !== f.size + batch.length) throw new Error(`vault journal of ${tenantId}: entry ${f.size + batch.length} is missing`);
        const bytes = entryBytes(e);
        if (e.prevHash !== prevEntry || sha256Hex(bytes) !== e.entryHash) throw new Error(`vault journal of ${tenantId}: entry ${e.seq} does not chain`);
        prevEntry = e.entryHash;
        batch.push(leafHash(bytes));
        if (batch.length >= BATCH) f = extendFrontier(f, batch.splice(0));
      }
      f = extendFrontier(f, batch);
      const body: CheckpointBody = {
        tenantId, seq: (prev?.seq ?? 0) + 1, treeSize: f.size, root: frontierRoot(f).toString('hex'), createdAt: this.d.clock.now().toISOString(), prevHash: prev?.hash ?? GENESIS, keyId: this.d.key.keyId,
      };
      const hash = checkpointHash(body);
      const signature = this.d.key.sign(hash);
      // the time-stamp (RFC 3161, over SHA-256 of the hash) is asked before the row exists: rows never change
      const tsaToken = timestamp ? await timestamp(hash) : null;
      await trx.insertInto('vault_checkpoint').values({
        tenant_id: tenantId, seq: body.seq, tree_size: body.treeSize, root: body.root, frontier: JSON.stringify(f.nodes.map((n) => n.toString('hex'))),
        created_at: body.createdAt, prev_hash: body.prevHash, key_id: body.keyId, hash, signature, tsa_token: tsaToken,
      }).execute();
      return { ...body, hash, signature, tsaToken };
    });
  }

  private async checkpointRow(tenantId: string, seq?: number) {
    let q = this.d.db.selectFrom('vault_checkpoint').selectAll().where('tenant_id', '=', tenantId);
    q = seq === undefined ? q.orderBy('seq', 'desc').limit(1) : q.where('seq', '=', seq);
    return q.executeTakeFirst();
  }

  /** That entry `seq` is in the tree signed by a checkpoint (the latest by default). */
  async inclusion(tenantId: string, seq: number, checkpointSeq?: number) {
    const cp = await this.checkpointRow(tenantId, checkpointSeq);
    if (!cp) return undefined;
    const size = Number(cp.tree_size);
    if (!(seq >= 0 && seq < size)) return undefined;
    const leaves = await this.leaves(this.d.db, tenantId, size);
    const row = await this.d.db.selectFrom('vault_journal').selectAll().where('tenant_id', '=', tenantId).where('seq', '=', seq).executeTakeFirstOrThrow();
    return {
      entry: toEntry(tenantId, row), leafHash: leaves[seq]!.toString('hex'), index: seq, treeSize: size, root: cp.root, checkpoint: cp.seq,
      path: inclusionProof(leaves, seq, size).map((h) => h.toString('hex')),
    };
  }

  /** That the tree of checkpoint `to` extends the tree of checkpoint `from`. */
  async consistency(tenantId: string, from: number, to: number) {
    const [a, b] = await Promise.all([this.checkpointRow(tenantId, from), this.checkpointRow(tenantId, to)]);
    if (!a || !b || a.tree_size > b.tree_size || a.tree_size === 0) return undefined;
    const leaves = await this.leaves(this.d.db, tenantId, Number(b.tree_size));
    return {
      from: { checkpoint: a.seq, treeSize: Number(a.tree_size), root: a.root }, to: { checkpoint: b.seq, treeSize: Number(b.tree_size), root: b.root },
      proof: consistencyProof(leaves, Number(a.tree_size), Number(b.tree_size)).map((h) => h.toString('hex')),
    };
  }

  /**
   * Recomputes the Client's whole journal and every checkpoint: each entry's hash and link, no
   * gap, each checkpoint's hash, signature and link, its root over that many entries — so an
   * entry altered, removed, or dropped after a checkpoint is named.
   */
  async verify(tenantId: string): Promise<JournalCheck> {
    const cps = await this.d.db.selectFrom('vault_checkpoint').selectAll().where('tenant_id', '=', tenantId).orderBy('seq').execute();
    const bySize = new Map<number, typeof cps>();
    for (const c of cps) bySize.set(Number(c.tree_size), [...(bySize.get(Number(c.tree_size)) ?? []), c]);
    let f = EMPTY_FRONTIER;
    let prev = GENESIS;
    const check = (size: number): JournalCheck | undefined => {
      const root = frontierRoot(f).toString('hex');
      const c = (bySize.get(size) ?? []).find((x) => x.root !== root);
      if (c) return { ok: false, checkpoint: c.seq, problem: `checkpoint ${c.seq}: the root of the first ${size} entries is not the one signed (an entry before ${size} was changed)` };
      return undefined;
    };
    const bad0 = check(0);
    if (bad0) return bad0;
    for await (const e of this.entries(this.d.db, tenantId)) {
      if (e.seq !== f.size) return { ok: false, seq: f.size, problem: `entry ${f.size} is missing` };
      const bytes = entryBytes(e);
      if (sha256Hex(bytes) !== e.entryHash) return { ok: false, seq: e.seq, problem: `entry ${e.seq} was altered (its content no longer gives its hash)` };
      if (e.prevHash !== prev) return { ok: false, seq: e.seq, problem: `entry ${e.seq} does not link to entry ${e.seq - 1}` };
      prev = e.entryHash;
      f = extendFrontier(f, [leafHash(bytes)]);
      const bad = check(f.size);
      if (bad) return bad;
    }
    let prevCp = GENESIS;
    for (const c of cps) {
      if (Number(c.tree_size) > f.size) return { ok: false, checkpoint: c.seq, seq: f.size, problem: `checkpoint ${c.seq} signed ${c.tree_size} entries; the journal has ${f.size}: entries from ${f.size} on were removed` };
      const body: CheckpointBody = { tenantId, seq: c.seq, treeSize: Number(c.tree_size), root: c.root, createdAt: c.created_at.toISOString(), prevHash: c.prev_hash, keyId: c.key_id };
      if (c.prev_hash !== prevCp || checkpointHash(body) !== c.hash) return { ok: false, checkpoint: c.seq, problem: `checkpoint ${c.seq} was altered or does not link to the previous one` };
      if (c.key_id !== this.d.key.keyId || !this.d.key.verify(c.hash, c.signature)) return { ok: false, checkpoint: c.seq, problem: `checkpoint ${c.seq} has no valid signature by the vault key` };
      prevCp = c.hash;
    }
    return { ok: true, entries: f.size, checkpoints: cps.length };
  }
}

