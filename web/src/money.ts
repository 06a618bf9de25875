// Money in the browser: what the user types (a comma or a dot) becomes integer minor units for the
// currency's number of digits — never a float on the wire — and minor units are shown with Intl.
// Kilometres (one decimal) and VAT rates (basis points) likewise. Pure functions, unit-tested.

/** Digits after the decimal point of a currency (EUR 2, JPY 0, KWD 3): the same ICU data as the API. */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** The API's bound on an amount: 1 000 000 000.00 in cents. */
export const MAX_MINOR = 100_000_000_000;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: 'empty' | 'invalid' | 'decimals' | 'tooLarge' };

/**
 * A decimal typed by a person, as an integer scaled by 10^digits: "12,34" and "12.34" → 1234 for 2
 * digits. Spaces (also non-breaking ones, the French thousands separator) are ignored; with both a
 * comma and a dot, the last one is the decimal separator and the other groups thousands
 * ("1.234,56", "1,234.56"). More decimals than `digits` is an error, never a silent rounding.
 */
export function parseScaled(input: string, digits: number, max = Number.MAX_SAFE_INTEGER): Parsed<number> {
  let s = input.replace(/[\s\u00a0\u202f']/g, '');
  if (!s) return { ok: false, reason: 'empty' };
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  if (lastComma >= 0 && lastDot >= 0) {
    const [dec, group] = lastComma > lastDot ? [',', '.'] : ['.', ','];
    const head = s.slice(0, s.lastIndexOf(dec));
    // The grouping separator only between groups of three digits.
    if (!new RegExp(`^\\d{1,3}(\\${group}\\d{3})*$`).test(head)) return { ok: false, reason: 'invalid' };
    s = head.split(group).join('') + '.' + s.slice(s.lastIndexOf(dec) + 1);
  } else {
    s = s.replace(',', '.');
  }
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (!m[1] && !m[2])) return { ok: false, reason: 'invalid' };
  const int = m[1] || '0';
  const frac = m[2] ?? '';
  if (frac.length > digits) {
    // Trailing zeros beyond the digits are harmless ("12,340" in EUR).
    if (/[1-9]/.test(frac.slice(digits))) return { ok: false, reason: 'decimals' };
  }
  const digitsStr = (int + frac.slice(0, digits).padEnd(digits, '0')).replace(/^0+(?=\d)/, '');
  if (digitsStr.length > 16) return { ok: false, reason: 'tooLarge' };
  const value = Number(digitsStr);
  if (!Number.isSafeInteger(value) || value > max) return { ok: false, reason: 'tooLarge' };
  return { ok: true, value };
}

/** An amount typed in `currency` as minor units: "12,34" EUR → 1234; "1500" JPY → 1500. */
export function parseAmount(input: string, currency: string): Parsed<number> {
  return parseScaled(input, minorDigits(currency), MAX_MINOR);
}

/** Minor units as the user would type them back, in the locale's decimal separator: 1234 EUR → "12,34". */
export function minorToInput(minor: number, currency: string, locale: 'fr' | 'en' = 'fr'): string {
  const d = minorDigits(currency);
  const neg = minor < 0;
  const s = String(Math.abs(Math.trunc(minor))).padStart(d + 1, '0');
  const out = d ? `${s.slice(0, -d)}${locale === 'fr' ? ',' : '.'}${s.slice(-d)}` : s;
  return neg ? `-${out}` : out;
}

/** Minor units formatted for display with Intl in the currency: 1234 EUR → "12,34 €" (fr). */
export function formatMinor(minor: number, currency: string, locale: 'fr' | 'en' = 'fr'): string {
  const d = minorDigits(currency);
  const tag = locale === 'fr' ? 'fr-FR' : 'en-GB';
  try {
    return new Intl.NumberFormat(tag, { style: 'currency', currency, minimumFractionDigits: d, maximumFractionDigits: d }).format(minor / 10 ** d);
  } catch {
    return `${minorToInput(minor, currency, locale)} ${currency}`;
  }
}

/** n / d rounded half away from zero, on integers (n ≥ 0, d > 0). */
function divRound(n: bigint, d: bigint): bigint {
  return (2n * n + d) / (2n * d);
}

/** VAT on a base at a rate in basis points (2000 = 20 %), rounded half away from zero — as the API. */
export function vatOf(baseMinor: number, rateBp: number): number {
  if (baseMinor <= 0 || rateBp <= 0) return 0;
  return Number(divRound(BigInt(baseMinor) * BigInt(rateBp), 10_000n));
}

/** A VAT rate typed in percent as basis points: "5,5" → 550, "20" → 2000; at most two decimals, ≤ 100 %. */
export function parseRateBp(input: string): Parsed<number> {
  return parseScaled(input, 2, 10_000);
}

/** Basis points as the percentage the user would type: 550 → "5,5", 2000 → "20", 855 → "8,55". */
export function bpToInput(bp: number, locale: 'fr' | 'en' = 'fr'): string {
  const int = Math.trunc(bp / 100);
  const frac = String(bp % 100).padStart(2, '0').replace(/0+$/, '');
  return frac ? `${int}${locale === 'fr' ? ',' : '.'}${frac}` : String(int);
}

/** Basis points as a percentage for display: 550 → "5,5 %" (fr), "5.5%" (en). */
export function formatRateBp(bp: number, locale: 'fr' | 'en' = 'fr'): string {
  return new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { style: 'percent', maximumFractionDigits: 2 }).format(bp / 10_000);
}

/** A distance typed in km with at most one decimal, as the number the API takes: "12,5" → 12.5. */
export function parseKm(input: string): Parsed<number> {
  const r = parseScaled(input, 1, 1_000_000);
  if (!r.ok) return r;
  if (r.value === 0) return { ok: false, reason: 'invalid' };
  // Tenths over ten: always the shortest decimal writing (125 → 12.5), as the API checks it.
  return { ok: true, value: r.value / 10 };
}

/** An exchange rate string from the API ("1.0545") in the locale's writing. */
export function formatRate(rate: string, locale: 'fr' | 'en' = 'fr'): string {
  return locale === 'fr' ? rate.replace('.', ',') : rate;
}

/** Bytes for people: "820 o", "1,4 Mo" (fr) / "820 B", "1.4 MB" (en). */
export function formatBytes(n: number, locale: 'fr' | 'en' = 'fr'): string {
  const units = locale === 'fr' ? ['o', 'ko', 'Mo', 'Go'] : ['B', 'kB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const num = new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: i === 0 ? 0 : 1 }).format(v);
  return `${num}\u00a0${units[i]}`;
}
