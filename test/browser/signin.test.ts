// Sign-in, navigation by role, not-allowed and not-found pages, sign-out.
import { describe, expect, it } from 'vitest';
import { createTenantWithAdmin, createUser, type TestUser } from '../support/factories.ts';
import { alertText, setup, shot, signIn } from './browser.ts';

let admin: TestUser;
let employee: TestUser;
let tenantName: string;

const env = setup(async ({ server }) => {
  tenantName = 'Boulangerie Dupain SAS';
  const t = await createTenantWithAdmin(server.ctx, { name: tenantName });
  admin = t.admin;
  employee = await createUser(server.ctx, t.tenantId, ['employee']);
});

const navLinks = async (page: import('playwright-core').Page) => (await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link').allInnerTexts()).map((s) => s.trim());

describe('sign-in', () => {
  it('shows an inline error for a wrong password, then signs in to the home page', async () => {
    const page = await env.newPage();
    await page.goto('/');
    await page.waitForURL((u) => u.pathname === '/signin');
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    await shot(page, 'signin-empty');

    await page.getByLabel('Adresse e-mail').fill(admin.email);
    await page.getByLabel('Mot de passe', { exact: true }).fill('Not-The-Password-1');
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    expect(await alertText(page)).toContain('Adresse e-mail ou mot de passe incorrect.');
    expect(new URL(page.url()).pathname).toBe('/signin');
    await shot(page, 'signin-wrong-password');

    await page.getByLabel('Mot de passe', { exact: true }).fill(admin.password);
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByRole('heading', { name: `Bonjour ${admin.name}` }).waitFor();
    expect(await page.getByTestId('user-name').innerText()).toContain(admin.name);
    expect(await page.getByTestId('tenant-name').innerText()).toBe(tenantName);
    expect(await page.locator('main').innerText()).toContain('Administrateur');
    expect(await navLinks(page)).toEqual(['Accueil', 'Mes dépenses', 'Nouvelle dépense', 'Utilisateurs', 'Paramétrage', 'Coffre-fort', 'Exports', 'Facturation', 'Journal d\u2019audit', 'RGPD', 'Profil']);
    await shot(page, 'home-admin');
  });

  it('shows an employee only what an employee may use; other pages say not allowed or not found', async () => {
    const page = await env.newPage();
    await signIn(page, employee.email, employee.password);
    await page.getByRole('heading', { name: `Bonjour ${employee.name}` }).waitFor();
    expect(await navLinks(page)).toEqual(['Accueil', 'Mes dépenses', 'Nouvelle dépense', 'Profil']);
    expect(await page.locator('main').innerText()).toContain('Salarié');

    await page.goto('/users');
    await page.getByRole('heading', { name: 'Accès non autorisé' }).waitFor();
    await shot(page, 'employee-not-allowed');
    await page.goto('/clients');
    await page.getByRole('heading', { name: 'Accès non autorisé' }).waitFor();
    await page.goto('/no/such/page');
    await page.getByRole('heading', { name: 'Page introuvable' }).waitFor();
    await shot(page, 'not-found');
  });

  it('sends a signed-out visitor of a protected page to sign-in, and back there after signing in', async () => {
    const page = await env.newPage();
    await page.goto('/audit');
    await page.waitForURL((u) => u.pathname === '/signin' && u.searchParams.get('next') === '/audit');
    await page.getByLabel('Adresse e-mail').fill(admin.email);
    await page.getByLabel('Mot de passe', { exact: true }).fill(admin.password);
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/audit');
    await page.getByRole('heading', { name: 'Journal d\u2019audit' }).waitFor();
  });

  it('signs out to /signin, after which the session is gone', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    expect((await page.request.get('/api/v1/session')).status()).toBe(200);
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL((u) => u.pathname === '/signin');
    await page.getByText('Vous êtes déconnecté.').waitFor();
    await shot(page, 'signed-out');
    expect((await page.request.get('/api/v1/session')).status()).toBe(401);
    // The app pages are closed again.
    await page.goto('/users');
    await page.waitForURL((u) => u.pathname === '/signin');
  });

  it('explains a deactivated account and the wait after too many attempts', async () => {
    const ctx = env.server.ctx;
    const t = await createTenantWithAdmin(ctx);
    const gone = await createUser(ctx, t.tenantId, ['employee']);
    await ctx.c.db.kysely.updateTable('app_user').set({ status: 'deactivated' }).where('id', '=', gone.id).execute();
    const page = await env.newPage();
    await page.goto('/signin');
    await page.getByLabel('Adresse e-mail').fill(gone.email);
    await page.getByLabel('Mot de passe', { exact: true }).fill(gone.password);
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    expect(await alertText(page)).toContain('Ce compte est désactivé.');

    const target = await createUser(ctx, t.tenantId, ['employee']);
    await page.getByLabel('Adresse e-mail').fill(target.email);
    await page.getByLabel('Mot de passe', { exact: true }).fill('Wrong-Password-0');
    let text = '';
    for (let i = 0; i < 12 && !text.includes('Trop de tentatives'); i++) {
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
      await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
      await answered;
      text = await alertText(page);
    }
    expect(text).toMatch(/Trop de tentatives\. Réessayez dans \d+\s(minutes|secondes)\./);
    await shot(page, 'signin-rate-limited');
  });

  it('is usable on a phone', async () => {
    const page = await env.newPage({ mobile: true });
    await signIn(page, admin.email, admin.password);
    await shot(page, 'mobile-home');
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Utilisateurs' }).click();
    await page.getByRole('heading', { name: 'Utilisateurs', level: 1 }).waitFor();
    await page.getByText(employee.email).waitFor();
    await shot(page, 'mobile-users');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
