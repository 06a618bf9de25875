// What the admin configures for the workflow (R-WF-2, R-WF-4, R-ACC-1): the fallback approver and
// flags, approval levels above amounts (Client-wide or per team), category policies, VAT recovery
// rules (a new version per effective date; never changed in place). And each manager's delegations.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import type { Principal } from '../../context.ts';
import { AppError } from '../../http/errors.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import type { ApprovalLevelInput, CategoryPolicyInput, DelegationInput, VatRuleInput, WorkflowSettingsInput } from './workflow.schemas.ts';

export class WorkflowSettingsService {
  constructor(private readonly d: { clock: Clock; audit: AuditService }) {}

  private async activeUser(tx: TenantDb, id: string, path: string) {
    const u = await tx.raw.selectFrom('app_user').select(['id', 'status']).where('tenant_id', '=', tx.tenantId).where('id', '=', id).executeTakeFirst();
    if (!u || u.status === 'deactivated') throw new AppError('validation', 'Invalid user', { errors: [{ path, message: u ? 'this user is deactivated' : 'no such user in this Client' }] });
  }

  async get(tdb: TenantDb) {
    const s = await tdb.selectFrom('workflow_settings').selectAll().executeTakeFirst();
    const levels = await tdb.selectFrom('approval_level').selectAll().orderBy('team_id').orderBy('above_minor').execute();
    return {
      fallbackApproverId: s?.fallback_approver_id ?? null, flagWeekends: s?.flag_weekends ?? true, flagHolidays: s?.flag_holidays ?? true,
      levels: levels.map((l) => ({ id: l.id, teamId: l.team_id, aboveMinor: l.above_minor, approverId: l.approver_id, label: l.label })),
    };
  }

