// The approval workflow (R-WF): submit, approve level by level (or as a delegate), reject, return,
// verify with corrections, self-validation on the Solo plan. Each decision, in one transaction:
// the guarded status change (state-machine.ts), the signed act (signature.ts), the history row,
// the audit event, the notifications (in-app rows and e-mails in the outbox).
import { randomBytes, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { sql } from 'kysely';
import type { AuthMethod, Decision, ExpenseStatus } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import type { Principal } from '../../context.ts';
import { AppError, type FieldError } from '../../http/errors.ts';
import { convertMinor, vatOf } from '../../lib/money.ts';
import type { Mailer } from '../../infra/mailer.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { enrich, expensesRepository as expenses, type ExpenseRow } from '../expenses/expenses.repository.ts';
import type { VatLine } from '../expenses/expenses.schemas.ts';
import { expenseView } from '../expenses/expenses.service.ts';
import type { MileageService } from '../mileage/mileage.service.ts';
import { chainFor } from './chain.ts';
import { violationKeys, violationsOf, type Violation } from './policies.ts';
import { contentHash, differences, personalDigest, recordHash, signedContent, type SignedAct } from './signature.ts';
import { notAllowed, transition, type Action } from './state-machine.ts';
import { workflowMail, type MailKind } from './workflow.mails.ts';

export interface Decide {
  version: number;
  comment?: string;
  /** Approving an expense that breaks policies: the violations acknowledged (or true for all shown). */
  acknowledge?: boolean;
}
export interface Correct {
  version: number;
  categoryId?: string;
  vatLines?: VatLine[];
  amountMinor?: number;
  comment: string;
}

/** A queue page's position: the last submission time and id seen (keyset, oldest first). */
const encodeQueueCursor = (at: Date, id: string) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
function decodeQueueCursor(c: string): { at: string; id: string } {
  const [at, id] = Buffer.from(c, 'base64url').toString().split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id)) throw new AppError('validation', 'Invalid cursor', { errors: [{ path: 'query.cursor', message: 'not a cursor from this list' }] });
  return { at, id };
}

type Step = { level: number; approver_id: string; state: string; round: number; reason: string; label: string };

export class WorkflowService {
  constructor(
    private readonly d: {
      clock: Clock; audit: AuditService; mailer: Mailer; mileage: MileageService; publicUrl: string;
      /** Called in the transaction that made an expense verified (the vault's deposit). */
      onVerified?: (tx: TenantDb, expenseId: string) => Promise<void>;
    },
  ) {}

  private today(): string {
    return DateTime.fromJSDate(this.d.clock.now(), { zone: 'Europe/Paris' }).toISODate()!;
  }

  /** The approvers `userId` acts for today: themselves and whoever delegated to them for today. */
  async actingFor(tdb: TenantDb, userId: string): Promise<string[]> {
    const today = this.today();
    const rows = await tdb.selectFrom('delegation').select('manager_id').where('delegate_id', '=', userId).where('revoked_at', 'is', null)
      .where('starts_on', '<=', today).where('ends_on', '>=', today).execute();
    return [userId, ...rows.map((r) => r.manager_id)];
  }

  private async load(tx: TenantDb, p: Principal, id: string): Promise<ExpenseRow> {
    const e = await expenses.byId(tx, id, p);
    if (!e) throw new AppError('not-found', 'No such expense');
    return e;
  }

  private checkVersion(e: ExpenseRow, version: number) {
    if (e.version !== version) throw new AppError('stale-version', `The expense changed since you read it (version ${e.version}, you sent ${version}): read it again`, { currentVersion: e.version, currentStatus: e.status });
  }

  // ————————————————————————————————————————— submit

