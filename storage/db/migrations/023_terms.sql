-- Terms of use and privacy notice (R-GDPR-8, §15.1, §8.2.k). Each document is versioned: a version
-- applies from its date (announced to every user at least one calendar month before, checked in the
-- service with Paris months); the one in force is the latest whose date has come. The text is kept
-- (French and English Markdown) with its SHA-256, so what a user accepted can be shown again.
-- These are the vendor's records for every Client: no tenant_id on the versions.
CREATE TABLE legal_version (
  id uuid PRIMARY KEY,
  document text NOT NULL CHECK (document IN ('terms', 'privacy')),
  version text NOT NULL CHECK (version ~ '^[0-9A-Za-z.-]{1,40}$'),
  applies_from timestamptz NOT NULL,
  published_at timestamptz NOT NULL,
  published_by uuid,
  -- a change that affects the processing of personal data: the Clients' admins are told at once
  affects_processing boolean NOT NULL,
  summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 2000),
  body_fr text NOT NULL CHECK (length(body_fr) BETWEEN 1 AND 200000),
  body_en text NOT NULL CHECK (length(body_en) BETWEEN 1 AND 200000),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  -- seeded from docs/legal at start, or published by an operator
  source text NOT NULL CHECK (source IN ('file', 'operator')),
  UNIQUE (document, version)
);
CREATE INDEX legal_version_document_idx ON legal_version (document, applies_from DESC);
CREATE TRIGGER legal_version_no_change BEFORE UPDATE OR DELETE ON legal_version FOR EACH ROW EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER legal_version_no_truncate BEFORE TRUNCATE ON legal_version FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON legal_version TO justif_service;

-- A user's acceptance of one version: append-only. tenant_id is null for vendor staff; a Client's
-- rows go with its other data when it is destroyed (the purge exception of vault_append_only()).
CREATE TABLE legal_acceptance (
  id uuid PRIMARY KEY,
  tenant_id uuid REFERENCES tenant(id),
  user_id uuid NOT NULL REFERENCES app_user(id),
  version_id uuid NOT NULL REFERENCES legal_version(id),
  accepted_at timestamptz NOT NULL,
  ip text,
  UNIQUE (user_id, version_id)
);
CREATE TRIGGER legal_acceptance_no_change BEFORE UPDATE OR DELETE ON legal_acceptance FOR EACH ROW EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER legal_acceptance_no_truncate BEFORE TRUNCATE ON legal_acceptance FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON legal_acceptance TO justif_service;
