// A real SMTP server on loopback (smtp-server) that keeps what it receives, with AUTH required,
// so the test proves the credentials in SMTP_URL are used.
import { SMTPServer } from 'smtp-server';
import { freePort } from './server.ts';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

/** Decodes the parts of a plain-text message nodemailer sends (7bit or quoted-printable). */
function parse(raw: string): Pick<ReceivedMail, 'subject' | 'text'> {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  let body = raw.slice(split + 4);
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1] ?? '';
  if (/quoted-printable/i.test(header('Content-Transfer-Encoding')))
    body = Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  // RFC 2047 encoded-words in the subject (=?UTF-8?Q?…?= or =?UTF-8?B?…?=).
  const subject = header('Subject').replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_m, enc: string, s: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(s, 'base64').toString('utf8') : Buffer.from(s.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  );
  return { subject, text: body.replace(/\r\n/g, '\n') };
}

export async function startSmtp(opts: { port?: number; user?: string; pass?: string } = {}) {
  const user = opts.user ?? 'justif';
  const pass = opts.pass ?? 'smtp-secret';
  const port = opts.port ?? (await freePort());
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === pass) cb(null, { user });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), ...parse(Buffer.concat(chunks).toString('latin1')) });
        cb();
      });
    },
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, '127.0.0.1', () => res());
  });
  return {
    port,
    received,
    url: `smtp://${user}:${pass}@127.0.0.1:${port}`,
    to: (addr: string) => received.filter((m) => m.to.includes(addr)),
    stop: () => new Promise<void>((res) => server.close(() => res())),
  };
}
