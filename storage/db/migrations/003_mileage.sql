-- Expense kinds without a receipt (R-CAP-4): mileage priced with the French barème kilométrique,
-- and per-diem allowances at a fixed rate maintained by the admin.

-- An employee's own vehicles. Archived rather than deleted once trips point at them.
-- fiscal_hp is the "puissance fiscale" (CV) of the registration certificate; a moped's single
-- scale needs none.
CREATE TABLE vehicle (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  user_id uuid NOT NULL REFERENCES app_user(id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  kind text NOT NULL CHECK (kind IN ('car', 'motorcycle', 'moped')),
  fiscal_hp smallint CHECK (fiscal_hp BETWEEN 1 AND 99),
  electric boolean NOT NULL DEFAULT false,
  archived boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (kind = 'moped' OR fiscal_hp IS NOT NULL)
);
CREATE INDEX vehicle_user_idx ON vehicle (tenant_id, user_id);

-- A fixed allowance per unit (day, meal), in the Client's currency, for expenses dated on or after
-- valid_from. Never edited in amount (expenses derive from it): a new rate replaces an archived one.
CREATE TABLE per_diem_rate (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  currency char(3) NOT NULL,
  category_id uuid NOT NULL REFERENCES category(id),
  valid_from date NOT NULL,
  archived boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX per_diem_rate_name_uq ON per_diem_rate (tenant_id, lower(name), valid_from);

-- A mileage trip: the one-way distance in exact tenths of a km (counted twice for a round trip),
-- and the year of the barème that priced it. A per-diem: the rate and the number of units.
ALTER TABLE expense
  ADD COLUMN vehicle_id uuid REFERENCES vehicle(id),
  ADD COLUMN distance_km numeric(8, 1) CHECK (distance_km > 0),
  ADD COLUMN trip_from text CHECK (length(trip_from) BETWEEN 1 AND 200),
  ADD COLUMN trip_to text CHECK (length(trip_to) BETWEEN 1 AND 200),
  ADD COLUMN trip_purpose text CHECK (length(trip_purpose) BETWEEN 1 AND 500),
  ADD COLUMN round_trip boolean,
  ADD COLUMN mileage_scale_year smallint CHECK (mileage_scale_year BETWEEN 2000 AND 2999),
  ADD COLUMN per_diem_rate_id uuid REFERENCES per_diem_rate(id),
  ADD COLUMN per_diem_units integer CHECK (per_diem_units BETWEEN 1 AND 1000);

-- Mileage rows have every trip column (and no payment method: the employee is owed the allowance);
-- other rows have none of them. Same for per-diem.
ALTER TABLE expense ADD CONSTRAINT expense_mileage_ck CHECK (
  CASE WHEN kind = 'mileage'
    THEN vehicle_id IS NOT NULL AND distance_km IS NOT NULL AND trip_from IS NOT NULL AND trip_to IS NOT NULL
      AND trip_purpose IS NOT NULL AND round_trip IS NOT NULL AND mileage_scale_year IS NOT NULL
      AND payment_method_id IS NULL AND reimbursable AND currency = 'EUR'
    ELSE vehicle_id IS NULL AND distance_km IS NULL AND trip_from IS NULL AND trip_to IS NULL
      AND trip_purpose IS NULL AND round_trip IS NULL AND mileage_scale_year IS NULL
  END
);
ALTER TABLE expense ADD CONSTRAINT expense_per_diem_ck CHECK (
  CASE WHEN kind = 'per_diem'
    THEN per_diem_rate_id IS NOT NULL AND per_diem_units IS NOT NULL AND payment_method_id IS NULL AND reimbursable
    ELSE per_diem_rate_id IS NULL AND per_diem_units IS NULL
  END
);
-- A vehicle's trips of one year in pricing order (expense_date, created_at, id).
CREATE INDEX expense_vehicle_idx ON expense (tenant_id, vehicle_id, expense_date, created_at, id) WHERE vehicle_id IS NOT NULL;

-- Vehicles with no trip may be deleted; per-diem rates are archived, never deleted.
GRANT SELECT, INSERT, UPDATE, DELETE ON vehicle TO justif_service;
GRANT SELECT, INSERT, UPDATE ON per_diem_rate TO justif_service;
