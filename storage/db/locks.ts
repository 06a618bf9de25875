import { sql, type Transaction } from 'kysely';

/** A transaction-scoped advisory lock on a name: held until commit or rollback. */
export async function advisoryXactLock(trx: Transaction<any>, name: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${name}, 0))`.execute(trx);
}
