import { z } from 'zod';
import { route } from '../../http/routes.ts';
import { contentDisposition, send } from '../../http/download.ts';
import { CreateTenant, TenantView, Terminate } from './tenants.schemas.ts';

const IdParams = z.strictObject({ id: z.uuid() });

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

  // End of contract (R-REV-2)
  route({
    method: 'post', path: '/vendor/tenants/:id/termination', tag: 'vendor', summary: 'Terminate a Client: read-only at once, a final export made, its data destroyed 30 days later as it instructed for the vault', access: operator, params: IdParams, body: Terminate, status: 201,
    handler: async ({ params, body }, ctx, c) => c.contractEnd.terminate(ctx.actor, params.id, body),
  }),
  route({
    method: 'get', path: '/vendor/tenants/:id/termination', tag: 'vendor', summary: 'Where a Client\u2019s end of contract stands', access: operator, params: IdParams,
    handler: async ({ params }, _ctx, c) => c.contractEnd.status(params.id),
  }),
  route({
    method: 'post', path: '/vendor/tenants/:id/termination/cancel', tag: 'vendor', summary: 'Cancel a termination recorded by mistake (while nothing is destroyed)', access: operator, params: IdParams,
    handler: async ({ params }, ctx, c) => c.contractEnd.cancel(ctx.actor, params.id),
  }),
  route({
    method: 'post', path: '/vendor/tenants/:id/termination/advance', tag: 'vendor', summary: 'Run the due end of contract now (as the daily job does): the vault destruction request, or the purge and its certificate; 409 before the 30 days are over', access: operator, params: IdParams,
    handler: async ({ params }, ctx, c) => c.contractEnd.advance(ctx.actor, params.id),
  }),
  route({
    method: 'get', path: '/vendor/tenants/:id/destruction-certificate', tag: 'vendor', summary: 'The destruction certificate (JSON) and its SHA-256', access: operator, params: IdParams,
    handler: async ({ params }, _ctx, c) => {
      const { certificate, sha256 } = await c.contractEnd.certificate(params.id);
      return { certificate, sha256 };
    },
  }),
  route({
    method: 'get', path: '/vendor/tenants/:id/destruction-certificate/pdf', tag: 'vendor', summary: 'The destruction certificate as a PDF', access: operator, params: IdParams, raw: true,
    handler: async ({ params }, ctx, c) => {
      const { certificate, pdf } = await c.contractEnd.certificate(params.id);
      const body = await pdf();
      ctx.res.setHeader('Content-Type', 'application/pdf');
      ctx.res.setHeader('Content-Disposition', contentDisposition(`certificat-destruction-${certificate.client.name}.pdf`, false));
      await send(body, ctx.res);
    },
  }),
];
