// Exports on screen, as the admin of a Solo Client (also the employee, whose expenses self-validate
// to verified): two expenses with VAT and a VAT rule for their category; the accounting export of
// their period as CSV, the file downloaded and read (BOM, delimiter, header, three lines per
// expense, amounts, labels, its SHA-256 as shown); a second export refused plainly, the FEC
// without SIREN pointing to the settings; the batch in the history; the next entry number in the
// settings; the employee's IBAN refused then accepted and shown masked; the SEPA file prepared and
// confirmed; the page in English.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signedIn } from '../support/context.ts';
import { createTenantWithAdmin, type TestUser } from '../support/factories.ts';
import { alertText, setup, shot, signIn } from './browser.ts';

let admin: TestUser;
let tenantId: string;
const NBSP = '\u00a0';
const MERCHANTS = ['Brasserie du Port', 'Librairie Martin'];
const FILE = 'ecritures-2026-03-01-2026-03-31.csv';

const env = setup(async ({ server }) => {
  const t = await createTenantWithAdmin(server.ctx, { name: 'Atelier Roux', plan: 'solo' });
  admin = t.admin;
  tenantId = t.tenantId;
  // Two expenses with VAT, their category's VAT rule, submitted: self-validated to verified.
  const me = await signedIn(server.ctx, admin);
  const cat = (await me.get('/api/v1/categories')).body.items[0].id as string;
  const methods = (await me.get('/api/v1/payment-methods')).body.items as { id: string; reimbursable: boolean }[];
  const pm = (methods.find((m) => m.reimbursable) ?? methods[0]!).id;
  const rule = await me.post('/api/v1/vat-rules', { categoryId: cat, effectiveFrom: '2026-01-01', recoverableBp: 10000, expenseAccount: '625700', vatAccount: '445660' });
  expect(rule.status, JSON.stringify(rule.body)).toBe(201);
  for (const [i, merchant] of MERCHANTS.entries()) {
    const e = await me.post('/api/v1/expenses', { date: `2026-03-1${i}`, merchant, categoryId: cat, paymentMethodId: pm, amountMinor: 6130, currency: 'EUR', vatLines: [{ rateBp: 1000, baseMinor: 5573, vatMinor: 557 }] });
    expect(e.status, JSON.stringify(e.body)).toBe(201);
    const s = await me.post(`/api/v1/expenses/${e.body.id}/submit`, { version: e.body.version });
    expect(s.body.status, JSON.stringify(s.body)).toBe('verified');
  }
});

const squash = (s: string) => s.replace(/[\s\u00a0\u202f]+/g, ' ').trim();
const tab = (page: Page, name: string) => page.getByRole('navigation', { name: 'Sections des exports' }).getByRole('link', { name, exact: true });

