// The archival vault on screen, as the admin of a Solo Client uses it: the option turned on, the
// storage protection as detected (read-only files on the local store), the public key; a receipt
// deposited once its expense is verified, listed with its certificate (a PDF); a checkpoint signed
// and listed; a legal hold placed on the deposit and released with a reason; the two-person
// destruction (analysis, request, "1 of 2", the same admin refused, a second admin carries it
// out, the certificate); an accountant reads without the controls; and the page in English.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signedIn } from '../support/context.ts';
import { createTenantWithAdmin, createUser, type TestUser } from '../support/factories.ts';
import { receiptPdf } from '../support/images.ts';
import { alertText, setup, shot, signIn } from './browser.ts';

let admin: TestUser;
let admin2: TestUser;
let tenantId = '';
const RECEIPT = 'facture-hotel.pdf';
const NBSP = '\u00a0';

const env = setup(async ({ server }) => {
  const t = await createTenantWithAdmin(server.ctx, { name: 'Cabinet Morel', plan: 'solo' });
  admin = t.admin;
  tenantId = t.tenantId;
  admin2 = await createUser(server.ctx, tenantId, ['admin']);
});

const squash = (s: string) => s.replace(/[\s\u00a0\u202f]+/g, ' ').trim();
const tab = (page: Page, name: string) => page.getByRole('navigation', { name: 'Sections du coffre-fort' }).getByRole('link', { name, exact: true });
const depositRow = (page: Page) => page.getByRole('row', { name: new RegExp(RECEIPT) });
/** The confirmation dialog's button. */
const confirm = (page: Page, name: string) => page.getByRole('dialog', { name: 'Confirmer' }).getByRole('button', { name, exact: true }).click();

/** An expense with a PDF receipt, submitted through the API by the Solo admin: self-validated, so verified. */
async function verifiedExpenseWithPdf(): Promise<string> {
  const me = await signedIn(env.server.ctx, admin);
  const cats = (await me.get('/api/v1/categories')).body.items;
  const pm = (await me.get('/api/v1/payment-methods')).body.items[0].id;
  const e = (await me.post('/api/v1/expenses', { date: '2026-03-10', merchant: 'Hôtel du Parc', categoryId: cats[0].id, paymentMethodId: pm, amountMinor: 12_000, currency: 'EUR' })).body;
  const pdf = await receiptPdf(['HOTEL DU PARC', 'TOTAL TTC 120,00 EUR']);
  const up = await me.agent.post(`/api/v1/expenses/${e.id}/receipts`).set('X-CSRF-Token', me.csrf).attach('files', pdf, { filename: RECEIPT, contentType: 'application/pdf' });
  expect(up.status, JSON.stringify(up.body)).toBe(201);
  const version = (await me.get(`/api/v1/expenses/${e.id}`)).body.version;
  const s = await me.post(`/api/v1/expenses/${e.id}/submit`, { version });
  expect(s.body.status).toBe('verified');
  return e.id as string;
}

