import { z } from 'zod';
import { route } from '../../http/routes.ts';
import { CreateTenant, TenantView } from './tenants.schemas.ts';

const operator = { kind: 'vendor', roles: ['operator'] } as const;

export const tenantsRoutes = [
  route({
    method: 'get', path: '/vendor/tenants', tag: 'vendor', summary: 'All Clients', access: operator, response: z.object({ items: z.array(TenantView) }),
    handler: async (_i, _ctx, c) => c.tenants.list(),
  }),
  route({
    method: 'post', path: '/vendor/tenants', tag: 'vendor', summary: 'Create a Client and invite its first admin', access: operator, body: CreateTenant, status: 201, response: TenantView,
    handler: async ({ body }, ctx, c) => (await c.tenants.create(ctx.actor, body)).tenant,
  }),
];
