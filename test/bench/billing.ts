// npm run bench -- billing   (either database; PostgreSQL with DATABASE_URL=postgres://…)
// The monthly close of issue 8 — March 2026 (Paris), run on 1 April at 08:00 Paris — over
// 10 000 Clients, 1 000 000 users and 5 000 000 usage events in the billed month:
//  1. Metering: wall seconds of activeUserCounts (the close's one set-based count of every Client's
//     active users), first run and median of 3, with its plan (EXPLAIN ANALYZE, BUFFERS). Baseline,
//     same run: a bare count(*) of the month's usage events.
//  2. Issuing: wall seconds of the real InvoicingService.run for the month (plan: metering + Client
//     read; one draft per Client with use; each draft numbered and issued in its own transaction
//     with its audit event; then each invoice's PDF drawn and mailed through the outbox), invoices/s
//     and the phases; checked afterwards: numbers 2026-000001…N without a hole, one invoice per
//     Client with use, active users as counted by a bare query, each invoice mailed once. Baseline,
//     same run: a bare INSERT of the same invoice rows, one statement each (and, as a floor, one
//     INSERT … SELECT).
// The data, set-based in SQL as the owner: Clients 40 % solo (1 user), 50 % team (3–77 users, median
// 41), 10 % enterprise (a long tail: 51 000 users down to 205, median 356); 92 % French (SIREN), 5 % German
// (3 in 4 with a VAT number: reverse charge), 2 % Belgian, 1 % Swiss; 1 in 7 with the vault option.
// 1 in 100 Clients has no use in March; in the others the admin and 7 users in 10 (never the
// invited ones) are active. Usage events are written in time order (as the audit service appends
// them): the billed month's N, plus noise around it — the previous month (BENCH_BILLING_NOISE × N,
// default 0.4, over every user) and 1 April before the run (N / 100). The tables are then vacuumed
// and analysed, as autovacuum would have done by the close, and a CHECKPOINT writes the load out
// (so that its dirty pages do not slow the measured writes).
// Sizes: BENCH_BILLING_CLIENTS, BENCH_BILLING_USERS, BENCH_BILLING_EVENTS (PGlite defaults 200, 5 000, 20 000).
// BENCH_BILLING_VARIANTS=covering,brin,… measures metering again with each other index (built, measured, dropped).
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { SYSTEM_ACTOR } from '../../api/features/audit/audit.service.ts';
import { activeUserCounts, monthBounds } from '../../api/features/billing/metering.ts';
import type { DB } from '../../storage/db/schema.ts';
import { createTestContext, testClock } from '../support/context.ts';
import { onPostgres } from '../support/db.ts';

type Emit = (o: Record<string, unknown>) => void;
const MONTH = '2026-03';
const PREVIOUS = '2026-02';
/** The run: 1 April 2026, 08:00 in Paris. */
const RUN_AT = new Date('2026-04-01T06:00:00Z');
const BATCH = 500_000;

const secs = (ms: number) => +(ms / 1000).toFixed(3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Total Time'?: number;
  'Heap Fetches'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Sort Method'?: string;
  'Sort Space Used'?: number;
  'Sort Space Type'?: string;
  Strategy?: string;
  'Workers Launched'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Temp Read Blocks'?: number;
  'Temp Written Blocks'?: number;
  Plans?: PlanNode[];
}

