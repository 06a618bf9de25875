// The ECB's euro foreign exchange reference rates, as published in CSV: the daily file
// (eurofxref.csv: "Date, USD, JPY, …" then "21 November 2026, 1.0545, 162.33, …") or the
// history (eurofxref-hist.csv: ISO dates, "N/A" where a currency had no rate).
import { parse } from 'csv-parse/sync';
import { divideDecimals } from '../../lib/money.ts';

export interface EcbDay {
  date: string;
  /** Units of each currency for 1 EUR. */
  rates: Map<string, string>;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function isoDate(s: string): string | undefined {
  if (/^\d{4}-\d\d-\d\d$/.test(s)) return s;
  const m = /^(\d{1,2}) ([A-Za-z]+) (\d{4})$/.exec(s);
  const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) : -1;
  return m && month >= 0 ? `${m[3]}-${String(month + 1).padStart(2, '0')}-${m[1]!.padStart(2, '0')}` : undefined;
}

export class EcbFormatError extends Error {}

export function parseEcbCsv(text: string): EcbDay[] {
  let rows: string[][];
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), { trim: true, skip_empty_lines: true, relax_column_count: true });
  } catch (e) {
    throw new EcbFormatError(`not valid CSV: ${(e as Error).message}`);
  }
  const header = rows[0];
  if (!header || header[0]?.toLowerCase() !== 'date') throw new EcbFormatError('the first column must be "Date" (the ECB reference-rate file)');
  const currencies = header.slice(1).map((c) => c.toUpperCase());
  const days: EcbDay[] = [];
  rows.slice(1).forEach((r, i) => {
    const date = isoDate(r[0] ?? '');
    if (!date) throw new EcbFormatError(`row ${i + 2}: "${r[0]}" is not a date`);
    const rates = new Map<string, string>();
    currencies.forEach((cur, j) => {
      const v = (r[j + 1] ?? '').trim();
      if (!cur || !v || v === 'N/A') return;
      if (!/^[A-Z]{3}$/.test(cur) || !/^\d+(\.\d+)?$/.test(v) || !/[1-9]/.test(v)) throw new EcbFormatError(`row ${i + 2}, ${cur}: "${v}" is not a rate`);
      rates.set(cur, v);
    });
    days.push({ date, rates });
  });
  if (days.length === 0) throw new EcbFormatError('the file has no rates');
  return days;
}

/**
 * The day's rates for a Client whose currency is `base`: units of each currency for one unit of
 * `base`. EUR-based Clients take the file as it is; others get cross rates through the euro.
 */
export function ratesFor(day: EcbDay, base: string): Map<string, string> {
  const out = new Map<string, string>();
  if (base === 'EUR') {
    for (const [c, r] of day.rates) out.set(c, r);
    return out;
  }
  const basePerEur = day.rates.get(base);
  if (!basePerEur) return out;
  out.set('EUR', divideDecimals('1', basePerEur));
  for (const [c, r] of day.rates) if (c !== base) out.set(c, divideDecimals(r, basePerEur));
  return out;
}
