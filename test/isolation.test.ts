// R-SEC-3, generated from the route list: every tenant-scoped route is called by Client B's
// admin with Client A's ids and must answer 404 without A's data; the same call by A's admin
// must succeed (positive control: the 404 comes from the tenant wall, not from bad input).
// A new tenant-scoped route without a fixture here makes this test fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '../api/features/index.ts';
import { SYSTEM_ACTOR } from '../api/features/audit/audit.service.ts';
import { TenantDb } from '../storage/db/tenant-db.ts';
import { Client, createTestContext, type TestContext } from './support/context.ts';
import { createSupportAgent, createTenantWithAdmin, createUser, PASSWORD } from './support/factories.ts';
import { receiptRender } from '../worker/jobs/receipt-render.ts';
import { png } from './support/images.ts';

let ctx: TestContext;
let A: Awaited<ReturnType<typeof createTenantWithAdmin>>;
let B: Awaited<ReturnType<typeof createTenantWithAdmin>>;
let asA: Client;
let asB: Client;
let aTeamId: string;
const tdbA = () => new TenantDb(A.tenantId, ctx.c.db.kysely);
const actorA = () => ({ ...SYSTEM_ACTOR, kind: 'user' as const, userId: A.admin.id });

beforeAll(async () => {
  ctx = await createTestContext();
  A = await createTenantWithAdmin(ctx, { name: 'Client A' });
  B = await createTenantWithAdmin(ctx, { name: 'Client B' });
  asA = new Client(ctx);
  asB = new Client(ctx);
  await asA.login(A.admin.email, PASSWORD);
  await asB.login(B.admin.email, PASSWORD);
  aTeamId = (await ctx.c.users.createTeam(tdbA(), actorA(), { name: 'A team' })).id;
  // Both admins also approve and verify, so that the workflow routes have a positive control.
  for (const [tenant_id, user_id] of [[A.tenantId, A.admin.id], [B.tenantId, B.admin.id]] as const)
    await ctx.c.db.kysely.insertInto('user_role').values([{ tenant_id, user_id, role: 'manager' }, { tenant_id, user_id, role: 'verifier' }]).execute();
  aReport = await createUser(ctx, A.tenantId, ['employee'], { managerId: A.admin.id });
});
let aReport: Awaited<ReturnType<typeof createUser>>;
const principalOf = (userId: string, roles: ('employee' | 'manager' | 'verifier' | 'admin')[]) =>
  ({ via: 'session' as const, authMethod: 'password' as const, userId, tenantId: A.tenantId, roles, email: 'x@a.test', name: 'x', locale: 'fr' as const });
/** An expense of A's admin's direct report, submitted (its first level: A's admin); `approved`: approved by A's admin. */
async function aSubmitted(approved = false): Promise<{ id: string; version: number; approvalId?: string }> {
  const categoryId = (await ctx.c.categories.categories(tdbA())).items[0]!.id;
  const paymentMethodId = (await ctx.c.categories.paymentMethods(tdbA())).items[0]!.id;
  const emp = principalOf(aReport.id, ['employee']);
  const e = await ctx.c.expenses.create(tdbA(), emp, actorA(), { date: '2026-01-13', merchant: `A shop ${Math.random()}`, categoryId, paymentMethodId, amountMinor: 1234, currency: 'EUR' });
  const s = await ctx.c.workflow.submit(tdbA(), emp, actorA(), e.id, { version: e.version });
  if (!approved) return { id: e.id, version: s.version };
  const a = await ctx.c.workflow.approve(tdbA(), principalOf(A.admin.id, ['admin', 'manager']), actorA(), e.id, { version: s.version, acknowledge: true });
  return { id: e.id, version: a.version, approvalId: a.approvalId };
}
afterAll(() => ctx.close());

