import { DateTime } from 'luxon';
import { z } from 'zod';
import { contentDisposition } from '../../http/download.ts';
import { route } from '../../http/routes.ts';
import { storageLocations } from './configured.ts';
import { SubprocessorEntry } from './subprocessors.ts';

const admin = { kind: 'client', roles: ['admin'] } as const;
const operator = { kind: 'vendor', roles: ['operator'] } as const;
const Id = z.strictObject({ id: z.uuid() });

export const subprocessorsRoutes = [
  route({
    method: 'get', path: '/public/subprocessors', tag: 'gdpr', summary: 'The subprocessors in force, with the dated history of announced changes (public)', access: { kind: 'public' },
    handler: async (_i, _ctx, c) => c.subprocessors.publicList(),
  }),
  route({
    method: 'get', path: '/gdpr/subprocessors', tag: 'gdpr', summary: 'The subprocessors in force for the Client, and each announced change with its standing and the Client\u2019s objection', access: admin,
    handler: async (_i, ctx, c) => c.subprocessors.clientView(ctx.tenant.tenantId),
  }),
  route({
    // the change is announced to every Client (not one Client's resource): named in the body
    method: 'post', path: '/gdpr/subprocessor-objections', tag: 'gdpr', summary: 'Object to an announced change until it takes effect (§8.2.d)', access: admin,
    body: z.strictObject({ changeId: z.uuid(), reason: z.string().trim().min(3).max(2000) }),
    handler: async ({ body }, ctx, c) => c.subprocessors.object(ctx.tenant, ctx.actor, body.changeId, body.reason),
  }),
  route({
    // a registry entry (the vendor's, not one Client's): named in the body
    method: 'post', path: '/gdpr/transfer-instructions', tag: 'gdpr', summary: 'Record the Client\u2019s written instruction allowing the transfer of its data to a subprocessor outside the EU/EEA (§8.3)', access: admin,
    body: z.strictObject({ subprocessorId: z.uuid(), note: z.string().trim().min(3).max(2000) }),
    handler: async ({ body }, ctx, c) => c.subprocessors.instructTransfer(ctx.tenant, ctx.actor, body.subprocessorId, body.note),
  }),
  route({
    method: 'get', path: '/gdpr/storage', tag: 'gdpr', summary: 'Where the Client\u2019s data is stored: database, object storage, vault, mail (from this deployment\u2019s configuration)', access: admin,
    handler: async (_i, _ctx, c) => storageLocations(c.config),
  }),
  route({
    method: 'get', path: '/gdpr/processing-record', tag: 'gdpr', summary: 'The record of processing activities kept for the Client (Art. 30.2), generated from live data', access: admin,
    handler: async (_i, ctx, c) => c.processingRecord.build(ctx.tenant.tenantId),
  }),
  route({
    method: 'get', path: '/gdpr/processing-record.pdf', tag: 'gdpr', summary: 'The record of processing activities as a PDF', access: admin, raw: true,
    handler: async (_i, ctx, c) => {
      const bytes = await c.processingRecord.pdf(ctx.tenant.tenantId);
      ctx.res.setHeader('Content-Type', 'application/pdf');
      ctx.res.setHeader('Content-Disposition', contentDisposition('registre-des-traitements.pdf', false));
      ctx.res.end(bytes);
    },
  }),
  route({
    method: 'get', path: '/vendor/gdpr/subprocessors', tag: 'vendor', summary: 'The registry, every announced change and the Clients\u2019 objections', access: operator,
    handler: async (_i, _ctx, c) => c.subprocessors.vendorView(),
  }),
  route({
    method: 'post', path: '/vendor/gdpr/subprocessor-changes', tag: 'vendor', summary: 'Announce a change (add, replace, remove) to every Client\u2019s admins, effective at least one month later', access: operator,
    body: z.strictObject({
      kind: z.enum(['add', 'replace', 'remove']),
      entry: SubprocessorEntry.optional(),
      removedId: z.uuid().optional(),
      reason: z.string().trim().min(3).max(2000),
      effectiveOn: z.iso.date(),
    }),
    handler: async ({ body }, ctx, c) =>
      c.subprocessors.announce(ctx.actor, { kind: body.kind, entry: body.entry, removedId: body.removedId, reason: body.reason, effectiveAt: DateTime.fromISO(body.effectiveOn, { zone: 'Europe/Paris' }).toJSDate() }),
  }),
  route({
    method: 'post', path: '/vendor/gdpr/subprocessor-changes/:id/cancel', tag: 'vendor', summary: 'Withdraw an announced change before it takes effect', access: operator, params: Id,
    handler: async ({ params }, ctx, c) => c.subprocessors.cancel(ctx.actor, params.id),
  }),
  route({
    method: 'post', path: '/vendor/gdpr/subprocessor-changes/:id/objections/:tenantId/decision', tag: 'vendor', summary: 'Decide on a Client\u2019s objection: the change stays on hold for it, or it may terminate', access: operator,
    params: z.strictObject({ id: z.uuid(), tenantId: z.uuid() }),
    body: z.strictObject({ decision: z.enum(['on_hold', 'may_terminate']), note: z.string().trim().min(1).max(2000).nullable().default(null) }),
    handler: async ({ params, body }, ctx, c) => c.subprocessors.decide(ctx.actor, params.id, params.tenantId, body.decision, body.note),
  }),
];
