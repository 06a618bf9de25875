// CSV files of the exports (csv-stringify): the delimiter chosen, quoting where a field needs it,
// CRLF line ends, and a UTF-8 BOM on request (Excel reads the file as UTF-8 only with one).
// Large files are written a page of rows at a time into a stream, waiting while its reader is
// behind: memory holds one page, whatever the file's size. Each page goes through csv-stringify's
// sync API rather than its Transform: each record ends with its own CRLF, so pages stringified one
// after the other give the same bytes as the whole file at once, and the one wait on the output
// stream is all the backpressure there is (no second stream whose drain and close to relay).
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';

export interface CsvFormat {
  delimiter: string;
  bom: boolean;
}

/** Records as CSV text, each ended by CRLF (no BOM). */
export function csvRecords(records: readonly (readonly string[])[], o: Pick<CsvFormat, 'delimiter'>): string {
  return records.length ? stringify(records as string[][], { delimiter: o.delimiter, record_delimiter: 'windows', quoted_match: /^\s|\s$/ }) : '';
}

/** A whole small file (payroll totals, a table of the full export). */
export function csvText(header: readonly string[], rows: Iterable<readonly string[]>, o: CsvFormat): string {
  return (o.bom ? '\ufeff' : '') + csvRecords([header, ...rows], o);
}

/** Streams the file into `out`: BOM and header, then each page of rows as it comes. */
export async function writeCsv(out: Writable, header: readonly string[], pages: AsyncIterable<Iterable<readonly string[]>> | Iterable<Iterable<readonly string[]>>, o: CsvFormat): Promise<void> {
  await writeTo(out, (o.bom ? '\ufeff' : '') + csvRecords([header], o));
  for await (const rows of pages) await writeTo(out, csvRecords([...rows], o));
}

/**
 * Writes a chunk and, when the stream's buffer is full, waits until its reader has taken it
 * (backpressure). A stream destroyed meanwhile (its reader gave up) fails the wait instead of
 * leaving it hanging.
 */
export async function writeTo(out: Writable, chunk: string | Buffer): Promise<void> {
  await drained(out);
  if (chunk.length && !out.write(chunk)) await drained(out);
}

/**
 * Resolves when `out` can take more; rejects if it (or `watch`, the stream it finally feeds) errors
 * or closes first.
 */
export async function drained(out: Writable, watch: Writable = out): Promise<void> {
  for (const s of [watch, out]) if (s.destroyed) throw s.errored ?? new Error('the output stream was closed');
  // (a stream of the readable-stream package, as inside archiver, has no writableNeedDrain)
  if (!(out.writableNeedDrain ?? (out as { _writableState?: { needDrain?: boolean } })._writableState?.needDrain)) return;
  const ac = new AbortController();
  const closed = (s: Writable) =>
    once(s, 'close', { signal: ac.signal }).then(() => {
      throw s.errored ?? new Error('the output stream was closed');
    });
  try {
    await Promise.race([once(out, 'drain', { signal: ac.signal }), closed(out), ...(watch === out ? [] : [closed(watch)])]);
  } finally {
    ac.abort();
  }
}
