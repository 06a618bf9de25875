// The vault's jobs and schedules (R-VLT): deposits (job `vault.deposit`, queued when an expense is
// verified or, by Client setting, when originals are uploaded), hourly checkpoints of every journal
// that grew, and the integrity sweep.
import type { Container } from '../../api/container.ts';
import type { JobPayload } from '../../storage/queue/contract.ts';

export async function vaultDeposit(c: Container, p: JobPayload<'vault.deposit'>) {
  const r = await c.vault.depositExpense(p.tenantId, p.expenseId);
  if (r.deposited.length) c.log.info({ tenantId: p.tenantId, expenseId: p.expenseId, deposits: r.deposited.length }, 'vault deposits made');
  return r;
}

export async function vaultCheckpoint(c: Container): Promise<void> {
  const n = await c.vault.checkpointAll();
  if (n) c.log.info({ journals: n }, 'vault checkpoints signed');
}

export async function vaultSweep(c: Container): Promise<void> {
  const s = await c.vault.sweep();
  c.log[s.mismatched.length || s.missing.length ? 'error' : 'info']({ objects: s.objects, bytes: s.bytes, mismatched: s.mismatched.length, missing: s.missing.length, ms: s.ms }, 'vault integrity sweep done');
}
