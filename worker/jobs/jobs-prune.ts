import type { Container } from '../../api/container.ts';

export const DONE_JOBS_KEPT_DAYS = 7;
export const DEAD_JOBS_KEPT_DAYS = 90;

/** Daily: finished jobs leave the queue table — done ones after a week, dead ones (kept with their error for inspection) after 90 days. */
export async function jobsPrune(c: Container): Promise<void> {
  const now = c.clock.now().getTime();
  const day = 86_400_000;
  const n = await c.queue.prune(c.db.kysely, { done: new Date(now - DONE_JOBS_KEPT_DAYS * day), dead: new Date(now - DEAD_JOBS_KEPT_DAYS * day) });
  if (n) c.log.info({ pruned: n }, 'finished jobs pruned');
}
