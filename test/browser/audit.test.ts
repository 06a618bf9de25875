// The audit log page lists events (the sign-ins) with filters, and the export link downloads CSV
// with the same filters.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTenantWithAdmin, type TestUser } from '../support/factories.ts';
import { alertText, setup, shot, signIn } from './browser.ts';

let admin: TestUser;

const env = setup(async ({ server }) => {
  admin = (await createTenantWithAdmin(server.ctx)).admin;
});

describe('audit log', () => {
  it('lists the sign-in events, filters them, and exports the same selection as CSV', async () => {
    const page = await env.newPage();
    // A failed attempt first, so there is a failure to filter on.
    await page.goto('/signin');
    await page.getByLabel('Adresse e-mail').fill(admin.email);
    await page.getByLabel('Mot de passe', { exact: true }).fill('Wrong-Password-1');
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    await alertText(page);
    await signIn(page, admin.email, admin.password);

    await page.getByRole('link', { name: 'Journal d\u2019audit' }).first().click();
    await page.getByRole('heading', { name: 'Journal d\u2019audit', level: 1 }).waitFor();
    const signedIn = page.locator('tr[data-action="auth.signed_in"]').first();
    await signedIn.waitFor();
    const text = await signedIn.innerText();
    expect(text).toContain('Connexion');
    expect(text).toContain('Réussi');
    expect(text).toContain(admin.email);
    expect(text).toContain('127.0.0.1');
    expect(text).toContain(`${admin.email} s\u2019est connecté (mot de passe)`); // the sentence, in French too
    expect(text).toMatch(/\d{1,2} [a-zéû]+\.? \d{4}/); // a French date, e.g. "22 nov. 2026"
    await page.locator('tr[data-action="auth.sign_in_failed"]').first().waitFor();
    await shot(page, 'audit-log');

    const [all] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Exporter en CSV' }).click()]);
    const csv = readFileSync((await all.path())!, 'utf8');
    expect(csv.replace(/^\uFEFF/, '').split(/\r?\n/)[0]).toBe('seq,time,action,outcome,actorId,actorLabel,targetType,targetId,targetLabel,ip,userAgent,requestId,sentence');
    expect(csv).toContain('auth.signed_in');
    expect(csv).toContain('auth.sign_in_failed');
    expect(all.suggestedFilename()).toMatch(/^audit-\d{4}-\d{2}-\d{2}\.csv$/);

    await page.getByRole('combobox', { name: 'Résultat' }).selectOption('failure');
    await page.locator('tr[data-action="auth.signed_in"]').first().waitFor({ state: 'detached' });
    const rows = await page.locator('tbody tr').count();
    expect(rows).toBeGreaterThan(0);
    expect(await page.locator('tbody tr:not([data-action="auth.sign_in_failed"])').count()).toBe(0);
    const href = await page.getByRole('link', { name: 'Exporter en CSV' }).getAttribute('href');
    expect(href).toContain('outcome=failure');
    const [failures] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Exporter en CSV' }).click()]);
    const lines = readFileSync((await failures.path())!, 'utf8').trim().split(/\r?\n/).slice(1);
    expect(lines.length).toBe(rows);
    expect(lines.every((l) => l.includes(',auth.sign_in_failed,failure,'))).toBe(true);
    await shot(page, 'audit-log-failures');

    // Dates: nothing happened yesterday or before.
    await page.getByRole('combobox', { name: 'Résultat' }).selectOption('');
    const yesterday = new Date(Date.now() - 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Europe/Paris' });
    await page.getByLabel('Au (inclus)').fill(yesterday);
    await page.getByText('Aucun événement pour ces critères.').waitFor();
    expect(await page.getByRole('link', { name: 'Exporter en CSV' }).getAttribute('href')).toContain('to=');

    // The action filter: a family of events.
    await page.getByRole('button', { name: 'Effacer les filtres' }).click();
    await page.getByRole('combobox', { name: 'Événement' }).selectOption('auth.signed_in');
    await page.locator('tr[data-action="auth.sign_in_failed"]').first().waitFor({ state: 'detached' });
    expect(await page.locator('tbody tr:not([data-action="auth.signed_in"])').count()).toBe(0);
  });
});
