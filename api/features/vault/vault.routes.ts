// The archival vault's API (R-VLT): the option, deposits with their certificate and proof, the
// journal's checkpoints and proofs, the vault key, legal holds and two-person destruction.
// Reading is for the Client's admins and accountants; changing, for admins.
import { z } from 'zod';
import { contentDisposition, send } from '../../http/download.ts';
import { AppError } from '../../http/errors.ts';
import { route } from '../../http/routes.ts';
import { TenantDb } from '../../../storage/db/tenant-db.ts';
import { IdParams } from '../users/users.schemas.ts';
import { certificateFromReport, depositCertificatePdf, reportPdf } from './certificate-pdf.ts';

const readers = { kind: 'client', roles: ['admin', 'accountant'] } as const;
const operator = { kind: 'vendor', roles: ['operator'] } as const;
const admin = { kind: 'client', roles: ['admin'] } as const;
const R = 'vault:read';
const W = 'vault:write';
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');

const SettingsInput = z.strictObject({
  enabled: z.boolean().optional(),
  depositAt: z.enum(['verified', 'upload']).optional(),
  retentionYears: z.number().int().min(6).max(30).optional(),
  fiscalYearEnd: z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/, 'the fiscal year\u2019s last day, MM-DD').optional(),
});
const DepositQuery = z.strictObject({
  expenseId: z.uuid().optional(),
  sha256: sha256.optional(),
  from: day.optional(),
  to: day.optional(),
  state: z.enum(['kept', 'held', 'destroyed', 'eligible']).optional(),
  before: z.string().regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z\|[0-9a-f-]{36}$/, 'a page cursor from a previous answer').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const HashParams = z.strictObject({ hash: sha256 });
const ConsistencyParams = z.strictObject({ hash: sha256, to: sha256 });
const HoldInput = z.strictObject({ depositId: z.uuid().nullable().optional(), owner: z.string().trim().min(1).max(200), reason: z.string().trim().min(1).max(2000), reviewOn: day });
const ReleaseInput = z.strictObject({ reason: z.string().trim().min(1).max(2000) });
const AnalysisInput = z.strictObject({ kind: z.enum(['retention', 'contract_end']).default('retention') });
const DestructionInput = z.strictObject({ kind: z.enum(['retention', 'contract_end']), reason: z.string().trim().min(1).max(2000), depositIds: z.array(z.uuid()).min(1).max(10_000) });

export const vaultRoutes = [
  route({
    method: 'get', path: '/vault', tag: 'vault', summary: 'The vault option of my Client, how the storage protects deposits (detected, not assumed), counts and the public key', access: readers, scope: R,
    handler: async (_i, ctx, c) => {
      const [settings, protection, counts] = await Promise.all([
        c.vault.settings(ctx.tenant.raw, ctx.tenant.tenantId),
        c.vault.protection(),
        ctx.tenant.selectFrom('vault_deposit').select((eb) => [eb.fn.countAll<number>().as('deposits'), eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('bytes')]).executeTakeFirstOrThrow(),
      ]);
      return { settings, store: c.vaultStore.kind, protection, deposits: Number(counts.deposits), bytes: Number(counts.bytes), publicKey: c.vault.publicKey() };
    },
  }),
  route({
    method: 'patch', path: '/vault/settings', tag: 'vault', summary: 'Turn the vault on or off, choose when originals are deposited, the retention and the fiscal year end', access: admin, scope: W, body: SettingsInput,
    handler: async ({ body }, ctx, c) => c.vault.updateSettings(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'get', path: '/vault/deposits', tag: 'vault', summary: 'Deposits, newest first, with filters (keyset pages: pass `next` as `before`)', access: readers, scope: R, query: DepositQuery,
    handler: async ({ query }, ctx, c) => c.vault.list(ctx.tenant, query),
  }),
  route({
    method: 'get', path: '/vault/deposits/:id', tag: 'vault', summary: 'One deposit record', access: readers, scope: R, params: IdParams,
    handler: async ({ params }, ctx, c) => c.vault.get(ctx.tenant, params.id),
  }),
  route({
    method: 'get', path: '/vault/deposits/:id/file', tag: 'vault', summary: 'The deposited original, checked against its hashes first; the read is journaled', access: readers, scope: R, params: IdParams, raw: true,
    handler: async ({ params }, ctx, c) => {
      const { deposit, body, cleanup } = await c.vault.open(ctx.tenant, ctx.actor, params.id);
      const res = ctx.res;
      res.setHeader('Content-Type', deposit.mediaType);
      res.setHeader('Content-Length', String(deposit.size));
      res.setHeader('ETag', `"${deposit.sha256}"`);
      res.setHeader('Content-Disposition', contentDisposition(deposit.originalName, false));
      try {
        await send(body, res);
      } finally {
        await cleanup();
      }
    },
  }),
  route({
    method: 'get', path: '/vault/deposits/:id/certificate', tag: 'vault', summary: 'The deposit certificate (PDF)', access: readers, scope: R, params: IdParams, raw: true,
    handler: async ({ params }, ctx, c) => {
      const report = await c.vault.report(ctx.tenant, params.id);
      const tenant = await ctx.tenant.raw.selectFrom('tenant').select('name').where('id', '=', ctx.tenant.tenantId).executeTakeFirstOrThrow();
      const pdf = await depositCertificatePdf(certificateFromReport(report, tenant.name));
      ctx.res.setHeader('Content-Type', 'application/pdf');
      ctx.res.setHeader('Content-Disposition', contentDisposition(`certificat-depot-${params.id}.pdf`, false));
      ctx.res.end(pdf);
    },
  }),
  route({
    method: 'get', path: '/vault/deposits/:id/proof', tag: 'vault', summary: 'The probative-value report (JSON): check it offline with npm run vault:check-proof -- report.json FILE', access: readers, scope: R, params: IdParams,
    query: z.strictObject({ format: z.enum(['json', 'pdf']).default('json') }), raw: true,
    handler: async ({ params, query }, ctx, c) => {
      const report = await c.vault.report(ctx.tenant, params.id);
      if (query.format === 'json') {
        ctx.res.setHeader('Content-Disposition', contentDisposition(`preuve-${params.id}.json`, false));
        return void ctx.res.json(report);
      }
      const tenant = await ctx.tenant.raw.selectFrom('tenant').select('name').where('id', '=', ctx.tenant.tenantId).executeTakeFirstOrThrow();
      ctx.res.setHeader('Content-Type', 'application/pdf');
      ctx.res.setHeader('Content-Disposition', contentDisposition(`preuve-${params.id}.pdf`, false));
      ctx.res.end(await reportPdf(report, tenant.name));
    },
  }),
  route({
    method: 'get', path: '/vault/checkpoints', tag: 'vault', summary: 'Signed checkpoints of my Client\u2019s vault journal, newest first (keep them: they make a rewrite detectable)', access: readers, scope: R,
    handler: async (_i, ctx, c) => ({ items: await c.vault.checkpoints(ctx.tenant) }),
  }),
  route({
    method: 'post', path: '/vault/checkpoints', tag: 'vault', summary: 'Sign a checkpoint now', access: admin, scope: W, status: 201,
    handler: async (_i, ctx, c) => {
      const cp = await c.vault.checkpoint(ctx.tenant.tenantId);
      return c.vault.checkpointDoc(ctx.tenant, cp.hash);
    },
  }),
  route({
    method: 'get', path: '/vault/checkpoints/:hash', tag: 'vault', summary: 'One checkpoint (by its hash), to download and keep', access: readers, scope: R, params: HashParams,
    handler: async ({ params }, ctx, c) => c.vault.checkpointDoc(ctx.tenant, params.hash),
  }),
  route({
    method: 'get', path: '/vault/checkpoints/:hash/consistency/:to', tag: 'vault', summary: 'RFC 6962 consistency proof: the later checkpoint\u2019s tree (`to`, by hash) extends this one\u2019s', access: readers, scope: R, params: ConsistencyParams,
    handler: async ({ params }, ctx, c) => {
      const [a, b] = [await c.vault.checkpointDoc(ctx.tenant, params.hash), await c.vault.checkpointDoc(ctx.tenant, params.to)];
      const p = await c.vault.journal.consistency(ctx.tenant.tenantId, a.body.seq, b.body.seq);
      if (!p) throw new AppError('conflict', 'No consistency proof from this checkpoint to that one: the first must be the older one, over a non-empty tree');
      return p;
    },
  }),
  route({
    method: 'get', path: '/vault/deposits/:id/inclusion', tag: 'vault', summary: 'RFC 6962 inclusion proof of the deposit\u2019s journal entry up to the latest checkpoint', access: readers, scope: R, params: IdParams,
    handler: async ({ params }, ctx, c) => {
      const d = await c.vault.get(ctx.tenant, params.id);
      const p = await c.vault.journal.inclusion(ctx.tenant.tenantId, d.journalSeq);
      if (!p) throw new AppError('conflict', 'No checkpoint covers this deposit yet');
      return p;
    },
  }),
  route({
    method: 'get', path: '/vault/holds', tag: 'vault', summary: 'Legal holds (active first)', access: readers, scope: R,
    handler: async (_i, ctx, c) => ({ items: await c.vault.holds(ctx.tenant) }),
  }),
  route({
    method: 'post', path: '/vault/holds', tag: 'vault', summary: 'Place a legal hold on a deposit, or on the whole vault (depositId null): no destruction while it lasts', access: admin, scope: W, body: HoldInput, status: 201,
    handler: async ({ body }, ctx, c) => ({ id: await c.vault.placeHold(ctx.tenant, ctx.actor, body) }),
  }),
  route({
    method: 'post', path: '/vault/holds/:id/release', tag: 'vault', summary: 'Release a legal hold, with a reason', access: admin, scope: W, params: IdParams, body: ReleaseInput,
    handler: async ({ params, body }, ctx, c) => {
      await c.vault.releaseHold(ctx.tenant, ctx.actor, params.id, body.reason);
      return { ok: true };
    },
  }),
  route({
    method: 'post', path: '/vault/destructions/analysis', tag: 'vault', summary: 'Step 1: the deposits that may be destroyed now (retention over, no hold)', access: admin, scope: W, body: AnalysisInput,
    handler: async ({ body }, ctx, c) => c.vault.analyse(ctx.tenant, body.kind),
  }),
  route({
    method: 'get', path: '/vault/destructions', tag: 'vault', summary: 'Destruction requests with their approvals', access: readers, scope: R,
    handler: async (_i, ctx, c) => ({ items: await c.vault.destructions(ctx.tenant) }),
  }),
  route({
    method: 'post', path: '/vault/destructions', tag: 'vault', summary: 'Step 2: ask to destroy deposits the analysis found eligible; carried out once two different people approved', access: admin, scope: W, body: DestructionInput, status: 201,
    handler: async ({ body }, ctx, c) => ({ id: await c.vault.requestDestruction(ctx.tenant, ctx.actor, body) }),
  }),
  route({
    method: 'post', path: '/vault/destructions/:id/approve', tag: 'vault', summary: 'Approve a destruction; the second approval, by another person, carries it out', access: admin, scope: W, params: IdParams,
    handler: async ({ params }, ctx, c) => c.vault.approveDestruction(ctx.tenant, ctx.actor, params.id),
  }),
  route({
    method: 'post', path: '/vault/destructions/:id/cancel', tag: 'vault', summary: 'Cancel a pending destruction request', access: admin, scope: W, params: IdParams,
    handler: async ({ params }, ctx, c) => {
      await c.vault.cancelDestruction(ctx.tenant, ctx.actor, params.id);
      return { ok: true };
    },
  }),
  route({
    method: 'get', path: '/vault/destructions/:id/certificate', tag: 'vault', summary: 'The destruction certificate (JSON, with its SHA-256)', access: readers, scope: R, params: IdParams,
    handler: async ({ params }, ctx, c) => c.vault.destructionCertificate(ctx.tenant, params.id),
  }),
  // Operators (the vendor) take part in destructions too — the contract-end one above all — as one of the two approvers.
  route({
    method: 'get', path: '/vendor/tenants/:id/vault/destructions', tag: 'vault', summary: 'A Client\u2019s destruction requests (operators)', access: operator, params: IdParams,
    handler: async ({ params }, _ctx, c) => ({ items: await c.vault.destructions(new TenantDb(params.id, c.db.kysely)) }),
  }),
  route({
    method: 'post', path: '/vendor/tenants/:id/vault/destructions/:destructionId/approve', tag: 'vault', summary: 'Approve a Client\u2019s destruction request as an operator (one of the two different approvers)', access: operator,
    params: z.strictObject({ id: z.uuid(), destructionId: z.uuid() }),
    handler: async ({ params }, ctx, c) => c.vault.approveDestruction(new TenantDb(params.id, c.db.kysely), ctx.actor, params.destructionId),
  }),
];
