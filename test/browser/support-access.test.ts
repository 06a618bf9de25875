// Support access on screen, in French (§8.2.a): the Client's admin gives a support agent read access
// (agent, scopes, reason, the 24-hour default expiry) from the GDPR page's "Accès du support" tab;
// the agent sees the grant and the Client's users, read-only; the admin revokes it, confirmed, and
// the agent's page has nothing left.
import { describe, expect, it } from 'vitest';
import { createSupportAgent, createTenantWithAdmin, type TestUser } from '../support/factories.ts';
import { setup, shot, signIn } from './browser.ts';

let admin: TestUser;
let agent: TestUser;

const env = setup(async ({ server }) => {
  admin = (await createTenantWithAdmin(server.ctx, { name: 'Clinique Aubert' })).admin;
  agent = await createSupportAgent(server.ctx, 'Alice Support');
});

describe('support access', () => {
  it('granted by the Client\u2019s admin, used read-only by the agent, revoked at once', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.goto('/gdpr');
    await page.getByRole('link', { name: 'Accès du support' }).click();
    await page.getByRole('heading', { name: 'Accès du support', level: 2 }).waitFor();
    const form = page.getByRole('form', { name: 'Donner un accès au support' });
    await form.getByLabel('Agent du support').selectOption({ label: `Alice Support (${agent.email})` });
    await form.getByLabel('Utilisateurs, rôles et équipes').check();
    await form.getByLabel('Motif (par exemple le numéro de la demande)').fill('Demande 1234 : import des utilisateurs');
    await form.getByRole('button', { name: 'Donner l’accès' }).click();
    await page.getByText('Accès donné. L’agent en est informé par e-mail.').waitFor();
    const row = page.getByTestId('support-grant').first();
    await expect.poll(() => row.innerText()).toMatch(/Alice Support[\s\S]*Utilisateurs, rôles et équipes[\s\S]*Demande 1234[\s\S]*encore (23|24)\s?h[\s\S]*Actif/);
    await shot(page, 'support-access-client');

    const ag = await env.newPage();
    await signIn(ag, agent.email, agent.password);
    await ag.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Accès support' }).click();
    await ag.getByRole('heading', { name: 'Accès aux données des Clients', level: 1 }).waitFor();
    const mine = ag.getByTestId('my-grant').first();
    await expect.poll(() => mine.innerText()).toContain('Clinique Aubert');
    await mine.getByRole('button', { name: 'Consulter' }).click();
    const data = ag.getByTestId('support-data');
    await expect.poll(() => data.innerText()).toContain(admin.email);
    await shot(ag, 'support-access-agent');

    await row.getByRole('button', { name: 'Révoquer' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Révoquer' }).click();
    await page.getByText('Accès révoqué.').waitFor();
    await expect.poll(() => row.innerText()).toContain('Révoqué');
    await ag.reload();
    await ag.getByText('Aucun accès en cours.').waitFor();
  });
});
