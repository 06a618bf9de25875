// Audit events as a typed union {type, version, data} (after Documenso). `data` never holds
// personal fields: people are named by pseudonymous id (R-SEC-6).
import type { Role } from '../../../storage/db/schema.ts';
import { formatMoney } from '../../lib/money.ts';

export type AuditEventBody =
  | { type: 'auth.signed_in'; data: { method: 'password' | 'oidc' | 'invitation' } }
  | { type: 'auth.sign_in_failed'; data: { reason: 'wrong_password' | 'unknown_account' | 'deactivated' | 'rate_limited' | 'oidc_unlinked' | 'oidc_unverified_email' | 'oidc_deactivated' } }
  | { type: 'auth.signed_out'; data: Record<string, never> }
  | { type: 'auth.password_reset_requested'; data: Record<string, never> }
  | { type: 'auth.password_reset'; data: Record<string, never> }
  | { type: 'auth.identity_linked'; data: { issuer: string } }
  | { type: 'access.denied'; data: { method: string; route: string; reason: string } }
  | { type: 'tenant.created'; data: { plan: string; country: string; currency: string } }
  | { type: 'user.invited'; data: { roles: Role[] } }
  | { type: 'user.invitation_resent'; data: Record<string, never> }
  | { type: 'user.invitation_accepted'; data: Record<string, never> }
  | { type: 'user.updated'; data: { fields: string[]; roles?: { from: Role[]; to: Role[] }; managerId?: { from: string | null; to: string | null }; teamId?: { from: string | null; to: string | null } } }
  | { type: 'user.deactivated'; data: Record<string, never> }
  | { type: 'user.reactivated'; data: Record<string, never> }
  | { type: 'users.imported'; data: { created: number; updated: number; teamsCreated: number } }
  | { type: 'team.created'; data: Record<string, never> }
  | { type: 'team.updated'; data: { fields: string[] } }
  | { type: 'api_token.created'; data: { scopes: string[] } }
  | { type: 'api_token.revoked'; data: Record<string, never> }
  | { type: 'profile.updated'; data: { fields: string[] } }
  | { type: 'category.created'; data: Record<string, never> }
  | { type: 'category.updated'; data: { fields: string[] } }
  | { type: 'payment_method.created'; data: { reimbursable: boolean } }
  | { type: 'payment_method.updated'; data: { fields: string[] } }
  | { type: 'exchange_rate.set'; data: { currency: string; date: string; rate: string } }
  | { type: 'exchange_rates.imported'; data: { rates: number; days: number; from: string; to: string } }
  | { type: 'vehicle.created'; data: { kind: string; fiscalHp: number | null; electric: boolean } }
  | { type: 'vehicle.updated'; data: { fields: string[] } }
  | { type: 'vehicle.deleted'; data: Record<string, never> }
  | { type: 'mileage.created'; data: { amountMinor: number; currency: string; countedKm: string; scaleYear: number } }
  | { type: 'mileage.updated'; data: { fields: string[]; amountMinor: number } }
  | { type: 'mileage.repriced'; data: { fromMinor: number; toMinor: number; cause: 'created' | 'updated' | 'deleted' | 'vehicle_updated' | 'left_the_count'; causeId: string } }
  | { type: 'per_diem_rate.created'; data: { amountMinor: number; currency: string; validFrom: string } }
  | { type: 'per_diem_rate.updated'; data: { fields: string[] } }
  | { type: 'per_diem.created'; data: { amountMinor: number; currency: string; units: number } }
  | { type: 'per_diem.updated'; data: { fields: string[]; amountMinor: number } }
  | { type: 'expense.created'; data: { amountMinor: number; currency: string } }
  | { type: 'expense.updated'; data: { fields: string[] } }
  | { type: 'expense.deleted'; data: Record<string, never> }
  | { type: 'expense.ocr_applied'; data: { fields: string[] } }
  | { type: 'expense.submitted'; data: { round: number; levels: number } }
  | { type: 'expense.self_validated'; data: { version: number } }
  | { type: 'expense.approved'; data: { level: number; final: boolean; onBehalfOf: string | null; acknowledged: string[]; approvalId: string } }
  | { type: 'expense.rejected'; data: { from: string; onBehalfOf: string | null; approvalId: string } }
  | { type: 'expense.returned'; data: { from: string; onBehalfOf: string | null; approvalId: string } }
  | { type: 'expense.verified'; data: { approvalId: string } }
  | { type: 'expense.corrected'; data: { fields: string[]; restarted: boolean } }
  | { type: 'workflow.settings_updated'; data: { fields: string[] } }
  | { type: 'approval_level.created'; data: { aboveMinor: number; teamId: string | null } }
  | { type: 'approval_level.deleted'; data: Record<string, never> }
  | { type: 'delegation.created'; data: { delegateId: string; startsOn: string; endsOn: string } }
  | { type: 'delegation.revoked'; data: Record<string, never> }
  | { type: 'category_policy.set'; data: { categoryId: string } }
  | { type: 'vat_rule.created'; data: { categoryId: string; effectiveFrom: string; recoverableBp: number } }
  | { type: 'receipt.ocr_requested'; data: { receiptId: string } }
  | { type: 'receipt.attached'; data: { receiptId: string; sha256: string; size: number } }
  | { type: 'receipt.removed'; data: { receiptId: string; sha256: string } }
  | { type: 'vault.settings_updated'; data: { fields: string[] } }
  | { type: 'accounting.settings_updated'; data: { fields: string[] } }
  | { type: 'payroll_preset.saved'; data: { columns: string[]; perCategory: boolean } }
  | { type: 'payroll_preset.deleted'; data: Record<string, never> }
  | { type: 'bank_account.set'; data: { country: string } }
  | { type: 'client_export.requested'; data: { final?: true } }
  | { type: 'tenant.terminated'; data: { purgeAfter: string; vaultInstruction: 'return_then_destroy' | 'destroy'; reasonSha256: string } }
  | { type: 'tenant.termination_cancelled'; data: Record<string, never> }
  | { type: 'invoice.issued'; data: { number: string; tenantId: string; period: string | null; totalTtcMinor: number } }
  | { type: 'invoice.paid'; data: { number: string; paidAt?: string; amountMinor?: number; reference?: string } }
  | { type: 'invoice.credited'; data: { number: string; reason: string; totalHtMinor: number } }
  | { type: 'invoice.notice_sent'; data: { number: string; amountDueMinor: number; suspendAt: string; sentTo: string[] } }
  | { type: 'billing.details_updated'; data: { fields: string[] } }
  | { type: 'subprocessor.change_announced'; data: { kind: string; added: string | null; removed: string | null; effectiveAt: string; clients: number } }
  | { type: 'subprocessor.change_cancelled'; data: Record<string, never> }
  | { type: 'subprocessor.objected'; data: Record<string, never> }
  | { type: 'subprocessor.transfer_instructed'; data: { country: string } }
  | { type: 'subprocessor.objection_decided'; data: { decision: 'on_hold' | 'may_terminate' } }
  | { type: 'legal.published'; data: { document: 'terms' | 'privacy'; version: string; appliesFrom: string; affectsProcessing: boolean; sha256: string; users: number; admins: number } }
  | { type: 'legal.accepted'; data: { document: 'terms' | 'privacy'; version: string; sha256: string } }
  | { type: 'gdpr_breach.recorded'; data: { detectedAt: string; scope: 'all' | 'some'; clients: number } }
  | { type: 'gdpr_breach.notified'; data: { recipients: number; late: boolean; notifyBy: string } }
  | { type: 'gdpr_breach.follow_up'; data: { entryId: string } }
  | { type: 'audit_request.created'; data: { proposedDate: string } }
  | { type: 'audit_request.scheduled'; data: { agreedDate: string; rescheduled: boolean } }
  | { type: 'audit_request.done'; data: Record<string, never> }
  | { type: 'audit_request.cancelled'; data: Record<string, never> }
  | { type: 'support_access.granted'; data: { granteeId: string; scopes: string[]; expiresAt: string } }
  | { type: 'support_access.revoked'; data: { granteeId: string; wasActive: boolean } }
  | { type: 'support.read'; data: { grantId: string; scope: string; resource: string; count: number } }
  | { type: 'plan.changed'; data: { from: string; to: string; userLimit: number | null } }
  | { type: 'plan.enterprise_requested'; data: Record<string, never> }
  | { type: 'plan.request_closed'; data: Record<string, never> }
  | { type: 'tenant.destroyed'; data: { certificateSha256: string; rows: number; objects: number } }
  | { type: 'export.receipts'; data: { format: 'pdf' | 'zip'; expenses: number; receipts: number } }
  | { type: 'sepa.created'; data: { transfers: number; totalMinor: number; sha256: string } }
  | { type: 'sepa.confirmed'; data: { reimbursed: number } }
  | { type: 'export.created'; data: { kind: 'accounting' | 'payroll'; format: string; expenses: number; rows: number; sha256: string; reexport: boolean } }
  | { type: 'vault.hold_placed'; data: { depositId: string | null; reviewOn: string } }
  | { type: 'vault.hold_released'; data: { depositId: string | null } }
  | { type: 'vault.destruction_requested'; data: { kind: 'retention' | 'contract_end'; deposits: number } }
  | { type: 'vault.destruction_cancelled'; data: Record<string, never> }
  | { type: 'vault.destruction_approved'; data: { approval: number } }
  | { type: 'vault.destruction_done'; data: { deposits: number; certificateSha256: string } }
  | { type: 'vault.integrity_failed'; data: { outcome: 'mismatch' | 'missing'; expected: string; actual: string | null } };

