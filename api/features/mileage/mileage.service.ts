// Mileage (R-CAP-4): an employee's vehicles and trips priced with the French barème kilométrique.
//
// Pricing rule. The barème gives an annual amount f(d) for the distance d a vehicle drove in a
// calendar year (Paris dates). A trip pays f(km of the year including it) − f(km before it), so a
// trip crossing a band is exact and the trips of a year add up to f(total). "Before" is the total
// order (expense_date, created_at, id) over the vehicle's trips of that year, rejected ones left out.
//
// Re-pricing rule. Creating a trip, editing one (distance, date, vehicle, round trip) or deleting a
// draft changes the kilometres before every later trip of the same vehicle and year: each later
// trip still draft or returned is re-priced in the same transaction (version + 1, audited). Later
// trips already submitted (or further) keep the amount their approver saw: their year then no longer
// adds up exactly to f(total) — the price of not changing an expense behind its approver's back.
//
// Concurrency. Every change to a vehicle-year holds, in this order: the vehicle row (FOR SHARE; FOR
// UPDATE when the vehicle itself changes), then a transaction-scoped advisory lock per vehicle-year
// (sorted), then expense rows, then the audit chain — so two trips created at once never both count
// the other as absent, and no two such transactions wait on each other in a cycle.
import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import type { DB, Row } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import { AppError, type FieldError } from '../../http/errors.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { expensesRepository, type ExpenseRow, type Viewer } from '../expenses/expenses.repository.ts';
import { expenseView } from '../expenses/expenses.service.ts';
import type { ExpenseView } from '../expenses/expenses.schemas.ts';
import { FIRST_SCALE_YEAR, kmText, pricingFor, scaleYearFor, tenthsOf, tripMinor } from './bareme.ts';
import { dateErrors, EDITABLE, invalid, isEditable, ownEditableOfKind, stale, tenantOf } from './kind-common.ts';
import type { CreateMileage, CreateVehicle, UpdateMileage, UpdateVehicle, VehicleView } from './mileage.schemas.ts';

type VehicleRow = Row<'vehicle'>;
type Pricer = Pick<VehicleRow, 'id' | 'kind' | 'fiscal_hp' | 'electric'>;
interface Trip {
  id: string;
  status: string;
  distance_km: string | null;
  round_trip: boolean | null;
  amount_minor: number;
  mileage_scale_year: number | null;
}
export type RepriceCause = 'created' | 'updated' | 'deleted' | 'vehicle_updated' | 'left_the_count';
interface Repriced {
  id: string;
  fromMinor: number;
  toMinor: number;
}

const vehicleView = (v: VehicleRow): VehicleView => ({ id: v.id, name: v.name, kind: v.kind, fiscalHp: v.fiscal_hp, electric: v.electric, archived: v.archived, createdAt: v.created_at.toISOString() });
const yearOf = (date: string) => Number(date.slice(0, 4));
const counted = (t: Pick<Trip, 'distance_km' | 'round_trip'>) => tenthsOf(t.distance_km!) * (t.round_trip ? 2n : 1n);
/** The trips after `id` in the order (all of them if it is not in the list). */
function laterThan(list: Trip[], id: string): Set<string> {
  const i = list.findIndex((t) => t.id === id);
  return new Set(list.slice(i + 1).map((t) => t.id));
}

function hpErrors(kind: VehicleRow['kind'], fiscalHp: number | null): FieldError[] {
  return kind !== 'moped' && fiscalHp === null ? [{ path: 'body.fiscalHp', message: `the fiscal horsepower (CV) of the ${kind} is needed for the barème` }] : [];
}

export class MileageService {
  constructor(private readonly d: { clock: Clock; audit: AuditService }) {}

  // Vehicles: the employee's own, invisible to anyone else (admins included). ---------------------

  async vehicles(tdb: TenantDb, viewer: Viewer, includeArchived = false) {
    let q = tdb.selectFrom('vehicle').selectAll().where('user_id', '=', viewer.userId).orderBy('archived').orderBy('name').orderBy('id');
    if (!includeArchived) q = q.where('archived', '=', false);
    return { items: (await q.execute()).map(vehicleView) };
  }

