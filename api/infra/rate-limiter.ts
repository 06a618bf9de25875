// Fixed-window counters in the database, shared by every API process.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../storage/db/schema.ts';
import type { Clock } from '../clock.ts';

export interface RateLimiter {
  /** Counts one hit; returns seconds to wait when over `max` hits in the window, else 0. */
  hit(key: string, max: number): Promise<number>;
  /** Seconds to wait if the key already reached `max`, without counting. */
  check(key: string, max: number): Promise<number>;
}

export function createRateLimiter(db: Kysely<DB>, clock: Clock, windowMinutes: number): RateLimiter {
  const windowMs = windowMinutes * 60_000;
  const retryAfter = (start: Date, now: Date) => Math.max(1, Math.ceil((start.getTime() + windowMs - now.getTime()) / 1000));
  return {
    async hit(key, max) {
      const now = clock.now();
      const cutoff = new Date(now.getTime() - windowMs);
      // One upsert: a stale window restarts at 1, a live one increments — atomic across processes.
      const row = await db
        .insertInto('rate_limit')
        .values({ key, window_start: now, count: 1 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql`CASE WHEN rate_limit.window_start <= ${cutoff} THEN 1 ELSE rate_limit.count + 1 END`,
            window_start: sql`CASE WHEN rate_limit.window_start <= ${cutoff} THEN ${now}::timestamptz ELSE rate_limit.window_start END`,
          }),
        )
        .returning(['count', 'window_start'])
        .executeTakeFirstOrThrow();
      return row.count > max ? retryAfter(row.window_start, now) : 0;
    },
    async check(key, max) {
      const now = clock.now();
      const row = await db.selectFrom('rate_limit').select(['count', 'window_start']).where('key', '=', key).executeTakeFirst();
      if (!row || row.window_start.getTime() + windowMs <= now.getTime()) return 0;
      return row.count >= max ? retryAfter(row.window_start, now) : 0;
    },
  };
}
