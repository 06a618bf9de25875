// The job queue (R-OCR-3): jobs commit with the transaction that enqueues them, are claimed once,
// retried with exponential backoff, dead-lettered with their error, reclaimed when their worker's
// lease expires; the worker refuses to start unless every job has exactly one handler.
// On PGlite and PostgreSQL; the concurrent-claimers proof on PostgreSQL only.
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDb, type Database } from '../storage/db/db.ts';
import type { JobContract, JobSpec } from '../storage/queue/contract.ts';
import { backoffDelay, JobQueue, PermanentJobError } from '../storage/queue/queue.ts';
import { checkHandlers, HandlerRegistryError, jobHandlers } from '../worker/handlers.ts';
import { startJobRunner, type JobHandlerFn } from '../worker/job-runner.ts';
import { startWorker } from '../worker/main.ts';
import { createTestContext, testClock, type TestContext } from './support/context.ts';
import { freshDb, onPostgres, pgUrl } from './support/db.ts';

const silent = pino({ level: 'silent' });
const spec = (o: Partial<JobSpec> = {}): JobSpec => ({ payload: z.strictObject({ n: z.number().int() }), maxAttempts: 3, priority: 0, leaseMs: 60_000, backoffMs: 1000, maxBackoffMs: 10_000, ...o });
const TEST_JOBS = {
  'test.echo': spec(),
  'test.urgent': spec({ priority: -5 }),
  'test.unique': spec({ singletonKey: (p: unknown) => `n${(p as { n: number }).n}` }),
  'test.fast': spec({ maxAttempts: 4, backoffMs: 5, maxBackoffMs: 20, leaseMs: 30_000 }),
} satisfies JobContract;

let db: Awaited<ReturnType<typeof freshDb>>;
const clock = testClock(new Date('2026-03-02T09:00:00Z'));
const q = new JobQueue(TEST_JOBS, clock); // time under the test's control
const live = new JobQueue(TEST_JOBS, { now: () => new Date() }); // for the claim loop
const k = () => db.kysely;
const jobRow = (id: number) => k().selectFrom('job').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const claim = (names = Object.keys(TEST_JOBS)) => q.claim(k(), { names, workerId: 'test' });

