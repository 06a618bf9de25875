-- End of contract (R-REV-2). An operator records the termination: the Client becomes read-only for
-- its users, its data stays downloadable for 30 days, then a scheduled job destroys every row and
-- object of the Client — its vault deposits through the vault's two-person destruction path, as the
-- Client instructed at termination — and keeps a destruction certificate in the vendor's records.
--
-- The append-only tables refuse DELETE to everyone. One exception is cut, narrowly: purge_tenant(),
-- owned by the migrations' owner and run with its rights, may delete the rows of ONE Client that is
-- terminated and whose 30 days are over. The guards let a DELETE through only when it runs inside
-- that function (current_user is not the service role) for the Client it is purging.

ALTER TABLE tenant DROP CONSTRAINT tenant_status_check;
ALTER TABLE tenant ADD CONSTRAINT tenant_status_check CHECK (status IN ('active', 'suspended', 'terminated', 'destroyed'));

-- The vendor's record of a termination (kept after the purge, with the certificate).
CREATE TABLE tenant_termination (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  terminated_at timestamptz NOT NULL,
  terminated_by uuid NOT NULL,
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  -- what the Client instructed for its vault deposits still under retention: handed back in the
  -- final export then destroyed, or destroyed (the Client keeps its own copies)
  vault_instruction text NOT NULL CHECK (vault_instruction IN ('return_then_destroy', 'destroy')),
  -- where the written instruction is (letter, signed form, ticket…)
  instruction_ref text NOT NULL CHECK (length(instruction_ref) BETWEEN 1 AND 500),
  purge_after timestamptz NOT NULL CHECK (purge_after >= terminated_at + interval '30 days'),
  final_export_id uuid,
  vault_destruction_id uuid,
  cancelled_at timestamptz,
  cancelled_by uuid
);
CREATE UNIQUE INDEX tenant_termination_open_uq ON tenant_termination (tenant_id) WHERE cancelled_at IS NULL;
GRANT SELECT, INSERT ON tenant_termination TO justif_service;
GRANT UPDATE (final_export_id, vault_destruction_id, cancelled_at, cancelled_by) ON tenant_termination TO justif_service;

-- Destruction certificates (vendor records): what was destroyed, when, counted and hashed.
CREATE TABLE contract_destruction (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id) UNIQUE,
  termination_id uuid NOT NULL REFERENCES tenant_termination(id),
  executed_at timestamptz NOT NULL,
  certificate jsonb NOT NULL,
  certificate_sha256 char(64) NOT NULL CHECK (certificate_sha256 ~ '^[0-9a-f]{64}$'),
  pdf_key text NOT NULL,
  pdf_sha256 char(64) NOT NULL CHECK (pdf_sha256 ~ '^[0-9a-f]{64}$'),
  -- set once, when the objects listed in the certificate are all gone from the store
  objects_removed_at timestamptz
);
CREATE FUNCTION contract_destruction_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.objects_removed_at IS NULL AND NEW.objects_removed_at IS NOT NULL
     AND (to_jsonb(NEW) - 'objects_removed_at') = (to_jsonb(OLD) - 'objects_removed_at') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'contract_destruction is immutable: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER contract_destruction_guard BEFORE UPDATE OR DELETE ON contract_destruction FOR EACH ROW EXECUTE FUNCTION contract_destruction_guard();
CREATE TRIGGER contract_destruction_no_truncate BEFORE TRUNCATE ON contract_destruction FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON contract_destruction TO justif_service;
GRANT UPDATE (objects_removed_at) ON contract_destruction TO justif_service;

-- The final export made at termination lasts until the purge (not the usual 7 days).
ALTER TABLE client_export ADD COLUMN link_until timestamptz;

-- Tables with a tenant_id that the purge leaves: the vendor's own records about the Client.
-- (Later vendor-side tables — invoices — are added here by their migrations.)
CREATE TABLE purge_exempt (
  table_name text PRIMARY KEY,
  reason text NOT NULL
);
INSERT INTO purge_exempt (table_name, reason) VALUES
  ('tenant', 'the Client''s identity, referred to by the vendor''s records; its status becomes destroyed'),
  ('tenant_termination', 'the vendor''s record of the termination and of the Client''s instruction'),
  ('contract_destruction', 'the destruction certificate, kept by the vendor');
GRANT SELECT ON purge_exempt TO justif_service;

-- Is this DELETE part of the purge of Client t? Only inside purge_tenant() (run as the owner, never
-- as the service role), for the Client it is purging, terminated and past its 30 days.
CREATE FUNCTION purge_allowed(t uuid) RETURNS boolean LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT t IS NOT NULL
     AND current_user <> 'justif_service'
     AND coalesce(current_setting('justif.purging', true), '') = t::text
     AND EXISTS (SELECT 1 FROM tenant_termination x JOIN tenant c ON c.id = x.tenant_id
                 WHERE x.tenant_id = t AND x.cancelled_at IS NULL AND x.purge_after <= now() AND c.status = 'terminated')
$$;

-- The guards of the append-only tables, each with the purge exception first.
CREATE OR REPLACE FUNCTION vault_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'ROW' AND TG_OP = 'DELETE' THEN
    IF purge_allowed((to_jsonb(OLD) ->> 'tenant_id')::uuid) THEN RETURN OLD; END IF;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
-- audit_event's row guard was refuse_append_only_change(), which 000_bootstrap re-creates on every
-- run: the events of a purged Client's chain go through the function above instead.
DROP TRIGGER audit_event_append_only ON audit_event;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event FOR EACH ROW EXECUTE FUNCTION vault_append_only();

