-- Runs before every migration batch (idempotent). The service never owns a table: it works
-- through the NOLOGIN role justif_service, which each migration grants exactly what it needs.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'justif_service') THEN
    CREATE ROLE justif_service NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- another process created it first
END $$;
DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO justif_service', current_schema()); END $$;
CREATE TABLE IF NOT EXISTS schema_migration (
  name text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON schema_migration TO justif_service;
-- One function refuses every change to append-only tables, for every role, owner included.
CREATE OR REPLACE FUNCTION refuse_append_only_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
