// npm run outbox [-- --to email] — mail kept when no SMTP server is configured, and with SMTP
// the mail still waiting or given up (newest last).
import { runCli } from './cli.ts';

const i = process.argv.indexOf('--to');
const to = i > 0 ? process.argv[i + 1]?.toLowerCase() : undefined;
await runCli(async (c) => {
  let q = c.db.kysely.selectFrom('mail_outbox').selectAll().where('delivery', '!=', 'sent').orderBy('id', 'desc').limit(20);
  if (to) q = q.where('to_address', '=', to);
  const mails = (await q.execute()).reverse();
  if (mails.length === 0) console.log(c.config.mail.smtpUrl ? 'SMTP_URL is set and every mail was delivered.' : 'The outbox is empty.');
  for (const m of mails) {
    const state = m.delivery === 'kept' ? '' : ` [${m.delivery}, ${m.attempts} attempt(s)${m.last_error ? `: ${m.last_error}` : ''}]`;
    console.log(`#${m.id} ${m.created_at.toISOString()}${state}\nTo: ${m.to_address}\nSubject: ${m.subject}\n\n${m.body}\n${'-'.repeat(60)}`);
  }
});
