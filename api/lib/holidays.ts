// French public holidays (jours fériés, metropolitan France; Code du travail L3133-1): the fixed
// dates and the three that follow Easter. Alsace-Moselle's two extra days are not counted.
const pad = (n: number) => String(n).padStart(2, '0');
const iso = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;

/** Easter Sunday of a Gregorian year (the anonymous algorithm, Meeus/Jones/Butcher). */
export function easterSunday(y: number): string {
  const a = y % 19, b = Math.floor(y / 100), c = y % 100, d = Math.floor(b / 4), e = b % 4;
  const f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3), h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  return iso(y, month, ((h + l - 7 * m + 114) % 31) + 1);
}

function plusDays(isoDate: string, n: number): string {
  const t = new Date(`${isoDate}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
}

const cache = new Map<number, Map<string, string>>();
/** date → name, for one year. */
export function frenchHolidays(y: number): Map<string, string> {
  let m = cache.get(y);
  if (m) return m;
  const easter = easterSunday(y);
  m = new Map([
    [iso(y, 1, 1), "Jour de l'an"], [plusDays(easter, 1), 'Lundi de Pâques'], [iso(y, 5, 1), 'Fête du Travail'],
    [iso(y, 5, 8), 'Victoire 1945'], [plusDays(easter, 39), 'Ascension'], [plusDays(easter, 50), 'Lundi de Pentecôte'],
    [iso(y, 7, 14), 'Fête nationale'], [iso(y, 8, 15), 'Assomption'], [iso(y, 11, 1), 'Toussaint'],
    [iso(y, 11, 11), 'Armistice 1918'], [iso(y, 12, 25), 'Noël'],
  ]);
  cache.set(y, m);
  return m;
}

export const holidayOn = (isoDate: string): string | undefined => frenchHolidays(Number(isoDate.slice(0, 4))).get(isoDate);
export const isWeekend = (isoDate: string): boolean => [0, 6].includes(new Date(`${isoDate}T00:00:00Z`).getUTCDay());