export type AuditEventType = AuditEventBody['type'];
export const AUDIT_EVENT_VERSION = 1;

export type Locale = 'fr' | 'en';

export interface DescribableEvent {
  type: string;
  data: Record<string, unknown>;
  actorLabel: string | null;
  targetType: string | null;
  targetId: string | null;
  targetLabel: string | null;
  outcome: string;
}

const TARGET_NOUN: Record<Locale, Record<string, string>> = {
  fr: { access_grant: 'l’accès du support', gdpr_breach: 'la violation de données', audit_request: 'la demande d’audit', subprocessor_change: 'le changement de sous-traitant', legal_version: 'la version', invoice: 'la facture', client_export: 'l’export complet', sepa_batch: 'le fichier de virements', payroll_preset: 'le modèle de paie', export_batch: 'l’export', vault_hold: 'la conservation', vault_destruction: 'la destruction', vault_object: 'l’objet', user: 'l’utilisateur', team: 'l’équipe', api_token: 'le jeton d’API', tenant: 'le Client', category: 'la catégorie', payment_method: 'le moyen de paiement', expense: 'la dépense', exchange_rate: 'le taux', vehicle: 'le véhicule', per_diem_rate: 'le forfait' },
  en: { access_grant: 'support access', gdpr_breach: 'data breach', audit_request: 'audit request', subprocessor_change: 'subprocessor change', legal_version: 'version', invoice: 'invoice', client_export: 'full export', sepa_batch: 'transfer file', payroll_preset: 'payroll preset', export_batch: 'export', vault_hold: 'hold', vault_destruction: 'destruction', vault_object: 'object', user: 'user', team: 'team', api_token: 'API token', tenant: 'Client', category: 'category', payment_method: 'payment method', expense: 'expense', exchange_rate: 'rate', vehicle: 'vehicle', per_diem_rate: 'per-diem rate' },
};
const REASONS: Record<Locale, Record<string, string>> = {
  fr: {
    wrong_password: 'mot de passe erroné', unknown_account: 'compte inconnu', deactivated: 'compte désactivé', rate_limited: 'trop de tentatives',
    oidc_unlinked: 'identité externe non rattachée', oidc_unverified_email: 'e-mail non vérifié par le fournisseur', oidc_deactivated: 'compte désactivé',
    forbidden: 'droits insuffisants', 'insufficient-scope': 'portée du jeton insuffisante',
  },
  en: {},
};
const METHODS: Record<Locale, Record<string, string>> = {
  fr: { password: 'mot de passe', oidc: 'fournisseur d’identité', invitation: 'invitation' },
  en: {},
};
const REPRICE_CAUSES: Record<Locale, Record<string, string>> = {
  fr: { created: 'un trajet antérieur ajouté', updated: 'un trajet antérieur modifié', deleted: 'un trajet antérieur supprimé', vehicle_updated: 'le véhicule corrigé', left_the_count: 'un trajet antérieur rejeté' },
  en: { created: 'an earlier trip added', updated: 'an earlier trip edited', deleted: 'an earlier trip deleted', vehicle_updated: 'the vehicle corrected', left_the_count: 'an earlier trip rejected' },
};
const OUTCOMES: Record<Locale, Record<string, string>> = { fr: { failure: 'échec', denied: 'refusé' }, en: {} };

