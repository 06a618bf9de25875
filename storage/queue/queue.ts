// The job queue in the database (table `job`, migration 005). Every statement is here.
//
// - enqueue(db | trx, …) inserts in the caller's transaction: a state change and its jobs commit
//   together, or neither does.
// - claim() is one short statement — the DESIGN.md query, FOR UPDATE SKIP LOCKED — that marks
//   one due job running under a lease and a fresh lease token; the work happens outside any
//   transaction. Two claimers never get the same job: a locked row is skipped, a row claimed and
//   committed meanwhile no longer matches state = 'queued' when re-checked.
// - complete() / fail() / heartbeat() / release() act only while the caller still holds the
//   token: a worker whose lease expired and whose job was claimed again cannot touch the new run.
// - fail() queues the job again with exponential backoff, or dead-letters it (state 'dead')
//   after max_attempts — or at once for a PermanentJobError — keeping the error.
// - reapExpired() queues again the running jobs whose lease ran out (a crashed or frozen worker);
//   the attempt it consumed counts, so a job that kills its worker every time ends up dead.
//
// Times come from the injected clock (leases, backoff, due dates), not the database's now().
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { z } from 'zod';
import type { DB, JobState } from '../db/schema.ts';
import type { JobContract } from './contract.ts';

export type QueueDb = Kysely<DB> | Transaction<DB>;
export interface QueueClock {
  now(): Date;
}

/** Retrying cannot help (unreadable input, invalid payload): the job is dead-lettered at once. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

export interface EnqueueOptions {
  /** Not before this time (default: now). */
  runAt?: Date;
  priority?: number;
  maxAttempts?: number;
  /** Overrides the contract's singleton key; null = none. */
  singletonKey?: string | null;
}

export interface ClaimedJob {
  id: number;
  name: string;
  payload: unknown;
  /** This attempt's number, from 1. */
  attempts: number;
  maxAttempts: number;
  leaseToken: string;
  leaseUntil: Date;
}

export type FailOutcome = 'retry' | 'dead' | 'lost';

const MAX_ERROR_CHARS = 4000;
const DEFAULT_LEASE_MS = 5 * 60_000;

/** Delay before the next attempt after `attempts` failed ones: backoff·2^(attempts−1), capped. */
export function backoffDelay(attempts: number, spec: { backoffMs: number; maxBackoffMs: number }): number {
  return Math.min(spec.maxBackoffMs, spec.backoffMs * 2 ** Math.max(0, attempts - 1));
}

export function describeError(e: unknown): string {
  const text = e instanceof Error ? `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}` : String(e);
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}

export class JobQueue<C extends JobContract = JobContract> {
  constructor(
    readonly contract: C,
    private readonly clock: QueueClock,
  ) {}

  get names(): (keyof C & string)[] {
    return Object.keys(this.contract);
  }

  spec(name: string): C[keyof C] | undefined {
    return Object.hasOwn(this.contract, name) ? (this.contract[name] as C[keyof C]) : undefined;
  }

