// Excel files of the exports, written by exceljs's streaming WorkbookWriter straight into a stream:
// rows are committed as they come and, after each page, the writer waits while the stream's reader
// is behind (memory stays flat whatever the row count); amounts are numbers with a two-decimal
// format (Excel shows them in the reader's locale), text cells neutralised against formulas.
import ExcelJS from 'exceljs';
import { PassThrough, type Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { finished } from 'node:stream/promises';
import { drained } from './csv.ts';
import { neutraliseFormula, type Cell } from './ledger.ts';

export type XlsxCell = Cell | number;

/**
 * Where exceljs's streaming writer puts a sheet's XML: the stream of its zip entry, which it fills
 * without heeding its backpressure (exceljs internals; if they change, the wait is skipped and
 * memory holds what the zip's deflate is behind by).
 */
function sheetSink(ws: unknown): Writable | undefined {
  const sink = (ws as { stream?: { pipes?: unknown[] } }).stream?.pipes?.[0] as { once?: unknown; _writableState?: unknown } | undefined;
  return typeof sink?.once === 'function' && sink._writableState ? (sink as Writable) : undefined;
}

/** Streams the workbook into `out` (one sheet, a bold header row, then each page of rows); `out` is ended. */
export async function writeXlsx(out: Writable, sheet: string, header: readonly string[], pages: AsyncIterable<Iterable<readonly XlsxCell[]>> | Iterable<Iterable<readonly XlsxCell[]>>): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet(sheet);
  const head = ws.addRow(header.map(neutraliseFormula));
  head.font = { bold: true };
  head.commit();
  for await (const rows of pages) {
    for (const r of rows) {
      const row = ws.addRow(r.map((c) => (typeof c === 'string' ? neutraliseFormula(c) : typeof c === 'number' ? c : c.minor / 10 ** c.digits)));
      r.forEach((c, i) => {
        if (typeof c === 'object') row.getCell(i + 1).numFmt = c.digits ? `0.${'0'.repeat(c.digits)}` : '0';
      });
      row.commit();
    }
    // exceljs hands the sheet to the zip's deflate stream without waiting for it (and the zip
    // reaches `out` later): wait while the deflate is behind, then while out's reader is
    const sink = sheetSink(ws);
    if (sink) await drained(sink, out);
    await new Promise((ok) => setImmediate(ok));
    await drained(out);
  }
  await drained(out);
  ws.commit();
  // commit() resolves when `out` finishes: if out is destroyed instead, stop waiting for it
  await Promise.all([wb.commit(), finished(out, { readable: false })]);
}

/** The workbook's bytes, for small files (a table of the full export). */
export async function xlsxBuffer(sheet: string, header: readonly string[], rows: Iterable<readonly XlsxCell[]>): Promise<Buffer> {
  const out = new PassThrough();
  const bytes = buffer(out);
  await writeXlsx(out, sheet, header, [rows]);
  return bytes;
}
