// What people type becomes integer minor units, exactly, or a reason it cannot.
import { describe, expect, it } from 'vitest';
import { bpToInput, formatBytes, formatMinor, formatRateBp, minorDigits, minorToInput, parseAmount, parseKm, parseRateBp, parseScaled, vatOf } from './money.ts';

const nbsp = /[\u00a0\u202f]/g;

describe('parseAmount', () => {
  it('reads a comma or a dot as the decimal separator, into integer cents', () => {
    expect(parseAmount('12,34', 'EUR')).toEqual({ ok: true, value: 1234 });
    expect(parseAmount('12.34', 'EUR')).toEqual({ ok: true, value: 1234 });
    expect(parseAmount('12,3', 'EUR')).toEqual({ ok: true, value: 1230 });
    expect(parseAmount('12', 'EUR')).toEqual({ ok: true, value: 1200 });
    expect(parseAmount(',5', 'EUR')).toEqual({ ok: true, value: 50 });
    expect(parseAmount('12,', 'EUR')).toEqual({ ok: true, value: 1200 });
    expect(parseAmount('0,00', 'EUR')).toEqual({ ok: true, value: 0 });
  });

  it('never goes through a float: amounts that are inexact in binary stay exact', () => {
    expect(parseAmount('0,29', 'EUR')).toEqual({ ok: true, value: 29 }); // 0.29 * 100 = 28.999999999999996
    expect(parseAmount('1,005', 'KWD')).toEqual({ ok: true, value: 1005 });
    expect(parseAmount('4,35', 'EUR')).toEqual({ ok: true, value: 435 }); // 4.35 * 100 = 434.99999999999994
    expect(parseAmount('999999999,99', 'EUR')).toEqual({ ok: true, value: 99_999_999_999 });
  });

  it('follows the digits of the currency', () => {
    expect(minorDigits('EUR')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('KWD')).toBe(3);
    expect(parseAmount('1500', 'JPY')).toEqual({ ok: true, value: 1500 });
    expect(parseAmount('1500,5', 'JPY')).toEqual({ ok: false, reason: 'decimals' });
    expect(parseAmount('2,125', 'KWD')).toEqual({ ok: true, value: 2125 });
    expect(parseAmount('12,345', 'EUR')).toEqual({ ok: false, reason: 'decimals' });
    expect(parseAmount('12,340', 'EUR')).toEqual({ ok: true, value: 1234 });
  });

  it('ignores spaces and grouping separators written the French or the English way', () => {
    expect(parseAmount('1 234,56', 'EUR')).toEqual({ ok: true, value: 123456 });
    expect(parseAmount('1\u202f234,56', 'EUR')).toEqual({ ok: true, value: 123456 });
    expect(parseAmount('1\u00a0234', 'EUR')).toEqual({ ok: true, value: 123400 });
    expect(parseAmount('1.234,56', 'EUR')).toEqual({ ok: true, value: 123456 });
    expect(parseAmount('1,234.56', 'EUR')).toEqual({ ok: true, value: 123456 });
    expect(parseAmount(' 12,34 ', 'EUR')).toEqual({ ok: true, value: 1234 });
  });

  it('refuses what is not an amount', () => {
    for (const bad of ['abc', '12,34,56', '1.2.3', '-5', '12e3', '€12', '1,23.4,5', '.', ','])
      expect(parseAmount(bad, 'EUR').ok, bad).toBe(false);
    expect(parseAmount('', 'EUR')).toEqual({ ok: false, reason: 'empty' });
    expect(parseAmount('   ', 'EUR')).toEqual({ ok: false, reason: 'empty' });
    expect(parseAmount('1000000000,01', 'EUR')).toEqual({ ok: false, reason: 'tooLarge' });
    expect(parseAmount('99999999999999999999', 'EUR')).toEqual({ ok: false, reason: 'tooLarge' });
  });
});

