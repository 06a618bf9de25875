// npm run operator:create -- email "Name" — the first vendor operator, invited by link.
import { SYSTEM_ACTOR } from '../features/audit/audit.service.ts';
import { runCli } from './cli.ts';

const [email, name] = process.argv.slice(2);
await runCli(async (c) => {
  if (!email || !/^[^@\s]+@[^@\s]+$/.test(email) || !name) {
    console.error('usage: npm run operator:create -- you@example.com "Your Name"');
    return 2;
  }
  const { link } = await c.tenants.inviteOperator(SYSTEM_ACTOR, { email, name });
  console.log(`Operator ${email} invited. Invitation link (single use, 7 days):\n${link}`);
});
