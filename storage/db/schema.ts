// Kysely table types. Column types mirror storage/db/migrations/*.sql.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;
/** A column with a database default: optional on insert. */
type Default<T> = ColumnType<T, T | undefined, T>;

export const CLIENT_ROLES = ['employee', 'manager', 'verifier', 'accountant', 'payroll', 'admin'] as const;
export const VENDOR_ROLES = ['operator', 'support_agent'] as const;
export type ClientRole = (typeof CLIENT_ROLES)[number];
export type VendorRole = (typeof VENDOR_ROLES)[number];
export type Role = ClientRole | VendorRole;
export type Plan = 'solo' | 'team' | 'enterprise';
export type UserStatus = 'invited' | 'active' | 'deactivated';

export type TenantStatus = 'active' | 'suspended' | 'terminated' | 'destroyed';
export interface TenantTable {
  id: string;
  name: string;
  plan: Plan;
  status: Default<TenantStatus>;
  country: Default<string>;
  currency: Default<string>;
  created_at: Timestamp;
  /** An Enterprise contract's own user limit; null: the plan's (018_billing.sql). */
  user_limit: Default<number | null>;
  /** Who receives the invoices, and the identity printed on them (019_invoices.sql). */
  billing_email: Default<string | null>;
  billing_address: Default<string | null>;
  siren: Default<string | null>;
  vat_number: Default<string | null>;
}
export interface TeamTable {
  id: string;
  tenant_id: string;
  name: string;
  manager_id: string | null;
  created_at: Timestamp;
}
export interface AppUserTable {
  id: string;
  tenant_id: string | null;
  email: string;
  name: string;
  status: UserStatus;
  password_hash: string | null;
  locale: Default<'fr' | 'en'>;
  manager_id: string | null;
  team_id: string | null;
  payroll_id: string | null;
  /** The employee's auxiliary account in the accounting export (011_exports.sql). */
  accounting_aux: Default<string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_sign_in_at: Timestamp | null;
  /** Approvers: one e-mail a day for their queue instead of one per submission. */
  approval_digest: Default<boolean>;
}
export interface UserRoleTable {
  tenant_id: string | null;
  user_id: string;
  role: Role;
}
export interface UserTokenTable {
  id: string;
  user_id: string;
  purpose: 'invitation' | 'password_reset';
  token_hash: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Timestamp;
}
export interface UserIdentityTable {
  issuer: string;
  subject: string;
  user_id: string;
  created_at: Timestamp;
}
export interface SessionTable {
  id: string;
  token_hash: string;
  user_id: string;
  tenant_id: string | null;
  csrf_token: string;
  auth_method: 'password' | 'oidc';
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}
export interface ApiTokenTable {
  id: string;
  tenant_id: string;
  user_id: string;
  name: string;
  token_hash: string;
  scopes: string[];
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
}
export interface OidcLoginTable {
  state: string;
  nonce: string;
  code_verifier: string;
  expires_at: Timestamp;
}
export interface RateLimitTable {
  key: string;
  window_start: Timestamp;
  count: number;
}
export interface MailOutboxTable {
  id: Generated<number>;
  to_address: string;
  subject: string;
  body: string;
  delivery: ColumnType<'pending' | 'sent' | 'kept' | 'failed', 'pending' | 'sent' | 'kept' | 'failed' | undefined>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  sent_at: Date | null;
  created_at: Timestamp;
  /** [{ filename, contentType, base64 }] (020_billing_payment.sql) */
  attachments: ColumnType<MailAttachmentRow[], string | undefined, string>;
}
export interface MailAttachmentRow {
  filename: string;
  contentType: string;
  base64: string;
}
export interface AuditEventTable {
  id: string;
  chain: string;
  seq: number;
  tenant_id: string | null;
  occurred_at: Timestamp;
  type: string;
  version: number;
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  actor_id: string | null;
  actor_kind: 'user' | 'api_token' | 'system' | 'anonymous';
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  data: Json<Record<string, unknown>>;
  personal_digest: string | null;
  prev_hash: string;
  hash: string;
}
export interface AuditPersonalTable {
  event_id: string;
  salt: string;
  actor_label: string | null;
  ip: string | null;
  user_agent: string | null;
}
export interface AuditCheckpointTable {
  id: number;
  created_at: Timestamp;
  heads: Json<CheckpointHead[]>;
  prev_hash: string;
  hash: string;
  key_id: string;
  signature: string;
}
export interface CheckpointHead {
  chain: string;
  seq: number;
  hash: string;
}
export interface ScheduleRunTable {
  name: string;
  slot: string;
  started_at: Timestamp;
}
export interface SchemaMigrationTable {
  name: string;
  checksum: string;
  applied_at: Timestamp;
}

