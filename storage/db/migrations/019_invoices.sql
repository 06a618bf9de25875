-- Invoices (R-BIL-3): one per Client and month, drafted from the month's active users, then numbered
-- at finalisation from a locked counter in one unbroken sequence per year (2026-000123) — the number
-- and the "issued" state commit together, so a crash leaves a draft (finished by the next run),
-- never a gap. Issued invoices are immutable (corrected by credit notes); only the payment date is
-- set, once. They are the vendor's records: the end-of-contract purge keeps them.
ALTER TABLE tenant
  ADD COLUMN billing_email text CHECK (billing_email IS NULL OR billing_email ~ '^[^@\s]+@[^@\s]+$'),
  ADD COLUMN billing_address text CHECK (billing_address IS NULL OR length(billing_address) <= 500),
  ADD COLUMN siren char(9) CHECK (siren IS NULL OR siren ~ '^[0-9]{9}$'),
  ADD COLUMN vat_number text CHECK (vat_number IS NULL OR vat_number ~ '^[A-Z]{2}[0-9A-Z]{2,13}$');

CREATE TABLE invoice_counter (
  year integer PRIMARY KEY,
  last_number integer NOT NULL CHECK (last_number >= 0)
);
GRANT SELECT, INSERT, UPDATE ON invoice_counter TO justif_service;

CREATE TABLE invoice (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  kind text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
  -- the month billed (invoices); a credit note names the invoice it corrects
  period char(7) CHECK (period ~ '^\d{4}-(0[1-9]|1[0-2])$'),
  corrects_id uuid REFERENCES invoice(id),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'issued')),
  number text UNIQUE CHECK (number ~ '^\d{4}-\d{6}$'),
  created_at timestamptz NOT NULL,
  issued_at timestamptz,
  due_at timestamptz,
  currency char(3) NOT NULL,
  -- [{ "label", "quantity", "unitMinor", "amountMinor", "vat": true|false }]
  lines jsonb NOT NULL,
  total_ht_minor bigint NOT NULL,
  vat_rate_bp integer NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
  vat_minor bigint NOT NULL,
  total_ttc_minor bigint NOT NULL CHECK (total_ttc_minor = total_ht_minor + vat_minor),
  -- the VAT mention printed (reverse charge, outside the scope of French VAT), or null
  vat_mention text,
  -- the Client's and the issuer's identities as they were when issued
  client jsonb NOT NULL,
  issuer jsonb NOT NULL,
  price_list text NOT NULL,
  active_users integer,
  paid_at timestamptz,
  CHECK ((status = 'issued') = (number IS NOT NULL AND issued_at IS NOT NULL)),
  CHECK ((kind = 'invoice') = (period IS NOT NULL AND corrects_id IS NULL))
);
-- exactly one invoice per Client and month, whatever runs at once
CREATE UNIQUE INDEX invoice_month_uq ON invoice (tenant_id, period) WHERE kind = 'invoice';
CREATE INDEX invoice_tenant_idx ON invoice (tenant_id, created_at DESC);
CREATE INDEX invoice_draft_idx ON invoice (created_at, id) WHERE status = 'draft';

CREATE FUNCTION invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = 'draft' THEN
    RETURN NEW; -- a draft is finished (numbered, issued) or recomputed
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.paid_at IS NULL AND NEW.paid_at IS NOT NULL
     AND (to_jsonb(NEW) - 'paid_at') = (to_jsonb(OLD) - 'paid_at') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'an issued invoice is immutable (% refused): correct it with a credit note', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER invoice_guard BEFORE UPDATE OR DELETE ON invoice FOR EACH ROW EXECUTE FUNCTION invoice_guard();
CREATE TRIGGER invoice_no_truncate BEFORE TRUNCATE ON invoice FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON invoice TO justif_service;
GRANT UPDATE ON invoice TO justif_service;

INSERT INTO purge_exempt (table_name, reason) VALUES ('invoice', 'invoices are the vendor''s accounting records (kept 10 years)');
