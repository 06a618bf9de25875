// What counts as use of the service for billing (R-BIL-2): a user is active in a month when they
// did at least one of these. The audit service writes a usage event beside the audit event of each
// such act, in the same transaction, so that billing counts recorded acts, not a counter kept in
// the request path — and no feature can forget to report one.
import type { AuditEventBody } from '../audit/audit.events.ts';

export type UsageKind = 'expense' | 'verification' | 'approval' | 'export';

export const USAGE_OF: Partial<Record<AuditEventBody['type'], UsageKind>> = {
  // (i) an expense created, through any channel (form, receipt scan, mileage, per diem)
  'expense.created': 'expense',
  'mileage.created': 'expense',
  'per_diem.created': 'expense',
  // (ii) a compliance check as verifier
  'expense.verified': 'verification',
  // (iii) an approval decision as manager (approve, reject or return)
  'expense.approved': 'approval',
  'expense.rejected': 'approval',
  'expense.returned': 'approval',
  // (iv) an export as accounting or payroll admin (accounting, payroll, receipts, SEPA transfers)
  'export.created': 'export',
  'export.receipts': 'export',
  'sepa.created': 'export',
};