CREATE OR REPLACE FUNCTION approval_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF purge_allowed(OLD.tenant_id) THEN RETURN OLD; END IF;
  END IF;
  IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION 'approvals are append-only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.voided_at IS NOT NULL OR NEW.voided_at IS NULL
     OR (to_jsonb(NEW) - 'voided_at' - 'void_reason') IS DISTINCT FROM (to_jsonb(OLD) - 'voided_at' - 'void_reason') THEN
    RAISE EXCEPTION 'an approval can only be voided, once' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION vault_hold_release_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF purge_allowed(OLD.tenant_id) THEN RETURN OLD; END IF;
  END IF;
  IF TG_OP <> 'UPDATE' OR OLD.released_at IS NOT NULL OR NEW.released_at IS NULL
     OR (NEW.id, NEW.tenant_id, NEW.deposit_id, NEW.owner, NEW.reason, NEW.review_on, NEW.placed_at, NEW.placed_by)
        IS DISTINCT FROM (OLD.id, OLD.tenant_id, OLD.deposit_id, OLD.owner, OLD.reason, OLD.review_on, OLD.placed_at, OLD.placed_by) THEN
    RAISE EXCEPTION 'vault_hold: only releasing an active hold is allowed (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION vault_destruction_close_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF purge_allowed(OLD.tenant_id) THEN RETURN OLD; END IF;
  END IF;
  IF TG_OP <> 'UPDATE' OR OLD.status <> 'pending' OR NEW.status = 'pending'
     OR (NEW.id, NEW.tenant_id, NEW.kind, NEW.reason, NEW.deposit_ids, NEW.requested_by, NEW.requested_at)
        IS DISTINCT FROM (OLD.id, OLD.tenant_id, OLD.kind, OLD.reason, OLD.deposit_ids, OLD.requested_by, OLD.requested_at) THEN
    RAISE EXCEPTION 'vault_destruction: only closing a pending request is allowed (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION export_batch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF purge_allowed(OLD.tenant_id) THEN RETURN OLD; END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.file_deleted_at IS NULL AND NEW.file_deleted_at IS NOT NULL
     AND (to_jsonb(NEW) - 'file_deleted_at') = (to_jsonb(OLD) - 'file_deleted_at') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'export_batch is immutable: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION sepa_batch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF purge_allowed(OLD.tenant_id) THEN RETURN OLD; END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status = 'pending' AND NEW.status <> 'pending'
     AND (to_jsonb(NEW) - 'status' - 'closed_at' - 'closed_by') = (to_jsonb(OLD) - 'status' - 'closed_at' - 'closed_by') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'sepa_batch: only closing a pending batch is allowed (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

-- Deletes every row of Client t (but the vendor's records in purge_exempt) and marks it destroyed;
-- returns the number of rows destroyed per table. Children before parents: a table whose DELETE still
-- meets a foreign key is tried again after the others (each try is its own subtransaction), so a
-- table added later is purged without this function knowing it.
CREATE FUNCTION purge_tenant(t uuid) RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  pending text[];
  failed text[];
  tbl text;
  n bigint;
  counts jsonb := '{}'::jsonb;
  progressed boolean;
BEGIN
  PERFORM set_config('justif.purging', t::text, true);
  IF NOT purge_allowed(t) THEN
    RAISE EXCEPTION 'Client % is not terminated, or its 30 days after termination are not over', t USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- rows without a tenant_id column, found through their parents
  DELETE FROM approval_personal WHERE approval_id IN (SELECT id FROM approval WHERE tenant_id = t);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('approval_personal', n);
  DELETE FROM audit_personal WHERE event_id IN (SELECT id FROM audit_event WHERE tenant_id = t);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('audit_personal', n);
  DELETE FROM user_token WHERE user_id IN (SELECT id FROM app_user WHERE tenant_id = t);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('user_token', n);
  DELETE FROM user_identity WHERE user_id IN (SELECT id FROM app_user WHERE tenant_id = t);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('user_identity', n);
  DELETE FROM mail_outbox WHERE lower(to_address) IN (SELECT lower(email) FROM app_user WHERE tenant_id = t);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('mail_outbox', n);
  DELETE FROM job WHERE payload ->> 'tenantId' = t::text;
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('job', n);
  -- the one cycle of foreign keys (a team's manager is a user, a user's team is a team)
  UPDATE team SET manager_id = NULL WHERE tenant_id = t;
  UPDATE app_user SET manager_id = NULL, team_id = NULL WHERE tenant_id = t;

  SELECT coalesce(array_agg(c.relname::text ORDER BY c.relname), '{}') INTO pending
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
   WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
     AND c.relname NOT IN (SELECT table_name FROM purge_exempt);
  -- counted before anything goes (ON DELETE CASCADE takes some rows with their parents)
  FOREACH tbl IN ARRAY pending LOOP
    EXECUTE format('SELECT count(*) FROM %I WHERE tenant_id = $1', tbl) INTO n USING t;
    counts := counts || jsonb_build_object(tbl, n);
  END LOOP;
  LOOP
    failed := '{}';
    progressed := false;
    FOREACH tbl IN ARRAY pending LOOP
      BEGIN
        EXECUTE format('DELETE FROM %I WHERE tenant_id = $1', tbl) USING t;
        progressed := true;
      EXCEPTION WHEN foreign_key_violation THEN
        failed := failed || tbl;
      END;
    END LOOP;
    EXIT WHEN cardinality(failed) = 0;
    IF NOT progressed THEN
      RAISE EXCEPTION 'purge of Client %: rows of % are still referenced', t, failed;
    END IF;
    pending := failed;
  END LOOP;
  UPDATE tenant SET status = 'destroyed' WHERE id = t;
  PERFORM set_config('justif.purging', '', true);
  RETURN counts;
END $$;
REVOKE ALL ON FUNCTION purge_tenant(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_tenant(uuid) TO justif_service;
