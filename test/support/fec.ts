// A validator of the Fichier des Écritures Comptables (LPF art. A47 A-1; BOI-CF-IOR-60-40-20), as
// an auditor's tool would check it: every rule of the layout, each problem named with its line.
export const FEC_COLUMNS = ['JournalCode', 'JournalLib', 'EcritureNum', 'EcritureDate', 'CompteNum', 'CompteLib', 'CompAuxNum', 'CompAuxLib', 'PieceRef', 'PieceDate', 'EcritureLib', 'Debit', 'Credit', 'EcritureLet', 'DateLet', 'ValidDate', 'Montantdevise', 'Idevise'];
const AMOUNT = /^-?\d+(,\d{1,2})?$/;
const validDate = (s: string) => {
  if (!/^\d{8}$/.test(s)) return false;
  const d = new Date(Date.UTC(Number(s.slice(0, 4)), Number(s.slice(4, 6)) - 1, Number(s.slice(6, 8))));
  return d.getUTCFullYear() === Number(s.slice(0, 4)) && d.getUTCMonth() === Number(s.slice(4, 6)) - 1 && d.getUTCDate() === Number(s.slice(6, 8));
};
const cents = (s: string) => {
  const [i, f = ''] = s.split(',');
  return Number(i) * 100 + Math.sign(Number(i) || 1) * Number(f.padEnd(2, '0'));
};

export function validateFec(fileName: string, text: string): string[] {
  const problems: string[] = [];
  if (!/^\d{9}FEC\d{8}\.txt$/.test(fileName)) problems.push(`file name ${fileName}: not <SIREN>FEC<YYYYMMDD>.txt`);
  else if (!validDate(fileName.slice(12, 20))) problems.push(`file name ${fileName}: the closing date is not a date`);
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  const header = lines[0] ?? '';
  const sep = header.includes('\t') ? '\t' : header.includes('|') ? '|' : null;
  if (!sep) return [...problems, 'line 1: the separator must be a tab or a pipe'];
  if (header.includes(sep === '\t' ? '|' : '\t')) problems.push('line 1: two separators used');
  if (header.split(sep).join(',') !== FEC_COLUMNS.join(',')) problems.push(`line 1: the columns must be exactly ${FEC_COLUMNS.join(', ')}, in this order`);
  const byEntry = new Map<string, { debit: number; credit: number; date: string; journal: string }>();
  let fileDebit = 0;
  let fileCredit = 0;
  const numbers: number[] = [];
  lines.slice(1).forEach((line, i) => {
    const n = i + 2;
    const f = line.split(sep);
    if (f.length !== 18) return void problems.push(`line ${n}: ${f.length} fields, not 18`);
    const v = Object.fromEntries(FEC_COLUMNS.map((c, k) => [c, f[k]!])) as Record<string, string>;
    for (const c of ['JournalCode', 'JournalLib', 'EcritureNum', 'EcritureDate', 'CompteNum', 'CompteLib', 'PieceRef', 'PieceDate', 'EcritureLib', 'Debit', 'Credit', 'ValidDate'])
      if (!v[c]!.trim()) problems.push(`line ${n}: ${c} is empty`);
    for (const c of ['EcritureDate', 'PieceDate', 'ValidDate']) if (v[c] && !validDate(v[c]!)) problems.push(`line ${n}: ${c} "${v[c]}" is not YYYYMMDD`);
    if (v.DateLet && !validDate(v.DateLet)) problems.push(`line ${n}: DateLet is not YYYYMMDD`);
    if (v.EcritureLet && !v.DateLet) problems.push(`line ${n}: EcritureLet without DateLet`);
    if (!/^[1-8]\d*[0-9A-Z]*$/.test(v.CompteNum!)) problems.push(`line ${n}: CompteNum "${v.CompteNum}" is not an account of the plan comptable (classes 1–8)`);
    if (!!v.CompAuxNum !== !!v.CompAuxLib) problems.push(`line ${n}: CompAuxNum and CompAuxLib go together`);
    for (const c of ['Debit', 'Credit']) if (v[c] && !AMOUNT.test(v[c]!)) problems.push(`line ${n}: ${c} "${v[c]}" is not an amount with a decimal comma`);
    if (v.Montantdevise && !AMOUNT.test(v.Montantdevise)) problems.push(`line ${n}: Montantdevise is not an amount with a decimal comma`);
    if (!!v.Montantdevise !== !!v.Idevise) problems.push(`line ${n}: Montantdevise and Idevise go together`);
    if (v.Idevise && !/^[A-Z]{3}$/.test(v.Idevise)) problems.push(`line ${n}: Idevise is not an ISO 4217 code`);
    const debit = cents(v.Debit!);
    const credit = cents(v.Credit!);
    if (debit < 0 || credit < 0) problems.push(`line ${n}: negative amount`);
    if (debit !== 0 && credit !== 0) problems.push(`line ${n}: both a debit and a credit`);
    if (debit === 0 && credit === 0) problems.push(`line ${n}: neither a debit nor a credit`);
    if (!/^\d+$/.test(v.EcritureNum!)) problems.push(`line ${n}: EcritureNum is not a number`);
    const key = v.EcritureNum!;
    const e = byEntry.get(key);
    if (!e) {
      byEntry.set(key, { debit, credit, date: v.EcritureDate!, journal: v.JournalCode! });
      numbers.push(Number(key));
    } else {
      e.debit += debit;
      e.credit += credit;
      if (e.date !== v.EcritureDate) problems.push(`line ${n}: entry ${key} has two dates`);
      if (e.journal !== v.JournalCode) problems.push(`line ${n}: entry ${key} is in two journals`);
    }
    if (v.ValidDate! < v.EcritureDate!) problems.push(`line ${n}: validated before its date`);
    fileDebit += debit;
    fileCredit += credit;
  });
  for (const [k, e] of byEntry) if (e.debit !== e.credit) problems.push(`entry ${k}: debits ${e.debit} ≠ credits ${e.credit} (cents)`);
  numbers.forEach((x, i) => i > 0 && x !== numbers[i - 1]! + 1 && problems.push(`entry numbers jump from ${numbers[i - 1]} to ${x}`));
  if (fileDebit !== fileCredit) problems.push(`file: debits ${fileDebit} ≠ credits ${fileCredit} (cents)`);
  return problems;
}
