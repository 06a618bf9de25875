// Plans and prices (R-BIL-1) as versioned configuration: each price list applies from the first day
// of a month on; a month is billed with the list in force on its first day. Amounts in euro cents,
// excluding VAT. The lists below are the default; PRICE_LIST_FILE replaces them with a JSON file of
// the same shape (checked at start). Enterprise contracts may set a Client's own user limit.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Plan } from '../../../storage/db/schema.ts';

const cents = z.number().int().min(0);
const PlanPrice = z.strictObject({
  /** Users (active or invited) the licence covers; null: no limit but the contract's. */
  userLimit: z.number().int().min(1).nullable(),
  /** Per active user per month. */
  unitMinor: cents,
});
const PriceListEntry = z.strictObject({
  version: z.string().min(1).max(40),
  from: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-01$/, 'the first day of a month, YYYY-MM-01'),
  currency: z.literal('EUR'),
  plans: z.strictObject({ solo: PlanPrice, team: PlanPrice, enterprise: PlanPrice }),
  vault: z.discriminatedUnion('mode', [z.strictObject({ mode: z.literal('per_user'), unitMinor: cents }), z.strictObject({ mode: z.literal('flat'), monthlyMinor: cents })]),
});
export const PriceListsSchema = z.array(PriceListEntry).min(1);
export type PriceList = z.infer<typeof PriceListEntry>;

export const DEFAULT_PRICE_LISTS: PriceList[] = [
  {
    version: '2026-01', from: '2026-01-01', currency: 'EUR',
    plans: { solo: { userLimit: 1, unitMinor: 900 }, team: { userLimit: 250, unitMinor: 600 }, enterprise: { userLimit: null, unitMinor: 450 } },
    vault: { mode: 'per_user', unitMinor: 150 },
  },
];

export class PriceBook {
  private readonly lists: PriceList[];
  constructor(lists: PriceList[]) {
    this.lists = [...lists].sort((a, b) => (a.from < b.from ? -1 : 1));
  }

  /** The list in force for a month ('YYYY-MM'); before the first one, the first one. */
  forMonth(month: string): PriceList {
    const day = `${month}-01`;
    return [...this.lists].reverse().find((l) => l.from <= day) ?? this.lists[0]!;
  }

  /** A Client's user limit: its contract's own, else its plan's in the month's list. */
  userLimit(plan: Plan, month: string, contractLimit: number | null): number | null {
    return contractLimit ?? this.forMonth(month).plans[plan].userLimit;
  }
}

export function loadPriceBook(file?: string): PriceBook {
  if (!file) return new PriceBook(DEFAULT_PRICE_LISTS);
  const parsed = PriceListsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`PRICE_LIST_FILE ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return new PriceBook(parsed.data);
}
