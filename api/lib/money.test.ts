import { describe, expect, it } from 'vitest';
import { convertMinor, divideDecimals, isCurrency, minorDigits, parseDecimal, vatOf } from './money.ts';

describe('money', () => {
  it('knows each currency\'s minor unit', () => {
    expect(minorDigits('EUR')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('KWD')).toBe(3);
    expect(isCurrency('USD')).toBe(true);
    expect(isCurrency('XXY')).toBe(false);
    expect(isCurrency('usd')).toBe(false);
  });

  it('converts with the ECB convention, exactly, rounding half away from zero', () => {
    // 100.00 USD at 1 EUR = 1.0545 USD → 94.831673… EUR → 94.83
    expect(convertMinor(10_000, 'USD', 'EUR', '1.0545')).toBe(9483);
    // 1 000 JPY at 1 EUR = 162.33 JPY → 6.1603… EUR
    expect(convertMinor(1000, 'JPY', 'EUR', '162.33')).toBe(616);
    // into a 3-digit currency: 10.00 EUR at 1 KWD = 3 EUR → 3.333 KWD
    expect(convertMinor(1000, 'EUR', 'KWD', '3.0')).toBe(3333);
    // exactly half rounds away from zero: 0.05 / 2 = 0.025 → 0.03
    expect(convertMinor(5, 'USD', 'EUR', '2')).toBe(3);
    expect(convertMinor(12_345, 'EUR', 'EUR', '1')).toBe(12_345);
    // no float drift on large amounts: 9 999 999.99 USD at 1.1
    expect(convertMinor(999_999_999, 'USD', 'EUR', '1.1')).toBe(909_090_908);
  });

  it('computes cross rates and VAT exactly', () => {
    expect(divideDecimals('1.0545', '0.8712')).toBe('1.210399449'); // 1.21039944903… to 10 places, trailing zero dropped
    expect(divideDecimals('1', '4')).toBe('0.25');
    expect(vatOf(1000, 2000)).toBe(200);
    expect(vatOf(1005, 550)).toBe(55); // 55.275 → 55
    expect(vatOf(1010, 550)).toBe(56); // 55.55 → 56
    expect(() => parseDecimal('1e5')).toThrow();
    expect(() => parseDecimal('-1')).toThrow();
  });
});
