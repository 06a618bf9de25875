// Expenses (R-CAP-1): the employee's own records, in integer minor units with the rate used to
// convert them into the Client's currency. Edits while draft or returned; deletion while draft.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { ExpenseKind } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import { AppError, type FieldError } from '../../http/errors.ts';
import { convertMinor, isCurrency, minorDigits, vatOf } from '../../lib/money.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import type { RatesService } from '../rates/rates.service.ts';
import { decodeCursor, encodeCursor, expensesRepository as repo, type ExpenseRow, type Viewer } from './expenses.repository.ts';
import type { CreateExpense, ExpenseView, ListExpensesQuery, UpdateExpense, VatLine } from './expenses.schemas.ts';

const EDITABLE = ['draft', 'returned'] as const;
/** VAT printed on a receipt may be rounded per line or from the total: allow this many cents. */
const VAT_TOLERANCE_MINOR = 2;

export function expenseView(r: ExpenseRow): ExpenseView {
  return {
    id: r.id, userId: r.user_id, status: r.status, statusComment: r.status_comment, submittedAt: r.submitted_at?.toISOString() ?? null, kind: r.kind, date: r.expense_date, merchant: r.merchant, description: r.description,
    categoryId: r.category_id, paymentMethodId: r.payment_method_id, reimbursable: r.reimbursable,
    amountMinor: r.amount_minor, currency: r.currency, convertedMinor: r.converted_minor, clientCurrency: r.client_currency,
    rate: r.rate.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''), rateDate: r.rate_date, project: r.project, attendees: r.attendees, vatLines: r.vatLines, duplicates: r.duplicates, ocr: { status: r.ocrStatus, fields: r.ocr_fields, confidence: r.ocr_confidence }, userFields: r.user_fields,
    ...(r.kind === 'mileage' ? { mileage: mileageView(r) } : {}),
    ...(r.kind === 'per_diem' ? { perDiem: { rateId: r.per_diem_rate_id!, units: r.per_diem_units!, unitAmountMinor: r.amount_minor / r.per_diem_units! } } : {}),
    version: r.version, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  };
}

function mileageView(r: ExpenseRow): NonNullable<ExpenseView['mileage']> {
  const tenths = Math.round(Number(r.distance_km) * 10);
  return {
    vehicleId: r.vehicle_id!, distanceKm: tenths / 10, roundTrip: r.round_trip!, countedKm: (r.round_trip ? 2 * tenths : tenths) / 10,
    from: r.trip_from!, to: r.trip_to!, purpose: r.trip_purpose!, scaleYear: r.mileage_scale_year!,
  };
}

/** Where each kind of expense is edited: the generic PATCH takes receipts only. */
export function editRouteOf(kind: ExpenseKind, id: string): string {
  return { receipt: `PATCH /api/v1/expenses/${id}`, mileage: `PATCH /api/v1/expenses/mileage/${id}`, per_diem: `PATCH /api/v1/expenses/per-diem/${id}` }[kind];
}

/**
 * Runs the deletion of a draft inside its transaction. A feature that derives amounts from other
 * expenses (mileage: the later trips of the same vehicle and year) wraps `remove` to re-price them.
 */
export type ExpenseDeleteHook = (tx: TenantDb, actor: AuditActor, row: ExpenseRow, remove: () => Promise<void>) => Promise<void>;

/** What OCR read on a receipt (the worker's engine returns this shape: worker/ocr/pipeline.ts). */
export interface OcrReading {
  merchant: string | null;
  /** ISO date, YYYY-MM-DD. */
  date: string | null;
  /** The amount paid, a decimal string with a dot ("12.50"). */
  total: string | null;
  /** ISO 4217 code. */
  currency: string | null;
  /** rate as "20.0", "5.5"; base and amount as decimal strings. */
  vat: { rate: string; base: string | null; amount: string | null }[];
  /** Each in [0, 1]; 0 for a field that is null (or, for vat, empty). */
  confidence: { merchant: number; date: number; total: number; currency: number; vat: number };
  /** The raw text read (kept for search and audit). */
  text: string;
}
const OCR_CONFIDENCE_OF = { merchant: 'merchant', date: 'date', amountMinor: 'total', currency: 'currency', vatLines: 'vat' } as const;

