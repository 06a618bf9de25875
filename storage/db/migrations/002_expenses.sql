-- Expenses (R-CAP-1), their categories and payment methods, and the Client's exchange rates.

-- Admin-managed; archived (active = false) rather than deleted, since expenses keep pointing at them.
-- `code` marks the French default set a new Client starts with (NULL for the admin's own).
CREATE TABLE category (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  code text,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX category_name_uq ON category (tenant_id, lower(name));
CREATE UNIQUE INDEX category_code_uq ON category (tenant_id, code) WHERE code IS NOT NULL;

-- How an expense was paid: with the employee's own money (reimbursable) or a company card (not).
CREATE TABLE payment_method (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  code text,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  reimbursable boolean NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX payment_method_name_uq ON payment_method (tenant_id, lower(name));

-- Units of `currency` for one unit of the Client's currency on `rate_date` (the ECB's convention:
-- 1 EUR = 1.0545 USD). Entered by an admin or imported from the ECB reference-rate file.
CREATE TABLE exchange_rate (
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  currency char(3) NOT NULL,
  rate_date date NOT NULL,
  rate numeric(20, 10) NOT NULL CHECK (rate > 0),
  source text NOT NULL CHECK (source IN ('manual', 'ecb')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, currency, rate_date)
);

CREATE TABLE expense (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  user_id uuid NOT NULL REFERENCES app_user(id),
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'submitted', 'approved', 'verified', 'exported', 'reimbursed', 'rejected', 'returned')),
  kind text NOT NULL CHECK (kind IN ('receipt', 'mileage', 'per_diem')),
  expense_date date NOT NULL,
  merchant text NOT NULL DEFAULT '' CHECK (length(merchant) <= 200),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
  category_id uuid NOT NULL REFERENCES category(id),
  payment_method_id uuid REFERENCES payment_method(id),
  reimbursable boolean NOT NULL,
  -- Money in integer minor units with its ISO 4217 code; never floats.
  amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
  currency char(3) NOT NULL,
  -- The same amount in the Client's currency, with the rate used and its date.
  converted_minor bigint NOT NULL CHECK (converted_minor >= 0),
  client_currency char(3) NOT NULL,
  rate numeric(20, 10) NOT NULL CHECK (rate > 0),
  rate_date date NOT NULL,
  project text CHECK (length(project) <= 100),
  attendees jsonb NOT NULL DEFAULT '[]',
  -- Raw OCR text, kept for search and audit (filled by the OCR worker).
  ocr_text text NOT NULL DEFAULT '',
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  search tsvector GENERATED ALWAYS AS (
    to_tsvector('french', merchant || ' ' || description || ' ' || coalesce(project, '') || ' ' || ocr_text)
  ) STORED
);
CREATE INDEX expense_user_idx ON expense (tenant_id, user_id, expense_date DESC, id DESC);
CREATE INDEX expense_list_idx ON expense (tenant_id, expense_date DESC, id DESC);
CREATE INDEX expense_search_idx ON expense USING gin (search);
CREATE INDEX expense_dup_idx ON expense (tenant_id, user_id, expense_date, amount_minor);

-- VAT lines of an expense: rate in basis points (2000 = 20 %), base and VAT in minor units.
CREATE TABLE expense_vat_line (
  expense_id uuid NOT NULL REFERENCES expense(id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  position smallint NOT NULL,
  rate_bp integer NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
  base_minor bigint NOT NULL CHECK (base_minor >= 0),
  vat_minor bigint NOT NULL CHECK (vat_minor >= 0),
  PRIMARY KEY (expense_id, position)
);

GRANT SELECT, INSERT, UPDATE ON category, payment_method, exchange_rate TO justif_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON expense, expense_vat_line TO justif_service;
