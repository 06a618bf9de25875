// Audit requests (R-GDPR-6, §8.4), free of HTTP. A Client's admin asks for an audit of the vendor
// with one month's notice (the proposed date at least one calendar month after today, Paris time)
// and a scope; at most one a year: a new request is refused (409) until 12 calendar months after the
// creation of the Client's last request — one the vendor cancelled does not count, as no audit took
// place. The vendor's operators track them: requested → scheduled (the agreed date, which may be
// moved) → done (a note of the report) or cancelled (why). Every rule reads the app's clock.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import { advisoryXactLock } from '../../../storage/db/locks.ts';
import type { AuditRequestStatus, DB, Row } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import type { Mailer } from '../../infra/mailer.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { activeAdmins, activeOperatorEmails } from '../users/users.repository.ts';

const ZONE = 'Europe/Paris';
export const AUDIT_NOTICE_MONTHS = 1;
export const AUDIT_INTERVAL_MONTHS = 12;
/** How far ahead a date may be proposed or agreed. */
const MAX_AHEAD_MONTHS = 24;

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export class AuditRequestsService {
  constructor(private readonly d: { db: Kysely<DB>; clock: Clock; audit: AuditService; mailer: Mailer; publicUrl: string }) {}

  private today() {
    return DateTime.fromJSDate(this.d.clock.now(), { zone: ZONE }).startOf('day');
  }

  /** The earliest date an audit may be proposed for today, and when the Client may ask next. */
  private async rules(db: Kysely<DB>, tenantId: string) {
    const last = await db.selectFrom('audit_request').select('requested_at').where('tenant_id', '=', tenantId).where('status', '<>', 'cancelled')
      .orderBy('requested_at', 'desc').limit(1).executeTakeFirst();
    const nextFrom = last ? DateTime.fromJSDate(new Date(last.requested_at), { zone: ZONE }).plus({ months: AUDIT_INTERVAL_MONTHS }) : null;
    return { earliestDate: this.today().plus({ months: AUDIT_NOTICE_MONTHS }).toISODate()!, nextFrom };
  }

  /** The Client's requests, newest first, with the dates the form needs. */
  async forClient(tdb: TenantDb) {
    const [rows, rules] = await Promise.all([
      tdb.selectFrom('audit_request').selectAll().orderBy('requested_at', 'desc').execute(),
      this.rules(this.d.db, tdb.tenantId),
    ]);
    const now = this.d.clock.now();
    const nextFrom = rules.nextFrom && rules.nextFrom.toJSDate() > now ? rules.nextFrom.toJSDate().toISOString() : null;
    return { items: rows.map((r) => view(r)), earliestDate: rules.earliestDate, nextRequestFrom: nextFrom, canRequest: !nextFrom };
  }

  async request(tdb: TenantDb, actor: AuditActor, v: { proposedDate: string; scope: string }) {
    const proposed = DateTime.fromISO(v.proposedDate, { zone: ZONE });
    const earliest = this.today().plus({ months: AUDIT_NOTICE_MONTHS });
    if (proposed < earliest)
      throw new AppError('validation', `An audit needs one month's notice: propose ${earliest.toISODate()} or later`, { errors: [{ path: 'body.proposedDate', message: `on or after ${earliest.toISODate()}` }] });
    if (proposed > this.today().plus({ months: MAX_AHEAD_MONTHS }))
      throw new AppError('validation', 'The proposed date is too far ahead', { errors: [{ path: 'body.proposedDate', message: `within ${MAX_AHEAD_MONTHS} months` }] });
    const id = randomUUID();
    const t = await this.d.db.selectFrom('tenant').select('name').where('id', '=', tdb.tenantId).executeTakeFirstOrThrow();
    const operators = await activeOperatorEmails(this.d.db);
    await this.d.db.transaction().execute(async (trx) => {
      // one request at a time per Client, so two at once cannot both pass the yearly limit
      await advisoryXactLock(trx, `audit_request:${tdb.tenantId}`);
      const { nextFrom } = await this.rules(trx, tdb.tenantId);
      const now = this.d.clock.now();
      if (nextFrom && nextFrom.toJSDate() > now)
        throw new AppError('conflict', `At most one audit a year: the next request can be made from ${nextFrom.toISODate()}`, { nextRequestFrom: nextFrom.toJSDate().toISOString() });
      await trx.insertInto('audit_request').values({
        id, tenant_id: tdb.tenantId, requested_at: now, requested_by: actor.userId!, proposed_date: v.proposedDate, scope: v.scope,
        agreed_date: null, scheduled_at: null, scheduled_by: null, closed_at: null, closed_by: null, close_note: null,
      }).execute();
      await this.d.audit.record(trx, actor, { type: 'audit_request.created', tenantId: tdb.tenantId, target: { type: 'audit_request', id }, data: { proposedDate: v.proposedDate } });
      await this.d.mailer.queue(trx, operators.map((to) => ({
        to, subject: `Justif: ${t.name} requests an audit (§8.4)`,
        text: `${t.name} requests an audit of the vendor's compliance with its data-protection duties, proposed for ${v.proposedDate}.\n\nScope:\n${v.scope}\n\nSchedule it (the agreed date), or cancel it, from the operators' GDPR page.`,
      })));
    });
    await this.d.mailer.deliver();
    return view(await this.d.db.selectFrom('audit_request').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  }

  /** Every Client's requests, open first then newest, for the operators. */
  async list(status?: AuditRequestStatus) {
    let q = this.d.db.selectFrom('audit_request as a').innerJoin('tenant as t', 't.id', 'a.tenant_id').selectAll('a').select('t.name as client_name');
    if (status) q = q.where('a.status', '=', status);
    const rows = await q.orderBy('a.requested_at', 'desc').limit(500).execute();
    return { items: rows.map((r) => ({ ...view(r), tenantId: r.tenant_id, clientName: r.client_name })) };
  }

  async schedule(actor: AuditActor, id: string, agreedDate: string) {
    const agreed = DateTime.fromISO(agreedDate, { zone: ZONE });
    if (agreed < this.today())
      throw new AppError('validation', 'The agreed date is in the past', { errors: [{ path: 'body.agreedDate', message: `on or after ${this.today().toISODate()}` }] });
    if (agreed > this.today().plus({ months: MAX_AHEAD_MONTHS }))
      throw new AppError('validation', 'The agreed date is too far ahead', { errors: [{ path: 'body.agreedDate', message: `within ${MAX_AHEAD_MONTHS} months` }] });
    return this.move(actor, id, ['requested', 'scheduled'], async (r) => ({
      set: { status: 'scheduled' as const, agreed_date: agreedDate, scheduled_at: this.d.clock.now(), scheduled_by: actor.userId },
      event: { type: 'audit_request.scheduled' as const, data: { agreedDate, rescheduled: r.status === 'scheduled' } },
      mail: { fr: `L’audit demandé par {client} est fixé au ${agreedDate}.`, en: `The audit requested by {client} is scheduled on ${agreedDate}.` },
    }));
  }

  async done(actor: AuditActor, id: string, note: string) {
    return this.move(actor, id, ['scheduled'], async (r) => {
      if (this.today() < DateTime.fromISO(r.agreed_date!, { zone: ZONE })) throw new AppError('not-due', `The audit is scheduled on ${r.agreed_date}: it cannot be done before`);
      return {
        set: { status: 'done' as const, closed_at: this.d.clock.now(), closed_by: actor.userId, close_note: note },
        event: { type: 'audit_request.done' as const, data: {} },
        mail: { fr: `L’audit de {client} du ${r.agreed_date} est clos. Note du rapport :\n${note}`, en: `The audit of {client} of ${r.agreed_date} is closed. Report note:\n${note}` },
      };
    });
  }

  async cancel(actor: AuditActor, id: string, reason: string) {
    return this.move(actor, id, ['requested', 'scheduled'], async () => ({
      set: { status: 'cancelled' as const, closed_at: this.d.clock.now(), closed_by: actor.userId, close_note: reason },
      event: { type: 'audit_request.cancelled' as const, data: {} },
      mail: { fr: `La demande d’audit de {client} est annulée :\n${reason}`, en: `The audit request of {client} is cancelled:\n${reason}` },
    }));
  }

  private async move(
    actor: AuditActor, id: string, from: AuditRequestStatus[],
    step: (r: Row<'audit_request'>) => Promise<{
      set: Partial<{ status: AuditRequestStatus; agreed_date: string; scheduled_at: Date; scheduled_by: string | null; closed_at: Date; closed_by: string | null; close_note: string }>;
      event: { type: 'audit_request.scheduled'; data: { agreedDate: string; rescheduled: boolean } } | { type: 'audit_request.done' | 'audit_request.cancelled'; data: Record<string, never> };
      mail: { fr: string; en: string };
    }>,
  ) {
    await this.d.db.transaction().execute(async (trx) => {
      const r = await trx.selectFrom('audit_request').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!r) throw new AppError('not-found', 'No such audit request');
      if (!from.includes(r.status)) throw new AppError('conflict', `Not possible for a request that is ${r.status}`, { currentStatus: r.status });
      const s = await step(r);
      await trx.updateTable('audit_request').set(s.set).where('id', '=', id).execute();
      await this.d.audit.record(trx, actor, { ...s.event, tenantId: r.tenant_id, target: { type: 'audit_request', id } } as never);
      const t = await trx.selectFrom('tenant').select('name').where('id', '=', r.tenant_id).executeTakeFirstOrThrow();
      const link = `${this.d.publicUrl}/gdpr`;
      await this.d.mailer.queue(trx, (await activeAdmins(trx, r.tenant_id)).map((a) => a.locale === 'en'
        ? { to: a.email, subject: 'Justif: your audit request', text: `Hello ${a.name},\n\n${s.mail.en.replace('{client}', t.name)}\n\n${link}\n` }
        : { to: a.email, subject: 'Justif : votre demande d’audit', text: `Bonjour ${a.name},\n\n${s.mail.fr.replace('{client}', t.name)}\n\n${link}\n` }));
    });
    await this.d.mailer.deliver();
    const row = await this.d.db.selectFrom('audit_request as a').innerJoin('tenant as t', 't.id', 'a.tenant_id').selectAll('a').select('t.name as client_name').where('a.id', '=', id).executeTakeFirstOrThrow();
    return { ...view(row), tenantId: row.tenant_id, clientName: row.client_name };
  }
}

function view(r: Row<'audit_request'>) {
  return {
    id: r.id, requestedAt: iso(r.requested_at)!, proposedDate: r.proposed_date, scope: r.scope, status: r.status,
    agreedDate: r.agreed_date, scheduledAt: iso(r.scheduled_at), closedAt: iso(r.closed_at),
    /** done: the report's note; cancelled: why */
    closeNote: r.close_note,
  };
}
