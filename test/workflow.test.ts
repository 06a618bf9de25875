// Approval workflow (R-WF, R-ACC-1) through the API: chains with thresholds and delegation, signed
// decisions and their check, policies, verification with corrections, Solo self-validation,
// notifications, and the role × transition matrix. Concurrency on PostgreSQL only.
import { DateTime } from 'luxon';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../api/features/audit/audit.service.ts';
import { TenantDb } from '../storage/db/tenant-db.ts';
import { ApprovalCheck, BulkResult, DelegationList, NotificationList, QueuePage, Timeline } from '../api/features/workflow/workflow.schemas.ts';
import { Client, createTestContext, referencesOf, signedIn, type TestContext } from './support/context.ts';
import { onPostgres } from './support/db.ts';
import { createTenantWithAdmin, createUser, lastMailTo, type TestUser } from './support/factories.ts';

let ctx: TestContext;
let t: Awaited<ReturnType<typeof createTenantWithAdmin>>;
let admin: Client;
const u: Record<string, TestUser> = {};
const as: Record<string, Client> = {};
let cat: Record<string, string>;
let pay: Record<string, string>;
const today = DateTime.now().setZone('Europe/Paris').toISODate()!;
// a Tuesday that is no public holiday, in the past
const WEEKDAY = '2026-03-10';

beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTenantWithAdmin(ctx);
  admin = await signedIn(ctx, t.admin);
  u.finance = await createUser(ctx, t.tenantId, ['employee', 'manager']);
  u.head = await createUser(ctx, t.tenantId, ['employee', 'manager'], { managerId: u.finance.id });
  u.manager = await createUser(ctx, t.tenantId, ['employee', 'manager'], { managerId: u.head.id });
  u.delegate = await createUser(ctx, t.tenantId, ['employee', 'manager']);
  u.employee = await createUser(ctx, t.tenantId, ['employee'], { managerId: u.manager.id });
  u.colleague = await createUser(ctx, t.tenantId, ['employee'], { managerId: u.manager.id });
  u.verifier = await createUser(ctx, t.tenantId, ['employee', 'verifier']);
  u.accountant = await createUser(ctx, t.tenantId, ['employee', 'accountant']);
  u.orphan = await createUser(ctx, t.tenantId, ['employee']); // no manager: goes to the fallback approver
  for (const [k, v] of Object.entries(u)) as[k] = await signedIn(ctx, v);
  as.admin = admin;
  ({ cat, pay } = await referencesOf(admin));
  expect((await admin.patch('/api/v1/workflow/settings', { fallbackApproverId: u.finance.id })).status).toBe(200);
  expect((await admin.post('/api/v1/workflow/levels', { aboveMinor: 50_000, approverId: u.head.id, label: 'department head' })).status).toBe(201);
  expect((await admin.post('/api/v1/workflow/levels', { aboveMinor: 200_000, approverId: u.finance.id, label: 'finance director' })).status).toBe(201);
});
afterAll(async () => ctx?.close());

async function draft(c: Client, over: Record<string, unknown> = {}) {
  const r = await c.post('/api/v1/expenses', { date: WEEKDAY, merchant: 'Hôtel du Parc', categoryId: cat.hotel, paymentMethodId: pay.personal, amountMinor: 12_000, currency: 'EUR', vatLines: [{ rateBp: 1000, baseMinor: 10_909, vatMinor: 1091 }], ...over });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; version: number };
}
async function submitted(c: Client, over: Record<string, unknown> = {}) {
  const d = await draft(c, over);
  const s = await c.post(`/api/v1/expenses/${d.id}/submit`, { version: d.version });
  expect(s.status, JSON.stringify(s.body)).toBe(200);
  return { id: d.id, version: s.body.version as number };
}
const version = async (c: Client, id: string) => (await c.get(`/api/v1/expenses/${id}`)).body.version as number;
const decide = (c: Client, id: string, action: string, body: Record<string, unknown>) => c.post(`/api/v1/expenses/${id}/${action}`, body);

