// createDb: the one place a database connection is made, on PostgreSQL or embedded PGlite.
// Migrations run as the owner; afterwards every service connection works as justif_service,
// a role without TRUNCATE and without UPDATE/DELETE on append-only tables.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrate, upToDate, type ScriptRunner } from './migrate.ts';
import { PGliteDialect } from './pglite-dialect.ts';
import type { DB } from './schema.ts';

export type DbKind = 'pglite' | 'postgres';
export const SERVICE_ROLE = 'justif_service';

export interface DbOptions {
  /** PostgreSQL URL the service connects with; absent = embedded PGlite. */
  url?: string;
  /** PostgreSQL URL of the tables' owner, for migrations (defaults to url). */
  ownerUrl?: string;
  /** PGlite data directory; 'memory://' for a throwaway database. */
  dataDir?: string;
  /** search_path for every connection (tests use one schema per file). */
  schema?: string;
  poolMax?: number;
  /** Run pending migrations while opening (default true). */
  migrate?: boolean;
}

export interface Database {
  readonly kysely: Kysely<DB>;
  readonly kind: DbKind;
  /** Runs fn with the owner's privileges (migrations, tamper tests). */
  asOwner<T>(fn: (owner: ScriptRunner) => Promise<T>): Promise<T>;
  /**
   * LISTEN on a channel: `onNotify` gets each NOTIFY payload sent by any process on this
   * database after commit. On PostgreSQL the notifications come over one dedicated connection;
   * when it drops, it is opened again and `onGap` is called (notifications may have been missed).
   * Returns the function that stops listening.
   */
  listen(channel: string, onNotify: (payload: string) => void, onGap?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

// Normalise the two drivers: count(*) and bigint as JS numbers (never above 2^53 here); `date` as
// its 'YYYY-MM-DD' text (a JS Date would shift it by the process's time zone); numeric as exact text.
const OID = { int8: 20, date: 1082, numeric: 1700 } as const;
const asText = (v: string) => v;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === OID.int8) return (v: string) => Number(v);
    if (oid === OID.date || oid === OID.numeric) return asText;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};
const pgliteParsers = { [OID.int8]: (v: string) => Number(v), [OID.date]: asText, [OID.numeric]: asText };

function pgOptions(schema: string | undefined, role: string | undefined): string | undefined {
  const parts = [schema ? `-c search_path=${schema}` : '', role ? `-c role=${role}` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : undefined;
}

async function withPgClient<T>(url: string, schema: string | undefined, fn: (r: ScriptRunner) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, options: pgOptions(schema, undefined), types: pgTypes });
  await client.connect();
  try {
    return await fn({
      exec: async (sqlText) => void (await client.query(sqlText)),
      query: async (sqlText, params = []) => (await client.query(sqlText, params)).rows,
    });
  } finally {
    await client.end();
  }
}

const assertChannel = (c: string) => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(c)) throw new Error(`invalid channel name: ${c}`);
};

/**
 * One connection for LISTEN, opened on the first listen() and again (after a pause) whenever it
 * drops; every channel is listened to again and its `onGap` called, since NOTIFYs sent while it was
 * down are lost. Pool connections are never used for this: a pooled client would be handed to a
 * query while still subscribed.
 */
function pgListener(config: pg.ClientConfig) {
  type Sub = { onNotify: (payload: string) => void; onGap?: () => void };
  const subs = new Map<string, Set<Sub>>();
  let client: pg.Client | null = null;
  let connecting: Promise<pg.Client> | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = (): Promise<pg.Client> => {
    connecting ??= (async () => {
      const c = new pg.Client(config);
      c.on('notification', (n) => {
        for (const s of subs.get(n.channel) ?? []) s.onNotify(n.payload ?? '');
      });
      const lost = () => {
        if (client !== c) return;
        client = null;
        c.end().catch(() => {});
        if (!closed) retry = setTimeout(reopen, 1_000);
      };
      c.on('error', lost);
      c.on('end', lost);
      await c.connect();
      for (const ch of subs.keys()) await c.query(`LISTEN ${ch}`);
      client = c;
      return c;
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };
  const reopen = () => {
    connect().then(
      () => {
        for (const set of subs.values()) for (const s of set) s.onGap?.();
      },
      () => {
        if (!closed) retry = setTimeout(reopen, 2_000);
      },
    );
  };

  return {
    async listen(channel: string, onNotify: (payload: string) => void, onGap?: () => void) {
      assertChannel(channel);
      const sub: Sub = { onNotify, onGap };
      const first = !subs.has(channel);
      if (first) subs.set(channel, new Set());
      subs.get(channel)!.add(sub);
      const c = client ?? (await connect());
      if (first && client === c) await c.query(`LISTEN ${channel}`);
      return async () => {
        const set = subs.get(channel);
        set?.delete(sub);
        if (set && set.size === 0) {
          subs.delete(channel);
          await client?.query(`UNLISTEN ${channel}`).catch(() => {});
        }
      };
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}

export async function createDb(opts: DbOptions): Promise<Database> {
  if (opts.url) {
    const ownerUrl = opts.ownerUrl ?? opts.url;
    const asOwner = <T>(fn: (r: ScriptRunner) => Promise<T>) => withPgClient(ownerUrl, opts.schema, fn);
    if (opts.migrate !== false && !(await withPgClient(opts.url, opts.schema, upToDate))) {
      await asOwner(migrate).catch((e: Error) => {
        if (opts.ownerUrl) throw e;
        throw new Error(`Migrations are pending and DATABASE_URL's role cannot apply them (${e.message}). Run \`npm run migrate\` with DATABASE_OWNER_URL, or set DATABASE_OWNER_URL for this process.`);
      });
    }
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolMax ?? 10,
      options: pgOptions(opts.schema, SERVICE_ROLE),
      types: pgTypes,
      connectionTimeoutMillis: 5_000,
    });
    // An idle client's error (server restart) must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const listener = pgListener({ connectionString: opts.url, options: pgOptions(opts.schema, SERVICE_ROLE), types: pgTypes });
    return {
      kysely, kind: 'postgres', asOwner, listen: listener.listen,
      close: async () => {
        await listener.close();
        await kysely.destroy();
      },
    };
  }

  const dataDir = opts.dataDir ?? 'memory://';
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const lite = await PGlite.create(dataDir, { parsers: pgliteParsers });
  const runner: ScriptRunner = {
    exec: async (sqlText) => void (await lite.exec(sqlText)),
    query: async (sqlText, params = []) => (await lite.query<any>(sqlText, params)).rows,
  };
  if (opts.migrate !== false) await migrate(runner);
  await lite.exec(`SET ROLE ${SERVICE_ROLE}`);
  const kysely = new Kysely<DB>({ dialect: new PGliteDialect(lite) });
  // The embedded database is one session: borrow it (under the driver's mutex) as the owner.
  const asOwner = <T>(fn: (r: ScriptRunner) => Promise<T>) =>
    kysely.connection().execute(async () => {
      await lite.exec('RESET ROLE');
      try {
        return await fn(runner);
      } finally {
        await lite.exec(`SET ROLE ${SERVICE_ROLE}`);
      }
    });
  // PGlite delivers NOTIFY to its own listeners after commit (one process: nothing is missed).
  const listen = async (channel: string, onNotify: (payload: string) => void) => {
    assertChannel(channel);
    const stop = await lite.listen(channel, onNotify);
    return () => stop();
  };
  return { kysely, kind: 'pglite', asOwner, listen, close: () => kysely.destroy() };
}
