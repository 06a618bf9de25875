// The only place infrastructure is created: database, mailer, clock, keys, services.
import type { Logger } from 'pino';
import { createDb, type Database } from '../storage/db/db.ts';
import { createLocalStore } from '../storage/objects/local-store.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import { createS3Store } from '../storage/objects/s3-store.ts';
import { createLocalVaultStore, createS3VaultStore, type VaultStore } from '../storage/objects/vault-store.ts';
import { requestTimestamp } from './infra/timestamp.ts';
import { VaultService } from './features/vault/vault.service.ts';
import { ContractEndService } from './features/tenants/contract-end.service.ts';
import { BillingService } from './features/billing/billing.service.ts';
import { loadPriceBook } from './features/billing/price-list.ts';
import { InvoicingService } from './features/billing/invoicing.ts';
import { DunningService } from './features/billing/dunning.ts';
import { loadLegalRates } from './features/billing/late-payment.ts';
import { PaymentsService } from './features/billing/payments.ts';
import { AuditRequestsService } from './features/gdpr/audit-requests.service.ts';
import { BreachesService } from './features/gdpr/breaches.service.ts';
import { configuredSubprocessors } from './features/gdpr/configured.ts';
import { ProcessingRecordService } from './features/gdpr/processing-record.ts';
import { SubprocessorsService } from './features/gdpr/subprocessors.ts';
import { LegalService } from './features/legal/legal.service.ts';
import { SupportAccessService } from './features/support-access/support-access.service.ts';
import { ExportsService } from './features/exports/exports.service.ts';
import { ReimbursementsService } from './features/exports/reimbursements.service.ts';
import { ReversibilityService } from './features/exports/reversibility.service.ts';
import { loadOrCreateDataKey, type DataKey } from './infra/data-key.ts';
import { JOBS, type Jobs } from '../storage/queue/contract.ts';
import { JobQueue } from '../storage/queue/queue.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { ApiTokensService } from './features/api-tokens/api-tokens.service.ts';
import { AuditService } from './features/audit/audit.service.ts';
import { AuthService } from './features/auth/auth.service.ts';
import { CategoriesService } from './features/categories/categories.service.ts';
import { ExpenseEvents } from './features/expenses/expense-events.ts';
import { ExpensesService } from './features/expenses/expenses.service.ts';
import { MileageService } from './features/mileage/mileage.service.ts';
import { PerDiemService } from './features/mileage/per-diem.service.ts';
import { RatesService } from './features/rates/rates.service.ts';
import { ReceiptsService } from './features/receipts/receipts.service.ts';
import { OidcService } from './features/auth/oidc.ts';
import { TenantsService } from './features/tenants/tenants.service.ts';
import { UsersService } from './features/users/users.service.ts';
import { WorkflowSettingsService } from './features/workflow/workflow-settings.service.ts';
import { WorkflowService } from './features/workflow/workflow.service.ts';
import { createLogger } from './infra/logger.ts';
import { createMailer, type Mailer } from './infra/mailer.ts';
import { createRateLimiter } from './infra/rate-limiter.ts';
import { loadOrCreateSigningKey, type SigningKey } from './infra/signing-key.ts';

export interface Container {
  config: Config;
  log: Logger;
  db: Database;
  objects: ObjectStore;
  /** The job queue: services enqueue inside their transactions; worker processes claim. */
  queue: JobQueue<Jobs>;
  clock: Clock;
  mailer: Mailer;
  signingKey: SigningKey;
  audit: AuditService;
  auth: AuthService;
  oidc?: OidcService;
  users: UsersService;
  apiTokens: ApiTokensService;
  tenants: TenantsService;
  categories: CategoriesService;
  rates: RatesService;
  expenses: ExpensesService;
  /** Live updates: API processes push expense changes to the screens showing them. */
  expenseEvents: ExpenseEvents;
  mileage: MileageService;
  perDiem: PerDiemService;
  receipts: ReceiptsService;
  workflow: WorkflowService;
  workflowSettings: WorkflowSettingsService;
  /** The archival vault (R-VLT) and its own location and key. */
  vault: VaultService;
  vaultStore: VaultStore;
  vaultKey: SigningKey;
  /** Accounting and payroll exports (R-ACC). */
  exports: ExportsService;
  reimbursements: ReimbursementsService;
  /** Full exports of a Client (R-REV-1). */
  reversibility: ReversibilityService;
  /** End of contract (R-REV-2): termination, read-only period, purge and certificate. */
  contractEnd: ContractEndService;
  /** Billing (R-BIL): licence limits, metering. */
  billing: BillingService;
  /** Monthly invoices and credit notes (R-BIL-3). */
  invoicing: InvoicingService;
  /** Payments: marked, or imported from the bank's CSV (R-BIL-5). */
  payments: PaymentsService;
  /** Written notices and suspension of unpaid invoices (R-BIL-5). */
  dunning: DunningService;
  /** The breach register and its 48-hour notifications (R-GDPR-3). */
  breaches: BreachesService;
  /** The Clients' audit requests (R-GDPR-6). */
  auditRequests: AuditRequestsService;
  /** The subprocessor registry, its announced changes and the Clients' objections (R-GDPR-1). */
  subprocessors: SubprocessorsService;
  /** Versioned terms of use and privacy notice, and users' acceptances (R-GDPR-8). */
  legal: LegalService;
  /** The record of processing activities per Client (R-GDPR-4). */
  processingRecord: ProcessingRecordService;
  /** Vendor staff's access to a Client's data under the admin's grants (§8.2.a). */
  supportAccess: SupportAccessService;
  close(): Promise<void>;
}

