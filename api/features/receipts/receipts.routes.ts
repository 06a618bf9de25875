import { z } from 'zod';
import { contentDisposition, send } from '../../http/download.ts';
import { route } from '../../http/routes.ts';
import { withUploadedFiles } from '../../http/uploads.ts';
import { IdParams } from '../users/users.schemas.ts';
import { HEAD_BYTES, TAIL_BYTES } from './file-check.ts';
import { OcrFailure, ReceiptList, RenditionParams, ScanResult } from './receipts.schemas.ts';

const employee = { kind: 'client', roles: ['employee'] } as const;
const anyone = { kind: 'client' } as const;
const admin = { kind: 'client', roles: ['admin'] } as const;


export const receiptsRoutes = [
  route({
    method: 'post', path: '/expenses/scan', tag: 'receipts', access: employee, scope: 'expenses:write', raw: true, status: 201,
    summary: 'Scan first: a draft expense made from receipts (multipart field "files"), filled by OCR as soon as it has read them',
    handler: async (_i, ctx, c) => {
      const { maxBytes, maxFiles } = c.receipts.limits;
      const made = await withUploadedFiles(ctx.req, ctx.res, { maxBytes, maxFiles, headBytes: HEAD_BYTES, tailBytes: TAIL_BYTES }, (files) =>
        c.receipts.scan(ctx.tenant, ctx.principal, ctx.actor, files),
      );
      ctx.res.status(201).json(made);
    },
  }),
  route({
    method: 'post', path: '/receipts/:id/ocr', tag: 'receipts', summary: 'Read a receipt again (OCR); fills only what its owner has not typed', access: admin, params: IdParams, status: 202,
    handler: async ({ params }, ctx, c) => {
      await c.receipts.rerunOcr(ctx.tenant, ctx.actor, params.id);
      return { status: 'queued' };
    },
  }),
  route({
    method: 'get', path: '/receipts/ocr-failures', tag: 'receipts', summary: 'Receipts whose reading was given up, with the error', access: admin,
    response: z.object({ items: z.array(OcrFailure) }),
    handler: async (_i, ctx, c) => c.receipts.ocrFailures(ctx.tenant, ctx.principal),
  }),
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
      // The app's CSP says object-src 'none', which keeps Chrome's PDF viewer from showing a PDF
      // opened in its own tab. The file is never HTML or SVG (types come from its bytes, and
      // nosniff holds), so it gets a policy of its own: nothing may run, a PDF may display.
      if (receipt.mediaType === 'application/pdf') res.setHeader('Content-Security-Policy', "default-src 'none'; object-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'");
      await send(await body(), res);
    },
  }),
  route({
    method: 'get', path: '/receipts/:id/renditions/:name', tag: 'receipts', access: anyone, scope: 'expenses:read', params: RenditionParams, raw: true,
    summary: 'A rendition of the receipt as JPEG — normalized, thumbnail, or page-N of a PDF (ETag = its SHA-256); 404 until the worker has made it',
    handler: async ({ params }, ctx, c) => {
      const { receipt, rendition, body } = await c.receipts.openRendition(ctx.tenant, ctx.principal, params.id, params.name);
      const etag = `"${rendition.sha256}"`;
      const res = ctx.res;
      res.setHeader('ETag', etag);
      // Unlike the original, a rendition may be made again (a newer decoder): revalidate by ETag.
      res.setHeader('Cache-Control', 'private, no-cache');
      if (ctx.req.headers['if-none-match'] === etag) return void res.status(304).end();
      res.setHeader('Content-Type', rendition.mediaType);
      res.setHeader('Content-Length', String(rendition.size));
      const base = receipt.name.replace(/\.[A-Za-z0-9]{1,5}$/, '') || 'receipt';
      res.setHeader('Content-Disposition', contentDisposition(`${base}-${rendition.name}.jpg`, true));
      await send(await body(), res);
    },
  }),
  route({
    method: 'delete', path: '/receipts/:id', tag: 'receipts', summary: 'Remove a receipt from my editable expense', access: employee, scope: 'expenses:write', params: IdParams,
    handler: async ({ params }, ctx, c) => c.receipts.remove(ctx.tenant, ctx.principal, ctx.actor, params.id),
  }),
];
