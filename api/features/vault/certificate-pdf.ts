// The vault's two evidence documents as PDF (R-VLT-5), in French: the deposit certificate handed
// over when a receipt is deposited, and the probative-value report (the JSON report's checks, for a
// reader without the verifier). A4, pdf-lib's standard fonts (WinAnsi: French accents are fine,
// anything else is replaced), every value real text that can be selected and copied — the hashes
// in Courier, cut into lines of whole hex digits.
import type { RGB } from 'pdf-lib';
import { ACCENT, dateTimeFr, dayFr, GREEN, GREY, INK, MARGIN, RED, SHADE, sizeFr, WIDTH, Writer, type Block, type Run } from '../../lib/pdf-writer.ts';
import { checkInFrench, reportPassed } from './proof-check.ts';
import type { DepositRecord, ProbativeReport, ProofCheck, ProofCheckType } from './proof-types.ts';

const FORMATS: Record<string, string> = {
  'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/heic': 'HEIC', 'image/heif': 'HEIF', 'image/webp': 'WebP', 'image/tiff': 'TIFF', 'application/xml': 'XML', 'text/xml': 'XML',
};
const formatFr = (mediaType: string) => (FORMATS[mediaType] ? `${FORMATS[mediaType]} (${mediaType})` : mediaType);

const VERIFY_COMMAND = 'npm run vault:check-proof -- rapport.json FICHIER --key vault-public.pem';
/** How anyone checks a deposit without trusting the service. */
function howToVerify(w: Writer) {
  w.section('Comment vérifier');
  w.paragraph(
    'Sans avoir à faire confiance au service : demandez le rapport de valeur probante (fichier JSON) du dépôt et exécutez, ' +
      'avec le fichier original et la clé publique du coffre que vous avez conservée :',
    { size: 9, after: 3 },
  );
  w.paragraph(VERIFY_COMMAND, { font: 'mono', size: 8.5, after: 4 });
  w.paragraph(
    'La commande recalcule les empreintes SHA-256 et SHA-512 du fichier, l’empreinte de l’entrée du journal, son inclusion dans ' +
      'l’arbre de Merkle (RFC 6962) signé par le point de contrôle, la signature Ed25519 de ce point de contrôle et, le cas échéant, ' +
      'son jeton d’horodatage RFC 3161 ; elle indique chaque contrôle réussi ou en échec.',
    { size: 9 },
  );
}

function depositFields(w: Writer, d: DepositRecord, clientName: string) {
  w.section('Document');
  w.field('Nom d’origine', d.originalName);
  w.field('Format', formatFr(d.mediaType));
  w.field('Taille', sizeFr(d.size));
  w.section('Empreintes du fichier');
  w.field('SHA-256', d.sha256, { mono: true });
  w.field('SHA-512', d.sha512, { mono: true });
  w.section('Dépôt');
  w.field('Identifiant du dépôt', d.id, { mono: true });
  w.field('Déposé le', dateTimeFr(d.depositedAt));
  w.field('Déposant', d.depositorId, { mono: true, note: 'identifiant pseudonyme' });
  w.field('Client', clientName);
  w.field('Note de frais', d.expenseId, { mono: true });
  if (d.receiptId) w.field('Justificatif', d.receiptId, { mono: true });
  w.field('Conservation jusqu’au', dayFr(d.retentionUntil));
}

// ---------------------------------------------------------------- the deposit certificate

export interface DepositCertificateInput {
  deposit: DepositRecord;
  clientName: string;
  entryHash: string;
  checkpoint: { seq: number; treeSize: number; root: string; createdAt: string } | null;
  publicKeyFingerprint: string;
  generatedAt: string;
}

/** The certificate of the deposit a probative-value report is about (its checkpoint, key, entry). */
export function certificateFromReport(report: ProbativeReport, clientName: string): DepositCertificateInput {
  const cp = report.checkpoint.body;
  return {
    deposit: report.deposit, clientName, entryHash: report.journal.entryHash, publicKeyFingerprint: report.publicKey.fingerprint, generatedAt: report.generatedAt,
    checkpoint: { seq: cp.seq, treeSize: cp.treeSize, root: cp.root, createdAt: cp.createdAt },
  };
}

