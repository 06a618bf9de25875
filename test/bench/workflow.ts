// npm run bench -- workflow   (PostgreSQL: DATABASE_URL=postgres://… ; on PGlite it says it is skipped)
//  1. 10 000 submitted expenses approved through the HTTP API by 16 concurrent managers (each its
//     own session): throughput and p50/p95 per approval. Each approval is the whole act — guarded
//     state change, signed record (RFC 8785 + SHA-256), history row, audit event, notification
//     and mail in the outbox. Baseline, same run, same concurrency: a bare guarded UPDATE of the
//     expense's status over one pg connection each (no HTTP, no signature, no audit).
//  2. The manager queue (GET /approvals/queue, first page of 50) with 1 000 000 expenses in the
//     Client, 2 000 of them waiting for this manager: p50/p95 over 50 calls, and the plan of its
//     main query (an index scan of approval_step_queue_idx, see migration 008). Baseline: the same
//     50 expenses read by primary key.
import pg from 'pg';
import { createTenantWithAdmin, createUser, PASSWORD } from '../support/factories.ts';
import { onPostgres, pgUrl } from '../support/db.ts';
import { startServer } from '../support/server.ts';

type Emit = (o: Record<string, unknown>) => void;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

async function signIn(url: string, email: string) {
  const r = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
  if (!r.ok) throw new Error(`sign-in failed: ${r.status}`);
  return { cookie: r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrf: (await r.json()).csrfToken as string };
}

/** `n` submitted expenses of `employeeId`, each waiting at level 1 for `managerId` (one INSERT … SELECT each). */
async function seedSubmitted(db: { query: (q: string, p: unknown[]) => Promise<unknown> }, o: { tenantId: string; employeeId: string; managerId: string; categoryId: string; paymentMethodId: string; n: number; status?: string; pending?: boolean }) {
  await db.query(
    `WITH e AS (
       INSERT INTO expense (id, tenant_id, user_id, status, kind, expense_date, merchant, category_id, payment_method_id, reimbursable, amount_minor, currency,
                            converted_minor, client_currency, rate, rate_date, approval_round, submitted_at, version)
       SELECT gen_random_uuid(), $1, $2, $6, 'receipt', DATE '2026-03-10' - (g % 60), 'Bench ' || g, $4, $5, true, 1000 + g % 9000, 'EUR',
              1000 + g % 9000, 'EUR', 1, DATE '2026-03-10', 1, now() - make_interval(secs => g), 2
         FROM generate_series(1, $7) g
       RETURNING id)
     INSERT INTO approval_step (tenant_id, expense_id, round, level, approver_id, reason, label, state)
     SELECT $1, id, 1, 1, $3, 'manager', 'manager', CASE WHEN $8 THEN 'pending' ELSE 'approved' END FROM e`,
    [o.tenantId, o.employeeId, o.managerId, o.categoryId, o.paymentMethodId, o.status ?? 'submitted', o.n, o.pending ?? true],
  );
}

