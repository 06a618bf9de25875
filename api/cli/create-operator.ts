// npm run operator:create -- email "Name" — the first vendor operator, invited by link.
import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR } from '../features/audit/audit.service.ts';
import { runCli } from './cli.ts';

const [email, name] = process.argv.slice(2);
await runCli(async (c) => {
  if (!email || !/^[^@\s]+@[^@\s]+$/.test(email) || !name) {
    console.error('usage: npm run operator:create -- you@example.com "Your Name"');
    return 2;
  }
  const id = randomUUID();
  const mail = await c.db.kysely.transaction().execute(async (trx) => {
    await trx.insertInto('app_user').values({ id, tenant_id: null, email: email.toLowerCase(), name, status: 'invited' }).execute();
    await trx.insertInto('user_role').values({ tenant_id: null, user_id: id, role: 'operator' }).execute();
    await c.audit.record(trx, SYSTEM_ACTOR, { type: 'user.invited', tenantId: null, target: { type: 'user', id }, data: { roles: ['operator'] } });
    const m = await c.auth.issueInvitation(trx, { id, email, name, locale: 'fr' }, 'Justif (operator)');
    await c.mailer.queue(trx, m);
    return m;
  });
  await c.mailer.deliver();
  console.log(`Operator ${email} invited. Invitation link:\n${/https?:\/\/\S+/.exec(mail.text)?.[0]}`);
});
