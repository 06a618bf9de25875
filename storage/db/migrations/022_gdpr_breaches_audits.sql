-- Breach register (R-GDPR-3, §8.2.j) and audit requests (R-GDPR-6, §8.4).
--
-- A breach is recorded by a vendor operator once, with what Art. 33(3) asks (nature, categories and
-- approximate numbers of people and records, likely consequences, measures taken or proposed, a
-- contact point) and the time the vendor learnt of it: each affected Client must be notified within
-- 48 hours of that time. The record never changes — what is learnt later goes into the follow-up log,
-- dated and append-only — so the register shows what was known and said, and when.
CREATE TABLE gdpr_breach (
  id uuid PRIMARY KEY,
  title text NOT NULL CHECK (length(title) BETWEEN 3 AND 200),
  detected_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL CHECK (recorded_at >= detected_at),
  recorded_by uuid NOT NULL,
  -- the Clients' deadline (§8.2.j(i)): 48 hours from detection, whenever it was recorded
  notify_by timestamptz NOT NULL CHECK (notify_by = detected_at + interval '48 hours'),
  nature text NOT NULL CHECK (length(nature) BETWEEN 3 AND 4000),
  data_categories text[] NOT NULL CHECK (cardinality(data_categories) BETWEEN 1 AND 30),
  subjects_approx integer NOT NULL CHECK (subjects_approx >= 0),
  records_approx bigint NOT NULL CHECK (records_approx >= 0),
  consequences text NOT NULL CHECK (length(consequences) BETWEEN 3 AND 4000),
  measures text NOT NULL CHECK (length(measures) BETWEEN 3 AND 4000),
  -- Art. 33(3)(b): who the Client's DPO can reach for more information
  contact text NOT NULL CHECK (length(contact) BETWEEN 3 AND 500),
  -- every Client at the time of recording, or the ones listed (gdpr_breach_client holds both)
  scope text NOT NULL CHECK (scope IN ('all', 'some'))
);
CREATE INDEX gdpr_breach_detected_idx ON gdpr_breach (detected_at DESC);
CREATE TRIGGER gdpr_breach_no_change BEFORE UPDATE OR DELETE ON gdpr_breach FOR EACH ROW EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER gdpr_breach_no_truncate BEFORE TRUNCATE ON gdpr_breach FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON gdpr_breach TO justif_service;

-- The Clients a breach concerns ("all" is expanded at recording to every Client not destroyed).
CREATE TABLE gdpr_breach_client (
  breach_id uuid NOT NULL REFERENCES gdpr_breach(id),
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  PRIMARY KEY (breach_id, tenant_id)
);
CREATE INDEX gdpr_breach_client_tenant_idx ON gdpr_breach_client (tenant_id);
CREATE TRIGGER gdpr_breach_client_no_change BEFORE UPDATE OR DELETE ON gdpr_breach_client FOR EACH ROW EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON gdpr_breach_client TO justif_service;

-- The notification of one Client, at most once: the primary key makes a second click (or two
-- operators at once) a no-op, and the mails are queued in the transaction that inserts this row.
-- `sent_to` is the proof of who was told (the Client's active admins at the time).
CREATE TABLE gdpr_breach_notification (
  breach_id uuid NOT NULL,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  notified_at timestamptz NOT NULL,
  notified_by uuid NOT NULL,
  sent_to text[] NOT NULL CHECK (cardinality(sent_to) >= 1),
  PRIMARY KEY (breach_id, tenant_id),
  FOREIGN KEY (breach_id, tenant_id) REFERENCES gdpr_breach_client (breach_id, tenant_id)
);
CREATE TRIGGER gdpr_breach_notification_no_change BEFORE UPDATE OR DELETE ON gdpr_breach_notification FOR EACH ROW EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON gdpr_breach_notification TO justif_service;

-- What the vendor learnt or did afterwards (Art. 33(4): information in phases), dated, never edited.
CREATE TABLE gdpr_breach_follow_up (
  id uuid PRIMARY KEY,
  breach_id uuid NOT NULL REFERENCES gdpr_breach(id),
  at timestamptz NOT NULL,
  by_user uuid NOT NULL,
  text text NOT NULL CHECK (length(text) BETWEEN 3 AND 4000)
);
CREATE INDEX gdpr_breach_follow_up_idx ON gdpr_breach_follow_up (breach_id, at);
CREATE TRIGGER gdpr_breach_follow_up_no_change BEFORE UPDATE OR DELETE ON gdpr_breach_follow_up FOR EACH ROW EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER gdpr_breach_follow_up_no_truncate BEFORE TRUNCATE ON gdpr_breach_follow_up FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON gdpr_breach_follow_up TO justif_service;

-- The register is the vendor's: it must still prove, after a Client's contract has ended and its data
-- was destroyed, that the Client was told of a breach and when (§8.2.j; the processor's
-- accountability). These rows hold no data of the Client's people but the addresses the notice went to.
INSERT INTO purge_exempt (table_name, reason) VALUES
  ('gdpr_breach_client', 'the breach register is the vendor''s record of which Clients an incident concerned (§8.2.j)'),
  ('gdpr_breach_notification', 'the proof that the vendor notified the Client of a breach, when and to whom (§8.2.j, 48 hours)');

-- Audit requests (§8.4): a Client's admin proposes a date at least one month ahead and a scope; at
-- most one a year (both rules on Paris calendar dates, checked in the service with the app's clock);
-- the vendor schedules it (the agreed date), then records it done (a report note) or cancelled.
-- These are the Client's requests: the purge removes them with its other data.
CREATE TABLE audit_request (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  requested_at timestamptz NOT NULL,
  requested_by uuid NOT NULL REFERENCES app_user(id),
  proposed_date date NOT NULL,
  scope text NOT NULL CHECK (length(scope) BETWEEN 3 AND 4000),
  status text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'scheduled', 'done', 'cancelled')),
  agreed_date date,
  scheduled_at timestamptz,
  scheduled_by uuid,
  closed_at timestamptz,
  closed_by uuid,
  -- the report's summary (done) or why it was cancelled
  close_note text CHECK (close_note IS NULL OR length(close_note) BETWEEN 3 AND 4000),
  CHECK (status <> 'requested' OR (agreed_date IS NULL AND closed_at IS NULL)),
  CHECK (status NOT IN ('scheduled', 'done') OR (agreed_date IS NOT NULL AND scheduled_at IS NOT NULL)),
  CHECK ((status IN ('done', 'cancelled')) = (closed_at IS NOT NULL AND close_note IS NOT NULL))
);
CREATE INDEX audit_request_tenant_idx ON audit_request (tenant_id, requested_at DESC);
-- A closed request is final; an open one only moves forward.
CREATE FUNCTION audit_request_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF purge_allowed(OLD.tenant_id) THEN RETURN OLD; END IF;
  ELSIF OLD.status IN ('requested', 'scheduled') AND NEW.status <> 'requested'
     AND (NEW.id, NEW.tenant_id, NEW.requested_at, NEW.requested_by, NEW.proposed_date, NEW.scope)
         IS NOT DISTINCT FROM (OLD.id, OLD.tenant_id, OLD.requested_at, OLD.requested_by, OLD.proposed_date, OLD.scope) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_request: % refused (a closed request is final)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_request_guard BEFORE UPDATE OR DELETE ON audit_request FOR EACH ROW EXECUTE FUNCTION audit_request_guard();
GRANT SELECT, INSERT ON audit_request TO justif_service;
GRANT UPDATE (status, agreed_date, scheduled_at, scheduled_by, closed_at, closed_by, close_note) ON audit_request TO justif_service;
