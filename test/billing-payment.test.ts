// Billing after issue (R-BIL-3..5), with a real SMTP server on loopback and a controllable clock:
// invoices mailed once with their PDF; credit notes; the plan change billed for the whole month;
// the bank's transfers imported and matched; the dunning timeline — grace, written notice, +47 h
// still open, +48 h suspended (402, the admin's billing page and reversibility export still open,
// data untouched), paid → open at once; and the late interest and €40 indemnity on the next invoice.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../api/features/audit/audit.service.ts';
import { lateInterest } from '../api/features/billing/late-payment.ts';
import { actOnce, clientWithActiveUsers } from './support/billing.ts';
import { onPostgres } from './support/db.ts';
import { createTestContext, signedIn, testClock, type Client, type TestContext } from './support/context.ts';
import { createOperator, createTenantWithAdmin, createUser } from './support/factories.ts';
import { pdfText } from './support/pdf.ts';
import { startSmtp } from './support/smtp.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const clock = testClock(new Date('2027-09-06T09:00:00Z'));
const to = (iso: string) => clock.advance(new Date(iso).getTime() - clock.now().getTime());
let ctx: TestContext;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let op: Client;
const ratesFile = join(tmpdir(), `legal-rates-${process.pid}.json`);

beforeAll(async () => {
  smtp = await startSmtp();
  writeFileSync(ratesFile, JSON.stringify({ '2027-H1': 3.5, '2027-H2': 4.0 }));
  ctx = await createTestContext({ SMTP_URL: smtp.url, MAIL_FROM: 'Justif <billing@justif.test>', LEGAL_RATES_FILE: ratesFile, BILLING_GRACE_DAYS: '15', INVOICE_ISSUER_NAME: 'Justif SAS', INVOICE_ISSUER_SIREN: '912345678', INVOICE_ISSUER_IBAN: 'FR76 3000 6000 0112 3456 7890 189', INVOICE_ISSUER_BIC: 'BNPAFRPPXXX' }, { clock });
});
afterAll(async () => {
  await ctx?.close();
  await smtp?.stop();
});

const operator = async () => (op = await signedIn(ctx, await createOperator(ctx)));
const invoiceOf = async (tenantId: string, period: string) =>
  (await ctx.c.invoicing.list()).items.find((i) => i.tenantId === tenantId && i.period === period && i.kind === 'invoice')!;
const createUserIn = (tenantId: string) => createUser(ctx, tenantId, ['employee']);
const pdfOf = async (c: Client, path: string) =>
  (await c.agent.get(path).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (b: Buffer) => chunks.push(b));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  })).body as Buffer;

