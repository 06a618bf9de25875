import { z } from 'zod';
import { route } from '../../http/routes.ts';

const Filter = z.strictObject({
  action: z.string().trim().max(100).optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  actorId: z.uuid().optional(),
  targetType: z.string().max(50).optional(),
  targetId: z.string().max(100).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});
const ListQuery = Filter.extend({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().regex(/^\d+$/).optional() });
const EventView = z.object({
  id: z.string(), seq: z.number(), time: z.string(), action: z.string(), outcome: z.string(), actorId: z.string().nullable(), actorLabel: z.string().nullable(),
  targetType: z.string().nullable(), targetId: z.string().nullable(), ip: z.string().nullable(), userAgent: z.string().nullable(), requestId: z.string().nullable(), sentence: z.string(),
});
const admin = { kind: 'client', roles: ['admin'] } as const;

export const auditRoutes = [
  route({
    method: 'get', path: '/audit-events', tag: 'audit', summary: 'The Client\'s audit log, newest first', access: admin, scope: 'audit:read', query: ListQuery,
    response: z.object({ items: z.array(EventView), nextCursor: z.string().nullable() }),
    handler: async ({ query: { limit, cursor, ...f } }, ctx, c) => c.audit.list(ctx.tenant.tenantId, f, limit, cursor),
  }),
  route({
    method: 'get', path: '/audit-events/export.csv', tag: 'audit', summary: 'The Client\'s audit log as CSV (streamed)', access: admin, scope: 'audit:read', query: Filter, raw: true,
    handler: async ({ query }, ctx, c) => {
      ctx.res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      ctx.res.setHeader('Content-Disposition', `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.csv"`);
      c.audit.exportCsv(ctx.tenant.tenantId, query).pipe(ctx.res);
    },
  }),
  route({
    method: 'post', path: '/vendor/audit/checkpoints', tag: 'audit', summary: 'Sign every audit chain head now', access: { kind: 'vendor', roles: ['operator'] }, status: 201,
    response: z.object({ id: z.number(), heads: z.array(z.object({ chain: z.string(), seq: z.number(), hash: z.string() })) }),
    handler: async (_i, _ctx, c) => c.audit.checkpoint(),
  }),
];
