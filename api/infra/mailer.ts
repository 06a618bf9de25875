// Outgoing mail. With SMTP_URL: nodemailer. Without: the mail_outbox table, printed on the
// server console and read with `npm run outbox` by whoever runs the server — never exposed
// through the app (a reset link would let a Client admin take over an account).
import nodemailer from 'nodemailer';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../../storage/db/schema.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}
export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  send(mail: Mail): Promise<void>;
}

export function createMailer(opts: { smtpUrl?: string; from: string; db: Kysely<DB>; log: Logger }): Mailer {
  if (opts.smtpUrl) {
    const transport = nodemailer.createTransport(opts.smtpUrl);
    return {
      kind: 'smtp',
      async send(m) {
        await transport.sendMail({ from: opts.from, to: m.to, subject: m.subject, text: m.text });
      },
    };
  }
  return {
    kind: 'outbox',
    async send(m) {
      await opts.db.insertInto('mail_outbox').values({ to_address: m.to, subject: m.subject, body: m.text }).execute();
      // Console only: the operator running an embedded instance reads links here.
      opts.log.info({ mail: { to: m.to, subject: m.subject } }, `mail (outbox; SMTP_URL not set)\n${m.text}`);
    },
  };
}