describe('display', () => {
  it('formats minor units with Intl in the currency', () => {
    expect(formatMinor(1234, 'EUR', 'fr').replace(nbsp, ' ')).toBe('12,34 €');
    expect(formatMinor(1234, 'EUR', 'en')).toBe('€12.34');
    expect(formatMinor(1500, 'JPY', 'fr').replace(nbsp, ' ')).toBe('1 500 JPY');
    expect(formatMinor(123456789, 'USD', 'fr').replace(nbsp, ' ')).toBe('1 234 567,89 $US');
  });

  it('writes minor units back as the user types them', () => {
    expect(minorToInput(1234, 'EUR', 'fr')).toBe('12,34');
    expect(minorToInput(5, 'EUR', 'en')).toBe('0.05');
    expect(minorToInput(1500, 'JPY')).toBe('1500');
    for (const n of [0, 1, 29, 435, 99_999_999_999]) expect(parseAmount(minorToInput(n, 'EUR'), 'EUR')).toEqual({ ok: true, value: n });
  });

  it('formats sizes and rates', () => {
    expect(formatBytes(820, 'fr')).toBe('820\u00a0o');
    expect(formatBytes(1_468_006, 'fr')).toBe('1,4\u00a0Mo');
    expect(formatBytes(2048, 'en')).toBe('2\u00a0kB');
    expect(formatRateBp(550, 'fr').replace(nbsp, ' ')).toBe('5,5 %');
    expect(formatRateBp(2000, 'en')).toBe('20%');
  });
});

describe('VAT', () => {
  it('computes the VAT from the base, rounded half away from zero like the API', () => {
    expect(vatOf(1000, 2000)).toBe(200);
    expect(vatOf(1234, 550)).toBe(68); // 67.87
    expect(vatOf(1010, 550)).toBe(56); // 55.55 → 56
    expect(vatOf(1234, 210)).toBe(26); // 25.914
    expect(vatOf(0, 2000)).toBe(0);
    expect(vatOf(99_999_999_999, 10_000)).toBe(99_999_999_999);
  });

  it('reads rates in percent as basis points', () => {
    expect(parseRateBp('20')).toEqual({ ok: true, value: 2000 });
    expect(parseRateBp('5,5')).toEqual({ ok: true, value: 550 });
    expect(parseRateBp('2.1')).toEqual({ ok: true, value: 210 });
    expect(parseRateBp('8,55')).toEqual({ ok: true, value: 855 });
    expect(parseRateBp('8,555').ok).toBe(false);
    for (const bp of [2000, 1000, 550, 210, 855, 1, 10_000]) expect(parseRateBp(bpToInput(bp, 'fr'))).toEqual({ ok: true, value: bp });
    expect(bpToInput(550, 'en')).toBe('5.5');
    expect(parseRateBp('101').ok).toBe(false);
  });
});

describe('parseKm', () => {
  it('takes at most one decimal, as a number whose writing the API accepts', () => {
    expect(parseKm('12,5')).toEqual({ ok: true, value: 12.5 });
    expect(parseKm('21.3')).toEqual({ ok: true, value: 21.3 });
    expect(parseKm('40')).toEqual({ ok: true, value: 40 });
    expect(parseKm('0,3')).toEqual({ ok: true, value: 0.3 });
    for (const s of ['0,1', '0,3', '1,7', '12,9', '99999,9']) {
      const r = parseKm(s);
      expect(r.ok && /^\d+(\.\d)?$/.test(String(r.value)), s).toBe(true);
    }
    expect(parseKm('12,25')).toEqual({ ok: false, reason: 'decimals' });
    expect(parseKm('0')).toEqual({ ok: false, reason: 'invalid' });
    expect(parseKm('')).toEqual({ ok: false, reason: 'empty' });
  });

  it('parseScaled bounds the value', () => {
    expect(parseScaled('10', 0, 9)).toEqual({ ok: false, reason: 'tooLarge' });
  });
});
