// Monthly invoices (R-BIL-3), free of HTTP. A run for a month (the 1st of the next one, or an
// operator) goes in two steps:
//   draft    — one draft per Client with billable use, from the month's active users and the price
//              list in force; the unique index (tenant, month) makes concurrent runs draft it once.
//   finalise — each draft, in its own transaction, takes the next number from the year's counter
//              (row-locked) and becomes issued: number and state commit together, so a crash leaves
//              only drafts (the next run finishes them) — never a gap, never a number twice.
// Issued invoices are immutable in the database (migration 019); a credit note corrects one. Each
// issued document is then mailed once, with its PDF, to the Client's billing contact. Late-payment
// charges (late-payment.ts) ride on the Client's next invoice.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import type { DB, InvoiceLine, Plan, Row } from '../../../storage/db/schema.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import type { Mailer } from '../../infra/mailer.ts';
import { EU } from '../../lib/countries.ts';
import { formatMoney } from '../../lib/money.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { activeAdmins } from '../users/users.repository.ts';
import { invoicePdf, type InvoiceDoc } from './invoice-pdf.ts';
import { chargeLines, pendingCharges, type LateCharge, type LegalRates } from './late-payment.ts';
import { activeUserCounts, monthBounds } from './metering.ts';
import type { PriceBook, PriceList } from './price-list.ts';

const PLAN_FR: Record<Plan, string> = { solo: 'Solo', team: 'Équipe', enterprise: 'Entreprise' };

export interface Issuer {
  name: string;
  siren: string | null;
  address: string | null;
  vatNumber: string | null;
  /** Where Clients pay by transfer (printed on invoices and notices). */
  iban: string | null;
  bic: string | null;
}

/** French VAT on the service (R-BIL-1): 20 % in France and for EU buyers without a VAT number; reverse charge for EU businesses; none outside the EU. */
export function vatFor(country: string, vatNumber: string | null): { rateBp: number; mention: string | null } {
  if (country === 'FR') return { rateBp: 2000, mention: null };
  if (EU.has(country)) return vatNumber ? { rateBp: 0, mention: `Autoliquidation — TVA due par le preneur (article 196 de la directive 2006/112/CE, article 283-2 du CGI). N° de TVA du client : ${vatNumber}` } : { rateBp: 2000, mention: null };
  return { rateBp: 0, mention: 'TVA non applicable — article 259-1 du CGI (prestation de services à un preneur établi hors de l’Union européenne)' };
}

const money = (minor: number) => `${(minor / 100).toFixed(2).replace('.', ',')} €`;

/** The lines of a month's invoice: the plan × active users, and the Vault option. */
export function monthLines(list: PriceList, plan: Plan, activeUsers: number, vaultEnabled: boolean, month: string): InvoiceLine[] {
  const unit = list.plans[plan].unitMinor;
  const lines: InvoiceLine[] = [{ label: `Offre ${PLAN_FR[plan]} — ${month} : utilisateurs actifs (${money(unit)} HT l’unité)`, quantity: activeUsers, unitMinor: unit, amountMinor: unit * activeUsers, vat: true }];
  if (vaultEnabled)
    lines.push(
      list.vault.mode === 'per_user'
        ? { label: `Option coffre-fort — ${month} : utilisateurs actifs`, quantity: activeUsers, unitMinor: list.vault.unitMinor, amountMinor: list.vault.unitMinor * activeUsers, vat: true }
        : { label: `Option coffre-fort — ${month} : forfait mensuel`, quantity: 1, unitMinor: list.vault.monthlyMinor, amountMinor: list.vault.monthlyMinor, vat: true },
    );
  return lines;
}

export function totals(lines: InvoiceLine[], rateBp: number) {
  const ht = lines.reduce((a, l) => a + l.amountMinor, 0);
  const taxable = lines.filter((l) => l.vat).reduce((a, l) => a + l.amountMinor, 0);
  const vat = Math.round((taxable * rateBp) / 10_000);
  return { ht, vat, ttc: ht + vat };
}

