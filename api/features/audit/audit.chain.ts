// Hashing of audit events and checkpoints. Pure functions shared by the writer and the verifier.
import { canonicalize } from '../../lib/jcs.ts';
import { sha256Hex } from '../../lib/secrets.ts';
import type { CheckpointHead } from '../../../storage/db/schema.ts';

export const GENESIS_HASH = '0'.repeat(64);
export const PLATFORM_CHAIN = 'platform';

export interface PersonalFields {
  actorLabel: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** The salted digest that stands in the hashed event for the personal fields kept beside it. */
export function personalDigest(salt: string, p: PersonalFields): string {
  return sha256Hex(salt + canonicalize(p));
}

/** Exactly the columns that the hash covers, as stored. */
export interface ChainedEvent {
  id: string;
  chain: string;
  seq: number;
  tenant_id: string | null;
  occurred_at: Date;
  type: string;
  version: number;
  action: string;
  outcome: string;
  actor_id: string | null;
  actor_kind: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  data: Record<string, unknown>;
  personal_digest: string | null;
  prev_hash: string;
}

export function eventHash(e: ChainedEvent): string {
  return sha256Hex(
    canonicalize({
      id: e.id, chain: e.chain, seq: e.seq, tenantId: e.tenant_id, occurredAt: e.occurred_at.toISOString(),
      type: e.type, version: e.version, action: e.action, outcome: e.outcome, actorId: e.actor_id,
      actorKind: e.actor_kind, targetType: e.target_type, targetId: e.target_id, requestId: e.request_id,
      data: e.data, personalDigest: e.personal_digest, prevHash: e.prev_hash,
    }),
  );
}

export interface CheckpointBody {
  id: number;
  createdAt: Date;
  heads: CheckpointHead[];
  prevHash: string;
  keyId: string;
}

/** The checkpoint hash; the Ed25519 signature is over this hex string. */
export function checkpointHash(c: CheckpointBody): string {
  return sha256Hex(canonicalize({ id: c.id, createdAt: c.createdAt.toISOString(), heads: c.heads, prevHash: c.prevHash, keyId: c.keyId }));
}
