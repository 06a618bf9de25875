// The subprocessors this deployment really uses (R-GDPR-1), from its configuration: a JSON list in
// SUBPROCESSORS_FILE (name, legal entity, purpose, data, country, safeguard) or, without one, the
// off-machine components the configuration points at — the database server, the S3 object and vault
// storage, the SMTP relay — named by their host, located in DATA_COUNTRY. Components on this machine
// (the embedded database, local files, loopback servers) are the vendor's own: not subprocessors.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { SubprocessorEntry, type ConfiguredSubprocessor } from './subprocessors.ts';

const FileSchema = z.array(SubprocessorEntry.extend({ key: z.string().regex(/^[a-z0-9-]{1,40}$/, 'a short key, e.g. hosting') })).max(100);

const ALL_DATA = ['identity and contact of users', 'bank details (IBAN)', 'expenses and receipts', 'connection logs'];
const onThisMachine = (host: string) => !host || host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '[::1]';
const hostOf = (url: string | undefined) => {
  if (!url) return '';
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
};

export function configuredSubprocessors(config: Pick<Config, 'database' | 's3' | 'vault' | 'mail'> & { gdpr: { subprocessorsFile?: string; dataCountry: string } }): ConfiguredSubprocessor[] {
  const file = config.gdpr.subprocessorsFile;
  if (file) {
    const parsed = FileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`SUBPROCESSORS_FILE ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return parsed.data;
  }
  const country = config.gdpr.dataCountry;
  const out: ConfiguredSubprocessor[] = [];
  const add = (key: string, host: string, purpose: string, dataCategories: string[]) => {
    if (!onThisMachine(host)) out.push({ key, name: host, legalEntity: `the operator of ${host} (name it in SUBPROCESSORS_FILE)`, purpose, dataCategories, country, safeguard: null });
  };
  add('database', hostOf(config.database.url), 'Database hosting: every record of the service', ALL_DATA);
  const s3Host = (s3: Config['s3']) => (s3 ? hostOf(s3.endpoint) || `s3.${s3.region}.amazonaws.com` : '');
  add('objects', s3Host(config.s3), 'Object storage: receipts, exports', ['expenses and receipts', 'identity of users (in exports)']);
  if (config.vault.s3 && s3Host(config.vault.s3) !== s3Host(config.s3)) add('vault', s3Host(config.vault.s3), 'Archival storage: the vault\u2019s deposits', ['expenses and receipts']);
  add('mail', hostOf(config.mail.smtpUrl), 'Email delivery: invitations, notifications, invoices', ['identity and contact of users']);
  return out;
}

/** Where the data is kept (R-GDPR-5), as this deployment is configured: shown to Client admins (`location` null: this server). */
export function storageLocations(config: Pick<Config, 'database' | 's3' | 'vault' | 'mail'> & { gdpr: { dataCountry: string } }) {
  const where = (host: string) => (onThisMachine(host) ? null : host);
  const s3 = (s: Config['s3']) => (s ? { kind: 's3' as const, location: `${hostOf(s.endpoint) || `s3.${s.region}.amazonaws.com`} (${s.bucket}, ${s.region})` } : { kind: 'files' as const, location: null });
  return {
    country: config.gdpr.dataCountry,
    components: [
      { component: 'database' as const, ...(config.database.url ? { kind: 'postgresql' as const, location: where(hostOf(config.database.url)) } : { kind: 'pglite' as const, location: null }) },
      { component: 'objects' as const, ...s3(config.s3) },
      { component: 'vault' as const, ...s3(config.vault.s3) },
      { component: 'mail' as const, ...(config.mail.smtpUrl ? { kind: 'smtp' as const, location: where(hostOf(config.mail.smtpUrl)) } : { kind: 'outbox' as const, location: null }) },
    ],
  };
}
