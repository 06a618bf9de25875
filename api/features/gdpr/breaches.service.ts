// The breach register (R-GDPR-3, §8.2.j), free of HTTP. An operator records an incident once, with
// the time the vendor learnt of it and what Art. 33(3) asks; every affected Client must be told within
// 48 hours of that time — the register shows the countdown and flags it overdue. Notifying sends each
// affected Client's active admins the Art. 33 information by mail (and in the app), once per Client:
// the notification row's primary key makes a second click a no-op, and the mails are queued in the
// transaction that writes it. What is learnt later goes into an append-only, dated follow-up log.
// A Client's admins read the incidents that concern their Client — never another Client's name.
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB, Row } from '../../../storage/db/schema.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import type { Mail, Mailer } from '../../infra/mailer.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { activeAdmins } from '../users/users.repository.ts';

export const BREACH_NOTICE_HOURS = 48;
const HOUR_MS = 3_600_000;

export interface BreachInput {
  title: string;
  detectedAt: Date;
  nature: string;
  dataCategories: string[];
  subjectsApprox: number;
  recordsApprox: number;
  consequences: string;
  measures: string;
  contact: string;
  /** Every Client not destroyed, or the ones listed. */
  clients: 'all' | string[];
}

type BreachRow = Row<'gdpr_breach'>;

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);
const fmt = (d: Date, locale: 'fr' | 'en') =>
  new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'Europe/Paris' }).format(d);
const num = (n: number, locale: 'fr' | 'en') => new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB').format(n);

export class BreachesService {
  constructor(private readonly d: { db: Kysely<DB>; clock: Clock; audit: AuditService; mailer: Mailer; publicUrl: string }) {}

  /** Records an incident; its 48-hour clock runs from `detectedAt`. */
  async record(actor: AuditActor, v: BreachInput) {
    const now = this.d.clock.now();
    if (v.detectedAt.getTime() > now.getTime())
      throw new AppError('validation', 'The detection time cannot be in the future', { errors: [{ path: 'body.detectedAt', message: 'in the future' }] });
    const id = randomUUID();
    await this.d.db.transaction().execute(async (trx) => {
      let tenantIds: string[];
      if (v.clients === 'all') {
        tenantIds = (await trx.selectFrom('tenant').select('id').where('status', '<>', 'destroyed').execute()).map((t) => t.id);
      } else {
        tenantIds = [...new Set(v.clients)];
        const found = await trx.selectFrom('tenant').select('id').where('id', 'in', tenantIds).where('status', '<>', 'destroyed').execute();
        const known = new Set(found.map((t) => t.id));
        const unknown = tenantIds.filter((t) => !known.has(t));
        if (unknown.length) throw new AppError('validation', 'Unknown Clients', { errors: unknown.map((t) => ({ path: 'body.clients', message: `no Client ${t}` })) });
      }
      if (tenantIds.length === 0) throw new AppError('validation', 'No Client is affected', { errors: [{ path: 'body.clients', message: 'no Client' }] });
      await trx.insertInto('gdpr_breach').values({
        id, title: v.title, detected_at: v.detectedAt, recorded_at: now, recorded_by: actor.userId!, notify_by: new Date(v.detectedAt.getTime() + BREACH_NOTICE_HOURS * HOUR_MS),
        nature: v.nature, data_categories: v.dataCategories, subjects_approx: v.subjectsApprox, records_approx: v.recordsApprox,
        consequences: v.consequences, measures: v.measures, contact: v.contact, scope: v.clients === 'all' ? 'all' : 'some',
      }).execute();
      await trx.insertInto('gdpr_breach_client').values(tenantIds.map((tenant_id) => ({ breach_id: id, tenant_id }))).execute();
      await this.d.audit.record(trx, actor, {
        type: 'gdpr_breach.recorded', tenantId: null, target: { type: 'gdpr_breach', id },
        data: { detectedAt: v.detectedAt.toISOString(), scope: v.clients === 'all' ? 'all' : 'some', clients: tenantIds.length },
      });
    });
    return this.get(id);
  }

  /** Every incident, newest detection first, with its clock and each Client's notification. */
  async list() {
    const rows = await this.d.db.selectFrom('gdpr_breach').selectAll().orderBy('detected_at', 'desc').limit(500).execute();
    return { items: await this.views(rows) };
  }

  async get(id: string) {
    const row = await this.d.db.selectFrom('gdpr_breach').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('not-found', 'No such incident');
    return (await this.views([row]))[0]!;
  }

