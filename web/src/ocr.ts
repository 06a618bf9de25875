// Reading receipts (OCR), the pure part: which fields OCR filled and how sure it was, whether a
// newer version of an expense differs only by what OCR filled, and the placeholders of a draft
// made by "scan first" before OCR has read it.
import type { Expense } from './api.ts';

/** Below this confidence, a field read from the receipt is highlighted "to check". */
export const OCR_CHECK_BELOW = 0.8;
/** A reading that takes longer than this (ms) is said to be slow on screen. */
export const OCR_SLOW_AFTER_MS = 5 * 60_000;
/** Where the server cannot push: poll an expense being read this often (ms), then, once slow, every OCR_SLOW_POLL_MS. */
export const OCR_POLL_MS = 1_750;
export const OCR_SLOW_POLL_MS = 15_000;

/** The API field names OCR may fill, in the order a form shows them. */
export const OCR_FIELDS = ['merchant', 'date', 'amountMinor', 'currency', 'vatLines'] as const;
export type OcrField = (typeof OCR_FIELDS)[number];

/** How a field is marked: read from the receipt, read but to check (low confidence), or not at all. */
export type OcrMark = 'read' | 'check' | null;

type WithOcr = Pick<Expense, 'ocr'>;

/**
 * The mark of one field, or of several shown as one (the amount and its currency): read if OCR
 * filled any of them, to check if its confidence in any of those is under OCR_CHECK_BELOW.
 */
export function ocrMark(e: WithOcr, ...fields: string[]): OcrMark {
  const filled = fields.filter((f) => e.ocr.fields.includes(f));
  if (!filled.length) return null;
  // A field OCR filled without a confidence is one to check.
  return filled.some((f) => (e.ocr.confidence[f] ?? 0) < OCR_CHECK_BELOW) ? 'check' : 'read';
}

/** The fields OCR filled that are to check (for a count in the summary). */
export function fieldsToCheck(e: WithOcr): string[] {
  const shown = e.ocr.fields.filter((f) => f !== 'currency' || !e.ocr.fields.includes('amountMinor'));
  return shown.filter((f) => ocrMark(e, ...(f === 'amountMinor' ? ['amountMinor', 'currency'] : [f])) === 'check');
}

/**
 * The receipt is being read into this expense: the page shows it and follows it until it is done
 * or failed. Only a draft or returned expense takes what OCR reads: once submitted, a reading still
 * under way changes nothing on it, so nothing is announced.
 */
export const isReading = (e: Pick<Expense, 'kind' | 'ocr' | 'status'> | null | undefined): boolean =>
  !!e && e.kind === 'receipt' && e.ocr.status === 'reading' && (e.status === 'draft' || e.status === 'returned');

/**
 * A draft made by "scan first" that nobody has filled yet: no merchant (a typed expense always has
 * one) and a zero amount. Its placeholders are not shown as if they were values.
 */
/** A scanned draft's placeholder: the user has not set the amount, and OCR has not filled it. */
export const isScanPlaceholder = (e: Pick<Expense, 'kind' | 'userFields' | 'ocr'>): boolean => e.kind === 'receipt' && !e.userFields.includes('amountMinor') && !e.ocr.fields.includes('amountMinor');

/** What the owner edits on an expense of kind receipt. */
const USER_FIELDS = ['date', 'merchant', 'description', 'categoryId', 'paymentMethodId', 'amountMinor', 'currency', 'vatLines', 'project', 'attendees'] as const;

/**
 * True when `after` differs from `before` only in fields OCR filled (`after.ocr.fields`): a form
 * open on `before` may take those in (where its user has not typed) and go on from `after`'s
 * version. Any other change is someone's edit: the form keeps its version and the save says so.
 */
export function changedByOcrOnly(before: Expense, after: Expense): boolean {
  if (after.id !== before.id || after.kind !== before.kind) return false;
  return USER_FIELDS.every((f) => JSON.stringify(before[f] ?? null) === JSON.stringify(after[f] ?? null) || after.ocr.fields.includes(f));
}
