// Clients (tenants), created by the vendor's operators with their first admin.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, Plan } from '../../../storage/db/schema.ts';
import { TenantDb } from '../../../storage/db/tenant-db.ts';
import { AppError } from '../../http/errors.ts';
import type { Mailer } from '../../infra/mailer.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { CategoriesService } from '../categories/categories.service.ts';
import { usersRepository } from '../users/users.repository.ts';

export interface NewTenant {
  name: string;
  plan: Plan;
  country: string;
  currency: string;
  adminEmail: string;
  adminName: string;
  adminLocale?: 'fr' | 'en';
}

const view = (t: { id: string; name: string; plan: string; status: string; country: string; currency: string; created_at: Date }) => ({
  id: t.id, name: t.name, plan: t.plan, status: t.status, country: t.country, currency: t.currency, createdAt: t.created_at.toISOString(),
});

export class TenantsService {
  constructor(private readonly d: { db: Kysely<DB>; audit: AuditService; auth: AuthService; mailer: Mailer; categories: CategoriesService }) {}

  async list() {
    const rows = await this.d.db.selectFrom('tenant').selectAll().orderBy('created_at').execute();
    return { items: rows.map(view) };
  }

  /** Creates the Client and invites its first admin; returns the invitation link's mail too. */
  async create(actor: AuditActor, v: NewTenant, opts: { sendMail?: boolean } = {}) {
    const id = randomUUID();
    const adminId = randomUUID();
    const row = await this.d.db.transaction().execute(async (trx) => {
      const tdb = new TenantDb(id, trx);
      if ((await usersRepository.takenEmails(tdb, [v.adminEmail])).size) throw new AppError('email-taken');
      await trx.insertInto('tenant').values({ id, name: v.name, plan: v.plan, country: v.country, currency: v.currency }).execute();
      await tdb.insertInto('app_user', { id: adminId, email: v.adminEmail, name: v.adminName, status: 'invited', locale: v.adminLocale ?? 'fr' }).execute();
      // The first admin also submits expenses: on the Solo plan they are the only user (§5.1).
      await usersRepository.setRoles(tdb, adminId, ['admin', 'employee']);
      await this.d.categories.seedDefaults(tdb, v.adminLocale ?? 'fr');
      await this.d.audit.record(trx, actor, { type: 'tenant.created', tenantId: null, target: { type: 'tenant', id }, data: { plan: v.plan, country: v.country, currency: v.currency } });
      await this.d.audit.record(trx, actor, { type: 'user.invited', tenantId: id, target: { type: 'user', id: adminId }, data: { roles: ['admin', 'employee'] } });
      const mail = await this.d.auth.issueInvitation(trx, { id: adminId, email: v.adminEmail, name: v.adminName, locale: v.adminLocale ?? 'fr' }, v.name);
      if (opts.sendMail !== false) await this.d.mailer.queue(trx, mail);
      return trx.selectFrom('tenant').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    });
    await this.d.mailer.deliver();
    return { tenant: view(row), adminId };
  }

  /** Invites a vendor operator (outside every Client): `npm run operator:create`. */
  async inviteOperator(actor: AuditActor, v: { email: string; name: string }): Promise<{ id: string; link: string }> {
    const id = randomUUID();
    const email = v.email.toLowerCase();
    const mail = await this.d.db.transaction().execute(async (trx) => {
      if ((await usersRepository.takenEmails(new TenantDb(id, trx), [email])).size) throw new AppError('email-taken');
      await trx.insertInto('app_user').values({ id, tenant_id: null, email, name: v.name, status: 'invited' }).execute();
      await trx.insertInto('user_role').values({ tenant_id: null, user_id: id, role: 'operator' }).execute();
      await this.d.audit.record(trx, actor, { type: 'user.invited', tenantId: null, target: { type: 'user', id }, data: { roles: ['operator'] } });
      const m = await this.d.auth.issueInvitation(trx, { id, email, name: v.name, locale: 'fr' }, 'Justif');
      await this.d.mailer.queue(trx, m);
      return m;
    });
    await this.d.mailer.deliver();
    return { id, link: /https?:\/\/\S+/.exec(mail.text)![0] };
  }
}
