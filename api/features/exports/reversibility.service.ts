// Reversibility (R-REV-1): an admin takes everything of the Client away, at any time. A background
// job (`client.export`) writes one ZIP, streamed by archiver straight into the object store:
//   data/<table>.csv and data/<table>.xlsx — every record of the Client, table by table (secrets
//     left out: password hashes, session and token hashes, sealed IBANs);
//   receipts/<sha256>.<ext> — every original, byte for byte; renditions/<sha256>.jpg — their JPEG;
//   manifest.json — every file with its SHA-256 and size; README.md — the layout.
// Progress is kept on the export's row; the admin is told when it is ready; the link expires.
import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, Transform, type Readable } from 'node:stream';
import archiver from 'archiver';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import { receiptKey, renditionKey } from '../../../storage/objects/keys.ts';
import { ObjectNotFoundError, type ObjectStore } from '../../../storage/objects/object-store.ts';
import type { JobQueue } from '../../../storage/queue/queue.ts';
import type { Jobs } from '../../../storage/queue/contract.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import type { Mailer } from '../../infra/mailer.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { csvText } from './csv.ts';
import { xlsxBuffer } from './xlsx.ts';

/** The Client's tables in the export, and the columns never exported (secrets, derived search data). */
export const EXPORTED_TABLES: readonly { table: keyof DB; omit?: readonly string[] }[] = [
  { table: 'team' }, { table: 'app_user', omit: ['password_hash'] }, { table: 'user_role' }, { table: 'category' }, { table: 'payment_method' }, { table: 'exchange_rate' },
  { table: 'expense', omit: ['search'] }, { table: 'expense_vat_line' }, { table: 'vehicle' }, { table: 'per_diem_rate' }, { table: 'receipt_blob' }, { table: 'receipt' },
  { table: 'receipt_ocr' }, { table: 'receipt_rendition' }, { table: 'workflow_settings' }, { table: 'approval_level' }, { table: 'delegation' }, { table: 'approval_step' },
  { table: 'approval' }, { table: 'expense_transition' }, { table: 'expense_correction' }, { table: 'category_policy' }, { table: 'vat_rule' }, { table: 'notification' },
  { table: 'audit_event' }, { table: 'vault_settings' }, { table: 'vault_deposit' }, { table: 'vault_journal' }, { table: 'vault_checkpoint' }, { table: 'vault_hold' },
  { table: 'vault_destruction' }, { table: 'vault_destruction_approval' }, { table: 'vault_destroyed' }, { table: 'accounting_settings', omit: ['company_iban_sealed'] },
  { table: 'export_batch' }, { table: 'export_batch_expense' }, { table: 'payroll_preset' }, { table: 'bank_account', omit: ['iban_sealed'] }, { table: 'sepa_batch' },
];
const LINK_DAYS = 7;
const EXT: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/heic': 'heic', 'image/heif': 'heif', 'application/pdf': 'pdf' };
const fullKey = (tenantId: string, id: string) => `exports/${tenantId}/full-${id}`;

