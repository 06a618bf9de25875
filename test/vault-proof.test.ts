// The probative-value report's offline verification (R-VLT-5), without a database: a real report
// built from a chained journal, its RFC 6962 tree and a signed checkpoint; each link broken in turn
// is named by its own check and no other; the CLI's exit codes end to end; the two French PDFs.
// The RFC 3161 time-stamp is stubbed here — the real token parsing and TSA chain are tested in
// api/infra/timestamp.test.ts.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument } from 'pdf-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { depositCertificatePdf, reportPdf } from '../api/features/vault/certificate-pdf.ts';
import { checkpointHash, entryBytes, GENESIS, type CheckpointBody, type JournalEntry } from '../api/features/vault/journal.ts';
import { inclusionProof, leafHash, rootOf } from '../api/features/vault/merkle.ts';
import { checkReport, hasFrenchSource, keyFingerprint, reportPassed } from '../api/features/vault/proof-check.ts';
import { PROOF_FORMAT, type ProbativeReport, type ProofCheck } from '../api/features/vault/proof-types.ts';
import { generateSigningKey } from '../api/infra/signing-key.ts';
import { pdfText } from './support/pdf.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const hex = (algo: 'sha256' | 'sha512', b: Uint8Array | string) => createHash(algo).update(b).digest('hex');

const key = generateSigningKey();
const tenantId = '3f1c2a9e-0000-4000-8000-00000000c11e';
const file = Buffer.concat([Buffer.from('%PDF-1.7\n% facture Café de la Gare — 12,40 €\n'), Buffer.alloc(2000, 0x2a), Buffer.from('\n%%EOF\n')]);

function buildReport(): ProbativeReport {
  const deposit = {
    id: 'd6b1e0c4-5a7f-4f2e-9c1d-0000000000d2', tenantId, expenseId: 'e0000000-0000-4000-8000-00000000e001', receiptId: 'r0000000-0000-4000-8000-00000000r001',
    sha256: hex('sha256', file), sha512: hex('sha512', file), size: file.length, mediaType: 'application/pdf', originalName: 'facture-café-été.pdf',
    depositorId: 'u-7f3a9c21', depositedAt: '2025-03-12T13:03:05.000Z', retentionUntil: '2035-12-31', journalSeq: 2, legalHold: false, destroyed: false,
  };
  // five entries (not a power of two), the deposit third
  const entries: JournalEntry[] = [];
  const hashes: string[] = [];
  const add = (e: Omit<JournalEntry, 'tenantId' | 'seq' | 'prevHash'>) => {
    const entry: JournalEntry = { tenantId, seq: entries.length, prevHash: hashes[hashes.length - 1] ?? GENESIS, ...e };
    entries.push(entry);
    hashes.push(hex('sha256', entryBytes(entry)));
  };
  add({ kind: 'deposit', depositId: 'd0', actorId: 'u-1', occurredAt: '2025-03-10T09:00:00.000Z', data: { sha256: 'a'.repeat(64), sha512: 'b'.repeat(128), size: 10, mediaType: 'image/jpeg' } });
  add({ kind: 'read', depositId: 'd0', actorId: 'u-2', occurredAt: '2025-03-11T09:00:00.000Z', data: {} });
  add({ kind: 'deposit', depositId: deposit.id, actorId: deposit.depositorId, occurredAt: deposit.depositedAt, data: { sha256: deposit.sha256, sha512: deposit.sha512, size: deposit.size, mediaType: deposit.mediaType, originalName: deposit.originalName } });
  add({ kind: 'check', depositId: deposit.id, actorId: null, occurredAt: '2025-03-12T14:00:00.000Z', data: { ok: true } });
  add({ kind: 'read', depositId: deposit.id, actorId: 'u-3', occurredAt: '2025-03-12T15:00:00.000Z', data: {} });
  const leaves = entries.map((e) => leafHash(entryBytes(e)));
  const entry = entries[2]!;
  const body: CheckpointBody = { tenantId, seq: 1, treeSize: leaves.length, root: rootOf(leaves).toString('hex'), createdAt: '2025-03-12T16:00:00.000Z', prevHash: GENESIS, keyId: key.keyId };
  const hash = checkpointHash(body);
  const report: ProbativeReport = {
    format: PROOF_FORMAT,
    generatedAt: '2025-03-13T08:30:00.000Z',
    deposit,
    journal: { entry, entryHash: hashes[2]!, leafHash: leaves[2]!.toString('hex') },
    inclusion: { index: 2, treeSize: leaves.length, root: body.root, path: inclusionProof(leaves, 2).map((h) => h.toString('hex')) },
    checkpoint: { body, hash, signature: key.sign(hash), tsaToken: null },
    publicKey: { keyId: key.keyId, pem: key.publicKeyPem, fingerprint: keyFingerprint(key.publicKeyPem).fingerprint },
    checks: [],
  };
  return report;
}