describe('invoices by mail, credit notes', () => {
  it('each issued invoice is mailed once with its PDF to the billing contact (else the admins); credit notes correct it, numbered in the same sequence', async () => {
    const withContact = await clientWithActiveUsers(ctx, clock, 2, { billingEmail: 'compta@client-a.test' });
    const without = await clientWithActiveUsers(ctx, clock, 1);
    to('2027-10-01T06:00:00Z');
    await operator();
    const run = await op.post('/api/v1/vendor/invoices/run', { month: '2027-09' });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const a = await invoiceOf(withContact.tenantId, '2027-09');
    const mailA = smtp.to('compta@client-a.test');
    expect(mailA).toHaveLength(1);
    expect(mailA[0]!.subject).toContain(`Facture ${a.number}`);
    expect(mailA[0]!.text).toMatch(/14,40\s€ TTC, payable à réception/);
    expect(mailA[0]!.attachments).toHaveLength(1);
    expect(mailA[0]!.attachments[0]).toMatchObject({ filename: `facture-${a.number}.pdf`, contentType: 'application/pdf' });
    const pdfA = (await pdfText(mailA[0]!.attachments[0]!.content)).replace(/\s+/g, ' ');
    expect(pdfA).toContain(`Facture n° ${a.number}`);
    expect(pdfA).toContain('IBAN FR76 3000 6000 0112 3456 7890 189, BIC BNPAFRPPXXX');
    expect(mailA[0]!.text).toContain('IBAN FR7630006000011234567890189');
    expect(smtp.to(without.admin.email.toLowerCase()).filter((m) => m.subject.includes('Facture'))).toHaveLength(1); // no contact: the admins
    // exactly once: a second pass mails nothing
    expect(await ctx.c.invoicing.mailIssued()).toBe(0);
    expect(smtp.to('compta@client-a.test')).toHaveLength(1);

    // bad credit notes change nothing
    const countBefore = (await ctx.c.invoicing.list()).items.length;
    for (const bad of [{}, { reason: 'x' }, { reason: 'Remise commerciale', amountHtMinor: 0 }, { reason: 'Remise commerciale', amountHtMinor: '10' }, { reason: 'Remise', extra: 1 }])
      expect((await op.post(`/api/v1/vendor/invoices/${a.id}/credit-note`, bad)).status, JSON.stringify(bad)).toBe(400);
    expect((await op.post(`/api/v1/vendor/invoices/${a.id}/credit-note`, { reason: 'Remise commerciale', amountHtMinor: 1_201 })).status).toBe(400); // more than its 12 € HT
    expect((await op.post(`/api/v1/vendor/invoices/00000000-0000-4000-8000-000000000000/credit-note`, { reason: 'Remise commerciale' })).status).toBe(404);
    expect((await ctx.c.invoicing.list()).items.length).toBe(countBefore);

    // partial, then the rest
    const partial = await op.post(`/api/v1/vendor/invoices/${a.id}/credit-note`, { reason: 'Geste commercial', amountHtMinor: 200 });
    expect(partial.status, JSON.stringify(partial.body)).toBe(200);
    expect(partial.body).toMatchObject({ kind: 'credit_note', status: 'issued', correctsNumber: a.number, totalHtMinor: -200, vatMinor: -40, totalTtcMinor: -240 });
    expect(Number(partial.body.number.slice(5))).toBe(Math.max(...(await ctx.c.invoicing.list()).items.filter((i) => i.number && i.id !== partial.body.id).map((i) => Number(i.number!.slice(5)))) + 1);
    expect((await invoiceOf(withContact.tenantId, '2027-09')).balanceMinor).toBe(1_440 - 240);
    expect((await op.post(`/api/v1/vendor/invoices/${a.id}/credit-note`, { reason: 'Annulation' })).status).toBe(409); // partly credited: the amount must be given
    expect((await op.post(`/api/v1/vendor/invoices/${partial.body.id}/credit-note`, { reason: 'Annulation' })).status).toBe(409); // not on a credit note
    const rest = await op.post(`/api/v1/vendor/invoices/${a.id}/credit-note`, { reason: 'Annulation', amountHtMinor: 1_000 });
    expect(rest.status).toBe(200);
    expect((await invoiceOf(withContact.tenantId, '2027-09')).balanceMinor).toBe(0);
    expect((await op.post(`/api/v1/vendor/invoices/${a.id}/paid`)).status).toBe(409); // nothing left to pay
    const notes = smtp.to('compta@client-a.test').filter((m) => m.subject.includes('Avoir'));
    expect(notes).toHaveLength(2);
    const noteText = await pdfText(notes[0]!.attachments[0]!.content);
    expect(noteText).toContain(`Avoir n° ${partial.body.number}`);
    expect(noteText).toContain(`rectifiant la facture n° ${a.number}`);
    // the Client's admin sees the invoice and its credit notes, and can download them
    const admin = await signedIn(ctx, withContact.admin);
    const mine = (await admin.get('/api/v1/billing/invoices')).body.items;
    expect(mine.map((i: { kind: string }) => i.kind).sort()).toEqual(['credit_note', 'credit_note', 'invoice']);
    expect(await pdfText(await pdfOf(admin, `/api/v1/billing/invoices/${partial.body.id}/pdf`))).toContain('Avoir n°');

    // a full credit note reverses every line
    const b = await invoiceOf(without.tenantId, '2027-09');
    const full = await op.post(`/api/v1/vendor/invoices/${b.id}/credit-note`, { reason: 'Facturé par erreur' });
    expect(full.body).toMatchObject({ totalHtMinor: -b.totalHtMinor, vatMinor: -b.vatMinor, totalTtcMinor: -b.totalTtcMinor });
    expect(full.body.lines[0].label).toMatch(/^Annulation — Offre/);
    // immutable like invoices
    await expect(sql`UPDATE invoice SET total_ht_minor = 0 WHERE id = ${full.body.id}`.execute(ctx.c.db.kysely)).rejects.toThrow(/immutable/);
  });
});

