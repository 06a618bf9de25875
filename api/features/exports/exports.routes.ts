// Accounting exports (R-ACC-2, R-ACC-4): the Client's accounting settings, exporting a period, the
// batch history and each batch's file (the same bytes while it is kept).
import { z } from 'zod';
import { contentDisposition, send } from '../../http/download.ts';
import { route } from '../../http/routes.ts';
import { PAYROLL_FIELDS } from '../../../storage/db/schema.ts';
import { IdParams } from '../users/users.schemas.ts';
import { receiptsPdf, receiptsZip } from './receipt-bundles.ts';

const accounting = { kind: 'client', roles: ['accountant', 'admin'] } as const;
const payroll = { kind: 'client', roles: ['payroll', 'accountant', 'admin'] } as const;
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const account = z.string().regex(/^[1-8][0-9A-Z]{1,15}$/, 'an account number of the plan comptable (classes 1 to 8), digits and capitals');

const SettingsPatch = z.strictObject({
  siren: z.string().regex(/^\d{9}$/, 'a SIREN: 9 digits').nullable().optional(),
  journalCode: z.string().regex(/^[A-Z0-9]{1,8}$/, '1 to 8 capitals or digits').optional(),
  journalLabel: z.string().trim().min(1).max(100).optional(),
  employeeAccount: account.optional(),
  cardAccount: account.optional(),
  defaultExpenseAccount: account.optional(),
  defaultVatAccount: account.optional(),
  csvDelimiter: z.enum([';', ',', 'tab']).optional(),
  csvDecimalComma: z.boolean().optional(),
  csvBom: z.boolean().optional(),
  fecSeparator: z.enum(['tab', 'pipe']).optional(),
  fileRetentionDays: z.number().int().min(1).max(3650).optional(),
});
const PayrollColumns = {
  columns: z.array(z.strictObject({ field: z.enum(PAYROLL_FIELDS), header: z.string().trim().min(1).max(60) })).min(1).max(20),
  perCategory: z.boolean().default(false),
};
const PresetInput = z.strictObject({ name: z.string().trim().min(1).max(100), ...PayrollColumns });
const PayrollExport = z.strictObject({ from: day, to: day, format: z.enum(['csv', 'xlsx']).default('csv'), presetId: z.uuid().optional(), columns: PayrollColumns.columns.optional(), perCategory: z.boolean().optional() });
const BankAccountInput = z.strictObject({ holder: z.string().trim().min(1).max(70), iban: z.string().trim().min(15).max(42), bic: z.string().trim().max(14).nullable().optional() });
const CompanyAccountInput = z.strictObject({ name: z.string().trim().min(1).max(70), iban: z.string().trim().min(15).max(42), bic: z.string().trim().max(14).nullable().optional() });
const ReceiptsInput = z.strictObject({ expenseIds: z.array(z.uuid()).min(1).max(200), format: z.enum(['pdf', 'zip']) });
const SepaInput = z.strictObject({ executionDate: day });
const employee = { kind: 'client', roles: ['employee'] } as const;
const admin = { kind: 'client', roles: ['admin'] } as const;
const BatchExpensesQuery = z.strictObject({ cursor: z.coerce.number().int().min(0).max(2_147_483_647).optional(), limit: z.coerce.number().int().min(1).max(10_000).default(1000) });
const AccountingExport = z.strictObject({ from: day, to: day, format: z.enum(['csv', 'fec', 'xlsx']).default('csv'), reexport: z.boolean().optional() });

