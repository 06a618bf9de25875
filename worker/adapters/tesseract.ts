// tesseract.js (Tesseract 5 LSTM compiled to WASM, run in worker threads) behind a small pool.
// With image.ts, heic.ts and pdf.ts, the only place an OCR or image library is imported; reached
// only through a dynamic import() (worker/ocr/pipeline.ts), so the API process never loads it.
//
// No network, ever: the French and English models come from the npm packages
// @tesseract.js-data/fra and /eng (LSTM "best_int" models, gzipped). tesseract.js reads every
// language from ONE folder (`langPath`), so both files are linked into a private temporary folder
// at start. Without a langPath, tesseract.js fetches the models from a CDN (and, with no
// errorHandler, a failed fetch there crashes the process), so the folder is checked before any worker is created,
// and an absolute local path (never a URL) is always passed. cacheMethod 'none': nothing is read
// from or written to the working directory.
//
// Failures: tesseract.js rethrows a failed job inside its message handler (an uncaught exception
// that ends the process) unless an errorHandler is given — one always is; but then a model that
// fails to load leaves createWorker() pending for ever, so a start has a time limit. A worker
// thread that dies, or a job past its time limit, fails that job; the worker is replaced.
// The pool is the process's: one per OCR engine, sized to the cores, reused by every job.
// (worker/adapters/tesseract.test.ts runs the engine in a process whose network is cut off.)
import { createRequire } from 'node:module';
import { access, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import Tesseract from 'tesseract.js';

export const OCR_LANGS = ['fra', 'eng'] as const;
/** A worker loads its WASM core and both models in about half a second. */
const START_TIMEOUT_MS = 60_000;
const MODEL_DIR = '4.0.0_best_int';

/**
 * Scans and photos carry no trustworthy resolution, so one is declared: 150 dpi read more totals
 * on the SROIE dev split than 300 or 120 (Tesseract sizes its noise filters from it), once tiny
 * text is doubled by the preprocessing.
 */
const DEFAULT_PARAMS: Record<string, string> = { user_defined_dpi: '150', preserve_interword_spaces: '1' };

export interface OcrBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
export interface OcrWord {
  text: string;
  /** Tesseract's confidence, 0–100. */
  conf: number;
  box: OcrBox;
}
export interface OcrPage {
  text: string;
  words: OcrWord[];
  /** Mean word confidence, 0–100. */
  conf: number;
}

/** Where each language's model file is, in node_modules. */
export function modelFiles(): Record<string, string> {
  const req = createRequire(import.meta.url);
  return Object.fromEntries(OCR_LANGS.map((l) => [l, join(dirname(req.resolve(`@tesseract.js-data/${l}/package.json`)), MODEL_DIR, `${l}.traineddata.gz`)]));
}

const LANG_FOLDER_PREFIX = 'justif-ocr-lang-';

/**
 * A private folder (mode 0700, named after this process) holding a link to each language's model
 * — tesseract.js's langPath takes one folder. Removed by close(); the folders of processes that
 * died without closing (SIGKILL) are removed by the next process that prepares one.
 */
export async function prepareLangFolder(files: Record<string, string> = modelFiles()): Promise<{ path: string; remove(): Promise<void> }> {
  await removeOrphanFolders();
  const path = await mkdtemp(join(tmpdir(), `${LANG_FOLDER_PREFIX}${process.pid}-`));
  try {
    for (const [lang, file] of Object.entries(files)) {
      await access(file); // a missing model fails here, loudly, before tesseract.js could reach for a CDN
      await symlink(file, join(path, `${lang}.traineddata.gz`));
    }
  } catch (e) {
    await rm(path, { recursive: true, force: true });
    throw e;
  }
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

async function removeOrphanFolders(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(new RegExp(`^${LANG_FOLDER_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    await rm(join(tmpdir(), name), { recursive: true, force: true }).catch(() => {}); // another user's: not ours to remove
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, but another user's
  }
}

export interface TesseractPoolOptions {
  workers: number;
  /** A job that takes longer than this ends its worker thread (replaced) and fails. */
  jobTimeoutMs?: number;
  /** Folder holding <lang>.traineddata.gz for every language; by default the npm packages' files, linked into a temporary folder. */
  langPath?: string;
  /** Tesseract parameters set on every worker (after the defaults below). */
  params?: Record<string, string>;
}

interface Slot {
  worker: Tesseract.Worker;
  /** Rejects the job running on this worker when its thread dies. */
  onDeath?: (e: Error) => void;
}

export interface TesseractPool {
  size: number;
  langPath: string;
  /** One image (any format Leptonica reads: PGM, PNG, JPEG…) → its words; `timeoutMs` overrides the pool's jobTimeoutMs. */
  recognize(image: Buffer, o?: { psm?: string; dpi?: number; signal?: AbortSignal; timeoutMs?: number }): Promise<OcrPage>;
  close(): Promise<void>;
}

export async function createTesseractPool(o: TesseractPoolOptions): Promise<TesseractPool> {
  const own = o.langPath ? undefined : await prepareLangFolder();
  const langPath = o.langPath ?? own!.path;
  if (!isAbsolute(langPath)) throw new Error(`langPath must be an absolute local folder, not ${JSON.stringify(langPath)}`);
  for (const l of OCR_LANGS) await access(join(langPath, `${l}.traineddata.gz`)).catch(() => { throw new Error(`no ${l}.traineddata.gz in ${langPath}: the OCR models come from @tesseract.js-data/${l}, never from the network`); });
  const size = Math.max(1, Math.floor(o.workers));
  const jobTimeoutMs = o.jobTimeoutMs ?? 120_000;

  let closed = false;
  const all = new Set<Slot>();
  const idle: Slot[] = [];
  const waiting: { resolve: (s: Slot) => void; reject: (e: Error) => void }[] = [];

  async function spawn(): Promise<Slot> {
    const starting = Tesseract.createWorker(OCR_LANGS.join('+'), Tesseract.OEM.LSTM_ONLY, {
      langPath,
      gzip: true,
      cacheMethod: 'none',
      // Without it tesseract.js throws a failed job's error out of its message handler (uncaught).
      errorHandler: () => {},
    });
    // With an errorHandler, a model that fails to load leaves createWorker() pending for ever
    // (tesseract.js 7 swallows that error): a start has a time limit.
    let timer: NodeJS.Timeout | undefined;
    const worker = await Promise.race([
      starting,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`an OCR worker did not start within ${START_TIMEOUT_MS} ms (models in ${langPath})`)), START_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    const slot: Slot = { worker };
    all.add(slot);
    const thread = (worker as unknown as { worker: import('node:worker_threads').Worker }).worker;
    const died = (e: Error) => {
      if (slot.onDeath) return slot.onDeath(e); // its job fails; recognize() replaces it
      // idle when it died: out of the pool, and a fresh one in its place
      const at = idle.indexOf(slot);
      if (at >= 0) {
        idle.splice(at, 1);
        replace(slot);
      }
    };
    thread.on('error', (e) => died(e instanceof Error ? e : new Error(String(e))));
    thread.on('exit', (code) => died(new Error(`the OCR worker thread exited (code ${code})`)));
    await worker.setParameters({ ...DEFAULT_PARAMS, ...o.params });
    return slot;
  }

  function release(slot: Slot) {
    if (closed) return void slot.worker.terminate();
    const next = waiting.shift();
    if (next) next.resolve(slot);
    else idle.push(slot);
  }
  function acquire(): Promise<Slot> {
    if (closed) return Promise.reject(new Error('the OCR pool is closed'));
    const slot = idle.pop();
    return slot ? Promise.resolve(slot) : new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  }
  /** A broken worker is terminated and a fresh one takes its place (in the background). */
  function replace(slot: Slot) {
    slot.onDeath = undefined;
    all.delete(slot);
    void slot.worker.terminate().catch(() => {});
    if (closed) return;
    spawn().then(release, (e: Error) => {
      // Cannot start a worker any more: fail whoever waits rather than hang.
      for (const w of waiting.splice(0)) w.reject(new Error(`cannot restart an OCR worker: ${e.message}`));
    });
  }

  try {
    const first = await Promise.all(Array.from({ length: size }, spawn));
    idle.push(...first);
  } catch (e) {
    for (const s of all) await s.worker.terminate();
    await own?.remove();
    throw e;
  }

  return {
    size,
    langPath,
    async recognize(image, ro = {}) {
      const slot = await acquire();
      let broken = false;
      try {
        ro.signal?.throwIfAborted();
        const job = (async () => {
          await slot.worker.setParameters({ tessedit_pageseg_mode: (ro.psm ?? '3') as Tesseract.PSM, user_defined_dpi: String(ro.dpi ?? o.params?.user_defined_dpi ?? DEFAULT_PARAMS.user_defined_dpi) });
          return slot.worker.recognize(image, {}, { text: true, blocks: true });
        })();
        // the job's own outcome, or a time limit, an abort or the thread's death first (the worker
        // is then replaced: it may still be busy with this image)
        const { data } = await new Promise<Tesseract.RecognizeResult>((resolve, reject) => {
          const limit = ro.timeoutMs ?? jobTimeoutMs;
          const settle = (e: Error | null, r?: Tesseract.RecognizeResult) => {
            clearTimeout(timer);
            ro.signal?.removeEventListener('abort', abort);
            slot.onDeath = undefined;
            if (e) reject(e);
            else resolve(r!);
          };
          const fail = (e: Error) => {
            broken = true;
            settle(e);
          };
          const timer = setTimeout(() => fail(new Error(`OCR took more than ${limit} ms`)), limit);
          const abort = () => fail(ro.signal!.reason instanceof Error ? ro.signal!.reason : new Error('aborted'));
          ro.signal?.addEventListener('abort', abort, { once: true });
          slot.onDeath = fail;
          job.then(
            (r) => settle(null, r),
            (e: unknown) => settle(e instanceof Error ? e : new Error(`OCR failed: ${String(e)}`)),
          );
        });
        return toPage(data);
      } finally {
        slot.onDeath = undefined;
        if (broken) replace(slot);
        else release(slot);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const w of waiting.splice(0)) w.reject(new Error('the OCR pool is closed'));
      idle.length = 0;
      // A job still running fails (its thread's exit rejects it) instead of holding the shutdown.
      await Promise.all([...all].map((s) => s.worker.terminate()));
      all.clear();
      await own?.remove();
    },
  };
}

function toPage(data: Tesseract.Page): OcrPage {
  const words: OcrWord[] = [];
  for (const b of data.blocks ?? [])
    for (const p of b.paragraphs)
      for (const l of p.lines)
        for (const w of l.words) {
          const text = w.text.trim();
          if (text) words.push({ text, conf: w.confidence, box: { x0: w.bbox.x0, y0: w.bbox.y0, x1: w.bbox.x1, y1: w.bbox.y1 } });
        }
  const conf = words.length ? words.reduce((s, w) => s + w.conf, 0) / words.length : 0;
  return { text: data.text ?? '', words, conf };
}
