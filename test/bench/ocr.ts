// npm run bench -- ocr: the OCR pipeline against labelled receipts, and the native `tesseract`
// CLI's time on the same images in the same run (OMP_THREAD_LIMIT=1, as many at once as cores).
//  - SROIE (../shared/fixtures/receipts/sroie): the eval split only (041–081; the dev split is for
//    tuning) — total, date, merchant; receipts per minute; p50/p95 per receipt.
//  - Our French receipts (test/fixtures/fr-receipts, labels written before the extractor was tuned):
//    total, date, currency, VAT lines, by kind.
//  - Throughput on ~1000 px receipts (the French tickets and photos, each read 3 times), beside the
//    native CLI on the same files.
// Scoring: total as a decimal, date as ISO, merchant fuzzy (normalised, ≥ 0.8 similar or contained),
// VAT: every labelled line found with its rate and amount (and base where the label has one).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createOcrEngine, type OcrResult } from '../../worker/ocr/pipeline.ts';
import { loadFrReceipts } from '../fixtures/fr-receipts/index.ts';

type Emit = (o: Record<string, unknown>) => void;
const run = promisify(execFile);
const SROIE = join(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures', 'receipts', 'sroie');
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)] ?? 0;

/** SROIE dates are day-first, in nine printed formats (its README). */
export function sroieDate(s: string): string | null {
  const t = s.trim().toUpperCase();
  const y2 = (y: string) => (y.length === 2 ? `20${y}` : y);
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})$/.exec(t);
  if (m) return `${y2(m[3]!)}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  m = /^(\d{1,2}) ([A-Z]{3})[A-Z]* (\d{2}|\d{4})$/.exec(t);
  if (m && MONTHS.includes(m[2]!)) return `${y2(m[3]!)}-${String(MONTHS.indexOf(m[2]!) + 1).padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  return null;
}
const decimal = (s: string | null | undefined) => {
  const v = (s ?? '').replace(/^(RM|\$)\s*/i, '').trim();
  return /^\d+(\.\d+)?$/.test(v) ? Number(v).toFixed(2) : null;
};
const norm = (s: string) => s.toUpperCase().normalize('NFKD').replace(/[^A-Z0-9]/g, '');
function similar(a: string, b: string): boolean {
  const x = norm(a);
  const y = norm(b);
  if (!x || !y) return false;
  if (x.includes(y) || y.includes(x)) return Math.min(x.length, y.length) >= 4;
  const d = Array.from({ length: x.length + 1 }, (_, i) => [i, ...Array(y.length).fill(0)] as number[]);
  for (let j = 1; j <= y.length; j++) d[0]![j] = j;
  for (let i = 1; i <= x.length; i++) for (let j = 1; j <= y.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
  return 1 - d[x.length]![y.length]! / Math.max(x.length, y.length) >= 0.8;
}

async function readAll(engine: Awaited<ReturnType<typeof createOcrEngine>>, items: { path: string; mediaType: string; currency?: string }[], concurrency: number) {
  const out: OcrResult[] = new Array(items.length);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await engine.read(readFileSync(items[i]!.path), items[i]!.mediaType, { defaultCurrency: items[i]!.currency ?? 'EUR' });
    }
  }));
  return { results: out, wallMs: performance.now() - t0 };
}

async function nativeTesseract(paths: string[], concurrency: number): Promise<number | undefined> {
  try {
    await run('tesseract', ['--version']);
  } catch {
    return undefined; // apt-get install tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng
  }
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < paths.length) await run('tesseract', [paths[next++]!, 'stdout', '-l', 'fra+eng'], { env: { ...process.env, OMP_THREAD_LIMIT: '1' }, maxBuffer: 16 << 20 });
  }));
  return performance.now() - t0;
}

