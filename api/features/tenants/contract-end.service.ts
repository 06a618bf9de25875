// End of contract (R-REV-2), free of HTTP.
//   terminate: an operator records the termination and the Client's instruction for its vault
//     deposits; the Client becomes read-only (api/http/tenant-gate.ts), a final full export is made
//     and kept downloadable until the purge, 30 days later; the admins are told.
//   advance (the daily `contract-end` schedule, or an operator): once the 30 days are over, the vault
//     deposits go through the vault's two-person destruction path (a request the job makes, two
//     operators approve); when none is left, every row of the Client goes in one transaction
//     (purge_tenant(), the one way past the append-only guards, limited to this Client), a
//     destruction certificate — JSON and PDF, counts and hashes — is kept in the vendor's records,
//     then the Client's objects are removed from the store.
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import type { DB, VaultInstruction } from '../../../storage/db/schema.ts';
import { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { ObjectStore } from '../../../storage/objects/object-store.ts';
import type { VaultStore } from '../../../storage/objects/vault-store.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import type { Logger } from 'pino';
import type { Mailer } from '../../infra/mailer.ts';
import { canonicalize } from '../../lib/jcs.ts';
import { sha256Hex } from '../../lib/secrets.ts';
import { SYSTEM_ACTOR, type AuditActor, type AuditService } from '../audit/audit.service.ts';
import type { ReversibilityService } from '../exports/reversibility.service.ts';
import { activeAdmins, activeOperatorEmails } from '../users/users.repository.ts';
import type { VaultService } from '../vault/vault.service.ts';
import { destructionCertificatePdf } from './destruction-certificate.ts';

/** Days between termination and destruction (R-REV-2). */
export const KEEP_DAYS = 30;
/** Backups age out after this many days (R-OPS-2): the last copy of a destroyed Client is gone by then. */
export const BACKUP_RETENTION_DAYS = 30;
const DAY = 86_400_000;

/** The Client's objects in the store: receipts and their renditions, export files, full exports. */
const objectPrefixes = (tenantId: string) => [`${tenantId}/`, `exports/${tenantId}/`];
const certificateKey = (destructionId: string) => `vendor/contract-destructions/${destructionId}.pdf`;

export type ContractEndState =
  | { step: 'read-only'; purgeAfter: string }
  | { step: 'blocked-by-legal-hold'; held: number }
  | { step: 'awaiting-vault-destruction'; destructionId: string; approvals: number }
  | { step: 'destroyed'; certificateSha256: string };

export interface ContractDestructionCertificate {
  format: 'justif.contract-destruction/1';
  id: string;
  client: { id: string; name: string };
  termination: { id: string; terminatedAt: string; terminatedBy: string; reasonSha256: string; vaultInstruction: VaultInstruction; instructionRef: string; purgeAfter: string };
  finalExport: { id: string; status: string; sha256: string | null; size: number | null; finishedAt: string | null } | null;
  vault: { destructionId: string | null; certificateSha256: string | null; deposits: number; objectsLeft: number };
  auditChainHead: { seq: number; hash: string } | null;
  vaultJournalHead: { seq: number; hash: string } | null;
  rows: Record<string, number>;
  rowsTotal: number;
  objects: { count: number; bytes: number; listSha256: string };
  backupsGoneBy: string;
  executedAt: string;
  executedBy: string | null;
}

export class ContractEndService {
  constructor(private readonly d: { db: Kysely<DB>; objects: ObjectStore; vaultStore: VaultStore; vault: VaultService; reversibility: ReversibilityService; audit: AuditService; mailer: Mailer; clock: Clock; log: Logger; publicUrl: string }) {}

  private async tenant(id: string) {
    const t = await this.d.db.selectFrom('tenant').selectAll().where('id', '=', id).executeTakeFirst();
    if (!t) throw new AppError('not-found', 'No such Client');
    return t;
  }

  private openTermination(db: Kysely<DB> | TenantDb['raw'], tenantId: string) {
    return db.selectFrom('tenant_termination').selectAll().where('tenant_id', '=', tenantId).where('cancelled_at', 'is', null).executeTakeFirst();
  }

  /** Records the termination: read-only now, the final export started, destruction after KEEP_DAYS. */
  async terminate(actor: AuditActor, tenantId: string, o: { reason: string; vaultInstruction: VaultInstruction; instructionRef: string }) {
    const t = await this.tenant(tenantId);
    if (t.status === 'terminated' || t.status === 'destroyed') throw new AppError('conflict', `This Client is ${t.status} already`, { currentStatus: t.status });
    const now = this.d.clock.now();
    const purgeAfter = new Date(now.getTime() + KEEP_DAYS * DAY);
    const id = randomUUID();
    await this.d.db.transaction().execute(async (trx) => {
      const tdb = new TenantDb(tenantId, trx);
      await trx.updateTable('tenant').set({ status: 'terminated' }).where('id', '=', tenantId).where('status', 'in', ['active', 'suspended']).execute();
      await trx.insertInto('tenant_termination').values({ id, tenant_id: tenantId, terminated_at: now, terminated_by: actor.userId!, reason: o.reason, vault_instruction: o.vaultInstruction, instruction_ref: o.instructionRef, purge_after: purgeAfter }).execute();
      const running = await tdb.selectFrom('client_export').select('id').where('status', 'in', ['queued', 'running']).executeTakeFirst();
      // the final export: everything as it stands at termination, downloadable until the purge
      const finalExport = running ? null : await this.d.reversibility.start(tdb, actor, { linkUntil: purgeAfter });
      await trx.updateTable('tenant_termination').set({ final_export_id: finalExport?.id ?? running!.id }).where('id', '=', id).execute();
      const data = { purgeAfter: purgeAfter.toISOString(), vaultInstruction: o.vaultInstruction, reasonSha256: sha256Hex(o.reason) };
      await this.d.audit.record(trx, actor, { type: 'tenant.terminated', tenantId: null, target: { type: 'tenant', id: tenantId }, data });
      await this.d.audit.record(trx, actor, { type: 'tenant.terminated', tenantId, target: { type: 'tenant', id: tenantId }, data });
      const admins = await activeAdmins(trx, tenantId);
      await this.d.mailer.queue(trx, admins.map((a) => terminationMail(a, t.name, purgeAfter, o.vaultInstruction, `${this.d.publicUrl}/settings/reversibility`)));
    });
    await this.d.mailer.deliver();
    return this.status(tenantId);
  }

  /** Undoes a termination recorded by mistake, while nothing has been destroyed. */
  async cancel(actor: AuditActor, tenantId: string) {
    await this.d.db.transaction().execute(async (trx) => {
      const x = await this.openTermination(trx, tenantId);
      const t = await trx.selectFrom('tenant').select('status').where('id', '=', tenantId).forUpdate().executeTakeFirst();
      if (!x || t?.status !== 'terminated') throw new AppError('conflict', 'This Client has no termination that can be cancelled');
      if (x.vault_destruction_id) {
        const v = await trx.selectFrom('vault_destruction').select('status').where('id', '=', x.vault_destruction_id).executeTakeFirst();
        if (v?.status === 'done') throw new AppError('conflict', 'The vault deposits were destroyed already: the termination cannot be cancelled');
        if (v?.status === 'pending') await this.d.vault.cancelDestruction(new TenantDb(tenantId, trx), actor, x.vault_destruction_id);
      }
      await trx.updateTable('tenant_termination').set({ cancelled_at: this.d.clock.now(), cancelled_by: actor.userId }).where('id', '=', x.id).execute();
      await trx.updateTable('tenant').set({ status: 'active' }).where('id', '=', tenantId).execute();
      await this.d.audit.record(trx, actor, { type: 'tenant.termination_cancelled', tenantId: null, target: { type: 'tenant', id: tenantId }, data: {} });
      await this.d.audit.record(trx, actor, { type: 'tenant.termination_cancelled', tenantId, target: { type: 'tenant', id: tenantId }, data: {} });
    });
    return this.status(tenantId);
  }

  /** Where the end of contract stands (operators). */
  async status(tenantId: string) {
    const t = await this.tenant(tenantId);
    const x = await this.d.db.selectFrom('tenant_termination').selectAll().where('tenant_id', '=', tenantId).orderBy('terminated_at', 'desc').executeTakeFirst();
    if (!x) throw new AppError('not-found', 'This Client has no termination on record');
    const destroyed = await this.d.db.selectFrom('contract_destruction').select(['id', 'executed_at', 'certificate_sha256', 'objects_removed_at']).where('tenant_id', '=', tenantId).executeTakeFirst();
    const tdb = new TenantDb(tenantId, this.d.db);
    const finalExport = x.final_export_id && !destroyed ? await this.d.reversibility.get(tdb, x.final_export_id).catch(() => null) : null;
    const destruction = x.vault_destruction_id && !destroyed ? (await this.d.vault.destructions(tdb)).find((v) => v.id === x.vault_destruction_id) ?? null : null;
    return {
      tenantId, clientName: t.name, status: t.status, terminationId: x.id, terminatedAt: x.terminated_at.toISOString(), terminatedBy: x.terminated_by, reason: x.reason,
      vaultInstruction: x.vault_instruction, instructionRef: x.instruction_ref, purgeAfter: x.purge_after.toISOString(), cancelledAt: x.cancelled_at?.toISOString() ?? null,
      due: !x.cancelled_at && x.purge_after <= this.d.clock.now(),
      finalExport: finalExport && { id: finalExport.id, status: finalExport.status, sha256: finalExport.sha256, size: finalExport.size, expiresAt: finalExport.expiresAt },
      vaultDestruction: destruction && { id: destruction.id, status: destruction.status, deposits: destruction.depositIds.length, approvals: destruction.approvals.length },
      destruction: destroyed ? { id: destroyed.id, executedAt: destroyed.executed_at.toISOString(), certificateSha256: destroyed.certificate_sha256, objectsRemoved: !!destroyed.objects_removed_at } : null,
    };
  }

  /** The daily schedule: every due termination moves as far as it can; objects left by a crash are removed. */
  async runDue(): Promise<{ tenantId: string; state: ContractEndState | { step: 'error'; message: string } }[]> {
    const due = await this.d.db.selectFrom('tenant_termination as x').innerJoin('tenant as t', 't.id', 'x.tenant_id').select('x.tenant_id')
      .where('x.cancelled_at', 'is', null).where('t.status', '=', 'terminated').where('x.purge_after', '<=', this.d.clock.now()).execute();
    const out = [];
    for (const { tenant_id } of due) {
      try {
        out.push({ tenantId: tenant_id, state: await this.advance(SYSTEM_ACTOR, tenant_id) });
      } catch (err) {
        this.d.log.error({ err, tenantId: tenant_id }, 'contract end: a due Client could not be advanced');
        out.push({ tenantId: tenant_id, state: { step: 'error' as const, message: String((err as Error).message) } });
      }
    }
    await this.removeLeftovers();
    return out;
  }

  /**
   * One step of a due termination: ask the vault destruction, or — every deposit destroyed — purge
   * the Client and issue the certificate. Refused (409 not-due) before the 30 days are over.
   */
  async advance(actor: AuditActor, tenantId: string): Promise<ContractEndState> {
    const t = await this.tenant(tenantId);
    if (t.status === 'destroyed') {
      const c = await this.d.db.selectFrom('contract_destruction').select('certificate_sha256').where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
      return { step: 'destroyed', certificateSha256: c.certificate_sha256 };
    }
    const x = await this.openTermination(this.d.db, tenantId);
    if (!x || t.status !== 'terminated') throw new AppError('conflict', 'This Client is not terminated', { currentStatus: t.status });
    const now = this.d.clock.now();
    if (x.purge_after > now) throw new AppError('not-due', `The Client's data is kept until ${x.purge_after.toISOString()} (${KEEP_DAYS} days after termination)`, { purgeAfter: x.purge_after.toISOString() });

    const tdb = new TenantDb(tenantId, this.d.db);
    const vault = await this.d.vault.analyse(tdb, 'contract_end');
    if (vault.held) return { step: 'blocked-by-legal-hold', held: vault.held };
    if (vault.eligible.length) {
      const pending = x.vault_destruction_id ? (await this.d.vault.destructions(tdb)).find((v) => v.id === x.vault_destruction_id && v.status === 'pending') : undefined;
      if (pending) return { step: 'awaiting-vault-destruction', destructionId: pending.id, approvals: pending.approvals.length };
      // the request is the terminating operator's recorded instruction, carried out; two operators approve it
      const destructionId = await this.d.vault.requestDestruction(tdb, { ...actor, userId: actor.userId ?? x.terminated_by }, {
        kind: 'contract_end', depositIds: vault.eligible.map((d) => d.id),
        reason: `Fin de contrat (résiliation du ${x.terminated_at.toISOString().slice(0, 10)}) : ${x.vault_instruction === 'return_then_destroy' ? 'dépôts remis dans l’export final, puis détruits' : 'dépôts détruits'} selon l’instruction du Client (${x.instruction_ref})`,
      });
      await this.d.db.updateTable('tenant_termination').set({ vault_destruction_id: destructionId }).where('id', '=', x.id).execute();
      const operators = await activeOperatorEmails(this.d.db);
      if (operators.length)
        await this.d.db.transaction().execute((trx) => this.d.mailer.queue(trx, operators.map((to) => ({
          to, subject: `[Justif] End of contract: ${t.name} — vault destruction to approve`,
          text: `The 30 days after the termination of ${t.name} (${tenantId}) are over. ${vault.eligible.length} vault deposit(s) wait for the contract-end destruction ${destructionId}: two different operators approve it, then the Client's data is destroyed and the certificate issued.\n${this.d.publicUrl}/clients\n`,
        }))));
      await this.d.mailer.deliver();
      return { step: 'awaiting-vault-destruction', destructionId, approvals: 0 };
    }
    return this.purge(actor, t, x);
  }

  private async purge(actor: AuditActor, t: { id: string; name: string }, x: NonNullable<Awaited<ReturnType<ContractEndService['openTermination']>>>): Promise<ContractEndState> {
    const db = this.d.db;
    const tenantId = t.id;
    const objects = await this.listObjects(tenantId);
    // every deposit is destroyed by now; an object the destruction could not remove is removed here, on the same path
    let vaultLeft = 0;
    for await (const o of this.d.vaultStore.list(`${tenantId}/`)) {
      try {
        await this.d.vaultStore.destroy(o.key);
        await this.d.vault.storeLog.append({ op: 'delete', key: o.key, sha256: o.key.split('/').pop()!, size: o.size });
      } catch (err) {
        this.d.log.error({ err, key: o.key }, 'contract end: a vault object could not be removed');
        vaultLeft++;
      }
    }
    const listSha256 = createHash('sha256').update(objects.map((o) => `${o.key}\t${o.size}\n`).join('')).digest('hex');
    const id = randomUUID();
    const pdfKey = certificateKey(id);
    let stored = false;
    try {
      const certificate = await db.transaction().execute(async (trx) => {
        const head = async (q: Promise<{ seq: unknown; hash: string } | undefined>) => q.then((r) => (r ? { seq: Number(r.seq), hash: r.hash } : null));
        const auditChainHead = await head(trx.selectFrom('audit_event').select(['seq', 'hash']).where('chain', '=', tenantId).orderBy('seq', 'desc').limit(1).executeTakeFirst());
        const vaultJournalHead = await head(trx.selectFrom('vault_journal').select(['seq', 'entry_hash as hash']).where('tenant_id', '=', tenantId).orderBy('seq', 'desc').limit(1).executeTakeFirst());
        const fe = x.final_export_id ? await trx.selectFrom('client_export').selectAll().where('id', '=', x.final_export_id).executeTakeFirst() : undefined;
        const vd = x.vault_destruction_id ? await trx.selectFrom('vault_destruction').select(['id', 'certificate_sha256', 'deposit_ids']).where('id', '=', x.vault_destruction_id).executeTakeFirst() : undefined;
        const rows = (await sql<{ counts: Record<string, number> }>`SELECT purge_tenant(${tenantId}::uuid) AS counts`.execute(trx)).rows[0]!.counts;
        const now = this.d.clock.now();
        const c: ContractDestructionCertificate = {
          format: 'justif.contract-destruction/1', id, client: { id: tenantId, name: t.name },
          termination: { id: x.id, terminatedAt: x.terminated_at.toISOString(), terminatedBy: x.terminated_by, reasonSha256: sha256Hex(x.reason), vaultInstruction: x.vault_instruction, instructionRef: x.instruction_ref, purgeAfter: x.purge_after.toISOString() },
          finalExport: fe ? { id: fe.id, status: fe.status, sha256: fe.sha256, size: fe.size === null ? null : Number(fe.size), finishedAt: fe.finished_at?.toISOString() ?? null } : null,
          vault: { destructionId: vd?.id ?? null, certificateSha256: vd?.certificate_sha256 ?? null, deposits: vd?.deposit_ids.length ?? 0, objectsLeft: vaultLeft },
          auditChainHead, vaultJournalHead, rows, rowsTotal: Object.values(rows).reduce((a, b) => a + Number(b), 0),
          objects: { count: objects.length, bytes: objects.reduce((a, o) => a + o.size, 0), listSha256 },
          backupsGoneBy: new Date(now.getTime() + BACKUP_RETENTION_DAYS * DAY).toISOString(),
          executedAt: now.toISOString(), executedBy: actor.userId,
        };
        const certificateSha256 = sha256Hex(canonicalize(c));
        const pdf = await destructionCertificatePdf(c, certificateSha256);
        const put = await this.d.objects.put(pdfKey, Readable.from([pdf]), { contentType: 'application/pdf' });
        stored = true;
        await trx.insertInto('contract_destruction').values({ id, tenant_id: tenantId, termination_id: x.id, executed_at: now, certificate: JSON.stringify(c), certificate_sha256: certificateSha256, pdf_key: pdfKey, pdf_sha256: put.sha256 }).execute();
        await this.d.audit.record(trx, actor, { type: 'tenant.destroyed', tenantId: null, target: { type: 'tenant', id: tenantId }, data: { certificateSha256, rows: c.rowsTotal, objects: objects.length } });
        return { c, certificateSha256 };
      });
      await this.removeObjects(id, tenantId);
      return { step: 'destroyed', certificateSha256: certificate.certificateSha256 };
    } catch (err) {
      if (stored) await this.d.objects.delete(pdfKey).catch(() => {});
      throw err;
    }
  }

  private async listObjects(tenantId: string) {
    const out: { key: string; size: number }[] = [];
    for (const prefix of objectPrefixes(tenantId)) for await (const o of this.d.objects.list(prefix)) out.push({ key: o.key, size: o.size });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Removes the destroyed Client's objects (again, after a crash) and records that none is left. */
  private async removeObjects(destructionId: string, tenantId: string) {
    for (const o of await this.listObjects(tenantId)) await this.d.objects.delete(o.key);
    if ((await this.listObjects(tenantId)).length === 0)
      await this.d.db.updateTable('contract_destruction').set({ objects_removed_at: this.d.clock.now() }).where('id', '=', destructionId).where('objects_removed_at', 'is', null).execute();
  }

  private async removeLeftovers() {
    const open = await this.d.db.selectFrom('contract_destruction').select(['id', 'tenant_id']).where('objects_removed_at', 'is', null).execute();
    for (const r of open) await this.removeObjects(r.id, r.tenant_id).catch((err) => this.d.log.error({ err, tenantId: r.tenant_id }, 'contract end: objects not removed yet'));
  }

  async certificate(tenantId: string) {
    const r = await this.d.db.selectFrom('contract_destruction').select(['certificate', 'certificate_sha256', 'pdf_key']).where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!r) throw new AppError('not-found', 'This Client\u2019s data has not been destroyed');
    return { certificate: r.certificate as unknown as ContractDestructionCertificate, sha256: r.certificate_sha256, pdf: () => this.d.objects.get(r.pdf_key) };
  }

  /** The Client's side: is it read-only, until when (for the banner). */
  async clientView(tenantId: string) {
    const x = await this.openTermination(this.d.db, tenantId);
    return x ? { terminatedAt: x.terminated_at.toISOString(), purgeAfter: x.purge_after.toISOString(), vaultInstruction: x.vault_instruction, finalExportId: x.final_export_id } : null;
  }
}

function terminationMail(a: { email: string; name: string; locale: 'fr' | 'en' }, client: string, purgeAfter: Date, instruction: VaultInstruction, link: string) {
  const day = new Intl.DateTimeFormat(a.locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone: 'Europe/Paris' }).format(purgeAfter);
  return a.locale === 'fr'
    ? {
        to: a.email, subject: `Justif : fin du contrat de ${client}`,
        text: `Bonjour ${a.name},\n\nLe contrat de ${client} a pris fin. Vos données sont désormais en lecture seule et restent consultables et téléchargeables jusqu’au ${day} ; elles seront ensuite détruites, y compris leurs copies, et un certificat de destruction sera établi.\n\nUn export final complet (données en CSV et Excel, justificatifs originaux et JPEG, manifeste SHA-256) est en préparation ; vous serez prévenu quand il sera prêt :\n${link}\n\nCoffre-fort : ${instruction === 'return_then_destroy' ? 'vos dépôts vous sont remis dans l’export final, puis détruits' : 'vos dépôts seront détruits'}, selon votre instruction.\n`,
      }
    : {
        to: a.email, subject: `Justif: end of contract for ${client}`,
        text: `Hello ${a.name},\n\nThe contract of ${client} has ended. Your data is now read-only and can be read and downloaded until ${day}; it will then be destroyed, copies included, and a destruction certificate issued.\n\nA final full export (records as CSV and Excel, original receipts and JPEGs, a SHA-256 manifest) is being prepared; you will be told when it is ready:\n${link}\n\nVault: ${instruction === 'return_then_destroy' ? 'your deposits are handed back in the final export, then destroyed' : 'your deposits will be destroyed'}, as you instructed.\n`,
      };
}
