// The storage-write log (VAULT.md §7): every write and delete of a vault object is also written into
// the vault location itself, as one small object per event in a folder per day
// (log/YYYY-MM-DD/<seq>.json), each chained to the previous by its hash — so the database is not the
// only witness of what was stored. The database keeps only the head (seq, hash), to append without
// listing; verify() needs nothing but the objects.
import { randomUUID } from 'node:crypto';
import { writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { Kysely } from 'kysely';
import type { DB } from '../../../storage/db/schema.ts';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import { ObjectExistsError } from '../../../storage/objects/object-store.ts';
import type { VaultStore } from '../../../storage/objects/vault-store.ts';
import type { Clock } from '../../clock.ts';
import { canonicalize } from '../../lib/jcs.ts';
import { sha256Hex } from '../../lib/secrets.ts';

export const STORE_LOG_PREFIX = 'log/';
const GENESIS = '0'.repeat(64);
/** Log objects outlive any deposit they record. */
const LOG_RETENTION_YEARS = 31;

export interface StoreLogEntry {
  seq: number;
  at: string;
  op: 'put' | 'delete';
  key: string;
  sha256: string;
  size: number;
  prev: string;
}
export const storeLogKey = (e: Pick<StoreLogEntry, 'seq' | 'at'>) => `${STORE_LOG_PREFIX}${e.at.slice(0, 10)}/${String(e.seq).padStart(12, '0')}.json`;

export class VaultStoreLog {
  constructor(private readonly d: { db: Kysely<DB>; vault: VaultStore; clock: Clock }) {}

  /** Appends one event (serialised across processes by a database lock; the head moves only once the object is stored). */
  async append(e: Omit<StoreLogEntry, 'seq' | 'at' | 'prev'>): Promise<StoreLogEntry & { hash: string }> {
    return this.d.db.transaction().execute(async (trx) => {
      await advisoryXactLock(trx, 'vault:store-log');
      let head = await trx.selectFrom('vault_store_log_head').select(['seq', 'hash']).executeTakeFirst();
      for (let attempt = 0; ; attempt++) {
        const at = this.d.clock.now();
        const entry: StoreLogEntry = { seq: (head ? Number(head.seq) : 0) + 1, at: at.toISOString(), op: e.op, key: e.key, sha256: e.sha256, size: e.size, prev: head?.hash ?? GENESIS };
        const hash = sha256Hex(canonicalize(entry));
        try {
          await this.write(entry, hash, at);
        } catch (err) {
          // A crash after writing an entry but before moving the head leaves that entry behind: if it
          // is the next link of the chain, the head catches up with it and we append after it.
          const left = err instanceof ObjectExistsError && attempt === 0 ? await this.orphanAfter(entry.seq, entry.prev) : null;
          if (!left) throw err;
          head = { seq: left.entry.seq, hash: left.hash };
          continue;
        }
        if (head) await trx.updateTable('vault_store_log_head').set({ seq: entry.seq, hash }).execute();
        else await trx.insertInto('vault_store_log_head').values({ seq: entry.seq, hash }).execute();
        return { ...entry, hash };
      }
    });
  }

  private async write(entry: StoreLogEntry, hash: string, at: Date) {
    const tmp = join(tmpdir(), `justif-vault-log-${randomUUID()}`);
    try {
      const bytes = Buffer.from(`${canonicalize({ entry, hash })}\n`);
      await writeFile(tmp, bytes);
      const retainUntil = new Date(at);
      retainUntil.setUTCFullYear(retainUntil.getUTCFullYear() + LOG_RETENTION_YEARS);
      await this.d.vault.putOnce(storeLogKey(entry), tmp, { sha256: sha256Hex(bytes), size: bytes.length, contentType: 'application/json', retainUntil });
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** The entry numbered `seq` already in the log (any day), if it links to `prev`. */
  private async orphanAfter(seq: number, prev: string): Promise<{ entry: StoreLogEntry; hash: string } | null> {
    const name = `${String(seq).padStart(12, '0')}.json`;
    for await (const o of this.d.vault.list(STORE_LOG_PREFIX)) {
      if (!o.key.endsWith(`/${name}`)) continue;
      const parsed = await this.read(o.key);
      if (parsed && parsed.entry.seq === seq && parsed.entry.prev === prev && sha256Hex(canonicalize(parsed.entry)) === parsed.hash) return parsed;
    }
    return null;
  }

  private async read(key: string): Promise<{ entry: StoreLogEntry; hash: string } | null> {
    const data = await buffer(await this.d.vault.get(key));
    try {
      return JSON.parse(data.toString('utf8'));
    } catch {
      return null;
    }
  }

  /** Reads the log back from the vault location: every entry's hash, link and number, in order. */
  async verify(): Promise<{ ok: true; entries: number } | { ok: false; entries: number; problem: string }> {
    let prev = GENESIS;
    let n = 0;
    for await (const o of this.d.vault.list(STORE_LOG_PREFIX)) {
      const parsed = await this.read(o.key);
      if (!parsed?.entry) return { ok: false, entries: n, problem: `${o.key} is not a log entry` };
      const { entry, hash } = parsed;
      if (sha256Hex(canonicalize(entry)) !== hash) return { ok: false, entries: n, problem: `${o.key} was altered (its content no longer gives its hash)` };
      if (entry.seq !== n + 1) return { ok: false, entries: n, problem: `${o.key}: entry ${n + 1} is missing` };
      if (entry.prev !== prev) return { ok: false, entries: n, problem: `${o.key} does not link to entry ${n}` };
      if (storeLogKey(entry) !== o.key) return { ok: false, entries: n, problem: `${o.key} is not where entry ${entry.seq} belongs` };
      prev = hash;
      n++;
    }
    const head = await this.d.db.selectFrom('vault_store_log_head').select(['seq', 'hash']).executeTakeFirst();
    if ((head ? Number(head.seq) : 0) !== n || (head?.hash ?? GENESIS) !== prev) return { ok: false, entries: n, problem: `the log has ${n} entries; the database's head says ${head?.seq ?? 0}: entries were removed` };
    return { ok: true, entries: n };
  }
}