export const exportsRoutes = [
  route({
    method: 'get', path: '/exports/settings', tag: 'exports', summary: 'The Client\u2019s accounting settings: SIREN, journal, accounts, file formats, the next entry number', access: accounting, scope: 'exports:write',
    handler: async (_i, ctx, c) => c.exports.settings(ctx.tenant),
  }),
  route({
    method: 'patch', path: '/exports/settings', tag: 'exports', summary: 'Change the accounting settings', access: accounting, scope: 'exports:write', body: SettingsPatch,
    handler: async ({ body }, ctx, c) => c.exports.updateSettings(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'post', path: '/exports/accounting', tag: 'exports', summary: 'Export the verified expenses of a period as accounting entries (CSV, FEC or xlsx); they become exported', access: accounting, scope: 'exports:write', body: AccountingExport, status: 201,
    handler: async ({ body }, ctx, c) => c.exports.accounting(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'post', path: '/exports/receipts', tag: 'exports', summary: 'The receipts of chosen expenses: one PDF (a cover page, then every receipt) or a ZIP of originals and JPEG renditions, a folder per expense', access: accounting, scope: 'exports:write', body: ReceiptsInput, raw: true,
    handler: async ({ body }, ctx, c) => {
      const expenses = await c.exports.bundle(ctx.tenant, ctx.actor, body.expenseIds, body.format);
      const stamp = new Date().toISOString().slice(0, 10);
      if (body.format === 'pdf') {
        const pdf = await receiptsPdf(expenses, { title: 'Justificatifs', generatedAt: new Date().toISOString() });
        ctx.res.setHeader('Content-Type', 'application/pdf');
        ctx.res.setHeader('Content-Disposition', contentDisposition(`justificatifs-${stamp}.pdf`, false));
        return void ctx.res.end(pdf);
      }
      ctx.res.setHeader('Content-Type', 'application/zip');
      ctx.res.setHeader('Content-Disposition', contentDisposition(`justificatifs-${stamp}.zip`, false));
      await receiptsZip(expenses, ctx.res);
    },
  }),
  // reversibility (R-REV-1): the Client's everything, in one ZIP made in the background
  route({
    method: 'post', path: '/exports/full', tag: 'exports', summary: 'Start a full export of the Client (every record as CSV and xlsx, every receipt, a manifest); the admin is told when it is ready', access: admin, status: 202,
    handler: async (_i, ctx, c) => c.reversibility.start(ctx.tenant, ctx.actor),
  }),
  route({
    method: 'get', path: '/exports/full', tag: 'exports', summary: 'Full exports with their progress', access: admin,
    handler: async (_i, ctx, c) => c.reversibility.list(ctx.tenant),
  }),
  route({
    method: 'get', path: '/exports/full/:id', tag: 'exports', summary: 'One full export and its progress', access: admin, params: IdParams,
    handler: async ({ params }, ctx, c) => c.reversibility.get(ctx.tenant, params.id),
  }),
  route({
    method: 'get', path: '/exports/full/:id/file', tag: 'exports', summary: 'The ZIP (410 once the link has expired)', access: admin, params: IdParams, raw: true,
    handler: async ({ params }, ctx, c) => {
      const { export: e, body } = await c.reversibility.open(ctx.tenant, params.id);
      ctx.res.setHeader('Content-Type', 'application/zip');
      ctx.res.setHeader('Content-Length', String(e.size));
      ctx.res.setHeader('Content-Disposition', contentDisposition(`justif-export-${e.finishedAt?.slice(0, 10)}.zip`, false));
      await send(body, ctx.res);
    },
  }),
  // reimbursement by SEPA credit transfer (R-ACC-5) — before /exports/:id, which would take /exports/sepa
  route({
    method: 'get', path: '/me/bank-account', tag: 'exports', summary: 'My bank account for reimbursements (the IBAN masked)', access: employee, scope: 'expenses:read',
    handler: async (_i, ctx, c) => ({ account: await c.reimbursements.bankAccount(ctx.tenant, ctx.principal.userId) }),
  }),
  route({
    method: 'put', path: '/me/bank-account', tag: 'exports', summary: 'Enter or change my IBAN (checked: country, length, check digits; kept sealed)', access: employee, scope: 'expenses:write', body: BankAccountInput,
    handler: async ({ body }, ctx, c) => ({ account: await c.reimbursements.setBankAccount(ctx.tenant, ctx.principal.userId, ctx.actor, body) }),
  }),
  route({
    method: 'get', path: '/exports/company-account', tag: 'exports', summary: 'The Client\u2019s own account, debtor of the transfers (masked)', access: accounting, scope: 'exports:write',
    handler: async (_i, ctx, c) => ({ account: await c.reimbursements.companyAccount(ctx.tenant) }),
  }),
  route({
    method: 'put', path: '/exports/company-account', tag: 'exports', summary: 'Set the Client\u2019s own account (debtor of the transfers)', access: accounting, scope: 'exports:write', body: CompanyAccountInput,
    handler: async ({ body }, ctx, c) => ({ account: await c.reimbursements.setCompanyAccount(ctx.tenant, ctx.actor, body) }),
  }),
  route({
    method: 'post', path: '/exports/sepa', tag: 'exports', summary: 'A SEPA credit-transfer file (pain.001.001.03) of the reimbursable exported expenses not yet paid, one transfer per employee', access: accounting, scope: 'exports:write', body: SepaInput, status: 201,
    handler: async ({ body }, ctx, c) => c.reimbursements.sepa(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'get', path: '/exports/sepa', tag: 'exports', summary: 'SEPA transfer files, newest first', access: accounting, scope: 'exports:write',
    handler: async (_i, ctx, c) => c.reimbursements.batches(ctx.tenant),
  }),
  route({
    method: 'get', path: '/exports/sepa/:id/file', tag: 'exports', summary: 'The pain.001 file', access: accounting, scope: 'exports:write', params: IdParams, raw: true,
    handler: async ({ params }, ctx, c) => {
      const { batch, body } = await c.reimbursements.open(ctx.tenant, params.id);
      ctx.res.setHeader('Content-Type', 'application/xml');
      ctx.res.setHeader('Content-Length', String(batch.size));
      ctx.res.setHeader('Content-Disposition', contentDisposition(`${batch.messageId}.xml`, false));
      await send(body, ctx.res);
    },
  }),
  route({
    method: 'post', path: '/exports/sepa/:id/confirm', tag: 'exports', summary: 'The bank executed the transfers: the expenses become reimbursed and their owners are told', access: accounting, scope: 'exports:write', params: IdParams,
    handler: async ({ params }, ctx, c) => c.reimbursements.confirm(ctx.tenant, ctx.actor, params.id),
  }),
  route({
    method: 'get', path: '/exports', tag: 'exports', summary: 'Export batches, newest first', access: payroll, scope: 'exports:write',
    handler: async (_i, ctx, c) => c.exports.list(ctx.tenant),
  }),
  route({
    method: 'get', path: '/exports/:id', tag: 'exports', summary: 'One export batch: who, when, filters, how many expenses, the file\u2019s SHA-256', access: payroll, scope: 'exports:write', params: IdParams,
    handler: async ({ params }, ctx, c) => c.exports.get(ctx.tenant, params.id),
  }),
  route({
    method: 'get', path: '/exports/:id/expenses', tag: 'exports', summary: 'A batch\u2019s expenses (ids), a page at a time in the order of their entries: entry number = entryFrom + position - 1 (nextCursor: the cursor of the next page)', access: payroll, scope: 'exports:write', params: IdParams, query: BatchExpensesQuery,
    handler: async ({ params, query }, ctx, c) => c.exports.batchExpenses(ctx.tenant, params.id, query),
  }),
  route({
    method: 'get', path: '/exports/:id/file', tag: 'exports', summary: 'The batch\u2019s file, the same bytes as when it was made (410 once removed at the end of its retention)', access: payroll, scope: 'exports:write', params: IdParams, raw: true,
    handler: async ({ params }, ctx, c) => {
      const { batch, body } = await c.exports.open(ctx.tenant, params.id);
      ctx.res.setHeader('Content-Type', batch.mediaType);
      ctx.res.setHeader('Content-Length', String(batch.size));
      ctx.res.setHeader('ETag', `"${batch.sha256}"`);
      ctx.res.setHeader('Content-Disposition', contentDisposition(batch.fileName, false));
      await send(body, ctx.res);
    },
  }),
  route({
    method: 'get', path: '/exports/payroll/presets', tag: 'exports', summary: 'Saved column mappings of the payroll export', access: payroll, scope: 'exports:write',
    handler: async (_i, ctx, c) => c.exports.presets(ctx.tenant),
  }),
  route({
    method: 'post', path: '/exports/payroll/presets', tag: 'exports', summary: 'Save a payroll column mapping (by name: the same name replaces it)', access: payroll, scope: 'exports:write', body: PresetInput, status: 201,
    handler: async ({ body }, ctx, c) => c.exports.savePreset(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'delete', path: '/exports/payroll/presets/:id', tag: 'exports', summary: 'Delete a payroll preset', access: payroll, scope: 'exports:write', params: IdParams,
    handler: async ({ params }, ctx, c) => c.exports.deletePreset(ctx.tenant, ctx.actor, params.id),
  }),
  route({
    method: 'post', path: '/exports/payroll', tag: 'exports', summary: 'Reimbursable totals per employee (and category) for a period, with payroll ids, as CSV in a preset\u2019s columns', access: payroll, scope: 'exports:write', body: PayrollExport, status: 201,
    handler: async ({ body }, ctx, c) => c.exports.payroll(ctx.tenant, ctx.actor, body),
  }),
];
