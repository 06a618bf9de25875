// Receipts (R-CAP-2): originals kept byte for byte under <client>/<sha256>, once per Client,
// reference-counted by the database (a trigger on `receipt`), verified before a row points at
// them. Order of operations, so that a row never points at a missing object:
//   1. check the spooled file (type from its bytes, size, pixels, completeness);
//   2. put the object (the store verifies it by reading it back) — outside any transaction;
//   3. in one transaction, under a lock per (Client, hash): make sure the blob row exists, check
//      the object is still there (the cleanup may have removed a released one meanwhile: then
//      retry from 2), insert the receipt rows and the audit event.
// A crash between 2 and 3 leaves an object without a row: the cleanup removes such objects once
// they are an hour old, and released blobs (no receipt left) likewise.
//
// Renditions (normalised JPEG, thumbnail, PDF page images) are derived by the worker: step 3
// enqueues a `receipt.render` job for every blob without them, in the same transaction. The job
// (worker/jobs/receipt-render.ts) reads the original through sourceForRenditions() and stores its
// results through saveRenditions(): objects first, then rows under the same per-(Client, hash)
// lock, so that the cleanup, which removes a released blob's renditions with it, never races it.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import type { DB, ReceiptMediaType } from '../../../storage/db/schema.ts';
import { TenantDb } from '../../../storage/db/tenant-db.ts';
import { receiptKey, receiptKeyPattern, renditionKey, renditionKeyPattern } from '../../../storage/objects/keys.ts';
import type { ObjectStore } from '../../../storage/objects/object-store.ts';
import type { Jobs } from '../../../storage/queue/contract.ts';
import type { JobQueue } from '../../../storage/queue/queue.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import type { SpooledFile } from '../../http/uploads.ts';
import { SYSTEM_ACTOR, type AuditActor, type AuditService } from '../audit/audit.service.ts';
import { visibleTo, type Viewer } from '../expenses/expenses.repository.ts';
import type { ExpensesService, OcrReading } from '../expenses/expenses.service.ts';
import { checkReceiptFile, declaredTypeConflict, type FileVerdict } from './file-check.ts';
import type { ReceiptView, RenditionView } from './receipts.schemas.ts';

export interface ReceiptLimits {
  maxBytes: number;
  maxFiles: number;
  maxPixels: number;
}

/** Objects without a row, and released blobs, are kept this long before the cleanup removes them. */
export const ORPHAN_GRACE_MS = 60 * 60_000;
const lockName = (tenantId: string, sha256: string) => `receipt-object:${tenantId}:${sha256}`;
class ObjectVanished extends Error {}

type ReceiptRow = { id: string; expense_id: string; original_name: string; sha256: string; uploaded_by: string; created_at: Date; size: number; media_type: ReceiptMediaType };
const view = (r: ReceiptRow, renditions: RenditionView[]): ReceiptView => ({
  id: r.id, expenseId: r.expense_id, name: r.original_name, mediaType: r.media_type, size: r.size, sha256: r.sha256, uploadedBy: r.uploaded_by, createdAt: r.created_at.toISOString(), renditions,
});
/** normalized, thumbnail, then pages in page order. */
const renditionOrder = (name: string) => (name === 'normalized' ? 0 : name === 'thumbnail' ? 1 : 1 + Number(name.slice('page-'.length)));

/** A rendition made by the worker, ready to store. */
export interface RenditionFile {
  name: string;
  data: Buffer;
  width: number;
  height: number;
}
/** What the render job needs: the original's type and bytes, unless there is nothing to do. */
export type RenditionSource =
  | { status: 'gone' }
  | { status: 'done' }
  | { status: 'todo'; mediaType: ReceiptMediaType; size: number; sha256: string; open(): Promise<Readable> };
/** A rendition object was removed while it was being recorded (cleanup race): the job retries. */
export class RenditionVanishedError extends Error {}

