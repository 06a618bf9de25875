import type { Container } from '../../api/container.ts';

/** Signs every audit chain head (R-SEC-4): hourly, and on demand by an operator. */
export async function auditCheckpoint(c: Container): Promise<void> {
  const cp = await c.audit.checkpoint();
  c.log.info({ checkpoint: cp.id, chains: cp.heads.length }, 'audit checkpoint signed');
}
