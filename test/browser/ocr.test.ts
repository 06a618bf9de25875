// Reading receipts (OCR), in the browser with the real worker in the server's process: scan first
// from the new expense page (a real one-page PDF receipt, made here with pdf-lib), "Reading the
// receipt…" while the worker is not running yet and the "reading" badge in My expenses, then the
// fields filled and marked as read from the receipt (and "to check" when OCR was unsure); a field
// the user edits is no longer marked. The edit form open during the reading takes in what OCR
// fills without losing what the user typed. An admin sees the receipts whose reading was given up
// and queues one again.
//
// The worker is started by the tests themselves, not before them: the reading can then be seen
// before it happens (a PDF's text layer is read in well under a second).
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { startWorker } from '../../worker/main.ts';
import { signedIn } from '../support/context.ts';
import { createTenantWithAdmin, createUser, type TestUser } from '../support/factories.ts';
import { setup, shot, signIn } from './browser.ts';

let employee: TestUser;
let admin: TestUser;
let tenantId = '';

const env = setup(async ({ server }) => {
  const t = await createTenantWithAdmin(server.ctx, { name: 'Transports Morel' });
  tenantId = t.tenantId;
  admin = t.admin;
  employee = await createUser(server.ctx, t.tenantId, ['employee']);
});

let stopWorker: (() => Promise<void>) | undefined;
function startTheWorker() {
  stopWorker ??= startWorker(env.server.ctx.c, { schedules: false, pollMs: 100 });
}
async function stopTheWorker() {
  const stop = stopWorker;
  stopWorker = undefined;
  await stop?.();
}
// Registered after setup()'s: runs before the server stops (after-hooks run in reverse order).
afterAll(stopTheWorker);

/** A born-digital receipt: one page of large Helvetica text. */
async function receiptPdf(lines: string[]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const page = doc.addPage([420, 120 + lines.length * 48]);
  lines.forEach((text, i) => page.drawText(text, { x: 30, y: page.getHeight() - 70 - i * 48, size: 26, font: i === 0 ? bold : font, color: rgb(0, 0, 0) }));
  return Buffer.from(await doc.save());
}

const SCAN_DROP = 'Déposez le justificatif à lire ici ou cliquez pour le choisir';

async function expenseIdFromUrl(page: Page): Promise<string> {
  await page.waitForURL((u) => /^\/expenses\/[0-9a-f-]{36}$/.test(u.pathname));
  return new URL(page.url()).pathname.split('/').pop()!;
}

interface ExpenseJson {
  merchant: string;
  date: string;
  amountMinor: number;
  currency: string;
  description: string;
  version: number;
  ocr: { status: string | null; fields: string[]; confidence: Record<string, number> };
}

async function getExpense(page: Page, id: string): Promise<ExpenseJson> {
  const r = await page.request.get(`/api/v1/expenses/${id}`);
  expect(r.ok()).toBe(true);
  return (await r.json()) as ExpenseJson;
}

/** Scans a receipt from the new expense page and lands on the draft's page. */
async function scan(page: Page, name: string, pdf: Buffer): Promise<string> {
  await page.goto('/expenses/new');
  const card = page.getByRole('region', { name: 'Scanner un justificatif' });
  await card.waitFor();
  await card.getByLabel(SCAN_DROP).setInputFiles({ name, mimeType: 'application/pdf', buffer: pdf });
  await card.getByRole('list', { name: 'Justificatif à lire' }).locator(`[data-file="${name}"]`).waitFor();
  await card.getByRole('button', { name: 'Lire le justificatif' }).click();
  return expenseIdFromUrl(page);
}

const row = (page: Page, field: string) => page.locator(`[data-field="${field}"]`);
const ocrStatus = (page: Page) => page.getByTestId('ocr-status');