  async submit(tdb: TenantDb, p: Principal, actor: AuditActor, id: string, body: { version: number }) {
    return tdb.transaction(async (tx) => {
      const e = await this.load(tx, p, id);
      if (e.user_id !== p.userId) throw new AppError('forbidden', 'Only the employee who owns an expense submits it');
      if (!['draft', 'returned'].includes(e.status)) throw notAllowed('submit', e.status);
      this.checkVersion(e, body.version);
      const missing: FieldError[] = [];
      if (e.kind === 'receipt' && !e.merchant.trim()) missing.push({ path: 'merchant', message: 'the merchant is missing' });
      if (e.amount_minor <= 0) missing.push({ path: 'amountMinor', message: 'the amount is missing' });
      if (missing.length) throw new AppError('validation', 'Complete the expense before submitting it', { errors: missing });
      const now = this.d.clock.now();
      const tenant = await tx.raw.selectFrom('tenant').select('plan').where('id', '=', tx.tenantId).executeTakeFirstOrThrow();
      const round = e.approval_round + 1;
      if (tenant.plan === 'solo') {
        // R-WF-2: the one user is the Client; the chain is skipped, recorded as self-validated.
        const version = await transition(tx, e, 'self_validate', 'verified', { approval_round: round, submitted_at: now, self_validated: true, status_comment: null, updated_at: now });
        await this.sign(tx, p, actor, e, { decision: 'self_validated', round, level: null, onBehalfOf: null, acknowledged: [], comment: null });
        await this.history(tx, e.id, e.status, 'verified', p.userId, null, 'self-validated (Solo plan)', now);
        await this.d.audit.record(tx.raw, actor, { type: 'expense.self_validated', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { version } });
        await this.d.onVerified?.(tx, id);
        return { status: 'verified' as ExpenseStatus, version };
      }
      const chain = await chainFor(tx, e);
      await tx.insertInto('approval_step', chain.map((s, i) => ({ expense_id: e.id, round, level: i + 1, approver_id: s.approverId, reason: s.reason, label: s.label, state: i === 0 ? 'pending' : 'waiting' }))).execute();
      const version = await transition(tx, e, 'submit', 'submitted', { approval_round: round, submitted_at: now, status_comment: null, updated_at: now });
      await this.history(tx, e.id, e.status, 'submitted', p.userId, null, null, now);
      await this.d.audit.record(tx.raw, actor, { type: 'expense.submitted', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { round, levels: chain.length } });
      await this.notifyApprover(tx, e, chain[0]!.approverId);
      return { status: 'submitted' as ExpenseStatus, version };
    });
  }

  // ————————————————————————————————————————— approve, reject, return (approvers)

  /** The pending step of an expense and on whose behalf `p` may decide it; 403/409 otherwise. */
  private async pendingStepFor(tx: TenantDb, p: Principal, e: ExpenseRow): Promise<{ step: Step; onBehalfOf: string | null }> {
    const step = await tx.selectFrom('approval_step').selectAll().where('expense_id', '=', e.id).where('round', '=', e.approval_round).where('state', '=', 'pending').executeTakeFirst();
    if (!step) throw notAllowed('approve', e.status);
    if (step.approver_id === p.userId) return { step, onBehalfOf: null };
    if ((await this.actingFor(tx, p.userId)).includes(step.approver_id)) return { step, onBehalfOf: step.approver_id };
    throw new AppError('forbidden', 'This expense waits for another approver');
  }

  async approve(tdb: TenantDb, p: Principal, actor: AuditActor, id: string, body: Decide) {
    return tdb.transaction(async (tx) => {
      const e = await this.load(tx, p, id);
      if (e.user_id === p.userId) throw new AppError('forbidden', 'Nobody approves their own expense');
      if (e.status !== 'submitted') throw notAllowed('approve', e.status);
      const { step, onBehalfOf } = await this.pendingStepFor(tx, p, e);
      this.checkVersion(e, body.version);
      const violations = (await violationsOf(tx, [e])).get(e.id)!;
      if (violations.length && body.acknowledge !== true)
        throw new AppError('acknowledgement-required', `This expense breaks ${violations.length} polic${violations.length > 1 ? 'ies' : 'y'}: approve it with "acknowledge": true`, { violations });
      const now = this.d.clock.now();
      // Guarded: of two approvers at once, one finds the step no longer pending.
      const taken = await tx.updateTable('approval_step').set({ state: 'approved', decided_at: now })
        .where('expense_id', '=', e.id).where('round', '=', step.round).where('level', '=', step.level).where('state', '=', 'pending').executeTakeFirst();
      if (Number(taken.numUpdatedRows) !== 1) throw new AppError('stale-version', 'Someone decided on this expense meanwhile: read it again', { currentStatus: e.status });
      const next = await tx.updateTable('approval_step').set({ state: 'pending' })
        .where('expense_id', '=', e.id).where('round', '=', step.round).where('level', '=', step.level + 1).where('state', '=', 'waiting').returning('approver_id').executeTakeFirst();
      const to: ExpenseStatus = next ? 'submitted' : 'approved';
      const version = await transition(tx, e, 'approve', to, { updated_at: now });
      const approval = await this.sign(tx, p, actor, e, { decision: 'approved', round: step.round, level: step.level, onBehalfOf, acknowledged: violationKeys(violations), comment: body.comment ?? null });
      await this.history(tx, e.id, 'submitted', to, p.userId, onBehalfOf, body.comment ?? null, now);
      await this.d.audit.record(tx.raw, actor, { type: 'expense.approved', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { level: step.level, final: !next, onBehalfOf, acknowledged: violationKeys(violations), approvalId: approval } });
      if (next) await this.notifyApprover(tx, e, next.approver_id);
      else await this.notifyEmployee(tx, e, 'approved', body.comment ?? null);
      return { status: to, version, approvalId: approval };
    });
  }

