// A Client with the vault on and a receipt deposited, for the tests of the vault and of the end of contract.
import { expect } from 'vitest';
import { SYSTEM_ACTOR } from '../../api/features/audit/audit.service.ts';
import { TenantDb } from '../../storage/db/tenant-db.ts';
import { vaultDeposit } from '../../worker/jobs/vault.ts';
import { signedIn, type TestContext } from './context.ts';
import { createTenantWithAdmin } from './factories.ts';
import { receiptPdf } from './images.ts';

/** A Solo Client with the vault on: its admin submits an expense with a PDF receipt (self-validated → deposited). */
export async function soloWithDeposit(ctx: TestContext, o: { depositAt?: 'verified' | 'upload'; date?: string } = {}) {
  const t = await createTenantWithAdmin(ctx, { plan: 'solo' });
  const tdb = new TenantDb(t.tenantId, ctx.c.db.kysely);
  const actor = { ...SYSTEM_ACTOR, kind: 'user' as const, userId: t.admin.id };
  await ctx.c.vault.updateSettings(tdb, actor, { enabled: true, depositAt: o.depositAt ?? 'verified' });
  const me = await signedIn(ctx, t.admin);
  const cats = (await me.get('/api/v1/categories')).body.items;
  const pm = (await me.get('/api/v1/payment-methods')).body.items[0].id;
  const e = (await me.post('/api/v1/expenses', { date: o.date ?? '2026-03-10', merchant: 'Hôtel du Parc', categoryId: cats[0].id, paymentMethodId: pm, amountMinor: 12_000, currency: 'EUR' })).body;
  const pdf = await receiptPdf(['HOTEL DU PARC', `Le ${Math.random()}`, 'TOTAL TTC 120,00 EUR']);
  const up = await me.agent.post(`/api/v1/expenses/${e.id}/receipts`).set('X-CSRF-Token', me.csrf).attach('files', pdf, { filename: 'facture hôtel.pdf', contentType: 'application/pdf' });
  expect(up.status, JSON.stringify(up.body)).toBe(201);
  const version = (await me.get(`/api/v1/expenses/${e.id}`)).body.version;
  const s = await me.post(`/api/v1/expenses/${e.id}/submit`, { version });
  expect(s.body.status).toBe('verified');
  return { t, tdb, actor, me, expenseId: e.id as string, pdf };
}

/** Runs the queued vault.deposit jobs (as a worker would), returns the deposit ids made. */
export async function runDeposits(ctx: TestContext): Promise<string[]> {
  const jobs = await ctx.c.db.kysely.selectFrom('job').select(['id', 'payload']).where('name', '=', 'vault.deposit').where('state', '=', 'queued').execute();
  const out: string[] = [];
  for (const j of jobs) {
    out.push(...(await vaultDeposit(ctx.c, j.payload as { tenantId: string; expenseId: string })).deposited);
    await ctx.c.db.kysely.updateTable('job').set({ state: 'done' }).where('id', '=', j.id).execute();
  }
  return out;
}
