import type { Container } from '../../container.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import { route } from '../../http/routes.ts';
import { IdParams } from '../users/users.schemas.ts';
import { CreateExpense, ExpensePage, ExpenseView, ExpenseWithReceipts, ListExpensesQuery, UpdateExpense } from './expenses.schemas.ts';

async function withReceipts<E extends { id: string }>(c: Container, tdb: TenantDb, items: E[]) {
  const byExpense = await c.receipts.ofExpenses(tdb, items.map((e) => e.id));
  return items.map((e) => ({ ...e, receipts: byExpense.get(e.id) ?? [] }));
}

const employee = { kind: 'client', roles: ['employee'] } as const;
const anyone = { kind: 'client' } as const;

export const expensesRoutes = [
  route({
    method: 'get', path: '/expenses', tag: 'expenses', summary: 'Expenses the caller may see (own; others\' per role), newest first', access: anyone, scope: 'expenses:read', query: ListExpensesQuery,
    response: ExpensePage,
    handler: async ({ query }, ctx, c) => {
      const page = await c.expenses.list(ctx.tenant, ctx.principal, query);
      return { ...page, items: await withReceipts(c, ctx.tenant, page.items) };
    },
  }),
  route({
    method: 'post', path: '/expenses', tag: 'expenses', summary: 'Create a draft expense', access: employee, scope: 'expenses:write', body: CreateExpense, status: 201, response: ExpenseView,
    handler: async ({ body }, ctx, c) => c.expenses.create(ctx.tenant, ctx.principal, ctx.actor, body),
  }),
  route({
    method: 'get', path: '/expenses/:id', tag: 'expenses', summary: 'One expense', access: anyone, scope: 'expenses:read', params: IdParams, response: ExpenseWithReceipts,
    handler: async ({ params }, ctx, c) => (await withReceipts(c, ctx.tenant, [await c.expenses.get(ctx.tenant, ctx.principal, params.id)]))[0],
  }),
  route({
    method: 'patch', path: '/expenses/:id', tag: 'expenses', summary: 'Edit my expense while draft or returned (send the version read)', access: employee, scope: 'expenses:write', params: IdParams, body: UpdateExpense, response: ExpenseView,
    handler: async ({ params, body }, ctx, c) => c.expenses.update(ctx.tenant, ctx.principal, ctx.actor, params.id, body),
  }),
  route({
    method: 'delete', path: '/expenses/:id', tag: 'expenses', summary: 'Delete my draft expense', access: employee, scope: 'expenses:write', params: IdParams,
    handler: async ({ params }, ctx, c) => c.expenses.delete(ctx.tenant, ctx.principal, ctx.actor, params.id),
  }),
];
