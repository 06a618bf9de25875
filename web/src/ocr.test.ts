// Which fields are marked as read from the receipt, which are to check, and which newer versions
// of an expense a form may take in without losing what its user typed.
import { describe, expect, it } from 'vitest';
import type { Expense } from './api.ts';
import { changedByOcrOnly, fieldsToCheck, isReading, isScanPlaceholder, ocrMark } from './ocr.ts';

function expense(over: Partial<Expense> = {}): Expense {
  return {
    id: 'e1', userId: 'u1', status: 'draft', statusComment: null, submittedAt: null, kind: 'receipt', date: '2026-11-22', merchant: '', description: '', categoryId: 'c1', paymentMethodId: 'p1', reimbursable: true,
    amountMinor: 0, currency: 'EUR', convertedMinor: 0, clientCurrency: 'EUR', rate: '1', rateDate: '2026-11-22', project: null, attendees: [], vatLines: [],
    ocr: { status: 'reading', fields: [], confidence: {} }, userFields: [], duplicates: [], version: 1, createdAt: '2026-11-22T10:00:00Z', updatedAt: '2026-11-22T10:00:00Z',
    ...over,
  };
}

describe('ocrMark', () => {
  const e = expense({ ocr: { status: 'done', fields: ['amountMinor', 'currency', 'date', 'merchant'], confidence: { merchant: 0.62, date: 0.95, amountMinor: 0.9, currency: 0.5 } } });

  it('marks what OCR filled, and to check below 0.8', () => {
    expect(ocrMark(e, 'date')).toBe('read');
    expect(ocrMark(e, 'merchant')).toBe('check');
    expect(ocrMark(e, 'vatLines')).toBeNull();
    expect(ocrMark(e, 'description')).toBeNull();
  });

  it('marks fields shown together by the least sure of them', () => {
    expect(ocrMark(e, 'amountMinor')).toBe('read');
    expect(ocrMark(e, 'amountMinor', 'currency')).toBe('check');
  });

  it('takes a field without a confidence as one to check, and 0.8 itself as sure enough', () => {
    expect(ocrMark(expense({ ocr: { status: 'done', fields: ['merchant'], confidence: {} } }), 'merchant')).toBe('check');
    expect(ocrMark(expense({ ocr: { status: 'done', fields: ['merchant'], confidence: { merchant: 0.8 } } }), 'merchant')).toBe('read');
  });

  it('counts the amount and its currency once among the fields to check', () => {
    expect(fieldsToCheck(e)).toEqual(['amountMinor', 'merchant']);
    expect(fieldsToCheck(expense({ ocr: { status: 'done', fields: ['currency'], confidence: { currency: 0.1 } } }))).toEqual(['currency']);
  });
});

describe('reading and placeholders', () => {
  it('is reading only for a receipt whose status says so', () => {
    expect(isReading(expense())).toBe(true);
    expect(isReading(expense({ ocr: { status: 'done', fields: [], confidence: {} } }))).toBe(false);
    expect(isReading(expense({ kind: 'mileage' }))).toBe(false);
    expect(isReading(null)).toBe(false);
    // submitted: a reading still under way fills nothing there
    expect(isReading(expense({ status: 'submitted' }))).toBe(false);
    expect(isReading(expense({ status: 'returned' }))).toBe(true);
  });

  it('knows an amount nobody set yet (a scan not read yet) from one typed or read', () => {
    expect(isScanPlaceholder(expense())).toBe(true);
    expect(isScanPlaceholder(expense({ userFields: ['amountMinor', 'currency', 'date', 'merchant'] }))).toBe(false);
    expect(isScanPlaceholder(expense({ amountMinor: 1250, ocr: { status: 'done', fields: ['amountMinor'], confidence: { amountMinor: 0.9 } } }))).toBe(false);
    // a zero the user typed is an amount, not a placeholder
    expect(isScanPlaceholder(expense({ userFields: ['amountMinor'] }))).toBe(false);
  });
});

describe('changedByOcrOnly', () => {
  const before = expense();

  it('accepts a version whose changes are all fields OCR filled', () => {
    const after = expense({ merchant: 'CAFE DE LA GARE', amountMinor: 1250, date: '2026-03-12', version: 2, ocr: { status: 'done', fields: ['amountMinor', 'currency', 'date', 'merchant'], confidence: {} } });
    expect(changedByOcrOnly(before, after)).toBe(true);
  });

  it('refuses a version someone else edited', () => {
    const after = expense({ description: 'Déjeuner client', version: 2 });
    expect(changedByOcrOnly(before, after)).toBe(false);
    const both = expense({ merchant: 'CAFE', description: 'x', version: 3, ocr: { status: 'done', fields: ['merchant'], confidence: {} } });
    expect(changedByOcrOnly(before, both)).toBe(false);
  });

  it('refuses another expense', () => {
    expect(changedByOcrOnly(before, expense({ id: 'e2' }))).toBe(false);
  });
});