const failedTypes = (checks: ProofCheck[]) => [...new Set(checks.filter((c) => c.result === 'failed').map((c) => c.type))].sort();

describe('checkReport', () => {
  it('passes a sound report and file: every check ok, the time-stamp not applicable without a TSA', async () => {
    const report = buildReport();
    const checks = await checkReport(report, file, { publicKeyPem: key.publicKeyPem });
    expect(new Set(checks.map((c) => c.type))).toEqual(new Set(['local-integrity', 'chain', 'merkle-inclusion', 'signature', 'timestamp']));
    for (const c of checks) expect(c.result, `${c.type}: ${c.sources.join(' / ')} ${c.detail ?? ''}`).toBe(c.type === 'timestamp' ? 'not-applicable' : 'ok');
    expect(checks.find((c) => c.type === 'timestamp')!.detail).toBe('no TSA configured');
    expect(reportPassed(checks)).toBe(true);
    // the signature check names the trust anchor
    expect(checks.find((c) => c.type === 'signature' && c.sources[0].startsWith('Ed25519'))!.sources[1]).toBe('vault public key kept by the Client');
    // every source has its French label (the PDF report)
    expect(checks.flatMap((c) => c.sources).filter((s) => !hasFrenchSource(s))).toEqual([]);
  });

  it('without a key, checks with the embedded one and says so, with its fingerprint', async () => {
    const report = buildReport();
    const checks = await checkReport(report, file);
    expect(reportPassed(checks)).toBe(true);
    const sig = checks.find((c) => c.type === 'signature' && c.sources[0].startsWith('Ed25519'))!;
    expect(sig.sources[1]).toBe('public key embedded in the report');
    expect(sig.detail).toContain('embedded');
    expect(sig.detail).toContain(report.publicKey.fingerprint);
  });

  it('without the file, local integrity of the file is not applicable (the rest still checks)', async () => {
    const checks = await checkReport(buildReport(), null, { publicKeyPem: key.publicKeyPem });
    expect(checks.filter((c) => c.result === 'not-applicable').map((c) => c.sources[0]).sort()).toEqual(['RFC 3161 time-stamp token', 'SHA-256 of the file', 'SHA-512 of the file', 'size of the file'].sort());
    expect(reportPassed(checks)).toBe(true);
  });

  it('one byte of the file flipped: local integrity fails, nothing else', async () => {
    const bad = Buffer.from(file);
    bad[100] = bad[100]! ^ 0x01;
    const checks = await checkReport(buildReport(), bad, { publicKeyPem: key.publicKeyPem });
    expect(failedTypes(checks)).toEqual(['local-integrity']);
    expect(checks.filter((c) => c.result === 'failed').map((c) => c.sources[0]).sort()).toEqual(['SHA-256 of the file', 'SHA-512 of the file']);
    expect(reportPassed(checks)).toBe(false);
  });

  it('the journal entry altered: the chain fails', async () => {
    const report = buildReport();
    report.journal.entry = { ...report.journal.entry, data: { ...report.journal.entry.data, mediaType: 'image/png' } };
    const checks = await checkReport(report, file, { publicKeyPem: key.publicKeyPem });
    expect(failedTypes(checks)).toEqual(['chain']);
    expect(checks.filter((c) => c.type === 'chain').every((c) => c.result === 'failed')).toBe(true);
  });

  it('an entry of another deposit: local integrity names the mismatch', async () => {
    const report = buildReport();
    report.journal.entry = { ...report.journal.entry, depositId: 'someone-else' };
    const checks = await checkReport(report, file, { publicKeyPem: key.publicKeyPem });
    expect(checks.find((c) => c.sources[0] === 'journal entry depositId')).toMatchObject({ result: 'failed', expected: report.deposit.id, actual: 'someone-else' });
  });

  it('a wrong node in the audit path: Merkle inclusion fails, nothing else', async () => {
    const report = buildReport();
    const p = report.inclusion.path;
    p[1] = (p[1]![0] === '0' ? '1' : '0') + p[1]!.slice(1);
    const checks = await checkReport(report, file, { publicKeyPem: key.publicKeyPem });
    expect(failedTypes(checks)).toEqual(['merkle-inclusion']);
    expect(checks.find((c) => c.type === 'merkle-inclusion' && c.result === 'failed')!.detail).toMatch(/does not lead to that root/);
  });

  it('an inclusion proof for another tree than the one signed: Merkle inclusion fails', async () => {
    const report = buildReport();
    report.checkpoint.body = { ...report.checkpoint.body, root: 'f'.repeat(64) };
    report.checkpoint.hash = checkpointHash(report.checkpoint.body);
    report.checkpoint.signature = key.sign(report.checkpoint.hash);
    const checks = await checkReport(report, file, { publicKeyPem: key.publicKeyPem });
    expect(failedTypes(checks)).toEqual(['merkle-inclusion']);
  });

  it('another public key as the trust anchor: the signature fails', async () => {
    const other = generateSigningKey();
    const checks = await checkReport(buildReport(), file, { publicKeyPem: other.publicKeyPem });
    expect(failedTypes(checks)).toEqual(['signature']);
    const sig = checks.find((c) => c.type === 'signature' && c.sources[0].startsWith('Ed25519'))!;
    expect(sig).toMatchObject({ result: 'failed', expected: 'valid', actual: 'invalid' });
    expect(checks.find((c) => c.sources[1] === 'checkpoint keyId')).toMatchObject({ result: 'failed', expected: key.keyId, actual: other.keyId });
  });

  it('a checkpoint body altered after signing: the signature fails', async () => {
    const report = buildReport();
    report.checkpoint.body = { ...report.checkpoint.body, createdAt: '2030-01-01T00:00:00.000Z' };
    const checks = await checkReport(report, file, { publicKeyPem: key.publicKeyPem });
    expect(failedTypes(checks)).toEqual(['signature']);
  });

  it('a malformed report fails its checks instead of throwing', async () => {
    const report = buildReport() as unknown as Record<string, unknown>;
    delete report.journal;
    const checks = await checkReport(report as unknown as ProbativeReport, file, { publicKeyPem: key.publicKeyPem });
    expect(failedTypes(checks)).toEqual(expect.arrayContaining(['chain', 'merkle-inclusion']));
    expect(reportPassed(checks)).toBe(false);
  });

  it('the time-stamp verifier is given the token and SHA-256 of the checkpoint hash, and its verdict is reported', async () => {
    const report = buildReport();
    const token = Buffer.from('not a real token: the real TSA is tested in api/infra/timestamp.test.ts');
    report.checkpoint.tsaToken = token.toString('base64');
    const digest = createHash('sha256').update(report.checkpoint.hash, 'utf8').digest();
    const seen: [Buffer, Buffer][] = [];
    const ok = await checkReport(report, file, {
      publicKeyPem: key.publicKeyPem,
      verifyTimestamp: async (t, d) => (seen.push([t, d]), { ok: true, genTime: '2025-03-12T16:00:01Z' }),
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]![0].equals(token)).toBe(true);
    expect(seen[0]![1].equals(digest)).toBe(true);
    expect(ok.find((c) => c.type === 'timestamp')).toMatchObject({ result: 'ok', expected: digest.toString('hex'), detail: 'time-stamped at 2025-03-12T16:00:01Z' });
    expect(reportPassed(ok)).toBe(true);

    const bad = await checkReport(report, file, { publicKeyPem: key.publicKeyPem, verifyTimestamp: async () => ({ ok: false, problem: 'the token stamps another digest' }) });
    expect(failedTypes(bad)).toEqual(['timestamp']);
    expect(bad.find((c) => c.type === 'timestamp')).toMatchObject({ result: 'failed', detail: 'the token stamps another digest' });

    const thrown = await checkReport(report, file, { publicKeyPem: key.publicKeyPem, verifyTimestamp: async () => { throw new Error('boom'); } });
    expect(thrown.find((c) => c.type === 'timestamp')).toMatchObject({ result: 'failed', detail: 'cannot be checked: boom' });
  });

  it('without a verifier given, a token is checked by infra/timestamp.ts (garbage is a failure, not a crash)', async () => {
    const report = buildReport();
    report.checkpoint.tsaToken = Buffer.from('garbage').toString('base64');
    const checks = await checkReport(report, file, { publicKeyPem: key.publicKeyPem });
    expect(failedTypes(checks)).toEqual(['timestamp']);
  });
});

