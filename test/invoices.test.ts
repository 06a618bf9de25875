// Monthly invoices (R-BIL-3): drafted from the month's active users and the price list, numbered
// only at finalisation in one unbroken sequence, exactly once per Client and month; immutable once
// issued (database-enforced), paid once; VAT by the buyer's country. On PostgreSQL: two runs at once
// give one set of invoices with contiguous numbers, and a run cut off midway is finished by the next
// with no gap and no number twice.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../api/features/audit/audit.service.ts';
import { vatFor } from '../api/features/billing/invoicing.ts';
import { clientWithActiveUsers as activeClient } from './support/billing.ts';
import { createTestContext, signedIn, testClock, type TestContext } from './support/context.ts';
import { onPostgres } from './support/db.ts';
import { createOperator } from './support/factories.ts';
import { pdfText } from './support/pdf.ts';

const clock = testClock(new Date('2027-03-10T09:00:00Z'));
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ INVOICE_ISSUER_NAME: 'Justif SAS', INVOICE_ISSUER_SIREN: '912345678', INVOICE_ISSUER_ADDRESS: '1 rue de la Paix, 75002 Paris', INVOICE_ISSUER_VAT_NUMBER: 'FR40912345678' }, { clock });
});
afterAll(() => ctx?.close());

const clientWithActiveUsers = (n: number, o: { country?: string; vatNumber?: string } = {}) => activeClient(ctx, clock, n, o);

const numbers = async () => (await ctx.c.db.kysely.selectFrom('invoice').select('number').where('number', 'is not', null).orderBy('number').execute()).map((r) => r.number!);
/** Numbers of one year form 1..n without a hole. */
const contiguous = (ns: string[]) => ns.map((n) => Number(n.slice(5))).every((v, i) => v === i + 1);

