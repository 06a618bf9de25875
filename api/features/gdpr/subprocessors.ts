// The subprocessor registry (R-GDPR-1, §8.2.d), free of HTTP. The vendor, as processor, lists the
// subprocessors it uses — seeded from this deployment's configuration (database, object storage,
// mail, hosting) — and announces each change (add, replace, remove) to every Client's admins, by
// mail and in the app, with the date it takes effect: at least one calendar month later (Paris).
// Until then a Client may object; an operator then records the decision for that Client: the change
// stays on hold for it, or it may terminate. A change is in force for a Client from its date unless
// that Client objected and the decision is not "may terminate" (pending or on hold) — derived at
// each read from the rows, never stored, so nothing needs to run at the deadline.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB, Row } from '../../../storage/db/schema.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import type { Mailer } from '../../infra/mailer.ts';
import { inEea } from '../../lib/countries.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { activeAdmins, activeOperatorEmails } from '../users/users.repository.ts';
import { longDay } from '../../lib/dates.ts';

export const SubprocessorEntry = z.strictObject({
  name: z.string().trim().min(1).max(200),
  legalEntity: z.string().trim().min(1).max(300),
  purpose: z.string().trim().min(1).max(500),
  dataCategories: z.array(z.string().trim().min(1).max(100)).min(1).max(20),
  country: z.string().regex(/^[A-Z]{2}$/, 'a country code, e.g. FR'),
  /** Required outside the EU/EEA: the transfer's safeguard (e.g. the Commission's standard contractual clauses). */
  safeguard: z.string().trim().min(1).max(500).nullable().default(null),
});
export type SubprocessorEntry = z.infer<typeof SubprocessorEntry>;
/** A subprocessor this deployment's configuration says it uses (`key`: stable, so a restart adds nothing twice). */
export type ConfiguredSubprocessor = SubprocessorEntry & { key: string };

export type ChangeStatusForClient = 'announced' | 'objected' | 'on_hold' | 'may_terminate' | 'effective' | 'cancelled';

const view = (s: Row<'subprocessor'>) => ({
  id: s.id, name: s.name, legalEntity: s.legal_entity, purpose: s.purpose, dataCategories: s.data_categories, country: s.country, inEea: s.in_eea, safeguard: s.safeguard,
  since: new Date(s.since).toISOString(), source: s.source,
});
export type SubprocessorView = ReturnType<typeof view>;

/** The earliest date a change announced at `at` may take effect: one calendar month later (Paris). */
export const earliestEffective = (at: Date) => DateTime.fromJSDate(at, { zone: 'Europe/Paris' }).plus({ months: 1 }).toJSDate();

export class SubprocessorsService {
  constructor(private readonly d: { db: Kysely<DB>; clock: Clock; audit: AuditService; mailer: Mailer; publicUrl: string }) {}

  /** Adds the configured subprocessors not in the registry yet (at start; a restart adds nothing twice). */
  async seed(configured: ConfiguredSubprocessor[]): Promise<void> {
    for (const c of configured) {
      if (!inEea(c.country) && !c.safeguard) throw new Error(`Subprocessor ${c.key} is outside the EU/EEA (${c.country}): its transfer safeguard is required`);
      await this.d.db.insertInto('subprocessor').values({ ...this.row(c), source: 'config', config_key: c.key }).onConflict((oc) => oc.column('config_key').doNothing()).execute();
    }
  }

  private row(e: SubprocessorEntry, since = this.d.clock.now()) {
    return { id: randomUUID(), name: e.name, legal_entity: e.legalEntity, purpose: e.purpose, data_categories: e.dataCategories, country: e.country, in_eea: inEea(e.country), safeguard: e.safeguard, since };
  }

  private async load() {
    const [entries, changes] = await Promise.all([
      this.d.db.selectFrom('subprocessor').selectAll().orderBy('since').orderBy('name').execute(),
      this.d.db.selectFrom('subprocessor_change').selectAll().orderBy('effective_at').orderBy('announced_at').execute(),
    ]);
    return { entries, changes };
  }