// ---------------------------------------------------------------- the CLI

describe('npm run vault:check-proof', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vault-proof-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
      execFile(process.execPath, ['--import', 'tsx', 'api/cli/vault-check-proof.ts', ...args], { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' } }, (err, stdout, stderr) =>
        res({ code: err ? Number((err as { code?: unknown }).code ?? -1) : 0, stdout, stderr }),
      );
    });
  const report = buildReport();
  const paths = { report: join(dir, 'report.json'), file: join(dir, 'facture.pdf'), flipped: join(dir, 'flipped.pdf'), key: join(dir, 'vault-public.pem'), other: join(dir, 'other.json') };
  writeFileSync(paths.report, JSON.stringify(report, null, 2));
  writeFileSync(paths.file, file);
  const flipped = Buffer.from(file);
  flipped[10] = flipped[10]! ^ 0x80;
  writeFileSync(paths.flipped, flipped);
  writeFileSync(paths.key, key.publicKeyPem);
  writeFileSync(paths.other, JSON.stringify({ format: 'something/else', hello: 'world' }));

  it('exit 0 on the good pair, one ✓ line per check', async () => {
    const r = await run([paths.report, paths.file, '--key', paths.key]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ local-integrity +SHA-256 of the file = deposit record sha256/m);
    expect(r.stdout).toMatch(/^VERIFIED: /m);
    expect(r.stdout).not.toMatch(/^✗/m);
  });

  it('exit 1 with the flipped file, naming the failed check', async () => {
    const r = await run([paths.report, paths.flipped, '--key', paths.key]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ local-integrity +SHA-256 of the file = deposit record sha256 — expected [0-9a-f]{64}, got [0-9a-f]{64}/m);
    expect(r.stdout).toMatch(/^FAILED: 2 of \d+ check\(s\) failed/m);
  });

  it('exit 2 on a JSON that is not a report, on a missing file, on bad usage', async () => {
    const notReport = await run([paths.other, paths.file]);
    expect(notReport.code).toBe(2);
    expect(notReport.stderr).toContain(`format "${PROOF_FORMAT}" expected`);
    expect((await run([paths.report, join(dir, 'missing.pdf')])).code).toBe(2);
    expect((await run([paths.report])).code).toBe(2);
    expect((await run([paths.report, paths.file, '--nope'])).code).toBe(2);
  });
});

