-- Reversibility (R-REV-1): full exports of a Client, made in the background, kept for download
-- for a limited time.
CREATE TABLE client_export (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  requested_by uuid NOT NULL,
  requested_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  -- {"step": "tables" | "receipts" | "finishing", "done": n, "total": n}
  progress jsonb NOT NULL DEFAULT '{}',
  file_key text,
  sha256 char(64),
  size bigint,
  files integer,
  finished_at timestamptz,
  expires_at timestamptz,
  error text
);
CREATE INDEX client_export_list_idx ON client_export (tenant_id, requested_at DESC);
GRANT SELECT, INSERT, UPDATE ON client_export TO justif_service;
