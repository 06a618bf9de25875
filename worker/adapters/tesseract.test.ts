// The Tesseract pool: no network, ever (the models come from node_modules), and a worker that
// stalls is replaced without taking the pool down.
import { execFile, spawn } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiptPdf } from '../../test/support/images.ts';
import { openPdf } from './pdf.ts';
import { createTesseractPool, modelFiles, prepareLangFolder } from './tesseract.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NO_NETWORK = join(ROOT, 'test/support/no-network.cjs');

/** A receipt image: drawn by pdf-lib, rasterised by the PDF adapter, as PNG. */
async function receiptPng(lines: string[]): Promise<Buffer> {
  const pdf = await openPdf(await receiptPdf(lines), { maxPixels: 50_000_000, dpi: 150 });
  try {
    for await (const p of pdf.pages(1)) return sharp(p.pixels, { raw: { width: p.width, height: p.height, channels: p.channels } }).png().toBuffer();
    throw new Error('no page');
  } finally {
    await pdf.close();
  }
}

/**
 * Runs `code` (an ES module; ROOT in it is the project's root; .ts imported through tsx) in a
 * process whose network is cut off, threads included. From a file: worker threads inherit the
 * process's options, and `--input-type` is not allowed there.
 */
async function offline(code: string, env: Record<string, string> = {}) {
  const script = join(dir, `probe-${Math.random().toString(36).slice(2)}.mjs`);
  await writeFile(script, code.replaceAll('ROOT', ROOT));
  return promisify(execFile)(process.execPath, ['--require', NO_NETWORK, '--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
    timeout: 60_000,
  }).catch((e: { stdout: string; stderr: string; code: number }) => ({ stdout: e.stdout, stderr: `${e.stderr}\n(exit code ${e.code})` }));
}

let dir: string;
let image: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'justif-ocr-test-'));
  image = join(dir, 'receipt.png');
  await writeFile(image, await receiptPng(['CAFE DE LA GARE', 'Le 02/04/2026', 'TOTAL TTC   3,20 EUR']));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('no network, ever', () => {
  it('with the network cut off, the engine starts on the models of @tesseract.js-data (linked into one folder) and reads', async () => {
    const { stdout, stderr } = await offline(
      `import { readFileSync, readdirSync, realpathSync, existsSync } from 'node:fs';
       import { join } from 'node:path';
       import { createReceiptReader } from 'ROOT/worker/adapters/ocr.ts';
       const reader = await createReceiptReader({ workers: 1, maxPixels: 50_000_000 });
       const lp = reader.pool.langPath;
       const links = Object.fromEntries(readdirSync(lp).map((f) => [f, realpathSync(join(lp, f))]));
       const r = await reader.read(readFileSync(process.env.IMAGE), 'image/png');
       await reader.close();
       console.log(JSON.stringify({ links, text: r.text, folderRemoved: !existsSync(lp) }));`,
      { IMAGE: image },
    );
    expect(stderr).not.toMatch(/NETWORK:/);
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    const models = modelFiles();
    expect(out.links).toEqual({ 'eng.traineddata.gz': realpathSync(models.eng!), 'fra.traineddata.gz': realpathSync(models.fra!) });
    expect(out.links['fra.traineddata.gz']).toMatch(/node_modules\/@tesseract\.js-data\/fra\/4\.0\.0_best_int\/fra\.traineddata\.gz$/);
    expect(out.text).toMatch(/TOTAL TTC\s+3,20 EUR/);
    expect(out.folderRemoved).toBe(true);
  });

  it('positive control: the same cut-off catches tesseract.js reaching for its CDN, from its worker thread, when no model folder is given', async () => {
    const { stdout, stderr } = await offline(
      `import Tesseract from 'ROOT/node_modules/tesseract.js/src/index.js';
       const bc = new BroadcastChannel('no-network');
       // (exit a moment later: a worker thread's stderr reaches the process asynchronously)
       bc.onmessage = (e) => { console.log(JSON.stringify({ blocked: e.data })); setTimeout(() => process.exit(0), 500); };
       setTimeout(() => process.exit(3), 20_000);
       // (with the download refused, this promise never settles: tesseract.js swallows the error)
       Tesseract.createWorker('eng', 1, { cacheMethod: 'none', errorHandler: () => {} });`,
    );
    expect(stderr).toMatch(/NETWORK: fetch https:\/\/cdn\.jsdelivr\.net\/npm\/@tesseract\.js-data\/eng\/.* \(worker thread\)/);
    expect(JSON.parse(stdout.trim()).blocked).toMatch(/^fetch https:\/\/cdn\.jsdelivr\.net\/.* \(worker thread\)$/);
  });

  it('a model folder without the models is refused before any worker starts (no fallback to a download)', async () => {
    await expect(createTesseractPool({ workers: 1, langPath: dir })).rejects.toThrow(/no fra\.traineddata\.gz in .*never from the network/);
    await expect(createTesseractPool({ workers: 1, langPath: 'models' })).rejects.toThrow(/absolute local folder/);
  });
});

describe('the model folder', () => {
  it('is private to the process, and the folders of dead processes are removed by the next one', async () => {
    const dead = await new Promise<number>((ok) => {
      const p = spawn(process.execPath, ['-e', '0']);
      p.on('exit', () => ok(p.pid!));
    });
    const orphan = join(tmpdir(), `justif-ocr-lang-${dead}-test`);
    await mkdir(orphan, { recursive: true });
    const mine = await prepareLangFolder();
    try {
      expect(existsSync(orphan)).toBe(false);
      expect(mine.path).toContain(`justif-ocr-lang-${process.pid}-`);
      expect(statSync(mine.path).mode & 0o777).toBe(0o700);
    } finally {
      await mine.remove();
    }
    expect(existsSync(mine.path)).toBe(false);
  });
});

describe('the pool', () => {
  it('a job over its time limit fails, its worker is replaced, and the pool goes on reading', async () => {
    const pool = await createTesseractPool({ workers: 1 });
    try {
      const png = await sharp(image).toBuffer();
      await expect(pool.recognize(png, { timeoutMs: 1 })).rejects.toThrow(/more than 1 ms/);
      const page = await pool.recognize(png);
      expect(page.text).toMatch(/CAFE DE LA GARE/);
      expect(page.words.find((w) => w.text === 'TOTAL')?.box.x1).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
    await expect(pool.recognize(Buffer.alloc(0))).rejects.toThrow(/closed/);
  });
});
