// The subprocessor registry (R-GDPR-1, §8.2.d) with a controllable clock and a real SMTP server:
// seeded from this deployment's configuration; a change announced to every Client's admins (mail
// and in-app) at least a month ahead; one Client objects, another does not; at the deadline the
// change is in force publicly and for the Client that did not object, held back for the one that
// did until the vendor decides; objecting after the deadline is refused; bad input changes nothing.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredSubprocessors } from '../api/features/gdpr/configured.ts';
import { earliestEffective } from '../api/features/gdpr/subprocessors.ts';
import { createTestContext, signedIn, testClock, type Client, type TestContext } from './support/context.ts';
import { createOperator, createTenantWithAdmin, createUser } from './support/factories.ts';
import { startSmtp } from './support/smtp.ts';

const clock = testClock(new Date('2027-01-11T09:00:00Z'));
const to = (iso: string) => clock.advance(new Date(iso).getTime() - clock.now().getTime());
let ctx: TestContext;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
const file = join(tmpdir(), `subprocessors-${process.pid}.json`);
const HOSTING = { key: 'hosting', name: 'Scaleway', legalEntity: 'Scaleway SAS, 8 rue de la Ville l’Évêque, 75008 Paris', purpose: 'Hosting of the servers', dataCategories: ['every record of the service'], country: 'FR', safeguard: null };

beforeAll(async () => {
  smtp = await startSmtp();
  writeFileSync(file, JSON.stringify([HOSTING, { key: 'mail', name: 'Brevo', legalEntity: 'Sendinblue SAS', purpose: 'Email delivery', dataCategories: ['names', 'email addresses'], country: 'FR', safeguard: null }]));
  ctx = await createTestContext({ SMTP_URL: smtp.url, SUBPROCESSORS_FILE: file }, { clock });
});
afterAll(async () => {
  await ctx?.close();
  await smtp?.stop();
});

const names = (list: { name: string }[]) => list.map((s) => s.name).sort();

describe('the registry as configured', () => {
  it('is seeded from the configuration once (a restart adds nothing) and public', async () => {
    const pub = await request(ctx.app).get('/api/v1/public/subprocessors');
    expect(pub.status).toBe(200);
    expect(names(pub.body.subprocessors)).toEqual(['Brevo', 'Scaleway']);
    expect(pub.body.subprocessors.find((s: { name: string }) => s.name === 'Scaleway')).toMatchObject({ legalEntity: HOSTING.legalEntity, country: 'FR', inEea: true, safeguard: null, source: 'config' });
    await ctx.c.subprocessors.seed(configuredSubprocessors(ctx.c.config));
    expect((await ctx.c.db.kysely.selectFrom('subprocessor').select('id').execute()).length).toBe(2);
  });

  it('without a file: the off-machine components the configuration points at, nothing for those on this machine', () => {
    const base = { database: { url: 'postgres://app@db.internal.example:5432/justif', poolMax: 5, pgliteDir: '' }, vault: { dir: '', signingKeyFile: '', checkpointCron: '', sweepCron: '' }, gdpr: { dataCountry: 'FR' } };
    const derived = configuredSubprocessors({ ...base, mail: { smtpUrl: 'smtp://u:p@smtp-relay.example.net:587', from: 'x' }, s3: { endpoint: 'https://s3.fr-par.scw.cloud', region: 'fr-par', bucket: 'b', accessKeyId: 'a', secretAccessKey: 's', forcePathStyle: false, sendChecksums: false } });
    expect(derived.map((d) => [d.key, d.name])).toEqual([['database', 'db.internal.example'], ['objects', 's3.fr-par.scw.cloud'], ['mail', 'smtp-relay.example.net']]);
    const local = configuredSubprocessors({ ...base, database: { url: 'postgres://postgres@127.0.0.1:5432/test', poolMax: 5, pgliteDir: '' }, mail: { smtpUrl: 'smtp://127.0.0.1:2525', from: 'x' } });
    expect(local).toEqual([]);
  });
});

