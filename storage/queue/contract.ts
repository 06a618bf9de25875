// The job contract: every job the system runs, by name, with the zod schema of its payload and its
// retry policy. Producers (services, in their own transaction) enqueue by these names; the worker
// refuses to start unless worker/handlers.ts maps each name to exactly one handler. Payloads are
// checked when enqueued and again when claimed (a row edited by hand, or written by an older
// release, is dead-lettered with the validation error instead of reaching a handler).
//
// Changing a payload: add fields as optional (jobs already queued lack them), or add a new name.
import { z } from 'zod';

export interface JobSpec<S extends z.ZodType = z.ZodType> {
  payload: S;
  /** Attempts before the job is dead-lettered (kept with its last error). */
  maxAttempts: number;
  /** Lower runs first. */
  priority: number;
  /** How long a claim lasts; the worker extends it while the handler runs (heartbeat). */
  leaseMs: number;
  /** Delay before the first retry; doubled at each further attempt, at most maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** While a job with this key is queued, enqueueing the same key again is a no-op. */
  singletonKey?: (payload: z.output<S>) => string;
}
export type JobContract = Record<string, JobSpec<any>>;

const job = <S extends z.ZodType>(spec: JobSpec<S>): JobSpec<S> => spec;
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');

export const JOBS = {
  /** Derives the renditions of a receipt original (normalised JPEG, thumbnail, PDF pages). */
  'receipt.render': job({
    payload: z.strictObject({ tenantId: z.uuid(), sha256 }),
    maxAttempts: 5,
    priority: 10,
    leaseMs: 5 * 60_000,
    backoffMs: 30_000,
    maxBackoffMs: 30 * 60_000,
    singletonKey: (p) => `${p.tenantId}:${p.sha256}`,
  }),
  /** Reads a receipt original (OCR or a PDF's text layer) and fills the editable expenses using it. */
  'receipt.ocr': job({
    payload: z.strictObject({ tenantId: z.uuid(), sha256 }),
    maxAttempts: 4,
    priority: 5, // before renditions: the employee is waiting for the fields
    leaseMs: 5 * 60_000,
    backoffMs: 30_000,
    maxBackoffMs: 30 * 60_000,
    singletonKey: (p) => `${p.tenantId}:${p.sha256}`,
  }),
  /** Deposits the receipt originals of an expense into the archival vault (R-VLT-1); idempotent. */
  'vault.deposit': job({
    payload: z.strictObject({ tenantId: z.uuid(), expenseId: z.uuid() }),
    maxAttempts: 8,
    priority: 20,
    leaseMs: 5 * 60_000,
    backoffMs: 60_000,
    maxBackoffMs: 6 * 60 * 60_000,
    singletonKey: (p) => `${p.tenantId}:${p.expenseId}`,
  }),
  /** A full export of a Client (R-REV-1): every record as CSV and xlsx, every receipt, a manifest; one ZIP streamed into the object store. */
  'client.export': job({
    payload: z.strictObject({ tenantId: z.uuid(), exportId: z.uuid() }),
    maxAttempts: 3,
    priority: 30,
    leaseMs: 30 * 60_000,
    backoffMs: 5 * 60_000,
    maxBackoffMs: 60 * 60_000,
    singletonKey: (p) => p.exportId,
  }),
} satisfies JobContract;

export type Jobs = typeof JOBS;
export type JobName = keyof Jobs & string;
export type JobPayload<N extends JobName> = z.output<Jobs[N]['payload']>;
export const JOB_NAMES = Object.keys(JOBS) as JobName[];
