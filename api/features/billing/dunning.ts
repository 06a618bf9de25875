// Late payment (R-BIL-5), free of HTTP. Invoices are payable on receipt. When one is still unpaid a
// grace period after its due date (BILLING_GRACE_DAYS, default 15), the hourly `dunning` job sends
// the written notice — by email, to the billing contact and the admins, with the amount and the
// suspension date — once. 48 hours after the notice, the Client's access is suspended while the
// invoice stays unpaid: suspension is derived from the notice and the payment (never a stored flag),
// so it starts on time whenever the job ran, and payment lifts it at once. Data is never touched.
import { sql, type Expression, type Kysely } from 'kysely';
import type { DB } from '../../../storage/db/schema.ts';
import type { Clock } from '../../clock.ts';
import type { Mailer } from '../../infra/mailer.ts';
import { longDay } from '../../lib/dates.ts';
import { formatMoney } from '../../lib/money.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { activeAdmins } from '../users/users.repository.ts';

export const SUSPENSION_DELAY_HOURS = 48;
const DAY_MS = 86_400_000;

/** When the Client's access is (or will be) suspended: the earliest suspension date of its noticed, unpaid invoices; null if none. */
export const suspendAtOf = (tenantId: Expression<string | null>) =>
  sql<Date | null>`(SELECT min(n.suspend_at) FROM invoice_notice n JOIN invoice_balance b ON b.id = n.invoice_id
                    WHERE n.tenant_id = ${tenantId} AND b.paid_at IS NULL AND b.balance_minor > 0)`;

/** Whether an instant is within a suspension that starts at `suspendAt`. */
export const isSuspended = (suspendAt: Date | string | null | undefined, now: Date) => !!suspendAt && new Date(suspendAt) <= now;

const at = (d: Date) => new Intl.DateTimeFormat('fr-FR', { dateStyle: 'full', timeStyle: 'short', timeZone: 'Europe/Paris' }).format(d);

export class DunningService {
  constructor(private readonly d: { db: Kysely<DB>; clock: Clock; audit: AuditService; mailer: Mailer; graceDays: number; publicUrl: string; payTo: { iban: string | null; bic: string | null } }) {}

  /** Sends the written notice of every invoice unpaid `graceDays` after its due date, once each; returns the invoice numbers noticed. */
  async run(actor: AuditActor): Promise<string[]> {
    const now = this.d.clock.now();
    const cutoff = new Date(now.getTime() - this.d.graceDays * DAY_MS);
    const late = await this.d.db
      .selectFrom('invoice_balance as b')
      .innerJoin('tenant as t', 't.id', 'b.tenant_id')
      .select(['b.id', 'b.tenant_id', 'b.number', 'b.due_at', 'b.balance_minor', 't.name', 't.billing_email'])
      .where('b.paid_at', 'is', null)
      .where('b.balance_minor', '>', 0 as never)
      .where('b.due_at', '<=', cutoff)
      .where('t.status', '<>', 'destroyed')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('invoice_notice as n').select('n.invoice_id').whereRef('n.invoice_id', '=', 'b.id'))))
      .orderBy('b.number')
      .execute();
    const noticed: string[] = [];
    for (const inv of late) {
      const admins = await activeAdmins(this.d.db, inv.tenant_id);
      const to = [...new Set([...(inv.billing_email ? [inv.billing_email.toLowerCase()] : []), ...admins.map((a) => a.email.toLowerCase())])];
      const suspendAt = new Date(now.getTime() + SUSPENSION_DELAY_HOURS * 3_600_000);
      const amount = Number(inv.balance_minor);
      const sent = await this.d.db.transaction().execute(async (trx) => {
        const r = await trx.insertInto('invoice_notice')
          .values({ invoice_id: inv.id, tenant_id: inv.tenant_id, sent_at: now, suspend_at: suspendAt, amount_due_minor: amount, sent_to: to.join(', ') || '(no address)' })
          .onConflict((oc) => oc.column('invoice_id').doNothing()).returning('invoice_id').executeTakeFirst();
        if (!r) return false; // another worker sent it
        await this.d.mailer.queue(trx, to.map((addr) => noticeMail(addr, { client: inv.name, number: inv.number, dueAt: new Date(inv.due_at), amountMinor: amount, suspendAt, link: `${this.d.publicUrl}/billing`, payTo: this.d.payTo })));
        await this.d.audit.record(trx, actor, { type: 'invoice.notice_sent', tenantId: inv.tenant_id, target: { type: 'invoice', id: inv.id }, data: { number: inv.number, amountDueMinor: amount, suspendAt: suspendAt.toISOString(), sentTo: to } });
        return true;
      });
      if (sent) noticed.push(inv.number);
    }
    if (noticed.length) await this.d.mailer.deliver();
    return noticed;
  }

  /** The Client's standing: the notices of its unpaid invoices, and whether access is suspended now. */
  async standing(tenantId: string) {
    const now = this.d.clock.now();
    const rows = await this.d.db
      .selectFrom('invoice_notice as n')
      .innerJoin('invoice_balance as b', 'b.id', 'n.invoice_id')
      .select(['b.id', 'b.number', 'b.balance_minor', 'n.sent_at', 'n.suspend_at'])
      .where('n.tenant_id', '=', tenantId)
      .where('b.paid_at', 'is', null)
      .where('b.balance_minor', '>', 0 as never)
      .orderBy('n.suspend_at')
      .execute();
    const suspendAt = rows[0] ? new Date(rows[0].suspend_at) : null;
    return {
      /** Where to pay by transfer, quoting the invoice number; null if the vendor did not configure it. */
      payTo: this.d.payTo.iban ? { iban: this.d.payTo.iban, bic: this.d.payTo.bic } : null,
      graceDays: this.d.graceDays,
      suspended: isSuspended(suspendAt, now),
      suspendAt: suspendAt?.toISOString() ?? null,
      unpaid: rows.map((r) => ({ invoiceId: r.id, number: r.number, amountDueMinor: Number(r.balance_minor), noticeSentAt: new Date(r.sent_at).toISOString(), suspendAt: new Date(r.suspend_at).toISOString() })),
    };
  }
}

function noticeMail(to: string, n: { client: string; number: string; dueAt: Date; amountMinor: number; suspendAt: Date; link: string; payTo: { iban: string | null; bic: string | null } }) {
  return {
    to,
    subject: `Justif : facture ${n.number} impayée — suspension de l’accès le ${longDay(n.suspendAt)}`,
    text: [
      'Bonjour,',
      '',
      `La facture ${n.number} de ${n.client}, échue le ${longDay(n.dueAt)}, reste impayée : ${formatMoney(n.amountMinor, 'EUR')} TTC restent dus.`,
      '',
      `Sans paiement, l’accès de ${n.client} à Justif sera suspendu le ${at(n.suspendAt)} (48 heures après le présent avis), jusqu’au paiement complet. Les données ne sont pas touchées ; les administrateurs gardent l’accès à la facturation, à l’export de réversibilité et aux outils RGPD.`,
      '',
      'Des intérêts de retard au taux de trois fois le taux d’intérêt légal, par jour de retard, et l’indemnité forfaitaire pour frais de recouvrement de 40 € sont dus et figureront sur la prochaine facture (articles L441-10 et D441-5 du Code de commerce).',
      '',
      ...(n.payTo.iban ? [`Paiement par virement en rappelant le n° ${n.number} : IBAN ${n.payTo.iban}${n.payTo.bic ? `, BIC ${n.payTo.bic}` : ''}.`, ''] : []),
      `Factures et paiement : ${n.link}`,
      '',
      '— Justif',
    ].join('\n'),
  };
}
