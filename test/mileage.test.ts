// Mileage and per-diem expenses (R-CAP-4): the barème kilométrique by band, vehicle and year, trips
// priced against the kilometres already driven that year, re-pricing of later drafts, per-diem.
// Every expected amount below is computed by hand from the published barème, not by the code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annualMinor, powerClass, SCALES, scaleYearFor, type Pricing, tripMinor } from '../api/features/mileage/bareme.ts';
import { describeEvent } from '../api/features/audit/audit.events.ts';
import { SYSTEM_ACTOR } from '../api/features/audit/audit.service.ts';
import { TenantDb } from '../storage/db/tenant-db.ts';
import { onPostgres } from './support/db.ts';
import { Client, createTestContext, referencesOf, signedIn, type TestContext } from './support/context.ts';
import { createTenantWithAdmin, createUser, PASSWORD, type TestUser } from './support/factories.ts';

let ctx: TestContext;
let t: Awaited<ReturnType<typeof createTenantWithAdmin>>;
let admin: Client;
let emp: TestUser;
let asEmp: Client;
let cat: Record<string, string>;

const signIn = (u: { email: string }) => signedIn(ctx, u);
const vehicle = async (c: Client, body: Record<string, unknown> = {}) => {
  const r = await c.post('/api/v1/vehicles', { name: 'Peugeot 308', kind: 'car', fiscalHp: 5, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as string;
};
const trip = (vehicleId: string, over: Record<string, unknown> = {}) => ({ date: '2025-03-01', vehicleId, distanceKm: 10, from: 'Lyon', to: 'Villeurbanne', purpose: 'Visite client', ...over });
const addTrip = async (c: Client, vehicleId: string, over: Record<string, unknown> = {}) => {
  const r = await c.post('/api/v1/expenses/mileage', trip(vehicleId, over));
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; amountMinor: number; version: number; mileage: { scaleYear: number } };
};
const get = async (c: Client, id: string) => (await c.get(`/api/v1/expenses/${id}`)).body;
const amounts = async (c: Client, ids: string[]) => Promise.all(ids.map(async (id) => (await get(c, id)).amountMinor as number));

beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTenantWithAdmin(ctx);
  admin = await signIn(t.admin);
  emp = await createUser(ctx, t.tenantId, ['employee']);
  asEmp = await signIn(emp);
  ({ cat } = await referencesOf(asEmp));
});
afterAll(() => ctx.close());

