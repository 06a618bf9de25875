// The one way the app talks to the API: JSON over fetch with the session cookie, the CSRF token
// on every write, and RFC 9457 problem+json bodies turned into ApiError.
import type { z } from 'zod';
import type { Providers as ProvidersSchema, SessionView } from '../../api/features/auth/auth.schemas.ts';
import type { AuditEventView } from '../../api/features/audit/audit.schemas.ts';
import type { TokenView } from '../../api/features/api-tokens/api-tokens.schemas.ts';
import type { TenantView } from '../../api/features/tenants/tenants.schemas.ts';
import type { SubprocessorsService } from '../../api/features/gdpr/subprocessors.ts';
import type { UserView, TeamView, ImportResult, InviteUser, UpdateUser } from '../../api/features/users/users.schemas.ts';
import type { CreateExpense, ExpenseView, ExpenseWithReceipts, UpdateExpense, VatLine as VatLineSchema } from '../../api/features/expenses/expenses.schemas.ts';
import type { CategoryView, PaymentMethodView } from '../../api/features/categories/categories.schemas.ts';
import type { RateView } from '../../api/features/rates/rates.schemas.ts';
import type { ReceiptView, OcrFailure as OcrFailureSchema, ScanResult as ScanResultSchema } from '../../api/features/receipts/receipts.schemas.ts';
import type { CreateMileage, CreatePerDiem, CreateVehicle, PerDiemRateView, UpdateMileage, UpdatePerDiem, VehicleView } from '../../api/features/mileage/mileage.schemas.ts';
import type { ApprovalLevelInput, CategoryPolicyInput, DelegationInput, VatRuleInput, WorkflowSettingsInput } from '../../api/features/workflow/workflow.schemas.ts';
import type { Violation as ViolationType } from '../../api/features/workflow/policies.ts';
import type { WorkflowService } from '../../api/features/workflow/workflow.service.ts';
import type { WorkflowSettingsService } from '../../api/features/workflow/workflow-settings.service.ts';
import type { VaultService, VaultSettings as VaultSettingsType } from '../../api/features/vault/vault.service.ts';
import type { VaultProtection as VaultProtectionType } from '../../storage/objects/vault-store.ts';
import type { AccountingSettings as AccountingSettingsType, ExportsService } from '../../api/features/exports/exports.service.ts';
import type { ReimbursementsService } from '../../api/features/exports/reimbursements.service.ts';
import type { ReversibilityService } from '../../api/features/exports/reversibility.service.ts';
import type { ContractEndService } from '../../api/features/tenants/contract-end.service.ts';
import type { BillingService } from '../../api/features/billing/billing.service.ts';
import type { InvoicingService } from '../../api/features/billing/invoicing.ts';
import type { DunningService } from '../../api/features/billing/dunning.ts';
import type { PaymentsService } from '../../api/features/billing/payments.ts';
import type { PayrollField as PayrollFieldType } from '../../storage/db/schema.ts';

export type Session = z.infer<typeof SessionView>;
export type User = UserView;
export type Team = z.infer<typeof TeamView>;
export type ImportCounts = z.infer<typeof ImportResult>;
export type InviteInput = z.input<typeof InviteUser>;
export type UserPatch = z.input<typeof UpdateUser>;
export type Page<T> = { items: T[]; nextCursor: string | null };

export type AuditEvent = z.infer<typeof AuditEventView>;
export type Tenant = z.infer<typeof TenantView>;
export type ApiToken = z.infer<typeof TokenView>;
export type Providers = z.infer<typeof ProvidersSchema>;