/** EXPLAIN (ANALYZE, BUFFERS) of a compiled query, summarised: one line per node, outermost first. */
async function explain(k: Kysely<DB>, q: CompiledQuery): Promise<{ nodes: string[]; execution_ms: number; shared_hit: number; shared_read: number; temp_written: number }> {
  const r = await k.executeQuery<Record<string, unknown>>(CompiledQuery.raw(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.sql}`, [...q.parameters]));
  let doc = Object.values(r.rows[0]!)[0] as unknown;
  if (typeof doc === 'string') doc = JSON.parse(doc);
  const top = (doc as { Plan: PlanNode; 'Execution Time': number }[])[0]!;
  const nodes: string[] = [];
  const walk = (n: PlanNode, depth: number) => {
    const bits = [
      n['Node Type'] + (n.Strategy && n['Node Type'] === 'Aggregate' ? ` (${n.Strategy})` : ''),
      n['Index Name'] ? `using ${n['Index Name']}` : n['Relation Name'] ? `on ${n['Relation Name']}` : '',
      `rows=${n['Actual Rows']}`,
      `${Math.round(n['Actual Total Time'] ?? 0)} ms`,
      n['Heap Fetches'] !== undefined ? `heap fetches=${n['Heap Fetches']}` : '',
      n['Rows Removed by Filter'] ? `removed by filter=${n['Rows Removed by Filter']}` : '',
      n['Rows Removed by Index Recheck'] ? `removed by recheck=${n['Rows Removed by Index Recheck']}` : '',
      n['Sort Method'] ? `sort ${n['Sort Method']} ${n['Sort Space Used']} kB ${n['Sort Space Type']}` : '',
      n['Workers Launched'] !== undefined ? `workers=${n['Workers Launched']}` : '',
      n['Temp Written Blocks'] ? `temp written=${n['Temp Written Blocks']} blocks` : '',
    ].filter(Boolean);
    nodes.push(`${'  '.repeat(depth)}${bits.join(' ')}`);
    for (const c of n.Plans ?? []) walk(c, depth + 1);
  };
  walk(top.Plan, 0);
  return { nodes, execution_ms: Math.round(top['Execution Time']), shared_hit: top.Plan['Shared Hit Blocks'] ?? 0, shared_read: top.Plan['Shared Read Blocks'] ?? 0, temp_written: top.Plan['Temp Written Blocks'] ?? 0 };
}

/** Runs activeUserCounts through a handle that keeps the SQL it sends (for the EXPLAIN). */
async function meteringQuery(k: Kysely<DB>): Promise<CompiledQuery> {
  let q: CompiledQuery | null = null;
  const spy = k.withPlugin({
    transformQuery: (a) => {
      q ??= k.getExecutor().compileQuery(a.node, a.queryId);
      return a.node;
    },
    transformResult: async (a) => a.result,
  });
  await activeUserCounts(spy, MONTH);
  if (!q) throw new Error('activeUserCounts sent no query');
  return q;
}

export async function billingBench(emit: Emit) {
  const C = Number(process.env.BENCH_BILLING_CLIENTS ?? (onPostgres ? 10_000 : 200));
  const U = Number(process.env.BENCH_BILLING_USERS ?? (onPostgres ? 1_000_000 : 5_000));
  const N = Number(process.env.BENCH_BILLING_EVENTS ?? (onPostgres ? 5_000_000 : 20_000));
  const NOISE = Number(process.env.BENCH_BILLING_NOISE ?? 0.4);
  if (!(C >= 10 && U >= C && N >= 1)) throw new Error('BENCH_BILLING_CLIENTS ≥ 10, BENCH_BILLING_USERS ≥ clients, BENCH_BILLING_EVENTS ≥ 1');
  const ctx = await createTestContext({}, { clock: testClock(RUN_AT) });
  const { c } = ctx;
  const k = c.db.kysely;
  const month = monthBounds(MONTH);
  const prev = monthBounds(PREVIOUS);
  try {
    // ————— the data
    const gen = { tenants_users_s: 0, events_s: 0, vacuum_analyze_s: 0 };
    const facts = await c.db.asOwner(async (o) => {
      let t0 = performance.now();
      // Clients: users numbered 1..U, contiguous per Client; weights: solo 0 extra user, team 2–59,
      // enterprise 4·C·rank^-0.8 (rank 1 the biggest), the U − C extra users shared in proportion.
      await o.query(
        `CREATE TEMP TABLE bench_tenant AS
         WITH t AS (
           SELECT i, CASE WHEN i % 10 = 0 THEN 'enterprise' WHEN i % 10 BETWEEN 1 AND 4 THEN 'solo' ELSE 'team' END AS plan,
                  CASE WHEN i % 20 = 7 THEN 'DE' WHEN i % 50 = 13 THEN 'BE' WHEN i % 100 = 29 THEN 'CH' ELSE 'FR' END AS country
             FROM generate_series(1, $1::int) i),
         w AS (
           SELECT i, plan, country, round(CASE plan WHEN 'solo' THEN 0 WHEN 'team' THEN 2 + abs(hashint4(i)::bigint) % 58
                                                   ELSE 4.0 * $1::int * power(i / 10, -0.8) END::numeric, 6) AS w
             FROM t),
         cw AS (SELECT *, sum(w) OVER (ORDER BY i) AS cum, sum(w) OVER () AS total FROM w)
         SELECT i, plan, country, md5('bench-tenant-' || i)::uuid AS id,
                (i - 1) + floor(($2::bigint - $1::int) * (cum - w) / total)::int + 1 AS first_user,
                i + floor(($2::bigint - $1::int) * cum / total)::int AS last_user
           FROM cw`,
        [C, U],
      );
      await o.query(
        `INSERT INTO tenant (id, name, plan, status, country, currency, created_at, billing_email, billing_address, siren, vat_number)
         SELECT id, 'Client ' || lpad(i::text, 5, '0') || CASE plan WHEN 'solo' THEN ' EI' WHEN 'team' THEN ' SARL' ELSE ' SA' END,
                plan, 'active', country, 'EUR', timestamptz '2024-01-01 00:00Z' + i * interval '37 minutes',
                'factures@client-' || i || '.test',
                CASE country WHEN 'FR' THEN i || ' rue de la République, 69002 Lyon' WHEN 'DE' THEN 'Friedrichstraße ' || i || ', 10117 Berlin'
                             WHEN 'BE' THEN 'Rue Neuve ' || i || ', 1000 Bruxelles' ELSE 'Bahnhofstrasse ' || i || ', 8001 Zürich' END,
                CASE WHEN country = 'FR' THEN lpad(((i::bigint * 7919 + 100000000) % 1000000000)::text, 9, '0') END,
                CASE WHEN country = 'DE' AND i % 80 <> 67 THEN 'DE' || lpad(((i::bigint * 104729) % 1000000000)::text, 9, '0')
                     WHEN country = 'BE' THEN 'BE0' || lpad(((i::bigint * 104723) % 1000000000)::text, 9, '0') END
           FROM bench_tenant`,
      );
      await o.query(`INSERT INTO vault_settings (tenant_id, enabled) SELECT id, true FROM bench_tenant WHERE i % 7 = 3`);
      await o.query(
        `CREATE TEMP TABLE bench_user AS
         SELECT g AS no, t.i, t.id AS tenant_id, md5('bench-user-' || g)::uuid AS id, g = t.first_user AS admin,
                g <> t.first_user AND g % 29 = 5 AS invited
           FROM bench_tenant t, generate_series(t.first_user, t.last_user) g`,
      );
      for (let a = 1; a <= U; a += BATCH)
        await o.query(
          `INSERT INTO app_user (id, tenant_id, email, name, status, locale, created_at, updated_at)
           SELECT id, tenant_id, 'user' || no || '@client-' || i || '.test', 'Utilisateur ' || no,
                  CASE WHEN invited THEN 'invited' WHEN NOT admin AND no % 31 = 6 THEN 'deactivated' ELSE 'active' END,
                  CASE WHEN no % 11 = 0 THEN 'en' ELSE 'fr' END, timestamptz '2025-01-01 00:00Z' + no * interval '13 seconds', timestamptz '2025-06-01 00:00Z'
             FROM bench_user WHERE no BETWEEN $1 AND $2`,
          [a, a + BATCH - 1],
        );
      // March's active users, numbered 1..A: the admin and 7 in 10 of the others, never an invited
      // one, none in the Clients with no use (1 in 100).
      await o.query(
        `CREATE TEMP TABLE bench_active AS
         SELECT row_number() OVER (ORDER BY no)::int AS k, id AS user_id, tenant_id FROM bench_user
          WHERE i % 100 <> 99 AND NOT invited AND (admin OR abs(hashint4(no)::bigint) % 10 < 7)`,
      );
      await o.query(`CREATE TEMP TABLE bench_actor AS SELECT row_number() OVER (ORDER BY no)::int AS k, id AS user_id, tenant_id FROM bench_user WHERE NOT invited`);
      await o.exec(`CREATE UNIQUE INDEX ON bench_active (k); CREATE UNIQUE INDEX ON bench_actor (k); ANALYZE bench_active; ANALYZE bench_actor`);
      const A = Number((await o.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_active`))[0]!.n);
      const ACT = Number((await o.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_actor`))[0]!.n);
      gen.tenants_users_s = secs(performance.now() - t0);

      // Events, in time order, BATCH per statement. `pick`: the user of event g — in March one in
      // four events walks a permutation of the active users (so each has at least one when
      // N/4 ≥ A), the others fall on an active user at random.
      t0 = performance.now();
      let P = 104_729;
      while (gcd(P, A) !== 1) P += 2;
      const kinds = `CASE WHEN g % 20 < 14 THEN 'expense' WHEN g % 20 < 17 THEN 'approval' WHEN g % 20 < 19 THEN 'verification' ELSE 'export' END`;
      // (the numbers in `pick` are this bench's own integers, written into the SQL)
      const events = async (n: number, from: Date, to: Date, table: string, pick: string) => {
        for (let a = 1; a <= n; a += BATCH)
          await o.query(
            `INSERT INTO usage_event (tenant_id, user_id, kind, occurred_at, audit_event_id)
             SELECT x.tenant_id, x.user_id, ${kinds}, $3::timestamptz + ($4::timestamptz - $3::timestamptz) * ((g - 1)::float8 / ${n}), gen_random_uuid()
               FROM generate_series($1::int, $2::int) g JOIN ${table} x ON x.k = ${pick}
              ORDER BY g`,
            [a, Math.min(n, a + BATCH - 1), from.toISOString(), to.toISOString()],
          );
      };
      const random = (salt: number, size: number) => `1 + abs(hashint8(g::bigint + ${salt}))::bigint % ${size}`;
      const nPrev = Math.round(N * NOISE);
      const nNext = Math.round(N / 100);
      await events(nPrev, prev.from, prev.to, 'bench_actor', random(7_000_000_000, ACT));
      await events(N, month.from, month.to, 'bench_active', `CASE WHEN g % 4 = 0 AND g / 4 <= ${A} THEN 1 + ((g / 4)::bigint * ${P}) % ${A} ELSE ${random(0, A)} END`);
      await events(nNext, month.to, RUN_AT, 'bench_actor', random(9_000_000_000, ACT));
      gen.events_s = secs(performance.now() - t0);
      t0 = performance.now();
      await o.exec(`DROP TABLE bench_tenant, bench_user, bench_active, bench_actor`);
      await o.exec(`VACUUM (ANALYZE) usage_event`);
      await o.exec(`VACUUM (ANALYZE) app_user`);
      await o.exec(`ANALYZE tenant`);
      await o.exec(`ANALYZE vault_settings`);
      await o.exec('CHECKPOINT').catch(() => undefined); // needs superuser or pg_checkpoint; skipped without
      gen.vacuum_analyze_s = secs(performance.now() - t0);
      const [sizes] = await o.query<Record<string, number>>(
        `SELECT pg_relation_size('usage_event') AS heap, pg_indexes_size('usage_event') AS indexes,
                (SELECT count(*) FROM usage_event) AS events_total, (SELECT count(*) FROM app_user) AS users, (SELECT count(*) FROM tenant) AS clients`,
      );
      const ix = await o.query<{ name: string; mb: number }>(
        `SELECT indexrelid::regclass::text AS name, round(pg_relation_size(indexrelid) / 1048576.0)::int AS mb FROM pg_index WHERE indrelid = 'usage_event'::regclass ORDER BY 1`,
      );
      return { A, nPrev, nNext, sizes: sizes!, indexes: Object.fromEntries(ix.map((r) => [r.name.replace(/^.*\./, ''), Number(r.mb)])) };
    });
    const bare = await k.executeQuery<{ events: number; pairs: number; clients: number }>(
      CompiledQuery.raw(
        `SELECT (SELECT count(*) FROM usage_event WHERE occurred_at >= $1 AND occurred_at < $2) AS events,
                (SELECT count(*) FROM (SELECT DISTINCT tenant_id, user_id FROM usage_event WHERE occurred_at >= $1 AND occurred_at < $2) p) AS pairs,
                (SELECT count(*) FROM (SELECT DISTINCT tenant_id FROM usage_event WHERE occurred_at >= $1 AND occurred_at < $2) t) AS clients`,
        [month.from, month.to],
      ),
    );
    const inMonth = { events: Number(bare.rows[0]!.events), activeUsers: Number(bare.rows[0]!.pairs), clients: Number(bare.rows[0]!.clients) };
    if (inMonth.events !== N) throw new Error(`${inMonth.events} events in ${MONTH}, expected ${N}`);
    const MB = 1_048_576;
    emit({
      name: 'billing.data', month: MONTH, clients: Number(facts.sizes.clients), users: Number(facts.sizes.users), events_in_month: N,
      events_previous_month: facts.nPrev, events_run_day: facts.nNext, events_total: Number(facts.sizes.events_total),
      active_users_in_month: inMonth.activeUsers, designed_active_users: facts.A, clients_with_use: inMonth.clients,
      usage_event_heap_mb: Math.round(Number(facts.sizes.heap) / MB), usage_event_index_mb: facts.indexes,
      seconds: +(gen.tenants_users_s + gen.events_s + gen.vacuum_analyze_s).toFixed(1), ...gen,
    });

    // ————— 1. metering
    const meter = async (runs = 3) => {
      const ms: number[] = [];
      let counts = new Map<string, number>();
      for (let i = 0; i < runs; i++) {
        const r = await time(() => activeUserCounts(k, MONTH));
        ms.push(r.ms);
        counts = r.value;
      }
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      if (counts.size !== inMonth.clients || total !== inMonth.activeUsers) throw new Error(`activeUserCounts: ${counts.size} Clients, ${total} users; bare count: ${inMonth.clients}, ${inMonth.activeUsers}`);
      return { first: ms[0]!, median: median(ms), runs: ms.map(secs), plan: await explain(k, await meteringQuery(k)) };
    };
    const countQ = CompiledQuery.raw(`SELECT count(*) FROM usage_event WHERE occurred_at >= $1 AND occurred_at < $2`, [month.from, month.to]);
    const baseline = async () => {
      const ms: number[] = [];
      for (let i = 0; i < 3; i++) ms.push((await time(() => k.executeQuery(countQ))).ms);
      return { median: median(ms), plan: await explain(k, countQ) };
    };
    const m = await meter();
    const b = await baseline();
    emit({
      name: 'billing.metering', month: MONTH, clients_with_use: inMonth.clients, active_users: inMonth.activeUsers, events_in_month: N, events_total: Number(facts.sizes.events_total),
      unit: 's', value: secs(m.median), first_s: secs(m.first), runs_s: m.runs, target_s: 60,
      plan: m.plan.nodes, plan_execution_ms: m.plan.execution_ms, plan_shared_hit_blocks: m.plan.shared_hit, plan_shared_read_blocks: m.plan.shared_read, plan_temp_written_blocks: m.plan.temp_written,
      baseline: secs(b.median), baseline_name: `bare SELECT count(*) of the month's usage events (median of 3)`, baseline_plan: b.plan.nodes,
      ratio: +(m.median / b.median).toFixed(1),
    });

    // Other indexes, each built, measured, dropped (BENCH_BILLING_VARIANTS=covering,brin,…).
    const VARIANTS: Record<string, string> = {
      covering: 'CREATE INDEX bench_variant ON usage_event (occurred_at, tenant_id, user_id)',
      tenant_user: 'CREATE INDEX bench_variant ON usage_event (tenant_id, user_id, occurred_at)',
      brin: 'CREATE INDEX bench_variant ON usage_event USING brin (occurred_at)',
    };
    for (const v of (process.env.BENCH_BILLING_VARIANTS ?? '').split(',').filter(Boolean)) {
      const ddl = VARIANTS[v];
      if (!ddl) throw new Error(`BENCH_BILLING_VARIANTS: ${v}? (${Object.keys(VARIANTS).join(', ')})`);
      const built = await time(() => c.db.asOwner(async (o) => {
        await o.exec(ddl);
        await o.exec('ANALYZE usage_event');
        return Number((await o.query<{ mb: number }>(`SELECT round(pg_relation_size('bench_variant') / 1048576.0)::int AS mb`))[0]!.mb);
      }));
      const mv = await meter();
      const bv = await baseline();
      emit({
        name: 'billing.metering_variant', variant: v, ddl, build_s: secs(built.ms), index_mb: built.value, unit: 's', value: secs(mv.median), first_s: secs(mv.first), runs_s: mv.runs,
        plan: mv.plan.nodes, plan_temp_written_blocks: mv.plan.temp_written, baseline: secs(bv.median), baseline_plan: bv.plan.nodes, ratio: +(mv.median / bv.median).toFixed(1),
        without_variant_s: secs(m.median),
      });
      await c.db.asOwner((o) => o.exec('DROP INDEX bench_variant'));
    }

    // ————— 2. issuing
    const inv = c.invoicing;
    const phases = { plan: 0, finalise: 0, mail: 0 };
    // the run's planning step (metering + the Clients' rows) is a private method: timed through a cast
    const planned = inv as unknown as { planned(month: string): Promise<unknown> };
    const plan = planned.planned.bind(inv);
    planned.planned = async (mo) => {
      const r = await time(() => plan(mo));
      phases.plan = r.ms;
      return r.value;
    };
    const finaliseDrafts = inv.finaliseDrafts.bind(inv);
    inv.finaliseDrafts = async (actor) => {
      const r = await time(() => finaliseDrafts(actor));
      phases.finalise = r.ms;
      return r.value;
    };
    const mailIssued = inv.mailIssued.bind(inv);
    inv.mailIssued = async () => {
      const r = await time(() => mailIssued());
      phases.mail += r.ms;
      return r.value;
    };
    const run = await time(() => inv.run(SYSTEM_ACTOR, MONTH));
    const issued = await k.selectFrom('invoice').select(['number', 'tenant_id', 'active_users']).where('kind', '=', 'invoice').where('period', '=', MONTH).where('status', '=', 'issued').orderBy('number').execute();
    const n = issued.length;
    const year = RUN_AT.getUTCFullYear();
    const holes = issued.filter((r, i) => r.number !== `${year}-${String(i + 1).padStart(6, '0')}`).length;
    const drafts = Number((await k.selectFrom('invoice').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'draft').executeTakeFirstOrThrow()).n);
    const users = issued.reduce((a, r) => a + Number(r.active_users), 0);
    const mailed = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM invoice_mail m JOIN invoice i ON i.id = m.invoice_id WHERE i.period = ${MONTH}`.execute(k)).rows[0]!.n);
    const outbox = (await sql<{ n: number; mb: number }>`SELECT count(*) AS n, round(coalesce(sum(pg_column_size(attachments)), 0) / 1048576.0, 1)::float8 AS mb FROM mail_outbox`.execute(k)).rows[0]!;
    if (mailed !== n) throw new Error(`issuing: ${mailed} invoices mailed of ${n}`);
    if (holes || drafts || n !== inMonth.clients || new Set(issued.map((r) => r.tenant_id)).size !== n || run.value.issued.length !== n || users !== inMonth.activeUsers)
      throw new Error(`issuing: ${n} issued (${holes} out of sequence, ${drafts} drafts left, ${run.value.issued.length} reported) for ${inMonth.clients} Clients with use; ${users} active users invoiced of ${inMonth.activeUsers}`);

    // Baseline: the same invoice rows (as issued, numbered) inserted again with nothing else, one
    // statement each (autocommit, as the drafts are), under another period and number series.
    const rows = await k.selectFrom('invoice').selectAll().where('kind', '=', 'invoice').where('period', '=', MONTH).orderBy('number').execute();
    const copy = (r: (typeof rows)[number], i: number) => ({
      ...r, id: crypto.randomUUID(), period: '1999-12', number: `1999-${String(i + 1).padStart(6, '0')}`,
      lines: JSON.stringify(r.lines), client: JSON.stringify(r.client), issuer: JSON.stringify(r.issuer),
    });
    const bareInsert = await time(async () => {
      for (let i = 0; i < rows.length; i++) await k.insertInto('invoice').values(copy(rows[i]!, i)).execute();
    });
    const floor = await time(() =>
      sql`INSERT INTO invoice (id, tenant_id, kind, period, corrects_id, status, number, created_at, issued_at, due_at, currency, lines, total_ht_minor, vat_rate_bp, vat_minor, total_ttc_minor, vat_mention, client, issuer, price_list, active_users, paid_at)
          SELECT gen_random_uuid(), tenant_id, kind, '1998-12', corrects_id, status, '1998-' || substr(number, 6), created_at, issued_at, due_at, currency, lines, total_ht_minor, vat_rate_bp, vat_minor, total_ttc_minor, vat_mention, client, issuer, price_list, active_users, paid_at
            FROM invoice WHERE kind = 'invoice' AND period = ${MONTH}`.execute(k),
    );
    const auditEvents = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM audit_event WHERE type = 'invoice.issued'`.execute(k)).rows[0]!.n);
    emit({
      name: 'billing.issuing', month: MONTH, invoices: n, active_users_invoiced: users, numbers: n ? `${issued[0]!.number}…${issued[n - 1]!.number}, contiguous` : 'none', audit_events: auditEvents,
      unit: 's', value: secs(run.ms), invoices_per_s: Math.round(n / (run.ms / 1000)),
      plan_s: secs(phases.plan), draft_s: secs(run.ms - phases.plan - phases.finalise), number_issue_s: secs(phases.finalise - phases.mail), pdf_mail_s: secs(phases.mail),
      mails_in_outbox: Number(outbox.n), outbox_attachments_mb: Number(outbox.mb),
      baseline: secs(bareInsert.ms), baseline_name: 'bare INSERT of the same invoice rows, one statement each (autocommit)', ratio: +(run.ms / bareInsert.ms).toFixed(1),
      floor_s: secs(floor.ms), floor_name: 'one INSERT … SELECT of the same rows',
    });
  } finally {
    await ctx.close();
  }
}

function gcd(a: number, b: number): number {
  return b ? gcd(b, a % b) : a;
}