  async vehicle(tdb: TenantDb, viewer: Viewer, id: string): Promise<VehicleView> {
    return vehicleView(await this.ownVehicle(tdb, viewer, id));
  }

  async createVehicle(tdb: TenantDb, viewer: Viewer, actor: AuditActor, v: CreateVehicle): Promise<VehicleView> {
    const fiscalHp = v.fiscalHp ?? null;
    const errors = hpErrors(v.kind, fiscalHp);
    if (errors.length) throw invalid('The vehicle is not valid', errors);
    return tdb.transaction(async (tx) => {
      const id = randomUUID();
      await tx.insertInto('vehicle', { id, user_id: viewer.userId, name: v.name, kind: v.kind, fiscal_hp: fiscalHp, electric: v.electric ?? false }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'vehicle.created', tenantId: tx.tenantId, target: { type: 'vehicle', id }, data: { kind: v.kind, fiscalHp, electric: v.electric ?? false } });
      return vehicleView(await this.ownVehicle(tx, viewer, id));
    });
  }

  /** Renames, archives or corrects a vehicle; a change of what prices it re-prices its draft and returned trips. */
  async updateVehicle(tdb: TenantDb, viewer: Viewer, actor: AuditActor, id: string, patch: UpdateVehicle): Promise<VehicleView> {
    return tdb.transaction(async (tx) => {
      const before = await this.ownVehicle(tx, viewer, id, 'update');
      const next = {
        name: patch.name ?? before.name, kind: patch.kind ?? before.kind, fiscal_hp: patch.fiscalHp !== undefined ? patch.fiscalHp : before.fiscal_hp,
        electric: patch.electric ?? before.electric, archived: patch.archived ?? before.archived,
      };
      const errors = hpErrors(next.kind, next.fiscal_hp);
      if (errors.length) throw invalid('The vehicle is not valid', errors);
      await tx.updateTable('vehicle').set({ ...next, updated_at: this.d.clock.now() }).where('id', '=', id).execute();
      const repriced: Repriced[] = [];
      if (next.kind !== before.kind || next.fiscal_hp !== before.fiscal_hp || next.electric !== before.electric) {
        const dates = await tx.selectFrom('expense').select('expense_date').distinct().where('vehicle_id', '=', id).where('status', 'in', EDITABLE).execute();
        const years = [...new Set(dates.map((r) => yearOf(r.expense_date)))].sort();
        await this.lockYears(tx, years.map((y) => [id, y]));
        for (const y of years) repriced.push(...(await this.price(tx, { ...before, ...next }, y, 'all', null)).repriced);
      }
      await this.d.audit.record(tx.raw, actor, { type: 'vehicle.updated', tenantId: tx.tenantId, target: { type: 'vehicle', id }, data: { fields: Object.keys(patch).sort() } });
      await this.recordRepriced(tx, actor, repriced, 'vehicle_updated', id);
      return vehicleView(await this.ownVehicle(tx, viewer, id));
    });
  }

  /** Only a vehicle without trips is deleted; one with trips is archived instead. */
  async deleteVehicle(tdb: TenantDb, viewer: Viewer, actor: AuditActor, id: string): Promise<void> {
    await tdb.transaction(async (tx) => {
      await this.ownVehicle(tx, viewer, id, 'update');
      const used = await tx.selectFrom('expense').select((eb) => eb.fn.countAll<number>().as('n')).where('vehicle_id', '=', id).executeTakeFirstOrThrow();
      if (Number(used.n) > 0) throw new AppError('conflict', `The vehicle has ${used.n} trip(s): archive it instead (PATCH /api/v1/vehicles/${id} with {"archived": true})`);
      await tx.deleteFrom('vehicle').where('id', '=', id).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'vehicle.deleted', tenantId: tx.tenantId, target: { type: 'vehicle', id }, data: {} });
    });
  }

  // Trips ------------------------------------------------------------------------------------

  async createTrip(tdb: TenantDb, viewer: Viewer, actor: AuditActor, v: CreateMileage): Promise<ExpenseView> {
    return tdb.transaction(async (tx) => {
      await this.checkTrip(tx, v.date);
      const category = await tx.selectFrom('category').select(['id', 'active']).where('code', '=', 'mileage').executeTakeFirst();
      if (!category?.active) throw invalid('The Client has no active mileage category', [{ message: 'an admin reactivates the category with code "mileage"' }]);
      const vehicle = await this.usableVehicle(tx, viewer, v.vehicleId, null);
      const year = yearOf(v.date);
      await this.lockYears(tx, [[vehicle.id, year]]);
      const id = randomUUID();
      const distance = tenthsOf(v.distanceKm);
      const roundTrip = v.roundTrip ?? false;
      // Priced just below, once the trip has its place in the order: 0 until then.
      await tx.insertInto('expense', {
        id, user_id: viewer.userId, kind: 'mileage', expense_date: v.date, description: v.description ?? '', project: v.project ?? null,
        category_id: category.id, payment_method_id: null, reimbursable: true,
        amount_minor: 0, currency: 'EUR', converted_minor: 0, client_currency: 'EUR', rate: '1', rate_date: v.date,
        vehicle_id: vehicle.id, distance_km: kmText(distance), round_trip: roundTrip, trip_from: v.from, trip_to: v.to, trip_purpose: v.purpose,
        mileage_scale_year: scaleYearFor(year)!,
      }).execute();
      const { self, repriced } = await this.price(tx, vehicle, year, new Set(), id);
      await this.d.audit.record(tx.raw, actor, {
        type: 'mileage.created', tenantId: tx.tenantId, target: { type: 'expense', id },
        data: { amountMinor: self!, currency: 'EUR', countedKm: kmText(roundTrip ? 2n * distance : distance), scaleYear: scaleYearFor(year)! },
      });
      await this.recordRepriced(tx, actor, repriced, 'created', id);
      return expenseView((await expensesRepository.byId(tx, id))!);
    });
  }

  async updateTrip(tdb: TenantDb, viewer: Viewer, actor: AuditActor, id: string, patch: UpdateMileage): Promise<ExpenseView> {
    return tdb.transaction(async (tx) => {
      const before = await ownEditableOfKind(tx, viewer, id, 'mileage');
      if (patch.version !== before.version) throw stale(before.version, patch.version);
      const next = {
        date: patch.date ?? before.expense_date, vehicleId: patch.vehicleId ?? before.vehicle_id!,
        distance: patch.distanceKm !== undefined ? tenthsOf(patch.distanceKm) : tenthsOf(before.distance_km!), roundTrip: patch.roundTrip ?? before.round_trip!,
        from: patch.from ?? before.trip_from!, to: patch.to ?? before.trip_to!, purpose: patch.purpose ?? before.trip_purpose!,
        description: patch.description ?? before.description, project: patch.project !== undefined ? patch.project : before.project,
      };
      await this.checkTrip(tx, next.date);
      const [oldY, newY] = [yearOf(before.expense_date), yearOf(next.date)];
      // Vehicle rows first (sorted), then the vehicle-year locks: the order every path follows.
      const vehicles = new Map<string, VehicleRow>();
      for (const vid of [...new Set([before.vehicle_id!, next.vehicleId])].sort()) {
        vehicles.set(vid, vid === next.vehicleId ? await this.usableVehicle(tx, viewer, vid, before.vehicle_id) : await this.lockedVehicle(tx, vid));
      }
      await this.lockYears(tx, [[before.vehicle_id!, oldY], [next.vehicleId, newY]]);
      // Read again under the locks: a concurrent edit of this very trip shows as a new version.
      const now = await tx.selectFrom('expense').select(['version', 'status']).where('id', '=', id).executeTakeFirst();
      if (!now || now.version !== patch.version) throw stale(now?.version ?? before.version, patch.version);
      if (!isEditable(now.status)) throw new AppError('conflict', `The expense is ${now.status}: it can be edited only while ${EDITABLE.join(' or ')}`);

      const moved = before.vehicle_id !== next.vehicleId || oldY !== newY;
      const laterBefore = laterThan(await this.trips(tx, before.vehicle_id!, oldY), id);
      await tx.updateTable('expense').set({
        expense_date: next.date, rate_date: next.date, vehicle_id: next.vehicleId, distance_km: kmText(next.distance), round_trip: next.roundTrip,
        trip_from: next.from, trip_to: next.to, trip_purpose: next.purpose, description: next.description, project: next.project,
        version: before.version + 1, updated_at: this.d.clock.now(),
      }).where('id', '=', id).execute();
      const repriced: Repriced[] = [];
      // Later than the trip's old place or than its new one: both may have changed.
      if (moved) repriced.push(...(await this.price(tx, vehicles.get(before.vehicle_id!)!, oldY, laterBefore, null)).repriced);
      const priced = await this.price(tx, vehicles.get(next.vehicleId)!, newY, moved ? new Set() : laterBefore, id);
      repriced.push(...priced.repriced);
      const fields = Object.keys(patch).filter((k) => k !== 'version').sort();
      await this.d.audit.record(tx.raw, actor, { type: 'mileage.updated', tenantId: tx.tenantId, target: { type: 'expense', id }, data: { fields, amountMinor: priced.self! } });
      await this.recordRepriced(tx, actor, repriced, 'updated', id);
      return expenseView((await expensesRepository.byId(tx, id))!);
    });
  }

  /**
   * The hook of DELETE /expenses/:id (see ExpensesService): deleting a draft trip re-prices the
   * later draft and returned trips of its vehicle and year, in the deletion's transaction.
   */
  readonly aroundDelete = async (tx: TenantDb, actor: AuditActor, row: ExpenseRow, remove: () => Promise<void>): Promise<void> => {
    if (row.kind !== 'mileage') return remove();
    const year = yearOf(row.expense_date);
    const vehicle = await this.lockedVehicle(tx, row.vehicle_id!);
    await this.lockYears(tx, [[vehicle.id, year]]);
    const now = await tx.selectFrom('expense').select(['status', 'vehicle_id', 'expense_date']).where('id', '=', row.id).executeTakeFirst();
    if (!now || now.status !== 'draft' || now.vehicle_id !== row.vehicle_id || now.expense_date !== row.expense_date) throw new AppError('conflict', 'The trip changed while being deleted: reload it');
    const later = laterThan(await this.trips(tx, vehicle.id, year), row.id);
    await remove();
    const { repriced } = await this.price(tx, vehicle, year, later, null);
    await this.recordRepriced(tx, actor, repriced, 'deleted', row.id);
  };

  /**
   * For the workflow: after a trip leaves the count (rejected), re-prices the draft and returned
   * trips of its vehicle and year. Earlier ones come out unchanged, so all of them are recomputed.
   */
  async repriceVehicleYear(tx: TenantDb, actor: AuditActor, vehicleId: string, year: number, causeId: string): Promise<void> {
    await tx.transaction(async (t) => {
      const vehicle = await this.lockedVehicle(t, vehicleId);
      await this.lockYears(t, [[vehicleId, year]]);
      const { repriced } = await this.price(t, vehicle, year, 'all', null);
      await this.recordRepriced(t, actor, repriced, 'left_the_count', causeId);
    });
  }

  // Internals ---------------------------------------------------------------------------------

  /** The vehicle-year's trips in pricing order; rejected trips do not count. */
  private trips(tx: TenantDb, vehicleId: string, year: number): Promise<Trip[]> {
    return tx
      .selectFrom('expense')
      .select(['id', 'status', 'distance_km', 'round_trip', 'amount_minor', 'mileage_scale_year'])
      .where('vehicle_id', '=', vehicleId)
      .where('kind', '=', 'mileage')
      .where('status', '!=', 'rejected')
      .where('expense_date', '>=', `${year}-01-01`)
      .where('expense_date', '<=', `${year}-12-31`)
      .orderBy('expense_date')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /**
   * Walks the vehicle-year in order, accumulating kilometres, and prices `self` (the trip being
   * created or edited: part of its own change, no extra version), then re-prices the trips later
   * than `self` and the `targets` that are still draft or returned (version + 1, reported for the
   * audit when the amount moved).
   */
  private async price(tx: TenantDb, vehicle: Pricer, year: number, targets: Set<string> | 'all', selfId: string | null): Promise<{ self?: number; repriced: Repriced[] }> {
    const pricing = pricingFor(year, vehicle);
    if (!pricing) return { repriced: [] }; // no trip is accepted before the first barème
    const list = await this.trips(tx, vehicle.id, year);
    const aim = targets === 'all' ? new Set(list.map((t) => t.id)) : new Set([...targets, ...(selfId ? laterThan(list, selfId) : [])]);
    const repriced: Repriced[] = [];
    let self: number | undefined;
    let before = 0n;
    for (const t of list) {
      const km = counted(t);
      if (t.id === selfId) {
        self = tripMinor(pricing, before, km);
        await tx.updateTable('expense').set({ amount_minor: self, converted_minor: self, mileage_scale_year: pricing.scaleYear }).where('id', '=', t.id).execute();
      } else if (aim.has(t.id) && isEditable(t.status)) {
        // Later trips already submitted, approved or further are left as priced (see the header).
        const amount = tripMinor(pricing, before, km);
        if (amount !== t.amount_minor || t.mileage_scale_year !== pricing.scaleYear) {
          const r = await tx
            .updateTable('expense')
            .set({ amount_minor: amount, converted_minor: amount, mileage_scale_year: pricing.scaleYear, version: sql<number>`version + 1`, updated_at: this.d.clock.now() })
            .where('id', '=', t.id)
            .where('status', 'in', EDITABLE)
            .executeTakeFirst();
          if (Number(r.numUpdatedRows) > 0 && amount !== t.amount_minor) repriced.push({ id: t.id, fromMinor: t.amount_minor, toMinor: amount });
        }
      }
      before += km;
    }
    return { self, repriced };
  }

  private async recordRepriced(tx: TenantDb, actor: AuditActor, repriced: Repriced[], cause: RepriceCause, causeId: string) {
    for (const r of repriced) {
      await this.d.audit.record(tx.raw, actor, { type: 'mileage.repriced', tenantId: tx.tenantId, target: { type: 'expense', id: r.id }, data: { fromMinor: r.fromMinor, toMinor: r.toMinor, cause, causeId } });
    }
  }

  /** One transaction-scoped lock per vehicle-year, taken in a fixed order. */
  private async lockYears(tx: TenantDb, keys: [string, number][]) {
    for (const name of [...new Set(keys.map(([v, y]) => `mileage:${v}:${y}`))].sort()) await advisoryXactLock(tx.raw as Transaction<DB>, name);
  }

  /** Mileage follows the French barème: France-based Clients in EUR, dates it covers. */
  private async checkTrip(tx: TenantDb, date: string) {
    const t = await tenantOf(tx);
    if (t.country !== 'FR' || t.currency !== 'EUR') {
      throw invalid('Mileage allowances follow the French barème kilométrique: they are only for Clients based in France that account in EUR', [
        { message: `this Client is based in ${t.country} and accounts in ${t.currency}` },
      ]);
    }
    const errors = dateErrors(date, this.d.clock);
    if (!errors.length && scaleYearFor(yearOf(date)) === undefined) errors.push({ path: 'body.date', message: `no barème kilométrique before ${FIRST_SCALE_YEAR}` });
    if (errors.length) throw invalid('The trip is not valid', errors);
  }

  private async ownVehicle(tx: TenantDb, viewer: Viewer, id: string, lock?: 'update'): Promise<VehicleRow> {
    let q = tx.selectFrom('vehicle').selectAll().where('id', '=', id).where('user_id', '=', viewer.userId);
    if (lock) q = q.forUpdate();
    const v = await q.executeTakeFirst();
    if (!v) throw new AppError('not-found', 'No such vehicle');
    return v;
  }

  /** A vehicle the viewer may drive a new trip with (an archived one only if the trip has it already). */
  private async usableVehicle(tx: TenantDb, viewer: Viewer, id: string, keptId: string | null): Promise<VehicleRow> {
    const v = await tx.selectFrom('vehicle').selectAll().where('id', '=', id).where('user_id', '=', viewer.userId).forShare().executeTakeFirst();
    if (!v) throw new AppError('not-found', 'No such vehicle');
    if (v.archived && v.id !== keptId) throw invalid('The trip is not valid', [{ path: 'body.vehicleId', message: 'this vehicle is archived' }]);
    return v;
  }

  private lockedVehicle(tx: TenantDb, id: string): Promise<VehicleRow> {
    return tx.selectFrom('vehicle').selectAll().where('id', '=', id).forShare().executeTakeFirstOrThrow();
  }
}
