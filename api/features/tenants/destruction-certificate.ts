// The end-of-contract destruction certificate as a PDF (R-REV-2), in French: what was destroyed for
// the Client and when, counted and hashed, the final export handed over, the vault destruction, and
// when the last backup copy ages out. The JSON certificate (its SHA-256 printed here) is the
// reference; this is its readable form, kept with it in the vendor's records.
import { dateTimeFr, GREY, sizeFr, Writer } from '../../lib/pdf-writer.ts';
import type { ContractDestructionCertificate } from './contract-end.service.ts';

const n = (v: number) => new Intl.NumberFormat('fr-FR').format(v);

export async function destructionCertificatePdf(c: ContractDestructionCertificate, certificateSha256: string): Promise<Buffer> {
  const w = await Writer.create({ title: `Certificat de destruction ${c.id}`, subject: `Destruction des données de ${c.client.name} en fin de contrat`, date: c.executedAt, footer: `Justif — Certificat de destruction ${c.id}`, brand: 'fin de contrat' });
  w.title('Certificat de destruction', `Établi le ${dateTimeFr(c.executedAt)} pour ${c.client.name}.`);
  w.paragraph(
    'Au terme du contrat et du délai de trente jours pendant lequel les données sont restées consultables et téléchargeables, toutes les données du Client ' +
      'ont été détruites : enregistrements de la base de données, justificatifs et fichiers dérivés, fichiers d’export, dépôts du coffre-fort. ' +
      'Seuls subsistent, dans les registres du prestataire, l’identité du Client, l’enregistrement de la résiliation et le présent certificat.',
    { color: GREY, size: 9, after: 4 },
  );
  w.section('Client et résiliation');
  w.field('Client', `${c.client.name}`);
  w.field('Identifiant', c.client.id, { mono: true });
  w.field('Résiliation enregistrée le', dateTimeFr(c.termination.terminatedAt));
  w.field('Données conservées jusqu’au', dateTimeFr(c.termination.purgeAfter));
  w.field('Instruction du Client', c.termination.vaultInstruction === 'return_then_destroy' ? 'dépôts du coffre remis dans l’export final, puis détruits' : 'dépôts du coffre détruits', { note: `référence : ${c.termination.instructionRef}` });
  w.section('Export final remis');
  if (c.finalExport) {
    w.field('Export', c.finalExport.id, { mono: true });
    w.field('État', c.finalExport.status === 'done' ? `prêt le ${c.finalExport.finishedAt ? dateTimeFr(c.finalExport.finishedAt) : '—'}` : c.finalExport.status);
    if (c.finalExport.size !== null) w.field('Taille', sizeFr(c.finalExport.size));
    if (c.finalExport.sha256) w.field('SHA-256 de l’archive', c.finalExport.sha256, { mono: true });
  } else w.field('Export', 'aucun');
  w.section('Coffre-fort d’archivage');
  w.field('Dépôts détruits', n(c.vault.deposits), { note: 'par la procédure de destruction à deux personnes du coffre' });
  if (c.vault.destructionId) w.field('Destruction du coffre', c.vault.destructionId, { mono: true });
  if (c.vault.certificateSha256) w.field('SHA-256 de son certificat', c.vault.certificateSha256, { mono: true });
  w.field('Objets restants', n(c.vault.objectsLeft));
  if (c.vaultJournalHead) w.field('Dernière entrée du journal', `n° ${c.vaultJournalHead.seq} — ${c.vaultJournalHead.hash}`, { mono: true });
  w.section('Base de données');
  w.field('Enregistrements détruits', n(c.rowsTotal));
  for (const [table, count] of Object.entries(c.rows).filter(([, v]) => Number(v) > 0).sort(([a], [b]) => (a < b ? -1 : 1))) w.field(table, n(Number(count)));
  if (c.auditChainHead) w.field('Dernier événement du journal d’audit', `n° ${c.auditChainHead.seq} — ${c.auditChainHead.hash}`, { mono: true });
  w.section('Stockage des fichiers');
  w.field('Fichiers détruits', `${n(c.objects.count)} (${sizeFr(c.objects.bytes)})`);
  w.field('SHA-256 de leur liste', c.objects.listSha256, { mono: true, note: 'liste triée des clés et tailles, une ligne « clé<TAB>taille » par fichier' });
  w.section('Copies de sauvegarde');
  w.field('Dernière copie effacée le', dateTimeFr(c.backupsGoneBy), { note: 'les sauvegardes sont conservées 30 jours puis effacées' });
  w.section('Certificat');
  w.field('Exécuté le', dateTimeFr(c.executedAt));
  w.field('SHA-256 du certificat JSON', certificateSha256, { mono: true, note: 'SHA-256 du certificat JSON sous sa forme canonique (RFC 8785)' });
  return w.save();
}
