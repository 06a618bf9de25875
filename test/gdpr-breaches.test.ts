// GDPR processor duties, with a real SMTP server on loopback and a controllable clock:
// the breach register (R-GDPR-3, §8.2.j) — the 48-hour clock from detection (47 h: one hour left;
// past 48 h: overdue), the Art. 33 information mailed to each affected Client's admins exactly once
// (two clicks, one mail), other Clients see nothing, the follow-up log is append-only, bad input is
// refused and writes nothing — and audit requests (R-GDPR-6, §8.4): one month's notice, one a year,
// the operators' status transitions.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, signedIn, testClock, type Client, type TestContext } from './support/context.ts';
import { createOperator, createTenantWithAdmin, createUser } from './support/factories.ts';
import { startSmtp } from './support/smtp.ts';

const HOUR = 3_600_000;
const clock = testClock(new Date('2027-03-10T08:00:00Z'));
const to = (iso: string) => clock.advance(new Date(iso).getTime() - clock.now().getTime());
let ctx: TestContext;
let smtp: Awaited<ReturnType<typeof startSmtp>>;

beforeAll(async () => {
  smtp = await startSmtp();
  ctx = await createTestContext({ SMTP_URL: smtp.url, MAIL_FROM: 'Justif <dpo@justif.test>' }, { clock });
});
afterAll(async () => {
  await ctx?.close();
  await smtp?.stop();
});

const operator = async () => signedIn(ctx, await createOperator(ctx));
const count = async (table: string) => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(ctx.c.db.kysely)).rows[0]!.n);
const breachBody = (clients: 'all' | string[], over: Record<string, unknown> = {}) => ({
  title: 'Receipts bucket listed publicly',
  detectedAt: clock.now().toISOString(),
  nature: 'A storage bucket holding receipt images was readable without authentication for six hours.',
  dataCategories: ['identity', 'receipts', 'bank details'],
  subjectsApprox: 1200,
  recordsApprox: 35000,
  consequences: 'Exposure of names, merchants and amounts; risk of phishing.',
  measures: 'Access closed, keys rotated, access logs under review.',
  contact: 'DPO, dpo@justif.test, +33 1 23 45 67 89',
  clients,
  ...over,
});

