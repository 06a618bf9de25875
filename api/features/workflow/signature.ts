// Signed approvals (R-WF-3): what exactly a decision is about, and the hashes that make it a proof.
//  - content: the expense version decided on, as approved — amounts, date, merchant, who spent it
//    (pseudonymous id), payment, trip details, and the SHA-256 of every receipt original. Not in
//    it: the accounting classification a verifier may correct afterwards (category, VAT lines —
//    corrections are recorded on their own), nor attendees' names in clear (a salted digest: an
//    anonymisation under GDPR must not look like a change, R-SEC-6);
//  - content_hash = SHA-256 of the RFC 8785 form of the content;
//  - record_hash = SHA-256 of the RFC 8785 form of the whole act (decision, actor and on-behalf-of
//    ids, authentication method, time, content hash, acknowledged violations, comment, digest of
//    the personal fields kept beside it: IP and user agent).
import { canonicalize } from '../../lib/jcs.ts';
import { sha256Hex } from '../../lib/secrets.ts';
import type { ExpenseRow } from '../expenses/expenses.repository.ts';

export interface SignedContent {
  expenseId: string;
  employeeId: string;
  kind: string;
  date: string;
  merchant: string;
  description: string;
  amountMinor: number;
  currency: string;
  convertedMinor: number;
  clientCurrency: string;
  rate: string;
  paymentMethodId: string | null;
  reimbursable: boolean;
  project: string | null;
  /** Random per act: the attendees' names are hashed with it, never stored in clear here. */
  salt: string;
  attendeesDigest: string;
  trip: { vehicleId: string | null; distanceKm: string | null; from: string | null; to: string | null; roundTrip: boolean | null } | null;
  perDiem: { rateId: string | null; units: number | null } | null;
  receipts: string[];
}

/** The hashed form of an expense version; `attendeesSalt` is the approval's own (kept in content). */
export function signedContent(e: ExpenseRow, receiptShas: string[], attendeesSalt: string): SignedContent {
  return {
    expenseId: e.id, employeeId: e.user_id, kind: e.kind, date: e.expense_date, merchant: e.merchant, description: e.description,
    amountMinor: e.amount_minor, currency: e.currency, convertedMinor: e.converted_minor, clientCurrency: e.client_currency,
    rate: e.rate.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''), paymentMethodId: e.payment_method_id, reimbursable: e.reimbursable, project: e.project,
    salt: attendeesSalt, attendeesDigest: sha256Hex(attendeesSalt + canonicalize(e.attendees)),
    trip: e.kind === 'mileage' ? { vehicleId: e.vehicle_id, distanceKm: e.distance_km, from: e.trip_from, to: e.trip_to, roundTrip: e.round_trip } : null,
    perDiem: e.kind === 'per_diem' ? { rateId: e.per_diem_rate_id, units: e.per_diem_units } : null,
    receipts: [...receiptShas].sort(),
  };
}

export const contentHash = (c: SignedContent | Record<string, unknown>) => sha256Hex(canonicalize(c));

export interface SignedAct {
  id: string;
  tenantId: string;
  expenseId: string;
  round: number;
  level: number | null;
  decision: string;
  actorId: string;
  onBehalfOf: string | null;
  authMethod: string;
  decidedAt: string;
  expenseVersion: number;
  contentHash: string;
  acknowledged: string[];
  comment: string | null;
  personalDigest: string;
}

export const recordHash = (a: SignedAct) => sha256Hex(canonicalize(a));
export const personalDigest = (salt: string, p: { ip: string | null; userAgent: string | null }) => sha256Hex(salt + canonicalize(p));

/** Which top-level fields of two contents differ (for "what changed since it was approved"). */
export function differences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonicalize(a[k] ?? null) !== canonicalize(b[k] ?? null));
}
