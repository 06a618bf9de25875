import { z } from 'zod';
import { RECEIPT_MEDIA_TYPES } from '../../../storage/db/schema.ts';
import { RENDITION_NAME } from '../../../storage/objects/keys.ts';

/** A derived image of a receipt (R-CAP-2), made by the worker: its own file with its own SHA-256. */
export const RenditionView = z.object({
  /** normalized (JPEG, upright, sRGB, at most 2000 px), thumbnail (320 px wide), page-1…page-N (PDF pages). */
  name: z.string(),
  mediaType: z.literal('image/jpeg'),
  width: z.number().int(),
  height: z.number().int(),
  size: z.number().int(),
  sha256: z.string(),
});
export type RenditionView = z.infer<typeof RenditionView>;

export const ReceiptView = z.object({
  id: z.string(),
  expenseId: z.string(),
  name: z.string(),
  mediaType: z.enum(RECEIPT_MEDIA_TYPES),
  size: z.number(),
  sha256: z.string(),
  uploadedBy: z.string(),
  createdAt: z.string(),
  /** Empty until the worker has made them (normalized first, then thumbnail, then pages). */
  renditions: z.array(RenditionView),
});
export type ReceiptView = z.infer<typeof ReceiptView>;
export const ReceiptList = z.object({ items: z.array(ReceiptView) });
export const ExpenseIdParams = z.strictObject({ id: z.uuid() });
export const RenditionParams = z.strictObject({ id: z.uuid(), name: z.string().regex(RENDITION_NAME, 'normalized, thumbnail or page-N') });

export const ScanResult = z.object({ expenseId: z.string(), receipts: z.array(ReceiptView) });
export const OcrFailure = z.object({
  receiptId: z.string(), expenseId: z.string(), name: z.string(), error: z.string(), attempts: z.number(), failedAt: z.string().nullable(),
  /** Read again on request: a new attempt is queued or running. */
  rerunning: z.boolean(),
  /** The owner of the expense the receipt is on. */
  uploadedBy: z.object({ id: z.string(), name: z.string() }).nullable(),
  /** The caller may open that expense (a draft is its owner's only). */
  canOpenExpense: z.boolean(),
});
export type OcrFailure = z.infer<typeof OcrFailure>;
