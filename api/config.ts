// The only reader of process.env. Every value is validated once at start; all problems are
// reported together so an operator fixes the configuration in one go.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { checkIban, isBic } from './lib/iban.ts';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a URL (${protocols.join(' or ')})`);

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    PUBLIC_URL: url(['http:', 'https:']).optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
    DATABASE_OWNER_URL: url(['postgres:', 'postgresql:']).optional(),
    DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case PostgreSQL schema name').optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    SMTP_URL: url(['smtp:', 'smtps:']).optional(),
    MAIL_FROM: z.string().min(3).default('Justif <no-reply@justif.localhost>'),
    OIDC_ISSUER_URL: url(['http:', 'https:']).optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_LABEL: z.string().min(1).default('Google'),
    AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
    AUDIT_CHECKPOINT_CRON: z.string().min(9).default('0 * * * *'),
    SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
    LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(10),
    LOGIN_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
    TRUST_PROXY: bool.default(false),
    BODY_LIMIT_KB: z.coerce.number().int().min(1).max(10_240).default(256),
    RUN_WORKER: bool.optional(),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
    OCR_SECOND_ENGINE: z.enum(['paddleocr', 'off']).default('paddleocr'),
    S3_ENDPOINT: url(['http:', 'https:']).optional(),
    S3_REGION: z.string().regex(/^[a-z0-9-]{2,32}$/, 'a region name such as us-east-1, eu-west-3, fr-par').default('us-east-1'),
    S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3 to 63 lower-case letters, digits, dots, hyphens)').optional(),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    S3_FORCE_PATH_STYLE: bool.default(true),
    S3_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(\/[A-Za-z0-9][A-Za-z0-9._-]{0,127})*\/?$/, 'a key prefix: segments of letters, digits, ".", "_", "-" separated by "/"')
      .optional(),
    S3_SEND_CHECKSUMS: bool.default(false),
    RECEIPT_MAX_MB: z.coerce.number().min(1).max(200).default(20),
    RECEIPT_MAX_FILES: z.coerce.number().int().min(1).max(50).default(10),
    RECEIPT_MAX_MEGAPIXELS: z.coerce.number().int().min(1).max(1000).default(100),
    DATA_KEY_FILE: z.string().min(1).optional(),
    PRICE_LIST_FILE: z.string().min(1).optional(),
    LEGAL_RATES_FILE: z.string().min(1).optional(),
    SUBPROCESSORS_FILE: z.string().min(1).optional(),
    DATA_COUNTRY: z.string().regex(/^[A-Z]{2}$/, 'a country code, e.g. FR').default('FR'),
    BILLING_GRACE_DAYS: z.coerce.number().int().min(0).max(90).default(15),
    INVOICE_ISSUER_NAME: z.string().min(1).max(200).default('Justif'),
    INVOICE_ISSUER_SIREN: z.string().regex(/^[0-9]{9}$/, 'a SIREN: 9 digits').optional(),
    INVOICE_ISSUER_ADDRESS: z.string().min(1).max(500).optional(),
    INVOICE_ISSUER_VAT_NUMBER: z.string().regex(/^[A-Z]{2}[0-9A-Z]{2,13}$/, 'an intra-EU VAT number, e.g. FR12345678901').optional(),
    INVOICE_ISSUER_IBAN: z.string().transform((v) => v.replace(/\s+/g, '').toUpperCase()).refine((v) => checkIban(v).ok, 'an IBAN with a valid check').optional(),
    INVOICE_ISSUER_BIC: z.string().refine(isBic, 'a BIC, e.g. BNPAFRPPXXX').optional(),
    VAULT_DIR: z.string().min(1).optional(),
    VAULT_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3 to 63 lower-case letters, digits, dots, hyphens)').optional(),
    VAULT_S3_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(\/[A-Za-z0-9][A-Za-z0-9._-]{0,127})*\/?$/, 'a key prefix: segments of letters, digits, ".", "_", "-" separated by "/"')
      .default('vault'),
    VAULT_SIGNING_KEY_FILE: z.string().min(1).optional(),
    VAULT_TSA_URL: url(['http:', 'https:']).optional(),
    VAULT_CHECKPOINT_CRON: z.string().min(9).default('5 * * * *'),
    VAULT_SWEEP_CRON: z.string().min(9).default('30 2 * * *'),
  });