export type Expense = ExpenseView;
/** An expense as lists and GET /expenses/:id give it: with its receipts. */
export type ListedExpense = ExpenseWithReceipts;
export type ExpenseStatus = Expense['status'];
export type ExpenseKind = Expense['kind'];
export type VatLine = VatLineSchema;
export type ExpenseInput = CreateExpense;
export type ExpensePatch = UpdateExpense;
export type Category = CategoryView;
export type PaymentMethod = PaymentMethodView;
export type ExchangeRate = RateView;
/** A receipt as listed; its `renditions` (JPEGs the worker derives) may be empty — or absent from an older API. */
export type Receipt = ReceiptView;
export type Vehicle = VehicleView;
export type VehicleInput = CreateVehicle;
export type MileageInput = CreateMileage;
export type MileagePatch = UpdateMileage;
export type PerDiemRate = PerDiemRateView;
export type PerDiemInput = CreatePerDiem;
export type PerDiemPatch = UpdatePerDiem;
/** A receipt whose reading was given up (GET /receipts/ocr-failures). */
export type OcrFailure = z.infer<typeof OcrFailureSchema>;
/** POST /expenses/scan: the draft made from the receipts, which OCR fills. */
export type ScanResult = z.infer<typeof ScanResultSchema>;

// The approval workflow (api/features/workflow): its answers are typed by what the services return.
type Answer<F extends (...a: never[]) => unknown> = Awaited<ReturnType<F>>;
export type ClientExport = Answer<ReversibilityService['get']>;
/** GET /expenses/:id/workflow: chain, decisions, transitions, corrections, violations. */
export type WorkflowTimeline = Answer<WorkflowService['timeline']>;
export type ChainStep = WorkflowTimeline['chain'][number];
export type WorkflowDecision = WorkflowTimeline['decisions'][number];
export type WorkflowCorrection = WorkflowTimeline['corrections'][number];
/** A policy broken by an expense (R-WF-4), or a possible duplicate. */
export type Violation = ViolationType;
/** GET /approvals/queue and /verifications/queue. */
export type QueuePage = Answer<WorkflowService['queue']>;
export type QueueItem = QueuePage['items'][number];
export type WorkflowCounts = Answer<WorkflowService['counts']>;
export type BulkResult = Answer<WorkflowService['bulkApprove']>;
export type ApprovalCheck = Answer<WorkflowService['checkApproval']>;
export type WorkflowDecisionAnswer = { status: ExpenseStatus; version: number; approvalId?: string; corrections?: string[] };
export type WorkflowSettings = Answer<WorkflowSettingsService['get']>;
export type ApprovalLevel = WorkflowSettings['levels'][number];
export type Delegation = Answer<WorkflowSettingsService['delegations']>['items'][number];
export type CategoryPolicy = Answer<WorkflowSettingsService['policies']>['items'][number];
export type VatRule = Answer<WorkflowSettingsService['vatRules']>['items'][number];
export type WorkflowSettingsPatch = WorkflowSettingsInput;
export type ApprovalLevelNew = ApprovalLevelInput;
export type DelegationNew = DelegationInput;
export type CategoryPolicyPut = CategoryPolicyInput;
export type VatRuleNew = VatRuleInput;
export type Notifications = Answer<WorkflowService['notifications']>;

// The archival vault (api/features/vault): typed by what the service and its routes return.
/** The Client's vault option (PATCH /vault/settings takes any part of it, answers the whole). */
export type VaultSettings = VaultSettingsType;
/** How the storage stops a deposit from being deleted, as detected by asking it. */
export type VaultProtection = VaultProtectionType;
export type VaultPublicKey = ReturnType<VaultService['publicKey']>;
/** GET /vault. */
export interface VaultOverview {
  settings: VaultSettings;
  store: 'local' | 's3';
  protection: VaultProtection;
  deposits: number;
  bytes: number;
  publicKey: VaultPublicKey;
}
/** GET /vault/deposits: newest first; `next` goes back as `before` for the next page. */
export type VaultDepositPage = Answer<VaultService['list']>;
export type VaultDeposit = Answer<VaultService['get']>;
export type VaultDepositState = 'kept' | 'held' | 'destroyed' | 'eligible';
/** GET /vault/checkpoints (items) and /vault/checkpoints/:hash. */
export type VaultCheckpoint = Answer<VaultService['checkpointDoc']>;
/** GET /vault/holds (items). */
export type VaultHold = Answer<VaultService['holds']>[number];
export type VaultHoldNew = { depositId?: string | null; owner: string; reason: string; reviewOn: string };
/** POST /vault/destructions/analysis. */
export type VaultAnalysis = Answer<VaultService['analyse']>;
export type VaultDestructionKind = VaultAnalysis['kind'];
/** GET /vault/destructions (items). */
export type VaultDestruction = Answer<VaultService['destructions']>[number];
/** POST /vault/destructions/:id/approve. */
export type VaultApproval = Answer<VaultService['approveDestruction']>;

