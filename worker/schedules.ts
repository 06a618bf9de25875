// The one cron table (Europe/Paris). Each run claims its slot in schedule_run first, so with any
// number of worker processes a slot runs once.
import cron from 'node-cron';
import type { Container } from '../api/container.ts';
import { SYSTEM_ACTOR } from '../api/features/audit/audit.service.ts';
import { previousMonth } from '../api/features/billing/metering.ts';
import { approvalDigest } from './jobs/approval-digest.ts';
import { auditCheckpoint } from './jobs/audit-checkpoint.ts';
import { jobsPrune } from './jobs/jobs-prune.ts';
import { mailDelivery } from './jobs/mail-delivery.ts';
import { receiptsCleanup } from './jobs/receipts-cleanup.ts';
import { vaultCheckpoint, vaultSweep } from './jobs/vault.ts';

export interface Schedule {
  name: string;
  cron: string;
  run(c: Container): Promise<void>;
}

export function schedules(c: Container): Schedule[] {
  return [
    { name: 'audit-checkpoint', cron: c.config.audit.checkpointCron, run: auditCheckpoint },
    // Mail that could not go out at once (SMTP down) is retried with backoff.
    { name: 'mail-delivery', cron: '* * * * *', run: mailDelivery },
    // Receipt objects no row points at (released, or left by a crash): removed once an hour old.
    { name: 'receipts-cleanup', cron: '17 * * * *', run: receiptsCleanup },
    // Finished jobs out of the queue table (dead ones are kept 90 days with their error).
    { name: 'jobs-prune', cron: '41 3 * * *', run: jobsPrune },
    // Approvers who chose one e-mail a day for their queue (R-WF item 8).
    { name: 'approval-digest', cron: '0 8 * * 1-5', run: approvalDigest },
    // The vault (R-VLT-3/4): journals signed (and time-stamped) at least hourly; every object re-hashed daily.
    { name: 'vault-checkpoint', cron: c.config.vault.checkpointCron, run: vaultCheckpoint },
    { name: 'vault-sweep', cron: c.config.vault.sweepCron, run: vaultSweep },
    // Export files past their Client's retention (default a year): removed, the batch record and hash kept (R-ACC-4).
    { name: 'exports-retention', cron: '50 3 * * *', run: async (c) => void (await c.exports.removeExpiredFiles(c.db.kysely)) },
    // Invoices (R-BIL-3): on the 1st of each month (Paris), the previous month's, exactly once whatever runs at once.
    { name: 'invoices', cron: '0 6 1 * *', run: async (c) => void (await c.invoicing.run(SYSTEM_ACTOR, previousMonth(c.clock.now()))) },
    // Late payment (R-BIL-5): the written notice of invoices unpaid past the grace period (suspension follows 48 h later, derived); mails of issued invoices a crash left unsent.
    { name: 'dunning', cron: '25 * * * *', run: async (c) => void (await c.dunning.run(SYSTEM_ACTOR), await c.invoicing.mailIssued()) },
    // End of contract (R-REV-2): Clients terminated 30 days ago go on to the vault destruction, then the purge and its certificate.
    { name: 'contract-end', cron: '20 4 * * *', run: async (c) => void (await c.contractEnd.runDue()) },
  ];
}

/** Claims a schedule's slot (its minute); true for exactly one process. */
export async function claimSlot(c: Container, name: string, at: Date): Promise<boolean> {
  const slot = at.toISOString().slice(0, 16);
  const r = await c.db.kysely.insertInto('schedule_run').values({ name, slot }).onConflict((oc) => oc.doNothing()).returning('name').execute();
  return r.length === 1;
}

export function startSchedules(c: Container): () => void {
  const tasks = schedules(c).map((s) =>
    cron.schedule(s.cron, async () => {
      try {
        if (await claimSlot(c, s.name, c.clock.now())) await s.run(c);
      } catch (err) {
        c.log.error({ err, schedule: s.name }, 'scheduled job failed');
      }
    }, { timezone: 'Europe/Paris', name: s.name }),
  );
  return () => tasks.forEach((t) => t.stop());
}
