import { z } from 'zod';
import { VatLine } from '../expenses/expenses.schemas.ts';

const version = z.number().int().min(1);
const comment = z.string().trim().min(1).max(2000);
const minor = z.number().int().min(0).max(100_000_000_000);
const isoDate = z.iso.date();

export const Decide = z.strictObject({ version, comment: comment.optional(), acknowledge: z.boolean().optional() });
/** Rejecting or returning says why. */
export const DecideWithReason = z.strictObject({ version, comment, acknowledge: z.boolean().optional() });
export const Submit = z.strictObject({ version });
export const Correct = z.strictObject({ version, categoryId: z.uuid().optional(), vatLines: z.array(VatLine).max(10).optional(), amountMinor: minor.optional(), comment });
export const BulkApprove = z.strictObject({ items: z.array(z.strictObject({ id: z.uuid(), version })).min(1).max(200), acknowledge: z.boolean().default(false) });
export const QueueQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional() });

export const WorkflowSettingsInput = z.strictObject({ fallbackApproverId: z.uuid().nullable().optional(), flagWeekends: z.boolean().optional(), flagHolidays: z.boolean().optional() })
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type WorkflowSettingsInput = z.infer<typeof WorkflowSettingsInput>;
export const ApprovalLevelInput = z.strictObject({ teamId: z.uuid().nullable().optional(), aboveMinor: minor, approverId: z.uuid(), label: z.string().trim().min(1).max(100) });
export type ApprovalLevelInput = z.infer<typeof ApprovalLevelInput>;
export const DelegationInput = z.strictObject({ delegateId: z.uuid(), startsOn: isoDate, endsOn: isoDate });
export type DelegationInput = z.infer<typeof DelegationInput>;
export const CategoryPolicyInput = z.strictObject({ perExpenseMinor: minor.nullable(), perDayMinor: minor.nullable(), receiptAboveMinor: minor.nullable() });
export type CategoryPolicyInput = z.infer<typeof CategoryPolicyInput>;
export const VatRuleInput = z.strictObject({
  categoryId: z.uuid(), effectiveFrom: isoDate, recoverableBp: z.number().int().min(0).max(10_000),
  expenseAccount: z.string().regex(/^[0-9A-Z]{3,20}$/, 'an account number such as 625100'), vatAccount: z.string().regex(/^[0-9A-Z]{3,20}$/, 'an account number such as 445660'),
});
export type VatRuleInput = z.infer<typeof VatRuleInput>;
export const Digest = z.strictObject({ approvalDigest: z.boolean() });

export const Decision = z.object({ status: z.string(), version: z.number(), approvalId: z.string().optional(), corrections: z.array(z.string()).optional() });

// ————— answers (documented in /api/v1/openapi.json; test/workflow.test.ts checks real answers against them)
const person = z.object({ id: z.string(), name: z.string() });
const voided = z.object({ at: z.string(), reason: z.string().nullable() }).nullable();
export const ViolationView = z.discriminatedUnion('code', [
  z.object({ code: z.literal('over_expense_limit'), limitMinor: z.number(), amountMinor: z.number() }),
  z.object({ code: z.literal('over_day_limit'), limitMinor: z.number(), dayTotalMinor: z.number() }),
  z.object({ code: z.literal('receipt_missing'), aboveMinor: z.number() }),
  z.object({ code: z.literal('weekend') }),
  z.object({ code: z.literal('public_holiday'), name: z.string() }),
  z.object({ code: z.literal('duplicate'), expenseId: z.string(), reason: z.string() }),
]);
export const Timeline = z.object({
  expenseId: z.string(), status: z.string(), round: z.number(), selfValidated: z.boolean(), statusComment: z.string().nullable(),
  violations: z.array(ViolationView),
  chain: z.array(z.object({ level: z.number(), approver: person, reason: z.enum(['manager', 'fallback', 'threshold']), label: z.string(), state: z.enum(['waiting', 'pending', 'approved', 'voided']), decidedAt: z.string().nullable() })),
  transitions: z.array(z.object({ from: z.string(), to: z.string(), actor: person.nullable(), onBehalfOf: person.nullable(), comment: z.string().nullable(), at: z.string() })),
  decisions: z.array(z.object({
    id: z.string(), round: z.number(), level: z.number().nullable(), decision: z.enum(['approved', 'rejected', 'returned', 'verified', 'self_validated']), actor: person, onBehalfOf: person.nullable(),
    authMethod: z.enum(['password', 'oidc', 'api_token']), at: z.string(), expenseVersion: z.number(), contentHash: z.string().regex(/^[0-9a-f]{64}$/), comment: z.string().nullable(), acknowledged: z.array(z.string()), voided,
  })),
  corrections: z.array(z.object({ field: z.enum(['categoryId', 'vatLines', 'amountMinor']), old: z.unknown(), new: z.unknown(), actor: person, comment: z.string().nullable(), at: z.string() })),
});
export const ApprovalCheck = z.object({
  approvalId: z.string(), expenseId: z.string(), decision: z.string(), decidedAt: z.string(), expenseVersion: z.number(), contentHash: z.string(), recordHash: z.string(),
  recordIntact: z.boolean(), contentIntact: z.boolean(), matchesExpense: z.boolean(), changedFields: z.array(z.string()), voided,
});
export const BulkResult = z.object({
  results: z.array(z.union([
    z.object({ id: z.string(), ok: z.literal(true), status: z.string(), version: z.number() }),
    z.object({ id: z.string(), ok: z.literal(false), status: z.number(), problem: z.string(), detail: z.string(), violations: z.array(ViolationView).optional() }),
  ])),
  approved: z.number(), failed: z.number(),
});
export const QueuePage = z.object({
  items: z.array(z.object({
    expense: z.looseObject({ id: z.string(), version: z.number() }), employee: person, submittedAt: z.string().nullable(), violations: z.array(ViolationView),
    level: z.number().optional(), onBehalfOf: person.nullable().optional(),
    vatRule: z.object({ id: z.string(), effectiveFrom: z.string(), recoverableBp: z.number(), expenseAccount: z.string(), vatAccount: z.string() }).nullable(),
  })),
  nextCursor: z.string().nullable(),
});
export const NotificationList = z.object({ unread: z.number(), items: z.array(z.object({ id: z.string(), kind: z.string(), expenseId: z.string().nullable(), data: z.record(z.string(), z.unknown()), createdAt: z.string(), read: z.boolean() })) });
export const DelegationList = z.object({ items: z.array(z.object({ id: z.string(), managerId: z.string(), managerName: z.string(), delegateId: z.string(), delegateName: z.string(), startsOn: z.string(), endsOn: z.string() })) });