export interface DraftPlan {
  tenantId: string;
  name: string;
  plan: Plan;
  activeUsers: number;
  lines: InvoiceLine[];
  totalHtMinor: number;
  vatRateBp: number;
  vatMinor: number;
  totalTtcMinor: number;
  vatMention: string | null;
  /** Late-payment charges of earlier invoices carried by this one. */
  charges: LateCharge[];
  /** The Client's identity as it will be printed on the invoice. */
  client: { name: string; country: string; siren: string | null; vatNumber: string | null; address: string | null; email: string | null };
}
type ClientRow = { id: string; name: string; plan: Plan; country: string; vat_number: string | null; siren: string | null; billing_address: string | null; billing_email: string | null; vault: boolean };

/** A month's draft for one Client: its plan × active users, the Vault option, and the late charges. */
function draftOf(list: PriceList, month: string, t: ClientRow, activeUsers: number, charges: LateCharge[]): DraftPlan {
  const lines = [...monthLines(list, t.plan, activeUsers, t.vault, month), ...chargeLines(charges)];
  const v = vatFor(t.country, t.vat_number);
  const { ht, vat, ttc } = totals(lines, v.rateBp);
  return {
    tenantId: t.id, name: t.name, plan: t.plan, activeUsers, lines, totalHtMinor: ht, vatRateBp: v.rateBp, vatMinor: vat, totalTtcMinor: ttc, vatMention: v.mention, charges,
    client: { name: t.name, country: t.country, siren: t.siren, vatNumber: t.vat_number, address: t.billing_address, email: t.billing_email },
  };
}

export interface InvoicingDeps {
  db: Kysely<DB>;
  clock: Clock;
  audit: AuditService;
  mailer: Mailer;
  prices: PriceBook;
  rates: LegalRates;
  issuer: Issuer;
  publicUrl: string;
}

export class InvoicingService {
  /** Test hook: called before each draft is finalised (a crash mid-run is simulated by throwing). */
  beforeFinalise: ((invoiceId: string) => void | Promise<void>) | null = null;

  constructor(private readonly d: InvoicingDeps) {}

  /** The Clients to bill for a month, with the plan in force at its end (R-BIL-4: a Solo Client that became Team in the month is billed Team for all of it). */
  private clients(db: Kysely<DB> | Transaction<DB>, month: string, ids: string[]): Promise<ClientRow[]> {
    if (!ids.length) return Promise.resolve([]);
    const { to } = monthBounds(month);
    return db
      .selectFrom('tenant as t')
      .leftJoin('vault_settings as v', 'v.tenant_id', 't.id')
      .select(['t.id', 't.name', 't.country', 't.vat_number', 't.siren', 't.billing_address', 't.billing_email'])
      .select(() => [
        sql<Plan>`coalesce((SELECT p.to_plan FROM plan_change p WHERE p.tenant_id = t.id AND p.at < ${to} ORDER BY p.at DESC LIMIT 1),
                           (SELECT p.from_plan FROM plan_change p WHERE p.tenant_id = t.id ORDER BY p.at LIMIT 1), t.plan)`.as('plan'),
        sql<boolean>`coalesce(v.enabled, false)`.as('vault'),
      ])
      .where('t.id', 'in', ids)
      .where('t.status', '<>', 'destroyed')
      .orderBy('t.name')
      .execute();
  }

  /** What a run for the month would issue (nothing is written). */
  async plan(month: string): Promise<DraftPlan[]> {
    return (await this.planned(month)).map((p) => p.draft);
  }

  /** Each Client's draft with the Client row it was drawn from. */
  private async planned(month: string): Promise<{ draft: DraftPlan; client: ClientRow }[]> {
    const list = this.d.prices.forMonth(month);
    const [counts, charges] = await Promise.all([activeUserCounts(this.d.db, month), pendingCharges(this.d.db, this.d.rates, this.d.clock.now())]);
    const clients = await this.clients(this.d.db, month, [...new Set([...counts.keys(), ...charges.keys()])]);
    return clients.map((t) => ({ client: t, draft: draftOf(list, month, t, counts.get(t.id) ?? 0, charges.get(t.id) ?? []) }));
  }