  /**
   * The entries in force at `now`: seeded ones, and those of changes in effect; minus those a change
   * in effect removed. `heldBack`: changes not in effect for one Client (its objection).
   */
  private inForce(entries: Row<'subprocessor'>[], changes: Row<'subprocessor_change'>[], now: Date, heldBack = new Set<string>()) {
    const live = changes.filter((c) => !c.cancelled_at && new Date(c.effective_at) <= now && !heldBack.has(c.id));
    const added = new Map(changes.filter((c) => c.added_id).map((c) => [c.added_id!, c]));
    const removed = new Set(live.map((c) => c.removed_id).filter(Boolean));
    return entries.filter((e) => {
      const by = added.get(e.id);
      if (by && !live.includes(by)) return false;
      return !removed.has(e.id);
    });
  }

  private changeView(c: Row<'subprocessor_change'>, byId: Map<string, Row<'subprocessor'>>) {
    return {
      id: c.id, kind: c.kind, reason: c.reason, announcedAt: new Date(c.announced_at).toISOString(), effectiveAt: new Date(c.effective_at).toISOString(),
      cancelledAt: c.cancelled_at ? new Date(c.cancelled_at).toISOString() : null,
      added: c.added_id ? view(byId.get(c.added_id)!) : null, removed: c.removed_id ? view(byId.get(c.removed_id)!) : null,
    };
  }

  /** The public list: the subprocessors in force, with the dated history of announced changes. */
  async publicList() {
    const now = this.d.clock.now();
    const { entries, changes } = await this.load();
    const byId = new Map(entries.map((e) => [e.id, e]));
    return {
      asOf: now.toISOString(),
      subprocessors: this.inForce(entries, changes, now).map(view),
      changes: changes.filter((c) => !c.cancelled_at).map((c) => ({ ...this.changeView(c, byId), inEffect: new Date(c.effective_at) <= now })).reverse(),
    };
  }

  /** What a Client sees: the list in force for it, and each change with its own standing (and its objection). */
  async clientView(tenantId: string) {
    const now = this.d.clock.now();
    const [{ entries, changes }, objections, instructions] = await Promise.all([
      this.load(),
      this.d.db.selectFrom('subprocessor_objection').selectAll().where('tenant_id', '=', tenantId).execute(),
      this.d.db.selectFrom('transfer_instruction').selectAll().where('tenant_id', '=', tenantId).execute(),
    ]);
    const mine = new Map(objections.map((o) => [o.change_id, o]));
    const instructed = new Map(instructions.map((i) => [i.subprocessor_id, i]));
    const heldBack = new Set(objections.filter((o) => o.decision !== 'may_terminate').map((o) => o.change_id));
    const byId = new Map(entries.map((e) => [e.id, e]));
    // outside the EU/EEA: flagged, with the Client's instruction or the need for one (§8.3)
    const withTransfer = (e: Row<'subprocessor'>) => {
      const i = instructed.get(e.id);
      return { ...view(e), transfer: e.in_eea ? null : { instructedAt: i ? new Date(i.instructed_at).toISOString() : null, note: i?.note ?? null } };
    };
    return {
      subprocessors: this.inForce(entries, changes, now, heldBack).map(withTransfer),
      changes: changes.map((c) => {
        const o = mine.get(c.id);
        const status: ChangeStatusForClient = c.cancelled_at ? 'cancelled' : o ? (o.decision ?? 'objected') : new Date(c.effective_at) <= now ? 'effective' : 'announced';
        return {
          ...this.changeView(c, byId), status, canObject: !c.cancelled_at && !o && now < new Date(c.effective_at),
          objection: o ? { objectedAt: new Date(o.objected_at).toISOString(), reason: o.reason, decision: o.decision, decidedAt: o.decided_at ? new Date(o.decided_at).toISOString() : null, note: o.decision_note } : null,
        };
      }).reverse(),
    };
  }

