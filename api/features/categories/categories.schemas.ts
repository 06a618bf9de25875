import { z } from 'zod';

const name = z.string().trim().min(1).max(100);

export const CategoryView = z.object({ id: z.string(), code: z.string().nullable(), name: z.string(), active: z.boolean() });
export type CategoryView = z.infer<typeof CategoryView>;
export const CreateCategory = z.strictObject({ name });
export const UpdateCategory = z.strictObject({ name: name.optional(), active: z.boolean().optional() }).refine((v) => Object.keys(v).length > 0, 'nothing to change');

export const PaymentMethodView = z.object({ id: z.string(), code: z.string().nullable(), name: z.string(), reimbursable: z.boolean(), active: z.boolean() });
export type PaymentMethodView = z.infer<typeof PaymentMethodView>;
export const CreatePaymentMethod = z.strictObject({ name, reimbursable: z.boolean() });
export const UpdatePaymentMethod = z.strictObject({ name: name.optional(), active: z.boolean().optional() }).refine((v) => Object.keys(v).length > 0, 'nothing to change');

export const ListReferenceQuery = z.strictObject({ includeArchived: z.enum(['true', 'false']).transform((v) => v === 'true').optional() });

/** The French default set every new Client starts with (R-CAP, issue "capture" item 2). */
export const DEFAULT_CATEGORIES: { code: string; fr: string; en: string }[] = [
  { code: 'restaurant', fr: 'Restaurant', en: 'Restaurant' },
  { code: 'hotel', fr: 'Hôtel', en: 'Hotel' },
  { code: 'train', fr: 'Train', en: 'Train' },
  { code: 'air', fr: 'Avion', en: 'Air travel' },
  { code: 'taxi', fr: 'Taxi / VTC', en: 'Taxi / ride-hailing' },
  { code: 'fuel', fr: 'Carburant', en: 'Fuel' },
  { code: 'tolls', fr: 'Péages', en: 'Tolls' },
  { code: 'parking', fr: 'Stationnement', en: 'Parking' },
  { code: 'mileage', fr: 'Indemnités kilométriques', en: 'Mileage' },
  { code: 'supplies', fr: 'Fournitures', en: 'Supplies' },
  { code: 'phone_internet', fr: 'Téléphone / Internet', en: 'Phone / Internet' },
  { code: 'other', fr: 'Autres', en: 'Other' },
];
export const DEFAULT_PAYMENT_METHODS: { code: string; fr: string; en: string; reimbursable: boolean }[] = [
  { code: 'personal', fr: 'Avance personnelle', en: 'Paid personally', reimbursable: true },
  { code: 'company_card', fr: 'Carte entreprise', en: 'Company card', reimbursable: false },
];
