// Terms of use and privacy notice (R-GDPR-8, §15.1, §8.2.k), free of HTTP. Each document is
// versioned; the version in force is the latest whose date has come. The first versions are the
// Markdown files of docs/legal/<document>/<version>.<fr|en>.md, registered at start (a restart adds
// nothing twice); operators publish later ones, which apply at least one calendar month (Paris) after
// publication: every user is told then (in the app and by mail), and when the change affects the
// processing of personal data every Client's admins are mailed at once. A user accepts the version in
// force of each document before using the app, at first sign-in and again after each new version.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { sql, type Kysely } from 'kysely';
import type { DB, LegalDocument, Row } from '../../../storage/db/schema.ts';
import type { Clock } from '../../clock.ts';
import type { Principal } from '../../context.ts';
import { AppError } from '../../http/errors.ts';
import type { Mailer } from '../../infra/mailer.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { earliestEffective } from '../gdpr/subprocessors.ts';
import { longDay } from '../../lib/dates.ts';

export const LEGAL_DOCUMENTS = ['terms', 'privacy'] as const satisfies readonly LegalDocument[];
export const LEGAL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'legal');

const TITLE = { fr: { terms: 'conditions générales d’utilisation', privacy: 'politique de confidentialité' }, en: { terms: 'terms of use', privacy: 'privacy notice' } } as const;
const PATH = { terms: 'terms', privacy: 'privacy' } as const;

/** The hash of a version: both texts, so a change in either language is a new text. */
export const legalSha256 = (fr: string, en: string) => createHash('sha256').update(`fr\n${fr}\n\nen\n${en}`).digest('hex');

const versionView = (v: Row<'legal_version'>) => ({
  id: v.id, document: v.document, version: v.version, appliesFrom: new Date(v.applies_from).toISOString(), publishedAt: new Date(v.published_at).toISOString(),
  affectsProcessing: v.affects_processing, summary: v.summary, sha256: v.sha256,
});
export type LegalVersionView = ReturnType<typeof versionView>;

export interface PublishInput {
  document: LegalDocument;
  version: string;
  appliesFrom: Date;
  affectsProcessing: boolean;
  summary: string;
  bodyFr: string;
  bodyEn: string;
}

export class LegalService {
  constructor(private readonly d: { db: Kysely<DB>; clock: Clock; audit: AuditService; mailer: Mailer; publicUrl: string }) {}

  /** Registers the versions found in docs/legal (at start); each applies from its date, 00:00 Paris. */
  async seed(dir = LEGAL_DIR): Promise<void> {
    for (const document of LEGAL_DOCUMENTS) {
      const d = join(dir, document);
      if (!existsSync(d)) continue;
      const versions = [...new Set(readdirSync(d).map((f) => /^(\d{4}-\d{2}-\d{2})\.(fr|en)\.md$/.exec(f)?.[1]).filter((v): v is string => !!v))];
      for (const version of versions) {
        const fr = join(d, `${version}.fr.md`), en = join(d, `${version}.en.md`);
        if (!existsSync(fr) || !existsSync(en)) throw new Error(`docs/legal/${document}/${version}: both ${version}.fr.md and ${version}.en.md are needed`);
        const bodyFr = readFileSync(fr, 'utf8'), bodyEn = readFileSync(en, 'utf8');
        const at = DateTime.fromISO(version, { zone: 'Europe/Paris' }).toJSDate();
        const sha256 = legalSha256(bodyFr, bodyEn);
        const r = await this.d.db.insertInto('legal_version').values({
          id: randomUUID(), document, version, applies_from: at, published_at: at, published_by: null, affects_processing: false,
          summary: 'Version initiale / initial version', body_fr: bodyFr, body_en: bodyEn, sha256, source: 'file',
        }).onConflict((oc) => oc.columns(['document', 'version']).doNothing()).returning('id').executeTakeFirst();
        if (!r) {
          const had = await this.d.db.selectFrom('legal_version').select('sha256').where('document', '=', document).where('version', '=', version).executeTakeFirstOrThrow();
          // a registered version is what users accepted: its file must not change (publish a new one)
          if (had.sha256 !== sha256) throw new Error(`docs/legal/${document}/${version} changed after it was registered: publish a new version instead`);
        }
      }
    }
  }

  private all() {
    return this.d.db.selectFrom('legal_version').selectAll().orderBy('applies_from').orderBy('published_at').execute();
  }

  /** For each document: the version in force at `now` and the next announced one. */
  private standing(rows: Row<'legal_version'>[], now: Date) {
    return Object.fromEntries(LEGAL_DOCUMENTS.map((doc) => {
      const mine = rows.filter((r) => r.document === doc);
      const past = mine.filter((r) => new Date(r.applies_from) <= now);
      return [doc, { current: past.at(-1) ?? null, upcoming: mine.find((r) => new Date(r.applies_from) > now) ?? null }];
    })) as Record<LegalDocument, { current: Row<'legal_version'> | null; upcoming: Row<'legal_version'> | null }>;
  }

