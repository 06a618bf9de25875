// Billing on screen, in French. The admin's billing page: the plan and its user limit, this month's
// active users with why each counts; another month picked shows its own. The operators' page: a
// month's invoices simulated, issued, paid; a credit note on an invoice, and the bank's CSV of
// transfers paying what it still asks. A Solo Client's admin moves to Team (billed Team for the
// whole month, said before confirming) and asks for Enterprise, which an operator sets. A Client
// suspended for an unpaid invoice: its employee sees why on every page, its admin still reaches the
// billing page with the amount due and the reversibility export.
import { describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../api/features/audit/audit.service.ts';
import { referencesOf, signedIn } from '../support/context.ts';
import { createOperator, createTenantWithAdmin, createUser, type TestUser } from '../support/factories.ts';
import { setup, shot, signIn, type Env } from './browser.ts';

const HOUR = 3_600_000;
let admin: TestUser;
let employee: TestUser;
let operator: TestUser;
/** A Client invoiced for February 2026: a credit note, then a bank transfer pays the rest. */
let paying: { tenantId: string; admin: TestUser };
/** A Solo Client, whose admin moves to Team. */
let solo: { tenantId: string; admin: TestUser };

/** A billable act of the user at `at` (as if an expense were created then), for the invoice runs of past months. */
async function actAt(env: Env, tenantId: string, userId: string, at: string) {
  const k = env.server.ctx.c.db.kysely;
  const event = await k.selectFrom('audit_event').select('id').where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
  await k.insertInto('usage_event').values({ tenant_id: tenantId, user_id: userId, kind: 'expense', occurred_at: new Date(at), audit_event_id: event.id }).execute();
}

const env = setup(async (e) => {
  const { server } = e;
  const t = await createTenantWithAdmin(server.ctx, { name: 'Ateliers Brun' });
  admin = t.admin;
  employee = await createUser(server.ctx, t.tenantId, ['employee']);
  const me = await signedIn(server.ctx, employee);
  const { cat, pay } = await referencesOf(me);
  const r = await me.post('/api/v1/expenses', { date: new Date().toISOString().slice(0, 10), merchant: 'Papeterie', categoryId: Object.values(cat)[0], paymentMethodId: Object.values(pay)[0], amountMinor: 1_250, currency: 'EUR' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  operator = await createOperator(server.ctx);
  // a use in January 2026, for the vendor's invoice run of that month
  await actAt(e, t.tenantId, employee.id, '2026-01-20T10:00:00Z');
  // another Client, invoiced for February 2026 already
  paying = await createTenantWithAdmin(server.ctx, { name: 'Cartonnages Petit' });
  await actAt(e, paying.tenantId, paying.admin.id, '2026-02-12T10:00:00Z');
  await server.ctx.c.invoicing.run(SYSTEM_ACTOR, '2026-02');
  solo = await createTenantWithAdmin(server.ctx, { name: 'Studio Lune', plan: 'solo' });
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
    // nothing unpaid: no standing card, no banner
    expect(await page.getByTestId('billing-standing').count()).toBe(0);
    expect(await page.getByTestId('billing-notice').count()).toBe(0);
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
    const row = page.getByTestId('vb-invoices').locator('tr', { hasText: '2026-01' }).filter({ hasText: 'Ateliers Brun' });
    await expect.poll(() => row.innerText()).toMatch(/^\d{4}-\d{6}\s+Facture\s+Ateliers Brun\s+2026-01[\s\S]*7,20\s€\s+7,20\s€\s+À payer/);
    const number = (await row.locator('td').first().innerText()).trim();
    // the clients' table shows it as the last invoice, unpaid
    const client = page.getByTestId('vb-clients').locator('tr', { hasText: 'Ateliers Brun' });
    await expect.poll(() => client.innerText()).toMatch(new RegExp(`Actif[\\s\\S]*${number}\\s+À payer`));
    // paid today: the transfer's day left empty
    await page.getByRole('button', { name: `Marquer la facture ${number} payée` }).click();
    const form = page.getByRole('form', { name: `Marquer la facture ${number} payée` });
    await expect.poll(() => form.innerText()).toMatch(/7,20\s€ restent dus/);
    await form.getByRole('button', { name: 'Enregistrer le paiement' }).click();
    await page.getByText(`Facture ${number} marquée payée.`).waitFor();
    await expect.poll(() => row.innerText()).toContain('Payée');
    await expect.poll(() => client.innerText()).toMatch(new RegExp(`${number}\\s+Payée`));
    await shot(page, 'vendor-billing');
  });

  it('the operator issues a credit note on an invoice, then imports the bank\u2019s CSV whose transfer pays what it still asks', async () => {
    const page = await env.newPage();
    await signIn(page, operator.email, operator.password);
    await page.goto('/invoices');
    await page.getByRole('heading', { name: 'Facturation des Clients', level: 1 }).waitFor();
    const invoices = page.getByTestId('vb-invoices');
    const row = invoices.locator('tr', { hasText: 'Cartonnages Petit' }).filter({ hasText: '2026-02' });
    await expect.poll(() => row.innerText()).toMatch(/^\d{4}-\d{6}\s+Facture\s+Cartonnages Petit\s+2026-02[\s\S]*7,20\s€\s+7,20\s€\s+À payer/);
    const number = (await row.locator('td').first().innerText()).trim();

    // a credit note of 2 € excl. VAT (2,40 € incl. VAT), confirmed
    await page.getByRole('button', { name: `Émettre un avoir sur la facture ${number}` }).click();
    const form = page.getByRole('form', { name: `Émettre un avoir sur la facture ${number}` });
    await expect.poll(() => form.innerText()).toMatch(/6,00\s€ HT au plus/);
    await form.getByLabel('Motif').fill('Geste commercial');
    await form.getByLabel('Montant HT (€)').fill('2');
    await shot(page, 'vendor-billing-credit-note');
    await form.getByRole('button', { name: 'Émettre l’avoir' }).click();
    const confirm = page.getByRole('dialog', { name: 'Confirmer' });
    expect(await confirm.innerText()).toMatch(new RegExp(`Émettre un avoir de 2,00\\s€ HT \\(plus la TVA\\) sur la facture ${number} de Cartonnages Petit\\s\\?`));
    await confirm.getByRole('button', { name: 'Émettre l’avoir' }).click();
    await page.getByText(new RegExp(`^Avoir \\d{4}-\\d{6} émis sur la facture ${number}\\.$`)).waitFor();
    await expect.poll(() => row.innerText()).toMatch(/7,20\s€\s+4,80\s€\s+À payer[\s\S]*Avoir partiel déduit/);
    const note = invoices.locator('tr', { hasText: `sur la facture ${number}` });
    await expect.poll(() => note.innerText()).toMatch(/^\d{4}-\d{6}\s+Avoir\s+sur la facture \S+\s+Cartonnages Petit\s+—[\s\S]*[-−]2,40\s€\s+—\s+Émis/);
    expect(await note.getByRole('link', { name: /^Télécharger l’avoir \d{4}-\d{6} en PDF$/ }).count()).toBe(1);

    // the bank's statement: one transfer quoting the number, for what it still asks; one without a number
    const transfers = page.getByTestId('vb-transfers');
    const csv = ['Date;Montant;Libellé', `02/03/2026;4,80;VIR SEPA CARTONNAGES PETIT FACTURE ${number}`, '03/03/2026;12,00;VIREMENT SANS REFERENCE'].join('\n');
    await transfers.getByLabel('Relevé bancaire (CSV)').setInputFiles({ name: 'releve.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await transfers.getByRole('button', { name: 'Importer les virements' }).click();
    await transfers.getByText('2 ligne(s) lue(s)\u00a0: 1 facture(s) payée(s), 1 ligne(s) à examiner.').waitFor();
    const results = transfers.locator('tbody');
    await expect.poll(() => results.innerText()).toMatch(new RegExp(`2\\s+Facture payée\\s+${number}\\s+4,80\\s€\\s+—\\s+3\\s+Pas de numéro de facture\\s+VIREMENT SANS REFERENCE\\s+12,00\\s€\\s+—`));
    // paid on the transfer's day
    await expect.poll(() => row.innerText()).toMatch(/7,20\s€\s+—\s+Payée\s+le 2 mars 2026/);
    await shot(page, 'vendor-billing-transfers');
  });

  it('the admin of a Solo Client moves to Team, billed Team for the whole month, and asks for Enterprise; an operator sets it', async () => {
    const page = await env.newPage();
    await signIn(page, solo.admin.email, solo.admin.password);
    await page.goto('/billing');
    const plan = page.getByTestId('billing-plan');
    await expect.poll(() => plan.innerText()).toMatch(/Offre\s+Solo[\s\S]*1 sur 1/);
    await plan.getByRole('button', { name: 'Passer à l’offre Équipe' }).click();
    const confirm = page.getByRole('dialog', { name: 'Confirmer' });
    expect(await confirm.innerText()).toMatch(/Passer à l’offre Équipe maintenant\u00a0\? Le changement est immédiat, et tout le mois de \S+ \d{4} est facturé au prix de l’offre Équipe — y compris les jours qui précèdent le changement/);
    expect(await confirm.innerText()).toMatch(/L’offre Équipe coûte 6,00\s€ HT par utilisateur actif et par mois et couvre jusqu’à 250 utilisateurs/);
    await confirm.getByRole('button', { name: 'Passer à l’offre Équipe' }).click();
    await plan.getByText('Vous êtes maintenant sur l’offre Équipe.').waitFor();
    await expect.poll(() => plan.innerText()).toMatch(/Offre\s+Équipe[\s\S]*1 sur 250/);
    await expect.poll(() => page.getByTestId('billing-plan-changes').innerText()).toMatch(/\d{4}\u00a0: Solo → Équipe/);
    expect(await plan.getByRole('button', { name: 'Passer à l’offre Équipe' }).count()).toBe(0);

    await plan.getByRole('button', { name: 'Demander l’offre Entreprise' }).click();
    await plan.getByLabel('Votre demande').fill('Nous serons 400 l’an prochain, avec une connexion unique.');
    await plan.getByRole('button', { name: 'Envoyer la demande' }).click();
    await expect.poll(() => page.getByTestId('enterprise-request').innerText()).toMatch(/Demande d’offre Entreprise envoyée le[\s\S]*Nous serons 400 l’an prochain/);
    await shot(page, 'billing-plan');

    // the billing contact and identity printed on the next invoice
    const details = page.getByTestId('billing-details');
    await details.getByLabel('SIREN').fill('123');
    await details.getByRole('button', { name: 'Enregistrer' }).click();
    await expect.poll(() => details.innerText()).toMatch(/9 digits|9 chiffres/);
    await details.getByLabel('SIREN').fill('552100554');
    await details.getByLabel('E-mail du contact de facturation').fill('compta@studio-lune.test');
    await details.getByLabel('Adresse de facturation').fill('12 quai de la Fosse, 44000 Nantes');
    await details.getByRole('button', { name: 'Enregistrer' }).click();
    await details.getByText('Coordonnées de facturation enregistrées.').waitFor();
    await page.reload();
    await expect.poll(() => page.getByTestId('billing-details').getByLabel('E-mail du contact de facturation').inputValue()).toBe('compta@studio-lune.test');

    const op = await env.newPage();
    await signIn(op, operator.email, operator.password);
    await op.goto('/invoices');
    const row = op.getByTestId('vb-clients').locator('tr', { hasText: 'Studio Lune' });
    await expect.poll(() => row.innerText()).toMatch(/Studio Lune\s+Équipe[\s\S]*demandée le/);
    await op.getByRole('button', { name: 'Changer l’offre de Studio Lune' }).click();
    const form = op.getByRole('form', { name: 'Changer l’offre de Studio Lune' });
    expect(await form.getByLabel('Offre', { exact: true }).inputValue()).toBe('enterprise'); // what was asked
    await form.getByLabel('Limite contractuelle d’utilisateurs').fill('400');
    await form.getByRole('button', { name: 'Enregistrer l’offre' }).click();
    await op.getByText('Studio Lune est maintenant sur l’offre Entreprise.').waitFor();
    await expect.poll(() => row.innerText()).toMatch(/Studio Lune\s+Entreprise\s+Actif\s+\d+\s+400/);
    expect(await row.innerText()).not.toContain('demandée le');
  });

  it('a Client suspended for an unpaid invoice: its employee sees why on every page; its admin reaches the billing page with the amount due, and the reversibility export', async () => {
    const { ctx } = env.server;
    const late = await createTenantWithAdmin(ctx, { name: 'Transports Roux' });
    const worker = await createUser(ctx, late.tenantId, ['employee']);
    await actAt(env, late.tenantId, worker.id, '2026-03-10T10:00:00Z');
    await ctx.c.invoicing.run(SYSTEM_ACTOR, '2026-03');
    const inv = (await ctx.c.invoicing.list(late.tenantId)).items[0]!;
    const emp = await env.newPage();
    // what the API refuses with 402: nothing once the frame shows the suspension (no live counts, no page's calls)
    const refused: string[] = [];
    emp.on('response', (r) => void (r.status() === 402 && refused.push(new URL(r.url()).pathname)));
    await signIn(emp, worker.email, worker.password);
    await emp.getByRole('heading', { name: /^Bonjour/, level: 1 }).waitFor();

    // its written notice went out 50 hours ago (the dunning job's record, written here rather than
    // waiting out the grace period): access has been suspended for 2 hours
    const sentAt = new Date(Date.now() - 50 * HOUR);
    await ctx.c.db.kysely
      .insertInto('invoice_notice')
      .values({ invoice_id: inv.id, tenant_id: late.tenantId, sent_at: sentAt, suspend_at: new Date(sentAt.getTime() + 48 * HOUR), amount_due_minor: inv.totalTtcMinor, sent_to: late.admin.email })
      .execute();
    // the employee, still on the page, goes on: the API answers 402, and the frame says why
    await emp.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Mes dépenses' }).click();
    const message = emp.getByTestId('suspended');
    await expect.poll(() => message.innerText()).toMatch(
      /Accès suspendu[\s\S]*L’accès à Justif est suspendu pour Transports Roux depuis le \d{1,2} \S+ \d{4} à \d{2}:\d{2}, car une facture est impayée\.[\s\S]*Votre administrateur peut la régler[\s\S]*Vos données sont conservées\u00a0: rien n’est supprimé\./,
    );
    expect(await emp.getByRole('navigation', { name: 'Navigation principale' }).count()).toBe(0);
    expect(refused.length).toBeGreaterThan(0); // the expenses page's first call
    refused.length = 0;
    await shot(emp, 'billing-suspended-employee');
    // every page says the same
    await emp.goto('/expenses');
    await emp.getByTestId('suspended').waitFor();
    expect(await emp.getByRole('heading', { level: 1 }).innerText()).toBe('Accès suspendu');
    await emp.waitForTimeout(500);
    expect(refused).toEqual([]);

    const boss = await env.newPage();
    boss.on('response', (r) => void (r.status() === 402 && refused.push(new URL(r.url()).pathname)));
    await signIn(boss, late.admin.email, late.admin.password);
    await expect.poll(() => boss.getByTestId('suspended').innerText()).toMatch(/7,20\s€ TTC sont dus/);
    await boss.getByTestId('suspended').getByRole('link', { name: 'Facturation et paiement' }).click();
    await boss.waitForURL((u) => u.pathname === '/billing');
    const standing = boss.getByTestId('billing-standing');
    await expect.poll(() => standing.innerText()).toMatch(
      new RegExp(`Accès suspendu\\u00a0: facture impayée[\\s\\S]*7,20\\s€ TTC restent dus[\\s\\S]*suspendu pour tous vos utilisateurs depuis le[\\s\\S]*${inv.number}\\s+7,20\\s€[\\s\\S]*en indiquant le numéro de facture \\(${inv.number}\\) dans le libellé du virement`),
    );
    await expect.poll(() => boss.getByTestId('billing-notice').innerText()).toMatch(/^Accès suspendu depuis le .*, car une facture est impayée \(7,20\s€ TTC dus\)/);
    await expect.poll(() => boss.getByTestId('billing-invoices').locator('tbody').innerText()).toMatch(new RegExp(`${inv.number}\\s+Facture\\s+2026-03[\\s\\S]*7,20\\s€\\s+7,20\\s€\\s+À payer\\s+Avis envoyé`));
    // only billing and the GDPR tools in the navigation
    await expect.poll(() => boss.getByRole('navigation', { name: 'Navigation principale' }).innerText()).toBe('Facturation\nRGPD');
    await shot(boss, 'billing-suspended-admin');
    // the reversibility export stays open; other settings say why they are closed
    await boss.getByTestId('billing-notice').getByRole('link', { name: 'Voir la facture et comment la régler' }).waitFor();
    await boss.goto('/settings/reversibility');
    await boss.getByRole('heading', { name: 'Paramétrage', level: 1 }).waitFor();
    expect(await boss.getByTestId('suspended').count()).toBe(0);
    await boss.goto('/settings');
    await expect.poll(() => boss.getByTestId('suspended').innerText()).toContain('Export de réversibilité');
    expect(refused).toEqual([]); // the admin's billing and reversibility pages call only what stays open

    // the operators see it suspended, and record the payment: access comes back at once
    const op = await env.newPage();
    await signIn(op, operator.email, operator.password);
    await op.goto('/invoices');
    const client = op.getByTestId('vb-clients').locator('tr', { hasText: 'Transports Roux' });
    await expect.poll(() => client.innerText()).toMatch(new RegExp(`Suspendu\\s+depuis le \\d{1,2} \\S+ \\d{4} à \\d{2}:\\d{2}[\\s\\S]*${inv.number}\\s+À payer`));
    const row = op.getByTestId('vb-invoices').locator('tr', { hasText: inv.number! });
    await expect.poll(() => row.innerText()).toMatch(/À payer\s+Avis envoyé\s+le .*\u00a0; suspension le/);
    await shot(op, 'vendor-billing-suspended');
    await op.getByRole('button', { name: `Marquer la facture ${inv.number} payée` }).click();
    await op.getByRole('form', { name: `Marquer la facture ${inv.number} payée` }).getByRole('button', { name: 'Enregistrer le paiement' }).click();
    await op.getByText(`Facture ${inv.number} marquée payée.`).waitFor();
    await expect.poll(() => client.innerText()).toMatch(/Actif/);
    await emp.goto('/expenses');
    await emp.getByRole('heading', { name: 'Mes dépenses', level: 1 }).waitFor();
    expect(await emp.getByTestId('billing-notice').count()).toBe(0);
  });
});