describe('a change, announced, objected to, in force', () => {
  it('follows the timeline: announce (≥ 1 month), object before the deadline, in force after it except for the Client that objected, then the vendor decides', async () => {
    const a = await createTenantWithAdmin(ctx, { name: 'Objecteur SA' });
    const b = await createTenantWithAdmin(ctx, { name: 'Silencieux SARL' });
    const op = await signedIn(ctx, await createOperator(ctx));
    const scaleway = (await op.get('/api/v1/vendor/gdpr/subprocessors')).body.subprocessors.find((s: { name: string }) => s.name === 'Scaleway');
    const entry = { name: 'OVHcloud', legalEntity: 'OVH SAS, 2 rue Kellermann, 59100 Roubaix', purpose: 'Hosting of the servers', dataCategories: ['every record of the service'], country: 'FR' };

    // bad announcements change nothing
    const count = async () => (await ctx.c.db.kysely.selectFrom('subprocessor_change').select('id').execute()).length;
    const bad: object[] = [
      {},
      { kind: 'replace', entry, removedId: scaleway.id, reason: 'Moving', effectiveOn: '2027-02-10' }, // less than a month
      { kind: 'replace', entry, reason: 'Moving', effectiveOn: '2027-03-01' }, // what goes?
      { kind: 'add', entry, removedId: scaleway.id, reason: 'Moving', effectiveOn: '2027-03-01' },
      { kind: 'remove', entry, removedId: scaleway.id, reason: 'Moving', effectiveOn: '2027-03-01' },
      { kind: 'add', entry: { ...entry, country: 'US' }, reason: 'Moving', effectiveOn: '2027-03-01' }, // outside the EEA without a safeguard
      { kind: 'add', entry: { ...entry, country: 'france' }, reason: 'Moving', effectiveOn: '2027-03-01' },
      { kind: 'add', entry, reason: 'Moving', effectiveOn: '2027-02-30' },
      { kind: 'swap', entry, reason: 'Moving', effectiveOn: '2027-03-01' },
    ];
    for (const body of bad) expect((await op.post('/api/v1/vendor/gdpr/subprocessor-changes', body)).status, JSON.stringify(body)).toBe(400);
    expect(await count()).toBe(0);
    expect(earliestEffective(clock.now()).toISOString()).toBe('2027-02-11T09:00:00.000Z');

    const announced = await op.post('/api/v1/vendor/gdpr/subprocessor-changes', { kind: 'replace', entry, removedId: scaleway.id, reason: 'Servers move to a provider with a second data centre in France.', effectiveOn: '2027-02-12' });
    expect(announced.status, JSON.stringify(announced.body)).toBe(200);
    const changeId = announced.body.id;
    expect(announced.body).toMatchObject({ kind: 'replace', effectiveAt: '2027-02-11T23:00:00.000Z', added: { name: 'OVHcloud' }, removed: { name: 'Scaleway' }, objections: [] });
    // every Client's admins are told, by mail and in the app
    for (const t of [a, b]) {
      const mails = smtp.to(t.admin.email.toLowerCase()).filter((m) => m.subject.includes('sous-traitant'));
      expect(mails).toHaveLength(1);
      expect(mails[0]!.text).toContain('OVHcloud');
      expect(mails[0]!.text).toContain('12 février 2027');
      const note = await ctx.c.db.kysely.selectFrom('notification').select(['kind', 'data']).where('user_id', '=', t.admin.id).where('kind', '=', 'subprocessor_change').execute();
      expect(note).toHaveLength(1);
    }
    // nothing in force yet
    expect(names((await request(ctx.app).get('/api/v1/public/subprocessors')).body.subprocessors)).toEqual(['Brevo', 'Scaleway']);

    // A objects (bad input first); B says nothing
    const adminA = await signedIn(ctx, a.admin);
    for (const body of [{}, { changeId, reason: '' }, { changeId: 'nope', reason: 'We refuse' }, { changeId, reason: 'We refuse', extra: 1 }])
      expect((await adminA.post('/api/v1/gdpr/subprocessor-objections', body)).status, JSON.stringify(body)).toBe(400);
    expect((await adminA.post('/api/v1/gdpr/subprocessor-objections', { changeId: '00000000-0000-4000-8000-000000000000', reason: 'We refuse' })).status).toBe(404);
    const employee = await signedIn(ctx, await createUser(ctx, a.tenantId, ['employee']));
    expect((await employee.post('/api/v1/gdpr/subprocessor-objections', { changeId, reason: 'We refuse' })).status).toBe(403);
    expect(await ctx.c.db.kysely.selectFrom('subprocessor_objection').select('tenant_id').execute()).toEqual([]);
    to('2027-02-05T10:00:00Z');
    const adminA2 = await signedIn(ctx, a.admin);
    const objected = await adminA2.post('/api/v1/gdpr/subprocessor-objections', { changeId, reason: 'Our DPA requires a prior audit of any new host.' });
    expect(objected.status, JSON.stringify(objected.body)).toBe(200);
    expect(objected.body).toMatchObject({ status: 'objected', canObject: false, objection: { reason: 'Our DPA requires a prior audit of any new host.', decision: null } });
    expect((await adminA2.post('/api/v1/gdpr/subprocessor-objections', { changeId, reason: 'Again' })).status).toBe(409);
    const opNow = await signedIn(ctx, await createOperator(ctx));
    expect((await opNow.get('/api/v1/vendor/gdpr/subprocessors')).body.changes[0].objections).toMatchObject([{ tenantName: 'Objecteur SA', decision: null }]);

    // the deadline passes: in force publicly and for B; held back for A
    to('2027-02-12T08:00:00Z');
    expect(names((await request(ctx.app).get('/api/v1/public/subprocessors')).body.subprocessors)).toEqual(['Brevo', 'OVHcloud']);
    const history = (await request(ctx.app).get('/api/v1/public/subprocessors')).body.changes;
    expect(history).toMatchObject([{ kind: 'replace', inEffect: true, announcedAt: '2027-01-11T09:00:00.000Z' }]);
    const adminB = await signedIn(ctx, b.admin);
    const bView = (await adminB.get('/api/v1/gdpr/subprocessors')).body;
    expect(names(bView.subprocessors)).toEqual(['Brevo', 'OVHcloud']);
    expect(bView.changes[0]).toMatchObject({ status: 'effective', canObject: false });
    expect((await adminB.post('/api/v1/gdpr/subprocessor-objections', { changeId, reason: 'Too late?' })).status).toBe(409); // the month is over
    const adminA3 = await signedIn(ctx, a.admin);
    expect(names((await adminA3.get('/api/v1/gdpr/subprocessors')).body.subprocessors)).toEqual(['Brevo', 'Scaleway']);

    // the vendor decides: on hold for A, then A may terminate (the change then applies to it)
    const op3 = await signedIn(ctx, await createOperator(ctx));
    const decide = (body: object, tenantId = a.tenantId) => op3.post(`/api/v1/vendor/gdpr/subprocessor-changes/${changeId}/objections/${tenantId}/decision`, body);
    for (const body of [{}, { decision: 'maybe' }, { decision: 'on_hold', note: '' }]) expect((await decide(body)).status, JSON.stringify(body)).toBe(400);
    expect((await decide({ decision: 'on_hold' }, b.tenantId)).status).toBe(404); // B did not object
    expect((await decide({ decision: 'on_hold', note: 'Audit planned in March.' })).status).toBe(200);
    expect((await decide({ decision: 'on_hold' })).status).toBe(409);
    expect((await adminA3.get('/api/v1/gdpr/subprocessors')).body.changes[0]).toMatchObject({ status: 'on_hold', objection: { decision: 'on_hold', note: 'Audit planned in March.' } });
    expect(smtp.to(a.admin.email.toLowerCase()).some((m) => m.text.includes('reste suspendu'))).toBe(true);
    expect((await decide({ decision: 'may_terminate' })).status).toBe(200);
    expect(names((await adminA3.get('/api/v1/gdpr/subprocessors')).body.subprocessors)).toEqual(['Brevo', 'OVHcloud']);
    // all of it in the audit log
    const types = (await ctx.c.db.kysely.selectFrom('audit_event').select('type').where('target_id', '=', changeId).execute()).map((e) => e.type).sort();
    expect(types).toEqual(['subprocessor.change_announced', 'subprocessor.objected', 'subprocessor.objection_decided', 'subprocessor.objection_decided']);
  });

  it('an announced change may be withdrawn until it takes effect, not after; Client users never reach the vendor routes', async () => {
    const op = await signedIn(ctx, await createOperator(ctx));
    const add = await op.post('/api/v1/vendor/gdpr/subprocessor-changes', { kind: 'add', entry: { name: 'Mailgun', legalEntity: 'Mailgun Technologies Inc.', purpose: 'Email delivery', dataCategories: ['email addresses'], country: 'US', safeguard: 'Standard contractual clauses (Commission decision 2021/914)' }, reason: 'Second mail relay', effectiveOn: '2027-04-01' });
    expect(add.status, JSON.stringify(add.body)).toBe(200);
    expect(add.body.added).toMatchObject({ inEea: false, safeguard: expect.stringContaining('contractual') });
    // a transfer outside the EU/EEA needs each Client's recorded instruction (§8.3)
    const c1 = await createTenantWithAdmin(ctx);
    const a1 = await signedIn(ctx, c1.admin);
    const brevo = (await a1.get('/api/v1/gdpr/subprocessors')).body.subprocessors.find((x: { name: string }) => x.name === 'Brevo');
    expect(brevo.transfer).toBeNull(); // in the EEA
    expect((await a1.post('/api/v1/gdpr/transfer-instructions', { subprocessorId: brevo.id, note: 'Allowed' })).status).toBe(409);
    for (const body of [{}, { subprocessorId: add.body.added.id }, { subprocessorId: add.body.added.id, note: 'x' }, { subprocessorId: 'x', note: 'Allowed' }])
      expect((await a1.post('/api/v1/gdpr/transfer-instructions', body)).status, JSON.stringify(body)).toBe(400);
    expect(await ctx.c.db.kysely.selectFrom('transfer_instruction').select('tenant_id').execute()).toEqual([]);
    const ok = await a1.post('/api/v1/gdpr/transfer-instructions', { subprocessorId: add.body.added.id, note: 'Our DPO allows transfers under the SCCs for mail delivery.' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await a1.post('/api/v1/gdpr/transfer-instructions', { subprocessorId: add.body.added.id, note: 'Again' })).status).toBe(409);
    expect((await op.get('/api/v1/vendor/gdpr/subprocessors')).body.changes.find((x: { id: string }) => x.id === add.body.id).added.name).toBe('Mailgun');
    // where the data is kept, as configured (the test's embedded database and local files; SMTP on loopback)
    const storage = (await a1.get('/api/v1/gdpr/storage')).body;
    expect(storage).toMatchObject({ country: 'FR', components: expect.arrayContaining([expect.objectContaining({ component: 'mail', kind: 'smtp', location: null }), expect.objectContaining({ component: 'objects' })]) });
    expect((await op.post(`/api/v1/vendor/gdpr/subprocessor-changes/${add.body.id}/cancel`)).status).toBe(200);
    expect((await op.post(`/api/v1/vendor/gdpr/subprocessor-changes/${add.body.id}/cancel`)).status).toBe(409);
    to('2027-04-02T08:00:00Z');
    expect(names((await request(ctx.app).get('/api/v1/public/subprocessors')).body.subprocessors)).not.toContain('Mailgun');
    const t = await createTenantWithAdmin(ctx);
    const admin: Client = await signedIn(ctx, t.admin);
    expect((await admin.get('/api/v1/vendor/gdpr/subprocessors')).status).toBe(403);
    expect((await admin.post('/api/v1/vendor/gdpr/subprocessor-changes', { kind: 'add' })).status).toBe(403);
  });
});

