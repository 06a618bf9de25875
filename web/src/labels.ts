// Labels of API values (roles, statuses, plans, audit actions…) in the current language; an
// unknown value (a newer API) shows as is.
import { isMessageKey, type Translate } from './i18n/index.tsx';

export function label(t: Translate, prefix: 'role' | 'status' | 'plan' | 'tenantStatus' | 'audit.action' | 'audit.outcome' | 'scope' | 'expenseStatus' | 'expenseKind' | 'vehicleKind', value: string): string {
  const k = `${prefix}.${value}`;
  return isMessageKey(k) ? t(k) : value;
}
