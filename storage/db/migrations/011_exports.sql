-- Exports for accounting and payroll (R-ACC-2..4): the Client's accounting settings (accounts,
-- journal, file formats, the next entry number),
-- employees' auxiliary accounts (their payroll id exists already), and export batches — immutable records of what was exported, by whom, with the file's hash.

CREATE TABLE accounting_settings (
  tenant_id uuid PRIMARY KEY REFERENCES tenant(id),
  siren char(9) CHECK (siren ~ '^[0-9]{9}$'),
  journal_code text NOT NULL DEFAULT 'NDF' CHECK (journal_code ~ '^[A-Z0-9]{1,8}$'),
  journal_label text NOT NULL DEFAULT 'Notes de frais' CHECK (length(journal_label) BETWEEN 1 AND 100),
  employee_account text NOT NULL DEFAULT '421' CHECK (employee_account ~ '^[1-8][0-9A-Z]{1,15}$'),
  card_account text NOT NULL DEFAULT '467' CHECK (card_account ~ '^[1-8][0-9A-Z]{1,15}$'),
  default_expense_account text NOT NULL DEFAULT '6256' CHECK (default_expense_account ~ '^[1-8][0-9A-Z]{1,15}$'),
  default_vat_account text NOT NULL DEFAULT '44566' CHECK (default_vat_account ~ '^[1-8][0-9A-Z]{1,15}$'),
  csv_delimiter text NOT NULL DEFAULT ';' CHECK (csv_delimiter IN (';', ',', 'tab')),
  csv_decimal_comma boolean NOT NULL DEFAULT true,
  csv_bom boolean NOT NULL DEFAULT true,
  fec_separator text NOT NULL DEFAULT 'tab' CHECK (fec_separator IN ('tab', 'pipe')),
  -- entries are numbered continuously across batches: the next one to give
  next_entry_number bigint NOT NULL DEFAULT 1 CHECK (next_entry_number >= 1),
  -- export files are kept this long; after that the record and the hash stay
  file_retention_days integer NOT NULL DEFAULT 365 CHECK (file_retention_days BETWEEN 1 AND 3650),
  updated_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON accounting_settings TO justif_service;

ALTER TABLE app_user ADD COLUMN accounting_aux text CHECK (accounting_aux ~ '^[0-9A-Z]{1,17}$');

CREATE TABLE export_batch (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  kind text NOT NULL CHECK (kind IN ('accounting', 'payroll')),
  format text NOT NULL CHECK (format IN ('csv', 'fec', 'xlsx')),
  period_from date NOT NULL,
  period_to date NOT NULL CHECK (period_to >= period_from),
  filters jsonb NOT NULL,
  expense_ids uuid[] NOT NULL,
  reexport boolean NOT NULL,
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL,
  file_key text NOT NULL,
  file_name text NOT NULL,
  media_type text NOT NULL,
  sha256 char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size bigint NOT NULL,
  row_count integer NOT NULL,
  entry_from bigint,
  entry_to bigint,
  -- set once, when the file is removed at the end of its retention (the record and hash stay)
  file_deleted_at timestamptz
);
CREATE INDEX export_batch_list_idx ON export_batch (tenant_id, created_at DESC, id);

CREATE FUNCTION export_batch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.file_deleted_at IS NULL AND NEW.file_deleted_at IS NOT NULL
     AND (to_jsonb(NEW) - 'file_deleted_at') = (to_jsonb(OLD) - 'file_deleted_at') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'export_batch is immutable: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER export_batch_guard BEFORE UPDATE OR DELETE ON export_batch FOR EACH ROW EXECUTE FUNCTION export_batch_guard();
CREATE TRIGGER export_batch_no_truncate BEFORE TRUNCATE ON export_batch FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON export_batch TO justif_service;
GRANT UPDATE (file_deleted_at) ON export_batch TO justif_service;

-- Payroll export presets (R-ACC-3): which columns, under which headers, per category or not.
CREATE TABLE payroll_preset (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- [{ "field": "payrollId" | "employeeName" | "email" | "periodFrom" | "periodTo" | "category" | "expenses" | "amount" | "currency", "header": "…" }]
  columns jsonb NOT NULL,
  per_category boolean NOT NULL DEFAULT false,
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (tenant_id, name)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON payroll_preset TO justif_service;
