// The offline verification of a probative-value report (R-VLT-5): everything a Client, an auditor
// or a judge's expert can recompute with the report, the file and the vault's public key — no
// database, no network (the RFC 3161 token is checked against certificates it carries or that are
// given). Each check names the two things it compares, what was expected and what was found, so a
// failure says which link broke: the file (local integrity), the journal entry (chain), its place
// in the signed tree (Merkle inclusion), the checkpoint (signature), its time (time-stamp).
import { createHash, createPublicKey, verify } from 'node:crypto';
import { checkpointHash, entryBytes } from './journal.ts';
import { leafHash, verifyInclusion } from './merkle.ts';
import type { ProbativeReport, ProofCheck, ProofCheckType } from './proof-types.ts';

export type TimestampVerdict = { ok: true; genTime: string; serialNumber?: string; tsaCertFingerprint?: string } | { ok: false; problem: string };
export interface CheckOptions {
  /** The vault public key the Client kept (SPKI PEM): the trust anchor. Without it, the key embedded in the report is used. */
  publicKeyPem?: string;
  /** Checks an RFC 3161 token against the digest it must stamp; infra/timestamp.ts's verifyTimestampToken by default. */
  verifyTimestamp?: (token: Buffer, digest: Buffer) => Promise<TimestampVerdict>;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest();
const HEX64 = /^[0-9a-f]{64}$/;

/** A public key's identity: SHA-256 (hex) of its SPKI DER, and the keyId (its first 16 hex digits) checkpoints name. */
export function keyFingerprint(publicKeyPem: string): { fingerprint: string; keyId: string } {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  const fingerprint = sha256(der).toString('hex');
  return { fingerprint, keyId: fingerprint.slice(0, 16) };
}

/** true when no check failed (not-applicable ones do not fail a report). */
export function reportPassed(checks: readonly ProofCheck[]): boolean {
  return !checks.some((c) => c.result === 'failed');
}

const show = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));