  /** Notifies the affected Clients not yet notified (or those listed): each exactly once. */
  async notify(actor: AuditActor, id: string, only?: string[]) {
    const b = await this.d.db.selectFrom('gdpr_breach').selectAll().where('id', '=', id).executeTakeFirst();
    if (!b) throw new AppError('not-found', 'No such incident');
    let targets = await this.d.db.selectFrom('gdpr_breach_client as c').innerJoin('tenant as t', 't.id', 'c.tenant_id')
      .leftJoin('gdpr_breach_notification as n', (j) => j.onRef('n.breach_id', '=', 'c.breach_id').onRef('n.tenant_id', '=', 'c.tenant_id'))
      .select(['c.tenant_id', 't.name', 'n.notified_at']).where('c.breach_id', '=', id).orderBy('t.name').execute();
    if (only) {
      const affected = new Set(targets.map((t) => t.tenant_id));
      const strangers = only.filter((t) => !affected.has(t));
      if (strangers.length) throw new AppError('validation', 'Not affected by this incident', { errors: strangers.map((t) => ({ path: 'body.tenantIds', message: `Client ${t} is not affected` })) });
      targets = targets.filter((t) => only.includes(t.tenant_id));
    }
    const notified: { tenantId: string; name: string; sentTo: string[] }[] = [];
    const unreachable: { tenantId: string; name: string }[] = [];
    for (const t of targets.filter((x) => !x.notified_at)) {
      const done = await this.d.db.transaction().execute(async (trx) => {
        const admins = await activeAdmins(trx, t.tenant_id);
        if (admins.length === 0) return null;
        const now = this.d.clock.now();
        const sentTo = admins.map((a) => a.email.toLowerCase());
        const r = await trx.insertInto('gdpr_breach_notification').values({ breach_id: id, tenant_id: t.tenant_id, notified_at: now, notified_by: actor.userId!, sent_to: sentTo })
          .onConflict((oc) => oc.columns(['breach_id', 'tenant_id']).doNothing()).returning('tenant_id').executeTakeFirst();
        if (!r) return undefined; // notified meanwhile (a second click, another operator)
        await trx.insertInto('notification').values(admins.map((a) => ({ id: randomUUID(), tenant_id: t.tenant_id, user_id: a.id, kind: 'gdpr_breach', expense_id: null, data: JSON.stringify({ breachId: id, title: b.title }) }))).execute();
        await this.d.mailer.queue(trx, admins.map((a) => art33Mail(a, t.name, b, `${this.d.publicUrl}/gdpr`)));
        const late = now.getTime() > new Date(b.notify_by).getTime();
        await this.d.audit.record(trx, actor, { type: 'gdpr_breach.notified', tenantId: t.tenant_id, target: { type: 'gdpr_breach', id }, data: { recipients: sentTo.length, late, notifyBy: new Date(b.notify_by).toISOString() } });
        return sentTo;
      });
      if (done) notified.push({ tenantId: t.tenant_id, name: t.name, sentTo: done });
      else if (done === null) unreachable.push({ tenantId: t.tenant_id, name: t.name });
    }
    if (notified.length) await this.d.mailer.deliver();
    return { notified, unreachable, breach: await this.get(id) };
  }

  /** Appends a dated entry to the incident's follow-up log. */
  async addFollowUp(actor: AuditActor, id: string, text: string) {
    await this.d.db.transaction().execute(async (trx) => {
      const b = await trx.selectFrom('gdpr_breach').select('id').where('id', '=', id).executeTakeFirst();
      if (!b) throw new AppError('not-found', 'No such incident');
      const entryId = randomUUID();
      await trx.insertInto('gdpr_breach_follow_up').values({ id: entryId, breach_id: id, at: this.d.clock.now(), by_user: actor.userId!, text }).execute();
      await this.d.audit.record(trx, actor, { type: 'gdpr_breach.follow_up', tenantId: null, target: { type: 'gdpr_breach', id }, data: { entryId } });
    });
    return this.get(id);
  }

  /** The incidents that concern one Client, with its own notification and the follow-ups (read-only). */
  async forClient(tenantId: string) {
    const rows = await this.d.db.selectFrom('gdpr_breach as b').innerJoin('gdpr_breach_client as c', 'c.breach_id', 'b.id')
      .selectAll('b').where('c.tenant_id', '=', tenantId).orderBy('b.detected_at', 'desc').limit(500).execute();
    const views = await this.views(rows, tenantId);
    return {
      items: views.map(({ clients, pending: _p, ...v }) => {
        const mine = clients[0];
        return { ...v, notification: mine?.notifiedAt ? { notifiedAt: mine.notifiedAt, sentTo: mine.sentTo, late: mine.late } : null };
      }),
    };
  }

