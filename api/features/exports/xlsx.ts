// Excel files of the exports, written by exceljs's streaming WorkbookWriter: rows are committed as
// they come (memory stays flat whatever the row count); amounts are numbers with a two-decimal
// format (Excel shows them in the reader's locale), text cells neutralised against formulas.
import ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';
import { neutraliseFormula, type Cell } from './ledger.ts';

export type XlsxCell = Cell | number;

/** The workbook's bytes: one sheet, a bold header row, then the rows. */
export async function xlsxBuffer(sheet: string, header: readonly string[], rows: Iterable<readonly XlsxCell[]>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((ok, ko) => (out.on('end', ok), out.on('error', ko)));
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet(sheet);
  const head = ws.addRow(header.map(neutraliseFormula));
  head.font = { bold: true };
  head.commit();
  for (const r of rows) {
    const row = ws.addRow(r.map((c) => (typeof c === 'string' ? neutraliseFormula(c) : typeof c === 'number' ? c : c.minor / 10 ** c.digits)));
    r.forEach((c, i) => {
      if (typeof c === 'object') row.getCell(i + 1).numFmt = c.digits ? `0.${'0'.repeat(c.digits)}` : '0';
    });
    row.commit();
  }
  ws.commit();
  await wb.commit();
  await done;
  return Buffer.concat(chunks);
}