// Exports and reimbursements (api/features/exports): typed by what the services return.
/** GET /exports/settings (PATCH takes any part of it but `nextEntryNumber`, answers the whole). */
export type AccountingSettings = AccountingSettingsType;
export type AccountingSettingsPatch = Partial<Omit<AccountingSettings, 'nextEntryNumber'>>;
/** An export batch: POST /exports/accounting and /exports/payroll, GET /exports (items) and /exports/:id. */
export type ExportBatch = Answer<ExportsService['accounting']>;
/** GET /exports/payroll/presets (items). */
export type PayrollPreset = Answer<ExportsService['presets']>['items'][number];
export type PayrollField = PayrollFieldType;
export type PayrollColumn = PayrollPreset['columns'][number];
/** GET/PUT /me/bank-account: `account` (the IBAN masked), null before one is entered. */
export type BankAccount = NonNullable<Answer<ReimbursementsService['bankAccount']>>;
/** GET/PUT /exports/company-account: `account`, null before one is entered. */
export type CompanyAccount = NonNullable<Answer<ReimbursementsService['companyAccount']>>;
/** A SEPA transfer file: GET /exports/sepa (items). */
export type SepaBatch = Answer<ReimbursementsService['batch']>;
/** POST /exports/sepa: the batch and the employees left out for want of an IBAN. */
export type SepaPrepared = Answer<ReimbursementsService['sepa']>;
export type SepaMissing = SepaPrepared['missing'][number];
/** POST /exports/sepa/:id/confirm. */
export type SepaConfirmed = Answer<ReimbursementsService['confirm']>;

export const API = '/api/v1';
const PROBLEM_BASE = 'https://justif.app/problems/';

export interface FieldProblem {
  path?: string;
  row?: number;
  column?: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The problem code (`weak-password`, `last-admin`…), `network` when the server did not answer. */
    readonly code: string,
    readonly title: string,
    readonly detail: string | undefined,
    readonly fieldErrors: FieldProblem[] = [],
    readonly requestId?: string,
    /** Seconds to wait, from Retry-After (429). */
    readonly retryAfter?: number,
    /** The problem's other members (409: `currentStatus`; acknowledgement-required: `violations`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }

  /** Field errors for a body field (`path` "body.email" → "email"). */
  forField(name: string): string | undefined {
    return this.fieldErrors.find((f) => f.path === `body.${name}` || f.path?.startsWith(`body.${name}.`))?.message;
  }
}

let csrfToken = '';
let onUnauthenticated: (() => void) | undefined;
let onPaymentRequired: (() => void) | undefined;

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when a protected request answers 401 (session expired or signed out elsewhere). */
export function setUnauthenticatedHandler(f: (() => void) | undefined): void {
  onUnauthenticated = f;
}

/** Called when a request answers 402 `payment-required` (the Client's access was suspended meanwhile). */
export function setPaymentRequiredHandler(f: (() => void) | undefined): void {
  onPaymentRequired = f;
}

interface Options {
  body?: unknown;
  /** Send `body` as this content type instead of JSON (CSV import). A FormData body goes as multipart. */
  contentType?: string;
  /** A 401 here is an expected answer (the session probe, sign-in), not an expired session. */
  public?: boolean;
  signal?: AbortSignal;
}

async function toError(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  const type = typeof body.type === 'string' ? body.type : '';
  const code = type.startsWith(PROBLEM_BASE) ? type.slice(PROBLEM_BASE.length) : `http-${res.status}`;
  const retry = Number(res.headers.get('retry-after'));
  return new ApiError(
    res.status,
    code,
    typeof body.title === 'string' ? body.title : res.statusText,
    typeof body.detail === 'string' ? body.detail : undefined,
    Array.isArray(body.errors) ? (body.errors as FieldProblem[]) : [],
    typeof body.requestId === 'string' ? body.requestId : (res.headers.get('x-request-id') ?? undefined),
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
    body,
  );
}

