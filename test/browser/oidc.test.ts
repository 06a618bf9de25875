// "Se connecter avec Google" against a real OpenID provider on loopback (test/support/oidc-provider.ts):
// the button takes the whole page to the provider and back, signed in; refusals come back as
// /signin?error=… and are shown as translated messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantWithAdmin, createUser, type TestUser } from '../support/factories.ts';
import { startOidcProvider } from '../support/oidc-provider.ts';
import { freePort, startServer } from '../support/server.ts';
import type { Browser } from 'playwright-core';
import { alertText, launchBrowser, shot } from './browser.ts';

let op: Awaited<ReturnType<typeof startOidcProvider>>;
let server: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;
let url: string;
let employee: TestUser;

beforeAll(async () => {
  // The provider must know our callback URL before our configuration is loaded.
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  op = await startOidcProvider({ redirectUri: `${url}/api/v1/auth/oidc/callback` });
  server = await startServer({ port, env: { OIDC_ISSUER_URL: op.issuer, OIDC_CLIENT_ID: op.clientId, OIDC_CLIENT_SECRET: op.clientSecret, OIDC_LABEL: 'Google' } });
  const t = await createTenantWithAdmin(server.ctx);
  employee = await createUser(server.ctx, t.tenantId, ['employee']);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await op?.stop();
});

const newPage = async () => (await browser.newContext({ baseURL: url, locale: 'fr-FR' })).newPage();

describe('OpenID Connect on the sign-in page', () => {
  it('signs in through the provider with the button', async () => {
    op.account('sub-employee', { email: employee.email, email_verified: true, name: employee.name });
    op.signInAs('sub-employee');
    const page = await newPage();
    await page.goto('/signin');
    const button = page.getByRole('button', { name: 'Se connecter avec Google' });
    await button.waitFor();
    await shot(page, 'signin-with-oidc');
    await button.click();
    await page.waitForURL((u) => u.origin === url && u.pathname === '/');
    await page.getByRole('heading', { name: `Bonjour ${employee.name}` }).waitFor();
  });

  it('shows why the provider sign-in was refused', async () => {
    op.account('sub-stranger', { email: 'stranger@example.test', email_verified: true, name: 'Stranger' });
    op.signInAs('sub-stranger');
    const page = await newPage();
    await page.goto('/signin');
    await page.getByRole('button', { name: 'Se connecter avec Google' }).click();
    await page.waitForURL((u) => u.pathname === '/signin' && u.searchParams.get('error') === 'oidc_unlinked');
    expect(await alertText(page)).toContain('Aucun compte Justif n\u2019est associé à cette adresse.');
    await shot(page, 'signin-oidc-unlinked');

    for (const [code, text] of [
      ['oidc_failed', 'La connexion avec le fournisseur d\u2019identité a échoué.'],
      ['oidc_unverified_email', 'n\u2019a pas confirmé votre adresse e-mail'],
      ['oidc_deactivated', 'Ce compte est désactivé.'],
    ] as const) {
      await page.goto(`/signin?error=${code}`);
      expect(await alertText(page)).toContain(text);
    }
    await page.getByRole('button', { name: 'English' }).click();
    expect(await alertText(page)).toContain('This account is deactivated.');
  });
});
