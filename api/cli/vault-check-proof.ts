// npm run vault:check-proof -- report.json FILE [--key vault-public.pem]
// Verifies a deposit offline: the probative-value report, the file, and (for trust) the vault's
// public key the Client kept. No database, no network, no configuration. One line per check, then
// the verdict. Exit 0 when every check passes, 1 when one fails, 2 on a usage or read error.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { checkReport, keyFingerprint, reportPassed } from '../features/vault/proof-check.ts';
import { PROOF_FORMAT, type ProbativeReport } from '../features/vault/proof-types.ts';

const USAGE = 'usage: vault-check-proof REPORT.json FILE [--key vault-public.pem]';

class UsageError extends Error {}

async function read(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

const parse = (args: string[]) => parseArgs({ args, allowPositionals: true, strict: true, options: { key: { type: 'string', short: 'k' }, help: { type: 'boolean', short: 'h' } } });

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${USAGE}`);
  }
  if (args.values.help) {
    console.log(`${USAGE}\n\nChecks a vault deposit offline: the file's SHA-256/SHA-512 and size, its journal entry, the entry's\ninclusion in the signed Merkle tree, the checkpoint's Ed25519 signature (with --key: the vault key\nyou kept; without: the key embedded in the report), and its RFC 3161 time-stamp when there is one.`);
    return 0;
  }
  if (args.positionals.length !== 2) throw new UsageError(USAGE);
  const [reportPath, filePath] = args.positionals as [string, string];

  let report: ProbativeReport;
  try {
    report = JSON.parse((await read(reportPath, 'report')).toString('utf8'));
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError(`${reportPath} is not JSON: ${(e as Error).message}`);
  }
  if (typeof report !== 'object' || report === null || (report as { format?: unknown }).format !== PROOF_FORMAT) {
    throw new UsageError(`${reportPath} is not a vault probative-value report (format "${PROOF_FORMAT}" expected)`);
  }
  const file = await read(filePath, 'file');
  let publicKeyPem: string | undefined;
  if (args.values.key !== undefined) {
    publicKeyPem = (await read(args.values.key, 'key')).toString('utf8');
    try {
      keyFingerprint(publicKeyPem);
    } catch (e) {
      throw new UsageError(`${args.values.key} is not a public key (SPKI PEM): ${(e as Error).message}`);
    }
  }

  const checks = await checkReport(report, file, publicKeyPem === undefined ? {} : { publicKeyPem });
  const mark = { ok: '✓', failed: '✗', 'not-applicable': '–' } as const;
  for (const c of checks) {
    const detail = c.result === 'failed' ? `expected ${c.expected ?? '(none)'}, got ${c.actual ?? '(none)'}${c.detail ? ` — ${c.detail}` : ''}` : (c.detail ?? c.actual ?? '');
    console.log(`${mark[c.result]} ${c.type.padEnd(16)} ${c.sources[0]} = ${c.sources[1]}${detail ? ` — ${detail}` : ''}`);
  }
  const failed = checks.filter((c) => c.result === 'failed').length;
  const na = checks.filter((c) => c.result === 'not-applicable').length;
  if (reportPassed(checks)) {
    console.log(`VERIFIED: ${checks.length - na} check(s) passed${na ? `, ${na} not applicable` : ''} — deposit ${report.deposit?.id}, ${report.deposit?.originalName}`);
    if (publicKeyPem === undefined) console.log('note: no --key given, so the signature was checked with the key embedded in the report; compare its fingerprint with the vault key you kept.');
    return 0;
  }
  console.log(`FAILED: ${failed} of ${checks.length} check(s) failed`);
  return 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  console.error(e instanceof UsageError ? e.message : e);
  process.exitCode = 2;
}
