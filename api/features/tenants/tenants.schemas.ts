import { z } from 'zod';

export const TenantView = z.object({ id: z.string(), name: z.string(), plan: z.string(), status: z.string(), country: z.string(), currency: z.string(), createdAt: z.string() });
export const CreateTenant = z.strictObject({
  name: z.string().trim().min(1).max(200),
  plan: z.enum(['solo', 'team', 'enterprise']),
  country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code, e.g. FR'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. EUR'),
  adminEmail: z.string().trim().toLowerCase().pipe(z.email()),
  adminName: z.string().trim().min(1).max(200),
  adminLocale: z.enum(['fr', 'en']).optional(),
});

export const Terminate = z.strictObject({
  reason: z.string().trim().min(1).max(1000),
  vaultInstruction: z.enum(['return_then_destroy', 'destroy']),
  instructionRef: z.string().trim().min(1).max(500),
});
