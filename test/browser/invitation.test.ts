// An admin invites a user through the Users page; the invitation link from the mail sets a
// password (a weak one is refused with the rule shown) and signs in; the link then stops working.
import { describe, expect, it } from 'vitest';
import { createTenantWithAdmin, lastMailTo, linkToken, type TestUser } from '../support/factories.ts';
import { alertText, setup, shot, signIn } from './browser.ts';

let admin: TestUser;
const tenantName = 'Atelier Lumière SARL';

const env = setup(async ({ server }) => {
  admin = (await createTenantWithAdmin(server.ctx, { name: tenantName })).admin;
});

describe('invitation', () => {
  it('invites through the UI, accepts with a strong password, and the link is then spent', async () => {
    const email = 'camille.roux@example.test';
    const name = 'Camille Roux';

    const adminPage = await env.newPage();
    await signIn(adminPage, admin.email, admin.password);
    await adminPage.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Utilisateurs' }).click();
    await adminPage.getByRole('heading', { name: 'Utilisateurs', level: 1 }).waitFor();
    await adminPage.getByRole('button', { name: 'Inviter un utilisateur' }).click();
    const dialog = adminPage.getByRole('dialog', { name: 'Inviter un utilisateur' });
    await dialog.getByLabel('Adresse e-mail').fill(email);
    await dialog.getByLabel('Nom', { exact: true }).fill(name);
    await dialog.getByRole('checkbox', { name: 'Manager' }).check();
    await dialog.getByLabel('Matricule de paie').fill('P-0042');
    await shot(adminPage, 'invite-form');
    await dialog.getByRole('button', { name: 'Envoyer l\u2019invitation' }).click();
    await adminPage.getByText(`Invitation envoyée à ${email}.`).waitFor();
    const row = adminPage.locator(`tr[data-email="${email}"]`);
    await row.getByText('Invité').waitFor();
    await expect.poll(() => row.innerText()).toContain('Manager');
    await shot(adminPage, 'invite-sent');

    // Inviting the same address again is refused clearly.
    await adminPage.getByRole('button', { name: 'Inviter un utilisateur' }).click();
    await dialog.getByLabel('Adresse e-mail').fill(email);
    await dialog.getByLabel('Nom', { exact: true }).fill('Someone Else');
    await dialog.getByRole('button', { name: 'Envoyer l\u2019invitation' }).click();
    expect(await dialog.getByRole('alert').innerText()).toContain('Un utilisateur existe déjà avec cette adresse e-mail.');
    await dialog.getByRole('button', { name: 'Annuler' }).click();

    const mail = await lastMailTo(env.server.ctx, email);
    expect(mail?.subject).toContain(tenantName);
    const token = linkToken(mail!.text, 'invitation');

    const page = await env.newPage(); // a fresh browser context: not signed in
    await page.goto(`/invitation/${token}`);
    await page.getByText(`${name}, ${tenantName} vous invite à rejoindre Justif.`).waitFor();
    const rule = 'Au moins 10\u00a0caractères, dont une minuscule, une majuscule et un chiffre.';
    await page.getByText(rule).waitFor(); // the rule is shown before any attempt
    await shot(page, 'invitation-open');

    await page.getByLabel('Nouveau mot de passe', { exact: true }).fill('tooweak');
    await page.getByLabel('Confirmez le mot de passe', { exact: true }).fill('tooweak');
    await page.getByRole('button', { name: 'Activer mon compte' }).click();
    const refusal = await alertText(page);
    expect(refusal).toContain('Ce mot de passe est trop faible');
    expect(refusal).toContain('at least 10 characters'); // the server's own statement of the rule
    expect(new URL(page.url()).pathname).toBe(`/invitation/${token}`);
    await shot(page, 'invitation-weak-password');

    // Mismatched confirmation is caught before asking the server.
    await page.getByLabel('Nouveau mot de passe', { exact: true }).fill('Bien-Choisi-2026');
    await page.getByLabel('Confirmez le mot de passe', { exact: true }).fill('Bien-Choisi-2027');
    await page.getByRole('button', { name: 'Activer mon compte' }).click();
    expect(await alertText(page)).toContain('Les deux mots de passe ne sont pas identiques.');

    await page.getByLabel('Confirmez le mot de passe', { exact: true }).fill('Bien-Choisi-2026');
    await page.getByRole('button', { name: 'Activer mon compte' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    // first sign-in: the terms of use and privacy notice in force are accepted before anything else (R-GDPR-8)
    await page.getByRole('heading', { name: 'Conditions d\u2019utilisation et politique de confidentialité', level: 1 }).waitFor();
    expect(await page.getByRole('button', { name: 'Accepter et continuer' }).isDisabled()).toBe(true);
    await page.getByLabel('J\u2019ai lu et j\u2019accepte ces documents').check();
    await shot(page, 'invitation-accept-terms');
    await page.getByRole('button', { name: 'Accepter et continuer' }).click();
    await page.getByRole('heading', { name: `Bonjour ${name}` }).waitFor();
    expect(await page.getByTestId('tenant-name').innerText()).toBe(tenantName);
    await shot(page, 'invitation-accepted-home');
    expect((await page.request.get('/api/v1/session')).status()).toBe(200);

    const again = await env.newPage();
    await again.goto(`/invitation/${token}`);
    expect(await alertText(again)).toContain('Cette invitation n\u2019est plus valide');
    await shot(again, 'invitation-spent');

    // The admin sees the user active now.
    await adminPage.reload();
    await adminPage.locator(`tr[data-email="${email}"]`).getByText('Actif').waitFor();
  });
});
