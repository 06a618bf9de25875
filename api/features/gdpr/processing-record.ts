// The record of processing activities the processor keeps for each Client (R-GDPR-4, GDPR Art. 30.2),
// generated at each request from live data: who the controller and the processor are, the
// categories of processing done for the Client, the categories of data actually held (counted now),
// the subprocessors in force for it and the transfers outside the EU/EEA, the retention settings in
// force, and the security measures as this deployment is configured. As JSON and as a PDF.
import type { Kysely } from 'kysely';
import type { DB } from '../../../storage/db/schema.ts';
import type { Clock } from '../../clock.ts';
import type { Config } from '../../config.ts';
import { dateTimeFr, GREY, Writer } from '../../lib/pdf-writer.ts';
import { activeAdmins } from '../users/users.repository.ts';
import { storageLocations } from './configured.ts';
import type { SubprocessorsService } from './subprocessors.ts';

const count = async (db: Kysely<DB>, table: 'app_user' | 'bank_account' | 'expense' | 'receipt' | 'vehicle' | 'audit_event' | 'session' | 'notification', tenantId: string) =>
  Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()).n);

const COMPONENT_FR = { database: 'Base de données', objects: 'Justificatifs et exports', vault: 'Coffre-fort', mail: 'E-mail' } as const;
const KIND_FR = { postgresql: 'base PostgreSQL', pglite: 'base de données intégrée', s3: 'stockage objet S3', files: 'fichiers', smtp: 'relais SMTP', outbox: 'conservé sur le serveur' } as const;

export class ProcessingRecordService {
  constructor(private readonly d: { db: Kysely<DB>; clock: Clock; config: Config; subprocessors: SubprocessorsService }) {}

  async build(tenantId: string) {
    const { db, config } = this.d;
    const t = await db.selectFrom('tenant as t').leftJoin('vault_settings as v', 'v.tenant_id', 't.id').leftJoin('accounting_settings as a', 'a.tenant_id', 't.id')
      .select(['t.name', 't.country', 't.siren', 't.billing_address', 't.billing_email', 't.plan', 't.status', 'v.enabled as vault_enabled', 'v.retention_years', 'a.file_retention_days'])
      .where('t.id', '=', tenantId).executeTakeFirstOrThrow();
    const [users, bank, expenses, receipts, vehicles, events, sessions, admins, subs] = await Promise.all([
      count(db, 'app_user', tenantId), count(db, 'bank_account', tenantId), count(db, 'expense', tenantId), count(db, 'receipt', tenantId), count(db, 'vehicle', tenantId),
      count(db, 'audit_event', tenantId), count(db, 'session', tenantId),
      activeAdmins(db, tenantId),
      this.d.subprocessors.clientView(tenantId),
    ]);
    const issuer = config.invoiceIssuer;
    const security = [
      `mots de passe hachés par scrypt (fonction à mémoire élevée) ; connexions limitées (${config.login.maxAttempts} échecs par compte par ${config.login.windowMinutes} min)`,
      `sessions en cookies HttpOnly et SameSite, ${config.sessionTtlHours} h ; jeton anti-CSRF sur chaque écriture${config.publicUrl.startsWith('https:') ? ' ; HTTPS avec HSTS' : ''}`,
      ...(config.oidc ? ['authentification unique par OpenID Connect'] : []),
      'IBAN chiffrés au repos (AES-256-GCM)',
      'chaque action consignée dans un journal d’audit chaîné par empreintes et signé, par Client',
      'données de chaque Client cloisonnées dans chaque requête (testé sur chaque route)',
      ...(t.vault_enabled ? ['justificatifs archivés écrits une fois, hachés, signés et horodatés dans le coffre-fort ; intégrité vérifiée chaque jour'] : []),
      'sauvegardes effacées 30 jours après la suppression des données qu’elles contiennent',
    ];
    return {
      generatedAt: this.d.clock.now().toISOString(),
      controller: { name: t.name, country: t.country, siren: t.siren, address: t.billing_address, contacts: admins.map((a) => ({ name: a.name, email: a.email })) },
      processor: { name: issuer.name, siren: issuer.siren, address: issuer.address },
      processing: [
        'collecte des justificatifs de dépenses (photos, PDF, e-mail) et leur lecture par OCR',
        'circuit de validation et contrôle de conformité des notes de frais',
        'remboursement des salariés (fichiers de virements SEPA)',
        'exports comptables et de paie',
        ...(t.vault_enabled ? ['archivage des justificatifs à valeur probante (coffre-fort)'] : []),
        'journaux de sécurité et d’audit ; assistance sur instruction du Client',
      ],
      dataSubjects: ['les salariés du Client et les autres utilisateurs qu’il invite'],
      dataHeld: [
        { category: 'identité et coordonnées des utilisateurs (nom, e-mail, rôles, responsable, équipe)', records: users },
        { category: 'coordonnées bancaires de remboursement (IBAN, chiffrés)', records: bank },
        { category: 'dépenses (commerçant, montants, dates, TVA, commentaires)', records: expenses },
        { category: 'justificatifs (images et fichiers PDF)', records: receipts },
        { category: 'véhicules pour les indemnités kilométriques', records: vehicles },
        { category: 'journal des actions (qui, quand, depuis quelle adresse)', records: events },
        { category: 'sessions de connexion', records: sessions },
      ],
      subprocessors: subs.subprocessors.map((s) => ({ name: s.name, legalEntity: s.legalEntity, purpose: s.purpose, country: s.country, inEea: s.inEea, safeguard: s.safeguard, transfer: s.transfer })),
      transfersOutsideEea: subs.subprocessors.filter((s) => !s.inEea).map((s) => ({ name: s.name, country: s.country, safeguard: s.safeguard, instructedAt: s.transfer?.instructedAt ?? null })),
      storage: storageLocations(config),
      retention: {
        exportFilesDays: t.file_retention_days ?? null,
        vault: t.vault_enabled ? { years: t.retention_years } : null,
        afterContractEnd: 'données conservées 30 jours après la résiliation pour téléchargement, puis détruites avec un certificat ; sauvegardes effacées 30 jours plus tard',
      },
      security,
    };
  }

