// npm run migrate — applies pending migrations as the owner (DATABASE_OWNER_URL, else
// DATABASE_URL; the embedded database under DATA_DIR/pglite without either).
import { resolve } from 'node:path';
import { createDb } from './db.ts';
import { migrate, migrationFiles } from './migrate.ts';

const url = process.env.DATABASE_OWNER_URL || process.env.DATABASE_URL || undefined;
const db = await createDb({ url, dataDir: resolve(process.env.DATA_DIR || './data', 'pglite'), migrate: false });
try {
  const applied = await db.asOwner(migrate);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : `up to date (${migrationFiles().length - 1} migrations)`);
} finally {
  await db.close();
}
