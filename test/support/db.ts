// A fresh database per test file: PGlite in memory, or — with DATABASE_URL — a new schema on
// that PostgreSQL server (migrated by the owner, used through the justif_service role).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type Database } from '../../storage/db/db.ts';

export const onPostgres = !!process.env.DATABASE_URL;
export const pgUrl = process.env.DATABASE_URL;

/** A new empty database; `dataDir` puts PGlite on disk (for tests that run a CLI on it). */
export async function freshDb(opts: { dataDir?: string; schema?: string } = {}): Promise<Database & { schema?: string }> {
  if (!pgUrl) return createDb({ dataDir: opts.dataDir ?? 'memory://' });
  const schema = opts.schema ?? `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(pgUrl);
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const db = await createDb({ url: pgUrl, schema, poolMax: 12 });
  return {
    ...db,
    schema,
    async close() {
      await db.close();
      const c = new pg.Client(pgUrl);
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}
