-- The archival vault's journal (R-VLT-3): one append-only log of vault events per Client, each
-- entry chained to the previous (prev_hash → entry_hash, SHA-256 of its RFC 8785 form), and the
-- whole log the leaf sequence of an RFC 6962 Merkle tree (leaf = SHA-256(0x00 ‖ that same form)).
-- Checkpoints sign the tree's size and root with the vault key, chained to the previous one; they
-- keep the tree's right edge (`frontier`: the roots of its perfect subtrees, largest first) so the
-- next one only hashes the entries added since.
-- Neither table can be changed or emptied by the service: it has SELECT and INSERT only, and
-- triggers refuse UPDATE, DELETE and TRUNCATE whoever asks (the owner included).

CREATE TABLE vault_journal (
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  seq bigint NOT NULL CHECK (seq >= 0),
  kind text NOT NULL CHECK (kind IN ('deposit', 'check', 'read', 'export', 'hold', 'hold_release', 'retention', 'destruction')),
  deposit_id uuid,
  actor_id uuid,
  occurred_at timestamptz NOT NULL,
  data jsonb NOT NULL,
  prev_hash char(64) NOT NULL,
  entry_hash char(64) NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX vault_journal_deposit_idx ON vault_journal (tenant_id, deposit_id) WHERE deposit_id IS NOT NULL;

CREATE TABLE vault_checkpoint (
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  seq integer NOT NULL CHECK (seq >= 1),
  tree_size bigint NOT NULL CHECK (tree_size >= 0),
  root char(64) NOT NULL,
  frontier jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  prev_hash char(64) NOT NULL,
  key_id text NOT NULL,
  hash char(64) NOT NULL,
  signature text NOT NULL,
  -- RFC 3161 time-stamp token over `hash`, when a TSA is configured
  tsa_token bytea,
  PRIMARY KEY (tenant_id, seq)
);

CREATE FUNCTION vault_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER vault_journal_no_change BEFORE UPDATE OR DELETE ON vault_journal FOR EACH ROW EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER vault_journal_no_truncate BEFORE TRUNCATE ON vault_journal FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER vault_checkpoint_no_change BEFORE UPDATE OR DELETE ON vault_checkpoint FOR EACH ROW EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER vault_checkpoint_no_truncate BEFORE TRUNCATE ON vault_checkpoint FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();

GRANT SELECT, INSERT ON vault_journal, vault_checkpoint TO justif_service;
