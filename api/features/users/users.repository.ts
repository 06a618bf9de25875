import { sql, type Kysely, type Transaction } from 'kysely';
import type { ClientRole, DB, Row } from '../../../storage/db/schema.ts';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import { afterKeyset, cursorTs, type Keyset } from '../../../storage/db/keyset.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';

export type UserRow = Row<'app_user'> & { roles: ClientRole[]; cursor_ts?: string };

async function attachRoles<U extends Row<'app_user'>>(tdb: TenantDb, users: U[]): Promise<(U & { roles: ClientRole[] })[]> {
  if (users.length === 0) return [];
  const roles = await tdb.selectFrom('user_role').select(['user_id', 'role']).where('user_id', 'in', users.map((u) => u.id)).execute();
  const by = new Map<string, ClientRole[]>();
  for (const r of roles) by.set(r.user_id, [...(by.get(r.user_id) ?? []), r.role as ClientRole]);
  return users.map((u) => ({ ...u, roles: (by.get(u.id) ?? []).sort() }));
}

/** The vendor's active operators' addresses (alerts, contract ends). */
export async function activeOperatorEmails(db: Kysely<DB>): Promise<string[]> {
  const rows = await db.selectFrom('user_role as r').innerJoin('app_user as u', 'u.id', 'r.user_id').select('u.email')
    .where('r.role', '=', 'operator').where('r.tenant_id', 'is', null).where('u.status', '=', 'active').execute();
  return rows.map((r) => r.email);
}

/** A Client's active admins (who are told of what concerns the whole Client). */
export function activeAdmins(db: Kysely<DB> | Transaction<DB>, tenantId: string) {
  return db.selectFrom('app_user as u').innerJoin('user_role as r', 'r.user_id', 'u.id').select(['u.id', 'u.email', 'u.name', 'u.locale'])
    .where('u.tenant_id', '=', tenantId).where('r.tenant_id', '=', tenantId).where('u.status', '=', 'active').where('r.role', '=', 'admin').orderBy('u.email').execute();
}

export const usersRepository = {
  async list(tdb: TenantDb, f: { q?: string; status?: string; role?: string }, limit: number, after?: Keyset) {
    let q = tdb.selectFrom('app_user').selectAll().select(cursorTs('app_user.created_at'));
    if (f.q) {
      const like = `%${f.q.replace(/[%_\\]/g, (c) => '\\' + c)}%`;
      q = q.where((eb) => eb.or([eb('name', 'ilike', like), eb('email', 'ilike', like)]));
    }
    if (f.status) q = q.where('status', '=', f.status as Row<'app_user'>['status']);
    if (f.role) q = q.where('id', 'in', tdb.selectFrom('user_role').select('user_id').where('role', '=', f.role as ClientRole));
    if (after) q = q.where(afterKeyset(after, 'app_user'));
    return attachRoles(tdb, await q.orderBy('created_at').orderBy('id').limit(limit).execute());
  },
  async byId(tdb: TenantDb, id: string): Promise<UserRow | undefined> {
    const u = await tdb.selectFrom('app_user').selectAll().where('id', '=', id).executeTakeFirst();
    return u ? (await attachRoles(tdb, [u]))[0] : undefined;
  },
  async byEmails(tdb: TenantDb, emails: string[]): Promise<UserRow[]> {
    if (emails.length === 0) return [];
    return attachRoles(tdb, await tdb.selectFrom('app_user').selectAll().where(sql<string>`lower(email)`, 'in', emails).execute());
  },
  /** Emails already used anywhere (users are unique across Clients). */
  async takenEmails(tdb: TenantDb, emails: string[]): Promise<Set<string>> {
    if (emails.length === 0) return new Set();
    const rows = await tdb.raw.selectFrom('app_user').select(sql<string>`lower(email)`.as('email')).where(sql<string>`lower(email)`, 'in', emails).execute();
    return new Set(rows.map((r) => r.email));
  },
  async setRoles(tdb: TenantDb, userId: string, roles: ClientRole[]) {
    await tdb.deleteFrom('user_role').where('user_id', '=', userId).execute();
    await tdb.insertInto('user_role', roles.map((role) => ({ user_id: userId, role }))).execute();
  },
  /** Serialises admin changes of one Client so two demotions cannot both pass the check. */
  async lockAdmins(tdb: TenantDb) {
    await advisoryXactLock(tdb.raw as any, `admins:${tdb.tenantId}`);
  },
  async otherActiveAdmins(tdb: TenantDb, exceptUserId: string): Promise<number> {
    const r = await tdb
      .selectFrom('user_role')
      .innerJoin('app_user', 'app_user.id', 'user_role.user_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_role.role', '=', 'admin')
      .where('app_user.status', '=', 'active')
      .where('user_role.user_id', '<>', exceptUserId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  },
  teams(tdb: TenantDb) {
    return tdb.selectFrom('team').select(['id', 'name', 'manager_id']).orderBy('name').execute();
  },
  teamById(tdb: TenantDb, id: string) {
    return tdb.selectFrom('team').select(['id', 'name', 'manager_id']).where('id', '=', id).executeTakeFirst();
  },
  tenantName(tdb: TenantDb) {
    return tdb.raw.selectFrom('tenant').select('name').where('id', '=', tdb.tenantId).executeTakeFirstOrThrow().then((t) => t.name);
  },
};