beforeAll(async () => {
  db = await freshDb();
});
afterAll(() => db?.close());
beforeEach(async () => {
  await k().deleteFrom('job').execute();
});

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('enqueue', () => {
  it('commits with the caller’s transaction, and a rolled-back transaction leaves no job', async () => {
    await expect(
      k().transaction().execute(async (trx) => {
        await q.enqueue(trx, 'test.echo', { n: 1 });
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    expect(await k().selectFrom('job').selectAll().execute()).toEqual([]);

    const id = await k().transaction().execute((trx) => q.enqueue(trx, 'test.echo', { n: 2 }));
    expect(await jobRow(id!)).toMatchObject({ name: 'test.echo', payload: { n: 2 }, state: 'queued', attempts: 0, max_attempts: 3, priority: 0, lease_until: null });
  });

  it('refuses an unknown name or an invalid payload (a bug, not a job)', async () => {
    await expect((q as JobQueue<any>).enqueue(k(), 'test.nope', { n: 1 })).rejects.toThrow(/unknown job "test.nope"/);
    await expect(q.enqueue(k(), 'test.echo', { n: 'one' } as never)).rejects.toThrow();
    expect(await k().selectFrom('job').selectAll().execute()).toEqual([]);
  });

  it('a singleton key keeps one queued job per key; once it runs, the same work may be queued again', async () => {
    const a = await q.enqueue(k(), 'test.unique', { n: 7 });
    expect(a).toBeTypeOf('number');
    expect(await q.enqueue(k(), 'test.unique', { n: 7 })).toBeUndefined();
    expect(await q.enqueue(k(), 'test.unique', { n: 8 })).toBeTypeOf('number');
    expect((await claim(['test.unique']))?.id).toBe(a);
    expect(await q.enqueue(k(), 'test.unique', { n: 7 })).toBeTypeOf('number');
  });
});

describe('claim, complete, retry, dead-letter', () => {
  it('claims due jobs by priority then age, each once, and only the names asked for', async () => {
    const later = await q.enqueue(k(), 'test.echo', { n: 1 }, { runAt: new Date(clock.now().getTime() + 60_000) });
    const first = await q.enqueue(k(), 'test.echo', { n: 2 });
    const urgent = await q.enqueue(k(), 'test.urgent', { n: 3 });
    expect(await claim(['test.fast'])).toBeUndefined();
    const c1 = await claim();
    expect(c1).toMatchObject({ id: urgent, name: 'test.urgent', payload: { n: 3 }, attempts: 1, maxAttempts: 3 });
    expect(c1!.leaseUntil.getTime()).toBe(clock.now().getTime() + 60_000);
    expect((await claim())?.id).toBe(first);
    expect(await claim()).toBeUndefined(); // `later` is not due
    clock.advance(60_000);
    expect((await claim())?.id).toBe(later);
    expect(await q.complete(k(), c1!)).toBe(true);
    expect(await jobRow(urgent!)).toMatchObject({ state: 'done', lease_until: null, lease_token: null, finished_at: clock.now() });
    expect(await q.complete(k(), c1!)).toBe(false); // done is done
  });

  it('retries with exponential backoff, then dead-letters after max_attempts keeping the error', async () => {
    const id = await q.enqueue(k(), 'test.echo', { n: 1 });
    const errors = ['timeout talking to the object store', 'connection reset', 'still broken'];
    for (const [i, message] of errors.entries()) {
      const job = await claim();
      expect(job).toMatchObject({ id, attempts: i + 1 });
      const outcome = await q.fail(k(), job!, new Error(message));
      const row = await jobRow(id!);
      expect(row.last_error).toBe(message);
      if (i < 2) {
        expect(outcome).toBe('retry');
        const delay = backoffDelay(i + 1, TEST_JOBS['test.echo']);
        expect(delay).toBe(1000 * 2 ** i); // 1 s, then 2 s
        expect(row).toMatchObject({ state: 'queued', lease_until: null, run_at: new Date(clock.now().getTime() + delay) });
        clock.advance(delay - 1);
        expect(await claim()).toBeUndefined(); // not before its time
        clock.advance(1);
      } else {
        expect(outcome).toBe('dead');
        expect(row).toMatchObject({ state: 'dead', attempts: 3, finished_at: clock.now(), last_error: 'still broken' });
      }
    }
    clock.advance(3_600_000);
    expect(await claim()).toBeUndefined(); // the dead stay dead
    expect(backoffDelay(30, TEST_JOBS['test.echo'])).toBe(10_000); // capped
  });

  it('a permanent error dead-letters at once', async () => {
    const id = await q.enqueue(k(), 'test.echo', { n: 1 });
    expect(await q.fail(k(), (await claim())!, new PermanentJobError('cannot decode this image/jpeg file: VipsJpeg: premature end'))).toBe('dead');
    expect(await jobRow(id!)).toMatchObject({ state: 'dead', attempts: 1, last_error: 'PermanentJobError: cannot decode this image/jpeg file: VipsJpeg: premature end' });
  });

  it('an expired lease (crashed worker) makes the job claimable again; the old run can no longer touch it', async () => {
    const id = await q.enqueue(k(), 'test.echo', { n: 1 });
    const crashed = (await claim())!;
    clock.advance(59_000);
    expect(await q.reapExpired(k())).toEqual({ requeued: 0, dead: 0 }); // still leased
    expect(await claim()).toBeUndefined();
    clock.advance(2_000);
    expect(await q.reapExpired(k())).toEqual({ requeued: 1, dead: 0 });
    expect((await jobRow(id!)).last_error).toMatch(/lease expired: worker test stopped or crashed during attempt 1/);
    const again = (await claim())!;
    expect(again).toMatchObject({ id, attempts: 2 });
    // the crashed run's late writes are fenced off by its lease token
    expect(await q.complete(k(), crashed)).toBe(false);
    expect(await q.fail(k(), crashed, new Error('late'))).toBe('lost');
    expect(await q.heartbeat(k(), crashed)).toBe(false);
    expect(await q.heartbeat(k(), again)).toBe(true);
    expect(await q.complete(k(), again)).toBe(true);
    expect(await jobRow(id!)).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('a job whose every attempt kills its worker ends up dead, not in a crash loop', async () => {
    const id = await q.enqueue(k(), 'test.echo', { n: 1 });
    for (let i = 0; i < 3; i++) {
      expect(await claim()).toMatchObject({ id });
      clock.advance(61_000);
      await q.reapExpired(k());
    }
    expect(await jobRow(id!)).toMatchObject({ state: 'dead', attempts: 3, last_error: expect.stringMatching(/lease expired/) });
  });

  it('heartbeats extend the lease; release gives the job back without counting the attempt', async () => {
    const id = await q.enqueue(k(), 'test.echo', { n: 1 });
    const job = (await claim())!;
    clock.advance(50_000);
    expect(await q.heartbeat(k(), job)).toBe(true);
    clock.advance(50_000);
    expect(await q.reapExpired(k())).toEqual({ requeued: 0, dead: 0 });
    expect(await q.release(k(), job)).toBe(true);
    expect(await jobRow(id!)).toMatchObject({ state: 'queued', attempts: 0, lease_until: null });
    expect(await claim()).toMatchObject({ id, attempts: 1 });
  });

  it('prunes finished jobs: done after their retention, dead after theirs', async () => {
    const done = await q.enqueue(k(), 'test.echo', { n: 1 });
    await q.complete(k(), (await claim())!);
    const dead = await q.enqueue(k(), 'test.echo', { n: 2 });
    await q.fail(k(), (await claim())!, new PermanentJobError('no'));
    const queued = await q.enqueue(k(), 'test.echo', { n: 3 });
    expect(await q.prune(k(), { done: clock.now(), dead: clock.now() })).toBe(0);
    clock.advance(1);
    expect(await q.prune(k(), { done: clock.now(), dead: new Date(0) })).toBe(1);
    expect((await k().selectFrom('job').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual([dead, queued]);
    expect(done).toBeTypeOf('number');
  });
});

const runner = (handlers: Record<string, JobHandlerFn>, o: { concurrency?: number; stopGraceMs?: number; database?: Database } = {}) =>
  startJobRunner({ db: (o.database ?? db).kysely, queue: live, handlers: new Map(Object.entries(handlers)), concurrency: o.concurrency ?? 2, log: silent, pollMs: 10, reapEveryMs: 50, stopGraceMs: o.stopGraceMs });

describe('the claim loop', () => {
  const states = async () => Object.fromEntries((await k().selectFrom('job').select(['id', 'state']).execute()).map((r) => [r.id, r.state]));

  it('runs each job, retries failures with backoff until done, dead-letters the hopeless with their error', async () => {
    const tries = new Map<number, number>();
    let concurrent = 0;
    let maxConcurrent = 0;
    const ids = await Promise.all(Array.from({ length: 12 }, (_, n) => live.enqueue(k(), 'test.fast', { n })));
    const r = runner(
      {
        'test.fast': async (payload, ctx) => {
          const { n } = payload as { n: number };
          tries.set(n, (tries.get(n) ?? 0) + 1);
          concurrent++;
          maxConcurrent = Math.max(maxConcurrent, concurrent);
          await new Promise((res) => setTimeout(res, 5));
          concurrent--;
          expect(ctx.job.attempts).toBe(tries.get(n));
          if (n === 11) throw new Error(`receipt ${n} is hopeless`);
          if (n % 3 === 0 && ctx.job.attempts < 3) throw new Error('transient');
        },
      },
      { concurrency: 3 },
    );
    try {
      await until(async () => Object.values(await states()).every((s) => s === 'done' || s === 'dead'));
    } finally {
      await r.stop();
    }
    const rows = await k().selectFrom('job').selectAll().where('id', 'in', ids as number[]).orderBy('id').execute();
    expect(rows.filter((x) => x.state === 'done')).toHaveLength(11);
    expect(rows.find((x) => x.state === 'dead')).toMatchObject({ payload: { n: 11 }, attempts: 4, last_error: 'receipt 11 is hopeless' });
    expect(rows.filter((x) => (x.payload as { n: number }).n % 3 === 0 && x.state === 'done').every((x) => x.attempts === 3)).toBe(true);
    expect(maxConcurrent).toBeLessThanOrEqual(3);
    expect(maxConcurrent).toBeGreaterThan(1);
  });

  it('dead-letters a job whose stored payload does not match its schema, without calling the handler', async () => {
    const { id } = await k().insertInto('job').values({ name: 'test.fast', payload: JSON.stringify({ n: 'x' }), run_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    let called = false;
    const r = runner({ 'test.fast': async () => void (called = true) });
    await until(async () => (await jobRow(id)).state === 'dead');
    await r.stop();
    expect(called).toBe(false);
    expect((await jobRow(id)).last_error).toMatch(/^PermanentJobError: invalid payload: n: /);
  });

  it('stops gracefully: lets a short job finish, aborts and releases a long one (its attempt not counted)', async () => {
    const short = await live.enqueue(k(), 'test.fast', { n: 1 });
    const long = await live.enqueue(k(), 'test.fast', { n: 2 });
    let started = 0;
    let aborted = false;
    const r = runner(
      {
        'test.fast': async (payload, ctx) => {
          started++;
          if ((payload as { n: number }).n === 1) return new Promise((res) => setTimeout(res, 100));
          await new Promise<void>((res) => ctx.signal.addEventListener('abort', () => ((aborted = true), res())));
        },
      },
      { concurrency: 2, stopGraceMs: 300 },
    );
    await until(async () => started === 2);
    await r.stop();
    expect(aborted).toBe(true);
    expect(await jobRow(short!)).toMatchObject({ state: 'done' });
    expect(await jobRow(long!)).toMatchObject({ state: 'queued', attempts: 0, lease_until: null });
    expect(r.running).toBe(0);
  });

  it('a job left running by a crashed worker is picked up by another one once its lease expires', async () => {
    const id = await live.enqueue(k(), 'test.fast', { n: 1 });
    // A "worker" claims it and dies: nobody heartbeats, the lease just runs out.
    const crashed = (await live.claim(k(), { names: ['test.fast'], workerId: 'crashed' }))!;
    await k().updateTable('job').set({ lease_until: new Date(Date.now() - 1000) }).where('id', '=', id!).execute();
    const r = runner({ 'test.fast': async () => {} });
    await until(async () => (await jobRow(id!)).state === 'done');
    await r.stop();
    expect(await jobRow(id!)).toMatchObject({ state: 'done', attempts: 2 });
    expect(crashed.attempts).toBe(1);
  });
});

describe('handlers: exactly one per job', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx?.close());
  const noop = async () => {};

  it('worker/handlers.ts covers the contract exactly, and the worker starts and stops', async () => {
    expect(() => checkHandlers(ctx.c)).not.toThrow();
    expect([...checkHandlers(ctx.c).keys()].sort()).toEqual(Object.keys((await import('../storage/queue/contract.ts')).JOBS).sort());
    const stop = startWorker(ctx.c, { schedules: false, pollMs: 10 });
    await stop();
  });

  it('refuses to start when a job has no handler, two handlers, or a handler for an undeclared job', () => {
    expect(() => checkHandlers(ctx.c, [], ['receipt.render'])).toThrow(HandlerRegistryError);
    expect(() => checkHandlers(ctx.c, [], ['receipt.render'])).toThrow(/job "receipt.render" has no handler/);
    const twice = [...jobHandlers, { name: 'receipt.render', run: noop }];
    expect(() => checkHandlers(ctx.c, twice)).toThrow(/job "receipt.render" has 2 handlers/);
    expect(() => checkHandlers(ctx.c, [...jobHandlers, { name: 'receipt.translate', run: noop }])).toThrow(/"receipt.translate", which storage\/queue\/contract.ts does not declare/);
    // startWorker checks first and starts nothing (no schedule, no claim loop) when it refuses
    expect(() => startWorker(ctx.c, { handlers: twice })).toThrow(/refuses to start: job "receipt.render" has 2 handlers/);
    expect(() => startWorker(ctx.c, { handlers: [] })).toThrow(/job "receipt.render" has no handler/);
  });
});

describe.runIf(onPostgres)('concurrent claimers on PostgreSQL (PGlite runs one transaction at a time: proves nothing there)', () => {
  it('N claimers racing on a few jobs get each job once', async () => {
    const ids = new Set<number>();
    for (let n = 0; n < 25; n++) ids.add((await q.enqueue(k(), 'test.echo', { n }))!);
    const claims = await Promise.all(Array.from({ length: 60 }, (_, i) => q.claim(k(), { names: ['test.echo'], workerId: `w${i}` })));
    const got = claims.filter((c) => c !== undefined).map((c) => c.id);
    expect(got).toHaveLength(25);
    expect(new Set(got)).toEqual(ids);
  });

  it('several worker loops on separate connections never run a job twice', async () => {
    const extra = await Promise.all([1, 2, 3].map(() => createDb({ url: pgUrl, schema: db.schema, poolMax: 4, migrate: false })));
    const runs = new Map<number, number>();
    const handler: JobHandlerFn = async (payload) => {
      const { n } = payload as { n: number };
      runs.set(n, (runs.get(n) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, Math.random() * 4));
    };
    const total = 300;
    await k().insertInto('job').values(Array.from({ length: total }, (_, n) => ({ name: 'test.fast', payload: JSON.stringify({ n }), run_at: new Date(Date.now() - 1000) }))).execute();
    const loops = [db, ...extra].map((database) => runner({ 'test.fast': handler }, { concurrency: 3, database }));
    try {
      await until(async () => Number((await k().selectFrom('job').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'done').executeTakeFirstOrThrow()).n) === total, 30_000);
    } finally {
      await Promise.all(loops.map((l) => l.stop()));
      await Promise.all(extra.map((d) => d.close()));
    }
    expect(runs.size).toBe(total);
    expect([...runs.values()].every((x) => x === 1)).toBe(true);
    const byWorker = await k().selectFrom('job').select(['locked_by', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('locked_by').execute();
    expect(byWorker.length).toBeGreaterThan(1); // the work was really shared
    expect((await k().selectFrom('job').select('attempts').distinct().execute()).map((r) => r.attempts)).toEqual([1]);
  });
});
