-- Live updates (R-OCR-2: the employee's screen follows the reading of a receipt without polling).
-- Committed changes are announced with NOTIFY; API processes LISTEN and push them to the screens
-- that show the expense (server-sent events). Payloads carry ids only: a listener re-reads what it
-- may see through the tenant wall, so nothing a Client owns travels on a channel.
--   justif_expense  '<tenant_id>:<expense id>'   an expense row inserted, updated or deleted
--   justif_receipt  '<tenant_id>:<sha256>'       a receipt job (OCR, renditions) queued or finished
-- PostgreSQL folds identical notifications of one transaction into one.

CREATE FUNCTION notify_expense_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r expense;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  PERFORM pg_notify('justif_expense', r.tenant_id::text || ':' || r.id::text);
  RETURN NULL;
END $$;

CREATE TRIGGER expense_notify AFTER INSERT OR UPDATE OR DELETE ON expense
  FOR EACH ROW EXECUTE FUNCTION notify_expense_changed();

CREATE FUNCTION notify_receipt_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.singleton_key IS NOT NULL AND NEW.name LIKE 'receipt.%'
     AND (TG_OP = 'INSERT' OR OLD.state IS DISTINCT FROM NEW.state) THEN
    PERFORM pg_notify('justif_receipt', NEW.singleton_key);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER job_notify AFTER INSERT OR UPDATE OF state ON job
  FOR EACH ROW EXECUTE FUNCTION notify_receipt_job();
