// CSV files of the exports (csv-stringify): the delimiter chosen, quoting where a field needs it,
// CRLF line ends, and a UTF-8 BOM on request (Excel reads the file as UTF-8 only with one).
import { stringify } from 'csv-stringify/sync';

export function csvText(header: readonly string[], rows: Iterable<readonly string[]>, o: { delimiter: string; bom: boolean }): string {
  const body = stringify([header, ...rows] as string[][], { delimiter: o.delimiter, record_delimiter: 'windows', quoted_match: /^\s|\s$/ });
  return (o.bom ? '\ufeff' : '') + body;
}