describe('plan change (R-BIL-4)', () => {
  it('Solo → Team by the admin bills Team for the whole month of the change; a change just after the month leaves it Solo; Enterprise is a request the vendor answers', async () => {
    to('2027-10-04T09:00:00Z');
    const solo = await clientWithActiveUsers(ctx, clock, 1, { plan: 'solo' });
    const late = await clientWithActiveUsers(ctx, clock, 1, { plan: 'solo' });
    const admin = await signedIn(ctx, solo.admin);
    expect((await admin.get('/api/v1/billing/plan')).body).toMatchObject({ plan: 'solo', userLimit: 1, enterpriseRequest: null, team: { unitMinor: 600, userLimit: 250 } });
    // the Solo licence is full: a second user is refused until the change
    expect((await admin.post('/api/v1/users', { email: `second-${Date.now()}@client.test`, name: 'Second', roles: ['employee'] })).status).toBe(409);
    for (const bad of [{}, { plan: 'enterprise' }, { plan: 'solo' }, { plan: 'team', extra: true }]) expect((await admin.post('/api/v1/billing/plan', bad)).status, JSON.stringify(bad)).toBe(400);
    expect((await admin.get('/api/v1/billing/plan')).body.plan).toBe('solo');

    to('2027-10-20T10:00:00Z');
    const admin2 = await signedIn(ctx, solo.admin);
    const changed = await admin2.post('/api/v1/billing/plan', { plan: 'team' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ plan: 'team', userLimit: 250, changes: [{ from: 'solo', to: 'team' }] });
    expect((await admin2.post('/api/v1/billing/plan', { plan: 'team' })).status).toBe(409);
    expect((await admin2.post('/api/v1/users', { email: `second-${Date.now()}@client.test`, name: 'Second', roles: ['employee'] })).status).toBe(201);

    // the other moves on 1 November at 00:30 Paris time — after October
    to('2027-10-31T23:30:00Z');
    const lateAdmin = await signedIn(ctx, late.admin);
    expect((await lateAdmin.post('/api/v1/billing/plan', { plan: 'team' })).status).toBe(200);

    to('2027-11-01T06:00:00Z');
    await operator();
    const dry = (await op.post('/api/v1/vendor/invoices/run', { month: '2027-10', dryRun: true })).body.invoices;
    expect(dry.find((i: { tenantId: string }) => i.tenantId === solo.tenantId)).toMatchObject({ plan: 'team', activeUsers: 1, totalHtMinor: 600 });
    expect(dry.find((i: { tenantId: string }) => i.tenantId === late.tenantId)).toMatchObject({ plan: 'solo', activeUsers: 1, totalHtMinor: 900 });

    // Enterprise: a request to the vendor
    const adminNow = await signedIn(ctx, solo.admin);
    for (const bad of [{}, { message: '' }, { message: 'x'.repeat(2001) }]) expect((await adminNow.post('/api/v1/billing/enterprise-request', bad)).status).toBe(400);
    const asked = await adminNow.post('/api/v1/billing/enterprise-request', { message: 'We will be 800 users next year.' });
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    expect(asked.body.enterpriseRequest).toMatchObject({ message: 'We will be 800 users next year.' });
    expect((await adminNow.post('/api/v1/billing/enterprise-request', { message: 'Again' })).status).toBe(409);
    const opEmail = (await ctx.c.db.kysely.selectFrom('app_user').select('email').where('id', '=', (await op.get('/api/v1/session')).body.user.id).executeTakeFirstOrThrow()).email;
    expect(smtp.to(opEmail.toLowerCase()).some((m) => m.subject.includes('asks for the Enterprise plan') && m.text.includes('800 users'))).toBe(true);
    expect((await op.get('/api/v1/vendor/billing/usage')).body.items.find((c: { id: string }) => c.id === solo.tenantId).enterpriseRequestedAt).toBeTruthy();
    for (const bad of [{ plan: 'gold' }, { plan: 'enterprise', userLimit: 0 }, {}]) expect((await op.post(`/api/v1/vendor/tenants/${solo.tenantId}/plan`, bad)).status).toBe(400);
    expect((await op.post(`/api/v1/vendor/tenants/${solo.tenantId}/plan`, { plan: 'solo' })).status).toBe(409); // two users: Solo covers one
    const ent = await op.post(`/api/v1/vendor/tenants/${solo.tenantId}/plan`, { plan: 'enterprise', userLimit: 1000 });
    expect(ent.status, JSON.stringify(ent.body)).toBe(200);
    expect(ent.body).toMatchObject({ plan: 'enterprise', userLimit: 1000, enterpriseRequest: null });
    expect((await adminNow.get('/api/v1/billing/plan')).body.changes.map((c: { to: string }) => c.to)).toEqual(['enterprise', 'team']);
  });
});