  /** Drafts and issues the month's invoices, exactly once per Client; `dryRun`: only says what would be issued. */
  async run(actor: AuditActor, month: string, o: { dryRun?: boolean } = {}) {
    const now = this.d.clock.now();
    if (monthBounds(month).to > now) throw new AppError('not-due', `${month} is not over: its invoices are issued from the 1st of the next month`);
    const planned = await this.planned(month);
    const invoices = planned.map((p) => p.draft);
    if (o.dryRun) return { month, dryRun: true as const, invoices, issued: [] as string[] };
    const list = this.d.prices.forMonth(month);
    for (const { draft: p, client } of planned) {
      await this.d.db.transaction().execute(async (trx) => {
        // one Client's drafting at a time: its late charges are counted by one invoice only
        await advisoryXactLock(trx, `invoice:${p.tenantId}`);
        const exists = await trx.selectFrom('invoice').select('id').where('tenant_id', '=', p.tenantId).where('kind', '=', 'invoice').where('period', '=', month).executeTakeFirst();
        if (exists) return;
        // late charges read again under the lock (another run may have charged them meanwhile)
        const charges = p.charges.length ? ((await pendingCharges(trx, this.d.rates, now, [p.tenantId])).get(p.tenantId) ?? []) : [];
        const draft = p.charges.length ? draftOf(list, month, client, p.activeUsers, charges) : p;
        const id = randomUUID();
        await trx.insertInto('invoice').values({ ...this.row(draft, list, now), id, kind: 'invoice', period: month, corrects_id: null, active_users: draft.activeUsers }).execute();
        if (charges.length)
          await trx.insertInto('late_charge').values(charges.map((c) => ({
            late_invoice_id: c.lateInvoiceId, on_invoice_id: id, tenant_id: p.tenantId, from_at: c.from, to_at: c.to, days: c.days, legal_rate_bp: c.legalRateBp, interest_minor: c.interestMinor, indemnity_minor: c.indemnityMinor,
          }))).execute();
      });
    }
    const issued = await this.finaliseDrafts(actor);
    return { month, dryRun: false as const, invoices, issued };
  }

  private row(p: Pick<DraftPlan, 'lines' | 'totalHtMinor' | 'vatRateBp' | 'vatMinor' | 'totalTtcMinor' | 'vatMention' | 'tenantId'> & { client: unknown }, list: PriceList, now: Date) {
    return {
      tenant_id: p.tenantId, created_at: now, currency: list.currency, lines: JSON.stringify(p.lines),
      total_ht_minor: p.totalHtMinor, vat_rate_bp: p.vatRateBp, vat_minor: p.vatMinor, total_ttc_minor: p.totalTtcMinor, vat_mention: p.vatMention, price_list: list.version,
      client: JSON.stringify(p.client), issuer: JSON.stringify(this.d.issuer), number: null, issued_at: null, due_at: null, paid_at: null,
    };
  }

  /** Drafts numbered per transaction: numbers and states commit together, a batch at a time (fewer commits than one each). */
  finaliseBatch = 100;

  /** Numbers and issues every draft, oldest first, a batch per transaction, then mails them; returns the numbers given. */
  async finaliseDrafts(actor: AuditActor): Promise<string[]> {
    const drafts = await this.d.db.selectFrom('invoice').select('id').where('status', '=', 'draft').orderBy('created_at').orderBy('id').execute();
    const numbers: string[] = [];
    for (let i = 0; i < drafts.length; i += this.finaliseBatch) {
      const batch = drafts.slice(i, i + this.finaliseBatch);
      numbers.push(...(await this.d.db.transaction().execute(async (trx) => {
        const given: string[] = [];
        for (const { id } of batch) {
          await this.beforeFinalise?.(id);
          const n = await this.finalise(trx, actor, id);
          if (n) given.push(n);
        }
        return given;
      })));
    }
    await this.mailIssued();
    return numbers;
  }

