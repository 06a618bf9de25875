-- Receipts (R-CAP-2): the original bytes are stored once per Client under <client>/<sha256>
-- (receipt_blob, reference-counted) and attached to expenses by receipt rows.

CREATE TABLE receipt_blob (
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  sha256 char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size bigint NOT NULL CHECK (size > 0),
  media_type text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif', 'application/pdf')),
  -- How many receipt rows use these bytes, kept by the trigger below whatever deletes a receipt
  -- (including an expense's cascade); at 0 the cleanup job removes the object after an hour.
  ref_count integer NOT NULL DEFAULT 0 CHECK (ref_count >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  released_at timestamptz,
  PRIMARY KEY (tenant_id, sha256)
);
CREATE INDEX receipt_blob_released_idx ON receipt_blob (released_at) WHERE ref_count = 0;

CREATE TABLE receipt (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  expense_id uuid NOT NULL REFERENCES expense(id) ON DELETE CASCADE,
  sha256 char(64) NOT NULL,
  original_name text NOT NULL CHECK (length(original_name) BETWEEN 1 AND 255),
  uploaded_by uuid NOT NULL REFERENCES app_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, sha256) REFERENCES receipt_blob (tenant_id, sha256)
);
CREATE INDEX receipt_expense_idx ON receipt (tenant_id, expense_id, created_at);
CREATE INDEX receipt_sha_idx ON receipt (tenant_id, sha256);

CREATE FUNCTION receipt_blob_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE receipt_blob SET ref_count = ref_count + 1, released_at = NULL WHERE tenant_id = NEW.tenant_id AND sha256 = NEW.sha256;
    RETURN NEW;
  END IF;
  UPDATE receipt_blob SET ref_count = ref_count - 1, released_at = CASE WHEN ref_count = 1 THEN now() ELSE released_at END
    WHERE tenant_id = OLD.tenant_id AND sha256 = OLD.sha256;
  RETURN OLD;
END $$;
CREATE TRIGGER receipt_ref_count AFTER INSERT OR DELETE ON receipt FOR EACH ROW EXECUTE FUNCTION receipt_blob_count();

GRANT SELECT, INSERT, UPDATE, DELETE ON receipt_blob TO justif_service;
-- A receipt never changes what it points at: no UPDATE.
GRANT SELECT, INSERT, DELETE ON receipt TO justif_service;
