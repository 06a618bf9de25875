// npm run outbox [-- --to email] — mail kept when no SMTP server is configured (newest last).
import { runCli } from './cli.ts';

const i = process.argv.indexOf('--to');
const to = i > 0 ? process.argv[i + 1]?.toLowerCase() : undefined;
await runCli(async (c) => {
  let q = c.db.kysely.selectFrom('mail_outbox').selectAll().orderBy('id', 'desc').limit(20);
  if (to) q = q.where('to_address', '=', to);
  const mails = (await q.execute()).reverse();
  if (mails.length === 0) console.log(c.config.mail.smtpUrl ? 'SMTP_URL is set: mail goes to the SMTP server, not the outbox.' : 'The outbox is empty.');
  for (const m of mails) console.log(`#${m.id} ${m.created_at.toISOString()}\nTo: ${m.to_address}\nSubject: ${m.subject}\n\n${m.body}\n${'-'.repeat(60)}`);
});
