// The employee's expense screens: a new expense with a real receipt image (preview before upload,
// the same bytes back on download), the list with its search, hostile files refused by the server
// with its message next to the file and no receipt created, retry from the expense page, amounts
// typed with a comma, a foreign currency converted, mileage with a new vehicle, an edit that meets
// a newer version, deletion of a draft, and the form on a phone.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../api/features/audit/audit.service.ts';
import { TenantDb } from '../../storage/db/tenant-db.ts';
import { createTenantWithAdmin, createUser, type TestUser } from '../support/factories.ts';
import { jpeg, receiptPng } from '../support/images.ts';
import { alertText, setup, shot, signIn } from './browser.ts';

let employee: TestUser;

const DROP = 'Déposez vos justificatifs ici ou cliquez pour les choisir';
const today = () => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris' }).format(new Date());

const env = setup(async ({ server }) => {
  const t = await createTenantWithAdmin(server.ctx, { name: 'Ateliers Garnier' });
  employee = await createUser(server.ctx, t.tenantId, ['employee']);
  // 1 EUR = 1.25 USD today, so that 12,50 USD is 10,00 EUR.
  await server.ctx.c.rates.set(new TenantDb(t.tenantId, server.ctx.c.db.kysely), SYSTEM_ACTOR, { currency: 'USD', date: today(), rate: '1.25' });
});


/** The colour the browser decoded at (x, y) of the first image matching `selector`. */
async function pixel(page: Page, selector: string, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([sel, px, py]) => {
      const img = document.querySelector<HTMLImageElement>(sel as string)!;
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      return [...g.getImageData(px as number, py as number, 1, 1).data];
    },
    [selector, x, y] as const,
  );
}

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name, exact: true });

async function api<T>(page: Page, method: 'GET' | 'PATCH', path: string, body?: object): Promise<T> {
  const session = (await (await page.request.get('/api/v1/session')).json()) as { csrfToken: string };
  const r = await page.request.fetch(`/api/v1${path}`, { method, headers: { 'X-CSRF-Token': session.csrfToken }, ...(body ? { data: body } : {}) });
  expect(r.ok(), `${method} ${path}: ${r.status()} ${await r.text()}`).toBe(true);
  return (await r.json()) as T;
}

async function fillBasics(page: Page, merchant: string, amount: string, category: string) {
  await page.getByLabel('Marchand').fill(merchant);
  await page.getByLabel('Montant TTC').fill(amount);
  await page.getByRole('combobox', { name: 'Catégorie' }).selectOption({ label: category });
}

async function expenseIdFromUrl(page: Page): Promise<string> {
  await page.waitForURL((u) => /^\/expenses\/[0-9a-f-]{36}$/.test(u.pathname));
  return new URL(page.url()).pathname.split('/').pop()!;
}

