// Expense kinds without a receipt (R-CAP-4): vehicles and mileage trips, per-diem rates and
// allowances. Reading them is GET /expenses and GET /expenses/:id, like every expense.
import { z } from 'zod';
import { route } from '../../http/routes.ts';
import { ExpenseView } from '../expenses/expenses.schemas.ts';
import { IdParams } from '../users/users.schemas.ts';
import {
  CreateMileage, CreatePerDiem, CreatePerDiemRate, CreateVehicle, ListPerDiemRatesQuery, ListVehiclesQuery, PerDiemRateView,
  UpdateMileage, UpdatePerDiem, UpdatePerDiemRate, UpdateVehicle, VehicleView,
} from './mileage.schemas.ts';

const employee = { kind: 'client', roles: ['employee'] } as const;
const anyone = { kind: 'client' } as const;
const admin = { kind: 'client', roles: ['admin'] } as const;

export const mileageRoutes = [
  route({
    method: 'get', path: '/vehicles', tag: 'expenses', summary: 'My vehicles (archived ones with includeArchived=true)', access: employee, scope: 'expenses:read', query: ListVehiclesQuery,
    response: z.object({ items: z.array(VehicleView) }),
    handler: async ({ query }, ctx, c) => c.mileage.vehicles(ctx.tenant, ctx.principal, query.includeArchived),
  }),
  route({
    method: 'post', path: '/vehicles', tag: 'expenses', summary: 'Add one of my vehicles (kind, fiscal horsepower, electric)', access: employee, scope: 'expenses:write', body: CreateVehicle, status: 201, response: VehicleView,
    handler: async ({ body }, ctx, c) => c.mileage.createVehicle(ctx.tenant, ctx.principal, ctx.actor, body),
  }),
  route({
    method: 'get', path: '/vehicles/:id', tag: 'expenses', summary: 'One of my vehicles', access: employee, scope: 'expenses:read', params: IdParams, response: VehicleView,
    handler: async ({ params }, ctx, c) => c.mileage.vehicle(ctx.tenant, ctx.principal, params.id),
  }),
  route({
    method: 'patch', path: '/vehicles/:id', tag: 'expenses', summary: 'Rename, correct or archive my vehicle (a correction re-prices its draft trips)', access: employee, scope: 'expenses:write', params: IdParams, body: UpdateVehicle, response: VehicleView,
    handler: async ({ params, body }, ctx, c) => c.mileage.updateVehicle(ctx.tenant, ctx.principal, ctx.actor, params.id, body),
  }),
  route({
    method: 'delete', path: '/vehicles/:id', tag: 'expenses', summary: 'Delete my vehicle that has no trip', access: employee, scope: 'expenses:write', params: IdParams,
    handler: async ({ params }, ctx, c) => c.mileage.deleteVehicle(ctx.tenant, ctx.principal, ctx.actor, params.id),
  }),
  route({
    method: 'post', path: '/expenses/mileage', tag: 'expenses', summary: 'Record a trip as a draft mileage expense, priced with the barème kilométrique', access: employee, scope: 'expenses:write', body: CreateMileage, status: 201, response: ExpenseView,
    handler: async ({ body }, ctx, c) => c.mileage.createTrip(ctx.tenant, ctx.principal, ctx.actor, body),
  }),
  route({
    method: 'patch', path: '/expenses/mileage/:id', tag: 'expenses', summary: 'Edit my trip while draft or returned (send the version read); later draft trips are re-priced', access: employee, scope: 'expenses:write', params: IdParams, body: UpdateMileage, response: ExpenseView,
    handler: async ({ params, body }, ctx, c) => c.mileage.updateTrip(ctx.tenant, ctx.principal, ctx.actor, params.id, body),
  }),
  route({
    method: 'get', path: '/per-diem-rates', tag: 'expenses', summary: 'Per-diem rates (archived ones with includeArchived=true)', access: anyone, scope: 'expenses:read', query: ListPerDiemRatesQuery,
    response: z.object({ items: z.array(PerDiemRateView) }),
    handler: async ({ query }, ctx, c) => c.perDiem.rates(ctx.tenant, query.includeArchived),
  }),
  route({
    method: 'post', path: '/per-diem-rates', tag: 'expenses', summary: 'Add a per-diem rate (per unit, valid from a date)', access: admin, body: CreatePerDiemRate, status: 201, response: PerDiemRateView,
    handler: async ({ body }, ctx, c) => c.perDiem.createRate(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'patch', path: '/per-diem-rates/:id', tag: 'expenses', summary: 'Rename or archive a per-diem rate', access: admin, params: IdParams, body: UpdatePerDiemRate, response: PerDiemRateView,
    handler: async ({ params, body }, ctx, c) => c.perDiem.updateRate(ctx.tenant, ctx.actor, params.id, body),
  }),
  route({
    method: 'post', path: '/expenses/per-diem', tag: 'expenses', summary: 'Record a per-diem as a draft expense: units × rate', access: employee, scope: 'expenses:write', body: CreatePerDiem, status: 201, response: ExpenseView,
    handler: async ({ body }, ctx, c) => c.perDiem.create(ctx.tenant, ctx.principal, ctx.actor, body),
  }),
  route({
    method: 'patch', path: '/expenses/per-diem/:id', tag: 'expenses', summary: 'Edit my per-diem while draft or returned (send the version read)', access: employee, scope: 'expenses:write', params: IdParams, body: UpdatePerDiem, response: ExpenseView,
    handler: async ({ params, body }, ctx, c) => c.perDiem.update(ctx.tenant, ctx.principal, ctx.actor, params.id, body),
  }),
];