// ---------------------------------------------------------------- the PDFs

describe('the PDFs', () => {
  it('the deposit certificate: a PDF with the hashes as text, with or without a checkpoint', async () => {
    const report = buildReport();
    const { legalHold: _h, destroyed: _d, ...deposit } = report.deposit;
    for (const checkpoint of [{ seq: 1, treeSize: 5, root: report.inclusion.root, createdAt: '2025-03-12T16:00:00.000Z' }, null]) {
      const pdf = await depositCertificatePdf({ deposit, clientName: 'Boulangerie Lefèvre & Fils — SARL', entryHash: report.journal.entryHash, checkpoint, publicKeyFingerprint: report.publicKey.fingerprint, generatedAt: '2025-03-12T13:03:06.000Z' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect((await PDFDocument.load(pdf)).getPageCount()).toBeGreaterThanOrEqual(1);
      const text = await pdfText(pdf);
      expect(text).toContain('Certificat de dépôt');
      expect(text).toContain(deposit.sha256);
      expect(text).toContain(deposit.originalName);
      expect(text).toContain('Boulangerie Lefèvre & Fils');
      expect(text).toContain(report.journal.entryHash);
      expect(text).toContain(report.publicKey.fingerprint);
      expect(text).toContain('vault:check-proof');
      if (checkpoint) expect(text).toContain(checkpoint.root);
      else expect(text).toContain('pas encore de point de contrôle');
    }
  });

  it('characters WinAnsi cannot encode are replaced, not fatal', async () => {
    const { legalHold: _h, destroyed: _d, ...deposit } = buildReport().deposit;
    const pdf = await depositCertificatePdf({ deposit: { ...deposit, originalName: '收据 ✓ → reçu.pdf' }, clientName: 'Ωmega 😀', entryHash: 'a'.repeat(64), checkpoint: null, publicKeyFingerprint: 'b'.repeat(64), generatedAt: '2025-03-12T13:03:06.000Z' });
    expect(await pdfText(pdf)).toContain('?? OK -> reçu.pdf');
  });

  it('the probative-value report: the deposit, every check and the verdict', async () => {
    const report = buildReport();
    report.checks = await checkReport(report, file);
    const pdf = await reportPdf(report, 'Boulangerie Lefèvre & Fils');
    expect((await PDFDocument.load(pdf)).getPageCount()).toBeGreaterThanOrEqual(1);
    const text = await pdfText(pdf);
    expect(text).toContain('Rapport de valeur probante');
    expect(text).toContain(report.deposit.sha256);
    for (const label of ['Intégrité locale', 'Chaînage du journal', 'Inclusion Merkle', 'Signature', 'Horodatage', 'SHA-256 du fichier', 'Sans objet']) expect(text).toContain(label);
    expect(text).toContain('VÉRIFIÉ');
    expect(text).toContain('clé publique incluse dans le rapport');

    const bad = buildReport();
    bad.checks = await checkReport(bad, Buffer.from('another file'), { publicKeyPem: key.publicKeyPem });
    const badText = await pdfText(await reportPdf(bad, 'Boulangerie Lefèvre & Fils'));
    expect(badText).toContain('ÉCHEC');
    expect(badText).not.toContain('VÉRIFIÉ');
  });
});
