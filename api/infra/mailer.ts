// Outgoing mail, as a transactional outbox: `queue` writes the mail in the caller's transaction
// (a rolled-back invitation sends nothing, a committed one is never lost), `deliver` sends what is
// due. With SMTP_URL: nodemailer, retried with backoff, and the body is blanked once sent (it
// carries single-use links). Without: the mail is kept in mail_outbox, printed on the server
// console and read with `npm run outbox` by whoever runs the server — never exposed through the
// app (a reset link would let a Client admin take over an account).
import nodemailer from 'nodemailer';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../../storage/db/schema.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** Documents sent with the mail (an invoice's PDF); kept in the outbox until sent. */
  attachments?: { filename: string; contentType: string; content: Buffer }[];
}
export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  /** Writes the mail in the given transaction; nothing leaves before it commits. */
  queue(db: Kysely<DB> | Transaction<DB>, mails: Mail | Mail[]): Promise<void>;
  /** Sends (or, without SMTP, prints and keeps) every due mail. Never throws: failures are retried. */
  deliver(): Promise<{ sent: number; failed: number }>;
}

export const MAIL_MAX_ATTEMPTS = 8;
/** Minutes before attempt n+1: 1, 2, 4 … capped at 4 hours. */
export const retryDelayMinutes = (attempts: number) => Math.min(2 ** (attempts - 1), 240);
const LEASE_MINUTES = 5;
const BATCH = 50;

export function createMailer(opts: { smtpUrl?: string; from: string; db: Kysely<DB>; log: Logger }): Mailer {
  const { db, log } = opts;
  const transport = opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : undefined;

  /** Claims due mails with a lease, so concurrent deliverers (API processes, workers) never send one twice. */
  const claim = () =>
    db
      .updateTable('mail_outbox')
      .set({ attempts: sql`attempts + 1`, next_attempt_at: sql`now() + make_interval(mins => ${LEASE_MINUTES})` })
      .where('id', 'in', (eb) =>
        eb.selectFrom('mail_outbox').select('id').where('delivery', '=', 'pending').where('next_attempt_at', '<=', sql<Date>`now()`).orderBy('id').limit(BATCH).forUpdate().skipLocked(),
      )
      .returningAll()
      .execute();

  return {
    kind: transport ? 'smtp' : 'outbox',
    async queue(tx, mails) {
      const rows = (Array.isArray(mails) ? mails : [mails]).map((m) => ({
        to_address: m.to.toLowerCase(), subject: m.subject, body: m.text,
        attachments: JSON.stringify((m.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, base64: a.content.toString('base64') }))),
      }));
      if (rows.length) await tx.insertInto('mail_outbox').values(rows).execute();
    },
    async deliver() {
      let sent = 0;
      let failed = 0;
      try {
        for (const m of await claim()) {
          if (!transport) {
            // Console only: the operator running an instance without SMTP reads links here.
            log.info({ mail: { id: m.id, to: m.to_address, subject: m.subject, attachments: m.attachments.map((a) => a.filename) } }, `mail (outbox; SMTP_URL not set)\n${m.body}`);
            await db.updateTable('mail_outbox').set({ delivery: 'kept' }).where('id', '=', m.id).execute();
            continue;
          }
          try {
            const attachments = m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.base64, 'base64') }));
            await transport.sendMail({ from: opts.from, to: m.to_address, subject: m.subject, text: m.body, attachments });
            await db.updateTable('mail_outbox').set({ delivery: 'sent', sent_at: sql`now()`, body: '', attachments: '[]', last_error: null }).where('id', '=', m.id).execute();
            sent++;
          } catch (err) {
            failed++;
            const last = m.attempts >= MAIL_MAX_ATTEMPTS;
            log.warn({ err, mailId: m.id, attempts: m.attempts }, last ? 'mail undeliverable: giving up' : 'mail delivery failed: will retry');
            await db
              .updateTable('mail_outbox')
              .set({ delivery: last ? 'failed' : 'pending', last_error: String((err as Error).message).slice(0, 500), next_attempt_at: sql`now() + make_interval(mins => ${retryDelayMinutes(m.attempts)})` })
              .where('id', '=', m.id)
              .execute();
          }
        }
      } catch (err) {
        log.error({ err }, 'mail delivery pass failed');
      }
      return { sent, failed };
    },
  };
}