  /**
   * The versions in force that this user has not accepted — one query, run for every signed-in
   * request by the terms gate (the table holds a handful of rows; the acceptance lookup is by its
   * unique (user_id, version_id) index).
   */
  async pending(userId: string): Promise<{ document: LegalDocument; versionId: string; version: string }[]> {
    const now = this.d.clock.now();
    const rows = await this.d.db.selectFrom('legal_version as v').select(['v.document', 'v.id', 'v.version'])
      .where('v.applies_from', '<=', now)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('legal_version as w').select(sql.lit(1).as('x')).whereRef('w.document', '=', 'v.document').where('w.applies_from', '<=', now).whereRef('w.applies_from', '>', 'v.applies_from'))))
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('legal_acceptance as a').select(sql.lit(1).as('x')).where('a.user_id', '=', userId).whereRef('a.version_id', '=', 'v.id'))))
      .orderBy('v.document', 'desc').execute();
    return rows.map((r) => ({ document: r.document, versionId: r.id, version: r.version }));
  }

  /** What GET /session says: the versions to accept now, and those announced (banner). */
  async sessionInfo(userId: string) {
    const now = this.d.clock.now();
    const [pending, rows] = await Promise.all([this.pending(userId), this.all()]);
    const s = this.standing(rows, now);
    return {
      pending: pending.map((p) => ({ ...p, ...versionView(s[p.document].current!) })),
      upcoming: LEGAL_DOCUMENTS.flatMap((doc) => (s[doc].upcoming ? [versionView(s[doc].upcoming!)] : [])),
    };
  }

  /** A document as published: the version in force and the next one, with their Markdown. */
  async document(document: LegalDocument) {
    const s = this.standing(await this.all(), this.d.clock.now())[document];
    const full = (v: Row<'legal_version'> | null) => (v ? { ...versionView(v), markdown: { fr: v.body_fr, en: v.body_en } } : null);
    return { document, current: full(s.current), upcoming: full(s.upcoming) };
  }

  /** Every version of both documents, newest first (operators). */
  async versions() {
    return (await this.all()).map(versionView).reverse();
  }

  /** A user's acceptances, newest first. */
  async acceptances(userId: string) {
    const rows = await this.d.db.selectFrom('legal_acceptance as a').innerJoin('legal_version as v', 'v.id', 'a.version_id')
      .select(['a.accepted_at', 'v.id', 'v.document', 'v.version', 'v.sha256']).where('a.user_id', '=', userId).orderBy('a.accepted_at', 'desc').execute();
    return rows.map((r) => ({ versionId: r.id, document: r.document, version: r.version, sha256: r.sha256, acceptedAt: new Date(r.accepted_at).toISOString() }));
  }

  /** Records the user's acceptance of versions in force (each once). Anything else changes nothing. */
  async accept(p: Principal, actor: AuditActor, versionIds: string[]) {
    const now = this.d.clock.now();
    const s = this.standing(await this.all(), now);
    const current = new Map(LEGAL_DOCUMENTS.flatMap((doc) => (s[doc].current ? [[s[doc].current!.id, s[doc].current!] as const] : [])));
    const unknown = versionIds.filter((id) => !current.has(id));
    if (unknown.length) {
      const exists = await this.d.db.selectFrom('legal_version').select('id').where('id', 'in', unknown).execute();
      if (exists.length < new Set(unknown).size) throw new AppError('not-found', 'No such version');
      throw new AppError('conflict', 'Only the version in force of each document can be accepted');
    }
    await this.d.db.transaction().execute(async (trx) => {
      for (const id of new Set(versionIds)) {
        const r = await trx.insertInto('legal_acceptance').values({ id: randomUUID(), tenant_id: p.tenantId, user_id: p.userId, version_id: id, accepted_at: now, ip: actor.ip })
          .onConflict((oc) => oc.columns(['user_id', 'version_id']).doNothing()).returning('id').executeTakeFirst();
        const v = current.get(id)!;
        if (r) await this.d.audit.record(trx, actor, { type: 'legal.accepted', tenantId: p.tenantId, target: { type: 'legal_version', id }, data: { document: v.document, version: v.version, sha256: v.sha256 } });
      }
    });
    return this.sessionInfo(p.userId);
  }

  /** Acceptance on a user's behalf of the versions in force — for fixtures and the initial operator only. */
  async acceptAllFor(userId: string, tenantId: string | null): Promise<void> {
    const s = this.standing(await this.all(), this.d.clock.now());
    for (const doc of LEGAL_DOCUMENTS) {
      const v = s[doc].current;
      if (v) await this.d.db.insertInto('legal_acceptance').values({ id: randomUUID(), tenant_id: tenantId, user_id: userId, version_id: v.id, accepted_at: this.d.clock.now(), ip: null })
        .onConflict((oc) => oc.columns(['user_id', 'version_id']).doNothing()).execute();
    }
  }

  /** Publishes a new version: it applies a calendar month later at the earliest; users are told now. */
  async publish(actor: AuditActor, v: PublishInput) {
    const now = this.d.clock.now();
    const earliest = earliestEffective(now);
    if (v.appliesFrom < earliest)
      throw new AppError('validation', `A new version applies at least one month after its publication: ${earliest.toISOString()} at the earliest`, { errors: [{ path: 'body.appliesFrom', message: 'less than one month ahead' }] });
    const rows = await this.all();
    if (rows.some((r) => r.document === v.document && r.version === v.version)) throw new AppError('conflict', `Version ${v.version} of this document exists already`);
    if (rows.some((r) => r.document === v.document && new Date(r.applies_from) >= v.appliesFrom)) throw new AppError('conflict', 'A version of this document applies on or after that date already');
    const id = randomUUID();
    const sha256 = legalSha256(v.bodyFr, v.bodyEn);
    const link = `${this.d.publicUrl}/legal/${PATH[v.document]}`;
    await this.d.db.transaction().execute(async (trx) => {
      await trx.insertInto('legal_version').values({
        id, document: v.document, version: v.version, applies_from: v.appliesFrom, published_at: now, published_by: actor.userId, affects_processing: v.affectsProcessing,
        summary: v.summary, body_fr: v.bodyFr, body_en: v.bodyEn, sha256, source: 'operator',
      }).execute();
      // every active user of a Client not destroyed, and vendor staff
      const users = await trx.selectFrom('app_user as u').leftJoin('tenant as t', 't.id', 'u.tenant_id').select(['u.id', 'u.email', 'u.tenant_id', 'u.locale'])
        .where('u.status', '=', 'active').where((eb) => eb.or([eb('u.tenant_id', 'is', null), eb('t.status', '<>', 'destroyed')])).execute();
      const clientUsers = users.filter((u) => u.tenant_id);
      const data = JSON.stringify({ versionId: id, document: v.document, version: v.version, appliesFrom: v.appliesFrom.toISOString(), affectsProcessing: v.affectsProcessing });
      if (clientUsers.length) await trx.insertInto('notification').values(clientUsers.map((u) => ({ id: randomUUID(), tenant_id: u.tenant_id!, user_id: u.id, kind: 'legal_version', expense_id: null, data }))).execute();
      await this.d.mailer.queue(trx, users.map((u) => announceMail(u.email, u.locale, v, link)));
      let admins = 0;
      if (v.affectsProcessing) {
        const a = await trx.selectFrom('app_user as u').innerJoin('user_role as r', 'r.user_id', 'u.id').innerJoin('tenant as t', 't.id', 'u.tenant_id')
          .select(['u.email', 'u.locale']).where('r.role', '=', 'admin').where('u.status', '=', 'active').where('t.status', '<>', 'destroyed').execute();
        admins = a.length;
        await this.d.mailer.queue(trx, a.map((x) => processingMail(x.email, x.locale, v, link)));
      }
      await this.d.audit.record(trx, actor, {
        type: 'legal.published', tenantId: null, target: { type: 'legal_version', id },
        data: { document: v.document, version: v.version, appliesFrom: v.appliesFrom.toISOString(), affectsProcessing: v.affectsProcessing, sha256, users: users.length, admins },
      });
    });
    await this.d.mailer.deliver();
    return versionView((await this.d.db.selectFrom('legal_version').selectAll().where('id', '=', id).executeTakeFirstOrThrow()));
  }
}