  /** The Client's written instruction allowing a transfer outside the EU/EEA to a subprocessor there (§8.3), once. */
  async instructTransfer(tdb: TenantDb, actor: AuditActor, subprocessorId: string, note: string) {
    const e = await this.d.db.selectFrom('subprocessor').selectAll().where('id', '=', subprocessorId).executeTakeFirst();
    if (!e) throw new AppError('not-found', 'No such subprocessor');
    if (e.in_eea) throw new AppError('conflict', `${e.name} is in the EU/EEA: no transfer to instruct`);
    await this.d.db.transaction().execute(async (trx) => {
      const r = await trx.insertInto('transfer_instruction').values({ subprocessor_id: subprocessorId, tenant_id: tdb.tenantId, instructed_at: this.d.clock.now(), instructed_by: actor.userId!, note })
        .onConflict((oc) => oc.columns(['subprocessor_id', 'tenant_id']).doNothing()).returning('tenant_id').executeTakeFirst();
      if (!r) throw new AppError('conflict', 'Your company gave this instruction already');
      await this.d.audit.record(trx, actor, { type: 'subprocessor.transfer_instructed', tenantId: tdb.tenantId, target: { type: 'subprocessor', id: subprocessorId }, data: { country: e.country } });
    });
    return this.clientView(tdb.tenantId);
  }

