-- OCR (R-OCR): what the worker read on each receipt original (once per Client and SHA-256), and
-- on expenses which fields the user typed (OCR never overwrites them) and which OCR filled.

CREATE TABLE receipt_ocr (
  tenant_id uuid NOT NULL,
  sha256 char(64) NOT NULL,
  source text NOT NULL CHECK (source IN ('ocr', 'pdf-text')),
  text text NOT NULL,
  -- {merchant, date, total, currency, vat: [{rate, base, amount}], confidence: {...}}
  fields jsonb NOT NULL,
  ms integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, sha256),
  FOREIGN KEY (tenant_id, sha256) REFERENCES receipt_blob (tenant_id, sha256) ON DELETE CASCADE
);

ALTER TABLE expense ADD COLUMN user_fields text[] NOT NULL DEFAULT '{}';
ALTER TABLE expense ADD COLUMN ocr_fields text[] NOT NULL DEFAULT '{}';
ALTER TABLE expense ADD COLUMN ocr_confidence jsonb NOT NULL DEFAULT '{}';
-- Expenses recorded before OCR existed were typed in full.
UPDATE expense SET user_fields = ARRAY['date', 'merchant', 'amountMinor', 'currency', 'vatLines'];

GRANT SELECT, INSERT, UPDATE, DELETE ON receipt_ocr TO justif_service;
