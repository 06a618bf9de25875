// Reversibility (R-REV-1), round trip: the full export of a Client, re-read, reproduces every record
// (the expenses' CSV holds exactly the Client's expenses) and every receipt byte for byte, every
// file's hash matches the manifest, secrets are left out, and another Client's data is absent.
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, signedIn, type TestContext } from './support/context.ts';
import { createTenantWithAdmin } from './support/factories.ts';
import { png, receiptPdf } from './support/images.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function clientWithData(label: string) {
  const t = await createTenantWithAdmin(ctx, { name: `Client ${label}` });
  const me = await signedIn(ctx, t.admin);
  const cats = (await me.get('/api/v1/categories')).body.items;
  const pm = (await me.get('/api/v1/payment-methods')).body.items[0].id;
  const files = [await receiptPdf([`HOTEL ${label}`, 'TOTAL 61,30']), png(30 + label.length, 40)];
  const ids: string[] = [];
  for (const [i, f] of files.entries()) {
    const e = (await me.post('/api/v1/expenses', { date: '2026-03-10', merchant: `Marchand ${label} ${i}`, categoryId: cats[0].id, paymentMethodId: pm, amountMinor: 1000 + i, currency: 'EUR' })).body;
    await me.agent.post(`/api/v1/expenses/${e.id}/receipts`).set('X-CSRF-Token', me.csrf).attach('files', f, { filename: i ? 'photo.png' : 'facture.pdf', contentType: i ? 'image/png' : 'application/pdf' });
    ids.push(e.id);
  }
  return { t, me, ids, files };
}

describe('full export of a Client', () => {
  it('round trip: every record and every receipt, hashes as in the manifest; secrets out; another Client absent; the link expires', async () => {
    const a = await clientWithData('A');
    const b = await clientWithData('B');
    const started = await a.me.post('/api/v1/exports/full');
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ status: 'queued' });
    expect((await a.me.post('/api/v1/exports/full')).status).toBe(409); // one at a time
    await ctx.c.reversibility.run(a.t.tenantId, started.body.id); // what the worker's job does
    const done = (await a.me.get(`/api/v1/exports/full/${started.body.id}`)).body;
    expect(done).toMatchObject({ status: 'done', expired: false, progress: { step: 'done' } });
    const res = await a.me.get(`/api/v1/exports/full/${started.body.id}/file`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    const zipBytes = res.body as Buffer;
    expect(sha(zipBytes)).toBe(done.sha256);
    const zip = await JSZip.loadAsync(zipBytes);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string'));
    const names = Object.keys(zip.files).filter((n) => !zip.files[n]!.dir && n !== 'manifest.json').sort();
    expect(manifest.files.map((f: { path: string }) => f.path).sort()).toEqual(names);
    for (const f of manifest.files as { path: string; sha256: string; size: number }[]) {
      const data = await zip.file(f.path)!.async('nodebuffer');
      expect({ path: f.path, sha256: sha(data), size: data.length }).toEqual(f);
    }
    expect(names).toEqual(expect.arrayContaining(['README.md', 'data/tenant.csv', 'data/expense.csv', 'data/expense.xlsx', 'data/audit_event.csv', 'data/vault_journal.csv']));
    // every expense of A, none of B
    const expenses = parse(await zip.file('data/expense.csv')!.async('string'), { columns: true }) as { id: string; merchant: string }[];
    expect(expenses.map((e) => e.id).sort()).toEqual([...a.ids].sort());
    const everything = (await Promise.all(names.filter((n) => n.endsWith('.csv')).map((n) => zip.file(n)!.async('string')))).join('\n');
    for (const id of [...b.ids, b.t.tenantId, b.t.admin.id]) expect(everything).not.toContain(id);
    // the receipts, byte for byte
    for (const f of a.files) expect(Buffer.compare(await zip.file(names.find((n) => n.startsWith(`receipts/${sha(f)}`))!)!.async('nodebuffer'), f)).toBe(0);
    // secrets are not exported
    const users = parse(await zip.file('data/app_user.csv')!.async('string'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(users[0]!)).not.toContain('password_hash');
    expect(users.map((u) => u.id)).toContain(a.t.admin.id);
    // the admin was told; the link expires
    expect((await ctx.c.db.kysely.selectFrom('notification').select('kind').where('user_id', '=', a.t.admin.id).execute()).map((n) => n.kind)).toContain('client_export_ready');
    await ctx.c.db.kysely.updateTable('client_export').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', started.body.id).execute();
    expect((await a.me.get(`/api/v1/exports/full/${started.body.id}/file`)).status).toBe(410);
  });
});
