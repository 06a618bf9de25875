// The audit sink: every state change writes its event in the same transaction (R-SEC-4).
// Per-chain hash links + signed checkpoints of every chain head, so that altering, removing or
// dropping the newest events is detected by verify().
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Kysely, Transaction } from 'kysely';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import type { DB, CheckpointHead } from '../../../storage/db/schema.ts';
import type { Clock } from '../../clock.ts';
import { neutralizeCell } from '../../lib/csv.ts';
import { randomToken } from '../../lib/secrets.ts';
import type { SigningKey } from '../../infra/signing-key.ts';
import { AUDIT_EVENT_VERSION, describeEvent, type AuditEventBody, type Locale } from './audit.events.ts';
import type { AuditEventView } from './audit.schemas.ts';
import { auditRepository as repo, type AuditFilter, type AuditRow } from './audit.repository.ts';
import { USAGE_OF } from '../billing/usage.ts';
import { checkpointHash, eventHash, GENESIS_HASH, personalDigest, PLATFORM_CHAIN } from './audit.chain.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Who did it, from where. `label`, `ip` and `userAgent` are personal: kept outside the hash. */
export interface AuditActor {
  kind: 'user' | 'api_token' | 'system' | 'anonymous';
  userId: string | null;
  label: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}
export const SYSTEM_ACTOR: AuditActor = { kind: 'system', userId: null, label: null, ip: null, userAgent: null, requestId: null };

export type AuditRecord = AuditEventBody & {
  tenantId: string | null;
  outcome?: 'success' | 'failure' | 'denied';
  target?: { type: string; id: string };
};

export type VerifyResult =
  | { ok: true; chains: number; events: number; checkpoints: number }
  | { ok: false; problem: string; chain?: string; seq?: number; checkpointId?: number };

