// Plain-SQL migrations (storage/db/migrations/NNN_name.sql), the same files on PGlite and
// PostgreSQL 15. 000_bootstrap.sql runs every time; the others once each, in order, under an
// advisory lock so that several processes starting together migrate exactly once.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ScriptRunner {
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
const LOCK_KEY = 4_711_2026;

export function migrationFiles(): { name: string; sql: string; checksum: string }[] {
  return readdirSync(DIR)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = readFileSync(join(DIR, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * True when every migration is applied unchanged — read with the service's own rights (SELECT on
 * schema_migration), so API and worker processes started with a least-privilege login and no
 * DATABASE_OWNER_URL come up after `npm run migrate` without needing the owner.
 */
export async function upToDate(db: ScriptRunner): Promise<boolean> {
  const [, ...files] = migrationFiles();
  try {
    const rows = await db.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migration');
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    return files.every((f) => applied.get(f.name) === f.checksum);
  } catch {
    return false; // no schema_migration yet: a fresh database
  }
}

/** Applies pending migrations; returns the names applied. Refuses an edited applied migration. */
export async function migrate(db: ScriptRunner): Promise<string[]> {
  const [bootstrap, ...files] = migrationFiles();
  if (!bootstrap?.name.startsWith('000_')) throw new Error('000_bootstrap.sql is missing');
  await db.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    await db.exec(bootstrap.sql);
    const rows = await db.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migration');
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const done: string[] = [];
    for (const f of files) {
      const prior = applied.get(f.name);
      if (prior !== undefined) {
        if (prior !== f.checksum) throw new Error(`migration ${f.name} was edited after it was applied`);
        continue;
      }
      await db.exec('BEGIN');
      try {
        await db.exec(f.sql);
        await db.query('INSERT INTO schema_migration (name, checksum) VALUES ($1, $2)', [f.name, f.checksum]);
        await db.exec('COMMIT');
      } catch (e) {
        await db.exec('ROLLBACK');
        throw new Error(`migration ${f.name} failed: ${(e as Error).message}`);
      }
      done.push(f.name);
    }
    return done;
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
  }
}
