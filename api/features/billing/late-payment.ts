// Late payment (R-BIL-5): the legal interest rate table, and the charges a late invoice puts on the
// Client's next invoice — interest at three times the legal rate in force at the due date, per day,
// from the due date (or the end of the last charge) to the payment (or the drafting of the invoice
// that carries it), and the €40 fixed recovery indemnity once per late invoice (Code de commerce
// L441-10, D441-5). Neither bears VAT. Only invoices that went past the grace period and received
// the written notice are charged: a transfer that arrives a few days after receipt is not.
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { DB, InvoiceLine } from '../../../storage/db/schema.ts';
import { longDay } from '../../lib/dates.ts';

export const INDEMNITY_MINOR = 4_000;
const DAY_MS = 86_400_000;

/** The French legal interest rate for professional creditors, per half-year (percent, published by decree each semester). */
export const DEFAULT_LEGAL_RATES: Record<string, number> = { '2024-H1': 5.07, '2024-H2': 4.92, '2025-H1': 3.71, '2025-H2': 2.76 };
export const LegalRatesSchema = z.record(z.string().regex(/^\d{4}-H[12]$/, 'a half-year, YYYY-H1 or YYYY-H2'), z.number().min(0).max(100));

const halfYearOf = (at: Date) => {
  const d = DateTime.fromJSDate(at, { zone: 'Europe/Paris' });
  return `${d.year}-H${d.month <= 6 ? 1 : 2}`;
};

export class LegalRates {
  private readonly halves: [string, number][];
  constructor(rates: Record<string, number>) {
    this.halves = Object.entries(rates).sort(([a], [b]) => (a < b ? -1 : 1));
    if (!this.halves.length) throw new Error('the legal interest rate table is empty');
  }

  /** The rate in force at an instant, in basis points; past the table's end, its last rate (`stale`: the table needs the new half-year). */
  at(at: Date): { halfYear: string; rateBp: number; stale: boolean } {
    const half = halfYearOf(at);
    const found = [...this.halves].reverse().find(([h]) => h <= half) ?? this.halves[0]!;
    return { halfYear: found[0], rateBp: Math.round(found[1] * 100), stale: found[0] !== half };
  }
}

export function loadLegalRates(file?: string): LegalRates {
  if (!file) return new LegalRates(DEFAULT_LEGAL_RATES);
  const parsed = LegalRatesSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`LEGAL_RATES_FILE ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return new LegalRates(parsed.data);
}

/** Interest on `amountMinor` at three times the legal rate for `days` days (365-day year), rounded to the cent. */
export const lateInterest = (amountMinor: number, legalRateBp: number, days: number) => Math.round((amountMinor * 3 * legalRateBp * days) / (10_000 * 365));

export interface LateCharge {
  lateInvoiceId: string;
  number: string;
  from: Date;
  to: Date;
  days: number;
  legalRateBp: number;
  halfYear: string;
  interestMinor: number;
  indemnityMinor: number;
}

const pct = (bp: number) => new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 }).format(bp / 100);

/** The invoice lines of late charges (no VAT on either). */
export function chargeLines(charges: LateCharge[]): InvoiceLine[] {
  return charges.flatMap((c) => [
    ...(c.interestMinor > 0
      ? [{ label: `Intérêts de retard — facture ${c.number} : ${c.days} jour(s), du ${longDay(c.from)} au ${longDay(c.to)}, à 3 × ${pct(c.legalRateBp)} % (taux légal ${c.halfYear})`, quantity: 1, unitMinor: c.interestMinor, amountMinor: c.interestMinor, vat: false }]
      : []),
    ...(c.indemnityMinor > 0
      ? [{ label: `Indemnité forfaitaire pour frais de recouvrement — facture ${c.number} (article D441-5 du Code de commerce)`, quantity: 1, unitMinor: c.indemnityMinor, amountMinor: c.indemnityMinor, vat: false }]
      : []),
  ]);
}

/**
 * The charges not yet invoiced of every noticed invoice (of the given Clients, or all), per Client,
 * as of `now`: interest from the last charge's end (or the due date) to the payment (or now), and the
 * indemnity if not charged yet.
 */
export async function pendingCharges(db: Kysely<DB> | Transaction<DB>, rates: LegalRates, now: Date, tenantIds?: string[]): Promise<Map<string, LateCharge[]>> {
  if (tenantIds && !tenantIds.length) return new Map();
  let q = db
    .selectFrom('invoice_balance as b')
    .innerJoin('invoice_notice as n', 'n.invoice_id', 'b.id')
    .select(['b.id', 'b.tenant_id', 'b.number', 'b.due_at', 'b.paid_at', 'b.balance_minor'])
    .select(() => [
      sql<Date | null>`(SELECT max(l.to_at) FROM late_charge l WHERE l.late_invoice_id = b.id)`.as('last_to'),
      sql<boolean>`EXISTS (SELECT 1 FROM late_charge l WHERE l.late_invoice_id = b.id AND l.indemnity_minor > 0)`.as('indemnity_charged'),
    ])
    .where('b.balance_minor', '>', 0 as never)
    .orderBy('b.number');
  if (tenantIds) q = q.where('b.tenant_id', 'in', tenantIds);
  const out = new Map<string, LateCharge[]>();
  for (const r of await q.execute()) {
    const due = new Date(r.due_at);
    const from = r.last_to ? new Date(r.last_to) : due;
    const paidAt = r.paid_at ? new Date(r.paid_at) : null;
    const to = new Date(Math.max(from.getTime(), Math.min((paidAt ?? now).getTime(), now.getTime())));
    const days = Math.floor((to.getTime() - from.getTime()) / DAY_MS);
    const rate = rates.at(due);
    const c: LateCharge = {
      lateInvoiceId: r.id, number: r.number, from, to: days > 0 ? new Date(from.getTime() + days * DAY_MS) : from, days, legalRateBp: rate.rateBp, halfYear: rate.halfYear,
      interestMinor: lateInterest(Number(r.balance_minor), rate.rateBp, days), indemnityMinor: r.indemnity_charged ? 0 : INDEMNITY_MINOR,
    };
    if (c.interestMinor === 0 && c.indemnityMinor === 0) continue;
    out.set(r.tenant_id, [...(out.get(r.tenant_id) ?? []), c]);
  }
  return out;
}