  private async finalise(trx: Transaction<DB>, actor: AuditActor, id: string): Promise<string | null> {
    const inv = await trx.selectFrom('invoice').select(['id', 'tenant_id', 'kind', 'status', 'total_ttc_minor', 'period', 'corrects_id']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!inv || inv.status !== 'draft') return null; // another run finished it
    const now = this.d.clock.now();
    const year = now.getUTCFullYear();
    await trx.insertInto('invoice_counter').values({ year, last_number: 0 }).onConflict((oc) => oc.column('year').doNothing()).execute();
    const c = await trx.updateTable('invoice_counter').set((eb) => ({ last_number: eb('last_number', '+', 1) })).where('year', '=', year).returning('last_number').executeTakeFirstOrThrow();
    const number = `${year}-${String(c.last_number).padStart(6, '0')}`;
    // payable on receipt (R-BIL-5)
    await trx.updateTable('invoice').set({ status: 'issued', number, issued_at: now, due_at: now }).where('id', '=', id).execute();
    await this.d.audit.record(trx, actor, {
      type: 'invoice.issued', tenantId: null, target: { type: 'invoice', id },
      data: { number, tenantId: inv.tenant_id, period: inv.period, totalTtcMinor: Number(inv.total_ttc_minor) },
    });
    return number;
  }

