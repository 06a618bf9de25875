// Reimbursement by SEPA credit transfer (R-ACC-5): IBANs checked and sealed at rest (never in clear
// in the database, shown masked), a pain.001.001.03 file validated against the ISO 20022 XSD
// (libxml2 via xmllint-wasm), employees without an IBAN listed and left for later, and the
// confirmation moving the expenses to reimbursed with the employees told.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { pain001, sepaText } from '../api/features/exports/reimbursements.service.ts';
import { dataKeyFrom } from '../api/infra/data-key.ts';
import { checkIban, maskIban } from '../api/lib/iban.ts';
import { createTestContext, signedIn, type TestContext } from './support/context.ts';
import { createTenantWithAdmin, createUser } from './support/factories.ts';

const XSD = readFileSync(join(import.meta.dirname, 'fixtures', 'schemas', 'pain.001.001.03.xsd'), 'utf8');
async function xsdProblems(xml: string): Promise<string[]> {
  const r = await validateXML({ xml: [{ fileName: 'file.xml', contents: xml }], schema: [{ fileName: 'pain.001.001.03.xsd', contents: XSD }] });
  return r.valid ? [] : r.errors.map((e) => e.message);
}

describe('IBAN', () => {
  it('accepts well-formed SEPA IBANs (spaces and case aside), refuses a wrong check digit, length or country, and masks', () => {
    expect(checkIban('fr14 2004 1010 0505 0001 3M02 606')).toEqual({ ok: true, iban: 'FR1420041010050500013M02606', country: 'FR' });
    expect(checkIban('DE89 3704 0044 0532 0130 00')).toMatchObject({ ok: true, country: 'DE' });
    expect(checkIban('GB29NWBK60161331926819')).toMatchObject({ ok: true, country: 'GB' });
    expect(checkIban('FR1420041010050500013M02607')).toMatchObject({ ok: false, problem: expect.stringMatching(/check digits/) });
    expect(checkIban('FR142004101005050001')).toMatchObject({ ok: false, problem: expect.stringMatching(/27 characters/) });
    expect(checkIban('US64SVBKUS6S3300958879')).toMatchObject({ ok: false, problem: expect.stringMatching(/not a country of the SEPA area/) });
    expect(checkIban('not an iban')).toMatchObject({ ok: false });
    expect(maskIban('FR1420041010050500013M02606')).toMatch(/^FR14 [•\s]+606$/);
  });

  it('sealed with AES-256-GCM, bound to its row: the clear IBAN is not in the bytes, and another row\u2019s binding does not open it', () => {
    const k = dataKeyFrom(Buffer.alloc(32, 7));
    const sealed = k.seal('FR1420041010050500013M02606', 'bank:u1');
    expect(sealed.includes(Buffer.from('20041010050500013'))).toBe(false);
    expect(k.open(sealed, 'bank:u1')).toBe('FR1420041010050500013M02606');
    expect(() => k.open(sealed, 'bank:u2')).toThrow();
    expect(() => dataKeyFrom(Buffer.alloc(32, 8)).open(sealed, 'bank:u1')).toThrow();
  });
});