describe('breach register (R-GDPR-3)', () => {
  it('records an incident with its 48-hour clock, notifies each affected Client once with the Art. 33 information, hides it from other Clients', async () => {
    to('2027-03-10T08:00:00Z');
    const A = await createTenantWithAdmin(ctx, { name: 'Client A' });
    const A2 = await createUser(ctx, A.tenantId, ['admin']);
    const Aemp = await createUser(ctx, A.tenantId, ['employee']);
    const B = await createTenantWithAdmin(ctx, { name: 'Client B' });
    const C = await createTenantWithAdmin(ctx, { name: 'Client C' });
    let op = await operator();

    const rec = await op.post('/api/v1/vendor/gdpr/breaches', breachBody([A.tenantId, B.tenantId]));
    expect(rec.status, JSON.stringify(rec.body)).toBe(201);
    const id = rec.body.id as string;
    expect(rec.body).toMatchObject({ scope: 'some', pending: 2, clock: { notifyBy: '2027-03-12T08:00:00.000Z', secondsLeft: 48 * 3600, overdue: false, running: true } });
    expect(rec.body.clients.map((c: { name: string }) => c.name)).toEqual(['Client A', 'Client B']);

    // 47 hours after detection: one hour left, not overdue
    to('2027-03-12T07:00:00Z');
    op = await operator();
    const at47 = await op.get(`/api/v1/vendor/gdpr/breaches/${id}`);
    expect(at47.body.clock).toMatchObject({ secondsLeft: 3600, overdue: false });

    // notify A only (B stays pending); clicked twice: one mail per admin, one notification row
    const n1 = await op.post(`/api/v1/vendor/gdpr/breaches/${id}/notify`, { tenantIds: [A.tenantId] });
    expect(n1.status, JSON.stringify(n1.body)).toBe(200);
    expect(n1.body.notified).toEqual([{ tenantId: A.tenantId, name: 'Client A', sentTo: [A.admin.email, A2.email].map((e) => e.toLowerCase()).sort() }]);
    const n2 = await op.post(`/api/v1/vendor/gdpr/breaches/${id}/notify`, { tenantIds: [A.tenantId] });
    expect(n2.status).toBe(200);
    expect(n2.body.notified).toEqual([]);
    const [twice] = await Promise.all([op.post(`/api/v1/vendor/gdpr/breaches/${id}/notify`, { tenantIds: [A.tenantId] }), op.post(`/api/v1/vendor/gdpr/breaches/${id}/notify`, { tenantIds: [A.tenantId] })]);
    expect(twice.status).toBe(200);
    for (const admin of [A.admin.email, A2.email]) {
      const mails = smtp.to(admin.toLowerCase()).filter((m) => m.subject.includes('violation de données'));
      expect(mails, admin).toHaveLength(1);
      const t = mails[0]!.text.replace(/\s+/g, ' ');
      expect(t).toContain('Client A');
      expect(t).toContain('Nature de la violation : A storage bucket holding receipt images');
      expect(t).toContain('Catégories de données concernées : identity, receipts, bank details');
      expect(t).toMatch(/personnes concernées : 1\s200/);
      expect(t).toMatch(/enregistrements concernés : 35\s000/);
      expect(t).toContain('Conséquences probables : Exposure of names');
      expect(t).toContain('Mesures prises ou proposées : Access closed, keys rotated');
      expect(t).toContain('Point de contact pour plus d’informations : DPO, dpo@justif.test');
    }
    expect(smtp.to(Aemp.email.toLowerCase()).filter((m) => m.subject.includes('violation'))).toHaveLength(0); // admins only
    expect(smtp.to(B.admin.email.toLowerCase()).filter((m) => m.subject.includes('violation'))).toHaveLength(0);
    expect(await ctx.c.db.kysely.selectFrom('gdpr_breach_notification').select('tenant_id').where('breach_id', '=', id).execute()).toEqual([{ tenant_id: A.tenantId }]);
    // the in-app notification, once per admin
    expect(await ctx.c.db.kysely.selectFrom('notification').select('user_id').where('kind', '=', 'gdpr_breach').where('tenant_id', '=', A.tenantId).execute()).toHaveLength(2);

    // past 48 hours with B still pending: overdue
    to('2027-03-12T08:01:00Z');
    op = await operator();
    const late = await op.get(`/api/v1/vendor/gdpr/breaches/${id}`);
    expect(late.body.clock).toMatchObject({ overdue: true, running: true });
    expect(late.body.clock.secondsLeft).toBeLessThan(0);
    expect(late.body.clients.find((c: { tenantId: string }) => c.tenantId === A.tenantId)).toMatchObject({ late: false });
    expect((await op.get('/api/v1/vendor/gdpr/breaches')).body.items.find((b: { id: string }) => b.id === id).clock.overdue).toBe(true);
    // notifying the rest: B, flagged late; the clock stops
    const n3 = await op.post(`/api/v1/vendor/gdpr/breaches/${id}/notify`);
    expect(n3.body.notified.map((n: { tenantId: string }) => n.tenantId)).toEqual([B.tenantId]);
    expect(n3.body.breach.clock).toMatchObject({ overdue: false, running: false });
    expect(n3.body.breach.clients.find((c: { tenantId: string }) => c.tenantId === B.tenantId)).toMatchObject({ late: true });
    expect(smtp.to(B.admin.email.toLowerCase()).filter((m) => m.subject.includes('violation'))).toHaveLength(1);
    // a Client that is not affected cannot be notified
    expect((await op.post(`/api/v1/vendor/gdpr/breaches/${id}/notify`, { tenantIds: [C.tenantId] })).status).toBe(400);

    // follow-ups: dated, shown to the Client
    const f = await op.post(`/api/v1/vendor/gdpr/breaches/${id}/follow-ups`, { text: 'Logs reviewed: 14 downloads from two addresses.' });
    expect(f.status, JSON.stringify(f.body)).toBe(201);
    expect(f.body.followUps).toEqual([{ id: expect.any(String), at: '2027-03-12T08:01:00.000Z', text: 'Logs reviewed: 14 downloads from two addresses.' }]);

    // the affected Client's admin sees it, with its own notification only
    const asA = await signedIn(ctx, A.admin);
    const seen = await asA.get('/api/v1/gdpr/breaches');
    expect(seen.status).toBe(200);
    expect(seen.body.items).toHaveLength(1);
    expect(seen.body.items[0]).toMatchObject({ id, title: 'Receipts bucket listed publicly', notification: { notifiedAt: '2027-03-12T07:00:00.000Z', late: false }, followUps: [{ text: 'Logs reviewed: 14 downloads from two addresses.' }] });
    expect(JSON.stringify(seen.body)).not.toContain('Client B');
    expect(JSON.stringify(seen.body)).not.toContain(B.tenantId);
    // another Client sees nothing
    const asC = await signedIn(ctx, C.admin);
    expect((await asC.get('/api/v1/gdpr/breaches')).body.items).toEqual([]);
    // a Client's user cannot reach the vendor's routes, nor a non-admin the Client's
    expect((await asA.get('/api/v1/vendor/gdpr/breaches')).status).toBe(403);
    expect((await asA.post('/api/v1/vendor/gdpr/breaches', breachBody([A.tenantId]))).status).toBe(403);
    expect((await asA.post(`/api/v1/vendor/gdpr/breaches/${id}/notify`)).status).toBe(403);
    expect((await asA.post(`/api/v1/vendor/gdpr/breaches/${id}/follow-ups`, { text: 'Nothing to see' })).status).toBe(403);
    expect((await (await signedIn(ctx, Aemp)).get('/api/v1/gdpr/breaches')).status).toBe(403);
    // audited: the record and follow-up on the platform chain, the notification in the Client's
    const types = (await ctx.c.db.kysely.selectFrom('audit_event').select(['type', 'tenant_id']).where('target_id', '=', id).orderBy('occurred_at').orderBy('seq').execute());
    expect(types).toEqual(expect.arrayContaining([
      { type: 'gdpr_breach.recorded', tenant_id: null }, { type: 'gdpr_breach.notified', tenant_id: A.tenantId },
      { type: 'gdpr_breach.notified', tenant_id: B.tenantId }, { type: 'gdpr_breach.follow_up', tenant_id: null },
    ]));
    expect(types.filter((t) => t.type === 'gdpr_breach.notified')).toHaveLength(2);
  });

  it('"all" covers every Client not destroyed; a detection time given in the past shortens the clock', async () => {
    const D = await createTenantWithAdmin(ctx, { name: 'Client D' });
    const op = await operator();
    const r = await op.post('/api/v1/vendor/gdpr/breaches', breachBody('all', { detectedAt: new Date(clock.now().getTime() - 47 * HOUR).toISOString() }));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.scope).toBe('all');
    const tenants = await ctx.c.db.kysely.selectFrom('tenant').select('id').where('status', '<>', 'destroyed').execute();
    expect(r.body.clients.map((c: { tenantId: string }) => c.tenantId).sort()).toEqual(tenants.map((t) => t.id).sort());
    expect(r.body.clock).toMatchObject({ secondsLeft: 3600, overdue: false });
    const asD = await signedIn(ctx, D.admin);
    expect((await asD.get('/api/v1/gdpr/breaches')).body.items.map((b: { id: string }) => b.id)).toEqual([r.body.id]);
  });

  it('the register and the follow-up log are append-only in SQL', async () => {
    const A = await createTenantWithAdmin(ctx);
    const op = await operator();
    const r = await op.post('/api/v1/vendor/gdpr/breaches', breachBody([A.tenantId]));
    await op.post(`/api/v1/vendor/gdpr/breaches/${r.body.id}/notify`);
    const f = await op.post(`/api/v1/vendor/gdpr/breaches/${r.body.id}/follow-ups`, { text: 'First entry' });
    const entry = f.body.followUps[0].id as string;
    const db = ctx.c.db.kysely;
    // refused to the service role (no grant) and, below the grants, by the triggers — even to the owner
    const refused = /append-only|permission denied/;
    await expect(sql`UPDATE gdpr_breach_follow_up SET text = 'rewritten' WHERE id = ${entry}`.execute(db)).rejects.toThrow(refused);
    await expect(sql`DELETE FROM gdpr_breach_follow_up WHERE id = ${entry}`.execute(db)).rejects.toThrow(refused);
    await expect(sql`UPDATE gdpr_breach SET nature = 'nothing happened' WHERE id = ${r.body.id}`.execute(db)).rejects.toThrow(refused);
    await expect(sql`DELETE FROM gdpr_breach_notification WHERE breach_id = ${r.body.id}`.execute(db)).rejects.toThrow(refused);
    const owner = (q: string, params: unknown[]) => ctx.c.db.asOwner((o) => o.query(q, params));
    await expect(owner(`UPDATE gdpr_breach_follow_up SET text = 'rewritten' WHERE id = $1`, [entry])).rejects.toThrow(/append-only/);
    await expect(owner(`DELETE FROM gdpr_breach_follow_up WHERE id = $1`, [entry])).rejects.toThrow(/append-only/);
    await expect(owner(`UPDATE gdpr_breach SET nature = 'nothing happened' WHERE id = $1`, [r.body.id])).rejects.toThrow(/append-only/);
    await expect(owner(`DELETE FROM gdpr_breach WHERE id = $1`, [r.body.id])).rejects.toThrow(/append-only/);
    await expect(owner(`UPDATE gdpr_breach_notification SET notified_at = now() WHERE breach_id = $1`, [r.body.id])).rejects.toThrow(/append-only/);
    await expect(owner(`DELETE FROM gdpr_breach_client WHERE breach_id = $1`, [r.body.id])).rejects.toThrow(/append-only/);
    await expect(ctx.c.db.asOwner((o) => o.exec('TRUNCATE gdpr_breach_follow_up'))).rejects.toThrow(/append-only/);
    expect((await op.get(`/api/v1/vendor/gdpr/breaches/${r.body.id}`)).body.followUps.map((x: { text: string }) => x.text)).toEqual(['First entry']);
    // positive control: appending still works
    expect((await op.post(`/api/v1/vendor/gdpr/breaches/${r.body.id}/follow-ups`, { text: 'Second entry' })).body.followUps).toHaveLength(2);
  });

  it('bad input → 400 and nothing written', async () => {
    const A = await createTenantWithAdmin(ctx);
    const op = await operator();
    const tables = ['gdpr_breach', 'gdpr_breach_client', 'gdpr_breach_notification', 'gdpr_breach_follow_up', 'audit_event', 'mail_outbox', 'notification'];
    const snap = async () => Promise.all(tables.map(count));
    const before = await snap();
    const { title: _t, ...noTitle } = breachBody([A.tenantId]);
    const cases: [string, unknown][] = [
      ['no title', noTitle],
      ['detection in the future', breachBody([A.tenantId], { detectedAt: new Date(clock.now().getTime() + HOUR).toISOString() })],
      ['detection not a time', breachBody([A.tenantId], { detectedAt: '12/03/2027' })],
      ['no data category', breachBody([A.tenantId], { dataCategories: [] })],
      ['negative people', breachBody([A.tenantId], { subjectsApprox: -1 })],
      ['fractional records', breachBody([A.tenantId], { recordsApprox: 1.5 })],
      ['records as a string', breachBody([A.tenantId], { recordsApprox: '100' })],
      ['empty consequences', breachBody([A.tenantId], { consequences: '  ' })],
      ['no measures', { ...breachBody([A.tenantId]), measures: undefined }],
      ['no Client', breachBody([])],
      ['unknown Client', breachBody(['00000000-0000-4000-8000-000000000000'])],
      ['Client not an id', breachBody(['client-a'])],
      ['clients: some', breachBody('some' as 'all')],
      ['unknown field', breachBody([A.tenantId], { severity: 'high' })],
    ];
    for (const [label, body] of cases) {
      const r = await op.post('/api/v1/vendor/gdpr/breaches', body as object);
      expect(r.status, `${label}: ${JSON.stringify(r.body)}`).toBe(400);
    }
    const ok = await op.post('/api/v1/vendor/gdpr/breaches', breachBody([A.tenantId]));
    expect(ok.status).toBe(201); // positive control
    const mid = await snap();
    for (const [label, body] of [['empty', {}], ['too short', { text: 'x' }], ['not text', { text: 42 }], ['extra', { text: 'Fine text', at: '2027-01-01' }]] as const) {
      const r = await op.post(`/api/v1/vendor/gdpr/breaches/${ok.body.id}/follow-ups`, body);
      expect(r.status, label).toBe(400);
    }
    expect((await op.post('/api/v1/vendor/gdpr/breaches/00000000-0000-4000-8000-000000000000/follow-ups', { text: 'Fine text' })).status).toBe(404);
    expect((await op.post('/api/v1/vendor/gdpr/breaches/00000000-0000-4000-8000-000000000000/notify')).status).toBe(404);
    for (const body of [{ tenantIds: [] }, { tenantIds: ['x'] }, { tenantIds: ['00000000-0000-4000-8000-000000000000'] }, { everyone: true }])
      expect((await op.post(`/api/v1/vendor/gdpr/breaches/${ok.body.id}/notify`, body)).status, JSON.stringify(body)).toBe(400);
    expect(await snap()).toEqual(mid);
    expect(mid[0]).toBe(before[0]! + 1);
  });
});