const dayFr = (d: Date) => longDay(d, 'fr');
const dayEn = (d: Date) => longDay(d, 'en');

function announceMail(to: string, locale: 'fr' | 'en', v: PublishInput, link: string) {
  if (locale === 'en')
    return { to, subject: `Justif: new ${TITLE.en[v.document]} from ${dayEn(v.appliesFrom)}`, text: `A new version (${v.version}) of the ${TITLE.en[v.document]} applies from ${dayEn(v.appliesFrom)}; you will be asked to accept it then.\n\nWhat changes: ${v.summary}\n\nRead it: ${link}` };
  return { to, subject: `Justif : nouvelles ${TITLE.fr[v.document]} à partir du ${dayFr(v.appliesFrom)}`, text: `Une nouvelle version (${v.version}) des ${TITLE.fr[v.document]} s’applique à partir du ${dayFr(v.appliesFrom)} ; elle vous sera alors présentée pour acceptation.\n\nCe qui change : ${v.summary}\n\nLa lire : ${link}` };
}

function processingMail(to: string, locale: 'fr' | 'en', v: PublishInput, link: string) {
  if (locale === 'en')
    return { to, subject: `Justif: a change affecting the processing of your company’s data`, text: `As your company’s processor, we notify you at once of a change affecting the processing of personal data: version ${v.version} of the ${TITLE.en[v.document]}, applying from ${dayEn(v.appliesFrom)}.\n\nWhat changes: ${v.summary}\n\nRead it: ${link}` };
  return { to, subject: `Justif : une modification touchant au traitement des données de votre société`, text: `En tant que sous-traitant de votre société, nous vous notifions sans délai une modification touchant au traitement des données personnelles : version ${v.version} des ${TITLE.fr[v.document]}, applicable à partir du ${dayFr(v.appliesFrom)}.\n\nCe qui change : ${v.summary}\n\nLa lire : ${link}` };
}
