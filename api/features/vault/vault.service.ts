// The archival vault (R-VLT), free of HTTP. Deposits copy a receipt original, byte for byte, into the
// vault location (written once, Object Lock where the bucket has it) with an immutable record and a
// journal entry; reads, holds, retention changes, integrity checks and destructions are journaled
// too. Destruction is two steps — an analysis of what is eligible, then a request carried out once
// two different people approved it — and the only path that removes a vault object.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { receiptKey, vaultKey } from '../../../storage/objects/keys.ts';
import { digestStream, ObjectExistsError, ObjectNotFoundError, type ObjectStore } from '../../../storage/objects/object-store.ts';
import type { VaultProtection, VaultStore } from '../../../storage/objects/vault-store.ts';
import type { DB, VaultDepositAt, VaultDestructionKind } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import type { JobQueue } from '../../../storage/queue/queue.ts';
import type { Jobs } from '../../../storage/queue/contract.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import type { Mailer } from '../../infra/mailer.ts';
import type { SigningKey } from '../../infra/signing-key.ts';
import { canonicalize } from '../../lib/jcs.ts';
import { activeOperatorEmails } from '../users/users.repository.ts';
import { sha256Hex } from '../../lib/secrets.ts';
import { SYSTEM_ACTOR, type AuditActor, type AuditService } from '../audit/audit.service.ts';
import { HEAD_BYTES, sniffType } from '../receipts/file-check.ts';
import { entryBytes, VaultJournal } from './journal.ts';
import { leafHash } from './merkle.ts';
import { checkReport } from './proof-check.ts';
import { PROOF_FORMAT, type DepositRecord, type ProbativeReport } from './proof-types.ts';
import { retentionUntil } from './retention.ts';
import { VaultStoreLog } from './store-log.ts';

export interface VaultSettings {
  enabled: boolean;
  depositAt: VaultDepositAt;
  retentionYears: number;
  fiscalYearEnd: string;
}
export const DEFAULT_VAULT_SETTINGS: VaultSettings = { enabled: false, depositAt: 'verified', retentionYears: 10, fiscalYearEnd: '12-31' };

/** Deposit record with its current state (a hold, a destruction are facts beside it, never edits of it). */
export interface DepositView extends DepositRecord {
  legalHold: boolean;
  destroyed: boolean;
}

export interface SweepSummary {
  sweepId: string;
  objects: number;
  bytes: number;
  mismatched: { tenantId: string; key: string; expected: string; actual: string }[];
  missing: { tenantId: string; key: string }[];
  resumedFrom: string | null;
  ms: number;
}

type Row = DB['vault_deposit'] extends infer T ? { [K in keyof T]: any } : never;
const toRecord = (r: Row): DepositRecord => ({
  id: r.id, tenantId: r.tenant_id, expenseId: r.expense_id, receiptId: r.receipt_id, sha256: r.sha256, sha512: r.sha512, size: Number(r.size), mediaType: r.media_type,
  originalName: r.original_name, depositorId: r.depositor_id, depositedAt: new Date(r.deposited_at).toISOString(), retentionUntil: r.retention_until, journalSeq: Number(r.journal_seq),
});

export class VaultService {
  readonly journal: VaultJournal;
  readonly storeLog: VaultStoreLog;
  /** Integrity failures found by sweeps since the process started (exported as a metric once /metrics exists). */
  integrityFailures = 0;

  constructor(
    private readonly d: {
      db: Kysely<DB>; objects: ObjectStore; vault: VaultStore; queue: JobQueue<Jobs>; clock: Clock; audit: AuditService; mailer: Mailer; log: Logger; key: SigningKey;
      /** RFC 3161 time-stamping of checkpoints (api/infra/timestamp.ts), when a TSA is configured. */
      timestamp?: (digest: Buffer) => Promise<Buffer>;
    },
  ) {
    this.journal = new VaultJournal({ db: d.db, clock: d.clock, key: d.key });
    this.storeLog = new VaultStoreLog({ db: d.db, vault: d.vault, clock: d.clock });
  }

  protection(): Promise<VaultProtection> {
    return this.d.vault.protection();
  }

  // ————— settings (the Client option "Vault")

  async settings(db: Kysely<DB> | Transaction<DB>, tenantId: string): Promise<VaultSettings> {
    const r = await db.selectFrom('vault_settings').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
    return r ? { enabled: r.enabled, depositAt: r.deposit_at, retentionYears: r.retention_years, fiscalYearEnd: r.fiscal_year_end } : { ...DEFAULT_VAULT_SETTINGS };
  }