export interface ContainerOverrides {
  db?: Database;
  objects?: ObjectStore;
  clock?: Clock;
  log?: Logger;
  signingKey?: SigningKey;
  vaultStore?: VaultStore;
  vaultKey?: SigningKey;
  dataKey?: DataKey;
}

export async function createContainer(config: Config, o: ContainerOverrides = {}): Promise<Container> {
  const log = o.log ?? createLogger(config.logLevel);
  const clock = o.clock ?? systemClock;
  const db =
    o.db ??
    (await createDb({ url: config.database.url, ownerUrl: config.database.ownerUrl, schema: config.database.schema, dataDir: config.database.pgliteDir, poolMax: config.database.poolMax }));
  // Generated on first start only for the embedded default; a server deployment mounts its key.
  const signingKey = o.signingKey ?? loadOrCreateSigningKey(config.audit.signingKeyFile, !config.database.url || config.env !== 'production');
  const objects = o.objects ?? (config.s3 ? createS3Store(config.s3) : createLocalStore(`${config.dataDir}/objects`));
  const k = db.kysely;
  const queue = new JobQueue(JOBS, clock);
  const mailer = createMailer({ smtpUrl: config.mail.smtpUrl, from: config.mail.from, db: k, log });
  const audit = new AuditService(k, clock, signingKey);
  const loginLimiter = createRateLimiter(k, clock, config.login.windowMinutes);
  const auth = new AuthService({ db: k, clock, audit, mailer, loginLimiter, maxLoginAttempts: config.login.maxAttempts, publicUrl: config.publicUrl, sessionTtlHours: config.sessionTtlHours });
  const oidc = config.oidc ? new OidcService(config.oidc, { db: k, clock, auth, audit, redirectUri: `${config.publicUrl}/api/v1/auth/oidc/callback` }) : undefined;
  const categories = new CategoriesService({ audit });
  const rates = new RatesService({ clock, audit });
  const mileage = new MileageService({ clock, audit });
  const expenses = new ExpensesService({ clock, audit, rates, onDelete: mileage.aroundDelete });
  const expenseEvents = new ExpenseEvents({ db, log });
  const vaultKey = o.vaultKey ?? loadOrCreateSigningKey(config.vault.signingKeyFile, !config.database.url || config.env !== 'production');
  const vaultStore = o.vaultStore ?? (config.vault.s3 ? createS3VaultStore(config.vault.s3) : createLocalVaultStore(config.vault.dir));
  const tsaUrl = config.vault.tsaUrl;
  const vault = new VaultService({ db: k, objects, vault: vaultStore, queue, clock, audit, mailer, log, key: vaultKey, timestamp: tsaUrl ? (digest) => requestTimestamp(tsaUrl, digest) : undefined });
  const prices = loadPriceBook(config.priceListFile);
  const billing = new BillingService({ db: k, clock, prices, audit, mailer });
  const invoicing = new InvoicingService({ db: k, clock, audit, mailer, prices, rates: loadLegalRates(config.billing.legalRatesFile), issuer: config.invoiceIssuer, publicUrl: config.publicUrl });
  const reversibility = new ReversibilityService({ db: k, objects, queue, clock, audit, mailer, publicUrl: config.publicUrl });
  const subprocessors = new SubprocessorsService({ db: k, clock, audit, mailer, publicUrl: config.publicUrl });
  await subprocessors.seed(configuredSubprocessors(config));
  const legal = new LegalService({ db: k, clock, audit, mailer, publicUrl: config.publicUrl });
  await legal.seed();
  return {
    config, log, db, objects, queue, clock, mailer, signingKey, audit, auth, oidc,
    users: new UsersService({ clock, audit, auth, mailer, seats: billing }),
    billing,
    invoicing,
    subprocessors,
    legal,
    processingRecord: new ProcessingRecordService({ db: k, clock, config, subprocessors }),
    breaches: new BreachesService({ db: k, clock, audit, mailer, publicUrl: config.publicUrl }),
    auditRequests: new AuditRequestsService({ db: k, clock, audit, mailer, publicUrl: config.publicUrl }),
    supportAccess: new SupportAccessService({ db: k, clock, audit, mailer, publicUrl: config.publicUrl }),
    payments: new PaymentsService({ db: k, clock, audit, invoicing }),
    dunning: new DunningService({ db: k, clock, audit, mailer, graceDays: config.billing.graceDays, publicUrl: config.publicUrl, payTo: { iban: config.invoiceIssuer.iban, bic: config.invoiceIssuer.bic } }),
    apiTokens: new ApiTokensService({ clock, audit }),
    tenants: new TenantsService({ db: k, audit, auth, mailer, categories }),
    categories,
    rates,
    expenses,
    expenseEvents,
    mileage,
    perDiem: new PerDiemService({ clock, audit }),
    workflow: new WorkflowService({ clock, audit, mailer, mileage, publicUrl: config.publicUrl, onVerified: vault.afterVerified }),
    workflowSettings: new WorkflowSettingsService({ clock, audit }),
    receipts: new ReceiptsService({ db: k, objects, queue, clock, audit, expenses, log, limits: config.receipts, onStored: vault.afterReceiptsStored }),
    vault,
    vaultStore,
    vaultKey,
    exports: new ExportsService({ objects, clock, audit }),
    reversibility,
    contractEnd: new ContractEndService({ db: k, objects, vaultStore, vault, reversibility, audit, mailer, clock, log, publicUrl: config.publicUrl }),
    reimbursements: new ReimbursementsService({ objects, clock, audit, mailer, publicUrl: config.publicUrl, dataKey: o.dataKey ?? loadOrCreateDataKey(config.dataKeyFile, !config.database.url || config.env !== 'production') }),
    close: async () => {
      await expenseEvents.close();
      await db.close();
    },
  };
}
