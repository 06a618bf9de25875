import { randomUUID } from 'node:crypto';
import type { ClientRole } from '../../storage/db/schema.ts';
import { TenantDb } from '../../storage/db/tenant-db.ts';
import { SYSTEM_ACTOR } from '../../api/features/audit/audit.service.ts';
import { hashPassword } from '../../api/lib/password.ts';
import type { TestContext } from './context.ts';

export const PASSWORD = 'Correct-Horse-42';
let hashed: Promise<string> | undefined;

export interface TestUser {
  id: string;
  email: string;
  password: string;
  name: string;
}

/** A Client with an active admin (password PASSWORD), created through the real services. */
export async function createTenantWithAdmin(ctx: TestContext, opts: { name?: string; plan?: 'solo' | 'team' | 'enterprise' } = {}) {
  const tag = randomUUID().slice(0, 8);
  const adminEmail = `admin-${tag}@example.test`;
  const { tenant, adminId } = await ctx.c.tenants.create(SYSTEM_ACTOR, { name: opts.name ?? `Client ${tag}`, plan: opts.plan ?? 'team', country: 'FR', currency: 'EUR', adminEmail, adminName: `Admin ${tag}` }, { sendMail: false });
  await activate(ctx, adminId, tenant.id);
  return { tenantId: tenant.id, admin: { id: adminId, email: adminEmail, password: PASSWORD, name: `Admin ${tag}` } };
}

/** An active user of a Client with the given roles. */
export async function createUser(ctx: TestContext, tenantId: string, roles: ClientRole[], extra: { managerId?: string } = {}): Promise<TestUser> {
  const tag = randomUUID().slice(0, 8);
  const tdb = new TenantDb(tenantId, ctx.c.db.kysely);
  // Fixtures may go past a plan's user limit (a second admin in a Solo Client, as the vault's
  // two-person tests need): the Client's own limit is raised by one, as an Enterprise contract
  // would. The limit itself is tested in billing-usage.test.ts.
  const seats = await ctx.c.billing.seats(tdb);
  if (seats.limit !== null && seats.used >= seats.limit) await ctx.c.db.asOwner((r) => r.query('UPDATE tenant SET user_limit = $2 WHERE id = $1', [tenantId, seats.used + 1]));
  const u = await ctx.c.users.invite(tdb, SYSTEM_ACTOR, { email: `user-${tag}@example.test`, name: `User ${tag}`, roles, managerId: extra.managerId });
  await activate(ctx, u.id, tenantId);
  return { id: u.id, email: u.email, password: PASSWORD, name: u.name };
}

async function activate(ctx: TestContext, userId: string, tenantId: string | null) {
  hashed ??= hashPassword(PASSWORD);
  await ctx.c.db.kysely.updateTable('app_user').set({ status: 'active', password_hash: await hashed }).where('id', '=', userId).execute();
  await acceptTerms(ctx, userId, tenantId);
}

/**
 * Fixture users have accepted the terms of use and privacy notice in force, as a real user does at
 * first sign-in (R-GDPR-8): recorded on their behalf so that tests about anything else can sign in
 * and work. test/legal-terms.test.ts creates users without it to test the acceptance itself.
 */
export async function acceptTerms(ctx: TestContext, userId: string, tenantId: string | null) {
  await ctx.c.legal.acceptAllFor(userId, tenantId);
}

export async function createOperator(ctx: TestContext): Promise<TestUser> {
  const id = randomUUID();
  const email = `op-${id.slice(0, 8)}@vendor.test`;
  hashed ??= hashPassword(PASSWORD);
  await ctx.c.db.kysely.insertInto('app_user').values({ id, tenant_id: null, email, name: 'Operator', status: 'active', password_hash: await hashed }).execute();
  await ctx.c.db.kysely.insertInto('user_role').values({ tenant_id: null, user_id: id, role: 'operator' }).execute();
  await acceptTerms(ctx, id, null);
  return { id, email, password: PASSWORD, name: 'Operator' };
}

/** A vendor support agent (no Client), active, password PASSWORD. */
export async function createSupportAgent(ctx: TestContext, name = 'Support Agent'): Promise<TestUser> {
  const id = randomUUID();
  const email = `support-${id.slice(0, 8)}@vendor.test`;
  hashed ??= hashPassword(PASSWORD);
  await ctx.c.db.kysely.insertInto('app_user').values({ id, tenant_id: null, email, name, status: 'active', password_hash: await hashed }).execute();
  await ctx.c.db.kysely.insertInto('user_role').values({ tenant_id: null, user_id: id, role: 'support_agent' }).execute();
  await acceptTerms(ctx, id, null);
  return { id, email, password: PASSWORD, name };
}

/** The newest mail in the outbox for an address (mail goes there when SMTP_URL is unset). */
export async function lastMailTo(ctx: TestContext, email: string): Promise<{ subject: string; text: string } | undefined> {
  const m = await ctx.c.db.kysely.selectFrom('mail_outbox').selectAll().where('to_address', '=', email.toLowerCase()).orderBy('id', 'desc').limit(1).executeTakeFirst();
  return m ? { subject: m.subject, text: m.body } : undefined;
}

export function linkToken(text: string, kind: 'invitation' | 'reset-password'): string {
  const m = new RegExp(`/${kind}/([\\w-]+)`).exec(text);
  if (!m) throw new Error(`no ${kind} link in mail:\n${text}`);
  return m[1]!;
}
