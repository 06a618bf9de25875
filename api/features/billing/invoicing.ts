// Monthly invoices (R-BIL-3), free of HTTP. A run for a month (the 1st of the next one, or an
// operator) goes in two steps:
//   draft    — one draft per Client with billable use, from the month's active users and the price
//              list in force; the unique index (tenant, month) makes concurrent runs draft it once.
//   finalise — each draft, in its own transaction, takes the next number from the year's counter
//              (row-locked) and becomes issued: number and state commit together, so a crash leaves
//              only drafts (the next run finishes them) — never a gap, never a number twice.
// Issued invoices are immutable in the database (migration 019).
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB, InvoiceLine, Plan, Row } from '../../../storage/db/schema.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { invoicePdf, type InvoiceDoc } from './invoice-pdf.ts';
import { activeUserCounts, monthBounds } from './metering.ts';
import type { PriceBook, PriceList } from './price-list.ts';

const EU = new Set(['AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK']);
const PLAN_FR: Record<Plan, string> = { solo: 'Solo', team: 'Équipe', enterprise: 'Entreprise' };

export interface Issuer {
  name: string;
  siren: string | null;
  address: string | null;
  vatNumber: string | null;
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
  activeUsers: number;
  lines: InvoiceLine[];
  totalHtMinor: number;
  vatRateBp: number;
  vatMinor: number;
  totalTtcMinor: number;
  vatMention: string | null;
  /** The Client's identity as it will be printed on the invoice. */
  client: { name: string; country: string; siren: string | null; vatNumber: string | null; address: string | null; email: string | null };
}

export class InvoicingService {
  /** Test hook: called before each draft is finalised (a crash mid-run is simulated by throwing). */
  beforeFinalise: ((invoiceId: string) => void | Promise<void>) | null = null;

  constructor(private readonly d: { db: Kysely<DB>; clock: Clock; audit: AuditService; prices: PriceBook; issuer: Issuer }) {}

  /** What a run for the month would issue (nothing is written). */
  async plan(month: string): Promise<DraftPlan[]> {
    const list = this.d.prices.forMonth(month);
    const counts = await activeUserCounts(this.d.db, month);
    if (!counts.size) return [];
    const tenants = await this.d.db
      .selectFrom('tenant as t')
      .leftJoin('vault_settings as v', 'v.tenant_id', 't.id')
      .select(['t.id', 't.name', 't.plan', 't.country', 't.vat_number', 't.siren', 't.billing_address', 't.billing_email', 'v.enabled'])
      .where('t.id', 'in', [...counts.keys()])
      .where('t.status', '<>', 'destroyed')
      .orderBy('t.name')
      .execute();
    return tenants.map((t) => {
      const n = counts.get(t.id)!;
      const lines = monthLines(list, t.plan, n, !!t.enabled, month);
      const v = vatFor(t.country, t.vat_number);
      const { ht, vat, ttc } = totals(lines, v.rateBp);
      return {
        tenantId: t.id, name: t.name, activeUsers: n, lines, totalHtMinor: ht, vatRateBp: v.rateBp, vatMinor: vat, totalTtcMinor: ttc, vatMention: v.mention,
        client: { name: t.name, country: t.country, siren: t.siren, vatNumber: t.vat_number, address: t.billing_address, email: t.billing_email },
      };
    });
  }

  /** Drafts and issues the month's invoices, exactly once per Client; `dryRun`: only says what would be issued. */
  async run(actor: AuditActor, month: string, o: { dryRun?: boolean } = {}) {
    const now = this.d.clock.now();
    if (monthBounds(month).to > now) throw new AppError('not-due', `${month} is not over: its invoices are issued from the 1st of the next month`);
    const planned = await this.plan(month);
    if (o.dryRun) return { month, dryRun: true as const, invoices: planned, issued: [] as string[] };
    const list = this.d.prices.forMonth(month);
    for (const p of planned) {
      await this.d.db
        .insertInto('invoice')
        .values({
          id: randomUUID(), tenant_id: p.tenantId, kind: 'invoice', period: month, corrects_id: null, created_at: now, currency: list.currency, lines: JSON.stringify(p.lines),
          total_ht_minor: p.totalHtMinor, vat_rate_bp: p.vatRateBp, vat_minor: p.vatMinor, total_ttc_minor: p.totalTtcMinor, vat_mention: p.vatMention, price_list: list.version, active_users: p.activeUsers,
          client: JSON.stringify(p.client),
          issuer: JSON.stringify(this.d.issuer), number: null, issued_at: null, due_at: null, paid_at: null,
        })
        .onConflict((oc) => oc.columns(['tenant_id', 'period']).where('kind', '=', 'invoice').doNothing())
        .execute();
    }
    const issued = await this.finaliseDrafts(actor);
    return { month, dryRun: false as const, invoices: planned, issued };
  }