describe('a three-level chain with a delegate', () => {
  it('manager (by delegation) → department head → finance director; verifier corrects VAT and verifies; the employee sees all of it', async () => {
    // The manager is away: the delegate decides for them today.
    const dl = await as.manager!.post('/api/v1/delegations', { delegateId: u.delegate!.id, startsOn: today, endsOn: today });
    expect(dl.status, JSON.stringify(dl.body)).toBe(201);
    const e = await submitted(as.employee!, { amountMinor: 250_000, vatLines: [{ rateBp: 1000, baseMinor: 227_273, vatMinor: 22_727 }] });
    let wf = (await as.employee!.get(`/api/v1/expenses/${e.id}/workflow`)).body;
    expect(wf.chain.map((s: { approver: { id: string }; state: string }) => [s.approver.id, s.state])).toEqual([[u.manager!.id, 'pending'], [u.head!.id, 'waiting'], [u.finance!.id, 'waiting']]);
    expect((await lastMailTo(ctx, u.manager!.email))?.subject).toMatch(/^À approuver/);
    expect((await lastMailTo(ctx, u.delegate!.email))?.subject).toMatch(/^À approuver/);

    // Not yet theirs: the department head waits for level 1.
    expect((await decide(as.head!, e.id, 'approve', { version: e.version })).status).toBe(403);
    const q = QueuePage.parse((await as.delegate!.get('/api/v1/approvals/queue')).body);
    expect(q.items.map((i: { expense: { id: string } }) => i.expense.id)).toContain(e.id);
    expect(q.items.find((i) => i.expense.id === e.id)?.onBehalfOf?.id).toBe(u.manager!.id);
    const a1 = await decide(as.delegate!, e.id, 'approve', { version: e.version, comment: 'OK pour moi' });
    expect(a1.body, JSON.stringify(a1.body)).toMatchObject({ status: 'submitted' });
    const a2 = await decide(as.head!, e.id, 'approve', { version: a1.body.version });
    expect(a2.body.status).toBe('submitted');
    const a3 = await decide(as.finance!, e.id, 'approve', { version: a2.body.version });
    expect(a3.body.status).toBe('approved');
    expect((await lastMailTo(ctx, u.employee!.email))?.subject).toMatch(/^Dépense approuvée/);

    wf = Timeline.parse((await as.employee!.get(`/api/v1/expenses/${e.id}/workflow`)).body); // the documented shape
    expect(wf.decisions.map((d: { decision: string; actor: { id: string }; onBehalfOf: { id: string } | null; authMethod: string }) => [d.decision, d.actor.id, d.onBehalfOf?.id ?? null, d.authMethod])).toEqual([
      ['approved', u.delegate!.id, u.manager!.id, 'password'],
      ['approved', u.head!.id, null, 'password'],
      ['approved', u.finance!.id, null, 'password'],
    ]);
    expect(wf.transitions.map((x: { from: string; to: string }) => `${x.from}→${x.to}`)).toEqual(['draft→submitted', 'submitted→submitted', 'submitted→submitted', 'submitted→approved']);
    expect(wf.transitions[1].comment).toBe('OK pour moi');
    expect(wf.transitions[1].onBehalfOf.id).toBe(u.manager!.id);

    // The verifier: the rule in force at the expense's date, a VAT correction, then verified.
    expect((await admin.post('/api/v1/vat-rules', { categoryId: cat.hotel, effectiveFrom: '2025-01-01', recoverableBp: 10_000, expenseAccount: '625100', vatAccount: '445660' })).status).toBe(201);
    expect((await admin.post('/api/v1/vat-rules', { categoryId: cat.hotel, effectiveFrom: '2027-01-01', recoverableBp: 0, expenseAccount: '625100', vatAccount: '445660' })).status).toBe(201);
    const vq = (await as.verifier!.get('/api/v1/verifications/queue')).body.items.find((i: { expense: { id: string } }) => i.expense.id === e.id);
    expect(vq.vatRule).toMatchObject({ effectiveFrom: '2025-01-01', recoverableBp: 10_000 });
    const corr = await decide(as.verifier!, e.id, 'corrections', { version: a3.body.version, vatLines: [{ rateBp: 1000, baseMinor: 200_000, vatMinor: 20_000 }, { rateBp: 2000, baseMinor: 25_000, vatMinor: 5_000 }], comment: 'Deux taux sur la facture' });
    expect(corr.status, JSON.stringify(corr.body)).toBe(200);
    expect(corr.body).toMatchObject({ status: 'approved', corrections: ['vatLines'] });
    const v = await decide(as.verifier!, e.id, 'verify', { version: corr.body.version });
    expect(v.body.status).toBe('verified');
    const seen = (await as.employee!.get(`/api/v1/expenses/${e.id}/workflow`)).body;
    expect(seen.corrections).toEqual([expect.objectContaining({ field: 'vatLines', old: [{ rateBp: 1000, baseMinor: 227_273, vatMinor: 22_727 }], comment: 'Deux taux sur la facture', actor: expect.objectContaining({ id: u.verifier!.id }) })]);
    expect((await lastMailTo(ctx, u.employee!.email))?.subject).toMatch(/^Dépense corrigée/);
    // a VAT correction is not what the approvers signed: their approvals stand, and check out
    for (const d of seen.decisions.filter((x: { decision: string }) => x.decision === 'approved')) {
      expect(d.voided).toBeNull();
      expect(ApprovalCheck.parse((await as.employee!.get(`/api/v1/approvals/${d.id}/check`)).body)).toMatchObject({ recordIntact: true, contentIntact: true, matchesExpense: true });
    }
    // the accountant sees it in their count
    expect((await as.accountant!.get('/api/v1/workflow/counts')).body.verified).toBeGreaterThanOrEqual(1);
  });
});