export async function workflowBench(emit: Emit) {
  if (!onPostgres) {
    emit({ name: 'workflow', skipped: 'PostgreSQL only: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test' });
    return;
  }
  const server = await startServer({ env: { LOG_LEVEL: 'silent' } });
  const { ctx, url } = server;
  const schema = (ctx.c.db as unknown as { schema?: string }).schema;
  const owner = new pg.Client({ connectionString: pgUrl, options: schema ? `-c search_path=${schema}` : undefined });
  await owner.connect();
  try {
    const t = await createTenantWithAdmin(ctx);
    const categoryId = (await owner.query(`SELECT id FROM category WHERE tenant_id = $1 LIMIT 1`, [t.tenantId])).rows[0].id as string;
    const paymentMethodId = (await owner.query(`SELECT id FROM payment_method WHERE tenant_id = $1 AND reimbursable LIMIT 1`, [t.tenantId])).rows[0].id as string;

    // ————— 1. approvals through the API
    const N = 10_000;
    const CONC = 16;
    const managers = await Promise.all(Array.from({ length: CONC }, () => createUser(ctx, t.tenantId, ['employee', 'manager'])));
    for (const m of managers) {
      const emp = await createUser(ctx, t.tenantId, ['employee'], { managerId: m.id });
      await seedSubmitted(owner, { tenantId: t.tenantId, employeeId: emp.id, managerId: m.id, categoryId, paymentMethodId, n: N / CONC });
    }
    await owner.query('ANALYZE');
    const lat: number[] = [];
    const t0 = performance.now();
    await Promise.all(managers.map(async (m) => {
      const s = await signIn(url, m.email);
      const mine = (await owner.query(`SELECT e.id, e.version FROM approval_step s JOIN expense e ON e.id = s.expense_id WHERE s.approver_id = $1 AND s.state = 'pending'`, [m.id])).rows as { id: string; version: number }[];
      for (const e of mine) {
        const a = performance.now();
        const r = await fetch(`${url}/api/v1/expenses/${e.id}/approve`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf }, body: JSON.stringify({ version: e.version, acknowledge: true }) });
        if (r.status !== 200) throw new Error(`approve: ${r.status} ${await r.text()}`);
        await r.arrayBuffer();
        lat.push(performance.now() - a);
      }
    }));
    const apiMs = performance.now() - t0;
    // Baseline: the bare guarded status change, same concurrency, on fresh submitted rows.
    const base = await Promise.all(Array.from({ length: CONC }, async () => {
      const c = new pg.Client({ connectionString: pgUrl, options: schema ? `-c search_path=${schema}` : undefined });
      await c.connect();
      return c;
    }));
    const emp = await createUser(ctx, t.tenantId, ['employee'], { managerId: managers[0]!.id });
    await seedSubmitted(owner, { tenantId: t.tenantId, employeeId: emp.id, managerId: managers[0]!.id, categoryId, paymentMethodId, n: N });
    const ids = (await owner.query(`SELECT id FROM expense WHERE user_id = $1`, [emp.id])).rows.map((r) => r.id as string);
    let next = 0;
    const b0 = performance.now();
    await Promise.all(base.map(async (c) => {
      while (next < ids.length) await c.query(`UPDATE expense SET status = 'approved', version = version + 1 WHERE id = $1 AND status = 'submitted' AND version = 2`, [ids[next++]]);
    }));
    const bareMs = performance.now() - b0;
    await Promise.all(base.map((c) => c.end()));
    emit({
      name: 'workflow.approve', approvals: N, concurrency: CONC, unit: 'approvals/s', value: Math.round(N / (apiMs / 1000)),
      p50_ms: +pct(lat, 50).toFixed(1), p95_ms: +pct(lat, 95).toFixed(1),
      baseline: Math.round(N / (bareMs / 1000)), baseline_name: 'bare guarded UPDATE of the status (pg, same concurrency, no HTTP/signature/audit)', ratio: +(apiMs / bareMs).toFixed(1),
    });

    // ————— 2. the manager queue among 1 000 000 expenses
    const queueManager = managers[1]!;
    const other = await createUser(ctx, t.tenantId, ['employee'], { managerId: managers[2]!.id });
    const have = Number((await owner.query(`SELECT count(*) AS n FROM expense WHERE tenant_id = $1`, [t.tenantId])).rows[0].n);
    const TOTAL = 1_000_000;
    const filler = TOTAL - have - 2_000;
    // the Client's history: verified expenses of other employees, decided long ago
    for (let done = 0; done < filler; done += 200_000)
      await seedSubmitted(owner, { tenantId: t.tenantId, employeeId: other.id, managerId: managers[2]!.id, categoryId, paymentMethodId, n: Math.min(200_000, filler - done), status: 'verified', pending: false });
    const waitingFor = await createUser(ctx, t.tenantId, ['employee'], { managerId: queueManager.id });
    await seedSubmitted(owner, { tenantId: t.tenantId, employeeId: waitingFor.id, managerId: queueManager.id, categoryId, paymentMethodId, n: 2_000 });
    await owner.query('ANALYZE');
    const total = Number((await owner.query(`SELECT count(*) AS n FROM expense WHERE tenant_id = $1`, [t.tenantId])).rows[0].n);
    const s = await signIn(url, queueManager.email);
    const q: number[] = [];
    let first: { items: { expense: { id: string } }[] } | undefined;
    for (let i = 0; i < 50; i++) {
      const a = performance.now();
      const r = await fetch(`${url}/api/v1/approvals/queue?limit=50`, { headers: { cookie: s.cookie } });
      if (r.status !== 200) throw new Error(`queue: ${r.status}`);
      first = await r.json();
      q.push(performance.now() - a);
    }
    const pageIds = first!.items.map((x) => x.expense.id);
    const bq: number[] = [];
    for (let i = 0; i < 50; i++) {
      const a = performance.now();
      await owner.query(`SELECT * FROM expense WHERE id = ANY($1::uuid[])`, [pageIds]);
      bq.push(performance.now() - a);
    }
    const plan = (await owner.query(
      `EXPLAIN SELECT e.* FROM approval_step s JOIN expense e ON e.id = s.expense_id
        WHERE s.tenant_id = $1 AND s.state = 'pending' AND s.approver_id = ANY($2::uuid[]) AND e.user_id <> $3 ORDER BY e.submitted_at, e.id LIMIT 51`,
      [t.tenantId, [queueManager.id], queueManager.id],
    )).rows.map((r) => r['QUERY PLAN'] as string);
    emit({
      name: 'workflow.queue', expenses_in_client: total, waiting: 2_000, page: pageIds.length, unit: 'ms', p50_ms: +pct(q, 50).toFixed(1), p95_ms: +pct(q, 95).toFixed(1),
      baseline: +pct(bq, 50).toFixed(2), baseline_name: 'the same 50 expenses by primary key (p50, one query, no HTTP)', ratio: +(pct(q, 50) / pct(bq, 50)).toFixed(1),
      uses_queue_index: plan.some((l) => l.includes('approval_step_queue_idx')),
    });
  } finally {
    await owner.end();
    await server.stop();
  }
}
