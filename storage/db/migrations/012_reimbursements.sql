-- Reimbursement by SEPA credit transfer (R-ACC-5): employees' bank accounts (the IBAN sealed with
-- the data key, AES-256-GCM, never stored in clear; a masked copy for display), the Client's own
-- account (the debtor), and SEPA batches — immutable records of each pain.001 file, confirmed once.

CREATE TABLE bank_account (
  user_id uuid PRIMARY KEY REFERENCES app_user(id),
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  holder text NOT NULL CHECK (length(holder) BETWEEN 1 AND 70),
  iban_sealed bytea NOT NULL,
  iban_masked text NOT NULL,
  country char(2) NOT NULL,
  bic text CHECK (bic ~ '^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$'),
  updated_at timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE, DELETE ON bank_account TO justif_service;

ALTER TABLE accounting_settings ADD COLUMN company_name text CHECK (length(company_name) BETWEEN 1 AND 70);
ALTER TABLE accounting_settings ADD COLUMN company_iban_sealed bytea;
ALTER TABLE accounting_settings ADD COLUMN company_iban_masked text;
ALTER TABLE accounting_settings ADD COLUMN company_bic text CHECK (company_bic ~ '^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$');

CREATE TABLE sepa_batch (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  message_id text NOT NULL,
  execution_date date NOT NULL,
  expense_ids uuid[] NOT NULL,
  transfers integer NOT NULL CHECK (transfers > 0),
  total_minor bigint NOT NULL CHECK (total_minor > 0),
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL,
  file_key text NOT NULL,
  sha256 char(64) NOT NULL,
  size bigint NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'cancelled')),
  closed_at timestamptz,
  closed_by uuid,
  CHECK ((status = 'pending') = (closed_at IS NULL))
);
CREATE INDEX sepa_batch_list_idx ON sepa_batch (tenant_id, created_at DESC);

CREATE FUNCTION sepa_batch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = 'pending' AND NEW.status <> 'pending'
     AND (to_jsonb(NEW) - 'status' - 'closed_at' - 'closed_by') = (to_jsonb(OLD) - 'status' - 'closed_at' - 'closed_by') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'sepa_batch: only closing a pending batch is allowed (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER sepa_batch_guard BEFORE UPDATE OR DELETE ON sepa_batch FOR EACH ROW EXECUTE FUNCTION sepa_batch_guard();
CREATE TRIGGER sepa_batch_no_truncate BEFORE TRUNCATE ON sepa_batch FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON sepa_batch TO justif_service;
GRANT UPDATE (status, closed_at, closed_by) ON sepa_batch TO justif_service;
