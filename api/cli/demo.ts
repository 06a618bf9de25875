import { hashPassword } from '../lib/password.ts';
import type { Container } from '../container.ts';
import type { AuditActor } from '../features/audit/audit.service.ts';
import type { ClientRole } from '../../storage/db/schema.ts';
import { TenantDb } from '../../storage/db/tenant-db.ts';

const DEMO_PASSWORD = 'Justif-demo-2026';

export async function seedDemo(c: Container, actor: AuditActor) {
  const k = c.db.kysely;
  if (await k.selectFrom('app_user').select('id').where('email', '=', 'admin@demo.justif.test').executeTakeFirst()) return undefined;
  const { tenant } = await c.tenants.create(actor, { name: 'Démo SARL', plan: 'team', country: 'FR', currency: 'EUR', adminEmail: 'admin@demo.justif.test', adminName: 'Alice Admin' }, { sendMail: false });
  const hash = await hashPassword(DEMO_PASSWORD);
  const people: { email: string; name: string; roles: ClientRole[]; manager?: string }[] = [
    { email: 'manager@demo.justif.test', name: 'Marc Manager', roles: ['manager', 'employee'] },
    { email: 'employee@demo.justif.test', name: 'Emma Employée', roles: ['employee'], manager: 'manager@demo.justif.test' },
    { email: 'accountant@demo.justif.test', name: 'Claire Comptable', roles: ['accountant', 'verifier', 'employee'] },
  ];
  const csv = ['email,name,roles,team,manager_email', ...people.map((p) => `${p.email},${p.name},${p.roles.join('|')},Ventes,${p.manager ?? ''}`)].join('\n');
  await c.users.importCsv(new TenantDb(tenant.id, k), actor, csv);
  // Demo accounts are usable at once: set the password instead of going through invitations.
  await k.updateTable('app_user').set({ password_hash: hash, status: 'active' }).where('tenant_id', '=', tenant.id).execute();
  await k.updateTable('user_token').set({ used_at: new Date() }).where('user_id', 'in', k.selectFrom('app_user').select('id').where('tenant_id', '=', tenant.id)).execute();
  return { tenantName: tenant.name, password: DEMO_PASSWORD, users: [{ email: 'admin@demo.justif.test', roles: ['admin', 'employee'] }, ...people] };
}