describe('the barème kilométrique (hand-computed figures)', () => {
  const f = (kind: 'car' | 'motorcycle' | 'moped', hp: number | null, km: number, electric = false, year = 2024) =>
    Number(annualMinor(powerClass(SCALES[year]!, kind, hp), BigInt(Math.round(km * 10)), electric));

  it('prices each band of each vehicle class', () => {
    // cars: ≤ 5 000 km d × a; 5 001 – 20 000 km d × b + c; > 20 000 km d × e
    expect(f('car', 3, 1234.5)).toBe(65305); // 1 234.5 × 0.529 = 653.0505
    expect(f('car', 2, 100)).toBe(5290); // "3 CV et moins": 100 × 0.529
    expect(f('car', 4, 2.5)).toBe(152); // 2.5 × 0.606 = 1.515 → 1.52 (half away from zero)
    expect(f('car', 5, 4000)).toBe(254400); // 4 000 × 0.636
    expect(f('car', 5, 5000)).toBe(318000); // 5 000 × 0.636, still the first band
    expect(f('car', 5, 12000)).toBe(567900); // 12 000 × 0.357 + 1 395 = 4 284 + 1 395
    expect(f('car', 6, 20000)).toBe(893700); // 20 000 × 0.374 + 1 457
    expect(f('car', 7, 25000)).toBe(1175000); // 25 000 × 0.470
    expect(f('car', 11, 25000)).toBe(1175000); // "7 CV et plus"
    // motorcycles and mopeds: ≤ 3 000 km; 3 001 – 6 000 km; > 6 000 km
    expect(f('motorcycle', 2, 2000)).toBe(79000); // 2 000 × 0.395
    expect(f('motorcycle', 1, 4500)).toBe(133650); // 4 500 × 0.099 + 891 = 445.50 + 891
    expect(f('motorcycle', 4, 5000)).toBe(156800); // 5 000 × 0.082 + 1 158 = 410 + 1 158
    expect(f('motorcycle', 8, 7000)).toBe(240100); // 7 000 × 0.343
    expect(f('moped', null, 7000)).toBe(138600); // 7 000 × 0.198
    expect(f('moped', null, 1000)).toBe(31500); // 1 000 × 0.315
  });

  it('adds 20 % for electric vehicles before rounding', () => {
    expect(f('car', 5, 4000, true)).toBe(305280); // 2 544 × 1.2 = 3 052.80
    expect(f('car', 7, 1, true)).toBe(84); // 0.697 × 1.2 = 0.8364 → 0.84
    expect(f('car', 5, 12000, true)).toBe(681480); // 5 679 × 1.2 = 6 814.80
  });

  it('uses the same scale for 2023, 2024 and 2025 incomes, and the latest earlier one after', () => {
    expect(f('car', 5, 12000, false, 2023)).toBe(567900);
    expect(f('car', 5, 12000, false, 2025)).toBe(567900);
    expect([scaleYearFor(2022), scaleYearFor(2023), scaleYearFor(2025), scaleYearFor(2026), scaleYearFor(2031)]).toEqual([undefined, 2023, 2025, 2025, 2025]);
  });

  it('a trip pays f(after) − f(before), each rounded, so a year always adds up to f(total)', () => {
    const p: Pricing = { scaleYear: 2024, pc: powerClass(SCALES[2024]!, 'car', 3), electric: false };
    // twenty trips of 0.1 km from 4 999.0 km to 5 001.0 km, across the first band's end
    let sum = 0;
    for (let d = 49_990n; d < 50_010n; d++) sum += tripMinor(p, d, 1n);
    // f(5 001) = 5 001 × 0.316 + 1 065 = 2 645.316 → 2 645.32; f(4 999) = 4 999 × 0.529 = 2 644.471 → 2 644.47
    expect(sum).toBe(264532 - 264447);
  });
});