/** "12.50" in a currency's minor units (1250), or undefined if it has more digits than the currency. */
function toMinor(decimal: string, currency: string): number | undefined {
  const m = /^(\d{1,9})(?:\.(\d+))?$/.exec(decimal);
  const digits = minorDigits(currency);
  if (!m || (m[2] ?? '').length > digits) return undefined;
  return Number(m[1]) * 10 ** digits + Number((m[2] ?? '').padEnd(digits, '0') || 0);
}

/** The edit was based on an older version of the expense (optimistic concurrency). */
export function stale(current: number, sent: number): AppError {
  return new AppError('stale-version', `The expense changed since you read it (version ${current}, you sent ${sent}): reload it`);
}

export class ExpensesService {
  constructor(private readonly d: { clock: Clock; audit: AuditService; rates: RatesService; onDelete?: ExpenseDeleteHook }) {}

  async list(tdb: TenantDb, viewer: Viewer, f: ListExpensesQuery) {
    const after = f.cursor ? decodeCursor(f.cursor) : undefined;
    if (f.cursor && !after) throw new AppError('validation', 'Invalid cursor', { errors: [{ path: 'query.cursor', message: 'not a cursor from a previous page' }] });
    const rows = await repo.list(tdb, viewer, f, after);
    const page = rows.slice(0, f.limit);
    return { items: page.map(expenseView), nextCursor: rows.length > f.limit ? encodeCursor(page.at(-1)!) : null };
  }

  async get(tdb: TenantDb, viewer: Viewer, id: string): Promise<ExpenseView> {
    const r = await repo.byId(tdb, id, viewer);
    if (!r) throw new AppError('not-found', 'No such expense');
    return expenseView(r);
  }

  async create(tdb: TenantDb, viewer: Viewer, actor: AuditActor, v: CreateExpense): Promise<ExpenseView> {
    return tdb.transaction(async (tx) => {
      const id = randomUUID();
      const checked = await this.check(tx, { ...v, vatLines: v.vatLines ?? [] });
      await tx.insertInto('expense', {
        id, user_id: viewer.userId, kind: 'receipt', expense_date: v.date, merchant: v.merchant, description: v.description ?? '',
        category_id: v.categoryId, payment_method_id: v.paymentMethodId, project: v.project ?? null, attendees: JSON.stringify(v.attendees ?? []),
        amount_minor: v.amountMinor, currency: v.currency, ...checked, user_fields: Object.keys(v).sort(),
      }).execute();
      await repo.replaceVatLines(tx, id, v.vatLines ?? []);
      await this.d.audit.record(tx.raw, actor, { type: 'expense.created', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { amountMinor: v.amountMinor, currency: v.currency } });
      return expenseView((await repo.byId(tx, id))!);
    });
  }

