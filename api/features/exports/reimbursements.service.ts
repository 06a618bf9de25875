// Reimbursement by SEPA credit transfer (R-ACC-5), free of HTTP. Employees give their IBAN (checked,
// sealed at rest, shown masked); the accountant makes a pain.001.001.03 file of the reimbursable
// exported expenses not yet in a transfer — one transfer per employee — recorded as an immutable
// batch; confirming it (once the bank executed it) moves the expenses to `reimbursed` and tells
// the employees.
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import { ObjectNotFoundError, type ObjectStore } from '../../../storage/objects/object-store.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import type { DataKey } from '../../infra/data-key.ts';
import type { Mailer } from '../../infra/mailer.ts';
import { checkIban, isBic, maskIban } from '../../lib/iban.ts';
import { formatMoney } from '../../lib/money.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';

const sepaKey = (tenantId: string, id: string) => `exports/${tenantId}/sepa-${id}`;

/** The SEPA character set (EPC guidelines): Latin letters, digits, / - ? : ( ) . , ' + and space. Accents are dropped, the rest becomes a space. */
export function sepaText(s: string, max: number): string {
  return s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, max) || 'NA';
}
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
const eur = (minor: number) => `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

export interface Transfer { endToEndId: string; amountMinor: number; name: string; iban: string; bic: string | null; remittance: string }

/** An ISO 20022 pain.001.001.03 document: one payment information block, one transaction per transfer. */
export function pain001(o: { messageId: string; createdAt: Date; executionDate: string; debtor: { name: string; iban: string; bic: string | null }; transfers: Transfer[] }): string {
  const total = o.transfers.reduce((n, t) => n + t.amountMinor, 0);
  const agent = (bic: string | null) => (bic ? `<FinInstnId><BIC>${bic}</BIC></FinInstnId>` : '<FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId>');
  const tx = o.transfers.map((t) =>
    `<CdtTrfTxInf><PmtId><EndToEndId>${xml(t.endToEndId)}</EndToEndId></PmtId><Amt><InstdAmt Ccy="EUR">${eur(t.amountMinor)}</InstdAmt></Amt>` +
    (t.bic ? `<CdtrAgt>${agent(t.bic)}</CdtrAgt>` : '') +
    `<Cdtr><Nm>${xml(sepaText(t.name, 70))}</Nm></Cdtr><CdtrAcct><Id><IBAN>${t.iban}</IBAN></Id></CdtrAcct><RmtInf><Ustrd>${xml(sepaText(t.remittance, 140))}</Ustrd></RmtInf></CdtTrfTxInf>`,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    '<CstmrCdtTrfInitn>',
    `<GrpHdr><MsgId>${xml(o.messageId)}</MsgId><CreDtTm>${o.createdAt.toISOString().slice(0, 19)}</CreDtTm><NbOfTxs>${o.transfers.length}</NbOfTxs><CtrlSum>${eur(total)}</CtrlSum><InitgPty><Nm>${xml(sepaText(o.debtor.name, 70))}</Nm></InitgPty></GrpHdr>`,
    `<PmtInf><PmtInfId>${xml(o.messageId)}-1</PmtInfId><PmtMtd>TRF</PmtMtd><BtchBookg>true</BtchBookg><NbOfTxs>${o.transfers.length}</NbOfTxs><CtrlSum>${eur(total)}</CtrlSum>`,
    `<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf><ReqdExctnDt>${o.executionDate}</ReqdExctnDt>`,
    `<Dbtr><Nm>${xml(sepaText(o.debtor.name, 70))}</Nm></Dbtr><DbtrAcct><Id><IBAN>${o.debtor.iban}</IBAN></Id></DbtrAcct><DbtrAgt>${agent(o.debtor.bic)}</DbtrAgt><ChrgBr>SLEV</ChrgBr>`,
    ...tx,
    '</PmtInf>',
    '</CstmrCdtTrfInitn>',
    '</Document>',
    '',
  ].join('\n');
}

/** A bank account as entered: the IBAN checked (400 naming it otherwise), the BIC normalised and checked when given. */
function account(b: { iban: string; bic?: string | null }) {
  const c = checkIban(b.iban);
  if (!c.ok) throw new AppError('validation', `This IBAN is not valid: ${c.problem}`, { errors: [{ path: 'iban', message: c.problem }] });
  const bic = b.bic ? b.bic.replace(/\s/g, '').toUpperCase() : null;
  if (bic && !isBic(bic)) throw new AppError('validation', 'This BIC is not valid (8 or 11 letters and digits)', { errors: [{ path: 'bic', message: 'not a BIC' }] });
  return { iban: c, bic };
}

export class ReimbursementsService {
  constructor(private readonly d: { objects: ObjectStore; clock: Clock; audit: AuditService; mailer: Mailer; dataKey: DataKey; publicUrl: string }) {}

  async bankAccount(tdb: TenantDb, userId: string) {
    const r = await tdb.selectFrom('bank_account').select(['holder', 'iban_masked', 'country', 'bic', 'updated_at']).where('user_id', '=', userId).executeTakeFirst();
    return r ? { holder: r.holder, iban: r.iban_masked, country: r.country, bic: r.bic, updatedAt: r.updated_at.toISOString() } : null;
  }

  /** An employee's own account: checked, sealed (bound to the user), kept masked for display. */
  async setBankAccount(tdb: TenantDb, userId: string, actor: AuditActor, b: { holder: string; iban: string; bic?: string | null }) {
    const { iban: c, bic } = account(b);
    await tdb.transaction(async (tx) => {
      const row = { holder: b.holder, iban_sealed: this.d.dataKey.seal(c.iban, `bank:${userId}`), iban_masked: maskIban(c.iban), country: c.country, bic, updated_at: this.d.clock.now() };
      await tx.insertInto('bank_account', { user_id: userId, ...row }).onConflict((oc) => oc.column('user_id').doUpdateSet(row)).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'bank_account.set', tenantId: tx.tenantId, target: { type: 'user', id: userId }, data: { country: c.country } });
    });
    return this.bankAccount(tdb, userId);
  }

  async companyAccount(tdb: TenantDb) {
    const r = await tdb.selectFrom('accounting_settings').select(['company_name', 'company_iban_masked', 'company_bic']).executeTakeFirst();
    return r?.company_iban_masked ? { name: r.company_name!, iban: r.company_iban_masked, bic: r.company_bic } : null;
  }

  async setCompanyAccount(tdb: TenantDb, actor: AuditActor, b: { name: string; iban: string; bic?: string | null }) {
    const { iban: c, bic } = account(b);
    await tdb.transaction(async (tx) => {
      await tx.insertInto('accounting_settings', { updated_at: this.d.clock.now() }).onConflict((oc) => oc.column('tenant_id').doNothing()).execute();
      await tx.updateTable('accounting_settings').set({ company_name: b.name, company_iban_sealed: this.d.dataKey.seal(c.iban, `company:${tx.tenantId}`), company_iban_masked: maskIban(c.iban), company_bic: bic, updated_at: this.d.clock.now() }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'accounting.settings_updated', tenantId: tx.tenantId, target: { type: 'tenant', id: tx.tenantId }, data: { fields: ['companyAccount'] } });
    });
    return this.companyAccount(tdb);
  }

  /**
   * A pain.001 file for the reimbursable exported expenses in euros that no pending or confirmed
   * transfer holds yet: one transfer per employee with an account. Employees without one are
   * listed (and their expenses left for the next file).
   */
  async sepa(tdb: TenantDb, actor: AuditActor, o: { executionDate: string }) {
    const today = this.d.clock.now().toISOString().slice(0, 10);
    if (o.executionDate < today) throw new AppError('validation', 'The execution date is in the past', { errors: [{ path: 'executionDate', message: 'before today' }] });
    return tdb.transaction(async (tx) => {
      await advisoryXactLock(tx.raw as Transaction<DB>, `sepa:${tx.tenantId}`);
      const co = await tx.selectFrom('accounting_settings').select(['company_name', 'company_iban_sealed', 'company_bic']).executeTakeFirst();
      if (!co?.company_iban_sealed) throw new AppError('company-account-required', 'Enter the company\u2019s own account (the debtor) in the accounting settings first');
      const rows = await tx.raw
        .selectFrom('expense as e')
        .innerJoin('app_user as u', 'u.id', 'e.user_id')
        .leftJoin('bank_account as b', 'b.user_id', 'e.user_id')
        .select(['e.id', 'e.user_id', 'e.converted_minor', 'u.name', 'b.holder', 'b.iban_sealed', 'b.bic'])
        .where('e.tenant_id', '=', tx.tenantId)
        .where('e.status', '=', 'exported')
        .where('e.reimbursable', '=', true)
        .where('e.client_currency', '=', 'EUR')
        .where((w) => w.not(w.exists(w.selectFrom('sepa_batch as s').select('s.id').where('s.tenant_id', '=', tx.tenantId).where('s.status', 'in', ['pending', 'confirmed']).where(sql<boolean>`e.id = ANY(s.expense_ids)`))))
        .orderBy('u.name')
        .orderBy('e.id')
        .execute();
      const byUser = new Map<string, typeof rows>();
      for (const r of rows) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r]);
      const missing = [...byUser.values()].filter((xs) => !xs[0]!.iban_sealed).map((xs) => ({ userId: xs[0]!.user_id, name: xs[0]!.name, expenses: xs.length }));
      const payable = [...byUser.values()].filter((xs) => xs[0]!.iban_sealed);
      if (!payable.length) throw new AppError('nothing-to-export', missing.length ? 'Nobody to pay: the employees concerned have not entered their IBAN' : 'No exported reimbursable expense waits for a transfer', { missing });
      const id = randomUUID();
      const now = this.d.clock.now();
      const messageId = `JUSTIF-${now.toISOString().slice(0, 10).replaceAll('-', '')}-${id.slice(0, 8)}`;
      const transfers = payable.map((xs, i) => ({
        endToEndId: `${messageId}-${i + 1}`.slice(0, 35),
        amountMinor: xs.reduce((n, x) => n + Number(x.converted_minor), 0),
        name: xs[0]!.holder!,
        iban: this.d.dataKey.open(xs[0]!.iban_sealed!, `bank:${xs[0]!.user_id}`),
        bic: xs[0]!.bic,
        remittance: `Notes de frais ${xs.length} depense(s) ${messageId}`,
      }));
      const text = pain001({ messageId, createdAt: now, executionDate: o.executionDate, debtor: { name: co.company_name!, iban: this.d.dataKey.open(co.company_iban_sealed, `company:${tx.tenantId}`), bic: co.company_bic }, transfers });
      const bytes = Buffer.from(text, 'utf8');
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const key = sepaKey(tx.tenantId, id);
      await this.d.objects.put(key, Readable.from([bytes]), { expectedSha256: sha256, contentType: 'application/xml' });
      const expenseIds = payable.flat().map((x) => x.id);
      const total = transfers.reduce((n, t) => n + t.amountMinor, 0);
      try {
        await tx.insertInto('sepa_batch', { id, message_id: messageId, execution_date: o.executionDate, expense_ids: expenseIds, transfers: transfers.length, total_minor: total, created_by: actor.userId!, created_at: now, file_key: key, sha256, size: bytes.length }).execute();
        await this.d.audit.record(tx.raw, actor, { type: 'sepa.created', tenantId: tx.tenantId, target: { type: 'sepa_batch', id }, data: { transfers: transfers.length, totalMinor: total, sha256 } });
      } catch (err) {
        await this.d.objects.delete(key).catch(() => {});
        throw err;
      }
      return { ...(await this.batch(tx, id)), missing };
    });
  }

  async batches(tdb: TenantDb) {
    return { items: (await tdb.selectFrom('sepa_batch').selectAll().orderBy('created_at', 'desc').limit(200).execute()).map(batchView) };
  }

  async batch(tdb: TenantDb, id: string) {
    const b = await tdb.selectFrom('sepa_batch').selectAll().where('id', '=', id).executeTakeFirst();
    if (!b) throw new AppError('not-found', 'No such transfer file');
    return batchView(b);
  }

  async open(tdb: TenantDb, id: string) {
    const b = await this.batch(tdb, id);
    try {
      return { batch: b, body: await this.d.objects.get(sepaKey(tdb.tenantId, id)) };
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw new AppError('gone', 'This transfer file is no longer in the store');
      throw err;
    }
  }

  /** The bank executed the transfers: the expenses are reimbursed, their owners told (in the app and by e-mail). */
  async confirm(tdb: TenantDb, actor: AuditActor, id: string) {
    return tdb.transaction(async (tx) => {
      const b = await tx.selectFrom('sepa_batch').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!b) throw new AppError('not-found', 'No such transfer file');
      if (b.status !== 'pending') throw new AppError('conflict', `This transfer file is ${b.status} already`);
      const now = this.d.clock.now();
      await tx.updateTable('sepa_batch').set({ status: 'confirmed', closed_at: now, closed_by: actor.userId }).where('id', '=', id).execute();
      const moved = await tx.updateTable('expense').set((eb) => ({ status: 'reimbursed', version: eb('version', '+', 1), updated_at: now })).where('id', 'in', b.expense_ids).where('status', '=', 'exported').returning(['id', 'user_id', 'merchant', 'converted_minor', 'client_currency', 'expense_date']).execute();
      if (moved.length) {
        await tx.insertInto('expense_transition', moved.map((m) => ({ expense_id: m.id, from_status: 'exported' as const, to_status: 'reimbursed' as const, actor_id: actor.userId, on_behalf_of: null, comment: `SEPA ${b.message_id}`, occurred_at: now }))).execute();
        await tx.insertInto('notification', moved.map((m) => ({ id: randomUUID(), user_id: m.user_id, kind: 'reimbursed', expense_id: m.id, data: JSON.stringify({ merchant: m.merchant, amountMinor: Number(m.converted_minor), currency: m.client_currency }) }))).execute();
        const users = await tx.raw.selectFrom('app_user').select(['id', 'email', 'name', 'locale']).where('id', 'in', [...new Set(moved.map((m) => m.user_id))]).execute();
        await this.d.mailer.queue(tx.raw, users.map((u) => {
          const mine = moved.filter((m) => m.user_id === u.id);
          const sum = formatMoney(mine.reduce((n, m) => n + Number(m.converted_minor), 0), mine[0]!.client_currency, u.locale);
          return u.locale === 'fr'
            ? { to: u.email, subject: `Justif : ${sum} remboursés`, text: `Bonjour ${u.name},\n\n${mine.length} dépense(s) vous ont été remboursées par virement (${sum}, exécution prévue le ${b.execution_date}).\n\n${this.d.publicUrl}/expenses\n` }
            : { to: u.email, subject: `Justif: ${sum} reimbursed`, text: `Hello ${u.name},\n\n${mine.length} expense(s) were reimbursed by transfer (${sum}, execution on ${b.execution_date}).\n\n${this.d.publicUrl}/expenses\n` };
        }));
      }
      await this.d.audit.record(tx.raw, actor, { type: 'sepa.confirmed', tenantId: tx.tenantId, target: { type: 'sepa_batch', id }, data: { reimbursed: moved.length } });
      return { ...(await this.batch(tx, id)), reimbursed: moved.length };
    });
  }
}

function batchView(b: { id: string; message_id: string; execution_date: string; expense_ids: string[]; transfers: number; total_minor: number; created_by: string; created_at: Date; sha256: string; size: number; status: string; closed_at: Date | null; closed_by: string | null }) {
  return {
    id: b.id, messageId: b.message_id, executionDate: b.execution_date, expenseIds: b.expense_ids, transfers: b.transfers, totalMinor: Number(b.total_minor), createdBy: b.created_by,
    createdAt: b.created_at.toISOString(), sha256: b.sha256, size: Number(b.size), status: b.status as 'pending' | 'confirmed' | 'cancelled', closedAt: b.closed_at?.toISOString() ?? null, closedBy: b.closed_by,
  };
}
