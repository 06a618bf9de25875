import type { Response } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { contentDisposition } from '../../http/download.ts';
import { route } from '../../http/routes.ts';
import { MONTH } from './metering.ts';

const admin = { kind: 'client', roles: ['admin'] } as const;
const operator = { kind: 'vendor', roles: ['operator'] } as const;
const Id = z.strictObject({ id: z.uuid() });
const PlanSchema = z.enum(['solo', 'team', 'enterprise']);
/** A day's start in Paris (a bank transfer's date). */
const parisDay = (d: string) => DateTime.fromISO(d, { zone: 'Europe/Paris' }).toJSDate();
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
    method: 'post', path: '/vendor/invoices/:id/paid', tag: 'vendor', summary: 'Record that an issued invoice was paid (once), on a given day or now; lifts a suspension at once', access: operator, params: Id,
    body: z.strictObject({ paidOn: z.iso.date().optional() }).default({}),
    handler: async ({ params, body }, ctx, c) => c.payments.markPaid(ctx.actor, params.id, { paidAt: body.paidOn ? parisDay(body.paidOn) : undefined }),
  }),
  route({
    method: 'post', path: '/vendor/invoices/:id/credit-note', tag: 'vendor', summary: 'Issue a credit note against an issued invoice: all it asks (every line reversed), or part of its amount excluding VAT', access: operator, params: Id,
    body: z.strictObject({ reason: z.string().trim().min(3).max(300), amountHtMinor: z.number().int().min(1).max(100_000_000).optional() }),
    handler: async ({ params, body }, ctx, c) => c.invoicing.creditNote(ctx.actor, params.id, body),
  }),
  route({
    method: 'post', path: '/vendor/payments/import', tag: 'vendor', summary: 'Import the bank\u2019s CSV of received transfers (date, amount, reference): each pays the invoice whose number its reference holds, if the amount is exactly what it asks', access: operator,
    bodyType: 'text/csv', body: z.string().min(1).max(4_000_000),
    handler: async ({ body }, ctx, c) => c.payments.importTransfers(ctx.actor, body),
  }),
  route({
    method: 'post', path: '/vendor/dunning/run', tag: 'vendor', summary: 'Send now the written notices of invoices unpaid past the grace period (the hourly job does it too)', access: operator,
    handler: async (_i, ctx, c) => ({ noticed: await c.dunning.run(ctx.actor) }),
  }),
  route({
    method: 'post', path: '/vendor/tenants/:id/plan', tag: 'vendor', summary: 'Change a Client\u2019s plan and its contract\u2019s own user limit (answers an Enterprise request)', access: operator, params: Id,
    body: z.strictObject({ plan: PlanSchema, userLimit: z.number().int().min(1).max(1_000_000).nullable().default(null) }),
    handler: async ({ params, body }, ctx, c) => c.billing.setPlan(ctx.actor, params.id, body.plan, body.userLimit),
  }),
  route({
    method: 'post', path: '/vendor/tenants/:id/plan-request/close', tag: 'vendor', summary: 'Close a Client\u2019s open Enterprise request without a change', access: operator, params: Id,
    handler: async ({ params }, ctx, c) => c.billing.closeRequest(ctx.actor, params.id),
  }),

  route({
    method: 'get', path: '/billing/details', tag: 'billing', summary: 'Who receives the invoices, and the Client\u2019s identity printed on them', access: admin,
    handler: async (_i, ctx, c) => c.billing.details(ctx.tenant.tenantId),
  }),
  route({
    method: 'patch', path: '/billing/details', tag: 'billing', summary: 'Change the billing contact, address, SIREN or VAT number (used from the next invoice)', access: admin,
    body: z.strictObject({
      billingEmail: z.string().trim().toLowerCase().pipe(z.email({ message: 'must be an email address' })).pipe(z.string().max(254)).nullable().optional(),
      billingAddress: z.string().trim().min(1).max(500).nullable().optional(),
      siren: z.string().regex(/^[0-9]{9}$/, 'a SIREN: 9 digits').nullable().optional(),
      vatNumber: z.string().trim().toUpperCase().pipe(z.string().regex(/^[A-Z]{2}[0-9A-Z]{2,13}$/, 'an intra-EU VAT number, e.g. FR12345678901')).nullable().optional(),
    }).refine((v) => Object.keys(v).length > 0, 'nothing to change'),
    handler: async ({ body }, ctx, c) => c.billing.updateDetails(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'get', path: '/billing/plan', tag: 'billing', summary: 'The Client\u2019s plan, its changes and any open Enterprise request', access: admin,
    handler: async (_i, ctx, c) => c.billing.planView(ctx.tenant.tenantId),
  }),
  route({
    method: 'post', path: '/billing/plan', tag: 'billing', summary: 'Move from Solo to Team (billed Team for the whole month of the change)', access: admin,
    body: z.strictObject({ plan: z.literal('team') }),
    handler: async ({ body }, ctx, c) => c.billing.changePlan(ctx.tenant, ctx.actor, body.plan),
  }),
  route({
    method: 'post', path: '/billing/enterprise-request', tag: 'billing', summary: 'Ask the vendor for the Enterprise plan', access: admin,
    body: z.strictObject({ message: z.string().trim().min(1).max(2000) }),
    handler: async ({ body }, ctx, c) => c.billing.requestEnterprise(ctx.tenant, ctx.actor, body.message),
  }),
  route({
    method: 'get', path: '/billing/standing', tag: 'billing', summary: 'Unpaid invoices past their written notice, and whether access is suspended', access: admin,
    handler: async (_i, ctx, c) => c.dunning.standing(ctx.tenant.tenantId),
  }),

  route({
    method: 'get', path: '/billing/invoices/:id/pdf', tag: 'billing', summary: 'An issued invoice of the Client as a PDF', access: admin, params: Id, raw: true,
    handler: async ({ params }, ctx, c) => sendPdf(ctx.res, await c.invoicing.pdf(params.id, ctx.tenant.tenantId)),
  }),
  route({
    method: 'get', path: '/vendor/invoices/:id/pdf', tag: 'vendor', summary: 'An issued invoice as a PDF', access: operator, params: Id, raw: true,
    handler: async ({ params }, ctx, c) => sendPdf(ctx.res, await c.invoicing.pdf(params.id)),
  }),
];

function sendPdf(res: Response, f: { number: string; kind: 'invoice' | 'credit_note'; bytes: Buffer }) {
  res.setHeader('Content-Type', 'application/pdf');
  res.setHeader('Content-Disposition', contentDisposition(`${f.kind === 'invoice' ? 'facture' : 'avoir'}-${f.number}.pdf`, false));
  res.end(f.bytes);
}