describe('vault', () => {
  it('turns the vault on, shows the protection and the key; lists a deposit with its certificate; signs a checkpoint; places and releases a legal hold', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Coffre-fort', exact: true }).click();
    await page.getByRole('heading', { name: 'Coffre-fort', level: 1 }).waitFor();
    await page.getByTestId('vault-state').getByText('Désactivé').waitFor();

    // The protection as the local store answers it, explained.
    const protection = page.getByTestId('vault-protection');
    await protection.getByText('Fichiers en lecture seule').waitFor();
    expect(squash(await protection.innerText())).toContain('mis en lecture seule');

    // On.
    await page.getByRole('checkbox', { name: 'Déposer les justificatifs au coffre-fort' }).check();
    await page.getByRole('form', { name: 'Option coffre-fort' }).getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText(`Coffre-fort activé${NBSP}: les prochains justificatifs y seront déposés.`).waitFor();
    await page.getByTestId('vault-state').getByText('Activé', { exact: true }).waitFor();
    expect(await page.getByRole('combobox', { name: 'Moment du dépôt' }).inputValue()).toBe('verified');

    // The public key: its fingerprint, and the PEM to download.
    expect(squash(await page.getByTestId('vault-fingerprint').innerText())).toMatch(/[0-9a-f]{64}/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Télécharger la clé publique (PEM)' }).click()]);
    expect(download.suggestedFilename()).toBe('vault-public-key.pem');
    const { readFile } = await import('node:fs/promises');
    expect(await readFile((await download.path())!, 'utf8')).toContain('-----BEGIN PUBLIC KEY-----');
    await shot(page, 'vault-overview');

    // A receipt deposited (the job `vault.deposit`, run here as the worker would).
    const expenseId = await verifiedExpenseWithPdf();
    expect((await env.server.ctx.c.vault.depositExpense(tenantId, expenseId)).deposited).toHaveLength(1);

    await tab(page, 'Dépôts').click();
    const row = depositRow(page);
    await row.waitFor();
    await expect.poll(async () => squash(await row.innerText())).toContain('Conservé');
    expect(await row.getByRole('link', { name: `Voir la dépense de ${RECEIPT}` }).getAttribute('href')).toBe(`/expenses/${expenseId}`);
    // The certificate is a PDF.
    const certHref = (await row.getByRole('link', { name: `Télécharger le certificat de dépôt de ${RECEIPT} (PDF)` }).getAttribute('href'))!;
    const cert = await page.request.get(certHref);
    expect(cert.status()).toBe(200);
    expect(cert.headers()['content-type']).toBe('application/pdf');
    expect((await cert.body()).subarray(0, 4).toString()).toBe('%PDF');
    // The filters: a SHA-256 that matches nothing, then cleared.
    await page.getByLabel('Empreinte SHA-256').fill('0'.repeat(64));
    await page.getByText('Aucun dépôt ne correspond à ces critères.').waitFor();
    await page.getByRole('button', { name: 'Effacer les filtres' }).click();
    await row.waitFor();
    await shot(page, 'vault-deposits');

    // A checkpoint, signed now and listed, to download as JSON.
    await tab(page, 'Points de contrôle').click();
    await page.getByRole('button', { name: 'Signer un point de contrôle maintenant' }).click();
    const signed = page.getByText(/^Point de contrôle n°\s\d+ signé/);
    await signed.waitFor();
    const seq = Number(/n° (\d+)/.exec(squash(await signed.innerText()))![1]);
    const cpRow = page.locator(`tr[data-seq="${seq}"]`);
    await cpRow.waitFor();
    expect(squash(await cpRow.innerText())).toContain('Non horodaté');
    expect(await cpRow.getByRole('link', { name: `Télécharger le point de contrôle n° ${seq} (JSON)` }).getAttribute('download')).toBe(`checkpoint-${seq}.json`);

    // A legal hold on the deposit ("Geler" in its row), then released with a reason.
    await tab(page, 'Dépôts').click();
    await depositRow(page).getByRole('link', { name: `Poser un gel juridique sur ${RECEIPT}` }).click();
    await page.getByRole('heading', { name: 'Poser un gel juridique' }).waitFor();
    const form = page.getByRole('form', { name: 'Poser un gel juridique' });
    await form.getByText(`Dépôt «${NBSP}${RECEIPT}${NBSP}»`).waitFor();
    await form.getByLabel('Responsable du gel').fill('Service juridique');
    await form.getByLabel('Motif', { exact: true }).fill('Contrôle fiscal 2026');
    await form.getByLabel('À revoir le').fill(`${new Date().getFullYear() + 1}-06-30`);
    await form.getByRole('button', { name: 'Poser le gel' }).click();
    const scope = `Dépôt «${NBSP}${RECEIPT}${NBSP}»`;
    await page.getByText(`Gel juridique posé sur ${scope}.`).waitFor();
    const holdRow = page.getByRole('row', { name: /Service juridique/ });
    await expect.poll(async () => squash(await holdRow.innerText())).toContain('En cours');
    expect(squash(await holdRow.innerText())).toContain(`Dépôt « ${RECEIPT} »`);
    await shot(page, 'vault-holds');

    await holdRow.getByRole('button', { name: `Lever le gel juridique sur ${scope}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Lever le gel juridique' });
    await dialog.getByLabel('Motif de la levée').fill('Contrôle clos sans suite');
    await dialog.getByRole('button', { name: 'Lever le gel' }).click();
    await page.getByText(`Gel juridique sur ${scope} levé.`).waitFor();
    await expect.poll(async () => squash(await holdRow.innerText())).toContain('Motif : Contrôle clos sans suite');
    expect(squash(await holdRow.innerText())).toContain('Levé');
  });

  it('destroys a deposit with two admins: analysis, request, 1 of 2, the same admin refused, the second admin carries it out', async () => {
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.goto('/vault/destructions');
    await page.getByText('Deux administrateurs différents doivent approuver chaque demande', { exact: false }).waitFor();

    await page.getByRole('combobox', { name: 'Motif de destruction' }).selectOption('contract_end');
    await page.getByRole('button', { name: 'Analyser', exact: true }).click();
    const analysis = page.getByTestId('analysis');
    await analysis.getByText('1 dépôt(s) destructible(s)').waitFor();
    expect(await analysis.getByRole('checkbox', { name: `Sélectionner ${RECEIPT}` }).isChecked()).toBe(true);
    await analysis.getByLabel('Motif de la demande').fill('Fin du contrat au 31 mars');
    await analysis.getByRole('button', { name: 'Demander la destruction de 1 dépôt(s)' }).click();
    await page.getByText(`Demande de destruction de 1 dépôt(s) enregistrée${NBSP}: deux administrateurs différents doivent maintenant l\u2019approuver.`).waitFor();
    const request = page.getByRole('row', { name: /Fin du contrat au 31 mars/ });
    await expect.poll(async () => squash(await request.innerText())).toContain('En attente');
    expect(squash(await request.getByTestId('approvals').innerText())).toContain('0 sur 2');

    // The first approval.
    await request.getByRole('button', { name: 'Approuver la destruction de 1 dépôt(s)' }).click();
    await confirm(page, 'Approuver');
    await page.getByText(`Votre approbation est enregistrée (1 sur 2)${NBSP}: un autre administrateur doit approuver à son tour.`).waitFor();
    await expect.poll(async () => squash(await request.getByTestId('approvals').innerText())).toContain('1 sur 2');
    expect(squash(await request.getByTestId('approvals').innerText())).toContain('Vous avez approuvé');
    // The same admin again: refused by the API, said on the page.
    await request.getByRole('button', { name: 'Approuver la destruction de 1 dépôt(s)' }).click();
    await confirm(page, 'Approuver');
    expect(await alertText(page)).toContain('Vous avez déjà approuvé cette demande : un autre administrateur doit l\u2019approuver.');
    await shot(page, 'vault-destruction-pending');

    // The second admin, in another browser: carried out, with its certificate.
    const other = await env.newPage();
    await signIn(other, admin2.email, admin2.password);
    await other.goto('/vault/destructions');
    const theirs = other.getByRole('row', { name: /Fin du contrat au 31 mars/ });
    await expect.poll(async () => squash(await theirs.getByTestId('approvals').innerText())).toContain(`1 sur 2 ${admin.name}, le`);
    await theirs.getByRole('button', { name: 'Approuver la destruction de 1 dépôt(s)' }).click();
    await confirm(other, 'Approuver');
    await other.getByText(`Destruction exécutée${NBSP}: 1 dépôt(s) détruit(s). Le certificat de destruction est disponible.`).waitFor();
    await expect.poll(async () => squash(await theirs.innerText())).toContain('Exécutée');
    expect(squash(await theirs.getByTestId('approvals').innerText())).toContain('2 sur 2');
    const certHref = (await theirs.getByRole('link', { name: 'Certificat de destruction (JSON)' }).getAttribute('href'))!;
    const cert = (await (await other.request.get(certHref)).json()) as { certificate: { format: string; items: { originalName: string }[] }; sha256: string };
    expect(cert.certificate.format).toBe('justif.vault.destruction/1');
    expect(cert.certificate.items.map((i) => i.originalName)).toEqual([RECEIPT]);

    // The deposit is listed as destroyed, without its original.
    await tab(other, 'Dépôts').click();
    const row = depositRow(other);
    await expect.poll(async () => squash(await row.innerText())).toContain('Détruit');
    expect(await row.getByRole('link', { name: `Télécharger l\u2019original ${RECEIPT}` }).count()).toBe(0);
    await shot(other, 'vault-destroyed');
  });

  it('lets an accountant read the vault without the controls that change it', async () => {
    const accountant = await createUser(env.server.ctx, tenantId, ['accountant']);
    const page = await env.newPage();
    await signIn(page, accountant.email, accountant.password);
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Coffre-fort', exact: true }).click();
    await page.getByTestId('vault-protection').getByText('Fichiers en lecture seule').waitFor();
    await page.getByText(`Consultation seule${NBSP}: seuls les administrateurs modifient le coffre-fort.`).waitFor();
    expect(await page.getByRole('checkbox').count()).toBe(0);
    await tab(page, 'Points de contrôle').click();
    await page.locator('tr[data-seq]').first().waitFor();
    expect(await page.getByRole('button', { name: 'Signer un point de contrôle maintenant' }).count()).toBe(0);
    await tab(page, 'Destructions').click();
    await page.getByRole('row', { name: /Fin du contrat au 31 mars/ }).getByText('Exécutée').waitFor();
    expect(await page.getByRole('button', { name: 'Analyser' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Approuver/ }).count()).toBe(0);
  });

  it('shows the vault page in English', async () => {
    const page = await env.newPage();
    await signIn(page, admin2.email, admin2.password);
    await page.goto('/vault/checkpoints');
    await page.getByRole('heading', { name: 'Coffre-fort', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Vault', level: 1 }).waitFor();
    const tabs = page.getByRole('navigation', { name: 'Vault sections' });
    expect(await tabs.getByRole('link').allInnerTexts()).toEqual(['Overview', 'Deposits', 'Checkpoints', 'Legal holds', 'Destructions']);
    await page.getByRole('button', { name: 'Sign a checkpoint now' }).waitFor();
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Vault', exact: true }).waitFor();
    expect(await page.title()).toBe('Checkpoints · Vault · Justif');
  });
});