/** Every image in `scope` has loaded and decoded to real pixels. */
async function imagesLoaded(page: Page, selector: string) {
  await page.waitForFunction((sel) => {
    const imgs = [...document.querySelectorAll<HTMLImageElement>(sel)];
    return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, selector);
}

describe('my expenses', () => {
  const receipt = receiptPng(240, 320);
  let firstId = '';

  it('creates an expense with a receipt image, shows it, downloads the same bytes, and finds it in My expenses', async () => {
    const page = await env.newPage();
    await signIn(page, employee.email, employee.password);
    await nav(page, 'Nouvelle dépense').click();
    await page.getByRole('heading', { name: 'Nouvelle dépense', level: 1 }).waitFor();
    expect(await nav(page, 'Nouvelle dépense').getAttribute('aria-current')).toBe('page');
    expect(await nav(page, 'Mes dépenses').getAttribute('aria-current')).toBeNull();

    await fillBasics(page, 'Brasserie du Port', '12,34', 'Restaurant');
    // Restaurant asks for the attendees; the default payment method is the reimbursable one.
    await page.getByLabel('Participants').fill('Marie Curie\nPierre Curie');
    await page.getByText('Remboursable\u00a0: vous avez payé personnellement').waitFor();
    // A VAT line: the VAT is computed from the base.
    await page.getByRole('button', { name: 'Ajouter une ligne de TVA' }).click();
    const line = page.getByRole('group', { name: 'Ligne de TVA 1' });
    await line.getByRole('combobox', { name: 'Taux' }).selectOption('1000');
    await line.getByLabel('Base HT').fill('11,22');
    expect(await line.getByLabel('Montant de TVA').inputValue()).toBe('1,12');

    // The drop zone is the label of the file input; a preview shows before upload.
    const input = page.getByLabel(DROP);
    expect(await input.getAttribute('accept')).toBe('image/jpeg,image/png,image/webp,image/heic,image/heif,application/pdf');
    await input.setInputFiles({ name: 'ticket-brasserie.png', mimeType: 'image/png', buffer: receipt });
    const chosen = page.getByRole('list', { name: 'Fichiers choisis' });
    await chosen.getByRole('img', { name: 'Aperçu de ticket-brasserie.png' }).waitFor();
    await imagesLoaded(page, '.filelist img');
    // A second file, removed again.
    await input.setInputFiles({ name: 'brouillon.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
    await chosen.locator('[data-file="brouillon.pdf"]').getByText('PDF').first().waitFor();
    await page.getByRole('button', { name: 'Retirer brouillon.pdf' }).click();
    expect(await chosen.getByRole('listitem').count()).toBe(1);
    await shot(page, 'expense-new');

    await page.getByRole('button', { name: 'Enregistrer la dépense' }).click();
    const id = await expenseIdFromUrl(page);
    firstId = id;
    await page.getByText('Dépense enregistrée en brouillon. 1 justificatif(s) ajouté(s).').waitFor();

    // "12,34" went as 1234 minor units, the VAT line and attendees as typed.
    const e = await api<{ amountMinor: number; currency: string; vatLines: unknown[]; attendees: string[]; status: string }>(page, 'GET', `/expenses/${id}`);
    expect(e).toMatchObject({ amountMinor: 1234, currency: 'EUR', status: 'draft', attendees: ['Marie Curie', 'Pierre Curie'], vatLines: [{ rateBp: 1000, baseMinor: 1122, vatMinor: 112 }] });

    // The detail page: fields, the receipt's preview and its download.
    await page.getByRole('heading', { level: 1, name: /Brasserie du Port/ }).waitFor();
    expect((await page.getByTestId('expense-amount').innerText()).replace(/\s/g, ' ')).toBe('12,34 €');
    const main = await page.locator('main').innerText();
    expect(main).toContain('Brouillon');
    expect(main).toContain('Avance personnelle (remboursable)');
    expect(main).toContain('Pierre Curie');
    await page.getByRole('img', { name: 'Aperçu de ticket-brasserie.png' }).waitFor();
    await imagesLoaded(page, '.receipt img');
    // Decoded for real (the original, or a JPEG rendition of it): paper at the corner, ink on the first line.
    expect((await pixel(page, '.receipt img', 2, 2)).slice(0, 3).every((v) => v > 230)).toBe(true);
    expect((await pixel(page, '.receipt img', 20, 22)).slice(0, 3).every((v) => v < 70)).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Télécharger ticket-brasserie.png' }).click()]);
    expect(download.suggestedFilename()).toBe('ticket-brasserie.png');
    expect((await readFile((await download.path())!)).equals(receipt)).toBe(true);
    await shot(page, 'expense-detail');

    // My expenses: found with the search box, with its badge, amount and receipt indicator.
    await nav(page, 'Mes dépenses').click();
    await page.getByRole('heading', { name: 'Mes dépenses', level: 1 }).waitFor();
    await page.getByLabel('Marchand, description ou projet').fill('brasserie');
    const row = page.locator(`tr[data-expense="${id}"]`);
    await row.getByText('1 justificatif(s)').waitFor();
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('Brasserie du Port');
    expect(text).toContain('12,34 €');
    expect(text).toContain('Restaurant');
    expect(text).toContain('Brouillon');
    await shot(page, 'expenses-list');
    await page.getByLabel('Marchand, description ou projet').fill('quincaillerie');
    await page.getByText('Aucune dépense ne correspond à ces critères.').waitFor();
    expect(await row.count()).toBe(0);
  });

  it('shows the server\u2019s verdict next to a hostile file, creates no receipt, and lets the user retry from the expense page', async () => {
    const page = await env.newPage();
    await signIn(page, employee.email, employee.password);
    await page.goto('/expenses/new');
    // In dollars: converted at today's rate.
    await fillBasics(page, 'Papeterie Moderne', '12.50', 'Fournitures');
    await page.getByRole('combobox', { name: 'Devise' }).selectOption('USD');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>');
    await page.getByLabel(DROP).setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: svg });
    await page.getByText('Ce type de fichier risque d\u2019être refusé.').waitFor(); // a hint only: the server decides
    await page.getByRole('button', { name: 'Enregistrer la dépense' }).click();

    // The draft exists; the upload was refused (415) with the server's words beside the file.
    const id = await expenseIdFromUrl(page);
    const alert = await alertText(page);
    expect(alert).toContain('Les justificatifs n\u2019ont pas été enregistrés.');
    expect(alert).toContain('Ce type de fichier n\u2019est pas accepté');
    const svgRow = page.locator('[data-file="logo.svg"]');
    expect(await svgRow.locator('.filelist__error').innerText()).toMatch(/logo\.svg: .*SVG/);
    await page.getByText('Aucun justificatif n\u2019est joint à cette dépense.').waitFor();
    expect((await api<{ items: unknown[] }>(page, 'GET', `/expenses/${id}/receipts`)).items).toHaveLength(0);
    const e = await api<{ amountMinor: number; currency: string; convertedMinor: number; rate: string }>(page, 'GET', `/expenses/${id}`);
    expect(e).toMatchObject({ amountMinor: 1250, currency: 'USD', convertedMinor: 1000, rate: '1.25' });
    expect((await page.getByTestId('expense-amount').innerText()).replace(/\s/g, ' ')).toBe('12,50 $US');
    expect((await page.locator('main').innerText()).replace(/\s/g, ' ')).toContain('Au taux de 1 EUR = 1,25 USD');
    await shot(page, 'expense-upload-refused');

    // Swap it for a truncated JPEG: refused as damaged (422), still nothing stored.
    await page.getByRole('button', { name: 'Retirer logo.svg' }).click();
    await page.getByLabel(DROP).setInputFiles({ name: 'coupe.jpg', mimeType: 'image/jpeg', buffer: jpeg(640, 480, false) });
    await page.getByRole('button', { name: 'Réessayer l\u2019envoi' }).click();
    await page.locator('[data-file="coupe.jpg"] .filelist__error').waitFor();
    expect(await alertText(page)).toContain('Ce fichier est endommagé, incomplet ou refusé par sécurité.');
    expect(await page.locator('[data-file="coupe.jpg"] .filelist__error').innerText()).toMatch(/coupe\.jpg: .*incomplete/);
    expect((await api<{ items: unknown[] }>(page, 'GET', `/expenses/${id}/receipts`)).items).toHaveLength(0);

    // A real image goes through.
    await page.getByRole('button', { name: 'Retirer coupe.jpg' }).click();
    await page.getByLabel(DROP).setInputFiles({ name: 'facture.png', mimeType: 'image/png', buffer: receiptPng(300, 200) });
    await page.getByRole('button', { name: 'Réessayer l\u2019envoi' }).click();
    await page.getByText('1 justificatif(s) ajouté(s).').waitFor();
    await page.getByRole('img', { name: 'Aperçu de facture.png' }).waitFor();
    expect((await api<{ items: unknown[] }>(page, 'GET', `/expenses/${id}/receipts`)).items).toHaveLength(1);
    expect(await page.locator('[role="alert"]:not(:empty)').count()).toBe(0);

    // The list shows both amounts; the filter on the amount in euros finds it (10,00 € ≥ 9,99).
    await page.goto('/expenses');
    await page.getByLabel('Montant min. (EUR)').fill('9,99');
    const row = page.locator(`tr[data-expense="${id}"]`);
    await row.waitFor();
    expect((await row.innerText()).replace(/\s+/g, ' ')).toMatch(/12,50 \$US soit 10,00 €/);
    await page.getByLabel('Montant min. (EUR)').fill('10,01');
    await row.waitFor({ state: 'detached' });
  });

  it('edits a draft, says plainly when it changed elsewhere, and deletes a draft after confirmation', async () => {
    const page = await env.newPage();
    await signIn(page, employee.email, employee.password);
    await page.goto(`/expenses/${firstId}`);
    await page.getByRole('link', { name: 'Modifier' }).click();
    await page.getByRole('heading', { name: 'Modifier la dépense' }).waitFor();
    expect(await page.getByLabel('Montant TTC').inputValue()).toBe('12,34');
    await page.getByLabel('Marchand').fill('Brasserie du Vieux Port');

    // Someone (another tab) saves first.
    const before = await api<{ version: number }>(page, 'GET', `/expenses/${firstId}`);
    await api(page, 'PATCH', `/expenses/${firstId}`, { description: 'Déjeuner client', version: before.version });
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    expect(await alertText(page)).toContain('Cette dépense a été modifiée ailleurs');
    await shot(page, 'expense-stale');
    await page.getByRole('button', { name: 'Recharger la dépense' }).click();
    await expect.poll(() => page.getByLabel('Description').inputValue()).toBe('Déjeuner client');
    await page.getByLabel('Marchand').fill('Brasserie du Vieux Port');
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/expenses/${firstId}`);
    await page.getByText('Modifications enregistrées.').waitFor();
    await page.getByRole('heading', { level: 1, name: /Brasserie du Vieux Port/ }).waitFor();
    expect(await page.locator('main').innerText()).toContain('Déjeuner client');

    // Delete: cancel first, then confirm.
    await page.getByRole('button', { name: 'Supprimer le brouillon' }).click();
    const confirm = page.getByRole('dialog', { name: 'Confirmer' });
    await confirm.getByRole('button', { name: 'Annuler' }).click();
    await page.getByRole('button', { name: 'Supprimer le brouillon' }).click();
    await confirm.getByRole('button', { name: 'Supprimer le brouillon' }).click();
    await page.waitForURL((u) => u.pathname === '/expenses');
    await page.getByText('Brouillon supprimé.').waitFor();
    const r = await page.request.get(`/api/v1/expenses/${firstId}`);
    expect(r.status()).toBe(404);
  });

  it('records a trip with a new vehicle and shows its price and barème year', async () => {
    const page = await env.newPage();
    await signIn(page, employee.email, employee.password);
    await page.goto('/expenses/new');
    await page.getByRole('navigation', { name: 'Type de dépense' }).getByRole('link', { name: 'Trajet' }).click();
    await page.getByText('Ajoutez d\u2019abord votre véhicule.').waitFor();
    await page.getByRole('button', { name: 'Ajouter un véhicule' }).click();
    const dialog = page.getByRole('dialog', { name: 'Ajouter un véhicule' });
    await dialog.getByLabel('Nom du véhicule').fill('Peugeot 308');
    await dialog.getByLabel('Puissance fiscale (CV)').fill('5');
    await dialog.getByRole('button', { name: 'Ajouter un véhicule' }).click();
    await page.getByText('Véhicule «\u00a0Peugeot 308\u00a0» ajouté.').waitFor();
    expect(await page.getByRole('combobox', { name: 'Véhicule' }).locator('option:checked').innerText()).toBe('Peugeot 308 (Voiture, 5\u00a0CV)');

    await page.getByLabel('Départ').fill('Lyon');
    await page.getByLabel('Arrivée').fill('Villeurbanne');
    await page.getByLabel('Motif du déplacement').fill('Visite client');
    await page.getByLabel('Distance (km)').fill('12,55');
    await page.getByRole('checkbox', { name: /Aller-retour/ }).check();
    await page.getByRole('button', { name: 'Enregistrer le trajet' }).click();
    await page.getByText('Indiquez une distance en km avec une décimale au plus').waitFor();
    await page.getByLabel('Distance (km)').fill('12,5');
    await page.getByRole('button', { name: 'Enregistrer le trajet' }).click();
    const id = await expenseIdFromUrl(page);
    const e = await api<{ amountMinor: number; mileage: { distanceKm: number; countedKm: number; scaleYear: number } }>(page, 'GET', `/expenses/${id}`);
    expect(e.mileage).toMatchObject({ distanceKm: 12.5, countedKm: 25 });
    expect(e.amountMinor).toBeGreaterThan(0);
    const notice = (await page.getByRole('status').innerText()).replace(/\s/g, ' ');
    expect(notice).toMatch(new RegExp(`Trajet enregistré : \\d+,\\d\\d € selon le barème kilométrique ${e.mileage.scaleYear}\\.`));
    // the trip's details (vehicle, barème) are read after the page first shows: wait for them
    const main = () => page.locator('main').innerText();
    await expect.poll(main).toContain('Lyon → Villeurbanne');
    await expect.poll(main).toContain(`Barème ${e.mileage.scaleYear}`);
    await expect.poll(main).toContain('Peugeot 308');
    await shot(page, 'expense-mileage');
  });

  it('fits a phone: the new expense form with the camera input', async () => {
    const page = await env.newPage({ mobile: true });
    await signIn(page, employee.email, employee.password);
    await page.goto('/expenses/new');
    await page.getByRole('heading', { name: 'Nouvelle dépense', level: 1 }).waitFor();
    const camera = page.getByLabel('Prendre une photo');
    expect(await camera.getAttribute('capture')).toBe('environment');
    expect(await page.getByText('Prendre une photo').isVisible()).toBe(true);
    expect(await page.getByLabel(DROP).getAttribute('accept')).toBe('image/jpeg,image/png,image/webp,image/heic,image/heif,application/pdf');
    await page.getByRole('combobox', { name: 'Catégorie' }).locator('option', { hasText: 'Restaurant' }).waitFor({ state: 'attached' });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await shot(page, 'expense-new-mobile');
  });
});