  async reject(tdb: TenantDb, p: Principal, actor: AuditActor, id: string, body: Decide & { comment: string }) {
    return this.endRound(tdb, p, actor, id, body, 'reject');
  }

  async sendBack(tdb: TenantDb, p: Principal, actor: AuditActor, id: string, body: Decide & { comment: string }) {
    return this.endRound(tdb, p, actor, id, body, 'return');
  }

  /** Reject (final) or return (to the employee): by the pending approver while submitted, by a verifier once approved. */
  private async endRound(tdb: TenantDb, p: Principal, actor: AuditActor, id: string, body: Decide & { comment: string }, action: 'reject' | 'return') {
    return tdb.transaction(async (tx) => {
      const e = await this.load(tx, p, id);
      if (e.user_id === p.userId) throw new AppError('forbidden', `Nobody ${action === 'reject' ? 'rejects' : 'returns'} their own expense`);
      let onBehalfOf: string | null = null;
      let level: number | null = null;
      if (e.status === 'submitted') ({ onBehalfOf, step: { level } } = await this.pendingStepFor(tx, p, e));
      else if (e.status === 'approved') {
        if (!p.roles.includes('verifier')) throw new AppError('forbidden', 'Once approved, only a verifier decides');
      } else throw notAllowed(action, e.status);
      this.checkVersion(e, body.version);
      const now = this.d.clock.now();
      const to: ExpenseStatus = action === 'reject' ? 'rejected' : 'returned';
      const version = await transition(tx, e, action, to, { status_comment: body.comment, updated_at: now });
      await this.voidRound(tx, e, now, action === 'reject' ? 'rejected' : 'returned to the employee');
      const approval = await this.sign(tx, p, actor, e, { decision: to === 'rejected' ? 'rejected' : 'returned', round: e.approval_round, level, onBehalfOf, acknowledged: [], comment: body.comment });
      await this.history(tx, e.id, e.status, to, p.userId, onBehalfOf, body.comment, now);
      await this.d.audit.record(tx.raw, actor, { type: action === 'reject' ? 'expense.rejected' : 'expense.returned', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { from: e.status, onBehalfOf, approvalId: approval } });
      // A rejected trip leaves the year's count: the vehicle's later trips are priced again.
      if (to === 'rejected' && e.kind === 'mileage' && e.vehicle_id && e.mileage_scale_year) await this.d.mileage.repriceVehicleYear(tx, actor, e.vehicle_id, e.mileage_scale_year, e.id);
      await this.notifyEmployee(tx, e, to, body.comment);
      return { status: to, version };
    });
  }

  // ————————————————————————————————————————— verification

  private async forVerifier(tx: TenantDb, p: Principal, id: string, action: Action): Promise<ExpenseRow> {
    if (!p.roles.includes('verifier')) throw new AppError('forbidden', 'Verifiers only');
    const e = await this.load(tx, p, id);
    if (e.user_id === p.userId) throw new AppError('forbidden', 'Nobody verifies their own expense');
    if (e.status !== 'approved') throw notAllowed(action, e.status);
    return e;
  }

  async verify(tdb: TenantDb, p: Principal, actor: AuditActor, id: string, body: Decide) {
    return tdb.transaction(async (tx) => {
      const e = await this.forVerifier(tx, p, id, 'verify');
      this.checkVersion(e, body.version);
      const now = this.d.clock.now();
      const version = await transition(tx, e, 'verify', 'verified', { updated_at: now });
      const approval = await this.sign(tx, p, actor, e, { decision: 'verified', round: e.approval_round, level: null, onBehalfOf: null, acknowledged: [], comment: body.comment ?? null });
      await this.history(tx, e.id, 'approved', 'verified', p.userId, null, body.comment ?? null, now);
      await this.d.audit.record(tx.raw, actor, { type: 'expense.verified', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { approvalId: approval } });
      await this.d.onVerified?.(tx, id);
      return { status: 'verified' as ExpenseStatus, version };
    });
  }

