import { z } from 'zod';
import { route } from '../../http/routes.ts';
import { withUploadedFiles } from '../../http/uploads.ts';
import { IdParams } from '../users/users.schemas.ts';
import { HEAD_BYTES, TAIL_BYTES } from './file-check.ts';
import { ReceiptList } from './receipts.schemas.ts';

const employee = { kind: 'client', roles: ['employee'] } as const;
const anyone = { kind: 'client' } as const;

/** RFC 6266 / 5987: an ASCII fallback and the exact UTF-8 name. */
function contentDisposition(name: string, inline: boolean): string {
  const ascii = name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '_') || 'receipt';
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export const receiptsRoutes = [
  route({
    method: 'post', path: '/expenses/:id/receipts', tag: 'receipts', access: employee, scope: 'expenses:write', params: IdParams, raw: true, status: 201,
    summary: 'Attach receipts (multipart field "files": JPEG, PNG, WebP, HEIC/HEIF or PDF; the type is read from the bytes)',
    handler: async ({ params }, ctx, c) => {
      // Refuse before reading a byte of the body if the caller may not attach here.
      await c.receipts.assertCanAttach(ctx.tenant, ctx.principal, params.id);
      const { maxBytes, maxFiles } = c.receipts.limits;
      const items = await withUploadedFiles(ctx.req, ctx.res, { maxBytes, maxFiles, headBytes: HEAD_BYTES, tailBytes: TAIL_BYTES }, (files) =>
        c.receipts.attach(ctx.tenant, ctx.principal, ctx.actor, params.id, files),
      );
      ctx.res.status(201).json({ items });
    },
  }),
  route({
    method: 'get', path: '/expenses/:id/receipts', tag: 'receipts', summary: 'The receipts of an expense', access: anyone, scope: 'expenses:read', params: IdParams, response: ReceiptList,
    handler: async ({ params }, ctx, c) => c.receipts.list(ctx.tenant, ctx.principal, params.id),
  }),
  route({
    method: 'get', path: '/receipts/:id/file', tag: 'receipts', summary: 'The original file, byte for byte (ETag = its SHA-256; download=1 for an attachment)', access: anyone, scope: 'expenses:read', params: IdParams, raw: true,
    query: z.strictObject({ download: z.enum(['1', 'true']).optional() }),
    handler: async ({ params, query }, ctx, c) => {
      const { receipt, body } = await c.receipts.open(ctx.tenant, ctx.principal, params.id);
      const etag = `"${receipt.sha256}"`;
      const res = ctx.res;
      res.setHeader('ETag', etag);
      res.setHeader('Cache-Control', 'private, max-age=86400, immutable');
      if (ctx.req.headers['if-none-match'] === etag) return void res.status(304).end();
      res.setHeader('Content-Type', receipt.mediaType);
      res.setHeader('Content-Length', String(receipt.size));
      res.setHeader('Content-Disposition', contentDisposition(receipt.name, !query.download));
      (await body()).on('error', (e) => res.destroy(e)).pipe(res);
    },
  }),
  route({
    method: 'delete', path: '/receipts/:id', tag: 'receipts', summary: 'Remove a receipt from my editable expense', access: employee, scope: 'expenses:write', params: IdParams,
    handler: async ({ params }, ctx, c) => c.receipts.remove(ctx.tenant, ctx.principal, ctx.actor, params.id),
  }),
];
