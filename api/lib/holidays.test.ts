import { describe, expect, it } from 'vitest';
import { easterSunday, frenchHolidays, holidayOn, isWeekend } from './holidays.ts';

describe('French public holidays', () => {
  it('2026, pinned from the official calendar (not derived from the code)', () => {
    expect(easterSunday(2026)).toBe('2026-04-05');
    expect(holidayOn('2026-04-06')).toBe('Lundi de Pâques');
    expect(holidayOn('2026-05-14')).toBe('Ascension');
    expect(holidayOn('2026-05-25')).toBe('Lundi de Pentecôte');
    expect(holidayOn('2026-07-14')).toBe('Fête nationale');
    expect(holidayOn('2026-04-07')).toBeUndefined();
    expect(frenchHolidays(2026).size).toBe(11);
  });
  it('other years: Easter 2025-04-20, 2027-03-28, 2024-03-31', () => {
    expect(easterSunday(2025)).toBe('2025-04-20');
    expect(easterSunday(2027)).toBe('2027-03-28');
    expect(easterSunday(2024)).toBe('2024-03-31');
    expect(holidayOn('2027-05-06')).toBe('Ascension');
  });
  it('weekends', () => {
    expect(isWeekend('2026-11-21')).toBe(true); // Saturday
    expect(isWeekend('2026-11-22')).toBe(true);
    expect(isWeekend('2026-11-23')).toBe(false);
  });
});