describe('rules', () => {
  it('nobody approves their own expense; no manager → the fallback approver', async () => {
    const own = await submitted(as.manager!);
    // the manager's chain goes to their own manager
    expect((await decide(as.manager!, own.id, 'approve', { version: own.version })).status).toBe(403);
    expect((await decide(as.head!, own.id, 'approve', { version: own.version })).body.status).toBe('approved');
    const orphan = await submitted(as.orphan!);
    const wf = (await as.orphan!.get(`/api/v1/expenses/${orphan.id}/workflow`)).body;
    expect(wf.chain).toEqual([expect.objectContaining({ reason: 'fallback', approver: expect.objectContaining({ id: u.finance!.id }) })]);
  });

  it('a team with levels of its own uses them instead of the Client-wide ones; a team manager is level 1', async () => {
    const tdb = new TenantDb(t.tenantId, ctx.c.db.kysely);
    const team = await ctx.c.users.createTeam(tdb, SYSTEM_ACTOR, { name: 'Chantiers' });
    await ctx.c.db.kysely.updateTable('team').set({ manager_id: u.head!.id }).where('id', '=', team.id).execute();
    const worker = await createUser(ctx, t.tenantId, ['employee']);
    await ctx.c.db.kysely.updateTable('app_user').set({ team_id: team.id }).where('id', '=', worker.id).execute();
    expect((await admin.post('/api/v1/workflow/levels', { teamId: team.id, aboveMinor: 10_000, approverId: u.verifier!.id, label: 'conducteur de travaux' })).status).toBe(201);
    const e = await submitted(await signedIn(ctx, worker), { merchant: 'Quincaillerie', amountMinor: 60_000, vatLines: [] });
    const wf = (await admin.get(`/api/v1/expenses/${e.id}/workflow`)).body;
    // the team's manager, then the team's own level — not the Client's > €500 department head level
    expect(wf.chain.map((s: { approver: { id: string }; reason: string }) => [s.reason, s.approver.id])).toEqual([['manager', u.head!.id], ['threshold', u.verifier!.id]]);
  });

  it('a policy violation is shown and needs an explicit acknowledgement to approve', async () => {
    expect((await admin.agent.put(`/api/v1/policies/${cat.restaurant}`).set('X-CSRF-Token', admin.csrf).send({ perExpenseMinor: 5_000, perDayMinor: null, receiptAboveMinor: 1 })).status).toBe(200);
    const e = await submitted(as.employee!, { categoryId: cat.restaurant, merchant: 'Le Grand Véfour', amountMinor: 9_000, vatLines: [] });
    const q = (await as.manager!.get('/api/v1/approvals/queue')).body.items.find((i: { expense: { id: string } }) => i.expense.id === e.id);
    expect(q.violations.map((v: { code: string }) => v.code).sort()).toEqual(['over_expense_limit', 'receipt_missing']);
    const refused = await decide(as.manager!, e.id, 'approve', { version: e.version });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toMatch(/acknowledgement-required$/);
    expect(refused.body.violations).toHaveLength(2);
    expect(await version(as.employee!, e.id)).toBe(e.version); // nothing changed
    const ok = await decide(as.manager!, e.id, 'approve', { version: e.version, acknowledge: true });
    expect(ok.body.status).toBe('approved');
    const wf = (await as.employee!.get(`/api/v1/expenses/${e.id}/workflow`)).body;
    expect(wf.decisions[0].acknowledged).toEqual(['over_expense_limit', 'receipt_missing']);
  });

  it('weekends and public holidays are flagged (Easter Monday 2026-04-06)', async () => {
    const e = await submitted(as.employee!, { date: '2026-04-06', merchant: 'Taxi' });
    const wf = (await as.employee!.get(`/api/v1/expenses/${e.id}/workflow`)).body;
    expect(wf.violations).toContainEqual({ code: 'public_holiday', name: 'Lundi de Pâques' });
    const w = await submitted(as.employee!, { date: '2026-03-14', merchant: 'Taxi du samedi' });
    expect((await as.employee!.get(`/api/v1/expenses/${w.id}/workflow`)).body.violations).toContainEqual({ code: 'weekend' });
  });

  it('a corrected amount after approval voids the approvals and restarts the chain', async () => {
    const e = await submitted(as.employee!, { merchant: 'Hôtel Lutetia', amountMinor: 30_000, vatLines: [] });
    const a = await decide(as.manager!, e.id, 'approve', { version: e.version });
    expect(a.body.status).toBe('approved');
    const c = await decide(as.verifier!, e.id, 'corrections', { version: a.body.version, amountMinor: 28_000, comment: 'Minibar non remboursable' });
    expect(c.body, JSON.stringify(c.body)).toMatchObject({ status: 'submitted', corrections: ['amountMinor'] });
    const wf = (await as.employee!.get(`/api/v1/expenses/${e.id}/workflow`)).body;
    expect(wf.round).toBe(2);
    expect(wf.decisions[0].voided).toMatchObject({ reason: 'amount corrected by a verifier' });
    expect(wf.chain[0]).toMatchObject({ state: 'pending', approver: expect.objectContaining({ id: u.manager!.id }) });
    const check = (await as.employee!.get(`/api/v1/approvals/${wf.decisions[0].id}/check`)).body;
    expect(check).toMatchObject({ recordIntact: true, contentIntact: true, matchesExpense: false, changedFields: ['amountMinor', 'convertedMinor'] });
    expect((await decide(as.manager!, e.id, 'approve', { version: c.body.version })).body.status).toBe('approved');
  });

  it('the check of an approval detects a change made directly in the database', async () => {
    const e = await submitted(as.employee!, { merchant: 'Brasserie Lipp' });
    const a = await decide(as.manager!, e.id, 'approve', { version: e.version });
    const id = a.body.approvalId;
    expect((await as.employee!.get(`/api/v1/approvals/${id}/check`)).body).toMatchObject({ recordIntact: true, contentIntact: true, matchesExpense: true, changedFields: [] });
    await ctx.c.db.kysely.updateTable('expense').set({ merchant: 'Brasserie Lipp & Cie' }).where('id', '=', e.id).execute();
    expect((await as.employee!.get(`/api/v1/approvals/${id}/check`)).body).toMatchObject({ recordIntact: true, matchesExpense: false, changedFields: ['merchant'] });
    // the act itself cannot be rewritten by the service role (append-only: only voiding, once)
    await expect(sql`UPDATE approval SET decision = 'rejected' WHERE id = ${id}`.execute(ctx.c.db.kysely)).rejects.toThrow();
    await expect(sql`DELETE FROM approval WHERE id = ${id}`.execute(ctx.c.db.kysely)).rejects.toThrow();
    await expect(sql`TRUNCATE approval CASCADE`.execute(ctx.c.db.kysely)).rejects.toThrow();
    // …and the owner, bypassing grants, is stopped by the trigger
    await expect(ctx.c.db.asOwner((o) => o.exec(`UPDATE approval SET comment = 'forged' WHERE id = '${id}'`))).rejects.toThrow(/only be voided/);
  });

  it('return with a comment → the employee edits and submits again: a new round', async () => {
    const e = await submitted(as.employee!, { merchant: 'SNCF' });
    expect((await decide(as.manager!, e.id, 'return', { version: e.version })).status).toBe(400); // a comment is required
    const r = await decide(as.manager!, e.id, 'return', { version: e.version, comment: 'Joindre le billet' });
    expect(r.body.status).toBe('returned');
    expect((await lastMailTo(ctx, u.employee!.email))?.text).toContain('Joindre le billet');
    expect((await as.employee!.get(`/api/v1/expenses/${e.id}`)).body).toMatchObject({ status: 'returned', statusComment: 'Joindre le billet' });
    const edited = await as.employee!.patch(`/api/v1/expenses/${e.id}`, { version: r.body.version, description: 'Billet joint' });
    expect(edited.status).toBe(200);
    const s = await as.employee!.post(`/api/v1/expenses/${e.id}/submit`, { version: edited.body.version });
    expect(s.body.status).toBe('submitted');
    expect((await as.employee!.get(`/api/v1/expenses/${e.id}/workflow`)).body.round).toBe(2);
  });

  it('reject is final, with the reason shown to the employee', async () => {
    const e = await submitted(as.employee!, { merchant: 'Casino' });
    const r = await decide(as.manager!, e.id, 'reject', { version: e.version, comment: 'Non professionnel' });
    expect(r.body.status).toBe('rejected');
    const again = await decide(as.manager!, e.id, 'approve', { version: r.body.version });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ currentStatus: 'rejected' });
    expect((await as.employee!.post(`/api/v1/expenses/${e.id}/submit`, { version: r.body.version })).status).toBe(409);
  });

  it('bulk approve: a result per item', async () => {
    const a = await submitted(as.employee!, { merchant: 'Bulk A' });
    const b = await submitted(as.colleague!, { merchant: 'Bulk B' });
    const stale = await submitted(as.employee!, { merchant: 'Bulk C' });
    const r = await as.manager!.post('/api/v1/approvals/bulk', { items: [a, b, { id: stale.id, version: stale.version + 5 }] });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { ok: boolean; status: string | number }) => [x.ok, x.status])).toEqual([[true, 'approved'], [true, 'approved'], [false, 409]]);
    expect(BulkResult.parse(r.body)).toMatchObject({ approved: 2, failed: 1 });
  });

  it('bad input changes nothing: unknown fields, missing comment, wrong version, incomplete draft', async () => {
    const d = await draft(as.employee!, { merchant: 'Incomplet' });
    expect((await as.employee!.post(`/api/v1/expenses/${d.id}/submit`, { version: d.version, extra: 1 })).status).toBe(400);
    expect((await as.employee!.post(`/api/v1/expenses/${d.id}/submit`, { version: d.version + 1 })).status).toBe(409);
    expect((await as.employee!.get(`/api/v1/expenses/${d.id}`)).body).toMatchObject({ status: 'draft', version: d.version });
    const scan = await ctx.c.db.kysely.updateTable('expense').set({ merchant: '' }).where('id', '=', d.id).execute();
    expect(scan).toBeTruthy();
    const incomplete = await as.employee!.post(`/api/v1/expenses/${d.id}/submit`, { version: d.version });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.errors).toContainEqual({ path: 'merchant', message: 'the merchant is missing' });
    expect((await admin.post('/api/v1/vat-rules', { categoryId: cat.hotel, effectiveFrom: '2025-01-01', recoverableBp: 20_000, expenseAccount: '625100', vatAccount: '445660' })).status).toBe(400);
    expect((await admin.post('/api/v1/delegations', { delegateId: t.admin.id, startsOn: today, endsOn: today })).status).toBe(400);
    expect((await as.manager!.get('/api/v1/approvals/queue?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
    // a page's cursor from the API leads on to the next page
    const first = (await as.manager!.get('/api/v1/approvals/queue?limit=1')).body;
    expect(first.nextCursor).toBeTruthy(); // the holiday and weekend expenses above still wait
    expect((await as.manager!.get(`/api/v1/approvals/queue?limit=1&cursor=${first.nextCursor}`)).body.items[0].expense.id).not.toBe(first.items[0].expense.id);
  });
});

