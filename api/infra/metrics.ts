// Prometheus metrics at /metrics (text format, prom-client). Values that several processes share
// (the vault's integrity failures, found by whichever worker swept) are read from the database at
// scrape time, so any API process reports the deployment's count, not only its own.
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../storage/db/schema.ts';

export function createMetrics(db: Kysely<DB>): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'justif_' });
  new Gauge({
    name: 'justif_vault_integrity_failures',
    help: 'Vault objects found altered or missing (sweeps and reads), all time, by outcome',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      const rows = (await sql<{ outcome: string; n: number }>`SELECT data->>'outcome' AS outcome, count(*)::int AS n FROM audit_event WHERE type = 'vault.integrity_failed' GROUP BY 1`.execute(db)).rows;
      this.reset();
      for (const o of ['mismatch', 'missing']) this.set({ outcome: o }, Number(rows.find((r) => r.outcome === o)?.n ?? 0));
    },
  });
  return registry;
}
