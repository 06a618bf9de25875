// Support access (§8.2.a): the Client's admin grants, lists and revokes; vendor staff read under a grant.
import { z } from 'zod';
import { ACCESS_SCOPES } from '../../../storage/db/schema.ts';
import { contentDisposition, send } from '../../http/download.ts';
import { route } from '../../http/routes.ts';
import { ListAuditQuery } from '../audit/audit.schemas.ts';
import { ListExpensesQuery } from '../expenses/expenses.schemas.ts';
import type { Viewer } from '../expenses/expenses.repository.ts';
import { ListUsersQuery } from '../users/users.schemas.ts';

const admin = { kind: 'client', roles: ['admin'] } as const;
const staff = { kind: 'vendor', roles: ['support_agent', 'operator'] } as const;
const Id = z.strictObject({ id: z.uuid() });
const Tenant = z.strictObject({ tenantId: z.uuid() });
const TenantAndId = z.strictObject({ tenantId: z.uuid(), id: z.uuid() });
/**
 * Under a grant, vendor staff see what the Client's admin sees of expenses: every submitted one,
 * never a draft (drafts are private to their author). The id is the agent's own, so no expense is
 * "theirs" and no approval step names them.
 */
const supportViewer = (userId: string): Viewer => ({ userId, roles: ['admin'] });

export const supportAccessRoutes = [
  route({
    method: 'get', path: '/support-access/agents', tag: 'support-access', summary: 'The vendor\u2019s active support agents, whom access may be granted to', access: admin,
    handler: async (_i, _ctx, c) => c.supportAccess.agents(),
  }),
  route({
    method: 'get', path: '/support-access/grants', tag: 'support-access', summary: 'The Client\u2019s grants of access to vendor support staff, newest first, with their status', access: admin,
    handler: async (_i, ctx, c) => c.supportAccess.forClient(ctx.tenant),
  }),
  route({
    method: 'post', path: '/support-access/grants', tag: 'support-access', summary: 'Grant a support agent read access to scopes of the Client\u2019s data, for a reason, for at most 7 days (the agent is emailed)', access: admin, status: 201,
    body: z.strictObject({
      granteeId: z.uuid(),
      scopes: z.array(z.enum(ACCESS_SCOPES)).min(1).max(ACCESS_SCOPES.length),
      reason: z.string().trim().min(3).max(1000),
      expiresAt: z.iso.datetime({ offset: true }).transform((s) => new Date(s)),
    }),
    handler: async ({ body }, ctx, c) => c.supportAccess.create(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'post', path: '/support-access/grants/:id/revoke', tag: 'support-access', summary: 'End a grant at once', access: admin, params: Id,
    handler: async ({ params }, ctx, c) => c.supportAccess.revoke(ctx.tenant, ctx.actor, params.id),
  }),

  route({
    method: 'get', path: '/vendor/support/grants', tag: 'vendor', summary: 'The caller\u2019s active grants of access to Clients\u2019 data', access: staff,
    handler: async (_i, ctx, c) => c.supportAccess.mine(ctx.principal.userId),
  }),
  route({
    method: 'get', path: '/vendor/support/tenants/:tenantId/users', tag: 'vendor', summary: 'A Client\u2019s users, under a grant with the scope users (the read is in the Client\u2019s audit log)', access: staff, params: Tenant, query: ListUsersQuery,
    handler: async ({ params, query }, ctx, c) => c.supportAccess.read(ctx.actor, params.tenantId, 'users', 'users', (tdb) => c.users.list(tdb, query), (r) => r.items.length),
  }),
  route({
    method: 'get', path: '/vendor/support/tenants/:tenantId/teams', tag: 'vendor', summary: 'A Client\u2019s teams, under a grant with the scope users', access: staff, params: Tenant,
    handler: async ({ params }, ctx, c) => c.supportAccess.read(ctx.actor, params.tenantId, 'users', 'teams', (tdb) => c.users.teams(tdb), (r) => r.items.length),
  }),
  route({
    method: 'get', path: '/vendor/support/tenants/:tenantId/expenses', tag: 'vendor', summary: 'A Client\u2019s submitted expenses with their receipts\u2019 metadata, under a grant with the scope expenses', access: staff, params: Tenant, query: ListExpensesQuery,
    handler: async ({ params, query }, ctx, c) => c.supportAccess.read(ctx.actor, params.tenantId, 'expenses', 'expenses', async (tdb) => {
      const page = await c.expenses.list(tdb, supportViewer(ctx.principal.userId), query);
      const receipts = await c.receipts.ofExpenses(tdb, page.items.map((e) => e.id));
      return { ...page, items: page.items.map((e) => ({ ...e, receipts: receipts.get(e.id) ?? [] })) };
    }, (r) => r.items.length),
  }),
  route({
    method: 'get', path: '/vendor/support/tenants/:tenantId/expenses/:id', tag: 'vendor', summary: 'One submitted expense of a Client with its receipts\u2019 metadata, under a grant with the scope expenses', access: staff, params: TenantAndId,
    handler: async ({ params }, ctx, c) => c.supportAccess.read(ctx.actor, params.tenantId, 'expenses', `expense ${params.id}`, async (tdb) => {
      const e = await c.expenses.get(tdb, supportViewer(ctx.principal.userId), params.id);
      return { ...e, receipts: (await c.receipts.ofExpenses(tdb, [e.id])).get(e.id) ?? [] };
    }, () => 1),
  }),
  route({
    method: 'get', path: '/vendor/support/tenants/:tenantId/receipts/:id/file', tag: 'vendor', summary: 'A receipt\u2019s original file, under a grant with the scope receipts', access: staff, params: TenantAndId, raw: true,
    handler: async ({ params }, ctx, c) => {
      const { receipt, body } = await c.supportAccess.read(ctx.actor, params.tenantId, 'receipts', `receipt ${params.id}`, (tdb) => c.receipts.open(tdb, supportViewer(ctx.principal.userId), params.id), () => 1);
      const res = ctx.res;
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('Content-Type', receipt.mediaType);
      res.setHeader('Content-Length', String(receipt.size));
      res.setHeader('Content-Disposition', contentDisposition(receipt.name, false));
      await send(await body(), res);
    },
  }),
  route({
    method: 'get', path: '/vendor/support/tenants/:tenantId/settings', tag: 'vendor', summary: 'A Client\u2019s categories and approval settings, under a grant with the scope settings', access: staff, params: Tenant,
    handler: async ({ params }, ctx, c) => c.supportAccess.read(ctx.actor, params.tenantId, 'settings', 'settings', async (tdb) => ({
      categories: (await c.categories.categories(tdb, true)).items,
      workflow: await c.workflowSettings.get(tdb),
    }), (r) => r.categories.length),
  }),
  route({
    method: 'get', path: '/vendor/support/tenants/:tenantId/audit-events', tag: 'vendor', summary: 'A Client\u2019s audit log, newest first, under a grant with the scope audit', access: staff, params: Tenant, query: ListAuditQuery,
    handler: async ({ params, query: { limit, cursor, ...f } }, ctx, c) =>
      c.supportAccess.read(ctx.actor, params.tenantId, 'audit', 'audit-events', () => c.audit.list(params.tenantId, f, limit, cursor, ctx.principal.locale), (r) => r.items.length),
  }),
];