  private async views(rows: BreachRow[], onlyTenant?: string) {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    let cq = this.d.db.selectFrom('gdpr_breach_client as c').innerJoin('tenant as t', 't.id', 'c.tenant_id')
      .leftJoin('gdpr_breach_notification as n', (j) => j.onRef('n.breach_id', '=', 'c.breach_id').onRef('n.tenant_id', '=', 'c.tenant_id'))
      .select(['c.breach_id', 'c.tenant_id', 't.name', 'n.notified_at', 'n.sent_to']).where('c.breach_id', 'in', ids);
    if (onlyTenant) cq = cq.where('c.tenant_id', '=', onlyTenant);
    const [clients, followUps] = await Promise.all([
      cq.orderBy('t.name').execute(),
      this.d.db.selectFrom('gdpr_breach_follow_up').select(['id', 'breach_id', 'at', 'text']).where('breach_id', 'in', ids).orderBy('at').orderBy('id').execute(),
    ]);
    const now = this.d.clock.now().getTime();
    return rows.map((b) => {
      const notifyBy = new Date(b.notify_by);
      const mine = clients.filter((c) => c.breach_id === b.id).map((c) => ({
        tenantId: c.tenant_id, name: c.name, notifiedAt: iso(c.notified_at), sentTo: c.sent_to ?? [],
        late: !!c.notified_at && new Date(c.notified_at).getTime() > notifyBy.getTime(),
      }));
      const pending = mine.filter((c) => !c.notifiedAt).length;
      const secondsLeft = Math.floor((notifyBy.getTime() - now) / 1000);
      return {
        id: b.id, title: b.title, detectedAt: iso(b.detected_at)!, recordedAt: iso(b.recorded_at)!,
        nature: b.nature, dataCategories: b.data_categories, subjectsApprox: b.subjects_approx, recordsApprox: Number(b.records_approx),
        consequences: b.consequences, measures: b.measures, contact: b.contact, scope: b.scope,
        /** The 48-hour clock: stopped once every affected Client is notified. */
        clock: { notifyBy: notifyBy.toISOString(), secondsLeft, overdue: pending > 0 && secondsLeft < 0, running: pending > 0 },
        pending,
        clients: mine,
        followUps: followUps.filter((f) => f.breach_id === b.id).map((f) => ({ id: f.id, at: iso(f.at)!, text: f.text })),
      };
    });
  }
}


/** The Art. 33(3) information, in the admin's language. */
function art33Mail(to: { email: string; name: string; locale: string }, client: string, b: BreachRow, link: string): Mail {
  const fr = to.locale !== 'en';
  const l = fr ? 'fr' : 'en';
  const detected = fmt(new Date(b.detected_at), l);
  const body = fr
    ? [
        `Bonjour ${to.name},`,
        '',
        `En qualité de sous-traitant de ${client}, Justif vous notifie une violation de données à caractère personnel (article 33 du RGPD ; article 8.2.j des conditions), dont nous avons pris connaissance le ${detected}.`,
        '',
        `Incident : ${b.title}`,
        '',
        `Nature de la violation :\n${b.nature}`,
        '',
        `Catégories de données concernées : ${b.data_categories.join(', ')}`,
        `Nombre approximatif de personnes concernées : ${num(b.subjects_approx, l)}`,
        `Nombre approximatif d’enregistrements concernés : ${num(Number(b.records_approx), l)}`,
        '',
        `Conséquences probables :\n${b.consequences}`,
        '',
        `Mesures prises ou proposées :\n${b.measures}`,
        '',
        `Point de contact pour plus d’informations : ${b.contact}`,
        '',
        `Ces informations vous permettent de notifier, le cas échéant, la CNIL dans les 72 heures. Le suivi de l’incident est consultable dans Justif : ${link}`,
        '',
        '— Justif',
      ]
    : [
        `Hello ${to.name},`,
        '',
        `As ${client}'s processor, Justif notifies you of a personal data breach (GDPR Art. 33; section 8.2.j of the terms), which we became aware of on ${detected}.`,
        '',
        `Incident: ${b.title}`,
        '',
        `Nature of the breach:\n${b.nature}`,
        '',
        `Categories of data concerned: ${b.data_categories.join(', ')}`,
        `Approximate number of people concerned: ${num(b.subjects_approx, l)}`,
        `Approximate number of records concerned: ${num(Number(b.records_approx), l)}`,
        '',
        `Likely consequences:\n${b.consequences}`,
        '',
        `Measures taken or proposed:\n${b.measures}`,
        '',
        `Contact point for more information: ${b.contact}`,
        '',
        `This lets you notify your supervisory authority within 72 hours where required. The incident's follow-up is in Justif: ${link}`,
        '',
        '— Justif',
      ];
  return {
    to: to.email,
    subject: fr ? `Justif : notification d’une violation de données — ${b.title}` : `Justif: personal data breach notification — ${b.title}`,
    text: body.join('\n'),
  };
}
