// Payments of invoices (R-BIL-5), free of HTTP: an operator marks an invoice paid, or imports the
// bank's CSV of received transfers, each matched to an invoice by the number in its reference and
// the amount it still asks. A payment lifts a suspension at once (suspension is derived from unpaid
// noticed invoices, see dunning.ts) and ends the interest's run (late-payment.ts).
import { parse as parseCsv } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import type { DB } from '../../../storage/db/schema.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import type { InvoicingService } from './invoicing.ts';

const NUMBER = /\b(\d{4}-\d{6})\b/;

export type TransferOutcome =
  | { line: number; outcome: 'paid'; number: string; invoiceId: string; amountMinor: number }
  | { line: number; outcome: 'already-paid'; number: string; invoiceId: string; amountMinor: number }
  | { line: number; outcome: 'amount-mismatch'; number: string; invoiceId: string; amountMinor: number; expectedMinor: number }
  | { line: number; outcome: 'unknown-invoice'; reference: string; amountMinor: number }
  | { line: number; outcome: 'no-invoice-number'; reference: string; amountMinor: number }
  | { line: number; outcome: 'invalid'; message: string };

/** "1 234,56", "1234.56", "+2 160,00 €" → cents; null if not an amount. */
export function parseAmountMinor(s: string): number | null {
  const t = s.replace(/[\s\u00a0\u202f€]|EUR/g, '').replace(/^\+/, '');
  const m = /^(-?\d+)(?:[.,](\d{1,2}))?$/.exec(t);
  if (!m) return null;
  const cents = Number(m[1]) * 100 + Math.sign(Number(`${m[1]}1`)) * Number((m[2] ?? '0').padEnd(2, '0'));
  return Number.isSafeInteger(cents) ? cents : null;
}

/** 2027-05-03 or 03/05/2027 (French order) → the day's start in Paris; null if not a date. */
function parseDay(s: string): Date | null {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(s) ? DateTime.fromISO(s, { zone: 'Europe/Paris' }) : DateTime.fromFormat(s, 'dd/MM/yyyy', { zone: 'Europe/Paris' });
  return d.isValid ? d.toJSDate() : null;
}

const HEADERS = { date: ['date', 'date valeur', 'date opération', 'date operation'], amount: ['amount', 'montant', 'crédit', 'credit'], reference: ['reference', 'référence', 'libellé', 'libelle', 'label'] };

export class PaymentsService {
  constructor(private readonly d: { db: Kysely<DB>; clock: Clock; audit: AuditService; invoicing: InvoicingService }) {}

  /** Marks an issued invoice paid (once), on the given day (a bank transfer's date) or now. */
  async markPaid(actor: AuditActor, id: string, o: { paidAt?: Date; reference?: string } = {}) {
    await this.d.db.transaction().execute(async (trx) => {
      const inv = await trx.selectFrom('invoice').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!inv) throw new AppError('not-found', 'No such invoice');
      if (inv.kind !== 'invoice' || inv.status !== 'issued') throw new AppError('conflict', 'Only an issued invoice is payable');
      if (inv.paid_at) throw new AppError('conflict', 'This invoice is paid already');
      const b = await trx.selectFrom('invoice_balance').select('balance_minor').where('id', '=', id).executeTakeFirstOrThrow();
      if (Number(b.balance_minor) <= 0) throw new AppError('conflict', 'Credit notes cancel this invoice: nothing is left to pay');
      const now = this.d.clock.now();
      const paidAt = o.paidAt && o.paidAt < now ? o.paidAt : now;
      await trx.updateTable('invoice').set({ paid_at: paidAt }).where('id', '=', id).execute();
      await this.d.audit.record(trx, actor, { type: 'invoice.paid', tenantId: null, target: { type: 'invoice', id }, data: { number: inv.number!, paidAt: paidAt.toISOString(), amountMinor: Number(b.balance_minor), ...(o.reference ? { reference: o.reference } : {}) } });
    });
    return this.d.invoicing.view(id);
  }

  /**
   * Imports the bank's CSV of received transfers (header row; columns date, amount, reference — or
   * their French names; ',' or ';'). A line pays an invoice when its reference holds the invoice's
   * number and its amount is exactly what the invoice still asks; every other line is reported and
   * changes nothing. Importing the same file again pays nothing twice.
   */
  async importTransfers(actor: AuditActor, csv: string) {
    let records: Record<string, string>[];
    try {
      const text = csv.replace(/^\uFEFF/, '');
      // French banks write "7,20" in ';'-separated files: the header line says which separator
      const delimiter = (text.split('\n', 1)[0] ?? '').includes(';') ? ';' : ',';
      records = parseCsv(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, delimiter, relax_column_count: false });
    } catch (e) {
      throw new AppError('import-invalid', `The file is not valid CSV: ${(e as Error).message}`, { errors: [{ row: 0, column: '', message: (e as Error).message }] });
    }
    const header = Object.keys(records[0] ?? {});
    const col = (names: string[]) => header.find((h) => names.includes(h));
    const cols = { date: col(HEADERS.date), amount: col(HEADERS.amount), reference: col(HEADERS.reference) };
    const missing = Object.entries(cols).filter(([, v]) => !v).map(([k]) => k);
    if (!records.length || missing.length)
      throw new AppError('import-invalid', records.length ? `Missing column(s): ${missing.join(', ')} (expected date, amount, reference — or date, montant, libellé)` : 'The file has no transfer', {
        errors: missing.map((m) => ({ row: 0, column: m, message: 'missing column' })),
      });

    const results: TransferOutcome[] = [];
    for (const [i, rec] of records.entries()) {
      const line = i + 2; // the header is line 1
      const amountMinor = parseAmountMinor(rec[cols.amount!]!);
      const day = parseDay(rec[cols.date!]!);
      const reference = rec[cols.reference!]!;
      if (amountMinor === null || amountMinor <= 0 || !day) {
        results.push({ line, outcome: 'invalid', message: amountMinor === null || amountMinor <= 0 ? `not a received amount: "${rec[cols.amount!]}"` : `not a date: "${rec[cols.date!]}"` });
        continue;
      }
      const number = NUMBER.exec(reference)?.[1];
      if (!number) {
        results.push({ line, outcome: 'no-invoice-number', reference, amountMinor });
        continue;
      }
      const inv = await this.d.db.selectFrom('invoice_balance').select(['id', 'paid_at', 'balance_minor']).where('number', '=', number).executeTakeFirst();
      if (!inv) results.push({ line, outcome: 'unknown-invoice', reference, amountMinor });
      else if (inv.paid_at) results.push({ line, outcome: 'already-paid', number, invoiceId: inv.id, amountMinor });
      else if (Number(inv.balance_minor) !== amountMinor) results.push({ line, outcome: 'amount-mismatch', number, invoiceId: inv.id, amountMinor, expectedMinor: Number(inv.balance_minor) });
      else {
        try {
          await this.markPaid(actor, inv.id, { paidAt: day, reference });
          results.push({ line, outcome: 'paid', number, invoiceId: inv.id, amountMinor });
        } catch (e) {
          // paid meanwhile by another line of the same file or by an operator
          if (e instanceof AppError && e.code === 'conflict') results.push({ line, outcome: 'already-paid', number, invoiceId: inv.id, amountMinor });
          else throw e;
        }
      }
    }
    const count = (o: TransferOutcome['outcome']) => results.filter((r) => r.outcome === o).length;
    return { lines: results.length, paid: count('paid'), unmatched: results.length - count('paid') - count('already-paid'), results };
  }
}