export class ReceiptsService {
  constructor(
    private readonly d: {
      db: Kysely<DB>; objects: ObjectStore; queue: JobQueue<Jobs>; clock: Clock; audit: AuditService; expenses: ExpensesService; log: Logger; limits: ReceiptLimits;
      /** Called in the transaction that attached originals to an expense (the vault's deposit at upload). */
      onStored?: (tx: TenantDb, expenseId: string) => Promise<void>;
    },
  ) {}

  get limits(): ReceiptLimits {
    return this.d.limits;
  }

  /** Refuses before the body is read: only the owner adds receipts, while the expense is editable. */
  assertCanAttach(tdb: TenantDb, viewer: Viewer, expenseId: string): Promise<unknown> {
    return this.d.expenses.assertEditable(tdb, viewer, expenseId, 'given receipts');
  }

  /**
   * Scan first, type later: a draft made from its receipts, which OCR fills. The files are checked
   * before the draft exists, so a refused upload leaves nothing behind.
   */
  async scan(tdb: TenantDb, viewer: Viewer, actor: AuditActor, files: SpooledFile[]): Promise<{ expenseId: string; receipts: ReceiptView[] }> {
    const accepted = this.checkFiles(files);
    const e = await this.d.expenses.createForScan(tdb, viewer, actor);
    return { expenseId: e.id, receipts: await this.store(tdb, viewer, actor, e.id, accepted) };
  }

  /** Reads a receipt again (an admin's request, e.g. after a dead-lettered reading). */
  async rerunOcr(tdb: TenantDb, actor: AuditActor, receiptId: string): Promise<void> {
    await tdb.transaction(async (tx) => {
      const r = await tx.selectFrom('receipt').select(['sha256', 'expense_id']).where('id', '=', receiptId).executeTakeFirst();
      if (!r) throw new AppError('not-found', 'No such receipt');
      await this.d.queue.enqueue(tx.raw, 'receipt.ocr', { tenantId: tx.tenantId, sha256: r.sha256 });
      await this.d.audit.record(tx.raw, actor, { type: 'receipt.ocr_requested', tenantId: tx.tenantId, target: { type: 'expense', id: r.expense_id }, data: { receiptId } });
    });
  }

  /** The Client's receipts whose reading was given up (dead-lettered OCR jobs), newest first. */
  async ocrFailures(tdb: TenantDb, viewer: Viewer) {
    const failed = await tdb.raw.selectFrom('job').select(['id', 'singleton_key', 'last_error', 'attempts', 'finished_at']).where('name', '=', 'receipt.ocr').where('state', '=', 'dead')
      .where('singleton_key', 'like', `${tdb.tenantId}:%`).orderBy('finished_at', 'desc').limit(200).execute();
    // The latest given-up reading of each original (newest first: a re-run that failed again is one row).
    const dead = failed.filter((d, i) => failed.findIndex((x) => x.singleton_key === d.singleton_key) === i);
    const later = dead.length
      ? await tdb.raw.selectFrom('job').select(['id', 'singleton_key']).where('name', '=', 'receipt.ocr').where('state', 'in', ['queued', 'running']).where('singleton_key', 'in', dead.map((d) => d.singleton_key!)).execute()
      : [];
    const shas = dead.map((d) => d.singleton_key!.slice(tdb.tenantId.length + 1));
    const read = new Set(shas.length ? (await tdb.selectFrom('receipt_ocr').select('sha256').where('sha256', 'in', shas).execute()).map((r) => r.sha256) : []);
    const receipts = shas.length ? await tdb.selectFrom('receipt').select(['id', 'expense_id', 'sha256', 'original_name']).where('sha256', 'in', shas).execute() : [];
    // Who sent each (the admin contacts them), and whether the viewer may open the expense: a draft
    // stays private to its owner even when its receipt failed.
    const owners = receipts.length
      ? await tdb.selectFrom('expense').innerJoin('app_user as u', 'u.id', 'expense.user_id').select(['expense.id', 'u.id as userId', 'u.name', 'u.email'])
        .select((eb) => visibleTo(viewer)(eb).as('visible')).where('expense.id', 'in', [...new Set(receipts.map((r) => r.expense_id))]).execute()
      : [];
    const ownerOf = new Map(owners.map((o) => [o.id, o]));
    return {
      items: dead.flatMap((d, i) => {
        const sha = shas[i]!;
        if (read.has(sha)) return []; // read since (re-run)
        const rerunning = later.some((j) => j.singleton_key === d.singleton_key && j.id > d.id);
        return receipts.filter((r) => r.sha256 === sha).map((r) => {
          const o = ownerOf.get(r.expense_id);
          return {
            receiptId: r.id, expenseId: r.expense_id, name: r.original_name, error: d.last_error ?? '', attempts: d.attempts, failedAt: d.finished_at?.toISOString() ?? null, rerunning,
            uploadedBy: o ? { id: o.userId, name: o.name || o.email } : null,
            canOpenExpense: !!o?.visible,
          };
        });
      }),
    };
  }