describe('colleagues', () => {
  it('any user of the Client lists its active colleagues by name (to pick a delegate), without e-mails', async () => {
    const r = await as.employee!.get('/api/v1/users/directory');
    expect(r.status).toBe(200);
    expect(r.body.items).toContainEqual({ id: u.manager!.id, name: u.manager!.name });
    expect(JSON.stringify(r.body)).not.toContain('@');
    const d = await as.manager!.post('/api/v1/delegations', { delegateId: u.colleague!.id, startsOn: '2099-01-01', endsOn: '2099-01-31' });
    expect(DelegationList.parse((await as.manager!.get('/api/v1/delegations')).body).items).toContainEqual(expect.objectContaining({ id: d.body.id, delegateName: u.colleague!.name, managerName: u.manager!.name }));
    expect((await as.manager!.delete(`/api/v1/delegations/${d.body.id}`)).status).toBe(204);
  });
});

describe('Solo plan', () => {
  it('the one user submits: self-validated, recorded as such, no chain', async () => {
    const solo = await createTenantWithAdmin(ctx, { plan: 'solo' });
    const me = await signedIn(ctx, solo.admin);
    const cats = (await me.get('/api/v1/categories')).body.items;
    const pm = (await me.get('/api/v1/payment-methods')).body.items[0].id;
    const d = (await me.post('/api/v1/expenses', { date: WEEKDAY, merchant: 'Librairie', categoryId: cats[0].id, paymentMethodId: pm, amountMinor: 2_000, currency: 'EUR' })).body;
    const s = await me.post(`/api/v1/expenses/${d.id}/submit`, { version: d.version });
    expect(s.body, JSON.stringify(s.body)).toMatchObject({ status: 'verified' });
    const wf = (await me.get(`/api/v1/expenses/${d.id}/workflow`)).body;
    expect(wf).toMatchObject({ selfValidated: true, chain: [] });
    expect(wf.decisions).toEqual([expect.objectContaining({ decision: 'self_validated', actor: expect.objectContaining({ id: solo.admin.id }) })]);
  });
});

