// CSV cells that a spreadsheet would run as a formula are neutralised (R-SEC-5, OWASP advice).
export function neutralizeCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = v instanceof Date ? v.toISOString() : String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}