  async update(tdb: TenantDb, viewer: Viewer, actor: AuditActor, id: string, patch: UpdateExpense): Promise<ExpenseView> {
    return tdb.transaction(async (tx) => {
      const before = await this.ownEditable(tx, viewer, id, EDITABLE, 'edited');
      if (before.kind !== 'receipt') throw new AppError('conflict', `This is a ${before.kind.replace('_', '-')} expense: edit it with ${editRouteOf(before.kind, id)}`);
      if (patch.version !== before.version) throw stale(before.version, patch.version);
      const next = {
        date: patch.date ?? before.expense_date, merchant: patch.merchant ?? before.merchant, description: patch.description ?? before.description,
        categoryId: patch.categoryId ?? before.category_id, paymentMethodId: patch.paymentMethodId ?? before.payment_method_id!,
        amountMinor: patch.amountMinor ?? before.amount_minor, currency: patch.currency ?? before.currency, vatLines: patch.vatLines ?? before.vatLines,
        project: patch.project !== undefined ? patch.project : before.project, attendees: patch.attendees ?? before.attendees,
      };
      // A category or payment method archived since keeps working for the expense that has it.
      const checked = await this.check(tx, next, { categoryId: before.category_id, paymentMethodId: before.payment_method_id });
      const fields = Object.keys(patch).filter((k) => k !== 'version').sort();
      await tx.updateTable('expense').set({
        expense_date: next.date, merchant: next.merchant, description: next.description, category_id: next.categoryId, payment_method_id: next.paymentMethodId,
        amount_minor: next.amountMinor, currency: next.currency, project: next.project, attendees: JSON.stringify(next.attendees), ...checked,
        version: before.version + 1, updated_at: this.d.clock.now(),
        // What the user sets is theirs: OCR will not overwrite it, and it is no longer "read by OCR".
        user_fields: [...new Set([...before.user_fields, ...fields])].sort(), ocr_fields: before.ocr_fields.filter((f) => !fields.includes(f)),
      }).where('id', '=', id).where('version', '=', before.version).execute();
      if (patch.vatLines) await repo.replaceVatLines(tx, id, patch.vatLines);
      await this.d.audit.record(tx.raw, actor, { type: 'expense.updated', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { fields } });
      return expenseView((await repo.byId(tx, id))!);
    });
  }

  async delete(tdb: TenantDb, viewer: Viewer, actor: AuditActor, id: string): Promise<void> {
    await tdb.transaction(async (tx) => {
      const row = await this.ownEditable(tx, viewer, id, ['draft'], 'deleted');
      const remove = async () => void (await tx.deleteFrom('expense').where('id', '=', id).execute());
      await (this.d.onDelete ? this.d.onDelete(tx, actor, row, remove) : remove());
      await this.d.audit.record(tx.raw, actor, { type: 'expense.deleted', tenantId: tx.tenantId, target: { type: 'expense', id }, data: {} });
    });
  }

