// A worker process: claims queued jobs (worker/job-runner.ts) and runs the schedule. Any number
// of them may run against one PostgreSQL; `npm start` (embedded database) runs one inside the
// API process.
import { closeOcrEngine } from './ocr/engine-holder.ts';
import { loadConfig, ConfigError } from '../api/config.ts';
import { createContainer, type Container } from '../api/container.ts';
import { checkHandlers, type HandlerEntry } from './handlers.ts';
import { startJobRunner } from './job-runner.ts';
import { startSchedules } from './schedules.ts';

export interface WorkerOptions {
  /** Handlers to check and run instead of worker/handlers.ts's (tests). */
  handlers?: readonly HandlerEntry[];
  concurrency?: number;
  pollMs?: number;
  stopGraceMs?: number;
  /** Run the cron table too (default true). */
  schedules?: boolean;
}

/** Starts claiming jobs and the schedule; throws (starting nothing) if a job lacks a handler or has two. */
export function startWorker(c: Container, o: WorkerOptions = {}): () => Promise<void> {
  const handlers = checkHandlers(c, o.handlers);
  const stopSchedules = o.schedules === false ? () => {} : startSchedules(c);
  const concurrency = o.concurrency ?? c.config.worker.concurrency;
  const runner = startJobRunner({ db: c.db.kysely, queue: c.queue, handlers, concurrency, log: c.log, pollMs: o.pollMs, stopGraceMs: o.stopGraceMs });
  c.log.info({ jobs: [...handlers.keys()], concurrency, worker: runner.workerId }, 'worker started (jobs, and schedules: audit checkpoint, mail delivery, receipts cleanup, jobs pruning, approval digest)');
  return async () => {
    stopSchedules();
    await runner.stop();
    await closeOcrEngine();
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const config = loadConfig();
    if (!config.database.url) {
      console.error('npm run worker needs DATABASE_URL: the embedded database is single-process, and `npm start` already runs the worker in the API process.');
      process.exit(2);
    }
    const c: Container = await createContainer(config);
    const stop = startWorker(c);
    let closing = false;
    const shutdown = async (signal: string) => {
      if (closing) return;
      closing = true;
      c.log.info({ signal }, 'worker stopping: finishing or releasing running jobs');
      await stop();
      await c.close();
      process.exit(0);
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : e);
    process.exit(1);
  }
}
