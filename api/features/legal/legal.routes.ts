import { z } from 'zod';
import { route } from '../../http/routes.ts';
import { LEGAL_DOCUMENTS } from './legal.service.ts';

const operator = { kind: 'vendor', roles: ['operator'] } as const;
const Doc = z.strictObject({ document: z.enum(LEGAL_DOCUMENTS) });
const markdown = z.string().min(20).max(200_000).refine((s) => s.trim().length >= 20, 'the text is empty');

export const legalRoutes = [
  route({
    method: 'get', path: '/public/legal/:document', tag: 'legal', summary: 'The terms of use or privacy notice: the version in force and the next announced one, as Markdown (public)', access: { kind: 'public' }, params: Doc,
    handler: async ({ params }, _ctx, c) => c.legal.document(params.document),
  }),
  route({
    method: 'get', path: '/legal/documents/:document', tag: 'legal', summary: 'The terms of use or privacy notice, for a signed-in user (also while acceptance is pending)', access: { kind: 'user' }, params: Doc,
    handler: async ({ params }, _ctx, c) => c.legal.document(params.document),
  }),
  route({
    method: 'get', path: '/legal/acceptances', tag: 'legal', summary: 'The versions the signed-in user accepted, and when', access: { kind: 'user' },
    handler: async (_i, ctx, c) => c.legal.acceptances(ctx.principal.userId),
  }),
  route({
    method: 'post', path: '/legal/acceptances', tag: 'legal', summary: 'Accept the versions in force of the terms of use and privacy notice', access: { kind: 'user' },
    body: z.strictObject({ versionIds: z.array(z.uuid()).min(1).max(2) }),
    handler: async ({ body }, ctx, c) => c.legal.accept(ctx.principal, ctx.actor, body.versionIds),
  }),
  route({
    method: 'get', path: '/vendor/legal/versions', tag: 'legal', summary: 'Every version of the terms of use and privacy notice', access: operator,
    handler: async (_i, _ctx, c) => c.legal.versions(),
  }),
  route({
    method: 'post', path: '/vendor/legal/versions', tag: 'legal', summary: 'Publish a new version (applies one calendar month later at the earliest; every user is told now, and Client admins at once if it affects the processing)', access: operator,
    status: 201,
    body: z.strictObject({
      document: z.enum(LEGAL_DOCUMENTS), version: z.string().regex(/^[0-9A-Za-z.-]{1,40}$/, 'letters, digits, dots and dashes'), appliesFrom: z.iso.datetime({ offset: true }).transform((s) => new Date(s)),
      affectsProcessing: z.boolean(), summary: z.string().trim().min(3).max(2000), bodyFr: markdown, bodyEn: markdown,
    }),
    handler: async ({ body }, ctx, c) => c.legal.publish(ctx.actor, body),
  }),
];
