// Cross-tenant lookups that sign-in needs before any tenant is known (by email, by token hash).
import type { Kysely, Transaction } from 'kysely';
import type { DB, Role, Row, TenantStatus } from '../../../storage/db/schema.ts';
import { suspendAtOf } from '../billing/dunning.ts';

type Db = Kysely<DB> | Transaction<DB>;
/** A user with their roles, their Client's status (null for vendor staff) and when its access is suspended for an unpaid invoice (dunning.ts). */
export type UserWithRoles = Row<'app_user'> & { roles: Role[]; tenant_status: TenantStatus | null; tenant_suspend_at: Date | null };

async function withRoles(db: Db, u: (Row<'app_user'> & { tenant_status: TenantStatus | null; tenant_suspend_at: Date | null }) | undefined): Promise<UserWithRoles | undefined> {
  if (!u) return undefined;
  const roles = await db.selectFrom('user_role').select('role').where('user_id', '=', u.id).execute();
  return { ...u, roles: roles.map((r) => r.role).sort() };
}
const users = (db: Db) =>
  db.selectFrom('app_user').selectAll('app_user').select((eb) => [
    eb.selectFrom('tenant').select('tenant.status').whereRef('tenant.id', '=', 'app_user.tenant_id').as('tenant_status'),
    suspendAtOf(eb.ref('app_user.tenant_id')).as('tenant_suspend_at'),
  ]);

export const authRepository = {
  async userByEmail(db: Db, email: string) {
    const u = await users(db).where((eb) => eb.fn('lower', ['app_user.email']), '=', email.toLowerCase()).executeTakeFirst();
    return withRoles(db, u);
  },
  async userById(db: Db, id: string) {
    return withRoles(db, await users(db).where('app_user.id', '=', id).executeTakeFirst());
  },
  tenant(db: Db, id: string) {
    return db.selectFrom('tenant').select(['id', 'name', 'plan', 'status', 'country', 'currency']).where('id', '=', id).executeTakeFirst();
  },

  insertSession(db: Db, s: { id: string; token_hash: string; user_id: string; tenant_id: string | null; csrf_token: string; auth_method: 'password' | 'oidc'; expires_at: Date }) {
    return db.insertInto('session').values(s).execute();
  },
  activeSession(db: Db, tokenHash: string, now: Date) {
    return db
      .selectFrom('session')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  },
  touchSession(db: Db, id: string, now: Date) {
    return db.updateTable('session').set({ last_seen_at: now }).where('id', '=', id).execute();
  },
  revokeSession(db: Db, id: string, now: Date) {
    return db.updateTable('session').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  },
  revokeUserSessions(db: Db, userId: string, now: Date) {
    return db.updateTable('session').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  },

  insertUserToken(db: Db, t: { id: string; user_id: string; purpose: 'invitation' | 'password_reset'; token_hash: string; expires_at: Date }) {
    return db.insertInto('user_token').values(t).execute();
  },
  /** Earlier links of the same purpose stop working when a new one is sent. */
  expireUserTokens(db: Db, userId: string, purpose: 'invitation' | 'password_reset', now: Date) {
    return db.updateTable('user_token').set({ expires_at: now }).where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).where('expires_at', '>', now).execute();
  },
  validUserToken(db: Db, tokenHash: string, purpose: 'invitation' | 'password_reset', now: Date) {
    return db.selectFrom('user_token').selectAll().where('token_hash', '=', tokenHash).where('purpose', '=', purpose).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
  },
  /** Single use even under concurrency: only one caller gets the row back. */
  async consumeUserToken(db: Db, id: string, now: Date): Promise<boolean> {
    const r = await db.updateTable('user_token').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).returning('id').execute();
    return r.length === 1;
  },

  identity(db: Db, issuer: string, subject: string) {
    return db.selectFrom('user_identity').selectAll().where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst();
  },
  insertIdentity(db: Db, v: { issuer: string; subject: string; user_id: string }) {
    return db.insertInto('user_identity').values(v).execute();
  },
  insertOidcLogin(db: Db, v: { state: string; nonce: string; code_verifier: string; expires_at: Date }) {
    return db.insertInto('oidc_login').values(v).execute();
  },
  /** Each pending OIDC login can be completed once. */
  takeOidcLogin(db: Db, state: string, now: Date) {
    return db.deleteFrom('oidc_login').where('state', '=', state).where('expires_at', '>', now).returningAll().executeTakeFirst();
  },

  activeApiToken(db: Db, tokenHash: string, now: Date) {
    return db
      .selectFrom('api_token')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
  },
  touchApiToken(db: Db, id: string, now: Date) {
    return db.updateTable('api_token').set({ last_used_at: now }).where('id', '=', id).execute();
  },
};
