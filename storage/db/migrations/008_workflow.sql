-- Approval workflow (R-WF), compliance verification and VAT recovery rules (R-ACC-1).
--
-- expense.status moves only through api/features/workflow/state-machine.ts. What an approver
-- approves is a signed act (`approval`, append-only, R-WF-3); who is expected to approve is the
-- round's `approval_step` rows, computed at submission from the chain the admin configured.

-- The Client's workflow settings: who approves when the submitter has no manager (or manages
-- themselves), whether weekends and public holidays are flagged, daily digest hour.
CREATE TABLE workflow_settings (
  tenant_id uuid PRIMARY KEY REFERENCES tenant(id),
  fallback_approver_id uuid REFERENCES app_user(id),
  flag_weekends boolean NOT NULL DEFAULT true,
  flag_holidays boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Levels added above amounts (in the Client's currency): "> €500 also the department head".
-- team_id NULL: the Client's default chain; a team with levels of its own uses those instead.
CREATE TABLE approval_level (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  team_id uuid REFERENCES team(id),
  above_minor bigint NOT NULL CHECK (above_minor >= 0),
  approver_id uuid NOT NULL REFERENCES app_user(id),
  label text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX approval_level_idx ON approval_level (tenant_id, team_id, above_minor);

-- A manager away names a delegate for a period (Europe/Paris calendar days, both included).
CREATE TABLE delegation (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  manager_id uuid NOT NULL REFERENCES app_user(id),
  delegate_id uuid NOT NULL REFERENCES app_user(id),
  starts_on date NOT NULL,
  ends_on date NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  CHECK (ends_on >= starts_on),
  CHECK (delegate_id <> manager_id)
);
CREATE INDEX delegation_delegate_idx ON delegation (tenant_id, delegate_id) WHERE revoked_at IS NULL;
CREATE INDEX delegation_manager_idx ON delegation (tenant_id, manager_id) WHERE revoked_at IS NULL;

ALTER TABLE expense ADD COLUMN approval_round integer NOT NULL DEFAULT 0;
ALTER TABLE expense ADD COLUMN submitted_at timestamptz;
ALTER TABLE expense ADD COLUMN self_validated boolean NOT NULL DEFAULT false;
-- The last decision's reason or comment (rejected, returned), shown to the employee.
ALTER TABLE expense ADD COLUMN status_comment text CHECK (length(status_comment) <= 2000);

-- Who must approve in the current round, level by level. The manager queue reads this table:
-- one index on (tenant, approver, state) finds "pending for me" without touching expense rows
-- beyond those returned, so the queue stays fast with millions of expenses in the Client.
CREATE TABLE approval_step (
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  expense_id uuid NOT NULL REFERENCES expense(id) ON DELETE CASCADE,
  round integer NOT NULL,
  level smallint NOT NULL CHECK (level >= 1),
  approver_id uuid NOT NULL REFERENCES app_user(id),
  -- why this level: the manager, the fallback (no manager), or a threshold level
  reason text NOT NULL CHECK (reason IN ('manager', 'fallback', 'threshold')),
  label text NOT NULL,
  state text NOT NULL CHECK (state IN ('waiting', 'pending', 'approved', 'voided')),
  decided_at timestamptz,
  PRIMARY KEY (expense_id, round, level)
);
CREATE INDEX approval_step_queue_idx ON approval_step (tenant_id, approver_id, state) INCLUDE (expense_id) WHERE state = 'pending';

-- Signed acts (R-WF-3): append-only. `content` is the expense version decided on, in the form
-- hashed (RFC 8785) into content_hash — with its receipts' SHA-256; `record_hash` covers the whole
-- act (people by id only; IP and user agent are in approval_personal, under a salted digest, so
-- that erasing them never breaks a hash: R-SEC-6). Only voided_at/void_reason may be set, once.
CREATE TABLE approval (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  expense_id uuid NOT NULL REFERENCES expense(id),
  round integer NOT NULL,
  level smallint,
  decision text NOT NULL CHECK (decision IN ('approved', 'rejected', 'returned', 'verified', 'self_validated')),
  actor_id uuid NOT NULL,
  on_behalf_of uuid,
  auth_method text NOT NULL CHECK (auth_method IN ('password', 'oidc', 'api_token')),
  decided_at timestamptz NOT NULL,
  expense_version integer NOT NULL,
  content jsonb NOT NULL,
  content_hash char(64) NOT NULL,
  acknowledged jsonb NOT NULL DEFAULT '[]',
  comment text CHECK (length(comment) <= 2000),
  personal_digest char(64) NOT NULL,
  record_hash char(64) NOT NULL,
  voided_at timestamptz,
  void_reason text
);
CREATE INDEX approval_expense_idx ON approval (tenant_id, expense_id, decided_at);

CREATE TABLE approval_personal (
  approval_id uuid PRIMARY KEY REFERENCES approval(id),
  salt text NOT NULL,
  ip text,
  user_agent text
);

CREATE FUNCTION approval_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION 'approvals are append-only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.voided_at IS NOT NULL OR NEW.voided_at IS NULL
     OR (to_jsonb(NEW) - 'voided_at' - 'void_reason') IS DISTINCT FROM (to_jsonb(OLD) - 'voided_at' - 'void_reason') THEN
    RAISE EXCEPTION 'an approval can only be voided, once' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER approval_guard_row BEFORE UPDATE OR DELETE ON approval FOR EACH ROW EXECUTE FUNCTION approval_guard();
CREATE TRIGGER approval_guard_truncate BEFORE TRUNCATE ON approval FOR EACH STATEMENT EXECUTE FUNCTION approval_guard();

-- Every transition, in order (R-WF-1, item 9): who (for whom), from, to, comment, when.
CREATE TABLE expense_transition (
  id bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  expense_id uuid NOT NULL REFERENCES expense(id) ON DELETE CASCADE,
  from_status text NOT NULL,
  to_status text NOT NULL,
  actor_id uuid,
  on_behalf_of uuid,
  comment text,
  occurred_at timestamptz NOT NULL
);
CREATE INDEX expense_transition_idx ON expense_transition (tenant_id, expense_id, id);

-- A verifier's corrections: old and new value of each field, shown to the employee.
CREATE TABLE expense_correction (
  id bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  expense_id uuid NOT NULL REFERENCES expense(id),
  field text NOT NULL CHECK (field IN ('categoryId', 'vatLines', 'amountMinor')),
  old_value jsonb NOT NULL,
  new_value jsonb NOT NULL,
  actor_id uuid NOT NULL,
  comment text CHECK (length(comment) <= 2000),
  occurred_at timestamptz NOT NULL
);
CREATE INDEX expense_correction_idx ON expense_correction (tenant_id, expense_id, id);

-- Policies (R-WF-4), per category: limits per expense and per day (Client currency), receipt
-- required above an amount. Violations are shown, never blocking.
CREATE TABLE category_policy (
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  category_id uuid NOT NULL REFERENCES category(id),
  per_expense_minor bigint CHECK (per_expense_minor >= 0),
  per_day_minor bigint CHECK (per_day_minor >= 0),
  receipt_above_minor bigint CHECK (receipt_above_minor >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, category_id)
);

-- VAT recovery rules (R-ACC-1), versioned by effective date: an expense uses the version in force
-- at its date. A new version is a new row; rows are never changed.
CREATE TABLE vat_rule (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  category_id uuid NOT NULL REFERENCES category(id),
  effective_from date NOT NULL,
  recoverable_bp integer NOT NULL CHECK (recoverable_bp BETWEEN 0 AND 10000),
  expense_account text NOT NULL CHECK (expense_account ~ '^[0-9A-Z]{3,20}$'),
  vat_account text NOT NULL CHECK (vat_account ~ '^[0-9A-Z]{3,20}$'),
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, category_id, effective_from)
);

-- In-app notifications; e-mails go through mail_outbox. Approvers may take a daily digest instead.
CREATE TABLE notification (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  user_id uuid NOT NULL REFERENCES app_user(id),
  kind text NOT NULL,
  expense_id uuid REFERENCES expense(id) ON DELETE CASCADE,
  data jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz
);
CREATE INDEX notification_user_idx ON notification (tenant_id, user_id, created_at DESC);
ALTER TABLE app_user ADD COLUMN approval_digest boolean NOT NULL DEFAULT false;

GRANT SELECT, INSERT, UPDATE ON workflow_settings, category_policy TO justif_service;
GRANT SELECT, INSERT, DELETE ON approval_level TO justif_service;
GRANT SELECT, INSERT, UPDATE ON delegation TO justif_service;
GRANT SELECT, INSERT, UPDATE ON approval_step TO justif_service;
GRANT SELECT, INSERT ON approval, approval_personal, expense_transition, expense_correction, vat_rule TO justif_service;
GRANT UPDATE (voided_at, void_reason) ON approval TO justif_service;
GRANT USAGE ON SEQUENCE expense_transition_id_seq, expense_correction_id_seq TO justif_service;
GRANT SELECT, INSERT, UPDATE ON notification TO justif_service;
