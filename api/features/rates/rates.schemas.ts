import { z } from 'zod';

const currency = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. USD');
const isoDate = z.iso.date();

export const RateView = z.object({ currency: z.string(), date: z.string(), rate: z.string(), source: z.enum(['manual', 'ecb']) });
export type RateView = z.infer<typeof RateView>;
export const SetRate = z.strictObject({
  currency,
  date: isoDate,
  /** Units of `currency` for one unit of the Client's currency (1 EUR = 1.0545 USD → "1.0545"). */
  rate: z.string().regex(/^\d{1,10}(\.\d{1,10})?$/, 'a positive decimal with a dot, e.g. 1.0545').refine((v) => /[1-9]/.test(v), 'must be above zero'),
});
export const ListRatesQuery = z.strictObject({ currency: currency.optional(), from: isoDate.optional(), to: isoDate.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });
export const ImportRatesQuery = z.strictObject({ since: isoDate.optional() });
export const ImportRatesResult = z.object({ imported: z.number(), days: z.number(), currencies: z.array(z.string()) });