export async function depositCertificatePdf(input: DepositCertificateInput): Promise<Buffer> {
  const { deposit: d, checkpoint: cp } = input;
  const w = await Writer.create({ title: `Certificat de dépôt ${d.id}`, subject: `Dépôt de « ${d.originalName} » au coffre-fort d’archivage`, date: input.generatedAt, footer: `Justif — Certificat de dépôt ${d.id}`, brand: 'coffre-fort d’archivage' });
  w.title('Certificat de dépôt', `Délivré le ${dateTimeFr(input.generatedAt)} à ${input.clientName}.`);
  w.paragraph(
    'Le document décrit ci-dessous a été déposé au coffre-fort d’archivage tel quel, octet pour octet. Ses empreintes ont été inscrites ' +
      'dans le journal chaîné du coffre, dont les points de contrôle sont signés : toute modification ultérieure du fichier ou du journal serait détectée.',
    { color: GREY, size: 9, after: 4 },
  );
  depositFields(w, d, input.clientName);
  w.section('Journal du coffre');
  w.field('Entrée n°', String(d.journalSeq));
  w.field('Empreinte de l’entrée', input.entryHash, { mono: true, note: 'SHA-256 de l’entrée (RFC 8785), chaînée à la précédente' });
  w.section('Point de contrôle signé');
  if (cp) {
    w.field('Point de contrôle n°', String(cp.seq));
    w.field('Taille de l’arbre', `${cp.treeSize} entrée${cp.treeSize > 1 ? 's' : ''} (dont l’entrée n° ${d.journalSeq})`);
    w.field('Racine de l’arbre', cp.root, { mono: true, note: 'racine de Merkle (RFC 6962) signée' });
    w.field('Signé le', dateTimeFr(cp.createdAt));
  } else {
    w.field('Point de contrôle', 'pas encore de point de contrôle', { note: 'le dépôt sera couvert par le prochain point de contrôle signé ; le rapport de valeur probante pourra alors être produit' });
  }
  w.section('Clé du coffre');
  w.field('Empreinte de la clé publique', input.publicKeyFingerprint, { mono: true, note: 'SHA-256 de la clé publique Ed25519 (SPKI) : comparez-la avec la clé que vous avez conservée' });
  howToVerify(w);
  return w.save();
}

// ---------------------------------------------------------------- the probative-value report

const TYPES_FR: Record<ProofCheckType, string> = {
  'local-integrity': 'Intégrité locale',
  chain: 'Chaînage du journal',
  'merkle-inclusion': 'Inclusion Merkle',
  signature: 'Signature',
  timestamp: 'Horodatage',
};
const RESULTS_FR: Record<ProofCheck['result'], [string, RGB]> = { ok: ['OK', GREEN], failed: ['ÉCHEC', RED], 'not-applicable': ['Sans objet', GREY] };

// the table's columns
const COL_RESULT = MARGIN + 4;
const COL_TYPE = MARGIN + 62;
const COL_SOURCES = MARGIN + 160;
const SOURCES_W = MARGIN + WIDTH - COL_SOURCES - 4;
const VALUE_LABEL_W = 42;

function tableHeader(w: Writer) {
  const runs: Run[] = [
    { x: COL_RESULT, dy: 11, text: w.clean('Résultat'), font: 'bold', size: 8, color: INK },
    { x: COL_TYPE, dy: 11, text: w.clean('Contrôle'), font: 'bold', size: 8, color: INK },
    { x: COL_SOURCES, dy: 11, text: w.clean('Sources comparées, valeur attendue et valeur obtenue'), font: 'bold', size: 8, color: INK },
  ];
  w.draw({ runs, height: 16 }, { background: SHADE, rule: true });
}

function checkRow(w: Writer, c: ProofCheck): Block {
  const fr = checkInFrench(c);
  const [result, color] = RESULTS_FR[c.result] ?? [c.result, INK];
  const runs: Run[] = [{ x: COL_RESULT, dy: 12, text: w.clean(result), font: 'bold', size: 8.5, color }];
  const typeDy = w.lines(runs, TYPES_FR[c.type] ?? c.type, { x: COL_TYPE, dy: 3, font: 'regular', size: 8.5, max: COL_SOURCES - COL_TYPE - 8 });
  let dy = w.lines(runs, `1. ${fr.sources[0]}`, { x: COL_SOURCES, dy: 3, font: 'regular', size: 8, max: SOURCES_W });
  dy = w.lines(runs, `2. ${fr.sources[1]}`, { x: COL_SOURCES, dy, font: 'regular', size: 8, max: SOURCES_W });
  dy += 2;
  const VALUES_FR: Record<string, string> = { valid: 'valide', invalid: 'non valide' };
  for (const [label, raw] of [['Attendu', c.expected], ['Obtenu', c.actual]] as const) {
    const value = raw === null ? null : (VALUES_FR[raw] ?? raw);
    runs.push({ x: COL_SOURCES, dy: dy + 9.5 - 2.4, text: w.clean(`${label} :`), font: 'regular', size: 7.5, color: GREY });
    dy = w.lines(runs, value ?? '—', { x: COL_SOURCES + VALUE_LABEL_W, dy, font: 'mono', size: 7.5, max: SOURCES_W - VALUE_LABEL_W, leading: 9.5, color: value === null ? GREY : INK });
  }
  if (fr.detail) dy = w.lines(runs, fr.detail, { x: COL_SOURCES, dy: dy + 1, font: 'italic', size: 7.5, color: GREY, max: SOURCES_W });
  return { runs, height: Math.max(dy, typeDy) + 7 };
}