  async updateSettings(tdb: TenantDb, actor: AuditActor, patch: Partial<VaultSettings>): Promise<VaultSettings> {
    return tdb.transaction(async (tx) => {
      const before = await this.settings(tx.raw, tx.tenantId);
      const next = { ...before, ...patch };
      const now = this.d.clock.now();
      await tx.raw
        .insertInto('vault_settings')
        .values({ tenant_id: tx.tenantId, enabled: next.enabled, deposit_at: next.depositAt, retention_years: next.retentionYears, fiscal_year_end: next.fiscalYearEnd, updated_at: now, updated_by: actor.userId })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ enabled: next.enabled, deposit_at: next.depositAt, retention_years: next.retentionYears, fiscal_year_end: next.fiscalYearEnd, updated_at: now, updated_by: actor.userId }))
        .execute();
      const fields = (Object.keys(next) as (keyof VaultSettings)[]).filter((k) => next[k] !== before[k]);
      if (fields.includes('retentionYears') || fields.includes('fiscalYearEnd'))
        await this.journal.append(tx.raw as Transaction<DB>, tx.tenantId, { kind: 'retention', actorId: actor.userId, data: { retentionYears: next.retentionYears, fiscalYearEnd: next.fiscalYearEnd, appliesTo: 'deposits made from now on' } });
      if (fields.length) await this.d.audit.record(tx.raw, actor, { type: 'vault.settings_updated', tenantId: tx.tenantId, target: { type: 'tenant', id: tx.tenantId }, data: { fields: fields.sort() } });
      return next;
    });
  }

  // ————— deposits

  /** Workflow hook: an expense became verified (in that transaction). */
  readonly afterVerified = async (tx: TenantDb, expenseId: string): Promise<void> => {
    const s = await this.settings(tx.raw, tx.tenantId);
    if (s.enabled) await this.d.queue.enqueue(tx.raw, 'vault.deposit', { tenantId: tx.tenantId, expenseId });
  };

  /** Receipts hook: originals were attached to an expense (in that transaction). */
  readonly afterReceiptsStored = async (tx: TenantDb, expenseId: string): Promise<void> => {
    const s = await this.settings(tx.raw, tx.tenantId);
    if (s.enabled && s.depositAt === 'upload') await this.d.queue.enqueue(tx.raw, 'vault.deposit', { tenantId: tx.tenantId, expenseId });
  };

  /**
   * Deposits every original of an expense not deposited yet (job `vault.deposit`; idempotent: a
   * second run, or a crash between the object and its record, deposits nothing twice).
   */
  async depositExpense(tenantId: string, expenseId: string): Promise<{ deposited: string[]; skipped: 'vault-off' | 'not-verified' | 'gone' | null }> {
    const s = await this.settings(this.d.db, tenantId);
    if (!s.enabled) return { deposited: [], skipped: 'vault-off' };
    const e = await this.d.db.selectFrom('expense').select(['id', 'user_id', 'status', 'expense_date']).where('tenant_id', '=', tenantId).where('id', '=', expenseId).executeTakeFirst();
    if (!e) return { deposited: [], skipped: 'gone' };
    if (s.depositAt === 'verified' && !['verified', 'exported', 'reimbursed'].includes(e.status)) return { deposited: [], skipped: 'not-verified' };
    const receipts = await this.d.db.selectFrom('receipt').select(['id', 'sha256', 'original_name']).where('tenant_id', '=', tenantId).where('expense_id', '=', expenseId).orderBy('created_at').execute();
    const done = new Set((await this.d.db.selectFrom('vault_deposit').select('sha256').where('tenant_id', '=', tenantId).where('expense_id', '=', expenseId).execute()).map((r) => r.sha256));
    const until = retentionUntil(e.expense_date, s.fiscalYearEnd, s.retentionYears);
    const deposited: string[] = [];
    for (const r of receipts) {
      if (done.has(r.sha256)) continue;
      done.add(r.sha256);
      const id = await this.depositOne(tenantId, { expenseId, receiptId: r.id, sha256: r.sha256, originalName: r.original_name, depositorId: e.user_id, retentionUntil: until });
      if (id) deposited.push(id);
    }
    return { deposited, skipped: null };
  }

  private async depositOne(tenantId: string, x: { expenseId: string; receiptId: string; sha256: string; originalName: string; depositorId: string; retentionUntil: string }): Promise<string | null> {
    const dir = await mkdtemp(join(tmpdir(), 'justif-vault-'));
    try {
      // 1. the working original, spooled and hashed (SHA-256 must be the receipt's, or nothing is deposited)
      const file = join(dir, 'original');
      const got = await spool(await this.d.objects.get(receiptKey(tenantId, x.sha256)), file);
      if (got.sha256 !== x.sha256) throw new Error(`receipt ${x.receiptId}: the stored original has SHA-256 ${got.sha256}, not ${x.sha256}; not deposited`);
      // the format as the bytes say (the capture check already refused anything else)
      const mediaType: string = sniffType(got.head) ?? 'application/octet-stream';
      // 2. the vault object, written once (equal bytes deposited before for another expense: checked, not rewritten)
      const key = vaultKey(tenantId, x.sha256);
      const retainUntil = new Date(`${x.retentionUntil}T23:59:59Z`);
      let wrote = false;
      try {
        await this.d.vault.putOnce(key, file, { sha256: x.sha256, size: got.size, contentType: mediaType, retainUntil });
        wrote = true;
      } catch (err) {
        if (!(err instanceof ObjectExistsError)) throw err;
        const there = await digestStream(await this.d.vault.get(key));
        if (there.sha256 !== x.sha256) throw new Error(`vault object ${key} exists with SHA-256 ${there.sha256}: not the deposit's bytes; an integrity alert is due (run vault:verify)`);
      }
      if (wrote) await this.d.vault.head(key).then(async (h) => h && this.storeLog.append({ op: 'put', key, sha256: x.sha256, size: got.size }));
      // 3. the record and its journal entry, together
      const id = randomUUID();
      return await this.d.db
        .transaction()
        .execute(async (trx) => {
          const entry = await this.journal.append(trx, tenantId, {
            kind: 'deposit', depositId: id, actorId: x.depositorId,
            data: { sha256: x.sha256, sha512: got.sha512, size: got.size, mediaType, expenseId: x.expenseId, receiptId: x.receiptId, objectKey: key, retentionUntil: x.retentionUntil },
          });
          await trx.insertInto('vault_deposit').values({
            id, tenant_id: tenantId, expense_id: x.expenseId, receipt_id: x.receiptId, sha256: x.sha256, sha512: got.sha512, size: got.size, media_type: mediaType,
            original_name: x.originalName, depositor_id: x.depositorId, deposited_at: entry.occurredAt, retention_until: x.retentionUntil, object_key: key, journal_seq: entry.seq,
          }).execute();
          return id;
        })
        .catch((err: { code?: string }) => {
          if (err?.code === '23505') return null; // deposited meanwhile by a concurrent run
          throw err;
        });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private depositQuery(db: Kysely<DB> | Transaction<DB>, tenantId: string) {
    return db
      .selectFrom('vault_deposit as d')
      .selectAll('d')
      .select((eb) => [
        eb.exists(eb.selectFrom('vault_hold as h').select('h.id').whereRef('h.tenant_id', '=', 'd.tenant_id').where('h.released_at', 'is', null).where((w) => w.or([w('h.deposit_id', 'is', null), w('h.deposit_id', '=', w.ref('d.id'))]))).as('held'),
        eb.exists(eb.selectFrom('vault_destroyed as x').select('x.deposit_id').whereRef('x.deposit_id', '=', 'd.id')).as('destroyed'),
      ])
      .where('d.tenant_id', '=', tenantId);
  }
  private view = (r: Row & { held: unknown; destroyed: unknown }): DepositView => ({ ...toRecord(r), legalHold: !!r.held, destroyed: !!r.destroyed });

  async list(tdb: TenantDb, f: { expenseId?: string; sha256?: string; from?: string; to?: string; state?: 'kept' | 'held' | 'destroyed' | 'eligible'; before?: string; limit: number }) {
    let q = this.depositQuery(tdb.raw, tdb.tenantId);
    if (f.expenseId) q = q.where('d.expense_id', '=', f.expenseId);
    if (f.sha256) q = q.where('d.sha256', '=', f.sha256);
    if (f.from) q = q.where('d.deposited_at', '>=', new Date(`${f.from}T00:00:00Z`));
    if (f.to) q = q.where('d.deposited_at', '<', new Date(new Date(`${f.to}T00:00:00Z`).getTime() + 86_400_000));
    if (f.before) {
      const [at, id] = f.before.split('|');
      q = q.where((w) => w.or([w('d.deposited_at', '<', new Date(at!)), w.and([w('d.deposited_at', '=', new Date(at!)), w('d.id', '<', id!)])]));
    }
    const rows = (await q.orderBy('d.deposited_at', 'desc').orderBy('d.id', 'desc').limit(f.state ? 10_000 : f.limit + 1).execute()).map(this.view);
    const today = this.d.clock.now().toISOString().slice(0, 10);
    const filtered = f.state
      ? rows.filter((d) => (f.state === 'held' ? d.legalHold && !d.destroyed : f.state === 'destroyed' ? d.destroyed : f.state === 'eligible' ? !d.legalHold && !d.destroyed && d.retentionUntil < today : !d.destroyed))
      : rows;
    const items = filtered.slice(0, f.limit);
    const last = items[items.length - 1];
    return { items, next: filtered.length > f.limit && last ? `${last.depositedAt}|${last.id}` : null };
  }

  async get(tdb: TenantDb, id: string): Promise<DepositView> {
    const r = await this.depositQuery(tdb.raw, tdb.tenantId).where('d.id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('not-found', 'No such deposit');
    return this.view(r);
  }

  /** The deposited bytes, checked against the record before they are handed out (integrity at access); the read is journaled. */
  async open(tdb: TenantDb, actor: AuditActor, id: string): Promise<{ deposit: DepositView; body: Readable; cleanup: () => Promise<void> }> {
    const deposit = await this.get(tdb, id);
    if (deposit.destroyed) throw new AppError('conflict', 'This deposit was destroyed; its destruction certificate remains');
    const dir = await mkdtemp(join(tmpdir(), 'justif-vault-read-'));
    const cleanup = () => rm(dir, { recursive: true, force: true });
    try {
      const file = join(dir, 'copy');
      let got;
      try {
        got = await spool(await this.d.vault.get(vaultKey(tdb.tenantId, deposit.sha256)), file);
      } catch (err) {
        if (err instanceof ObjectNotFoundError) throw await this.alert(tdb.tenantId, vaultKey(tdb.tenantId, deposit.sha256), 'missing', deposit.sha256, null);
        throw err;
      }
      if (got.sha256 !== deposit.sha256 || got.sha512 !== deposit.sha512) throw await this.alert(tdb.tenantId, vaultKey(tdb.tenantId, deposit.sha256), 'mismatch', deposit.sha256, got.sha256);
      await this.d.db.transaction().execute((trx) => this.journal.append(trx, tdb.tenantId, { kind: 'read', depositId: id, actorId: actor.userId, data: { sha256: got.sha256, checked: true } }));
      return { deposit, body: createReadStream(file), cleanup };
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  // ————— legal holds

  async holds(tdb: TenantDb, o: { active?: boolean } = {}) {
    let q = tdb
      .selectFrom('vault_hold')
      .leftJoin('app_user as p', 'p.id', 'vault_hold.placed_by')
      .leftJoin('app_user as r', 'r.id', 'vault_hold.released_by')
      .leftJoin('vault_deposit as d', 'd.id', 'vault_hold.deposit_id')
      .selectAll('vault_hold')
      .select(['p.name as placed_by_name', 'r.name as released_by_name', 'd.original_name as deposit_name']);
    if (o.active) q = q.where('vault_hold.released_at', 'is', null);
    return (await q.orderBy('vault_hold.placed_at', 'desc').execute()).map((h) => ({
      id: h.id, depositId: h.deposit_id, depositName: h.deposit_name, owner: h.owner, reason: h.reason, reviewOn: h.review_on, placedAt: h.placed_at.toISOString(), placedBy: h.placed_by, placedByName: h.placed_by_name,
      releasedAt: h.released_at?.toISOString() ?? null, releasedBy: h.released_by, releasedByName: h.released_by_name, releaseReason: h.release_reason,
    }));
  }

  async placeHold(tdb: TenantDb, actor: AuditActor, h: { depositId?: string | null; owner: string; reason: string; reviewOn: string }) {
    return tdb.transaction(async (tx) => {
      if (h.depositId) {
        const d = await this.get(tx, h.depositId);
        if (d.destroyed) throw new AppError('conflict', 'This deposit was destroyed already');
      }
      const id = randomUUID();
      const now = this.d.clock.now();
      await tx.insertInto('vault_hold', { id, deposit_id: h.depositId ?? null, owner: h.owner, reason: h.reason, review_on: h.reviewOn, placed_at: now, placed_by: actor.userId! }).execute();
      await this.journal.append(tx.raw as Transaction<DB>, tx.tenantId, { kind: 'hold', depositId: h.depositId ?? null, actorId: actor.userId, data: { holdId: id, scope: h.depositId ? 'deposit' : 'client', reviewOn: h.reviewOn, reasonSha256: sha256Hex(h.reason) } });
      await this.d.audit.record(tx.raw, actor, { type: 'vault.hold_placed', tenantId: tx.tenantId, target: { type: 'vault_hold', id }, data: { depositId: h.depositId ?? null, reviewOn: h.reviewOn } });
      return id;
    });
  }

  async releaseHold(tdb: TenantDb, actor: AuditActor, id: string, reason: string) {
    return tdb.transaction(async (tx) => {
      const h = await tx.selectFrom('vault_hold').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!h) throw new AppError('not-found', 'No such hold');
      if (h.released_at) throw new AppError('conflict', 'This hold was released already');
      await tx.updateTable('vault_hold').set({ released_at: this.d.clock.now(), released_by: actor.userId, release_reason: reason }).where('id', '=', id).execute();
      await this.journal.append(tx.raw as Transaction<DB>, tx.tenantId, { kind: 'hold_release', depositId: h.deposit_id, actorId: actor.userId, data: { holdId: id, reasonSha256: sha256Hex(reason) } });
      await this.d.audit.record(tx.raw, actor, { type: 'vault.hold_released', tenantId: tx.tenantId, target: { type: 'vault_hold', id }, data: { depositId: h.deposit_id } });
    });
  }

  // ————— destruction (two steps, two people)

  /** Step 1: what may be destroyed now — past its retention end (any deposit at contract end), under no hold, not destroyed. */
  async analyse(tdb: TenantDb, kind: VaultDestructionKind) {
    const today = this.d.clock.now().toISOString().slice(0, 10);
    const all = (await this.depositQuery(tdb.raw, tdb.tenantId).orderBy('d.retention_until').orderBy('d.id').execute()).map(this.view).filter((d) => !d.destroyed);
    const eligible = all.filter((d) => !d.legalHold && (kind === 'contract_end' || d.retentionUntil < today));
    return { kind, asOf: today, eligible, held: all.filter((d) => d.legalHold).length, notYetDue: kind === 'retention' ? all.filter((d) => !d.legalHold && d.retentionUntil >= today).length : 0 };
  }

  async destructions(tdb: TenantDb) {
    const rows = await tdb.selectFrom('vault_destruction').leftJoin('app_user as u', 'u.id', 'vault_destruction.requested_by').selectAll('vault_destruction').select('u.name as requested_by_name').orderBy('vault_destruction.requested_at', 'desc').execute();
    const approvals = rows.length
      ? await tdb.selectFrom('vault_destruction_approval').leftJoin('app_user as u', 'u.id', 'vault_destruction_approval.approver_id').selectAll('vault_destruction_approval').select('u.name as approver_name').where('destruction_id', 'in', rows.map((r) => r.id)).execute()
      : [];
    return rows.map((r) => ({
      id: r.id, kind: r.kind, reason: r.reason, depositIds: r.deposit_ids, requestedBy: r.requested_by, requestedByName: r.requested_by_name, requestedAt: r.requested_at.toISOString(), status: r.status, closedAt: r.closed_at?.toISOString() ?? null,
      approvals: approvals.filter((a) => a.destruction_id === r.id).map((a) => ({ approverId: a.approver_id, approverName: a.approver_name, approvedAt: a.approved_at.toISOString() })),
      certificateSha256: r.certificate_sha256,
    }));
  }

  /** Step 2a: a request naming deposits the analysis found eligible. */
  async requestDestruction(tdb: TenantDb, actor: AuditActor, r: { kind: VaultDestructionKind; reason: string; depositIds: string[] }) {
    const { eligible } = await this.analyse(tdb, r.kind);
    const ok = new Set(eligible.map((d) => d.id));
    const refused = [...new Set(r.depositIds)].filter((id) => !ok.has(id));
    if (refused.length) throw new AppError('not-eligible', `Not eligible for destruction (under a legal hold, retention not over, destroyed or unknown): ${refused.join(', ')}`, { refused });
    return tdb.transaction(async (tx) => {
      const id = randomUUID();
      await tx.insertInto('vault_destruction', { id, kind: r.kind, reason: r.reason, deposit_ids: [...new Set(r.depositIds)], requested_by: actor.userId!, requested_at: this.d.clock.now() }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'vault.destruction_requested', tenantId: tx.tenantId, target: { type: 'vault_destruction', id }, data: { kind: r.kind, deposits: r.depositIds.length } });
      return id;
    });
  }

  async cancelDestruction(tdb: TenantDb, actor: AuditActor, id: string) {
    await tdb.transaction(async (tx) => {
      const r = await tx.selectFrom('vault_destruction').select('status').where('id', '=', id).forUpdate().executeTakeFirst();
      if (!r) throw new AppError('not-found', 'No such destruction request');
      if (r.status !== 'pending') throw new AppError('conflict', `This request is ${r.status} already`);
      await tx.updateTable('vault_destruction').set({ status: 'cancelled', closed_at: this.d.clock.now() }).where('id', '=', id).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'vault.destruction_cancelled', tenantId: tx.tenantId, target: { type: 'vault_destruction', id }, data: {} });
    });
  }

  /**
   * Step 2b: an approval. The second one by a different person carries the destruction out: every
   * deposit is checked again (a hold placed meanwhile refuses the whole request), its object
   * re-hashed (integrity at destruction), the records and journal entries written, the certificate
   * kept; then the objects no kept deposit shares are removed — the only use of the governance bypass.
   */
  async approveDestruction(tdb: TenantDb, actor: AuditActor, id: string): Promise<{ status: 'pending' | 'done'; approvals: number; certificate?: Record<string, unknown> }> {
    const result = await tdb.transaction(async (tx) => {
      await advisoryXactLock(tx.raw as Transaction<DB>, `vault:destruction:${id}`);
      const r = await tx.selectFrom('vault_destruction').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) throw new AppError('not-found', 'No such destruction request');
      if (r.status !== 'pending') throw new AppError('conflict', `This request is ${r.status} already`);
      const prior = await tx.selectFrom('vault_destruction_approval').selectAll().where('destruction_id', '=', id).execute();
      if (prior.some((a) => a.approver_id === actor.userId)) throw new AppError('already-approved', 'You approved this destruction already: a second, different person must approve it');
      const now = this.d.clock.now();
      await tx.insertInto('vault_destruction_approval', { destruction_id: id, approver_id: actor.userId!, approved_at: now }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'vault.destruction_approved', tenantId: tx.tenantId, target: { type: 'vault_destruction', id }, data: { approval: prior.length + 1 } });
      if (prior.length + 1 < 2) return { status: 'pending' as const, approvals: prior.length + 1 };

      const deposits = (await this.depositQuery(tx.raw, tx.tenantId).where('d.id', 'in', r.deposit_ids).execute()).map(this.view);
      const today = now.toISOString().slice(0, 10);
      const blocked = deposits.filter((d) => d.legalHold || d.destroyed || (r.kind === 'retention' && d.retentionUntil >= today));
      if (blocked.length || deposits.length !== r.deposit_ids.length)
        throw new AppError('not-eligible', `No longer eligible (a legal hold was placed, or already destroyed): ${blocked.map((d) => d.id).join(', ') || 'unknown deposits'}; cancel this request and ask again`, { refused: blocked.map((d) => d.id) });
      // objects shared with deposits that stay are kept
      const keep = new Set(
        (await tx.raw.selectFrom('vault_deposit as d').select('d.object_key').where('d.tenant_id', '=', tx.tenantId).where('d.id', 'not in', r.deposit_ids)
          .where((w) => w.not(w.exists(w.selectFrom('vault_destroyed as x').select('x.deposit_id').whereRef('x.deposit_id', '=', 'd.id')))).execute()).map((x) => x.object_key),
      );
      const items = [];
      for (const d of deposits) {
        const key = vaultKey(tx.tenantId, d.sha256);
        const found = await digestStream(await this.d.vault.get(key)).catch(() => null);
        const entry = await this.journal.append(tx.raw as Transaction<DB>, tx.tenantId, { kind: 'destruction', depositId: d.id, actorId: actor.userId, data: { destructionId: id, sha256: d.sha256, foundSha256: found?.sha256 ?? null, objectRemoved: !keep.has(key) } });
        await tx.insertInto('vault_destroyed', { deposit_id: d.id, destruction_id: id, destroyed_at: now }).execute();
        items.push({ depositId: d.id, expenseId: d.expenseId, originalName: d.originalName, sha256: d.sha256, sha512: d.sha512, size: d.size, retentionUntil: d.retentionUntil, depositedAt: d.depositedAt, foundSha256: found?.sha256 ?? null, objectKey: key, objectRemoved: !keep.has(key), journalSeq: entry.seq });
      }
      const certificate = {
        format: 'justif.vault.destruction/1', destructionId: id, tenantId: tx.tenantId, kind: r.kind, reasonSha256: sha256Hex(r.reason), requestedBy: r.requested_by, requestedAt: r.requested_at.toISOString(),
        approvals: [...prior.map((a) => ({ approverId: a.approver_id, approvedAt: a.approved_at.toISOString() })), { approverId: actor.userId, approvedAt: now.toISOString() }],
        executedAt: now.toISOString(), items,
      };
      const certificateSha256 = sha256Hex(canonicalize(certificate));
      await tx.updateTable('vault_destruction').set({ status: 'done', closed_at: now, certificate: JSON.stringify(certificate), certificate_sha256: certificateSha256 }).where('id', '=', id).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'vault.destruction_done', tenantId: tx.tenantId, target: { type: 'vault_destruction', id }, data: { deposits: items.length, certificateSha256 } });
      return { status: 'done' as const, approvals: 2, certificate, remove: items.filter((i) => i.objectRemoved) };
    });
    // after the commit: a failure here leaves bytes kept longer (found by the sweep's orphan count), never a deposit without its record
    if ('remove' in result) {
      for (const i of result.remove!) {
        try {
          await this.d.vault.destroy(i.objectKey);
          await this.storeLog.append({ op: 'delete', key: i.objectKey, sha256: i.sha256, size: i.size });
        } catch (err) {
          this.d.log.error({ err, key: i.objectKey, destructionId: id }, 'vault: a destroyed deposit\'s object could not be removed');
        }
      }
      const { remove: _, ...rest } = result;
      return rest;
    }
    return result;
  }

  async destructionCertificate(tdb: TenantDb, id: string) {
    const r = await tdb.selectFrom('vault_destruction').select(['certificate', 'certificate_sha256', 'status']).where('id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('not-found', 'No such destruction request');
    if (r.status !== 'done' || !r.certificate) throw new AppError('conflict', 'This destruction has not been carried out');
    return { certificate: r.certificate, sha256: r.certificate_sha256! };
  }

  // ————— checkpoints and proofs

  /** Signs (and, with a TSA, time-stamps) the Client's journal as it stands. */
  async checkpoint(tenantId: string) {
    const stamp = this.d.timestamp;
    // a TSA that does not answer leaves this checkpoint signed but not time-stamped (logged): an
    // unsigned journal for want of a third party would be worse; the next checkpoint tries again
    return this.journal.checkpoint(tenantId, stamp ? (hash) => stamp(createHash('sha256').update(hash).digest()).catch((err) => (this.d.log.error({ err, tenantId }, 'vault checkpoint: no time-stamp from the TSA'), null)) : undefined);
  }

  /** Checkpoints every Client whose journal grew since its latest checkpoint (the hourly schedule). */
  async checkpointAll(): Promise<number> {
    const due = await this.d.db
      .selectFrom('vault_journal as j')
      .select('j.tenant_id')
      .groupBy('j.tenant_id')
      .having((h) => h(h.fn.count('j.seq'), '>', h.fn.coalesce(h.selectFrom('vault_checkpoint as c').select((s) => s.fn.max('c.tree_size').as('m')).whereRef('c.tenant_id', '=', 'j.tenant_id'), h.lit(0))))
      .execute();
    for (const t of due) await this.checkpoint(t.tenant_id);
    return due.length;
  }

  async checkpoints(tdb: TenantDb) {
    const rows = await tdb.selectFrom('vault_checkpoint').select(['seq', 'tree_size', 'root', 'created_at', 'prev_hash', 'key_id', 'hash', 'signature', 'tsa_token']).orderBy('seq', 'desc').limit(500).execute();
    return rows.map((c) => this.checkpointJson(tdb.tenantId, c));
  }

  /** One checkpoint, by its seq or its hash. */
  async checkpointDoc(tdb: TenantDb, which: number | string) {
    const c = await tdb.selectFrom('vault_checkpoint').select(['seq', 'tree_size', 'root', 'created_at', 'prev_hash', 'key_id', 'hash', 'signature', 'tsa_token']).where(typeof which === 'number' ? 'seq' : 'hash', '=', which as never).executeTakeFirst();
    if (!c) throw new AppError('not-found', 'No such checkpoint');
    return this.checkpointJson(tdb.tenantId, c);
  }

  private checkpointJson(tenantId: string, c: { seq: number; tree_size: number; root: string; created_at: Date; prev_hash: string; key_id: string; hash: string; signature: string; tsa_token: Buffer | null }) {
    return {
      format: 'justif.vault.checkpoint/1',
      body: { tenantId, seq: c.seq, treeSize: Number(c.tree_size), root: c.root, createdAt: c.created_at.toISOString(), prevHash: c.prev_hash, keyId: c.key_id },
      hash: c.hash, signature: c.signature, tsaToken: c.tsa_token ? Buffer.from(c.tsa_token).toString('base64') : null,
    };
  }

  publicKey() {
    const der = Buffer.from(this.d.key.publicKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    return { keyId: this.d.key.keyId, pem: this.d.key.publicKeyPem, fingerprint: sha256Hex(der) };
  }

  /** The probative-value report of a deposit: everything to check it offline, with the checks run now against the vault copy. */
  async report(tdb: TenantDb, id: string): Promise<ProbativeReport> {
    const deposit = await this.get(tdb, id);
    const latest = await tdb.selectFrom('vault_checkpoint').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    if (!latest || !(await tdb.selectFrom('vault_checkpoint').select('seq').where('tree_size', '>', deposit.journalSeq).limit(1).executeTakeFirst()))
      await this.checkpoint(tdb.tenantId); // no checkpoint covers the deposit yet: sign one now
    const p = await this.journal.inclusion(tdb.tenantId, deposit.journalSeq);
    if (!p) throw new AppError('conflict', 'No checkpoint covers this deposit yet');
    const cp = await this.checkpointDoc(tdb, p.checkpoint);
    const bytes = entryBytes(p.entry);
    const report: ProbativeReport = {
      format: PROOF_FORMAT,
      generatedAt: this.d.clock.now().toISOString(),
      deposit,
      journal: { entry: p.entry, entryHash: sha256Hex(bytes), leafHash: leafHash(bytes).toString('hex') },
      inclusion: { index: p.index, treeSize: p.treeSize, root: p.root, path: p.path },
      checkpoint: { body: cp.body, hash: cp.hash, signature: cp.signature, tsaToken: cp.tsaToken },
      publicKey: this.publicKey(),
      checks: [],
    };
    let file: Buffer | null = null;
    if (!deposit.destroyed) {
      try {
        file = await buffer(await this.d.vault.get(vaultKey(tdb.tenantId, deposit.sha256)));
      } catch (err) {
        if (!(err instanceof ObjectNotFoundError)) throw err;
      }
    }
    report.checks = await checkReport(report, file, { publicKeyPem: this.d.key.publicKeyPem });
    return report;
  }

  // ————— integrity sweeps

  /**
   * Re-reads every kept object (streaming, `concurrency` at a time), recomputes its SHA-256 and
   * journals the outcome per object in its Client's journal. A mismatch or a missing object raises
   * an alert (audit event, e-mail to operators, counter) and is never repaired. Resumable: an
   * unfinished sweep (a crash, a stop) is continued from its last checked key.
   */
  async sweep(o: { concurrency?: number; signal?: AbortSignal; batch?: number } = {}): Promise<SweepSummary> {
    const started = performance.now();
    const unfinished = await this.d.db.selectFrom('vault_sweep').selectAll().where('finished_at', 'is', null).orderBy('started_at', 'desc').limit(1).executeTakeFirst();
    const sweepId = unfinished?.id ?? randomUUID();
    if (!unfinished) await this.d.db.insertInto('vault_sweep').values({ id: sweepId, started_at: this.d.clock.now() }).execute();
    const summary: SweepSummary = { sweepId, objects: 0, bytes: 0, mismatched: [], missing: [], resumedFrom: unfinished?.cursor ?? null, ms: 0 };
    let cursor = unfinished?.cursor ?? '';
    const batchSize = o.batch ?? 200;
    const concurrency = o.concurrency ?? 4;
    for (;;) {
      o.signal?.throwIfAborted();
      // one row per kept object (equal bytes of one Client share an object)
      const objects = await this.d.db
        .selectFrom('vault_deposit as d')
        .select(['d.object_key', 'd.tenant_id', 'd.sha256', (eb) => eb.fn.max('d.size').as('size'), (eb) => sql<string[]>`array_agg(${eb.ref('d.id')} ORDER BY ${eb.ref('d.id')})`.as('ids')])
        .where('d.object_key', '>', cursor)
        .where((w) => w.not(w.exists(w.selectFrom('vault_destroyed as x').select('x.deposit_id').whereRef('x.deposit_id', '=', 'd.id'))))
        .groupBy(['d.object_key', 'd.tenant_id', 'd.sha256'])
        .orderBy('d.object_key')
        .limit(batchSize)
        .execute();
      if (!objects.length) break;
      // objects read `concurrency` at a time; the batch's outcomes journaled together, in one transaction
      const outcomes: { obj: (typeof objects)[number]; outcome: 'ok' | 'mismatch' | 'missing'; actual: string | null }[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(concurrency, objects.length) }, async () => {
          while (next < objects.length) {
            const obj = objects[next++]!;
            try {
              const got = await digestStream(await this.d.vault.get(obj.object_key));
              summary.bytes += got.size;
              outcomes.push({ obj, outcome: got.sha256 === obj.sha256 ? 'ok' : 'mismatch', actual: got.sha256 });
            } catch (err) {
              if (!(err instanceof ObjectNotFoundError)) throw err;
              outcomes.push({ obj, outcome: 'missing', actual: null });
            }
          }
        }),
      );
      outcomes.sort((a, b) => (a.obj.object_key < b.obj.object_key ? -1 : 1));
      await this.d.db.transaction().execute(async (trx) => {
        for (const tenantId of [...new Set(outcomes.map((o) => o.obj.tenant_id))].sort())
          await this.journal.appendMany(trx, tenantId, outcomes.filter((o) => o.obj.tenant_id === tenantId).map(({ obj, outcome, actual }) => (
            { kind: 'check' as const, depositId: obj.ids.length === 1 ? obj.ids[0]! : null, data: { sweepId, objectKey: obj.object_key, expected: obj.sha256, actual, outcome, depositIds: obj.ids } }
          )));
      });
      summary.objects += outcomes.length;
      for (const { obj, outcome, actual } of outcomes) {
        if (outcome === 'mismatch') summary.mismatched.push({ tenantId: obj.tenant_id, key: obj.object_key, expected: obj.sha256, actual: actual! });
        if (outcome === 'missing') summary.missing.push({ tenantId: obj.tenant_id, key: obj.object_key });
        if (outcome !== 'ok') await this.alert(obj.tenant_id, obj.object_key, outcome, obj.sha256, actual);
      }
      cursor = objects[objects.length - 1]!.object_key;
      await this.d.db
        .updateTable('vault_sweep')
        .set((eb) => ({ cursor, checked: eb('checked', '+', objects.length), bytes: eb('bytes', '+', 0), mismatched: summary.mismatched.length, missing: summary.missing.length }))
        .where('id', '=', sweepId)
        .execute();
      if (objects.length < batchSize) break;
    }
    await this.d.db.updateTable('vault_sweep').set({ finished_at: this.d.clock.now(), bytes: summary.bytes }).where('id', '=', sweepId).execute();
    summary.ms = Math.round(performance.now() - started);
    return summary;
  }

  /** An integrity failure: on record (audit), to the operators by e-mail, counted. Returned as the error to throw. */
  private async alert(tenantId: string, key: string, outcome: 'mismatch' | 'missing', expected: string, actual: string | null): Promise<AppError> {
    this.integrityFailures++;
    this.d.log.error({ tenantId, key, outcome, expected, actual }, 'vault integrity failure');
    const operators = await activeOperatorEmails(this.d.db);
    await this.d.db.transaction().execute(async (trx) => {
      await this.d.audit.record(trx, SYSTEM_ACTOR, { type: 'vault.integrity_failed', tenantId, outcome: 'failure', target: { type: 'vault_object', id: key }, data: { outcome, expected, actual } });
      if (operators.length)
        await this.d.mailer.queue(trx, operators.map((to) => ({
          to,
          subject: `[Justif] Vault integrity failure: ${outcome === 'missing' ? 'object missing' : 'object altered'}`,
          text: `The vault object ${key} (Client ${tenantId}) ${outcome === 'missing' ? 'is missing' : `no longer has its SHA-256: expected ${expected}, found ${actual}`}.\nNothing was repaired. Investigate the storage, then run npm run vault:verify.`,
        })));
    });
    return new AppError('unavailable', `The vault copy ${outcome === 'missing' ? 'is missing' : 'does not match its deposit record'}; operators were alerted`);
  }
}

/** Streams into `file`, hashing SHA-256 and SHA-512 and keeping the first bytes (to tell the format). */
async function spool(stream: Readable, file: string): Promise<{ sha256: string; sha512: string; size: number; head: Buffer }> {
  const s256 = createHash('sha256');
  const s512 = createHash('sha512');
  const heads: Buffer[] = [];
  let headLen = 0;
  let size = 0;
  const out = createWriteStream(file, { flags: 'wx' });
  try {
    for await (const chunk of stream) {
      const b = chunk as Buffer;
      s256.update(b);
      s512.update(b);
      size += b.length;
      if (headLen < HEAD_BYTES) (heads.push(b.subarray(0, HEAD_BYTES - headLen)), (headLen += Math.min(b.length, HEAD_BYTES - headLen)));
      if (!out.write(b)) await new Promise<void>((ok) => out.once('drain', () => ok()));
    }
  } finally {
    await new Promise<void>((ok, ko) => out.end((e?: Error | null) => (e ? ko(e) : ok())));
  }
  const fh = await open(file, 'r');
  await fh.sync().finally(() => fh.close());
  return { sha256: s256.digest('hex'), sha512: s512.digest('hex'), size, head: Buffer.concat(heads) };
}


