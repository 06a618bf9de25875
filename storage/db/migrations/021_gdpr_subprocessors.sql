-- Subprocessor registry (R-GDPR-1, §8.2.d). Each entry is one subprocessor from `since`; it is in
-- force until a change that removes it takes effect (derived from the changes, so cancelling an
-- announcement needs no rewrite): the current list is the entries in force now, the history every
-- entry and change.
-- A change (add, replace, remove) is announced to every Client's admins with a date it takes effect
-- at least one month later; a Client may object until then. The vendor's decision on an objection
-- (keep the change on hold for that Client, or the Client may terminate) is recorded. These are the
-- vendor's records, kept for every Client: no tenant_id on the registry itself.
CREATE TABLE subprocessor (
  id uuid PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  legal_entity text NOT NULL CHECK (length(legal_entity) BETWEEN 1 AND 300),
  purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
  data_categories text[] NOT NULL CHECK (cardinality(data_categories) >= 1),
  country char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  in_eea boolean NOT NULL,
  -- outside the EU/EEA, the transfer's safeguard (standard contractual clauses, adequacy decision…)
  safeguard text CHECK (safeguard IS NULL OR length(safeguard) BETWEEN 1 AND 500),
  since timestamptz NOT NULL,
  -- seeded from this deployment's configuration, or announced by an operator
  source text NOT NULL CHECK (source IN ('config', 'change')),
  config_key text UNIQUE,
  CHECK (in_eea OR safeguard IS NOT NULL)
);
GRANT SELECT, INSERT ON subprocessor TO justif_service;

CREATE TABLE subprocessor_change (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('add', 'replace', 'remove')),
  -- the entry that comes in (add, replace) and the one that goes (replace, remove)
  added_id uuid REFERENCES subprocessor(id),
  removed_id uuid REFERENCES subprocessor(id),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  announced_at timestamptz NOT NULL,
  effective_at timestamptz NOT NULL,
  announced_by uuid NOT NULL,
  cancelled_at timestamptz,
  CHECK (kind <> 'add' OR (added_id IS NOT NULL AND removed_id IS NULL)),
  CHECK (kind <> 'replace' OR (added_id IS NOT NULL AND removed_id IS NOT NULL)),
  CHECK (kind <> 'remove' OR (added_id IS NULL AND removed_id IS NOT NULL)),
  -- the Clients' month to object (§8.2.d): checked in the service with Paris calendar months, and here as a floor
  CHECK (effective_at >= announced_at + interval '28 days')
);
GRANT SELECT, INSERT, UPDATE (cancelled_at) ON subprocessor_change TO justif_service;

CREATE TABLE subprocessor_objection (
  change_id uuid NOT NULL REFERENCES subprocessor_change(id),
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  objected_at timestamptz NOT NULL,
  objected_by uuid NOT NULL,
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  decision text CHECK (decision IN ('on_hold', 'may_terminate')),
  decided_at timestamptz,
  decided_by uuid,
  decision_note text CHECK (decision_note IS NULL OR length(decision_note) <= 2000),
  PRIMARY KEY (change_id, tenant_id),
  CHECK ((decision IS NULL) = (decided_at IS NULL))
);
GRANT SELECT, INSERT, UPDATE (decision, decided_at, decided_by, decision_note) ON subprocessor_objection TO justif_service;
INSERT INTO purge_exempt (table_name, reason) VALUES ('subprocessor_objection', 'a Client''s objection and the vendor''s decision are the record of its instruction (§8.2.d)');

-- Transfers outside the EU/EEA (R-GDPR-5, §8.3) only on the Client's instruction: a subprocessor
-- located outside is flagged, and each Client's written instruction to allow the transfer recorded.
CREATE TABLE transfer_instruction (
  subprocessor_id uuid NOT NULL REFERENCES subprocessor(id),
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  instructed_at timestamptz NOT NULL,
  instructed_by uuid NOT NULL,
  note text NOT NULL CHECK (length(note) BETWEEN 3 AND 2000),
  PRIMARY KEY (subprocessor_id, tenant_id)
);
CREATE TRIGGER transfer_instruction_no_change BEFORE UPDATE OR DELETE ON transfer_instruction FOR EACH ROW EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON transfer_instruction TO justif_service;
INSERT INTO purge_exempt (table_name, reason) VALUES ('transfer_instruction', 'a Client''s instruction to transfer data outside the EU/EEA is the record of that instruction (§8.3)');
