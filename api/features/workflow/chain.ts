// Approval chains (R-WF-2): who approves an expense, level by level, computed at submission.
//  1. the submitter's manager (their own, else their team's manager); none, or themselves: the
//     Client's fallback approver;
//  2. then the levels above thresholds (in the Client's currency), the team's own list if it has
//     one, else the Client's default list, in ascending order of threshold.
// Nobody approves their own expense: a level that would fall to the submitter goes to the fallback
// approver; the same person is never asked twice in a row.
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import { AppError } from '../../http/errors.ts';
import type { ExpenseRow } from '../expenses/expenses.repository.ts';

export interface ChainStep {
  approverId: string;
  reason: 'manager' | 'fallback' | 'threshold';
  label: string;
}

export async function chainFor(tx: TenantDb, e: ExpenseRow): Promise<ChainStep[]> {
  const submitter = await tx.raw.selectFrom('app_user').select(['id', 'manager_id', 'team_id']).where('tenant_id', '=', tx.tenantId).where('id', '=', e.user_id).executeTakeFirstOrThrow();
  const team = submitter.team_id ? await tx.selectFrom('team').select(['id', 'manager_id']).where('id', '=', submitter.team_id).executeTakeFirst() : undefined;
  const settings = await tx.selectFrom('workflow_settings').select('fallback_approver_id').executeTakeFirst();
  const active = async (id: string | null | undefined) =>
    !!id && id !== e.user_id && !!(await tx.raw.selectFrom('app_user').select('id').where('tenant_id', '=', tx.tenantId).where('id', '=', id).where('status', '=', 'active').executeTakeFirst());
  const fallback = (await active(settings?.fallback_approver_id)) ? settings!.fallback_approver_id! : null;

  const steps: ChainStep[] = [];
  const manager = [submitter.manager_id, team?.manager_id].find((m) => m && m !== e.user_id);
  if (await active(manager)) steps.push({ approverId: manager!, reason: 'manager', label: 'manager' });
  else if (fallback) steps.push({ approverId: fallback, reason: 'fallback', label: 'approver (no manager)' });
  else throw new AppError('conflict', 'Nobody can approve this expense: the employee has no manager and the Client has no fallback approver (Settings → Workflow)');

  const own = team ? await tx.selectFrom('approval_level').selectAll().where('team_id', '=', team.id).orderBy('above_minor').execute() : [];
  const levels = own.length ? own : await tx.selectFrom('approval_level').selectAll().where('team_id', 'is', null).orderBy('above_minor').execute();
  for (const l of levels.filter((x) => e.converted_minor > x.above_minor)) {
    const who = (await active(l.approver_id)) ? l.approver_id : fallback;
    if (!who || steps[steps.length - 1]!.approverId === who) continue;
    steps.push({ approverId: who, reason: 'threshold', label: l.label });
  }
  return steps;
}