describe('audit requests (R-GDPR-6)', () => {
  it('one month notice, one a year counted from the last request, and the operators\u2019 transitions', async () => {
    to('2027-05-31T10:00:00Z'); // 31 May in Paris: one calendar month ahead is 30 June
    const A = await createTenantWithAdmin(ctx, { name: 'Audited A' });
    const B = await createTenantWithAdmin(ctx, { name: 'Audited B' });
    let admin = await signedIn(ctx, A.admin);
    let op = await operator();
    const before = await count('audit_request');
    const form = await admin.get('/api/v1/gdpr/audit-requests');
    expect(form.body).toMatchObject({ items: [], earliestDate: '2027-06-30', canRequest: true, nextRequestFrom: null });
    for (const [label, body] of [
      ['less than a month', { proposedDate: '2027-06-29', scope: 'Security measures (§8.2.c)' }],
      ['not a date', { proposedDate: '30/06/2027', scope: 'Security measures' }],
      ['no scope', { proposedDate: '2027-07-15' }],
      ['empty scope', { proposedDate: '2027-07-15', scope: ' ' }],
      ['too far', { proposedDate: '2030-01-01', scope: 'Security measures' }],
      ['unknown field', { proposedDate: '2027-07-15', scope: 'Security measures', auditor: 'X' }],
    ] as const) expect((await admin.post('/api/v1/gdpr/audit-requests', body)).status, label).toBe(400);
    expect(await count('audit_request')).toBe(before);

    const r1 = await admin.post('/api/v1/gdpr/audit-requests', { proposedDate: '2027-06-30', scope: 'Security measures (§8.2.c) and subprocessors' });
    expect(r1.status, JSON.stringify(r1.body)).toBe(201);
    expect(r1.body).toMatchObject({ status: 'requested', proposedDate: '2027-06-30', agreedDate: null });
    // a second within 12 months: 409 saying when
    const again = await admin.post('/api/v1/gdpr/audit-requests', { proposedDate: '2027-09-01', scope: 'Another one' });
    expect(again.status).toBe(409);
    expect(again.body.nextRequestFrom).toBe('2028-05-31T10:00:00.000Z');
    expect((await admin.get('/api/v1/gdpr/audit-requests')).body).toMatchObject({ canRequest: false, nextRequestFrom: '2028-05-31T10:00:00.000Z' });
    // another Client is not limited by A's
    const asB = await signedIn(ctx, B.admin);
    expect((await asB.post('/api/v1/gdpr/audit-requests', { proposedDate: '2027-07-15', scope: 'Data location' })).status).toBe(201);
    expect((await asB.get('/api/v1/gdpr/audit-requests')).body.items.map((i: { id: string }) => i.id)).not.toContain(r1.body.id);

    // the operators see them; transitions
    const listed = await op.get('/api/v1/vendor/gdpr/audit-requests?status=requested');
    expect(listed.body.items.find((i: { id: string }) => i.id === r1.body.id)).toMatchObject({ clientName: 'Audited A', tenantId: A.tenantId });
    const id = r1.body.id as string;
    expect((await op.post(`/api/v1/vendor/gdpr/audit-requests/${id}/done`, { reportNote: 'Not yet' })).status).toBe(409); // requested → done
    expect((await op.post(`/api/v1/vendor/gdpr/audit-requests/${id}/schedule`, { agreedDate: '2027-05-01' })).status).toBe(400); // in the past
    expect((await op.post(`/api/v1/vendor/gdpr/audit-requests/${id}/schedule`, { agreedDate: 'soon' })).status).toBe(400);
    const s = await op.post(`/api/v1/vendor/gdpr/audit-requests/${id}/schedule`, { agreedDate: '2027-07-05' });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body).toMatchObject({ status: 'scheduled', agreedDate: '2027-07-05' });
    expect(smtp.to(A.admin.email.toLowerCase()).some((m) => m.text.includes('2027-07-05'))).toBe(true);
    expect((await op.post(`/api/v1/vendor/gdpr/audit-requests/${id}/done`, { reportNote: 'Too early' })).status).toBe(409); // before the agreed date
    to('2027-07-05T14:00:00Z');
    op = await operator();
    expect((await op.post(`/api/v1/vendor/gdpr/audit-requests/${id}/done`, { reportNote: '' })).status).toBe(400);
    const d = await op.post(`/api/v1/vendor/gdpr/audit-requests/${id}/done`, { reportNote: 'No finding; two recommendations on key rotation.' });
    expect(d.body).toMatchObject({ status: 'done', closeNote: 'No finding; two recommendations on key rotation.' });
    for (const [step, body] of [['schedule', { agreedDate: '2027-08-01' }], ['done', { reportNote: 'Again' }], ['cancel', { reason: 'Changed our mind' }]] as const) {
      const r = await op.post(`/api/v1/vendor/gdpr/audit-requests/${id}/${step}`, body);
      expect(r.status, step).toBe(409);
      expect(r.body.currentStatus).toBe('done');
    }
    expect((await op.post('/api/v1/vendor/gdpr/audit-requests/00000000-0000-4000-8000-000000000000/cancel', { reason: 'Nothing' })).status).toBe(404);
    await expect(sql`UPDATE audit_request SET close_note = 'rewritten' WHERE id = ${id}`.execute(ctx.c.db.kysely)).rejects.toThrow(/final/);
    // the admin sees the status
    admin = await signedIn(ctx, A.admin);
    expect((await admin.get('/api/v1/gdpr/audit-requests')).body.items[0]).toMatchObject({ id, status: 'done', agreedDate: '2027-07-05' });
    // Client users cannot reach the vendor's routes
    expect((await admin.get('/api/v1/vendor/gdpr/audit-requests')).status).toBe(403);
    expect((await admin.post(`/api/v1/vendor/gdpr/audit-requests/${id}/schedule`, { agreedDate: '2027-08-01' })).status).toBe(403);

    // still within 12 months of the first request's creation: refused; at 12 months: allowed
    to('2028-05-31T09:59:00Z');
    admin = await signedIn(ctx, A.admin);
    expect((await admin.post('/api/v1/gdpr/audit-requests', { proposedDate: '2028-07-01', scope: 'Yearly audit' })).status).toBe(409);
    to('2028-05-31T10:00:00Z');
    const r2 = await admin.post('/api/v1/gdpr/audit-requests', { proposedDate: '2028-07-01', scope: 'Yearly audit' });
    expect(r2.status, JSON.stringify(r2.body)).toBe(201);
    // cancelled by the vendor: it does not use the Client's yearly audit
    op = await operator();
    expect((await op.post(`/api/v1/vendor/gdpr/audit-requests/${r2.body.id}/cancel`, { reason: 'Withdrawn by the Client' })).body).toMatchObject({ status: 'cancelled', closeNote: 'Withdrawn by the Client' });
    const r3 = await admin.post('/api/v1/gdpr/audit-requests', { proposedDate: '2028-07-15', scope: 'Yearly audit, new date' });
    expect(r3.status).toBe(201);
    // audited in the Client's chain
    const events = await ctx.c.db.kysely.selectFrom('audit_event').select('type').where('tenant_id', '=', A.tenantId).where('target_type', '=', 'audit_request').execute();
    expect(events.map((e) => e.type).sort()).toEqual(['audit_request.cancelled', 'audit_request.created', 'audit_request.created', 'audit_request.created', 'audit_request.done', 'audit_request.scheduled']);
  });
});

