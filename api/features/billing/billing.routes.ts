import type { Response } from 'express';
import { z } from 'zod';
import { contentDisposition } from '../../http/download.ts';
import { route } from '../../http/routes.ts';
import { MONTH } from './metering.ts';

const admin = { kind: 'client', roles: ['admin'] } as const;
const operator = { kind: 'vendor', roles: ['operator'] } as const;
const MonthQuery = z.strictObject({ month: z.string().regex(MONTH, 'a month, YYYY-MM').optional() });

export const billingRoutes = [
  route({
    method: 'get', path: '/billing/usage', tag: 'billing', summary: 'The month\u2019s active users (default: this month, running) with why each counts, and the licence\u2019s user limit', access: admin, query: MonthQuery,
    handler: async ({ query }, ctx, c) => c.billing.usage(ctx.tenant, query.month),
  }),
  route({
    method: 'get', path: '/vendor/billing/usage', tag: 'vendor', summary: 'Every Client with its plan, status and active users of the month', access: operator, query: MonthQuery,
    handler: async ({ query }, _ctx, c) => c.billing.overview(query.month),
  }),

  route({
    method: 'get', path: '/billing/invoices', tag: 'billing', summary: 'The Client\u2019s issued invoices', access: admin,
    handler: async (_i, ctx, c) => c.invoicing.list(ctx.tenant.tenantId),
  }),
  route({
    method: 'post', path: '/vendor/invoices/run', tag: 'vendor', summary: 'Issue a past month\u2019s invoices (exactly once per Client), or with dryRun say what would be issued', access: operator,
    body: z.strictObject({ month: z.string().regex(MONTH, 'a month, YYYY-MM'), dryRun: z.boolean().default(false) }),
    handler: async ({ body }, ctx, c) => c.invoicing.run(ctx.actor, body.month, { dryRun: body.dryRun }),
  }),
  route({
    method: 'get', path: '/vendor/invoices', tag: 'vendor', summary: 'Every invoice, drafts included, newest first', access: operator,
    handler: async (_i, _ctx, c) => c.invoicing.list(),
  }),
  route({
    method: 'post', path: '/vendor/invoices/:id/paid', tag: 'vendor', summary: 'Record that an issued invoice was paid (once)', access: operator, params: z.strictObject({ id: z.uuid() }),
    handler: async ({ params }, ctx, c) => c.invoicing.markPaid(ctx.actor, params.id),
  }),

  route({
    method: 'get', path: '/billing/invoices/:id/pdf', tag: 'billing', summary: 'An issued invoice of the Client as a PDF', access: admin, params: z.strictObject({ id: z.uuid() }), raw: true,
    handler: async ({ params }, ctx, c) => sendPdf(ctx.res, await c.invoicing.pdf(params.id, ctx.tenant.tenantId)),
  }),
  route({
    method: 'get', path: '/vendor/invoices/:id/pdf', tag: 'vendor', summary: 'An issued invoice as a PDF', access: operator, params: z.strictObject({ id: z.uuid() }), raw: true,
    handler: async ({ params }, ctx, c) => sendPdf(ctx.res, await c.invoicing.pdf(params.id)),
  }),
];

function sendPdf(res: Response, f: { number: string; bytes: Buffer }) {
  res.setHeader('Content-Type', 'application/pdf');
  res.setHeader('Content-Disposition', contentDisposition(`facture-${f.number}.pdf`, false));
  res.end(f.bytes);
}
