// What the expense kinds without a receipt (mileage, per-diem) share: who may change one, which
// dates are accepted, the Client's country and currency.
import { DateTime } from 'luxon';
import type { ExpenseKind } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import { AppError, type FieldError } from '../../http/errors.ts';
import { expensesRepository, type ExpenseRow, type Viewer } from '../expenses/expenses.repository.ts';
import { editRouteOf } from '../expenses/expenses.service.ts';

export const EDITABLE = ['draft', 'returned'] as const;
export const isEditable = (status: string) => (EDITABLE as readonly string[]).includes(status);

/**
 * The expense `id` of this kind, owned by the viewer and still editable: 404 if the viewer cannot
 * see it, 403 if it is someone else's, 409 naming the right route for another kind or the state.
 */
export async function ownEditableOfKind(tx: TenantDb, viewer: Viewer, id: string, kind: ExpenseKind): Promise<ExpenseRow> {
  const r = await expensesRepository.byId(tx, id, viewer);
  if (!r) throw new AppError('not-found', 'No such expense');
  if (r.user_id !== viewer.userId) throw new AppError('forbidden', 'Only the employee who owns an expense changes it');
  if (r.kind !== kind) throw new AppError('conflict', `This is a ${r.kind.replace('_', '-')} expense: edit it with ${editRouteOf(r.kind, id)}`);
  if (!isEditable(r.status)) throw new AppError('conflict', `The expense is ${r.status}: it can be edited only while ${EDITABLE.join(' or ')}`);
  return r;
}

export { stale } from '../expenses/expenses.service.ts';

/** Today in Paris: an expense is not dated after it. */
export function parisToday(clock: Clock): string {
  return DateTime.fromJSDate(clock.now(), { zone: 'Europe/Paris' }).toISODate()!;
}

export function dateErrors(date: string, clock: Clock): FieldError[] {
  const today = parisToday(clock);
  if (date > today) return [{ path: 'body.date', message: `an expense cannot be dated after today (${today})` }];
  if (date < '2000-01-01') return [{ path: 'body.date', message: 'too old' }];
  return [];
}

export function tenantOf(tdb: TenantDb): Promise<{ country: string; currency: string }> {
  return tdb.raw.selectFrom('tenant').select(['country', 'currency']).where('id', '=', tdb.tenantId).executeTakeFirstOrThrow();
}

export function invalid(message: string, errors: FieldError[]): AppError {
  return new AppError('validation', message, { errors });
}
