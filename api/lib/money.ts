// Money is integer minor units + ISO 4217 code; rates are exact decimal strings. Arithmetic is
// BigInt, and every rounding is explicit: half away from zero ("arrondi commercial").

/** Digits after the decimal point of a currency (EUR 2, JPY 0, KWD 3), from the ICU data Node ships. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

export function isCurrency(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  return Intl.supportedValuesOf('currency').includes(code);
}

/** A positive decimal as an integer and a power of ten: "1.0545" → { units: 10545n, scale: 4 }. */
export function parseDecimal(s: string): { units: bigint; scale: number } {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) throw new RangeError(`not a decimal: ${s}`);
  const frac = m[2] ?? '';
  return { units: BigInt(m[1]! + frac), scale: frac.length };
}

/** n / d rounded half away from zero (n, d > 0 here). */
export function divRound(n: bigint, d: bigint): bigint {
  return (2n * n + d) / (2n * d);
}

/**
 * Converts an amount into the Client's currency with a rate expressed as units of `from` for one
 * unit of `to` (the ECB convention: 1 EUR = 1.0545 USD), rounded half away from zero.
 */
export function convertMinor(amountMinor: number, from: string, to: string, rate: string): number {
  if (from === to) return amountMinor;
  const r = parseDecimal(rate);
  if (r.units === 0n) throw new RangeError('a rate must be positive');
  const num = BigInt(amountMinor) * 10n ** BigInt(minorDigits(to) + r.scale);
  const den = r.units * 10n ** BigInt(minorDigits(from));
  return Number(divRound(num, den));
}

/** a / b as a decimal string with `digits` places (cross rates of the ECB file). */
export function divideDecimals(a: string, b: string, digits = 10): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  // (x.units / 10^x.scale) / (y.units / 10^y.scale) * 10^digits
  const q = divRound(x.units * 10n ** BigInt(y.scale + digits), y.units * 10n ** BigInt(x.scale));
  const s = q.toString().padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`.replace(/\.?0+$/, '') || '0';
}

/** VAT on a base at a rate in basis points (2000 = 20 %), rounded half away from zero. */
export function vatOf(baseMinor: number, rateBp: number): number {
  return Number(divRound(BigInt(baseMinor) * BigInt(rateBp), 10_000n));
}

/** "12,34 €" / "€12.34" for messages; the UI formats on its own side. */
export function formatMoney(amountMinor: number, currency: string, locale: 'fr' | 'en' = 'fr'): string {
  const d = minorDigits(currency);
  return new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { style: 'currency', currency, minimumFractionDigits: d }).format(amountMinor / 10 ** d);
}