export async function reportPdf(report: ProbativeReport, clientName: string): Promise<Buffer> {
  const d = report.deposit;
  const passed = reportPassed(report.checks);
  const failed = report.checks.filter((c) => c.result === 'failed');
  const na = report.checks.filter((c) => c.result === 'not-applicable');
  const w = await Writer.create({ title: `Rapport de valeur probante ${d.id}`, subject: `Valeur probante du dépôt de « ${d.originalName} »`, date: report.generatedAt, footer: `Justif — Rapport de valeur probante du dépôt ${d.id}`, brand: 'coffre-fort d’archivage' });
  w.title('Rapport de valeur probante', `Établi le ${dateTimeFr(report.generatedAt)} pour ${clientName}.`);
  w.paragraph(
    'Ce rapport réunit tout ce qu’il faut pour vérifier, hors ligne, que le document déposé n’a pas été modifié depuis son dépôt : ' +
      'l’enregistrement du dépôt, son entrée dans le journal chaîné du coffre, le chemin qui la relie à la racine de l’arbre de Merkle, ' +
      'le point de contrôle signé qui couvre cette racine et la clé publique qui l’a signé. Les contrôles ci-dessous ont été exécutés par le service ; ' +
      'la commande de vérification les exécute à nouveau, de façon indépendante.',
    { color: GREY, size: 9, after: 4 },
  );
  depositFields(w, d, clientName);
  if (d.legalHold || d.destroyed) {
    w.field('État', [d.legalHold ? 'sous conservation légale (suppression suspendue)' : '', d.destroyed ? 'original détruit en fin de conservation' : ''].filter(Boolean).join(' ; '));
  }
  w.section('Journal, arbre et point de contrôle');
  w.field('Entrée n°', String(report.journal.entry.seq));
  w.field('Empreinte de l’entrée', report.journal.entryHash, { mono: true });
  w.field('Feuille de l’arbre', `${report.inclusion.index} sur ${report.inclusion.treeSize}`);
  w.field('Racine de l’arbre', report.inclusion.root, { mono: true });
  w.field('Point de contrôle n°', String(report.checkpoint.body.seq));
  w.field('Signé le', dateTimeFr(report.checkpoint.body.createdAt));
  w.field('Empreinte du point de contrôle', report.checkpoint.hash, { mono: true });
  w.field('Horodatage RFC 3161', report.checkpoint.tsaToken ? 'jeton présent (voir le contrôle « Horodatage »)' : 'aucun (pas d’autorité d’horodatage configurée)');
  w.field('Clé publique du coffre', report.publicKey.fingerprint, { mono: true, note: `empreinte SHA-256 (identifiant ${report.publicKey.keyId})` });

  w.section('Contrôles');
  tableHeader(w);
  w.continuation = () => tableHeader(w);
  for (const c of report.checks) w.draw(checkRow(w, c), { rule: true });
  w.continuation = undefined;

  w.section('Conclusion');
  const verdict = !report.checks.length
    ? 'AUCUN CONTRÔLE — le rapport ne contient pas de contrôles : exécutez la commande de vérification ci-dessous.'
    : passed
    ? `VÉRIFIÉ — les ${report.checks.length - na.length} contrôles applicables ont réussi${na.length ? ` (${na.length} sans objet)` : ''}.`
    : `ÉCHEC — ${failed.length} contrôle${failed.length > 1 ? 's' : ''} sur ${report.checks.length} en échec : ${[...new Set(failed.map((c) => TYPES_FR[c.type] ?? c.type))].join(', ')}.`;
  w.paragraph(verdict, { font: 'bold', size: 12, color: passed && report.checks.length ? GREEN : RED, after: 8 });
  if (report.checks.length) {
    const fileChecked = report.checks.some((c) => c.type === 'local-integrity' && c.sources[0] === 'SHA-256 of the file' && c.result !== 'not-applicable');
    const explanation = !passed
      ? 'Un ou plusieurs liens de la preuve ne tiennent pas : le document, le journal ou le point de contrôle ne correspondent pas à ce qui a été enregistré au dépôt.'
      : fileChecked
        ? 'Le document dont les empreintes figurent ci-dessus est celui qui a été déposé ; son dépôt est inscrit au journal du coffre et couvert par un point de contrôle signé.'
        : 'Le dépôt est inscrit au journal du coffre et couvert par un point de contrôle signé ; le fichier lui-même n’a pas été fourni à ces contrôles : vérifiez ses empreintes avec la commande ci-dessous.';
    w.paragraph(explanation, { size: 9.5 });
  }
  const embedded = report.checks.some((c) => c.type === 'signature' && c.sources[1] === 'public key embedded in the report');
  if (embedded) {
    w.paragraph(
      `La signature a été vérifiée avec la clé publique incluse dans le rapport (empreinte ${report.publicKey.fingerprint}) : comparez cette empreinte avec celle de la clé du coffre que vous avez conservée.`,
      { size: 9, color: GREY },
    );
  }
  howToVerify(w);
  return w.save();
}
