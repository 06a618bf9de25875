// `npm run ocr -- FILE...`: reads receipts with the OCR engine and prints one JSON object per line,
// in the order of the files given:
//   {"file","merchant","date":"YYYY-MM-DD","total":"12.50","currency":"EUR","vat":[{"rate","base","amount"}],"confidence":{…},"ms":…}
// Unknown fields are null. A file that cannot be read prints {"file","error"} and the exit code is 1.
// Options: --workers N (Tesseract workers; one per core by default), --currency XXX (the currency
// assumed when none is printed; none by default), --text (add the raw text and its source).
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { createOcrEngine } from '../ocr/pipeline.ts';

const MEDIA_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.heic': 'image/heic',
  '.heif': 'image/heif',
  '.avif': 'image/heif',
  '.pdf': 'application/pdf',
};

const { values, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { workers: { type: 'string' }, currency: { type: 'string' }, text: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
});
if (values.help || !files.length) {
  process.stderr.write('usage: npm run ocr -- [--workers N] [--currency EUR] [--text] FILE...\n');
  process.exit(files.length || values.help ? 0 : 2);
}
const workers = values.workers === undefined ? undefined : Number(values.workers);
if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) {
  process.stderr.write('--workers: a whole number from 1 to 64\n');
  process.exit(2);
}
const currency = values.currency?.toUpperCase();
if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) {
  process.stderr.write('--currency: an ISO 4217 code such as EUR\n');
  process.exit(2);
}

const lanes = workers ?? Math.min(files.length, availableParallelism());
const engine = await createOcrEngine({ workers: lanes });
let failed = false;
const results: (string | undefined)[] = new Array(files.length);
let printed = 0;
const flush = () => {
  while (printed < files.length && results[printed] !== undefined) process.stdout.write(`${results[printed++]}\n`);
};

let next = 0;
async function lane() {
  for (let i = next++; i < files.length; i = next++) {
    const file = files[i]!;
    try {
      const bytes = await readFile(file);
      const r = await engine.read(bytes, MEDIA_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', { defaultCurrency: currency });
      const out: Record<string, unknown> = { file, merchant: r.merchant, date: r.date, total: r.total, currency: r.currency, vat: r.vat, confidence: r.confidence, ms: r.ms };
      if (values.text) Object.assign(out, { source: r.source, secondReading: r.secondReading, text: r.text });
      results[i] = JSON.stringify(out);
    } catch (e) {
      failed = true;
      results[i] = JSON.stringify({ file, error: (e as Error).message ?? String(e) });
    }
    flush();
  }
}
try {
  // as many files in flight as there are Tesseract workers
  await Promise.all(Array.from({ length: lanes }, lane));
} finally {
  await engine.close();
}
process.exitCode = failed ? 1 : 0;
