import type { Container } from '../../api/container.ts';
import { TenantDb } from '../../storage/db/tenant-db.ts';

/** Working days at 8:00 (Paris): one e-mail per approver on the digest who has expenses waiting. */
export async function approvalDigest(c: Container): Promise<void> {
  const tenants = await c.db.kysely.selectFrom('tenant').select('id').where('status', '=', 'active').execute();
  let sent = 0;
  for (const t of tenants) sent += await c.workflow.sendDigests(new TenantDb(t.id, c.db.kysely));
  if (sent) c.log.info({ sent }, 'approval digests queued');
}