  /** Every file checked from its bytes; one bad file refuses the whole upload (nothing stored). */
  private checkFiles(files: SpooledFile[]) {
    const checked = files.map((f) => ({ f, v: verdict(f, this.d.limits.maxPixels) }));
    const bad = checked.filter((x) => !x.v.ok);
    if (bad.length) {
      const worst = bad.map((x) => x.v as Extract<FileVerdict, { ok: false }>);
      const code = worst.some((v) => v.reason === 'unsupported-type') ? 'unsupported-file' : 'invalid-file';
      throw new AppError(code, worst.length === 1 ? `${bad[0]!.f.originalName}: ${worst[0]!.message}` : `${worst.length} files refused; nothing was stored.`, {
        errors: bad.map((x) => ({ path: `files.${files.indexOf(x.f)}`, message: `${x.f.originalName}: ${(x.v as { message: string }).message}` })),
      });
    }
    return checked.map(({ f, v }) => ({ f, type: (v as Extract<FileVerdict, { ok: true }>).type }));
  }

  async attach(tdb: TenantDb, viewer: Viewer, actor: AuditActor, expenseId: string, files: SpooledFile[]): Promise<ReceiptView[]> {
    // 1. Every file is checked before anything is stored: one bad file refuses the whole upload.
    return this.store(tdb, viewer, actor, expenseId, this.checkFiles(files));
  }

  /** Steps 2 and 3 for files already checked. */
  private async store(tdb: TenantDb, viewer: Viewer, actor: AuditActor, expenseId: string, accepted: ReturnType<ReceiptsService['checkFiles']>): Promise<ReceiptView[]> {
    for (let attempt = 1; ; attempt++) {
      // 2. Store what the Client does not hold yet (deduplicated by hash within the Client).
      for (const { f, type } of accepted) {
        const blob = await tdb.selectFrom('receipt_blob').select('ref_count').where('sha256', '=', f.sha256).executeTakeFirst();
        if (blob && blob.ref_count > 0) continue;
        await this.d.objects.put(receiptKey(tdb.tenantId, f.sha256), createReadStream(f.path), { overwrite: true, expectedSha256: f.sha256, contentType: type });
      }
      // 3. Rows, only over verified objects.
      try {
        return await tdb.transaction(async (tx) => {
          await this.d.expenses.assertEditable(tx, viewer, expenseId, 'given receipts');
          const ids: string[] = [];
          for (const { f, type } of [...accepted].sort((a, b) => (a.f.sha256 < b.f.sha256 ? -1 : 1))) {
            await advisoryXactLock(tx.raw as never, lockName(tx.tenantId, f.sha256));
            await tx.insertInto('receipt_blob', { sha256: f.sha256, size: f.size, media_type: type }).onConflict((oc) => oc.columns(['tenant_id', 'sha256']).doNothing()).execute();
            if (!(await this.d.objects.head(receiptKey(tx.tenantId, f.sha256)))) throw new ObjectVanished();
          }
          for (const { f } of accepted) {
            const id = randomUUID();
            ids.push(id);
            await tx.insertInto('receipt', { id, expense_id: expenseId, sha256: f.sha256, original_name: cleanName(f.originalName), uploaded_by: viewer.userId }).execute();
            await this.d.audit.record(tx.raw, actor, { type: 'receipt.attached', tenantId: tx.tenantId, target: { type: 'expense', id: expenseId }, data: { receiptId: id, sha256: f.sha256, size: f.size } });
          }
          // Renditions for the bytes that have none yet, committed with the rows (one queued job
          // per Client and hash at most: the queue's singleton key).
          for (const sha256 of new Set(accepted.map((x) => x.f.sha256))) {
            const made = await tx.selectFrom('receipt_rendition').select('name').where('original_sha256', '=', sha256).where('name', '=', 'normalized').executeTakeFirst();
            if (!made) await this.d.queue.enqueue(tx.raw, 'receipt.render', { tenantId: tx.tenantId, sha256 });
            // Bytes read before (another expense, the same photo twice): fill at once; else read them.
            const read = await tx.selectFrom('receipt_ocr').selectAll().where('sha256', '=', sha256).executeTakeFirst();
            if (read) await this.d.expenses.applyOcr(tx, SYSTEM_ACTOR, expenseId, ocrReading(read));
            else await this.d.queue.enqueue(tx.raw, 'receipt.ocr', { tenantId: tx.tenantId, sha256 });
          }
          await this.d.onStored?.(tx, expenseId);
          return this.views(tx, await this.rows(tx).where('r.id', 'in', ids).execute());
        });
      } catch (e) {
        if (!(e instanceof ObjectVanished) || attempt >= 3) throw e;
        this.d.log.info({ expenseId, attempt }, 'a released receipt object was cleaned up during the upload: storing it again');
      }
    }
  }

