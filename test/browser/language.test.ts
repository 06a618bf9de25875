// French by default; English on the sign-in page (kept in the browser); once signed in, the
// user's saved language applies and the switch is saved to the account with PATCH /me.
import { describe, expect, it } from 'vitest';
import { createTenantWithAdmin, type TestUser } from '../support/factories.ts';
import { setup, shot, signIn } from './browser.ts';

let admin: TestUser;

const env = setup(async ({ server }) => {
  admin = (await createTenantWithAdmin(server.ctx)).admin;
});

const savedLocale = async () =>
  (await env.server.ctx.c.db.kysely.selectFrom('app_user').select('locale').where('email', '=', admin.email).executeTakeFirstOrThrow()).locale;

describe('language', () => {
  it('switches the sign-in page to English, and keeps the choice in this browser', async () => {
    const page = await env.newPage();
    await page.goto('/signin');
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByLabel('Email address').waitFor();
    await page.getByRole('link', { name: 'Forgot your password?' }).waitFor();
    expect(await page.getByRole('button', { name: 'English' }).getAttribute('aria-pressed')).toBe('true');
    await shot(page, 'signin-english');

    // Errors are translated too.
    await page.getByLabel('Email address').fill(admin.email);
    await page.getByLabel('Password', { exact: true }).fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('Wrong email or password.').waitFor();

    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');

    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
  });

  it('applies the saved language on sign-in and saves a switch to the account', async () => {
    expect(await savedLocale()).toBe('fr');
    const page = await env.newPage();
    await page.goto('/signin');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email address').fill(admin.email);
    await page.getByLabel('Password', { exact: true }).fill(admin.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // The account says French: that wins once signed in.
    await page.getByRole('heading', { name: `Bonjour ${admin.name}` }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');

    const patched = page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH');
    await page.getByRole('button', { name: 'English' }).click();
    const res = await patched;
    expect(res.status()).toBe(200);
    expect(JSON.parse(res.request().postData() ?? '{}')).toEqual({ locale: 'en' });
    await page.getByRole('heading', { name: `Hello ${admin.name}` }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.getByRole('navigation', { name: 'Main navigation' }).innerText()).toContain('Audit log');
    await shot(page, 'home-english');
    expect(await savedLocale()).toBe('en');

    // Another browser (nothing in its storage) gets English right after signing in.
    const other = await env.newPage();
    await signIn(other, admin.email, admin.password);
    await other.getByRole('heading', { name: `Hello ${admin.name}` }).waitFor();
    expect(await other.locator('html').getAttribute('lang')).toBe('en');

    // Back to French from the profile page.
    await other.getByRole('link', { name: 'Profile', exact: true }).click();
    await other.getByRole('combobox', { name: 'Language' }).selectOption('fr');
    await other.getByRole('button', { name: 'Save', exact: true }).click();
    await other.getByText('Profil enregistré.').waitFor();
    expect(await other.locator('html').getAttribute('lang')).toBe('fr');
    expect(await savedLocale()).toBe('fr');
  });
});