/** A cell as text: dates ISO, bytes base64, arrays and objects as JSON, null empty. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const README = `# Export of a Client of Justif

This archive holds everything Justif keeps for the Client, as it was when the export was made.

- data/<table>.csv — every record of each table (UTF-8, comma-separated, a header row; dates in ISO
  8601 UTC, binary values in base64, lists and objects as JSON). The same tables as Excel files in
  data/<table>.xlsx. Secrets are left out: password hashes, sessions and token hashes, and bank
  account numbers (sealed; only their masked form is included).
- receipts/<sha256>.<ext> — every receipt original, byte for byte, named by its SHA-256 (the
  receipt rows in data/receipt.csv say which expense and which original name).
- renditions/<sha256>.jpg — the JPEG rendition made of each original, where one exists.
- manifest.json — every file of the archive (but itself) with its SHA-256 and size: check them with
  any SHA-256 tool.
`;

export class ReversibilityService {
  constructor(private readonly d: { db: Kysely<DB>; objects: ObjectStore; queue: JobQueue<Jobs>; clock: Clock; audit: AuditService; mailer: Mailer; publicUrl: string }) {}

  /** `linkUntil`: the final export made at termination, downloadable until the purge and announced to every admin. */
  async start(tdb: TenantDb, actor: AuditActor, o: { linkUntil?: Date } = {}) {
    return tdb.transaction(async (tx) => {
      const running = await tx.selectFrom('client_export').select('id').where('status', 'in', ['queued', 'running']).executeTakeFirst();
      if (running) throw new AppError('conflict', 'A full export is already being made', { exportId: running.id });
      const id = randomUUID();
      await tx.insertInto('client_export', { id, requested_by: actor.userId!, requested_at: this.d.clock.now(), progress: JSON.stringify({ step: 'queued' }), link_until: o.linkUntil ?? null }).execute();
      await this.d.queue.enqueue(tx.raw, 'client.export', { tenantId: tx.tenantId, exportId: id });
      await this.d.audit.record(tx.raw, actor, { type: 'client_export.requested', tenantId: tx.tenantId, target: { type: 'client_export', id }, data: o.linkUntil ? { final: true as const } : {} });
      return this.get(tx, id);
    });
  }

  async list(tdb: TenantDb) {
    return { items: (await tdb.selectFrom('client_export').selectAll().orderBy('requested_at', 'desc').limit(50).execute()).map((r) => this.view(r)) };
  }

  async get(tdb: TenantDb, id: string) {
    const r = await tdb.selectFrom('client_export').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('not-found', 'No such export');
    return this.view(r);
  }

  private view(r: { id: string; status: string; progress: Record<string, unknown>; requested_by: string; requested_at: Date; sha256: string | null; size: number | null; files: number | null; finished_at: Date | null; expires_at: Date | null; error: string | null }) {
    const expired = !!r.expires_at && r.expires_at <= this.d.clock.now();
    return {
      id: r.id, status: r.status as 'queued' | 'running' | 'done' | 'failed', progress: r.progress, requestedBy: r.requested_by, requestedAt: r.requested_at.toISOString(), sha256: r.sha256,
      size: r.size === null ? null : Number(r.size), files: r.files, finishedAt: r.finished_at?.toISOString() ?? null, expiresAt: r.expires_at?.toISOString() ?? null, expired, error: r.error,
    };
  }

  async open(tdb: TenantDb, id: string) {
    const e = await this.get(tdb, id);
    if (e.status !== 'done') throw new AppError('conflict', `This export is ${e.status}`);
    if (e.expired) throw new AppError('gone', 'This export\u2019s download link has expired: start a new one');
    try {
      return { export: e, body: await this.d.objects.get(fullKey(tdb.tenantId, id)) };
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw new AppError('gone', 'This export is no longer in the store');
      throw err;
    }
  }

  /** The job: the ZIP streamed into the object store, progress kept, the admin told. */
  async run(tenantId: string, exportId: string): Promise<void> {
    const db = this.d.db;
    const row = await db.selectFrom('client_export').selectAll().where('id', '=', exportId).where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!row || row.status === 'done') return;
    const progress = (p: Record<string, unknown>) => db.updateTable('client_export').set({ status: 'running', progress: JSON.stringify(p) }).where('id', '=', exportId).execute();
    await progress({ step: 'tables', done: 0, total: EXPORTED_TABLES.length });
    const zip = archiver('zip', { zlib: { level: 6 } });
    const out = new PassThrough();
    zip.pipe(out);
    const key = fullKey(tenantId, exportId);
    const storing = this.d.objects.put(key, out, { overwrite: true, contentType: 'application/zip' });
    storing.catch(() => zip.abort());
    const manifest: { path: string; sha256: string; size: number }[] = [];
    /** Adds one entry, hashing it on its way into the archive; `store`: no deflate (receipts are compressed already). */
    const add = (path: string, body: Buffer | Readable, store = false) => {
      const hash = createHash('sha256');
      let size = 0;
      const meter = new Transform({ transform(c: Buffer, _e, cb) { hash.update(c); size += c.length; cb(null, c); } });
      meter.on('end', () => manifest.push({ path, sha256: hash.digest('hex'), size }));
      if (Buffer.isBuffer(body)) meter.end(body);
      else body.pipe(meter);
      zip.append(meter, { name: path, store });
      return new Promise<void>((ok, ko) => (meter.on('end', ok), meter.on('error', ko)));
    };
    try {
      const tenant = await db.selectFrom('tenant').selectAll().where('id', '=', tenantId).execute();
      await add('data/tenant.csv', Buffer.from(csvText(Object.keys(tenant[0] ?? {}), tenant.map((r) => Object.values(r).map(cellText)), { delimiter: ',', bom: false })));
      let done = 0;
      for (const t of EXPORTED_TABLES) {
        const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(t.table)} WHERE tenant_id = ${tenantId}`.execute(db)).rows;
        const cols = rows.length ? Object.keys(rows[0]!).filter((c) => !t.omit?.includes(c)) : [];
        const cells = rows.map((r) => cols.map((c) => cellText(r[c])));
        await add(`data/${t.table}.csv`, Buffer.from(csvText(cols, cells, { delimiter: ',', bom: false })));
        await add(`data/${t.table}.xlsx`, await xlsxBuffer(t.table.slice(0, 31), cols, cells));
        await progress({ step: 'tables', done: ++done, total: EXPORTED_TABLES.length });
      }
      const blobs = await db.selectFrom('receipt_blob').select(['sha256', 'media_type']).where('tenant_id', '=', tenantId).orderBy('sha256').execute();
      const renditions = new Set((await db.selectFrom('receipt_rendition').select('original_sha256').where('tenant_id', '=', tenantId).where('name', '=', 'normalized').execute()).map((r) => r.original_sha256));
      let n = 0;
      for (const b of blobs) {
        await add(`receipts/${b.sha256}.${EXT[b.media_type] ?? 'bin'}`, await this.d.objects.get(receiptKey(tenantId, b.sha256)), true);
        if (renditions.has(b.sha256)) await add(`renditions/${b.sha256}.jpg`, await this.d.objects.get(renditionKey(tenantId, b.sha256, 'normalized')), true);
        if (++n % 50 === 0 || n === blobs.length) await progress({ step: 'receipts', done: n, total: blobs.length });
      }
      await add('README.md', Buffer.from(README));
      await progress({ step: 'finishing' });
      zip.append(`${JSON.stringify({ format: 'justif.client-export/1', tenantId, exportId, createdAt: this.d.clock.now().toISOString(), files: manifest }, null, 2)}\n`, { name: 'manifest.json' });
      await zip.finalize();
      const stored = await storing;
      const now = this.d.clock.now();
      await db.transaction().execute(async (trx) => {
        const expiresAt = row.link_until ?? new Date(now.getTime() + LINK_DAYS * 86_400_000);
        await trx.updateTable('client_export').set({ status: 'done', progress: JSON.stringify({ step: 'done' }), file_key: key, sha256: stored.sha256, size: stored.size, files: manifest.length + 1, finished_at: now, expires_at: expiresAt }).where('id', '=', exportId).execute();
        // the admin who asked; for the final export (asked by the vendor at termination) every admin
        const admins = await trx.selectFrom('app_user as u').select(['u.id', 'u.email', 'u.name', 'u.locale']).where('u.tenant_id', '=', tenantId).where('u.status', '=', 'active')
          .where((w) => (row.link_until ? w.exists(w.selectFrom('user_role as r').select('r.user_id').whereRef('r.user_id', '=', 'u.id').where('r.role', '=', 'admin')) : w('u.id', '=', row.requested_by))).execute();
        const until = (locale: string) => new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone: 'Europe/Paris' }).format(expiresAt);
        for (const admin of admins) {
          await trx.insertInto('notification').values({ id: randomUUID(), tenant_id: tenantId, user_id: admin.id, kind: 'client_export_ready', expense_id: null, data: JSON.stringify({ exportId }) }).execute();
          const link = `${this.d.publicUrl}/settings/reversibility`;
          await this.d.mailer.queue(trx, admin.locale === 'fr'
            ? { to: admin.email, subject: 'Justif : votre export complet est prêt', text: `Bonjour ${admin.name},\n\nL’export complet de vos données est prêt (${manifest.length + 1} fichiers). Il peut être téléchargé jusqu’au ${until('fr')} :\n${link}\n` }
            : { to: admin.email, subject: 'Justif: your full export is ready', text: `Hello ${admin.name},\n\nThe full export of your data is ready (${manifest.length + 1} files). It can be downloaded until ${until('en')}:\n${link}\n` });
        }
      });
    } catch (err) {
      zip.abort();
      await storing.catch(() => {});
      await this.d.objects.delete(key).catch(() => {});
      await db.updateTable('client_export').set({ status: 'failed', error: String((err as Error)?.message ?? err).slice(0, 500) }).where('id', '=', exportId).execute();
      throw err;
    }
  }
}
