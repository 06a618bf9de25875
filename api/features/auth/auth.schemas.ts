import { z } from 'zod';

const email = z.string().trim().toLowerCase().pipe(z.email({ message: 'must be an email address' })).pipe(z.string().max(254));
export const Login = z.strictObject({ email, password: z.string().min(1).max(200) });
export const Forgot = z.strictObject({ email });
export const SetPassword = z.strictObject({ token: z.string().min(10).max(200), password: z.string().max(200) });
export const TokenParams = z.strictObject({ token: z.string().min(10).max(200) });
export const UpdateMe = z.strictObject({ locale: z.enum(['fr', 'en']).optional(), name: z.string().trim().min(1).max(200).optional() }).refine((v) => Object.keys(v).length > 0, 'nothing to change');

const LegalVersionView = z.object({
  id: z.string(), document: z.enum(['terms', 'privacy']), version: z.string(), appliesFrom: z.string(), publishedAt: z.string(), affectsProcessing: z.boolean(), summary: z.string(), sha256: z.string(),
});

export const SessionView = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), roles: z.array(z.string()), tenantId: z.string().nullable(), locale: z.enum(['fr', 'en']) }),
  tenant: z.object({
    id: z.string(), name: z.string(), plan: z.string(), country: z.string(), currency: z.string(), status: z.enum(['active', 'suspended', 'terminated', 'destroyed']),
    /** While terminated: read-only until purgeAfter, then destroyed (R-REV-2). */
    termination: z.object({ terminatedAt: z.string(), purgeAfter: z.string(), vaultInstruction: z.enum(['return_then_destroy', 'destroy']), finalExportId: z.string().nullable() }).nullable(),
    /** An invoice unpaid past its written notice: access is suspended from suspendAt until it is paid (R-BIL-5). */
    billingNotice: z.object({ suspended: z.boolean(), suspendAt: z.string(), amountDueMinor: z.number().int() }).nullable(),
  }).nullable(),
  /** Terms of use and privacy notice (R-GDPR-8): versions in force to accept before anything else, and versions announced. */
  legal: z.object({
    pending: z.array(LegalVersionView),
    upcoming: z.array(LegalVersionView),
  }),
  csrfToken: z.string(),
});

export const Providers = z.object({ oidc: z.object({ enabled: z.boolean(), label: z.string() }) });
