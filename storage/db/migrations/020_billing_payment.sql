-- Billing, second part (R-BIL-3..5): invoices mailed with their PDF, plan changes, credit notes,
-- late payment (written notice, suspension 48 hours later, interest and the €40 indemnity charged on
-- the next invoice).

-- Mail attachments ([{ "filename", "contentType", "base64" }]), blanked once sent like the body.
ALTER TABLE mail_outbox ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]';

-- The plan's history (R-BIL-4): the plan billed for a month is the one in force at its end, so a
-- Solo Client that moves to Team during a month is billed Team for the whole of it.
CREATE TABLE plan_change (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  at timestamptz NOT NULL,
  from_plan text NOT NULL CHECK (from_plan IN ('solo', 'team', 'enterprise')),
  to_plan text NOT NULL CHECK (to_plan IN ('solo', 'team', 'enterprise')),
  user_limit integer CHECK (user_limit >= 1),
  -- the admin (in the product) or the vendor's operator who made it
  by_user uuid NOT NULL,
  CHECK (from_plan <> to_plan OR user_limit IS NOT NULL)
);
CREATE INDEX plan_change_tenant_idx ON plan_change (tenant_id, at);
CREATE TRIGGER plan_change_no_change BEFORE UPDATE OR DELETE ON plan_change FOR EACH ROW EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON plan_change TO justif_service;

-- Enterprise is a request to the vendor (R-BIL-4), answered by an operator.
CREATE TABLE plan_request (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  requested_at timestamptz NOT NULL,
  requested_by uuid NOT NULL,
  message text NOT NULL CHECK (length(message) BETWEEN 1 AND 2000),
  closed_at timestamptz,
  closed_by uuid
);
CREATE UNIQUE INDEX plan_request_open_uq ON plan_request (tenant_id) WHERE closed_at IS NULL;
GRANT SELECT, INSERT, UPDATE ON plan_request TO justif_service;

-- What each issued invoice still asks: its amount less the credit notes issued against it.
CREATE INDEX invoice_corrects_idx ON invoice (corrects_id) WHERE corrects_id IS NOT NULL;
CREATE VIEW invoice_balance AS
  SELECT i.id, i.tenant_id, i.number, i.issued_at, i.due_at, i.paid_at, i.total_ttc_minor,
         i.total_ttc_minor + COALESCE((SELECT sum(c.total_ttc_minor) FROM invoice c WHERE c.corrects_id = i.id AND c.status = 'issued'), 0)::bigint AS balance_minor
  FROM invoice i
  WHERE i.kind = 'invoice' AND i.status = 'issued';
GRANT SELECT ON invoice_balance TO justif_service;

-- The written notice (R-BIL-5): sent once per unpaid invoice after the grace period; access is
-- suspended 48 hours later unless the invoice is paid. Suspension is derived from these rows and
-- the payment, never stored: paying lifts it at once.
CREATE TABLE invoice_notice (
  invoice_id uuid PRIMARY KEY REFERENCES invoice(id),
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  sent_at timestamptz NOT NULL,
  suspend_at timestamptz NOT NULL CHECK (suspend_at = sent_at + interval '48 hours'),
  amount_due_minor bigint NOT NULL CHECK (amount_due_minor > 0),
  sent_to text NOT NULL
);
CREATE INDEX invoice_notice_tenant_idx ON invoice_notice (tenant_id);
CREATE TRIGGER invoice_notice_no_change BEFORE UPDATE OR DELETE ON invoice_notice FOR EACH ROW EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON invoice_notice TO justif_service;

-- Late-payment charges (R-BIL-5) put on a later invoice: interest at three times the legal rate in
-- force at the due date, per day, from the due date (or the end of the last charge) to the payment
-- (or the drafting of the invoice that carries it), and the €40 indemnity once per late invoice.
CREATE TABLE late_charge (
  late_invoice_id uuid NOT NULL REFERENCES invoice(id),
  on_invoice_id uuid NOT NULL REFERENCES invoice(id),
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  from_at timestamptz NOT NULL,
  to_at timestamptz NOT NULL CHECK (to_at >= from_at),
  days integer NOT NULL CHECK (days >= 0),
  legal_rate_bp integer NOT NULL CHECK (legal_rate_bp >= 0),
  interest_minor bigint NOT NULL CHECK (interest_minor >= 0),
  indemnity_minor bigint NOT NULL CHECK (indemnity_minor IN (0, 4000)),
  PRIMARY KEY (late_invoice_id, on_invoice_id)
);
CREATE UNIQUE INDEX late_charge_indemnity_uq ON late_charge (late_invoice_id) WHERE indemnity_minor > 0;
CREATE INDEX late_charge_on_idx ON late_charge (on_invoice_id);
CREATE TRIGGER late_charge_no_change BEFORE UPDATE OR DELETE ON late_charge FOR EACH ROW EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON late_charge TO justif_service;

INSERT INTO purge_exempt (table_name, reason) VALUES
  ('invoice_notice', 'the written notices of unpaid invoices are the vendor''s records'),
  ('late_charge', 'late-payment charges are part of the vendor''s invoices');

-- Each issued invoice or credit note is mailed once with its PDF to the Client's billing contact
-- (or its admins): recorded in the transaction that queues the mail, so a crash between numbering
-- and mailing is caught up by the next run and nothing is mailed twice. No tenant_id: the record
-- stays with the invoice it belongs to.
CREATE TABLE invoice_mail (
  invoice_id uuid PRIMARY KEY REFERENCES invoice(id),
  queued_at timestamptz NOT NULL,
  sent_to text[] NOT NULL
);
GRANT SELECT, INSERT ON invoice_mail TO justif_service;