export async function checkReport(report: ProbativeReport, file: Buffer | null, o: CheckOptions = {}): Promise<ProofCheck[]> {
  const out: ProofCheck[] = [];
  /** Compares two values (as strings); a thrown error (a malformed report) is a failure, not a crash. */
  const compare = (type: ProofCheckType, sources: [string, string], expected: () => unknown, actual: () => unknown, detail?: string) => {
    try {
      const e = show(expected());
      const a = show(actual());
      out.push({ type, sources, expected: e, actual: a, result: e !== null && e === a ? 'ok' : 'failed', ...(detail ? { detail } : {}) });
    } catch (err) {
      out.push({ type, sources, expected: null, actual: null, result: 'failed', detail: `cannot be computed: ${(err as Error).message}` });
    }
  };
  const d = report.deposit ?? ({} as Partial<ProbativeReport['deposit']>);
  const entry = report.journal?.entry;

  // ---- local integrity: the file is the one deposited, the journal entry is the deposit's
  if (file) {
    compare('local-integrity', ['SHA-256 of the file', 'deposit record sha256'], () => d.sha256, () => createHash('sha256').update(file).digest('hex'));
    compare('local-integrity', ['SHA-512 of the file', 'deposit record sha512'], () => d.sha512, () => createHash('sha512').update(file).digest('hex'));
    compare('local-integrity', ['size of the file (bytes)', 'deposit record size'], () => d.size, () => file.length);
  } else {
    for (const [what, field] of [['SHA-256', 'sha256'], ['SHA-512', 'sha512'], ['size', 'size']] as const) {
      out.push({ type: 'local-integrity', sources: [`${what} of the file`, `deposit record ${field}`], expected: show(d[field]), actual: null, result: 'not-applicable', detail: 'no file given' });
    }
  }
  compare('local-integrity', ['journal entry data.sha256', 'deposit record sha256'], () => d.sha256, () => entry!.data.sha256);
  compare('local-integrity', ['journal entry depositId', 'deposit record id'], () => d.id, () => entry!.depositId);

  // ---- chain: the entry's bytes give the hashes the journal and the tree hold
  compare('chain', ['SHA-256 of the journal entry (RFC 8785)', 'report entryHash'], () => report.journal.entryHash, () => sha256(entryBytes(entry!)).toString('hex'));
  compare('chain', ['leaf hash of the journal entry (RFC 6962)', 'report leafHash'], () => report.journal.leafHash, () => leafHash(entryBytes(entry!)).toString('hex'));

  // ---- Merkle inclusion: that leaf is in the tree whose root the checkpoint signed
  try {
    const inc = report.inclusion;
    const hexes = [report.journal.leafHash, inc.root, ...inc.path];
    const bad = hexes.find((h) => typeof h !== 'string' || !HEX64.test(h));
    const ok = bad === undefined && verifyInclusion(Buffer.from(report.journal.leafHash, 'hex'), inc.index, inc.treeSize, inc.path.map((h) => Buffer.from(h, 'hex')), Buffer.from(inc.root, 'hex'));
    out.push({
      type: 'merkle-inclusion', sources: ['root recomputed from the leaf and its audit path', 'report inclusion root'], expected: inc.root, actual: ok ? inc.root : null, result: ok ? 'ok' : 'failed',
      detail: bad !== undefined ? `not a SHA-256 hex hash: ${show(bad)}` : ok ? `leaf ${inc.index} of ${inc.treeSize}, path of ${inc.path.length} node(s)` : `the audit path of leaf ${inc.index} in a tree of ${inc.treeSize} does not lead to that root`,
    });
  } catch (err) {
    out.push({ type: 'merkle-inclusion', sources: ['root recomputed from the leaf and its audit path', 'report inclusion root'], expected: null, actual: null, result: 'failed', detail: `cannot be computed: ${(err as Error).message}` });
  }
  compare('merkle-inclusion', ['inclusion root', 'checkpoint root'], () => report.checkpoint.body.root, () => report.inclusion.root);
  compare('merkle-inclusion', ['inclusion tree size', 'checkpoint tree size'], () => report.checkpoint.body.treeSize, () => report.inclusion.treeSize);
  compare('merkle-inclusion', ['inclusion leaf index', 'journal entry seq'], () => entry!.seq, () => report.inclusion.index);

  // ---- signature: the checkpoint is the one the vault key signed
  compare('signature', ['hash of the checkpoint body (RFC 8785)', 'report checkpoint hash'], () => report.checkpoint.hash, () => checkpointHash(report.checkpoint.body));
  const anchored = typeof o.publicKeyPem === 'string';
  const keySource = anchored ? 'vault public key kept by the Client' : 'public key embedded in the report';
  try {
    const pem = anchored ? o.publicKeyPem! : report.publicKey.pem;
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the ${keySource} is ${key.asymmetricKeyType}, not Ed25519`);
    const { fingerprint, keyId } = keyFingerprint(pem);
    const valid = verify(null, Buffer.from(report.checkpoint.hash, 'utf8'), key, Buffer.from(report.checkpoint.signature, 'base64'));
    out.push({
      type: 'signature', sources: ['Ed25519 signature of the checkpoint hash', keySource], expected: 'valid', actual: valid ? 'valid' : 'invalid', result: valid ? 'ok' : 'failed',
      detail: anchored
        ? `checked with the key given (fingerprint ${fingerprint})`
        : `checked with the key embedded in the report (fingerprint ${fingerprint}): this shows the report is consistent, not that the vault signed it — compare that fingerprint with the vault key you kept, or pass that key`,
    });
    compare('signature', [`keyId of the ${keySource}`, 'checkpoint keyId'], () => report.checkpoint.body.keyId, () => keyId);
  } catch (err) {
    out.push({ type: 'signature', sources: ['Ed25519 signature of the checkpoint hash', keySource], expected: 'valid', actual: null, result: 'failed', detail: `cannot be checked: ${(err as Error).message}` });
  }

  // ---- time-stamp: an RFC 3161 authority stamped the checkpoint hash
  const tsSources: [string, string] = ['RFC 3161 time-stamp token', 'SHA-256 of the checkpoint hash'];
  const token = report.checkpoint?.tsaToken;
  if (token === null || token === undefined) {
    out.push({ type: 'timestamp', sources: tsSources, expected: null, actual: null, result: 'not-applicable', detail: 'no TSA configured' });
  } else {
    let digestHex: string | null = null;
    try {
      const digest = sha256(Buffer.from(report.checkpoint.hash, 'utf8'));
      digestHex = digest.toString('hex');
      const verifyTs = o.verifyTimestamp ?? (await defaultTimestampVerifier());
      const r = await verifyTs(Buffer.from(token, 'base64'), digest);
      out.push(
        r.ok
          ? { type: 'timestamp', sources: tsSources, expected: digestHex, actual: digestHex, result: 'ok', detail: `time-stamped at ${r.genTime}${r.serialNumber ? `, serial ${r.serialNumber}` : ''}${r.tsaCertFingerprint ? `, TSA certificate ${r.tsaCertFingerprint}` : ''}` }
          : { type: 'timestamp', sources: tsSources, expected: digestHex, actual: null, result: 'failed', detail: r.problem },
      );
    } catch (err) {
      out.push({ type: 'timestamp', sources: tsSources, expected: digestHex, actual: null, result: 'failed', detail: `cannot be checked: ${(err as Error).message}` });
    }
  }
  return out;
}

/** infra/timestamp.ts, loaded only when a report carries a token (it brings the ASN.1/PKI libraries). */
async function defaultTimestampVerifier(): Promise<(token: Buffer, digest: Buffer) => Promise<TimestampVerdict>> {
  const { verifyTimestampToken } = await import('../../infra/timestamp.ts');
  return (token, digest) => verifyTimestampToken(token, digest);
}

// ---------------------------------------------------------------- French (the PDF report)

/** The French of every source this module names (the product's default language; the JSON and the CLI keep the English). */
const SOURCES_FR: Record<string, string> = {
  'SHA-256 of the file': 'SHA-256 du fichier',
  'SHA-512 of the file': 'SHA-512 du fichier',
  'size of the file (bytes)': 'taille du fichier (octets)',
  'size of the file': 'taille du fichier',
  'deposit record sha256': 'SHA-256 enregistré au dépôt',
  'deposit record sha512': 'SHA-512 enregistré au dépôt',
  'deposit record size': 'taille enregistrée au dépôt',
  'deposit record id': 'identifiant du dépôt',
  'journal entry data.sha256': 'SHA-256 inscrit dans l’entrée du journal',
  'journal entry depositId': 'dépôt désigné par l’entrée du journal',
  'SHA-256 of the journal entry (RFC 8785)': 'SHA-256 de l’entrée du journal (RFC 8785)',
  'report entryHash': 'empreinte de l’entrée (rapport)',
  'leaf hash of the journal entry (RFC 6962)': 'feuille de l’entrée du journal (RFC 6962)',
  'report leafHash': 'feuille (rapport)',
  'root recomputed from the leaf and its audit path': 'racine recalculée depuis la feuille et son chemin d’audit',
  'report inclusion root': 'racine de la preuve d’inclusion',
  'inclusion root': 'racine de la preuve d’inclusion',
  'checkpoint root': 'racine signée par le point de contrôle',
  'inclusion tree size': 'taille de l’arbre (preuve d’inclusion)',
  'checkpoint tree size': 'taille de l’arbre signée',
  'inclusion leaf index': 'position de la feuille (preuve d’inclusion)',
  'journal entry seq': 'numéro de l’entrée du journal',
  'hash of the checkpoint body (RFC 8785)': 'empreinte recalculée du point de contrôle (RFC 8785)',
  'report checkpoint hash': 'empreinte du point de contrôle (rapport)',
  'Ed25519 signature of the checkpoint hash': 'signature Ed25519 du point de contrôle',
  'vault public key kept by the Client': 'clé publique du coffre conservée par le Client',
  'public key embedded in the report': 'clé publique incluse dans le rapport',
  'keyId of the vault public key kept by the Client': 'identifiant de la clé conservée par le Client',
  'keyId of the public key embedded in the report': 'identifiant de la clé incluse dans le rapport',
  'checkpoint keyId': 'identifiant de clé du point de contrôle',
  'RFC 3161 time-stamp token': 'jeton d’horodatage RFC 3161',
  'SHA-256 of the checkpoint hash': 'SHA-256 de l’empreinte du point de contrôle',
};
const DETAILS_FR: [RegExp, string][] = [
  [/^no file given$/, 'aucun fichier fourni'],
  [/^no TSA configured$/, 'pas d’autorité d’horodatage configurée'],
  [/^leaf (\d+) of (\d+), path of (\d+) node\(s\)$/, 'feuille $1 sur $2, chemin de $3 nœud(s)'],
  [/^the audit path of leaf (\d+) in a tree of (\d+) does not lead to that root$/, 'le chemin d’audit de la feuille $1 dans un arbre de $2 ne mène pas à cette racine'],
  [/^not a SHA-256 hex hash: (.*)$/, 'n’est pas une empreinte SHA-256 hexadécimale : $1'],
  [/^checked with the key given \(fingerprint ([0-9a-f]+)\)$/, 'vérifiée avec la clé fournie (empreinte $1)'],
  [
    /^checked with the key embedded in the report \(fingerprint ([0-9a-f]+)\).*$/,
    'vérifiée avec la clé incluse dans le rapport (empreinte $1) : cela montre que le rapport est cohérent, non que le coffre l’a signé — comparez cette empreinte avec la clé du coffre que vous avez conservée',
  ],
  [/^time-stamped at ([^,]*), serial ([^,]*), TSA certificate (.*)$/, 'horodaté le $1, numéro de série $2, certificat de l’autorité $3'],
  [/^time-stamped at (.*)$/, 'horodaté le $1'],
  [/^cannot be computed: (.*)$/, 'calcul impossible : $1'],
  [/^cannot be checked: (.*)$/, 'vérification impossible : $1'],
];
/** A check's sources and detail in French, for the PDF report (unknown text is kept as is). */
export function checkInFrench(c: ProofCheck): { sources: [string, string]; detail: string | undefined } {
  const detail = c.detail === undefined ? undefined : (() => {
    for (const [re, fr] of DETAILS_FR) if (re.test(c.detail!)) return c.detail!.replace(re, fr);
    return c.detail;
  })();
  return { sources: [SOURCES_FR[c.sources[0]] ?? c.sources[0], SOURCES_FR[c.sources[1]] ?? c.sources[1]], detail };
}
export const hasFrenchSource = (s: string) => s in SOURCES_FR;
