// Terms of use and privacy notice (R-GDPR-8): versioned; accepted at first sign-in and after each new
// version; a new version announced to every user a calendar month before it applies; a change that
// affects the processing notified to every Client's admins at once.
import { sql } from 'kysely';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../api/features/audit/audit.service.ts';
import { hashPassword } from '../api/lib/password.ts';
import { TenantDb } from '../storage/db/tenant-db.ts';
import { Client, createTestContext, signedIn, testClock, type TestContext } from './support/context.ts';
import { createOperator, PASSWORD } from './support/factories.ts';
import { startSmtp } from './support/smtp.ts';

const HOUR = 3_600_000;
const clock = testClock(new Date('2027-03-01T09:00:00Z'));
const to = (iso: string) => clock.advance(new Date(iso).getTime() - clock.now().getTime());
let ctx: TestContext;
let smtp: Awaited<ReturnType<typeof startSmtp>>;

beforeAll(async () => {
  smtp = await startSmtp();
  ctx = await createTestContext({ SMTP_URL: smtp.url, MAIL_FROM: 'Justif <legal@justif.test>' }, { clock });
});
afterAll(async () => {
  await ctx?.close();
  await smtp?.stop();
});

/** A Client whose admin and employee have accepted nothing yet (unlike the factories' fixtures). */
async function freshClient() {
  const tag = Math.random().toString(36).slice(2, 10);
  const adminEmail = `admin-${tag}@legal.test`;
  const { tenant, adminId } = await ctx.c.tenants.create(SYSTEM_ACTOR, { name: `Legal ${tag}`, plan: 'team', country: 'FR', currency: 'EUR', adminEmail, adminName: 'Admin' }, { sendMail: false });
  const u = await ctx.c.users.invite(new TenantDb(tenant.id, ctx.c.db.kysely), SYSTEM_ACTOR, { email: `emp-${tag}@legal.test`, name: 'Employee', roles: ['employee'] });
  const hash = await hashPassword(PASSWORD);
  await ctx.c.db.kysely.updateTable('app_user').set({ status: 'active', password_hash: hash }).where('id', 'in', [adminId, u.id]).execute();
  return { tenantId: tenant.id, admin: { id: adminId, email: adminEmail }, employee: { id: u.id, email: u.email } };
}
const acceptances = (userId: string) => ctx.c.db.kysely.selectFrom('legal_acceptance').selectAll().where('user_id', '=', userId).execute();
const md = (lang: string) => `# Terms ${lang}\n\n## Changes\n\n- a new subprocessor for receipts reading\n- longer retention of audit logs\n`;