describe('bank transfers', () => {
  it('a CSV of transfers pays the invoices whose number and amount match; every other line is reported and changes nothing; a second import pays nothing twice', async () => {
    to('2027-11-08T09:00:00Z');
    const c1 = await clientWithActiveUsers(ctx, clock, 1);
    const c2 = await clientWithActiveUsers(ctx, clock, 2);
    to('2027-12-01T06:00:00Z');
    await operator();
    await op.post('/api/v1/vendor/invoices/run', { month: '2027-11' });
    const [i1, i2] = [await invoiceOf(c1.tenantId, '2027-11'), await invoiceOf(c2.tenantId, '2027-11')];
    expect(i1.totalTtcMinor).toBe(720);

    for (const bad of ['', 'date;montant\n2027-12-02;7,20\n', 'just one line without columns'])
      expect((await op.post('/api/v1/vendor/payments/import', bad, 'text/csv')).status, bad).toBe(400);
    expect((await op.post('/api/v1/vendor/payments/import', { csv: 'x' })).status).toBe(415);
    expect((await ctx.c.invoicing.list()).items.filter((i) => i.paidAt && [i1.id, i2.id].includes(i.id))).toEqual([]);

    const csv = [
      'Date;Montant;Libellé',
      `02/12/2027;7,20;VIR SEPA CLIENT FACTURE ${i1.number}`,
      `2027-12-03;10,00;VIR ${i2.number}`, // short: 14,40 € asked
      '2027-12-03;50,00;VIR 2027-999999',
      '2027-12-03;12,00;VIREMENT SANS REFERENCE',
      '2027-12-03;abc;VIR',
      '2027-12-33;1,00;VIR',
    ].join('\n');
    to('2027-12-04T09:00:00Z');
    await operator();
    const r = await op.post('/api/v1/vendor/payments/import', csv, 'text/csv');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ lines: 6, paid: 1, unmatched: 5 });
    expect(r.body.results.map((x: { outcome: string }) => x.outcome)).toEqual(['paid', 'amount-mismatch', 'unknown-invoice', 'no-invoice-number', 'invalid', 'invalid']);
    expect(r.body.results[1]).toMatchObject({ expectedMinor: 1_440, amountMinor: 1_000 });
    const paid = (await ctx.c.invoicing.list()).items.find((i) => i.id === i1.id)!;
    expect(paid.paidAt).toBe('2027-12-01T23:00:00.000Z'); // the transfer's day, in Paris
    expect((await ctx.c.invoicing.list()).items.find((i) => i.id === i2.id)!.paidAt).toBeNull();
    const again = await op.post('/api/v1/vendor/payments/import', csv, 'text/csv');
    expect(again.body).toMatchObject({ paid: 0 });
    expect(again.body.results[0].outcome).toBe('already-paid');
    // the audit log names the transfer
    const ev = await ctx.c.db.kysely.selectFrom('audit_event').select('data').where('type', '=', 'invoice.paid').where('target_id', '=', i1.id).execute();
    expect(ev).toHaveLength(1);
    expect(ev[0]!.data).toMatchObject({ reference: expect.stringContaining(i1.number!) });
  });
});