  /** Every change with the Clients' objections (operators). */
  async vendorView() {
    const [{ entries, changes }, objections] = await Promise.all([
      this.load(),
      this.d.db.selectFrom('subprocessor_objection as o').innerJoin('tenant as t', 't.id', 'o.tenant_id').selectAll('o').select('t.name as tenant_name').orderBy('o.objected_at').execute(),
    ]);
    const byId = new Map(entries.map((e) => [e.id, e]));
    const now = this.d.clock.now();
    const instructions = await this.d.db.selectFrom('transfer_instruction').select(['subprocessor_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('subprocessor_id').execute();
    const instructedBy = new Map(instructions.map((i) => [i.subprocessor_id, Number(i.n)]));
    return {
      subprocessors: this.inForce(entries, changes, now).map((e) => ({ ...view(e), instructedClients: e.in_eea ? null : (instructedBy.get(e.id) ?? 0) })),
      changes: changes.map((c) => ({
        ...this.changeView(c, byId), inEffect: !c.cancelled_at && new Date(c.effective_at) <= now,
        objections: objections.filter((o) => o.change_id === c.id).map((o) => ({
          tenantId: o.tenant_id, tenantName: o.tenant_name, objectedAt: new Date(o.objected_at).toISOString(), reason: o.reason, decision: o.decision,
          decidedAt: o.decided_at ? new Date(o.decided_at).toISOString() : null, note: o.decision_note,
        })),
      })).reverse(),
    };
  }

  /** Announces a change to every Client's admins (mail and in-app); it takes effect on `effectiveAt`, at least a month later. */
  async announce(actor: AuditActor, c: { kind: 'add' | 'replace' | 'remove'; entry?: SubprocessorEntry; removedId?: string; reason: string; effectiveAt: Date }) {
    const now = this.d.clock.now();
    const earliest = earliestEffective(now);
    if (c.effectiveAt < earliest)
      throw new AppError('validation', `A change takes effect at least one month after its announcement: ${earliest.toISOString()} at the earliest`, { errors: [{ path: 'effectiveAt', message: 'less than one month ahead' }] });
    if ((c.kind === 'remove') !== !c.entry) throw new AppError('validation', c.kind === 'remove' ? 'A removal names no new entry' : 'The entry that comes in is required', { errors: [{ path: 'entry', message: 'required for add and replace, not for remove' }] });
    if ((c.kind === 'add') !== !c.removedId) throw new AppError('validation', c.kind === 'add' ? 'An addition removes nothing' : 'The entry that goes is required', { errors: [{ path: 'removedId', message: 'required for replace and remove, not for add' }] });
    if (c.entry && !inEea(c.entry.country) && !c.entry.safeguard)
      throw new AppError('validation', `${c.entry.country} is outside the EU/EEA: the transfer's safeguard is required`, { errors: [{ path: 'entry.safeguard', message: 'required outside the EU/EEA' }] });
    const { entries, changes } = await this.load();
    if (c.removedId) {
      if (!this.inForce(entries, changes, now).some((e) => e.id === c.removedId)) throw new AppError('conflict', 'That subprocessor is not in force');
      if (changes.some((x) => !x.cancelled_at && x.removed_id === c.removedId)) throw new AppError('conflict', 'A change already removes that subprocessor');
    }
    const id = randomUUID();
    const tenants = await this.d.db.selectFrom('tenant').select(['id', 'name']).where('status', '<>', 'destroyed').execute();
    await this.d.db.transaction().execute(async (trx) => {
      const added = c.entry ? this.row(c.entry, c.effectiveAt) : null;
      if (added) await trx.insertInto('subprocessor').values({ ...added, source: 'change', config_key: null }).execute();
      await trx.insertInto('subprocessor_change').values({ id, kind: c.kind, added_id: added?.id ?? null, removed_id: c.removedId ?? null, reason: c.reason, announced_at: now, effective_at: c.effectiveAt, announced_by: actor.userId!, cancelled_at: null }).execute();
      const removedName = c.removedId ? entries.find((e) => e.id === c.removedId)!.name : null;
      const what = { kind: c.kind, added: c.entry?.name ?? null, removed: removedName, effectiveAt: c.effectiveAt };
      const admins = await trx.selectFrom('app_user as u').innerJoin('user_role as r', 'r.user_id', 'u.id').select(['u.id', 'u.email', 'u.tenant_id', 'u.locale'])
        .where('r.role', '=', 'admin').where('u.status', '=', 'active').where('u.tenant_id', 'in', tenants.length ? tenants.map((t) => t.id) : ['00000000-0000-0000-0000-000000000000']).execute();
      if (admins.length) {
        await trx.insertInto('notification').values(admins.map((a) => ({ id: randomUUID(), tenant_id: a.tenant_id!, user_id: a.id, kind: 'subprocessor_change', expense_id: null, data: JSON.stringify({ changeId: id, ...what, effectiveAt: c.effectiveAt.toISOString() }) }))).execute();
        await this.d.mailer.queue(trx, admins.map((a) => changeMail(a.email, a.locale, what, c.reason, `${this.d.publicUrl}/gdpr/subprocessors`)));
      }
      await this.d.audit.record(trx, actor, { type: 'subprocessor.change_announced', tenantId: null, target: { type: 'subprocessor_change', id }, data: { kind: c.kind, added: what.added, removed: removedName, effectiveAt: c.effectiveAt.toISOString(), clients: tenants.length } });
    });
    await this.d.mailer.deliver();
    return (await this.vendorView()).changes.find((x) => x.id === id)!;
  }

  /** Withdraws an announced change before it takes effect. */
  async cancel(actor: AuditActor, changeId: string) {
    await this.d.db.transaction().execute(async (trx) => {
      const c = await trx.selectFrom('subprocessor_change').selectAll().where('id', '=', changeId).forUpdate().executeTakeFirst();
      if (!c) throw new AppError('not-found', 'No such change');
      if (c.cancelled_at || new Date(c.effective_at) <= this.d.clock.now()) throw new AppError('conflict', 'Only an announced change not yet in effect can be withdrawn');
      await trx.updateTable('subprocessor_change').set({ cancelled_at: this.d.clock.now() }).where('id', '=', changeId).execute();
      await this.d.audit.record(trx, actor, { type: 'subprocessor.change_cancelled', tenantId: null, target: { type: 'subprocessor_change', id: changeId }, data: {} });
    });
    return (await this.vendorView()).changes.find((x) => x.id === changeId)!;
  }

  /** The Client's admin objects to an announced change, until it takes effect (once). */
  async object(tdb: TenantDb, actor: AuditActor, changeId: string, reason: string) {
    const now = this.d.clock.now();
    const tenant = await this.d.db.selectFrom('tenant').select('name').where('id', '=', tdb.tenantId).executeTakeFirstOrThrow();
    const operators = await activeOperatorEmails(this.d.db);
    await this.d.db.transaction().execute(async (trx) => {
      const c = await trx.selectFrom('subprocessor_change').selectAll().where('id', '=', changeId).executeTakeFirst();
      if (!c) throw new AppError('not-found', 'No such change');
      if (c.cancelled_at) throw new AppError('conflict', 'This change was withdrawn');
      if (new Date(c.effective_at) <= now) throw new AppError('conflict', 'The time to object is over: the change took effect');
      const r = await trx.insertInto('subprocessor_objection').values({ change_id: changeId, tenant_id: tdb.tenantId, objected_at: now, objected_by: actor.userId!, reason, decision: null, decided_at: null, decided_by: null, decision_note: null })
        .onConflict((oc) => oc.columns(['change_id', 'tenant_id']).doNothing()).returning('change_id').executeTakeFirst();
      if (!r) throw new AppError('conflict', 'Your company objected to this change already');
      await this.d.audit.record(trx, actor, { type: 'subprocessor.objected', tenantId: tdb.tenantId, target: { type: 'subprocessor_change', id: changeId }, data: {} });
      await this.d.mailer.queue(trx, operators.map((to) => ({ to, subject: `Justif: ${tenant.name} objects to a subprocessor change`, text: `${tenant.name} objects to the change announced on ${new Date(c.announced_at).toISOString().slice(0, 10)} (effective ${new Date(c.effective_at).toISOString().slice(0, 10)}):\n\n${reason}\n\nRecord the decision for this Client on the operators' GDPR page: keep the change on hold for it, or it may terminate.` })));
    });
    await this.d.mailer.deliver();
    return (await this.clientView(tdb.tenantId)).changes.find((x) => x.id === changeId)!;
  }

  /** The vendor's decision on a Client's objection: the change stays on hold for it, or the Client may terminate (it then applies to it too). */
  async decide(actor: AuditActor, changeId: string, tenantId: string, decision: 'on_hold' | 'may_terminate', note: string | null) {
    await this.d.db.transaction().execute(async (trx) => {
      const o = await trx.selectFrom('subprocessor_objection').selectAll().where('change_id', '=', changeId).where('tenant_id', '=', tenantId).forUpdate().executeTakeFirst();
      if (!o) throw new AppError('not-found', 'No objection of this Client to this change');
      if (o.decision === decision) throw new AppError('conflict', 'This decision is recorded already');
      await trx.updateTable('subprocessor_objection').set({ decision, decided_at: this.d.clock.now(), decided_by: actor.userId, decision_note: note }).where('change_id', '=', changeId).where('tenant_id', '=', tenantId).execute();
      await this.d.audit.record(trx, actor, { type: 'subprocessor.objection_decided', tenantId, target: { type: 'subprocessor_change', id: changeId }, data: { decision } });
      const admins = await activeAdmins(trx, tenantId);
      await this.d.mailer.queue(trx, admins.map((a) => ({
        to: a.email,
        subject: decision === 'on_hold' ? 'Justif : changement de sous-traitant suspendu pour votre société' : 'Justif : votre objection à un changement de sous-traitant',
        text: decision === 'on_hold'
          ? `Le changement de sous-traitant auquel votre société s’est opposée le ${dayFr(new Date(o.objected_at))} reste suspendu pour elle.${note ? `\n\n${note}` : ''}`
          : `Le changement de sous-traitant auquel votre société s’est opposée le ${dayFr(new Date(o.objected_at))} s’applique : votre société peut résilier le contrat (article 8.2.d).${note ? `\n\n${note}` : ''}`,
      })));
    });
    await this.d.mailer.deliver();
    return (await this.vendorView()).changes.find((x) => x.id === changeId)!;
  }
}

const KIND_FR = { add: 'ajout', replace: 'remplacement', remove: 'retrait' } as const;
const dayFr = (d: Date) => longDay(d, 'fr');
const dayEn = (d: Date) => longDay(d, 'en');

function changeMail(to: string, locale: 'fr' | 'en', w: { kind: 'add' | 'replace' | 'remove'; added: string | null; removed: string | null; effectiveAt: Date }, reason: string, link: string) {
  if (locale === 'en')
    return {
      to, subject: `Justif: subprocessor change on ${dayEn(w.effectiveAt)}`,
      text: `We plan a change of subprocessor (${w.kind}${w.added ? `: ${w.added}` : ''}${w.removed ? `, replacing or removing ${w.removed}` : ''}), effective on ${dayEn(w.effectiveAt)}.\n\nWhy: ${reason}\n\nYour company may object until that date (terms §8.2.d): ${link}`,
    };
  return {
    to, subject: `Justif : changement de sous-traitant le ${dayFr(w.effectiveAt)}`,
    text: `Nous prévoyons un changement de sous-traitant (${KIND_FR[w.kind]}${w.added ? ` : ${w.added}` : ''}${w.removed ? `, à la place de ou retirant ${w.removed}` : ''}), effectif le ${dayFr(w.effectiveAt)}.\n\nMotif : ${reason}\n\nVotre société peut s’y opposer jusqu’à cette date (article 8.2.d des conditions) : ${link}`,
  };
}
