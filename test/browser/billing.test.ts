// The admin's billing page: the plan and its user limit, this month's active users with why each
// counts (an employee's expense, the admin's own), in French; another month picked shows its own.
import { describe, expect, it } from 'vitest';
import { referencesOf, signedIn } from '../support/context.ts';
import { createTenantWithAdmin, createUser, type TestUser } from '../support/factories.ts';
import { setup, shot, signIn } from './browser.ts';

let admin: TestUser;
let employee: TestUser;

const env = setup(async ({ server }) => {
  const t = await createTenantWithAdmin(server.ctx, { name: 'Ateliers Brun' });
  admin = t.admin;
  employee = await createUser(server.ctx, t.tenantId, ['employee']);
  const me = await signedIn(server.ctx, employee);
  const { cat, pay } = await referencesOf(me);
  const r = await me.post('/api/v1/expenses', { date: new Date().toISOString().slice(0, 10), merchant: 'Papeterie', categoryId: Object.values(cat)[0], paymentMethodId: Object.values(pay)[0], amountMinor: 1_250, currency: 'EUR' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
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
    await active.getByLabel('Mois').fill('2026-01');
    await expect.poll(() => active.innerText()).toContain('Personne n’a encore été actif ce mois-ci.');
    expect(await page.getByTestId('billing-count').innerText()).toMatch(/^0 utilisateur/);
  });
});