/** One sentence per event, in the reader's language, for the UI and the CSV export (after Documenso). */
export function describeEvent(e: DescribableEvent, locale: Locale = 'en'): string {
  const fr = locale === 'fr';
  const who = e.actorLabel ?? (fr ? 'le système' : 'system');
  const target = e.targetType ? `${TARGET_NOUN[locale][e.targetType] ?? e.targetType} ${e.targetLabel ?? e.targetId ?? ''}`.trim() : '';
  const d = e.data as Record<string, any>;
  const list = (v: unknown) => ((v as string[] | undefined) ?? []).join(', ');
  const ofTarget = fr ? target.replace(/^le /, 'du ').replace(/^(?!du )/, 'de ') : `of ${target}`;
  const money = (minor: unknown, currency: unknown) => formatMoney(Number(minor), String(currency), locale);
  const word = (table: Record<Locale, Record<string, string>>, v: unknown) => table[locale][String(v)] ?? String(v).replace(/_/g, ' ');
  const s: Record<string, () => string> = fr
    ? {
        'auth.signed_in': () => `${who} s’est connecté (${word(METHODS, d.method)})`,
        'auth.sign_in_failed': () => `Échec de connexion pour ${who} (${word(REASONS, d.reason)})`,
        'auth.signed_out': () => `${who} s’est déconnecté`,
        'auth.password_reset_requested': () => `Réinitialisation du mot de passe demandée pour ${target}`,
        'auth.password_reset': () => `${who} a réinitialisé son mot de passe`,
        'auth.identity_linked': () => `${who} a rattaché une identité de ${d.issuer}`,
        'access.denied': () => `Accès refusé à ${who} : ${d.method} ${d.route} (${word(REASONS, d.reason)})`,
        'tenant.created': () => `${who} a créé ${target} (offre ${d.plan})`,
        'user.invited': () => `${who} a invité ${target} (${list(d.roles)})`,
        'user.invitation_resent': () => `${who} a renvoyé l’invitation de ${target}`,
        'user.invitation_accepted': () => `${who} a accepté son invitation`,
        'user.updated': () => `${who} a modifié ${list(d.fields)} de ${target}`,
        'user.deactivated': () => `${who} a désactivé ${target}`,
        'user.reactivated': () => `${who} a réactivé ${target}`,
        'users.imported': () => `${who} a importé des utilisateurs : ${d.created} créés, ${d.updated} mis à jour, ${d.teamsCreated} équipes créées`,
        'team.created': () => `${who} a créé ${target}`,
        'team.updated': () => `${who} a modifié ${list(d.fields)} de ${target}`,
        'api_token.created': () => `${who} a créé ${target} (portées ${list(d.scopes)})`,
        'api_token.revoked': () => `${who} a révoqué ${target}`,
        'profile.updated': () => `${who} a modifié son profil (${list(d.fields)})`,
        'category.created': () => `${who} a créé ${target}`,
        'category.updated': () => `${who} a modifié ${list(d.fields)} de ${target}`,
        'payment_method.created': () => `${who} a créé ${target} (${d.reimbursable ? 'remboursable' : 'non remboursable'})`,
        'payment_method.updated': () => `${who} a modifié ${list(d.fields)} de ${target}`,
        'exchange_rate.set': () => `${who} a fixé le taux ${d.currency} du ${d.date} à ${d.rate}`,
        'exchange_rates.imported': () => `${who} a importé ${d.rates} taux BCE (${d.days} jours, du ${d.from} au ${d.to})`,
        'vehicle.created': () => `${who} a ajouté ${target}`,
        'vehicle.updated': () => `${who} a modifié ${list(d.fields)} ${ofTarget}`,
        'vehicle.deleted': () => `${who} a supprimé ${target}`,
        'mileage.created': () => `${who} a déclaré ${target} : ${String(d.countedKm).replace('.', ',')} km au barème kilométrique ${d.scaleYear}, ${money(d.amountMinor, d.currency)}`,
        'mileage.updated': () => `${who} a modifié ${list(d.fields)} de ${target} (désormais ${money(d.amountMinor, 'EUR')})`,
        'mileage.repriced': () => `Montant de ${target} recalculé de ${money(d.fromMinor, 'EUR')} à ${money(d.toMinor, 'EUR')} (${word(REPRICE_CAUSES, d.cause)})`,
        'per_diem_rate.created': () => `${who} a créé ${target} (${money(d.amountMinor, d.currency)} par unité, à partir du ${d.validFrom})`,
        'per_diem_rate.updated': () => `${who} a modifié ${list(d.fields)} ${ofTarget}`,
        'per_diem.created': () => `${who} a déclaré ${target} : ${d.units} forfait(s), ${money(d.amountMinor, d.currency)}`,
        'per_diem.updated': () => `${who} a modifié ${list(d.fields)} de ${target}`,
        'expense.created': () => `${who} a créé ${target}`,
        'expense.updated': () => `${who} a modifié ${list(d.fields)} de ${target}`,
        'expense.deleted': () => `${who} a supprimé ${target}`,
        'expense.ocr_applied': () => `Lecture du justificatif : ${list(d.fields) || 'aucun champ'} rempli(s) sur ${target}`,
        'expense.submitted': () => `${who} a soumis ${target} (${d.levels} niveau(x) d’approbation)`,
        'expense.self_validated': () => `${who} a auto-validé ${target} (offre Solo)`,
        'expense.approved': () => `${who} a approuvé ${target}${d.onBehalfOf ? ' par délégation' : ''} (niveau ${d.level}${d.final ? ', dernier' : ''})`,
        'expense.rejected': () => `${who} a refusé ${target}${d.onBehalfOf ? ' par délégation' : ''}`,
        'expense.returned': () => `${who} a renvoyé ${target} à son auteur${d.onBehalfOf ? ' par délégation' : ''}`,
        'expense.verified': () => `${who} a vérifié ${target}`,
        'expense.corrected': () => `${who} a corrigé ${list(d.fields)} de ${target}${d.restarted ? ' (approbations annulées, circuit relancé)' : ''}`,
        'workflow.settings_updated': () => `${who} a modifié le circuit d’approbation (${list(d.fields)})`,
        'approval_level.created': () => `${who} a ajouté un niveau d’approbation au-delà de ${money(d.aboveMinor, 'EUR')}`,
        'approval_level.deleted': () => `${who} a supprimé un niveau d’approbation`,
        'delegation.created': () => `${who} a délégué ses approbations du ${d.startsOn} au ${d.endsOn}`,
        'delegation.revoked': () => `${who} a mis fin à une délégation`,
        'category_policy.set': () => `${who} a modifié la politique d’une catégorie`,
        'vat_rule.created': () => `${who} a fixé la récupération de TVA d’une catégorie à ${Number(d.recoverableBp) / 100} % à partir du ${d.effectiveFrom}`,
        'receipt.ocr_requested': () => `${who} a demandé une nouvelle lecture d’un justificatif de ${target}`,
        'receipt.attached': () => `${who} a joint un justificatif à ${target} (${Math.ceil(Number(d.size) / 1024)} Ko)`,
        'receipt.removed': () => `${who} a retiré un justificatif de ${target}`,
        'vault.settings_updated': () => `${who} a modifié l’option coffre-fort (${list(d.fields)})`,
        'accounting.settings_updated': () => `${who} a modifié le paramétrage comptable (${list(d.fields)})`,
        'payroll_preset.saved': () => `${who} a enregistré un modèle d’export de paie (${list(d.columns)})`,
        'payroll_preset.deleted': () => `${who} a supprimé un modèle d’export de paie`,
        'bank_account.set': () => `${who} a enregistré un compte bancaire (${d.country}) pour ${target}`,
        'client_export.requested': () => `${who} a demandé ${d.final ? 'l’export final' : 'l’export complet'} des données du Client`,
        'tenant.terminated': () => `${who} a enregistré la fin du contrat de ${target} : lecture seule, destruction après le ${String(d.purgeAfter).slice(0, 10)}`,
        'tenant.termination_cancelled': () => `${who} a annulé la fin du contrat de ${target}`,
        'invoice.issued': () => `${who} a émis la facture ${d.number} (${d.period ?? 'avoir'}) : ${money(Number(d.totalTtcMinor), 'EUR')} TTC`,
        'invoice.paid': () => `${who} a enregistré le paiement de la facture ${d.number}${d.reference ? ` (virement « ${d.reference} »)` : ''}`,
        'invoice.credited': () => `${who} a émis un avoir sur la facture ${d.number} (${d.reason}) : ${money(-Number(d.totalHtMinor), 'EUR')} HT`,
        'invoice.notice_sent': () => `${who} a envoyé l’avis de retard de la facture ${d.number} (${money(Number(d.amountDueMinor), 'EUR')}) : suspension le ${String(d.suspendAt).slice(0, 16).replace('T', ' ')} UTC`,
        'billing.details_updated': () => `${who} a modifié les coordonnées de facturation (${list(d.fields)})`,
        'subprocessor.change_announced': () => `${who} a annoncé un changement de sous-traitant (${d.added ?? ''}${d.added && d.removed ? ' à la place de ' : ''}${d.removed ?? ''}), effectif le ${String(d.effectiveAt).slice(0, 10)}, à ${d.clients} Client(s)`,
        'subprocessor.change_cancelled': () => `${who} a retiré un changement de sous-traitant annoncé`,
        'subprocessor.objected': () => `${who} s’est opposé à un changement de sous-traitant`,
        'subprocessor.transfer_instructed': () => `${who} a donné l’instruction de transférer les données hors UE/EEE (${d.country}) vers ${target}`,
        'subprocessor.objection_decided': () => `${who} a décidé sur l’objection de ${target} : ${d.decision === 'on_hold' ? 'changement suspendu pour ce Client' : 'le Client peut résilier'}`,
        'legal.published': () => `${who} a publié la version ${d.version} ${d.document === 'terms' ? 'des conditions d’utilisation' : 'de la politique de confidentialité'}, applicable le ${String(d.appliesFrom).slice(0, 10)}${d.affectsProcessing ? ' (modification du traitement, notifiée aux administrateurs des Clients)' : ''}`,
        'legal.accepted': () => `${who} a accepté la version ${d.version} ${d.document === 'terms' ? 'des conditions d’utilisation' : 'de la politique de confidentialité'}`,
        'gdpr_breach.recorded': () => `${who} a inscrit une violation de données au registre (constatée le ${String(d.detectedAt).slice(0, 16).replace('T', ' ')} UTC, ${d.scope === 'all' ? 'tous les Clients' : `${d.clients} Client(s)`})`,
        'gdpr_breach.notified': () => `${who} a notifié ${target} à ${d.recipients} administrateur(s) du Client${d.late ? ', au-delà des 48 heures' : ', dans les 48 heures'}`,
        'gdpr_breach.follow_up': () => `${who} a ajouté un suivi à ${target}`,
        'audit_request.created': () => `${who} a demandé un audit pour le ${d.proposedDate}`,
        'audit_request.scheduled': () => `${who} a ${d.rescheduled ? 'reporté' : 'fixé'} l’audit au ${d.agreedDate}`,
        'audit_request.done': () => `${who} a enregistré l’audit comme réalisé`,
        'audit_request.cancelled': () => `${who} a annulé ${target}`,
        'support_access.granted': () => `${who} a donné un accès du support en lecture (${list(d.scopes)}) jusqu’au ${String(d.expiresAt).slice(0, 16).replace('T', ' ')} UTC`,
        'support_access.revoked': () => `${who} a révoqué ${target}`,
        'support.read': () => `Le support (${who}) a consulté ${d.resource} sous l’accès ${String(d.grantId).slice(0, 8)} (portée ${d.scope}, ${d.count} élément(s))`,
        'plan.changed': () => `${who} a changé l’offre de ${target} : ${d.from} → ${d.to}${d.userLimit ? ` (${d.userLimit} utilisateurs)` : ''}`,
        'plan.enterprise_requested': () => `${who} a demandé l’offre Entreprise pour ${target}`,
        'plan.request_closed': () => `${who} a traité la demande d’offre Entreprise de ${target}`,
        'tenant.destroyed': () => `${who} a détruit les données de ${target} (${d.rows} ligne(s), ${d.objects} fichier(s)) ; certificat ${String(d.certificateSha256).slice(0, 12)}…`,
        'export.receipts': () => `${who} a exporté les justificatifs de ${d.expenses} dépense(s) en ${String(d.format).toUpperCase()}`,
        'sepa.created': () => `${who} a préparé un fichier de virements SEPA : ${d.transfers} virement(s), ${money(d.totalMinor, 'EUR')}`,
        'sepa.confirmed': () => `${who} a confirmé des virements SEPA : ${d.reimbursed} dépense(s) remboursée(s)`,
        'export.created': () => `${who} a exporté ${d.expenses} dépense(s) en ${String(d.format).toUpperCase()} (${d.rows} ligne(s))${d.reexport ? ', réexport demandé' : ''}`,
        'vault.hold_placed': () => `${who} a placé une conservation légale${d.depositId ? ' sur un dépôt' : ' sur tout le coffre'} (révision le ${d.reviewOn})`,
        'vault.hold_released': () => `${who} a levé une conservation légale`,
        'vault.destruction_requested': () => `${who} a demandé la destruction de ${d.deposits} dépôt(s) (${d.kind === 'contract_end' ? 'fin de contrat' : 'fin de conservation'})`,
        'vault.destruction_cancelled': () => `${who} a annulé une demande de destruction`,
        'vault.destruction_approved': () => `${who} a approuvé une destruction (approbation ${d.approval} sur 2)`,
        'vault.destruction_done': () => `Destruction de ${d.deposits} dépôt(s) effectuée ; certificat ${String(d.certificateSha256).slice(0, 12)}…`,
        'vault.integrity_failed': () => `Intégrité du coffre : ${target} ${d.outcome === 'missing' ? 'est absent' : 'ne correspond plus à son empreinte'}`,
      }
    : {
        'auth.signed_in': () => `${who} signed in (${d.method})`,
        'auth.sign_in_failed': () => `Failed sign-in for ${who} (${word(REASONS, d.reason)})`,
        'auth.signed_out': () => `${who} signed out`,
        'auth.password_reset_requested': () => `Password reset requested for ${target}`,
        'auth.password_reset': () => `${who} reset their password`,
        'auth.identity_linked': () => `${who} linked a sign-in identity from ${d.issuer}`,
        'access.denied': () => `${who} was denied ${d.method} ${d.route} (${d.reason})`,
        'tenant.created': () => `${who} created ${target} (plan ${d.plan})`,
        'user.invited': () => `${who} invited ${target} as ${list(d.roles)}`,
        'user.invitation_resent': () => `${who} resent the invitation of ${target}`,
        'user.invitation_accepted': () => `${who} accepted their invitation`,
        'user.updated': () => `${who} changed ${list(d.fields)} of ${target}`,
        'user.deactivated': () => `${who} deactivated ${target}`,
        'user.reactivated': () => `${who} reactivated ${target}`,
        'users.imported': () => `${who} imported users: ${d.created} created, ${d.updated} updated, ${d.teamsCreated} teams created`,
        'team.created': () => `${who} created ${target}`,
        'team.updated': () => `${who} changed ${list(d.fields)} of ${target}`,
        'api_token.created': () => `${who} created ${target} with scopes ${list(d.scopes)}`,
        'api_token.revoked': () => `${who} revoked ${target}`,
        'profile.updated': () => `${who} updated their profile (${list(d.fields)})`,
        'category.created': () => `${who} created ${target}`,
        'category.updated': () => `${who} changed ${list(d.fields)} of ${target}`,
        'payment_method.created': () => `${who} created ${target} (${d.reimbursable ? 'reimbursable' : 'not reimbursable'})`,
        'payment_method.updated': () => `${who} changed ${list(d.fields)} of ${target}`,
        'exchange_rate.set': () => `${who} set the ${d.currency} rate of ${d.date} to ${d.rate}`,
        'exchange_rates.imported': () => `${who} imported ${d.rates} ECB rates (${d.days} days, ${d.from} to ${d.to})`,
        'vehicle.created': () => `${who} added ${target}`,
        'vehicle.updated': () => `${who} changed ${list(d.fields)} of ${target}`,
        'vehicle.deleted': () => `${who} deleted ${target}`,
        'mileage.created': () => `${who} recorded ${target}: ${d.countedKm} km at the ${d.scaleYear} mileage scale, ${money(d.amountMinor, d.currency)}`,
        'mileage.updated': () => `${who} changed ${list(d.fields)} of ${target} (now ${money(d.amountMinor, 'EUR')})`,
        'mileage.repriced': () => `Amount of ${target} re-priced from ${money(d.fromMinor, 'EUR')} to ${money(d.toMinor, 'EUR')} (${word(REPRICE_CAUSES, d.cause)})`,
        'per_diem_rate.created': () => `${who} created ${target} (${money(d.amountMinor, d.currency)} per unit, from ${d.validFrom})`,
        'per_diem_rate.updated': () => `${who} changed ${list(d.fields)} of ${target}`,
        'per_diem.created': () => `${who} recorded ${target}: ${d.units} unit(s), ${money(d.amountMinor, d.currency)}`,
        'per_diem.updated': () => `${who} changed ${list(d.fields)} of ${target}`,
        'expense.created': () => `${who} created ${target}`,
        'expense.updated': () => `${who} changed ${list(d.fields)} of ${target}`,
        'expense.deleted': () => `${who} deleted ${target}`,
        'expense.submitted': () => `${who} submitted ${target} (${d.levels} approval level(s))`,
        'expense.self_validated': () => `${who} self-validated ${target} (Solo plan)`,
        'expense.approved': () => `${who} approved ${target}${d.onBehalfOf ? ' as a delegate' : ''} (level ${d.level}${d.final ? ', last' : ''})`,
        'expense.rejected': () => `${who} rejected ${target}${d.onBehalfOf ? ' as a delegate' : ''}`,
        'expense.returned': () => `${who} returned ${target} to its owner${d.onBehalfOf ? ' as a delegate' : ''}`,
        'expense.verified': () => `${who} verified ${target}`,
        'expense.corrected': () => `${who} corrected ${list(d.fields)} of ${target}${d.restarted ? ' (approvals voided, chain restarted)' : ''}`,
        'workflow.settings_updated': () => `${who} changed the approval workflow (${list(d.fields)})`,
        'approval_level.created': () => `${who} added an approval level above ${money(d.aboveMinor, 'EUR')}`,
        'approval_level.deleted': () => `${who} removed an approval level`,
        'delegation.created': () => `${who} delegated their approvals from ${d.startsOn} to ${d.endsOn}`,
        'delegation.revoked': () => `${who} ended a delegation`,
        'category_policy.set': () => `${who} changed a category's policy`,
        'vat_rule.created': () => `${who} set a category's VAT recovery to ${Number(d.recoverableBp) / 100} % from ${d.effectiveFrom}`,
        'expense.ocr_applied': () => `Receipt read: ${list(d.fields) || 'no field'} filled on ${target}`,
        'receipt.ocr_requested': () => `${who} asked to read again a receipt of ${target}`,
        'receipt.attached': () => `${who} attached a receipt to ${target} (${Math.ceil(Number(d.size) / 1024)} KB)`,
        'receipt.removed': () => `${who} removed a receipt from ${target}`,
        'vault.settings_updated': () => `${who} changed the vault option (${list(d.fields)})`,
        'accounting.settings_updated': () => `${who} changed the accounting settings (${list(d.fields)})`,
        'payroll_preset.saved': () => `${who} saved a payroll export preset (${list(d.columns)})`,
        'payroll_preset.deleted': () => `${who} deleted a payroll export preset`,
        'bank_account.set': () => `${who} saved a bank account (${d.country}) for ${target}`,
        'client_export.requested': () => `${who} asked for the ${d.final ? 'final' : 'full'} export of the Client's data`,
        'tenant.terminated': () => `${who} recorded the end of contract of ${target}: read-only, destroyed after ${String(d.purgeAfter).slice(0, 10)}`,
        'tenant.termination_cancelled': () => `${who} cancelled the end of contract of ${target}`,
        'invoice.issued': () => `${who} issued invoice ${d.number} (${d.period ?? 'credit note'}): ${money(Number(d.totalTtcMinor), 'EUR')} incl. VAT`,
        'invoice.paid': () => `${who} recorded the payment of invoice ${d.number}${d.reference ? ` (transfer “${d.reference}”)` : ''}`,
        'invoice.credited': () => `${who} issued a credit note on invoice ${d.number} (${d.reason}): ${money(-Number(d.totalHtMinor), 'EUR')} excl. VAT`,
        'invoice.notice_sent': () => `${who} sent the late-payment notice of invoice ${d.number} (${money(Number(d.amountDueMinor), 'EUR')}): suspension on ${String(d.suspendAt).slice(0, 16).replace('T', ' ')} UTC`,
        'billing.details_updated': () => `${who} changed the billing details (${list(d.fields)})`,
        'subprocessor.change_announced': () => `${who} announced a subprocessor change (${d.added ?? ''}${d.added && d.removed ? ' replacing ' : ''}${d.removed ?? ''}), effective ${String(d.effectiveAt).slice(0, 10)}, to ${d.clients} Client(s)`,
        'subprocessor.change_cancelled': () => `${who} withdrew an announced subprocessor change`,
        'subprocessor.objected': () => `${who} objected to a subprocessor change`,
        'subprocessor.transfer_instructed': () => `${who} instructed the transfer of the data outside the EU/EEA (${d.country}) to ${target}`,
        'subprocessor.objection_decided': () => `${who} decided on the objection of ${target}: ${d.decision === 'on_hold' ? 'change on hold for this Client' : 'the Client may terminate'}`,
        'legal.published': () => `${who} published version ${d.version} of the ${d.document === 'terms' ? 'terms of use' : 'privacy notice'}, applying on ${String(d.appliesFrom).slice(0, 10)}${d.affectsProcessing ? ' (a change to the processing, notified to the Clients\u2019 admins)' : ''}`,
        'legal.accepted': () => `${who} accepted version ${d.version} of the ${d.document === 'terms' ? 'terms of use' : 'privacy notice'}`,
        'gdpr_breach.recorded': () => `${who} recorded a personal data breach (detected ${String(d.detectedAt).slice(0, 16).replace('T', ' ')} UTC, ${d.scope === 'all' ? 'every Client' : `${d.clients} Client(s)`})`,
        'gdpr_breach.notified': () => `${who} notified ${target} to ${d.recipients} admin(s) of the Client${d.late ? ', after the 48 hours' : ', within 48 hours'}`,
        'gdpr_breach.follow_up': () => `${who} added a follow-up to ${target}`,
        'audit_request.created': () => `${who} requested an audit for ${d.proposedDate}`,
        'audit_request.scheduled': () => `${who} ${d.rescheduled ? 'moved' : 'scheduled'} the audit to ${d.agreedDate}`,
        'audit_request.done': () => `${who} recorded the audit as done`,
        'audit_request.cancelled': () => `${who} cancelled ${target}`,
        'support_access.granted': () => `${who} granted support read access (${list(d.scopes)}) until ${String(d.expiresAt).slice(0, 16).replace('T', ' ')} UTC`,
        'support_access.revoked': () => `${who} revoked ${target}`,
        'support.read': () => `Support (${who}) read ${d.resource} under grant ${String(d.grantId).slice(0, 8)} (scope ${d.scope}, ${d.count} item(s))`,
        'plan.changed': () => `${who} changed the plan of ${target}: ${d.from} → ${d.to}${d.userLimit ? ` (${d.userLimit} users)` : ''}`,
        'plan.enterprise_requested': () => `${who} asked for the Enterprise plan for ${target}`,
        'plan.request_closed': () => `${who} handled the Enterprise request of ${target}`,
        'tenant.destroyed': () => `${who} destroyed the data of ${target} (${d.rows} row(s), ${d.objects} file(s)); certificate ${String(d.certificateSha256).slice(0, 12)}…`,
        'export.receipts': () => `${who} exported the receipts of ${d.expenses} expense(s) as ${String(d.format).toUpperCase()}`,
        'sepa.created': () => `${who} prepared a SEPA transfer file: ${d.transfers} transfer(s), ${money(d.totalMinor, 'EUR')}`,
        'sepa.confirmed': () => `${who} confirmed SEPA transfers: ${d.reimbursed} expense(s) reimbursed`,
        'export.created': () => `${who} exported ${d.expenses} expense(s) as ${String(d.format).toUpperCase()} (${d.rows} row(s))${d.reexport ? ', re-export asked' : ''}`,
        'vault.hold_placed': () => `${who} placed a legal hold${d.depositId ? ' on a deposit' : ' on the whole vault'} (review on ${d.reviewOn})`,
        'vault.hold_released': () => `${who} released a legal hold`,
        'vault.destruction_requested': () => `${who} asked to destroy ${d.deposits} deposit(s) (${d.kind === 'contract_end' ? 'contract end' : 'retention over'})`,
        'vault.destruction_cancelled': () => `${who} cancelled a destruction request`,
        'vault.destruction_approved': () => `${who} approved a destruction (approval ${d.approval} of 2)`,
        'vault.destruction_done': () => `Destruction of ${d.deposits} deposit(s) carried out; certificate ${String(d.certificateSha256).slice(0, 12)}…`,
        'vault.integrity_failed': () => `Vault integrity: ${target} ${d.outcome === 'missing' ? 'is missing' : 'no longer matches its hash'}`,
      };
  const text = s[e.type]?.() ?? `${who}: ${e.type} ${target}`;
  return e.outcome === 'success' || e.type === 'auth.sign_in_failed' || e.type === 'access.denied' ? text : `${text} — ${word(OUTCOMES, e.outcome)}`;
}