describe('exports', () => {
  it('exports a period as CSV, downloads the file and checks it; refuses a second export and a FEC without SIREN; lists the batch', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Exports', exact: true }).click();
    await page.getByRole('heading', { name: 'Exports', level: 1 }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Sections des exports' }).getByRole('link').allInnerTexts()).toEqual(['Comptabilité', 'Paie', 'Remboursements', 'Historique', 'Paramètres comptables']);

    // The period that holds the two expenses, CSV.
    const form = page.getByRole('form', { name: 'Export comptable' });
    await form.getByLabel('Du', { exact: true }).fill('2026-03-01');
    await form.getByLabel('Au', { exact: true }).fill('2026-03-31');
    expect(await form.getByRole('combobox', { name: 'Format' }).inputValue()).toBe('csv');
    await form.getByRole('button', { name: 'Exporter' }).click();
    const batch = page.getByTestId('export-batch');
    await batch.getByRole('heading', { name: 'Export comptable créé' }).waitFor();
    expect(squash(await batch.getByTestId('batch-expenses').innerText())).toContain('2');
    expect(squash(await batch.getByTestId('batch-rows').innerText())).toContain('6');
    expect(squash(await batch.getByTestId('batch-entries').innerText())).toContain('1 à 2');
    const shown = /[0-9a-f]{64}/.exec(await batch.getByTestId('batch-sha256').innerText())![0];
    await shot(page, 'exports-accounting');

    // The file, downloaded as the accountant would.
    const [download] = await Promise.all([page.waitForEvent('download'), batch.getByRole('link', { name: `Télécharger ${FILE}` }).click()]);
    expect(download.suggestedFilename()).toBe(FILE);
    const bytes = await readFile((await download.path())!);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(shown);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the UTF-8 BOM
    const text = bytes.subarray(3).toString('utf8');
    const lines = text.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('Journal;Date;Numéro;Compte;Libellé du compte;Compte auxiliaire;Pièce;Libellé;Débit;Crédit;Montant devise;Devise');
    const rows = lines.slice(1).map((l) => l.split(';'));
    expect(rows).toHaveLength(6);
    for (const r of rows) expect(r).toHaveLength(12);
    for (const [i, merchant] of MERCHANTS.entries()) {
      const mine = rows.filter((r) => r[7] === `${merchant} 2026-03-1${i}`);
      expect(mine, merchant).toHaveLength(3);
      expect(mine.map((r) => r[2])).toEqual([String(i + 1), String(i + 1), String(i + 1)]);
      // the charge without VAT, the recoverable VAT (the rule's accounts), the employee's credit
      expect(mine.map((r) => [r[3], r[8], r[9]])).toEqual([
        ['625700', '55,73', '0,00'],
        ['445660', '5,57', '0,00'],
        [mine[2]![3], '0,00', '61,30'],
      ]);
    }

    // Exported already: a second export has nothing to take, said plainly.
    await form.getByRole('button', { name: 'Exporter' }).click();
    expect(await alertText(page)).toContain('Aucune dépense vérifiée à exporter sur cette période.');
    // A FEC without SIREN: the way to the settings.
    await form.getByRole('combobox', { name: 'Format' }).selectOption('fec');
    await form.getByRole('checkbox', { name: 'Exporter à nouveau les dépenses déjà exportées' }).check();
    await page.getByText(`Attention${NBSP}: les dépenses déjà exportées`).waitFor();
    await form.getByRole('button', { name: 'Exporter' }).click();
    expect(await alertText(page)).toContain('Le FEC est nommé d\u2019après le SIREN de l\u2019entreprise, qui n\u2019est pas renseigné.');
    await page.getByRole('link', { name: 'Ouvrir les paramètres comptables' }).click();
    await page.waitForURL((u) => u.pathname === '/exports/settings');
    const settings = page.getByRole('form', { name: 'Paramètres comptables' });
    expect(await settings.getByLabel('Prochain numéro d\u2019écriture').inputValue()).toBe('3');
    expect(await settings.getByLabel('Séparateur CSV').inputValue()).toBe(';');
    await shot(page, 'exports-settings');

    // The history lists the batch, with its file.
    await tab(page, 'Historique').click();
    const row = page.getByRole('row', { name: new RegExp(FILE) });
    await row.waitFor();
    const rowText = squash(await row.innerText());
    expect(rowText).toContain('Comptable');
    expect(rowText).toContain('Conservé');
    expect(rowText).toContain(shown.slice(0, 16));
    expect(rowText).toContain('vous');
    const href = (await row.getByRole('link', { name: `Télécharger ${FILE}` }).getAttribute('href'))!;
    const again = await page.request.get(href);
    expect(again.status()).toBe(200);
    expect(createHash('sha256').update(await again.body()).digest('hex')).toBe(shown);
    await shot(page, 'exports-history');

    // Payroll: a preset of two columns (reordered), saved, then used for the period's export.
    await tab(page, 'Paie').click();
    const editor = page.getByRole('form', { name: 'Modèle de colonnes' });
    await editor.getByLabel('Nom du modèle').fill('Silae');
    for (let n = 7; n >= 3; n--) await editor.getByRole('button', { name: `Retirer la colonne ${n}` }).click();
    await editor.getByRole('combobox', { name: 'Donnée de la colonne 1' }).selectOption('amount');
    await editor.getByLabel('Intitulé de la colonne 1').fill('Montant');
    await editor.getByRole('button', { name: 'Descendre la colonne 1' }).click();
    expect(await editor.getByLabel('Intitulé de la colonne 1').inputValue()).toBe('Salarié');
    await editor.getByRole('button', { name: 'Enregistrer le modèle' }).click();
    await page.getByText(`Modèle «${NBSP}Silae${NBSP}» enregistré.`).waitFor();
    const payroll = page.getByRole('form', { name: 'Export paie' });
    expect(await payroll.getByRole('combobox', { name: 'Colonnes' }).locator('option:checked').innerText()).toBe('Silae');
    await payroll.getByLabel('Du', { exact: true }).fill('2026-03-01');
    await payroll.getByLabel('Au', { exact: true }).fill('2026-03-31');
    await payroll.getByRole('button', { name: 'Exporter' }).click();
    const pay = page.getByTestId('export-batch');
    await pay.getByRole('heading', { name: 'Export paie créé' }).waitFor();
    const payHref = (await pay.getByRole('link', { name: 'Télécharger paie-2026-03-01-2026-03-31.csv' }).getAttribute('href'))!;
    const payCsv = (await (await page.request.get(payHref)).body()).toString('utf8').replace(/^\ufeff/, '');
    expect(payCsv.split('\r\n').filter(Boolean)).toEqual(['Salarié;Montant', `${admin.name};122,60`]);
  });

  it('refuses a wrong IBAN in the profile, accepts a right one shown masked; prepares and confirms the SEPA file', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.goto('/profile');
    await page.getByRole('heading', { name: 'Compte bancaire pour les remboursements' }).waitFor();
    await page.getByTestId('bank-account').getByText('Aucun compte renseigné.').waitFor();
    await page.getByRole('button', { name: 'Renseigner mon IBAN' }).click();
    const form = page.getByRole('form', { name: 'Compte bancaire' });
    const iban = form.getByLabel('IBAN');
    await iban.fill('FR14 2004 1010 0505 0001 3M02 607');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await form.getByText(/Cet IBAN n’est pas valide/).waitFor();
    expect(await iban.getAttribute('aria-invalid')).toBe('true');
    await iban.fill('FR14 2004 1010 0505 0001 3M02 606');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Compte bancaire enregistré.').waitFor();
    const shownIban = squash(await page.getByTestId('bank-account').innerText());
    expect(shownIban).toMatch(/FR14 [• ]+606/);
    expect(shownIban).not.toContain('2004');
    await shot(page, 'exports-profile-bank');

    // The company account, then the transfer file: one transfer to the admin, 122,60 €.
    await page.goto('/exports/reimbursements');
    const company = page.getByRole('form', { name: 'Compte de l\u2019entreprise (débiteur des virements)' });
    await company.getByLabel('Titulaire').fill('Atelier Roux');
    await company.getByLabel('IBAN').fill('FR76 3000 6000 0112 3456 7890 189');
    await company.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Compte de l\u2019entreprise enregistré.').waitFor();
    expect(squash(await page.getByTestId('company-account').innerText())).toMatch(/FR76 [• ]+189/);
    await page.getByRole('button', { name: 'Préparer le fichier', exact: true }).click();
    const prepared = page.getByTestId('sepa-prepared');
    await prepared.waitFor();
    expect(squash(await prepared.innerText())).toContain('122,60 €');
    const xmlHref = (await prepared.getByRole('link', { name: 'Télécharger le fichier XML' }).getAttribute('href'))!;
    const xml = await (await page.request.get(xmlHref)).text();
    expect(xml).toContain('<InstdAmt Ccy="EUR">122.60</InstdAmt>');
    expect(xml).toContain('<IBAN>FR1420041010050500013M02606</IBAN>');
    const fileRow = page.locator('tr[data-sepa]').first();
    await expect.poll(async () => squash(await fileRow.innerText())).toContain('En attente');
    await fileRow.getByRole('button', { name: /^Confirmer l’exécution de / }).click();
    await page.getByRole('dialog', { name: 'Confirmer' }).getByRole('button', { name: 'Confirmer l\u2019exécution', exact: true }).click();
    await page.getByText(`Virements confirmés${NBSP}: 2 dépense(s) remboursée(s).`).waitFor();
    await expect.poll(async () => squash(await fileRow.innerText())).toContain('Confirmé');
    await shot(page, 'exports-sepa');
  });

  it('takes a full export from the settings: started, followed while it is made, then downloadable as a ZIP', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.goto('/settings/reversibility');
    await page.getByRole('heading', { name: 'Export complet des données' }).waitFor();
    await page.getByRole('button', { name: 'Lancer un export complet' }).click();
    await page.getByText(`Export lancé${NBSP}: vous serez prévenu par e-mail quand il sera prêt.`).waitFor();
    const row = page.locator('tr[data-export]').first();
    await expect.poll(async () => squash(await row.innerText())).toContain('En attente');
    // the worker's job (the test server runs none): the page, polling, shows it ready
    const id = (await row.getAttribute('data-export'))!;
    await env.server.ctx.c.reversibility.run(tenantId, id);
    await row.getByRole('link', { name: 'Télécharger' }).waitFor({ timeout: 10_000 });
    expect(squash(await row.innerText())).toContain('Prêt');
    const zip = await page.request.get((await row.getByRole('link', { name: 'Télécharger' }).getAttribute('href'))!);
    expect(zip.headers()['content-type']).toBe('application/zip');
    expect((await zip.body()).subarray(0, 2).toString()).toBe('PK');
    await shot(page, 'settings-reversibility');
  });

  it('shows the exports page in English', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.goto('/exports/history');
    await page.getByRole('heading', { name: 'Exports', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    const tabs = page.getByRole('navigation', { name: 'Export sections' });
    await tabs.waitFor();
    expect(await tabs.getByRole('link').allInnerTexts()).toEqual(['Accounting', 'Payroll', 'Reimbursements', 'History', 'Accounting settings']);
    await page.getByRole('row', { name: new RegExp(FILE) }).getByText('Accounting').waitFor();
    expect(await page.title()).toBe('History · Exports · Justif');
    await tabs.getByRole('link', { name: 'Accounting', exact: true }).click();
    await page.getByRole('button', { name: 'Export', exact: true }).waitFor();
    await page.getByRole('checkbox', { name: 'Export already exported expenses again' }).waitFor();
  });

});