describe('record of processing activities (R-GDPR-4)', () => {
  it('is generated from live data for the Client alone, as JSON and PDF', async () => {
    const t = await createTenantWithAdmin(ctx, { name: 'Registre SAS' });
    const other = await createTenantWithAdmin(ctx, { name: 'Autre SA' });
    const admin = await signedIn(ctx, t.admin);
    const before = (await admin.get('/api/v1/gdpr/processing-record')).body;
    expect(before).toMatchObject({ controller: { name: 'Registre SAS', contacts: [{ email: t.admin.email }] }, dataSubjects: [expect.any(String)] });
    const expenses = () => (before as { dataHeld: { category: string; records: number }[] }).dataHeld.find((d) => d.category.startsWith('dépenses'))!.records;
    expect(expenses()).toBe(0);
    expect(names(before.subprocessors)).toEqual(expect.arrayContaining(['Brevo']));
    // live: an expense of this Client shows; another Client's does not
    const { referencesOf } = await import('./support/context.ts');
    for (const [who, n] of [[admin, 2], [await signedIn(ctx, other.admin), 1]] as const) {
      const { cat, pay } = await referencesOf(who);
      for (let i = 0; i < n; i++) expect((await who.post('/api/v1/expenses', { date: clock.now().toISOString().slice(0, 10), merchant: 'Taxi', categoryId: Object.values(cat)[0], paymentMethodId: Object.values(pay)[0], amountMinor: 2_000, currency: 'EUR' })).status).toBe(201);
    }
    const after = (await admin.get('/api/v1/gdpr/processing-record')).body;
    expect(after.dataHeld.find((d: { category: string }) => d.category.startsWith('dépenses')).records).toBe(2);
    expect(after.transfersOutsideEea).toEqual([]);
    const pdf = await admin.agent.get('/api/v1/gdpr/processing-record.pdf').buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (b: Buffer) => chunks.push(b));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(pdf.status).toBe(200);
    const { pdfText } = await import('./support/pdf.ts');
    const text = (await pdfText(pdf.body as Buffer)).replace(/\s+/g, ' ');
    for (const s of ['Registre des activités de traitement', 'Registre SAS', 'SOUS-TRAITANTS ULTÉRIEURS EN VIGUEUR', 'Brevo', 'MESURES DE SÉCURITÉ', 'scrypt', 'dépenses (commerçant, montants, dates, TVA, commentaires) 2 enregistrement(s)']) expect(text).toContain(s);
    expect(text).not.toContain('Autre SA');
    const employee = await signedIn(ctx, await createUser(ctx, t.tenantId, ['employee']));
    expect((await employee.get('/api/v1/gdpr/processing-record')).status).toBe(403);
  });
});
