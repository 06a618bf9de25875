// Job name → handler: exactly one handler per job of the contract (storage/queue/contract.ts).
// checkHandlers() runs when a worker starts and refuses to start on a job without a handler, a
// job with two, or a handler for a job the contract does not declare.
import type { Container } from '../api/container.ts';
import { JOB_NAMES, type JobName, type JobPayload } from '../storage/queue/contract.ts';
import type { JobContext, JobHandlerFn } from './job-runner.ts';
import { receiptOcr } from './jobs/receipt-ocr.ts';
import { receiptRender } from './jobs/receipt-render.ts';
import { vaultDeposit } from './jobs/vault.ts';
import type { JobPayload as P } from '../storage/queue/contract.ts';

export type JobHandler<N extends JobName> = (c: Container, payload: JobPayload<N>, ctx: JobContext) => Promise<unknown>;
export interface HandlerEntry {
  name: string;
  run: (c: Container, payload: any, ctx: JobContext) => Promise<unknown>;
}
const handle = <N extends JobName>(name: N, run: JobHandler<N>): HandlerEntry => ({ name, run });

export const jobHandlers: readonly HandlerEntry[] = [
  handle('receipt.render', receiptRender),
  handle('receipt.ocr', receiptOcr),
  handle('vault.deposit', vaultDeposit),
  handle('client.export', (c, p: P<'client.export'>) => c.reversibility.run(p.tenantId, p.exportId)),
];

export class HandlerRegistryError extends Error {}

/** The handler of each job, bound to the container; throws listing every problem at once. */
export function checkHandlers(c: Container, entries: readonly HandlerEntry[] = jobHandlers, names: readonly string[] = JOB_NAMES): Map<string, JobHandlerFn> {
  const problems: string[] = [];
  const byName = new Map<string, HandlerEntry[]>();
  for (const e of entries) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
  for (const n of names) {
    const found = byName.get(n)?.length ?? 0;
    if (found === 0) problems.push(`job "${n}" has no handler`);
    if (found > 1) problems.push(`job "${n}" has ${found} handlers`);
  }
  for (const n of byName.keys()) if (!names.includes(n)) problems.push(`a handler is registered for "${n}", which storage/queue/contract.ts does not declare`);
  if (problems.length) throw new HandlerRegistryError(`the worker refuses to start: ${problems.join('; ')} (see worker/handlers.ts)`);
  return new Map(entries.map((e) => [e.name, (payload, ctx) => e.run(c, payload, ctx)]));
}
