// The admin's billing page: the plan and its user limit, this month's active users with why each
// counts (an employee's expense, the admin's own), in French; another month picked shows its own.
import { describe, expect, it } from 'vitest';
import { referencesOf, signedIn } from '../support/context.ts';
import { createOperator, createTenantWithAdmin, createUser, type TestUser } from '../support/factories.ts';
import { setup, shot, signIn } from './browser.ts';

let admin: TestUser;
let employee: TestUser;
let operator: TestUser;

const env = setup(async ({ server }) => {
  const t = await createTenantWithAdmin(server.ctx, { name: 'Ateliers Brun' });
  admin = t.admin;
  employee = await createUser(server.ctx, t.tenantId, ['employee']);
  const me = await signedIn(server.ctx, employee);
  const { cat, pay } = await referencesOf(me);
  const r = await me.post('/api/v1/expenses', { date: new Date().toISOString().slice(0, 10), merchant: 'Papeterie', categoryId: Object.values(cat)[0], paymentMethodId: Object.values(pay)[0], amountMinor: 1_250, currency: 'EUR' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  operator = await createOperator(server.ctx);
  // a use in January 2026, for the vendor's invoice run of that month
  const k = server.ctx.c.db.kysely;
  const event = await k.selectFrom('audit_event').select('id').where('tenant_id', '=', t.tenantId).executeTakeFirstOrThrow();
  await k.insertInto('usage_event').values({ tenant_id: t.tenantId, user_id: employee.id, kind: 'expense', occurred_at: new Date('2026-01-20T10:00:00Z'), audit_event_id: event.id }).execute();
});

describe('billing page', () => {
  it('shows the plan, the seats, and who is active this month and why', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Facturation', exact: true }).click();
    await page.getByRole('heading', { name: 'Facturation', level: 1 }).waitFor();
    const plan = page.getByTestId('billing-plan');
    await expect.poll(() => plan.innerText()).toMatch(/Offre\s+Équipe[\s\S]*2 sur 250[\s\S]*6,00\s€ HT par utilisateur actif et par mois/);
    const active = page.getByTestId('billing-active');
    await expect.poll(() => active.innerText()).toContain('Mois en cours');
    expect(await page.getByTestId('billing-count').innerText()).toMatch(/^1 utilisateur\(s\) actif\(s\) — soit 6,00\s€ HT/);
    await expect.poll(() => active.locator('tbody').innerText()).toMatch(new RegExp(`${employee.name}\\s+dépense créée`));
    await expect.poll(() => page.getByTestId('billing-invoices').innerText()).toContain('Aucune facture pour le moment');
    await shot(page, 'billing');
    // a past month with nobody active
    await active.getByLabel('Mois').fill('2025-12');
    await expect.poll(() => active.innerText()).toContain('Personne n’a encore été actif ce mois-ci.');
    expect(await page.getByTestId('billing-count').innerText()).toMatch(/^0 utilisateur/);
  });

  it('the operator simulates, then issues a past month\u2019s invoices, and records a payment', async () => {
    const page = await env.newPage();
    await signIn(page, operator.email, operator.password);
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Facturation', exact: true }).click();
    await page.getByRole('heading', { name: 'Facturation des Clients', level: 1 }).waitFor();
    await page.getByLabel('Mois').fill('2026-01');
    await page.getByRole('button', { name: 'Simuler' }).click();
    const planned = page.locator('table', { hasText: 'Ateliers Brun' }).first();
    await expect.poll(() => planned.innerText()).toMatch(/Ateliers Brun\s+1\s+6,00\s€\s+1,20\s€\s+7,20\s€/);
    await page.getByRole('button', { name: 'Émettre les factures du mois' }).click();
    await page.getByText('1 facture(s) émise(s).').waitFor();
    const row = page.locator('tr', { hasText: '2026-01' }).filter({ hasText: 'Ateliers Brun' });
    await expect.poll(() => row.innerText()).toMatch(/^\d{4}-\d{6}\s+Ateliers Brun\s+2026-01[\s\S]*7,20\s€\s+À payer/);
    const number = (await row.locator('td').first().innerText()).trim();
    await page.getByRole('button', { name: `Marquer la facture ${number} payée` }).click();
    await page.getByText(`Facture ${number} marquée payée.`).waitFor();
    await expect.poll(() => row.innerText()).toContain('Payée');
    await shot(page, 'vendor-billing');
  });
});
