-- The durable job queue (R-OCR-3) and receipt renditions (R-CAP-2).

-- One row per job. Producers insert in their own transaction (a state change and its jobs commit
-- together); workers claim with FOR UPDATE SKIP LOCKED in a short statement, work outside any
-- transaction under a lease, then mark the job done — or queue it again with backoff, or, after
-- max_attempts, leave it dead with its last error. A running job whose lease ran out (a crashed
-- worker) is queued again by any worker. storage/queue/queue.ts holds every statement.
CREATE TABLE job (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL CHECK (name ~ '^[a-z][a-z0-9]*([._-][a-z0-9]+)*$' AND length(name) <= 64),
  payload jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(payload) = 'object'),
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'dead')),
  -- Lower runs first.
  priority smallint NOT NULL DEFAULT 0,
  run_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  lease_until timestamptz,
  -- A fresh token per claim: only the run holding it may finish, fail, extend or release the job.
  lease_token uuid,
  -- Which worker process holds it (diagnostics only).
  locked_by text,
  last_error text,
  -- At most one queued job per (name, key): producers enqueue the same work idempotently.
  singleton_key text CHECK (length(singleton_key) <= 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  CHECK ((state = 'running') = (lease_until IS NOT NULL AND lease_token IS NOT NULL))
);
CREATE INDEX job_claim_idx ON job (priority, id) WHERE state = 'queued';
CREATE INDEX job_lease_idx ON job (lease_until) WHERE state = 'running';
CREATE INDEX job_finished_idx ON job (finished_at) WHERE state IN ('done', 'dead');
CREATE UNIQUE INDEX job_singleton_uq ON job (name, singleton_key) WHERE state = 'queued' AND singleton_key IS NOT NULL;
GRANT SELECT, INSERT, UPDATE, DELETE ON job TO justif_service;

-- Derived files of a receipt original (normalised JPEG, thumbnail, page images of PDFs), each its
-- own object under <client>/derived/<original sha256>/<name>.jpg with its own SHA-256. They go with
-- their original: the receipts cleanup removes the rows and the objects together.
CREATE TABLE receipt_rendition (
  tenant_id uuid NOT NULL,
  original_sha256 char(64) NOT NULL,
  name text NOT NULL CHECK (name ~ '^(normalized|thumbnail|page-[1-9][0-9]{0,2})$'),
  sha256 char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size bigint NOT NULL CHECK (size > 0),
  width integer NOT NULL CHECK (width > 0),
  height integer NOT NULL CHECK (height > 0),
  media_type text NOT NULL CHECK (media_type = 'image/jpeg'),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, original_sha256, name),
  FOREIGN KEY (tenant_id, original_sha256) REFERENCES receipt_blob (tenant_id, sha256) ON DELETE CASCADE
);
GRANT SELECT, INSERT, UPDATE, DELETE ON receipt_rendition TO justif_service;

-- Receipts stored before renditions existed get theirs made by the workers.
INSERT INTO job (name, payload, priority, singleton_key)
SELECT 'receipt.render', jsonb_build_object('tenantId', tenant_id, 'sha256', sha256), 10, tenant_id || ':' || sha256
FROM receipt_blob WHERE ref_count > 0
ORDER BY created_at;
