import { z } from 'zod';
import { VEHICLE_KINDS } from '../../../storage/db/schema.ts';

const isoDate = z.iso.date();
const text = (max: number) => z.string().trim().min(1).max(max);
const description = z.string().trim().max(2000);
const project = z.string().trim().max(100).nullable();
const includeArchived = z.enum(['true', 'false']).transform((v) => v === 'true').optional();
const nonEmpty = (v: object) => Object.keys(v).length > 0;
const version = z.number().int().min(1);

// Vehicles -----------------------------------------------------------------------------------

export const VehicleView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(VEHICLE_KINDS),
  /** Fiscal horsepower (CV); null for a moped. */
  fiscalHp: z.number().nullable(),
  electric: z.boolean(),
  archived: z.boolean(),
  createdAt: z.string(),
});
export type VehicleView = z.infer<typeof VehicleView>;

const fiscalHp = z.number().int('a whole number of CV').min(1).max(99);
export const CreateVehicle = z.strictObject({ name: text(100), kind: z.enum(VEHICLE_KINDS), fiscalHp: fiscalHp.optional(), electric: z.boolean().optional() });
export type CreateVehicle = z.infer<typeof CreateVehicle>;
export const UpdateVehicle = z
  .strictObject({ name: text(100).optional(), kind: z.enum(VEHICLE_KINDS).optional(), fiscalHp: fiscalHp.nullable().optional(), electric: z.boolean().optional(), archived: z.boolean().optional() })
  .refine(nonEmpty, 'nothing to change');
export type UpdateVehicle = z.infer<typeof UpdateVehicle>;
export const ListVehiclesQuery = z.strictObject({ includeArchived });

// Mileage trips --------------------------------------------------------------------------------

/**
 * A distance in km with at most one decimal place, checked on the number's own decimal writing
 * (12.5 yes, 12.25 no), so that it is stored exactly in tenths.
 */
const distanceKm = z
  .number()
  .positive('a positive distance in km')
  .max(100_000)
  .refine((v) => /^\d+(\.\d)?$/.test(String(v)), 'at most one decimal place (tenths of a km)');

const tripFields = {
  date: isoDate,
  vehicleId: z.uuid(),
  /** One way; a round trip counts it twice. */
  distanceKm,
  from: text(200),
  to: text(200),
  purpose: text(500),
  roundTrip: z.boolean(),
  description,
  project,
};
export const CreateMileage = z.strictObject({
  ...tripFields,
  roundTrip: tripFields.roundTrip.optional(),
  description: description.optional(),
  project: project.optional(),
});
export type CreateMileage = z.infer<typeof CreateMileage>;
export const UpdateMileage = z
  .strictObject({
    ...(Object.fromEntries(Object.entries(tripFields).map(([k, s]) => [k, s.optional()])) as { [K in keyof typeof tripFields]: z.ZodOptional<(typeof tripFields)[K]> }),
    /** The version read; a stale one gets 409. */
    version,
  })
  .refine((v) => Object.keys(v).length > 1, 'nothing to change');
export type UpdateMileage = z.infer<typeof UpdateMileage>;

// Per-diem -------------------------------------------------------------------------------------

export const PerDiemRateView = z.object({
  id: z.string(),
  name: z.string(),
  amountMinor: z.number(),
  currency: z.string(),
  categoryId: z.string(),
  validFrom: z.string(),
  archived: z.boolean(),
});
export type PerDiemRateView = z.infer<typeof PerDiemRateView>;
export const CreatePerDiemRate = z.strictObject({
  name: text(100),
  /** Per unit, in minor units of the Client's currency. */
  amountMinor: z.number().int('an integer number of minor units (cents)').min(1).max(100_000_000),
  validFrom: isoDate,
  /** The category the allowance is booked under (e.g. Restaurant for meals). */
  categoryId: z.uuid(),
});
export type CreatePerDiemRate = z.infer<typeof CreatePerDiemRate>;
export const UpdatePerDiemRate = z.strictObject({ name: text(100).optional(), archived: z.boolean().optional() }).refine(nonEmpty, 'nothing to change');
export type UpdatePerDiemRate = z.infer<typeof UpdatePerDiemRate>;
export const ListPerDiemRatesQuery = z.strictObject({ includeArchived });

const perDiemFields = {
  date: isoDate,
  rateId: z.uuid(),
  /** Days or meals. */
  units: z.number().int('a whole number of units').min(1).max(1000),
  description,
  project,
};
export const CreatePerDiem = z.strictObject({ ...perDiemFields, description: description.optional(), project: project.optional() });
export type CreatePerDiem = z.infer<typeof CreatePerDiem>;
export const UpdatePerDiem = z
  .strictObject({
    ...(Object.fromEntries(Object.entries(perDiemFields).map(([k, s]) => [k, s.optional()])) as { [K in keyof typeof perDiemFields]: z.ZodOptional<(typeof perDiemFields)[K]> }),
    version,
  })
  .refine((v) => Object.keys(v).length > 1, 'nothing to change');
export type UpdatePerDiem = z.infer<typeof UpdatePerDiem>;