export class AuditService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly key: SigningKey,
  ) {}

  /** Appends one event; joins the caller's transaction so the event commits with the change. */
  async record(db: Db, actor: AuditActor, ev: AuditRecord): Promise<void> {
    if (!db.isTransaction) return (db as Kysely<DB>).transaction().execute((trx) => this.record(trx, actor, ev));
    const trx = db as Transaction<DB>;
    const chain = ev.tenantId ?? PLATFORM_CHAIN;
    const head = await repo.lockHead(trx, chain);
    const personal = { actorLabel: actor.label, ip: actor.ip, userAgent: actor.userAgent };
    const salt = randomToken(16);
    const row = {
      id: randomUUID(),
      chain,
      seq: (head?.seq ?? 0) + 1,
      tenant_id: ev.tenantId,
      occurred_at: this.clock.now(),
      type: ev.type,
      version: AUDIT_EVENT_VERSION,
      action: ev.type,
      outcome: ev.outcome ?? 'success',
      actor_id: actor.userId,
      actor_kind: actor.kind,
      target_type: ev.target?.type ?? null,
      target_id: ev.target?.id ?? null,
      request_id: actor.requestId,
      data: ev.data as Record<string, unknown>,
      personal_digest: personalDigest(salt, personal),
      prev_hash: head?.hash ?? GENESIS_HASH,
    };
    await trx.insertInto('audit_event').values({ ...row, data: JSON.stringify(row.data), hash: eventHash(row) }).execute();
    await trx.insertInto('audit_personal').values({ event_id: row.id, salt, actor_label: personal.actorLabel, ip: personal.ip, user_agent: personal.userAgent }).execute();
    const usage = (row.outcome === 'success' && ev.tenantId && actor.userId && USAGE_OF[ev.type]) || null;
    if (usage) await trx.insertInto('usage_event').values({ tenant_id: ev.tenantId!, user_id: actor.userId!, kind: usage, occurred_at: row.occurred_at, audit_event_id: row.id }).execute();
  }

  async list(tenantId: string, f: AuditFilter, limit: number, cursor: string | undefined, locale: Locale): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
    const before = cursor ? Number(cursor) : undefined;
    const rows = await repo.list(this.db, tenantId, f, limit + 1, before);
    const items = rows.slice(0, limit).map((r) => toView(r, locale));
    return { items, nextCursor: rows.length > limit ? String(items.at(-1)!.seq) : null };
  }

  /** CSV of a Client's events, streamed page by page. */
  exportCsv(tenantId: string, f: AuditFilter, locale: Locale): Readable {
    const out = stringify({ header: true, bom: true, columns: ['seq', 'time', 'action', 'outcome', 'actorId', 'actorLabel', 'targetType', 'targetId', 'targetLabel', 'ip', 'userAgent', 'requestId', 'sentence'], cast: { string: neutralizeCell } });
    (async () => {
      let before: number | undefined;
      for (;;) {
        const rows = await repo.list(this.db, tenantId, f, 500, before);
        for (const r of rows) {
          const v = toView(r, locale);
          if (!out.write(v)) await new Promise((res) => out.once('drain', res));
        }
        if (rows.length < 500) break;
        before = Number(rows.at(-1)!.seq);
      }
      out.end();
    })().catch((e) => out.destroy(e));
    return out;
  }

  /** Signs the head of every chain; checkpoints are chained too. */
  async checkpoint(): Promise<{ id: number; heads: CheckpointHead[] }> {
    return this.db.transaction().execute(async (trx) => {
      await advisoryXactLock(trx, 'audit:checkpoint');
      const prev = await repo.lastCheckpoint(trx);
      const heads = (await repo.heads(trx)).sort((a, b) => (a.chain < b.chain ? -1 : 1));
      const body = { id: (prev ? Number(prev.id) : 0) + 1, createdAt: this.clock.now(), heads, prevHash: prev?.hash ?? GENESIS_HASH, keyId: this.key.keyId };
      const hash = checkpointHash(body);
      await trx
        .insertInto('audit_checkpoint')
        .values({ id: body.id, created_at: body.createdAt, heads: JSON.stringify(heads), prev_hash: body.prevHash, hash, key_id: body.keyId, signature: this.key.sign(hash) })
        .execute();
      return { id: body.id, heads };
    });
  }

  /** Re-computes every chain and checks every checkpoint; names the first problem found. */
  async verify(): Promise<VerifyResult> {
    const heads = new Map<string, { seq: number; hash: string }>();
    let events = 0;
    const chains = (await repo.chains(this.db)).map((c) => c.chain).sort();
    for (const chain of chains) {
      let prevHash = GENESIS_HASH;
      let seq = 0;
      for (;;) {
        const page = await repo.chainPage(this.db, chain, seq, 1000);
        for (const e of page) {
          const n = Number(e.seq);
          if (n !== seq + 1) return { ok: false, chain, seq: seq + 1, problem: `chain ${chain}: event seq ${seq + 1} is missing (next stored is ${n})` };
          if (e.prev_hash !== prevHash) return { ok: false, chain, seq: n, problem: `chain ${chain}: event seq ${n} (${e.id}) does not link to seq ${seq}` };
          if (eventHash({ ...e, seq: n }) !== e.hash) return { ok: false, chain, seq: n, problem: `chain ${chain}: event seq ${n} (${e.id}) was altered: its hash does not match its content` };
          prevHash = e.hash;
          seq = n;
          events++;
        }
        if (page.length < 1000) break;
      }
      heads.set(chain, { seq, hash: prevHash });
    }

    // Chains of Clients destroyed at the end of their contract are gone on purpose: their last head is
    // in the destruction certificate, and no checkpoint may have signed beyond it.
    const destroyed = new Map((await repo.destroyedChains(this.db)).map((d) => [d.chain, d.head]));
    const checkpoints = await repo.checkpoints(this.db);
    let prevHash = GENESIS_HASH;
    let expectedId = 1;
    for (const c of checkpoints) {
      const id = Number(c.id);
      if (id !== expectedId) return { ok: false, checkpointId: expectedId, problem: `checkpoint #${expectedId} is missing` };
      const body = { id, createdAt: c.created_at, heads: c.heads, prevHash: c.prev_hash, keyId: c.key_id };
      if (c.prev_hash !== prevHash || checkpointHash(body) !== c.hash) return { ok: false, checkpointId: id, problem: `checkpoint #${id} was altered or does not link to #${id - 1}` };
      if (c.key_id !== this.key.keyId || !this.key.verify(c.hash, c.signature)) return { ok: false, checkpointId: id, problem: `checkpoint #${id} has no valid signature by this service's key` };
      for (const h of c.heads) {
        if (destroyed.has(h.chain) && !heads.has(h.chain)) {
          const last = destroyed.get(h.chain);
          if (!last || last.seq < h.seq || (last.seq === h.seq && last.hash !== h.hash))
            return { ok: false, chain: h.chain, seq: h.seq, checkpointId: id, problem: `chain ${h.chain}: checkpoint #${id} signed head seq ${h.seq}, which the destruction certificate of this Client does not account for` };
          continue;
        }
        const now = heads.get(h.chain);
        if (!now || now.seq < h.seq)
          return { ok: false, chain: h.chain, seq: (now?.seq ?? 0) + 1, checkpointId: id, problem: `chain ${h.chain}: events after seq ${now?.seq ?? 0} are missing (checkpoint #${id} signed head seq ${h.seq})` };
        const at = await repo.eventAt(this.db, h.chain, h.seq);
        if (at?.hash !== h.hash) return { ok: false, chain: h.chain, seq: h.seq, checkpointId: id, problem: `chain ${h.chain}: event seq ${h.seq} differs from the head signed by checkpoint #${id}` };
      }
      prevHash = c.hash;
      expectedId++;
    }
    return { ok: true, chains: chains.length, events, checkpoints: checkpoints.length };
  }
}

function toView(r: AuditRow, locale: Locale): AuditEventView {
  const base = {
    id: r.id, seq: Number(r.seq), time: r.occurred_at.toISOString(), action: r.action, outcome: r.outcome,
    actorId: r.actor_id, actorLabel: r.actor_label, targetType: r.target_type, targetId: r.target_id, targetLabel: r.target_label,
    ip: r.ip, userAgent: r.user_agent, requestId: r.request_id,
  };
  return { ...base, sentence: describeEvent({ ...base, type: r.type, data: r.data }, locale) };
}
