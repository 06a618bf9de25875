// Accounting entries for verified expenses (R-ACC-2), pure: one balanced entry per expense, in the
// Client's currency and minor units.
//   debit  the category's expense account  = total − recoverable VAT (net + the VAT not recovered)
//   debit  the recoverable-VAT account     = recoverable VAT (omitted when nil)
//   credit the employee's account          = total, for a reimbursable expense (421, or the employee's
//          auxiliary account) — or the card clearing account for one the company paid
// Rounding is explicit and happens once: recoverable VAT = VAT × recoverable share, rounded half
// away from zero to the cent; the expense line takes the rest, so every entry balances to the cent.
// VAT paid in another currency is not recoverable on a French return: it stays in the expense line.
import { divRound } from '../../lib/money.ts';

export interface LedgerSettings {
  journalCode: string;
  journalLabel: string;
  /** The employees' account (421 "personnel — rémunérations dues", or 425 for advances). */
  employeeAccount: string;
  employeeAccountLabel: string;
  /** Where company-card expenses are credited (a 467 clearing account, or the bank). */
  cardAccount: string;
  cardAccountLabel: string;
  /** Used when a category has no VAT rule: no recovery, this expense account. */
  defaultExpenseAccount: string;
  defaultVatAccount: string;
}
export const DEFAULT_LEDGER_SETTINGS: LedgerSettings = {
  journalCode: 'NDF', journalLabel: 'Notes de frais', employeeAccount: '421', employeeAccountLabel: 'Personnel - rémunérations dues',
  cardAccount: '467', cardAccountLabel: 'Carte entreprise - à régulariser', defaultExpenseAccount: '6256', defaultVatAccount: '44566',
};

export interface LedgerExpense {
  id: string;
  date: string;
  merchant: string;
  categoryName: string;
  /** In the Client's currency (the converted amount). */
  totalMinor: number;
  clientCurrency: string;
  /** As paid, when another currency (kept on the lines as Montantdevise/Idevise). */
  paid: { amountMinor: number; currency: string };
  /** VAT lines as on the receipt (in the currency paid). */
  vatMinor: number;
  reimbursable: boolean;
  employee: { id: string; name: string; auxAccount: string | null };
  rule: { recoverableBp: number; expenseAccount: string; vatAccount: string } | null;
  /** Vault deposits of its receipts, quoted in the piece reference when archived. */
  depositIds: string[];
}

export interface LedgerLine {
  account: string;
  accountLabel: string;
  auxAccount: string | null;
  auxLabel: string | null;
  debitMinor: number;
  creditMinor: number;
  /** Amount in the currency paid, on the lines that carry the whole expense (foreign currency only). */
  foreign: { amountMinor: number; currency: string } | null;
}

export interface LedgerEntry {
  number: number;
  expenseId: string;
  date: string;
  pieceRef: string;
  label: string;
  currency: string;
  lines: LedgerLine[];
}

/** Entries numbered continuously from `firstNumber`, in the order given. */
export function ledgerEntries(expenses: readonly LedgerExpense[], s: LedgerSettings, firstNumber = 1): LedgerEntry[] {
  return expenses.map((e, i) => {
    const foreign = e.paid.currency !== e.clientCurrency ? e.paid : null;
    const rule = e.rule ?? { recoverableBp: 0, expenseAccount: s.defaultExpenseAccount, vatAccount: s.defaultVatAccount };
    const recoverable = foreign ? 0 : Number(divRound(BigInt(Math.max(0, e.vatMinor)) * BigInt(rule.recoverableBp), 10_000n));
    const vat = Math.min(recoverable, e.totalMinor);
    const lines: LedgerLine[] = [
      { account: rule.expenseAccount, accountLabel: e.categoryName, auxAccount: null, auxLabel: null, debitMinor: e.totalMinor - vat, creditMinor: 0, foreign: vat === 0 ? foreign : null },
    ];
    if (vat > 0) lines.push({ account: rule.vatAccount, accountLabel: 'TVA déductible sur autres biens et services', auxAccount: null, auxLabel: null, debitMinor: vat, creditMinor: 0, foreign: null });
    lines.push(
      e.reimbursable
        ? { account: s.employeeAccount, accountLabel: s.employeeAccountLabel, auxAccount: e.employee.auxAccount, auxLabel: e.employee.auxAccount ? e.employee.name : null, debitMinor: 0, creditMinor: e.totalMinor, foreign }
        : { account: s.cardAccount, accountLabel: s.cardAccountLabel, auxAccount: null, auxLabel: null, debitMinor: 0, creditMinor: e.totalMinor, foreign },
    );
    return {
      number: firstNumber + i,
      expenseId: e.id,
      date: e.date,
      pieceRef: [e.id, ...e.depositIds].join(' '),
      label: `${e.merchant || e.categoryName} ${e.date}`,
      currency: e.clientCurrency,
      lines,
    };
  });
}

// ————— formats

/** 1234 → "12,34" (decimal comma, no grouping), for the Client's currency's minor digits. */
export function decimalComma(minor: number, digits = 2): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (digits === 0) return `${sign}${abs}`;
  const s = String(abs).padStart(digits + 1, '0');
  return `${sign}${s.slice(0, -digits)},${s.slice(-digits)}`;
}

