import { z } from 'zod';
import { route } from '../../http/routes.ts';
import { IdParams } from '../users/users.schemas.ts';
import { CategoryView, CreateCategory, CreatePaymentMethod, ListReferenceQuery, PaymentMethodView, UpdateCategory, UpdatePaymentMethod } from './categories.schemas.ts';

const anyone = { kind: 'client' } as const;
const admin = { kind: 'client', roles: ['admin'] } as const;

export const categoriesRoutes = [
  route({
    method: 'get', path: '/categories', tag: 'expenses', summary: 'Expense categories (archived ones with includeArchived=true)', access: anyone, scope: 'expenses:read', query: ListReferenceQuery,
    response: z.object({ items: z.array(CategoryView) }),
    handler: async ({ query }, ctx, c) => c.categories.categories(ctx.tenant, query.includeArchived),
  }),
  route({
    method: 'post', path: '/categories', tag: 'expenses', summary: 'Add a category', access: admin, body: CreateCategory, status: 201, response: CategoryView,
    handler: async ({ body }, ctx, c) => c.categories.createCategory(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'patch', path: '/categories/:id', tag: 'expenses', summary: 'Rename or archive a category', access: admin, params: IdParams, body: UpdateCategory, response: CategoryView,
    handler: async ({ params, body }, ctx, c) => c.categories.updateCategory(ctx.tenant, ctx.actor, params.id, body),
  }),
  route({
    method: 'get', path: '/payment-methods', tag: 'expenses', summary: 'Payment methods: reimbursable (paid personally) or not (company card)', access: anyone, scope: 'expenses:read', query: ListReferenceQuery,
    response: z.object({ items: z.array(PaymentMethodView) }),
    handler: async ({ query }, ctx, c) => c.categories.paymentMethods(ctx.tenant, query.includeArchived),
  }),
  route({
    method: 'post', path: '/payment-methods', tag: 'expenses', summary: 'Add a payment method', access: admin, body: CreatePaymentMethod, status: 201, response: PaymentMethodView,
    handler: async ({ body }, ctx, c) => c.categories.createPaymentMethod(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'patch', path: '/payment-methods/:id', tag: 'expenses', summary: 'Rename or archive a payment method', access: admin, params: IdParams, body: UpdatePaymentMethod, response: PaymentMethodView,
    handler: async ({ params, body }, ctx, c) => c.categories.updatePaymentMethod(ctx.tenant, ctx.actor, params.id, body),
  }),
];
