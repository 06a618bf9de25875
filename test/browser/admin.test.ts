// What admins and operators do beyond invitations: edit users, the last-admin rule,
// deactivation, teams, Clients (operator), API tokens on the profile page.
import { describe, expect, it } from 'vitest';
import { createOperator, createTenantWithAdmin, createUser, lastMailTo, type TestUser } from '../support/factories.ts';
import { setup, shot, signIn } from './browser.ts';

let admin: TestUser;
let employee: TestUser;
let operator: TestUser;

const env = setup(async ({ server }) => {
  const t = await createTenantWithAdmin(server.ctx, { name: 'Transports Moreau' });
  admin = t.admin;
  employee = await createUser(server.ctx, t.tenantId, ['employee']);
  operator = await createOperator(server.ctx);
});

describe('administration', () => {
  it('edits users and teams, keeps the last admin, deactivates and reactivates', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);

    // Teams: create one with a manager, then rename it.
    await page.goto('/users/teams');
    await page.getByText('Aucune équipe pour le moment.').waitFor();
    await page.getByLabel('Nom de l\u2019équipe').fill('Logistique');
    await page.getByRole('combobox', { name: 'Manager de l\u2019équipe' }).selectOption({ label: admin.name });
    await page.getByRole('button', { name: 'Créer une équipe' }).click();
    await page.getByText('Équipe «\u00a0Logistique\u00a0» créée.').waitFor();
    await page.getByRole('button', { name: 'Modifier l\u2019équipe Logistique' }).click();
    const teamDialog = page.getByRole('dialog');
    await teamDialog.getByLabel('Nom de l\u2019équipe').fill('Logistique Sud');
    await teamDialog.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Équipe «\u00a0Logistique Sud\u00a0» mise à jour.').waitFor();
    await page.getByRole('cell', { name: 'Logistique Sud', exact: true }).waitFor();
    await shot(page, 'teams');

    // Edit the employee: one more role, a team, a manager.
    await page.getByRole('link', { name: 'Utilisateurs', exact: true }).last().click();
    await page.getByRole('button', { name: `Modifier ${employee.name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Modifier ${employee.name}` });
    await dialog.getByRole('checkbox', { name: 'Contrôleur' }).check();
    await dialog.getByRole('combobox', { name: 'Équipe' }).selectOption({ label: 'Logistique Sud' });
    await dialog.getByRole('combobox', { name: 'Manager' }).selectOption({ label: `${admin.name} (${admin.email})` });
    await shot(page, 'user-edit');
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText(`${employee.name} a été mis à jour.`).waitFor();
    const row = page.locator(`tr[data-email="${employee.email}"]`);
    await expect.poll(() => row.innerText()).toMatch(/Contrôleur[\s\S]*Logistique Sud[\s\S]*Admin/);

    // The last admin cannot drop their own admin role: the 409 is explained.
    await page.getByRole('button', { name: `Modifier ${admin.name}` }).click();
    const own = page.getByRole('dialog', { name: `Modifier ${admin.name}` });
    await own.getByRole('checkbox', { name: 'Administrateur' }).uncheck();
    await own.getByRole('button', { name: 'Enregistrer' }).click();
    expect(await own.getByRole('alert').innerText()).toContain('Un Client doit garder au moins un administrateur actif');
    await shot(page, 'last-admin');
    await own.getByRole('button', { name: 'Annuler' }).click();

    // Deactivate with confirmation (cancel first), then reactivate.
    await page.getByRole('button', { name: `Désactiver ${employee.name}` }).click();
    const confirm = page.getByRole('dialog', { name: 'Confirmer' });
    expect(await confirm.innerText()).toContain(`Désactiver ${employee.name}\u00a0?`);
    await confirm.getByRole('button', { name: 'Annuler' }).click();
    await expect.poll(() => row.innerText()).toContain('Actif');
    await page.getByRole('button', { name: `Désactiver ${employee.name}` }).click();
    await confirm.getByRole('button', { name: 'Désactiver' }).click();
    await page.getByText(`${employee.name} est désactivé.`).waitFor();
    await row.getByText('Désactivé').waitFor();
    await shot(page, 'user-deactivated');
    await page.getByRole('button', { name: `Réactiver ${employee.name}` }).click();
    await confirm.getByRole('button', { name: 'Réactiver' }).click();
    await row.getByText('Actif').waitFor();
  });

  it('resends an invitation', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.goto('/users');
    await page.getByRole('button', { name: 'Inviter un utilisateur' }).click();
    const dialog = page.getByRole('dialog', { name: 'Inviter un utilisateur' });
    await dialog.getByLabel('Adresse e-mail').fill('lent@example.test');
    await dialog.getByLabel('Nom', { exact: true }).fill('Léon Lent');
    await dialog.getByRole('button', { name: 'Envoyer l\u2019invitation' }).click();
    await page.getByText('Invitation envoyée à lent@example.test.').waitFor();
    const first = (await lastMailTo(env.server.ctx, 'lent@example.test'))!.text;
    await page.getByRole('button', { name: 'Renvoyer l\u2019invitation à Léon Lent' }).click();
    await page.getByRole('dialog', { name: 'Confirmer' }).getByRole('button', { name: 'Renvoyer l\u2019invitation' }).click();
    await page.getByText('Nouvelle invitation envoyée à lent@example.test.').waitFor();
    expect((await lastMailTo(env.server.ctx, 'lent@example.test'))!.text).not.toBe(first);
  });

  it('creates, shows once and revokes an API token', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.getByRole('link', { name: 'Profil', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Jetons d\u2019API' }).waitFor();
    await page.getByLabel('Nom du jeton').fill('Logiciel de paie');
    await page.getByRole('checkbox', { name: /Lire les utilisateurs/ }).check();
    await page.getByRole('button', { name: 'Créer un jeton' }).last().click();
    await page.getByText('il ne sera plus jamais affiché').waitFor();
    const secret = await page.getByLabel('Jeton secret').inputValue();
    expect(secret).toMatch(/^jt_/);
    await shot(page, 'token-created');

    const users = await fetch(`${env.url}/api/v1/users`, { headers: { Authorization: `Bearer ${secret}` } });
    expect(users.status).toBe(200);

    await page.reload();
    await page.getByRole('cell', { name: 'Logiciel de paie', exact: true }).waitFor();
    expect(await page.getByLabel('Jeton secret').count()).toBe(0);
    await page.getByRole('button', { name: 'Révoquer le jeton Logiciel de paie' }).click();
    await page.getByRole('dialog', { name: 'Confirmer' }).getByRole('button', { name: 'Révoquer' }).click();
    await page.getByText('Jeton «\u00a0Logiciel de paie\u00a0» révoqué.').waitFor();
    await page.getByText('Révoqué', { exact: true }).waitFor();
    expect((await fetch(`${env.url}/api/v1/users`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(401);
  });

  it('lets an operator list and create Clients, and nothing of a Client admin', async () => {
    const page = await env.newPage();
    await signIn(page, operator.email, operator.password);
    expect(await page.getByTestId('tenant-name').innerText()).toBe('Espace éditeur');
    const nav = (await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link').allInnerTexts()).map((s) => s.trim());
    expect(nav).toEqual(['Accueil', 'Clients', 'Facturation', 'Registre RGPD', 'Accès support', 'Profil']);
    await page.goto('/users');
    await page.getByRole('heading', { name: 'Accès non autorisé' }).waitFor();

    await page.goto('/clients');
    await page.getByRole('cell', { name: 'Transports Moreau', exact: true }).waitFor();
    const form = page.locator('aside');
    await form.getByLabel('Raison sociale').fill('Cabinet Lefèvre & Associés');
    await form.getByRole('combobox', { name: 'Offre' }).selectOption('enterprise');
    await form.getByLabel('E-mail du premier administrateur').fill('direction@lefevre.test');
    await form.getByLabel('Nom du premier administrateur').fill('Hélène Lefèvre');
    await form.getByRole('button', { name: 'Créer un Client' }).click();
    await page.getByText('Client «\u00a0Cabinet Lefèvre & Associés\u00a0» créé\u00a0: une invitation a été envoyée à direction@lefevre.test.').waitFor();
    const row = page.getByRole('row', { name: /Cabinet Lefèvre/ });
    await expect.poll(() => row.innerText()).toContain('Entreprise');
    expect((await lastMailTo(env.server.ctx, 'direction@lefevre.test'))?.text).toMatch(/\/invitation\//);
    await shot(page, 'clients');

    // The same first-admin address again is refused with a clear message.
    await form.getByLabel('Raison sociale').fill('Doublon SARL');
    await form.getByLabel('E-mail du premier administrateur').fill('direction@lefevre.test');
    await form.getByLabel('Nom du premier administrateur').fill('Quelqu\u2019un');
    await form.getByRole('button', { name: 'Créer un Client' }).click();
    expect(await form.getByRole('alert').innerText()).toContain('Un utilisateur existe déjà avec cette adresse e-mail.');

    // Vendor profile: no API tokens (they are for Client users).
    await page.goto('/profile');
    await page.getByRole('heading', { name: 'Vos informations' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Jetons d\u2019API' }).count()).toBe(0);
  });
});
