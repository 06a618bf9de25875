// npm run vault:prove -- <deposit-id> [--out DIR] — writes the deposit's probative-value report as
// JSON (for vault:check-proof) and PDF, and its deposit certificate, into DIR (default: here).
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TenantDb } from '../../storage/db/tenant-db.ts';
import { certificateFromReport, depositCertificatePdf, reportPdf } from '../features/vault/certificate-pdf.ts';
import { reportPassed } from '../features/vault/proof-check.ts';
import { runCli } from './cli.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { out: { type: 'string', default: '.' } } });
const id = positionals[0];
if (!id || !/^[0-9a-f-]{36}$/.test(id)) {
  console.error('usage: npm run vault:prove -- <deposit-id> [--out DIR]');
  process.exit(2);
}

await runCli(async (c) => {
  const d = await c.db.kysely.selectFrom('vault_deposit').select('tenant_id').where('id', '=', id).executeTakeFirst();
  if (!d) {
    console.error(`no deposit ${id}`);
    return 2;
  }
  const tdb = new TenantDb(d.tenant_id, c.db.kysely);
  const report = await c.vault.report(tdb, id);
  const tenant = await c.db.kysely.selectFrom('tenant').select('name').where('id', '=', d.tenant_id).executeTakeFirstOrThrow();
  const out = resolve(values.out!);
  await writeFile(join(out, `proof-${id}.json`), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(out, `proof-${id}.pdf`), await reportPdf(report, tenant.name));
  await writeFile(join(out, `certificate-${id}.pdf`), await depositCertificatePdf(certificateFromReport(report, tenant.name)));
  await writeFile(join(out, 'vault-public-key.pem'), report.publicKey.pem);
  for (const ch of report.checks) console.log(`${ch.result === 'ok' ? '✓' : ch.result === 'failed' ? '✗' : '–'} ${ch.type}: ${ch.sources[0]} / ${ch.sources[1]}${ch.detail ? ` (${ch.detail})` : ''}`);
  console.log(`written to ${out}: proof-${id}.json, proof-${id}.pdf, certificate-${id}.pdf, vault-public-key.pem`);
  return reportPassed(report.checks) ? 0 : 1;
});
