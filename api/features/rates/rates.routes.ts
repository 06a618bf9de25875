import { z } from 'zod';
import { route } from '../../http/routes.ts';
import { ImportRatesQuery, ImportRatesResult, ListRatesQuery, RateView, SetRate } from './rates.schemas.ts';

const admin = { kind: 'client', roles: ['admin'] } as const;

export const ratesRoutes = [
  route({
    method: 'get', path: '/exchange-rates', tag: 'expenses', summary: 'Exchange rates against the Client\'s currency, newest first', access: { kind: 'client' }, scope: 'expenses:read', query: ListRatesQuery,
    response: z.object({ clientCurrency: z.string(), items: z.array(RateView) }),
    handler: async ({ query }, ctx, c) => c.rates.list(ctx.tenant, query),
  }),
  route({
    method: 'put', path: '/exchange-rates', tag: 'expenses', summary: 'Set one day\'s rate of a currency (replaces that day\'s rate)', access: admin, body: SetRate, response: RateView,
    handler: async ({ body }, ctx, c) => c.rates.set(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'post', path: '/exchange-rates/import', tag: 'expenses', summary: 'Import the ECB reference-rate CSV file (daily or history)', access: admin, bodyType: 'text/csv', body: z.string().max(4_000_000), query: ImportRatesQuery,
    response: ImportRatesResult,
    handler: async ({ body, query }, ctx, c) => c.rates.importEcb(ctx.tenant, ctx.actor, body, query.since),
  }),
];
