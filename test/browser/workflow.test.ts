// The approval workflow on screen: the employee submits a receipt expense; the manager sees it in
// "À approuver" (live count in the navigation), looks at the receipt (zoom, rotate) beside the
// fields, must acknowledge the weekend flag, and approves; the verifier sees the VAT rule in force,
// corrects the VAT lines and verifies in "À vérifier"; the employee sees the correction, old and
// new, in the expense's "Suivi". Then a return with its reason, bulk approval with a result per
// expense, delegations in the profile, and the admin's "Circuit d'approbation" tab.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../api/features/audit/audit.service.ts';
import type { Principal } from '../../api/context.ts';
import { TenantDb } from '../../storage/db/tenant-db.ts';
import { createTenantWithAdmin, createUser, type TestUser } from '../support/factories.ts';
import { receiptPng } from '../support/images.ts';
import { setup, shot, signIn } from './browser.ts';

let admin: TestUser;
let manager: TestUser;
let employee: TestUser;
let colleague: TestUser;
let verifier: TestUser;
let hotelId = '';

const DROP = 'Déposez vos justificatifs ici ou cliquez pour les choisir';
// A Saturday in the past: flagged "week-end", so the manager must acknowledge it.
const SATURDAY = '2026-03-14';
const TUESDAY = '2026-03-10';

const env = setup(async ({ server }) => {
  const t = await createTenantWithAdmin(server.ctx, { name: 'Ateliers Garnier' });
  admin = t.admin;
  manager = await createUser(server.ctx, t.tenantId, ['employee', 'manager']);
  employee = await createUser(server.ctx, t.tenantId, ['employee'], { managerId: manager.id });
  colleague = await createUser(server.ctx, t.tenantId, ['employee'], { managerId: manager.id });
  verifier = await createUser(server.ctx, t.tenantId, ['employee', 'verifier']);
  const tdb = new TenantDb(t.tenantId, server.ctx.c.db.kysely);
  const cats = await tdb.selectFrom('category').select(['id', 'code']).execute();
  hotelId = cats.find((c) => c.code === 'hotel')!.id;
  // The hotel's VAT is fully recoverable since 2025.
  await server.ctx.c.workflowSettings.addVatRule(tdb, { userId: admin.id } as Principal, SYSTEM_ACTOR, { categoryId: hotelId, effectiveFrom: '2025-01-01', recoverableBp: 10_000, expenseAccount: '625100', vatAccount: '445660' });
});


const nav = (page: Page, name: RegExp | string) => page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name, exact: typeof name === 'string' });
const squash = (s: string) => s.replace(/[\s\u00a0\u202f]+/g, ' ').trim();

/** An expense made through the API as `user` (signed in on `page`), submitted when asked. */
async function viaApi(page: Page, body: Record<string, unknown>, submit: boolean): Promise<{ id: string; version: number }> {
  const session = (await (await page.request.get('/api/v1/session')).json()) as { csrfToken: string };
  const headers = { 'X-CSRF-Token': session.csrfToken };
  const pm = ((await (await page.request.get('/api/v1/payment-methods')).json()) as { items: { id: string }[] }).items[0]!.id;
  const r = await page.request.post('/api/v1/expenses', { headers, data: { date: TUESDAY, categoryId: hotelId, paymentMethodId: pm, currency: 'EUR', ...body } });
  expect(r.ok(), await r.text()).toBe(true);
  let e = (await r.json()) as { id: string; version: number };
  if (submit) {
    const s = await page.request.post(`/api/v1/expenses/${e.id}/submit`, { headers, data: { version: e.version } });
    expect(s.ok(), await s.text()).toBe(true);
    e = { id: e.id, version: ((await s.json()) as { version: number }).version };
  }
  return e;
}

