// Receipt uploads through the real HTTP path (multipart → spool → checks → object store → rows):
// throughput and latency for 200 receipts of ~300 KB from 8 concurrent clients on each object
// store, against a baseline of the same bytes put straight into that store with the same
// concurrency; then the API process's peak RSS while 10 clients each upload a 20 MB file.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createTenantWithAdmin, createUser, PASSWORD } from '../support/factories.ts';
import { startS3rver } from '../support/s3.ts';
import { freePort, startServer } from '../support/server.ts';

type Emit = (o: Record<string, unknown>) => void;

/** A receipt-shaped JPEG (valid markers around random bytes: unique, incompressible). */
function receipt(size: number): Buffer {
  const sof = Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x06, 0x40, 0x04, 0xb0, 0x01, 0x01, 0x11, 0x00]);
  return Buffer.concat([sof, randomBytes(size - sof.length - 2), Buffer.from([0xff, 0xd9])]);
}

async function signIn(url: string, email: string, password: string) {
  const r = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (!r.ok) throw new Error(`sign-in failed: ${r.status} ${await r.text()}`);
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return { cookie, csrf: (await r.json()).csrfToken as string };
}

async function newExpense(url: string, s: { cookie: string; csrf: string }, ref: { categoryId: string; paymentMethodId: string }, i: number): Promise<string> {
  const r = await fetch(`${url}/api/v1/expenses`, {
    method: 'POST', headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf },
    body: JSON.stringify({ date: '2026-01-15', merchant: `Bench ${i}`, amountMinor: 1000 + i, currency: 'EUR', ...ref }),
  });
  if (r.status !== 201) throw new Error(`expense: ${r.status} ${await r.text()}`);
  return (await r.json()).id;
}

async function uploadOne(url: string, s: { cookie: string; csrf: string }, expenseId: string, data: Buffer): Promise<void> {
  const form = new FormData();
  form.append('files', new Blob([new Uint8Array(data)], { type: 'image/jpeg' }), 'receipt.jpg');
  const r = await fetch(`${url}/api/v1/expenses/${expenseId}/receipts`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, body: form });
  if (r.status !== 201) throw new Error(`upload: ${r.status} ${await r.text()}`);
}

async function pool<T>(items: T[], concurrency: number, fn: (x: T) => Promise<number | void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

async function throughput(emit: Emit, store: 'local' | 's3') {
  const N = 200;
  const SIZE = 300 * 1024;
  const CONC = 8;
  const s3 = store === 's3' ? await startS3rver() : undefined;
  const env: Record<string, string> = s3 ? { S3_ENDPOINT: s3.endpoint, S3_BUCKET: s3.options.bucket, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' } : {};
  const server = await startServer({ env });
  try {
    const t = await createTenantWithAdmin(server.ctx);
    const u = await createUser(server.ctx, t.tenantId, ['employee']);
    const session = await signIn(server.url, u.email, PASSWORD);
    const cats = await (await fetch(`${server.url}/api/v1/categories`, { headers: { cookie: session.cookie } })).json();
    const pays = await (await fetch(`${server.url}/api/v1/payment-methods`, { headers: { cookie: session.cookie } })).json();
    const ref = { categoryId: cats.items[0].id, paymentMethodId: pays.items[0].id };
    const expenses: string[] = [];
    for (let i = 0; i < N; i++) expenses.push(await newExpense(server.url, session, ref, i));
    const files = Array.from({ length: N }, () => receipt(SIZE));

    const latencies: number[] = [];
    const t0 = performance.now();
    await pool(expenses.map((e, i) => [e, files[i]!] as const), CONC, async ([e, f]) => {
      const s = performance.now();
      await uploadOne(server.url, session, e, f);
      latencies.push(performance.now() - s);
    });
    const ms = performance.now() - t0;

    // Baseline: the same bytes put straight into the same store (hashing + read-back included).
    const raw = Array.from({ length: N }, () => receipt(SIZE));
    const b0 = performance.now();
    await pool(raw.map((f, i) => [f, i] as const), CONC, async ([f, i]) => void (await server.ctx.c.objects.put(`bench/raw-${i}`, Readable.from([f]))));
    const baseMs = performance.now() - b0;

    const mb = (N * SIZE) / 1_048_576;
    emit({
      name: `uploads.throughput.${store}`, unit: 'receipts/s', value: +(N / (ms / 1000)).toFixed(1), mb_per_s: +(mb / (ms / 1000)).toFixed(1),
      p50_ms: Math.round(pct(latencies, 50)), p95_ms: Math.round(pct(latencies, 95)), receipts: N, size_kb: SIZE / 1024, concurrency: CONC,
      baseline: +(N / (baseMs / 1000)).toFixed(1), baseline_name: `ObjectStore.put of the same bytes (${store}), same concurrency`, ratio: +(ms / baseMs).toFixed(2),
    });
  } finally {
    await server.stop();
    await s3?.stop();
  }
}

/** The API as its own process (as `npm start` runs it), so its RSS is its own. */
async function peakRss(emit: Emit) {
  const dataDir = mkdtempSync(join(tmpdir(), 'justif-rss-'));
  const port = await freePort();
  const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', RECEIPT_MAX_MB: '20', NODE_ENV: 'development', DATABASE_URL: '' };
  const seed = spawn(process.execPath, ['--import', 'tsx', 'api/cli/seed.ts'], { env, stdio: 'ignore' });
  await new Promise((r) => seed.once('exit', r));
  const api = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  api.stdout.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  while (!out.includes('Justif is running') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const url = `http://127.0.0.1:${port}`;
  const status = () => readFileSync(`/proc/${api.pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status())![1]);
  try {
    const session = await signIn(url, 'employee@demo.justif.test', 'Justif-demo-2026');
    const cats = await (await fetch(`${url}/api/v1/categories`, { headers: { cookie: session.cookie } })).json();
    const pays = await (await fetch(`${url}/api/v1/payment-methods`, { headers: { cookie: session.cookie } })).json();
    const ref = { categoryId: cats.items[0].id, paymentMethodId: pays.items[0].id };
    const expenses = await Promise.all(Array.from({ length: 10 }, (_, i) => newExpense(url, session, ref, i)));
    // Warm up one small upload so that code paths are loaded before the baseline reading.
    await uploadOne(url, session, expenses[0]!, receipt(50_000));
    const before = kb('VmRSS');
    const files = Array.from({ length: 10 }, () => receipt(20_000_000));
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, kb('VmRSS'))), 20);
    const t0 = performance.now();
    await Promise.all(expenses.map((e, i) => uploadOne(url, session, e, files[i]!)));
    clearInterval(sampler);
    const hwm = kb('VmHWM');
    emit({
      name: 'uploads.peak_rss', unit: 'MB', value: Math.round(Math.max(peak, hwm) / 1024), rss_before_mb: Math.round(before / 1024),
      growth_mb: Math.round((Math.max(peak, hwm) - before) / 1024), uploaded_mb: 200, files: 10, file_mb: 20, seconds: +((performance.now() - t0) / 1000).toFixed(1),
      baseline: 200, baseline_name: '10 × 20 MB held in memory at once', ratio: +((Math.max(peak, hwm) - before) / 1024 / 200).toFixed(2),
    });
  } finally {
    api.kill('SIGTERM');
    await new Promise((r) => api.once('exit', r));
  }
}

export async function uploadsBench(emit: Emit) {
  await throughput(emit, 'local');
  await throughput(emit, 's3');
  await peakRss(emit);
}