  /**
   * A draft to be filled from its receipts (scan first, type later): placeholders the user has
   * not typed — today, no merchant, zero in the Client's currency, the "other" category, paid
   * personally — that OCR replaces as soon as it has read the receipt.
   */
  async createForScan(tdb: TenantDb, viewer: Viewer, actor: AuditActor): Promise<ExpenseView> {
    return tdb.transaction(async (tx) => {
      const category = await tx.selectFrom('category').select('id').where('code', '=', 'other').where('active', '=', true).executeTakeFirst()
        ?? (await tx.selectFrom('category').select('id').where('active', '=', true).orderBy('name').executeTakeFirst());
      const method = await tx.selectFrom('payment_method').select(['id', 'reimbursable']).where('active', '=', true).orderBy('reimbursable', 'desc').orderBy('name').executeTakeFirst();
      if (!category || !method) throw new AppError('conflict', 'The Client has no active category or payment method: an admin adds one');
      const today = DateTime.fromJSDate(this.d.clock.now(), { zone: 'Europe/Paris' }).toISODate()!;
      const { currency } = await tx.raw.selectFrom('tenant').select('currency').where('id', '=', tx.tenantId).executeTakeFirstOrThrow();
      const id = randomUUID();
      await tx.insertInto('expense', {
        id, user_id: viewer.userId, kind: 'receipt', expense_date: today, category_id: category.id, payment_method_id: method.id, reimbursable: method.reimbursable,
        amount_minor: 0, currency, converted_minor: 0, client_currency: currency, rate: '1', rate_date: today, user_fields: [],
      }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'expense.created', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { amountMinor: 0, currency } });
      return expenseView((await repo.byId(tx, id))!);
    });
  }

  /**
   * Fills an editable expense from what OCR read on its receipts, field by field, never over what
   * the user typed. The raw text goes to `ocr_text` (searchable) whatever the fields.
   */
  async applyOcr(tdb: TenantDb, actor: AuditActor, expenseId: string, read: OcrReading): Promise<string[]> {
    return tdb.transaction(async (tx) => {
      const e = await repo.byId(tx, expenseId);
      if (!e || !EDITABLE.includes(e.status as (typeof EDITABLE)[number]) || e.kind !== 'receipt') return [];
      const mine = new Set(e.user_fields);
      const today = DateTime.fromJSDate(this.d.clock.now(), { zone: 'Europe/Paris' }).toISODate()!;
      const next: Partial<{ merchant: string; date: string; amountMinor: number; currency: string; vatLines: VatLine[] }> = {};
      if (read.merchant && !mine.has('merchant')) next.merchant = read.merchant.slice(0, 200);
      if (read.date && read.date <= today && read.date >= '2000-01-01' && !mine.has('date')) next.date = read.date;
      const currency = read.currency && isCurrency(read.currency) ? read.currency : e.currency;
      if (read.total && !mine.has('amountMinor') && !mine.has('currency')) {
        const minor = toMinor(read.total, currency);
        if (minor !== undefined) Object.assign(next, { amountMinor: minor, currency });
      }
      const amount = next.amountMinor ?? e.amount_minor;
      const cur = next.currency ?? e.currency;
      if (!mine.has('vatLines') && read.vat.length) {
        const lines = read.vat.flatMap((l) => {
          const base = l.base ? toMinor(l.base, cur) : undefined;
          const vat = l.amount ? toMinor(l.amount, cur) : undefined;
          const rateBp = Math.round(Number(l.rate) * 100);
          return base !== undefined && vat !== undefined && rateBp >= 0 && rateBp <= 10_000 ? [{ rateBp, baseMinor: base, vatMinor: vat }] : [];
        });
        // Only lines that hold together: each VAT ≈ base × rate, and no more than the amount.
        const sound = lines.length === read.vat.length && lines.every((l) => Math.abs(vatOf(l.baseMinor, l.rateBp) - l.vatMinor) <= VAT_TOLERANCE_MINOR)
          && lines.reduce((s, l) => s + l.baseMinor + l.vatMinor, 0) <= amount;
        if (sound) next.vatLines = lines;
      }
      const date = next.date ?? e.expense_date;
      let conversion: { converted_minor: number; client_currency: string; rate: string; rate_date: string } | undefined;
      if (next.amountMinor !== undefined || next.date !== undefined) {
        try {
          const r = await this.d.rates.rateFor(tx, cur, date);
          conversion = { converted_minor: convertMinor(amount, cur, r.clientCurrency, r.rate), client_currency: r.clientCurrency, rate: r.rate, rate_date: r.date };
        } catch {
          // No rate for the currency read: keep the amount as it was; the user completes it.
          delete next.amountMinor;
          delete next.currency;
          if (next.date) {
            const r = await this.d.rates.rateFor(tx, e.currency, date).catch(() => undefined);
            if (r) conversion = { converted_minor: convertMinor(e.amount_minor, e.currency, r.clientCurrency, r.rate), client_currency: r.clientCurrency, rate: r.rate, rate_date: r.date };
            else delete next.date;
          }
        }
      }
      const filled = Object.keys(next).sort();
      const confidence = Object.fromEntries(filled.map((f) => [f, read.confidence[OCR_CONFIDENCE_OF[f as keyof typeof OCR_CONFIDENCE_OF]] ?? 0]));
      await tx.updateTable('expense').set({
        ...(next.merchant !== undefined ? { merchant: next.merchant } : {}),
        ...(next.date !== undefined ? { expense_date: next.date } : {}),
        ...(next.amountMinor !== undefined ? { amount_minor: next.amountMinor, currency: next.currency! } : {}),
        ...(conversion ?? {}),
        ocr_text: read.text.slice(0, 100_000),
        ocr_fields: [...new Set([...e.ocr_fields, ...filled])].sort(),
        ocr_confidence: JSON.stringify({ ...e.ocr_confidence, ...confidence }),
        // Only a change the user can see moves the version (the raw text alone does not).
        ...(filled.length ? { version: e.version + 1, updated_at: this.d.clock.now() } : {}),
      }).where('id', '=', expenseId).execute();
      if (next.vatLines) await repo.replaceVatLines(tx, expenseId, next.vatLines);
      await this.d.audit.record(tx.raw, actor, { type: 'expense.ocr_applied', tenantId: tx.tenantId, target: { type: 'expense', id: expenseId }, data: { fields: filled } });
      return filled;
    });
  }

  /** For features that change what hangs on an expense (receipts): the owner, while draft or returned. */
  assertEditable(tdb: TenantDb, viewer: Viewer, id: string, verb: string, notFound = 'No such expense'): Promise<ExpenseRow> {
    return this.ownEditable(tdb, viewer, id, EDITABLE, verb, notFound);
  }

  /** 404 if the caller cannot see it, 403 if it is someone else's, 409 naming the state if it is past editing. */
  private async ownEditable(tx: TenantDb, viewer: Viewer, id: string, states: readonly string[], verb: string, notFound = 'No such expense'): Promise<ExpenseRow> {
    const r = await repo.byId(tx, id, viewer);
    if (!r) throw new AppError('not-found', notFound);
    if (r.user_id !== viewer.userId) throw new AppError('forbidden', 'Only the employee who owns an expense changes it');
    if (!states.includes(r.status)) throw new AppError('conflict', `The expense is ${r.status}: it can be ${verb} only while ${states.join(' or ')}`);
    return r;
  }

  /** Validates references, date and VAT; returns the conversion and the reimbursable flag to store. */
  private async check(tx: TenantDb, v: { date: string; categoryId: string; paymentMethodId: string; amountMinor: number; currency: string; vatLines: VatLine[] }, kept: { categoryId?: string; paymentMethodId?: string | null } = {}) {
    const errors: FieldError[] = [];
    const today = DateTime.fromJSDate(this.d.clock.now(), { zone: 'Europe/Paris' }).toISODate()!;
    if (v.date > today) errors.push({ path: 'body.date', message: `an expense cannot be dated after today (${today})` });
    if (v.date < '2000-01-01') errors.push({ path: 'body.date', message: 'too old' });
    if (!isCurrency(v.currency)) errors.push({ path: 'body.currency', message: `${v.currency} is not an ISO 4217 currency` });
    const category = await repo.activeReference(tx, 'category', v.categoryId);
    if (!category || (!category.active && kept.categoryId !== v.categoryId)) errors.push({ path: 'body.categoryId', message: category ? 'this category is archived' : 'no such category' });
    const method = await repo.paymentMethod(tx, v.paymentMethodId);
    if (!method || (!method.active && kept.paymentMethodId !== v.paymentMethodId)) errors.push({ path: 'body.paymentMethodId', message: method ? 'this payment method is archived' : 'no such payment method' });
    const linesTotal = v.vatLines.reduce((s, l) => s + l.baseMinor + l.vatMinor, 0);
    if (linesTotal > v.amountMinor) errors.push({ path: 'body.vatLines', message: `the VAT lines (${linesTotal}) exceed the amount (${v.amountMinor})` });
    v.vatLines.forEach((l, i) => {
      const expected = vatOf(l.baseMinor, l.rateBp);
      if (Math.abs(expected - l.vatMinor) > VAT_TOLERANCE_MINOR) errors.push({ path: `body.vatLines.${i}.vatMinor`, message: `${l.rateBp / 100} % of ${l.baseMinor} is ${expected}, not ${l.vatMinor}` });
    });
    if (errors.length) throw new AppError('validation', 'The expense is not valid', { errors });
    const r = await this.d.rates.rateFor(tx, v.currency, v.date);
    return { converted_minor: convertMinor(v.amountMinor, v.currency, r.clientCurrency, r.rate), client_currency: r.clientCurrency, rate: r.rate, rate_date: r.date, reimbursable: method!.reimbursable };
  }
}