describe('every role × every transition endpoint', () => {
  // Who may do what on a submitted expense of `employee` (level 1: manager) and on an approved one.
  const roles = ['employee', 'colleague', 'manager', 'head', 'verifier', 'accountant', 'admin'] as const;
  const allowedOnSubmitted: Record<string, string[]> = { approve: ['manager'], reject: ['manager'], return: ['manager'], verify: [], corrections: [] };
  const allowedOnApproved: Record<string, string[]> = { approve: [], reject: ['verifier'], return: ['verifier'], verify: ['verifier'], corrections: ['verifier'] };
  for (const [state, table] of [['submitted', allowedOnSubmitted], ['approved', allowedOnApproved]] as const) {
    for (const action of Object.keys(table)) {
      it(`${action} on a ${state} expense`, async () => {
        for (const role of roles) {
          const e = await submitted(as.employee!, { merchant: `${action}-${role}-${state}` });
          let v = e.version;
          if (state === 'approved') v = (await decide(as.manager!, e.id, 'approve', { version: v })).body.version;
          const body = action === 'corrections' ? { version: v, categoryId: cat.other, comment: 'reclassée' } : { version: v, comment: 'motif' };
          const r = await decide(as[role]!, e.id, action, body);
          const ok = table[action]!.includes(role);
          expect(r.status < 300, `${role} ${action} on ${state}: ${r.status} ${JSON.stringify(r.body)}`).toBe(ok);
          if (!ok) {
            expect([403, 404, 409]).toContain(r.status);
            expect(await version(as.employee!, e.id)).toBe(v); // refused: nothing changed
          }
        }
      });
    }
  }
  it('submit: only the owner, only from draft or returned', async () => {
    const d = await draft(as.employee!, { merchant: 'owner only' });
    for (const role of ['colleague', 'manager', 'verifier', 'accountant'] as const) expect([403, 404]).toContain((await as[role]!.post(`/api/v1/expenses/${d.id}/submit`, { version: d.version })).status);
    const s = await as.employee!.post(`/api/v1/expenses/${d.id}/submit`, { version: d.version });
    expect(s.status).toBe(200);
    const twice = await as.employee!.post(`/api/v1/expenses/${d.id}/submit`, { version: s.body.version });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ currentStatus: 'submitted' });
  });
});

