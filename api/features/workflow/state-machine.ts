// The expense life cycle (R-WF-1): the one table of allowed transitions. Every status change of
// an expense goes through `transition()` here — an UPDATE guarded by the state it starts from and
// the version read, so that of two people deciding at once exactly one wins (the other gets 409).
import type { ExpenseStatus } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import { AppError } from '../../http/errors.ts';

export type Action = 'submit' | 'approve' | 'self_validate' | 'reject' | 'return' | 'verify' | 'export' | 'reimburse' | 'restart';

/**
 * action → the states it may start from and the state it leads to.
 *  - approve: the last level's approval moves to `approved`; an earlier level's stays `submitted`
 *    (the next level becomes pending), so it is listed with `submitted` as its end too;
 *  - restart: a change to what was approved voids the approvals and starts the chain again;
 *  - export / reimburse: set by the exports issue.
 */
export const TRANSITIONS: Readonly<Record<Action, { from: readonly ExpenseStatus[]; to: readonly ExpenseStatus[] }>> = {
  submit: { from: ['draft', 'returned'], to: ['submitted'] },
  approve: { from: ['submitted'], to: ['submitted', 'approved'] },
  self_validate: { from: ['draft', 'returned'], to: ['verified'] },
  reject: { from: ['submitted', 'approved'], to: ['rejected'] },
  return: { from: ['submitted', 'approved'], to: ['returned'] },
  verify: { from: ['approved'], to: ['verified'] },
  restart: { from: ['approved'], to: ['submitted'] },
  export: { from: ['verified'], to: ['exported'] },
  reimburse: { from: ['exported'], to: ['reimbursed'] },
};

/** Final states: nothing leaves them (an expense rejected stays rejected; a new one is made). */
export const FINAL: readonly ExpenseStatus[] = ['rejected', 'reimbursed'];

export function canTransition(action: Action, from: ExpenseStatus, to: ExpenseStatus): boolean {
  const t = TRANSITIONS[action];
  return t.from.includes(from) && t.to.includes(to);
}

export function notAllowed(action: Action, current: ExpenseStatus): AppError {
  return new AppError('invalid-transition', `Cannot ${action.replace('_', '-')} an expense that is ${current}`, { currentStatus: current, action });
}

/**
 * Moves an expense from `from` (at `version`) to `to`, bumping its version; throws 409 naming the
 * current state when it is no longer there (someone else decided first, or it changed).
 */
export async function transition(
  tx: TenantDb,
  e: { id: string; status: ExpenseStatus; version: number },
  action: Action,
  to: ExpenseStatus,
  set: { approval_round?: number; submitted_at?: Date; self_validated?: boolean; status_comment?: string | null; updated_at: Date },
): Promise<number> {
  if (!canTransition(action, e.status, to)) throw notAllowed(action, e.status);
  const r = await tx.updateTable('expense').set({ status: to, version: e.version + 1, ...set })
    .where('id', '=', e.id).where('status', '=', e.status).where('version', '=', e.version).returning('version').executeTakeFirst();
  if (!r) {
    const now = await tx.selectFrom('expense').select(['status', 'version']).where('id', '=', e.id).executeTakeFirst();
    if (!now) throw new AppError('not-found', 'No such expense');
    if (now.status !== e.status) throw notAllowed(action, now.status);
    throw new AppError('stale-version', `The expense changed meanwhile (version ${now.version}, you read ${e.version}): read it again`, { currentVersion: now.version, currentStatus: now.status });
  }
  return r.version;
}