  /**
   * Mails every issued document not mailed yet, with its PDF, to the Client's billing contact (else
   * its admins). The record and the mail commit together: exactly once, even after a crash.
   */
  async mailIssued(): Promise<number> {
    const due = await this.d.db.selectFrom('invoice as i').select('i.id').where('i.status', '=', 'issued')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('invoice_mail as m').select('m.invoice_id').whereRef('m.invoice_id', '=', 'i.id')))).orderBy('i.number').execute();
    let mailed = 0;
    for (const { id } of due) {
      const doc = await this.document(id);
      if (!doc) continue;
      const to = doc.client.email ? [doc.client.email] : (await activeAdmins(this.d.db, doc.tenantId)).map((a) => a.email);
      const pdf = await invoicePdf(doc);
      const sent = await this.d.db.transaction().execute(async (trx) => {
        const r = await trx.insertInto('invoice_mail').values({ invoice_id: id, queued_at: this.d.clock.now(), sent_to: to }).onConflict((oc) => oc.column('invoice_id').doNothing()).returning('invoice_id').executeTakeFirst();
        if (!r) return false;
        await this.d.mailer.queue(trx, to.map((addr) => invoiceMail(addr, doc, pdf, this.d.publicUrl)));
        return true;
      });
      if (sent) mailed++;
    }
    if (mailed) await this.d.mailer.deliver();
    return mailed;
  }

  /**
   * Issues a credit note against an issued invoice (R-BIL-3): by default for all it still asks (every
   * line reversed), or for part of its VAT-bearing amount. Numbered in the same sequence, mailed.
   */
  async creditNote(actor: AuditActor, invoiceId: string, o: { reason: string; amountHtMinor?: number }) {
    const id = await this.d.db.transaction().execute(async (trx) => {
      const inv = await trx.selectFrom('invoice').selectAll().where('id', '=', invoiceId).forUpdate().executeTakeFirst();
      if (!inv) throw new AppError('not-found', 'No such invoice');
      if (inv.kind !== 'invoice' || inv.status !== 'issued') throw new AppError('conflict', 'Only an issued invoice can be corrected by a credit note');
      const earlier = await trx.selectFrom('invoice').select(['total_ht_minor', 'lines']).where('corrects_id', '=', invoiceId).where('status', '=', 'issued').execute();
      const creditedHt = -earlier.reduce((a, c) => a + Number(c.total_ht_minor), 0);
      const lines = inv.lines;
      const taxableHt = lines.filter((l) => l.vat).reduce((a, l) => a + l.amountMinor, 0);
      const creditedTaxable = -earlier.flatMap((c) => c.lines).filter((l) => l.vat).reduce((a, l) => a + l.amountMinor, 0);
      let credit: InvoiceLine[];
      if (o.amountHtMinor === undefined) {
        if (creditedHt > 0) throw new AppError('conflict', 'This invoice was partly credited already: give the amount to credit', { creditedHtMinor: creditedHt });
        credit = lines.map((l) => ({ ...l, label: `Annulation — ${l.label}`, unitMinor: -l.unitMinor, amountMinor: -l.amountMinor }));
      } else {
        if (o.amountHtMinor > taxableHt - creditedTaxable)
          throw new AppError('validation', `At most ${taxableHt - creditedTaxable} cents excluding VAT remain to credit on this invoice`, { errors: [{ path: 'amountHtMinor', message: 'more than the invoice still asks' }] });
        credit = [{ label: `Avoir sur la facture ${inv.number} — ${o.reason}`, quantity: 1, unitMinor: -o.amountHtMinor, amountMinor: -o.amountHtMinor, vat: true }];
      }
      const { ht, vat, ttc } = totals(credit, inv.vat_rate_bp);
      const noteId = randomUUID();
      const list = this.d.prices.forMonth(inv.period!);
      await trx.insertInto('invoice').values({
        ...this.row({ tenantId: inv.tenant_id, lines: credit, totalHtMinor: ht, vatRateBp: inv.vat_rate_bp, vatMinor: vat, totalTtcMinor: ttc, vatMention: inv.vat_mention, client: inv.client }, list, this.d.clock.now()),
        id: noteId, kind: 'credit_note', period: null, corrects_id: invoiceId, active_users: null, currency: inv.currency, price_list: inv.price_list,
      }).execute();
      await this.d.audit.record(trx, actor, { type: 'invoice.credited', tenantId: null, target: { type: 'invoice', id: invoiceId }, data: { number: inv.number!, reason: o.reason, totalHtMinor: ht } });
      await this.finalise(trx, actor, noteId);
      return noteId;
    });
    await this.mailIssued();
    return this.view(id);
  }

  /** Issued documents (a Client's own), or every one with drafts (operators), newest first. */
  async list(tenantId?: string) {
    let q = this.listQuery().orderBy('i.created_at', 'desc').orderBy('i.number', 'desc');
    if (tenantId) q = q.where('i.tenant_id', '=', tenantId).where('i.status', '=', 'issued');
    return { items: (await q.limit(500).execute()).map(view) };
  }

  async view(id: string, tenantId?: string) {
    let q = this.listQuery().where('i.id', '=', id);
    if (tenantId) q = q.where('i.tenant_id', '=', tenantId).where('i.status', '=', 'issued');
    const r = await q.executeTakeFirst();
    if (!r) throw new AppError('not-found', 'No such invoice');
    return view(r);
  }

  private listQuery() {
    return this.d.db
      .selectFrom('invoice as i')
      .leftJoin('invoice_balance as b', 'b.id', 'i.id')
      .leftJoin('invoice_notice as n', 'n.invoice_id', 'i.id')
      .leftJoin('invoice as o', 'o.id', 'i.corrects_id')
      .leftJoin('tenant as t', 't.id', 'i.tenant_id')
      .selectAll('i')
      .select(['b.balance_minor', 'n.sent_at as notice_sent_at', 'n.suspend_at', 'o.number as corrects_number', 't.name as tenant_name']);
  }

  /** An issued document as printed (the same bytes each time: drawn from its immutable record). */
  private async document(id: string, tenantId?: string): Promise<(InvoiceDoc & { tenantId: string; client: InvoiceDoc['client'] & { email?: string | null } }) | null> {
    let q = this.d.db.selectFrom('invoice as i').leftJoin('invoice as o', 'o.id', 'i.corrects_id').selectAll('i').select(['o.number as corrects_number', 'o.issued_at as corrects_issued_at']).where('i.id', '=', id).where('i.status', '=', 'issued');
    if (tenantId) q = q.where('i.tenant_id', '=', tenantId);
    const r = await q.executeTakeFirst();
    if (!r) return null;
    return {
      tenantId: r.tenant_id, kind: r.kind, number: r.number!, issuedAt: new Date(r.issued_at!).toISOString(), period: r.period, lines: r.lines,
      totalHtMinor: Number(r.total_ht_minor), vatRateBp: r.vat_rate_bp, vatMinor: Number(r.vat_minor), totalTtcMinor: Number(r.total_ttc_minor), vatMention: r.vat_mention,
      issuer: r.issuer as unknown as InvoiceDoc['issuer'], client: r.client as unknown as InvoiceDoc['client'],
      corrects: r.corrects_number ? { number: r.corrects_number, issuedAt: new Date(r.corrects_issued_at!).toISOString() } : null,
    };
  }

  async pdf(id: string, tenantId?: string): Promise<{ number: string; kind: 'invoice' | 'credit_note'; bytes: Buffer }> {
    const doc = await this.document(id, tenantId);
    if (!doc) throw new AppError('not-found', 'No such issued invoice');
    return { number: doc.number, kind: doc.kind, bytes: await invoicePdf(doc) };
  }
}

