// The French barème kilométrique (R-CAP-4) as versioned configuration: one table per income year,
// by vehicle kind and fiscal horsepower, each a list of bands by the distance driven in the year.
// A band pays d × rate + constant for the whole annual distance d (not per slice), so the
// allowance of one trip is f(km of the year including it) − f(km of the year before it).
//
// Integer arithmetic only: distances in tenths of a km, rates in thousandths of a euro, constants
// in whole euros, so f(d) is exact in ten-thousandths of a euro (0.1 km × 0.001 € = 0.0001 €).
// It is rounded once, to cents, half away from zero. Electric vehicles get +20 % of the amount,
// applied before that single rounding.
import type { VehicleKind } from '../../../storage/db/schema.ts';
import { divRound } from '../../lib/money.ts';

export interface Band {
  /** Upper bound of the band in km, inclusive; null = no bound. */
  upToKm: number | null;
  /** € per km in thousandths of a euro (0.529 €/km → 529). */
  rateMilli: number;
  /** Whole euros added for the year (1 065 €). */
  constantEur: number;
}
export interface PowerClass {
  /** Highest fiscal horsepower (CV) of the class, inclusive; null = any above the previous class. */
  maxHp: number | null;
  label: string;
  bands: readonly Band[];
}
export type Scale = Readonly<Record<VehicleKind, readonly PowerClass[]>>;

const b = (upToKm: number | null, rateMilli: number, constantEur = 0): Band => ({ upToKm, rateMilli, constantEur });
/** Cars: ≤ 5 000 km, 5 001 – 20 000 km, > 20 000 km. */
const car = (a: number, [rb, c]: [number, number], e: number) => [b(5_000, a), b(20_000, rb, c), b(null, e)];
/** Motorcycles and mopeds: ≤ 3 000 km, 3 001 – 6 000 km, > 6 000 km. */
const twoWheels = (a: number, [rb, c]: [number, number], e: number) => [b(3_000, a), b(6_000, rb, c), b(null, e)];

/**
 * The scale published for 2023 incomes (BOI-BAREME-000001), revalued by 5.4 % from 2022 and kept
 * unchanged for 2024 and 2025 incomes.
 */
const SCALE_2023: Scale = {
  car: [
    { maxHp: 3, label: '3 CV et moins', bands: car(529, [316, 1065], 370) },
    { maxHp: 4, label: '4 CV', bands: car(606, [340, 1330], 407) },
    { maxHp: 5, label: '5 CV', bands: car(636, [357, 1395], 427) },
    { maxHp: 6, label: '6 CV', bands: car(665, [374, 1457], 447) },
    { maxHp: null, label: '7 CV et plus', bands: car(697, [394, 1515], 470) },
  ],
  motorcycle: [
    { maxHp: 2, label: '1 ou 2 CV', bands: twoWheels(395, [99, 891], 248) },
    { maxHp: 5, label: '3, 4 ou 5 CV', bands: twoWheels(468, [82, 1158], 275) },
    { maxHp: null, label: 'plus de 5 CV', bands: twoWheels(606, [79, 1583], 343) },
  ],
  moped: [{ maxHp: null, label: 'cylindrée ≤ 50 cm³', bands: twoWheels(315, [79, 711], 198) }],
};

/** Tables by income year. Add next year's when it is published; until then the latest one applies. */
export const SCALES: Readonly<Record<number, Scale>> = {
  2023: SCALE_2023,
  2024: SCALE_2023,
  2025: SCALE_2023,
};
/** Electric vehicles: the amount is increased by 20 % (12/10). */
const ELECTRIC = { num: 12n, den: 10n };

export const FIRST_SCALE_YEAR = Math.min(...Object.keys(SCALES).map(Number));

/** The year of the table used for trips of `year`: its own, or the latest earlier one. */
export function scaleYearFor(year: number, scales: Readonly<Record<number, Scale>> = SCALES): number | undefined {
  const years = Object.keys(scales).map(Number).filter((y) => y <= year);
  return years.length ? Math.max(...years) : undefined;
}

export function powerClass(scale: Scale, kind: VehicleKind, fiscalHp: number | null): PowerClass {
  const classes = scale[kind];
  return classes.find((c) => c.maxHp === null || (fiscalHp ?? 0) <= c.maxHp) ?? classes[classes.length - 1]!;
}

/** f(d) exactly, in ten-thousandths of a euro, for an annual distance in tenths of a km. */
export function annualExact(pc: PowerClass, tenths: bigint): bigint {
  if (tenths <= 0n) return 0n;
  const band = pc.bands.find((x) => x.upToKm === null || tenths <= BigInt(x.upToKm) * 10n) ?? pc.bands[pc.bands.length - 1]!;
  return tenths * BigInt(band.rateMilli) + BigInt(band.constantEur) * 10_000n;
}

/** f(d) in cents, rounded half away from zero (after the electric +20 % if any). */
export function annualMinor(pc: PowerClass, tenths: bigint, electric: boolean): bigint {
  const exact = annualExact(pc, tenths);
  // ten-thousandths of a euro → cents: / 100
  return electric ? divRound(exact * ELECTRIC.num, 100n * ELECTRIC.den) : divRound(exact, 100n);
}

export interface Pricing {
  scaleYear: number;
  pc: PowerClass;
  electric: boolean;
}

/** The pricing of a vehicle's trips in a calendar year, or undefined before the first table. */
export function pricingFor(year: number, vehicle: { kind: VehicleKind; fiscal_hp: number | null; electric: boolean }): Pricing | undefined {
  const scaleYear = scaleYearFor(year);
  if (scaleYear === undefined) return undefined;
  return { scaleYear, pc: powerClass(SCALES[scaleYear]!, vehicle.kind, vehicle.fiscal_hp), electric: vehicle.electric };
}

/**
 * The allowance of one trip in cents: f(before + trip) − f(before), with both terms rounded to
 * cents, so that the trips of a year always add up to f(total) rounded, and a trip crossing a band
 * is priced exactly.
 */
export function tripMinor(p: Pricing, beforeTenths: bigint, tripTenths: bigint): number {
  return Number(annualMinor(p.pc, beforeTenths + tripTenths, p.electric) - annualMinor(p.pc, beforeTenths, p.electric));
}

/** "12.5" / "12" / "12.0" (km) → 125n tenths; refuses more than one decimal place. */
export function tenthsOf(km: string | number): bigint {
  const m = /^(\d+)(?:\.(\d))?0*$/.exec(String(km));
  if (!m) throw new RangeError(`not a distance in tenths of a km: ${km}`);
  return BigInt(m[1]!) * 10n + BigInt(m[2] ?? '0');
}
/** 125n → "12.5" */
export function kmText(tenths: bigint): string {
  return `${tenths / 10n}.${tenths % 10n}`;
}
