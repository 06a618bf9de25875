// Terms of use and privacy notice on screen, in French (R-GDPR-8): a user who has not accepted the
// versions in force sees the acceptance screen instead of any page; once accepted, the app. A new
// version published by an operator is announced by a banner with its date. The documents are public.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../api/features/audit/audit.service.ts';
import { hashPassword } from '../../api/lib/password.ts';
import { PASSWORD } from '../support/factories.ts';
import { setup, shot, signIn } from './browser.ts';

const email = `fresh-${Date.now()}@legal.test`;

const env = setup(async ({ server }) => {
  // an admin created without the fixtures' acceptance on their behalf
  const { adminId } = await server.ctx.c.tenants.create(SYSTEM_ACTOR, { name: 'Conditions SA', plan: 'team', country: 'FR', currency: 'EUR', adminEmail: email, adminName: 'Camille Nouvelle' }, { sendMail: false });
  await server.ctx.c.db.kysely.updateTable('app_user').set({ status: 'active', password_hash: await hashPassword(PASSWORD) }).where('id', '=', adminId).execute();
});

describe('terms and notices', () => {
  it('the versions in force are accepted before anything else; a new version is announced by a banner; the texts are public', async () => {
    const page = await env.newPage();
    await signIn(page, email, PASSWORD);
    await page.getByRole('heading', { name: 'Conditions d\u2019utilisation et politique de confidentialité', level: 1 }).waitFor();
    await page.goto('/users');
    await page.getByTestId('accept-terms').waitFor();
    const accept = page.getByRole('button', { name: 'Accepter et continuer' });
    expect(await accept.isDisabled()).toBe(true);
    await page.getByText('Conditions générales d\u2019utilisation de Justif').click();
    await page.getByRole('heading', { name: '2. Acceptation' }).waitFor();
    await page.getByLabel('J\u2019ai lu et j\u2019accepte ces documents').check();
    await shot(page, 'legal-accept');
    await accept.click();
    await page.getByRole('heading', { name: 'Utilisateurs', level: 1 }).waitFor();

    const appliesFrom = DateTime.now().setZone('Europe/Paris').plus({ months: 1, days: 5 }).startOf('day');
    await env.server.ctx.c.legal.publish(SYSTEM_ACTOR, { document: 'privacy', version: appliesFrom.toISODate()!, appliesFrom: appliesFrom.toJSDate(), affectsProcessing: false, summary: 'Durées de conservation précisées.', bodyFr: '# Politique de confidentialité de Justif\n\nNouvelle version.\n', bodyEn: '# Justif privacy notice\n\nNew version.\n' });
    await page.reload();
    const banner = page.getByTestId('legal-upcoming-banner');
    await banner.waitFor();
    expect(await banner.innerText()).toContain('Une nouvelle politique de confidentialité s\u2019applique à partir du');
    await shot(page, 'legal-banner');

    const visitor = await env.newPage();
    await visitor.goto('/legal/terms');
    await visitor.getByRole('heading', { name: 'Conditions générales d\u2019utilisation de Justif', level: 1 }).waitFor();
    await visitor.getByRole('heading', { name: '7. Modification des conditions' }).waitFor();
    await visitor.goto('/legal/privacy');
    await visitor.getByTestId('legal-upcoming').waitFor();
    await shot(visitor, 'legal-privacy-public');
  });
});