  /**
   * A verifier's corrections (category, VAT lines, amount), each recorded with its old and new value
   * and shown to the employee. Category and VAT are the accounting classification, outside what the
   * approvers signed; a corrected amount changes what they approved: their approvals are voided and
   * the chain starts again (R-WF-3).
   */
  async correct(tdb: TenantDb, p: Principal, actor: AuditActor, id: string, body: Correct) {
    return tdb.transaction(async (tx) => {
      const e = await this.forVerifier(tx, p, id, 'restart');
      this.checkVersion(e, body.version);
      const now = this.d.clock.now();
      const changes: { field: 'categoryId' | 'vatLines' | 'amountMinor'; old: unknown; new: unknown }[] = [];
      const errors: FieldError[] = [];
      const amount = body.amountMinor ?? e.amount_minor;
      if (body.categoryId !== undefined && body.categoryId !== e.category_id) {
        const c = await tx.selectFrom('category').select(['id', 'active']).where('id', '=', body.categoryId).executeTakeFirst();
        if (!c?.active) errors.push({ path: 'body.categoryId', message: c ? 'this category is archived' : 'no such category' });
        changes.push({ field: 'categoryId', old: e.category_id, new: body.categoryId });
      }
      if (body.amountMinor !== undefined && body.amountMinor !== e.amount_minor) {
        if (e.kind !== 'receipt') errors.push({ path: 'body.amountMinor', message: `the amount of a ${e.kind.replace('_', '-')} expense follows from its details` });
        changes.push({ field: 'amountMinor', old: e.amount_minor, new: body.amountMinor });
      }
      const lines = body.vatLines ?? e.vatLines;
      if (body.vatLines !== undefined && JSON.stringify(body.vatLines) !== JSON.stringify(e.vatLines)) changes.push({ field: 'vatLines', old: e.vatLines, new: body.vatLines });
      lines.forEach((l, i) => {
        if (Math.abs(vatOf(l.baseMinor, l.rateBp) - l.vatMinor) > 2) errors.push({ path: `body.vatLines.${i}.vatMinor`, message: `${l.vatMinor} is not ${l.rateBp / 100} % of ${l.baseMinor}` });
      });
      if (lines.reduce((s, l) => s + l.baseMinor + l.vatMinor, 0) > amount) errors.push({ path: 'body.vatLines', message: 'the VAT lines exceed the amount' });
      if (errors.length) throw new AppError('validation', 'Invalid correction', { errors });
      if (!changes.length) throw new AppError('validation', 'Nothing to correct', { errors: [{ path: 'body', message: 'no field differs from the expense' }] });
      const amountChanged = changes.some((c) => c.field === 'amountMinor');
      await tx.updateTable('expense').set({
        category_id: body.categoryId ?? e.category_id, amount_minor: amount,
        // converted at the rate the expense already uses
        converted_minor: amountChanged ? convertMinor(amount, e.currency, e.client_currency, e.rate) : e.converted_minor,
      }).where('id', '=', e.id).execute();
      if (body.vatLines) await expenses.replaceVatLines(tx, e.id, body.vatLines);
      await tx.insertInto('expense_correction', changes.map((c) => ({ expense_id: e.id, field: c.field, old_value: JSON.stringify(c.old), new_value: JSON.stringify(c.new), actor_id: p.userId, comment: body.comment, occurred_at: now }))).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'expense.corrected', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { fields: changes.map((c) => c.field), restarted: amountChanged } });
      let version: number;
      let status: ExpenseStatus = 'approved';
      if (amountChanged) {
        // What the approvers signed changed: void their acts and start the chain again.
        await this.voidRound(tx, e, now, 'amount corrected by a verifier');
        const after = (await expenses.byId(tx, e.id))!;
        const round = e.approval_round + 1;
        const chain = await chainFor(tx, after);
        await tx.insertInto('approval_step', chain.map((s, i) => ({ expense_id: e.id, round, level: i + 1, approver_id: s.approverId, reason: s.reason, label: s.label, state: i === 0 ? 'pending' : 'waiting' }))).execute();
        version = await transition(tx, e, 'restart', 'submitted', { approval_round: round, updated_at: now });
        status = 'submitted';
        await this.history(tx, e.id, 'approved', 'submitted', p.userId, null, `amount corrected: ${body.comment}`, now);
        await this.notifyApprover(tx, after, chain[0]!.approverId);
      } else {
        const r = await tx.updateTable('expense').set({ version: e.version + 1, updated_at: now }).where('id', '=', e.id).where('version', '=', e.version).returning('version').executeTakeFirstOrThrow();
        version = r.version;
      }
      await this.notifyEmployee(tx, e, 'corrected', body.comment);
      return { status, version, corrections: changes.map((c) => c.field) };
    });
  }

  // ————————————————————————————————————————— bulk

  async bulkApprove(tdb: TenantDb, p: Principal, actor: AuditActor, items: { id: string; version: number }[], acknowledge: boolean) {
    const results = [];
    // One transaction per expense: one that cannot be approved does not hold back the others.
    for (const it of items) {
      try {
        const r = await this.approve(tdb, p, actor, it.id, { version: it.version, acknowledge });
        results.push({ id: it.id, ok: true as const, status: r.status, version: r.version });
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        results.push({ id: it.id, ok: false as const, status: e.status, problem: e.code, detail: e.message, ...(e.extra.violations ? { violations: e.extra.violations as Violation[] } : {}) });
      }
    }
    return { results, approved: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length };
  }

  // ————————————————————————————————————————— signed acts

  private async sign(tx: TenantDb, p: Principal, actor: AuditActor, e: ExpenseRow, a: { decision: Decision; round: number; level: number | null; onBehalfOf: string | null; acknowledged: string[]; comment: string | null }): Promise<string> {
    const shas = (await tx.selectFrom('receipt').select('sha256').where('expense_id', '=', e.id).execute()).map((r) => r.sha256);
    const content = signedContent(e, shas, randomBytes(16).toString('hex'));
    const salt = randomBytes(16).toString('hex');
    const act: SignedAct = {
      id: randomUUID(), tenantId: tx.tenantId, expenseId: e.id, round: a.round, level: a.level, decision: a.decision, actorId: p.userId, onBehalfOf: a.onBehalfOf,
      authMethod: p.authMethod, decidedAt: this.d.clock.now().toISOString(), expenseVersion: e.version, contentHash: contentHash(content),
      acknowledged: a.acknowledged, comment: a.comment, personalDigest: personalDigest(salt, { ip: actor.ip, userAgent: actor.userAgent }),
    };
    await tx.insertInto('approval', {
      id: act.id, expense_id: e.id, round: act.round, level: act.level, decision: a.decision, actor_id: act.actorId, on_behalf_of: act.onBehalfOf, auth_method: act.authMethod as AuthMethod,
      decided_at: act.decidedAt, expense_version: act.expenseVersion, content: JSON.stringify(content), content_hash: act.contentHash, acknowledged: JSON.stringify(act.acknowledged),
      comment: act.comment, personal_digest: act.personalDigest, record_hash: recordHash(act),
    }).execute();
    await tx.raw.insertInto('approval_personal').values({ approval_id: act.id, salt, ip: actor.ip, user_agent: actor.userAgent }).execute();
    return act.id;
  }

  /** Voids the round's pending steps and its approvals still standing. */
  private async voidRound(tx: TenantDb, e: ExpenseRow, now: Date, reason: string) {
    await tx.updateTable('approval_step').set({ state: 'voided' }).where('expense_id', '=', e.id).where('round', '=', e.approval_round).where('state', 'in', ['pending', 'waiting', 'approved']).execute();
    await tx.updateTable('approval').set({ voided_at: now, void_reason: reason }).where('expense_id', '=', e.id).where('round', '=', e.approval_round).where('decision', '=', 'approved').where('voided_at', 'is', null).execute();
  }

  /**
   * Re-computes a past decision's hashes (R-WF-3): the act itself (record hash), the content it
   * signed (content hash), and whether the expense as it stands still matches that content — a
   * change made behind the application's back (directly in the database) shows up here.
   */
  async checkApproval(tdb: TenantDb, p: Principal, approvalId: string) {
    const a = await tdb.selectFrom('approval').selectAll().where('id', '=', approvalId).executeTakeFirst();
    if (!a) throw new AppError('not-found', 'No such approval');
    const e = await expenses.byId(tdb, a.expense_id, p);
    if (!e) throw new AppError('not-found', 'No such approval');
    const act: SignedAct = {
      id: a.id, tenantId: a.tenant_id, expenseId: a.expense_id, round: a.round, level: a.level, decision: a.decision, actorId: a.actor_id, onBehalfOf: a.on_behalf_of,
      authMethod: a.auth_method, decidedAt: a.decided_at.toISOString(), expenseVersion: a.expense_version, contentHash: a.content_hash,
      acknowledged: a.acknowledged, comment: a.comment, personalDigest: a.personal_digest,
    };
    const stored = a.content as Record<string, unknown>;
    const shas = (await tdb.selectFrom('receipt').select('sha256').where('expense_id', '=', e.id).execute()).map((r) => r.sha256);
    const now = signedContent(e, shas, String(stored.salt ?? '')) as unknown as Record<string, unknown>;
    const changed = differences(stored, now);
    return {
      approvalId: a.id, expenseId: a.expense_id, decision: a.decision, decidedAt: a.decided_at.toISOString(), expenseVersion: a.expense_version,
      contentHash: a.content_hash, recordHash: a.record_hash,
      recordIntact: recordHash(act) === a.record_hash,
      contentIntact: contentHash(stored) === a.content_hash,
      matchesExpense: changed.length === 0,
      changedFields: changed,
      voided: a.voided_at ? { at: a.voided_at.toISOString(), reason: a.void_reason } : null,
    };
  }

  // ————————————————————————————————————————— history, queues, counts

  private async history(tx: TenantDb, expenseId: string, from: ExpenseStatus, to: ExpenseStatus, actorId: string | null, onBehalfOf: string | null, comment: string | null, at: Date) {
    await tx.insertInto('expense_transition', { expense_id: expenseId, from_status: from, to_status: to, actor_id: actorId, on_behalf_of: onBehalfOf, comment, occurred_at: at }).execute();
  }

  /** What happened to an expense: transitions, decisions (with their hashes), corrections, the current chain. */
  async timeline(tdb: TenantDb, p: Principal, id: string) {
    const e = await this.load(tdb, p, id);
    const [transitions, approvals, corrections, steps] = await Promise.all([
      tdb.selectFrom('expense_transition').selectAll().where('expense_id', '=', id).orderBy('id').execute(),
      tdb.selectFrom('approval').select(['id', 'round', 'level', 'decision', 'actor_id', 'on_behalf_of', 'auth_method', 'decided_at', 'expense_version', 'content_hash', 'comment', 'acknowledged', 'voided_at', 'void_reason']).where('expense_id', '=', id).orderBy('decided_at').execute(),
      tdb.selectFrom('expense_correction').selectAll().where('expense_id', '=', id).orderBy('id').execute(),
      tdb.selectFrom('approval_step').selectAll().where('expense_id', '=', id).where('round', '=', e.approval_round).orderBy('level').execute(),
    ]);
    const people = await this.names(tdb, [...transitions.flatMap((t) => [t.actor_id, t.on_behalf_of]), ...approvals.flatMap((a) => [a.actor_id, a.on_behalf_of]), ...corrections.map((c) => c.actor_id), ...steps.map((s) => s.approver_id)]);
    const who = (id: string | null) => (id ? { id, name: people.get(id) ?? '' } : null);
    return {
      expenseId: id, status: e.status, round: e.approval_round, selfValidated: e.self_validated, statusComment: e.status_comment,
      violations: (await violationsOf(tdb, [e])).get(e.id)!,
      chain: steps.map((s) => ({ level: s.level, approver: who(s.approver_id)!, reason: s.reason, label: s.label, state: s.state, decidedAt: s.decided_at?.toISOString() ?? null })),
      transitions: transitions.map((t) => ({ from: t.from_status, to: t.to_status, actor: who(t.actor_id), onBehalfOf: who(t.on_behalf_of), comment: t.comment, at: t.occurred_at.toISOString() })),
      decisions: approvals.map((a) => ({ id: a.id, round: a.round, level: a.level, decision: a.decision, actor: who(a.actor_id)!, onBehalfOf: who(a.on_behalf_of), authMethod: a.auth_method, at: a.decided_at.toISOString(), expenseVersion: a.expense_version, contentHash: a.content_hash, comment: a.comment, acknowledged: a.acknowledged, voided: a.voided_at ? { at: a.voided_at.toISOString(), reason: a.void_reason } : null })),
      corrections: corrections.map((c) => ({ field: c.field, old: c.old_value, new: c.new_value, actor: who(c.actor_id)!, comment: c.comment, at: c.occurred_at.toISOString() })),
    };
  }

  private async names(tdb: TenantDb, ids: (string | null)[]): Promise<Map<string, string>> {
    const uniq = [...new Set(ids.filter((x): x is string => !!x))];
    if (!uniq.length) return new Map();
    const rows = await tdb.raw.selectFrom('app_user').select(['id', 'name', 'email']).where('tenant_id', '=', tdb.tenantId).where('id', 'in', uniq).execute();
    return new Map(rows.map((r) => [r.id, r.name || r.email]));
  }

  /**
   * A queue, oldest submission first, keyset-paged: `approve` — the expenses whose pending step
   * waits for the caller or for someone who delegated to them today; `verify` — approved ones
   * (verifiers; never their own).
   */
  async queue(tdb: TenantDb, p: Principal, which: 'approve' | 'verify', o: { limit: number; cursor?: string }) {
    const after = o.cursor === undefined ? undefined : decodeQueueCursor(o.cursor);
    let rows;
    if (which === 'approve') {
      let q = (await this.waitingFor(tdb, p.userId)).selectAll('e').select(['s.approver_id as step_approver', 's.level as step_level']);
      if (after) q = q.where(sql<boolean>`(e.submitted_at, e.id) > (${after.at}::timestamptz, ${after.id}::uuid)`);
      rows = await q.orderBy('e.submitted_at').orderBy('e.id').limit(o.limit + 1).execute();
    } else {
      if (!p.roles.includes('verifier')) throw new AppError('forbidden', 'Verifiers only');
      let q = tdb.selectFrom('expense').selectAll().where('status', '=', 'approved').where('user_id', '!=', p.userId);
      if (after) q = q.where(sql<boolean>`(submitted_at, id) > (${after.at}::timestamptz, ${after.id}::uuid)`);
      rows = await q.orderBy('submitted_at').orderBy('id').limit(o.limit + 1).execute();
    }
    const more = rows.length > o.limit;
    const page = rows.slice(0, o.limit);
    const full = await enrich(tdb, page);
    const violations = await violationsOf(tdb, full);
    const people = await this.names(tdb, [...page.map((r) => r.user_id), ...page.map((r) => ('step_approver' in r ? (r.step_approver as string) : null))]);
    const rules = await this.vatRulesFor(tdb, full);
    const last = page[page.length - 1];
    return {
      items: full.map((e, i) => {
        const r = page[i] as (typeof page)[number] & { step_approver?: string; step_level?: number };
        return {
          expense: expenseView(e), employee: { id: e.user_id, name: people.get(e.user_id) ?? '' }, submittedAt: e.submitted_at?.toISOString() ?? null,
          violations: violations.get(e.id)!,
          ...(r.step_approver ? { level: r.step_level!, onBehalfOf: r.step_approver === p.userId ? null : { id: r.step_approver, name: people.get(r.step_approver) ?? '' } } : {}),
          vatRule: rules.get(e.id) ?? null,
        };
      }),
      nextCursor: more && last ? encodeQueueCursor(last.submitted_at!, last.id) : null,
    };
  }

  /** The VAT recovery rule in force at each expense's date for its category (R-ACC-1). */
  async vatRulesFor(tdb: TenantDb, es: { id: string; category_id: string; expense_date: string }[]) {
    const out = new Map<string, { id: string; effectiveFrom: string; recoverableBp: number; expenseAccount: string; vatAccount: string }>();
    if (!es.length) return out;
    const rules = await tdb.selectFrom('vat_rule').selectAll().where('category_id', 'in', [...new Set(es.map((e) => e.category_id))]).orderBy('effective_from', 'desc').execute();
    for (const e of es) {
      const r = rules.find((x) => x.category_id === e.category_id && x.effective_from <= e.expense_date);
      if (r) out.set(e.id, { id: r.id, effectiveFrom: r.effective_from, recoverableBp: r.recoverable_bp, expenseAccount: r.expense_account, vatAccount: r.vat_account });
    }
    return out;
  }

  /**
   * The pending steps waiting for `userId` — as the approver, or for someone who delegated to them
   * today — on others' expenses (the manager queue's query: approval_step_queue_idx).
   */
  private async waitingFor(tdb: TenantDb, userId: string) {
    const acting = await this.actingFor(tdb, userId);
    return tdb.raw.selectFrom('approval_step as s').innerJoin('expense as e', 'e.id', 's.expense_id')
      .where('s.tenant_id', '=', tdb.tenantId).where('s.state', '=', 'pending').where('s.approver_id', 'in', acting).where('e.user_id', '!=', userId);
  }

  private async toApproveCount(tdb: TenantDb, userId: string): Promise<number> {
    const r = await (await this.waitingFor(tdb, userId)).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The counts of the caller's queues (R-WF-5). */
  async counts(tdb: TenantDb, p: Principal) {
    const status = async (s: ExpenseStatus, notMine: boolean) => {
      let q = tdb.selectFrom('expense').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', s);
      if (notMine) q = q.where('user_id', '!=', p.userId);
      return Number((await q.executeTakeFirstOrThrow()).n);
    };
    const sees = (roles: string[]) => p.roles.some((r) => roles.includes(r));
    return {
      toApprove: await this.toApproveCount(tdb, p.userId),
      toVerify: sees(['verifier']) ? await status('approved', true) : null,
      verified: sees(['accountant', 'payroll', 'admin']) ? await status('verified', false) : null,
    };
  }

  // ————————————————————————————————————————— notifications

  private async notifyApprover(tx: TenantDb, e: ExpenseRow, approverId: string) {
    const today = this.today();
    const delegates = (await tx.selectFrom('delegation').select('delegate_id').where('manager_id', '=', approverId).where('revoked_at', 'is', null).where('starts_on', '<=', today).where('ends_on', '>=', today).execute()).map((r) => r.delegate_id);
    await this.notify(tx, [approverId, ...delegates], 'to_approve', e, null);
  }

  private async notifyEmployee(tx: TenantDb, e: ExpenseRow, kind: 'approved' | 'rejected' | 'returned' | 'corrected', comment: string | null) {
    await this.notify(tx, [e.user_id], kind, e, comment);
  }

  /** In-app rows and e-mails (in the outbox, same transaction); approvers on the daily digest get no e-mail per submission. */
  private async notify(tx: TenantDb, userIds: string[], kind: MailKind, e: ExpenseRow, comment: string | null) {
    const users = await tx.raw.selectFrom('app_user').select(['id', 'email', 'name', 'locale', 'approval_digest', 'status']).where('tenant_id', '=', tx.tenantId).where('id', 'in', [...new Set(userIds)]).execute();
    const live = users.filter((u) => u.status === 'active');
    if (!live.length) return;
    const employee = (await this.names(tx, [e.user_id])).get(e.user_id) ?? '';
    await tx.insertInto('notification', live.map((u) => ({ id: randomUUID(), user_id: u.id, kind, expense_id: e.id, data: JSON.stringify({ merchant: e.merchant, amountMinor: e.amount_minor, currency: e.currency, employee, comment }) }))).execute();
    const mails = live.filter((u) => !(kind === 'to_approve' && u.approval_digest)).map((u) => workflowMail(kind, { to: u.email, name: u.name, locale: u.locale, employee, expense: e, comment, link: `${this.d.publicUrl}/expenses/${e.id}` }));
    if (mails.length) await this.d.mailer.queue(tx.raw, mails);
  }

  async notifications(tdb: TenantDb, p: Principal) {
    const rows = await tdb.selectFrom('notification').selectAll().where('user_id', '=', p.userId).orderBy('created_at', 'desc').limit(50).execute();
    const unread = await tdb.selectFrom('notification').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', p.userId).where('read_at', 'is', null).executeTakeFirstOrThrow();
    return {
      unread: Number(unread.n),
      items: rows.map((r) => ({ id: r.id, kind: r.kind, expenseId: r.expense_id, data: r.data, createdAt: r.created_at.toISOString(), read: !!r.read_at })),
    };
  }

  async markRead(tdb: TenantDb, p: Principal) {
    await tdb.updateTable('notification').set({ read_at: this.d.clock.now() }).where('user_id', '=', p.userId).where('read_at', 'is', null).execute();
  }

  /** The daily digest: one e-mail per approver on the digest with something waiting (R-WF item 8). */
  async sendDigests(tdb: TenantDb): Promise<number> {
    const approvers = await tdb.raw.selectFrom('app_user').select(['id', 'email', 'name', 'locale']).where('tenant_id', '=', tdb.tenantId).where('approval_digest', '=', true).where('status', '=', 'active').execute();
    let sent = 0;
    for (const u of approvers) {
      const toApprove = await this.toApproveCount(tdb, u.id);
      if (!toApprove) continue;
      await this.d.mailer.queue(tdb.raw, workflowMail('digest', { to: u.email, name: u.name, locale: u.locale, employee: '', expense: null, comment: null, link: `${this.d.publicUrl}/approvals`, count: toApprove }));
      sent++;
    }
    return sent;
  }
}