describe('approval workflow', () => {
  let expenseId = '';
  let taxiId = '';

  it('employee submits, manager approves with the receipt beside the fields, verifier corrects the VAT and verifies, employee sees old and new', async () => {
    // ——— the employee: a receipt expense, then "Soumettre"
    const emp = await env.newPage();
    await signIn(emp, employee.email, employee.password);
    await nav(emp, 'Nouvelle dépense').click();
    await emp.getByRole('heading', { name: 'Nouvelle dépense', level: 1 }).waitFor();
    await emp.getByLabel('Marchand').fill('Hôtel de la Gare');
    await emp.getByLabel('Montant TTC').fill('120,00');
    await emp.getByRole('combobox', { name: 'Catégorie' }).selectOption({ label: 'Hôtel' });
    await emp.getByLabel('Date', { exact: true }).fill(SATURDAY);
    await emp.getByRole('button', { name: 'Ajouter une ligne de TVA' }).click();
    const line = emp.getByRole('group', { name: 'Ligne de TVA 1' });
    await line.getByRole('combobox', { name: 'Taux' }).selectOption('1000');
    await line.getByLabel('Base HT').fill('109,09');
    await emp.getByLabel(DROP).setInputFiles({ name: 'facture-hotel.png', mimeType: 'image/png', buffer: receiptPng(240, 320) });
    await emp.getByRole('button', { name: 'Enregistrer la dépense' }).click();
    await emp.waitForURL((u) => /^\/expenses\/[0-9a-f-]{36}$/.test(u.pathname));
    expenseId = new URL(emp.url()).pathname.split('/').pop()!;
    await emp.getByRole('heading', { level: 1, name: /Hôtel de la Gare/ }).waitFor();
    // Before submission the "Suivi" says so; the employee sees the weekend flag too.
    const suivi = emp.getByRole('region', { name: 'Suivi' });
    await suivi.getByText('Brouillon\u00a0: la dépense n\u2019a pas encore été soumise.').waitFor();
    await emp.getByRole('button', { name: 'Soumettre', exact: true }).click();
    await emp.getByText('Dépense soumise pour approbation.').waitFor();
    await suivi.getByText(`Soumise\u00a0: en attente d\u2019approbation par ${manager.name} (niveau 1 sur 1).`).waitFor();
    expect(squash(await suivi.getByTestId('chain').innerText())).toContain(`Niveau 1 ${manager.name}`);
    expect(await suivi.getByTestId('violations').innerText()).toContain('week-end');
    expect(await emp.getByRole('button', { name: 'Soumettre', exact: true }).count()).toBe(0);
    await shot(emp, 'workflow-submitted');

    // ——— the manager: the count in the navigation, the queue, the receipt, the acknowledgement
    const mgr = await env.newPage();
    await signIn(mgr, manager.email, manager.password);
    const entry = nav(mgr, /^À approuver/);
    await entry.getByTestId('nav-count').getByText('1', { exact: true }).waitFor();
    // The number, and its meaning for screen readers.
    expect(squash(await entry.innerText())).toBe('À approuver 1 (1 dépense(s) à approuver)');
    await entry.click();
    await mgr.getByRole('heading', { name: 'À approuver', level: 1 }).waitFor();
    const row = mgr.locator(`tr[data-expense="${expenseId}"]`);
    expect(squash(await row.innerText())).toContain('Hôtel de la Gare');
    expect(squash(await row.innerText())).toContain('120,00 €');
    expect(squash(await row.innerText())).toContain('1 point(s)');
    await row.getByRole('button', { name: `Examiner Hôtel de la Gare de ${employee.name}` }).click();
    const review = mgr.getByTestId('review');
    await review.getByRole('heading', { level: 2, name: /Hôtel de la Gare/ }).waitFor();
    // The receipt, decoded, beside the fields; zoom and rotate.
    const img = review.locator('.viewer img').first();
    await img.waitFor();
    await mgr.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.viewer img')].every((i) => i.complete && i.naturalWidth > 0));
    const tools = review.getByRole('toolbar', { name: 'Affichage de facture-hotel.png' });
    await tools.getByRole('button', { name: 'Agrandir' }).click();
    await tools.getByText('125\u00a0%').waitFor();
    await tools.getByRole('button', { name: 'Faire pivoter d\u2019un quart de tour' }).click();
    expect(await img.getAttribute('data-rotation')).toBe('90');
    expect(squash(await review.locator('[data-field="amount"]').innerText())).toContain('120,00 €');
    expect(await review.getByTestId('violations').innerText()).toContain('Dépense datée d\u2019un week-end.');
    // Approving needs the explicit acknowledgement.
    await review.getByRole('button', { name: 'Approuver', exact: true }).click();
    await review.getByText('Cochez la case pour confirmer que vous approuvez malgré les points de vigilance.').waitFor();
    await shot(mgr, 'workflow-approvals');
    await review.getByLabel('J\u2019ai pris connaissance des 1 point(s) de vigilance et j\u2019approuve quand même.').check();
    await review.getByLabel('Commentaire').fill('Déplacement client validé');
    await review.getByRole('button', { name: 'Approuver', exact: true }).click();
    await mgr.getByText('Dépense «\u00a0Hôtel de la Gare\u00a0» approuvée.').waitFor();
    // the employee's page, open all along, shows the decision without a reload (pushed)
    await suivi.getByTestId('decisions').getByText('Déplacement client validé').waitFor({ timeout: 10_000 });
    await mgr.getByText('Aucune dépense n\u2019attend votre approbation.').first().waitFor();
    // The count follows (pushed): the navigation entry stays for a manager, without a number.
    await mgr.waitForFunction(() => !document.querySelector('[data-testid="nav-count"]'));

    // ——— the verifier: the VAT rule in force, a correction of the VAT lines, then verified
    const ver = await env.newPage();
    await signIn(ver, verifier.email, verifier.password);
    const toVerify = nav(ver, /^À vérifier/);
    await toVerify.getByTestId('nav-count').getByText('1', { exact: true }).waitFor();
    await toVerify.click();
    await ver.getByRole('heading', { name: 'À vérifier', level: 1 }).waitFor();
    await ver.locator(`tr[data-expense="${expenseId}"]`).getByRole('button', { name: /^Examiner Hôtel de la Gare/ }).click();
    const vreview = ver.getByTestId('review');
    await vreview.locator('.viewer img').first().waitFor();
    const rule = squash(await vreview.getByTestId('vat-rule').innerText());
    expect(rule).toContain('TVA récupérable : 100 %');
    expect(rule).toContain('règle en vigueur depuis le 1 janv. 2025');
    expect(rule).toContain('Compte de charge 625100, compte de TVA 445660');
    expect(squash(await vreview.getByTestId('vat').innerText())).toContain('10 % 109,09 € 10,91 €');
    const form = vreview.getByTestId('corrections-form');
    const l1 = form.getByRole('group', { name: 'Ligne de TVA 1' });
    await l1.getByLabel('Base HT').fill('100,00');
    expect(await l1.getByLabel('Montant de TVA').inputValue()).toBe('10,00');
    await form.getByRole('button', { name: 'Ajouter une ligne de TVA' }).click();
    const l2 = form.getByRole('group', { name: 'Ligne de TVA 2' });
    await l2.getByRole('combobox', { name: 'Taux' }).selectOption('2000');
    await l2.getByLabel('Base HT').fill('8,33');
    expect(await l2.getByLabel('Montant de TVA').inputValue()).toBe('1,67');
    // The comment is required.
    await form.getByRole('button', { name: 'Enregistrer la correction' }).click();
    await form.getByText('Indiquez le motif de la correction.').waitFor();
    await form.getByLabel('Motif de la correction').fill('Deux taux sur la facture');
    await form.getByRole('button', { name: 'Enregistrer la correction' }).click();
    await ver.getByText('Correction enregistrée (1 champ(s)). Le salarié en est informé.').waitFor();
    expect(squash(await vreview.getByTestId('vat').innerText())).toContain('20 % 8,33 € 1,67 €');
    await shot(ver, 'workflow-verifications');
    await vreview.getByRole('button', { name: 'Valider (conforme)' }).click();
    await ver.getByText('Dépense «\u00a0Hôtel de la Gare\u00a0» vérifiée.').waitFor();
    await ver.getByText('Aucune dépense à vérifier.').first().waitFor();

    // ——— the employee: verified, and the correction with the old and the new lines
    await emp.reload();
    await emp.getByRole('heading', { level: 1, name: /Hôtel de la Gare/ }).waitFor();
    await suivi.getByText('Vérifiée\u00a0: la dépense est conforme et prête pour la comptabilité.').waitFor();
    const corr = squash(await suivi.getByTestId('corrections').innerText());
    expect(corr).toContain('Lignes de TVA');
    expect(corr).toContain(verifier.name);
    expect(corr).toMatch(/Avant : TVA 10 % : base 109,09 €, TVA 10,91 €/);
    expect(corr).toMatch(/Après : TVA 10 % : base 100,00 €, TVA 10,00 € TVA 20 % : base 8,33 €, TVA 1,67 €/);
    expect(corr).toContain('Commentaire : Deux taux sur la facture');
    const decisions = squash(await suivi.getByTestId('decisions').innerText());
    expect(decisions).toContain(`Approuvée Niveau 1 · ${manager.name}`);
    expect(decisions).toContain('Commentaire : Déplacement client validé');
    expect(decisions).toContain('1 point(s) de vigilance acceptés');
    expect(decisions).toContain(`Vérifiée ${verifier.name}`);
    expect(squash(await emp.locator('[data-field="vatLines"]').innerText())).toContain('20 % 8,33 € 1,67 €');
    // The manager's signed decision checks out: a VAT correction is not what the approver signed.
    const approved = suivi.locator('[data-decision="approved"]');
    await approved.getByRole('button', { name: 'Contrôler la signature de cette décision' }).click();
    await approved.getByText('La dépense est identique à ce qui a été signé.').waitFor();
    expect(squash(await approved.getByTestId('check').innerText())).toBe('Signature intacte La dépense est identique à ce qui a été signé.');
    await shot(emp, 'workflow-employee-corrected');

    // My expenses shows the status in words.
    await nav(emp, 'Mes dépenses').click();
    expect(squash(await emp.locator(`tr[data-expense="${expenseId}"]`).innerText())).toContain('Vérifiée');

    // The home page lists what happened, with links to the expense; then all read.
    await nav(emp, 'Accueil').click();
    const notes = emp.getByRole('region', { name: /^Notifications/ });
    await notes.getByRole('link', { name: /^Dépense corrigée par le contrôle\s: Hôtel de la Gare, 120,00\s€$/ }).waitFor();
    await notes.getByRole('link', { name: /^Dépense approuvée\s: Hôtel de la Gare, 120,00\s€$/ }).waitFor();
    expect(squash(await notes.innerText())).toContain('Commentaire : Deux taux sur la facture');
    await notes.getByRole('button', { name: 'Tout marquer comme lu' }).click();
    await emp.getByText('Notifications marquées comme lues.').waitFor();
    expect(await notes.getByText(/non lue/).count()).toBe(0);
  });

  it('a return needs a reason, which the employee reads; bulk approval gives a result per expense', async () => {
    const emp = await env.newPage();
    await signIn(emp, employee.email, employee.password);
    const back = await viaApi(emp, { merchant: 'Taxi Bleu', amountMinor: 4_500 }, true);
    taxiId = back.id;
    const col = await env.newPage();
    await signIn(col, colleague.email, colleague.password);
    const a = await viaApi(col, { merchant: 'Bulk A', amountMinor: 3_000 }, true);
    const b = await viaApi(col, { merchant: 'Bulk B', amountMinor: 3_100, date: SATURDAY }, true);

    // The manager comes from the expense's page (as from the e-mail's link): straight to the decision.
    const mgr = await env.newPage();
    await signIn(mgr, manager.email, manager.password);
    await mgr.goto(`/expenses/${back.id}`);
    await mgr.getByRole('link', { name: 'Approuver, retourner ou rejeter' }).click();
    await mgr.waitForURL((u) => u.pathname === '/approvals');
    const review = mgr.getByTestId('review');
    await review.getByRole('heading', { level: 2, name: /Taxi Bleu/ }).waitFor();
    await review.getByRole('button', { name: 'Retourner au salarié' }).click();
    await review.getByText('Indiquez au salarié ce qu\u2019il doit corriger.').waitFor();
    await review.getByLabel('Commentaire').fill('Joindre le reçu du taxi');
    await review.getByRole('button', { name: 'Retourner au salarié' }).click();
    await mgr.getByText('Dépense «\u00a0Taxi Bleu\u00a0» retournée au salarié.').waitFor();

    // Bulk: both of the colleague's expenses; Bulk B is flagged (a Saturday) and not acknowledged.
    await mgr.locator(`tr[data-expense="${a.id}"]`).getByRole('checkbox', { name: 'Sélectionner Bulk A' }).check();
    await mgr.locator(`tr[data-expense="${b.id}"]`).getByRole('checkbox', { name: 'Sélectionner Bulk B' }).check();
    const bulk = mgr.getByRole('region', { name: 'Approbation groupée' });
    const ack = bulk.getByLabel(/^J’ai pris connaissance des points de vigilance des 1 dépense/);
    expect(await ack.isChecked()).toBe(false);
    await bulk.getByRole('button', { name: 'Approuver la sélection (2)' }).click();
    const results = bulk.getByTestId('bulk-results');
    await results.waitFor();
    const text = squash(await results.innerText());
    expect(text).toContain('Approbation groupée terminée : 1 approuvée(s), 1 en échec.');
    expect(text).toContain(`Bulk A (${colleague.name}) — Approuvée`);
    expect(text).toContain(`Bulk B (${colleague.name}) — Cette dépense présente des points de vigilance : confirmez que vous l’approuvez quand même.`);
    // What failed stays selected: acknowledged, it goes through.
    await bulk.getByLabel(/^J’ai pris connaissance/).check();
    await bulk.getByRole('button', { name: 'Approuver la sélection (1)' }).click();
    await bulk.getByText('Approbation groupée terminée : 1 approuvée(s), 0 en échec.').waitFor();
    await shot(mgr, 'workflow-bulk');

    // The employee reads the reason, and can submit again.
    await emp.goto(`/expenses/${back.id}`);
    const suivi = emp.getByRole('region', { name: 'Suivi' });
    await suivi.getByText('À corriger\u00a0: modifiez la dépense puis soumettez-la de nouveau.').waitFor();
    expect(squash(await suivi.getByTestId('status-comment').innerText())).toBe('Motif du retour Joindre le reçu du taxi');
    // The reason shows above the form too.
    await emp.getByRole('link', { name: 'Modifier', exact: true }).click();
    expect(squash(await emp.getByTestId('return-reason').innerText())).toContain('Joindre le reçu du taxi');
    await emp.getByRole('link', { name: /Retour à la dépense/ }).click();
    await emp.getByRole('button', { name: 'Soumettre', exact: true }).click();
    await emp.getByText('Dépense soumise pour approbation.').waitFor();
    await suivi.getByText(/tour 2/).waitFor();

    // On a phone: the queue, then the expense under review below it.
    const phone = await env.newPage({ mobile: true });
    await signIn(phone, manager.email, manager.password);
    await phone.goto(`/approvals?expense=${back.id}`);
    await phone.getByTestId('review').getByRole('heading', { level: 2, name: /Taxi Bleu/ }).waitFor();
    await shot(phone, 'workflow-approvals-phone');
  });

  it('delegations in the profile; the admin sets up the approval workflow', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.goto('/settings/workflow');
    await page.getByRole('heading', { name: 'Paramétrage des dépenses', level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: 'Circuit d\u2019approbation' }).getAttribute('aria-current')).toBe('page');
    // Fallback approver and flags.
    await page.getByRole('combobox', { name: 'Approbateur par défaut' }).selectOption({ label: `${manager.name} (${manager.email})` });
    await page.getByLabel('Signaler les dépenses datées d\u2019un jour férié').uncheck();
    await page.getByRole('form', { name: 'Approbateur par défaut et signalements' }).getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Paramètres du circuit enregistrés.').waitFor();
    // A level above 500 €.
    const add = page.getByRole('form', { name: 'Ajouter un niveau' });
    await add.getByLabel('Intitulé').fill('Directeur financier');
    await add.getByLabel('Au-delà de (EUR)').fill('500');
    await add.getByRole('combobox', { name: 'Approbateur' }).selectOption({ label: `${verifier.name} (${verifier.email})` });
    await add.getByRole('button', { name: 'Ajouter' }).click();
    await page.getByText('Niveau «\u00a0Directeur financier\u00a0» ajouté.').waitFor();
    expect(squash(await page.getByRole('table', { name: 'Niveaux d\u2019approbation' }).innerText())).toContain('Directeur financier 500,00 €');
    // A category policy.
    await page.getByRole('button', { name: 'Modifier les règles de Restaurant' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Plafond par dépense (EUR)').fill('50');
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Règles de «\u00a0Restaurant\u00a0» enregistrées.').waitFor();
    expect(squash(await page.locator('tr[data-category="Restaurant"]').innerText())).toContain('50,00 €');
    // A new version of a VAT rule.
    const vat = page.getByRole('form', { name: 'Ajouter une version de règle' });
    await vat.getByRole('combobox', { name: 'Catégorie' }).selectOption({ label: 'Hôtel' });
    await vat.getByLabel('En vigueur à partir du').fill('2027-01-01');
    await vat.getByLabel('Part de TVA récupérable (%)').fill('0');
    await vat.getByLabel('Compte de charge').fill('625100');
    await vat.getByRole('button', { name: 'Ajouter la version' }).click();
    await page.getByText('Nouvelle version de la règle de TVA de «\u00a0Hôtel\u00a0» ajoutée.').waitFor();
    expect(await page.getByRole('table', { name: 'Règles de TVA' }).getByRole('row').count()).toBe(3);
    await shot(page, 'workflow-settings');

    // The manager (not an admin) delegates to a colleague picked by name from the directory.
    const mgr = await env.newPage();
    await signIn(mgr, manager.email, manager.password);
    await nav(mgr, 'Profil').click();
    const card = mgr.getByRole('region', { name: 'Délégations d\u2019approbation' });
    await card.getByText('Aucune délégation en cours ou à venir.').waitFor();
    await card.getByLabel('Personne qui approuvera à votre place', { exact: true }).selectOption({ label: colleague.name });
    await card.getByRole('button', { name: 'Déléguer', exact: true }).click();
    await mgr.getByText(`Délégation à ${colleague.name} enregistrée.`).waitFor();
    const row = card.locator('tr[data-delegation]');
    expect(squash(await row.innerText())).toContain('En cours');
    expect(squash(await row.innerText())).toContain(colleague.name);
    // approvers may take one e-mail a day instead of one per submission
    const digest = card.getByLabel('Un seul e-mail par jour pour les dépenses à approuver');
    await digest.click(); // checked once the server has it (a controlled checkbox)
    await expect.poll(() => digest.isChecked()).toBe(true);
    await expect.poll(async () => (await env.server.ctx.c.db.kysely.selectFrom('app_user').select('approval_digest').where('id', '=', manager.id).executeTakeFirstOrThrow()).approval_digest).toBe(true);
    await shot(mgr, 'workflow-delegation');
    // The colleague now sees "À approuver" (the employee's Taxi expense waits for the manager) —
    // here in a browser without EventSource: the count is polled instead of pushed.
    const col = await env.newPage();
    await col.addInitScript(() => Reflect.deleteProperty(window, 'EventSource'));
    await signIn(col, colleague.email, colleague.password);
    expect(await col.evaluate(() => typeof window.EventSource)).toBe('undefined');
    await nav(col, /^À approuver/).getByTestId('nav-count').getByText('1', { exact: true }).waitFor();
    await col.goto('/approvals');
    await col.getByText(`pour ${manager.name} (délégation)`).first().waitFor();
    // The delegate approves: recorded as "colleague for manager".
    await col.locator(`tr[data-expense="${taxiId}"]`).getByRole('button', { name: /^Examiner Taxi Bleu/ }).click();
    await col.getByTestId('review').getByRole('button', { name: 'Approuver', exact: true }).click();
    await col.getByText('Dépense «\u00a0Taxi Bleu\u00a0» approuvée.').waitFor();
    const emp = await env.newPage();
    await signIn(emp, employee.email, employee.password);
    await emp.goto(`/expenses/${taxiId}`);
    const decisions = emp.getByRole('region', { name: 'Suivi' }).getByTestId('decisions');
    await decisions.getByText(`${colleague.name} pour ${manager.name}`).waitFor();
    // The manager ends it.
    await card.getByRole('button', { name: /^Mettre fin à la délégation/ }).click();
    await mgr.getByRole('dialog').getByRole('button', { name: 'Mettre fin' }).click();
    await card.getByText('Aucune délégation en cours ou à venir.').waitFor();
  });

  it('in English: the queues, the follow-up and the settings speak English', async () => {
    const page = await env.newPage();
    await signIn(page, verifier.email, verifier.password);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: /^To verify/ }).click();
    await page.getByRole('heading', { name: 'To verify', level: 1 }).waitFor();
    const main = page.locator('main');
    expect(await main.innerText()).not.toMatch(/dépense|vérifier|approuv/i);
    await shot(page, 'workflow-verifications-en');
    const adm = await env.newPage();
    await signIn(adm, admin.email, admin.password);
    await adm.getByRole('button', { name: 'English' }).click();
    await adm.goto('/settings/workflow');
    await adm.getByRole('heading', { level: 2, name: /approval/i }).first().waitFor();
    expect(await adm.locator('main').innerText()).not.toMatch(/circuit d|approbateur|dépense/i);
  });
});
