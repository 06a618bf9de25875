-- The archival vault (R-VLT): the option per Client, deposits (write-once records of receipt
-- originals copied into the vault location), legal holds, two-person destruction, integrity sweeps
-- and the storage-write log's head. Evidence tables are append-only for everyone: the service has
-- SELECT and INSERT only, and triggers refuse UPDATE, DELETE and TRUNCATE whoever asks. Tables with
-- a life cycle (a hold released, a destruction carried out) allow exactly that one change, once.

CREATE TABLE vault_settings (
  tenant_id uuid PRIMARY KEY REFERENCES tenant(id),
  enabled boolean NOT NULL DEFAULT false,
  -- when originals are deposited: once the expense is verified, or as soon as they are uploaded
  deposit_at text NOT NULL DEFAULT 'verified' CHECK (deposit_at IN ('verified', 'upload')),
  -- kept this many years after the end of the fiscal year of the expense (Code de commerce L123-22: 10)
  retention_years integer NOT NULL DEFAULT 10 CHECK (retention_years BETWEEN 6 AND 30),
  -- the fiscal year's last day, MM-DD
  fiscal_year_end char(5) NOT NULL DEFAULT '12-31' CHECK (fiscal_year_end ~ '^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid
);
GRANT SELECT, INSERT, UPDATE ON vault_settings TO justif_service;

CREATE TABLE vault_deposit (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  expense_id uuid NOT NULL,
  receipt_id uuid,
  sha256 char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  sha512 char(128) NOT NULL CHECK (sha512 ~ '^[0-9a-f]{128}$'),
  size bigint NOT NULL CHECK (size > 0),
  media_type text NOT NULL,
  original_name text NOT NULL CHECK (length(original_name) BETWEEN 1 AND 255),
  depositor_id uuid NOT NULL,
  deposited_at timestamptz NOT NULL,
  retention_until date NOT NULL,
  -- where the bytes are in the vault location: <tenant>/<sha256>, one object for equal bytes
  object_key text NOT NULL,
  journal_seq bigint NOT NULL,
  UNIQUE (tenant_id, expense_id, sha256),
  FOREIGN KEY (tenant_id, journal_seq) REFERENCES vault_journal (tenant_id, seq)
);
CREATE INDEX vault_deposit_list_idx ON vault_deposit (tenant_id, deposited_at DESC, id);
CREATE INDEX vault_deposit_sha_idx ON vault_deposit (tenant_id, sha256);
CREATE INDEX vault_deposit_retention_idx ON vault_deposit (tenant_id, retention_until);

-- A legal hold blocks destruction, even after the retention end, until it is released.
-- deposit_id NULL: every deposit of the Client.
CREATE TABLE vault_hold (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  deposit_id uuid REFERENCES vault_deposit(id),
  owner text NOT NULL CHECK (length(owner) BETWEEN 1 AND 200),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  review_on date NOT NULL,
  placed_at timestamptz NOT NULL,
  placed_by uuid NOT NULL,
  released_at timestamptz,
  released_by uuid,
  release_reason text CHECK (length(release_reason) BETWEEN 1 AND 2000),
  CHECK ((released_at IS NULL) = (released_by IS NULL) AND (released_at IS NULL) = (release_reason IS NULL))
);
CREATE INDEX vault_hold_active_idx ON vault_hold (tenant_id, deposit_id) WHERE released_at IS NULL;

-- Destruction: asked with the list found eligible by the analysis, carried out once two different
-- people (operators or the Client's admins) approved it. Its certificate stays forever.
CREATE TABLE vault_destruction (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  kind text NOT NULL CHECK (kind IN ('retention', 'contract_end')),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  deposit_ids uuid[] NOT NULL CHECK (cardinality(deposit_ids) > 0),
  requested_by uuid NOT NULL,
  requested_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'cancelled')),
  closed_at timestamptz,
  -- the destruction certificate (RFC 8785 JSON) and its SHA-256
  certificate jsonb,
  certificate_sha256 char(64),
  CHECK ((status = 'pending') = (closed_at IS NULL)),
  CHECK ((status = 'done') = (certificate IS NOT NULL))
);
CREATE TABLE vault_destruction_approval (
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  destruction_id uuid NOT NULL REFERENCES vault_destruction(id),
  approver_id uuid NOT NULL,
  approved_at timestamptz NOT NULL,
  PRIMARY KEY (destruction_id, approver_id)
);
CREATE TABLE vault_destroyed (
  deposit_id uuid PRIMARY KEY REFERENCES vault_deposit(id),
  tenant_id uuid NOT NULL,
  destruction_id uuid NOT NULL REFERENCES vault_destruction(id),
  destroyed_at timestamptz NOT NULL
);

