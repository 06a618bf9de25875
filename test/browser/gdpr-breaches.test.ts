// Breaches and audits on screen, in French (R-GDPR-3, R-GDPR-6): an operator records a breach for
// one Client, sees its 48-hour countdown, notifies it and adds a follow-up; the Client's admin reads
// it on the GDPR page and requests an audit a month ahead (then the form says when the next may be
// asked); the operator schedules it and the admin sees the agreed date. Another Client sees nothing.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createOperator, createTenantWithAdmin, type TestUser } from '../support/factories.ts';
import { setup, shot, signIn } from './browser.ts';

let admin: TestUser;
let other: TestUser;
let operator: TestUser;

const env = setup(async ({ server }) => {
  admin = (await createTenantWithAdmin(server.ctx, { name: 'Clinique Aubert' })).admin;
  other = (await createTenantWithAdmin(server.ctx, { name: 'Menuiserie Roy' })).admin;
  operator = await createOperator(server.ctx);
});

describe('GDPR: breach register and audit requests', () => {
  it('recorded, counted down, notified and followed up by an operator; read by the Client\u2019s admin, who requests an audit the operator schedules', async () => {
    const paris = DateTime.now().setZone('Europe/Paris');
    const op = await env.newPage();
    await signIn(op, operator.email, operator.password);
    await op.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Registre RGPD' }).click();
    await op.getByRole('heading', { name: 'RGPD — sous-traitant', level: 1 }).waitFor();
    await op.getByRole('button', { name: 'Inscrire une violation' }).click();
    const form = op.getByRole('form', { name: 'Inscrire une violation' });
    await form.getByLabel('Titre').fill('Sauvegarde exposée');
    await form.getByLabel('Constatée le').fill(paris.minus({ minutes: 10 }).toFormat("yyyy-MM-dd'T'HH:mm"));
    await form.getByLabel('Nature de la violation').fill('Une sauvegarde chiffrée a été lisible sans authentification.');
    await form.getByLabel('Catégories de données').fill('identité, justificatifs');
    await form.getByLabel('Personnes concernées (environ)').fill('40');
    await form.getByLabel('Enregistrements concernés (environ)').fill('1200');
    await form.getByLabel('Conséquences probables').fill('Risque faible : données chiffrées.');
    await form.getByLabel('Mesures prises ou proposées').fill('Accès fermé, clés changées.');
    await form.getByLabel('Point de contact').fill('DPO, dpo@justif.test');
    await form.getByLabel('Clinique Aubert').check();
    await form.getByRole('button', { name: 'Inscrire une violation' }).click();
    await op.getByText('Violation inscrite : Sauvegarde exposée.').waitFor();
    const breach = op.getByTestId('vgdpr-breach').first();
    await expect.poll(() => breach.innerText()).toMatch(/Sauvegarde exposée\s+47 h \d\d restantes pour notifier[\s\S]*Clinique Aubert\s+À notifier/);
    await breach.getByRole('button', { name: 'Notifier les Clients (1)' }).click();
    await op.getByText('Clients notifiés : 1.').waitFor();
    await expect.poll(() => breach.innerText()).toMatch(/Tous les Clients notifiés[\s\S]*Clinique Aubert\s+\d/);
    await breach.getByLabel('Entrée de suivi').fill('Journaux analysés : aucun téléchargement.');
    await breach.getByRole('button', { name: 'Ajouter au suivi' }).click();
    await op.getByText('Suivi ajouté.').waitFor();
    await shot(op, 'gdpr-vendor');

    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'RGPD', exact: true }).click();
    await page.getByRole('heading', { name: 'RGPD', level: 1 }).waitFor();
    const seen = page.getByTestId('gdpr-breaches');
    await expect.poll(() => seen.innerText()).toMatch(/Sauvegarde exposée\s+Notifiée le[\s\S]*identité, justificatifs[\s\S]*Journaux analysés : aucun téléchargement\./);
    const audits = page.getByTestId('gdpr-audits');
    const request = audits.getByRole('form', { name: 'Demander un audit' });
    await request.getByLabel('Date proposée').fill(paris.plus({ months: 1, days: 3 }).toISODate()!);
    await request.getByLabel('Périmètre de l’audit').fill('Mesures de sécurité et sous-traitants.');
    await request.getByRole('button', { name: 'Demander l’audit' }).click();
    await page.getByText('Audit demandé : Justif conviendra d’une date avec vous.').waitFor();
    await expect.poll(() => audits.innerText()).toMatch(/Mesures de sécurité et sous-traitants\.\s+Demandé[\s\S]*Un audit par an\s:\svotre prochaine demande est possible à partir du/);
    await shot(page, 'gdpr-client');

    await op.reload();
    const vAudits = op.getByTestId('vgdpr-audits');
    await expect.poll(() => vAudits.innerText()).toContain('Clinique Aubert');
    await vAudits.getByRole('button', { name: 'Planifier' }).click();
    await vAudits.getByLabel('Date convenue').fill(paris.plus({ months: 1, days: 5 }).toISODate()!);
    await vAudits.getByRole('button', { name: 'Planifier' }).click();
    await op.getByText('Audit planifié.').waitFor();
    await page.reload();
    await expect.poll(() => page.getByTestId('gdpr-audits').innerText()).toMatch(/Planifié/);

    const elsewhere = await env.newPage();
    await signIn(elsewhere, other.email, other.password);
    await elsewhere.goto('/gdpr');
    await expect.poll(() => elsewhere.getByTestId('gdpr-breaches').innerText()).toContain('Aucune violation ne concerne votre entreprise.');
  });
});
