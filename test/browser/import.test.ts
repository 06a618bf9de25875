// CSV import from the Users page: a file with a bad row shows every error and imports nothing;
// a good file imports (more than a page of users, so "load more" is exercised too).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTenantWithAdmin, lastMailTo, type TestUser } from '../support/factories.ts';
import { setup, shot, signIn } from './browser.ts';

let admin: TestUser;
let tenantId: string;

const env = setup(async ({ server }) => {
  const t = await createTenantWithAdmin(server.ctx);
  admin = t.admin;
  tenantId = t.tenantId;
});

const userCount = async () => Number((await env.server.ctx.c.db.kysely.selectFrom('app_user').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()).n);
const csvFile = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });

describe('CSV import', () => {
  it('shows the row errors and imports nothing, then imports a good file', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.goto('/users/import');
    await page.getByRole('heading', { name: 'Importer des utilisateurs depuis un fichier CSV' }).waitFor();
    for (const c of ['email', 'name', 'roles', 'team', 'manager_email', 'payroll_id']) await page.locator('dt code', { hasText: new RegExp(`^${c}$`) }).waitFor();

    // The example file downloads and has the expected header.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Télécharger un exemple de fichier' }).click()]);
    const example = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    expect(example.split(/\r?\n/)[0]).toBe('email,name,roles,team,manager_email,payroll_id,locale');
    expect(download.suggestedFilename()).toBe('justif-utilisateurs-exemple.csv');

    const before = await userCount();
    const bad = [
      'email,name,roles,team,manager_email,payroll_id',
      'ok.one@import.test,Alice Bon,employee,Compta,,A1',
      'not-an-email,Bruno Faux,employee,,,',
      'ok.two@import.test,Chloé Rôle,employee|pilot,,,',
      'ok.three@import.test,Denis Manager,employee,,ghost@import.test,',
    ].join('\n');
    await page.getByLabel('Fichier CSV').setInputFiles(csvFile('mauvais.csv', bad));
    await page.getByText('Fichier choisi\u00a0: mauvais.csv (4 ligne(s) de données)').waitFor();
    await page.getByRole('button', { name: 'Importer', exact: true }).click();
    await page.getByText('Le fichier contient des erreurs\u00a0: rien n\u2019a été importé.', { exact: false }).waitFor();
    const rows = await page.getByRole('table', { name: 'Erreurs du fichier' }).locator('tbody tr').allInnerTexts();
    const cells = rows.map((r) => r.split('\t').map((s) => s.trim()));
    expect(cells.some(([row, col]) => row === '3' && col === 'email')).toBe(true);
    expect(cells.some(([row, col]) => row === '4' && col === 'roles')).toBe(true);
    expect(cells.some(([row, col, msg]) => row === '5' && col === 'manager_email' && msg!.includes('ghost@import.test'))).toBe(true);
    expect(await userCount()).toBe(before);
    expect(await lastMailTo(env.server.ctx, 'ok.one@import.test')).toBeUndefined();
    await shot(page, 'import-errors');

    const good = ['email;name;roles;team;manager_email;payroll_id', 'chef@import.test;Chef Équipe;manager|employee;Ventes;;P000']
      .concat(Array.from({ length: 54 }, (_, i) => `vendeur${String(i + 1).padStart(2, '0')}@import.test;Vendeur ${i + 1};employee;Ventes;chef@import.test;P${i + 1}`))
      .join('\r\n');
    await page.getByLabel('Fichier CSV').setInputFiles(csvFile('equipe-ventes.csv', good));
    await page.getByRole('button', { name: 'Importer', exact: true }).click();
    await page.getByText('Import terminé\u00a0: 55 utilisateur(s) créé(s), 0 mis à jour, 1 équipe(s) créée(s).').waitFor();
    expect(await page.getByRole('table', { name: 'Erreurs du fichier' }).count()).toBe(0);
    expect(await userCount()).toBe(before + 55);
    expect((await lastMailTo(env.server.ctx, 'vendeur07@import.test'))?.text).toMatch(/\/invitation\//);
    await shot(page, 'import-done');

    // The Users list pages through them with "load more".
    await page.getByRole('link', { name: 'Utilisateurs', exact: true }).last().click();
    await page.waitForURL((u) => u.pathname === '/users');
    await page.getByText('50 affiché(s)').waitFor();
    await page.getByRole('button', { name: 'Afficher plus' }).click();
    await page.getByText('56 affiché(s)').waitFor();
    expect(await page.getByRole('button', { name: 'Afficher plus' }).count()).toBe(0);
    const row = page.locator('tr[data-email="vendeur54@import.test"]');
    await expect.poll(() => row.innerText()).toContain('Ventes');
    await expect.poll(() => row.innerText()).toContain('Chef Équipe');

    // Filters: search and status.
    await page.getByLabel('Nom ou e-mail').fill('chef@');
    await page.getByText('1 affiché(s)').waitFor();
    await page.getByLabel('Nom ou e-mail').fill('');
    await page.getByRole('combobox', { name: 'Rôle' }).selectOption('manager');
    await page.getByText('1 affiché(s)').waitFor();
    await page.getByRole('combobox', { name: 'Rôle' }).selectOption('');
    await page.getByRole('combobox', { name: 'Statut' }).selectOption('active');
    await page.getByText('1 affiché(s)').waitFor(); // only the admin has signed in
    await shot(page, 'users-filtered');
  });
});
