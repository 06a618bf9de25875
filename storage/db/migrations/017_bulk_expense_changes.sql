-- Expenses changed in bulk (an accounting export moves every expense of a period to `exported`, a
-- purge removes a Client): cheaper row versions and one announcement per statement.
--
-- Room on each page for the new version of a row whose status changes (status, version and
-- updated_at are in no index), so that PostgreSQL can write it on the same page without touching
-- the five indexes (a HOT update). Applies to pages written from now on.
ALTER TABLE expense SET (fillfactor = 80);

-- Live updates (migration 007) announced per statement instead of per row: the rows a statement
-- changed are read from its transition table; up to 100 are announced one by one as before
-- ('<tenant>:<expense id>'), more as one '<tenant>:*' per Client ("anything of this Client may
-- have changed"), so that a million-row export does not queue a million notifications.
CREATE FUNCTION notify_expenses_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF (SELECT count(*) FROM (SELECT 1 FROM changed LIMIT 101) x) <= 100 THEN
    FOR r IN SELECT tenant_id, id FROM changed LOOP
      PERFORM pg_notify('justif_expense', r.tenant_id::text || ':' || r.id::text);
    END LOOP;
  ELSE
    FOR r IN SELECT DISTINCT tenant_id FROM changed LOOP
      PERFORM pg_notify('justif_expense', r.tenant_id::text || ':*');
    END LOOP;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER expense_notify ON expense;
CREATE TRIGGER expense_notify_insert AFTER INSERT ON expense REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_expenses_changed();
CREATE TRIGGER expense_notify_update AFTER UPDATE ON expense REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_expenses_changed();
CREATE TRIGGER expense_notify_delete AFTER DELETE ON expense REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_expenses_changed();
DROP FUNCTION notify_expense_changed();