  async pdf(tenantId: string): Promise<Buffer> {
    const r = await this.build(tenantId);
    const title = `Registre des traitements — ${r.controller.name}`;
    const w = await Writer.create({ title, subject: title, date: r.generatedAt, footer: `${r.processor.name} — registre des traitements (article 30.2 du RGPD)`, brand: 'rgpd' });
    w.title('Registre des activités de traitement', `Tenu par le sous-traitant pour ${r.controller.name} (article 30.2 du RGPD), établi le ${dateTimeFr(r.generatedAt)} à partir des données en vigueur.`);
    w.section('Responsable du traitement (le Client)');
    w.field('Raison sociale', r.controller.name);
    if (r.controller.siren) w.field('SIREN', r.controller.siren);
    w.field('Pays', r.controller.country);
    for (const c of r.controller.contacts) w.field('Administrateur', `${c.name} <${c.email}>`);
    w.section('Sous-traitant');
    w.field('Raison sociale', r.processor.name);
    if (r.processor.siren) w.field('SIREN', r.processor.siren);
    if (r.processor.address) w.field('Adresse', r.processor.address);
    w.section('Catégories de traitements effectués pour le Client');
    for (const p of r.processing) w.paragraph(`• ${p}`);
    w.section('Personnes concernées et données détenues (à ce jour)');
    for (const s of r.dataSubjects) w.paragraph(s);
    for (const d of r.dataHeld) w.field(d.category, `${d.records} enregistrement(s)`);
    w.section('Sous-traitants ultérieurs en vigueur');
    for (const s of r.subprocessors) w.field(s.name, `${s.purpose} — ${s.country}${s.inEea ? ' (UE/EEE)' : ` (hors UE/EEE : ${s.safeguard}; instruction du Client : ${s.transfer?.instructedAt ?? 'aucune'})`}`);
    if (!r.subprocessors.length) w.paragraph('Aucun : le service est hébergé par le sous-traitant lui-même.');
    w.section('Transferts hors UE/EEE');
    w.paragraph(r.transfersOutsideEea.length ? r.transfersOutsideEea.map((x) => `${x.name} (${x.country}) — ${x.safeguard}`).join(' ; ') : 'Aucun.');
    w.section('Lieux de conservation');
    for (const c of r.storage.components) w.field(COMPONENT_FR[c.component], `${KIND_FR[c.kind]} — ${c.location ?? 'serveur du service'} (${r.storage.country})`);
    w.section('Durées de conservation');
    w.field('Fichiers d’export', r.retention.exportFilesDays ? `${r.retention.exportFilesDays} jours` : 'réglage par défaut');
    w.field('Coffre-fort', r.retention.vault ? `${r.retention.vault.years} ans` : 'option non souscrite');
    w.field('Fin du contrat', r.retention.afterContractEnd);
    w.section('Mesures de sécurité');
    for (const s of r.security) w.paragraph(`• ${s}`);
    w.paragraph('Document généré à partir des données et de la configuration en vigueur au moment de sa production.', { size: 8, color: GREY });
    return w.save();
  }
}