-- Integrity sweeps: progress (resumable from `cursor`, the last object key checked) and counts.
CREATE TABLE vault_sweep (
  id uuid PRIMARY KEY,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  cursor text,
  checked integer NOT NULL DEFAULT 0,
  bytes bigint NOT NULL DEFAULT 0,
  mismatched integer NOT NULL DEFAULT 0,
  missing integer NOT NULL DEFAULT 0
);
GRANT SELECT, INSERT, UPDATE ON vault_sweep TO justif_service;

-- The storage-write log lives in the vault location (one object per write or delete, in a folder
-- per day, each chained to the previous); this row is only its head, to append without listing.
CREATE TABLE vault_store_log_head (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq bigint NOT NULL,
  hash char(64) NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON vault_store_log_head TO justif_service;

-- Append-only evidence.
CREATE TRIGGER vault_deposit_no_change BEFORE UPDATE OR DELETE ON vault_deposit FOR EACH ROW EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER vault_deposit_no_truncate BEFORE TRUNCATE ON vault_deposit FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER vault_destroyed_no_change BEFORE UPDATE OR DELETE ON vault_destroyed FOR EACH ROW EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER vault_destroyed_no_truncate BEFORE TRUNCATE ON vault_destroyed FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER vault_destruction_approval_no_change BEFORE UPDATE OR DELETE ON vault_destruction_approval FOR EACH ROW EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER vault_destruction_approval_no_truncate BEFORE TRUNCATE ON vault_destruction_approval FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON vault_deposit, vault_destroyed, vault_destruction_approval TO justif_service;

-- A hold: released once, nothing else changes; never deleted.
CREATE FUNCTION vault_hold_release_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' OR OLD.released_at IS NOT NULL OR NEW.released_at IS NULL
     OR (NEW.id, NEW.tenant_id, NEW.deposit_id, NEW.owner, NEW.reason, NEW.review_on, NEW.placed_at, NEW.placed_by)
        IS DISTINCT FROM (OLD.id, OLD.tenant_id, OLD.deposit_id, OLD.owner, OLD.reason, OLD.review_on, OLD.placed_at, OLD.placed_by) THEN
    RAISE EXCEPTION 'vault_hold: only releasing an active hold is allowed (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER vault_hold_guard BEFORE UPDATE OR DELETE ON vault_hold FOR EACH ROW EXECUTE FUNCTION vault_hold_release_only();
CREATE TRIGGER vault_hold_no_truncate BEFORE TRUNCATE ON vault_hold FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON vault_hold TO justif_service;
GRANT UPDATE (released_at, released_by, release_reason) ON vault_hold TO justif_service;

-- A destruction request: closed once (done with its certificate, or cancelled), nothing else changes.
CREATE FUNCTION vault_destruction_close_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' OR OLD.status <> 'pending' OR NEW.status = 'pending'
     OR (NEW.id, NEW.tenant_id, NEW.kind, NEW.reason, NEW.deposit_ids, NEW.requested_by, NEW.requested_at)
        IS DISTINCT FROM (OLD.id, OLD.tenant_id, OLD.kind, OLD.reason, OLD.deposit_ids, OLD.requested_by, OLD.requested_at) THEN
    RAISE EXCEPTION 'vault_destruction: only closing a pending request is allowed (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER vault_destruction_guard BEFORE UPDATE OR DELETE ON vault_destruction FOR EACH ROW EXECUTE FUNCTION vault_destruction_close_only();
CREATE TRIGGER vault_destruction_no_truncate BEFORE TRUNCATE ON vault_destruction FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON vault_destruction TO justif_service;
GRANT UPDATE (status, closed_at, certificate, certificate_sha256) ON vault_destruction TO justif_service;
