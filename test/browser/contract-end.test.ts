// End of contract on screen: an operator terminates a Client from the Clients page (the Client's
// instruction for its vault, confirmed in a dialog), sees where it stands; the Client's admin then
// sees on every page that the data is read-only until its destruction, with the final export.
import { describe, expect, it } from 'vitest';
import { createOperator, createTenantWithAdmin, type TestUser } from '../support/factories.ts';
import { setup, shot, signIn } from './browser.ts';

let admin: TestUser;
let operator: TestUser;
const NAME = 'Menuiserie Lefort';

const env = setup(async ({ server }) => {
  admin = (await createTenantWithAdmin(server.ctx, { name: NAME })).admin;
  operator = await createOperator(server.ctx);
});

describe('end of contract', () => {
  it('the operator terminates a Client; its admin sees the read-only banner and the way to the final export', async () => {
    const page = await env.newPage();
    await signIn(page, operator.email, operator.password);
    await page.goto('/clients');
    await page.getByRole('button', { name: `Fin de contrat de ${NAME}` }).click();
    const panel = page.getByTestId('contract-end');
    await panel.getByRole('heading', { name: `Fin de contrat — ${NAME}` }).waitFor();
    await panel.getByLabel('Motif de la résiliation').fill('Résiliation à l’échéance annuelle');
    await panel.getByRole('combobox', { name: 'Instruction du Client pour le coffre-fort' }).selectOption('return_then_destroy');
    await panel.getByLabel('Référence de l’instruction écrite').fill('Courrier AR du 2 novembre');
    await panel.getByRole('button', { name: 'Résilier le contrat' }).click();
    const confirm = page.getByRole('dialog', { name: 'Confirmer' });
    expect(await confirm.innerText()).toContain(`Résilier le contrat de «\u00a0${NAME}\u00a0»\u00a0?`);
    await confirm.getByRole('button', { name: 'Résilier le contrat' }).click();
    await panel.getByText('Contrat résilié\u00a0: le Client est en lecture seule et l’export final est en préparation.').waitFor();
    await expect.poll(() => panel.innerText()).toMatch(/Résilié[\s\S]*Données détruites après le[\s\S]*Remettre les dépôts dans l’export final, puis les détruire — Courrier AR du 2 novembre/);
    await expect.poll(() => page.locator('tr', { hasText: NAME }).innerText()).toContain('Résilié');
    await shot(page, 'contract-end-operator');

    const client = await env.newPage();
    await signIn(client, admin.email, admin.password);
    const banner = client.getByTestId('contract-ended');
    await expect.poll(() => banner.innerText()).toMatch(/Contrat terminé\u00a0: vos données sont en lecture seule et restent consultables et téléchargeables jusqu’au \d{1,2} \S+ \d{4}/);
    await banner.getByRole('link', { name: 'Télécharger l’export final' }).click();
    await client.waitForURL((u) => u.pathname === '/settings/reversibility');
    await shot(client, 'contract-end-client');
  });
});