export const FEC_COLUMNS = ['JournalCode', 'JournalLib', 'EcritureNum', 'EcritureDate', 'CompteNum', 'CompteLib', 'CompAuxNum', 'CompAuxLib', 'PieceRef', 'PieceDate', 'EcritureLib', 'Debit', 'Credit', 'EcritureLet', 'DateLet', 'ValidDate', 'Montantdevise', 'Idevise'] as const;

/** A field of the FEC: the separator, line breaks and tabs cannot occur in it (most fields have none: returned as they are). */
const fecField = (v: string, sep: string) => (/[\r\n\t]|^\s|\s$/.test(v) || v.includes(sep) ? v.replace(/[\r\n\t]/g, ' ').split(sep).join(' ').trim() : v);
const yyyymmdd = (isoDate: string) => isoDate.slice(0, 10).replaceAll('-', '');

/**
 * The Fichier des Écritures Comptables (article A47 A-1 du LPF): the 18 columns in order, one
 * separator (tab or pipe), dates YYYYMMDD, amounts with a decimal comma, one line per entry line.
 */
export function fecText(entries: readonly LedgerEntry[], s: LedgerSettings, o: FecOptions): string {
  return fecHeader(o.separator) + [...fecLines(entries, s, o)].join('');
}
export interface FecOptions {
  separator: '\t' | '|';
  validatedOn: string;
  digits?: number;
}

/** The FEC's first line, CRLF included. */
export const fecHeader = (separator: FecOptions['separator']) => `${FEC_COLUMNS.join(separator)}\r\n`;

/** The FEC lines of these entries, each with its CRLF: a large file is written a page of entries at a time after fecHeader. */
export function* fecLines(entries: readonly LedgerEntry[], s: LedgerSettings, o: FecOptions): Generator<string> {
  const sep = o.separator;
  const validated = yyyymmdd(o.validatedOn);
  for (const e of entries)
    for (const l of e.lines)
      yield `${[
        s.journalCode, s.journalLabel, String(e.number), yyyymmdd(e.date), l.account, l.accountLabel, l.auxAccount ?? '', l.auxLabel ?? '', e.pieceRef, yyyymmdd(e.date), e.label,
        decimalComma(l.debitMinor, o.digits), decimalComma(l.creditMinor, o.digits), '', '', validated,
        l.foreign ? decimalComma(l.foreign.amountMinor, o.digits) : '', l.foreign?.currency ?? '',
      ].map((v) => fecField(v, sep)).join(sep)}\r\n`;
}

/** <SIREN>FEC<closing date YYYYMMDD>.txt */
export const fecFileName = (siren: string, closingDate: string) => `${siren}FEC${yyyymmdd(closingDate)}.txt`;

/**
 * A spreadsheet cell that a formula could hide in (=, +, -, @, tab, CR at the start): prefixed with
 * a quote so that Excel and LibreOffice show it as text (OWASP "CSV injection"). Amounts are
 * written by us as digits and are not passed through this.
 */
export function neutraliseFormula(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

export interface CsvOptions {
  delimiter: ';' | ',' | '\t';
  /** "12,34" (French spreadsheets) or "12.34". */
  decimalComma: boolean;
  /** A UTF-8 byte order mark, so that Excel opens accents right. */
  bom: boolean;
  digits?: number;
}
export const CSV_HEADER = ['Journal', 'Date', 'Numéro', 'Compte', 'Libellé du compte', 'Compte auxiliaire', 'Pièce', 'Libellé', 'Débit', 'Crédit', 'Montant devise', 'Devise'];

/** A spreadsheet cell: text, or an amount in minor units (a number in xlsx, formatted in CSV). */
export type Cell = string | { minor: number; digits: number };

/** The entries' lines as typed cells (text neutralised against formulas; amounts left as amounts). */
export function* accountingCells(entries: readonly LedgerEntry[], s: LedgerSettings, digits = 2): Generator<Cell[]> {
  const amount = (minor: number): Cell => ({ minor, digits });
  for (const e of entries)
    for (const l of e.lines)
      yield [
        ...[s.journalCode, e.date, String(e.number), l.account, l.accountLabel, l.auxAccount ?? '', e.pieceRef, e.label].map(neutraliseFormula),
        amount(l.debitMinor), amount(l.creditMinor), l.foreign ? amount(l.foreign.amountMinor) : '', l.foreign?.currency ?? '',
      ];
}

/** Cells as CSV text: amounts with a decimal comma or point. */
export function* textRows(cells: Iterable<Cell[]>, o: { decimalComma: boolean }): Generator<string[]> {
  for (const r of cells) yield r.map((c) => (typeof c === 'string' ? c : o.decimalComma ? decimalComma(c.minor, c.digits) : decimalComma(c.minor, c.digits).replace(',', '.')));
}

/** The entries' lines as CSV rows. */
export function accountingRows(entries: readonly LedgerEntry[], s: LedgerSettings, o: Pick<CsvOptions, 'decimalComma' | 'digits'>): Generator<string[]> {
  return textRows(accountingCells(entries, s, o.digits), o);
}