function invoiceMail(to: string, doc: InvoiceDoc, pdf: Buffer, publicUrl: string) {
  const what = doc.kind === 'invoice' ? `Facture ${doc.number}` : `Avoir ${doc.number}`;
  return {
    to,
    subject: `Justif : ${what} — ${doc.client.name}`,
    text: [
      'Bonjour,',
      '',
      doc.kind === 'invoice'
        ? `Veuillez trouver ci-joint la facture ${doc.number}${doc.period ? ` du mois ${doc.period}` : ''} de ${doc.client.name}, d’un montant de ${formatMoney(doc.totalTtcMinor, 'EUR')} TTC, payable à réception.`
        : `Veuillez trouver ci-joint l’avoir ${doc.number} de ${formatMoney(-doc.totalTtcMinor, 'EUR')} TTC${doc.corrects ? ` sur la facture ${doc.corrects.number}` : ''}.`,
      ...(doc.kind === 'invoice' && doc.issuer.iban ? [`Règlement par virement en rappelant le n° ${doc.number} : IBAN ${doc.issuer.iban}${doc.issuer.bic ? `, BIC ${doc.issuer.bic}` : ''}.`] : []),
      `Vos factures sont aussi dans Justif : ${publicUrl}/billing`,
      '',
      '— Justif',
    ].join('\n'),
    attachments: [{ filename: `${doc.kind === 'invoice' ? 'facture' : 'avoir'}-${doc.number}.pdf`, contentType: 'application/pdf', content: pdf }],
  };
}

type ListRow = Row<'invoice'> & { balance_minor: number | null; notice_sent_at: Date | null; suspend_at: Date | null; corrects_number: string | null; tenant_name: string | null };
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function view(r: ListRow) {
  return {
    id: r.id, tenantId: r.tenant_id, tenantName: r.tenant_name, kind: r.kind, period: r.period, status: r.status, number: r.number, correctsId: r.corrects_id, correctsNumber: r.corrects_number,
    issuedAt: iso(r.issued_at), dueAt: iso(r.due_at), paidAt: iso(r.paid_at),
    currency: r.currency, lines: r.lines, totalHtMinor: Number(r.total_ht_minor), vatRateBp: r.vat_rate_bp, vatMinor: Number(r.vat_minor), totalTtcMinor: Number(r.total_ttc_minor),
    /** What it still asks once credit notes are deducted (invoices only). */
    balanceMinor: r.balance_minor === null ? null : Number(r.balance_minor),
    notice: r.notice_sent_at ? { sentAt: iso(r.notice_sent_at)!, suspendAt: iso(r.suspend_at)! } : null,
    vatMention: r.vat_mention, activeUsers: r.active_users, priceList: r.price_list,
  };
}