  private rows(tdb: TenantDb) {
    return tdb.raw
      .selectFrom('receipt as r')
      .innerJoin('receipt_blob as b', (j) => j.onRef('b.tenant_id', '=', 'r.tenant_id').onRef('b.sha256', '=', 'r.sha256'))
      .select(['r.id', 'r.expense_id', 'r.original_name', 'r.sha256', 'r.uploaded_by', 'r.created_at', 'b.size', 'b.media_type'])
      .where('r.tenant_id', '=', tdb.tenantId)
      .orderBy('r.created_at')
      .orderBy('r.id');
  }

  /** Receipt rows as views, with the renditions of their bytes (one query for all). */
  private async views(tdb: TenantDb, rows: ReceiptRow[]): Promise<ReceiptView[]> {
    const shas = [...new Set(rows.map((r) => r.sha256))];
    const renditions = shas.length
      ? await tdb.selectFrom('receipt_rendition').select(['original_sha256', 'name', 'media_type', 'width', 'height', 'size', 'sha256']).where('original_sha256', 'in', shas).execute()
      : [];
    const bySha = new Map<string, RenditionView[]>();
    for (const x of renditions.sort((a, b) => renditionOrder(a.name) - renditionOrder(b.name))) {
      const list = bySha.get(x.original_sha256) ?? [];
      list.push({ name: x.name, mediaType: x.media_type, width: x.width, height: x.height, size: x.size, sha256: x.sha256 });
      bySha.set(x.original_sha256, list);
    }
    return rows.map((r) => view(r, bySha.get(r.sha256) ?? []));
  }

  async list(tdb: TenantDb, viewer: Viewer, expenseId: string): Promise<{ items: ReceiptView[] }> {
    await this.d.expenses.get(tdb, viewer, expenseId); // 404 unless visible
    return { items: await this.views(tdb, await this.rows(tdb).where('r.expense_id', '=', expenseId).execute()) };
  }

  /** The receipts of expenses the caller already sees (lists and detail pages), in two queries. */
  async ofExpenses(tdb: TenantDb, expenseIds: string[]): Promise<Map<string, ReceiptView[]>> {
    const out = new Map<string, ReceiptView[]>(expenseIds.map((id) => [id, []]));
    if (expenseIds.length === 0) return out;
    for (const v of await this.views(tdb, await this.rows(tdb).where('r.expense_id', 'in', expenseIds).execute())) out.get(v.expenseId)?.push(v);
    return out;
  }

