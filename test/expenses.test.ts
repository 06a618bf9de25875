// Expenses (R-CAP-1), categories and payment methods, exchange rates (manual and ECB file).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { Client, createTestContext, referencesOf, signedIn, type TestContext } from './support/context.ts';
import { createTenantWithAdmin, createUser, PASSWORD, type TestUser } from './support/factories.ts';

// Dates relative to today (Paris): a fixed past clock would make the session cookies expire in
// the test's cookie jar, which compares them with the real time.
const today = DateTime.now().setZone('Europe/Paris').startOf('day');
const d = (daysAgo: number) => today.minus({ days: daysAgo }).toISODate()!;
const ecbDate = (daysAgo: number) => today.minus({ days: daysAgo }).setLocale('en').toFormat('d MMMM yyyy');
let ctx: TestContext;
let t: Awaited<ReturnType<typeof createTenantWithAdmin>>;
let admin: Client;
let emp: TestUser;
let asEmp: Client;
let cat: Record<string, string>;
let pay: Record<string, string>;

const signIn = (u: { email: string }) => signedIn(ctx, u);

beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTenantWithAdmin(ctx);
  admin = await signIn(t.admin);
  emp = await createUser(ctx, t.tenantId, ['employee']);
  asEmp = await signIn(emp);
  ({ cat, pay } = await referencesOf(asEmp));
});
afterAll(() => ctx.close());

const lunch = (over: Record<string, unknown> = {}) => ({ date: d(4), merchant: 'Brasserie du Port', categoryId: cat.restaurant, paymentMethodId: pay.personal, amountMinor: 4250, currency: 'EUR', ...over });
const count = async (table: 'expense' | 'exchange_rate' | 'category') => Number((await ctx.c.db.kysely.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('tenant_id', '=', t.tenantId).executeTakeFirstOrThrow()).n);

describe('categories and payment methods', () => {
  it('a new Client starts with the French default set', async () => {
    expect(Object.keys(cat).sort()).toEqual(['air', 'fuel', 'hotel', 'mileage', 'other', 'parking', 'phone_internet', 'restaurant', 'supplies', 'taxi', 'tolls', 'train']);
    const names = (await asEmp.get('/api/v1/categories')).body.items.map((c: { name: string }) => c.name);
    expect(names).toContain('Hôtel');
    const methods = (await asEmp.get('/api/v1/payment-methods')).body.items;
    expect(methods).toEqual([
      expect.objectContaining({ code: 'personal', name: 'Avance personnelle', reimbursable: true }),
      expect.objectContaining({ code: 'company_card', name: 'Carte entreprise', reimbursable: false }),
    ]);
  });

  it('admins add, rename and archive; names are unique; employees may only read', async () => {
    const r = await admin.post('/api/v1/categories', { name: 'Séminaires' });
    expect(r.status).toBe(201);
    expect((await admin.post('/api/v1/categories', { name: 'séminaires' })).status).toBe(409);
    expect((await asEmp.post('/api/v1/categories', { name: 'Mine' })).status).toBe(403);
    expect((await admin.patch(`/api/v1/categories/${r.body.id}`, { active: false })).body.active).toBe(false);
    expect((await asEmp.get('/api/v1/categories')).body.items.map((c: { id: string }) => c.id)).not.toContain(r.body.id);
    expect((await admin.get('/api/v1/categories?includeArchived=true')).body.items.map((c: { id: string }) => c.id)).toContain(r.body.id);
    // an archived category takes no new expense
    const refused = await asEmp.post('/api/v1/expenses', lunch({ categoryId: r.body.id }));
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toContainEqual({ path: 'body.categoryId', message: 'this category is archived' });
    const card = await admin.post('/api/v1/payment-methods', { name: 'Carte Amex société', reimbursable: false });
    expect(card.body).toMatchObject({ name: 'Carte Amex société', reimbursable: false, active: true });
  });
});

