// Keyset pagination on (created_at, id). The cursor carries created_at as PostgreSQL's own text,
// because timestamptz has microseconds and a JS Date only milliseconds: a Date cursor would
// return rows of the same millisecond twice.
import { sql, type RawBuilder } from 'kysely';

export interface Keyset {
  createdAt: string;
  id: string;
}

/** Select this as `cursor_ts` next to the row, then encode the last row of the page. */
export const cursorTs = (column = 'created_at') => sql<string>`${sql.ref(column)}::text`.as('cursor_ts');

export function encodeKeyset(row: { cursor_ts: string; id: string }): string {
  return Buffer.from(`${row.cursor_ts}|${row.id}`).toString('base64url');
}

export function decodeKeyset(cursor: string): Keyset | undefined {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!createdAt || !id || !/^\d{4}-\d\d-\d\d[ T][\d:.]+([+-]\d\d(:\d\d)?)?$/.test(createdAt) || !/^[0-9a-f-]{36}$/.test(id)) return undefined;
  return { createdAt, id };
}

/** `(created_at, id) > (cursor)` — rows after the cursor in (created_at, id) order. */
export function afterKeyset(k: Keyset, table: string): RawBuilder<boolean> {
  return sql<boolean>`(${sql.ref(`${table}.created_at`)}, ${sql.ref(`${table}.id`)}) > (${k.createdAt}::timestamptz, ${k.id}::uuid)`;
}
