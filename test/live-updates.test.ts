// Live updates (R-OCR-2): GET /expenses/:id/events pushes the expense as it changes — read by the
// worker, edited elsewhere, deleted — over a real HTTP connection, from database notifications
// (NOTIFY/LISTEN on PostgreSQL through a connection of its own; PGlite's own listeners embedded).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeOcrEngine } from '../worker/ocr/engine-holder.ts';
import { startWorker } from '../worker/main.ts';
import { Client, createTestContext, signedIn, type TestContext } from './support/context.ts';
import { onPostgres, pgUrl } from './support/db.ts';
import { createTenantWithAdmin, createUser, PASSWORD, type TestUser } from './support/factories.ts';
import { receiptPdf } from './support/images.ts';

let ctx: TestContext;
let server: Server;
let base: string;
let t: Awaited<ReturnType<typeof createTenantWithAdmin>>;
let empUser: TestUser;
let emp: Client;
let other: Client;
let draft: (merchant: string, amountMinor: number) => Promise<{ id: string; version: number }>;
beforeAll(async () => {
  ctx = await createTestContext();
  server = ctx.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await createTenantWithAdmin(ctx);
  empUser = await createUser(ctx, t.tenantId, ['employee']);
  emp = await signedIn(ctx, empUser);
  other = await signedIn(ctx, await createUser(ctx, t.tenantId, ['employee']));
  const categoryId = (await emp.get('/api/v1/categories')).body.items.find((c: { code: string }) => c.code === 'other').id;
  const paymentMethodId = (await emp.get('/api/v1/payment-methods')).body.items[0].id;
  draft = async (merchant, amountMinor) => {
    const r = await emp.post('/api/v1/expenses', { date: '2026-04-02', merchant, amountMinor, currency: 'EUR', categoryId, paymentMethodId });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await closeOcrEngine();
  await ctx.close();
});

/** The session cookie of a real sign-in over HTTP (EventSource sends the browser's cookies). */
async function cookieOf(user: TestUser): Promise<string> {
  const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: PASSWORD }) });
  expect(r.status).toBe(200);
  return r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

interface Sse {
  status: number;
  contentType: string | null;
  /** Resolves with the next event matching `pred`, or rejects after `ms`. */
  next(pred: (e: { event: string; data: any }) => boolean, ms?: number): Promise<{ event: string; data: any }>;
  ended: Promise<void>;
  close(): void;
}

async function openStream(cookie: string, expenseId: string): Promise<Sse> {
  const ctl = new AbortController();
  const path = expenseId.includes('/') ? `/api/v1/${expenseId}` : `/api/v1/expenses/${expenseId}/events`;
  const r = await fetch(`${base}${path}`, { headers: { cookie, accept: 'text/event-stream' }, signal: ctl.signal });
  const events: { event: string; data: any }[] = [];
  let wake = () => {};
  let buf = '';
  const ended = (async () => {
    if (!r.body || r.status !== 200) return;
    const dec = new TextDecoder();
    try {
      for await (const chunk of r.body) {
        buf += dec.decode(chunk as Uint8Array, { stream: true });
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
          wake();
        }
      }
    } catch {
      /* aborted */
    }
    wake();
  })();
  let seen = 0;
  return {
    status: r.status,
    contentType: r.headers.get('content-type'),
    ended,
    close: () => ctl.abort(),
    async next(pred, ms = 30_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        while (seen < events.length) {
          const e = events[seen++]!;
          if (pred(e)) return e;
        }
        if (Date.now() > deadline) throw new Error(`no such event within ${ms} ms; got ${JSON.stringify(events.map((e) => [e.event, e.data?.ocr?.status, e.data?.version]))}`);
        await new Promise<void>((res) => {
          wake = res;
          setTimeout(res, 200);
        });
      }
    },
  };
}

const LINES = ['LE PETIT ZINC', '3 rue du Port', 'Le 14/04/2026', 'TOTAL TTC 23,10 EUR', 'TVA 10,00% HT 21,00 TVA 2,10', 'CB 23,10'];

