// A real SMTP server on loopback (smtp-server) that keeps what it receives, with AUTH required,
// so the test proves the credentials in SMTP_URL are used.
import { SMTPServer } from 'smtp-server';
import { freePort } from './server.ts';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

/** Headers and body of a MIME entity (folded headers unfolded). */
function entity(raw: string) {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1] ?? '';
  return { header, body: raw.slice(split + 4) };
}

/** A text part's content (7bit or quoted-printable). */
function decodeText(e: ReturnType<typeof entity>): string {
  let body = e.body;
  if (/quoted-printable/i.test(e.header('Content-Transfer-Encoding')))
    body = Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  return body.replace(/\r\n/g, '\n');
}

/** Decodes what nodemailer sends: a plain-text message, or multipart/mixed with attachments. */
function parse(raw: string): Pick<ReceivedMail, 'subject' | 'text' | 'attachments'> {
  const top = entity(raw);
  // RFC 2047 encoded-words in the subject (=?UTF-8?Q?…?= or =?UTF-8?B?…?=).
  const subject = top.header('Subject').replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_m, enc: string, s: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(s, 'base64').toString('utf8') : Buffer.from(s.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  );
  const boundary = /boundary="?([^";]+)"?/i.exec(top.header('Content-Type'))?.[1];
  if (!boundary) return { subject, text: decodeText(top), attachments: [] };
  const parts = top.body.split(`--${boundary}`).slice(1, -1).map((p) => entity(p.replace(/^\r\n/, '')));
  const text = parts.find((p) => /^text\/plain/i.test(p.header('Content-Type')));
  const attachments = parts
    .filter((p) => /attachment/i.test(p.header('Content-Disposition')))
    .map((p) => ({ filename: /filename="?([^";]+)"?/i.exec(p.header('Content-Disposition'))?.[1] ?? '', contentType: p.header('Content-Type').split(';')[0]!.trim(), content: Buffer.from(p.body.replace(/\s+/g, ''), 'base64') }));
  return { subject, text: text ? decodeText(text) : '', attachments };
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