describe('monthly invoices', () => {
  it('dry run, then one invoice per Client with use, numbered in sequence; exactly once; a month not over refused', async () => {
    const fr = await clientWithActiveUsers(3);
    const de = await clientWithActiveUsers(1, { country: 'DE', vatNumber: 'DE123456789' });
    const op = await signedIn(ctx, await createOperator(ctx));
    expect((await op.post('/api/v1/vendor/invoices/run', { month: '2027-03' })).status).toBe(409); // March is not over
    for (const bad of [{ month: '2027-13' }, { month: '2027-03', dryRun: 'yes' }, {}]) expect((await op.post('/api/v1/vendor/invoices/run', bad)).status).toBe(400);

    clock.advance(new Date('2027-04-01T06:00:00Z').getTime() - clock.now().getTime());
    const op2 = await signedIn(ctx, await createOperator(ctx));
    const dry = await op2.post('/api/v1/vendor/invoices/run', { month: '2027-03', dryRun: true });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body.invoices.find((i: { tenantId: string }) => i.tenantId === fr.tenantId)).toMatchObject({ activeUsers: 3, totalHtMinor: 1_800, vatMinor: 360, totalTtcMinor: 2_160 });
    expect(await numbers()).toEqual([]);

    const run = (await op2.post('/api/v1/vendor/invoices/run', { month: '2027-03' })).body;
    expect(run.issued).toHaveLength(2);
    expect(await numbers()).toEqual(['2027-000001', '2027-000002']);
    const again = (await op2.post('/api/v1/vendor/invoices/run', { month: '2027-03' })).body;
    expect(again.issued).toEqual([]);
    expect(await numbers()).toHaveLength(2);

    const admin = await signedIn(ctx, fr.admin);
    const mine = (await admin.get('/api/v1/billing/invoices')).body.items;
    expect(mine).toHaveLength(1); // its own only
    expect(mine[0]).toMatchObject({ period: '2027-03', status: 'issued', currency: 'EUR', activeUsers: 3, totalHtMinor: 1_800, vatRateBp: 2000, vatMinor: 360, totalTtcMinor: 2_160, vatMention: null, paidAt: null });
    expect(mine[0].lines).toEqual([{ label: expect.stringContaining('Offre Équipe — 2027-03'), quantity: 3, unitMinor: 600, amountMinor: 1_800, vat: true }]);
    expect(mine[0].dueAt).toBe(mine[0].issuedAt); // payable on receipt
    const german = (await (await signedIn(ctx, de.admin)).get('/api/v1/billing/invoices')).body.items[0];
    expect(german).toMatchObject({ vatRateBp: 0, vatMinor: 0, totalTtcMinor: 600, vatMention: expect.stringMatching(/^Autoliquidation/) });
    const issuer = await ctx.c.db.kysely.selectFrom('invoice').select(['issuer', 'client']).where('id', '=', mine[0].id).executeTakeFirstOrThrow();
    expect(issuer.issuer).toMatchObject({ name: 'Justif SAS', siren: '912345678' });

    // the PDF, with the mentions French law requires, as text
    const pdf = await admin.get(`/api/v1/billing/invoices/${mine[0].id}/pdf`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(pdf.status).toBe(200);
    const text = (await pdfText(pdf.body as Buffer)).replace(/\s+/g, ' ');
    for (const m of [`Facture n° ${mine[0].number}`, 'Justif SAS', 'SIREN 912345678', '1 rue de la Paix, 75002 Paris', 'FR40912345678', fr.name, 'Total HT 18,00 €', 'TVA 20 % 3,60 €', 'Total TTC 21,60 €', 'payable à réception', 'trois fois le taux d’intérêt légal', 'indemnité forfaitaire pour frais de recouvrement de 40 €'])
      expect(text, m).toContain(m);
    expect((await (await signedIn(ctx, de.admin)).get(`/api/v1/billing/invoices/${mine[0].id}/pdf`)).status).toBe(404); // another Client's
    // immutable once issued (as the service role, in SQL); paid once
    await expect(sql`UPDATE invoice SET total_ht_minor = 1 WHERE id = ${mine[0].id}`.execute(ctx.c.db.kysely)).rejects.toThrow(/immutable/);
    await expect(sql`DELETE FROM invoice WHERE id = ${mine[0].id}`.execute(ctx.c.db.kysely)).rejects.toThrow(/immutable|permission denied/);
    expect((await op2.post(`/api/v1/vendor/invoices/${mine[0].id}/paid`)).body.paidAt).toBeTruthy();
    expect((await op2.post(`/api/v1/vendor/invoices/${mine[0].id}/paid`)).status).toBe(409);
    await expect(sql`UPDATE invoice SET paid_at = NULL WHERE id = ${mine[0].id}`.execute(ctx.c.db.kysely)).rejects.toThrow(/immutable/);
    // Client users never reach the vendor's routes
    expect((await admin.post('/api/v1/vendor/invoices/run', { month: '2027-03' })).status).toBe(403);
  });

  it('VAT by the buyer: 20 % in France and for EU buyers without a VAT number, reverse charge for EU businesses, none outside the EU', () => {
    expect(vatFor('FR', 'FR40912345678')).toEqual({ rateBp: 2000, mention: null });
    expect(vatFor('BE', null)).toEqual({ rateBp: 2000, mention: null });
    expect(vatFor('BE', 'BE0123456789').rateBp).toBe(0);
    expect(vatFor('CH', null)).toMatchObject({ rateBp: 0, mention: expect.stringContaining('259-1') });
  });

  it.skipIf(!onPostgres)('two runs at once issue one set with contiguous numbers; a run cut off midway is finished by the next, with no gap and no number twice (PostgreSQL)', async () => {
    clock.advance(new Date('2027-05-10T09:00:00Z').getTime() - clock.now().getTime());
    for (let i = 0; i < 6; i++) await clientWithActiveUsers(1);
    clock.advance(new Date('2027-06-01T06:00:00Z').getTime() - clock.now().getTime());
    const before = (await numbers()).length;
    const [a, b] = await Promise.all([ctx.c.invoicing.run(SYSTEM_ACTOR, '2027-05'), ctx.c.invoicing.run(SYSTEM_ACTOR, '2027-05')]);
    expect(a.issued.length + b.issued.length).toBe(6);
    expect(new Set([...a.issued, ...b.issued]).size).toBe(6);
    const may = await ctx.c.db.kysely.selectFrom('invoice').select('tenant_id').where('period', '=', '2027-05').execute();
    expect(may).toHaveLength(6);
    expect(contiguous(await numbers())).toBe(true);
    expect((await numbers()).length).toBe(before + 6);

    // June: a crash after two of five drafts were numbered
    clock.advance(new Date('2027-06-10T09:00:00Z').getTime() - clock.now().getTime());
    for (let i = 0; i < 5; i++) await clientWithActiveUsers(1);
    clock.advance(new Date('2027-07-01T06:00:00Z').getTime() - clock.now().getTime());
    let seen = 0;
    // batches of two: the first commits; the second is cut off after numbering its first draft (rolled back, number and all)
    ctx.c.invoicing.finaliseBatch = 2;
    ctx.c.invoicing.beforeFinalise = () => {
      if (++seen === 4) throw new Error('crash');
    };
    await expect(ctx.c.invoicing.run(SYSTEM_ACTOR, '2027-06')).rejects.toThrow('crash');
    ctx.c.invoicing.beforeFinalise = null;
    ctx.c.invoicing.finaliseBatch = 100;
    const drafts = await ctx.c.db.kysely.selectFrom('invoice').select('id').where('period', '=', '2027-06').where('status', '=', 'draft').execute();
    expect(drafts).toHaveLength(3);
    const rerun = await ctx.c.invoicing.run(SYSTEM_ACTOR, '2027-06');
    expect(rerun.issued).toHaveLength(3);
    expect(await ctx.c.db.kysely.selectFrom('invoice').select('id').where('period', '=', '2027-06').execute()).toHaveLength(5);
    expect(contiguous(await numbers())).toBe(true);
  });
});