  /** Numbers and issues every draft, oldest first, each in its own transaction; returns the numbers given. */
  async finaliseDrafts(actor: AuditActor): Promise<string[]> {
    const drafts = await this.d.db.selectFrom('invoice').select('id').where('status', '=', 'draft').orderBy('created_at').orderBy('id').execute();
    const numbers: string[] = [];
    for (const { id } of drafts) {
      await this.beforeFinalise?.(id);
      const n = await this.d.db.transaction().execute((trx) => this.finalise(trx, actor, id));
      if (n) numbers.push(n);
    }
    return numbers;
  }

  private async finalise(trx: Transaction<DB>, actor: AuditActor, id: string): Promise<string | null> {
    const inv = await trx.selectFrom('invoice').select(['id', 'tenant_id', 'status', 'total_ttc_minor', 'period']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!inv || inv.status !== 'draft') return null; // another run finished it
    const now = this.d.clock.now();
    const year = now.getUTCFullYear();
    await trx.insertInto('invoice_counter').values({ year, last_number: 0 }).onConflict((oc) => oc.column('year').doNothing()).execute();
    const c = await trx.updateTable('invoice_counter').set((eb) => ({ last_number: eb('last_number', '+', 1) })).where('year', '=', year).returning('last_number').executeTakeFirstOrThrow();
    const number = `${year}-${String(c.last_number).padStart(6, '0')}`;
    // payable on receipt (R-BIL-5)
    await trx.updateTable('invoice').set({ status: 'issued', number, issued_at: now, due_at: now }).where('id', '=', id).execute();
    await this.d.audit.record(trx, actor, { type: 'invoice.issued', tenantId: null, target: { type: 'invoice', id }, data: { number, tenantId: inv.tenant_id, period: inv.period, totalTtcMinor: Number(inv.total_ttc_minor) } });
    return number;
  }

  async list(tenantId?: string) {
    let q = this.d.db.selectFrom('invoice').selectAll().orderBy('created_at', 'desc').orderBy('number', 'desc');
    if (tenantId) q = q.where('tenant_id', '=', tenantId).where('status', '=', 'issued');
    return { items: (await q.limit(500).execute()).map(view) };
  }

  /** The PDF of an issued invoice, drawn from its immutable record (the same bytes each time). */
  async pdf(id: string, tenantId?: string): Promise<{ number: string; bytes: Buffer }> {
    let q = this.d.db.selectFrom('invoice').selectAll().where('id', '=', id).where('status', '=', 'issued');
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    const r = await q.executeTakeFirst();
    if (!r) throw new AppError('not-found', 'No such issued invoice');
    const v = view(r);
    const bytes = await invoicePdf({ ...v, kind: r.kind, number: r.number!, issuedAt: v.issuedAt!, issuer: r.issuer as unknown as InvoiceDoc['issuer'], client: r.client as unknown as InvoiceDoc['client'] });
    return { number: r.number!, bytes };
  }

  /** Marks an issued invoice paid (once). */
  async markPaid(actor: AuditActor, id: string) {
    return this.d.db.transaction().execute(async (trx) => {
      const inv = await trx.selectFrom('invoice').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!inv) throw new AppError('not-found', 'No such invoice');
      if (inv.status !== 'issued') throw new AppError('conflict', 'A draft is not payable');
      if (inv.paid_at) throw new AppError('conflict', 'This invoice is paid already');
      await trx.updateTable('invoice').set({ paid_at: this.d.clock.now() }).where('id', '=', id).execute();
      await this.d.audit.record(trx, actor, { type: 'invoice.paid', tenantId: null, target: { type: 'invoice', id }, data: { number: inv.number! } });
      return view((await trx.selectFrom('invoice').selectAll().where('id', '=', id).executeTakeFirstOrThrow()));
    });
  }
}

function view(r: Row<'invoice'>) {
  return {
    id: r.id, tenantId: r.tenant_id, kind: r.kind, period: r.period, status: r.status, number: r.number,
    issuedAt: r.issued_at ? new Date(r.issued_at).toISOString() : null, dueAt: r.due_at ? new Date(r.due_at).toISOString() : null, paidAt: r.paid_at ? new Date(r.paid_at).toISOString() : null,
    currency: r.currency, lines: r.lines, totalHtMinor: Number(r.total_ht_minor), vatRateBp: r.vat_rate_bp, vatMinor: Number(r.vat_minor), totalTtcMinor: Number(r.total_ttc_minor),
    vatMention: r.vat_mention, activeUsers: r.active_users, priceList: r.price_list,
  };
}
