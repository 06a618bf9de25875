// The claim loop of a worker process: up to `concurrency` jobs at once, each claimed in one short
// statement (storage/queue/queue.ts), run outside any transaction while a heartbeat extends its
// lease, then marked done — or failed, for the queue to retry with backoff or dead-letter.
// When idle it polls every pollMs; it also queues again, now and then, the jobs of crashed
// workers (expired leases). stop(): no new claims; running jobs get stopGraceMs to finish, then
// are aborted and released (queued again at once, the attempt not counted).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../storage/db/schema.ts';
import { PermanentJobError, type ClaimedJob, type JobQueue } from '../storage/queue/queue.ts';

export interface JobContext {
  job: Readonly<Pick<ClaimedJob, 'id' | 'name' | 'attempts' | 'maxAttempts'>>;
  /** Aborted when the worker stops past its grace period, or the job's lease was lost. */
  signal: AbortSignal;
  log: Logger;
}
/** A handler receives the payload already checked against the job's schema. */
export type JobHandlerFn = (payload: unknown, ctx: JobContext) => Promise<unknown>;

export interface RunnerOptions {
  db: Kysely<DB>;
  queue: JobQueue<any>;
  handlers: ReadonlyMap<string, JobHandlerFn>;
  concurrency: number;
  log: Logger;
  /** Idle sleep between claims when nothing is due (default 1 s). */
  pollMs?: number;
  /** How often this worker looks for expired leases (default 15 s). */
  reapEveryMs?: number;
  /** How long stop() lets running jobs finish before releasing them (default 5 s). */
  stopGraceMs?: number;
  workerId?: string;
}

export interface JobRunner {
  readonly workerId: string;
  /** Jobs running now. */
  readonly running: number;
  stop(): Promise<void>;
}

interface Running {
  job: ClaimedJob;
  abort: AbortController;
  released: boolean;
  done: Promise<void>;
}

export function startJobRunner(o: RunnerOptions): JobRunner {
  const workerId = o.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const names = [...o.handlers.keys()];
  const pollMs = o.pollMs ?? 1000;
  const reapEveryMs = o.reapEveryMs ?? 15_000;
  const concurrency = Math.max(1, o.concurrency);
  const log = o.log.child({ worker: workerId });
  const active = new Map<number, Running>();
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let lastReap = -Infinity;

  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });
  const wake = () => wakeUp?.();

  function run(job: ClaimedJob): void {
    const abort = new AbortController();
    const jobLog = log.child({ job: job.id, name: job.name, attempt: job.attempts });
    const entry: Running = { job, abort, released: false, done: Promise.resolve() };
    const leaseMs = o.queue.spec(job.name)?.leaseMs ?? 5 * 60_000;
    const heartbeat = setInterval(() => {
      o.queue.heartbeat(o.db, job).then(
        (held) => {
          if (!held && !entry.released) {
            jobLog.warn('lost the lease of a running job (it expired and was claimed again): aborting this run');
            abort.abort(new Error('lease lost'));
          }
        },
        (err) => jobLog.warn({ err }, 'could not extend the lease'),
      );
    }, Math.max(1000, Math.floor(leaseMs / 3)));
    heartbeat.unref();
    entry.done = (async () => {
      const started = performance.now();
      try {
        const handler = o.handlers.get(job.name)!;
        const parsed = o.queue.spec(job.name)!.payload.safeParse(job.payload);
        if (!parsed.success) throw new PermanentJobError(`invalid payload: ${parsed.error.issues.map((i: { path: PropertyKey[]; message: string }) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')}`);
        const result = await handler(parsed.data, { job, signal: abort.signal, log: jobLog });
        if (entry.released) return;
        if (await o.queue.complete(o.db, job)) jobLog.info({ ms: Math.round(performance.now() - started), result }, 'job done');
        else jobLog.warn('job finished after losing its lease: its new run decides');
      } catch (err) {
        if (entry.released) return;
        const outcome = await o.queue.fail(o.db, job, err).catch((e: unknown) => {
          jobLog.error({ err: e }, 'could not record a failed attempt: the lease will expire and the job run again');
          return 'lost' as const;
        });
        if (outcome === 'dead') jobLog.error({ err }, `job dead-lettered after ${job.attempts} attempt(s)`);
        else jobLog.warn({ err, outcome }, 'job attempt failed');
      } finally {
        clearInterval(heartbeat);
        active.delete(job.id);
        wake();
      }
    })();
    active.set(job.id, entry);
  }

  const loop = (async () => {
    while (!stopping) {
      if (active.size >= concurrency) {
        await nap(pollMs); // woken as soon as a job finishes
        continue;
      }
      try {
        if (performance.now() - lastReap >= reapEveryMs) {
          lastReap = performance.now();
          const r = await o.queue.reapExpired(o.db);
          if (r.requeued || r.dead) log.warn(r, 'jobs of a stopped or crashed worker (lease expired): queued again or dead-lettered');
        }
        const job = await o.queue.claim(o.db, { names, workerId });
        if (job) run(job);
        else await nap(pollMs);
      } catch (err) {
        log.error({ err }, 'job claim failed; retrying after a pause');
        await nap(pollMs);
      }
    }
  })();

  async function stop(graceMs = o.stopGraceMs ?? 5000): Promise<void> {
    stopping = true;
    wake();
    await loop;
    if (active.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all([...active.values()].map((a) => a.done)), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    for (const a of [...active.values()]) {
      a.released = true;
      a.abort.abort(new Error('worker stopping'));
      const ok = await o.queue.release(o.db, a.job).catch((err: unknown) => (log.error({ err, job: a.job.id }, 'could not release a job: its lease will expire'), false));
      if (ok) log.info({ job: a.job.id, name: a.job.name }, 'released an unfinished job at shutdown');
    }
  }

  return {
    workerId,
    get running() {
      return active.size;
    },
    stop: () => (stopped ??= stop()),
  };
}
