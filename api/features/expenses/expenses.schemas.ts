import { z } from 'zod';
import { EXPENSE_STATUSES } from '../../../storage/db/schema.ts';
import { ReceiptView } from '../receipts/receipts.schemas.ts';

const currency = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. EUR');
const isoDate = z.iso.date();
/** Minor units (cents): integers only, so no amount is ever a float. Up to 1 000 000 000.00. */
const minor = z.number().int('an integer number of minor units (cents)').min(0).max(100_000_000_000);

export const VatLine = z.strictObject({ rateBp: z.number().int().min(0).max(10_000), baseMinor: minor, vatMinor: minor });
export type VatLine = z.infer<typeof VatLine>;

const fields = {
  date: isoDate,
  merchant: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000),
  categoryId: z.uuid(),
  paymentMethodId: z.uuid(),
  amountMinor: minor,
  currency,
  vatLines: z.array(VatLine).max(10),
  project: z.string().trim().max(100).nullable(),
  attendees: z.array(z.string().trim().min(1).max(200)).max(50),
};

export const CreateExpense = z.strictObject({
  ...fields,
  description: fields.description.optional(),
  vatLines: fields.vatLines.optional(),
  project: fields.project.optional(),
  attendees: fields.attendees.optional(),
});
export type CreateExpense = z.infer<typeof CreateExpense>;

export const UpdateExpense = z
  .strictObject({
    ...Object.fromEntries(Object.entries(fields).map(([k, s]) => [k, s.optional()])) as { [K in keyof typeof fields]: z.ZodOptional<(typeof fields)[K]> },
    /** The version read; a stale one gets 409 instead of overwriting someone's change. */
    version: z.number().int().min(1),
  })
  .refine((v) => Object.keys(v).length > 1, 'nothing to change');
export type UpdateExpense = z.infer<typeof UpdateExpense>;

export const ExpenseView = z.object({
  id: z.string(),
  userId: z.string(),
  status: z.enum(EXPENSE_STATUSES),
  /** The reason of the last rejection or return, for the employee (R-WF-1). */
  statusComment: z.string().nullable(),
  submittedAt: z.string().nullable(),
  kind: z.enum(['receipt', 'mileage', 'per_diem']),
  date: z.string(),
  merchant: z.string(),
  description: z.string(),
  categoryId: z.string(),
  paymentMethodId: z.string().nullable(),
  reimbursable: z.boolean(),
  amountMinor: z.number(),
  currency: z.string(),
  convertedMinor: z.number(),
  clientCurrency: z.string(),
  rate: z.string(),
  rateDate: z.string(),
  project: z.string().nullable(),
  attendees: z.array(z.string()),
  vatLines: z.array(VatLine),
  /** Reading the receipts (R-OCR-2): the status, the fields OCR filled and its confidence in each (0–1). */
  ocr: z.object({ status: z.enum(['reading', 'done', 'failed']).nullable(), fields: z.array(z.string()), confidence: z.record(z.string(), z.number()) }),
  /** Fields the user set (OCR never overwrites them); on a scanned draft, the others are placeholders until read. */
  userFields: z.array(z.string()),
  /** Other expenses this one may duplicate (R-CAP-5): flagged for the approver, never blocked. */
  duplicates: z.array(z.object({ expenseId: z.string(), reason: z.enum(['same_file', 'same_details']) })),
  /** kind 'mileage': the trip, priced with the barème of `scaleYear` (see api/features/mileage). */
  mileage: z
    .object({ vehicleId: z.string(), distanceKm: z.number(), roundTrip: z.boolean(), countedKm: z.number(), from: z.string(), to: z.string(), purpose: z.string(), scaleYear: z.number() })
    .optional(),
  /** kind 'per_diem': amountMinor = units × unitAmountMinor. */
  perDiem: z.object({ rateId: z.string(), units: z.number(), unitAmountMinor: z.number() }).optional(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ExpenseView = z.infer<typeof ExpenseView>;

export const ListExpensesQuery = z.strictObject({
  status: z.enum(EXPENSE_STATUSES).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  categoryId: z.uuid().optional(),
  userId: z.uuid().optional(),
  /** Bounds on the amount in the Client's currency, in minor units. */
  amountMin: z.coerce.number().int().min(0).optional(),
  amountMax: z.coerce.number().int().min(0).optional(),
  /** Full-text search (French stemming) over merchant, description, project and OCR text. */
  q: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListExpensesQuery = z.infer<typeof ListExpensesQuery>;
/** An expense with its receipts, so that a list shows them without a request per row. */
export const ExpenseWithReceipts = ExpenseView.extend({ receipts: z.array(ReceiptView) });
export type ExpenseWithReceipts = z.infer<typeof ExpenseWithReceipts>;
export const ExpensePage = z.object({ items: z.array(ExpenseWithReceipts), nextCursor: z.string().nullable() });
