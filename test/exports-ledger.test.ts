// Accounting entries (R-ACC-2) and their files, from the pure module: balanced entries with
// explicit rounding, company-card and foreign-currency cases, the FEC checked by a validator of
// every rule of the layout (and the validator's own positive controls), the CSV read back, and
// formula injection neutralised.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvText } from '../api/features/exports/csv.ts';
import { accountingRows, CSV_HEADER, DEFAULT_LEDGER_SETTINGS, fecFileName, fecText, ledgerEntries, neutraliseFormula, type LedgerExpense } from '../api/features/exports/ledger.ts';
import { validateFec } from './support/fec.ts';

const S = DEFAULT_LEDGER_SETTINGS;
const employee = { id: 'u1', name: 'Camille Martin', auxAccount: null };
const restaurant = { recoverableBp: 10_000, expenseAccount: '625700', vatAccount: '445660' };
function expense(over: Partial<LedgerExpense>): LedgerExpense {
  return {
    id: 'e1', date: '2026-03-10', merchant: 'Brasserie des Ternes', categoryName: 'Restaurant', totalMinor: 6130, clientCurrency: 'EUR', paid: { amountMinor: 6130, currency: 'EUR' },
    vatMinor: 557, reimbursable: true, employee, rule: restaurant, depositIds: [], ...over,
  };
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('accounting entries', () => {
  it('a reimbursable expense: expense account net, recoverable VAT, employee credited; balanced', () => {
    const [e] = ledgerEntries([expense({})], S, 41);
    expect(e).toMatchObject({ number: 41, pieceRef: 'e1', label: 'Brasserie des Ternes 2026-03-10' });
    expect(e!.lines).toEqual([
      expect.objectContaining({ account: '625700', debitMinor: 5573, creditMinor: 0 }),
      expect.objectContaining({ account: '445660', debitMinor: 557, creditMinor: 0 }),
      expect.objectContaining({ account: '421', debitMinor: 0, creditMinor: 6130 }),
    ]);
  });

  it('rounding is explicit: a partly recoverable VAT is rounded half away from zero, the expense line takes the rest', () => {
    // 333 × 50 % = 166.5 → 167 recoverable; 1000 − 167 = 833 in the expense account
    const [e] = ledgerEntries([expense({ totalMinor: 1000, vatMinor: 333, rule: { ...restaurant, recoverableBp: 5000 } })], S);
    expect(e!.lines.map((l) => [l.account, l.debitMinor, l.creditMinor])).toEqual([['625700', 833, 0], ['445660', 167, 0], ['421', 0, 1000]]);
  });

  it('company card: credited to the clearing account; no VAT rule: no recovery, the default account; an auxiliary account names the employee', () => {
    const [card, none, aux] = ledgerEntries([
      expense({ reimbursable: false }),
      expense({ id: 'e2', rule: null }),
      expense({ id: 'e3', employee: { ...employee, auxAccount: '421MARTIN' } }),
    ], S);
    expect(card!.lines.at(-1)).toMatchObject({ account: '467', creditMinor: 6130 });
    expect(none!.lines).toEqual([expect.objectContaining({ account: '6256', debitMinor: 6130 }), expect.objectContaining({ account: '421', creditMinor: 6130 })]);
    expect(aux!.lines.at(-1)).toMatchObject({ account: '421', auxAccount: '421MARTIN', auxLabel: 'Camille Martin' });
  });

  it('paid in another currency: VAT not recoverable, the amount paid carried as Montantdevise/Idevise', () => {
    const [e] = ledgerEntries([expense({ totalMinor: 10_744, paid: { amountMinor: 10_230, currency: 'CHF' }, vatMinor: 766 })], S);
    expect(e!.lines).toEqual([
      expect.objectContaining({ account: '625700', debitMinor: 10_744, foreign: { amountMinor: 10_230, currency: 'CHF' } }),
      expect.objectContaining({ account: '421', creditMinor: 10_744, foreign: { amountMinor: 10_230, currency: 'CHF' } }),
    ]);
  });

  it('every entry balances to the cent over many odd amounts and rates', () => {
    const xs = Array.from({ length: 500 }, (_, i) => expense({ id: `x${i}`, totalMinor: 1 + ((i * 7919) % 100_000), vatMinor: (i * 31) % 5000, rule: { ...restaurant, recoverableBp: [0, 2500, 5000, 8000, 10_000][i % 5]! } }));
    for (const e of ledgerEntries(xs, S)) expect(sum(e.lines.map((l) => l.debitMinor))).toBe(sum(e.lines.map((l) => l.creditMinor)));
  });
});

describe('FEC', () => {
  const entries = ledgerEntries([expense({}), expense({ id: 'e2', reimbursable: false, merchant: 'Total | Station\tA7' }), expense({ id: 'e3', totalMinor: 10_744, paid: { amountMinor: 10_230, currency: 'CHF' }, depositIds: ['d1'] })], S);

  it('passes every rule of the layout, with a tab or a pipe', () => {
    for (const separator of ['\t', '|'] as const) {
      const text = fecText(entries, S, { separator, validatedOn: '2026-04-01' });
      expect(validateFec(fecFileName('732829320', '2026-03-31'), text)).toEqual([]);
      // the separator never appears inside a field (it was in the merchant's name)
      for (const line of text.trim().split('\r\n')) expect(line.split(separator)).toHaveLength(18);
    }
    const text = fecText(entries, S, { separator: '|', validatedOn: '2026-04-01' });
    const lines = text.trim().split('\r\n');
    expect(lines[1]).toBe('NDF|Notes de frais|1|20260310|625700|Restaurant|||e1|20260310|Brasserie des Ternes 2026-03-10|55,73|0,00|||20260401||');
    expect(lines.at(-1)).toBe('NDF|Notes de frais|3|20260310|421|Personnel - rémunérations dues|||e3 d1|20260310|Brasserie des Ternes 2026-03-10|0,00|107,44|||20260401|102,30|CHF');
    expect(fecFileName('732829320', '2026-03-31')).toBe('732829320FEC20260331.txt');
  });

  it('the validator catches each broken rule (positive controls)', () => {
    const good = fecText(entries, S, { separator: '|', validatedOn: '2026-04-01' });
    const name = '732829320FEC20260331.txt';
    const swap = (from: string | RegExp, to: string) => good.replace(from, to);
    const cases: [string, string, RegExp][] = [
      ['bad name', good, /not <SIREN>FEC/],
      ['columns', swap('EcritureLib', 'Libelle'), /columns must be exactly/],
      ['unbalanced', swap('|55,73|0,00|', '|55,74|0,00|'), /entry 1: debits 6131 ≠ credits 6130/],
      ['dot decimal', swap('|55,73|', '|55.73|'), /not an amount with a decimal comma/],
      ['date', swap('|20260310|625700', '|2026-03-10|625700'), /EcritureDate "2026-03-10" is not YYYYMMDD/],
      ['gap', good.replaceAll('|Notes de frais|3|', '|Notes de frais|4|'), /entry numbers jump from 2 to 4/],
      ['field count', swap('|Restaurant|', '|Restaurant||'), /19 fields, not 18/],
      ['devise alone', swap('|102,30|CHF', '|102,30|'), /Montantdevise and Idevise go together/],
      ['account', swap('|625700|', '|ABC|'), /CompteNum "ABC"/],
      ['two separators', good.replace('JournalCode|JournalLib', 'JournalCode\tJournalLib'), /two separators|18 fields|columns/],
    ];
    for (const [label, text, expected] of cases) expect(validateFec(label === 'bad name' ? 'FEC.txt' : name, text).join('\n'), label).toMatch(expected);
  });
});

describe('CSV', () => {
  it('delimiter, decimal comma and BOM as chosen; read back it gives the same lines; formulas neutralised in text cells only', () => {
    const evil = ['=HYPERLINK("http://x.test","clic")', '+33 CALL', '-2+3', '@SUM(A1)', '\tTAB', '\rCR'];
    const entries = ledgerEntries(evil.map((merchant, i) => expense({ id: `e${i}`, merchant })), S);
    const text = csvText(CSV_HEADER, accountingRows(entries, S, { decimalComma: true }), { delimiter: ';', bom: true });
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const rows = parse(text.slice(1), { delimiter: ';', relax_column_count: false }) as string[][];
    expect(rows[0]).toEqual(CSV_HEADER);
    expect(rows).toHaveLength(1 + entries.length * 3);
    const labels = rows.slice(1).map((r) => r[7]!);
    for (const l of labels) expect(l).toMatch(/^[^=+\-@\t\r]/);
    expect(labels[0]).toBe(`'=HYPERLINK("http://x.test","clic") 2026-03-10`);
    expect(rows[1]![8]).toBe('55,73'); // an amount keeps its digits, never prefixed
    const dot = csvText(CSV_HEADER, accountingRows(entries.slice(0, 1), S, { decimalComma: false }), { delimiter: ',', bom: false });
    expect(dot.charCodeAt(0)).not.toBe(0xfeff);
    expect((parse(dot) as string[][])[1]![8]).toBe('55.73');
    expect(neutraliseFormula('Brasserie')).toBe('Brasserie');
  });
});
