// npm run vault:verify — an integrity sweep now (every kept vault object re-read and re-hashed,
// each outcome journaled), then every Client's vault journal and checkpoints recomputed, then the
// storage-write log read back from the vault location. Exit 0 when all hold; 1 naming what does not.
import { runCli } from './cli.ts';

await runCli(async (c) => {
  let bad = 0;
  const s = await c.vault.sweep();
  console.log(`sweep: ${s.objects} object(s), ${(s.bytes / 1_048_576).toFixed(1)} MB in ${(s.ms / 1000).toFixed(1)} s${s.resumedFrom ? ` (resumed after ${s.resumedFrom})` : ''}`);
  for (const m of s.mismatched) console.error(`ALTERED: ${m.key} (Client ${m.tenantId}): expected SHA-256 ${m.expected}, found ${m.actual}`);
  for (const m of s.missing) console.error(`MISSING: ${m.key} (Client ${m.tenantId})`);
  bad += s.mismatched.length + s.missing.length;
  const tenants = await c.db.kysely.selectFrom('vault_journal').select('tenant_id').distinct().execute();
  for (const { tenant_id } of tenants) {
    const r = await c.vault.journal.verify(tenant_id);
    if (r.ok) console.log(`journal of ${tenant_id}: ${r.entries} entries, ${r.checkpoints} checkpoint(s) verified`);
    else (bad++, console.error(`JOURNAL of ${tenant_id}: ${r.problem}`));
  }
  const log = await c.vault.storeLog.verify();
  if (log.ok) console.log(`storage-write log: ${log.entries} entries chained`);
  else (bad++, console.error(`STORAGE LOG: ${log.problem}`));
  console.log(bad ? `FAILED: ${bad} problem(s); nothing was repaired` : `OK (vault key ${c.vaultKey.keyId})`);
  return bad ? 1 : 0;
});
