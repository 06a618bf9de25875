// npm run seed — a demo Client with an admin, a manager and two employees, all with the same
// printed password, so the app can be tried at once on a fresh machine.
import { SYSTEM_ACTOR } from '../features/audit/audit.service.ts';
import { runCli } from './cli.ts';
import { seedDemo } from './demo.ts';

await runCli(async (c) => {
  const r = await seedDemo(c, SYSTEM_ACTOR);
  if (!r) {
    console.log('The demo Client exists already (admin@demo.justif.test).');
    return;
  }
  console.log(`Demo Client "${r.tenantName}" created. Sign in at ${c.config.publicUrl} with password ${r.password} as:`);
  for (const u of r.users) console.log(`  ${u.email.padEnd(28)} ${u.roles.join(', ')}`);
});