describe('unreadable receipts (admin)', () => {
  // First, while no worker runs: the failure stays as made.
  it('lists a receipt whose reading was given up, with its error and sender (its draft stays private), and queues it again', async () => {
    const { server } = env;
    const k = server.ctx.c.db.kysely;
    // The employee scans a receipt; its reading is then given up (a dead job, as after 4 failures).
    const asEmployee = await signedIn(server.ctx, employee);
    const made = await asEmployee.agent
      .post('/api/v1/expenses/scan')
      .set('X-CSRF-Token', asEmployee.csrf)
      .attach('files', await receiptPdf(['?????']), { filename: 'ticket-delave.pdf', contentType: 'application/pdf' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const { expenseId, receipts } = made.body as { expenseId: string; receipts: { id: string; sha256: string }[] };
    const key = `${tenantId}:${receipts[0]!.sha256}`;
    await k.deleteFrom('job').where('name', '=', 'receipt.ocr').where('singleton_key', '=', key).execute();
    const dead = await k
      .insertInto('job')
      .values({ name: 'receipt.ocr', payload: JSON.stringify({ tenantId, sha256: receipts[0]!.sha256 }), state: 'dead', attempts: 4, max_attempts: 4, singleton_key: key, last_error: 'boom', finished_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();

    // The employee's expense says it plainly; My expenses marks the row.
    const mine = await env.newPage();
    await signIn(mine, employee.email, employee.password);
    await mine.goto(`/expenses/${expenseId}`);
    await ocrStatus(mine).getByText('Le justificatif n\u2019a pas pu être lu.').waitFor();
    expect(await ocrStatus(mine).innerText()).toContain('Saisissez vous-même le marchand, la date et le montant');
    await shot(mine, 'ocr-failed-expense');
    await mine.goto('/expenses');
    await mine.locator(`tr[data-expense="${expenseId}"]`).getByText('Illisible').waitFor();

    // The admin: Settings → Unreadable receipts.
    const page = await env.newPage();
    await signIn(page, admin.email, admin.password);
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Paramétrage' }).click();
    await page.getByRole('navigation', { name: 'Sections du paramétrage' }).getByRole('link', { name: 'Justificatifs illisibles' }).click();
    await page.waitForURL((u) => u.pathname === '/settings/ocr-failures');
    const line = page.locator(`tr[data-receipt="${receipts[0]!.id}"]`);
    await line.waitFor();
    const text = (await line.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('ticket-delave.pdf');
    expect(text).toContain('boom');
    expect(text).toMatch(/\b4\b/);
    // who sent it, so that the admin can ask; the draft itself stays private to its owner
    expect(text).toContain('Envoyé par ');
    expect(text).toContain('Brouillon : seul son auteur peut l’ouvrir');
    expect(await line.getByRole('link', { name: 'Voir la dépense du justificatif ticket-delave.pdf' }).count()).toBe(0);
    await shot(page, 'ocr-failures');

    await line.getByRole('button', { name: 'Relire le justificatif ticket-delave.pdf' }).click();
    await page.getByText('Relecture de «\u00a0ticket-delave.pdf\u00a0» demandée\u00a0: elle sera faite dans quelques instants.').waitFor();
    await line.getByText('Relecture demandée').waitFor();
    expect(await line.getByRole('button', { name: /Relire/ }).count()).toBe(0);
    // A new reading is queued, after the dead one; the expense is being read again.
    const jobs = await k.selectFrom('job').select(['id', 'state']).where('name', '=', 'receipt.ocr').where('singleton_key', '=', key).orderBy('id').execute();
    expect(jobs).toEqual([
      { id: dead.id, state: 'dead' },
      { id: expect.any(Number), state: 'queued' },
    ]);
    expect((await getExpense(mine, expenseId)).ocr.status).toBe('reading');
    await shot(page, 'ocr-failures-queued');
  });
});

describe('scan first', () => {
  it('offers the camera for the scan on a phone', async () => {
    const page = await env.newPage({ mobile: true });
    await signIn(page, employee.email, employee.password);
    await page.goto('/expenses/new');
    const card = page.getByRole('region', { name: 'Scanner un justificatif' });
    const camera = card.getByLabel('Photographier le justificatif');
    expect(await camera.getAttribute('capture')).toBe('environment');
    expect(await camera.getAttribute('accept')).toBe('image/*');
    expect(await card.getByText('Photographier le justificatif').isVisible()).toBe(true);
    // The form's own picker keeps its words (one "Take a photo" on the page).
    expect(await page.getByLabel('Prendre une photo').count()).toBe(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, 'ocr-scan-mobile');
  });

  it('scans a PDF receipt, shows the reading, then the fields read; an edited field is no longer marked', async () => {
    const page = await env.newPage();
    await signIn(page, employee.email, employee.password);
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Nouvelle dépense', exact: true }).click();
    // Scanning comes first on the page, before the form to type.
    const headings = await page.getByRole('heading', { level: 2 }).allInnerTexts();
    expect(headings[0]).toBe('Scanner un justificatif');
    expect(headings[1]).toBe('Ou saisissez la dépense vous-même');
    await shot(page, 'ocr-scan-first');

    const id = await scan(page, 'cafe-de-la-gare.pdf', await receiptPdf(['CAFE DE LA GARE', '12/03/2026', 'CAFE CREME 2,50', 'TOTAL TTC 12,50 EUR']));
    await page.getByText('Brouillon créé à partir du justificatif.').waitFor();
    await ocrStatus(page).getByText('Lecture du justificatif…').waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Lecture du justificatif…' }).getAttribute('aria-live')).toBe('polite');
    expect(await ocrStatus(page).locator('.spinner').count()).toBe(1);
    // Placeholders are not shown as values: no amount yet, no merchant.
    expect((await page.getByTestId('expense-amount').innerText()).trim()).toBe('—');
    await shot(page, 'ocr-reading');

    // My expenses: the row says it is being read.
    await page.goto('/expenses');
    const listRow = page.locator(`tr[data-expense="${id}"]`);
    await listRow.getByText('Lecture…').waitFor();
    await shot(page, 'ocr-list-reading');

    // The worker reads it: the page, open meanwhile, fills in by itself — pushed by the server
    // over one event stream, not asked for again and again.
    const gets: string[] = [];
    const streams: string[] = [];
    page.on('request', (q) => {
      const path = new URL(q.url()).pathname;
      if (path === `/api/v1/expenses/${id}`) gets.push(path);
      if (path === `/api/v1/expenses/${id}/events`) streams.push(path);
    });
    await page.goto(`/expenses/${id}`);
    await ocrStatus(page).getByText('Lecture du justificatif…').waitFor();
    await page.waitForTimeout(4_000); // longer than the polling period, were it polling
    startTheWorker();
    await ocrStatus(page).getByText('Justificatif lu.', { exact: false }).waitFor({ timeout: 60_000 });
    expect(streams.length).toBeGreaterThanOrEqual(1);
    expect(gets.length).toBeLessThanOrEqual(1);
    const e = await getExpense(page, id);
    expect(e.ocr.status).toBe('done');
    expect(e.ocr.fields).toEqual(expect.arrayContaining(['amountMinor', 'date']));
    expect(e).toMatchObject({ amountMinor: 1250, currency: 'EUR', date: '2026-03-12' });
    expect((await page.getByTestId('expense-amount').innerText()).replace(/\s/g, ' ')).toBe('12,50 €');
    expect(await row(page, 'amount').innerText()).toContain('Lu sur le justificatif');
    expect(await row(page, 'date').innerText()).toContain('12 mars 2026');
    expect(await row(page, 'date').innerText()).toContain('Lu sur le justificatif');
    if (e.ocr.fields.includes('merchant')) {
      expect(e.merchant).toMatch(/gare/i);
      expect(await row(page, 'merchant').innerText()).toContain('Lu sur le justificatif');
    }
    // Nothing the user typed is marked.
    expect(await row(page, 'merchant').locator('[data-ocr]').count()).toBe(e.ocr.fields.includes('merchant') ? 1 : 0);
    await shot(page, 'ocr-done');
    // In the list, the badge is gone and the amount is there.
    await page.goto('/expenses');
    await listRow.getByText('12,50', { exact: false }).waitFor();
    expect(await listRow.getByText('Lecture…').count()).toBe(0);

    // Where OCR was unsure, the field is "to check", in words; elsewhere only "read". The
    // confidences are set here (OCR's own depend on the engine): sure of all but the date.
    const sure = Object.fromEntries(e.ocr.fields.map((f) => [f, 0.97]));
    await env.server.ctx.c.db.kysely.updateTable('expense').set({ ocr_confidence: JSON.stringify({ ...sure, date: 0.42 }) }).where('id', '=', id).execute();
    await page.goto(`/expenses/${id}`);
    await row(page, 'date').getByText('Lu sur le justificatif, à vérifier').waitFor();
    expect(await row(page, 'date').locator('[data-ocr="check"]').count()).toBe(1);
    expect(await row(page, 'amount').locator('[data-ocr="read"]').count()).toBe(1);
    expect(await row(page, 'amount').innerText()).not.toContain('à vérifier');
    expect(await ocrStatus(page).innerText()).toContain('1 champ(s) à vérifier en priorité.');
    await shot(page, 'ocr-to-check');

    // The edit form: pre-filled and marked the same way, until the user changes a field.
    await page.getByRole('link', { name: 'Modifier' }).click();
    await page.getByRole('heading', { name: 'Modifier la dépense' }).waitFor();
    const merchant = page.getByLabel('Marchand');
    const amount = page.getByLabel('Montant TTC');
    expect(await amount.inputValue()).toBe('12,50');
    expect(await page.getByLabel('Date').inputValue()).toBe('2026-03-12');
    const hintOf = async (label: string) => (await page.locator('.field', { has: page.getByLabel(label, { exact: true }) }).locator('.field__hint').allInnerTexts()).join(' ');
    expect(await hintOf('Montant TTC')).toContain('Lu sur le justificatif');
    expect(await hintOf('Montant TTC')).not.toContain('à vérifier');
    expect(await hintOf('Date')).toContain('Lu sur le justificatif, à vérifier');
    // The mark is the field's description for screen readers.
    expect(await page.getByLabel('Date').getAttribute('aria-describedby')).toBeTruthy();
    if (e.ocr.fields.includes('merchant')) expect(await hintOf('Marchand')).toContain('Lu sur le justificatif');
    await shot(page, 'ocr-edit-marked');
    await merchant.fill('Café de la Gare');
    expect(await hintOf('Marchand')).not.toContain('Lu sur le justificatif');
    expect(await hintOf('Montant TTC')).toContain('Lu sur le justificatif');
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/expenses/${id}`);
    await page.getByText('Modifications enregistrées.').waitFor();
    await page.getByRole('heading', { level: 1, name: /Café de la Gare/ }).waitFor();
    expect(await row(page, 'merchant').locator('[data-ocr]').count()).toBe(0);
    expect(await row(page, 'amount').innerText()).toContain('Lu sur le justificatif');
    const after = await getExpense(page, id);
    expect(after.merchant).toBe('Café de la Gare');
    expect(after.ocr.fields).not.toContain('merchant');
    expect(after.ocr.fields).toContain('amountMinor');
    await shot(page, 'ocr-edited');
  });

  it('fills the edit form opened during the reading, keeping what the user typed', async () => {
    await stopTheWorker();
    const page = await env.newPage();
    await signIn(page, employee.email, employee.password);
    const id = await scan(page, 'boulangerie.pdf', await receiptPdf(['BOULANGERIE DU MARCHE', '05/11/2026', 'TOTAL TTC 8,40 EUR']));
    await ocrStatus(page).getByText('Lecture du justificatif…').waitFor();
    await page.getByRole('link', { name: 'Modifier' }).click();
    await page.getByRole('heading', { name: 'Modifier la dépense' }).waitFor();
    await ocrStatus(page).getByText('Les champs lus seront remplis ici dès que possible', { exact: false }).waitFor();
    // Nothing read yet: no amount, no merchant (the draft's placeholders are not values).
    expect(await page.getByLabel('Montant TTC').inputValue()).toBe('');
    expect(await page.getByLabel('Marchand').inputValue()).toBe('');
    await page.getByLabel('Description').fill('Petit-déjeuner d\u2019équipe');

    startTheWorker();
    await expect.poll(() => page.getByLabel('Montant TTC').inputValue(), { timeout: 60_000 }).toBe('8,40');
    expect(await page.getByLabel('Date').inputValue()).toBe('2026-11-05');
    expect(await page.getByLabel('Description').inputValue()).toBe('Petit-déjeuner d\u2019équipe');
    await ocrStatus(page).getByText('Justificatif lu.', { exact: false }).waitFor();
    await shot(page, 'ocr-edit-filled');
    if (!(await page.getByLabel('Marchand').inputValue())) await page.getByLabel('Marchand').fill('Boulangerie du Marché');
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/expenses/${id}`);
    await page.getByText('Modifications enregistrées.').waitFor();
    const e = await getExpense(page, id);
    expect(e).toMatchObject({ amountMinor: 840, date: '2026-11-05', description: 'Petit-déjeuner d\u2019équipe' });
    expect(e.ocr.fields).toEqual(expect.arrayContaining(['amountMinor', 'date']));
  });
});
