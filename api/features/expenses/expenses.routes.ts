import { route } from '../../http/routes.ts';
import { IdParams } from '../users/users.schemas.ts';
import { CreateExpense, ExpensePage, ExpenseView, ListExpensesQuery, UpdateExpense } from './expenses.schemas.ts';

const employee = { kind: 'client', roles: ['employee'] } as const;
const anyone = { kind: 'client' } as const;

export const expensesRoutes = [
  route({
    method: 'get', path: '/expenses', tag: 'expenses', summary: 'Expenses the caller may see (own; others\' per role), newest first', access: anyone, scope: 'expenses:read', query: ListExpensesQuery, response: ExpensePage,
    handler: async ({ query }, ctx, c) => c.expenses.list(ctx.tenant, ctx.principal, query),
  }),
  route({
    method: 'post', path: '/expenses', tag: 'expenses', summary: 'Create a draft expense', access: employee, scope: 'expenses:write', body: CreateExpense, status: 201, response: ExpenseView,
    handler: async ({ body }, ctx, c) => c.expenses.create(ctx.tenant, ctx.principal, ctx.actor, body),
  }),
  route({
    method: 'get', path: '/expenses/:id', tag: 'expenses', summary: 'One expense', access: anyone, scope: 'expenses:read', params: IdParams, response: ExpenseView,
    handler: async ({ params }, ctx, c) => c.expenses.get(ctx.tenant, ctx.principal, params.id),
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