/** Every variable the service reads; .env.example documents exactly these (tested). */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape);

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  logLevel: string;
  database: { url?: string; ownerUrl?: string; schema?: string; poolMax: number; pgliteDir: string };
  mail: { smtpUrl?: string; from: string };
  oidc?: { issuerUrl: string; clientId: string; clientSecret: string; label: string };
  audit: { signingKeyFile: string; checkpointCron: string };
  sessionTtlHours: number;
  login: { maxAttempts: number; windowMinutes: number };
  trustProxy: boolean;
  bodyLimitKb: number;
  /** Run the job worker inside the API process (always on the embedded database). */
  runWorker: boolean;
  /** Jobs a worker process runs at once (default: the number of cores). */
  worker: { concurrency: number };
  /** OCR: whether PaddleOCR re-reads doubtful dates and totals (OCR_SECOND_ENGINE). */
  ocr: { secondEngine: boolean };
  /** Upload limits for receipts (R-SEC-5). */
  receipts: { maxBytes: number; maxFiles: number; maxPixels: number };
  /** Object storage on S3; unset = the local directory $DATA_DIR/objects. */
  s3?: { endpoint?: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string; forcePathStyle: boolean; prefix?: string; sendChecksums: boolean };
  /**
   * The archival vault's location — with S3, VAULT_S3_BUCKET (default S3_BUCKET) under
   * VAULT_S3_PREFIX; else the directory VAULT_DIR ($DATA_DIR/vault) — its signing key, TSA and schedules.
   */
  /** AES-256-GCM key sealing bank account numbers at rest. */
  dataKeyFile: string;
  /** Plans and prices (R-BIL-1): a JSON price list replacing the default one. */
  priceListFile?: string;
  /** Late payment (R-BIL-5): days after the due date before the written notice, and the legal interest rate table (JSON { "2026-H1": 3.2, … }) replacing the built-in one. */
  billing: { graceDays: number; legalRatesFile?: string };
  /** GDPR (R-GDPR-1, -5): the subprocessors as a JSON list replacing the ones derived from this configuration, and the country where the data is kept. */
  gdpr: { subprocessorsFile?: string; dataCountry: string };
  /** The vendor's identity printed on invoices (R-BIL-3). */
  invoiceIssuer: { name: string; siren: string | null; address: string | null; vatNumber: string | null; iban: string | null; bic: string | null };
  vault: { dir: string; s3?: Config['s3'] & {}; signingKeyFile: string; tsaUrl?: string; checkpointCron: string; sweepCron: string };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee .env.example for every variable.`);
  }
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset (a blank line in .env must not become a value).
  const env = Object.fromEntries(Object.entries(source).filter(([k, v]) => v !== '' && k in EnvSchema.shape));
  const parsed = EnvSchema.safeParse(env);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}${describeValue(source, i.path[0])}`)),
    ...crossChecks(env),
  ];
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    dataDir,
    logLevel: e.LOG_LEVEL,
    database: { url: e.DATABASE_URL, ownerUrl: e.DATABASE_OWNER_URL, schema: e.DATABASE_SCHEMA, poolMax: e.DATABASE_POOL_MAX, pgliteDir: resolve(dataDir, 'pglite') },
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    oidc: e.OIDC_ISSUER_URL && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET
      ? { issuerUrl: e.OIDC_ISSUER_URL, clientId: e.OIDC_CLIENT_ID, clientSecret: e.OIDC_CLIENT_SECRET, label: e.OIDC_LABEL }
      : undefined,
    audit: { signingKeyFile: resolve(e.AUDIT_SIGNING_KEY_FILE ?? `${dataDir}/keys/audit-ed25519.pem`), checkpointCron: e.AUDIT_CHECKPOINT_CRON },
    sessionTtlHours: e.SESSION_TTL_HOURS,
    login: { maxAttempts: e.LOGIN_MAX_ATTEMPTS, windowMinutes: e.LOGIN_WINDOW_MINUTES },
    trustProxy: e.TRUST_PROXY,
    bodyLimitKb: e.BODY_LIMIT_KB,
    runWorker: !e.DATABASE_URL || (e.RUN_WORKER ?? false),
    worker: { concurrency: e.WORKER_CONCURRENCY ?? availableParallelism() },
    ocr: { secondEngine: e.OCR_SECOND_ENGINE === 'paddleocr' },
    receipts: { maxBytes: Math.round(e.RECEIPT_MAX_MB * 1_048_576), maxFiles: e.RECEIPT_MAX_FILES, maxPixels: e.RECEIPT_MAX_MEGAPIXELS * 1_000_000 },
    s3: e.S3_BUCKET && e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
      ? {
          endpoint: e.S3_ENDPOINT,
          region: e.S3_REGION,
          bucket: e.S3_BUCKET,
          accessKeyId: e.S3_ACCESS_KEY_ID,
          secretAccessKey: e.S3_SECRET_ACCESS_KEY,
          forcePathStyle: e.S3_FORCE_PATH_STYLE,
          prefix: e.S3_PREFIX?.replace(/\/+$/, ''),
          sendChecksums: e.S3_SEND_CHECKSUMS,
        }
      : undefined,
    dataKeyFile: resolve(e.DATA_KEY_FILE ?? `${dataDir}/keys/data-aes256.key`),
    priceListFile: e.PRICE_LIST_FILE ? resolve(e.PRICE_LIST_FILE) : undefined,
    gdpr: { subprocessorsFile: e.SUBPROCESSORS_FILE ? resolve(e.SUBPROCESSORS_FILE) : undefined, dataCountry: e.DATA_COUNTRY },
    billing: { graceDays: e.BILLING_GRACE_DAYS, legalRatesFile: e.LEGAL_RATES_FILE ? resolve(e.LEGAL_RATES_FILE) : undefined },
    invoiceIssuer: { name: e.INVOICE_ISSUER_NAME, siren: e.INVOICE_ISSUER_SIREN ?? null, address: e.INVOICE_ISSUER_ADDRESS ?? null, vatNumber: e.INVOICE_ISSUER_VAT_NUMBER ?? null, iban: e.INVOICE_ISSUER_IBAN ?? null, bic: e.INVOICE_ISSUER_BIC ?? null },
    vault: {
      dir: resolve(e.VAULT_DIR ?? `${dataDir}/vault`),
      s3: e.S3_BUCKET && e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
        ? {
            endpoint: e.S3_ENDPOINT,
            region: e.S3_REGION,
            bucket: e.VAULT_S3_BUCKET ?? e.S3_BUCKET,
            accessKeyId: e.S3_ACCESS_KEY_ID,
            secretAccessKey: e.S3_SECRET_ACCESS_KEY,
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
            prefix: e.VAULT_S3_PREFIX.replace(/\/+$/, ''),
            sendChecksums: e.S3_SEND_CHECKSUMS,
          }
        : undefined,
      signingKeyFile: resolve(e.VAULT_SIGNING_KEY_FILE ?? `${dataDir}/keys/vault-ed25519.pem`),
      tsaUrl: e.VAULT_TSA_URL,
      checkpointCron: e.VAULT_CHECKPOINT_CRON,
      sweepCron: e.VAULT_SWEEP_CRON,
    },
  };
}

