// The tenant wall (R-SEC-3). Feature code reaches a Client's tables only through a TenantDb,
// which adds `tenant_id = <this tenant>` to every select, update and delete and sets it on
// every insert. A route cannot forget the scope: it never receives an unscoped handle.
import type { DeleteQueryBuilder, InsertQueryBuilder, InsertResult, Kysely, SelectQueryBuilder, Transaction, UpdateQueryBuilder, UpdateResult, DeleteResult } from 'kysely';
import type { DB, NewRow } from './schema.ts';

export type TenantTable = { [K in keyof DB]: DB[K] extends { tenant_id: unknown } ? K : never }[keyof DB];
type Db = Kysely<DB> | Transaction<DB>;

export class TenantDb {
  constructor(
    readonly tenantId: string,
    /** The unscoped handle, for tables that are not tenant-owned (audit sink, sessions). */
    readonly raw: Db,
  ) {}

  selectFrom<T extends TenantTable>(table: T): SelectQueryBuilder<DB, T, {}> {
    return (this.raw.selectFrom(table) as any).where(`${table}.tenant_id`, '=', this.tenantId);
  }
  insertInto<T extends TenantTable>(table: T, values: Omit<NewRow<T>, 'tenant_id'> | Omit<NewRow<T>, 'tenant_id'>[]): InsertQueryBuilder<DB, T, InsertResult> {
    const rows = (Array.isArray(values) ? values : [values]).map((v) => ({ ...v, tenant_id: this.tenantId }));
    return (this.raw.insertInto(table) as any).values(rows);
  }
  updateTable<T extends TenantTable>(table: T): UpdateQueryBuilder<DB, T, T, UpdateResult> {
    return (this.raw.updateTable(table) as any).where(`${table}.tenant_id`, '=', this.tenantId);
  }
  deleteFrom<T extends TenantTable>(table: T): DeleteQueryBuilder<DB, T, DeleteResult> {
    return (this.raw.deleteFrom(table) as any).where(`${table}.tenant_id`, '=', this.tenantId);
  }
  /** Runs fn in one transaction (joins the current one if already inside). */
  transaction<R>(fn: (tx: TenantDb) => Promise<R>): Promise<R> {
    if (this.raw.isTransaction) return fn(this);
    return (this.raw as Kysely<DB>).transaction().execute((trx) => fn(new TenantDb(this.tenantId, trx)));
  }
}
