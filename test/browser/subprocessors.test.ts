// The subprocessor registry on screen, in French: an operator announces a replacement a month and a
// half ahead; a Client's admin sees it with its date and objects; the operator sees the objection
// and keeps the change on hold for that Client, which the admin then sees. The public page lists the
// subprocessors in force and the announced change, without signing in.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createOperator, createTenantWithAdmin, type TestUser } from '../support/factories.ts';
import { setup, shot, signIn } from './browser.ts';

let admin: TestUser;
let operator: TestUser;

const env = setup(async ({ server }) => {
  await server.ctx.c.subprocessors.seed([{ key: 'hosting', name: 'Scaleway', legalEntity: 'Scaleway SAS', purpose: 'Hébergement des serveurs', dataCategories: ['toutes les données du service'], country: 'FR', safeguard: null }]);
  admin = (await createTenantWithAdmin(server.ctx, { name: 'Objecteur SA' })).admin;
  operator = await createOperator(server.ctx);
});

describe('subprocessor registry', () => {
  it('announced by an operator, objected to by a Client admin, put on hold for that Client; public without sign-in', async () => {
    const effective = DateTime.now().setZone('Europe/Paris').plus({ days: 45 }).toISODate()!;
    const op = await env.newPage();
    await signIn(op, operator.email, operator.password);
    await op.goto('/vendor/gdpr');
    await op.getByRole('link', { name: 'Sous-traitants' }).click();
    const form = op.getByRole('form', { name: 'Annoncer un changement' });
    await form.getByLabel('Changement').selectOption('replace');
    await form.getByLabel('Sous-traitant qui part').selectOption({ label: 'Scaleway' });
    await form.getByLabel('Nom').fill('OVHcloud');
    await form.getByLabel('Entité juridique').fill('OVH SAS');
    await form.getByLabel('Finalité').fill('Hébergement des serveurs');
    await form.getByLabel('Données').fill('toutes les données du service');
    await form.getByLabel('Prend effet le').fill(effective);
    await form.getByLabel('Motif donné aux Clients').fill('Un second centre de données en France.');
    await form.getByRole('button', { name: 'Annoncer à tous les Clients' }).click();
    await op.getByText('Changement annoncé à tous les Clients.').waitFor();
    await expect.poll(() => op.getByTestId('vsub-changes').innerText()).toMatch(/OVHcloud remplace Scaleway\s+Annoncé/);

    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.goto('/gdpr');
    await page.getByRole('link', { name: 'Sous-traitants' }).click();
    const changes = page.getByTestId('sub-changes');
    await expect.poll(() => changes.innerText()).toMatch(/OVHcloud remplace Scaleway\s+Annoncé[\s\S]*prend effet le/);
    await changes.getByRole('button', { name: 'S’opposer à ce changement' }).click();
    await changes.getByLabel('Pourquoi votre société s’y oppose').fill('Notre politique impose un audit préalable.');
    await changes.getByRole('button', { name: 'Envoyer l’objection' }).click();
    await page.getByText('Votre objection est enregistrée').waitFor();
    await expect.poll(() => changes.innerText()).toMatch(/Objection — en attente de la décision de l’éditeur[\s\S]*Votre objection du .*Notre politique impose un audit préalable\./);
    await expect.poll(() => page.getByTestId('sub-storage').innerText()).toMatch(/Base de données\s+base de données intégrée — le serveur du service \(FR\)/);
    await shot(page, 'subprocessors-client');

    await op.reload();
    await expect.poll(() => op.getByTestId('vsub-changes').innerText()).toMatch(/Objecteur SA s’y est opposé le .*audit préalable/);
    await op.getByRole('button', { name: 'Suspendre pour Objecteur SA' }).click();
    await op.getByText('Décision enregistrée').waitFor();
    await page.reload();
    await expect.poll(() => page.getByTestId('sub-changes').innerText()).toMatch(/Suspendu pour votre société/);

    const pub = await env.newPage();
    await pub.goto('/subprocessors');
    await expect.poll(() => pub.locator('main').innerText()).toMatch(/Scaleway[\s\S]*Scaleway SAS[\s\S]*UE\/EEE[\s\S]*OVHcloud remplace Scaleway — prend effet le/);
  });
});