/** `stream`: a server-sent event stream — the call returns with its first event. */
type Call = { params: Record<string, string>; body?: unknown; type?: string; files?: { name: string; data: Buffer }[]; stream?: boolean };
let pngSide = 1;
/** A receipt of A's admin on a fresh draft (the upload path itself is tested in receipts.test.ts). */
async function aReceipt(): Promise<string> {
  const expenseId = await aExpense();
  const r = await asA.agent.post(`/api/v1/expenses/${expenseId}/receipts`).set('X-CSRF-Token', asA.csrf).attach('files', png(++pngSide, 3), { filename: 'a.png', contentType: 'image/png' });
  return r.body.items[0].id;
}
/** A draft of A's admin (who is also an employee): the owner, so the positive control may edit it. */
async function aExpense(): Promise<string> {
  const categoryId = (await ctx.c.categories.categories(tdbA())).items[0]!.id;
  const paymentMethodId = (await ctx.c.categories.paymentMethods(tdbA())).items[0]!.id;
  const e = await ctx.c.expenses.create(tdbA(), { userId: A.admin.id, roles: ['admin', 'employee'] }, actorA(), { date: '2026-01-15', merchant: 'A shop', categoryId, paymentMethodId, amountMinor: 1234, currency: 'EUR' });
  return e.id;
}
/** Mileage and per-diem of A's admin (an employee too), made through the services. */
const viewerA = () => ({ userId: A.admin.id, roles: ['admin' as const, 'employee' as const] });
const aVehicle = async () => (await ctx.c.mileage.createVehicle(tdbA(), viewerA(), actorA(), { name: 'A car', kind: 'car', fiscalHp: 5 })).id;
const aTrip = async () => (await ctx.c.mileage.createTrip(tdbA(), viewerA(), actorA(), { date: '2026-01-15', vehicleId: await aVehicle(), distanceKm: 12.5, from: 'A', to: 'B', purpose: 'A visit' })).id;
async function aPerDiemRate(): Promise<string> {
  const categoryId = (await ctx.c.categories.categories(tdbA())).items[0]!.id;
  return (await ctx.c.perDiem.createRate(tdbA(), actorA(), { name: `A rate ${Math.random()}`, amountMinor: 2110, validFrom: '2025-01-01', categoryId })).id;
}
const aPerDiem = async () => (await ctx.c.perDiem.create(tdbA(), viewerA(), actorA(), { date: '2026-01-15', rateId: await aPerDiemRate(), units: 2 })).id;
/** An accounting export of A: a verified expense of A's, exported (again, for the later fixtures). */
async function aExport(): Promise<string> {
  const e = await aSubmitted(true);
  await ctx.c.workflow.verify(tdbA(), principalOf(A.admin.id, ['admin', 'verifier']), actorA(), e.id, { version: e.version });
  return (await ctx.c.exports.accounting(tdbA(), actorA(), { from: '2026-01-01', to: '2026-01-31', format: 'csv', reexport: true })).id;
}
/** An issued invoice of A: a use of A's in January 2026, invoiced (the run bills every Client with use that month). */
async function aInvoice(): Promise<string> {
  const event = await ctx.c.db.kysely.selectFrom('audit_event').select('id').where('tenant_id', '=', A.tenantId).executeTakeFirstOrThrow();
  await ctx.c.db.kysely.insertInto('usage_event').values({ tenant_id: A.tenantId, user_id: A.admin.id, kind: 'expense', occurred_at: new Date('2026-01-15T10:00:00Z'), audit_event_id: event.id }).execute();
  await ctx.c.invoicing.run(actorA(), '2026-01');
  return (await ctx.c.db.kysely.selectFrom('invoice').select('id').where('tenant_id', '=', A.tenantId).where('period', '=', '2026-01').executeTakeFirstOrThrow()).id;
}
/** A finished full export of A (made at once, as the worker would). */
async function aFullExport(): Promise<string> {
  const e = await ctx.c.reversibility.start(tdbA(), actorA());
  await ctx.c.reversibility.run(A.tenantId, e.id);
  return e.id;
}
/** A SEPA transfer file of A: a freshly exported expense of A's employee, who has an IBAN. */
async function aSepa(): Promise<string> {
  await aExport();
  await ctx.c.reimbursements.setBankAccount(tdbA(), aReport.id, actorA(), { holder: 'A employee', iban: 'DE89370400440532013000' });
  await ctx.c.reimbursements.setCompanyAccount(tdbA(), actorA(), { name: 'Client A', iban: 'FR1420041010050500013M02606' });
  return (await ctx.c.reimbursements.sepa(tdbA(), actorA(), { executionDate: '2099-01-05' })).id;
}
/** A deposit in A's vault: A's admin's draft receipt, deposited at upload. */
async function aDeposit(): Promise<string> {
  await ctx.c.vault.updateSettings(tdbA(), actorA(), { enabled: true, depositAt: 'upload' });
  const receipt = await aReceipt();
  const r = await ctx.c.db.kysely.selectFrom('receipt').select('expense_id').where('id', '=', receipt).executeTakeFirstOrThrow();
  return (await ctx.c.vault.depositExpense(A.tenantId, r.expense_id)).deposited[0]!;
}
/** A pending destruction request of A (contract end: every deposit not held is eligible). */
const aDestruction = async () => ctx.c.vault.requestDestruction(tdbA(), actorA(), { kind: 'contract_end', reason: 'A contract ended', depositIds: [await aDeposit()] });
/** For each tenant-scoped route with ids: how to make a fresh object of Client A to aim at. */
const fixtures: Record<string, () => Promise<Call>> = {
  'get /users/:id': async () => ({ params: { id: (await createUser(ctx, A.tenantId, ['employee'])).id } }),
  'patch /users/:id': async () => ({ params: { id: (await createUser(ctx, A.tenantId, ['employee'])).id }, body: { name: 'Renamed by B?' } }),
  'post /users/:id/deactivate': async () => ({ params: { id: (await createUser(ctx, A.tenantId, ['employee'])).id } }),
  'post /users/:id/reactivate': async () => {
    const u = await createUser(ctx, A.tenantId, ['employee']);
    await ctx.c.users.setActive(tdbA(), actorA(), u.id, false);
    return { params: { id: u.id } };
  },
  'post /users/:id/resend-invitation': async () => {
    const u = await ctx.c.users.invite(tdbA(), actorA(), { email: `inv-${Date.now()}-${Math.random()}@a.test`, name: 'Invited', roles: ['employee'] });
    return { params: { id: u.id } };
  },
  'patch /teams/:id': async () => ({ params: { id: aTeamId }, body: { name: `A team ${Math.random()}` } }),
  'patch /categories/:id': async () => ({ params: { id: (await ctx.c.categories.createCategory(tdbA(), actorA(), { name: `A cat ${Math.random()}` })).id }, body: { name: `Renamed ${Math.random()}` } }),
  'patch /payment-methods/:id': async () => ({ params: { id: (await ctx.c.categories.createPaymentMethod(tdbA(), actorA(), { name: `A card ${Math.random()}`, reimbursable: false })).id }, body: { active: false } }),
  'get /expenses/:id': async () => ({ params: { id: await aExpense() } }),
  'get /expenses/:id/events': async () => ({ params: { id: await aExpense() }, stream: true }),
  'post /expenses/:id/submit': async () => {
    await ctx.c.workflowSettings.update(tdbA(), actorA(), { fallbackApproverId: aReport.id });
    return { params: { id: await aExpense() }, body: { version: 1 } };
  },
  'post /expenses/:id/approve': async () => {
    const e = await aSubmitted();
    return { params: { id: e.id }, body: { version: e.version, acknowledge: true } };
  },
  'post /expenses/:id/reject': async () => {
    const e = await aSubmitted();
    return { params: { id: e.id }, body: { version: e.version, comment: 'no' } };
  },
  'post /expenses/:id/return': async () => {
    const e = await aSubmitted();
    return { params: { id: e.id }, body: { version: e.version, comment: 'fix it' } };
  },
  'post /expenses/:id/verify': async () => {
    const e = await aSubmitted(true);
    return { params: { id: e.id }, body: { version: e.version } };
  },
  'post /expenses/:id/corrections': async () => {
    const e = await aSubmitted(true);
    const other = (await ctx.c.categories.categories(tdbA())).items[1]!.id;
    return { params: { id: e.id }, body: { version: e.version, categoryId: other, comment: 'reclassified' } };
  },
  'get /expenses/:id/workflow': async () => ({ params: { id: await aExpense() } }),
  'get /approvals/:id/check': async () => ({ params: { id: (await aSubmitted(true)).approvalId! } }),
  'delete /workflow/levels/:id': async () => ({ params: { id: (await ctx.c.workflowSettings.addLevel(tdbA(), actorA(), { aboveMinor: 100, approverId: aReport.id, label: 'A level' })).id } }),
  'delete /delegations/:id': async () => ({ params: { id: (await ctx.c.workflowSettings.delegate(tdbA(), principalOf(A.admin.id, ['admin']), actorA(), { delegateId: aReport.id, startsOn: '2099-01-01', endsOn: '2099-01-02' })).id } }),
  'put /policies/:id': async () => ({ params: { id: (await ctx.c.categories.categories(tdbA())).items[0]!.id }, body: { perExpenseMinor: 100, perDayMinor: null, receiptAboveMinor: null } }),
  'post /expenses/:id/receipts': async () => ({ params: { id: await aExpense() }, files: [{ name: 'r.png', data: png(++pngSide, 5) }] }),
  'get /expenses/:id/receipts': async () => ({ params: { id: await aExpense() } }),
  'get /receipts/:id/file': async () => ({ params: { id: await aReceipt() } }),
  'get /receipts/:id/renditions/:name': async () => {
    const id = await aReceipt();
    const { sha256 } = await ctx.c.db.kysely.selectFrom('receipt').select('sha256').where('id', '=', id).executeTakeFirstOrThrow();
    expect(await receiptRender(ctx.c, { tenantId: A.tenantId, sha256 })).toBe('rendered'); // what the worker does
    return { params: { id, name: 'normalized' } };
  },
  'delete /receipts/:id': async () => ({ params: { id: await aReceipt() } }),
  'post /receipts/:id/ocr': async () => ({ params: { id: await aReceipt() } }),
  'patch /expenses/:id': async () => ({ params: { id: await aExpense() }, body: { version: 1, merchant: 'Renamed by B?' } }),
  'get /vehicles/:id': async () => ({ params: { id: await aVehicle() } }),
  'patch /vehicles/:id': async () => ({ params: { id: await aVehicle() }, body: { name: 'Renamed by B?' } }),
  'delete /vehicles/:id': async () => ({ params: { id: await aVehicle() } }),
  'patch /expenses/mileage/:id': async () => ({ params: { id: await aTrip() }, body: { version: 1, distanceKm: 99 } }),
  'patch /per-diem-rates/:id': async () => ({ params: { id: await aPerDiemRate() }, body: { archived: true } }),
  'patch /expenses/per-diem/:id': async () => ({ params: { id: await aPerDiem() }, body: { version: 1, units: 3 } }),
  'delete /expenses/:id': async () => ({ params: { id: await aExpense() } }),
  'delete /api-tokens/:id': async () => {
    const t = await asA.post('/api/v1/api-tokens', { name: 'A token', scopes: ['users:read'] });
    return { params: { id: t.body.id } };
  },
  // exports (R-ACC): a batch of A's
  'get /exports/:id': async () => ({ params: { id: await aExport() } }),
  'get /exports/:id/file': async () => ({ params: { id: await aExport() } }),
  'get /exports/:id/expenses': async () => ({ params: { id: await aExport() } }),
  'get /billing/invoices/:id/pdf': async () => ({ params: { id: await aInvoice() } }),
  'get /exports/full/:id': async () => ({ params: { id: await aFullExport() } }),
  'get /exports/full/:id/file': async () => ({ params: { id: await aFullExport() } }),
  'get /exports/sepa/:id/file': async () => ({ params: { id: await aSepa() } }),
  'post /exports/sepa/:id/confirm': async () => ({ params: { id: await aSepa() } }),
  'delete /exports/payroll/presets/:id': async () => ({ params: { id: (await ctx.c.exports.savePreset(tdbA(), actorA(), { name: `A preset ${Math.random()}`, columns: [{ field: 'payrollId', header: 'M' }], perCategory: false })).id } }),
  // the vault (R-VLT): A's deposits, checkpoints, holds and destructions
  'get /vault/deposits/:id': async () => ({ params: { id: await aDeposit() } }),
  'get /vault/deposits/:id/file': async () => ({ params: { id: await aDeposit() } }),
  'get /vault/deposits/:id/certificate': async () => ({ params: { id: await aDeposit() } }),
  'get /vault/deposits/:id/proof': async () => ({ params: { id: await aDeposit() } }),
  'get /vault/deposits/:id/inclusion': async () => {
    const id = await aDeposit();
    await ctx.c.vault.checkpoint(A.tenantId);
    return { params: { id } };
  },
  'get /vault/checkpoints/:hash': async () => {
    await aDeposit();
    return { params: { hash: (await ctx.c.vault.checkpoint(A.tenantId)).hash } };
  },
  'get /vault/checkpoints/:hash/consistency/:to': async () => {
    await aDeposit();
    const from = await ctx.c.vault.checkpoint(A.tenantId);
    await aDeposit();
    return { params: { hash: from.hash, to: (await ctx.c.vault.checkpoint(A.tenantId)).hash } };
  },
  'post /vault/holds/:id/release': async () => ({ params: { id: await ctx.c.vault.placeHold(tdbA(), actorA(), { depositId: await aDeposit(), owner: 'A legal', reason: 'A audit', reviewOn: '2027-01-31' }) }, body: { reason: 'Released by B?' } }),
  'post /support-access/grants/:id/revoke': async () => ({
    params: { id: (await ctx.c.supportAccess.create(tdbA(), actorA(), { granteeId: (await createSupportAgent(ctx)).id, scopes: ['users'], reason: 'A ticket', expiresAt: new Date(ctx.c.clock.now().getTime() + 3_600_000) })).id },
  }),
  'post /vault/destructions/:id/approve': async () => ({ params: { id: await aDestruction() } }),
  'post /vault/destructions/:id/cancel': async () => ({ params: { id: await aDestruction() } }),
  'get /vault/destructions/:id/certificate': async () => {
    const id = await aDestruction();
    await ctx.c.vault.approveDestruction(tdbA(), actorA(), id);
    const other = await createUser(ctx, A.tenantId, ['admin']);
    await ctx.c.vault.approveDestruction(tdbA(), { ...actorA(), userId: other.id }, id);
    return { params: { id } };
  },
};

