import { z } from 'zod';
import { route } from '../../http/routes.ts';

const TenantView = z.object({ id: z.string(), name: z.string(), plan: z.string(), status: z.string(), country: z.string(), currency: z.string(), createdAt: z.string() });
const Create = z.strictObject({
  name: z.string().trim().min(1).max(200),
  plan: z.enum(['solo', 'team', 'enterprise']),
  country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code, e.g. FR'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. EUR'),
  adminEmail: z.string().trim().toLowerCase().pipe(z.email()),
  adminName: z.string().trim().min(1).max(200),
  adminLocale: z.enum(['fr', 'en']).optional(),
});
const operator = { kind: 'vendor', roles: ['operator'] } as const;

export const tenantsRoutes = [
  route({
    method: 'get', path: '/vendor/tenants', tag: 'vendor', summary: 'All Clients', access: operator, response: z.object({ items: z.array(TenantView) }),
    handler: async (_i, _ctx, c) => c.tenants.list(),
  }),
  route({
    method: 'post', path: '/vendor/tenants', tag: 'vendor', summary: 'Create a Client and invite its first admin', access: operator, body: Create, status: 201, response: TenantView,
    handler: async ({ body }, ctx, c) => (await c.tenants.create(ctx.actor, body)).tenant,
  }),
];