  /** The original bytes, for whoever may see the expense. */
  async open(tdb: TenantDb, viewer: Viewer, receiptId: string): Promise<{ receipt: ReceiptView; body: () => Promise<Readable> }> {
    const r = await this.rows(tdb).where('r.id', '=', receiptId).executeTakeFirst();
    if (!r) throw new AppError('not-found', 'No such receipt');
    await this.d.expenses.get(tdb, viewer, r.expense_id).catch(() => {
      throw new AppError('not-found', 'No such receipt');
    });
    const [receipt] = await this.views(tdb, [r]);
    return { receipt: receipt!, body: () => this.d.objects.get(receiptKey(tdb.tenantId, r.sha256)) };
  }

  /** A rendition of a receipt, for whoever may see the original (404 until the worker made it). */
  async openRendition(tdb: TenantDb, viewer: Viewer, receiptId: string, name: string): Promise<{ receipt: ReceiptView; rendition: RenditionView; body: () => Promise<Readable> }> {
    const { receipt } = await this.open(tdb, viewer, receiptId);
    const rendition = receipt.renditions.find((x) => x.name === name);
    if (!rendition) throw new AppError('not-found', `No ${name} rendition of this receipt (yet)`);
    return { receipt, rendition, body: () => this.d.objects.get(renditionKey(tdb.tenantId, receipt.sha256, name)) };
  }

  /**
   * For the render job: the original to derive renditions from — 'gone' when no receipt uses
   * these bytes any more, 'done' when the renditions exist (rows and objects).
   */
  async sourceForRenditions(tenantId: string, sha256: string): Promise<RenditionSource> {
    const tdb = new TenantDb(tenantId, this.d.db);
    const blob = await tdb.selectFrom('receipt_blob').select(['media_type', 'size', 'ref_count']).where('sha256', '=', sha256).executeTakeFirst();
    if (!blob || blob.ref_count === 0) return { status: 'gone' };
    const made = await tdb.selectFrom('receipt_rendition').select(['name', 'size']).where('original_sha256', '=', sha256).execute();
    const names = new Set(made.map((x) => x.name));
    const complete = names.has('normalized') && names.has('thumbnail') && (blob.media_type !== 'application/pdf' || names.has('page-1'));
    if (complete) {
      const present = await Promise.all(made.map(async (x) => (await this.d.objects.head(renditionKey(tenantId, sha256, x.name)))?.size === x.size));
      if (present.every(Boolean)) return { status: 'done' };
    }
    return { status: 'todo', mediaType: blob.media_type, size: blob.size, sha256, open: () => this.d.objects.get(receiptKey(tenantId, sha256)) };
  }

  /**
   * Stores the renditions of an original: each object (verified by the store's read-back), then,
   * under the blob's lock, the rows — unless the blob was removed meanwhile: then the objects go
   * too. Idempotent: a second run replaces the same files and rows. 'gone' = nothing kept.
   */
  /** The original for the OCR job, unless no receipt uses it any more. */
  async sourceForOcr(tenantId: string, sha256: string) {
    const tdb = new TenantDb(tenantId, this.d.db);
    const blob = await tdb.selectFrom('receipt_blob').select(['media_type', 'size', 'ref_count']).where('sha256', '=', sha256).executeTakeFirst();
    if (!blob || blob.ref_count === 0) return { status: 'gone' as const };
    const currency = (await this.d.db.selectFrom('tenant').select('currency').where('id', '=', tenantId).executeTakeFirstOrThrow()).currency;
    return { status: 'todo' as const, mediaType: blob.media_type, size: blob.size, sha256, currency, open: () => this.d.objects.get(receiptKey(tenantId, sha256)) };
  }

