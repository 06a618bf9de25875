import { z } from 'zod';
import { RECEIPT_MEDIA_TYPES } from '../../../storage/db/schema.ts';

export const ReceiptView = z.object({
  id: z.string(),
  expenseId: z.string(),
  name: z.string(),
  mediaType: z.enum(RECEIPT_MEDIA_TYPES),
  size: z.number(),
  sha256: z.string(),
  uploadedBy: z.string(),
  createdAt: z.string(),
});
export type ReceiptView = z.infer<typeof ReceiptView>;
export const ReceiptList = z.object({ items: z.array(ReceiptView) });
export const ExpenseIdParams = z.strictObject({ id: z.uuid() });
