import { sql, type Kysely, type Transaction } from 'kysely';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import type { DB, Row } from '../../../storage/db/schema.ts';

type Db = Kysely<DB> | Transaction<DB>;

export interface AuditFilter {
  action?: string;
  outcome?: 'success' | 'failure' | 'denied';
  actorId?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
}

export type AuditRow = Row<'audit_event'> & { actor_label: string | null; ip: string | null; user_agent: string | null; target_label: string | null };

export const auditRepository = {
  /** Serialises writers of one chain until commit, then reads its head. */
  async lockHead(trx: Transaction<DB>, chain: string): Promise<{ seq: number; hash: string } | undefined> {
    await advisoryXactLock(trx, 'audit:' + chain);
    return trx.selectFrom('audit_event').select(['seq', 'hash']).where('chain', '=', chain).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  },

  /** A Client's events, newest first, keyset-paginated on seq. */
  async list(db: Db, tenantId: string, f: AuditFilter, limit: number, beforeSeq?: number): Promise<AuditRow[]> {
    let q = db
      .selectFrom('audit_event as e')
      .leftJoin('audit_personal as p', 'p.event_id', 'e.id')
      // The target's current name, from the Client's own rows (the event itself keeps only ids).
      .leftJoin('app_user as tu', (j) => j.on(sql<boolean>`e.target_type = 'user' AND tu.id::text = e.target_id AND tu.tenant_id = e.tenant_id`))
      .leftJoin('team as tt', (j) => j.on(sql<boolean>`e.target_type = 'team' AND tt.id::text = e.target_id AND tt.tenant_id = e.tenant_id`))
      .leftJoin('api_token as tk', (j) => j.on(sql<boolean>`e.target_type = 'api_token' AND tk.id::text = e.target_id AND tk.tenant_id = e.tenant_id`))
      .selectAll('e')
      .select(['p.actor_label', 'p.ip', 'p.user_agent'])
      .select(sql<string | null>`coalesce(tu.name || ' <' || tu.email || '>', tt.name, tk.name)`.as('target_label'))
      .where('e.tenant_id', '=', tenantId)
      .where('e.chain', '=', tenantId);
    if (f.action) q = q.where('e.action', 'like', `${f.action.replace(/[%_\\]/g, (c) => '\\' + c)}%`);
    if (f.outcome) q = q.where('e.outcome', '=', f.outcome);
    if (f.actorId) q = q.where('e.actor_id', '=', f.actorId);
    if (f.targetType) q = q.where('e.target_type', '=', f.targetType);
    if (f.targetId) q = q.where('e.target_id', '=', f.targetId);
    if (f.from) q = q.where('e.occurred_at', '>=', f.from);
    if (f.to) q = q.where('e.occurred_at', '<', f.to);
    if (beforeSeq !== undefined) q = q.where('e.seq', '<', beforeSeq);
    return q.orderBy('e.seq', 'desc').limit(limit).execute();
  },

  chains(db: Db): Promise<{ chain: string }[]> {
    return db.selectFrom('audit_event').select('chain').distinct().execute();
  },

  /** One chain in order, in pages (the verifier never holds a whole chain in memory). */
  chainPage(db: Db, chain: string, afterSeq: number, limit: number) {
    return db.selectFrom('audit_event').selectAll().where('chain', '=', chain).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  },

  heads(db: Db): Promise<{ chain: string; seq: number; hash: string }[]> {
    return sql<{ chain: string; seq: number; hash: string }>`
      SELECT DISTINCT ON (chain) chain, seq, hash FROM audit_event ORDER BY chain, seq DESC`
      .execute(db)
      .then((r) => r.rows.map((h) => ({ ...h, seq: Number(h.seq) })));
  },

  lastCheckpoint(db: Db) {
    return db.selectFrom('audit_checkpoint').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
  },

  checkpoints(db: Db) {
    return db.selectFrom('audit_checkpoint').selectAll().orderBy('id').execute();
  },

  /** The chains of destroyed Clients, each with the last head its destruction certificate recorded. */
  async destroyedChains(db: Db): Promise<{ chain: string; head: { seq: number; hash: string } | null }[]> {
    const rows = await db.selectFrom('contract_destruction').select(['tenant_id', 'certificate']).execute();
    return rows.map((r) => {
      const h = (r.certificate as { auditChainHead?: { seq: number; hash: string } | null }).auditChainHead;
      return { chain: r.tenant_id, head: h ? { seq: Number(h.seq), hash: h.hash } : null };
    });
  },

  eventAt(db: Db, chain: string, seq: number) {
    return db.selectFrom('audit_event').select(['hash']).where('chain', '=', chain).where('seq', '=', seq).executeTakeFirst();
  },
};
