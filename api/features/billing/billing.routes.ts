import { z } from 'zod';
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
];