/** Rules between variables, checked even when single values are wrong, so all come at once. */
function crossChecks(env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  const oidc = [env.OIDC_ISSUER_URL, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET];
  if (oidc.some(Boolean) && !oidc.every(Boolean)) out.push('OIDC_ISSUER_URL: OIDC_ISSUER_URL, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together');
  if (env.DATABASE_OWNER_URL && !env.DATABASE_URL) out.push('DATABASE_OWNER_URL: needs DATABASE_URL (the service role)');
  if (env.DATABASE_SCHEMA && !env.DATABASE_URL) out.push('DATABASE_SCHEMA: only applies with DATABASE_URL');
  const s3 = [env.S3_BUCKET, env.S3_ACCESS_KEY_ID, env.S3_SECRET_ACCESS_KEY];
  if (s3.some(Boolean) && !s3.every(Boolean)) out.push('S3_BUCKET: S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together');
  for (const k of ['S3_ENDPOINT', 'S3_PREFIX', 'VAULT_S3_BUCKET'] as const) if (env[k] && !env.S3_BUCKET) out.push(`${k}: only applies with S3_BUCKET`);
  if (env.VAULT_DIR && env.S3_BUCKET) out.push('VAULT_DIR: only applies without S3_BUCKET (the vault is then in the bucket, under VAULT_S3_PREFIX)');
  return out;
}

function describeValue(source: Record<string, string | undefined>, key: PropertyKey | undefined): string {
  if (typeof key !== 'string' || source[key] === undefined || /SECRET|PASSWORD|ACCESS_KEY|_URL$|_ENDPOINT$/.test(key)) return '';
  return ` (got "${source[key]}")`;
}
