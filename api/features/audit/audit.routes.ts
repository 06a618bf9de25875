import { z } from 'zod';
import { route } from '../../http/routes.ts';
import { AuditFilter, AuditPage, ListAuditQuery } from './audit.schemas.ts';

const admin = { kind: 'client', roles: ['admin'] } as const;

export const auditRoutes = [
  route({
    method: 'get', path: '/audit-events', tag: 'audit', summary: 'The Client\'s audit log, newest first', access: admin, scope: 'audit:read', query: ListAuditQuery,
    response: AuditPage,
    handler: async ({ query: { limit, cursor, ...f } }, ctx, c) => c.audit.list(ctx.tenant.tenantId, f, limit, cursor, ctx.principal.locale),
  }),
  route({
    method: 'get', path: '/audit-events/export.csv', tag: 'audit', summary: 'The Client\'s audit log as CSV (streamed)', access: admin, scope: 'audit:read', query: AuditFilter, raw: true,
    handler: async ({ query }, ctx, c) => {
      ctx.res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      ctx.res.setHeader('Content-Disposition', `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.csv"`);
      c.audit.exportCsv(ctx.tenant.tenantId, query, ctx.principal.locale).pipe(ctx.res);
    },
  }),
  route({
    method: 'post', path: '/vendor/audit/checkpoints', tag: 'audit', summary: 'Sign every audit chain head now', access: { kind: 'vendor', roles: ['operator'] }, status: 201,
    response: z.object({ id: z.number(), heads: z.array(z.object({ chain: z.string(), seq: z.number(), hash: z.string() })) }),
    handler: async (_i, _ctx, c) => c.audit.checkpoint(),
  }),
];