describe('terms of use and privacy notice', () => {
  let client: Awaited<ReturnType<typeof freshClient>>;
  let op: Client;
  let newVersionId = '';

  it('publishes the documents from docs/legal, publicly', async () => {
    const r = await supertest(ctx.app).get('/api/v1/public/legal/terms');
    expect(r.status).toBe(200);
    expect(r.body.current.version).toBe('2026-01-01');
    expect(r.body.current.markdown.fr).toMatch(/^# Conditions générales d’utilisation/);
    expect(r.body.current.markdown.en).toMatch(/^# Justif terms of use/);
    expect(r.body.current.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.body.upcoming).toBeNull();
    expect((await supertest(ctx.app).get('/api/v1/public/legal/privacy')).body.current.markdown.en).toMatch(/privacy notice/);
    expect((await supertest(ctx.app).get('/api/v1/public/legal/cookies')).status).toBe(400);
  });

  it('at first sign-in, nothing but the session, the documents and the acceptance until both are accepted', async () => {
    client = await freshClient();
    const admin = await signedIn(ctx, client.admin);
    const session = await admin.get('/api/v1/session');
    expect(session.status).toBe(200);
    expect(session.body.legal.pending.map((p: { document: string }) => p.document).sort()).toEqual(['privacy', 'terms']);
    const blocked = await admin.get('/api/v1/users');
    expect(blocked.status).toBe(403);
    expect(blocked.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(blocked.body.type).toMatch(/terms-acceptance-required$/);
    expect((await admin.post('/api/v1/teams', { name: 'Blocked' })).status).toBe(403);
    expect((await admin.get('/api/v1/legal/documents/privacy')).status).toBe(200);
    expect((await admin.patch('/api/v1/me', { locale: 'fr' })).status).toBe(200); // the language switch stays open

    // bad input: nothing recorded
    const ids = session.body.legal.pending.map((p: { id: string }) => p.id);
    expect((await admin.post('/api/v1/legal/acceptances', { versionIds: ids, extra: true })).status).toBe(400);
    expect((await admin.post('/api/v1/legal/acceptances', { versionIds: [] })).status).toBe(400);
    expect((await admin.post('/api/v1/legal/acceptances', { versionIds: ['not-a-uuid'] })).status).toBe(400);
    expect((await admin.post('/api/v1/legal/acceptances', { versionIds: ['00000000-0000-4000-8000-000000000000'] })).status).toBe(404);
    expect(await acceptances(client.admin.id)).toHaveLength(0);

    // accepting one leaves the other pending
    const terms = session.body.legal.pending.find((p: { document: string }) => p.document === 'terms').id;
    expect((await admin.post('/api/v1/legal/acceptances', { versionIds: [terms] })).status).toBe(200);
    expect((await admin.get('/api/v1/users')).status).toBe(403);
    const done = await admin.post('/api/v1/legal/acceptances', { versionIds: ids });
    expect(done.status).toBe(200);
    expect(done.body.pending).toEqual([]);
    expect((await admin.get('/api/v1/users')).status).toBe(200);
    expect((await admin.get('/api/v1/session')).body.legal.pending).toEqual([]);
    const rows = await acceptances(client.admin.id);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.tenant_id === client.tenantId)).toBe(true);
    const mine = await admin.get('/api/v1/legal/acceptances');
    expect(mine.body.map((a: { version: string }) => a.version)).toEqual(['2026-01-01', '2026-01-01']);
    const audit = await ctx.c.db.kysely.selectFrom('audit_event').select('type').where('type', '=', 'legal.accepted').where('tenant_id', '=', client.tenantId).execute();
    expect(audit).toHaveLength(2);
  });

  it('vendor staff accept too', async () => {
    const staff = await createOperator(ctx); // the fixture accepted for them
    op = await signedIn(ctx, staff);
    expect((await op.get('/api/v1/vendor/legal/versions')).status).toBe(200);
  });

  it('a new version is published at least one calendar month ahead; users are told, Client admins at once if it affects the processing', async () => {
    const body = { document: 'terms', version: '2027-04-15', affectsProcessing: true, summary: 'Receipts are read by a new subprocessor.', bodyFr: md('fr'), bodyEn: md('en') };
    const early = await op.post('/api/v1/vendor/legal/versions', { ...body, appliesFrom: '2027-03-31T22:00:00Z' });
    expect(early.status).toBe(400);
    expect((await op.post('/api/v1/vendor/legal/versions', { ...body, appliesFrom: '2027-04-15T00:00:00+02:00', extra: 1 })).status).toBe(400);
    const employee = await signedIn(ctx, client.employee);
    expect((await employee.post('/api/v1/vendor/legal/versions', { ...body, appliesFrom: '2027-04-15T00:00:00+02:00' })).status).toBe(403);
    expect(await ctx.c.db.kysely.selectFrom('legal_version').select('id').where('version', '=', '2027-04-15').execute()).toHaveLength(0);

    const before = smtp.received.length;
    const r = await op.post('/api/v1/vendor/legal/versions', { ...body, appliesFrom: '2027-04-15T00:00:00+02:00' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    newVersionId = r.body.id;
    expect((await op.post('/api/v1/vendor/legal/versions', { ...body, appliesFrom: '2027-05-15T00:00:00+02:00' })).status).toBe(409);
    const mails = smtp.received.slice(before);
    const toAdmin = mails.filter((m) => m.to.includes(client.admin.email));
    expect(toAdmin.map((m) => m.subject).sort()).toEqual([
      expect.stringMatching(/nouvelles conditions générales d’utilisation à partir du 15 avril 2027/),
      expect.stringMatching(/traitement des données de votre société/),
    ].sort((a, b) => String(a).localeCompare(String(b))));
    const toEmployee = mails.filter((m) => m.to.includes(client.employee.email));
    expect(toEmployee).toHaveLength(1);
    expect(toEmployee[0]!.text).toContain('http://localhost:3000/legal/terms');
    const notes = await ctx.c.db.kysely.selectFrom('notification').selectAll().where('kind', '=', 'legal_version').where('user_id', '=', client.employee.id).execute();
    expect(notes).toHaveLength(1);

    // before it applies: not blocked, the session announces it
    const s = await employee.get('/api/v1/session');
    expect(s.body.legal.pending.map((p: { document: string }) => p.document).sort()).toEqual(['privacy', 'terms']); // the employee never accepted
    const admin = await signedIn(ctx, client.admin);
    const sa = await admin.get('/api/v1/session');
    expect(sa.body.legal.pending).toEqual([]);
    expect(sa.body.legal.upcoming).toEqual([expect.objectContaining({ document: 'terms', version: '2027-04-15', appliesFrom: '2027-04-14T22:00:00.000Z', affectsProcessing: true })]);
    expect((await admin.get('/api/v1/users')).status).toBe(200);
    // only the version in force can be accepted
    expect((await admin.post('/api/v1/legal/acceptances', { versionIds: [newVersionId] })).status).toBe(409);
    expect((await acceptances(client.admin.id))).toHaveLength(2);
    const pub = await supertest(ctx.app).get('/api/v1/public/legal/terms');
    expect(pub.body.current.version).toBe('2026-01-01');
    expect(pub.body.upcoming.version).toBe('2027-04-15');
  });

  it('once the new version applies, it must be accepted again; API tokens go on working', async () => {
    const admin = await signedIn(ctx, client.admin);
    const token = await admin.post('/api/v1/api-tokens', { name: 'sync', scopes: ['users:read'] });
    expect(token.status).toBe(201);
    to('2027-04-15T06:00:00Z');
    const again = await signedIn(ctx, client.admin);
    const s = await again.get('/api/v1/session');
    expect(s.body.legal.pending).toEqual([expect.objectContaining({ document: 'terms', id: newVersionId })]);
    expect(s.body.legal.upcoming).toEqual([]);
    expect((await again.get('/api/v1/users')).status).toBe(403);
    expect((await supertest(ctx.app).get('/api/v1/users').set('Authorization', `Bearer ${token.body.token}`)).status).toBe(200);
    expect((await again.post('/api/v1/legal/acceptances', { versionIds: [newVersionId] })).status).toBe(200);
    expect((await again.get('/api/v1/users')).status).toBe(200);
    expect((await ctx.c.legal.pending(client.admin.id))).toEqual([]);
  });

  it('acceptances and versions are append-only', async () => {
    // the service role may not, and neither may the owner (the trigger)
    await expect(sql`UPDATE legal_acceptance SET ip = '10.0.0.1'`.execute(ctx.c.db.kysely)).rejects.toThrow(/permission denied|append-only/);
    await expect(sql`DELETE FROM legal_acceptance`.execute(ctx.c.db.kysely)).rejects.toThrow(/permission denied|append-only/);
    await expect(ctx.c.db.asOwner((r) => r.query(`UPDATE legal_acceptance SET ip = '10.0.0.1'`))).rejects.toThrow(/append-only/);
    await expect(ctx.c.db.asOwner((r) => r.query(`DELETE FROM legal_acceptance`))).rejects.toThrow(/append-only/);
    await expect(ctx.c.db.asOwner((r) => r.query(`UPDATE legal_version SET summary = 'x'`))).rejects.toThrow(/append-only/);
    expect(await acceptances(client.admin.id)).toHaveLength(3);
  });

  it('a registered file cannot change (publish a new version instead); a restart adds nothing twice', async () => {
    await ctx.c.legal.seed();
    expect(await ctx.c.db.kysely.selectFrom('legal_version').select('id').where('source', '=', 'file').execute()).toHaveLength(2);
  });
});