const tenantRoutes = allRoutes.filter((r) => r.access.kind === 'client');
const withIds = tenantRoutes.filter((r) => r.path.includes(':'));
const lists = tenantRoutes.filter((r) => !r.path.includes(':') && r.method === 'get');

async function chainLength(tenantId: string): Promise<number> {
  const r = await ctx.c.db.kysely.selectFrom('audit_event').select((eb) => eb.fn.max('seq').as('n')).where('chain', '=', tenantId).executeTakeFirst();
  return Number(r?.n ?? 0);
}

function call(c: Client, method: string, path: string, body?: unknown, files?: Call['files'], stream?: boolean) {
  const url = `/api/v1${path}`;
  if (stream) {
    // read up to the first event, then hang up (the stream itself would stay open for minutes)
    return c.get(url).buffer(true).parse((res, done) => {
      let text = '';
      let called = false;
      const finish = () => {
        if (called) return;
        called = true;
        done(null, /json/.test(String(res.headers['content-type'])) ? JSON.parse(text) : text);
      };
      res.on('data', (d: Buffer) => {
        text += d;
        if (text.includes('\n\n')) {
          finish();
          (res as unknown as { destroy(): void }).destroy();
        }
      });
      res.on('end', finish);
    });
  }
  if (files) return files.reduce((r, f) => r.attach('files', f.data, { filename: f.name, contentType: 'image/png' }), c.agent.post(url).set('X-CSRF-Token', c.csrf));
  if (method === 'get') return c.get(url);
  if (method === 'delete') return c.delete(url);
  if (method === 'patch') return c.patch(url, (body ?? {}) as object);
  if (method === 'put') return c.agent.put(url).set('X-CSRF-Token', c.csrf).send((body ?? {}) as object);
  return c.post(url, (body ?? undefined) as object | undefined);
}