  /**
   * Adds a job, in the caller's transaction when given one. Returns its id, or undefined when a
   * job with the same singleton key is already queued. An invalid payload throws (a bug).
   */
  async enqueue<N extends keyof C & string>(db: QueueDb, name: N, payload: z.input<C[N]['payload']>, o: EnqueueOptions = {}): Promise<number | undefined> {
    const spec = this.spec(name);
    if (!spec) throw new Error(`unknown job "${name}": declare it in storage/queue/contract.ts`);
    const parsed = spec.payload.parse(payload) as Record<string, unknown>;
    const singletonKey = o.singletonKey !== undefined ? o.singletonKey : (spec.singletonKey?.(parsed) ?? null);
    const now = this.clock.now();
    const row = await db
      .insertInto('job')
      .values({
        name,
        payload: JSON.stringify(parsed),
        priority: o.priority ?? spec.priority,
        run_at: o.runAt ?? now,
        max_attempts: o.maxAttempts ?? spec.maxAttempts,
        singleton_key: singletonKey,
        created_at: now,
        updated_at: now,
      })
      // The predicate is literal so that PostgreSQL matches the partial unique index.
      .onConflict((oc) => oc.columns(['name', 'singleton_key']).where(sql<boolean>`state = 'queued' AND singleton_key IS NOT NULL`).doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id;
  }

  /** Claims the next due job among `names` (priority, then age), or undefined if none is due. */
  async claim(db: Kysely<DB>, o: { names: readonly string[]; workerId: string }): Promise<ClaimedJob | undefined> {
    if (!o.names.length) return undefined;
    const now = this.clock.now();
    const token = randomUUID();
    const leaseMs = sql.join(o.names.map((n) => sql`WHEN ${n} THEN ${this.spec(n)?.leaseMs ?? DEFAULT_LEASE_MS}::integer`), sql` `);
    const r = await sql<{ id: number; name: string; payload: unknown; attempts: number; max_attempts: number; lease_until: Date }>`
      UPDATE job
         SET state = 'running', attempts = attempts + 1, lease_token = ${token}::uuid, locked_by = ${o.workerId},
             lease_until = ${now}::timestamptz + (CASE name ${leaseMs} ELSE ${DEFAULT_LEASE_MS}::integer END) * interval '1 millisecond',
             started_at = ${now}::timestamptz, updated_at = ${now}::timestamptz
       WHERE id = (
             SELECT id FROM job
              WHERE state = 'queued' AND run_at <= ${now}::timestamptz AND name IN (${sql.join(o.names)})
              ORDER BY priority, id
              FOR UPDATE SKIP LOCKED
              LIMIT 1)
      RETURNING id, name, payload, attempts, max_attempts, lease_until`.execute(db);
    const j = r.rows[0];
    if (!j) return undefined;
    return { id: Number(j.id), name: j.name, payload: parseJson(j.payload), attempts: j.attempts, maxAttempts: j.max_attempts, leaseToken: token, leaseUntil: new Date(j.lease_until) };
  }

  /** Marks the job done; false if this run no longer holds it (lease expired and reclaimed). */
  async complete(db: Kysely<DB>, job: ClaimedJob): Promise<boolean> {
    const now = this.clock.now();
    const r = await this.held(db.updateTable('job').set({ state: 'done', lease_until: null, lease_token: null, finished_at: now, updated_at: now }), job).returning('id').execute();
    return r.length === 1;
  }

  /**
   * Records a failed attempt: queued again after the backoff delay, or dead once max_attempts
   * are used (or at once for a PermanentJobError); 'lost' if this run no longer holds the job.
   */
  async fail(db: Kysely<DB>, job: ClaimedJob, error: unknown): Promise<FailOutcome> {
    const now = this.clock.now();
    const spec = this.spec(job.name);
    const dead = error instanceof PermanentJobError || job.attempts >= job.maxAttempts || !spec;
    const runAt = new Date(now.getTime() + (spec ? backoffDelay(job.attempts, spec) : 0));
    const r = await this.held(
      db.updateTable('job').set({
        state: dead ? 'dead' : 'queued',
        lease_until: null,
        lease_token: null,
        last_error: describeError(error),
        updated_at: now,
        ...(dead ? { finished_at: now } : { run_at: runAt }),
      }),
      job,
    )
      .returning('id')
      .execute();
    return r.length !== 1 ? 'lost' : dead ? 'dead' : 'retry';
  }

  /** Extends the lease of a running job; false if this run lost it. */
  async heartbeat(db: Kysely<DB>, job: ClaimedJob): Promise<boolean> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + (this.spec(job.name)?.leaseMs ?? DEFAULT_LEASE_MS));
    const r = await this.held(db.updateTable('job').set({ lease_until: leaseUntil, updated_at: now }), job).returning('id').execute();
    if (r.length === 1) job.leaseUntil = leaseUntil;
    return r.length === 1;
  }

  /** Gives a job back unfinished (a stopping worker): queued at once, this attempt not counted. */
  async release(db: Kysely<DB>, job: ClaimedJob): Promise<boolean> {
    const now = this.clock.now();
    const r = await this.held(
      db.updateTable('job').set((eb) => ({ state: 'queued', attempts: sql<number>`GREATEST(${eb.ref('attempts')} - 1, 0)`, lease_until: null, lease_token: null, run_at: now, updated_at: now })),
      job,
    )
      .returning('id')
      .execute();
    return r.length === 1;
  }

  /**
   * Running jobs whose lease ran out (their worker crashed, froze or lost the database): queued
   * again at once, or dead when that was their last attempt. Safe to run from every worker.
   */
  async reapExpired(db: Kysely<DB>, limit = 100): Promise<{ requeued: number; dead: number }> {
    const now = this.clock.now();
    const r = await sql<{ state: JobState }>`
      UPDATE job
         SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
             finished_at = CASE WHEN attempts >= max_attempts THEN ${now}::timestamptz END,
             last_error = 'lease expired: worker ' || coalesce(locked_by, '?') || ' stopped or crashed during attempt ' || attempts,
             lease_until = NULL, lease_token = NULL, run_at = ${now}::timestamptz, updated_at = ${now}::timestamptz
       WHERE id IN (
             SELECT id FROM job
              WHERE state = 'running' AND lease_until < ${now}::timestamptz
              ORDER BY lease_until
              FOR UPDATE SKIP LOCKED
              LIMIT ${limit})
      RETURNING state`.execute(db);
    const dead = r.rows.filter((x) => x.state === 'dead').length;
    return { requeued: r.rows.length - dead, dead };
  }

  /** Deletes finished jobs: done ones older than `done`, dead ones older than `dead`. */
  async prune(db: Kysely<DB>, before: { done: Date; dead: Date }): Promise<number> {
    const r = await db
      .deleteFrom('job')
      .where((eb) => eb.or([eb.and([eb('state', '=', 'done'), eb('finished_at', '<', before.done)]), eb.and([eb('state', '=', 'dead'), eb('finished_at', '<', before.dead)])]))
      .returning('id')
      .execute();
    return r.length;
  }

  private held<Q extends { where: (...a: any[]) => any }>(q: Q, job: ClaimedJob): Q {
    return q.where('id', '=', job.id).where('state', '=', 'running').where('lease_token', '=', job.leaseToken);
  }
}

// jsonb arrives parsed from both drivers; a string would mean a driver without the json parser.
function parseJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}
