-- Usage events (R-BIL-2): the acts that make a user active in a month — an expense created through
-- any channel, a verification, an approval decision, an accounting or payroll export — one row each,
-- written in the transaction of the act itself by the audit service (never a counter). Billing
-- counts active users from them with one set-based query per month.
CREATE TABLE usage_event (
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  user_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('expense', 'verification', 'approval', 'export')),
  occurred_at timestamptz NOT NULL,
  audit_event_id uuid NOT NULL
);
CREATE INDEX usage_event_month_idx ON usage_event (tenant_id, occurred_at, user_id);
CREATE TRIGGER usage_event_no_change BEFORE UPDATE OR DELETE ON usage_event FOR EACH ROW EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER usage_event_no_truncate BEFORE TRUNCATE ON usage_event FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON usage_event TO justif_service;
