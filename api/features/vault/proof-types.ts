// The shapes of the vault's evidence documents: the deposit certificate and the probative-value
// report (R-VLT-5). The report carries everything an offline check needs besides the file itself
// and, for trust, the vault's public key kept by the Client: the deposit record, its journal entry
// in full, the Merkle inclusion path up to a checkpoint's root, that signed checkpoint (and its
// RFC 3161 time-stamp token when a TSA is configured), and the public key it was signed with.
import type { JournalEntry, CheckpointBody } from './journal.ts';

export const PROOF_FORMAT = 'justif.vault.proof/1';

export interface DepositRecord {
  id: string;
  tenantId: string;
  expenseId: string;
  receiptId: string | null;
  sha256: string;
  sha512: string;
  size: number;
  /** Detected from the bytes (application/pdf, image/jpeg, …). */
  mediaType: string;
  originalName: string;
  /** Pseudonymous id of the depositor (the expense's owner). */
  depositorId: string;
  depositedAt: string;
  /** YYYY-MM-DD: the last day of retention. */
  retentionUntil: string;
  /** Journal entry of the deposit (its seq in the Client's journal). */
  journalSeq: number;
}

export type ProofCheckType = 'local-integrity' | 'chain' | 'merkle-inclusion' | 'signature' | 'timestamp';

export interface ProofCheck {
  type: ProofCheckType;
  /** What is compared with what, e.g. ["SHA-256 of the file", "deposit record sha256"]. */
  sources: [string, string];
  expected: string | null;
  actual: string | null;
  result: 'ok' | 'failed' | 'not-applicable';
  detail?: string;
}

export interface ProbativeReport {
  format: typeof PROOF_FORMAT;
  generatedAt: string;
  deposit: DepositRecord & { legalHold: boolean; destroyed: boolean };
  journal: {
    /** The deposit's journal entry exactly as hashed (RFC 8785 of this object = the entry's bytes). */
    entry: JournalEntry;
    entryHash: string;
    leafHash: string;
  };
  inclusion: { index: number; treeSize: number; root: string; path: string[] };
  checkpoint: {
    body: CheckpointBody;
    hash: string;
    /** Ed25519 over the UTF-8 bytes of `hash` (hex), base64. */
    signature: string;
    /** RFC 3161 TimeStampToken (DER, base64) over SHA-256(hash as UTF-8), when a TSA is configured. */
    tsaToken: string | null;
  };
  publicKey: { keyId: string; pem: string; fingerprint: string };
  /** The checks as the service ran them when it wrote the report (the offline verifier re-runs them). */
  checks: ProofCheck[];
}
