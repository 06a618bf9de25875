// Forgotten password: request a link, set a new password from the mail, sign in with it.
import { describe, expect, it } from 'vitest';
import { createTenantWithAdmin, createUser, lastMailTo, linkToken, type TestUser } from '../support/factories.ts';
import { alertText, setup, shot, signIn } from './browser.ts';

let user: TestUser;

const env = setup(async ({ server }) => {
  const t = await createTenantWithAdmin(server.ctx);
  user = await createUser(server.ctx, t.tenantId, ['employee']);
});

describe('password reset', () => {
  it('mails a link, sets a new password with it; the new password works and the old one does not', async () => {
    const page = await env.newPage();
    await page.goto('/signin');
    await page.getByRole('link', { name: 'Mot de passe oublié\u00a0?' }).click();
    await page.waitForURL((u) => u.pathname === '/forgot-password');
    await page.getByLabel('Adresse e-mail').fill(user.email);
    await page.getByRole('button', { name: 'Envoyer le lien' }).click();
    await page.getByText(`Si un compte existe pour ${user.email}, un lien de réinitialisation vient d\u2019être envoyé.`, { exact: false }).waitFor();
    await shot(page, 'forgot-sent');

    // The same neutral answer for an unknown address: nothing tells whether an account exists.
    const other = await env.newPage();
    await other.goto('/forgot-password');
    await other.getByLabel('Adresse e-mail').fill('nobody@example.test');
    await other.getByRole('button', { name: 'Envoyer le lien' }).click();
    await other.getByText('Si un compte existe pour nobody@example.test', { exact: false }).waitFor();
    expect(await lastMailTo(env.server.ctx, 'nobody@example.test')).toBeUndefined();

    const mail = await lastMailTo(env.server.ctx, user.email);
    const token = linkToken(mail!.text, 'reset-password');
    await page.goto(`/reset-password/${token}`);
    await page.getByRole('heading', { name: 'Choisir un nouveau mot de passe' }).waitFor();
    await page.getByText('Au moins 10\u00a0caractères, dont une minuscule, une majuscule et un chiffre.').waitFor();

    await page.getByLabel('Nouveau mot de passe', { exact: true }).fill('abcdefghij');
    await page.getByLabel('Confirmez le mot de passe', { exact: true }).fill('abcdefghij');
    await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
    const weak = await alertText(page);
    expect(weak).toContain('Ce mot de passe est trop faible');
    expect(weak).toContain('The password must have at least 10 characters');
    await shot(page, 'reset-weak-password');

    const fresh = 'Nouveau-Depart-77';
    await page.getByLabel('Nouveau mot de passe', { exact: true }).fill(fresh);
    await page.getByLabel('Confirmez le mot de passe', { exact: true }).fill(fresh);
    await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
    await page.waitForURL((u) => u.pathname === '/signin');
    await page.getByText('Votre mot de passe a été modifié. Connectez-vous avec le nouveau.').waitFor();
    await shot(page, 'reset-done');

    await page.getByLabel('Adresse e-mail').fill(user.email);
    await page.getByLabel('Mot de passe', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    expect(await alertText(page)).toContain('Adresse e-mail ou mot de passe incorrect.');

    await signIn(page, user.email, fresh);
    await page.getByRole('heading', { name: `Bonjour ${user.name}` }).waitFor();

    // The link worked once: opened again, it says so at once (no password typed) and offers a new one.
    const reuse = await env.newPage();
    await reuse.goto(`/reset-password/${token}`);
    expect(await alertText(reuse)).toContain('Ce lien de réinitialisation n\u2019est pas valide');
    expect(await reuse.getByLabel('Nouveau mot de passe', { exact: true }).count()).toBe(0);
    await reuse.getByRole('link', { name: 'Demander un nouveau lien' }).waitFor();
    await shot(reuse, 'reset-link-spent');
  });
});