export async function request<T>(method: string, path: string, opts: Options = {}, retried = false): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.body instanceof FormData) {
    body = opts.body; // the browser writes the multipart Content-Type with its boundary
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/json';
    body = opts.contentType ? String(opts.body) : JSON.stringify(opts.body);
  }
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(API + path, { method, headers, body, credentials: 'same-origin', signal: opts.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'Network error', undefined);
  }
  if (res.ok) {
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
  const err = await toError(res);
  // The CSRF token changes with the session (signed in again in another tab): fetch it, retry once.
  if (err.code === 'csrf' && !retried) {
    try {
      const s = await request<Session>('GET', '/session', { public: true });
      setCsrfToken(s.csrfToken);
      return request<T>(method, path, opts, true);
    } catch {
      /* fall through to the original error */
    }
  }
  if (err.status === 401 && !opts.public) onUnauthenticated?.();
  if (err.code === 'payment-required') onPaymentRequired?.();
  return Promise.reject(err);
}

export const api = {
  get: <T>(path: string, opts?: Options) => request<T>('GET', path, opts),
  post: <T>(path: string, body?: unknown, opts?: Options) => request<T>('POST', path, { ...opts, body }),
  patch: <T>(path: string, body: unknown, opts?: Options) => request<T>('PATCH', path, { ...opts, body }),
  put: <T>(path: string, body: unknown, opts?: Options) => request<T>('PUT', path, { ...opts, body }),
  delete: <T>(path: string, opts?: Options) => request<T>('DELETE', path, opts),
  /** multipart/form-data: each file in the field `field` (receipts: "files"). */
  upload: <T>(path: string, field: string, files: File[], opts?: Options) => {
    const form = new FormData();
    for (const f of files) form.append(field, f, f.name);
    return request<T>('POST', path, { ...opts, body: form });
  },
};

/** A query string from the set values of an object (undefined and '' are left out). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

// The end of contract (api/features/tenants/contract-end.service.ts), operators' side.
/** GET /vendor/tenants/:id/termination (and the answer of POST …/termination and …/cancel). */
export type ContractEndStatus = Answer<ContractEndService['status']>;
/** POST /vendor/tenants/:id/termination/advance. */
export type ContractEndStep = Answer<ContractEndService['advance']>;

// Billing (api/features/billing).
/** GET /billing/usage: the month's active users, each with why they count, and the licence. */
export type BillingUsage = Answer<BillingService['usage']>;
export type ActiveUser = BillingUsage['users'][number];
/** GET /billing/invoices (items): the Client's issued invoices. */
export type Invoice = Answer<InvoicingService['list']>['items'][number];
/** GET /vendor/billing/usage: every Client's active users of a month. */
export type BillingOverview = Answer<BillingService['overview']>;
/** POST /vendor/invoices/run (dry run or not). */
export type InvoiceRun = Answer<InvoicingService['run']>;
/** GET /billing/plan (and the answer of every plan change or request): the plan, its history, any open Enterprise request. */
export type PlanView = Answer<BillingService['planView']>;
/** GET /billing/standing: the unpaid invoices past their written notice, and whether access is suspended. */
export type BillingStanding = Answer<DunningService['standing']>;
/** POST /vendor/payments/import: each line of the bank's CSV and what it did. */
export type TransferImport = Answer<PaymentsService['importTransfers']>;
export type TransferOutcome = TransferImport['results'][number];

// The subprocessor registry (api/features/gdpr/subprocessors.ts).
/** GET /public/subprocessors. */
export type SubprocessorsPublic = Answer<SubprocessorsService['publicList']>;
/** GET /gdpr/subprocessors (a Client admin). */
export type SubprocessorsForClient = Answer<SubprocessorsService['clientView']>;
/** GET /vendor/gdpr/subprocessors (operators). */
export type SubprocessorsForVendor = Answer<SubprocessorsService['vendorView']>;
