-- Vendor staff's access to a Client's data (§8.2.a: the processor acts only on the Client's
-- instructions). A support agent (or operator) reads a Client's data only under a grant its admin
-- created: which scopes, why, until when (at most 7 days); the admin may revoke it at any time.
-- Every read under a grant is written to the Client's audit chain by the service. Grants are the
-- Client's instructions: the purge at the end of the contract removes them with its other data.
CREATE TABLE access_grant (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  grantee_id uuid NOT NULL REFERENCES app_user(id),
  scopes text[] NOT NULL CHECK (cardinality(scopes) BETWEEN 1 AND 5
    AND scopes <@ ARRAY['users', 'expenses', 'receipts', 'settings', 'audit']::text[]),
  reason text NOT NULL CHECK (length(reason) BETWEEN 3 AND 1000),
  created_by uuid NOT NULL REFERENCES app_user(id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL CHECK (expires_at > created_at AND expires_at <= created_at + interval '7 days'),
  revoked_at timestamptz,
  revoked_by uuid,
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX access_grant_tenant_idx ON access_grant (tenant_id, created_at DESC);
CREATE INDEX access_grant_grantee_idx ON access_grant (grantee_id, expires_at);
-- A grant never changes but for its revocation, once.
CREATE FUNCTION access_grant_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF purge_allowed(OLD.tenant_id) THEN RETURN OLD; END IF;
  ELSIF OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
     AND (NEW.id, NEW.tenant_id, NEW.grantee_id, NEW.scopes, NEW.reason, NEW.created_by, NEW.created_at, NEW.expires_at)
         IS NOT DISTINCT FROM (OLD.id, OLD.tenant_id, OLD.grantee_id, OLD.scopes, OLD.reason, OLD.created_by, OLD.created_at, OLD.expires_at) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'access_grant: % refused (a grant is only ever revoked, once)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER access_grant_guard BEFORE UPDATE OR DELETE ON access_grant FOR EACH ROW EXECUTE FUNCTION access_grant_guard();
GRANT SELECT, INSERT ON access_grant TO justif_service;
GRANT UPDATE (revoked_at, revoked_by) ON access_grant TO justif_service;