export async function ocrBench(emit: Emit) {
  const cores = availableParallelism();
  const engine = await createOcrEngine({ workers: cores });
  // Tesseract alone (OCR_SECOND_ENGINE=off), for the speed and accuracy the second engine costs and buys
  const alone = await createOcrEngine({ workers: cores, secondEngine: false });
  try {
    if (existsSync(join(SROIE, 'labels.jsonl'))) {
      const labels = readFileSync(join(SROIE, 'labels.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; file: string; company: string; date: string; total: string; split: string });
      const evalSet = labels.filter((l) => l.split === 'eval');
      const items = evalSet.map((l) => ({ path: join(SROIE, l.file), mediaType: 'image/jpeg', currency: 'MYR' }));
      const nativeMs = await nativeTesseract(items.map((x) => x.path), cores);
      for (const [name, e] of [['ocr.sroie.eval', engine], ['ocr.sroie.eval.tesseract-alone', alone]] as const) {
        await e.read(readFileSync(items[0]!.path), 'image/jpeg'); // warm the pool (and the second engine) up
        const { results, wallMs } = await readAll(e, items, cores);
        const scored = evalSet.map((l, i) => ({ l, r: results[i]! }));
        const withTotal = scored.filter((x) => decimal(x.l.total));
        const acc = (ok: number, n: number) => +(ok / n).toFixed(3);
        const perMin = (items.length / wallMs) * 60_000;
        emit({
          name, receipts: items.length,
          total: acc(withTotal.filter((x) => decimal(x.r.total) === decimal(x.l.total)).length, withTotal.length),
          date: acc(scored.filter((x) => x.r.date === sroieDate(x.l.date)).length, scored.length),
          merchant: acc(scored.filter((x) => x.r.merchant && similar(x.r.merchant, x.l.company)).length, scored.length),
          second_reading: acc(results.filter((r) => r.secondReading).length, results.length),
          receipts_per_min: +perMin.toFixed(1), receipts_per_min_per_core: +(perMin / cores).toFixed(1), cores,
          p50_ms: Math.round(pct(results.map((r) => r.ms), 50)), p95_ms: Math.round(pct(results.map((r) => r.ms), 95)),
          ...(nativeMs ? { baseline: +((items.length / nativeMs) * 60_000).toFixed(1), baseline_name: 'native tesseract CLI (fra+eng, OMP_THREAD_LIMIT=1, same images, same concurrency), receipts/min', ratio: +(wallMs / nativeMs).toFixed(2) } : { baseline: null }),
          rss_mb: Math.round(process.memoryUsage().rss / 1_048_576),
        });
      }
    }

    const fr = loadFrReceipts();
    const { results, wallMs } = await readAll(engine, fr.map((f) => ({ path: f.path, mediaType: f.mediaType, currency: 'EUR' })), cores);
    const rows = fr.map((f, i) => {
      const r = results[i]!;
      const vatOk = f.vat.every((v) => r.vat.some((x) => Number(x.rate) === Number(v.rate) && decimal(x.amount) === decimal(v.amount) && (!x.base || decimal(x.base) === decimal(v.base))));
      return { kind: f.kind, total: decimal(r.total) === decimal(f.total), date: r.date === f.date, currency: r.currency === f.currency, vat: vatOk && r.vat.length === f.vat.length };
    });
    const score = (sel: typeof rows) => ({
      receipts: sel.length,
      total: +(sel.filter((x) => x.total).length / sel.length).toFixed(3),
      date: +(sel.filter((x) => x.date).length / sel.length).toFixed(3),
      currency: +(sel.filter((x) => x.currency).length / sel.length).toFixed(3),
      vat_lines: +(sel.filter((x) => x.vat).length / sel.length).toFixed(3),
    });
    emit({ name: 'ocr.fr', ...score(rows), second_reading: +(results.filter((r) => r.secondReading).length / results.length).toFixed(3), receipts_per_min: +((fr.length / wallMs) * 60_000).toFixed(1), p50_ms: Math.round(pct(results.map((r) => r.ms), 50)), p95_ms: Math.round(pct(results.map((r) => r.ms), 95)) });
    for (const kind of [...new Set(rows.map((r) => r.kind))]) emit({ name: `ocr.fr.${kind}`, ...score(rows.filter((r) => r.kind === kind)) });

    // Throughput on receipts of about 1000 px (the target's size): the French tickets and photos
    // (456–855 px wide, 700–1250 px tall), each read 3 times; native tesseract on the same files.
    const small = fr.filter((f) => f.kind === 'thermal' || f.kind === 'photo').flatMap((f) => [f, f, f]).map((f) => ({ path: f.path, mediaType: f.mediaType, currency: 'EUR' }));
    const nativeSmall = await nativeTesseract(small.map((x) => x.path), cores);
    for (const [name, e] of [['ocr.throughput.1000px', engine], ['ocr.throughput.1000px.tesseract-alone', alone]] as const) {
      const t = await readAll(e, small, cores);
      const perMinSmall = (small.length / t.wallMs) * 60_000;
      emit({
        name, reads: small.length, second_reading: +(t.results.filter((r) => r.secondReading).length / t.results.length).toFixed(3), receipts_per_min: +perMinSmall.toFixed(1), receipts_per_min_per_core: +(perMinSmall / cores).toFixed(1), cores,
        p50_ms: Math.round(pct(t.results.map((r) => r.ms), 50)), p95_ms: Math.round(pct(t.results.map((r) => r.ms), 95)),
        ...(nativeSmall ? { baseline: +((small.length / nativeSmall) * 60_000).toFixed(1), baseline_name: 'native tesseract CLI, same files, same concurrency, receipts/min', ratio: +(t.wallMs / nativeSmall).toFixed(2) } : { baseline: null }),
      });
    }
  } finally {
    await Promise.all([engine.close(), alone.close()]);
  }
}
