// Retention ends (R-VLT-2): an archived receipt is kept N years after the end of the fiscal year
// it belongs to (Code de commerce L123-22: 10 years for accounting documents; LPF: 6 for tax).

/** The fiscal year's last day on or after `date` (YYYY-MM-DD), for a fiscal year ending on `fyEnd` (MM-DD). */
export function fiscalYearEnd(date: string, fyEnd: string): string {
  const year = Number(date.slice(0, 4));
  const sameYear = clampDay(year, fyEnd);
  return date <= sameYear ? sameYear : clampDay(year + 1, fyEnd);
}

/** The last day of retention: the fiscal year's end, `years` later (29 February becomes the 28th). */
export function retentionUntil(date: string, fyEnd: string, years: number): string {
  const end = fiscalYearEnd(date, fyEnd);
  return clampDay(Number(end.slice(0, 4)) + years, end.slice(5));
}

/** YYYY-MM-DD for month-day in that year, the day brought down to the month's last (30 February → 28/29). */
function clampDay(year: number, md: string): string {
  const month = Number(md.slice(0, 2));
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = Math.min(Number(md.slice(3, 5)), last);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