  async update(tdb: TenantDb, actor: AuditActor, v: WorkflowSettingsInput) {
    await tdb.transaction(async (tx) => {
      if (v.fallbackApproverId) await this.activeUser(tx, v.fallbackApproverId, 'body.fallbackApproverId');
      const cur = await tx.selectFrom('workflow_settings').selectAll().executeTakeFirst();
      const row = {
        fallback_approver_id: v.fallbackApproverId !== undefined ? v.fallbackApproverId : (cur?.fallback_approver_id ?? null),
        flag_weekends: v.flagWeekends ?? cur?.flag_weekends ?? true, flag_holidays: v.flagHolidays ?? cur?.flag_holidays ?? true, updated_at: this.d.clock.now(),
      };
      if (cur) await tx.updateTable('workflow_settings').set(row).execute();
      else await tx.insertInto('workflow_settings', row).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'workflow.settings_updated', tenantId: tx.tenantId, target: { type: 'tenant', id: tx.tenantId }, data: { fields: Object.keys(v).sort() } });
    });
    return this.get(tdb);
  }

  async addLevel(tdb: TenantDb, actor: AuditActor, v: ApprovalLevelInput) {
    return tdb.transaction(async (tx) => {
      await this.activeUser(tx, v.approverId, 'body.approverId');
      if (v.teamId && !(await tx.selectFrom('team').select('id').where('id', '=', v.teamId).executeTakeFirst()))
        throw new AppError('validation', 'Invalid team', { errors: [{ path: 'body.teamId', message: 'no such team' }] });
      const id = randomUUID();
      await tx.insertInto('approval_level', { id, team_id: v.teamId ?? null, above_minor: v.aboveMinor, approver_id: v.approverId, label: v.label }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'approval_level.created', tenantId: tx.tenantId, target: { type: 'approval_level', id }, data: { aboveMinor: v.aboveMinor, teamId: v.teamId ?? null } });
      return { id, teamId: v.teamId ?? null, aboveMinor: v.aboveMinor, approverId: v.approverId, label: v.label };
    });
  }

  /** Removing a level applies to later submissions; expenses already in a chain keep theirs. */
  async deleteLevel(tdb: TenantDb, actor: AuditActor, id: string) {
    await tdb.transaction(async (tx) => {
      const r = await tx.deleteFrom('approval_level').where('id', '=', id).executeTakeFirst();
      if (Number(r.numDeletedRows) !== 1) throw new AppError('not-found', 'No such approval level');
      await this.d.audit.record(tx.raw, actor, { type: 'approval_level.deleted', tenantId: tx.tenantId, target: { type: 'approval_level', id }, data: {} });
    });
  }

  // ————— delegations (the manager's own)

  async delegations(tdb: TenantDb, p: Principal) {
    const rows = await tdb.selectFrom('delegation').selectAll().where((eb) => eb.or([eb('manager_id', '=', p.userId), eb('delegate_id', '=', p.userId)])).where('revoked_at', 'is', null).orderBy('starts_on', 'desc').execute();
    const ids = [...new Set(rows.flatMap((r) => [r.manager_id, r.delegate_id]))];
    const names = new Map(ids.length ? (await tdb.raw.selectFrom('app_user').select(['id', 'name', 'email']).where('tenant_id', '=', tdb.tenantId).where('id', 'in', ids).execute()).map((u) => [u.id, u.name || u.email]) : []);
    return { items: rows.map((r) => ({ id: r.id, managerId: r.manager_id, managerName: names.get(r.manager_id) ?? '', delegateId: r.delegate_id, delegateName: names.get(r.delegate_id) ?? '', startsOn: r.starts_on, endsOn: r.ends_on })) };
  }

  async delegate(tdb: TenantDb, p: Principal, actor: AuditActor, v: DelegationInput) {
    if (v.delegateId === p.userId) throw new AppError('validation', 'Invalid delegate', { errors: [{ path: 'body.delegateId', message: 'delegate to someone else' }] });
    const today = DateTime.fromJSDate(this.d.clock.now(), { zone: 'Europe/Paris' }).toISODate()!;
    if (v.endsOn < v.startsOn) throw new AppError('validation', 'Invalid period', { errors: [{ path: 'body.endsOn', message: 'ends before it starts' }] });
    if (v.endsOn < today) throw new AppError('validation', 'Invalid period', { errors: [{ path: 'body.endsOn', message: 'this period is over' }] });
    return tdb.transaction(async (tx) => {
      await this.activeUser(tx, v.delegateId, 'body.delegateId');
      const id = randomUUID();
      await tx.insertInto('delegation', { id, manager_id: p.userId, delegate_id: v.delegateId, starts_on: v.startsOn, ends_on: v.endsOn }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'delegation.created', tenantId: tx.tenantId, target: { type: 'delegation', id }, data: { delegateId: v.delegateId, startsOn: v.startsOn, endsOn: v.endsOn } });
      return { id, managerId: p.userId, delegateId: v.delegateId, startsOn: v.startsOn, endsOn: v.endsOn };
    });
  }

  async revokeDelegation(tdb: TenantDb, p: Principal, actor: AuditActor, id: string) {
    await tdb.transaction(async (tx) => {
      const r = await tx.updateTable('delegation').set({ revoked_at: this.d.clock.now() }).where('id', '=', id).where('manager_id', '=', p.userId).where('revoked_at', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new AppError('not-found', 'No such delegation');
      await this.d.audit.record(tx.raw, actor, { type: 'delegation.revoked', tenantId: tx.tenantId, target: { type: 'delegation', id }, data: {} });
    });
  }

  // ————— category policies and VAT rules

  async policies(tdb: TenantDb) {
    const rows = await tdb.selectFrom('category_policy').selectAll().execute();
    return { items: rows.map((r) => ({ categoryId: r.category_id, perExpenseMinor: r.per_expense_minor, perDayMinor: r.per_day_minor, receiptAboveMinor: r.receipt_above_minor })) };
  }

  async setPolicy(tdb: TenantDb, actor: AuditActor, categoryId: string, v: CategoryPolicyInput) {
    return tdb.transaction(async (tx) => {
      if (!(await tx.selectFrom('category').select('id').where('id', '=', categoryId).executeTakeFirst())) throw new AppError('not-found', 'No such category');
      const row = { per_expense_minor: v.perExpenseMinor, per_day_minor: v.perDayMinor, receipt_above_minor: v.receiptAboveMinor, updated_at: this.d.clock.now() };
      const upd = await tx.updateTable('category_policy').set(row).where('category_id', '=', categoryId).executeTakeFirst();
      if (Number(upd.numUpdatedRows) === 0) await tx.insertInto('category_policy', { category_id: categoryId, ...row }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'category_policy.set', tenantId: tx.tenantId, target: { type: 'category', id: categoryId }, data: { categoryId } });
      return { categoryId, ...v };
    });
  }

  async vatRules(tdb: TenantDb) {
    const rows = await tdb.selectFrom('vat_rule').selectAll().orderBy('category_id').orderBy('effective_from', 'desc').execute();
    return { items: rows.map((r) => ({ id: r.id, categoryId: r.category_id, effectiveFrom: r.effective_from, recoverableBp: r.recoverable_bp, expenseAccount: r.expense_account, vatAccount: r.vat_account, createdAt: r.created_at.toISOString() })) };
  }

  /** A new version of a category's rule, in force from its date (R-ACC-1); the earlier ones stay for earlier expenses. */
  async addVatRule(tdb: TenantDb, p: Principal, actor: AuditActor, v: VatRuleInput) {
    return tdb.transaction(async (tx) => {
      if (!(await tx.selectFrom('category').select('id').where('id', '=', v.categoryId).executeTakeFirst()))
        throw new AppError('validation', 'Invalid category', { errors: [{ path: 'body.categoryId', message: 'no such category' }] });
      if (await tx.selectFrom('vat_rule').select('id').where('category_id', '=', v.categoryId).where('effective_from', '=', v.effectiveFrom).executeTakeFirst())
        throw new AppError('conflict', `This category already has a rule from ${v.effectiveFrom}: add one from another date`);
      const id = randomUUID();
      await tx.insertInto('vat_rule', { id, category_id: v.categoryId, effective_from: v.effectiveFrom, recoverable_bp: v.recoverableBp, expense_account: v.expenseAccount, vat_account: v.vatAccount, created_by: p.userId }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'vat_rule.created', tenantId: tx.tenantId, target: { type: 'category', id: v.categoryId }, data: { categoryId: v.categoryId, effectiveFrom: v.effectiveFrom, recoverableBp: v.recoverableBp } });
      return { id, ...v };
    });
  }

  async digest(tdb: TenantDb, p: Principal) {
    const r = await tdb.raw.selectFrom('app_user').select('approval_digest').where('tenant_id', '=', tdb.tenantId).where('id', '=', p.userId).executeTakeFirstOrThrow();
    return { approvalDigest: r.approval_digest };
  }

  async setDigest(tdb: TenantDb, p: Principal, on: boolean) {
    await tdb.raw.updateTable('app_user').set({ approval_digest: on }).where('tenant_id', '=', tdb.tenantId).where('id', '=', p.userId).execute();
    return { approvalDigest: on };
  }
}
