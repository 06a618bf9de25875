// Mail over a real SMTP server (smtp-server on loopback), written in the same transaction as the
// change that sends it and retried when the server is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailDelivery } from '../worker/jobs/mail-delivery.ts';
import { Client, createTestContext, type TestContext } from './support/context.ts';
import { onPostgres } from './support/db.ts';
import { createTenantWithAdmin, linkToken, PASSWORD } from './support/factories.ts';
import { freePort } from './support/server.ts';
import { startSmtp } from './support/smtp.ts';

let smtp: Awaited<ReturnType<typeof startSmtp>>;
let ctx: TestContext;
let tenant: Awaited<ReturnType<typeof createTenantWithAdmin>>;
let admin: Client;
beforeAll(async () => {
  smtp = await startSmtp();
  ctx = await createTestContext({ SMTP_URL: smtp.url, MAIL_FROM: 'Justif <no-reply@justif.test>' });
  tenant = await createTenantWithAdmin(ctx);
  admin = new Client(ctx);
  await admin.login(tenant.admin.email, PASSWORD);
});
afterAll(async () => {
  await ctx.close();
  await smtp.stop();
});

const outbox = (to: string) => ctx.c.db.kysely.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).execute();

describe('SMTP delivery', () => {
  it('sends the invitation over SMTP with the configured credentials; the link works; the stored body is blanked', async () => {
    expect(ctx.c.mailer.kind).toBe('smtp');
    const r = await admin.post('/api/v1/users', { email: 'smtp.user@example.test', name: 'Smtp User', roles: ['employee'], locale: 'en' });
    expect(r.status).toBe(201);
    const [mail] = smtp.to('smtp.user@example.test');
    expect(mail).toBeDefined();
    expect(mail!.from).toBe('no-reply@justif.test');
    expect(mail!.subject).toMatch(/invited to .* on Justif/);
    const token = linkToken(mail!.text, 'invitation');
    const rows = await outbox('smtp.user@example.test');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ delivery: 'sent', body: '', attempts: 1 });
    const accepted = await new Client(ctx).post('/api/v1/auth/invitations/accept', { token, password: 'Smtp-Works-2026' });
    expect(accepted.status).toBe(200);
  });

  it('a refused change sends nothing (the mail is part of its transaction)', async () => {
    const before = smtp.received.length;
    const r = await admin.post('/api/v1/users', { email: tenant.admin.email, name: 'Dup', roles: ['employee'] });
    expect(r.status).toBe(409);
    expect(await outbox(tenant.admin.email)).toHaveLength(0);
    expect(smtp.received.length).toBe(before);
  });

  it('French mail keeps its accents through quoted-printable', async () => {
    await admin.post('/api/v1/users', { email: 'fr.user@example.test', name: 'Éloïse Français', roles: ['employee'] });
    const [mail] = smtp.to('fr.user@example.test');
    expect(mail!.subject).toMatch(/^Invitation à rejoindre/);
    expect(mail!.text).toMatch(/Bonjour Éloïse Français/);
  });
});

describe('SMTP server down', () => {
  it('the request still succeeds; the mail waits, backs off, and goes out once the server is back', async () => {
    const port = await freePort();
    const down = await createTestContext({ SMTP_URL: `smtp://justif:smtp-secret@127.0.0.1:${port}` });
    try {
      const t = await createTenantWithAdmin(down);
      const a = new Client(down);
      await a.login(t.admin.email, PASSWORD);
      const r = await a.post('/api/v1/users', { email: 'later@example.test', name: 'Later', roles: ['employee'] });
      expect(r.status).toBe(201);
      const row = () => down.c.db.kysely.selectFrom('mail_outbox').selectAll().where('to_address', '=', 'later@example.test').executeTakeFirstOrThrow();
      const waiting = await row();
      expect(waiting).toMatchObject({ delivery: 'pending', attempts: 1 });
      expect(waiting.last_error).toMatch(/ECONNREFUSED/);
      expect(waiting.body).toMatch(/\/invitation\//);
      expect(waiting.next_attempt_at.getTime()).toBeGreaterThan(Date.now());

      const back = await startSmtp({ port });
      try {
        await mailDelivery(down.c); // not due yet: backoff holds it
        expect(back.received).toHaveLength(0);
        await down.c.db.kysely.updateTable('mail_outbox').set({ next_attempt_at: new Date(Date.now() - 1000) }).where('to_address', '=', 'later@example.test').execute();
        await mailDelivery(down.c); // the worker's scheduled retry
        expect(back.to('later@example.test')).toHaveLength(1);
        expect(await row()).toMatchObject({ delivery: 'sent', attempts: 2, body: '' });
      } finally {
        await back.stop();
      }
    } finally {
      await down.close();
    }
  });

  it('gives up after the last attempt and keeps the error', async () => {
    const port = await freePort();
    const down = await createTestContext({ SMTP_URL: `smtp://justif:smtp-secret@127.0.0.1:${port}` });
    try {
      await down.c.mailer.queue(down.c.db.kysely, { to: 'never@example.test', subject: 's', text: 't' });
      await down.c.db.kysely.updateTable('mail_outbox').set({ attempts: 7 }).execute();
      await down.c.mailer.deliver();
      const row = await down.c.db.kysely.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ delivery: 'failed', attempts: 8 });
      expect(row.last_error).toMatch(/ECONNREFUSED/);
    } finally {
      await down.close();
    }
  });
});

describe.skipIf(!onPostgres)('concurrent deliverers (PostgreSQL: PGlite runs one transaction at a time)', () => {
  it('several processes delivering at once send each mail exactly once', async () => {
    const before = smtp.received.length;
    const to = Array.from({ length: 30 }, (_, i) => `bulk${i}@example.test`);
    await ctx.c.mailer.queue(ctx.c.db.kysely, to.map((t) => ({ to: t, subject: 'bulk', text: 'hello' })));
    await Promise.all(Array.from({ length: 6 }, () => ctx.c.mailer.deliver()));
    const got = smtp.received.slice(before).flatMap((m) => m.to);
    expect(got.sort()).toEqual([...to].sort());
  });
});