describe.runIf(onPostgres)('concurrency (PostgreSQL)', () => {
  it('100 parallel approvals of one expense: exactly one succeeds', async () => {
    const e = await submitted(as.employee!, { merchant: 'Course' });
    const clients = await Promise.all(Array.from({ length: 10 }, () => signedIn(ctx, u.manager!)));
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => decide(clients[i % 10]!, e.id, 'approve', { version: e.version })));
    const codes = results.map((r) => r.status);
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(99);
    const n = await ctx.c.db.kysely.selectFrom('approval').select((eb) => eb.fn.countAll<number>().as('n')).where('expense_id', '=', e.id).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1);
  });
});

describe('notifications', () => {
  it('in-app for the employee; an approver on the daily digest gets one e-mail a day instead of one per submission', async () => {
    const before = (await as.employee!.get('/api/v1/notifications')).body;
    const e = await submitted(as.employee!, { merchant: 'Notif' });
    await decide(as.manager!, e.id, 'approve', { version: e.version });
    const after = NotificationList.parse((await as.employee!.get('/api/v1/notifications')).body);
    expect(after.unread).toBe(before.unread + 1);
    expect(after.items[0]).toMatchObject({ kind: 'approved', expenseId: e.id, read: false });
    expect((await as.employee!.post('/api/v1/notifications/read')).status).toBe(204);
    expect((await as.employee!.get('/api/v1/notifications')).body.unread).toBe(0);

    expect((await as.manager!.agent.put('/api/v1/me/approval-digest').set('X-CSRF-Token', as.manager!.csrf).send({ approvalDigest: true })).status).toBe(200);
    const mails = async () => Number((await ctx.c.db.kysely.selectFrom('mail_outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('to_address', '=', u.manager!.email.toLowerCase()).executeTakeFirstOrThrow()).n);
    const n0 = await mails();
    await submitted(as.colleague!, { merchant: 'Digest 1' });
    await submitted(as.colleague!, { merchant: 'Digest 2' });
    expect(await mails()).toBe(n0); // no mail per submission…
    const { approvalDigest } = await import('../worker/jobs/approval-digest.ts');
    await approvalDigest(ctx.c);
    expect(await mails()).toBe(n0 + 1); // …one digest
    expect((await lastMailTo(ctx, u.manager!.email))?.subject).toMatch(/dépense\(s\) à approuver$/);
    await as.manager!.agent.put('/api/v1/me/approval-digest').set('X-CSRF-Token', as.manager!.csrf).send({ approvalDigest: false });
  });
});
