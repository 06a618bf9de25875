import type { Request, Response } from 'express';
import type { Container } from '../../container.ts';
import { AppError } from '../../http/errors.ts';
import { coalesce, openEventStream } from '../../http/sse.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import { route } from '../../http/routes.ts';
import { IdParams } from '../users/users.schemas.ts';
import type { Viewer } from './expenses.repository.ts';
import { CreateExpense, ExpensePage, ExpenseView, ExpenseWithReceipts, ListExpensesQuery, UpdateExpense } from './expenses.schemas.ts';

async function withReceipts<E extends { id: string }>(c: Container, tdb: TenantDb, items: E[]) {
  const byExpense = await c.receipts.ofExpenses(tdb, items.map((e) => e.id));
  return items.map((e) => ({ ...e, receipts: byExpense.get(e.id) ?? [] }));
}

async function streamExpense(c: Container, tdb: TenantDb, viewer: Viewer, id: string, req: Request, res: Response) {
  const load = async () => (await withReceipts(c, tdb, [await c.expenses.get(tdb, viewer, id)]))[0]!;
  let last = await load(); // not found or not visible: a 404 before any byte is sent
  let sent = '';
  const stream = openEventStream(req, res);
  const sendExpense = (e: unknown) => {
    const data = JSON.stringify(e);
    if (data !== sent) stream.send('expense', e);
    sent = data;
  };
  sendExpense(last);
  const watch = { tenantId: tdb.tenantId, expenseId: id, shas: new Set(last.receipts.map((r) => r.sha256)) as ReadonlySet<string>, changed: () => reads.notify() };
  // Changes come in bursts (an OCR job updates the expense, then finishes): read once per burst.
  const reads = coalesce(async () => {
    try {
      last = await load();
      watch.shas = new Set(last.receipts.map((r) => r.sha256));
      sendExpense(last);
    } catch (e) {
      if (stream.ended) return;
      if (e instanceof AppError && e.status === 404) {
        stream.send('gone', { id });
        stream.end();
      } else c.log.warn({ err: e, expenseId: id }, 'live expense read failed');
    }
  }, 50);
  stream.onEnd(reads.cancel);
  stream.onEnd(await c.expenseEvents.watch(watch));
  // a change between the first read and the watch would otherwise be missed
  reads.notify();
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
    method: 'get', path: '/expenses/:id/events', tag: 'expenses', access: anyone, scope: 'expenses:read', params: IdParams, raw: true,
    summary: 'Server-sent events: the expense now, then again each time it changes (OCR read, renditions made, edited elsewhere) — `event: expense` with the same body as GET /expenses/{id}; `event: gone` when it is deleted or no longer visible. The stream ends after a few minutes: reconnect (EventSource does).',
    handler: async ({ params }, ctx, c) => streamExpense(c, ctx.tenant, ctx.principal, params.id, ctx.req, ctx.res),
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