describe('pain.001.001.03', () => {
  it('a generated file validates against the XSD; names are brought to the SEPA character set; the validator catches a broken file (positive control)', async () => {
    const xml = pain001({
      messageId: 'JUSTIF-20261122-abc', createdAt: new Date('2026-11-22T10:00:00Z'), executionDate: '2026-11-25',
      debtor: { name: 'Menuiserie Rolland & Fils', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPMON' },
      transfers: [
        { endToEndId: 'E2E-1', amountMinor: 12_345, name: 'Zoé Müller-Lefèvre <test>', iban: 'DE89370400440532013000', bic: null, remittance: 'Notes de frais mars' },
        { endToEndId: 'E2E-2', amountMinor: 5, name: 'Camille', iban: 'GB29NWBK60161331926819', bic: 'NWBKGB2L', remittance: 'Notes de frais' },
      ],
    });
    expect(await xsdProblems(xml)).toEqual([]);
    expect(xml).toContain('<CtrlSum>123.50</CtrlSum>');
    expect(xml).toContain('<Nm>Zoe Muller-Lefevre test</Nm>');
    expect(sepaText('Société Générale — agence', 70)).toBe('Societe Generale agence');
    expect((await xsdProblems(xml.replace('<ChrgBr>SLEV</ChrgBr>', '<ChrgBr>ALL</ChrgBr>'))).length).toBeGreaterThan(0);
  });
});

describe('reimbursement through the API', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx?.close());

  it('IBAN entered and masked; company account; SEPA file of exported expenses validated by the XSD; the one without an IBAN listed; confirmed: reimbursed, notified, mailed', async () => {
    const t = await createTenantWithAdmin(ctx);
    const admin = await signedIn(ctx, t.admin);
    await ctx.c.db.kysely.insertInto('user_role').values([{ tenant_id: t.tenantId, user_id: t.admin.id, role: 'verifier' }, { tenant_id: t.tenantId, user_id: t.admin.id, role: 'accountant' }]).execute();
    const paid = await createUser(ctx, t.tenantId, ['employee'], { managerId: t.admin.id });
    const unpaid = await createUser(ctx, t.tenantId, ['employee'], { managerId: t.admin.id });
    const cats = (await admin.get('/api/v1/categories')).body.items;
    const pm = (await admin.get('/api/v1/payment-methods')).body.items.find((p: { reimbursable: boolean }) => p.reimbursable).id;
    const ids: Record<string, string> = {};
    for (const [u, amount] of [[paid, 4_250], [unpaid, 1_990]] as const) {
      const me = await signedIn(ctx, u);
      const e = (await me.post('/api/v1/expenses', { date: '2026-03-10', merchant: 'Train', categoryId: cats[0].id, paymentMethodId: pm, amountMinor: amount, currency: 'EUR' })).body;
      const s = (await me.post(`/api/v1/expenses/${e.id}/submit`, { version: e.version })).body;
      const a = (await admin.post(`/api/v1/expenses/${e.id}/approve`, { version: s.version, acknowledge: true })).body;
      expect((await admin.post(`/api/v1/expenses/${e.id}/verify`, { version: a.version })).body.status).toBe('verified');
      ids[u.id] = e.id;
    }
    const emp = await signedIn(ctx, paid);
    const bad = await emp.agent.put('/api/v1/me/bank-account').set('X-CSRF-Token', emp.csrf).send({ holder: 'Camille', iban: 'FR1420041010050500013M02607' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('iban');
    const ok = await emp.agent.put('/api/v1/me/bank-account').set('X-CSRF-Token', emp.csrf).send({ holder: 'Camille Lefèvre', iban: 'DE89 3704 0044 0532 0130 00', bic: 'COBADEFFXXX' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.account).toMatchObject({ holder: 'Camille Lefèvre', country: 'DE', iban: expect.stringMatching(/^DE89 .*000$/) });
    expect((await emp.get('/api/v1/me/bank-account')).body.account.iban).not.toContain('370400440532');
    // at rest: sealed bytes only
    const row = await ctx.c.db.kysely.selectFrom('bank_account').selectAll().where('user_id', '=', paid.id).executeTakeFirstOrThrow();
    expect(Buffer.from(row.iban_sealed).includes(Buffer.from('370400440532013000'))).toBe(false);

    expect((await admin.post('/api/v1/exports/sepa', { executionDate: '2099-01-05' })).body.type).toMatch(/\/company-account-required$/); // no company account yet
    await admin.agent.put('/api/v1/exports/company-account').set('X-CSRF-Token', admin.csrf).send({ name: 'Menuiserie Rolland', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPMON' });
    expect((await admin.post('/api/v1/exports/sepa', { executionDate: '2099-01-05' })).status).toBe(409); // nothing exported yet
    expect((await admin.post('/api/v1/exports/accounting', { from: '2026-03-01', to: '2026-03-31' })).status).toBe(201);
    const sepa = await admin.post('/api/v1/exports/sepa', { executionDate: '2099-01-05' });
    expect(sepa.status, JSON.stringify(sepa.body)).toBe(201);
    expect(sepa.body).toMatchObject({ transfers: 1, totalMinor: 4_250, expenseIds: [ids[paid.id]], status: 'pending', missing: [{ userId: unpaid.id, name: unpaid.name, expenses: 1 }] });
    const file = await admin.get(`/api/v1/exports/sepa/${sepa.body.id}/file`);
    const xml = file.text || Buffer.from(file.body).toString('utf8');
    expect(await xsdProblems(xml)).toEqual([]);
    expect(xml).toContain('<IBAN>DE89370400440532013000</IBAN>');
    expect(xml).toContain('<InstdAmt Ccy="EUR">42.50</InstdAmt>');
    // a second file does not pay the same expense twice
    expect((await admin.post('/api/v1/exports/sepa', { executionDate: '2099-01-05' })).status).toBe(409);

    const conf = await admin.post(`/api/v1/exports/sepa/${sepa.body.id}/confirm`);
    expect(conf.body).toMatchObject({ status: 'confirmed', reimbursed: 1 });
    expect((await emp.get(`/api/v1/expenses/${ids[paid.id]}`)).body.status).toBe('reimbursed');
    expect((await admin.get(`/api/v1/expenses/${ids[unpaid.id]}`)).body.status).toBe('exported');
    expect((await admin.post(`/api/v1/exports/sepa/${sepa.body.id}/confirm`)).status).toBe(409);
    const notes = await ctx.c.db.kysely.selectFrom('notification').select('kind').where('user_id', '=', paid.id).execute();
    expect(notes.map((n) => n.kind)).toContain('reimbursed');
    const mails = await ctx.c.db.kysely.selectFrom('mail_outbox').select('subject').where('to_address', '=', paid.email.toLowerCase()).execute();
    expect(mails.map((m) => m.subject)).toContain('Justif : 42,50\u00a0€ remboursés');
    // the batch is immutable once closed
    await expect(ctx.c.db.kysely.updateTable('sepa_batch').set({ status: 'cancelled' }).where('id', '=', sepa.body.id).execute()).rejects.toThrow();
  });
});