export const EXPENSE_STATUSES = ['draft', 'submitted', 'approved', 'verified', 'exported', 'reimbursed', 'rejected', 'returned'] as const;
export type ExpenseStatus = (typeof EXPENSE_STATUSES)[number];
export const EXPENSE_KINDS = ['receipt', 'mileage', 'per_diem'] as const;
export type ExpenseKind = (typeof EXPENSE_KINDS)[number];
/** PostgreSQL `date` columns travel as 'YYYY-MM-DD' strings (see the type parsers in db.ts). */
type DateOnly = string;
/** numeric columns travel as strings: exact decimals, never floats. */
type Decimal = ColumnType<string, string, string>;

export interface CategoryTable {
  id: string;
  tenant_id: string;
  code: string | null;
  name: string;
  active: Default<boolean>;
  created_at: Timestamp;
}
export interface PaymentMethodTable {
  id: string;
  tenant_id: string;
  code: string | null;
  name: string;
  reimbursable: boolean;
  active: Default<boolean>;
  created_at: Timestamp;
}
export interface ExchangeRateTable {
  tenant_id: string;
  currency: string;
  rate_date: DateOnly;
  rate: Decimal;
  source: 'manual' | 'ecb';
  created_at: Timestamp;
}
export interface ExpenseTable {
  id: string;
  tenant_id: string;
  user_id: string;
  status: Default<ExpenseStatus>;
  kind: ExpenseKind;
  expense_date: DateOnly;
  merchant: Default<string>;
  description: Default<string>;
  category_id: string;
  payment_method_id: string | null;
  reimbursable: boolean;
  amount_minor: number;
  currency: string;
  converted_minor: number;
  client_currency: string;
  rate: Decimal;
  rate_date: DateOnly;
  project: string | null;
  attendees: ColumnType<string[], string | undefined, string>;
  ocr_text: Default<string>;
  version: Default<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Fields the user set themselves: OCR never overwrites them. */
  user_fields: ColumnType<string[], string[] | undefined, string[]>;
  /** Fields OCR filled (shown for review), and its confidence per field. */
  ocr_fields: ColumnType<string[], string[] | undefined, string[]>;
  ocr_confidence: ColumnType<Record<string, number>, string | undefined, string>;
  search: ColumnType<string, never, never>;
  // kind 'mileage' (003_mileage.sql): every trip column set; otherwise all null.
  vehicle_id: Default<string | null>;
  distance_km: ColumnType<string | null, string | null | undefined, string | null>;
  trip_from: Default<string | null>;
  trip_to: Default<string | null>;
  trip_purpose: Default<string | null>;
  round_trip: Default<boolean | null>;
  mileage_scale_year: Default<number | null>;
  // kind 'per_diem': the rate and the number of units; otherwise null.
  per_diem_rate_id: Default<string | null>;
  per_diem_units: Default<number | null>;
  // workflow (008_workflow.sql)
  approval_round: Default<number>;
  submitted_at: Default<Date | null>;
  self_validated: Default<boolean>;
  status_comment: Default<string | null>;
}
export const VEHICLE_KINDS = ['car', 'motorcycle', 'moped'] as const;
export type VehicleKind = (typeof VEHICLE_KINDS)[number];
export interface VehicleTable {
  id: string;
  tenant_id: string;
  user_id: string;
  name: string;
  kind: VehicleKind;
  fiscal_hp: number | null;
  electric: Default<boolean>;
  archived: Default<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export interface PerDiemRateTable {
  id: string;
  tenant_id: string;
  name: string;
  amount_minor: number;
  currency: string;
  category_id: string;
  valid_from: DateOnly;
  archived: Default<boolean>;
  created_at: Timestamp;
}
export interface ExpenseVatLineTable {
  expense_id: string;
  tenant_id: string;
  position: number;
  rate_bp: number;
  base_minor: number;
  vat_minor: number;
}

export const RECEIPT_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif', 'application/pdf'] as const;
export type ReceiptMediaType = (typeof RECEIPT_MEDIA_TYPES)[number];
export interface ReceiptBlobTable {
  tenant_id: string;
  sha256: string;
  size: number;
  media_type: ReceiptMediaType;
  ref_count: Default<number>;
  created_at: Timestamp;
  released_at: Date | null;
}
export interface ReceiptTable {
  id: string;
  tenant_id: string;
  expense_id: string;
  sha256: string;
  original_name: string;
  uploaded_by: string;
  created_at: Timestamp;
}

export const RENDITION_MEDIA_TYPE = 'image/jpeg';
export interface ReceiptRenditionTable {
  tenant_id: string;
  original_sha256: string;
  /** normalized, thumbnail, page-1…page-N */
  name: string;
  sha256: string;
  size: number;
  width: number;
  height: number;
  media_type: typeof RENDITION_MEDIA_TYPE;
  created_at: Timestamp;
}

export const JOB_STATES = ['queued', 'running', 'done', 'dead'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** The job queue (storage/queue/queue.ts); not tenant-owned: a payload names its Client. */
export interface JobTable {
  id: Generated<number>;
  name: string;
  payload: Json<Record<string, unknown>>;
  state: Default<JobState>;
  priority: Default<number>;
  run_at: Timestamp;
  attempts: Default<number>;
  max_attempts: Default<number>;
  lease_until: Date | null;
  lease_token: string | null;
  locked_by: string | null;
  last_error: string | null;
  singleton_key: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface ReceiptOcrTable {
  tenant_id: string;
  sha256: string;
  source: 'ocr' | 'pdf-text';
  text: string;
  fields: ColumnType<Record<string, unknown>, string, string>;
  ms: number;
  created_at: Timestamp;
}

// ————— workflow (008_workflow.sql)
export type AuthMethod = 'password' | 'oidc' | 'api_token';
export type Decision = 'approved' | 'rejected' | 'returned' | 'verified' | 'self_validated';
type DateOnlyCol = ColumnType<string, string, string>;
export interface WorkflowSettingsTable {
  tenant_id: string;
  fallback_approver_id: string | null;
  flag_weekends: Default<boolean>;
  flag_holidays: Default<boolean>;
  updated_at: Timestamp;
}
export interface ApprovalLevelTable {
  id: string;
  tenant_id: string;
  team_id: string | null;
  above_minor: number;
  approver_id: string;
  label: string;
  created_at: Timestamp;
}
export interface DelegationTable {
  id: string;
  tenant_id: string;
  manager_id: string;
  delegate_id: string;
  starts_on: DateOnlyCol;
  ends_on: DateOnlyCol;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}
export interface ApprovalStepTable {
  tenant_id: string;
  expense_id: string;
  round: number;
  level: number;
  approver_id: string;
  reason: 'manager' | 'fallback' | 'threshold';
  label: string;
  state: 'waiting' | 'pending' | 'approved' | 'voided';
  decided_at: Timestamp | null;
}
export interface ApprovalTable {
  id: string;
  tenant_id: string;
  expense_id: string;
  round: number;
  level: number | null;
  decision: Decision;
  actor_id: string;
  on_behalf_of: string | null;
  auth_method: AuthMethod;
  decided_at: Timestamp;
  expense_version: number;
  content: ColumnType<Record<string, unknown>, string, never>;
  content_hash: string;
  acknowledged: ColumnType<string[], string | undefined, never>;
  comment: string | null;
  personal_digest: string;
  record_hash: string;
  voided_at: Timestamp | null;
  void_reason: string | null;
}
export interface ApprovalPersonalTable {
  approval_id: string;
  salt: string;
  ip: string | null;
  user_agent: string | null;
}
export interface ExpenseTransitionTable {
  id: Generated<number>;
  tenant_id: string;
  expense_id: string;
  from_status: ExpenseStatus;
  to_status: ExpenseStatus;
  actor_id: string | null;
  on_behalf_of: string | null;
  comment: string | null;
  occurred_at: Timestamp;
}
export interface ExpenseCorrectionTable {
  id: Generated<number>;
  tenant_id: string;
  expense_id: string;
  field: 'categoryId' | 'vatLines' | 'amountMinor';
  old_value: ColumnType<unknown, string, never>;
  new_value: ColumnType<unknown, string, never>;
  actor_id: string;
  comment: string | null;
  occurred_at: Timestamp;
}
export interface CategoryPolicyTable {
  tenant_id: string;
  category_id: string;
  per_expense_minor: number | null;
  per_day_minor: number | null;
  receipt_above_minor: number | null;
  updated_at: Timestamp;
}
export interface VatRuleTable {
  id: string;
  tenant_id: string;
  category_id: string;
  effective_from: DateOnlyCol;
  recoverable_bp: number;
  expense_account: string;
  vat_account: string;
  created_by: string | null;
  created_at: Timestamp;
}
export interface NotificationTable {
  id: string;
  tenant_id: string;
  user_id: string;
  kind: string;
  expense_id: string | null;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
  read_at: Timestamp | null;
}

// ————— vault (009_vault_journal.sql)
export type VaultEntryKind = 'deposit' | 'check' | 'read' | 'export' | 'hold' | 'hold_release' | 'retention' | 'destruction';
export interface VaultJournalTable {
  tenant_id: string;
  seq: number;
  kind: VaultEntryKind;
  deposit_id: string | null;
  actor_id: string | null;
  occurred_at: Timestamp;
  data: ColumnType<Record<string, unknown>, string, never>;
  prev_hash: string;
  entry_hash: string;
}
export interface VaultCheckpointTable {
  tenant_id: string;
  seq: number;
  tree_size: number;
  root: string;
  frontier: ColumnType<string[], string, never>;
  created_at: Timestamp;
  prev_hash: string;
  key_id: string;
  hash: string;
  signature: string;
  tsa_token: Buffer | null;
}

// ————— vault (010_vault.sql)
export type VaultDepositAt = 'verified' | 'upload';
export interface VaultSettingsTable {
  tenant_id: string;
  enabled: Default<boolean>;
  deposit_at: Default<VaultDepositAt>;
  retention_years: Default<number>;
  fiscal_year_end: Default<string>;
  updated_at: Timestamp;
  updated_by: string | null;
}
export interface VaultDepositTable {
  id: string;
  tenant_id: string;
  expense_id: string;
  receipt_id: string | null;
  sha256: string;
  sha512: string;
  size: ColumnType<number, number, never>;
  media_type: string;
  original_name: string;
  depositor_id: string;
  deposited_at: Timestamp;
  retention_until: DateOnly;
  object_key: string;
  journal_seq: number;
}
export interface VaultHoldTable {
  id: string;
  tenant_id: string;
  deposit_id: string | null;
  owner: string;
  reason: string;
  review_on: DateOnly;
  placed_at: Timestamp;
  placed_by: string;
  released_at: Date | null;
  released_by: string | null;
  release_reason: string | null;
}
export type VaultDestructionKind = 'retention' | 'contract_end';
export interface VaultDestructionTable {
  id: string;
  tenant_id: string;
  kind: VaultDestructionKind;
  reason: string;
  deposit_ids: string[];
  requested_by: string;
  requested_at: Timestamp;
  status: Default<'pending' | 'done' | 'cancelled'>;
  closed_at: Date | null;
  certificate: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  certificate_sha256: string | null;
}
export interface VaultDestructionApprovalTable {
  tenant_id: string;
  destruction_id: string;
  approver_id: string;
  approved_at: Timestamp;
}
export interface VaultDestroyedTable {
  deposit_id: string;
  tenant_id: string;
  destruction_id: string;
  destroyed_at: Timestamp;
}
export interface VaultSweepTable {
  id: string;
  started_at: Timestamp;
  finished_at: Date | null;
  cursor: string | null;
  checked: Default<number>;
  bytes: Default<number>;
  mismatched: Default<number>;
  missing: Default<number>;
}
export interface VaultStoreLogHeadTable {
  id: Default<boolean>;
  seq: number;
  hash: string;
}

// ————— exports (011_exports.sql)
export interface AccountingSettingsTable {
  tenant_id: string;
  siren: string | null;
  journal_code: Default<string>;
  journal_label: Default<string>;
  employee_account: Default<string>;
  card_account: Default<string>;
  default_expense_account: Default<string>;
  default_vat_account: Default<string>;
  csv_delimiter: Default<';' | ',' | 'tab'>;
  csv_decimal_comma: Default<boolean>;
  csv_bom: Default<boolean>;
  fec_separator: Default<'tab' | 'pipe'>;
  next_entry_number: Default<number>;
  file_retention_days: Default<number>;
  updated_at: Timestamp;
  // 012_reimbursements.sql: the Client's own account, debtor of the SEPA transfers
  company_name: Default<string | null>;
  company_iban_sealed: Default<Buffer | null>;
  company_iban_masked: Default<string | null>;
  company_bic: Default<string | null>;
}
export type ExportKind = 'accounting' | 'payroll';
export type ExportFormat = 'csv' | 'fec' | 'xlsx';
export interface ExportBatchTable {
  id: string;
  tenant_id: string;
  kind: ExportKind;
  format: ExportFormat;
  period_from: DateOnly;
  period_to: DateOnly;
  filters: ColumnType<Record<string, unknown>, string, never>;
  /** How many rows of export_batch_expense it has (014_export_rows.sql). */
  expense_count: number;
  reexport: boolean;
  created_by: string;
  created_at: Timestamp;
  file_key: string;
  file_name: string;
  media_type: string;
  sha256: string;
  size: ColumnType<number, number, never>;
  row_count: number;
  entry_from: number | null;
  entry_to: number | null;
  file_deleted_at: Date | null;
}
/** The expenses of a batch, one row each (014_export_rows.sql); append-only. */
export interface ExportBatchExpenseTable {
  tenant_id: string;
  batch_id: string;
  expense_id: string;
  /** 1, 2, … in the order of the batch's entries (date, then id). */
  position: number;
}

export const PAYROLL_FIELDS = ['payrollId', 'employeeName', 'email', 'periodFrom', 'periodTo', 'category', 'expenses', 'amount', 'currency'] as const;
export type PayrollField = (typeof PAYROLL_FIELDS)[number];
export interface PayrollPresetTable {
  id: string;
  tenant_id: string;
  name: string;
  columns: ColumnType<{ field: PayrollField; header: string }[], string, string>;
  per_category: Default<boolean>;
  created_by: string;
  created_at: Timestamp;
}

// ————— reimbursements (012_reimbursements.sql)
export interface BankAccountTable {
  user_id: string;
  tenant_id: string;
  holder: string;
  iban_sealed: Buffer;
  iban_masked: string;
  country: string;
  bic: string | null;
  updated_at: Timestamp;
}
export interface SepaBatchTable {
  id: string;
  tenant_id: string;
  message_id: string;
  execution_date: DateOnly;
  expense_ids: string[];
  transfers: number;
  total_minor: ColumnType<number, number, never>;
  created_by: string;
  created_at: Timestamp;
  file_key: string;
  sha256: string;
  size: ColumnType<number, number, never>;
  status: Default<'pending' | 'confirmed' | 'cancelled'>;
  closed_at: Date | null;
  closed_by: string | null;
}

// ————— reversibility (013_reversibility.sql)
export interface ClientExportTable {
  id: string;
  tenant_id: string;
  requested_by: string;
  requested_at: Timestamp;
  status: Default<'queued' | 'running' | 'done' | 'failed'>;
  progress: ColumnType<Record<string, unknown>, string | undefined, string>;
  file_key: string | null;
  sha256: string | null;
  size: ColumnType<number | null, number | null | undefined, number | null>;
  files: number | null;
  finished_at: Date | null;
  expires_at: Date | null;
  error: string | null;
  link_until: Date | null;
}
export type VaultInstruction = 'return_then_destroy' | 'destroy';
export interface TenantTerminationTable {
  id: string;
  tenant_id: string;
  terminated_at: Timestamp;
  terminated_by: string;
  reason: string;
  vault_instruction: VaultInstruction;
  instruction_ref: string;
  purge_after: Timestamp;
  final_export_id: string | null;
  vault_destruction_id: string | null;
  cancelled_at: Date | null;
  cancelled_by: string | null;
}
export interface ContractDestructionTable {
  id: string;
  tenant_id: string;
  termination_id: string;
  executed_at: Timestamp;
  certificate: ColumnType<Record<string, unknown>, string, never>;
  certificate_sha256: string;
  pdf_key: string;
  pdf_sha256: string;
  objects_removed_at: Date | null;
}

export interface UsageEventTable {
  tenant_id: string;
  user_id: string;
  kind: 'expense' | 'verification' | 'approval' | 'export';
  occurred_at: Timestamp;
  audit_event_id: string;
}

export interface InvoiceLine {
  label: string;
  quantity: number;
  unitMinor: number;
  amountMinor: number;
  /** Bears VAT (late-payment interest and the recovery indemnity do not). */
  vat: boolean;
}
export interface InvoiceTable {
  id: string;
  tenant_id: string;
  kind: 'invoice' | 'credit_note';
  period: string | null;
  corrects_id: string | null;
  status: Default<'draft' | 'issued'>;
  number: string | null;
  created_at: Timestamp;
  issued_at: Date | null;
  due_at: Date | null;
  currency: string;
  lines: ColumnType<InvoiceLine[], string, string>;
  total_ht_minor: ColumnType<number, number, number>;
  vat_rate_bp: number;
  vat_minor: ColumnType<number, number, number>;
  total_ttc_minor: ColumnType<number, number, number>;
  vat_mention: string | null;
  client: ColumnType<Record<string, unknown>, string, string>;
  issuer: ColumnType<Record<string, unknown>, string, string>;
  price_list: string;
  active_users: number | null;
  paid_at: Date | null;
}

export interface PlanChangeTable {
  id: string;
  tenant_id: string;
  at: Date;
  from_plan: Plan;
  to_plan: Plan;
  user_limit: number | null;
  by_user: string;
}
export interface PlanRequestTable {
  id: string;
  tenant_id: string;
  requested_at: Date;
  requested_by: string;
  message: string;
  closed_at: Date | null;
  closed_by: string | null;
}
/** A view: each issued invoice with what it still asks once its credit notes are deducted. */
export interface InvoiceBalanceView {
  id: string;
  tenant_id: string;
  number: string;
  issued_at: Date;
  due_at: Date;
  paid_at: Date | null;
  total_ttc_minor: ColumnType<number, never, never>;
  balance_minor: ColumnType<number, never, never>;
}
export interface InvoiceNoticeTable {
  invoice_id: string;
  tenant_id: string;
  sent_at: Date;
  suspend_at: Date;
  amount_due_minor: ColumnType<number, number, never>;
  sent_to: string;
}
export interface InvoiceMailTable {
  invoice_id: string;
  queued_at: Date;
  sent_to: string[];
}
export interface LateChargeTable {
  late_invoice_id: string;
  on_invoice_id: string;
  tenant_id: string;
  from_at: Date;
  to_at: Date;
  days: number;
  legal_rate_bp: number;
  interest_minor: ColumnType<number, number, never>;
  indemnity_minor: ColumnType<number, number, never>;
}

/** The breach register (R-GDPR-3): append-only rows, the vendor's records. */
export interface GdprBreachTable {
  id: string;
  title: string;
  detected_at: Date;
  recorded_at: Date;
  recorded_by: string;
  notify_by: Date;
  nature: string;
  data_categories: string[];
  subjects_approx: number;
  records_approx: ColumnType<number, number, never>;
  consequences: string;
  measures: string;
  contact: string;
  scope: 'all' | 'some';
}
export interface GdprBreachClientTable {
  breach_id: string;
  tenant_id: string;
}
export interface GdprBreachNotificationTable {
  breach_id: string;
  tenant_id: string;
  notified_at: Date;
  notified_by: string;
  sent_to: string[];
}
export interface GdprBreachFollowUpTable {
  id: string;
  breach_id: string;
  at: Date;
  by_user: string;
  text: string;
}
export type AuditRequestStatus = 'requested' | 'scheduled' | 'done' | 'cancelled';
/** A Client's audit request (R-GDPR-6). */
export interface AuditRequestTable {
  id: string;
  tenant_id: string;
  requested_at: Date;
  requested_by: string;
  proposed_date: DateOnlyCol;
  scope: string;
  status: Default<AuditRequestStatus>;
  agreed_date: ColumnType<string | null, string | null | undefined, string | null>;
  scheduled_at: Date | null;
  scheduled_by: string | null;
  closed_at: Date | null;
  closed_by: string | null;
  close_note: string | null;
}

export interface SubprocessorTable {
  id: string;
  name: string;
  legal_entity: string;
  purpose: string;
  data_categories: string[];
  country: string;
  in_eea: boolean;
  safeguard: string | null;
  since: Date;
  source: 'config' | 'change';
  config_key: string | null;
}
export interface SubprocessorChangeTable {
  id: string;
  kind: 'add' | 'replace' | 'remove';
  added_id: string | null;
  removed_id: string | null;
  reason: string;
  announced_at: Date;
  effective_at: Date;
  announced_by: string;
  cancelled_at: Date | null;
}
export interface TransferInstructionTable {
  subprocessor_id: string;
  tenant_id: string;
  instructed_at: Date;
  instructed_by: string;
  note: string;
}
/** A Client admin's grant of read access to a vendor support agent (§8.2.a). */
export const ACCESS_SCOPES = ['users', 'expenses', 'receipts', 'settings', 'audit'] as const;
export type AccessScope = (typeof ACCESS_SCOPES)[number];
export interface AccessGrantTable {
  id: string;
  tenant_id: string;
  grantee_id: string;
  scopes: AccessScope[];
  reason: string;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
}
export interface SubprocessorObjectionTable {
  change_id: string;
  tenant_id: string;
  objected_at: Date;
  objected_by: string;
  reason: string;
  decision: 'on_hold' | 'may_terminate' | null;
  decided_at: Date | null;
  decided_by: string | null;
  decision_note: string | null;
}
export type LegalDocument = 'terms' | 'privacy';
export interface LegalVersionTable {
  id: string;
  document: LegalDocument;
  version: string;
  applies_from: Date;
  published_at: Date;
  published_by: string | null;
  affects_processing: boolean;
  summary: string;
  body_fr: string;
  body_en: string;
  sha256: string;
  source: 'file' | 'operator';
}
export interface LegalAcceptanceTable {
  id: string;
  tenant_id: string | null;
  user_id: string;
  version_id: string;
  accepted_at: Date;
  ip: string | null;
}

export interface DB {
  tenant: TenantTable;
  team: TeamTable;
  app_user: AppUserTable;
  user_role: UserRoleTable;
  user_token: UserTokenTable;
  user_identity: UserIdentityTable;
  session: SessionTable;
  api_token: ApiTokenTable;
  oidc_login: OidcLoginTable;
  rate_limit: RateLimitTable;
  mail_outbox: MailOutboxTable;
  audit_event: AuditEventTable;
  audit_personal: AuditPersonalTable;
  audit_checkpoint: AuditCheckpointTable;
  schedule_run: ScheduleRunTable;
  schema_migration: SchemaMigrationTable;
  category: CategoryTable;
  payment_method: PaymentMethodTable;
  exchange_rate: ExchangeRateTable;
  expense: ExpenseTable;
  expense_vat_line: ExpenseVatLineTable;
  vehicle: VehicleTable;
  per_diem_rate: PerDiemRateTable;
  receipt_blob: ReceiptBlobTable;
  receipt: ReceiptTable;
  receipt_ocr: ReceiptOcrTable;
  receipt_rendition: ReceiptRenditionTable;
  job: JobTable;
  workflow_settings: WorkflowSettingsTable;
  approval_level: ApprovalLevelTable;
  delegation: DelegationTable;
  approval_step: ApprovalStepTable;
  approval: ApprovalTable;
  approval_personal: ApprovalPersonalTable;
  expense_transition: ExpenseTransitionTable;
  expense_correction: ExpenseCorrectionTable;
  category_policy: CategoryPolicyTable;
  vat_rule: VatRuleTable;
  notification: NotificationTable;
  vault_journal: VaultJournalTable;
  vault_checkpoint: VaultCheckpointTable;
  vault_settings: VaultSettingsTable;
  vault_deposit: VaultDepositTable;
  vault_hold: VaultHoldTable;
  vault_destruction: VaultDestructionTable;
  vault_destruction_approval: VaultDestructionApprovalTable;
  vault_destroyed: VaultDestroyedTable;
  vault_sweep: VaultSweepTable;
  vault_store_log_head: VaultStoreLogHeadTable;
  accounting_settings: AccountingSettingsTable;
  export_batch: ExportBatchTable;
  export_batch_expense: ExportBatchExpenseTable;
  payroll_preset: PayrollPresetTable;
  bank_account: BankAccountTable;
  sepa_batch: SepaBatchTable;
  client_export: ClientExportTable;
  tenant_termination: TenantTerminationTable;
  contract_destruction: ContractDestructionTable;
  purge_exempt: { table_name: string; reason: string };
  usage_event: UsageEventTable;
  invoice_counter: { year: number; last_number: number };
  invoice: InvoiceTable;
  plan_change: PlanChangeTable;
  plan_request: PlanRequestTable;
  invoice_balance: InvoiceBalanceView;
  invoice_notice: InvoiceNoticeTable;
  late_charge: LateChargeTable;
  invoice_mail: InvoiceMailTable;
  gdpr_breach: GdprBreachTable;
  gdpr_breach_client: GdprBreachClientTable;
  gdpr_breach_notification: GdprBreachNotificationTable;
  gdpr_breach_follow_up: GdprBreachFollowUpTable;
  audit_request: AuditRequestTable;
  subprocessor: SubprocessorTable;
  subprocessor_change: SubprocessorChangeTable;
  subprocessor_objection: SubprocessorObjectionTable;
  transfer_instruction: TransferInstructionTable;
  legal_version: LegalVersionTable;
  legal_acceptance: LegalAcceptanceTable;
  access_grant: AccessGrantTable;
}

/** Tables that belong to one Client: tenant-scoped access is the only way to reach them. */
export type TenantTableName = {
  [K in keyof DB]: DB[K] extends { tenant_id: string } ? K : never;
}[keyof DB];

export type Row<T extends keyof DB> = Selectable<DB[T]>;
export type NewRow<T extends keyof DB> = Insertable<DB[T]>;
export type RowUpdate<T extends keyof DB> = Updateable<DB[T]>;