describe('vehicles', () => {
  it('belong to their employee: create, list, read, correct, archive, delete when unused', async () => {
    const id = await vehicle(asEmp, { name: 'Zoé', fiscalHp: 4, electric: true });
    const moped = await asEmp.post('/api/v1/vehicles', { name: 'Solex', kind: 'moped' });
    expect(moped.status).toBe(201);
    expect(moped.body).toMatchObject({ kind: 'moped', fiscalHp: null, electric: false, archived: false });
    const noHp = await asEmp.post('/api/v1/vehicles', { name: 'Clio', kind: 'car' });
    expect(noHp.status).toBe(400);
    expect(noHp.body.errors).toContainEqual(expect.objectContaining({ path: 'body.fiscalHp' }));
    expect((await asEmp.get(`/api/v1/vehicles/${id}`)).body).toMatchObject({ id, name: 'Zoé', kind: 'car', fiscalHp: 4, electric: true });
    // nobody else sees or changes it, not even an admin of the Client
    const other = await signIn(await createUser(ctx, t.tenantId, ['employee']));
    expect((await other.get(`/api/v1/vehicles/${id}`)).status).toBe(404);
    expect((await admin.get(`/api/v1/vehicles/${id}`)).status).toBe(404);
    expect((await other.patch(`/api/v1/vehicles/${id}`, { name: 'Mine' })).status).toBe(404);
    expect((await other.get('/api/v1/vehicles')).body.items).toEqual([]);
    expect((await asEmp.patch(`/api/v1/vehicles/${id}`, { archived: true })).body.archived).toBe(true);
    expect((await asEmp.get('/api/v1/vehicles')).body.items.map((v: { id: string }) => v.id)).not.toContain(id);
    expect((await asEmp.get('/api/v1/vehicles?includeArchived=true')).body.items.map((v: { id: string }) => v.id)).toContain(id);
    expect((await asEmp.delete(`/api/v1/vehicles/${moped.body.id}`)).status).toBe(204);
    expect((await asEmp.get(`/api/v1/vehicles/${moped.body.id}`)).status).toBe(404);
    // one with a trip is archived, not deleted
    const used = await vehicle(asEmp);
    await addTrip(asEmp, used);
    const refused = await asEmp.delete(`/api/v1/vehicles/${used}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/archive it/);
  });
});

describe('mileage trips', () => {
  it('stores a draft in EUR, rate 1, in the mileage category, without payment method, reimbursable; GET shows the trip', async () => {
    const v = await vehicle(asEmp);
    const r = await asEmp.post('/api/v1/expenses/mileage', trip(v, { distanceKm: 21.3, roundTrip: true, description: 'RDV', project: 'P-12' }));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    // 2 × 21.3 = 42.6 km × 0.636 = 27.0936 → 27.09
    expect(r.body).toMatchObject({
      kind: 'mileage', status: 'draft', userId: emp.id, date: '2025-03-01', amountMinor: 2709, currency: 'EUR', convertedMinor: 2709, clientCurrency: 'EUR', rate: '1',
      categoryId: cat.mileage, paymentMethodId: null, reimbursable: true, description: 'RDV', project: 'P-12', vatLines: [], version: 1,
      mileage: { vehicleId: v, distanceKm: 21.3, roundTrip: true, countedKm: 42.6, from: 'Lyon', to: 'Villeurbanne', purpose: 'Visite client', scaleYear: 2025 },
    });
    expect(r.body.perDiem).toBeUndefined();
    expect(await get(asEmp, r.body.id)).toEqual({ ...r.body, receipts: [] });
    expect((await asEmp.get('/api/v1/expenses')).body.items.find((e: { id: string }) => e.id === r.body.id)).toEqual({ ...r.body, receipts: [] });
  });

  it('prices a trip crossing 5 000 km exactly: f(5 100) − f(4 900)', async () => {
    const v = await vehicle(asEmp); // 5 CV
    const a = await addTrip(asEmp, v, { date: '2025-02-01', distanceKm: 4900 });
    expect(a.amountMinor).toBe(311640); // 4 900 × 0.636 = 3 116.40
    const b = await addTrip(asEmp, v, { date: '2025-02-02', distanceKm: 200 });
    // (5 100 × 0.357 + 1 395 = 3 215.70) − 3 116.40 = 99.30; neither 200 × 0.636 nor 200 × 0.357
    expect(b.amountMinor).toBe(9930);
  });

  it('the trips of a year add up to f(total), whatever order they are entered in', async () => {
    const v = await vehicle(asEmp, { fiscalHp: 4 });
    // entered out of date order: each creation re-prices the later drafts
    const t2 = await addTrip(asEmp, v, { date: '2024-05-01', distanceKm: 4000 });
    const t4 = await addTrip(asEmp, v, { date: '2024-11-30', distanceKm: 2500.5 });
    const t1 = await addTrip(asEmp, v, { date: '2024-02-01', distanceKm: 3000 });
    const t3 = await addTrip(asEmp, v, { date: '2024-07-14', distanceKm: 15000 });
    const other = await addTrip(asEmp, v, { date: '2025-01-02', distanceKm: 100 }); // another year starts from 0
    expect(other.amountMinor).toBe(6060); // 100 × 0.606
    const got = await amounts(asEmp, [t1.id, t2.id, t3.id, t4.id]);
    // f(3 000) = 1 818; f(7 000) = 7 000 × 0.340 + 1 330 = 3 710; f(22 000) = 22 000 × 0.407 = 8 954;
    // f(24 500.5) = 24 500.5 × 0.407 = 9 971.7035 → 9 971.70
    expect(got).toEqual([181800, 371000 - 181800, 895400 - 371000, 997170 - 895400]);
    expect(got.reduce((s, x) => s + x, 0)).toBe(997170);
    // t2 was re-priced when t1 came before it: a new version, and an audit event says so
    expect((await get(asEmp, t2.id)).version).toBeGreaterThan(1);
    const events = await ctx.c.db.kysely.selectFrom('audit_event').select(['type', 'data']).where('target_id', '=', t2.id).where('type', '=', 'mileage.repriced').execute();
    expect(events.length).toBeGreaterThan(0);
  });

  it('re-prices the later drafts when an earlier draft is deleted or edited; later submitted trips stay as approved', async () => {
    const v = await vehicle(asEmp); // 5 CV
    const a = await addTrip(asEmp, v, { date: '2025-03-01', distanceKm: 4000 });
    const b = await addTrip(asEmp, v, { date: '2025-04-01', distanceKm: 2000 });
    expect([a.amountMinor, b.amountMinor]).toEqual([254400, 99300]); // f(4 000) = 2 544; f(6 000) = 3 537 → 993
    // delete A (generic DELETE): B now starts the year
    expect((await asEmp.delete(`/api/v1/expenses/${a.id}`)).status).toBe(204);
    const b1 = await get(asEmp, b.id);
    expect(b1).toMatchObject({ amountMinor: 127200, convertedMinor: 127200, version: 2 }); // 2 000 × 0.636
    const event = await ctx.c.db.kysely.selectFrom('audit_event').select(['data']).where('target_id', '=', b.id).where('type', '=', 'mileage.repriced').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(event.data).toMatchObject({ fromMinor: 99300, toMinor: 127200, cause: 'deleted', causeId: a.id });

    // an earlier trip again, then edited
    const c = await addTrip(asEmp, v, { date: '2025-03-01', distanceKm: 4000 });
    expect((await get(asEmp, b.id)).amountMinor).toBe(99300);
    const stale = await asEmp.patch(`/api/v1/expenses/mileage/${c.id}`, { version: 9, distanceKm: 1000 });
    expect(stale.status).toBe(409);
    const shorter = await asEmp.patch(`/api/v1/expenses/mileage/${c.id}`, { version: 1, distanceKm: 1000 });
    expect(shorter.status, JSON.stringify(shorter.body)).toBe(200);
    expect(shorter.body).toMatchObject({ amountMinor: 63600, version: 2, mileage: { distanceKm: 1000 } }); // 1 000 × 0.636
    expect((await get(asEmp, b.id)).amountMinor).toBe(127200); // f(3 000) − f(1 000) = 1 908 − 636
    // moved after B (date) and longer: B first, then C on top of it
    const moved = await asEmp.patch(`/api/v1/expenses/mileage/${c.id}`, { version: 2, date: '2025-05-01', distanceKm: 4000 });
    expect(moved.body.amountMinor).toBe(226500); // f(6 000) − f(2 000) = 3 537 − 1 272
    expect((await get(asEmp, b.id)).amountMinor).toBe(127200);
    // moved to another vehicle: both vehicle-years are re-priced
    const v2 = await vehicle(asEmp, { fiscalHp: 7 });
    const before = await addTrip(asEmp, v, { date: '2025-01-15', distanceKm: 500 });
    expect(before.amountMinor).toBe(31800); // 500 × 0.636
    expect(await amounts(asEmp, [b.id, c.id])).toEqual([
      159000 - 31800, // f(2 500) − f(500) = 1 590 − 318 = 1 272
      (6500 * 357 + 1395 * 1000) / 10 - 159000, // f(6 500) = 2 320.50 + 1 395 = 3 715.50; − f(2 500) = 2 125.50
    ]);
    const switched = await asEmp.patch(`/api/v1/expenses/mileage/${before.id}`, { version: 1, vehicleId: v2 });
    expect(switched.body.amountMinor).toBe(34850); // 500 × 0.697
    expect(await amounts(asEmp, [b.id, c.id])).toEqual([127200, 226500]);

    // D, after C, is submitted (the workflow sets this)
    const d = await addTrip(asEmp, v, { date: '2025-06-01', distanceKm: 100 });
    expect(d.amountMinor).toBe(3570); // f(6 100) − f(6 000) = 100 × 0.357
    await ctx.c.db.kysely.updateTable('expense').set({ status: 'submitted' }).where('id', '=', d.id).execute();
    // B deleted: C (draft) is re-priced, D (submitted) keeps the amount its approver saw
    expect((await asEmp.delete(`/api/v1/expenses/${b.id}`)).status).toBe(204);
    expect(await amounts(asEmp, [c.id, d.id])).toEqual([254400, 3570]); // C = f(4 000) now
  });

  it('a year without its own table uses the latest earlier one, and says which', async () => {
    const v = await vehicle(asEmp);
    const r = await addTrip(asEmp, v, { date: '2026-02-10', distanceKm: 100 });
    expect(r.mileage.scaleYear).toBe(2025);
    expect(r.amountMinor).toBe(6360); // 100 × 0.636
    const y2023 = await addTrip(asEmp, v, { date: '2023-06-10', distanceKm: 100 });
    expect(y2023.mileage.scaleYear).toBe(2023);
    const tooOld = await asEmp.post('/api/v1/expenses/mileage', trip(v, { date: '2022-12-31' }));
    expect(tooOld.status).toBe(400);
    expect(tooOld.body.errors).toContainEqual({ path: 'body.date', message: 'no barème kilométrique before 2023' });
  });

  it('electric vehicles get 20 % more', async () => {
    const v = await vehicle(asEmp, { electric: true });
    expect((await addTrip(asEmp, v, { date: '2024-03-01', distanceKm: 4000 })).amountMinor).toBe(305280); // 2 544 × 1.2
    // correcting the vehicle re-prices its draft trips
    await asEmp.patch(`/api/v1/vehicles/${v}`, { electric: false });
    expect((await asEmp.get('/api/v1/expenses?from=2024-03-01&to=2024-03-01')).body.items.find((e: { mileage?: { vehicleId: string } }) => e.mileage?.vehicleId === v).amountMinor).toBe(254400);
  });

  it('refuses bad input and writes nothing', async () => {
    const v = await vehicle(asEmp);
    const count = async () => Number((await ctx.c.db.kysely.selectFrom('expense').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const cases: [Record<string, unknown>, string][] = [
      [{ distanceKm: -5 }, 'body.distanceKm'],
      [{ distanceKm: 0 }, 'body.distanceKm'],
      [{ distanceKm: 12.25 }, 'body.distanceKm'],
      [{ distanceKm: '12.5' }, 'body.distanceKm'],
      [{ purpose: '' }, 'body.purpose'],
      [{ from: undefined }, 'body.from'],
      [{ date: '2099-01-01' }, 'body.date'],
      [{ vehicleId: 'car' }, 'body.vehicleId'],
      [{ amountMinor: 100 }, 'body'],
    ];
    for (const [over, path] of cases) {
      const r = await asEmp.post('/api/v1/expenses/mileage', trip(v, over));
      expect(r.status, JSON.stringify(over)).toBe(400);
      expect(r.body.errors.map((e: { path: string }) => e.path).join(' '), JSON.stringify(over)).toContain(path);
    }
    // someone else's vehicle, or none: 404; an archived one: 400
    const colleague = await signIn(await createUser(ctx, t.tenantId, ['employee']));
    const theirs = await vehicle(colleague);
    expect((await asEmp.post('/api/v1/expenses/mileage', trip(theirs))).status).toBe(404);
    expect((await asEmp.post('/api/v1/expenses/mileage', trip('00000000-0000-4000-8000-000000000000'))).status).toBe(404);
    const old = await vehicle(asEmp);
    await asEmp.patch(`/api/v1/vehicles/${old}`, { archived: true });
    const archived = await asEmp.post('/api/v1/expenses/mileage', trip(old));
    expect(archived.status).toBe(400);
    expect(archived.body.errors).toContainEqual({ path: 'body.vehicleId', message: 'this vehicle is archived' });
    expect(await count()).toBe(before);
  });

  it('kinds keep to their routes: the generic PATCH takes receipts only', async () => {
    const v = await vehicle(asEmp);
    const m = await addTrip(asEmp, v);
    const generic = await asEmp.patch(`/api/v1/expenses/${m.id}`, { version: 1, merchant: 'x' });
    expect(generic.status).toBe(409);
    expect(generic.body.detail).toContain(`PATCH /api/v1/expenses/mileage/${m.id}`);
    const pay = (await asEmp.get('/api/v1/payment-methods')).body.items[0].id;
    const receipt = (await asEmp.post('/api/v1/expenses', { date: '2025-03-01', merchant: 'M', categoryId: cat.restaurant, paymentMethodId: pay, amountMinor: 100, currency: 'EUR' })).body;
    const wrong = await asEmp.patch(`/api/v1/expenses/mileage/${receipt.id}`, { version: 1, distanceKm: 3 });
    expect(wrong.status).toBe(409);
    expect(wrong.body.detail).toContain(`PATCH /api/v1/expenses/${receipt.id}`);
    // once submitted, a trip is locked
    await ctx.c.db.kysely.updateTable('expense').set({ status: 'submitted' }).where('id', '=', m.id).execute();
    expect((await asEmp.patch(`/api/v1/expenses/mileage/${m.id}`, { version: 1, distanceKm: 3 })).status).toBe(409);
    // a manager who sees it cannot change it
    expect((await admin.patch(`/api/v1/expenses/mileage/${m.id}`, { version: 1, distanceKm: 3 })).status).toBe(403);
  });

  it('is for Clients based in France that account in EUR', async () => {
    const be = await createTenantWithAdmin(ctx);
    await ctx.c.db.kysely.updateTable('tenant').set({ country: 'BE' }).where('id', '=', be.tenantId).execute();
    const c = await signIn(be.admin);
    const v = await vehicle(c);
    const r = await c.post('/api/v1/expenses/mileage', trip(v));
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/only for Clients based in France that account in EUR/);
  });

  it('re-prices the later drafts when an earlier trip leaves the count (rejected by the workflow)', async () => {
    const v = await vehicle(asEmp); // 5 CV
    const a = await addTrip(asEmp, v, { date: '2024-03-01', distanceKm: 4000 });
    const b = await addTrip(asEmp, v, { date: '2024-04-01', distanceKm: 2000 });
    expect(b.amountMinor).toBe(99300); // f(6 000) − f(4 000) = 3 537 − 2 544
    // Through the workflow: submitted, then rejected by the approver (the admin, as fallback).
    expect((await admin.patch('/api/v1/workflow/settings', { fallbackApproverId: t.admin.id })).status).toBe(200);
    const s = await asEmp.post(`/api/v1/expenses/${a.id}/submit`, { version: a.version });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    const r = await admin.post(`/api/v1/expenses/${a.id}/reject`, { version: s.body.version, comment: 'Trajet personnel' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await get(asEmp, b.id)).amountMinor).toBe(127200); // 2 000 × 0.636
    expect((await get(asEmp, a.id)).amountMinor).toBe(254400); // the rejected one keeps its figure
  });

  it('tells the audit trail in French and English', () => {
    const types = ['vehicle.created', 'vehicle.updated', 'vehicle.deleted', 'mileage.created', 'mileage.updated', 'mileage.repriced', 'per_diem_rate.created', 'per_diem_rate.updated', 'per_diem.created', 'per_diem.updated'];
    for (const type of types) {
      for (const locale of ['fr', 'en'] as const) {
        const sentence = describeEvent({ type, data: { fields: ['name'], amountMinor: 100, currency: 'EUR', fromMinor: 1, toMinor: 2, cause: 'created', units: 1, countedKm: '1.0', scaleYear: 2025, validFrom: '2025-01-01' }, actorLabel: 'a@b.test', targetType: type.startsWith('vehicle') ? 'vehicle' : type.startsWith('per_diem_rate') ? 'per_diem_rate' : 'expense', targetId: 'x', targetLabel: null, outcome: 'success' }, locale);
        expect(sentence, `${type} ${locale}`).not.toContain(type);
        expect(sentence, `${type} ${locale}`).not.toMatch(/undefined|NaN|_/);
      }
    }
    const e = { type: 'mileage.repriced', data: { fromMinor: 99300, toMinor: 127200, cause: 'deleted', causeId: 'x' }, actorLabel: 'a@b.test', targetType: 'expense', targetId: 'e1', targetLabel: null, outcome: 'success' };
    expect(describeEvent(e, 'fr')).toBe('Montant de la dépense e1 recalculé de 993,00\u00a0€ à 1\u202f272,00\u00a0€ (un trajet antérieur supprimé)');
    expect(describeEvent(e, 'en')).toBe('Amount of expense e1 re-priced from €993.00 to €1,272.00 (an earlier trip deleted)');
  });
});

describe('per-diem', () => {
  it('admins keep rates; employees record units × rate; edits recompute; validity and archive are enforced', async () => {
    const rate = await admin.post('/api/v1/per-diem-rates', { name: 'Repas (URSSAF)', amountMinor: 2110, validFrom: '2025-01-01', categoryId: cat.restaurant });
    expect(rate.status, JSON.stringify(rate.body)).toBe(201);
    expect(rate.body).toMatchObject({ name: 'Repas (URSSAF)', amountMinor: 2110, currency: 'EUR', validFrom: '2025-01-01', archived: false });
    expect((await admin.post('/api/v1/per-diem-rates', { name: 'repas (urssaf)', amountMinor: 2000, validFrom: '2025-01-01', categoryId: cat.restaurant })).status).toBe(409);
    expect((await asEmp.post('/api/v1/per-diem-rates', { name: 'Mine', amountMinor: 99999, validFrom: '2025-01-01', categoryId: cat.restaurant })).status).toBe(403);
    expect((await asEmp.get('/api/v1/per-diem-rates')).body.items.map((r: { id: string }) => r.id)).toContain(rate.body.id);

    const e = await asEmp.post('/api/v1/expenses/per-diem', { date: '2025-03-10', rateId: rate.body.id, units: 3, description: 'Déplacement Lille' });
    expect(e.status, JSON.stringify(e.body)).toBe(201);
    expect(e.body).toMatchObject({
      kind: 'per_diem', amountMinor: 6330, currency: 'EUR', convertedMinor: 6330, rate: '1', categoryId: cat.restaurant, paymentMethodId: null, reimbursable: true,
      perDiem: { rateId: rate.body.id, units: 3, unitAmountMinor: 2110 },
    });
    expect(e.body.mileage).toBeUndefined();
    const edited = await asEmp.patch(`/api/v1/expenses/per-diem/${e.body.id}`, { version: 1, units: 5 });
    expect(edited.body).toMatchObject({ amountMinor: 10550, version: 2, perDiem: { units: 5 } });
    expect((await get(asEmp, e.body.id)).perDiem).toEqual({ rateId: rate.body.id, units: 5, unitAmountMinor: 2110 });
    const generic = await asEmp.patch(`/api/v1/expenses/${e.body.id}`, { version: 2, merchant: 'x' });
    expect(generic.status).toBe(409);
    expect(generic.body.detail).toContain(`PATCH /api/v1/expenses/per-diem/${e.body.id}`);

    const early = await asEmp.post('/api/v1/expenses/per-diem', { date: '2024-12-31', rateId: rate.body.id, units: 1 });
    expect(early.status).toBe(400);
    expect(early.body.errors).toContainEqual({ path: 'body.date', message: '“Repas (URSSAF)” applies from 2025-01-01' });
    for (const units of [0, 1.5, -1]) expect((await asEmp.post('/api/v1/expenses/per-diem', { date: '2025-03-10', rateId: rate.body.id, units })).status).toBe(400);
    expect((await admin.patch(`/api/v1/per-diem-rates/${rate.body.id}`, { archived: true })).body.archived).toBe(true);
    const archived = await asEmp.post('/api/v1/expenses/per-diem', { date: '2025-03-10', rateId: rate.body.id, units: 1 });
    expect(archived.body.errors).toContainEqual({ path: 'body.rateId', message: 'this per-diem rate is archived' });
    // the expense that has it keeps working
    expect((await asEmp.patch(`/api/v1/expenses/per-diem/${e.body.id}`, { version: 2, units: 2 })).body.amountMinor).toBe(4220);
    // and it is deleted like any draft
    expect((await asEmp.delete(`/api/v1/expenses/${e.body.id}`)).status).toBe(204);
  });
});

describe.runIf(onPostgres)('concurrent trips on PostgreSQL (PGlite runs one transaction at a time: proves nothing there)', () => {
  it('two trips of one vehicle created at once never both count the other as absent', async () => {
    const v = await vehicle(asEmp); // 5 CV
    const made = await Promise.all(Array.from({ length: 8 }, () => asEmp.post('/api/v1/expenses/mileage', trip(v, { date: '2024-09-09', distanceKm: 1000 }))));
    expect(made.map((r) => r.status)).toEqual(Array(8).fill(201));
    const got = await amounts(asEmp, made.map((r) => r.body.id));
    // f(8 000) = 8 000 × 0.357 + 1 395 = 4 251: five trips at 636 (first band), three at 357
    expect(got.reduce((s, x) => s + x, 0)).toBe(425100);
    expect(got.sort((a, b) => a - b)).toEqual([35700, 35700, 35700, 63600, 63600, 63600, 63600, 63600]);
  });

  it('creations, edits and deletions at once on one vehicle-year neither deadlock nor lose a kilometre', async () => {
    const v = await vehicle(asEmp); // 5 CV
    const first = await addTrip(asEmp, v, { date: '2024-09-01', distanceKm: 1000 });
    const mid = await Promise.all(Array.from({ length: 8 }, () => asEmp.post('/api/v1/expenses/mileage', trip(v, { date: '2024-09-09', distanceKm: 1000 }))));
    expect(mid.map((r) => r.status)).toEqual(Array(8).fill(201));
    const [gone1, gone2, ...kept] = mid.map((r) => r.body.id as string);
    const mixed = await Promise.all([
      asEmp.delete(`/api/v1/expenses/${gone1}`),
      asEmp.post('/api/v1/expenses/mileage', trip(v, { date: '2024-09-20', distanceKm: 2000 })),
      asEmp.patch(`/api/v1/expenses/mileage/${first.id}`, { version: 1, distanceKm: 1500 }), // the first trip: nothing re-prices it
      asEmp.delete(`/api/v1/expenses/${gone2}`),
      asEmp.post('/api/v1/expenses/mileage', trip(v, { date: '2024-09-20', distanceKm: 2000 })),
    ]);
    expect(mixed.map((r) => r.status)).toEqual([204, 201, 200, 204, 201]);
    const got = await amounts(asEmp, [first.id, ...kept, mixed[1]!.body.id, mixed[4]!.body.id]);
    // 1 500 + 6 × 1 000 + 2 × 2 000 = 11 500 km: f = 11 500 × 0.357 + 1 395 = 5 500.50
    expect(got.reduce((s, x) => s + x, 0)).toBe(550050);
    expect(got[0]).toBe(95400); // 1 500 × 0.636
  });
});