describe('tenant isolation (generated from the route list)', () => {
  it('covers every tenant-scoped route', () => {
    expect(withIds.length).toBeGreaterThan(5);
    const missing = withIds.map((r) => `${r.method} ${r.path}`).filter((k) => !fixtures[k]);
    expect(missing, 'add an isolation fixture for these new tenant-scoped routes').toEqual([]);
  });

  for (const r of withIds) {
    it(`${r.method.toUpperCase()} ${r.path}: 404 for Client B, success for Client A`, async () => {
      const f = await fixtures[`${r.method} ${r.path}`]!();
      const path = r.path.replace(/:(\w+)/g, (_m, k: string) => f.params[k]!);
      const asOther = await call(asB, r.method, path, f.body, f.files, f.stream);
      expect(asOther.status).toBe(404);
      for (const id of Object.values(f.params)) expect(JSON.stringify(asOther.body)).not.toContain(id);
      const eventsBefore = await chainLength(A.tenantId);
      const asOwner = await call(asA, r.method, path, f.body, f.files, f.stream);
      expect(asOwner.status, JSON.stringify(asOwner.body)).toBeLessThan(300);
      // every state change is audited, in the owner's chain
      if (r.method !== 'get') expect(await chainLength(A.tenantId)).toBeGreaterThan(eventsBefore);
    });
  }

  for (const r of lists) {
    it(`GET ${r.path}: Client B's list never shows Client A's rows`, async () => {
      const aIds = [A.admin.id, aTeamId];
      const stream = r.raw === true; // an event stream: its first event
      const mine = JSON.stringify((await call(asA, 'get', r.path, undefined, undefined, stream)).body);
      const theirs = await call(asB, 'get', r.path, undefined, undefined, stream);
      expect(theirs.status).toBeLessThan(300);
      for (const id of aIds) expect(theirs.text ?? JSON.stringify(theirs.body)).not.toContain(id);
      // positive control: the ids do show up for A where the list holds such rows
      if (/users|teams/.test(r.path)) expect(aIds.some((id) => mine.includes(id))).toBe(true);
    });
  }
});