describe('end of contract (R-REV-2)', () => {
  it('the purge removes the Client\u2019s audit requests and keeps the breach register\u2019s records of it (the vendor\u2019s proof of notification)', async () => {
    const E = await createTenantWithAdmin(ctx, { name: 'Leaving E' });
    const opUser = await createOperator(ctx);
    const op = await signedIn(ctx, opUser);
    const b = await op.post('/api/v1/vendor/gdpr/breaches', breachBody([E.tenantId]));
    expect((await op.post(`/api/v1/vendor/gdpr/breaches/${b.body.id}/notify`)).body.notified).toHaveLength(1);
    const admin = await signedIn(ctx, E.admin);
    const earliest = (await admin.get('/api/v1/gdpr/audit-requests')).body.earliestDate;
    expect((await admin.post('/api/v1/gdpr/audit-requests', { proposedDate: earliest, scope: 'Before we leave' })).status).toBe(201);
    const actor = { kind: 'user' as const, userId: opUser.id, label: null, ip: null, userAgent: null, requestId: null };
    await ctx.c.contractEnd.terminate(actor, E.tenantId, { reason: 'Contract ended', vaultInstruction: 'destroy', instructionRef: 'Letter of 2028-05-01' });
    // the 30 days pass (the purge checks the database's clock)
    await ctx.c.db.asOwner((r) => r.query(`UPDATE tenant_termination SET terminated_at = now() - interval '31 days', purge_after = now() - interval '1 day' WHERE tenant_id = $1`, [E.tenantId]));
    expect(await ctx.c.contractEnd.advance(actor, E.tenantId)).toMatchObject({ step: 'destroyed' });
    const left = async (table: 'audit_request' | 'gdpr_breach_client' | 'gdpr_breach_notification' | 'notification') =>
      Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE tenant_id = ${E.tenantId}`.execute(ctx.c.db.kysely)).rows[0]!.n);
    expect(await left('audit_request')).toBe(0);
    expect(await left('notification')).toBe(0);
    expect(await left('gdpr_breach_client')).toBe(1);
    expect(await left('gdpr_breach_notification')).toBe(1);
    expect((await op.get(`/api/v1/vendor/gdpr/breaches/${b.body.id}`)).body.clients[0]).toMatchObject({ tenantId: E.tenantId, notifiedAt: expect.any(String), sentTo: [E.admin.email.toLowerCase()] });
  });
});
