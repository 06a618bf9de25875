// GDPR processor duties: the breach register (R-GDPR-3) and audit requests (R-GDPR-6). Operators
// record and notify incidents and track audits under /vendor/gdpr; a Client's admins read the
// incidents that concern their Client and request audits under /gdpr.
import { z } from 'zod';
import { route } from '../../http/routes.ts';

const admin = { kind: 'client', roles: ['admin'] } as const;
const operator = { kind: 'vendor', roles: ['operator'] } as const;
const Id = z.strictObject({ id: z.uuid() });
const text = (min: number, max: number) => z.string().trim().min(min).max(max);
const day = z.iso.date();

const BreachBody = z.strictObject({
  title: text(3, 200),
  /** When the vendor learnt of it: the 48-hour clock starts here. */
  detectedAt: z.iso.datetime({ offset: true }).transform((s) => new Date(s)),
  nature: text(3, 4000),
  dataCategories: z.array(text(1, 200)).min(1).max(30),
  subjectsApprox: z.number().int().min(0).max(1_000_000_000),
  recordsApprox: z.number().int().min(0).max(1_000_000_000_000),
  consequences: text(3, 4000),
  measures: text(3, 4000),
  contact: text(3, 500),
  /** "all" (every Client now), or the affected Clients' ids. */
  clients: z.union([z.literal('all'), z.array(z.uuid()).min(1).max(10_000)]),
});

export const gdprBreachesRoutes = [
  // breach register, the Client's view
  route({
    method: 'get', path: '/gdpr/breaches', tag: 'gdpr', summary: 'The personal data breaches that concern the Client, with its notification and the follow-ups (R-GDPR-3)', access: admin,
    handler: async (_i, ctx, c) => c.breaches.forClient(ctx.tenant.tenantId),
  }),
  // breach register, the vendor's
  route({
    method: 'get', path: '/vendor/gdpr/breaches', tag: 'vendor', summary: 'The breach register: every incident with its 48-hour clock and each affected Client\u2019s notification', access: operator,
    handler: async (_i, _ctx, c) => c.breaches.list(),
  }),
  route({
    method: 'post', path: '/vendor/gdpr/breaches', tag: 'vendor', summary: 'Record a personal data breach with the Art. 33 information and the affected Clients (one, several or all)', access: operator, status: 201,
    body: BreachBody,
    handler: async ({ body }, ctx, c) => c.breaches.record(ctx.actor, body),
  }),
  route({
    method: 'get', path: '/vendor/gdpr/breaches/:id', tag: 'vendor', summary: 'One incident with its clock, notifications and follow-ups', access: operator, params: Id,
    handler: async ({ params }, _ctx, c) => c.breaches.get(params.id),
  }),
  route({
    method: 'post', path: '/vendor/gdpr/breaches/:id/notify', tag: 'vendor', summary: 'Notify the affected Clients not yet notified (or those listed): each Client\u2019s admins get the Art. 33 information by mail and in the app, exactly once', access: operator, params: Id,
    body: z.strictObject({ tenantIds: z.array(z.uuid()).min(1).max(10_000).optional() }).default({}),
    handler: async ({ params, body }, ctx, c) => c.breaches.notify(ctx.actor, params.id, body.tenantIds),
  }),
  route({
    method: 'post', path: '/vendor/gdpr/breaches/:id/follow-ups', tag: 'vendor', summary: 'Add a dated entry to the incident\u2019s follow-up log (append-only)', access: operator, params: Id, status: 201,
    body: z.strictObject({ text: text(3, 4000) }),
    handler: async ({ params, body }, ctx, c) => c.breaches.addFollowUp(ctx.actor, params.id, body.text),
  }),

  // audit requests (§8.4)
  route({
    method: 'get', path: '/gdpr/audit-requests', tag: 'gdpr', summary: 'The Client\u2019s audit requests and their status, with the earliest date it may propose and when it may ask next (R-GDPR-6)', access: admin,
    handler: async (_i, ctx, c) => c.auditRequests.forClient(ctx.tenant),
  }),
  route({
    method: 'post', path: '/gdpr/audit-requests', tag: 'gdpr', summary: 'Request an audit of the vendor: a date at least one month ahead and a scope; at most one a year', access: admin, status: 201,
    body: z.strictObject({ proposedDate: day, scope: text(3, 4000) }),
    handler: async ({ body }, ctx, c) => c.auditRequests.request(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'get', path: '/vendor/gdpr/audit-requests', tag: 'vendor', summary: 'Every Client\u2019s audit requests, newest first', access: operator,
    query: z.strictObject({ status: z.enum(['requested', 'scheduled', 'done', 'cancelled']).optional() }),
    handler: async ({ query }, _ctx, c) => c.auditRequests.list(query.status),
  }),
  route({
    method: 'post', path: '/vendor/gdpr/audit-requests/:id/schedule', tag: 'vendor', summary: 'Schedule (or move) a requested audit on the date agreed with the Client', access: operator, params: Id,
    body: z.strictObject({ agreedDate: day }),
    handler: async ({ params, body }, ctx, c) => c.auditRequests.schedule(ctx.actor, params.id, body.agreedDate),
  }),
  route({
    method: 'post', path: '/vendor/gdpr/audit-requests/:id/done', tag: 'vendor', summary: 'Record a scheduled audit as done, with a note of its report', access: operator, params: Id,
    body: z.strictObject({ reportNote: text(3, 4000) }),
    handler: async ({ params, body }, ctx, c) => c.auditRequests.done(ctx.actor, params.id, body.reportNote),
  }),
  route({
    method: 'post', path: '/vendor/gdpr/audit-requests/:id/cancel', tag: 'vendor', summary: 'Cancel an audit request that is not done, saying why', access: operator, params: Id,
    body: z.strictObject({ reason: text(3, 4000) }),
    handler: async ({ params, body }, ctx, c) => c.auditRequests.cancel(ctx.actor, params.id, body.reason),
  }),
];