  /**
   * Keeps what OCR read on an original (replacing an earlier reading) and fills every editable
   * expense carrying it, field by field, never over what its owner typed.
   */
  async saveOcr(tenantId: string, sha256: string, r: OcrReading & { source: 'ocr' | 'pdf-text'; ms: number }): Promise<{ expenses: string[] }> {
    const tdb = new TenantDb(tenantId, this.d.db);
    return tdb.transaction(async (tx) => {
      await advisoryXactLock(tx.raw as never, lockName(tenantId, sha256));
      const blob = await tx.selectFrom('receipt_blob').select('ref_count').where('sha256', '=', sha256).executeTakeFirst();
      if (!blob) return { expenses: [] };
      const { text, source, ms, ...fields } = r;
      await tx.deleteFrom('receipt_ocr').where('sha256', '=', sha256).execute();
      await tx.insertInto('receipt_ocr', { sha256, source, text, fields: JSON.stringify(fields), ms: Math.round(ms) }).execute();
      const expenses = [...new Set((await tx.selectFrom('receipt').select('expense_id').where('sha256', '=', sha256).execute()).map((x) => x.expense_id))];
      for (const id of expenses) await this.d.expenses.applyOcr(tx, SYSTEM_ACTOR, id, r);
      return { expenses };
    });
  }

  async saveRenditions(tenantId: string, originalSha256: string, files: RenditionFile[]): Promise<'saved' | 'gone'> {
    const stored: (RenditionFile & { sha256: string; size: number })[] = [];
    for (const f of files) {
      const sha256 = createHash('sha256').update(f.data).digest('hex');
      const o = await this.d.objects.put(renditionKey(tenantId, originalSha256, f.name), Readable.from([f.data]), { overwrite: true, expectedSha256: sha256, contentType: 'image/jpeg' });
      stored.push({ ...f, sha256: o.sha256, size: o.size });
    }
    const names = stored.map((f) => f.name);
    return new TenantDb(tenantId, this.d.db).transaction(async (tx) => {
      await advisoryXactLock(tx.raw as never, lockName(tenantId, originalSha256));
      const blob = await tx.selectFrom('receipt_blob').select('sha256').where('sha256', '=', originalSha256).executeTakeFirst();
      const stale = await tx.selectFrom('receipt_rendition').select('name').where('original_sha256', '=', originalSha256).where((eb) => (names.length ? eb('name', 'not in', names) : eb.lit(true))).execute();
      if (!blob) {
        for (const n of new Set([...names, ...stale.map((x) => x.name)])) await this.d.objects.delete(renditionKey(tenantId, originalSha256, n));
        return 'gone' as const;
      }
      // A concurrent run for the same bytes may have replaced a file meanwhile: same content, but
      // make sure what the rows describe is what is stored.
      for (const f of stored) if ((await this.d.objects.head(renditionKey(tenantId, originalSha256, f.name)))?.size !== f.size) throw new RenditionVanishedError(`rendition ${f.name} of ${originalSha256} changed while it was being recorded`);
      for (const f of stored) {
        await tx
          .insertInto('receipt_rendition', { original_sha256: originalSha256, name: f.name, sha256: f.sha256, size: f.size, width: f.width, height: f.height, media_type: 'image/jpeg' })
          .onConflict((oc) => oc.columns(['tenant_id', 'original_sha256', 'name']).doUpdateSet({ sha256: f.sha256, size: f.size, width: f.width, height: f.height, created_at: sql`now()` }))
          .execute();
      }
      for (const x of stale) {
        await tx.deleteFrom('receipt_rendition').where('original_sha256', '=', originalSha256).where('name', '=', x.name).execute();
        await this.d.objects.delete(renditionKey(tenantId, originalSha256, x.name));
      }
      return 'saved' as const;
    });
  }

  async remove(tdb: TenantDb, viewer: Viewer, actor: AuditActor, receiptId: string): Promise<void> {
    await tdb.transaction(async (tx) => {
      const r = await tx.selectFrom('receipt').select(['id', 'expense_id', 'sha256']).where('id', '=', receiptId).executeTakeFirst();
      if (!r) throw new AppError('not-found', 'No such receipt');
      await this.d.expenses.assertEditable(tx, viewer, r.expense_id, 'changed', 'No such receipt');
      await advisoryXactLock(tx.raw as never, lockName(tx.tenantId, r.sha256));
      await tx.deleteFrom('receipt').where('id', '=', r.id).execute(); // the trigger releases the blob
      await this.d.audit.record(tx.raw, actor, { type: 'receipt.removed', tenantId: tx.tenantId, target: { type: 'expense', id: r.expense_id }, data: { receiptId: r.id, sha256: r.sha256 } });
    });
  }