describe('late payment (R-BIL-5)', () => {
  it('grace, written notice, +47 h open, +48 h suspended (reversibility export and billing still open to the admin, data untouched), paid → open at once; interest and the €40 indemnity on the next invoice', async () => {
    to('2028-01-10T09:00:00Z');
    const c = await clientWithActiveUsers(ctx, clock, 2, { billingEmail: 'factures@late.test' });
    const employee = c.users[1]!;
    to('2028-02-01T06:00:00Z'); // January's invoice, due on receipt
    await operator();
    await ctx.c.dunning.run(SYSTEM_ACTOR); // the earlier tests' unpaid invoices: noticed now, out of the way
    await op.post('/api/v1/vendor/invoices/run', { month: '2028-01' });
    const inv = await invoiceOf(c.tenantId, '2028-01');
    expect(inv.dueAt).toBe('2028-02-01T06:00:00.000Z');
    const expenses = async () => Number((await ctx.c.db.kysely.selectFrom('expense').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', c.tenantId).executeTakeFirstOrThrow()).n);
    const before = await expenses();

    // 14 days and 23 hours: within the grace period — no notice
    to('2028-02-16T05:00:00Z');
    expect(await ctx.c.dunning.run(SYSTEM_ACTOR)).not.toContain(inv.number);
    // 15 days: the written notice, once, with the amount and the suspension date
    to('2028-02-16T06:30:00Z');
    expect(await ctx.c.dunning.run(SYSTEM_ACTOR)).toContain(inv.number);
    expect(await ctx.c.dunning.run(SYSTEM_ACTOR)).toEqual([]);
    const notice = smtp.to('factures@late.test').filter((m) => m.subject.includes('impayée'));
    expect(notice).toHaveLength(1);
    expect(notice[0]!.text).toContain(`La facture ${inv.number}`);
    expect(notice[0]!.text).toMatch(/14,40\s€ TTC restent dus/);
    expect(notice[0]!.text).toContain('18 février 2028 à 07:30'); // +48 h, Paris time
    expect(notice[0]!.text).toContain(`en rappelant le n° ${inv.number} : IBAN FR7630006000011234567890189, BIC BNPAFRPPXXX`);
    expect(smtp.to(c.admin.email.toLowerCase()).some((m) => m.subject.includes('impayée'))).toBe(true);
    const noticeRow = await ctx.c.db.kysely.selectFrom('invoice_notice').selectAll().where('invoice_id', '=', inv.id).executeTakeFirstOrThrow();
    expect(new Date(noticeRow.suspend_at).getTime() - new Date(noticeRow.sent_at).getTime()).toBe(48 * HOUR);

    // +47 h: still open, with the coming suspension shown to the admin
    to('2028-02-18T05:30:00Z');
    let emp = await signedIn(ctx, employee);
    let admin = await signedIn(ctx, c.admin);
    expect((await emp.get('/api/v1/expenses')).status).toBe(200);
    expect((await admin.get('/api/v1/session')).body.tenant).toMatchObject({ status: 'active', billingNotice: { suspended: false, suspendAt: '2028-02-18T06:30:00.000Z', amountDueMinor: 1_440 } });

    // +48 h: suspended
    to('2028-02-18T06:30:00Z');
    emp = await signedIn(ctx, employee); // signing in still works: the user must see why
    admin = await signedIn(ctx, c.admin);
    const blocked = await emp.get('/api/v1/expenses');
    expect(blocked.status).toBe(402);
    expect(blocked.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(blocked.body).toMatchObject({ type: 'https://justif.app/problems/payment-required', status: 402, detail: expect.stringContaining('administrator') });
    expect((await emp.post('/api/v1/expenses', {})).status).toBe(402);
    expect((await emp.get('/api/v1/session')).body.tenant).toMatchObject({ status: 'suspended', billingNotice: { suspended: true } });
    expect((await admin.get('/api/v1/expenses')).status).toBe(402);
    expect((await admin.get('/api/v1/users')).status).toBe(402);
    // what suspension never blocks: the billing page and the reversibility export
    expect((await admin.get('/api/v1/billing/invoices')).status).toBe(200);
    expect((await admin.get('/api/v1/billing/standing')).body).toMatchObject({ payTo: { iban: 'FR7630006000011234567890189', bic: 'BNPAFRPPXXX' }, suspended: true, unpaid: [{ number: inv.number, amountDueMinor: 1_440 }] });
    const full = await admin.post('/api/v1/exports/full');
    expect(full.status, JSON.stringify(full.body)).toBeLessThan(300);
    expect((await admin.get(`/api/v1/exports/full/${full.body.id}`)).status).toBe(200);
    expect((await emp.get('/api/v1/billing/invoices')).status).toBe(402); // not the employees'
    expect((await emp.post('/api/v1/auth/logout')).status).toBeLessThan(300);
    // the operators see it
    await operator();
    expect((await op.get('/api/v1/vendor/billing/usage')).body.items.find((x: { id: string }) => x.id === c.tenantId)).toMatchObject({ status: 'suspended' });
    expect(await expenses()).toBe(before); // data untouched

    // paid (transfer received on 20 February): open at once
    to('2028-02-21T10:00:00Z');
    await operator();
    expect((await op.post(`/api/v1/vendor/invoices/${inv.id}/paid`, { paidOn: '2028-02-31' })).status).toBe(400);
    expect((await op.post(`/api/v1/vendor/invoices/${inv.id}/paid`, { paidOn: '2028-02-20' })).status).toBe(200);
    emp = await signedIn(ctx, employee);
    expect((await emp.get('/api/v1/expenses')).status).toBe(200);
    expect((await emp.get('/api/v1/session')).body.tenant).toMatchObject({ status: 'active', billingNotice: null });

    // February's invoice carries the interest (due 1 Feb 06:00 → paid 20 Feb 00:00 Paris = 18 whole days at 3 × 3.5 %, the rate of 2028-H1…
    // the table has none: its last, 2027-H2's 4 %) and the €40 indemnity, neither with VAT
    await actOnce(ctx, clock, employee);
    to('2028-03-01T06:00:00Z');
    await ctx.c.invoicing.run(SYSTEM_ACTOR, '2028-02');
    const next = await invoiceOf(c.tenantId, '2028-02');
    const interest = lateInterest(1_440, 400, 18);
    expect(interest).toBe(9);
    expect(next.lines).toEqual([
      expect.objectContaining({ quantity: 1, amountMinor: 600, vat: true }),
      expect.objectContaining({ label: expect.stringMatching(new RegExp(`^Intérêts de retard — facture ${inv.number} : 18 jour\\(s\\).*3 × 4 % \\(taux légal 2027-H2\\)`)), amountMinor: interest, vat: false }),
      expect.objectContaining({ label: expect.stringContaining('Indemnité forfaitaire pour frais de recouvrement'), amountMinor: 4_000, vat: false }),
    ]);
    expect(next).toMatchObject({ totalHtMinor: 600 + interest + 4_000, vatMinor: 120, totalTtcMinor: 600 + interest + 4_000 + 120 });
    // charged once: March's invoice carries nothing more for it
    await actOnce(ctx, clock, employee);
    to('2028-04-01T06:00:00Z');
    await ctx.c.invoicing.run(SYSTEM_ACTOR, '2028-03');
    expect((await invoiceOf(c.tenantId, '2028-03')).lines).toHaveLength(1);
    const text = await pdfText(await pdfOf(await operator(), `/api/v1/vendor/invoices/${next.id}/pdf`));
    expect(text.replace(/\s+/g, ' ')).toContain('non soumis à la TVA');
  });

  it('an invoice still unpaid runs interest to each next invoice, the indemnity charged once', async () => {
    to('2028-05-10T09:00:00Z');
    const c = await clientWithActiveUsers(ctx, clock, 1);
    to('2028-06-01T06:00:00Z');
    await ctx.c.invoicing.run(SYSTEM_ACTOR, '2028-05');
    const inv = await invoiceOf(c.tenantId, '2028-05');
    to('2028-06-20T06:00:00Z');
    expect(await ctx.c.dunning.run(SYSTEM_ACTOR)).toContain(inv.number);
    // no use in June: the charges alone make July's run bill the Client
    to('2028-07-01T06:00:00Z');
    await ctx.c.invoicing.run(SYSTEM_ACTOR, '2028-06');
    const june = await invoiceOf(c.tenantId, '2028-06');
    expect(june.lines.filter((l) => !l.vat).map((l) => l.amountMinor)).toEqual([lateInterest(720, 400, 30), 4_000]);
    to('2028-08-01T06:00:00Z');
    await ctx.c.invoicing.run(SYSTEM_ACTOR, '2028-07');
    const july = await invoiceOf(c.tenantId, '2028-07');
    expect(july.lines.filter((l) => !l.vat).map((l) => l.amountMinor)).toEqual([lateInterest(720, 400, 31)]);
    const charges = await ctx.c.db.kysely.selectFrom('late_charge').selectAll().where('late_invoice_id', '=', inv.id).orderBy('from_at').execute();
    expect(charges.map((x) => x.days)).toEqual([30, 31]);
    expect(new Date(charges[1]!.from_at).getTime()).toBe(new Date(charges[0]!.to_at).getTime()); // no day counted twice
    expect(charges[0]!.to_at.getTime() - charges[0]!.from_at.getTime()).toBe(30 * DAY);
  });
});

describe('several workers at once (PostgreSQL)', () => {
  it.skipIf(!onPostgres)('two dunning passes send one notice; two mail passes send each invoice once', async () => {
    to('2028-09-10T09:00:00Z');
    const c = await clientWithActiveUsers(ctx, clock, 1, { billingEmail: 'twice@workers.test' });
    to('2028-10-01T06:00:00Z');
    await ctx.c.dunning.run(SYSTEM_ACTOR); // earlier tests' invoices out of the way
    // drafts numbered without their mail, then two mail passes at once
    const mailIssued = ctx.c.invoicing.mailIssued.bind(ctx.c.invoicing);
    ctx.c.invoicing.mailIssued = async () => 0;
    await ctx.c.invoicing.run(SYSTEM_ACTOR, '2028-09');
    ctx.c.invoicing.mailIssued = mailIssued;
    const sent = await Promise.all([ctx.c.invoicing.mailIssued(), ctx.c.invoicing.mailIssued()]);
    expect(sent[0]! + sent[1]!).toBeGreaterThanOrEqual(1);
    expect(smtp.to('twice@workers.test').filter((m) => m.subject.includes('Facture'))).toHaveLength(1);
    expect(await ctx.c.db.kysely.selectFrom('mail_outbox').select('id').where('to_address', '=', 'twice@workers.test').execute()).toHaveLength(1);

    to('2028-10-17T06:00:00Z');
    const [a, b] = await Promise.all([ctx.c.dunning.run(SYSTEM_ACTOR), ctx.c.dunning.run(SYSTEM_ACTOR)]);
    const inv = await invoiceOf(c.tenantId, '2028-09');
    expect([...a, ...b].filter((n) => n === inv.number)).toHaveLength(1);
    expect(await ctx.c.db.kysely.selectFrom('mail_outbox').select('id').where('to_address', '=', 'twice@workers.test').where('subject', 'like', '%impayée%').execute()).toHaveLength(1);
  });
});

describe('no one else', () => {
  it('the vendor\u2019s billing routes are refused to Client users, and the Client\u2019s to other roles', async () => {
    const t = await createTenantWithAdmin(ctx);
    const admin = await signedIn(ctx, t.admin);
    expect((await admin.post('/api/v1/vendor/payments/import', 'Date;Montant;Libellé\n', 'text/csv')).status).toBe(403);
    expect((await admin.post('/api/v1/vendor/dunning/run')).status).toBe(403);
    expect((await admin.post(`/api/v1/vendor/tenants/${t.tenantId}/plan`, { plan: 'enterprise' })).status).toBe(403);
    await operator();
    expect((await op.post('/api/v1/billing/plan', { plan: 'team' })).status).toBe(403);
  });
});

describe('billing details', () => {
  it('the admin sets the billing contact and identity; bad values are refused and change nothing; the next invoice prints and goes to them', async () => {
    to('2029-01-05T09:00:00Z');
    const c = await clientWithActiveUsers(ctx, clock, 1);
    const admin = await signedIn(ctx, c.admin);
    const before = (await admin.get('/api/v1/billing/details')).body;
    expect(before).toMatchObject({ billingEmail: null, siren: null, vatNumber: null, country: 'FR' });
    for (const bad of [{}, { billingEmail: 'not-an-address' }, { siren: '12345' }, { vatNumber: 'F' }, { billingAddress: 'x'.repeat(501) }, { name: 'Other' }])
      expect((await admin.patch('/api/v1/billing/details', bad)).status, JSON.stringify(bad)).toBe(400);
    expect((await admin.get('/api/v1/billing/details')).body).toEqual(before);
    const ok = await admin.patch('/api/v1/billing/details', { billingEmail: 'AP@Details.test', billingAddress: '3 rue du Port, 44000 Nantes', siren: '552100554', vatNumber: 'fr40552100554' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ billingEmail: 'ap@details.test', siren: '552100554', vatNumber: 'FR40552100554' });
    expect((await (await signedIn(ctx, await createUserIn(c.tenantId))).patch('/api/v1/billing/details', { siren: '552100554' })).status).toBe(403);
    to('2029-02-01T06:00:00Z');
    await ctx.c.invoicing.run(SYSTEM_ACTOR, '2029-01');
    const inv = await invoiceOf(c.tenantId, '2029-01');
    const mail = smtp.to('ap@details.test');
    expect(mail).toHaveLength(1);
    const text = (await pdfText(mail[0]!.attachments[0]!.content)).replace(/\s+/g, ' ');
    expect(text).toContain('3 rue du Port, 44000 Nantes');
    expect(text).toContain('552100554');
    expect(inv.number).toBeTruthy();
  });
});
