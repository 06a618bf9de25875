-- Which expenses each export batch holds (R-ACC-4), one row per expense instead of an array on the
-- batch: an export of a million expenses claims them with one INSERT … SELECT (no array built in
-- memory, no million-element parameter), and "which batches hold expense X" is an index lookup.
-- Append-only, like the batches: what was exported stays what was exported.
CREATE TABLE export_batch_expense (
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  -- the rows are written before their batch (its file's hash is known only at the end of the
  -- transaction that claims them): checked at commit
  batch_id uuid NOT NULL REFERENCES export_batch(id) DEFERRABLE INITIALLY DEFERRED,
  expense_id uuid NOT NULL,
  -- 1, 2, … in the order of the batch's entries (expense date, then id): an accounting batch's
  -- expense at position p has entry number entry_from + p - 1. Dense, so the file is read back a
  -- range of positions at a time, which no planner estimate can turn into a scan of the whole batch
  -- per page (a new batch is never in the statistics).
  position integer NOT NULL CHECK (position >= 1),
  PRIMARY KEY (batch_id, expense_id),
  UNIQUE (batch_id, position)
);
CREATE INDEX export_batch_expense_expense_idx ON export_batch_expense (tenant_id, expense_id);
CREATE TRIGGER export_batch_expense_no_change BEFORE UPDATE OR DELETE ON export_batch_expense FOR EACH ROW EXECUTE FUNCTION vault_append_only();
CREATE TRIGGER export_batch_expense_no_truncate BEFORE TRUNCATE ON export_batch_expense FOR EACH STATEMENT EXECUTE FUNCTION vault_append_only();
GRANT SELECT, INSERT ON export_batch_expense TO justif_service;

-- The existing batches' ids move here, in their array's order (an accounting batch's was its
-- entries'); the batch keeps only their count (shown in lists without counting a million rows).
-- One source of truth for the ids: the array goes.
INSERT INTO export_batch_expense (tenant_id, batch_id, expense_id, position)
SELECT tenant_id, batch_id, expense_id, row_number() OVER (PARTITION BY batch_id ORDER BY n)
  FROM (SELECT DISTINCT ON (b.id, x.expense_id) b.tenant_id, b.id AS batch_id, x.expense_id, x.n
          FROM export_batch b CROSS JOIN LATERAL unnest(b.expense_ids) WITH ORDINALITY AS x(expense_id, n)
         ORDER BY b.id, x.expense_id, x.n) d;
ALTER TABLE export_batch ADD COLUMN expense_count integer;
-- the batch's guard refuses every UPDATE but the file-removed mark: lifted for this one backfill,
-- inside the migration's transaction, by the table's owner
ALTER TABLE export_batch DISABLE TRIGGER export_batch_guard;
UPDATE export_batch b SET expense_count = (SELECT count(*) FROM export_batch_expense x WHERE x.batch_id = b.id);
ALTER TABLE export_batch ENABLE TRIGGER export_batch_guard;
ALTER TABLE export_batch ALTER COLUMN expense_count SET NOT NULL;
ALTER TABLE export_batch ADD CONSTRAINT export_batch_expense_count_check CHECK (expense_count >= 1);
ALTER TABLE export_batch DROP COLUMN expense_ids;
