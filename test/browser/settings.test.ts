// Expense settings (admin): categories and payment methods (add, rename, archive), exchange rates
// (set a day's rate, import the ECB file, a wrong file explained).
import { describe, expect, it } from 'vitest';
import { createTenantWithAdmin, type TestUser } from '../support/factories.ts';
import { alertText, setup, shot, signIn } from './browser.ts';

let admin: TestUser;

const env = setup(async ({ server }) => {
  admin = (await createTenantWithAdmin(server.ctx, { name: 'Menuiserie Rolland' })).admin;
});

describe('expense settings', () => {
  it('adds, renames and archives a category; adds a company-paid payment method', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Paramétrage' }).click();
    await page.getByRole('heading', { name: 'Paramétrage des dépenses', level: 1 }).waitFor();
    await page.getByRole('cell', { name: 'Restaurant', exact: true }).waitFor();

    await page.getByLabel('Nom de la catégorie').fill('Formation');
    await page.getByRole('button', { name: 'Ajouter', exact: true }).first().click();
    await page.getByText('Élément «\u00a0Formation\u00a0» ajouté.').waitFor();
    await page.getByRole('button', { name: 'Renommer Formation', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Renommer «\u00a0Formation\u00a0»' });
    await dialog.getByLabel('Nom').fill('Formations professionnelles');
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Renommé en «\u00a0Formations professionnelles\u00a0».').waitFor();
    await page.getByRole('button', { name: 'Archiver Formations professionnelles' }).click();
    await page.getByText('Élément «\u00a0Formations professionnelles\u00a0» archivé.').waitFor();
    await expect.poll(() => page.getByRole('row', { name: /Formations professionnelles/ }).innerText()).toContain('Archivée');

    await page.getByLabel('Nom du moyen de paiement').fill('Carte carburant');
    await page.getByRole('checkbox', { name: 'Remboursable au salarié' }).uncheck();
    await page.getByRole('button', { name: 'Ajouter', exact: true }).last().click();
    await page.getByText('Élément «\u00a0Carte carburant\u00a0» ajouté.').waitFor();
    await expect.poll(() => page.getByRole('row', { name: /Carte carburant/ }).innerText()).toContain('Payé par l\u2019entreprise');
    await shot(page, 'settings-categories');

    // The new expense form offers the active items only, with the new method as not reimbursable.
    await page.goto('/expenses/new');
    await page.getByRole('combobox', { name: 'Catégorie' }).locator('option', { hasText: 'Restaurant' }).waitFor({ state: 'attached' });
    const options = await page.getByRole('combobox', { name: 'Catégorie' }).locator('option').allInnerTexts();
    expect(options).toContain('Restaurant');
    expect(options).not.toContain('Formations professionnelles');
    await page.getByRole('combobox', { name: 'Moyen de paiement' }).locator('option', { hasText: 'Carte carburant (non remboursable)' }).waitFor({ state: 'attached' });
  });

  it('sets a day\u2019s rate and imports the ECB file; a wrong file is explained', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.goto('/settings/rates');
    await page.getByText('Aucun taux de change pour le moment.').waitFor();

    const form = page.getByRole('form', { name: 'Saisir un taux' });
    await form.getByLabel('Devise').fill('usd');
    await form.getByLabel('Date').fill('2026-03-02');
    await form.getByLabel(/Taux/).fill('1,0545');
    await form.getByRole('button', { name: 'Enregistrer le taux' }).click();
    await page.getByText('Taux USD du 2 mars 2026 enregistré.').waitFor();
    const row = page.getByRole('row', { name: /USD/ });
    expect((await row.innerText()).replace(/\s+/g, ' ')).toMatch(/2 mars 2026 USD 1 EUR = 1,0545 USD Saisi/);

    // The ECB daily file, dated today.
    const now = new Date();
    const day = `${now.getUTCDate()} ${now.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' })} ${now.getUTCFullYear()}`;
    const importForm = page.getByRole('form', { name: 'Importer le fichier de la BCE' });
    await importForm.getByLabel('Fichier CSV').setInputFiles({ name: 'eurofxref.csv', mimeType: 'text/csv', buffer: Buffer.from(`Date, USD, JPY, GBP, \n${day}, 1.0600, 162.33, 0.8700, \n`) });
    await importForm.getByRole('button', { name: 'Importer' }).click();
    await page.getByText('3 taux importé(s) sur 1 jour(s), pour 3 devise(s).').waitFor();
    await page.getByRole('row', { name: /JPY/ }).getByText('BCE').waitFor();
    await shot(page, 'settings-rates');

    await importForm.getByLabel('Fichier CSV').setInputFiles({ name: 'notes.csv', mimeType: 'text/csv', buffer: Buffer.from('Nom,Montant\nRepas,12\n') });
    await importForm.getByRole('button', { name: 'Importer' }).click();
    expect(await alertText(page)).toContain('Ce fichier n\u2019a pas pu être importé : Not an ECB reference-rate file: the first column must be "Date"');
  });
});