describe('expenses', () => {
  it('creates a draft in the Client\'s currency: amount in minor units, rate 1, reimbursable from the payment method', async () => {
    const r = await asEmp.post('/api/v1/expenses', lunch({ vatLines: [{ rateBp: 1000, baseMinor: 3864, vatMinor: 386 }], attendees: ['Client X'], description: 'Déjeuner client' }));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'draft', kind: 'receipt', userId: emp.id, amountMinor: 4250, currency: 'EUR', convertedMinor: 4250, clientCurrency: 'EUR', rate: '1', rateDate: d(4), reimbursable: true, version: 1, attendees: ['Client X'] });
    expect(r.body.vatLines).toEqual([{ rateBp: 1000, baseMinor: 3864, vatMinor: 386 }]);
    const card = await asEmp.post('/api/v1/expenses', lunch({ paymentMethodId: pay.company_card, amountMinor: 4251 }));
    expect(card.body.reimbursable).toBe(false);
    expect((await asEmp.get(`/api/v1/expenses/${r.body.id}`)).body).toEqual({ ...r.body, receipts: [] });
  });

  it('flags (never blocks) the same user, merchant, date and amount, naming the other expense; rejected ones do not count', async () => {
    const u = await signIn(await createUser(ctx, t.tenantId, ['employee']));
    const first = (await u.post('/api/v1/expenses', lunch({ merchant: 'Taxi Bleu', amountMinor: 3100 }))).body;
    expect(first.duplicates).toEqual([]);
    const again = await u.post('/api/v1/expenses', lunch({ merchant: 'TAXI BLEU', amountMinor: 3100 }));
    expect(again.status).toBe(201);
    expect(again.body.duplicates).toEqual([{ expenseId: first.id, reason: 'same_details' }]);
    expect((await u.get(`/api/v1/expenses/${first.id}`)).body.duplicates).toEqual([{ expenseId: again.body.id, reason: 'same_details' }]);
    expect((await u.post('/api/v1/expenses', lunch({ merchant: 'Taxi Bleu', amountMinor: 3101 }))).body.duplicates).toEqual([]);
    await ctx.c.db.kysely.updateTable('expense').set({ status: 'rejected' }).where('id', '=', first.id).execute();
    expect((await u.get(`/api/v1/expenses/${again.body.id}`)).body.duplicates).toEqual([]);
    // another employee's identical lunch is not theirs to duplicate
    expect((await asEmp.post('/api/v1/expenses', lunch({ merchant: 'Taxi Bleu', amountMinor: 3100 }))).body.duplicates).toEqual([]);
  });

  it('refuses bad values with the field named, and writes nothing', async () => {
    const before = await count('expense');
    const cases: [Record<string, unknown>, string][] = [
      [{ amountMinor: 42.5 }, 'body.amountMinor'],
      [{ amountMinor: -1 }, 'body.amountMinor'],
      [{ currency: 'EURO' }, 'body.currency'],
      [{ currency: 'XXY' }, 'body.currency'],
      [{ date: d(-1) }, 'body.date'], // tomorrow in Paris
      [{ date: '2026-02-30' }, 'body.date'],
      [{ categoryId: '00000000-0000-4000-8000-000000000000' }, 'body.categoryId'],
      [{ vatLines: [{ rateBp: 2000, baseMinor: 1000, vatMinor: 150 }] }, 'body.vatLines.0.vatMinor'],
      [{ vatLines: [{ rateBp: 2000, baseMinor: 4000, vatMinor: 800 }] }, 'body.vatLines'],
    ];
    for (const [over, path] of cases) {
      const r = await asEmp.post('/api/v1/expenses', lunch(over));
      expect(r.status, JSON.stringify(over)).toBe(400);
      expect(r.body.errors.map((e: { path: string }) => e.path), JSON.stringify(over)).toContain(path);
    }
    expect(await count('expense')).toBe(before);
  });

  it('edits while draft with the version read; a stale version is a 409; submitted expenses are locked; only drafts are deleted', async () => {
    const e = (await asEmp.post('/api/v1/expenses', lunch())).body;
    const ok = await asEmp.patch(`/api/v1/expenses/${e.id}`, { version: 1, merchant: 'Brasserie du Port (Sète)', amountMinor: 4300 });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ merchant: 'Brasserie du Port (Sète)', amountMinor: 4300, convertedMinor: 4300, version: 2 });
    const stale = await asEmp.patch(`/api/v1/expenses/${e.id}`, { version: 1, merchant: 'Lost update' });
    expect(stale.status).toBe(409);
    expect((await asEmp.get(`/api/v1/expenses/${e.id}`)).body.merchant).toBe('Brasserie du Port (Sète)');
    // another employee: not even visible
    const other = await signIn(await createUser(ctx, t.tenantId, ['employee']));
    expect((await other.patch(`/api/v1/expenses/${e.id}`, { version: 2, merchant: 'x' })).status).toBe(404);
    expect((await other.delete(`/api/v1/expenses/${e.id}`)).status).toBe(404);
    // once submitted (the workflow issue sets this), no edit and no delete, and the state is named
    await ctx.c.db.kysely.updateTable('expense').set({ status: 'submitted' }).where('id', '=', e.id).execute();
    const locked = await asEmp.patch(`/api/v1/expenses/${e.id}`, { version: 2, merchant: 'x' });
    expect(locked.status).toBe(409);
    expect(locked.body.detail).toMatch(/is submitted/);
    expect((await asEmp.delete(`/api/v1/expenses/${e.id}`)).status).toBe(409);
    // returned for changes: editable again, still not deletable
    await ctx.c.db.kysely.updateTable('expense').set({ status: 'returned' }).where('id', '=', e.id).execute();
    expect((await asEmp.patch(`/api/v1/expenses/${e.id}`, { version: 2, description: 'Ticket ajouté' })).status).toBe(200);
    expect((await asEmp.delete(`/api/v1/expenses/${e.id}`)).status).toBe(409);
    const draft = (await asEmp.post('/api/v1/expenses', lunch())).body;
    expect((await asEmp.delete(`/api/v1/expenses/${draft.id}`)).status).toBe(204);
    expect((await asEmp.get(`/api/v1/expenses/${draft.id}`)).status).toBe(404);
  });

  it('drafts are private; submitted ones are seen by the manager of the employee and by admins, not by colleagues', async () => {
    const manager = await createUser(ctx, t.tenantId, ['manager', 'employee']);
    const report = await createUser(ctx, t.tenantId, ['employee'], { managerId: manager.id });
    const colleague = await signIn(await createUser(ctx, t.tenantId, ['employee']));
    const asReport = await signIn(report);
    const asManager = await signIn(manager);
    const e = (await asReport.post('/api/v1/expenses', lunch())).body;
    const seen = async (c: Client) => (await c.get(`/api/v1/expenses/${e.id}`)).status;
    expect([await seen(asManager), await seen(admin), await seen(colleague)]).toEqual([404, 404, 404]);
    await ctx.c.db.kysely.updateTable('expense').set({ status: 'submitted' }).where('id', '=', e.id).execute();
    expect([await seen(asManager), await seen(admin), await seen(colleague)]).toEqual([200, 200, 404]);
    const managerList = (await asManager.get('/api/v1/expenses')).body.items.map((x: { id: string }) => x.id);
    expect(managerList).toContain(e.id);
    // the manager reads it but cannot change it
    expect((await asManager.patch(`/api/v1/expenses/${e.id}`, { version: 1, merchant: 'x' })).status).toBe(403);
  });

  it('lists with filters, French full-text search and keyset pages that neither repeat nor skip', async () => {
    const u = await createUser(ctx, t.tenantId, ['employee']);
    const c = await signIn(u);
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await c.post('/api/v1/expenses', lunch({ date: i < 4 ? d(20) : d(12), amountMinor: 1000 * (i + 1), merchant: i === 5 ? 'Hôtel des Voyageurs' : `Café ${i}`, description: i === 3 ? 'Réunion avec les restaurateurs' : '', categoryId: i === 5 ? cat.hotel : cat.restaurant }));
      made.push(r.body.id);
    }
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await c.get(`/api/v1/expenses?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      pages.push(...r.body.items.map((x: { id: string }) => x.id));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(pages).toHaveLength(7);
    expect(new Set(pages)).toEqual(new Set(made));
    const ids = async (q: string) => (await c.get(`/api/v1/expenses?${q}`)).body.items.map((x: { id: string }) => x.id).sort();
    expect(await ids(`from=${d(17)}&to=${d(0)}`)).toEqual(made.slice(4).sort());
    expect(await ids(`categoryId=${cat.hotel}`)).toEqual([made[5]]);
    expect(await ids('amountMin=2000&amountMax=3000')).toEqual([made[1], made[2]].sort());
    expect(await ids('q=voyageur')).toEqual([made[5]]); // stemmed: voyageurs → voyageur
    expect(await ids('q=restaurateur')).toEqual([made[3]]);
    expect(await ids('status=submitted')).toEqual([]);
    expect((await c.get('/api/v1/expenses?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
    expect((await c.get('/api/v1/expenses?amountMin=-5')).status).toBe(400);
  });
});

describe('foreign currencies', () => {
  it('needs a rate on or before the date; takes the latest one (a weekend uses Friday\'s); converts exactly', async () => {
    const refused = await asEmp.post('/api/v1/expenses', lunch({ currency: 'USD', amountMinor: 10_000, date: d(8) }));
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toContain(`no USD rate on or before ${d(8)}`);
    expect((await admin.agent.put('/api/v1/exchange-rates').set('X-CSRF-Token', admin.csrf).send({ currency: 'USD', date: d(9), rate: '1.0545' })).status).toBe(200);
    expect((await admin.agent.put('/api/v1/exchange-rates').set('X-CSRF-Token', admin.csrf).send({ currency: 'USD', date: d(6), rate: '1.06' })).status).toBe(200);
    const r = await asEmp.post('/api/v1/expenses', lunch({ currency: 'USD', amountMinor: 10_000, date: d(8) }));
    expect(r.body).toMatchObject({ amountMinor: 10_000, currency: 'USD', convertedMinor: 9483, clientCurrency: 'EUR', rate: '1.0545', rateDate: d(9) });
    // a later rate does not move a recorded expense
    await admin.agent.put('/api/v1/exchange-rates').set('X-CSRF-Token', admin.csrf).send({ currency: 'USD', date: d(9), rate: '2' });
    expect((await asEmp.get(`/api/v1/expenses/${r.body.id}`)).body.convertedMinor).toBe(9483);
    // employees cannot set rates; bad rates are refused
    expect((await asEmp.agent.put('/api/v1/exchange-rates').set('X-CSRF-Token', asEmp.csrf).send({ currency: 'GBP', date: d(9), rate: '0.87' })).status).toBe(403);
    for (const rate of ['0', '-1', '1,05', 'abc']) expect((await admin.agent.put('/api/v1/exchange-rates').set('X-CSRF-Token', admin.csrf).send({ currency: 'GBP', date: d(9), rate })).status).toBe(400);
  });

  it('imports the ECB daily file and the history file; a broken file changes nothing', async () => {
    const daily = `Date, USD, JPY, BGN, CZK, GBP, CHF, \n${ecbDate(3)}, 1.0512, 162.33, 1.9558, 25.112, 0.8712, 0.9301, \n`;
    const r = await admin.post('/api/v1/exchange-rates/import', daily, 'text/csv');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ imported: 6, days: 1, currencies: ['BGN', 'CHF', 'CZK', 'GBP', 'JPY', 'USD'] });
    const jpy = await asEmp.post('/api/v1/expenses', lunch({ currency: 'JPY', amountMinor: 1000, date: d(3) }));
    expect(jpy.body).toMatchObject({ convertedMinor: 616, rate: '162.33' });
    const hist = `Date,USD,JPY,CYP,GBP,\n${d(4)},1.0500,161.90,N/A,0.8700,\n${d(5)},1.0490,161.50,N/A,0.8690,\n2020-01-02,1.1193,121.75,N/A,0.8508,\n`;
    const h = await admin.post('/api/v1/exchange-rates/import', hist, 'text/csv');
    expect(h.body).toEqual({ imported: 6, days: 2, currencies: ['GBP', 'JPY', 'USD'] }); // 2020 is older than a year: left out
    const listed = (await asEmp.get('/api/v1/exchange-rates?currency=GBP')).body;
    expect(listed.clientCurrency).toBe('EUR');
    expect(listed.items.map((x: { date: string; rate: string }) => `${x.date}=${x.rate}`)).toEqual([`${d(3)}=0.8712`, `${d(4)}=0.87`, `${d(5)}=0.869`]);
    const before = await count('exchange_rate');
    for (const bad of [`Datum;USD\n${d(3)};1.05`, 'Date,USD\nyesterday,1.05', `Date,USD\n${d(3)},1.05x`, `Date,USD\n${d(3)},0`]) {
      const b = await admin.post('/api/v1/exchange-rates/import', bad, 'text/csv');
      expect(b.status, bad).toBe(400);
      expect(b.body.type).toMatch(/import-invalid$/);
    }
    expect(await count('exchange_rate')).toBe(before);
  });

  it('a Client in another currency gets cross rates through the euro', async () => {
    const swiss = await createTenantWithAdmin(ctx, { name: 'Suisse SA' });
    await ctx.c.db.kysely.updateTable('tenant').set({ currency: 'CHF' }).where('id', '=', swiss.tenantId).execute();
    const a = await signIn(swiss.admin);
    const r = await a.post('/api/v1/exchange-rates/import', `Date, USD, CHF, \n${ecbDate(3)}, 1.0512, 0.9301, \n`, 'text/csv');
    expect(r.body.currencies).toEqual(['EUR', 'USD']);
    const rates = Object.fromEntries((await a.get('/api/v1/exchange-rates')).body.items.map((x: { currency: string; rate: string }) => [x.currency, x.rate]));
    expect(rates).toEqual({ EUR: '1.0751532093', USD: '1.1302010537' }); // 1/0.9301 = 1.07515320933…, 1.0512/0.9301 = 1.13020105365…
  });
});