describe('GET /expenses/:id/events', () => {
  it('pushes the draft as it is read by the worker: "reading", then the fields filled — without the client asking again', async () => {
    const scan = await emp.agent.post('/api/v1/expenses/scan').set('X-CSRF-Token', emp.csrf).attach('files', await receiptPdf(LINES), { filename: 'zinc.pdf' });
    expect(scan.status).toBe(201);
    const id = scan.body.expenseId;
    const s = await openStream(await cookieOf(empUser), id);
    try {
      expect(s.status).toBe(200);
      expect(s.contentType).toMatch(/^text\/event-stream/);
      const first = await s.next((e) => e.event === 'expense');
      expect(first.data).toMatchObject({ id, status: 'draft', ocr: { status: 'reading' }, merchant: '' });
      const stop = startWorker(ctx.c, { schedules: false, pollMs: 50 });
      try {
        const read = await s.next((e) => e.event === 'expense' && e.data.ocr.status === 'done', 60_000);
        expect(read.data).toMatchObject({ merchant: 'LE PETIT ZINC', date: '2026-04-14', amountMinor: 2310, currency: 'EUR' });
        expect(read.data.ocr.fields).toEqual(expect.arrayContaining(['merchant', 'date', 'amountMinor']));
        expect(read.data.receipts).toHaveLength(1);
      } finally {
        await stop();
      }
    } finally {
      s.close();
    }
  });

  it('pushes an edit made elsewhere (another tab, the API), then "gone" when the expense is deleted, and ends', async () => {
    const created = await draft('Papeterie Martin', 1250);
    const id = created.id;
    const s = await openStream(await cookieOf(empUser), id);
    try {
      await s.next((e) => e.event === 'expense' && e.data.version === created.version);
      const edited = await emp.patch(`/api/v1/expenses/${id}`, { version: created.version, merchant: 'Papeterie Martin & fils' });
      expect(edited.status).toBe(200);
      const pushed = await s.next((e) => e.event === 'expense' && e.data.version === edited.body.version);
      expect(pushed.data.merchant).toBe('Papeterie Martin & fils');
      expect((await emp.delete(`/api/v1/expenses/${id}`)).status).toBe(204);
      expect((await s.next((e) => e.event === 'gone')).data).toEqual({ id });
      await s.ended; // the server closed the stream
    } finally {
      s.close();
    }
    expect(ctx.c.expenseEvents.watching).toBe(0);
  });

  it("another employee's draft: 404 problem+json, no stream (and the owner's own stream opens: positive control)", async () => {
    const created = await draft('Taxi G7', 3400);
    const r = await other.get(`/api/v1/expenses/${created.id}/events`);
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(/problem\+json/);
    expect((await other.get('/api/v1/expenses/not-a-uuid/events')).status).toBe(400);
    const s = await openStream(await cookieOf(empUser), created.id);
    expect(s.status).toBe(200);
    s.close();
    expect((await fetch(`${base}/api/v1/expenses/${created.id}/events`)).status).toBe(401);
  });

  it('GET /workflow/events: a manager\'s queue count is pushed when a report submits', async () => {
    const manager = await createUser(ctx, t.tenantId, ['employee', 'manager']);
    const report = await createUser(ctx, t.tenantId, ['employee'], { managerId: manager.id });
    const asReport = await signedIn(ctx, report);
    const s = await openStream(await cookieOf(manager), 'workflow/events');
    try {
      expect(s.status).toBe(200);
      expect((await s.next((e) => e.event === 'counts')).data).toMatchObject({ toApprove: 0 });
      const categoryId = (await asReport.get('/api/v1/categories')).body.items[0].id;
      const paymentMethodId = (await asReport.get('/api/v1/payment-methods')).body.items[0].id;
      const d = (await asReport.post('/api/v1/expenses', { date: '2026-04-07', merchant: 'Train', amountMinor: 4500, currency: 'EUR', categoryId, paymentMethodId })).body;
      expect((await asReport.post(`/api/v1/expenses/${d.id}/submit`, { version: d.version })).status).toBe(200);
      expect((await s.next((e) => e.event === 'counts' && e.data.toApprove === 1)).data.toApprove).toBe(1);
    } finally {
      s.close();
    }
  });

  it.runIf(onPostgres)('PostgreSQL: the listening connection is cut — it comes back and the screens are brought up to date', async () => {
    const created = await draft('Boulangerie', 480);
    const id = created.id;
    const s = await openStream(await cookieOf(empUser), id);
    try {
      await s.next((e) => e.event === 'expense');
      const admin = new pg.Client(pgUrl);
      await admin.connect();
      try {
        // the LISTEN connection of this database (the pool's connections never LISTEN)
        const killed = await admin.query(`SELECT pg_terminate_backend(l.pid) FROM pg_stat_activity l WHERE l.query LIKE 'LISTEN justif_%' AND l.pid <> pg_backend_pid()`);
        expect(killed.rowCount).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      // changed while nobody listens: the reconnection's catch-up read must bring it
      const edited = await emp.patch(`/api/v1/expenses/${id}`, { version: created.version, amountMinor: 520 });
      expect(edited.status).toBe(200);
      const pushed = await s.next((e) => e.event === 'expense' && e.data.version === edited.body.version, 15_000);
      expect(pushed.data.amountMinor).toBe(520);
    } finally {
      s.close();
    }
  });
});

describe('notifications of expenses changed in bulk (migration 017)', () => {
  it('a statement that changes up to 100 expenses names each; more, one "<tenant>:*" for the Client, which every watcher of the Client hears', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 101; i += 10) ids.push(...(await Promise.all(Array.from({ length: Math.min(10, 101 - i) }, (_, k) => draft(`Bulk ${i + k}`, 100 + i + k)))).map((d) => d.id));
    const heard: string[] = [];
    const stop = await ctx.c.db.listen('justif_expense', (p) => heard.push(p));
    const touch = async (some: string[]) => {
      await ctx.c.db.kysely.updateTable('expense').set({ updated_at: new Date() }).where('id', 'in', some).execute();
      await new Promise((r) => setTimeout(r, 300)); // delivery after commit, over the listener's connection
    };
    await touch(ids.slice(0, 2));
    expect(heard.sort()).toEqual(ids.slice(0, 2).map((id) => `${t.tenantId}:${id}`).sort());
    heard.length = 0;
    await touch(ids);
    expect(heard).toEqual([`${t.tenantId}:*`]);
    // a watcher of one expense of the Client hears it
    let changed = 0;
    const unwatch = await ctx.c.expenseEvents.watch({ tenantId: t.tenantId, expenseId: ids[5]!, shas: new Set(), changed: () => void changed++ });
    await touch(ids);
    expect(changed).toBe(1);
    unwatch();
    await stop();
  });
});