  /**
   * Removes, once they are an hour old, released blobs (no receipt left) with their objects and
   * their renditions, objects that no blob row knows (a crash between storing and recording), and
   * rendition files that no rendition row describes (a render job stopped between the two).
   */
  async cleanup(): Promise<{ released: number; orphans: number }> {
    const cutoff = new Date(this.d.clock.now().getTime() - ORPHAN_GRACE_MS);
    const db = this.d.db;
    let released = 0;
    let orphans = 0;
    const stale = await db.selectFrom('receipt_blob').select(['tenant_id', 'sha256']).where('ref_count', '=', 0).where('released_at', '<', cutoff).execute();
    for (const b of stale) {
      await db.transaction().execute(async (trx) => {
        await advisoryXactLock(trx, lockName(b.tenant_id, b.sha256));
        // The renditions go with their original (rows by the foreign key's cascade).
        const renditions = await trx.selectFrom('receipt_rendition').select('name').where('tenant_id', '=', b.tenant_id).where('original_sha256', '=', b.sha256).execute();
        const gone = await trx.deleteFrom('receipt_blob').where('tenant_id', '=', b.tenant_id).where('sha256', '=', b.sha256).where('ref_count', '=', 0).where('released_at', '<', cutoff).returning('sha256').execute();
        if (gone.length) {
          for (const r of renditions) await this.d.objects.delete(renditionKey(b.tenant_id, b.sha256, r.name));
          await this.d.objects.delete(receiptKey(b.tenant_id, b.sha256));
          released++;
        }
      });
    }
    for (const t of await db.selectFrom('tenant').select('id').execute()) {
      const original = receiptKeyPattern(t.id);
      const derived = renditionKeyPattern(t.id);
      for await (const o of this.d.objects.list(`${t.id}/`)) {
        if (o.lastModified >= cutoff) continue;
        const sha = original.exec(o.key)?.[1];
        if (sha) {
          await db.transaction().execute(async (trx) => {
            await advisoryXactLock(trx, lockName(t.id, sha));
            const known = await trx.selectFrom('receipt_blob').select('sha256').where('tenant_id', '=', t.id).where('sha256', '=', sha).executeTakeFirst();
            if (!known) {
              await this.d.objects.delete(o.key);
              orphans++;
            }
          });
          continue;
        }
        // A rendition file no row describes (a render job that stopped between storing and
        // recording): removed like an orphan original. Recorded renditions are never touched here.
        const [, of, name] = derived.exec(o.key) ?? [];
        if (of && name) {
          await db.transaction().execute(async (trx) => {
            await advisoryXactLock(trx, lockName(t.id, of));
            const known = await trx.selectFrom('receipt_rendition').select('name').where('tenant_id', '=', t.id).where('original_sha256', '=', of).where('name', '=', name).executeTakeFirst();
            if (!known) {
              await this.d.objects.delete(o.key);
              orphans++;
            }
          });
        }
      }
    }
    if (released || orphans) this.d.log.info({ released, orphans }, 'receipt objects cleaned up');
    return { released, orphans };
  }
}

function verdict(f: SpooledFile, maxPixels: number): FileVerdict {
  const v = checkReceiptFile(f.head, f.tail, f.size, maxPixels);
  if (!v.ok) return v;
  const conflict = declaredTypeConflict(f.declaredType, v.type);
  return conflict ? { ok: false, reason: 'unsupported-type', message: conflict } : v;
}

/** A file name fit to show and to put in Content-Disposition: no path, no control characters. */
function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return clean || 'receipt';
}

/** A stored reading in the form the expenses service applies. */
function ocrReading(row: { text: string; fields: Record<string, unknown> }): OcrReading {
  const f = row.fields as Omit<OcrReading, 'text'>;
  return { merchant: f.merchant ?? null, date: f.date ?? null, total: f.total ?? null, currency: f.currency ?? null, vat: f.vat ?? [], confidence: f.confidence ?? { merchant: 0, date: 0, total: 0, currency: 0, vat: 0 }, text: row.text };
}
